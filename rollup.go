package tuopin

import (
	"context"
	"strconv"
	"time"
)

// Roll-ups are per-area, per-year aggregates of the registry, kept current
// in the same transaction as every household change, so that a dashboard
// cell reads a few indexed rows instead of scanning the households below an
// area. Each roll-up row is (year, area prefix, metric) → value, for every
// level from the nation ("") down to the village.
//
// Metric keys are stable strings. Values are persisted: never rename a key.
//
//	households, persons                     every registered household / member
//	poor_households, poor_persons           IsPoorStatus
//	exited_households, exited_persons       IsExitedStatus
//	status:<code>, status_persons:<code>    by 脱贫状态
//	cause:<code>                            households by main cause
//	attribute:<code>                        households by 贫困户属性
//	gap_food, gap_house, gap_water          households with that 两不愁三保障 gap
//	gap_school, gap_uninsured               persons: children out of school, uninsured
//	gap_any                                 households with at least one gap
//	income_band:<band>                      households by IncomeBandOf
const (
	MetricHouseholds       = "households"
	MetricPersons          = "persons"
	MetricPoorHouseholds   = "poor_households"
	MetricPoorPersons      = "poor_persons"
	MetricExitedHouseholds = "exited_households"
	MetricExitedPersons    = "exited_persons"
	MetricStatusPrefix     = "status:"
	MetricStatusPersons    = "status_persons:"
	MetricCausePrefix      = "cause:"
	MetricAttributePrefix  = "attribute:"
	MetricGapFood          = "gap_food"
	MetricGapSchool        = "gap_school"
	MetricGapUninsured     = "gap_uninsured"
	MetricGapHouse         = "gap_house"
	MetricGapWater         = "gap_water"
	MetricGapAny           = "gap_any"
	MetricIncomeBandPrefix = "income_band:"
)

// GapMetrics lists the 两不愁三保障 gap metrics in display order.
var GapMetrics = []string{MetricGapFood, MetricGapSchool, MetricGapUninsured, MetricGapHouse, MetricGapWater, MetricGapAny}

// HouseholdMetrics returns what one household contributes to the roll-ups
// of every area above it. Storage adds it on create, subtracts the old and
// adds the new contribution on change, and a rebuild sums it over the
// registry: the one definition of each metric.
func HouseholdMetrics(h *Household) map[string]int64 {
	size := int64(h.Size)
	m := map[string]int64{
		MetricHouseholds:                    1,
		MetricPersons:                       size,
		MetricStatusPrefix + h.Status:       1,
		MetricStatusPersons + h.Status:      size,
		MetricCausePrefix + h.MainCause:     1,
		MetricAttributePrefix + h.Attribute: 1,
	}
	if IsPoorStatus(h.Status) {
		m[MetricPoorHouseholds], m[MetricPoorPersons] = 1, size
	}
	if IsExitedStatus(h.Status) {
		m[MetricExitedHouseholds], m[MetricExitedPersons] = 1, size
	}
	ind := h.Indicators
	if ind.IncomeBand != "" {
		m[MetricIncomeBandPrefix+ind.IncomeBand] = 1
	}
	any := false
	for _, g := range []struct {
		key string
		n   int64
	}{
		{MetricGapFood, b2i(ind.FoodClothingGap)},
		{MetricGapSchool, int64(ind.OutOfSchool)},
		{MetricGapUninsured, int64(ind.Uninsured)},
		{MetricGapHouse, b2i(ind.UnsafeHouse)},
		{MetricGapWater, b2i(ind.UnsafeWater)},
	} {
		if g.n > 0 {
			m[g.key] = g.n
			any = true
		}
	}
	if any {
		m[MetricGapAny] = 1
	}
	return m
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// RollupMetrics returns every metric key that HouseholdMetrics can give for
// the codes valid in a year: the six totals, then status:, status_persons:,
// cause: and attribute: for each code, in code-table order.
// AreaStats.Metrics holds each of them (zero when no household has it).
func RollupMetrics(codes *CodeSet, year int) []string {
	keys := []string{MetricHouseholds, MetricPersons, MetricPoorHouseholds, MetricPoorPersons,
		MetricExitedHouseholds, MetricExitedPersons}
	for _, c := range codes.List(CodeStatus, year) {
		keys = append(keys, MetricStatusPrefix+c.Code)
	}
	for _, c := range codes.List(CodeStatus, year) {
		keys = append(keys, MetricStatusPersons+c.Code)
	}
	for _, c := range codes.List(CodeCause, year) {
		keys = append(keys, MetricCausePrefix+c.Code)
	}
	for _, c := range codes.List(CodeAttribute, year) {
		keys = append(keys, MetricAttributePrefix+c.Code)
	}
	keys = append(keys, GapMetrics...)
	for _, b := range IncomeBands {
		keys = append(keys, MetricIncomeBandPrefix+b)
	}
	return keys
}

// RollupReport is the result of comparing the stored roll-ups with a
// recomputation from the raw household rows.
type RollupReport struct {
	Years    []int `json:"years"`
	Rows     int   `json:"rows"`     // roll-up rows compared
	Mismatch int   `json:"mismatch"` // rows whose value differs or is missing
	// Examples names up to 20 mismatches as "2016 451224 persons: stored 10, computed 12".
	Examples []string      `json:"examples,omitempty"`
	Took     time.Duration `json:"took"`
}

// RollupService maintains the roll-ups. Reading them goes through
// AreaService.FindAreaStats. Only an admin may call these (EFORBIDDEN).
type RollupService interface {
	// RebuildRollups recomputes the roll-ups of a year (0 = every year)
	// from the raw household rows, in one transaction, after bulk loads.
	RebuildRollups(ctx context.Context, year int) (*RollupReport, error)

	// CheckRollups recomputes without writing and reports differences.
	CheckRollups(ctx context.Context, year int) (*RollupReport, error)
}

// ExitPlan is a year's exit plan (脱贫计划) for one township or village:
// how many households and persons are to exit, and the time nodes by which
// cumulative parts of it are due. The wall chart compares actual exits with
// it.
type ExitPlan struct {
	Year       int        `json:"year"`
	AreaCode   string     `json:"area_code"` // 12-digit code of a township or village
	Households int        `json:"households"`
	Persons    int        `json:"persons"`
	Nodes      []PlanNode `json:"nodes"`
	UpdatedAt  time.Time  `json:"updated_at"`
	UpdatedBy  string     `json:"updated_by"`
}

// PlanNode is a time node (时间节点): by Date, at least Households and
// Persons of the plan are to have exited (cumulative).
type PlanNode struct {
	Date       time.Time `json:"date"`
	Households int       `json:"households"`
	Persons    int       `json:"persons"`
}

// Validate checks a plan's shape: nodes in date order within the year,
// cumulative and not above the plan.
func (p *ExitPlan) Validate() error {
	var f Fields
	if p.Year < 2013 || p.Year > 2100 {
		f.Add("year", "invalid_year", "Year must be between 2013 and 2100.")
	}
	if !IsCode12(p.AreaCode) {
		f.Add("area_code", "invalid_code", "Area code must be 12 digits.")
	} else if l := LevelOfCode(p.AreaCode); l != LevelTownship && l != LevelVillage {
		f.Add("area_code", "not_township_or_village", "A plan is set for a township or a village.")
	}
	if p.Households < 0 {
		f.Add("households", "negative", "Households cannot be negative.")
	}
	if p.Persons < p.Households {
		f.Add("persons", "fewer_than_households", "Persons cannot be fewer than households.")
	}
	for i, n := range p.Nodes {
		key := "nodes[" + strconv.Itoa(i) + "]."
		if n.Date.Year() != p.Year {
			f.Add(key+"date", "outside_year", "A time node must fall within %d.", p.Year)
		}
		if i > 0 {
			prev := p.Nodes[i-1]
			if !n.Date.After(prev.Date) {
				f.Add(key+"date", "not_increasing", "Time nodes must be in date order.")
			}
			if n.Households < prev.Households || n.Persons < prev.Persons {
				f.Add(key+"households", "not_cumulative", "Time node targets are cumulative and may not decrease.")
			}
		}
		if n.Households > p.Households || n.Persons > p.Persons {
			f.Add(key+"households", "above_plan", "A time node's target cannot exceed the year's plan.")
		}
		if n.Households < 0 || n.Persons < 0 {
			f.Add(key+"households", "negative", "Targets cannot be negative.")
		}
	}
	return f.Err()
}

// Due returns the cumulative targets due by a date: the last node on or
// before it (zero before the first node).
func (p *ExitPlan) Due(at time.Time) PlanNode {
	var due PlanNode
	for _, n := range p.Nodes {
		if !n.Date.After(at) {
			due = n
		}
	}
	return due
}

// PlanService keeps the exit plans. Reads follow the caller's scope;
// setting a plan needs RoleAdmin or RoleCountyAdmin and appends an audit
// entry ("plan.set").
type PlanService interface {
	// FindPlans returns the plans of a year for the direct children of an
	// area (code "" = the caller's scope), keyed by the child's 12-digit code.
	FindPlans(ctx context.Context, year int, parentCode string) (map[string]*ExitPlan, error)

	// SetPlan stores (replaces) the plan of one area. Returns EINVALID for
	// bad fields, an unknown area or one outside scope (field area_code).
	SetPlan(ctx context.Context, p *ExitPlan, reason string) error
}
