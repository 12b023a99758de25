package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/tuopin/tuopin"
)

// All distributions below are demo assumptions chosen to look plausible for
// a karst mountain county of 2016, not statistics of 东兰县.

// generator holds the random source and what must stay unique.
type generator struct {
	rng    *rand.Rand
	ids    map[string]bool // first 17 digits of every ID number issued
	phones map[string]bool
	// details, when set, fills the national field set (details.go).
	details *detailGen
}

// pickPreExit marks 16 villages (村委会, not urban 社区) as 预脱贫村, at most
// two per township, so that they spread over the county.
func (g *generator) pickPreExit(villages []*tuopin.Area) map[string]bool {
	out := make(map[string]bool, PreExitVillages)
	perTownship := map[string]int{}
	for _, i := range g.rng.Perm(len(villages)) {
		v := villages[i]
		if isUrban(v.Code) || perTownship[v.Code[:9]] >= 2 {
			continue
		}
		out[v.Code] = true
		perTownship[v.Code[:9]]++
		if len(out) == PreExitVillages {
			break
		}
	}
	return out
}

// isUrban reports whether a village code is a 居委会: NBS numbers them
// 001–199 within a township, and 村委会 from 200.
func isUrban(code12 string) bool { return code12[9:] < "200" }

// householdsPerVillage spreads Households over the villages: each village
// gets a weight (log-normal, lower for urban communities, higher in the
// remoter 乡 and in poor villages), at least 4 households, and the rest by
// largest remainder so that the total is exact.
func (g *generator) householdsPerVillage(villages []*tuopin.Area, preExit map[string]bool) []int {
	const minimum = 4
	w := make([]float64, len(villages))
	var sum float64
	for i, v := range villages {
		x := math.Exp(g.rng.NormFloat64() * 0.5)
		switch {
		case isUrban(v.Code):
			x *= 0.2
		case v.Code[6:9] >= "200": // a 乡, not a 镇
			x *= 1.25
		}
		if preExit[v.Code] {
			x *= 1.4
		}
		w[i] = x
		sum += x
	}
	counts := make([]int, len(villages))
	rest := Households - minimum*len(villages)
	left := rest
	type frac struct {
		i int
		f float64
	}
	fracs := make([]frac, len(villages))
	for i := range villages {
		share := float64(rest) * w[i] / sum
		counts[i] = minimum + int(share)
		left -= int(share)
		fracs[i] = frac{i, share - math.Floor(share)}
	}
	// Largest remainders first; ties by index, for determinism.
	for left > 0 {
		best := -1
		for j, f := range fracs {
			if f.f >= 0 && (best < 0 || f.f > fracs[best].f) {
				best = j
			}
		}
		counts[fracs[best].i]++
		fracs[best].f = -1
		left--
	}
	return counts
}

// sizeWeights is the share of households of 1 to 8 persons (mean ≈ 3.96).
var sizeWeights = []float64{0.07, 0.15, 0.18, 0.24, 0.18, 0.10, 0.05, 0.03}

// householdSizes draws n sizes from sizeWeights, then nudges random ones by
// one person until they sum to exactly persons.
func (g *generator) householdSizes(n, persons int) []int {
	sizes := make([]int, n)
	sum := 0
	for i := range sizes {
		sizes[i] = 1 + g.pick(sizeWeights)
		sum += sizes[i]
	}
	for sum != persons {
		i := g.rng.IntN(n)
		switch {
		case sum < persons && sizes[i] < 8:
			sizes[i]++
			sum++
		case sum > persons && sizes[i] > 1:
			sizes[i]--
			sum--
		}
	}
	return sizes
}

// pick returns an index drawn with the given weights.
func (g *generator) pick(weights []float64) int {
	var sum float64
	for _, w := range weights {
		sum += w
	}
	x := g.rng.Float64() * sum
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

func (g *generator) chance(p float64) bool { return g.rng.Float64() < p }

// between returns a random integer in [lo, hi].
func (g *generator) between(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + g.rng.IntN(hi-lo+1)
}

// person is a member being built, before it gets a birth date and ID.
type person struct {
	surname, name string
	sex           string // "1" male, "2" female
	age           int    // completed years at asOf
	rel           string
	student       bool
	edu           string
	health        string
	skill         string
}

const (
	male   = "1"
	female = "2"
)

// Relation codes (tuopin.DefaultCodes, 与户主关系).
const (
	relHead              = tuopin.RelationHead
	relSpouse            = "02"
	relSon               = "03"
	relDaughter          = "04"
	relDaughterIL        = "05" // 之儿媳
	relSonIL             = "06" // 之女婿
	relGrandson          = "07"
	relGranddaughter     = "08"
	relDaughtersSon      = "09" // 之外孙子
	relDaughtersDaughter = "10" // 之外孙女
	relFather            = "11"
	relMother            = "12"
	relWifeFather        = "13" // 之岳父
	relWifeMother        = "14" // 之岳母
	relHusbFather        = "15" // 之公公
	relHusbMother        = "16" // 之婆婆
)

func other(sex string) string {
	if sex == male {
		return female
	}
	return male
}

func (g *generator) sex(pMale float64) string {
	if g.chance(pMale) {
		return male
	}
	return female
}

// family builds the members of a household of n persons: who they are,
// their sex, age and surname. The head comes first.
func (g *generator) family(n int) []*person {
	switch n {
	case 1:
		return g.single()
	case 2:
		return g.pair()
	}
	x := g.rng.Float64()
	switch {
	case n >= 4 && x < 0.30:
		return g.threeGenerations(n)
	case n <= 5 && x < 0.37:
		return g.skipGeneration(n)
	case n <= 6 && x < 0.47:
		return g.singleParent(n)
	}
	return g.nuclear(n)
}

func (g *generator) head(sex string, age int) *person {
	return &person{surname: g.surname(""), sex: sex, age: age, rel: relHead}
}

// spouseOf returns the head's spouse: opposite sex, another surname, the
// wife a few years younger than the husband.
func (g *generator) spouseOf(h *person) *person {
	age := h.age - g.between(-1, 6)
	if h.sex == female {
		age = h.age + g.between(-1, 6)
	}
	return &person{surname: g.surname(h.surname), sex: other(h.sex), age: max(age, 18), rel: relSpouse}
}

// children returns k children with the given surname, the eldest of age
// eldest, the others one to three years apart; relSon/relDaughter are the
// relation codes to use (之子/之女, or grandchildren's codes).
func (g *generator) children(k, eldest int, surname, relSon, relDaughter string) []*person {
	out := make([]*person, k)
	age := eldest
	for i := range out {
		c := &person{surname: surname, sex: g.sex(0.53), age: max(age, 0), rel: relSon}
		if c.sex == female {
			c.rel = relDaughter
		}
		out[i] = c
		age -= g.between(1, 3)
	}
	return out
}

// single: an elderly person living alone (often 特困 or 缺劳力), or a
// middle-aged man who never married.
func (g *generator) single() []*person {
	if g.chance(0.6) {
		return []*person{g.head(g.sex(0.5), g.between(60, 88))}
	}
	return []*person{g.head(g.sex(0.85), g.between(30, 59))}
}

func (g *generator) pair() []*person {
	switch x := g.rng.Float64(); {
	case x < 0.40: // elderly couple
		h := g.head(male, g.between(60, 84))
		return []*person{h, g.spouseOf(h)}
	case x < 0.55: // couple whose children live elsewhere
		h := g.head(male, g.between(38, 59))
		return []*person{h, g.spouseOf(h)}
	case x < 0.80: // widowed or divorced parent with a child
		h := g.head(g.sex(0.45), g.between(30, 58))
		return append([]*person{h}, g.children(1, h.age-g.between(21, 30), g.childSurname(h, nil), relSon, relDaughter)...)
	default: // unmarried son with his widowed mother
		h := g.head(male, g.between(30, 55))
		return []*person{h, {surname: g.surname(h.surname), sex: female, age: min(h.age+g.between(20, 32), 95), rel: relMother}}
	}
}

// childSurname is the father's surname: the head's if he is the father,
// the spouse's if she is the head; a widow's children carry their late
// father's surname (mostly another one).
func (g *generator) childSurname(h, spouse *person) string {
	switch {
	case h.sex == male:
		return h.surname
	case spouse != nil:
		return spouse.surname
	case g.chance(0.3):
		return h.surname
	}
	return g.surname(h.surname)
}

// nuclear: a couple, their children and, in larger households, one or both
// of the head's (or the wife's) parents.
func (g *generator) nuclear(n int) []*person {
	parents := 0
	switch {
	case n >= 7:
		parents = min(n-6, 2)
	case n >= 4 && g.chance(0.25):
		parents = min(g.between(1, 2), n-3)
	}
	k := n - 2 - parents
	eldest := 2*(k-1) + g.rng.IntN(24) // grown children often still live at home
	h := g.head(g.sex(0.92), eldest+g.between(21, 28))
	if parents > 0 && h.age > 58 {
		h.age = 58
		eldest = min(eldest, h.age-21)
	}
	s := g.spouseOf(h)
	out := []*person{h, s}
	out = append(out, g.children(k, eldest, g.childSurname(h, s), relSon, relDaughter)...)
	return append(out, g.parentsOf(h, s, parents)...)
}

// parentsOf returns n (0–2) parents living with the household: the head's
// own parents, or the parents-in-law of a head whose spouse's parents live
// with them.
func (g *generator) parentsOf(h, spouse *person, n int) []*person {
	if n == 0 {
		return nil
	}
	fatherRel, motherRel, surname := relFather, relMother, h.surname
	switch {
	case h.sex == female && spouse != nil: // her husband's parents
		fatherRel, motherRel, surname = relHusbFather, relHusbMother, spouse.surname
	case spouse != nil && g.chance(0.15): // his wife's parents
		fatherRel, motherRel, surname = relWifeFather, relWifeMother, spouse.surname
	}
	fatherAge := min(h.age+g.between(22, 32), 95)
	motherAge := min(fatherAge-g.between(0, 5), 95)
	if n == 1 {
		if g.chance(0.65) { // widowed mothers outnumber widowed fathers
			return []*person{{surname: g.surname(surname), sex: female, age: motherAge, rel: motherRel}}
		}
		return []*person{{surname: surname, sex: male, age: fatherAge, rel: fatherRel}}
	}
	return []*person{
		{surname: surname, sex: male, age: fatherAge, rel: fatherRel},
		{surname: g.surname(surname), sex: female, age: motherAge, rel: motherRel},
	}
}

// threeGenerations: an elderly head, often with a spouse, a married son
// with his wife (or a daughter with a son-in-law who married in, 上门女婿),
// their children and possibly an unmarried child of the head.
func (g *generator) threeGenerations(n int) []*person {
	h := g.head(g.sex(0.88), 0)
	var s *person
	rest := n - 1 - 2
	if h.sex == male && g.chance(0.75) {
		s = &person{}
		rest--
	}
	grandchildren := min(max(rest, 0), 4)
	unmarried := rest - grandchildren
	eldestGrandchild := 2*(max(grandchildren, 1)-1) + g.rng.IntN(12)
	childAge := eldestGrandchild + g.between(20, 28)
	h.age = min(childAge+g.between(21, 29), 90)

	out := []*person{h}
	if s != nil {
		s = g.spouseOf(h)
		out = append(out, s)
	}
	// The surname of the head's children and grandchildren. One time in
	// eight the middle generation is a daughter and a son-in-law who married
	// in (上门女婿); the children then keep her surname.
	surname := g.childSurname(h, s)
	if g.chance(0.12) {
		d := &person{surname: surname, sex: female, age: childAge, rel: relDaughter}
		out = append(out, d, &person{surname: g.surname(surname), sex: male, age: childAge + g.between(-1, 5), rel: relSonIL})
	} else {
		son := &person{surname: surname, sex: male, age: childAge, rel: relSon}
		out = append(out, son, &person{surname: g.surname(surname), sex: female, age: max(childAge-g.between(-1, 5), 18), rel: relDaughterIL})
	}
	out = append(out, g.children(grandchildren, eldestGrandchild, surname, relGrandson, relGranddaughter)...)
	for range unmarried {
		c := &person{surname: surname, sex: g.sex(0.6), age: childAge - g.between(2, 10), rel: relSon}
		if c.sex == female {
			c.rel = relDaughter
		}
		c.age = max(c.age, 15)
		out = append(out, c)
	}
	return out
}

// skipGeneration: grandparents raising grandchildren whose parents are
// registered elsewhere (留守儿童): the son's children (之孙子/之孙女) or the
// daughter's (之外孙子/之外孙女, with another surname).
func (g *generator) skipGeneration(n int) []*person {
	h := g.head(g.sex(0.75), g.between(58, 80))
	out := []*person{h}
	var s *person
	if h.sex == male && g.chance(0.8) {
		s = g.spouseOf(h)
		out = append(out, s)
	}
	k := n - len(out)
	eldest := 2*(k-1) + g.rng.IntN(max(15-2*(k-1), 1))
	if g.chance(0.75) {
		return append(out, g.children(k, eldest, g.childSurname(h, s), relGrandson, relGranddaughter)...)
	}
	return append(out, g.children(k, eldest, g.surname(h.surname), relDaughtersSon, relDaughtersDaughter)...)
}

// singleParent: a widowed or divorced head with children, sometimes with a
// parent of the head.
func (g *generator) singleParent(n int) []*person {
	parents := 0
	if n >= 4 && g.chance(0.3) {
		parents = 1
	}
	k := n - 1 - parents
	eldest := 2*(k-1) + g.rng.IntN(20)
	h := g.head(g.sex(0.35), eldest+g.between(20, 29))
	if parents > 0 && h.age > 58 {
		h.age = 58
		eldest = min(eldest, h.age-20)
	}
	out := []*person{h}
	out = append(out, g.children(k, eldest, g.childSurname(h, nil), relSon, relDaughter)...)
	return append(out, g.parentsOf(h, nil, parents)...)
}

// schooling, health and labour ------------------------------------------

// Education codes (文化程度).
const (
	eduIlliterate = "01"
	eduPrimary    = "02"
	eduJunior     = "03"
	eduSenior     = "04"
	eduCollege    = "05"
	eduBachelor   = "06"
)

// Health codes (健康状况) and skill codes (劳动技能).
const (
	healthy    = "01"
	chronic    = "02"
	serious    = "03"
	disabled   = "04"
	skillPlain = "01"
	skillSkill = "02"
	skillWeak  = "03"
	skillLost  = "04"
	skillNone  = "05"
)

// schooling sets the education of a member from age and sex. A pupil's
// education is the level being attended (the registry has no separate
// 在校生状况 column); children under 6 have none.
func (g *generator) schooling(p *person) {
	a := p.age
	f := p.sex == female
	switch {
	case a < 6:
		p.edu = ""
	case a <= 11:
		p.edu, p.student = eduPrimary, true
	case a <= 14:
		p.edu, p.student = eduJunior, true
	case a <= 18 && g.chance(0.6): // 高中 or 中职
		p.edu, p.student = eduSenior, true
	case a <= 18:
		p.edu = eduJunior
	case a <= 22 && g.chance(0.1): // at college
		p.edu, p.student = eduCollege, true
		if g.chance(0.25) {
			p.edu = eduBachelor
		}
	case a <= 45:
		p.edu = []string{eduIlliterate, eduPrimary, eduJunior, eduSenior, eduCollege}[g.pick(ifElse(f,
			[]float64{6, 26, 55, 11, 2}, []float64{3, 18, 62, 14, 3}))]
	case a <= 60:
		p.edu = []string{eduIlliterate, eduPrimary, eduJunior, eduSenior}[g.pick(ifElse(f,
			[]float64{22, 48, 25, 5}, []float64{8, 45, 37, 10}))]
	default:
		p.edu = []string{eduIlliterate, eduPrimary, eduJunior}[g.pick(ifElse(f,
			[]float64{62, 33, 5}, []float64{32, 55, 13}))]
	}
}

func ifElse[T any](c bool, a, b T) T {
	if c {
		return a
	}
	return b
}

// healthAndLabour sets health from age-specific rates and labour capacity
// from age, health and schooling: children and pupils have none, the
// working-age healthy are ordinary (some skilled) labour, illness weakens,
// old age weakens or ends it.
func (g *generator) healthAndLabour(p *person) {
	var pChronic, pSerious, pDisabled float64
	switch a := p.age; {
	case a < 18:
		pChronic, pSerious, pDisabled = 0.015, 0.004, 0.01
	case a < 45:
		pChronic, pSerious, pDisabled = 0.06, 0.01, 0.025
	case a < 60:
		pChronic, pSerious, pDisabled = 0.15, 0.03, 0.04
	case a < 75:
		pChronic, pSerious, pDisabled = 0.30, 0.05, 0.06
	default:
		pChronic, pSerious, pDisabled = 0.40, 0.06, 0.08
	}
	switch x := g.rng.Float64(); {
	case x < pDisabled:
		p.health = disabled
	case x < pDisabled+pSerious:
		p.health = serious
	case x < pDisabled+pSerious+pChronic:
		p.health = chronic
	default:
		p.health = healthy
	}
	g.labour(p)
}

// labour derives the labour capacity from age, health and schooling.
func (g *generator) labour(p *person) {
	a := p.age
	switch {
	case a < 16 || p.student:
		p.skill = skillNone
	case p.health == disabled || p.health == serious:
		p.skill = ifElse(g.chance(0.6), skillLost, skillWeak)
	case a < 60 && p.health == chronic:
		p.skill = ifElse(g.chance(0.65), skillWeak, skillPlain)
	case a < 60:
		p.skill = ifElse(g.chance(0.09), skillSkill, skillPlain)
	case a < 65:
		p.skill = ifElse(p.health == healthy && g.chance(0.45), skillPlain, skillWeak)
	case a < 75:
		p.skill = []string{skillWeak, skillLost, skillNone}[g.pick([]float64{55, 25, 20})]
	default:
		p.skill = ifElse(g.chance(0.6), skillNone, skillLost)
	}
}

func canWork(p *person) bool { return p.skill == skillPlain || p.skill == skillSkill }

// causes --------------------------------------------------------------------

// Cause codes (致贫原因) with base weights; household features adjust them.
var (
	causeCodes   = []string{"01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "99"}
	causeWeights = []float64{14, 6, 7, 2, 4, 3, 18, 10, 24, 8, 3, 1}
)

const (
	causeIllness    = 0 // 因病
	causeDisability = 1 // 因残
	causeSchool     = 2 // 因学
	causeSkills     = 6 // 缺技术
	causeLabour     = 7 // 缺劳力
	causeCapital    = 8 // 缺资金
)

// mainCause draws the main cause from the household's features and makes
// the members agree with it: 因病 needs a member with a chronic or serious
// illness, 因残 a disabled member (one is made so if none is).
func (g *generator) mainCause(ms []*person) string {
	var sick, dis, workers bool
	var pupils, older int
	nWorkers := 0
	for _, p := range ms {
		sick = sick || p.health == chronic || p.health == serious
		dis = dis || p.health == disabled
		if canWork(p) {
			workers = true
			nWorkers++
		}
		if p.student {
			pupils++
			if p.edu >= eduSenior {
				older++
			}
		}
	}
	w := append([]float64(nil), causeWeights...)
	if sick {
		w[causeIllness] *= 3
	}
	if dis {
		w[causeDisability] *= 4
	}
	if !workers {
		w[causeLabour] *= 5
		w[causeSkills] *= 0.3
		w[causeCapital] *= 0.5
	} else if nWorkers >= 2 {
		w[causeLabour] *= 0.2
	}
	switch {
	case pupils == 0:
		w[causeSchool] = 0
	case older > 0:
		w[causeSchool] *= 3
	}
	i := g.pick(w)
	switch i {
	case causeIllness:
		if !sick {
			g.makeIll(ms, ifElse(g.chance(0.35), serious, chronic))
		}
	case causeDisability:
		if !dis {
			g.makeIll(ms, disabled)
		}
	}
	return causeCodes[i]
}

// makeIll gives a health problem to an adult, preferring the oldest, and
// lowers the labour capacity to match.
func (g *generator) makeIll(ms []*person, health string) {
	var who *person
	for _, p := range ms {
		if p.age >= 18 && (who == nil || p.age > who.age || g.chance(0.3)) {
			who = p
		}
	}
	if who == nil {
		who = ms[g.rng.IntN(len(ms))]
	}
	who.health = health
	g.labour(who)
}

// household ---------------------------------------------------------------

// household builds one household of size n in a village of a township
// of pace p.
func (g *generator) household(village string, seq, n int, preExitVillage bool, p pace) *tuopin.Household {
	ms := g.family(n)
	for _, p := range ms {
		g.schooling(p)
		g.healthAndLabour(p)
	}
	cause := g.mainCause(ms)
	g.name(ms)

	workers := 0
	for _, p := range ms {
		if canWork(p) {
			workers++
		}
	}
	head := ms[0]

	// Attribute: destitute support (特困供养) for the old alone without
	// labour; minimum living allowance (低保) more often where labour is
	// missing or illness or disability is the cause.
	attr := "01"
	switch {
	case n == 1 && head.age >= 60 && workers == 0:
		attr = ifElse(g.chance(0.7), "06", "04")
	case workers == 0:
		attr = ifElse(g.chance(0.5), "04", "01")
	case cause == "01" || cause == "02":
		attr = ifElse(g.chance(0.25), "04", "01")
	case g.chance(0.06):
		attr = "04"
	}

	// Status: the first batch to exit (预脱贫) is drawn among households
	// with labour and without destitute support, more often in the 16
	// pre-exit villages and in the townships ahead (history.go); their
	// income is above the line.
	status := tuopin.StatusPoor
	if workers > 0 && attr != "06" && g.chance(min(0.9, ifElse(preExitVillage, 0.55, 0.2)*batchShare[p])) {
		status = tuopin.StatusPreExit
	}
	line := float64(PovertyLine) / 100
	var perCapita float64
	switch {
	case status == tuopin.StatusPreExit:
		perCapita = line * (1.02 + 0.45*g.rng.Float64())
	case g.chance(0.06): // above the line but still poor on housing, water or school
		perCapita = line * (1.0 + 0.12*g.rng.Float64())
	default:
		perCapita = min(max(line*0.74*math.Exp(0.25*g.rng.NormFloat64()), line*0.25), line*0.99)
	}
	// The household's net income in whole yuan, divided by its size.
	total := int64(math.Round(perCapita * float64(n)))
	income := tuopin.Money((total*100 + int64(n)/2) / int64(n))

	h := &tuopin.Household{
		Year:            Year,
		Number:          fmt.Sprintf("%s%04d", village, seq),
		AreaCode:        village,
		HeadName:        head.surname + head.name,
		Size:            n,
		Attribute:       attr,
		MainCause:       cause,
		IncomePerCapita: income,
		Status:          status,
		Phone:           g.phone(n == 1 && head.age >= 60),
	}
	for _, p := range ms {
		birth := g.birthDate(p.age)
		h.Members = append(h.Members, &tuopin.Member{
			Name:      p.surname + p.name,
			Sex:       p.sex,
			BirthDate: birth,
			IDNumber:  g.idNumber(birth, p.sex),
			Relation:  p.rel,
			Education: p.edu,
			Health:    p.health,
			Skill:     p.skill,
		})
	}
	if g.details != nil {
		g.details.household(h, ms, workers, total)
	}
	return h
}

// birthDate returns a random date on which someone born then is age at asOf.
func (g *generator) birthDate(age int) time.Time {
	earliest := asOf.AddDate(-age-1, 0, 1) // the day after the (age+1)th birthday boundary
	return earliest.AddDate(0, 0, g.rng.IntN(365))
}

// idNumber issues a unique GB 11643 number: the county's area code, the
// birth date, a sequence whose last digit is odd for men and even for
// women, and the check character.
func (g *generator) idNumber(birth time.Time, sex string) string {
	for {
		seq := g.rng.IntN(100)*10 + 2*g.rng.IntN(5)
		if sex == male {
			seq++
		}
		if seq == 0 {
			continue
		}
		first17 := fmt.Sprintf("%s%s%03d", CountyCode, birth.Format("20060102"), seq)
		if g.ids[first17] {
			continue
		}
		g.ids[first17] = true
		return first17 + string(tuopin.IDCheckChar(first17))
	}
}

// mobilePrefixes are three-digit prefixes of the mainland operators in use
// in 2016.
var mobilePrefixes = []string{
	"130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
	"150", "151", "152", "153", "155", "156", "157", "158", "159",
	"177", "178", "180", "182", "183", "185", "186", "187", "188", "189",
}

// phone returns a unique random mobile number, or "" for the households
// without one (more often the old living alone).
func (g *generator) phone(oldAlone bool) string {
	if g.chance(ifElse(oldAlone, 0.55, 0.12)) {
		return ""
	}
	for {
		p := fmt.Sprintf("%s%08d", mobilePrefixes[g.rng.IntN(len(mobilePrefixes))], g.rng.IntN(100_000_000))
		if !g.phones[p] {
			g.phones[p] = true
			return p
		}
	}
}

// names ---------------------------------------------------------------------

// surnames are common surnames of 河池 (Zhuang, Yao and Han), with demo
// weights: 韦 and 覃 lead, as they do in the Zhuang counties.
var (
	surnameList    = []string{"韦", "覃", "黄", "蓝", "罗", "莫", "陆", "牙", "卢", "潘", "李", "陈", "廖", "梁", "何", "班", "蒙", "杨", "吴", "谭", "岑", "农", "刘", "王", "银", "周", "唐", "盘"}
	surnameWeights = []float64{20, 12, 10, 6, 6, 5, 4, 4, 3, 3, 4, 3, 2, 2, 2, 2, 2, 2, 1.5, 1.5, 1, 1, 1.5, 1.5, 1, 1, 1, 0.5}
)

// surname draws a surname; not is a surname to avoid (a spouse's), which
// is still chosen one time in ten: same-surname marriages do occur.
func (g *generator) surname(not string) string {
	for {
		s := surnameList[g.pick(surnameWeights)]
		if s != not || g.chance(0.1) {
			return s
		}
	}
}

// Characters for given names by sex and generation. The lists are the
// project's own.
var givenChars = map[string][3]string{
	// born before 1965, 1965–1994, from 1995
	male:   {"文国志明德福金才成光生忠仁昌贵有荣树华兴永发正日山保家汉", "建军海勇强伟林平东春高宏新桂小志朝云峰健庆绍江世红彬", "浩宇俊杰豪鑫晨博涛子轩毅铭思泽瑞航一睿嘉宏凯乐天"},
	female: {"秀英兰桂凤美玉金花珍梅爱月妹芝菊香琼翠娥莲彩群", "丽春燕红艳霞芳敏娟萍玲莉冬海雪慧静明秋美凤兰桃", "婷欣怡琪雨涵佳悦诗梦颖晓萱思雅可妍琳蕾彤欢妮"},
}

// name gives every member a given name (one or two characters, chosen by
// sex and birth cohort), unique within the household.
func (g *generator) name(ms []*person) {
	used := map[string]bool{}
	for _, p := range ms {
		born := asOf.Year() - p.age
		gen := 0
		switch {
		case born >= 1995:
			gen = 2
		case born >= 1965:
			gen = 1
		}
		chars := []rune(givenChars[p.sex][gen])
		for {
			n := string(chars[g.rng.IntN(len(chars))])
			if g.chance(0.85) {
				n += string(chars[g.rng.IntN(len(chars))])
			}
			if utf8Len(n) == 2 && n[:3] == n[3:] && !g.chance(0.3) {
				continue // doubled characters (丽丽) only now and then
			}
			if !used[p.surname+n] {
				used[p.surname+n] = true
				p.name = n
				break
			}
		}
	}
}

func utf8Len(s string) int { return len([]rune(s)) }
