package sqldb_test

import (
	"maps"
	"strings"
	"testing"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// fullDetails returns a valid value for every field of a catalog.
func fullDetails(defs []tuopin.FieldDef, year int) map[string]string {
	out := map[string]string{}
	for _, f := range defs {
		switch f.Type {
		case tuopin.FieldText:
			out[f.Key] = "文本" + f.Key[:2]
		case tuopin.FieldCode:
			cs := tuopin.DefaultCodeSet.List(f.CodeKind, year)
			out[f.Key] = cs[len(cs)-1].Code
		case tuopin.FieldCodes:
			cs := tuopin.DefaultCodeSet.List(f.CodeKind, year)
			out[f.Key] = cs[0].Code + "," + cs[1].Code
		case tuopin.FieldInt:
			out[f.Key] = "2010"
			if f.Max > 0 && f.Max < 2010 {
				out[f.Key] = "7"
			}
		case tuopin.FieldDecimal:
			out[f.Key] = "3.5"
		case tuopin.FieldMoney:
			out[f.Key] = "1200.50"
			if f.Of != "" {
				out[f.Key] = "100.25"
			}
		case tuopin.FieldDate:
			out[f.Key] = "2016-05-01"
		}
	}
	return out
}

// TestHouseholdDetails stores every field of the national model and reads
// it back, on both engines; edits replace details whole; the income
// components give the per-capita income.
func TestHouseholdDetails(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		ctx := sqldbtest.Ctx(w.county)
		h := sqldbtest.NewHousehold(sqldbtest.Xinyan, 1)
		h.Details = fullDetails(tuopin.HouseholdFieldDefs, h.Year)
		for _, m := range h.Members {
			m.Details = fullDetails(tuopin.MemberFieldDefs, h.Year)
			m.Education = "" // 在校生状况 is filled
		}
		want := maps.Clone(h.Details)
		// income_transfer follows its parts: 9 parts of 100.25.
		want[tuopin.IncomeTransfer] = tuopin.Money(9 * 100_25).Yuan()
		must(t, w.hh.CreateHousehold(ctx, h, "test"))

		got, err := w.hh.FindHouseholdByID(ctx, h.ID)
		must(t, err)
		if !maps.Equal(got.Details, want) {
			for k := range want {
				if got.Details[k] != want[k] {
					t.Errorf("details[%s] = %q, want %q", k, got.Details[k], want[k])
				}
			}
			t.Fatalf("household details differ: %d stored, %d sent", len(got.Details), len(want))
		}
		for i, m := range got.Members {
			if !maps.Equal(m.Details, h.Members[i].Details) {
				t.Fatalf("member %d details = %v, want %v", i, m.Details, h.Members[i].Details)
			}
		}
		// (wage 1200.50 + business 1200.50 + property 1200.50 + transfer
		// 902.25 − expense 1200.50) / 2 members.
		if wantPC := tuopin.Money((3*1200_50 + 9*100_25 - 1200_50 + 1) / 2); got.IncomePerCapita != wantPC {
			t.Errorf("income per capita = %s, want %s", got.IncomePerCapita.Yuan(), wantPC.Yuan())
		}
		// EachHousehold (exports) reads the same.
		n := 0
		must(t, w.hh.EachHousehold(ctx, tuopin.HouseholdFilter{Year: &h.Year}, func(e *tuopin.Household) error {
			n++
			if !maps.Equal(e.Details, want) || !maps.Equal(e.Members[0].Details, h.Members[0].Details) {
				t.Errorf("EachHousehold details differ")
			}
			return nil
		}))
		if n != 1 {
			t.Fatalf("EachHousehold saw %d households", n)
		}

		// An update replaces details whole; removing a key clears it.
		d := maps.Clone(got.Details)
		delete(d, "helper_name")
		d["house_grade"] = "D"
		members := got.Members
		members[1].Details["work_months"] = "11"
		upd, err := w.hh.UpdateHousehold(ctx, h.ID, tuopin.HouseholdUpdate{Details: &d, Members: &members, Reason: "visit"})
		must(t, err)
		again, err := w.hh.FindHouseholdByID(ctx, h.ID)
		must(t, err)
		if again.Detail("helper_name") != "" || again.Detail("house_grade") != "D" || again.Members[1].Detail("work_months") != "11" {
			t.Fatalf("after update: %v / %v", again.Details, again.Members[1].Details)
		}
		if !again.Indicators.UnsafeHouse || !upd.Indicators.UnsafeHouse {
			t.Errorf("a D-grade house must count as unsafe: %+v", again.Indicators)
		}

		// A bad detail is refused with its key, and nothing changes.
		bad := maps.Clone(again.Details)
		bad["house_grade"] = "Z"
		_, err = w.hh.UpdateHousehold(ctx, h.ID, tuopin.HouseholdUpdate{Details: &bad})
		wantCode(t, err, tuopin.EINVALID)
		if f := tuopin.ErrorFields(err)["details.house_grade"]; f.Code != "invalid_choice" {
			t.Fatalf("error fields %v", tuopin.ErrorFields(err))
		}
		after, err := w.hh.FindHouseholdByID(ctx, h.ID)
		must(t, err)
		if after.Version != again.Version {
			t.Fatalf("a refused update changed the version")
		}
	})
}

// TestHouseholdIndicatorRollups checks that the 两不愁三保障 gaps and the
// income bands reach the roll-ups and agree with a recomputation.
func TestHouseholdIndicatorRollups(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		ctx := sqldbtest.Ctx(w.county)
		// 2015 has a seeded poverty line of 2855 yuan.
		mk := func(n int, income tuopin.Money, details map[string]string) *tuopin.Household {
			h := sqldbtest.NewHousehold(sqldbtest.Xinyan, n)
			h.Year = 2015
			h.IncomePerCapita = income
			h.Details = details
			return h
		}
		hs := []*tuopin.Household{
			mk(1, 2000_00, map[string]string{"house_grade": "C", "water_safe": "0"}),
			mk(2, 2900_00, map[string]string{"food_secure": "0"}),
			mk(3, 5000_00, map[string]string{"house_grade": "A", "water_safe": "1"}),
		}
		hs[2].Members[1].Details = map[string]string{"resident_medical_insurance": "0"}
		must(t, w.hh.CreateHouseholds(ctx, hs, "test"))
		st, _, err := w.areas.FindAreaStats(ctx, "451224", 2015)
		must(t, err)
		want := map[string]int64{"gap_house": 1, "gap_water": 1, "gap_food": 1, "gap_uninsured": 1, "gap_any": 3,
			"income_band:below": 1, "income_band:near": 1, "income_band:high": 1}
		for k, v := range want {
			if st.Metrics[k] != v {
				t.Errorf("%s = %d, want %d", k, st.Metrics[k], v)
			}
		}
		rep, err := sqldb.NewRollupService(db).CheckRollups(ctxSystem, 2015)
		must(t, err)
		if rep.Mismatch != 0 {
			t.Fatalf("check: %+v", rep)
		}
	})
}

// TestDetailColumns checks that every catalog field has its column.
func TestDetailColumns(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		for table, defs := range map[string][]tuopin.FieldDef{"households": tuopin.HouseholdFieldDefs, "members": tuopin.MemberFieldDefs} {
			cols := make([]string, len(defs))
			for i, f := range defs {
				cols[i] = f.Key
			}
			if err := db.Exec(bg, `SELECT `+strings.Join(cols, ", ")+` FROM `+table+` WHERE 1 = 0`); err != nil {
				t.Fatalf("%s: %v", table, err)
			}
		}
	})
}

// TestParameterChangeRederives sets and removes a poverty line and an
// income counting rule and checks that households and roll-ups follow,
// in the same transaction as the parameter.
func TestParameterChangeRederives(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		ctx := sqldbtest.Ctx(w.county)
		params := sqldb.NewParamService(db)
		h := sqldbtest.NewHousehold(sqldbtest.Xinyan, 1)
		h.Year = 2016
		h.Details = map[string]string{"income_wage": "5000", "transfer_pension": "1000"}
		must(t, w.hh.CreateHousehold(ctx, h, "test"))
		band := func() string {
			got, err := w.hh.FindHouseholdByID(ctx, h.ID)
			must(t, err)
			return got.Indicators.IncomeBand + " " + got.IncomePerCapita.Yuan()
		}
		// The seeded Guangxi rule leaves the basic pension out (2016).
		if got := band(); got != "noline 2500.00" {
			t.Fatalf("before any 2016 line: %s", got)
		}
		must(t, params.SetParameter(ctx, &tuopin.Parameter{Kind: tuopin.ParamPovertyLine, Year: 2016, Region: "451224",
			Value: 2900_00, Source: "test"}, "set the line"))
		if got := band(); got != "below 2500.00" {
			t.Fatalf("after the line: %s", got)
		}
		// The county counts everything (an empty list overrides the province's).
		must(t, params.SetParameter(ctx, &tuopin.Parameter{Kind: tuopin.ParamIncomeExcluded, Year: 2016, Region: "451224",
			Text: "", Source: "test"}, "pensions count here"))
		if got := band(); got != "near 3000.00" {
			t.Fatalf("after counting pensions: %s", got)
		}
		st, _, err := w.areas.FindAreaStats(ctx, "451224", 2016)
		must(t, err)
		if st.Metrics["income_band:near"] != 1 || st.Metrics["income_band:noline"] != 0 {
			t.Fatalf("roll-ups did not follow: %v", st.Metrics)
		}
		must(t, params.DeleteParameter(ctx, tuopin.ParamPovertyLine, 2016, "451224", "wrong line"))
		if got := band(); got != "noline 3000.00" {
			t.Fatalf("after deleting the line: %s", got)
		}
		rep, err := sqldb.NewRollupService(db).CheckRollups(ctxSystem, 2016)
		must(t, err)
		if rep.Mismatch != 0 {
			t.Fatalf("check: %+v", rep)
		}
	})
}
