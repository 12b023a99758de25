package demo

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/tuopin/tuopin"
)

// The national field set of the demo households: identification, income
// components that add up to the generated per-capita income, housing and
// water, the help cadre, and for members ethnicity, school status,
// insurance and work. The figures are plausible for a poor county in
// western Guangxi in 2016, not measured: rates are the generator's own.
//
// Details draw from their own random stream (detailRNG), so that adding
// or changing a detail leaves the households, members and incomes that
// the rest of the generator draws unchanged.

// helpUnits are county bodies that pair cadres with households.
var helpUnits = []string{"东兰县扶贫开发办公室", "东兰县农业局", "东兰县教育局", "东兰县卫生和计划生育局",
	"东兰县水利局", "东兰县交通运输局", "东兰县财政局", "东兰县人力资源和社会保障局", "东兰县民政局",
	"东兰县住房和城乡建设局", "东兰县林业局", "东兰县供电公司"}

var helpTitles = []string{"科员", "副股长", "股长", "副局长", "干部", "技术员"}

func detailRNG(seed int64) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), 0x6465_7461_696c)) // "detail"
}

type detailGen struct {
	rng *rand.Rand
}

func (d *detailGen) chance(p float64) bool { return d.rng.Float64() < p }

func (d *detailGen) pick(weights []float64) int {
	sum := 0.0
	for _, w := range weights {
		sum += w
	}
	x := d.rng.Float64() * sum
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

func (d *detailGen) between(lo, hi int) int { return lo + d.rng.IntN(hi-lo+1) }

// yn returns "1" with probability p, else "0".
func (d *detailGen) yn(p float64) string { return ifElse(d.chance(p), tuopin.Yes, tuopin.No) }

// household fills h.Details and its members' details. ms are the
// generator's persons in member order; total is the household's net
// income in yuan, which the components must add up to.
func (d *detailGen) household(h *tuopin.Household, ms []*person, workers int, total int64) {
	poor := h.Status == tuopin.StatusPoor
	det := map[string]string{
		"standard":              "1",
		"first_identified_year": strconv.Itoa([]int{2014, 2015, 2016}[d.pick([]float64{80, 12, 8})]),
		"group_name":            fmt.Sprintf("%d组", d.between(1, 12)),
	}
	if h.Status == tuopin.StatusPreExit {
		det["planned_exit_year"] = "2016"
	} else {
		det["planned_exit_year"] = strconv.Itoa([]int{2017, 2018, 2019}[d.pick([]float64{45, 35, 20})])
	}
	// One or two further causes besides the main one.
	var others []string
	for _, c := range []string{"05", "07", "08", "09", "10"} {
		if c != h.MainCause && d.chance(0.18) && len(others) < 2 {
			others = append(others, c)
		}
	}
	if len(others) > 0 {
		det["other_causes"] = joinCodes(others)
	}

	d.income(det, h, ms, workers, total)

	// Housing: the poorest more often in C/D-grade houses; the exit batch
	// has been rehoused or repaired (安全住房 is an exit condition).
	grade := []string{"A", "B", "C", "D"}[d.pick(ifElse(poor, []float64{38, 30, 20, 12}, []float64{62, 36, 2, 0}))]
	det["house_grade"] = grade
	det["house_structure"] = []string{"2", "3", "5", "9"}[d.pick(ifElse(grade >= "C", []float64{5, 45, 48, 2}, []float64{45, 45, 8, 2}))]
	det["housing_area"] = strconv.Itoa(d.between(25, 40) * (2 + h.Size) / 2)
	det["house_built_year"] = strconv.Itoa(d.between(1975, 2015))
	det["water_safe"] = d.yn(ifElse(poor, 0.86, 0.99))
	det["water_difficult"] = ifElse(det["water_safe"] == tuopin.No && d.chance(0.6), tuopin.Yes, tuopin.No)
	det["water_source"] = []string{"1", "2", "3", "5"}[d.pick(ifElse(det["water_safe"] == tuopin.Yes, []float64{35, 60, 3, 2}, []float64{0, 10, 55, 35}))]
	det["food_secure"] = d.yn(ifElse(poor, 0.985, 1))
	det["clothing_secure"] = d.yn(ifElse(poor, 0.99, 1))
	det["farmland_area"] = fmt.Sprintf("%.1f", 0.4+d.rng.Float64()*1.2*float64(h.Size))
	det["forest_area"] = strconv.Itoa(d.between(0, 25))
	det["production_power"] = d.yn(0.97)
	det["living_power"] = d.yn(0.995)
	det["tv"] = d.yn(0.9)
	det["road_type"] = []string{"1", "2", "3"}[d.pick([]float64{30, 25, 45})]
	det["road_distance"] = fmt.Sprintf("%.1f", d.rng.Float64()*2.5)
	det["fuel"] = []string{"1", "2", "3", "4"}[d.pick([]float64{78, 2, 8, 12})]
	det["sanitary_toilet"] = d.yn(0.42)
	det["cooperative"] = d.yn(ifElse(workers > 0, 0.3, 0.05))
	if d.chance(0.04) {
		det["relocated"] = tuopin.Yes
		det["relocation_type"] = []string{"1", "2"}[d.pick([]float64{80, 20})]
	}
	// The help cadre (帮扶责任人) on file.
	chars := []rune(givenChars[ifElse(d.chance(0.6), male, female)][1])
	det["helper_name"] = surnameList[d.pick(surnameWeights)] + string(chars[d.rng.IntN(len(chars))]) + string(chars[d.rng.IntN(len(chars))])
	det["helper_unit"] = helpUnits[d.rng.IntN(len(helpUnits))]
	det["helper_title"] = helpTitles[d.rng.IntN(len(helpTitles))]
	det["helper_phone"] = fmt.Sprintf("13%d%08d", d.between(0, 9), d.rng.IntN(100_000_000))
	h.Details = det

	dibao := h.Attribute == "04" || h.Attribute == "07"
	for i, p := range ms {
		h.Members[i].Details = d.member(p, dibao, h.Attribute == "06")
		if p.student {
			// 文化程度 and 在校生状况 exclude each other.
			h.Members[i].Education = ""
		}
	}
}

// income splits a net income of total yuan into the national components:
// transfers first (allowances, pensions of the old, eco compensation),
// property, business net of its expenses, and wages for the rest.
func (d *detailGen) income(det map[string]string, h *tuopin.Household, ms []*person, workers int, total int64) {
	var transfers int64
	set := func(k string, v int64) {
		det[k] = tuopin.Money(v * 100).Yuan()
	}
	if h.Attribute == "04" || h.Attribute == "07" {
		v := int64(d.between(80, 140)) * 12 * int64(h.Size) / 2
		set(tuopin.TransferDibao, v)
		transfers += v
	}
	if h.Attribute == "06" {
		v := int64(d.between(250, 350)) * 12
		set(tuopin.TransferTekun, v)
		transfers += v
	}
	old := 0
	for _, p := range ms {
		if p.age >= 60 {
			old++
		}
	}
	// The basic resident pension (about 75 yuan a month) is paid on top:
	// Guangxi's counting rule leaves it out of net income (the seeded
	// income_excluded parameter), so it is not part of total.
	pension := int64(0)
	if old > 0 {
		pension = int64(old) * 75 * 12
		set(tuopin.TransferPension, pension)
	}
	if d.chance(0.5) {
		v := int64(d.between(50, 400))
		set("transfer_eco", v)
		transfers += v
	}
	if transfers > total {
		// Allowances alone exceed the generated income: keep the income,
		// scale the allowances down into it.
		for _, k := range []string{tuopin.TransferDibao, tuopin.TransferTekun, "transfer_eco"} {
			delete(det, k)
		}
		set(tuopin.TransferDibao, total)
		transfers = total
	}
	if transfers+pension > 0 {
		set(tuopin.IncomeTransfer, transfers+pension)
	}
	rest := total - transfers
	property := int64(0)
	if rest > 200 && d.chance(0.25) {
		property = int64(d.between(50, 200))
		set(tuopin.IncomeProperty, property)
		if d.chance(0.5) {
			set(tuopin.IncomeDividend, property)
		}
	}
	rest -= property
	// Business (farming) net income takes 20–60% of the rest, or all of
	// it in a household without labour out at work.
	share := 0.2 + 0.4*d.rng.Float64()
	if workers == 0 {
		share = 1
	}
	businessNet := int64(float64(rest) * share)
	expense := businessNet * int64(d.between(15, 35)) / 100
	set(tuopin.IncomeBusiness, businessNet+expense)
	set(tuopin.ExpenseBusiness, expense)
	wage := rest - businessNet
	set(tuopin.IncomeWage, wage)
	if wage > 3000 && d.chance(0.15) {
		set(tuopin.IncomePublicJob, int64(d.between(3, 6))*500)
	}
}

// member returns the details of one member.
func (d *detailGen) member(p *person, dibao, tekun bool) map[string]string {
	det := map[string]string{
		"id_type":   "1",
		"ethnicity": []string{"08", "13", "01", "32"}[d.pick([]float64{86, 8, 5, 1})], // 壮, 瑶, 汉, 仫佬
	}
	if p.age >= 18 {
		det["political_status"] = ifElse(d.chance(0.035), "01", "13")
		det["mandarin"] = d.yn(ifElse(p.age < 50, 0.95, 0.55))
	}
	switch a := p.age; {
	case p.student:
		det["school_status"] = schoolStatus(a, d)
	case a < 3:
	case a < 6:
		det["school_status"] = ifElse(d.chance(0.7), "02", "01")
	case a <= 15:
		// Of compulsory-school age and not a pupil: a dropout.
		det["dropout_reason"] = []string{"家庭困难", "厌学", "疾病"}[d.pick([]float64{40, 45, 15})]
	}
	ins := d.yn(0.975)
	det["resident_medical_insurance"] = ins
	det["critical_illness_insurance"] = ins
	if p.age >= 16 && !p.student {
		det["resident_pension"] = d.yn(0.82)
	}
	if dibao {
		det["dibao"] = tuopin.Yes
	}
	if tekun {
		det["tekun"] = tuopin.Yes
	}
	if p.health == disabled {
		det["disability_type"] = []string{"1", "2", "4", "5", "6"}[d.pick([]float64{15, 15, 45, 12, 13})]
		det["disability_cert_year"] = strconv.Itoa(d.between(2008, 2016))
	}
	if canWork(p) && p.age >= 16 && d.chance(0.45) {
		det["work_months"] = strconv.Itoa(d.between(4, 12))
		det["work_place"] = []string{"2", "3", "4"}[d.pick([]float64{15, 35, 50})]
		if det["work_place"] == "4" {
			det["employer"] = []string{"广东省东莞市某电子厂", "广东省佛山市某家具厂", "广东省深圳市某建筑公司", "浙江省宁波市某服装厂"}[d.rng.IntN(4)]
		}
	}
	return det
}

// schoolStatus is the 在校生状况 code of a pupil of an age.
func schoolStatus(age int, d *detailGen) string {
	switch {
	case age < 6:
		return "02"
	case age <= 11:
		return "03"
	case age <= 14:
		return "04"
	case age <= 18:
		return ifElse(d.chance(0.7), "05", "06")
	}
	return ifElse(d.chance(0.6), "07", "09")
}

func joinCodes(cs []string) string {
	out := ""
	for i, c := range cs {
		if i > 0 {
			out += ","
		}
		out += c
	}
	return out
}
