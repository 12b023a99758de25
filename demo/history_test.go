package demo_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/demo"
)

// TestHistory: as of AsOf the demo shows a campaign under way, as seed 002
// tells it: households have exited, so the townships' completion differs,
// and the wall is not all one colour: a few townships ahead of the plan
// (green), most between the mid- and end-of-July nodes (amber), one
// behind a passed node (red). The colours come from the domain's own rule
// on the generated plans and exits, for several seeds.
func TestHistory(t *testing.T) {
	for _, seed := range []int64{1, 2, 2016} {
		d := mustGenerate(t, seed)
		exited := map[string][2]int{} // township → households, persons
		status := map[string]string{}
		for _, h := range d.Households {
			status[h.Number] = h.Status
			if h.Status == tuopin.StatusExited {
				e := exited[h.AreaCode[:9]]
				exited[h.AreaCode[:9]] = [2]int{e[0] + 1, e[1] + len(h.Members)}
			}
		}
		colours := map[string]int{}
		var line []string
		for _, p := range d.Plans {
			if tuopin.LevelOfCode(p.AreaCode) != tuopin.LevelTownship {
				continue
			}
			e := exited[p.AreaCode[:9]]
			st := tuopin.DefaultPlanRule.Judge(p, e[0], e[1], demo.AsOf)
			colours[st.Colour]++
			r, _ := st.Rate()
			line = append(line, fmt.Sprintf("%s %-5s %5.1f%% (%d/%d households, %d/%d persons)", p.AreaCode[:9], st.Colour, r, e[0], p.Households, e[1], p.Persons))
		}
		if colours["green"] < 2 || colours["red"] != 1 || colours["amber"] < 7 || colours["grey"] != 0 {
			t.Errorf("seed %d: township colours %v\n%s", seed, colours, strings.Join(line, "\n"))
		}

		// Every move is dated before AsOf, within the year, in date order;
		// a household's moves go 未脱贫 → 预脱贫 → 已脱贫 and end in its
		// generated status; the notice comes at least a week before the
		// acceptance.
		last := map[string]demo.Move{}
		prev := ""
		for _, m := range d.Moves {
			if m.Date < "2016-06-24" || m.Date >= tuopin.Today(demo.AsOf) || m.Date < prev || m.Reason == "" {
				t.Fatalf("seed %d: move %+v after %s", seed, m, prev)
			}
			prev = m.Date
			before, ok := last[m.Number]
			switch {
			case m.Status == tuopin.StatusPreExit && !ok:
			case m.Status == tuopin.StatusExited && ok && before.Status == tuopin.StatusPreExit && before.Date <= addDays(t, m.Date, -7):
			default:
				t.Fatalf("seed %d: move %+v after %+v", seed, m, before)
			}
			last[m.Number] = m
		}
		for number, s := range status {
			want := tuopin.StatusPoor
			if m, ok := last[number]; ok {
				want = m.Status
			}
			if s != want {
				t.Fatalf("seed %d: %s generated %s, its moves end in %s", seed, number, s, want)
			}
		}
	}
}

// addDays adds days to a YYYY-MM-DD date.
func addDays(t *testing.T, date string, days int) string {
	t.Helper()
	d, err := time.Parse(tuopin.DateLayout, date)
	if err != nil {
		t.Fatal(err)
	}
	return d.AddDate(0, 0, days).Format(tuopin.DateLayout)
}
