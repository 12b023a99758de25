package tuopin

import (
	"slices"
	"time"
)

// The colour rule of the wall chart (作战图), which the dashboard and the
// map use too. Every area compares its exits so far (已脱贫 households and
// persons of the registry year) with its exit plan on one day, "today":
//
//   - The plan's time nodes are its deadlines. A plan whose last node is
//     below the whole plan (or that has no node at all) is completed by an
//     implicit node on 31 December: the whole plan is due within its year
//     (ExitPlan.Deadlines).
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
//	       PlanRule.DueSoonDays days (today included) and its target is
//	       not met yet.
//	green  on track (正常): otherwise.
//
// The first rule that applies wins. "Today" is a date in China Standard
// Time (PlanDate).

// Plan states (PlanState.State). They are persisted nowhere, but pages use
// them as CSS classes and catalog keys (wall.state_*): keep them stable.
const (
	PlanNoPlan  = "no_plan"
	PlanLate    = "late"
	PlanDueSoon = "due_soon"
	PlanOnTrack = "on_track"
	PlanDone    = "done"
)

// Plan colours (PlanState.Colour).
const (
	ColourGrey  = "grey"
	ColourRed   = "red"
	ColourAmber = "amber"
	ColourGreen = "green"
)

// planColours maps each state to its colour.
var planColours = map[string]string{
	PlanNoPlan: ColourGrey, PlanLate: ColourRed, PlanDueSoon: ColourAmber, PlanOnTrack: ColourGreen, PlanDone: ColourGreen,
}

// PlanRule holds the rule's one threshold. It is policy, not code: a
// deployment sets it (DefaultPlanRule otherwise).
type PlanRule struct {
	// DueSoonDays is how many days ahead (today included) an unmet node
	// turns an area amber: with 30, a node 29 days away does, one 30
	// days away does not.
	DueSoonDays int
}

// DefaultPlanRule warns a month ahead of a time node.
var DefaultPlanRule = PlanRule{DueSoonDays: 30}

// Validate checks the rule's threshold: 1 to 366 days.
func (r PlanRule) Validate() error {
	if r.DueSoonDays < 1 || r.DueSoonDays > 366 {
		return Errorf(EINVALID, "The due-soon window must be 1 to 366 days, not %d.", r.DueSoonDays)
	}
	return nil
}

// PlanState is how an area stands against its plan on a day.
type PlanState struct {
	State  string // PlanNoPlan … PlanDone
	Colour string // ColourGrey … ColourGreen
	// Planned is the plan's households (0 without a plan) and Exited the
	// area's exited households, as judged.
	Planned int
	Exited  int
	// Due is the target of the last passed node: what must have exited by
	// today (zero before the first node). DueSet is false before it.
	Due    PlanNode
	DueSet bool
	// Next is the first node not yet passed (nil after the last); DaysLeft
	// counts the days from today to its date (0 on the day itself).
	Next     *PlanNode
	DaysLeft int
	// ShortHouseholds and ShortPersons are what is missing to Due (差额),
	// zero when it is met.
	ShortHouseholds int
	ShortPersons    int
	// NextShort is how many households are still missing to Next's target.
	NextShort int
}

// Rate is the share of the planned households that have exited, in
// percent; ok is false without a plan of households.
func (s PlanState) Rate() (rate float64, ok bool) {
	if s.Planned <= 0 {
		return 0, false
	}
	return float64(s.Exited) * 100 / float64(s.Planned), true
}

// Judge applies the colour rule to an area that has exitedHouseholds and
// exitedPersons out of poverty on today (a date; its time is ignored, see
// PlanDate). A nil plan is no plan.
func (r PlanRule) Judge(p *ExitPlan, exitedHouseholds, exitedPersons int, today time.Time) PlanState {
	st := PlanState{State: PlanNoPlan, Colour: planColours[PlanNoPlan], Exited: exitedHouseholds}
	if p == nil || (p.Households == 0 && p.Persons == 0) {
		return st
	}
	st.Planned = p.Households
	day := PlanDate(today)
	for _, n := range p.Deadlines() {
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
		st.State = PlanLate
	case exitedHouseholds >= p.Households && exitedPersons >= p.Persons:
		st.State = PlanDone
	case st.Next != nil && st.DaysLeft < r.DueSoonDays &&
		(exitedHouseholds < st.Next.Households || exitedPersons < st.Next.Persons):
		st.State = PlanDueSoon
	default:
		st.State = PlanOnTrack
	}
	st.Colour = planColours[st.State]
	return st
}

// concernRank orders the states from the most to the least in need of a
// leader's attention; no plan comes last, as nothing can be judged.
var concernRank = map[string]int{PlanLate: 0, PlanDueSoon: 1, PlanOnTrack: 2, PlanDone: 3, PlanNoPlan: 4}

// CompareConcern orders two areas' states by how much they need
// attention, most first: late before due soon before on track before
// done (no plan last); among the late, the larger household shortfall
// first; then the lower completion rate; then the larger number of
// households still missing to the next node. It returns a negative
// number when a comes first, for slices.SortStableFunc.
func CompareConcern(a, b PlanState) int {
	if ra, rb := concernRank[a.State], concernRank[b.State]; ra != rb {
		return ra - rb
	}
	if a.State == PlanLate && a.ShortHouseholds != b.ShortHouseholds {
		return b.ShortHouseholds - a.ShortHouseholds
	}
	ra, _ := a.Rate()
	rb, _ := b.Rate()
	switch {
	case ra < rb:
		return -1
	case ra > rb:
		return 1
	}
	return b.NextShort - a.NextShort
}

// Deadlines returns the plan's nodes completed by the implicit node on 31
// December when the last one is below the whole plan. The plan itself is
// not modified.
func (p *ExitPlan) Deadlines() []PlanNode {
	nodes := slices.Clone(p.Nodes)
	if n := len(nodes); n == 0 || nodes[n-1].Households < p.Households || nodes[n-1].Persons < p.Persons {
		end := time.Date(p.Year, time.December, 31, 0, 0, 0, 0, time.UTC)
		if n > 0 && !nodes[n-1].Date.Before(end) {
			// The last node is on 31 December already: it carries the plan.
			nodes[n-1].Households, nodes[n-1].Persons = p.Households, p.Persons
		} else {
			nodes = append(nodes, PlanNode{Date: end, Households: p.Households, Persons: p.Persons})
		}
	}
	return nodes
}

// MergePlans sums plans into one: the plan of an area made of its
// children's plans (a township that planned village by village, a county
// on a city's wall). Its nodes are every date of every child's deadlines
// (implicit year-end ones included), each with the sum of what the
// children have due by then. It returns nil for no plans.
func MergePlans(year int, code string, plans []*ExitPlan) *ExitPlan {
	if len(plans) == 0 {
		return nil
	}
	m := &ExitPlan{Year: year, AreaCode: code}
	var dates []time.Time
	all := make([][]PlanNode, len(plans))
	for i, p := range plans {
		m.Households += p.Households
		m.Persons += p.Persons
		all[i] = p.Deadlines()
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
		node := PlanNode{Date: d}
		for _, nodes := range all {
			var due PlanNode // this child's target by d
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

// PlanDate returns the calendar date of t in China Standard Time
// (EventZone), as UTC midnight: the form of plan node dates, and the day
// a plan is judged on.
func PlanDate(t time.Time) time.Time {
	y, m, d := t.In(EventZone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
