package demo

import (
	"math"
	"strings"
	"time"

	"github.com/tuopin/tuopin"
)

// AsOf is the date the demo stands at: shortly before the acceptance of the
// first batch of exits in July that seed 002 announces (7月份将要对第一批
// 贫困户的脱贫进行验收). The command serves the demo's wall chart as of it.
var AsOf = time.Date(Year, 7, 20, 0, 0, 0, 0, time.UTC)

// planNodes are the demo's time nodes (时间节点) and the cumulative share of
// the year's plan due by each: the first batch checked by mid-July (10%),
// 30% by the end of July, most by the end of October, all by the end of
// the year. The dates follow the deadlines the seed meetings set (7月份
// 第一批验收, 10月底); the shares are the demo's own.
var planNodes = []struct {
	month, day int
	share      float64
}{{7, 15, 0.1}, {7, 31, 0.3}, {10, 31, 0.75}, {12, 31, 1}}

// plans returns the county's exit plan for the year: every registered
// household of a village is to exit (seed 002: 4,735 households, 18,792
// people), village by village, and each township's plan is the sum of its
// villages'.
func plans(households []*tuopin.Household, townships []*tuopin.Area) []*tuopin.ExitPlan {
	type count struct{ households, persons int }
	var order []string
	byVillage := map[string]*count{}
	for _, h := range households {
		c := byVillage[h.AreaCode]
		if c == nil {
			c = &count{}
			byVillage[h.AreaCode] = c
			order = append(order, h.AreaCode)
		}
		c.households++
		c.persons += len(h.Members)
	}
	plan := func(code string, households, persons int) *tuopin.ExitPlan {
		p := &tuopin.ExitPlan{Year: Year, AreaCode: code, Households: households, Persons: persons}
		for _, n := range planNodes {
			p.Nodes = append(p.Nodes, tuopin.PlanNode{
				Date:       time.Date(Year, time.Month(n.month), n.day, 0, 0, 0, 0, time.UTC),
				Households: int(math.Ceil(n.share * float64(households))),
				Persons:    int(math.Ceil(n.share * float64(persons))),
			})
		}
		return p
	}
	var out []*tuopin.ExitPlan
	for _, t := range townships {
		var sum *tuopin.ExitPlan
		for _, v := range order {
			if !strings.HasPrefix(v, t.Prefix()) {
				continue
			}
			c := byVillage[v]
			vp := plan(v, c.households, c.persons)
			out = append(out, vp)
			if sum == nil {
				sum = &tuopin.ExitPlan{Year: Year, AreaCode: t.Code, Nodes: make([]tuopin.PlanNode, len(vp.Nodes))}
			}
			sum.Households += vp.Households
			sum.Persons += vp.Persons
			for i, n := range vp.Nodes {
				sum.Nodes[i].Date = n.Date
				sum.Nodes[i].Households += n.Households
				sum.Nodes[i].Persons += n.Persons
			}
		}
		if sum != nil {
			out = append(out, sum)
		}
	}
	return out
}
