package tuopin_test

import (
	"reflect"
	"testing"

	"github.com/tuopin/tuopin"
)

func TestLevelOfCode(t *testing.T) {
	for code, want := range map[string]tuopin.Level{
		"450000000000": tuopin.LevelProvince,
		"451200000000": tuopin.LevelCity,
		"451224000000": tuopin.LevelCounty,
		"451224102000": tuopin.LevelTownship,
		"451224102203": tuopin.LevelVillage,
	} {
		if got := tuopin.LevelOfCode(code); got != want {
			t.Errorf("LevelOfCode(%s) = %d, want %d", code, got, want)
		}
	}
	if got := tuopin.PrefixOfCode("451224102000"); got != "451224102" {
		t.Errorf("PrefixOfCode = %q", got)
	}
}

func TestParseAreaRef(t *testing.T) {
	for in, want := range map[string]string{
		"45": "45", "4512": "4512", " 451224 ": "451224", "451224102": "451224102",
		"451224000000": "451224", "451224102203": "451224102203",
	} {
		if got, ok := tuopin.ParseAreaRef(in); !ok || got != want {
			t.Errorf("ParseAreaRef(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "4", "45122", "4512241", "45a224", "4512241022031"} {
		if _, ok := tuopin.ParseAreaRef(bad); ok {
			t.Errorf("ParseAreaRef(%q) accepted", bad)
		}
	}
}

func TestPrefixRange(t *testing.T) {
	lo, hi, ok := tuopin.PrefixRange("451224")
	if !ok || lo != "451224" || hi != "451225" {
		t.Fatalf("got %q %q %v", lo, hi, ok)
	}
	// A prefix ending in 9 still bounds correctly: ':' sorts after '9'.
	lo, hi, _ = tuopin.PrefixRange("4519")
	for _, code := range []string{"451900000000", "451999999999"} {
		if !(code >= lo && code < hi) {
			t.Errorf("%s not in [%s,%s)", code, lo, hi)
		}
	}
	if "452000000000" < hi {
		t.Errorf("452000000000 inside range of 4519")
	}
	if _, _, ok := tuopin.PrefixRange(""); ok {
		t.Fatal("nation has a range")
	}
}

func TestAncestorPrefixes(t *testing.T) {
	if got := tuopin.AncestorPrefixes("451224102"); !reflect.DeepEqual(got, []string{"45", "4512", "451224"}) {
		t.Fatalf("got %v", got)
	}
	if got := tuopin.AncestorPrefixes("45"); len(got) != 0 {
		t.Fatalf("got %v", got)
	}
}

func TestAreaValidate(t *testing.T) {
	ok := &tuopin.Area{Code: "451224102203", Name: "某村", Level: tuopin.LevelVillage, ParentCode: "451224102000"}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := &tuopin.Area{Code: "451224102203", Name: "某村", Level: tuopin.LevelVillage, ParentCode: "451224103000"}
	if f := tuopin.ErrorFields(bad.Validate()); f["parent_code"].Code != "invalid_parent" {
		t.Fatalf("fields = %v", f)
	}
	if f := tuopin.ErrorFields((&tuopin.Area{Code: "4512", Level: 9}).Validate()); len(f) != 3 {
		t.Fatalf("fields = %v", f)
	}
}
