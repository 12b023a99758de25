package tuopin

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Parameters are the thresholds and counting rules that policy sets by
// year and region: the poverty line (扶贫标准), the monitoring line of
// 防返贫动态监测, the income components a province does not count. They are
// data, never constants in code (domain.md §2): a province sets its own,
// and the figures change every year.
//
// A parameter applies to a region given as an area prefix ("" = national,
// "52" = 贵州省, "451224" = 东兰县); the most specific region that covers an
// area wins. So a county may override its province, and a province the
// nation, for one kind and year.

// Parameter kinds. Values are persisted: never rename them.
const (
	ParamPovertyLine    = "poverty_line"    // 扶贫标准, yuan per person per year
	ParamMonitoringLine = "monitoring_line" // 防返贫监测收入线, yuan per person per year
	// ParamIncomeExcluded is a counting rule, not a figure: its Text lists
	// the income components (IncomeComponentKeys) that do not count
	// towards per-capita net income in that year and region, comma
	// separated. Guangxi's exit form, for one, counts income "不含基础养老金、
	// C类低保金、临时性救助捐助" (domain.md §1.2). An empty list says that
	// everything counts, which overrides a wider region's list.
	ParamIncomeExcluded = "income_excluded"
)

// ParamKinds lists the parameter kinds in display order.
var ParamKinds = []string{ParamPovertyLine, ParamMonitoringLine, ParamIncomeExcluded}

// ParamIsText reports whether a kind holds Text rather than a Value.
func ParamIsText(kind string) bool { return kind == ParamIncomeExcluded }

// Parameter is one threshold or rule for a year and a region.
type Parameter struct {
	Kind   string `json:"kind"`
	Year   int    `json:"year"`
	Region string `json:"region"` // area prefix, "" = national
	// RegionName is the region's area name when it is a stored area,
	// filled by listings ("" for the nation); it is not stored.
	RegionName string `json:"region_name,omitempty"`
	// Value is the figure of a line kind, in fen; 0 for text kinds.
	Value Money `json:"value"`
	// Text is the value of a text kind (ParamIsText), "" for line kinds.
	Text string `json:"text"`
	// Verified tells whether the figure was checked against a public
	// source; Source names it (or says why it is unverified). A county
	// admin confirms or corrects unverified figures.
	Verified bool   `json:"verified"`
	Source   string `json:"source"`
	// UpdatedAt and UpdatedBy say who last set the parameter ("system"
	// for the seed); storage fills them.
	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"`
}

// DefaultParameters is the seed of the parameter tables, with the status
// each figure has in domain.md §1.2, §2.1 and §2.4. Edit them in the
// application, not here: this list only seeds a new database.
var DefaultParameters = []Parameter{
	{Kind: ParamPovertyLine, Year: 2015, Value: 2855_00, Verified: true,
		Source: "domain.md §2.1: 2855 元, 相当于2010年2300元不变价 (municipal 认定流程, 360docs.net/doc/0026506379.html)"},
	{Kind: ParamPovertyLine, Year: 2020, Value: 4000_00, Verified: false,
		Source: "domain.md §2.1: 4000 元 as the default 同期国家扶贫标准 of a household exit form; UNVERIFIED as official"},
	{Kind: ParamMonitoringLine, Year: 2023, Region: "52", Value: 7300_00, Verified: false,
		Source: "domain.md §2.4: Guizhou rule 1_02_006 (Gzuwkj/fuping) uses 7300 元 for 2023; found in code, not in an official text"},
	guangxiPension(2016), guangxiPension(2017), guangxiPension(2018), guangxiPension(2019), guangxiPension(2020),
}

// guangxiPension is Guangxi's counting rule of a year: the basic pension
// does not count. The form states no year, so each year is unverified.
func guangxiPension(year int) Parameter {
	return Parameter{Kind: ParamIncomeExcluded, Year: year, Region: "45", Text: "transfer_pension", Verified: false,
		Source: "domain.md §1.2: Guangxi household exit form (双认定分析表), 家庭年人均纯收入不含基础养老金、C类低保金、临时性救助捐助; " +
			"the form names no year (UNVERIFIED for this one), and C类低保金 and 临时性救助捐助 are no separate income components"}
}

// ExcludedKeys returns the income component keys of a text parameter's
// list, in the order given; nil for an empty list.
func (p *Parameter) ExcludedKeys() []string {
	var out []string
	for _, k := range splitKeys(p.Text) {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// splitKeys splits a list typed with commas (also "，" and "、") or spaces.
func splitKeys(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == '，' || r == '、' || r == ';' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
}

// Normalize trims the fields and writes a text list in its canonical
// form: keys separated by ",", without repeats, known keys in the order
// of IncomeComponentKeys followed by any unknown ones (Validate refuses
// those).
func (p *Parameter) Normalize() {
	p.Kind = strings.TrimSpace(p.Kind)
	p.Region = strings.TrimSpace(p.Region)
	p.Source = strings.TrimSpace(p.Source)
	if !ParamIsText(p.Kind) {
		p.Text = strings.TrimSpace(p.Text)
		return
	}
	keys := p.ExcludedKeys()
	sort.SliceStable(keys, func(i, j int) bool { return incomeKeyRank(keys[i]) < incomeKeyRank(keys[j]) })
	p.Text = strings.Join(keys, ",")
}

// incomeKeyRank orders income component keys as IncomeComponentKeys
// does, unknown keys last.
func incomeKeyRank(k string) int {
	if i := slices.Index(IncomeComponentKeys, k); i >= 0 {
		return i
	}
	return len(IncomeComponentKeys)
}

// MaxParamSourceLen bounds a parameter's Source, in characters.
const MaxParamSourceLen = 500

// Validate checks a parameter's shape: a known kind, a year, a region
// prefix, a positive Value for a line and no Text, or a Text of known
// income component keys and no Value, and a named source.
func (p *Parameter) Validate() error {
	var f Fields
	if !slices.Contains(ParamKinds, p.Kind) {
		f.Add("kind", "invalid_choice", "Unknown parameter kind %q.", p.Kind)
	}
	if p.Year < 2010 || p.Year > 2100 {
		f.Add("year", "param_year", "Year must be between 2010 and 2100.")
	}
	if _, ok := LevelOfPrefix(p.Region); !ok {
		f.Add("region", "invalid_scope", "Region must be an area code prefix of 0, 2, 4, 6, 9 or 12 digits.")
	}
	switch {
	case ParamIsText(p.Kind):
		if p.Value != 0 {
			f.Add("value", "not_applicable", "A %s parameter has a text, not a value.", p.Kind)
		}
		for _, k := range p.ExcludedKeys() {
			if !slices.Contains(IncomeComponentKeys, k) {
				f.Add("text", "unknown_income_key", "Unknown income component %q; known are %s.", k, strings.Join(IncomeComponentKeys, ", "))
				break
			}
		}
	case p.Kind != "":
		if p.Value <= 0 {
			f.Add("value", "not_positive", "The value must be positive.")
		} else if p.Value > 1_000_000_00 {
			f.Add("value", "too_large", "The value must be at most 1,000,000 yuan.")
		}
		if p.Text != "" {
			f.Add("text", "not_applicable", "A %s parameter has a value, not a text.", p.Kind)
		}
	}
	if strings.TrimSpace(p.Source) == "" {
		f.Add("source", "required", "Name the source of the figure (a document number or a URL).")
	} else if utf8.RuneCountInString(p.Source) > MaxParamSourceLen {
		f.Add("source", "too_long", "The source must be at most %d characters.", MaxParamSourceLen)
	}
	return f.Err()
}

// ParamSet is a lookup over parameters. A nil *ParamSet holds none.
type ParamSet struct {
	byKey map[string][]Parameter // kind|year → most specific region first
	all   []Parameter            // by kind, year, region
}

// NewParamSet indexes a list of parameters.
func NewParamSet(params []Parameter) *ParamSet {
	s := &ParamSet{byKey: make(map[string][]Parameter), all: slices.Clone(params)}
	for _, p := range params {
		k := paramKey(p.Kind, p.Year)
		s.byKey[k] = append(s.byKey[k], p)
	}
	for _, list := range s.byKey {
		sort.SliceStable(list, func(i, j int) bool { return len(list[i].Region) > len(list[j].Region) })
	}
	sort.SliceStable(s.all, func(i, j int) bool {
		a, b := s.all[i], s.all[j]
		if a.Kind != b.Kind {
			return slices.Index(ParamKinds, a.Kind) < slices.Index(ParamKinds, b.Kind)
		}
		if a.Year != b.Year {
			return a.Year < b.Year
		}
		return a.Region < b.Region
	})
	return s
}

func paramKey(kind string, year int) string { return kind + "|" + strconv.Itoa(year) }

// Lookup returns the parameter of a kind in force for an area code in a
// year: the one of the most specific region covering the code. ok is false
// when none is set; callers then say so instead of guessing a figure.
func (s *ParamSet) Lookup(kind string, year int, areaCode string) (Parameter, bool) {
	if s == nil {
		return Parameter{}, false
	}
	for _, p := range s.byKey[paramKey(kind, year)] {
		if strings.HasPrefix(areaCode, p.Region) {
			return p, true
		}
	}
	return Parameter{}, false
}

// Line returns the figure of a line kind (ParamPovertyLine,
// ParamMonitoringLine) in force for an area in a year, and false when none
// is set.
func (s *ParamSet) Line(kind string, year int, areaCode string) (Money, bool) {
	p, ok := s.Lookup(kind, year, areaCode)
	return p.Value, ok
}

// IncomeExcluded returns the income component keys that do not count
// towards per-capita net income for an area in a year: the list of the
// most specific ParamIncomeExcluded covering it, nil when none is set
// (everything counts).
func (s *ParamSet) IncomeExcluded(year int, areaCode string) []string {
	p, ok := s.Lookup(ParamIncomeExcluded, year, areaCode)
	if !ok {
		return nil
	}
	return p.ExcludedKeys()
}

// All returns every parameter, ordered by kind (as ParamKinds), year and
// region. The slice is the caller's.
func (s *ParamSet) All() []Parameter {
	if s == nil {
		return nil
	}
	return slices.Clone(s.all)
}

// ParamService keeps the parameter tables.
//
// Reading is open to every logged-in user, within its scope: a user sees
// the parameters of the regions that cover its scope (the nation, its
// province …) and of the regions inside it, which are all that can apply
// to its records. Setting or deleting a parameter needs RoleAdmin for
// national figures and RoleAdmin or RoleCountyAdmin for a region at or
// below the caller's scope; every change is audited ("param.set",
// "param.delete").
type ParamService interface {
	// FindParamSet returns the parameters visible to the caller, for
	// lookups. Returns EUNAUTHORIZED without a user.
	FindParamSet(ctx context.Context) (*ParamSet, error)

	// FindParameters lists the parameters visible to the caller of a kind
	// ("" = every kind) and a year (0 = every year), ordered by kind, year
	// and region, with RegionName, Verified, Source, UpdatedAt and
	// UpdatedBy. Returns EUNAUTHORIZED without a user.
	FindParameters(ctx context.Context, kind string, year int) ([]*Parameter, error)

	// SetParameter stores (creates or replaces) the parameter of a kind,
	// year and region and fills UpdatedAt and UpdatedBy; one equal to the
	// stored one writes nothing. Returns EFORBIDDEN for a role other than
	// RoleAdmin and RoleCountyAdmin, and EINVALID for bad fields, on
	// "region" for the nation unless the caller is an admin with national
	// scope, a region outside the caller's scope, or an unknown area.
	SetParameter(ctx context.Context, p *Parameter, reason string) error

	// DeleteParameter removes the parameter of a kind, year and region,
	// after which a wider region's figure (if any) applies. Returns the
	// errors of SetParameter, and ENOTFOUND when there is none.
	DeleteParameter(ctx context.Context, kind string, year int, region, reason string) error
}
