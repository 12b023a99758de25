package sqldb_test

import (
	"encoding/json"
	"strconv"
	"testing"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// paramAudit returns the audit entries of one action on a parameter,
// newest first.
func paramAudit(t *testing.T, w *world, action, target string) []*tuopin.AuditEntry {
	t.Helper()
	es, _, err := w.audit.FindAuditEntries(ctxSystem, tuopin.AuditFilter{Action: ptr(action), TargetID: ptr(target)})
	must(t, err)
	return es
}

// line returns the figure of a kind in force for an area in 2016 as a
// user sees it, or -1 when none is set.
func line(t *testing.T, params *sqldb.ParamService, u *tuopin.User, kind, area string) tuopin.Money {
	t.Helper()
	set, err := params.FindParamSet(sqldbtest.Ctx(u))
	must(t, err)
	m, ok := set.Line(kind, 2016, area)
	if !ok {
		return -1
	}
	return m
}

func TestParameters_Seed(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		params := sqldb.NewParamService(db)
		all, err := params.FindParameters(ctxSystem, "", 0)
		must(t, err)
		if len(all) != len(tuopin.DefaultParameters) {
			t.Fatalf("%d parameters, want the %d seeded", len(all), len(tuopin.DefaultParameters))
		}
		// Kinds in display order, then years and regions.
		if all[0].Kind != tuopin.ParamPovertyLine || all[0].Year != 2015 || all[0].Value != 2855_00 || !all[0].Verified ||
			all[0].UpdatedBy != "system" || all[0].UpdatedAt.IsZero() || all[0].RegionName != "" {
			t.Fatalf("first = %+v", all[0])
		}
		last := all[len(all)-1]
		if last.Kind != tuopin.ParamIncomeExcluded || last.Region != "45" || last.RegionName != "广西壮族自治区" ||
			last.Text != tuopin.TransferPension || last.Verified || last.Value != 0 {
			t.Fatalf("last = %+v", last)
		}

		// Everyone reads, within scope: Guizhou's line is not Donglan's.
		set, err := params.FindParamSet(sqldbtest.Ctx(w.village))
		must(t, err)
		if got := set.IncomeExcluded(2016, sqldbtest.Xinyan); len(got) != 1 || got[0] != tuopin.TransferPension {
			t.Fatalf("excluded in 2016 = %v", got)
		}
		if m, ok := set.Line(tuopin.ParamPovertyLine, 2015, sqldbtest.Xinyan); !ok || m != 2855_00 {
			t.Fatalf("2015 line = %v %v", m, ok)
		}
		if _, ok := set.Lookup(tuopin.ParamMonitoringLine, 2023, "520102001001"); ok {
			t.Fatal("Guizhou's monitoring line is visible in Donglan's scope")
		}
		_, err = params.FindParamSet(bg)
		wantCode(t, err, tuopin.EUNAUTHORIZED)
	})
}

func TestSetParameter(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		params := sqldb.NewParamService(db)
		admin := sqldbtest.MustCreateUser(t, db, tuopin.RoleAdmin, "")
		county := sqldbtest.Ctx(w.county)
		// Read once, so that a stale cache would show below.
		if m := line(t, params, w.village, tuopin.ParamPovertyLine, sqldbtest.Xinyan); m != -1 {
			t.Fatalf("a 2016 line before any is set: %v", m)
		}

		t.Run("OKCounty", func(t *testing.T) {
			p := &tuopin.Parameter{Kind: tuopin.ParamPovertyLine, Year: 2016, Region: "451224", Value: 3100_00, Source: " 东兰县 2016 年文件 "}
			must(t, params.SetParameter(county, p, "县定标准"))
			if p.UpdatedBy != w.county.Name+" ("+w.county.Username+")" || p.UpdatedAt.IsZero() || p.Source != "东兰县 2016 年文件" {
				t.Fatalf("after set: %+v", p)
			}
			if m := line(t, params, w.village, tuopin.ParamPovertyLine, sqldbtest.Xinyan); m != 3100_00 {
				t.Fatalf("line seen by the village = %v", m)
			}
			es := paramAudit(t, w, tuopin.ActionParamSet, "poverty_line/2016/451224")
			if len(es) != 1 || es[0].AreaCode != "451224" || es[0].Reason != "县定标准" || es[0].ActorID != w.county.ID ||
				string(es[0].Before) != "null" {
				t.Fatalf("audit = %+v", es)
			}
			var after map[string]any
			must(t, json.Unmarshal(es[0].After, &after))
			if after["value"] != "3100.00" || after["region"] != "451224" {
				t.Fatalf("audit after = %s", es[0].After)
			}
			// The county office sees its own change in its audit log.
			mine, _, err := w.audit.FindAuditEntries(county, tuopin.AuditFilter{Action: ptr(tuopin.ActionParamSet)})
			must(t, err)
			if len(mine) != 1 {
				t.Fatalf("county sees %d param.set entries", len(mine))
			}
		})

		t.Run("OKReplace", func(t *testing.T) {
			p := &tuopin.Parameter{Kind: tuopin.ParamPovertyLine, Year: 2016, Region: "451224", Value: 3150_00, Verified: true, Source: "东兰县 2016 年文件"}
			must(t, params.SetParameter(county, p, "核实"))
			es := paramAudit(t, w, tuopin.ActionParamSet, "poverty_line/2016/451224")
			if len(es) != 2 || string(es[0].Before) != `{"value":"3100.00","verified":false}` || string(es[0].After) != `{"value":"3150.00","verified":true}` {
				t.Fatalf("audit = %s → %s", es[0].Before, es[0].After)
			}
			// The same again writes nothing.
			must(t, params.SetParameter(county, p, "again"))
			if es := paramAudit(t, w, tuopin.ActionParamSet, "poverty_line/2016/451224"); len(es) != 2 {
				t.Fatalf("%d entries after an unchanged set", len(es))
			}
			if m := line(t, params, w.county, tuopin.ParamPovertyLine, sqldbtest.Xinyan); m != 3150_00 {
				t.Fatalf("line = %v", m)
			}
		})

		t.Run("OKNationalByAdmin", func(t *testing.T) {
			must(t, params.SetParameter(sqldbtest.Ctx(admin), &tuopin.Parameter{Kind: tuopin.ParamPovertyLine, Year: 2016, Value: 3000_00, Source: "国务院扶贫办"}, ""))
			// The most specific region wins.
			if m := line(t, params, w.fengshan, tuopin.ParamPovertyLine, sqldbtest.Bapang); m != 3000_00 {
				t.Fatalf("Fengshan's line = %v", m)
			}
			if m := line(t, params, w.county, tuopin.ParamPovertyLine, sqldbtest.Xinyan); m != 3150_00 {
				t.Fatalf("Donglan's line = %v", m)
			}
		})

		t.Run("OKText", func(t *testing.T) {
			p := &tuopin.Parameter{Kind: tuopin.ParamIncomeExcluded, Year: 2016, Region: "451224",
				Text: " transfer_pension， transfer_dibao transfer_pension", Source: "县扶贫办"}
			must(t, params.SetParameter(county, p, ""))
			if p.Text != "transfer_dibao,transfer_pension" {
				t.Fatalf("text stored as %q", p.Text)
			}
			set, err := params.FindParamSet(sqldbtest.Ctx(w.village))
			must(t, err)
			if got := set.IncomeExcluded(2016, sqldbtest.Xinyan); len(got) != 2 || got[0] != tuopin.TransferDibao {
				t.Fatalf("excluded = %v", got)
			}
			// Guangxi's own rule still applies to its other counties.
			set, err = params.FindParamSet(sqldbtest.Ctx(w.fengshan))
			must(t, err)
			if got := set.IncomeExcluded(2016, sqldbtest.Bapang); len(got) != 1 || got[0] != tuopin.TransferPension {
				t.Fatalf("Fengshan excluded = %v", got)
			}
		})

		t.Run("ErrInvalid", func(t *testing.T) {
			err := params.SetParameter(county, &tuopin.Parameter{Kind: tuopin.ParamIncomeExcluded, Year: 2016, Region: "451224", Text: "pension", Source: "x"}, "")
			wantField(t, err, "text", "unknown_income_key", `"pension"`)
			err = params.SetParameter(county, &tuopin.Parameter{Kind: tuopin.ParamMonitoringLine, Year: 2016, Region: "451224", Source: "x"}, "")
			wantField(t, err, "value", "not_positive", "positive")
			err = params.SetParameter(county, &tuopin.Parameter{Kind: "exit_rate", Year: 2016, Region: "451224", Value: 1, Source: "x"}, "")
			wantField(t, err, "kind", "invalid_choice", "exit_rate")
		})

		t.Run("ErrForbidden", func(t *testing.T) {
			p := &tuopin.Parameter{Kind: tuopin.ParamPovertyLine, Year: 2016, Region: "451224100", Value: 1, Source: "x"}
			for _, u := range []*tuopin.User{w.township, w.village, w.viewer, w.cadre} {
				wantCode(t, params.SetParameter(sqldbtest.Ctx(u), p, ""), tuopin.EFORBIDDEN)
			}
			wantCode(t, params.SetParameter(bg, p, ""), tuopin.EUNAUTHORIZED)
		})

		t.Run("ErrRegion", func(t *testing.T) {
			p := func(region string) *tuopin.Parameter {
				return &tuopin.Parameter{Kind: tuopin.ParamPovertyLine, Year: 2017, Region: region, Value: 3200_00, Source: "x"}
			}
			wantField(t, params.SetParameter(county, p(""), ""), "region", "national_admin_only", "administrator")
			wantField(t, params.SetParameter(county, p("45"), ""), "region", "out_of_scope", "45")
			wantField(t, params.SetParameter(county, p("451223"), ""), "region", "out_of_scope", "451223")
			wantField(t, params.SetParameter(sqldbtest.Ctx(admin), p("53"), ""), "region", "unknown_area", "53")
			// A region stored already (seeded Guizhou, whose areas this
			// database lacks) may be edited.
			must(t, params.SetParameter(sqldbtest.Ctx(admin), p("52"), ""))
			// A county may set a figure for one of its townships.
			must(t, params.SetParameter(county, p("451224100"), ""))
		})

		t.Run("OKScopeOfListing", func(t *testing.T) {
			list, err := params.FindParameters(county, tuopin.ParamPovertyLine, 0)
			must(t, err)
			var got []string
			for _, p := range list {
				got = append(got, p.Region+"/"+strconv.Itoa(p.Year))
			}
			// National, its own and its township's; not Guizhou's.
			want := []string{"/2015", "/2016", "451224/2016", "451224100/2017", "/2020"}
			if len(got) != len(want) {
				t.Fatalf("county lists %v, want %v", got, want)
			}
			for i := range want {
				if got[i] != want[i] {
					t.Fatalf("county lists %v, want %v", got, want)
				}
			}
			list, err = params.FindParameters(sqldbtest.Ctx(w.fengshan), tuopin.ParamPovertyLine, 2016)
			must(t, err)
			if len(list) != 1 || list[0].Region != "" {
				t.Fatalf("Fengshan lists %+v", list)
			}
			if list, _ := params.FindParameters(county, "", 2016); len(list) != 4 || list[3].RegionName != "东兰县" {
				t.Fatalf("2016 list = %d items", len(list))
			}
		})
	})
}

func TestDeleteParameter(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		params := sqldb.NewParamService(db)
		county := sqldbtest.Ctx(w.county)
		must(t, params.SetParameter(county, &tuopin.Parameter{Kind: tuopin.ParamPovertyLine, Year: 2015, Region: "451224", Value: 2968_00, Source: "x"}, ""))
		if m, _ := params.FindParamSet(county); m == nil {
			t.Fatal("no set")
		}

		t.Run("ErrForbidden", func(t *testing.T) {
			wantCode(t, params.DeleteParameter(sqldbtest.Ctx(w.township), tuopin.ParamPovertyLine, 2015, "451224", ""), tuopin.EFORBIDDEN)
			wantField(t, params.DeleteParameter(county, tuopin.ParamPovertyLine, 2015, "", ""), "region", "national_admin_only", "administrator")
			wantField(t, params.DeleteParameter(sqldbtest.Ctx(w.fengshan), tuopin.ParamPovertyLine, 2015, "451224", ""), "region", "out_of_scope", "451224")
		})

		t.Run("OK", func(t *testing.T) {
			must(t, params.DeleteParameter(county, tuopin.ParamPovertyLine, 2015, "451224", "撤销县定标准"))
			// The national figure applies again.
			set, err := params.FindParamSet(county)
			must(t, err)
			if m, _ := set.Line(tuopin.ParamPovertyLine, 2015, sqldbtest.Xinyan); m != 2855_00 {
				t.Fatalf("line after delete = %v", m)
			}
			es := paramAudit(t, w, tuopin.ActionParamDelete, "poverty_line/2015/451224")
			if len(es) != 1 || es[0].Reason != "撤销县定标准" || es[0].AreaCode != "451224" {
				t.Fatalf("audit = %+v", es)
			}
			var before map[string]any
			must(t, json.Unmarshal(es[0].Before, &before))
			if before["value"] != "2968.00" || string(es[0].After) != "{}" && string(es[0].After) != "null" {
				t.Fatalf("audit = %s → %s", es[0].Before, es[0].After)
			}
		})

		t.Run("ErrNotFound", func(t *testing.T) {
			wantCode(t, params.DeleteParameter(county, tuopin.ParamPovertyLine, 2015, "451224", ""), tuopin.ENOTFOUND)
		})
	})
}
