package tuopin_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tuopin/tuopin"
)

func TestFieldCatalog(t *testing.T) {
	seen := map[string]bool{}
	for _, list := range [][]tuopin.FieldDef{tuopin.HouseholdFieldDefs, tuopin.MemberFieldDefs} {
		for _, f := range list {
			if seen[f.Level+"."+f.Key] {
				t.Errorf("field %s listed twice", f.Key)
			}
			seen[f.Level+"."+f.Key] = true
			if f.Label == "" || f.LabelEn == "" || f.Section == "" {
				t.Errorf("field %s lacks a label or section", f.Key)
			}
			if (f.Type == tuopin.FieldCode || f.Type == tuopin.FieldCodes) && len(tuopin.DefaultCodeSet.List(f.CodeKind, 0)) == 0 {
				t.Errorf("field %s: code table %q has no codes", f.Key, f.CodeKind)
			}
			if f.Of != "" {
				if _, ok := tuopin.HouseholdFieldDef(f.Of); !ok {
					t.Errorf("field %s is part of unknown field %s", f.Key, f.Of)
				}
			}
		}
	}
	for _, k := range tuopin.IncomeComponentKeys {
		if f, ok := tuopin.HouseholdFieldDef(k); !ok || f.Type != tuopin.FieldMoney {
			t.Errorf("income component %s is not a money field of the catalog", k)
		}
	}
	for _, kind := range tuopin.CodeKinds {
		if len(tuopin.DefaultCodeSet.List(kind, 0)) == 0 {
			t.Errorf("code kind %s has no seed codes", kind)
		}
	}
}

func TestFieldNormalize(t *testing.T) {
	def := func(key string) tuopin.FieldDef {
		f, ok := tuopin.HouseholdFieldDef(key)
		if !ok {
			f, ok = tuopin.MemberFieldDef(key)
		}
		if !ok {
			t.Fatalf("no field %s", key)
		}
		return f
	}
	cases := []struct {
		key, in, want, err string
	}{
		{"income_wage", " 3146.5 ", "3146.50", ""},
		{"income_wage", "1,200", "1200.00", ""},
		{"income_wage", "-5", "", "negative"},
		{"income_wage", "12.345", "", "two decimals"},
		{"farmland_area", "3.50", "3.5", ""},
		{"farmland_area", "2", "2", ""},
		{"farmland_area", "10000.01", "", "between"},
		{"work_months", "13", "", "between"},
		{"work_months", "6", "6", ""},
		{"work_months", "6.5", "", "whole number"},
		{"house_grade", "C", "C", ""},
		{"house_grade", "E", "", "not a valid"},
		{"other_causes", "01、05，01", "01,05", ""},
		{"other_causes", "01,77", "", `"77"`},
		{"risk_identified_date", "2021-03-09", "2021-03-09", ""},
		{"risk_identified_date", "2021/3/9", "", "date like"},
		{"helper_name", strings.Repeat("名", 51), "", "at most 50"},
		{"helper_name", "", "", ""},
	}
	for _, c := range cases {
		got, err := def(c.key).Normalize(c.in, tuopin.DefaultCodeSet, 2016)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s %q: error %v, want one containing %q", c.key, c.in, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s %q = %q, %v; want %q", c.key, c.in, got, err, c.want)
		}
	}
}

func TestFieldStorageRoundTrip(t *testing.T) {
	for _, f := range append(append([]tuopin.FieldDef{}, tuopin.HouseholdFieldDefs...), tuopin.MemberFieldDefs...) {
		var v string
		switch f.Type {
		case tuopin.FieldMoney:
			v = "12.30"
		case tuopin.FieldDecimal:
			v = "1.25"
		case tuopin.FieldInt:
			v = "2000"
			if f.Max > 0 && f.Max < 2000 {
				v = "3"
			}
		default:
			v = "x"
		}
		s := f.StorageValue(v)
		var got string
		switch x := s.(type) {
		case int64:
			got = f.FromStorage(x, true, "")
		case string:
			got = f.FromStorage(0, false, x)
		}
		if got != v {
			t.Errorf("%s: %q → %v → %q", f.Key, v, s, got)
		}
		if f.Numeric() && f.StorageValue("") != nil {
			t.Errorf("%s: empty value must be stored as NULL", f.Key)
		}
	}
}

func TestHouseholdDetailsValidate(t *testing.T) {
	h := newHousehold()
	h.Details = map[string]string{
		"income_wage": "1000", "income_public_job": "1200", // part exceeds its total
		"house_grade": "Z", "nonsense": "1", "food_secure": "1",
	}
	h.Members[0].Details = map[string]string{"work_months": "14"}
	h.Members[0].Education = "02"
	h.Members[0].Details["school_status"] = "03"
	err := h.Validate(tuopin.DefaultCodeSet, testNow)
	f := tuopin.ErrorFields(err)
	for key, code := range map[string]string{
		"details.income_public_job":      "exceeds_total",
		"details.house_grade":            "invalid_choice",
		"details.nonsense":               "unknown_field",
		"members[0].details.work_months": "invalid_value",
		"members[0].education":           "exclusive",
	} {
		if f[key].Code != code {
			t.Errorf("%s: got %+v, want code %s (all: %v)", key, f[key], code, f)
		}
	}
	if _, bad := f["details.food_secure"]; bad {
		t.Errorf("a valid detail was refused: %v", f["details.food_secure"])
	}
}

func TestIncomePerCapita(t *testing.T) {
	h := newHousehold()
	h.Size = 4
	h.IncomePerCapita = 999_00
	h.Details = map[string]string{}
	h.ComputeIncomePerCapita(nil)
	if h.IncomePerCapita != 999_00 {
		t.Fatalf("without components the given income must stay, got %s", h.IncomePerCapita.Yuan())
	}
	h.Details = map[string]string{
		"income_wage": "8000", "income_public_job": "3000",
		"income_business": "4000", "income_property": "500",
		"transfer_pension": "1200.00", "transfer_dibao": "2400",
		"expense_business": "1500",
	}
	h.Normalize(testNow)
	if got := h.Detail("income_transfer"); got != "3600.00" {
		t.Fatalf("transfer total = %q, want the sum of its parts 3600.00", got)
	}
	if h.Size != 2 {
		t.Fatalf("size = %d, want the 2 members", h.Size)
	}
	// (8000 + 4000 + 500 + 3600 − 1500) / 2 = 7300
	h.ComputeIncomePerCapita(nil)
	if h.IncomePerCapita != 7300_00 {
		t.Errorf("per capita = %s, want 7300.00", h.IncomePerCapita.Yuan())
	}
	// Guangxi-style rule: the basic pension does not count; nor, here,
	// public-welfare jobs.
	h.ComputeIncomePerCapita([]string{"transfer_pension", "income_public_job"})
	if want := tuopin.Money((14600_00 - 1200_00 - 3000_00) / 2); h.IncomePerCapita != want {
		t.Errorf("per capita without pension = %s, want %s", h.IncomePerCapita.Yuan(), want.Yuan())
	}
	h.Details["expense_business"] = "99999"
	h.ComputeIncomePerCapita(nil)
	if h.IncomePerCapita != 0 {
		t.Errorf("a net loss must give 0 per capita, got %s", h.IncomePerCapita.Yuan())
	}
}

func TestIncomeBand(t *testing.T) {
	line := tuopin.Money(3000_00)
	for _, c := range []struct {
		income tuopin.Money
		ok     bool
		want   string
	}{
		{2999_99, true, tuopin.IncomeBandBelow},
		{3000_00, true, tuopin.IncomeBandNear},
		{3299_99, true, tuopin.IncomeBandNear},
		{3300_00, true, tuopin.IncomeBandAbove},
		{4499_99, true, tuopin.IncomeBandAbove},
		{4500_00, true, tuopin.IncomeBandHigh},
		{100_00, false, tuopin.IncomeBandNoLine},
	} {
		if got := tuopin.IncomeBandOf(c.income, line, c.ok); got != c.want {
			t.Errorf("band(%s) = %s, want %s", c.income.Yuan(), got, c.want)
		}
	}
}

func TestDeriveIndicators(t *testing.T) {
	h := newHousehold()
	h.Year = 2016
	child := &tuopin.Member{Name: "李小", BirthDate: time.Date(2005, 6, 1, 0, 0, 0, 0, time.UTC),
		Details: map[string]string{"resident_medical_insurance": "0"}}
	pupil := &tuopin.Member{Name: "李二", BirthDate: time.Date(2008, 1, 1, 0, 0, 0, 0, time.UTC),
		Details: map[string]string{"school_status": "03", "resident_medical_insurance": "1"}}
	baby := &tuopin.Member{Name: "李三", BirthDate: time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC)}
	h.Members = append(h.Members, child, pupil, baby)
	h.Details = map[string]string{"house_grade": "D", "water_safe": "1", "clothing_secure": "0"}
	h.IncomePerCapita = 3100_00
	h.Derive(3000_00, true)
	want := tuopin.Indicators{FoodClothingGap: true, OutOfSchool: 1, Uninsured: 1, UnsafeHouse: true, IncomeBand: tuopin.IncomeBandNear}
	if h.Indicators != want {
		t.Errorf("indicators = %+v, want %+v", h.Indicators, want)
	}
	m := tuopin.HouseholdMetrics(h)
	for k, v := range map[string]int64{"gap_food": 1, "gap_school": 1, "gap_uninsured": 1, "gap_house": 1, "gap_any": 1, "income_band:near": 1} {
		if m[k] != v {
			t.Errorf("metric %s = %d, want %d", k, m[k], v)
		}
	}
	if _, ok := m["gap_water"]; ok {
		t.Error("safe water must not count as a gap")
	}
}

func TestAgeAt(t *testing.T) {
	b := time.Date(2000, 3, 15, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		at   time.Time
		want int
	}{
		{time.Date(2016, 3, 14, 0, 0, 0, 0, time.UTC), 15},
		{time.Date(2016, 3, 15, 0, 0, 0, 0, time.UTC), 16},
		{time.Date(2016, 12, 31, 0, 0, 0, 0, time.UTC), 16},
	} {
		if got := tuopin.AgeAt(b, c.at); got != c.want {
			t.Errorf("age at %s = %d, want %d", c.at.Format(tuopin.DateLayout), got, c.want)
		}
	}
}
