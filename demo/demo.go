// Package demo generates and loads a realistic demonstration registry: the
// poor households of 东兰县 (451224, 河池市, 广西) in 2016, over the county's
// real villages, with one demo user per role.
//
// The figures follow the county's 2016 脱贫摘帽 meeting of 24 June 2016
// (shared seed 002): 4,735 households with 18,792 persons were to exit
// poverty that year, 16 poor villages were to exit (预脱贫村), and the first
// batch of households was to be checked in July. Generate therefore makes
// exactly 4,735 households with 18,792 members, marks 16 villages as
// pre-exit villages, and gives the year a history up to AsOf (history.go):
// the first batch publicly noticed (预脱贫) and, in part, accepted
// (已脱贫), some townships ahead of the others and one behind.
// Everything else (names, families, ID numbers, causes, incomes, phones) is
// invented, deterministically from a seed: the same seed gives identical data
// (math/rand/v2 with a PCG source seeded from it; no map order, clock or
// other state is involved).
//
// Nothing here describes real people. ID numbers are well-formed
// (GB 11643) but random, and phone numbers are random 11-digit mobile numbers.
package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/divisions"
)

// The county and the figures of seed 002.
const (
	CountyCode      = "451224" // 东兰县
	Year            = 2016
	Households      = 4735
	Persons         = 18792
	PreExitVillages = 16
)

// Password is the password of every demo user.
const Password = "tuopin-demo"

// PovertyLine is the per-capita net income line the demo assumes for 2016:
// 3,146 yuan. It is a demo figure. domain.md §2.1 lists 3146 as a 2016
// county-level exit line (宁都县, Jiangxi), not a national or Guangxi line;
// no verified 2016 line for 东兰县 was found. Most households fall below it;
// those in the first exit batch (预脱贫) are above it.
const PovertyLine = tuopin.Money(3146_00)

// asOf is the date ages refer to: the registry snapshot of mid-2016, just
// after the seed meeting (24 June 2016).
var asOf = time.Date(Year, 6, 30, 0, 0, 0, 0, time.UTC)

// Data is a generated demo registry.
type Data struct {
	Seed int64
	Year int
	// Areas holds all the embedded seed areas (five counties, so that the
	// tree is browsable), parents first.
	Areas []*tuopin.Area
	// Users holds one user per role; all have the password Password.
	Users []*tuopin.User
	// Households are ordered by village code and number, with members.
	Households []*tuopin.Household
	// PreExitVillages lists the 12-digit codes of the 16 villages marked
	// as 预脱贫村 candidates, by code.
	PreExitVillages []string
	// Plans are the year's exit plans of every village and township.
	Plans []*tuopin.ExitPlan
	// Moves are the status moves of the year up to AsOf, in date order
	// (history.go): the first batch's public notice (预脱贫) and, for the
	// households of it that exited, its acceptance (已脱贫). A household's
	// Status is the status its moves end in.
	Moves []Move
}

// Demo user scopes: one real township of 东兰县 and one of its villages.
const (
	demoTownship = "451224104"    // 武篆镇
	demoVillage  = "451224104201" // 中和村委会, in 武篆镇
)

// Account describes a demo user for people trying the demo.
type Account struct {
	Username    string
	Name        string // invented
	Role        tuopin.Role
	Scope       string
	Description string // who this is, and the scope by name
}

// Accounts lists the demo users, one per role, most powerful first. They
// do not depend on the seed; all have the password Password.
func Accounts() []Account {
	return []Account{
		{"admin", "陆志刚", tuopin.RoleAdmin, "", "陆志刚, system administrator (whole nation)"},
		{"county", "覃丽萍", tuopin.RoleCountyAdmin, CountyCode, "覃丽萍, 县扶贫办 (451224 东兰县)"},
		{"township", "黄文军", tuopin.RoleTownshipClerk, demoTownship, "黄文军, 乡镇扶贫工作站 (451224104 武篆镇)"},
		{"village", "韦海燕", tuopin.RoleVillageSecretary, demoVillage, "韦海燕, 第一书记 (451224104201 中和村, 武篆镇)"},
		{"cadre", "蓝建平", tuopin.RoleHelpCadre, demoTownship, "蓝建平, 帮扶干部 (451224104 武篆镇)"},
		{"viewer", "罗国华", tuopin.RoleViewer, CountyCode, "罗国华, county leader, read only (451224 东兰县)"},
	}
}

// demoUsers returns the users of Accounts.
func demoUsers() []*tuopin.User {
	var out []*tuopin.User
	for _, a := range Accounts() {
		out = append(out, &tuopin.User{Username: a.Username, Name: a.Name, Role: a.Role, Scope: a.Scope})
	}
	return out
}

// Generate builds the demo registry from a seed. It is pure: the same seed
// gives identical data, and nothing is stored.
func Generate(seed int64) (*Data, error) {
	areas, err := divisions.Seed()
	if err != nil {
		return nil, err
	}
	var villages []*tuopin.Area
	for _, a := range areas {
		if a.Level == tuopin.LevelVillage && strings.HasPrefix(a.Code, CountyCode) {
			villages = append(villages, a)
		}
	}
	if len(villages) == 0 {
		return nil, fmt.Errorf("demo: the seed areas hold no villages of %s", CountyCode)
	}

	g := &generator{
		rng:    rand.New(rand.NewPCG(uint64(seed), 0x7475_6f70_696e)), // "tuopin"
		ids:    make(map[string]bool, Persons),
		phones: make(map[string]bool, Households),
	}
	g.details = &detailGen{rng: detailRNG(seed)}
	d := &Data{Seed: seed, Year: Year, Areas: areas, Users: demoUsers()}
	var townships []*tuopin.Area
	for _, a := range areas {
		if a.Level == tuopin.LevelTownship && strings.HasPrefix(a.Code, CountyCode) {
			townships = append(townships, a)
		}
	}
	hist := historyRNG(seed)
	paces := townshipPaces(hist, townships)
	preExit := g.pickPreExit(villages)
	counts := g.householdsPerVillage(villages, preExit)
	sizes := g.householdSizes(Households, Persons)

	next := 0
	for i, v := range villages {
		for seq := 1; seq <= counts[i]; seq++ {
			h := g.household(v.Code, seq, sizes[next], preExit[v.Code], paces[v.Code[:9]])
			d.Households = append(d.Households, h)
			next++
		}
	}
	for _, v := range villages {
		if preExit[v.Code] {
			d.PreExitVillages = append(d.PreExitVillages, v.Code)
		}
	}
	d.Plans = plans(d.Households, townships)
	d.Moves = history(hist, d.Households, d.Plans, paces)
	return d, nil
}

// Services are the services Load stores the demo through.
type Services struct {
	Areas      tuopin.AreaService
	Users      tuopin.UserService
	Households tuopin.HouseholdService
	// Plans, when set, receives the exit plans.
	Plans tuopin.PlanService
	// Params, when set, receives the demo's poverty line (PovertyLine for
	// the county and year), before the households, so that their income
	// bands are derived against it.
	Params tuopin.ParamService
	// Events, when set, records the year's history (Data.Moves) as dated
	// status moves: the households that have moves are stored as 未脱贫 and
	// then moved, in date order, as clerks would have recorded it. Without
	// it they are stored in their final status, with no history.
	Events tuopin.EventService
}

// LoadBatchSize is how many households Load stores per CreateHouseholds call.
const LoadBatchSize = 500

// Load stores a demo registry: all its areas, its users (with Password) and
// its households in batches of LoadBatchSize, acting as tuopin.SystemUser.
// progress, if not nil, is called with the households stored so far and
// their total, at the start and after each batch.
//
// It expects a database without the demo users and households: storing them
// again fails with ECONFLICT (areas are upserted and may already exist).
// data is not modified: Load stores copies.
func Load(ctx context.Context, svc Services, data *Data, progress func(done, total int)) error {
	ctx = tuopin.NewContextWithUser(ctx, tuopin.SystemUser)
	if err := svc.Areas.UpsertAreas(ctx, data.Areas); err != nil {
		return fmt.Errorf("demo areas: %w", err)
	}
	for _, u := range data.Users {
		c := *u
		if err := svc.Users.CreateUser(ctx, &c, Password); err != nil {
			return fmt.Errorf("demo user %s: %w", u.Username, err)
		}
	}
	if svc.Params != nil {
		p := &tuopin.Parameter{Kind: tuopin.ParamPovertyLine, Year: data.Year, Region: CountyCode, Value: PovertyLine,
			Source: "演示数据 demo figure: 3146 元 is a 2016 county-level exit line of 宁都县 (domain.md §2.1), used here as 东兰县's; not an official figure"}
		if err := svc.Params.SetParameter(ctx, p, "演示数据：设定年度贫困线"); err != nil {
			return fmt.Errorf("demo poverty line: %w", err)
		}
	}
	total := len(data.Households)
	if progress != nil {
		progress(0, total)
	}
	reason := fmt.Sprintf("演示数据：%d 年建档立卡（种子 %d）", data.Year, data.Seed)
	moved := map[string]bool{}
	if svc.Events != nil {
		for _, m := range data.Moves {
			moved[m.Number] = true
		}
	}
	ids := make(map[string]int64, len(moved))
	for i := 0; i < total; i += LoadBatchSize {
		batch := cloneHouseholds(data.Households[i:min(i+LoadBatchSize, total)])
		for _, h := range batch {
			if moved[h.Number] {
				h.Status = tuopin.StatusPoor // moved below, with its dates
			}
		}
		if err := svc.Households.CreateHouseholds(ctx, batch, reason); err != nil {
			return fmt.Errorf("demo households %d-%d: %w", i+1, i+len(batch), err)
		}
		for _, h := range batch {
			if moved[h.Number] {
				ids[h.Number] = h.ID
			}
		}
		if progress != nil {
			progress(i+len(batch), total)
		}
	}
	if svc.Events != nil {
		for _, m := range data.Moves {
			if _, err := svc.Events.MoveStatus(ctx, ids[m.Number], tuopin.StatusMove{Status: m.Status, Date: m.Date, Reason: m.Reason}); err != nil {
				return fmt.Errorf("demo move of %s to %s on %s: %w", m.Number, m.Status, m.Date, err)
			}
		}
	}
	if svc.Plans != nil {
		for _, p := range data.Plans {
			c := *p
			c.Nodes = append([]tuopin.PlanNode(nil), p.Nodes...)
			if err := svc.Plans.SetPlan(ctx, &c, "演示数据：县指挥部下达年度脱贫计划"); err != nil {
				return fmt.Errorf("demo plan %s: %w", p.AreaCode, err)
			}
		}
	}
	return nil
}

func cloneHouseholds(hs []*tuopin.Household) []*tuopin.Household {
	out := make([]*tuopin.Household, len(hs))
	for i, h := range hs {
		c := *h
		c.Members = make([]*tuopin.Member, len(h.Members))
		for j, m := range h.Members {
			mc := *m
			c.Members[j] = &mc
		}
		out[i] = &c
	}
	return out
}

// Summary returns a table of the registry per township, the pre-exit
// villages and the demo users, for the command line to print.
func (d *Data) Summary() string {
	names := make(map[string]string, len(d.Areas))
	var townships []*tuopin.Area
	for _, a := range d.Areas {
		names[a.Code] = a.Name
		if a.Level == tuopin.LevelTownship && strings.HasPrefix(a.Code, CountyCode) {
			townships = append(townships, a)
		}
	}
	type row struct{ villages, households, persons, preExit, exited int }
	rows := make([]row, len(townships))
	var total row
	seen := map[string]bool{}
	for _, h := range d.Households {
		i := slices.IndexFunc(townships, func(t *tuopin.Area) bool { return strings.HasPrefix(h.AreaCode, t.Prefix()) })
		if i < 0 {
			continue
		}
		r := &rows[i]
		if !seen[h.AreaCode] {
			seen[h.AreaCode] = true
			r.villages++
			total.villages++
		}
		r.households++
		r.persons += len(h.Members)
		total.households++
		total.persons += len(h.Members)
		switch h.Status {
		case tuopin.StatusPreExit:
			r.preExit++
			total.preExit++
		case tuopin.StatusExited:
			r.exited++
			total.exited++
		}
	}

	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s) %d demo registry, seed %d\n\n", names[tuopin.PadCode(CountyCode)], CountyCode, d.Year, d.Seed)
	fmt.Fprintf(&b, "%-9s  %s  %s  %s  %s  %s  %s\n", "code", padRight("乡镇", 12), padLeft("村", 4), padLeft("户数", 6), padLeft("人数", 6),
		padLeft("预脱贫户", 8), padLeft("已脱贫户", 8))
	for i, t := range townships {
		r := rows[i]
		fmt.Fprintf(&b, "%-9s  %s  %4d  %6d  %6d  %8d  %8d\n", t.Prefix(), padRight(t.Name, 12), r.villages, r.households, r.persons, r.preExit, r.exited)
	}
	fmt.Fprintf(&b, "%-9s  %s  %4d  %6d  %6d  %8d  %8d\n", "", padRight("合计", 12), total.villages, total.households, total.persons,
		total.preExit, total.exited)
	fmt.Fprintf(&b, "\n已脱贫户 are the first batch accepted before %s (the wall chart's date); 预脱贫户 await acceptance.\n", AsOf.Format(tuopin.DateLayout))

	var pre []string
	for _, c := range d.PreExitVillages {
		pre = append(pre, names[c[:9]+"000"]+names[c])
	}
	fmt.Fprintf(&b, "\n预脱贫村 (%d): %s\n", len(pre), strings.Join(pre, "、"))

	fmt.Fprintf(&b, "\nUsers (password %q):\n", Password)
	for _, u := range d.Users {
		scope := "全国"
		if u.Scope != "" {
			scope = u.Scope + " " + names[tuopin.PadCode(u.Scope)]
		}
		fmt.Fprintf(&b, "  %-9s %-18s %s  %s\n", u.Username, u.Role, padRight(u.Name, 6), scope)
	}
	return b.String()
}

// padRight pads s on the right with spaces to width terminal cells.
func padRight(s string, width int) string {
	return s + strings.Repeat(" ", max(width-cells(s), 0))
}

// padLeft pads s on the left with spaces to width terminal cells.
func padLeft(s string, width int) string {
	return strings.Repeat(" ", max(width-cells(s), 0)) + s
}

// cells counts terminal cells: CJK characters take two.
func cells(s string) int {
	w := 0
	for _, r := range s {
		if r >= 0x2e80 {
			w += 2
		} else {
			w++
		}
	}
	return w
}
