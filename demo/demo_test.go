package demo_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/demo"
)

// mustGenerate returns the demo data for a seed, generated once per test.
func mustGenerate(tb testing.TB, seed int64) *demo.Data {
	tb.Helper()
	d, err := demo.Generate(seed)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func TestGenerate_Deterministic(t *testing.T) {
	a, _ := json.Marshal(mustGenerate(t, 1))
	b, _ := json.Marshal(mustGenerate(t, 1))
	if !bytes.Equal(a, b) {
		t.Error("two runs with seed 1 differ")
	}
	c, _ := json.Marshal(mustGenerate(t, 2))
	if bytes.Equal(a, c) {
		t.Error("seeds 1 and 2 give the same data")
	}
	if mustGenerate(t, 1).Summary() != mustGenerate(t, 1).Summary() {
		t.Error("Summary differs between runs")
	}
}

func TestGenerate_Totals(t *testing.T) {
	d := mustGenerate(t, 1)
	if d.Year != 2016 || d.Seed != 1 {
		t.Errorf("Year, Seed = %d, %d", d.Year, d.Seed)
	}
	if len(d.Areas) != 943 {
		t.Errorf("%d areas, want all 943 seed areas", len(d.Areas))
	}
	persons := 0
	for _, h := range d.Households {
		persons += len(h.Members)
	}
	if len(d.Households) != 4735 || persons != 18792 {
		t.Errorf("%d households with %d members, want 4735 with 18792", len(d.Households), persons)
	}

	// Every village of 东兰县 has households, and only those villages.
	villages := map[string]int{}
	for _, a := range d.Areas {
		if a.Level == tuopin.LevelVillage && strings.HasPrefix(a.Code, "451224") {
			villages[a.Code] = 0
		}
	}
	if len(villages) != 152 {
		t.Fatalf("%d villages in 东兰县, want 152", len(villages))
	}
	prev := ""
	sizes := map[int]int{}
	for _, h := range d.Households {
		if _, ok := villages[h.AreaCode]; !ok {
			t.Fatalf("household %s in %s, not a village of 东兰县", h.Number, h.AreaCode)
		}
		villages[h.AreaCode]++
		if h.Number <= prev {
			t.Errorf("household %s after %s: not ordered", h.Number, prev)
		}
		prev = h.Number
		if h.Size < 1 || h.Size > 8 || h.Size != len(h.Members) {
			t.Errorf("household %s: size %d with %d members", h.Number, h.Size, len(h.Members))
		}
		sizes[h.Size]++
	}
	lo, hi := 4735, 0
	for code, n := range villages {
		if n == 0 {
			t.Errorf("village %s has no households", code)
		}
		lo, hi = min(lo, n), max(hi, n)
	}
	// Village sizes vary.
	if lo < 4 || hi < 3*lo || hi > 150 {
		t.Errorf("households per village range %d–%d", lo, hi)
	}
	// Sizes: every size from 1 to 8 occurs, 3–5 are most common.
	for s := 1; s <= 8; s++ {
		if sizes[s] == 0 {
			t.Errorf("no household of size %d", s)
		}
	}
	if sizes[4] < sizes[1] || sizes[4] < sizes[8] || sizes[3]+sizes[4]+sizes[5] < 4735/2 {
		t.Errorf("implausible size distribution %v", sizes)
	}

	if len(d.PreExitVillages) != 16 {
		t.Errorf("%d pre-exit villages, want 16", len(d.PreExitVillages))
	}
	for _, c := range d.PreExitVillages {
		if _, ok := villages[c]; !ok {
			t.Errorf("pre-exit village %s is not a village of 东兰县", c)
		}
	}
}

func TestGenerate_Valid(t *testing.T) {
	now := time.Now()
	for _, h := range mustGenerate(t, 1).Households {
		size, head := h.Size, h.HeadName
		h.Normalize(now)
		if err := h.Validate(tuopin.DefaultCodeSet, now); err != nil {
			t.Fatalf("household %s: %v", h.Number, err)
		}
		if h.Size != size || h.HeadName != head {
			t.Errorf("household %s: Normalize changed size %d→%d or head %s→%s", h.Number, size, h.Size, head, h.HeadName)
		}
		if !strings.HasPrefix(h.Number, h.AreaCode) || len(h.Number) != 16 {
			t.Errorf("household number %s is not its village code and 4 digits", h.Number)
		}
	}
}

func TestGenerate_IDNumbers(t *testing.T) {
	seen := map[string]string{}
	now := time.Now()
	for _, h := range mustGenerate(t, 1).Households {
		for _, m := range h.Members {
			info, err := tuopin.ParseIDNumber(m.IDNumber, now)
			if err != nil {
				t.Fatalf("%s %s: %v", h.Number, m.Name, err)
			}
			if !strings.HasPrefix(m.IDNumber, "451224") {
				t.Errorf("%s: ID number %s is not from 东兰县", m.Name, m.IDNumber)
			}
			if !info.BirthDate.Equal(m.BirthDate) || info.Sex != m.Sex {
				t.Errorf("%s: ID number %s disagrees with birth date %v or sex %s", m.Name, m.IDNumber, m.BirthDate, m.Sex)
			}
			if other, ok := seen[m.IDNumber]; ok {
				t.Errorf("ID number %s of %s is also %s's", m.IDNumber, m.Name, other)
			}
			seen[m.IDNumber] = m.Name
		}
	}
	if len(seen) != 18792 {
		t.Errorf("%d distinct ID numbers, want 18792", len(seen))
	}
}

// age returns completed years at the demo's reference date, 2016-06-30.
func age(m *tuopin.Member) int {
	ref := time.Date(2016, 6, 30, 0, 0, 0, 0, time.UTC)
	a := ref.Year() - m.BirthDate.Year()
	if m.BirthDate.AddDate(a, 0, 0).After(ref) {
		a--
	}
	return a
}

// relationSex is the sex that a relation to the head implies.
var relationSex = map[string]string{
	"之子": "1", "之孙子": "1", "之外孙子": "1", "之父": "1", "之岳父": "1", "之公公": "1", "之女婿": "1",
	"之女": "2", "之孙女": "2", "之外孙女": "2", "之母": "2", "之岳母": "2", "之婆婆": "2", "之儿媳": "2",
}

func TestGenerate_Families(t *testing.T) {
	for _, h := range mustGenerate(t, 1).Households {
		head := h.Members[0]
		if head.Relation != tuopin.RelationHead || h.HeadName != head.Name {
			t.Fatalf("household %s: first member %s is not the head", h.Number, head.Name)
		}
		heads, spouses := 0, 0
		names := map[string]bool{}
		for _, m := range h.Members {
			if m.Name == "" || len([]rune(m.Name)) < 2 || len([]rune(m.Name)) > 3 {
				t.Errorf("%s: bad name %q", h.Number, m.Name)
			}
			if names[m.Name] {
				t.Errorf("%s: two members named %s", h.Number, m.Name)
			}
			names[m.Name] = true
			a, ha := age(m), age(head)
			if a < 0 || a > 95 {
				t.Errorf("%s: %s aged %d", h.Number, m.Name, a)
			}
			switch m.Relation {
			case tuopin.RelationHead:
				heads++
				if a < 18 {
					t.Errorf("%s: head %s aged %d", h.Number, m.Name, a)
				}
			case "02":
				spouses++
				if m.Sex == head.Sex || a < 18 {
					t.Errorf("%s: spouse %s (sex %s, %d) of head (sex %s)", h.Number, m.Name, m.Sex, a, head.Sex)
				}
			case "03", "04": // child of the head
				if ha-a < 16 {
					t.Errorf("%s: child %s aged %d, head aged %d", h.Number, m.Name, a, ha)
				}
				if (m.Relation == "03") != (m.Sex == "1") {
					t.Errorf("%s: %s has relation %s and sex %s", h.Number, m.Name, m.Relation, m.Sex)
				}
			case "07", "08", "09", "10": // grandchild
				if ha-a < 36 {
					t.Errorf("%s: grandchild %s aged %d, head aged %d", h.Number, m.Name, a, ha)
				}
			case "11", "12", "13", "14", "15", "16": // parent or parent-in-law
				if a-ha < 16 {
					t.Errorf("%s: parent %s aged %d, head aged %d", h.Number, m.Name, a, ha)
				}
			}
		}
		for _, m := range h.Members {
			label := tuopin.DefaultCodeSet.Label(tuopin.CodeRelation, m.Relation, "")
			if want, ok := relationSex[label]; ok && m.Sex != want {
				t.Errorf("%s: %s is %s but has sex %s", h.Number, m.Name, label, m.Sex)
			}
		}
		if heads != 1 || spouses > 1 {
			t.Errorf("%s: %d heads, %d spouses", h.Number, heads, spouses)
		}
	}
}

func TestGenerate_Consistency(t *testing.T) {
	d := mustGenerate(t, 1)
	phones := map[string]bool{}
	count := map[string]int{}
	var noPhone, belowLine, poor int
	for _, h := range d.Households {
		count["attr"+h.Attribute]++
		count["cause"+h.MainCause]++
		count["status"+h.Status]++
		var sick, disabled, pupilAge bool
		for _, m := range h.Members {
			a := age(m)
			sick = sick || m.Health == "02" || m.Health == "03"
			disabled = disabled || m.Health == "04"
			pupilAge = pupilAge || a >= 6 && a <= 22 && (m.Education != "" || m.Detail("school_status") != "")
			switch {
			case a < 6 && m.Education != "":
				t.Errorf("%s: %s aged %d has education %s", h.Number, m.Name, a, m.Education)
			case a < 16 && m.Skill != "05":
				t.Errorf("%s: %s aged %d has labour %s", h.Number, m.Name, a, m.Skill)
			case a >= 23 && a < 60 && m.Health == "01" && m.Skill != "01" && m.Skill != "02":
				t.Errorf("%s: healthy %s aged %d has labour %s", h.Number, m.Name, a, m.Skill)
			case a >= 75 && (m.Skill == "01" || m.Skill == "02"):
				t.Errorf("%s: %s aged %d is full labour", h.Number, m.Name, a)
			case a < 18 && (m.Education == "05" || m.Education == "06"):
				t.Errorf("%s: %s aged %d has education %s", h.Number, m.Name, a, m.Education)
			}
		}
		// The income components add up to the generated per-capita income.
		if !h.HasIncomeComponents() {
			t.Errorf("%s: no income components", h.Number)
		} else {
			c := *h
			c.ComputeIncomePerCapita(tuopin.NewParamSet(tuopin.DefaultParameters).IncomeExcluded(h.Year, h.AreaCode))
			if c.IncomePerCapita != h.IncomePerCapita {
				t.Errorf("%s: components give %s per capita, generated %s (%v)", h.Number, c.IncomePerCapita.Yuan(), h.IncomePerCapita.Yuan(), h.Details)
			}
		}
		if h.Detail("house_grade") == "" || h.Detail("helper_name") == "" || h.Detail("water_safe") == "" {
			t.Errorf("%s: living conditions or help cadre missing: %v", h.Number, h.Details)
		}
		switch h.MainCause {
		case "01":
			if !sick {
				t.Errorf("%s: cause 因病 without an ill member", h.Number)
			}
		case "02":
			if !disabled {
				t.Errorf("%s: cause 因残 without a disabled member", h.Number)
			}
		case "03":
			if !pupilAge {
				t.Errorf("%s: cause 因学 without a pupil or student", h.Number)
			}
		}
		switch h.Status {
		case tuopin.StatusPreExit, tuopin.StatusExited:
			if h.IncomePerCapita < demo.PovertyLine {
				t.Errorf("%s: status %s with income %s below the line", h.Number, h.Status, h.IncomePerCapita.Yuan())
			}
		case tuopin.StatusPoor:
			poor++
			if h.IncomePerCapita < demo.PovertyLine {
				belowLine++
			}
		default:
			t.Errorf("%s: status %s", h.Number, h.Status)
		}
		if h.IncomePerCapita < 500_00 || h.IncomePerCapita > 2*demo.PovertyLine {
			t.Errorf("%s: income %s", h.Number, h.IncomePerCapita.Yuan())
		}
		switch {
		case h.Phone == "":
			noPhone++
		case len(h.Phone) != 11 || h.Phone[0] != '1' || !tuopin.IsDigits(h.Phone):
			t.Errorf("%s: phone %q", h.Number, h.Phone)
		case phones[h.Phone]:
			t.Errorf("%s: phone %s shared with another household", h.Number, h.Phone)
		}
		phones[h.Phone] = true
	}

	n := len(d.Households)
	share := func(k string) float64 { return float64(count[k]) / float64(n) }
	if share("attr01") < 0.7 || share("attr04") < 0.08 || share("attr06") < 0.01 || share("attr01")+share("attr04")+share("attr06") != 1 {
		t.Errorf("attribute mix: %v", count)
	}
	// The first batch (预脱贫, or exited already by AsOf) is a fifth to
	// two fifths of the registry; part of it has exited.
	if s := share("status9") + share("status1"); s < 0.15 || s > 0.4 {
		t.Errorf("first batch share %.2f", s)
	}
	if s := share("status1"); s < 0.1 || s > 0.3 {
		t.Errorf("exited share %.2f", s)
	}
	for _, c := range tuopin.DefaultCodeSet.List(tuopin.CodeCause, 2016) {
		if s := share("cause" + c.Code); s == 0 || s > 0.3 {
			t.Errorf("cause %s %s: share %.3f", c.Code, c.Label, s)
		}
	}
	if s := float64(belowLine) / float64(poor); s < 0.85 {
		t.Errorf("only %.2f of 未脱贫 households are below the line", s)
	}
	if s := float64(noPhone) / float64(n); s < 0.05 || s > 0.3 {
		t.Errorf("%.2f of households without a phone", s)
	}
}

func TestGenerate_Users(t *testing.T) {
	d := mustGenerate(t, 1)
	areas := map[string]*tuopin.Area{}
	for _, a := range d.Areas {
		areas[a.Prefix()] = a
	}
	roles := map[tuopin.Role]*tuopin.User{}
	for _, u := range d.Users {
		if err := u.Validate(); err != nil {
			t.Errorf("user %s: %v", u.Username, err)
		}
		if u.Scope != "" && areas[u.Scope] == nil {
			t.Errorf("user %s: scope %s is not a seed area", u.Username, u.Scope)
		}
		roles[u.Role] = u
	}
	if len(roles) != len(tuopin.Roles) || len(d.Users) != len(tuopin.Roles) {
		t.Errorf("want one user per role, got %d users", len(d.Users))
	}
	tw, v := roles[tuopin.RoleTownshipClerk], roles[tuopin.RoleVillageSecretary]
	if len(tw.Scope) != 9 || len(v.Scope) != 12 || !strings.HasPrefix(v.Scope, tw.Scope) || roles[tuopin.RoleHelpCadre].Scope != tw.Scope {
		t.Errorf("township %s, village %s, cadre %s", tw.Scope, v.Scope, roles[tuopin.RoleHelpCadre].Scope)
	}
	if roles[tuopin.RoleAdmin].Scope != "" || roles[tuopin.RoleCountyAdmin].Scope != "451224" || roles[tuopin.RoleViewer].Scope != "451224" {
		t.Error("admin, county or viewer scope")
	}
	if err := tuopin.ValidatePassword(demo.Password); err != nil {
		t.Error(err)
	}
}

func TestData_Summary(t *testing.T) {
	s := mustGenerate(t, 1).Summary()
	for _, want := range []string{"东兰县 (451224) 2016 demo registry, seed 1", "4735", "18792", "武篆镇", "三弄瑶族乡", "预脱贫村 (16)", "已脱贫户", "tuopin-demo", "village_secretary"} {
		if !strings.Contains(s, want) {
			t.Errorf("Summary lacks %q:\n%s", want, s)
		}
	}
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		if _, err := demo.Generate(1); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPlans(t *testing.T) {
	d, err := demo.Generate(1)
	if err != nil {
		t.Fatal(err)
	}
	var villages, townships, households, persons int
	for _, p := range d.Plans {
		if err := p.Validate(); err != nil {
			t.Fatalf("plan %s: %v", p.AreaCode, err)
		}
		switch tuopin.LevelOfCode(p.AreaCode) {
		case tuopin.LevelVillage:
			villages++
		case tuopin.LevelTownship:
			townships++
			households += p.Households
			persons += p.Persons
		}
		if last := p.Nodes[len(p.Nodes)-1]; last.Households != p.Households || last.Persons != p.Persons {
			t.Fatalf("plan %s: last node %+v is not the whole plan", p.AreaCode, last)
		}
	}
	// Every village and township of the county has a plan, and the
	// townships' plans add up to the year's task of seed 002.
	if villages != 152 || townships != 14 {
		t.Fatalf("%d village plans, %d township plans", villages, townships)
	}
	if households != demo.Households || persons != demo.Persons {
		t.Fatalf("plans sum to %d households, %d persons", households, persons)
	}
}
