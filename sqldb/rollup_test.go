package sqldb_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// rollupAreas adds a second province (湖南 张家界 武陵源区, one township of
// two villages) to the fixture, so that moves cross every level.
var rollupAreas = []*tuopin.Area{
	{Code: "430000000000", Name: "湖南省", Level: tuopin.LevelProvince},
	{Code: "430800000000", Name: "张家界市", Level: tuopin.LevelCity, ParentCode: "430000000000"},
	{Code: "430811000000", Name: "武陵源区", Level: tuopin.LevelCounty, ParentCode: "430800000000"},
	{Code: "430811100000", Name: "军地坪街道", Level: tuopin.LevelTownship, ParentCode: "430811000000"},
	{Code: "430811100201", Name: "甲村", Level: tuopin.LevelVillage, ParentCode: "430811100000"},
	{Code: "430811100202", Name: "乙村", Level: tuopin.LevelVillage, ParentCode: "430811100000"},
}

var rollupVillages = []string{sqldbtest.Xinyan, sqldbtest.Bala, sqldbtest.Changle, sqldbtest.Bapang, "430811100201", "430811100202"}

// rollupPrefixes are the significant prefixes of every area of the test
// world, the nation first.
func rollupPrefixes() []string {
	set := map[string]bool{"": true}
	for _, v := range rollupVillages {
		for _, l := range []tuopin.Level{tuopin.LevelProvince, tuopin.LevelCity, tuopin.LevelCounty, tuopin.LevelTownship, tuopin.LevelVillage} {
			set[v[:l.Digits()]] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// expectedRollups sums HouseholdMetrics over a model of the registry, by
// year and prefix.
func expectedRollups(model map[int64]*tuopin.Household) map[int]map[string]map[string]int64 {
	out := map[int]map[string]map[string]int64{}
	for _, h := range model {
		if out[h.Year] == nil {
			out[h.Year] = map[string]map[string]int64{}
		}
		for _, d := range []int{0, 2, 4, 6, 9, 12} {
			p := h.AreaCode[:d]
			if out[h.Year][p] == nil {
				out[h.Year][p] = map[string]int64{}
			}
			for k, v := range tuopin.HouseholdMetrics(h) {
				out[h.Year][p][k] += v
			}
		}
	}
	return out
}

// sameMetrics reports how got (every key, zeros included) differs from
// want (non-zero keys only), or "".
func sameMetrics(got, want map[string]int64) string {
	var diffs []string
	for _, k := range slices.Sorted(maps.Keys(got)) {
		if got[k] != want[k] {
			diffs = append(diffs, fmt.Sprintf("%s: got %d, want %d", k, got[k], want[k]))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if _, ok := got[k]; !ok && want[k] != 0 {
			diffs = append(diffs, fmt.Sprintf("%s: missing, want %d", k, want[k]))
		}
	}
	return strings.Join(diffs, "; ")
}

// checkRollups compares FindAreaStats at every area of the world (and its
// children) with sums over the model, and CheckRollups with a
// recomputation from the rows.
func checkRollups(t *testing.T, db *sqldb.DB, model map[int64]*tuopin.Household, year int, step string) {
	t.Helper()
	areas := sqldb.NewAreaService(db)
	want := expectedRollups(model)[year]
	for _, p := range rollupPrefixes() {
		st, children, err := areas.FindAreaStats(ctxSystem, p, year)
		must(t, err)
		if d := sameMetrics(st.Metrics, want[p]); d != "" {
			t.Fatalf("%s: area %q: %s", step, p, d)
		}
		if st.Households != int(want[p][tuopin.MetricHouseholds]) || st.PoorPersons != int(want[p][tuopin.MetricPoorPersons]) ||
			st.ExitedHouseholds != int(want[p][tuopin.MetricExitedHouseholds]) {
			t.Fatalf("%s: area %q: fields %+v, metrics %v", step, p, st, want[p])
		}
		for _, c := range children {
			cp := c.Code[:st.Level.Child().Digits()]
			if d := sameMetrics(c.Metrics, want[cp]); d != "" {
				t.Fatalf("%s: child %q of %q: %s", step, cp, p, d)
			}
		}
	}
	rep, err := sqldb.NewRollupService(db).CheckRollups(ctxSystem, 0)
	must(t, err)
	if rep.Mismatch != 0 {
		t.Fatalf("%s: check: %d mismatches: %v", step, rep.Mismatch, rep.Examples)
	}
}

// rollupWorld is the registry that the property test edits at random.
type rollupWorld struct {
	t      *testing.T
	db     *sqldb.DB
	hh     *sqldb.HouseholdService
	rnd    *rand.Rand
	model  map[int64]*tuopin.Household
	ids    []int64 // the model's keys, in creation order
	serial int     // makes numbers and ID numbers unique
}

func newRollupWorld(t *testing.T, db *sqldb.DB, seed uint64) *rollupWorld {
	sqldbtest.MustLoadAreas(t, db)
	must(t, sqldb.NewAreaService(db).UpsertAreas(ctxSystem, rollupAreas))
	return &rollupWorld{t: t, db: db, hh: sqldb.NewHouseholdService(db), rnd: rand.New(rand.NewPCG(seed, 2016)),
		model: map[int64]*tuopin.Household{}}
}

func (w *rollupWorld) pick(list []string) string { return list[w.rnd.IntN(len(list))] }

func (w *rollupWorld) code(kind string) string {
	return w.pick(slices.Collect(func(yield func(string) bool) {
		for _, c := range tuopin.DefaultCodeSet.List(kind, 2024) {
			if !yield(c.Code) {
				return
			}
		}
	}))
}

// member returns a new member with an ID number no one has.
func (w *rollupWorld) member(relation string) *tuopin.Member {
	w.serial++
	birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, w.serial/1000).Format("20060102")
	return &tuopin.Member{Name: fmt.Sprintf("韦%d", w.serial), IDNumber: sqldbtest.IDNumber("451224", birth, w.serial%1000), Relation: relation}
}

// household returns a new household in a random village with random
// fields and 1 to 5 members.
func (w *rollupWorld) household() *tuopin.Household {
	w.serial++
	village := w.pick(rollupVillages)
	h := &tuopin.Household{
		Year: 2024, Number: fmt.Sprintf("P%06d", w.serial), AreaCode: village,
		Attribute: w.code(tuopin.CodeAttribute), MainCause: w.code(tuopin.CodeCause), Status: w.code(tuopin.CodeStatus),
		IncomePerCapita: tuopin.Money(w.rnd.IntN(1_000_000)),
		Members:         []*tuopin.Member{w.member(tuopin.RelationHead)},
	}
	for range w.rnd.IntN(5) {
		h.Members = append(h.Members, w.member("03"))
	}
	return h
}

func (w *rollupWorld) keep(h *tuopin.Household) {
	if _, ok := w.model[h.ID]; !ok {
		w.ids = append(w.ids, h.ID)
	}
	w.model[h.ID] = h
}

// any returns a random household of the model.
func (w *rollupWorld) any() *tuopin.Household { return w.model[w.ids[w.rnd.IntN(len(w.ids))]] }

// failAudit makes the next audit append fail, after the roll-ups were
// written: an audit row takes the id it would use. It returns the undo.
func (w *rollupWorld) failAudit() func() {
	w.t.Helper()
	last, err := w.db.QueryInt(bg, `SELECT last_id FROM audit_head WHERE id = 1`)
	must(w.t, err)
	must(w.t, w.db.Exec(bg, `INSERT INTO audit_log (id, time, actor_id, actor_name, action, target_kind, target_id, area_code, prev_hash, hash)
		VALUES (?, '2024-01-01T00:00:00.000000Z', 0, 'x', 'x', 'x', 'x', '', '', '')`, last+1))
	return func() { must(w.t, w.db.Exec(bg, `DELETE FROM audit_log WHERE id = ?`, last+1)) }
}

// step makes one random change and returns its name. A change that is
// meant to fail must fail and leave the roll-ups as they were.
func (w *rollupWorld) step() string {
	t := w.t
	t.Helper()
	if len(w.ids) < 5 {
		h := w.household()
		must(t, w.hh.CreateHousehold(ctxSystem, h, ""))
		w.keep(h)
		return "create"
	}
	h := w.any()
	upd := func(u tuopin.HouseholdUpdate) {
		t.Helper()
		got, err := w.hh.UpdateHousehold(ctxSystem, h.ID, u)
		must(t, err)
		w.keep(got)
	}
	switch n := w.rnd.IntN(100); {
	case n < 12:
		nh := w.household()
		must(t, w.hh.CreateHousehold(ctxSystem, nh, ""))
		w.keep(nh)
		return "create"
	case n < 18:
		var batch []*tuopin.Household
		for range 2 + w.rnd.IntN(8) {
			batch = append(batch, w.household())
		}
		must(t, w.hh.CreateHouseholds(ctxSystem, batch, ""))
		for _, b := range batch {
			w.keep(b)
		}
		return "batch"
	case n < 26:
		upd(tuopin.HouseholdUpdate{IncomePerCapita: ptr(tuopin.Money(w.rnd.IntN(1_000_000)))})
		return "income"
	case n < 40:
		upd(tuopin.HouseholdUpdate{AreaCode: ptr(w.pick(rollupVillages))})
		return "move"
	case n < 52:
		members := slices.Clone(h.Members)
		if len(members) > 1 && w.rnd.IntN(2) == 0 {
			i := 1 + w.rnd.IntN(len(members)-1) // never the head
			members = slices.Delete(members, i, i+1)
		} else {
			members = append(members, w.member("04"))
		}
		upd(tuopin.HouseholdUpdate{Members: &members})
		return "members"
	case n < 60:
		upd(tuopin.HouseholdUpdate{Attribute: ptr(w.code(tuopin.CodeAttribute)), MainCause: ptr(w.code(tuopin.CodeCause)),
			AreaCode: ptr(w.pick(rollupVillages))})
		return "attribute+cause+move"
	case n < 82:
		to := w.pick(tuopin.StatusTransitions[h.Status])
		if !tuopin.CanMoveStatus(h.Status, to) {
			t.Fatalf("transition table: %s → %s", h.Status, to)
		}
		got, err := w.hh.SetHouseholdStatus(ctxSystem, h.ID, to, "")
		must(t, err)
		w.keep(got)
		return "status"
	}
	// A write that fails leaves the roll-ups unchanged.
	before, err := w.db.RollupRows(bg)
	must(t, err)
	var name string
	var werr error
	switch w.rnd.IntN(5) {
	case 0:
		name = "fail/stale"
		_, werr = w.hh.UpdateHousehold(ctxSystem, h.ID, tuopin.HouseholdUpdate{AreaCode: ptr(w.pick(rollupVillages)), Version: ptr(h.Version - 1)})
	case 1:
		name = "fail/batch-number"
		batch := []*tuopin.Household{w.household(), w.household()}
		batch[1].Number = h.Number
		werr = w.hh.CreateHouseholds(ctxSystem, batch, "")
	case 2:
		name = "fail/status"
		werr = func() error { _, err := w.hh.SetHouseholdStatus(ctxSystem, h.ID, h.Status, ""); return err }()
	case 3:
		name = "fail/audit-after-move"
		undo := w.failAudit()
		_, werr = w.hh.UpdateHousehold(ctxSystem, h.ID, tuopin.HouseholdUpdate{AreaCode: ptr(w.pick(rollupVillages)),
			Members: &[]*tuopin.Member{h.Members[0], w.member("02")}})
		undo()
	case 4:
		name = "fail/audit-after-batch"
		undo := w.failAudit()
		werr = w.hh.CreateHouseholds(ctxSystem, []*tuopin.Household{w.household(), w.household(), w.household()}, "")
		undo()
	}
	if werr == nil {
		t.Fatalf("%s: the write succeeded", name)
	}
	after, err := w.db.RollupRows(bg)
	must(t, err)
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("%s (%v): roll-ups changed by a failed write", name, werr)
	}
	return name
}

// TestRollupsProperty makes a few hundred random changes to a registry
// across two provinces (creates, batches, income, moves between villages
// of other townships, counties and provinces, members added and removed,
// attribute and cause, status moves, and writes that fail) and compares
// after every few the roll-ups with a model and with a recomputation.
func TestRollupsProperty(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		const steps, every = 300, 10
		w := newRollupWorld(t, db, 20160701)
		counts := map[string]int{}
		for i := range steps {
			name := w.step()
			counts[strings.Split(name, "/")[0]]++
			if (i+1)%every == 0 || i == steps-1 {
				checkRollups(t, db, w.model, 2024, fmt.Sprintf("step %d (%s)", i, name))
			}
		}
		t.Logf("%d households; steps %v", len(w.model), counts)
		for _, k := range []string{"create", "batch", "income", "move", "members", "status", "fail"} {
			if counts[k] == 0 {
				t.Errorf("no %s step in %d", k, steps)
			}
		}
	})
}

// TestRollupsRollback checks each write path once: a write that fails
// after it upserted the roll-ups (its audit append fails) leaves them
// unchanged.
func TestRollupsRollback(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newRollupWorld(t, db, 1)
		for range 5 {
			w.step()
		}
		h := w.any()
		for _, tc := range []struct {
			name  string
			write func() error
		}{
			{"Create", func() error { return w.hh.CreateHousehold(ctxSystem, w.household(), "") }},
			{"CreateBatch", func() error {
				return w.hh.CreateHouseholds(ctxSystem, []*tuopin.Household{w.household(), w.household()}, "")
			}},
			{"Update", func() error {
				_, err := w.hh.UpdateHousehold(ctxSystem, h.ID, tuopin.HouseholdUpdate{AreaCode: ptr("430811100202"), Attribute: ptr("07")})
				return err
			}},
			{"Status", func() error {
				_, err := w.hh.SetHouseholdStatus(ctxSystem, h.ID, tuopin.StatusTransitions[h.Status][0], "")
				return err
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before, err := db.RollupRows(bg)
				must(t, err)
				undo := w.failAudit()
				err = tc.write()
				undo()
				if err == nil {
					t.Fatal("the write succeeded")
				}
				after, err := db.RollupRows(bg)
				must(t, err)
				if !reflect.DeepEqual(before, after) {
					t.Fatal("roll-ups changed by a failed write")
				}
				checkRollups(t, db, w.model, 2024, tc.name)
			})
		}
	})
}

// TestRollupGroupCoversMetrics guards the recomputation's grouping:
// HouseholdMetrics must give the same for a household as for the one that
// stands for its group, whatever the other fields hold.
func TestRollupGroupCoversMetrics(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	codes := func(kind string) []tuopin.Code { return tuopin.DefaultCodeSet.List(kind, 0) }
	for range 1000 {
		h := &tuopin.Household{
			ID: r.Int64(), Year: 2014 + r.IntN(10), Number: fmt.Sprint(r.Int()), AreaCode: fmt.Sprintf("%012d", r.Int64N(1e12)),
			HeadName: "韦", Size: r.IntN(12), Attribute: codes(tuopin.CodeAttribute)[r.IntN(8)].Code,
			MainCause: codes(tuopin.CodeCause)[r.IntN(12)].Code, IncomePerCapita: tuopin.Money(r.Int64N(1e8)),
			Status: codes(tuopin.CodeStatus)[r.IntN(5)].Code, Phone: fmt.Sprint(r.Int()), Version: r.IntN(9),
			CreatedAt: time.Unix(r.Int64N(1e9), 0), UpdatedAt: time.Unix(r.Int64N(1e9), 0),
			Members: []*tuopin.Member{{Name: "韦", Relation: tuopin.RelationHead}},
		}
		if got, want := tuopin.HouseholdMetrics(sqldb.RollupGroupHousehold(h)), tuopin.HouseholdMetrics(h); !maps.Equal(got, want) {
			t.Fatalf("HouseholdMetrics reads a field that rollupGroup lacks: %v for the group, %v for %+v", got, want, h)
		}
	}
}

// TestRebuildRollups tampers with the roll-ups in every way (a changed
// value, a missing row, a row too many, a row of another year) and checks
// that CheckRollups names it and RebuildRollups repairs it.
func TestRebuildRollups(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newRollupWorld(t, db, 7)
		for range 40 {
			w.step()
		}
		old := w.household()
		old.Year, old.AreaCode = 2023, sqldbtest.Xinyan
		must(t, w.hh.CreateHousehold(ctxSystem, old, ""))
		w.keep(old)
		rs := sqldb.NewRollupService(db)
		check := func(year int) *tuopin.RollupReport {
			t.Helper()
			rep, err := rs.CheckRollups(ctxSystem, year)
			must(t, err)
			return rep
		}
		t.Run("OKClean", func(t *testing.T) {
			rep := check(0)
			if rep.Mismatch != 0 || rep.Rows == 0 || !reflect.DeepEqual(rep.Years, []int{2023, 2024}) || len(rep.Examples) != 0 {
				t.Fatalf("report %+v", rep)
			}
		})
		tamper := func() {
			t.Helper()
			must(t, db.Exec(bg, `UPDATE rollups SET value = value + 5 WHERE year = 2024 AND level = 3 AND area = '451224' AND metric = 'persons'`))
			must(t, db.Exec(bg, `DELETE FROM rollups WHERE year = 2024 AND level = 0 AND metric = 'households'`))
			must(t, db.Exec(bg, `INSERT INTO rollups (year, level, area, metric, value) VALUES (2024, 5, '990101001001', 'households', 3)`))
			must(t, db.Exec(bg, `UPDATE rollups SET value = 0 WHERE year = 2023 AND level = 1`))
		}
		t.Run("OKCheckFinds", func(t *testing.T) {
			tamper()
			rep := check(0)
			all := strings.Join(rep.Examples, "\n")
			if rep.Mismatch < 4 || len(rep.Examples) != min(rep.Mismatch, 20) ||
				!strings.Contains(all, "2024 451224 persons: stored ") ||
				!strings.Contains(all, "2024 nation households: no stored row, computed ") ||
				!strings.Contains(all, "2024 990101001001 households: stored 3, computed 0") ||
				!strings.Contains(all, "2023 45 households: stored 0, computed 1") {
				t.Fatalf("report %+v\n%s", rep, all)
			}
			if rep := check(2023); rep.Mismatch == 0 || !reflect.DeepEqual(rep.Years, []int{2023}) || strings.Contains(strings.Join(rep.Examples, ""), "2024") {
				t.Fatalf("2023 report %+v", rep)
			}
		})
		t.Run("OKRebuildYear", func(t *testing.T) {
			rep, err := rs.RebuildRollups(ctxSystem, 2023)
			must(t, err)
			if rep.Mismatch == 0 || !reflect.DeepEqual(rep.Years, []int{2023}) {
				t.Fatalf("report %+v", rep)
			}
			if rep := check(2023); rep.Mismatch != 0 {
				t.Fatalf("2023 after its rebuild: %+v", rep)
			}
			if rep := check(2024); rep.Mismatch < 3 {
				t.Fatalf("2024 repaired by 2023's rebuild: %+v", rep)
			}
		})
		t.Run("OKRebuildAll", func(t *testing.T) {
			rep, err := rs.RebuildRollups(ctxSystem, 0)
			must(t, err)
			if rep.Mismatch < 3 || rep.Rows == 0 {
				t.Fatalf("report %+v", rep)
			}
			checkRollups(t, db, w.model, 2024, "rebuilt")
			checkRollups(t, db, w.model, 2023, "rebuilt")
			n, err := db.QueryInt(bg, `SELECT COUNT(*) FROM rollups WHERE value = 0`)
			must(t, err)
			if n != 0 {
				t.Fatalf("%d rows of value 0 after a rebuild", n)
			}
			total, err := db.QueryInt(bg, `SELECT COUNT(*) FROM rollups`)
			must(t, err)
			if total != rep.Rows {
				t.Fatalf("rebuild reports %d rows, table holds %d", rep.Rows, total)
			}
			es, _, err := sqldb.NewAuditService(db).FindAuditEntries(ctxSystem, tuopin.AuditFilter{Action: ptr(tuopin.ActionRollupRebuild)})
			must(t, err)
			want := fmt.Sprintf(`{"fixed":%d,"rows":%d,"years":[2023,2024]}`, rep.Mismatch, rep.Rows)
			if len(es) != 2 || string(es[0].After) != want || es[0].TargetKind != "rollups" || es[1].TargetID != "2023" {
				t.Fatalf("audit: %d entries, newest %+v", len(es), es[0])
			}
			if rep, err := rs.RebuildRollups(ctxSystem, 0); err != nil || rep.Mismatch != 0 {
				t.Fatalf("second rebuild: %+v, %v", rep, err)
			}
		})
		t.Run("OKEmpty", func(t *testing.T) {
			db := sqldbtest.MustOpen(t, db.Dialect())
			rs := sqldb.NewRollupService(db)
			rep, err := rs.CheckRollups(ctxSystem, 0)
			must(t, err)
			if rep.Mismatch != 0 || rep.Rows != 0 || len(rep.Years) != 0 {
				t.Fatalf("report %+v", rep)
			}
			if _, err := rs.RebuildRollups(ctxSystem, 2024); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("ErrForbidden", func(t *testing.T) {
			county := sqldbtest.MustCreateUser(t, db, tuopin.RoleCountyAdmin, "451224")
			_, err := rs.RebuildRollups(sqldbtest.Ctx(county), 0)
			wantErr(t, err, tuopin.EFORBIDDEN, "Only an administrator")
			_, err = rs.CheckRollups(sqldbtest.Ctx(county), 0)
			wantCode(t, err, tuopin.EFORBIDDEN)
			_, err = rs.CheckRollups(bg, 0)
			wantCode(t, err, tuopin.EUNAUTHORIZED)
		})
	})
}

// TestMigrateRollups migrates a database that holds households at schema
// version 1 and checks that the migrations derived their indicators and
// built their roll-ups.
func TestMigrateRollups(t *testing.T) {
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			db := sqldbtest.MustOpenEmpty(t, engine)
			must(t, db.MigrateToVersion(bg, 1))
			for _, a := range append(slices.Clone(sqldbtest.Areas), rollupAreas...) {
				must(t, db.Exec(bg, `INSERT INTO areas (code, name, level, parent_code) VALUES (?, ?, ?, ?)`, a.Code, a.Name, int(a.Level), a.ParentCode))
			}
			model := map[int64]*tuopin.Household{}
			r := rand.New(rand.NewPCG(3, 4))
			statuses := []string{tuopin.StatusPoor, tuopin.StatusExited, tuopin.StatusExitedDone, tuopin.StatusReturned, tuopin.StatusPreExit}
			for i := range 200 {
				h := &tuopin.Household{ID: int64(i + 1), Year: 2015 + i%3, Number: fmt.Sprintf("M%04d", i),
					AreaCode: rollupVillages[r.IntN(len(rollupVillages))], Size: 1 + r.IntN(6), Attribute: fmt.Sprintf("0%d", 1+r.IntN(8)),
					MainCause: fmt.Sprintf("0%d", 1+r.IntN(9)), Status: statuses[r.IntN(len(statuses))]}
				must(t, db.Exec(bg, `INSERT INTO households (id, year, number, area_code, head_name, size, attribute, main_cause, status, created_at, updated_at)
					VALUES (?, ?, ?, ?, '韦', ?, ?, ?, ?, '2016-01-01T00:00:00.000000Z', '2016-01-01T00:00:00.000000Z')`,
					h.ID, h.Year, h.Number, h.AreaCode, h.Size, h.Attribute, h.MainCause, h.Status))
				model[h.ID] = h
			}
			must(t, db.Migrate(bg))
			if cur, latest, err := db.SchemaVersion(bg); err != nil || cur != latest {
				t.Fatalf("version %d of %d, %v", cur, latest, err)
			}
			// The migrations also derived each household's indicators,
			// under the seeded poverty lines.
			params := tuopin.NewParamSet(tuopin.DefaultParameters)
			for _, h := range model {
				p, ok := params.Lookup(tuopin.ParamPovertyLine, h.Year, h.AreaCode)
				h.Derive(p.Value, ok)
			}
			for year := 2015; year <= 2017; year++ {
				checkRollups(t, db, model, year, fmt.Sprint(year))
			}
			years, err := sqldb.NewHouseholdService(db).FindYears(ctxSystem)
			must(t, err)
			if !reflect.DeepEqual(years, []int{2017, 2016, 2015}) {
				t.Fatalf("years %v", years)
			}
		})
	}
}

// TestFindAreaStatsMetrics checks the metric map of FindAreaStats: every
// key of the year, and the counts by status, cause and attribute.
func TestFindAreaStatsMetrics(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		h1 := sqldbtest.NewHousehold(sqldbtest.Xinyan, 1)
		h1.MainCause, h1.Attribute = "02", "04"
		sqldbtest.MustCreateHousehold(t, db, h1)
		h2 := sqldbtest.NewHousehold(sqldbtest.Xinyan, 2)
		h2.Status = tuopin.StatusExited
		sqldbtest.MustCreateHousehold(t, db, h2)
		sqldbtest.MustCreateHousehold(t, db, sqldbtest.NewHousehold(sqldbtest.Changle, 3))
		st, children, err := w.areas.FindAreaStats(sqldbtest.Ctx(w.county), "", 2024)
		must(t, err)
		keys := tuopin.RollupMetrics(tuopin.DefaultCodeSet, 2024)
		if len(keys) != 6+5+5+12+8+len(tuopin.GapMetrics)+len(tuopin.IncomeBands) || len(st.Metrics) != len(keys) {
			t.Fatalf("%d keys, metrics %v", len(keys), st.Metrics)
		}
		want := map[string]int64{"households": 3, "persons": 6, "poor_households": 2, "poor_persons": 4, "exited_households": 1,
			"exited_persons": 2, "status:0": 2, "status:1": 1, "status_persons:0": 4, "status_persons:1": 2,
			"cause:01": 2, "cause:02": 1, "attribute:01": 2, "attribute:04": 1, "income_band:noline": 3}
		if d := sameMetrics(st.Metrics, want); d != "" {
			t.Fatal(d)
		}
		if len(children) != 2 || children[1].Metrics["cause:01"] != 1 || children[1].Metrics["cause:02"] != 0 || len(children[1].Metrics) != len(keys) {
			t.Fatalf("children %+v", children)
		}
		// A village secretary sees its village's numbers only.
		st, _, err = w.areas.FindAreaStats(sqldbtest.Ctx(w.village), "", 2024)
		must(t, err)
		if st.Metrics["households"] != 2 || st.Metrics["cause:02"] != 1 {
			t.Fatalf("village %v", st.Metrics)
		}
		// A year without households: zeros, every key.
		st, _, err = w.areas.FindAreaStats(sqldbtest.Ctx(w.county), "", 2019)
		must(t, err)
		if st.Households != 0 || len(st.Metrics) != len(keys) {
			t.Fatalf("2019 %+v", st)
		}
	})
}

// TestFindYearsRollups checks that a year leaves a scope's year list when
// its last household there moves away.
func TestFindYearsRollups(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		h := sqldbtest.MustCreateHousehold(t, db, sqldbtest.NewHousehold(sqldbtest.Bapang, 1))
		old := sqldbtest.NewHousehold(sqldbtest.Xinyan, 2)
		old.Year = 2023
		sqldbtest.MustCreateHousehold(t, db, old)
		years := func(u *tuopin.User) []int {
			t.Helper()
			ys, err := w.hh.FindYears(sqldbtest.Ctx(u))
			must(t, err)
			return ys
		}
		if got := years(w.fengshan); !reflect.DeepEqual(got, []int{2024}) {
			t.Fatalf("fengshan %v", got)
		}
		if got := years(tuopin.SystemUser); !reflect.DeepEqual(got, []int{2024, 2023}) {
			t.Fatalf("nation %v", got)
		}
		_, err := w.hh.UpdateHousehold(ctxSystem, h.ID, tuopin.HouseholdUpdate{AreaCode: ptr(sqldbtest.Changle)})
		must(t, err)
		if got := years(w.fengshan); len(got) != 0 {
			t.Fatalf("fengshan after the move %v", got)
		}
		if got := years(w.county); !reflect.DeepEqual(got, []int{2024, 2023}) {
			t.Fatalf("county after the move %v", got)
		}
	})
}

// TestRollupsConcurrentWriters runs writers side by side (moves across
// provinces, status moves, batches) and a rebuild among them: on
// PostgreSQL the writers upsert shared rows (the nation's) at once, and
// the rebuild locks them out. No write may fail or be lost.
func TestRollupsConcurrentWriters(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newRollupWorld(t, db, 11)
		var mine [4][]*tuopin.Household
		for g := range mine {
			for range 5 {
				h := w.household()
				must(t, w.hh.CreateHousehold(ctxSystem, h, ""))
				mine[g] = append(mine[g], h)
			}
		}
		var batches [4][]*tuopin.Household
		for g := range batches {
			for range 4 { // one for each batch write of the goroutine
				batches[g] = append(batches[g], w.household())
			}
		}
		var wg sync.WaitGroup
		errs := make(chan error, 200)
		for g := range 4 {
			wg.Go(func() {
				for i := range 12 {
					h := mine[g][i%len(mine[g])]
					var got *tuopin.Household
					var err error
					switch i % 3 {
					case 0:
						got, err = w.hh.UpdateHousehold(ctxSystem, h.ID, tuopin.HouseholdUpdate{AreaCode: ptr(rollupVillages[(g+i)%len(rollupVillages)])})
					case 1:
						got, err = w.hh.SetHouseholdStatus(ctxSystem, h.ID, tuopin.StatusTransitions[h.Status][0], "")
					case 2:
						err = w.hh.CreateHouseholds(ctxSystem, batches[g][i/3:i/3+1], "")
					}
					if got != nil {
						mine[g][i%len(mine[g])] = got
					}
					errs <- err
				}
			})
		}
		wg.Go(func() {
			for range 3 {
				_, err := sqldb.NewRollupService(db).RebuildRollups(ctxSystem, 2024)
				errs <- err
			}
		})
		wg.Wait()
		close(errs)
		for err := range errs {
			must(t, err)
		}
		model := map[int64]*tuopin.Household{}
		for g := range 4 {
			for _, h := range append(mine[g], batches[g]...) {
				model[h.ID] = h
			}
		}
		checkRollups(t, db, model, 2024, "concurrent")
	})
}
