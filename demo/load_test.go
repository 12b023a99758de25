package demo_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/demo"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// TestLoad stores the full demo through the real storage (SQLite, and
// PostgreSQL when TUOPIN_TEST_POSTGRES is set) and reads it back as the
// demo users see it.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("stores 4,735 households; skipped in -short mode")
	}
	data := mustGenerate(t, 1)
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		svc := demo.Services{
			Areas:      sqldb.NewAreaService(db),
			Users:      sqldb.NewUserService(db),
			Households: sqldb.NewHouseholdService(db),
			Plans:      sqldb.NewPlanService(db),
			Params:     sqldb.NewParamService(db),
			Events:     sqldb.NewEventService(db),
		}
		var calls [][2]int
		start := time.Now()
		if err := demo.Load(ctx, svc, data, func(done, total int) { calls = append(calls, [2]int{done, total}) }); err != nil {
			t.Fatal(err)
		}
		t.Logf("Load of the full demo on %s took %s", db.Dialect(), time.Since(start).Round(time.Millisecond))

		// Progress: the start, then one call per batch of 500.
		if len(calls) != 11 || calls[0] != [2]int{0, 4735} || calls[10] != [2]int{4735, 4735} {
			t.Errorf("progress calls = %v", calls)
		}
		// Load stores copies: data is unchanged.
		if data.Households[0].ID != 0 || data.Households[0].Members[0].ID != 0 {
			t.Error("Load modified data")
		}

		// Every demo account logs in with the demo password.
		users := map[string]*tuopin.User{}
		for _, a := range demo.Accounts() {
			u, err := svc.Users.Authenticate(ctx, a.Username, demo.Password)
			if err != nil {
				t.Fatalf("log in as %s: %v", a.Username, err)
			}
			if u.Role != a.Role || u.Scope != a.Scope || u.Name != a.Name {
				t.Errorf("stored user %+v, want %+v", u, a)
			}
			users[a.Username] = u
		}

		// The county sees every household and person; counts per scope
		// match the generated data.
		county := tuopin.NewContextWithUser(ctx, users["county"])
		// The county's plans are stored: one per township, adding up to
		// the year's task.
		plans, err := svc.Plans.FindPlans(county, demo.Year, demo.CountyCode)
		if err != nil {
			t.Fatal(err)
		}
		planned := 0
		for _, p := range plans {
			planned += p.Households
		}
		if len(plans) != 14 || planned != demo.Households {
			t.Errorf("%d township plans for %d households", len(plans), planned)
		}
		stats, children, err := svc.Areas.FindAreaStats(county, demo.CountyCode, demo.Year)
		if err != nil {
			t.Fatal(err)
		}
		// Incomes were banded against the demo's line, and the 两不愁三保障
		// gaps counted: every household has a band, the poor mostly below.
		bands := int64(0)
		for _, b := range tuopin.IncomeBands {
			bands += stats.Metrics[tuopin.MetricIncomeBandPrefix+b]
		}
		if bands != 4735 || stats.Metrics["income_band:noline"] != 0 || stats.Metrics["income_band:below"] < 3000 {
			t.Errorf("income bands: %v", stats.Metrics)
		}
		if stats.Metrics[tuopin.MetricGapHouse] == 0 || stats.Metrics[tuopin.MetricGapAny] == 0 || stats.Metrics[tuopin.MetricGapSchool] == 0 {
			t.Errorf("gaps: %v", stats.Metrics)
		}
		// Storage recomputes income per capita from the components under
		// the Guangxi rule and finds what the generator meant.
		first := data.Households[0]
		hs, _, err := svc.Households.FindHouseholds(county, tuopin.HouseholdFilter{Number: &first.Number})
		if err != nil || len(hs) != 1 || hs[0].IncomePerCapita != first.IncomePerCapita {
			t.Fatalf("stored %v, generated %s (%v)", hs, first.IncomePerCapita.Yuan(), err)
		}
		want, exited := map[string]int{}, map[string]int{}
		for _, h := range data.Households {
			want[h.AreaCode[:9]]++
			want[h.AreaCode]++
			if h.Status == tuopin.StatusExited {
				exited[h.AreaCode[:9]]++
				exited[""]++
			}
		}
		if stats.Households != 4735 || stats.Persons != 18792 || stats.ExitedHouseholds != exited[""] || exited[""] == 0 ||
			stats.PoorHouseholds != 4735-exited[""] || len(children) != 14 {
			t.Errorf("county stats = %+v with %d townships, %d exited generated", stats, len(children), exited[""])
		}
		for _, c := range children {
			if c.Households != want[c.Prefix()] || c.ExitedHouseholds != exited[c.Prefix()] {
				t.Errorf("township %s %s: %d households, %d exited stored, %d, %d generated", c.Prefix(), c.Name,
					c.Households, c.ExitedHouseholds, want[c.Prefix()], exited[c.Prefix()])
			}
		}
		for _, name := range []string{"township", "village", "cadre"} {
			u := users[name]
			_, n, err := svc.Households.FindHouseholds(tuopin.NewContextWithUser(ctx, u), tuopin.HouseholdFilter{Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			if n != want[u.Scope] || n == 0 {
				t.Errorf("%s (scope %s) sees %d households, want %d", name, u.Scope, n, want[u.Scope])
			}
		}

		// A household reads back as generated, members included.
		g := data.Households[len(data.Households)/2]
		year := demo.Year
		found, _, err := svc.Households.FindHouseholds(county, tuopin.HouseholdFilter{Number: &g.Number, Year: &year})
		if err != nil || len(found) != 1 {
			t.Fatalf("find %s: %v, %d found", g.Number, err, len(found))
		}
		h, err := svc.Households.FindHouseholdByID(county, found[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := householdText(h), householdText(g); got != want {
			t.Errorf("stored household:\n%s\nwant:\n%s", got, want)
		}

		// Every household's timeline starts with its identification; the
		// first exit batch's notice and acceptance are dated before the
		// demo's AsOf, as moves recorded by the county, and the stored
		// statuses are as generated.
		preExit := 0
		var pre, out *tuopin.Household
		for _, h := range data.Households {
			switch h.Status {
			case tuopin.StatusPreExit:
				preExit++
				pre = h
			case tuopin.StatusExited:
				out = h
			}
		}
		if got := stats.Metrics[tuopin.MetricStatusPrefix+tuopin.StatusPreExit]; got != int64(preExit) || preExit == 0 {
			t.Errorf("%d households 预脱贫 stored, %d generated", got, preExit)
		}
		asOf := demo.AsOf.Format(tuopin.DateLayout)
		evs, err := sqldb.NewEventService(db).FindEvents(county, pre.Number)
		if err != nil || len(evs) != 2 || evs[0].Kind != tuopin.EventIdentified || !strings.HasSuffix(evs[0].Date, "-01-01") ||
			evs[1].Kind != tuopin.EventPreExit || evs[1].Date < "2016-06-27" || evs[1].Date >= asOf {
			t.Errorf("timeline of %s: %+v (%v)", pre.Number, evs, err)
		}
		evs, err = sqldb.NewEventService(db).FindEvents(county, out.Number)
		if err != nil || len(evs) != 3 || evs[1].Kind != tuopin.EventPreExit || evs[2].Kind != tuopin.EventExited ||
			evs[2].FromStatus != tuopin.StatusPreExit || evs[2].Date <= evs[1].Date || evs[2].Date >= asOf || !strings.Contains(evs[2].Reason, "验收") {
			t.Errorf("timeline of %s: %+v (%v)", out.Number, evs, err)
		}
		// Each move is in the audit log, as a status change.
		action := tuopin.ActionHouseholdStatus
		entries, n, err := sqldb.NewAuditService(db).FindAuditEntries(county, tuopin.AuditFilter{Action: &action, Limit: 1})
		if err != nil || n != len(data.Moves) || len(entries) != 1 {
			t.Errorf("%d household.status audit entries (%v), want %d", n, err, len(data.Moves))
		}
		evs, err = sqldb.NewEventService(db).FindEvents(county, first.Number)
		if err != nil || len(evs) != 1 || evs[0].Kind != tuopin.EventIdentified || evs[0].Year != demo.Year {
			t.Errorf("timeline of %s: %+v (%v)", first.Number, evs, err)
		}

		// The demo areas include all five seed counties.
		admin := tuopin.NewContextWithUser(ctx, users["admin"])
		lvl := tuopin.LevelCounty
		_, n, err = svc.Areas.FindAreas(admin, tuopin.AreaFilter{Level: &lvl, Limit: 10})
		if err != nil || n != 5 {
			t.Errorf("%d counties stored (err %v), want 5", n, err)
		}

		// Loading again is refused: the users exist.
		if err := demo.Load(ctx, svc, data, nil); tuopin.ErrorCode(err) != tuopin.ECONFLICT {
			t.Errorf("second Load: %v, want ECONFLICT", err)
		}
	})
}

// householdText renders the fields Generate sets, for comparison.
func householdText(h *tuopin.Household) string {
	s := fmt.Sprintf("%d %s %s %s %d %s %s %s %s %s\n", h.Year, h.Number, h.AreaCode, h.HeadName, h.Size, h.Attribute, h.MainCause, h.IncomePerCapita.Yuan(), h.Status, h.Phone)
	for _, m := range h.Members {
		s += fmt.Sprintf("  %s %s %s %s %s %s %s %s\n", m.Name, m.Sex, m.BirthDate.Format(tuopin.DateLayout), m.IDNumber, m.Relation, m.Education, m.Health, m.Skill)
	}
	return s
}
