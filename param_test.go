package tuopin_test

import (
	"testing"

	"github.com/tuopin/tuopin"
)

func TestParamSetLookup(t *testing.T) {
	s := tuopin.NewParamSet([]tuopin.Parameter{
		{Kind: tuopin.ParamMonitoringLine, Year: 2024, Region: "", Value: 7000_00, Source: "x"},
		{Kind: tuopin.ParamMonitoringLine, Year: 2024, Region: "52", Value: 7500_00, Source: "x"},
		{Kind: tuopin.ParamMonitoringLine, Year: 2024, Region: "522732", Value: 7600_00, Source: "x"},
	})
	for code, want := range map[string]tuopin.Money{
		"522732100201": 7600_00, // the county's own
		"520102001001": 7500_00, // the province's
		"451224104201": 7000_00, // national
	} {
		p, ok := s.Lookup(tuopin.ParamMonitoringLine, 2024, code)
		if !ok || p.Value != want {
			t.Errorf("Lookup(%s) = %v, %v; want %v", code, p.Value, ok, want)
		}
	}
	if _, ok := s.Lookup(tuopin.ParamMonitoringLine, 2023, "451224104201"); ok {
		t.Error("a year without figures found one")
	}
	if _, ok := s.Lookup(tuopin.ParamPovertyLine, 2024, "451224104201"); ok {
		t.Error("another kind found")
	}
}

func TestDefaultParameters(t *testing.T) {
	for _, p := range tuopin.DefaultParameters {
		if err := p.Validate(); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
	s := tuopin.NewParamSet(tuopin.DefaultParameters)
	if p, ok := s.Lookup(tuopin.ParamPovertyLine, 2015, "451224104201"); !ok || p.Value != 2855_00 || !p.Verified {
		t.Fatalf("2015 line = %+v, %v", p, ok)
	}
	if _, ok := s.Lookup(tuopin.ParamMonitoringLine, 2023, "451224104201"); ok {
		t.Fatal("Guizhou's monitoring line applied in Guangxi")
	}
}

func TestParameterValidate(t *testing.T) {
	bad := tuopin.Parameter{Kind: "x", Year: 1999, Region: "4512241", Value: 0}
	f := tuopin.ErrorFields(bad.Validate())
	for _, k := range []string{"kind", "year", "region", "value", "source"} {
		if _, ok := f[k]; !ok {
			t.Errorf("no error on %s: %v", k, f)
		}
	}
}
