package tuopin

import (
	"context"
	"fmt"
	"time"
)

// ActionYearStart is the audit action of a registry year start.
const ActionYearStart = "year.start"

// RegistryYear records one start of a registry year (年度结转): the
// households of FromYear under AreaCode were copied into Year, and
// FromYear is closed for writes there from then on.
type RegistryYear struct {
	// AreaCode is a county's 6 digits, or "" for the whole registry.
	AreaCode  string    `json:"area_code"`
	Year      int       `json:"year"`
	FromYear  int       `json:"from_year"`
	StartedAt time.Time `json:"started_at"`
	StartedBy string    `json:"started_by"`
	// Households counts the households copied, over every run.
	Households int `json:"households"`
}

// YearStart is the outcome (or, from PlanStartYear, the preview) of
// starting registry year To from From under Area.
type YearStart struct {
	From int    `json:"from"`
	To   int    `json:"to"`
	Area string `json:"area"`
	// Source counts the households of From under Area.
	Source int `json:"source"`
	// Present counts those that To holds already (copied by an earlier
	// run, or entered by hand), which a start leaves alone.
	Present int `json:"present"`
	// Households and Members count what this start copies (or would).
	Households int `json:"households"`
	Members    int `json:"members"`
	// Started is set when a start under Area (or the whole registry) has
	// been recorded before.
	Started *RegistryYear `json:"started,omitempty"`
}

// CountyYears is one county's row of the years page: its households per
// registry year and the starts recorded for it.
type CountyYears struct {
	Code string `json:"code"` // 6 digits
	Name string `json:"name"`
	// Households by year, for the years that hold any.
	Households map[int]int `json:"households"`
	// Starts holds the starts that cover the county (its own and the
	// whole registry's), by the year started.
	Starts map[int]*RegistryYear `json:"starts"`
}

// ClosedBy returns the start that closed year for the county, or nil.
func (c *CountyYears) ClosedBy(year int) *RegistryYear {
	for _, s := range c.Starts {
		if s.FromYear == year {
			return s
		}
	}
	return nil
}

// ErrYearClosed returns the EINVALID error for a write to a household of
// year after the year was carried forward to next. It names no field: the
// whole record is closed. The message is given in Chinese and English,
// since it carries the years.
func ErrYearClosed(year, next int) error {
	return Errorf(EINVALID, "%d 年度已结转到 %d 年度，请修改 %d 年度记录。Registry year %d was carried forward to %d: change the %d record instead.",
		year, next, next, year, next, next)
}

// CheckYearStart checks the years of a start: To follows From, and To is
// at most next year.
func CheckYearStart(from, to int, now time.Time) error {
	var f Fields
	if from < 2013 || from > now.Year()+1 {
		f.Add("from", "invalid_year", "Year %d is not a registry year.", from)
	}
	if to <= from {
		f.Add("to", "not_after", "The new year must come after %d.", from)
	} else if to > now.Year()+1 {
		f.Add("to", "invalid_year", "Year %d is too far ahead: at most %d.", to, now.Year()+1)
	}
	return f.Err()
}

// YearService starts registry years.
type YearService interface {
	// StartYear copies every household of year from under area (a
	// county's 6-digit prefix, or "" for the whole registry) with its
	// members into year to, where to does not hold its number yet, in one
	// transaction: roll-ups of to, a "year_started" event per household
	// copied and one "year.start" audit entry. It is idempotent: a second
	// run copies only what is missing. From then on the households of
	// from under area are closed for writes (ErrYearClosed). An admin may
	// start any area inside its scope, a county admin its own county
	// (area "" means the caller's county). Returns EFORBIDDEN for other
	// roles or areas, EINVALID for bad years, an area that is not a
	// county, a from without households there, to started from another
	// year, or an ID number that to holds already in another household.
	StartYear(ctx context.Context, from, to int, area string) (*YearStart, error)

	// PlanStartYear counts what StartYear would copy, writing nothing;
	// the same checks apply.
	PlanStartYear(ctx context.Context, from, to int, area string) (*YearStart, error)

	// FindCountyYears lists the counties of the caller's scope that hold
	// households (its own county, for a county user) with their households
	// per year and their starts. A caller below a county sees its own
	// scope's counts under its county.
	FindCountyYears(ctx context.Context) ([]*CountyYears, error)
}

// String names a start as logs do: "2016→2017 451224".
func (y *YearStart) String() string {
	area := y.Area
	if area == "" {
		area = "registry"
	}
	return fmt.Sprintf("%d→%d %s", y.From, y.To, area)
}
