package tuopin_test

import (
	"testing"

	"github.com/tuopin/tuopin"
)

func TestCodeValidate(t *testing.T) {
	for _, c := range tuopin.DefaultCodes {
		if err := c.Validate(); err != nil {
			t.Errorf("seed %s/%s: %v", c.Kind, c.Code, err)
		}
	}
	for _, c := range []struct {
		code        tuopin.Code
		field, want string
	}{
		{tuopin.Code{Kind: "colour", Code: "1", Label: "红"}, "kind", "invalid_choice"},
		{tuopin.Code{Kind: tuopin.CodeCause, Label: "x"}, "code", "required"},
		{tuopin.Code{Kind: tuopin.CodeCause, Code: "12345678901234567", Label: "x"}, "code", "too_long"},
		{tuopin.Code{Kind: tuopin.CodeCause, Code: "因婚", Label: "x"}, "code", "invalid_code_chars"},
		{tuopin.Code{Kind: tuopin.CodeCause, Code: "12", Label: "  "}, "label", "required"},
		{tuopin.Code{Kind: tuopin.CodeCause, Code: "12", Label: "x", ValidFrom: 1980}, "valid_from", "code_year"},
		{tuopin.Code{Kind: tuopin.CodeCause, Code: "12", Label: "x", ValidFrom: 2020, ValidTo: 2019}, "valid_to", "before_valid_from"},
		{tuopin.Code{Kind: tuopin.CodeCause, Code: "12", Label: "x", Ord: -1}, "ord", "negative"},
	} {
		if f := tuopin.ErrorFields(c.code.Validate())[c.field]; f.Code != c.want {
			t.Errorf("%+v: %s = %+v, want %s", c.code, c.field, f, c.want)
		}
	}
	ok := tuopin.Code{Kind: tuopin.CodeCause, Code: "A-1_b", Label: "x", ValidFrom: 2016, ValidTo: 2016}
	if err := ok.Validate(); err != nil {
		t.Error(err)
	}
}

func TestIsWorkflowCode(t *testing.T) {
	for _, c := range [][2]string{{tuopin.CodeStatus, tuopin.StatusPoor}, {tuopin.CodeStatus, tuopin.StatusPreExit},
		{tuopin.CodeRelation, tuopin.RelationHead}, {tuopin.CodeYesNo, tuopin.Yes}} {
		if !tuopin.IsWorkflowCode(c[0], c[1]) {
			t.Errorf("%v is not a workflow code", c)
		}
	}
	if tuopin.IsWorkflowCode(tuopin.CodeCause, "01") || tuopin.IsWorkflowCode(tuopin.CodeRelation, "02") {
		t.Error("an ordinary code counts as workflow")
	}
}
