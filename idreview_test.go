package tuopin_test

import (
	"testing"

	"github.com/tuopin/tuopin"
)

func TestIDReviewRedact(t *testing.T) {
	h := newHousehold()
	r := &tuopin.IDReview{IDNumber: h.Members[0].IDNumber, Source: "form", ExistingHouseholdID: 9, ExistingArea: "451223100202"}
	if err := r.SetIncoming(h); err != nil {
		t.Fatal(err)
	}
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	if r.IncomingArea != h.AreaCode || r.IncomingNumber != h.Number || r.Year != h.Year {
		t.Fatalf("review = %+v", r)
	}
	got, err := r.IncomingHousehold()
	if err != nil || got.Number != h.Number || len(got.Members) != len(h.Members) {
		t.Fatalf("incoming = %+v, %v", got, err)
	}
	// The county of the incoming record loses the link to the other.
	c := *r
	c.Redact(h.AreaCode[:6])
	if c.ExistingHouseholdID != 0 || c.Incoming == nil {
		t.Fatalf("redacted for the incoming side: %+v", c)
	}
	c = *r
	c.Redact("451223")
	if c.ExistingHouseholdID != 9 || c.Incoming != nil {
		t.Fatalf("redacted for the existing side: %+v", c)
	}
	c = *r
	c.Redact("")
	if c.ExistingHouseholdID != 9 || c.Incoming == nil {
		t.Fatalf("redacted for the nation: %+v", c)
	}
}

func TestIDReviewResolveValidate(t *testing.T) {
	for _, res := range tuopin.IDReviewResolutions {
		v := tuopin.IDReviewResolve{Resolution: res, Note: "核实"}
		if err := v.Validate(); err != nil {
			t.Errorf("%s: %v", res, err)
		}
	}
	f := tuopin.ErrorFields((&tuopin.IDReviewResolve{Resolution: "drop"}).Validate())
	if f["resolution"].Code != "invalid_choice" || f["note"].Code != "required" {
		t.Fatalf("fields = %v", f)
	}
}
