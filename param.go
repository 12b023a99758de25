package tuopin

import (
	"context"
	"sort"
	"strconv"
	"strings"
)

// Parameters are the thresholds that policy sets by year and region: the
// poverty line (扶贫标准), the monitoring line of 防返贫动态监测, exit
// thresholds. They are data, never constants in code (domain.md §2): a
// province sets its own, and the figures change every year.
//
// A parameter applies to a region given as an area prefix ("" = national,
// "52" = 贵州省, "451224" = 东兰县); the most specific region that covers an
// area wins.

// Parameter kinds. Values are persisted: never rename them.
const (
	ParamPovertyLine    = "poverty_line"    // 扶贫标准, yuan per person per year
	ParamMonitoringLine = "monitoring_line" // 防返贫监测收入线, yuan per person per year
)

// Parameter is one threshold for a year and a region.
type Parameter struct {
	Kind   string `json:"kind"`
	Year   int    `json:"year"`
	Region string `json:"region"` // area prefix, "" = national
	Value  Money  `json:"value"`
	// Verified tells whether the figure was checked against a public
	// source; Source names it (or says why it is unverified). A county
	// admin confirms or corrects unverified figures.
	Verified bool   `json:"verified"`
	Source   string `json:"source"`
}

// DefaultParameters is the seed of the parameter tables, with the status
// each figure has in domain.md §2.1 and §2.4. Edit them in the application,
// not here: this list only seeds a new database.
var DefaultParameters = []Parameter{
	{Kind: ParamPovertyLine, Year: 2015, Value: 2855_00, Verified: true,
		Source: "domain.md §2.1: 2855 元, 相当于2010年2300元不变价 (municipal 认定流程, 360docs.net/doc/0026506379.html)"},
	{Kind: ParamPovertyLine, Year: 2020, Value: 4000_00, Verified: false,
		Source: "domain.md §2.1: 4000 元 as the default 同期国家扶贫标准 of a household exit form; UNVERIFIED as official"},
	{Kind: ParamMonitoringLine, Year: 2023, Region: "52", Value: 7300_00, Verified: false,
		Source: "domain.md §2.4: Guizhou rule 1_02_006 (Gzuwkj/fuping) uses 7300 元 for 2023; found in code, not in an official text"},
}

// ParamSet is a lookup over parameters.
type ParamSet struct {
	byKey map[string][]Parameter // kind|year → most specific region first
}

// NewParamSet indexes a list of parameters.
func NewParamSet(params []Parameter) *ParamSet {
	s := &ParamSet{byKey: make(map[string][]Parameter)}
	for _, p := range params {
		k := paramKey(p.Kind, p.Year)
		s.byKey[k] = append(s.byKey[k], p)
	}
	for _, list := range s.byKey {
		sort.SliceStable(list, func(i, j int) bool { return len(list[i].Region) > len(list[j].Region) })
	}
	return s
}

func paramKey(kind string, year int) string { return kind + "|" + strconv.Itoa(year) }

// Lookup returns the parameter of a kind in force for an area code in a
// year: the one of the most specific region covering the code. ok is false
// when none is set; callers then say so instead of guessing a figure.
func (s *ParamSet) Lookup(kind string, year int, areaCode string) (Parameter, bool) {
	for _, p := range s.byKey[paramKey(kind, year)] {
		if strings.HasPrefix(areaCode, p.Region) {
			return p, true
		}
	}
	return Parameter{}, false
}

// Validate checks a parameter's shape.
func (p *Parameter) Validate() error {
	var f Fields
	switch p.Kind {
	case ParamPovertyLine, ParamMonitoringLine:
	default:
		f.Add("kind", "invalid_choice", "Unknown parameter kind %q.", p.Kind)
	}
	if p.Year < 2010 || p.Year > 2100 {
		f.Add("year", "invalid_year", "Year must be between 2010 and 2100.")
	}
	if _, ok := LevelOfPrefix(p.Region); !ok {
		f.Add("region", "invalid_scope", "Region must be an area code prefix of 0, 2, 4, 6, 9 or 12 digits.")
	}
	if p.Value <= 0 {
		f.Add("value", "not_positive", "The value must be positive.")
	}
	if strings.TrimSpace(p.Source) == "" {
		f.Add("source", "required", "Name the source of the figure (a document number or a URL).")
	}
	return f.Err()
}

// ParamService keeps the parameter tables. Reading is open to every
// logged-in user; setting a parameter needs RoleAdmin for national figures
// and RoleCountyAdmin for a region inside its scope, and is audited.
type ParamService interface {
	// FindParamSet returns every parameter.
	FindParamSet(ctx context.Context) (*ParamSet, error)

	// SetParameter stores (replaces) the parameter of a kind, year and
	// region. Returns EINVALID for bad fields or a region outside scope.
	SetParameter(ctx context.Context, p *Parameter, reason string) error
}
