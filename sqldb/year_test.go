package sqldb_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// household2016 returns fixture household n of a village in 2016, with
// details on the household and a member, so that a copy can be checked
// column by column.
func household2016(village string, n int) *tuopin.Household {
	h := sqldbtest.NewHousehold(village, n)
	h.Year = 2016
	h.Phone = "0778-5521234"
	h.Details = map[string]string{"group_name": "三组", "first_identified_year": "2014", "helper_name": "覃帮扶"}
	h.Members[1].Details = map[string]string{"employer": "东兰县糖厂", "member_phone": "13800000000"}
	return h
}

// textRows returns a query's rows as text with the columns not in skip.
func textRows(t *testing.T, db *sqldb.DB, skip []string, query string, args ...any) [][]string {
	t.Helper()
	cols, rows, err := db.TextRows(context.Background(), query, args...)
	must(t, err)
	out := make([][]string, len(rows))
	for i, r := range rows {
		for j, c := range cols {
			if !slices.Contains(skip, c) {
				out[i] = append(out[i], c+"="+r[j])
			}
		}
	}
	return out
}

func equalRows(a, b [][]string) bool {
	return slices.EqualFunc(a, b, func(x, y []string) bool { return slices.Equal(x, y) })
}

// yearSnapshot returns every stored column of the households and members
// of a year under a county, in number order.
func yearSnapshot(t *testing.T, db *sqldb.DB, year int, county string, skipH, skipM []string) (hs, ms [][]string) {
	t.Helper()
	lo, hi, _ := tuopin.PrefixRange(county)
	hs = textRows(t, db, skipH, `SELECT * FROM households WHERE year = ? AND area_code >= ? AND area_code < ? ORDER BY number`, year, lo, hi)
	ms = textRows(t, db, append([]string{"household_id"}, skipM...), `
		SELECT h.number AS household_number, m.* FROM members m JOIN households h ON h.id = m.household_id
		WHERE h.year = ? AND h.area_code >= ? AND h.area_code < ? ORDER BY h.number, m.ord`, year, lo, hi)
	return hs, ms
}

func TestStartYear(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		years := sqldb.NewYearService(db)
		admin := sqldbtest.MustCreateUser(t, db, tuopin.RoleAdmin, "")
		ctx := sqldbtest.Ctx(w.county)

		// 东兰县: five households in 2016, one moved to 预脱贫; 凤山县: two.
		var donglan []*tuopin.Household
		for i, v := range []string{sqldbtest.Xinyan, sqldbtest.Xinyan, sqldbtest.Bala, sqldbtest.Changle, sqldbtest.Changle} {
			donglan = append(donglan, sqldbtest.MustCreateHousehold(t, db, household2016(v, i+1)))
		}
		for i := range 2 {
			sqldbtest.MustCreateHousehold(t, db, household2016(sqldbtest.Bapang, i+1))
		}
		_, err := w.hh.SetHouseholdStatus(ctx, donglan[0].ID, tuopin.StatusPreExit, "公示")
		must(t, err)
		// One household is in 2017 already, entered by hand.
		byHand := household2016(sqldbtest.Changle, 5)
		byHand.Year = 2017
		sqldbtest.MustCreateHousehold(t, db, byHand)

		// The rows of 2016 as stored, every column.
		before16, beforeM16 := yearSnapshot(t, db, 2016, "451224", nil, nil)
		audit0 := rowCount(t, db, "audit_log")

		t.Run("Plan", func(t *testing.T) {
			p, err := years.PlanStartYear(ctx, 2016, 2017, "")
			must(t, err)
			if p.Area != "451224" || p.Source != 5 || p.Present != 1 || p.Households != 4 || p.Members != 8 || p.Started != nil {
				t.Fatalf("plan = %+v", p)
			}
			if rowCount(t, db, "audit_log") != audit0 {
				t.Fatal("a plan wrote")
			}
		})
		t.Run("ErrForbidden", func(t *testing.T) {
			for _, u := range []*tuopin.User{w.township, w.village, w.viewer} {
				_, err := years.StartYear(sqldbtest.Ctx(u), 2016, 2017, "451224")
				wantCode(t, err, tuopin.EFORBIDDEN)
			}
			_, err := years.StartYear(ctx, 2016, 2017, "451223")
			wantErr(t, err, tuopin.EFORBIDDEN, "its own county")
			_, err = years.StartYear(ctx, 2016, 2017, "451224100")
			wantField(t, err, "area", "not_county", "for a county")
			_, err = years.StartYear(ctx, 2016, 2016, "")
			wantField(t, err, "to", "not_after", "after 2016")
			_, err = years.StartYear(ctx, 2015, 2016, "")
			wantField(t, err, "from", "empty_year", "no households of 2015")
			if rowCount(t, db, "audit_log") != audit0 {
				t.Fatal("a refused start wrote")
			}
		})

		ys, err := years.StartYear(ctx, 2016, 2017, "")
		must(t, err)
		if ys.Households != 4 || ys.Members != 8 || ys.Present != 1 || ys.Source != 5 {
			t.Fatalf("start = %+v", ys)
		}

		t.Run("CopiesEveryColumn", func(t *testing.T) {
			// Every column of every copy equals its original's, but for
			// the key, the year and the row's bookkeeping. The derived
			// indicators are compared too: these households have no
			// school-age children and no poverty line differs.
			skipH := []string{"id", "year", "version", "created_at", "updated_at"}
			skipM := []string{"id", "year"}
			h16, m16 := yearSnapshot(t, db, 2016, "451224", skipH, skipM)
			h17, m17 := yearSnapshot(t, db, 2017, "451224", skipH, skipM)
			// The household entered by hand in 2017 is not a copy.
			drop := func(rows [][]string, number string) [][]string {
				return slices.DeleteFunc(slices.Clone(rows), func(r []string) bool {
					return slices.Contains(r, "number="+number) || slices.Contains(r, "household_number="+number)
				})
			}
			if !equalRows(drop(h16, byHand.Number), drop(h17, byHand.Number)) {
				t.Fatalf("households differ:\n2016 %v\n2017 %v", h16, h17)
			}
			if !equalRows(drop(m16, byHand.Number), drop(m17, byHand.Number)) {
				t.Fatalf("members differ:\n2016 %v\n2017 %v", m16, m17)
			}
			if len(h17) != 5 || len(m17) != 10 {
				t.Fatalf("2017: %d households, %d members", len(h17), len(m17))
			}
			// The copies are new rows: version 1, created now.
			got, _, err := w.hh.FindHouseholds(ctx, tuopin.HouseholdFilter{Year: ptr(2017), Number: &donglan[0].Number})
			must(t, err)
			if len(got) != 1 || got[0].Version != 1 || got[0].Status != tuopin.StatusPreExit || got[0].ID == donglan[0].ID ||
				got[0].Details["group_name"] != "三组" {
				t.Fatalf("copy = %+v", got)
			}
		})
		t.Run("FromUnchanged", func(t *testing.T) {
			after16, afterM16 := yearSnapshot(t, db, 2016, "451224", nil, nil)
			if !equalRows(before16, after16) || !equalRows(beforeM16, afterM16) {
				t.Fatal("2016 changed")
			}
		})
		t.Run("OtherCountyNotCopied", func(t *testing.T) {
			h, m := yearSnapshot(t, db, 2017, "451223", nil, nil)
			if len(h) != 0 || len(m) != 0 {
				t.Fatalf("凤山县 2017: %v %v", h, m)
			}
		})
		t.Run("Rollups", func(t *testing.T) {
			rep, err := sqldb.NewRollupService(db).CheckRollups(sqldbtest.Ctx(admin), 2017)
			must(t, err)
			if rep.Mismatch != 0 {
				t.Fatalf("roll-ups of 2017: %+v", rep)
			}
			a, _, err := w.areas.FindAreaStats(ctx, sqldbtest.Donglan, 2017)
			must(t, err)
			if a.Metrics[tuopin.MetricHouseholds] != 5 || a.Metrics[tuopin.MetricPersons] != 10 || a.Metrics[tuopin.MetricStatusPrefix+tuopin.StatusPreExit] != 1 {
				t.Fatalf("2017 stats = %v", a.Metrics)
			}
		})
		t.Run("EventsAndAudit", func(t *testing.T) {
			n, err := db.QueryInt(context.Background(), `SELECT COUNT(*) FROM household_events WHERE kind = ? AND year = 2017 AND date = '2017-01-01'`, tuopin.EventYearStarted)
			must(t, err)
			if n != 4 {
				t.Fatalf("%d year_started events", n)
			}
			kind := "registry_year"
			es, _, err := w.audit.FindAuditEntries(ctx, tuopin.AuditFilter{TargetKind: &kind})
			must(t, err)
			if len(es) != 1 || es[0].Action != tuopin.ActionYearStart || es[0].TargetID != "2017:451224" || es[0].AreaCode != "451224" ||
				!strings.Contains(string(es[0].After), `"households":4`) || !strings.Contains(string(es[0].After), `"members":8`) {
				t.Fatalf("audit = %+v", es)
			}
		})
		t.Run("Idempotent", func(t *testing.T) {
			h17, m17 := yearSnapshot(t, db, 2017, "451224", nil, nil)
			again, err := years.StartYear(ctx, 2016, 2017, "451224")
			must(t, err)
			if again.Households != 0 || again.Members != 0 || again.Present != 5 || again.Started == nil || again.Started.Households != 4 {
				t.Fatalf("second start = %+v", again)
			}
			h, m := yearSnapshot(t, db, 2017, "451224", nil, nil)
			if !equalRows(h, h17) || !equalRows(m, m17) {
				t.Fatal("a second start changed 2017")
			}
			rep, err := sqldb.NewRollupService(db).CheckRollups(sqldbtest.Ctx(admin), 2017)
			must(t, err)
			if rep.Mismatch != 0 {
				t.Fatalf("roll-ups: %+v", rep)
			}
		})
		t.Run("ErrFromClosed", func(t *testing.T) {
			// Every write to 2016 in 东兰县 is refused, naming the years.
			const msg = "2016 年度已结转到 2017 年度，请修改 2017 年度记录"
			_, err := w.hh.UpdateHousehold(ctx, donglan[1].ID, tuopin.HouseholdUpdate{Phone: ptr("13900000000")})
			wantErr(t, err, tuopin.EINVALID, msg)
			_, err = w.hh.SetHouseholdStatus(ctx, donglan[1].ID, tuopin.StatusPreExit, "")
			wantErr(t, err, tuopin.EINVALID, msg)
			_, err = sqldb.NewEventService(db).RecordEvent(ctx, donglan[1].ID, tuopin.EventInput{Kind: tuopin.EventNote, Reason: "走访"})
			wantErr(t, err, tuopin.EINVALID, msg)
			err = w.hh.CreateHousehold(ctx, household2016(sqldbtest.Bala, 40), "")
			wantErr(t, err, tuopin.EINVALID, msg)
			err = w.hh.CreateHouseholds(ctx, []*tuopin.Household{household2016(sqldbtest.Bala, 41), household2016(sqldbtest.Bala, 42)}, "")
			wantErr(t, err, tuopin.EINVALID, "households[0]: "+msg)
			// 2017 is open, and 2016 of 凤山县 too.
			_, err = w.hh.UpdateHousehold(ctx, byHand.ID, tuopin.HouseholdUpdate{Phone: ptr("13900000000")})
			must(t, err)
			must(t, w.hh.CreateHousehold(sqldbtest.Ctx(w.fengshan), household2016(sqldbtest.Bapang, 9), ""))
		})
		t.Run("ErrOtherFrom", func(t *testing.T) {
			_, err := years.StartYear(ctx, 2015, 2017, "")
			wantField(t, err, "from", "started_from_other", "started from 2016 already")
		})
		t.Run("WholeRegistry", func(t *testing.T) {
			_, err := years.StartYear(sqldbtest.Ctx(admin), 2016, 2017, "")
			must(t, err)
			h, _ := yearSnapshot(t, db, 2017, "451223", nil, nil)
			if len(h) != 3 {
				t.Fatalf("凤山县 2017: %d households", len(h))
			}
			err = w.hh.CreateHousehold(sqldbtest.Ctx(w.fengshan), household2016(sqldbtest.Bapang, 10), "")
			wantErr(t, err, tuopin.EINVALID, "2016 年度已结转到 2017 年度")
			cy, err := years.FindCountyYears(sqldbtest.Ctx(admin))
			must(t, err)
			if len(cy) != 2 || cy[0].Code != "451223" || cy[0].Households[2016] != 3 || cy[0].Households[2017] != 3 ||
				cy[0].ClosedBy(2016) == nil || cy[1].Code != "451224" || cy[1].Households[2017] != 5 || cy[1].Starts[2017].AreaCode != "451224" {
				t.Fatalf("county years = %+v %+v", cy[0], cy[1])
			}
		})
		t.Run("CountyYearsInScope", func(t *testing.T) {
			cy, err := years.FindCountyYears(sqldbtest.Ctx(w.township))
			must(t, err)
			// 东兰镇 holds the households of 新烟 and 巴拉.
			if len(cy) != 1 || cy[0].Code != "451224" || cy[0].Name != "东兰县" || cy[0].Households[2016] != 3 || cy[0].ClosedBy(2016) == nil {
				t.Fatalf("county years = %+v", cy)
			}
		})
	})
}

// TestStartYearRederives checks that a copy's derived fields follow the
// new year: a child who turns 6 in 2017 counts as out of school then.
func TestStartYearRederives(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		h := household2016(sqldbtest.Xinyan, 1)
		h.Members = append(h.Members, &tuopin.Member{Name: "韦小", Relation: "03",
			IDNumber: sqldbtest.IDNumber("451224", "20110301", 5)})
		sqldbtest.MustCreateHousehold(t, db, h)
		if h.Indicators.OutOfSchool != 0 {
			t.Fatalf("2016 indicators = %+v", h.Indicators)
		}
		_, err := sqldb.NewYearService(db).StartYear(sqldbtest.Ctx(w.county), 2016, 2017, "")
		must(t, err)
		got, _, err := w.hh.FindHouseholds(sqldbtest.Ctx(w.county), tuopin.HouseholdFilter{Year: ptr(2017)})
		must(t, err)
		if len(got) != 1 || got[0].Indicators.OutOfSchool != 1 {
			t.Fatalf("2017 copy = %+v", got)
		}
		a, _, err := w.areas.FindAreaStats(sqldbtest.Ctx(w.county), sqldbtest.Donglan, 2017)
		must(t, err)
		if a.Metrics[tuopin.MetricGapSchool] != 1 {
			t.Fatalf("2017 stats = %v", a.Metrics)
		}
	})
}

// TestStartYearRederivesRules: when the new year's poverty line differs,
// every copy's income band follows it.
func TestStartYearRederivesRules(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		params := sqldb.NewParamService(db)
		for _, p := range []*tuopin.Parameter{
			{Kind: tuopin.ParamPovertyLine, Year: 2016, Region: "451224", Value: 3000_00, Source: "test"},
			{Kind: tuopin.ParamPovertyLine, Year: 2017, Region: "451224", Value: 4000_00, Source: "test"},
		} {
			must(t, params.SetParameter(sqldbtest.Ctx(w.county), p, "test"))
		}
		var hs []*tuopin.Household
		for i := range 3 {
			h := household2016(sqldbtest.Xinyan, i+1)
			h.IncomePerCapita = 3500_00 // above 2016's line, below 2017's
			hs = append(hs, sqldbtest.MustCreateHousehold(t, db, h))
		}
		if hs[0].Indicators.IncomeBand != tuopin.IncomeBandAbove {
			t.Fatalf("2016 band %q", hs[0].Indicators.IncomeBand)
		}
		_, err := sqldb.NewYearService(db).StartYear(sqldbtest.Ctx(w.county), 2016, 2017, "")
		must(t, err)
		got, _, err := w.hh.FindHouseholds(sqldbtest.Ctx(w.county), tuopin.HouseholdFilter{Year: ptr(2017)})
		must(t, err)
		for _, h := range got {
			if h.Indicators.IncomeBand != tuopin.IncomeBandBelow {
				t.Fatalf("2017 copy %s: band %q", h.Number, h.Indicators.IncomeBand)
			}
		}
		admin := sqldbtest.MustCreateUser(t, db, tuopin.RoleAdmin, "")
		rep, err := sqldb.NewRollupService(db).CheckRollups(sqldbtest.Ctx(admin), 2017)
		must(t, err)
		if rep.Mismatch != 0 {
			t.Fatalf("roll-ups: %+v", rep)
		}
	})
}

// TestStartYearIDClash: a person of a copy registered in the new year in
// another household already stops the start.
func TestStartYearIDClash(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		h := sqldbtest.MustCreateHousehold(t, db, household2016(sqldbtest.Xinyan, 1))
		other := household2016(sqldbtest.Bala, 2)
		other.Year = 2017
		other.Members[1].IDNumber = h.Members[1].IDNumber
		sqldbtest.MustCreateHousehold(t, db, other)
		n := rowCount(t, db, "households")
		_, err := sqldb.NewYearService(db).StartYear(sqldbtest.Ctx(w.county), 2016, 2017, "")
		wantField(t, err, "to", "id_registered", h.Members[1].IDNumber+" of household "+h.Number)
		if rowCount(t, db, "households") != n {
			t.Fatal("a refused start wrote")
		}
	})
}

// TestStartYearClock: the event of a start made before the new year is
// dated the day of the start.
func TestStartYearClock(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		db.SetNow(func() time.Time { return time.Date(2016, 12, 20, 2, 0, 0, 0, time.UTC) })
		h := sqldbtest.MustCreateHousehold(t, db, household2016(sqldbtest.Xinyan, 1))
		_, err := sqldb.NewYearService(db).StartYear(sqldbtest.Ctx(w.county), 2016, 2017, "")
		must(t, err)
		evs, err := sqldb.NewEventService(db).FindEvents(sqldbtest.Ctx(w.county), h.Number)
		must(t, err)
		if len(evs) != 2 || evs[1].Kind != tuopin.EventYearStarted || evs[1].Date != "2016-12-20" || evs[1].Year != 2017 {
			t.Fatalf("events = %+v %+v", evs[0], evs[len(evs)-1])
		}
	})
}
