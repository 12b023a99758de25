package tuopin_test

import (
	"slices"
	"testing"
	"time"

	"github.com/tuopin/tuopin"
)

func day(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

// rulePlan is 100 households (400 persons) in 2016: 20 by 30 June, 50 by
// 25 July, 80 by 31 October, and the rest by 31 December (implicit).
func rulePlan() *tuopin.ExitPlan {
	return &tuopin.ExitPlan{Year: 2016, AreaCode: "451224100000", Households: 100, Persons: 400, Nodes: []tuopin.PlanNode{
		{Date: day(2016, 6, 30), Households: 20, Persons: 80},
		{Date: day(2016, 7, 25), Households: 50, Persons: 200},
		{Date: day(2016, 10, 31), Households: 80, Persons: 320},
	}}
}

func TestPlanRule(t *testing.T) {
	noNodes := &tuopin.ExitPlan{Year: 2016, AreaCode: "451224100000", Households: 100, Persons: 400}
	for _, tc := range []struct {
		name       string
		plan       *tuopin.ExitPlan
		h, p       int
		today      time.Time
		state      string
		colour     string
		dueH       int
		shortH     int
		shortP     int
		next       string // date of the next node, "" for none
		daysLeft   int
		nextShortH int
	}{
		{"NoPlan", nil, 5, 20, day(2016, 8, 1), "no_plan", "grey", 0, 0, 0, "", 0, 0},
		{"ZeroPlan", &tuopin.ExitPlan{Year: 2016}, 0, 0, day(2016, 8, 1), "no_plan", "grey", 0, 0, 0, "", 0, 0},
		{"EarlyOnTrack", rulePlan(), 0, 0, day(2016, 3, 1), "on_track", "green", 0, 0, 0, "2016-06-30", 121, 20},
		{"FirstNodeSoon", rulePlan(), 5, 20, day(2016, 6, 10), "due_soon", "amber", 0, 0, 0, "2016-06-30", 20, 15},
		{"FirstNodeSoonButMet", rulePlan(), 20, 80, day(2016, 6, 10), "on_track", "green", 0, 0, 0, "2016-06-30", 20, 0},
		{"NodeDayStillOpen", rulePlan(), 5, 20, day(2016, 6, 30), "due_soon", "amber", 0, 0, 0, "2016-06-30", 0, 15},
		{"DayAfterNodeLate", rulePlan(), 19, 80, day(2016, 7, 1), "late", "red", 20, 1, 0, "2016-07-25", 24, 31},
		{"PersonsShortIsLate", rulePlan(), 20, 70, day(2016, 7, 1), "late", "red", 20, 0, 10, "2016-07-25", 24, 30},
		{"MetNextSoonBehind", rulePlan(), 20, 80, day(2016, 7, 1), "due_soon", "amber", 20, 0, 0, "2016-07-25", 24, 30},
		{"MetNextFar", rulePlan(), 50, 200, day(2016, 8, 1), "on_track", "green", 50, 0, 0, "2016-10-31", 91, 30},
		{"LateInAugust", rulePlan(), 30, 120, day(2016, 8, 1), "late", "red", 50, 20, 80, "2016-10-31", 91, 50},
		{"DoneEarly", rulePlan(), 100, 400, day(2016, 3, 1), "done", "green", 0, 0, 0, "2016-06-30", 121, 0},
		{"YearOverShort", rulePlan(), 99, 400, day(2017, 1, 5), "late", "red", 100, 1, 0, "", 0, 0},
		{"YearOverDone", rulePlan(), 100, 400, day(2017, 1, 5), "done", "green", 100, 0, 0, "", 0, 0},
		{"NoNodesYearEndSoon", noNodes, 50, 200, day(2016, 12, 15), "due_soon", "amber", 0, 0, 0, "2016-12-31", 16, 50},
		{"NoNodesEarly", noNodes, 0, 0, day(2016, 6, 1), "on_track", "green", 0, 0, 0, "2016-12-31", 213, 100},
		// 17:00 UTC on 30 June is 01:00 on 1 July in China: the node has passed.
		{"ChinaDate", rulePlan(), 5, 20, time.Date(2016, 6, 30, 17, 0, 0, 0, time.UTC), "late", "red", 20, 15, 60, "2016-07-25", 24, 45},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := tuopin.DefaultPlanRule.Judge(tc.plan, tc.h, tc.p, tc.today)
			next := ""
			if st.Next != nil {
				next = st.Next.Date.Format(tuopin.DateLayout)
			}
			if st.State != tc.state || st.Colour != tc.colour || st.Due.Households != tc.dueH || st.ShortHouseholds != tc.shortH ||
				st.ShortPersons != tc.shortP || next != tc.next || st.DaysLeft != tc.daysLeft || st.NextShort != tc.nextShortH {
				t.Fatalf("got state %s/%s due %d short %d/%d next %q in %d days (short %d)\nwant %s/%s due %d short %d/%d next %q in %d days (short %d)",
					st.State, st.Colour, st.Due.Households, st.ShortHouseholds, st.ShortPersons, next, st.DaysLeft, st.NextShort,
					tc.state, tc.colour, tc.dueH, tc.shortH, tc.shortP, tc.next, tc.daysLeft, tc.nextShortH)
			}
		})
	}
}

func TestExitPlan_Deadlines(t *testing.T) {
	// A last node on 31 December below the plan carries the whole plan.
	p := rulePlan()
	p.Nodes = append(p.Nodes, tuopin.PlanNode{Date: day(2016, 12, 31), Households: 90, Persons: 360})
	n := p.Deadlines()
	if len(n) != 4 || n[3].Households != 100 || n[3].Persons != 400 || p.Nodes[3].Households != 90 {
		t.Fatalf("nodes %+v (plan's own %+v)", n, p.Nodes)
	}
	// A plan whose last node is the whole plan gets no extra node.
	p = rulePlan()
	p.Nodes[2].Households, p.Nodes[2].Persons = 100, 400
	if n := p.Deadlines(); len(n) != 3 {
		t.Fatalf("nodes %+v", n)
	}
}

func TestMergePlans(t *testing.T) {
	if tuopin.MergePlans(2016, "451224000000", nil) != nil {
		t.Fatal("the sum of no plans is not nil")
	}
	a := rulePlan()
	b := &tuopin.ExitPlan{Year: 2016, AreaCode: "451224102000", Households: 10, Persons: 30, Nodes: []tuopin.PlanNode{
		{Date: day(2016, 7, 1), Households: 4, Persons: 12},
	}}
	m := tuopin.MergePlans(2016, "451224000000", []*tuopin.ExitPlan{a, b})
	want := []struct {
		date string
		h, p int
	}{
		{"2016-06-30", 20, 80}, {"2016-07-01", 24, 92}, {"2016-07-25", 54, 212}, {"2016-10-31", 84, 332}, {"2016-12-31", 110, 430},
	}
	if m.Households != 110 || m.Persons != 430 || m.AreaCode != "451224000000" || len(m.Nodes) != len(want) {
		t.Fatalf("merged %+v", m)
	}
	for i, w := range want {
		if n := m.Nodes[i]; n.Date.Format(tuopin.DateLayout) != w.date || n.Households != w.h || n.Persons != w.p {
			t.Errorf("node %d = %s %d/%d, want %s %d/%d", i, n.Date.Format(tuopin.DateLayout), n.Households, n.Persons, w.date, w.h, w.p)
		}
	}
	// Its nodes are those of a valid plan (a county's sum has no plan of its own).
	m.AreaCode = "451224100000"
	if err := m.Validate(); err != nil {
		t.Fatalf("the sum is not a valid plan: %v", err)
	}
}

func TestPlanRule_DueSoonDays(t *testing.T) {
	// The window is the rule's parameter, not a constant: 20 days before
	// the 30 June node an unmet plan is amber under a 30-day window, green
	// under a 10-day one, and amber again on the node's day.
	short := tuopin.PlanRule{DueSoonDays: 10}
	for _, tc := range []struct {
		rule  tuopin.PlanRule
		today time.Time
		state string
	}{
		{tuopin.DefaultPlanRule, day(2016, 6, 10), tuopin.PlanDueSoon},
		{short, day(2016, 6, 10), tuopin.PlanOnTrack},
		{short, day(2016, 6, 21), tuopin.PlanDueSoon},
		{short, day(2016, 6, 30), tuopin.PlanDueSoon},
	} {
		if st := tc.rule.Judge(rulePlan(), 5, 20, tc.today); st.State != tc.state {
			t.Errorf("window %d on %s: %s (%d days left), want %s", tc.rule.DueSoonDays, tc.today.Format(tuopin.DateLayout), st.State, st.DaysLeft, tc.state)
		}
	}
	if st := short.Judge(rulePlan(), 5, 20, day(2016, 6, 20)); st.DaysLeft != 10 || st.State != tuopin.PlanOnTrack {
		t.Errorf("10 days left under a 10-day window: %s, %d days", st.State, st.DaysLeft)
	}
	for _, d := range []int{0, -1, 367} {
		if err := (tuopin.PlanRule{DueSoonDays: d}).Validate(); tuopin.ErrorCode(err) != tuopin.EINVALID {
			t.Errorf("window %d: %v, want EINVALID", d, err)
		}
	}
	if err := tuopin.DefaultPlanRule.Validate(); err != nil {
		t.Error(err)
	}
}

func TestPlanState_Rate(t *testing.T) {
	st := tuopin.DefaultPlanRule.Judge(rulePlan(), 33, 120, day(2016, 8, 1))
	if r, ok := st.Rate(); !ok || r != 33 || st.Planned != 100 || st.Exited != 33 {
		t.Errorf("rate %v %v of %d/%d", r, ok, st.Exited, st.Planned)
	}
	if _, ok := tuopin.DefaultPlanRule.Judge(nil, 3, 9, day(2016, 8, 1)).Rate(); ok {
		t.Error("a rate without a plan")
	}
}

func TestCompareConcern(t *testing.T) {
	// As of 1 August (the 25 July node of 50 households has passed):
	judge := func(h, p int) tuopin.PlanState {
		return tuopin.DefaultPlanRule.Judge(rulePlan(), h, p, day(2016, 8, 1))
	}
	states := map[string]tuopin.PlanState{
		"late by 40":   judge(10, 40),
		"late by 5":    judge(45, 180),
		"late persons": judge(50, 150), // households met, persons short: late, shortfall 0 households
		"on track 55":  judge(55, 220),
		"on track 70":  judge(70, 280),
		"done":         judge(100, 400),
		"no plan":      tuopin.DefaultPlanRule.Judge(nil, 0, 0, day(2016, 8, 1)),
	}
	soon := tuopin.DefaultPlanRule.Judge(rulePlan(), 60, 240, day(2016, 10, 20)) // 11 days before 31 October, 80 due
	states["due soon 60"] = soon
	names := []string{"done", "no plan", "on track 70", "due soon 60", "late persons", "on track 55", "late by 5", "late by 40"}
	slices.SortStableFunc(names, func(a, b string) int { return tuopin.CompareConcern(states[a], states[b]) })
	want := []string{"late by 40", "late by 5", "late persons", "due soon 60", "on track 55", "on track 70", "done", "no plan"}
	if !slices.Equal(names, want) {
		t.Errorf("order %v\nwant  %v", names, want)
	}
}
