package apphttp

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tuopin/tuopin"
)

// board is an area's campaign for a year as the dashboard, the wall chart
// and the map show it: the area's counts, and one row per child area with
// the child's counts, exit plan and state on a day. A village, which has no
// children, is its own single row.
type board struct {
	Year   int
	Today  time.Time // the date plans are judged on
	WhatIf bool      // Today was asked for by ?date=, it is not the clock's
	Area   *tuopin.AreaStats
	Prefix string // the area's significant prefix; "" for the nation
	Rows   []*boardRow
	Total  *boardRow
	// ChildLevel is the level of the rows (the area's own for a village).
	ChildLevel tuopin.Level
	// ChildSums tells that some rows' plans are the sums of their own
	// children's plans (a township planned village by village).
	ChildSums bool
}

// boardRow is one area of a board.
type boardRow struct {
	*tuopin.AreaStats
	Plan *tuopin.ExitPlan // nil: no plan
	// PlanSum is true when Plan is the sum of the area's children's plans
	// rather than a plan set for the area itself.
	PlanSum bool
	// PreExit counts the households in status 预脱贫.
	PreExit int
	// State is the row judged by the plan rule (tuopin.PlanRule).
	State tuopin.PlanState
}

// PlanHouseholds and PlanPersons are the plan's targets, 0 without one.
func (r *boardRow) PlanHouseholds() int {
	if r.Plan == nil {
		return 0
	}
	return r.Plan.Households
}

func (r *boardRow) PlanPersons() int {
	if r.Plan == nil {
		return 0
	}
	return r.Plan.Persons
}

// Rate is the share of the planned households that have exited, in
// percent with one decimal ("—" without a plan).
func (r *boardRow) Rate() string {
	if r.PlanHouseholds() <= 0 {
		return "—"
	}
	return percent(r.ExitedHouseholds, r.PlanHouseholds()) + "%"
}

// RateValue is Rate as a number (0 without a plan), for charts and sheets.
func (r *boardRow) RateValue() float64 {
	if r.PlanHouseholds() <= 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(percent(r.ExitedHouseholds, r.PlanHouseholds()), 64)
	return v
}

// Prefix returns the row area's significant prefix ("" for the nation).
func (r *boardRow) Prefix() string {
	if r.Level == tuopin.LevelNation {
		return ""
	}
	return r.Area.Prefix()
}

// today returns the date plans are judged on: ?date= (YYYY-MM-DD) when
// given, else the clock's date in China Standard Time. whatIf is true when
// the date asked for is not the clock's (the pages' date field always
// holds the date judged on, so submitting it unchanged is no "what if").
func (s *Server) today(r *http.Request) (day time.Time, whatIf bool, err error) {
	clock := tuopin.PlanDate(s.cfg.Now())
	if q := strings.TrimSpace(r.URL.Query().Get("date")); q != "" {
		d, err := time.Parse(tuopin.DateLayout, q)
		if err != nil {
			return time.Time{}, false, errMalformed("date must be a date as YYYY-MM-DD")
		}
		return d, !d.Equal(clock), nil
	}
	return clock, false, nil
}

// loadBoard reads the board of an area (a significant prefix; "" is the
// caller's whole scope) for a year, judged on today.
func (s *Server) loadBoard(r *http.Request, prefix string, year int, today time.Time) (*board, error) {
	ctx := r.Context()
	stats, children, err := s.svc.Areas.FindAreaStats(ctx, prefix, year)
	if err != nil {
		return nil, err
	}
	b := &board{Year: year, Today: today, Area: stats, Prefix: stats.Code}
	if stats.Level != tuopin.LevelNation {
		b.Prefix = stats.Prefix()
	}
	b.ChildLevel = stats.Level.Child()
	if stats.Level == tuopin.LevelVillage {
		b.ChildLevel = tuopin.LevelVillage
		children = []*tuopin.AreaStats{stats}
	}

	// The plans set for the children; a child without one gets the sum of
	// its own children's plans (which needs a level that holds them).
	var plans map[string]*tuopin.ExitPlan
	switch stats.Level {
	case tuopin.LevelCounty, tuopin.LevelTownship:
		if plans, err = s.svc.Plans.FindPlans(ctx, year, stats.Code); err != nil {
			return nil, err
		}
	case tuopin.LevelVillage:
		if plans, err = s.svc.Plans.FindPlans(ctx, year, stats.ParentCode); err != nil {
			return nil, err
		}
	}
	for _, c := range children {
		row := &boardRow{AreaStats: c, Plan: plans[c.Code]}
		if row.Plan == nil && (c.Level == tuopin.LevelCounty || c.Level == tuopin.LevelTownship) && c != stats {
			sub, err := s.svc.Plans.FindPlans(ctx, year, c.Code)
			if err != nil {
				return nil, err
			}
			if row.Plan = tuopin.MergePlans(year, c.Code, sortedPlans(sub)); row.Plan != nil {
				row.PlanSum, b.ChildSums = true, true
			}
		}
		b.Rows = append(b.Rows, row)
	}

	// The total: the area's own plan when it has one (a township's target
	// set by its county), else the sum of the rows'.
	b.Total = &boardRow{AreaStats: stats}
	if stats.Level == tuopin.LevelVillage {
		b.Total.Plan = b.Rows[0].Plan
	} else {
		if stats.Level == tuopin.LevelTownship {
			own, err := s.svc.Plans.FindPlans(ctx, year, stats.ParentCode)
			if err != nil {
				return nil, err
			}
			b.Total.Plan = own[stats.Code]
		}
		if b.Total.Plan == nil {
			var ps []*tuopin.ExitPlan
			for _, row := range b.Rows {
				if row.Plan != nil {
					ps = append(ps, row.Plan)
				}
			}
			b.Total.Plan = tuopin.MergePlans(year, stats.Code, ps)
			b.Total.PlanSum = b.Total.Plan != nil
		}
	}

	for _, row := range append([]*boardRow{b.Total}, b.Rows...) {
		if row.PreExit, err = s.statusCount(r, row.AreaStats, tuopin.StatusPreExit); err != nil {
			return nil, err
		}
		row.State = s.cfg.PlanRule.Judge(row.Plan, row.ExitedHouseholds, row.ExitedPersons, today)
	}
	return b, nil
}

// sortedPlans returns a map's plans in area code order.
func sortedPlans(m map[string]*tuopin.ExitPlan) []*tuopin.ExitPlan {
	out := make([]*tuopin.ExitPlan, 0, len(m))
	for _, p := range m {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *tuopin.ExitPlan) int { return strings.Compare(a.AreaCode, b.AreaCode) })
	return out
}

// statusCount returns how many households of an area have a status in
// the stats' year: from the roll-ups (AreaStats.Metrics) when the store
// keeps them, otherwise counted in the registry.
func (s *Server) statusCount(r *http.Request, st *tuopin.AreaStats, status string) (int, error) {
	if len(st.Metrics) > 0 {
		return int(st.Metrics[tuopin.MetricStatusPrefix+status]), nil
	}
	year := st.Year
	_, n, err := s.svc.Households.FindHouseholds(r.Context(), tuopin.HouseholdFilter{
		AreaPrefix: areaPrefixOf(st), Year: &year, Status: &status, Limit: 1,
	})
	return n, err
}

// areaPrefixOf returns the significant prefix of the stats' area.
func areaPrefixOf(st *tuopin.AreaStats) string {
	if st.Level == tuopin.LevelNation {
		return ""
	}
	return st.Prefix()
}

// boardPrefix reads the {code} of a board page: "" when absent (the whole
// scope), else a significant prefix; a malformed code is not found.
func boardPrefix(r *http.Request) (string, error) {
	code := r.PathValue("code")
	if code == "" {
		code = r.URL.Query().Get("area")
	}
	if code == "" {
		return "", nil
	}
	p, ok := tuopin.ParseAreaRef(code)
	if !ok {
		return "", tuopin.NotFound("Area")
	}
	return p, nil
}

// ChildURL is where a drill-down from a board page (base "/wall/",
// "/map/" …) leads for a row: the row's own page, "" for the area itself.
func (b *board) ChildURL(base string, row *boardRow) string {
	if row.AreaStats == b.Area {
		return ""
	}
	return base + row.Prefix() + "?year=" + strconv.Itoa(b.Year)
}

// StateCounts counts the rows by colour, for the wall's legend.
func (b *board) StateCounts() map[string]int {
	out := map[string]int{}
	for _, r := range b.Rows {
		out[r.State.Colour]++
	}
	return out
}
