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

func TestParameterValidate_Kinds(t *testing.T) {
	ok := []tuopin.Parameter{
		{Kind: tuopin.ParamPovertyLine, Year: 2016, Region: "45", Value: 3000_00, Source: "x"},
		{Kind: tuopin.ParamIncomeExcluded, Year: 2016, Region: "45", Text: "transfer_pension,transfer_dibao", Source: "x"},
		{Kind: tuopin.ParamIncomeExcluded, Year: 2016, Region: "451224", Text: "", Source: "x"}, // everything counts
	}
	for _, p := range ok {
		if err := p.Validate(); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
	for _, c := range []struct {
		p           tuopin.Parameter
		field, code string
	}{
		{tuopin.Parameter{Kind: tuopin.ParamIncomeExcluded, Year: 2016, Text: "transfer_pension,pension", Source: "x"}, "text", "unknown_income_key"},
		{tuopin.Parameter{Kind: tuopin.ParamIncomeExcluded, Year: 2016, Value: 1, Source: "x"}, "value", "not_applicable"},
		{tuopin.Parameter{Kind: tuopin.ParamPovertyLine, Year: 2016, Value: 1, Text: "transfer_pension", Source: "x"}, "text", "not_applicable"},
		{tuopin.Parameter{Kind: tuopin.ParamMonitoringLine, Year: 2016, Value: -5, Source: "x"}, "value", "not_positive"},
		{tuopin.Parameter{Kind: tuopin.ParamMonitoringLine, Year: 2016, Value: 2_000_000_00, Source: "x"}, "value", "too_large"},
	} {
		if f := tuopin.ErrorFields(c.p.Validate())[c.field]; f.Code != c.code {
			t.Errorf("%+v: %s = %+v, want %s", c.p, c.field, f, c.code)
		}
	}
}

func TestParameterNormalize(t *testing.T) {
	p := tuopin.Parameter{Kind: tuopin.ParamIncomeExcluded, Region: " 45 ", Source: " 文件 ",
		Text: "transfer_pension、 transfer_dibao，transfer_pension unknown"}
	p.Normalize()
	if p.Region != "45" || p.Source != "文件" || p.Text != "transfer_dibao,transfer_pension,unknown" {
		t.Fatalf("normalized %+v", p)
	}
	if keys := p.ExcludedKeys(); len(keys) != 3 || keys[0] != tuopin.TransferDibao {
		t.Fatalf("keys %v", keys)
	}
}

func TestParamSet_Helpers(t *testing.T) {
	s := tuopin.NewParamSet([]tuopin.Parameter{
		{Kind: tuopin.ParamIncomeExcluded, Year: 2016, Region: "45", Text: "transfer_pension"},
		{Kind: tuopin.ParamIncomeExcluded, Year: 2016, Region: "451224", Text: ""},
		{Kind: tuopin.ParamPovertyLine, Year: 2016, Value: 3000_00},
	})
	if got := s.IncomeExcluded(2016, "451223100202"); len(got) != 1 || got[0] != tuopin.TransferPension {
		t.Errorf("Guangxi's rule = %v", got)
	}
	if got := s.IncomeExcluded(2016, "451224100201"); got != nil {
		t.Errorf("the county's empty list, overriding Guangxi's = %v", got)
	}
	if got := s.IncomeExcluded(2017, "451224100201"); got != nil {
		t.Errorf("no rule in 2017 = %v", got)
	}
	if m, ok := s.Line(tuopin.ParamPovertyLine, 2016, "520102001001"); !ok || m != 3000_00 {
		t.Errorf("national line = %v, %v", m, ok)
	}
	if all := s.All(); len(all) != 3 || all[0].Kind != tuopin.ParamPovertyLine || all[2].Region != "451224" {
		t.Errorf("All() = %+v", all)
	}
	var none *tuopin.ParamSet
	if _, ok := none.Lookup(tuopin.ParamPovertyLine, 2016, "45"); ok || none.All() != nil {
		t.Error("a nil set found something")
	}
}
