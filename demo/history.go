package demo

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tuopin/tuopin"
)

// The demo's history up to AsOf. Seed 002 tells how the year stood at the
// county's meeting of 24 June 2016: every township had its plan, the first
// batch of households was to be checked (验收) in July, some townships
// were ahead of the others ("走在了全市的前列") and some were not ("个别乡镇
// … 按部就班"). So by AsOf (20 July) the first batch has been publicly
// noticed (预脱贫) in every township, and accepted (已脱贫) in part:
//
//   - a few townships are ahead: their acceptance is done and they have met
//     the end-of-July node already (green on the wall);
//   - most are under way: past the mid-July node, short of the end-of-July
//     one (amber);
//   - one is behind: it missed the mid-July node (red).
//
// Which township is which, how large its batch is and which households
// exited are drawn from the seed, like everything else.

// pace is how far a township's first batch has come by AsOf.
type pace int

const (
	paceUnderWay pace = iota
	paceAhead
	paceBehind
)

// paceCounts: how many townships are ahead and behind; the rest are under
// way.
const (
	townshipsAhead  = 3
	townshipsBehind = 1
)

// batchShare scales a household's chance to be in the first batch
// (generator.household) by its township's pace: a township ahead has
// prepared a larger batch.
var batchShare = map[pace]float64{paceAhead: 2.6, paceUnderWay: 1.15, paceBehind: 0.7}

// Move is a dated status move of the demo's history, stored through
// tuopin.EventService.MoveStatus as a clerk would record it.
type Move struct {
	Number string // the household's number
	Status string // the status moved to
	Date   string // YYYY-MM-DD, before AsOf
	Reason string
}

// historyRNG is the random source of the history, apart from the
// generator's so that the households' own draws do not depend on it.
func historyRNG(seed int64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), 0x6869_7374_6f72)) // "histor"
}

// townshipPaces draws which townships are ahead and which one is behind.
func townshipPaces(rng *rand.Rand, townships []*tuopin.Area) map[string]pace {
	out := make(map[string]pace, len(townships))
	for i, j := range rng.Perm(len(townships)) {
		p := paceUnderWay
		switch {
		case i < townshipsAhead:
			p = paceAhead
		case i < townshipsAhead+townshipsBehind:
			p = paceBehind
		}
		out[townships[j].Prefix()] = p
	}
	return out
}

// history decides which of the first batch (the households generated
// 预脱贫) have exited by AsOf, sets their Status to 已脱贫(享受政策), and
// returns every household's moves in date order: the public notice
// (未脱贫 → 预脱贫) of the whole batch, then the acceptance (预脱贫 →
// 已脱贫) of those who exited. plans are the townships' plans, whose time
// nodes the townships' paces are measured against.
func history(rng *rand.Rand, households []*tuopin.Household, plans []*tuopin.ExitPlan, paces map[string]pace) []Move {
	byTownship := map[string][]*tuopin.Household{}
	for _, h := range households {
		if h.Status == tuopin.StatusPreExit {
			t := h.AreaCode[:9]
			byTownship[t] = append(byTownship[t], h)
		}
	}
	var moves []Move
	for _, p := range plans {
		if tuopin.LevelOfCode(p.AreaCode) != tuopin.LevelTownship {
			continue
		}
		prefix := p.AreaCode[:9]
		batch := byTownship[prefix]
		for _, h := range batch {
			moves = append(moves, Move{Number: h.Number, Status: tuopin.StatusPreExit, Date: noticeDate(h.AreaCode),
				Reason: "演示数据：村民代表评议通过，乡镇审核，县扶贫办公示"})
		}
		// The batch in a random order; the first ones exit until the
		// township's target is reached.
		rng.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
		mid, end := nodeBefore(p, AsOf), nodeAfter(p, AsOf)
		var wantH int
		switch paces[prefix] {
		case paceAhead: // past the end-of-July node
			wantH = end.Households + 1 + rng.IntN(max(1, end.Households/8))
		case paceBehind: // well short of the mid-July one
			wantH = mid.Households * (25 + rng.IntN(25)) / 100
		default: // between the two
			wantH = mid.Households + 1 + rng.IntN(max(1, (end.Households-mid.Households)*3/4))
		}
		exitedH, exitedP := 0, 0
		accepted := acceptanceDay(rng, paces[prefix])
		for _, h := range batch {
			enough := exitedH >= wantH
			switch paces[prefix] {
			case paceAhead: // the persons of the end-of-July node too
				enough = enough && exitedP > end.Persons
			case paceUnderWay: // the persons of the mid-July node, not the end's households
				enough = (enough && exitedP > mid.Persons) || exitedH+1 >= end.Households
			}
			if enough {
				break
			}
			h.Status = tuopin.StatusExited
			exitedH++
			exitedP += len(h.Members)
			moves = append(moves, Move{Number: h.Number, Status: tuopin.StatusExited, Date: acceptanceDate(h.AreaCode, accepted),
				Reason: "演示数据：公示无异议，县脱贫攻坚指挥部第一批验收通过"})
		}
	}
	slices.SortStableFunc(moves, func(a, b Move) int {
		if c := strings.Compare(a.Date, b.Date); c != 0 {
			return c
		}
		return strings.Compare(a.Number, b.Number)
	})
	return moves
}

// nodeBefore returns the plan's last node before day (zero when none);
// nodeAfter its first node on or after day.
func nodeBefore(p *tuopin.ExitPlan, day time.Time) tuopin.PlanNode {
	var n tuopin.PlanNode
	for _, x := range p.Nodes {
		if x.Date.Before(day) {
			n = x
		}
	}
	return n
}

func nodeAfter(p *tuopin.ExitPlan, day time.Time) tuopin.PlanNode {
	for _, x := range p.Nodes {
		if !x.Date.Before(day) {
			return x
		}
	}
	return tuopin.PlanNode{Households: p.Households, Persons: p.Persons}
}

// noticeDate is the day a village's public notice of its first exit batch
// began: after the seed meeting of 24 June 2016, from 27 June to 5 July,
// spread over the villages by code.
func noticeDate(village string) string {
	n, _ := strconv.Atoi(village[6:12])
	return time.Date(Year, 6, 27+n%9, 0, 0, 0, 0, time.UTC).Format(tuopin.DateLayout)
}

// acceptanceDay draws the day of July a township's acceptance began: the
// townships ahead first, the one behind last.
func acceptanceDay(rng *rand.Rand, p pace) int {
	switch p {
	case paceAhead:
		return 6 + rng.IntN(4) // 6–9 July
	case paceBehind:
		return 15 + rng.IntN(4) // 15–18 July
	}
	return 9 + rng.IntN(6) // 9–14 July
}

// acceptanceDate is the day a village's households were accepted: the
// township's day, or later when the village's notice (seven days) ran
// later, and never on or after AsOf.
func acceptanceDate(village string, day int) string {
	notice, _ := time.Parse(tuopin.DateLayout, noticeDate(village))
	d := time.Date(Year, 7, day, 0, 0, 0, 0, time.UTC)
	if earliest := notice.AddDate(0, 0, 8); d.Before(earliest) {
		d = earliest
	}
	if last := AsOf.AddDate(0, 0, -1); d.After(last) {
		d = last
	}
	return d.Format(tuopin.DateLayout)
}
