package tuopin

import (
	"context"
	"strings"
)

// Level is the depth of an area in the statistical division hierarchy.
// Values are persisted: never renumber them.
type Level int

// The five levels of the 2023 statistical division codes, below the nation.
const (
	LevelNation   Level = 0
	LevelProvince Level = 1 // 省: 2 significant digits
	LevelCity     Level = 2 // 市: 4
	LevelCounty   Level = 3 // 县: 6
	LevelTownship Level = 4 // 乡: 9
	LevelVillage  Level = 5 // 村: 12
)

var levelDigits = [...]int{0, 2, 4, 6, 9, 12}

// Digits returns how many leading digits of a code are significant at l.
func (l Level) Digits() int {
	if l < LevelNation || l > LevelVillage {
		return 12
	}
	return levelDigits[l]
}

// Valid reports whether l is one of the five area levels.
func (l Level) Valid() bool { return l >= LevelProvince && l <= LevelVillage }

// Child returns the level below l (LevelVillage has none: it returns itself).
func (l Level) Child() Level {
	if l >= LevelVillage {
		return LevelVillage
	}
	return l + 1
}

// Area is one node of the hierarchy. Code is always the 12-digit code.
type Area struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	Level      Level  `json:"level"`
	ParentCode string `json:"parent_code,omitempty"` // "" for provinces
}

// Prefix returns the significant digits of the area's code, which is the
// scope prefix that selects the area and everything below it.
func (a *Area) Prefix() string { return a.Code[:a.Level.Digits()] }

// Validate checks the shape of an area record.
func (a *Area) Validate() error {
	var f Fields
	if !IsCode12(a.Code) {
		f.Add("code", "invalid_code", "Area code must be 12 digits.")
	}
	if strings.TrimSpace(a.Name) == "" {
		f.Add("name", "required", "Area name is required.")
	}
	if !a.Level.Valid() {
		f.Add("level", "invalid_level", "Area level must be 1 to 5.")
	} else if IsCode12(a.Code) {
		if a.Level > LevelProvince {
			if a.ParentCode == "" || !IsCode12(a.ParentCode) {
				f.Add("parent_code", "required", "Parent code is required below province level.")
			} else if !strings.HasPrefix(a.Code, a.ParentCode[:(a.Level-1).Digits()]) {
				f.Add("parent_code", "invalid_parent", "Area code %s does not start with its parent's prefix.", a.Code)
			}
		}
	}
	return f.Err()
}

// IsDigits reports whether s is non-empty and all ASCII digits.
func IsDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// IsCode12 reports whether s is a 12-digit division code.
func IsCode12(s string) bool { return len(s) == 12 && IsDigits(s) }

// PadCode returns a prefix right-padded with zeros to 12 digits
// ("451224" → "451224000000").
func PadCode(prefix string) string {
	if len(prefix) >= 12 {
		return prefix
	}
	return prefix + strings.Repeat("0", 12-len(prefix))
}

// LevelOfPrefix returns the level that a significant prefix of 0, 2, 4, 6,
// 9 or 12 digits names, and false for any other length or a non-digit.
func LevelOfPrefix(prefix string) (Level, bool) {
	if prefix != "" && !IsDigits(prefix) {
		return 0, false
	}
	for l, d := range levelDigits {
		if len(prefix) == d {
			return Level(l), true
		}
	}
	return 0, false
}

// LevelOfCode infers the level of a 12-digit code from its trailing zeros.
// It is a guess for codes of unknown origin: stored areas carry their level.
func LevelOfCode(code12 string) Level {
	switch {
	case code12[2:] == "0000000000":
		return LevelProvince
	case code12[4:] == "00000000":
		return LevelCity
	case code12[6:] == "000000":
		return LevelCounty
	case code12[9:] == "000":
		return LevelTownship
	}
	return LevelVillage
}

// PrefixOfCode returns the significant prefix of a 12-digit code as
// LevelOfCode reads it ("451224102000" → "451224102").
func PrefixOfCode(code12 string) string {
	return code12[:LevelOfCode(code12).Digits()]
}

// ParseAreaRef accepts what a user types for an area: a significant prefix
// of 2, 4, 6, 9 or 12 digits or a zero-padded 12-digit code, and returns
// the significant prefix. Spaces are trimmed.
func ParseAreaRef(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if IsCode12(s) {
		return PrefixOfCode(s), true
	}
	if l, ok := LevelOfPrefix(s); ok && l != LevelNation {
		return s, true
	}
	return "", false
}

// PrefixRange returns the half-open range [lo, hi) of codes that start with
// prefix, for the index-friendly predicate `code >= lo AND code < hi`. Codes
// are ASCII digits, so incrementing the last byte of the prefix bounds them.
// An empty prefix (the nation) returns ok=false: no predicate is needed.
func PrefixRange(prefix string) (lo, hi string, ok bool) {
	if prefix == "" {
		return "", "", false
	}
	b := []byte(prefix)
	b[len(b)-1]++
	return prefix, string(b), true
}

// HasPrefix reports whether code lies inside the area named by prefix.
func HasPrefix(code, prefix string) bool { return strings.HasPrefix(code, prefix) }

// AncestorPrefixes returns the significant prefixes above a prefix, from the
// province down, excluding the prefix itself ("451224" → ["45", "4512"]).
func AncestorPrefixes(prefix string) []string {
	var out []string
	for _, d := range levelDigits[1:] {
		if d >= len(prefix) {
			break
		}
		out = append(out, prefix[:d])
	}
	return out
}

// AreaStats holds the registry counts of one area for one year. Counts
// cover the area and everything below it.
type AreaStats struct {
	Area
	Year int `json:"year"`
	// Children is how many direct child areas exist.
	Children int `json:"children"`
	// Households and Persons count every registered household and member.
	Households int `json:"households"`
	Persons    int `json:"persons"`
	// Poor counts households (and their members) still poor: status 未脱贫,
	// 预脱贫 or 返贫.
	PoorHouseholds int `json:"poor_households"`
	PoorPersons    int `json:"poor_persons"`
	// Exited counts households (and members) with status 已脱贫.
	ExitedHouseholds int `json:"exited_households"`
	ExitedPersons    int `json:"exited_persons"`
	// Metrics holds further counts by key, read from the roll-ups: for
	// example "status:0" (households by status), "cause:01" (households by
	// main cause), "attribute:04". Keys are listed in RollupMetrics.
	Metrics map[string]int64 `json:"metrics,omitempty"`
}

// AreaFilter selects areas. ParentCode (12 digits) lists the children of
// an area; Prefix lists every area under a prefix; Query matches names.
type AreaFilter struct {
	Code       *string
	ParentCode *string
	Prefix     string
	Level      *Level
	Query      string
	Offset     int
	Limit      int
}

// AreaService reads and loads the division hierarchy.
//
// Areas are reference data, but what a caller may see follows its scope:
// areas inside the scope, and (names only, through FindAreaPath) the
// ancestors of the scope's own area for breadcrumbs.
type AreaService interface {
	// FindAreaByCode returns an area by 12-digit code or significant prefix.
	// Returns ENOTFOUND if it does not exist or is outside the caller's
	// scope (ancestors of the scope included: use FindAreaPath for those).
	FindAreaByCode(ctx context.Context, code string) (*Area, error)

	// FindAreaPath returns the chain from the province down to the area,
	// for breadcrumbs. The area itself must be inside the caller's scope
	// (ENOTFOUND otherwise); its ancestors are returned by name only.
	FindAreaPath(ctx context.Context, code string) ([]*Area, error)

	// FindAreas lists areas matching the filter inside the caller's scope,
	// ordered by code, with the total count before paging.
	FindAreas(ctx context.Context, filter AreaFilter) ([]*Area, int, error)

	// FindAreaStats returns the counts of an area (code "" is the caller's
	// whole scope) and of each of its direct children for a year.
	// Returns ENOTFOUND if the area is outside the caller's scope.
	FindAreaStats(ctx context.Context, code string, year int) (*AreaStats, []*AreaStats, error)

	// UpsertAreas inserts or renames areas in one transaction and appends one
	// audit entry for the batch. Only an admin may call it (EFORBIDDEN).
	// Returns EINVALID naming the first bad area.
	UpsertAreas(ctx context.Context, areas []*Area) error
}
