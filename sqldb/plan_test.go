package sqldb_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// planDate returns a node date of 2016.
func planDate(month, day int) time.Time {
	return time.Date(2016, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

// newPlan returns a valid 2016 plan for an area with three time nodes.
func newPlan(code string, households int) *tuopin.ExitPlan {
	h, p := households, households*4
	return &tuopin.ExitPlan{Year: 2016, AreaCode: code, Households: h, Persons: p, Nodes: []tuopin.PlanNode{
		{Date: planDate(6, 30), Households: h / 4, Persons: p / 4},
		{Date: planDate(7, 25), Households: h / 2, Persons: p / 2},
		{Date: planDate(10, 31), Households: h, Persons: p},
	}}
}

// planAudit returns the plan.set entries of an area, newest first.
func planAudit(t *testing.T, w *world, code string) []*tuopin.AuditEntry {
	t.Helper()
	es, _, err := w.audit.FindAuditEntries(ctxSystem, tuopin.AuditFilter{Action: ptr(tuopin.ActionPlanSet), TargetID: ptr("2016/" + code)})
	must(t, err)
	return es
}

func TestSetPlan(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		plans := sqldb.NewPlanService(db)
		county := sqldbtest.Ctx(w.county)

		t.Run("OK", func(t *testing.T) {
			p := newPlan(sqldbtest.DonglanTown, 100)
			p.Nodes[0].Date = p.Nodes[0].Date.Add(15 * time.Hour) // a time of day is dropped
			must(t, plans.SetPlan(county, p, "县指挥部下达"))
			if p.UpdatedBy != w.county.Name+" ("+w.county.Username+")" || p.UpdatedAt.IsZero() || !p.Nodes[0].Date.Equal(planDate(6, 30)) {
				t.Fatalf("plan after set = %+v", p)
			}
			got, err := plans.FindPlans(county, 2016, "451224")
			must(t, err)
			if len(got) != 1 || !reflect.DeepEqual(got[sqldbtest.DonglanTown], p) {
				gb, _ := json.Marshal(got)
				pb, _ := json.Marshal(p)
				t.Fatalf("read back %s\nwant %s", gb, pb)
			}
			es := planAudit(t, w, sqldbtest.DonglanTown)
			if len(es) != 1 {
				t.Fatalf("%d audit entries", len(es))
			}
			e := es[0]
			if e.TargetKind != "plan" || e.AreaCode != sqldbtest.DonglanTown || e.Reason != "县指挥部下达" || e.ActorID != w.county.ID ||
				string(e.Before) != "null" || !e.Time.Equal(p.UpdatedAt) {
				t.Fatalf("audit entry %+v", e)
			}
			var after map[string]any
			must(t, json.Unmarshal(e.After, &after))
			if after["households"] != 100.0 || after["nodes"] != "2016-06-30 25/100; 2016-07-25 50/200; 2016-10-31 100/400" {
				t.Fatalf("audit after = %s", e.After)
			}
		})

		t.Run("OKReplace", func(t *testing.T) {
			p := newPlan(sqldbtest.DonglanTown, 100)
			p.Nodes = p.Nodes[1:]
			p.Nodes[0].Households = 60
			must(t, plans.SetPlan(county, p, "调整"))
			got, err := plans.FindPlans(county, 2016, "")
			must(t, err)
			if n := got[sqldbtest.DonglanTown].Nodes; len(n) != 2 || n[0].Households != 60 || !n[1].Date.Equal(planDate(10, 31)) {
				t.Fatalf("nodes after replace = %+v", n)
			}
			e := planAudit(t, w, sqldbtest.DonglanTown)[0]
			if string(e.Before) != `{"nodes":"2016-06-30 25/100; 2016-07-25 50/200; 2016-10-31 100/400"}` ||
				string(e.After) != `{"nodes":"2016-07-25 60/200; 2016-10-31 100/400"}` {
				t.Fatalf("audit before %s after %s", e.Before, e.After)
			}
		})

		t.Run("OKUnchangedWritesNothing", func(t *testing.T) {
			n := rowCount(t, db, "audit_log")
			p := newPlan(sqldbtest.DonglanTown, 100)
			p.Nodes = p.Nodes[1:]
			p.Nodes[0].Households = 60
			must(t, plans.SetPlan(county, p, ""))
			if rowCount(t, db, "audit_log") != n || p.UpdatedAt.IsZero() {
				t.Fatalf("an unchanged plan wrote an audit entry, or lost its time: %+v", p)
			}
		})

		t.Run("OKVillageAndAdmin", func(t *testing.T) {
			must(t, plans.SetPlan(county, newPlan(sqldbtest.Xinyan, 20), ""))
			must(t, plans.SetPlan(ctxSystem, newPlan(sqldbtest.Bapang, 8), "")) // 凤山县, by the admin
			got, err := plans.FindPlans(county, 2016, sqldbtest.DonglanTown)
			must(t, err)
			if len(got) != 1 || got[sqldbtest.Xinyan].Households != 20 {
				t.Fatalf("village plans = %v", got)
			}
			// Another year is another plan.
			other, err := plans.FindPlans(county, 2017, sqldbtest.DonglanTown)
			must(t, err)
			if len(other) != 0 {
				t.Fatalf("2017 plans = %v", other)
			}
		})

		fails := func(t *testing.T, u *tuopin.User, p *tuopin.ExitPlan) error {
			t.Helper()
			n, np, nn := rowCount(t, db, "audit_log"), rowCount(t, db, "exit_plans"), rowCount(t, db, "exit_plan_nodes")
			err := plans.SetPlan(sqldbtest.Ctx(u), p, "")
			if err == nil {
				t.Fatal("set plan succeeded")
			}
			if rowCount(t, db, "audit_log") != n || rowCount(t, db, "exit_plans") != np || rowCount(t, db, "exit_plan_nodes") != nn {
				t.Fatal("a refused plan wrote rows")
			}
			return err
		}
		t.Run("ErrForbidden", func(t *testing.T) {
			for _, u := range []*tuopin.User{w.township, w.village, w.viewer, w.cadre} {
				wantErr(t, fails(t, u, newPlan(sqldbtest.Xinyan, 5)), tuopin.EFORBIDDEN, "Only a county office")
			}
		})
		t.Run("ErrOutOfScope", func(t *testing.T) {
			wantField(t, fails(t, w.fengshan, newPlan(sqldbtest.ChangleTown, 5)), "area_code", "out_of_scope", "outside your scope")
		})
		t.Run("ErrUnknownArea", func(t *testing.T) {
			wantField(t, fails(t, w.county, newPlan("451224100299", 5)), "area_code", "unknown_area", "There is no area 451224100299")
		})
		t.Run("ErrNotTownshipOrVillage", func(t *testing.T) {
			wantField(t, fails(t, w.county, newPlan(sqldbtest.Donglan, 5)), "area_code", "not_township_or_village", "township or a village")
			// Stored as a county although its code reads as a township.
			must(t, w.areas.UpsertAreas(ctxSystem, []*tuopin.Area{{Code: "451224777000", Name: "x", Level: tuopin.LevelTownship, ParentCode: sqldbtest.Donglan}}))
			must(t, db.Exec(bg, `UPDATE areas SET level = 3 WHERE code = '451224777000'`))
			wantField(t, fails(t, w.county, newPlan("451224777000", 5)), "area_code", "not_township_or_village", "township or a village")
		})
		t.Run("ErrInvalidNodes", func(t *testing.T) {
			p := newPlan(sqldbtest.Changle, 40)
			p.Nodes[2].Households = 41
			p.Nodes[1].Date = planDate(6, 1)
			err := fails(t, w.county, p)
			wantField(t, err, "nodes[2].households", "above_plan", "cannot exceed")
			wantField(t, err, "nodes[1].date", "not_increasing", "date order")
			p = newPlan(sqldbtest.Changle, 40)
			for len(p.Nodes) <= 24 {
				p.Nodes = append(p.Nodes, tuopin.PlanNode{Date: p.Nodes[len(p.Nodes)-1].Date.AddDate(0, 0, 1), Households: 40, Persons: 160})
			}
			wantField(t, fails(t, w.county, p), "nodes", "too_many_nodes", "at most 24")
		})
		t.Run("ErrNoUser", func(t *testing.T) {
			wantCode(t, plans.SetPlan(bg, newPlan(sqldbtest.Xinyan, 5), ""), tuopin.EUNAUTHORIZED)
		})
	})
}

func TestFindPlans(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		plans := sqldb.NewPlanService(db)
		for _, p := range []*tuopin.ExitPlan{
			newPlan(sqldbtest.DonglanTown, 100), newPlan(sqldbtest.ChangleTown, 50),
			newPlan(sqldbtest.Xinyan, 30), newPlan(sqldbtest.Bala, 20), newPlan(sqldbtest.Changle, 10),
		} {
			must(t, plans.SetPlan(sqldbtest.Ctx(w.county), p, ""))
		}
		must(t, plans.SetPlan(sqldbtest.Ctx(w.fengshan), newPlan(sqldbtest.FengchengTown, 7), ""))

		keys := func(m map[string]*tuopin.ExitPlan) []string {
			out := []string{}
			for _, c := range []string{sqldbtest.DonglanTown, sqldbtest.ChangleTown, sqldbtest.Xinyan, sqldbtest.Bala,
				sqldbtest.Changle, sqldbtest.FengchengTown, sqldbtest.Bapang} {
				if m[c] != nil {
					out = append(out, c)
				}
			}
			return out
		}
		for _, tc := range []struct {
			name   string
			user   *tuopin.User
			parent string
			want   []string
		}{
			{"CountyTownships", w.county, "451224", []string{sqldbtest.DonglanTown, sqldbtest.ChangleTown}},
			{"CountyOwnScope", w.viewer, "", []string{sqldbtest.DonglanTown, sqldbtest.ChangleTown}},
			{"TownshipVillages", w.township, "", []string{sqldbtest.Xinyan, sqldbtest.Bala}},
			{"TownshipAsksCounty", w.township, sqldbtest.Donglan, []string{sqldbtest.DonglanTown}},
			{"VillageAsksTownship", w.village, "451224100", []string{sqldbtest.Xinyan}},
			{"VillageAsksCounty", w.village, "451224", []string{}},
			{"VillageOwn", w.village, "", []string{}},
			{"AdminCity", tuopin.SystemUser, "4512", []string{}},
			{"AdminNation", tuopin.SystemUser, "", []string{}},
			{"OtherCounty", w.fengshan, "451223", []string{sqldbtest.FengchengTown}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := plans.FindPlans(sqldbtest.Ctx(tc.user), 2016, tc.parent)
				must(t, err)
				if k := keys(got); !reflect.DeepEqual(k, tc.want) {
					t.Fatalf("plans of %q = %v, want %v", tc.parent, k, tc.want)
				}
				for _, p := range got {
					if len(p.Nodes) != 3 || p.Nodes[2].Households != p.Households {
						t.Fatalf("plan %s nodes %+v", p.AreaCode, p.Nodes)
					}
				}
			})
		}
		t.Run("ErrOutOfScope", func(t *testing.T) {
			_, err := plans.FindPlans(sqldbtest.Ctx(w.fengshan), 2016, "451224")
			wantErr(t, err, tuopin.ENOTFOUND, "not found or not permitted")
			_, err = plans.FindPlans(sqldbtest.Ctx(w.township), 2016, sqldbtest.ChangleTown)
			wantCode(t, err, tuopin.ENOTFOUND)
		})
		t.Run("ErrUnknownArea", func(t *testing.T) {
			_, err := plans.FindPlans(sqldbtest.Ctx(w.county), 2016, "451224199")
			wantCode(t, err, tuopin.ENOTFOUND)
			_, err = plans.FindPlans(sqldbtest.Ctx(w.county), 2016, "45122")
			wantCode(t, err, tuopin.EINVALID)
		})
		t.Run("ErrNoUser", func(t *testing.T) {
			_, err := plans.FindPlans(bg, 2016, "451224")
			wantCode(t, err, tuopin.ENOTFOUND)
		})
	})
}
