package tuopin_test

import (
	"testing"
	"time"

	"github.com/tuopin/tuopin"
)

func TestHouseholdMetrics(t *testing.T) {
	h := &tuopin.Household{Size: 4, Status: tuopin.StatusExited, MainCause: "01", Attribute: "04"}
	m := tuopin.HouseholdMetrics(h)
	want := map[string]int64{
		"households": 1, "persons": 4, "status:1": 1, "status_persons:1": 4, "cause:01": 1, "attribute:04": 1,
		"exited_households": 1, "exited_persons": 4,
	}
	if len(m) != len(want) {
		t.Fatalf("metrics = %v", m)
	}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %d, want %d", k, m[k], v)
		}
	}
	if p := tuopin.HouseholdMetrics(&tuopin.Household{Size: 2, Status: tuopin.StatusPreExit}); p["poor_households"] != 1 || p["poor_persons"] != 2 || p["exited_households"] != 0 {
		t.Fatalf("pre-exit metrics = %v", p)
	}
}

func TestExitPlan(t *testing.T) {
	d := func(m, day int) time.Time { return time.Date(2016, time.Month(m), day, 0, 0, 0, 0, time.UTC) }
	p := &tuopin.ExitPlan{Year: 2016, AreaCode: "451224104000", Households: 100, Persons: 400, Nodes: []tuopin.PlanNode{
		{Date: d(7, 25), Households: 30, Persons: 120}, {Date: d(10, 31), Households: 80, Persons: 320}, {Date: d(12, 31), Households: 100, Persons: 400},
	}}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if due := p.Due(d(6, 1)); due.Households != 0 {
		t.Fatalf("due before the first node = %+v", due)
	}
	if due := p.Due(d(8, 1)); due.Households != 30 || due.Persons != 120 {
		t.Fatalf("due in August = %+v", due)
	}
	if due := p.Due(d(10, 31)); due.Households != 80 {
		t.Fatalf("due on the node's day = %+v", due)
	}
	for _, tc := range []struct {
		name   string
		change func(p *tuopin.ExitPlan)
		field  string
	}{
		{"ErrOrder", func(p *tuopin.ExitPlan) { p.Nodes[1].Date = d(7, 1) }, "nodes[1].date"},
		{"ErrDecrease", func(p *tuopin.ExitPlan) { p.Nodes[1].Households = 10 }, "nodes[1].households"},
		{"ErrAbove", func(p *tuopin.ExitPlan) { p.Nodes[2].Households = 101 }, "nodes[2].households"},
		{"ErrOutsideYear", func(p *tuopin.ExitPlan) { p.Nodes[2].Date = d(12, 31).AddDate(0, 0, 1) }, "nodes[2].date"},
		{"ErrCounty", func(p *tuopin.ExitPlan) { p.AreaCode = "451224000000" }, "area_code"},
		{"ErrPersons", func(p *tuopin.ExitPlan) { p.Persons = 50 }, "persons"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := *p
			c.Nodes = append([]tuopin.PlanNode(nil), p.Nodes...)
			tc.change(&c)
			if _, ok := tuopin.ErrorFields(c.Validate())[tc.field]; !ok {
				t.Fatalf("no error on %s: %v", tc.field, c.Validate())
			}
		})
	}
}
