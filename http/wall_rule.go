package apphttp

import (
	"slices"
	"time"

	"github.com/tuopin/tuopin"
)

// The colour rule of the wall chart (作战图). Every row compares an area's
// exits so far (已脱贫 households and persons of the registry year) with
// its exit plan on one day, "today":
//
//   - The plan's time nodes are its deadlines. A plan whose last node is
//     below the whole plan (or that has no node at all) is completed by an
//     implicit node on 31 December: the whole plan is due within its year.
//   - A node has passed when its date is before today; on the node's own
//     day it is still open. What is due is the cumulative target of the
//     last passed node (nothing before the first one).
//
// and colours it:
//
//	grey   no plan, or a plan of zero.
//	red    late (逾期): a passed node's households or persons are not met.
//	       There is no "slightly late": a missed deadline is red.
//	green  done (完成): the whole plan is met, whatever the date.
//	amber  due soon (临近): nothing is late, but the next node falls within
//	       amberWindow days (today included) and its target is not met yet.
//	green  on track (正常): otherwise.
//
// The first rule that applies wins. "Today" is the server's date in China
// Standard Time (Config.Now) or the date a page is asked for (?date=).
const amberWindow = 30 // days

// Plan states, as CSS classes (rag-*) and catalog keys (wall.state_*).
const (
	stateNoPlan  = "no_plan"
	stateLate    = "late"
	stateDueSoon = "due_soon"
	stateOnTrack = "on_track"
	stateDone    = "done"
)

// planState is how an area stands against its plan on a day.
type planState struct {
	State string // stateNoPlan … stateDone
	// Colour is "grey", "red", "amber" or "green".
	Colour string
	// Due is the target of the last passed node: what must have exited by
	// today (zero before the first node). DueSet is false before it.
	Due    tuopin.PlanNode
	DueSet bool
	// Next is the first node not yet passed (nil after the last); DaysLeft
	// counts the days from today to its date (0 on the day itself).
	Next     *tuopin.PlanNode
	DaysLeft int
	// ShortHouseholds and ShortPersons are what is missing to Due (差额),
	// zero when it is met.
	ShortHouseholds int
	ShortPersons    int
	// NextShort is how many households are still missing to Next's target.
	NextShort int
}

// stateColours maps each state to its colour.
var stateColours = map[string]string{
	stateNoPlan: "grey", stateLate: "red", stateDueSoon: "amber", stateOnTrack: "green", stateDone: "green",
}

// evalPlan applies the colour rule to an area that has exitedHouseholds
// and exitedPersons out of poverty on today (a date; its time is ignored).
// A nil plan is no plan.
func evalPlan(p *tuopin.ExitPlan, exitedHouseholds, exitedPersons int, today time.Time) planState {
	st := planState{State: stateNoPlan, Colour: stateColours[stateNoPlan]}
	if p == nil || (p.Households == 0 && p.Persons == 0) {
		return st
	}
	day := dateOf(today)
	for _, n := range planNodes(p) {
		if n.Date.Before(day) {
			st.Due, st.DueSet = n, true
			continue
		}
		if st.Next == nil {
			n := n
			st.Next = &n
			st.DaysLeft = int(n.Date.Sub(day).Hours() / 24)
		}
	}
	if st.Next != nil {
		st.NextShort = max(0, st.Next.Households-exitedHouseholds)
	}
	st.ShortHouseholds = max(0, st.Due.Households-exitedHouseholds)
	st.ShortPersons = max(0, st.Due.Persons-exitedPersons)
	switch {
	case st.ShortHouseholds > 0 || st.ShortPersons > 0:
		st.State = stateLate
	case exitedHouseholds >= p.Households && exitedPersons >= p.Persons:
		st.State = stateDone
	case st.Next != nil && st.DaysLeft < amberWindow &&
		(exitedHouseholds < st.Next.Households || exitedPersons < st.Next.Persons):
		st.State = stateDueSoon
	default:
		st.State = stateOnTrack
	}
	st.Colour = stateColours[st.State]
	return st
}

// planNodes returns a plan's nodes completed by the implicit node on 31
// December when the last one is below the whole plan.
func planNodes(p *tuopin.ExitPlan) []tuopin.PlanNode {
	nodes := slices.Clone(p.Nodes)
	if n := len(nodes); n == 0 || nodes[n-1].Households < p.Households || nodes[n-1].Persons < p.Persons {
		end := time.Date(p.Year, time.December, 31, 0, 0, 0, 0, time.UTC)
		if n > 0 && !nodes[n-1].Date.Before(end) {
			// The last node is on 31 December already: it carries the plan.
			nodes[n-1].Households, nodes[n-1].Persons = p.Households, p.Persons
		} else {
			nodes = append(nodes, tuopin.PlanNode{Date: end, Households: p.Households, Persons: p.Persons})
		}
	}
	return nodes
}

// mergePlans sums plans into one: the plan of an area made of its
// children's plans (a township that planned village by village, a county
// on a city's wall). Its nodes are every date of every child's nodes
// (implicit year-end ones included), each with the sum of what the
// children have due by then. It returns nil for no plans.
func mergePlans(year int, code string, plans []*tuopin.ExitPlan) *tuopin.ExitPlan {
	if len(plans) == 0 {
		return nil
	}
	m := &tuopin.ExitPlan{Year: year, AreaCode: code}
	var dates []time.Time
	all := make([][]tuopin.PlanNode, len(plans))
	for i, p := range plans {
		m.Households += p.Households
		m.Persons += p.Persons
		all[i] = planNodes(p)
		for _, n := range all[i] {
			if !slices.ContainsFunc(dates, n.Date.Equal) {
				dates = append(dates, n.Date)
			}
		}
		if p.UpdatedAt.After(m.UpdatedAt) {
			m.UpdatedAt, m.UpdatedBy = p.UpdatedAt, p.UpdatedBy
		}
	}
	slices.SortFunc(dates, func(a, b time.Time) int { return a.Compare(b) })
	for _, d := range dates {
		node := tuopin.PlanNode{Date: d}
		for _, nodes := range all {
			var due tuopin.PlanNode // this child's target by d
			for _, n := range nodes {
				if !n.Date.After(d) {
					due = n
				}
			}
			node.Households += due.Households
			node.Persons += due.Persons
		}
		m.Nodes = append(m.Nodes, node)
	}
	return m
}

// dateOf returns the calendar date of t in China Standard Time, as UTC
// midnight (the form of plan node dates).
func dateOf(t time.Time) time.Time {
	y, m, d := t.In(displayZone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
