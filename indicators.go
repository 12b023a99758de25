package tuopin

import "time"

// Indicators are what a dashboard counts of a household beyond its status:
// the 两不愁三保障 gaps (domain.md §2.1: 不愁吃、不愁穿, 义务教育, 基本医疗,
// 住房安全, plus 饮水安全) and where its income per capita stands against the
// year's poverty line. Storage derives them on every write (Derive) and
// keeps them in columns, so that roll-ups stay a GROUP BY over households.
type Indicators struct {
	FoodClothingGap bool `json:"food_clothing_gap,omitempty"` // 不愁吃 or 不愁穿 recorded 否
	// OutOfSchool counts members of compulsory-school age (6–15 at the
	// end of the registry year) with no in-school status.
	OutOfSchool int `json:"out_of_school,omitempty"`
	// Uninsured counts members recorded as in neither the resident nor the
	// employee basic medical insurance.
	Uninsured   int  `json:"uninsured,omitempty"`
	UnsafeHouse bool `json:"unsafe_house,omitempty"` // 危房等级 C or D
	UnsafeWater bool `json:"unsafe_water,omitempty"` // 饮水安全 recorded 否
	// IncomeBand places income per capita against the poverty line in
	// force (IncomeBand* constants).
	IncomeBand string `json:"income_band,omitempty"`
}

// Income bands against the year's poverty line. "near" (up to 10% above
// the line) is where made-up incomes crowd (threshold heaping, 数字脱贫).
const (
	IncomeBandBelow  = "below"  // < line
	IncomeBandNear   = "near"   // line ≤ x < 1.1 × line
	IncomeBandAbove  = "above"  // 1.1 × line ≤ x < 1.5 × line
	IncomeBandHigh   = "high"   // ≥ 1.5 × line
	IncomeBandNoLine = "noline" // no poverty line is set for the year and region
)

// IncomeBands lists the bands in display order.
var IncomeBands = []string{IncomeBandBelow, IncomeBandNear, IncomeBandAbove, IncomeBandHigh, IncomeBandNoLine}

// Compulsory-education ages: 《义务教育法》 (2018 revision) art. 11 has
// children start at six and the nine years run to about fifteen. These are
// law, not yearly policy, hence constants.
const (
	CompulsorySchoolFrom = 6
	CompulsorySchoolTo   = 15
)

// IncomeBandOf returns the band of an income per capita against a line;
// ok false (no line) gives IncomeBandNoLine.
func IncomeBandOf(income, line Money, ok bool) string {
	switch {
	case !ok || line <= 0:
		return IncomeBandNoLine
	case income < line:
		return IncomeBandBelow
	case int64(income)*10 < int64(line)*11:
		return IncomeBandNear
	case int64(income)*10 < int64(line)*15:
		return IncomeBandAbove
	}
	return IncomeBandHigh
}

// Derive computes the household's indicators, given the poverty line in
// force for its year and area (ok false when none is set).
func (h *Household) Derive(line Money, ok bool) {
	ind := Indicators{
		FoodClothingGap: h.Details["food_secure"] == No || h.Details["clothing_secure"] == No,
		UnsafeHouse:     h.Details["house_grade"] == "C" || h.Details["house_grade"] == "D",
		UnsafeWater:     h.Details["water_safe"] == No,
		IncomeBand:      IncomeBandOf(h.IncomePerCapita, line, ok),
	}
	yearEnd := time.Date(h.Year, 12, 31, 0, 0, 0, 0, time.UTC)
	for _, m := range h.Members {
		if !m.BirthDate.IsZero() {
			age := AgeAt(m.BirthDate, yearEnd)
			if age >= CompulsorySchoolFrom && age <= CompulsorySchoolTo && !InSchoolStatuses[m.Details["school_status"]] {
				ind.OutOfSchool++
			}
		}
		r, e := m.Details["resident_medical_insurance"], m.Details["employee_medical_insurance"]
		if r != Yes && e != Yes && (r == No || e == No) {
			ind.Uninsured++
		}
	}
	h.Indicators = ind
}

// AgeAt returns the age in whole years of someone born on birth, at t.
func AgeAt(birth, t time.Time) int {
	age := t.Year() - birth.Year()
	if t.Month() < birth.Month() || t.Month() == birth.Month() && t.Day() < birth.Day() {
		age--
	}
	return age
}
