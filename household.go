package tuopin

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Money is an amount in fen (0.01 yuan), so that sums are exact.
type Money int64

// Yuan returns the amount formatted in yuan with two decimals ("3146.50").
func (m Money) Yuan() string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	return fmt.Sprintf("%s%d.%02d", sign, m/100, m%100)
}

// ParseYuan reads an amount in yuan with up to two decimals ("3146.5").
func ParseYuan(s string) (Money, error) {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", ""))
	if s == "" {
		return 0, fmt.Errorf("empty amount")
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" {
		whole = "0"
	}
	if !IsDigits(whole) || (frac != "" && !IsDigits(frac)) || len(frac) > 2 || len(whole) > 12 {
		return 0, fmt.Errorf("not an amount in yuan: %q", s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f, _ := strconv.ParseInt(frac, 10, 64)
	m := Money(w*100 + f)
	if neg {
		m = -m
	}
	return m, nil
}

// DateLayout is the layout of dates in storage, forms and the API.
const DateLayout = "2006-01-02"

// Household is one registered household (户) in one registry year. The
// national system keys every record by year (aar040): the same household
// in another year is another row with the same Number.
type Household struct {
	ID       int64  `json:"id"`
	Year     int    `json:"year"`
	Number   string `json:"number"`    // 户编号 aac001, unique within a year
	AreaCode string `json:"area_code"` // 12-digit village code (or a longer group code)
	// HeadName is the name of the member whose relation is 户主 (aac029),
	// kept on the household so that lists need no join.
	HeadName string `json:"head_name"`
	// Size is the number of members (家庭人口数 aac017).
	Size            int    `json:"size"`
	Attribute       string `json:"attribute"`  // CodeAttribute aac006
	MainCause       string `json:"main_cause"` // CodeCause aac007
	IncomePerCapita Money  `json:"income_per_capita"`
	Status          string `json:"status"` // CodeStatus aar010
	Phone           string `json:"phone,omitempty"`
	// Details holds the national field set beyond the columns above, by
	// HouseholdFieldDefs key, in canonical form (fields.go).
	Details map[string]string `json:"details,omitempty"`
	// Indicators are derived by storage on every write (Household.Derive):
	// the 两不愁三保障 gaps and the income band against the year's line.
	Indicators Indicators `json:"indicators"`
	// Version increases with every change, for optimistic locking.
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	// Members is filled by FindHouseholdByID and EachHousehold, not by
	// listings.
	Members []*Member `json:"members,omitempty"`
}

// Member is one person of a household.
type Member struct {
	ID          int64     `json:"id"`
	HouseholdID int64     `json:"household_id"`
	Name        string    `json:"name"`
	Sex         string    `json:"sex"`        // CodeSex
	BirthDate   time.Time `json:"birth_date"` // UTC midnight
	IDNumber    string    `json:"id_number"`
	Relation    string    `json:"relation"`  // CodeRelation
	Education   string    `json:"education"` // CodeEducation
	Health      string    `json:"health"`    // CodeHealth
	Skill       string    `json:"skill"`     // CodeSkill
	// Details holds the member fields of the national export beyond the
	// columns above, by MemberFieldDefs key (fields.go).
	Details map[string]string `json:"details,omitempty"`
}

// Head returns the household head among the members, or nil.
func (h *Household) Head() *Member {
	for _, m := range h.Members {
		if m.Relation == RelationHead {
			return m
		}
	}
	return nil
}

// Normalize trims input and derives what can be derived: the head name and
// size from the members, and each member's birth date and sex from its ID
// number when they were left empty.
func (h *Household) Normalize(now time.Time) {
	h.Number = strings.TrimSpace(h.Number)
	h.AreaCode = strings.TrimSpace(h.AreaCode)
	h.Phone = strings.TrimSpace(h.Phone)
	for _, m := range h.Members {
		m.Normalize(now)
	}
	if len(h.Members) > 0 {
		h.Size = len(h.Members)
		if head := h.Head(); head != nil {
			h.HeadName = head.Name
		}
	}
	trimDetails(h.Details)
	h.sumTransferParts()
}

func trimDetails(d map[string]string) {
	for k, v := range d {
		if t := strings.TrimSpace(v); t == "" {
			delete(d, k)
		} else if t != v {
			d[k] = t
		}
	}
}

// Normalize trims a member's input and fills birth date and sex from a
// valid ID number when they are empty.
func (m *Member) Normalize(now time.Time) {
	m.Name = strings.TrimSpace(m.Name)
	m.IDNumber = NormalizeIDNumber(m.IDNumber)
	trimDetails(m.Details)
	if info, err := ParseIDNumber(m.IDNumber, now); err == nil {
		if m.BirthDate.IsZero() {
			m.BirthDate = info.BirthDate
		}
		if m.Sex == "" {
			m.Sex = info.Sex
		}
	}
}

// Validate checks a household and its members against the code tables.
// It does not check the area code against stored areas or the caller's
// scope; storage does that. now bounds birth dates.
func (h *Household) Validate(codes *CodeSet, now time.Time) error {
	var f Fields
	if h.Year < 2013 || h.Year > now.Year()+1 {
		f.Add("year", "invalid_year", "Year must be between 2013 and %d.", now.Year()+1)
	}
	switch {
	case h.Number == "":
		f.Add("number", "required", "Household number is required.")
	case len(h.Number) > 32 || !isCodeLike(h.Number):
		f.Add("number", "invalid_format", "Household number may use only digits, letters and '-', at most 32.")
	}
	if !IsCode12(h.AreaCode) && !(len(h.AreaCode) > 12 && len(h.AreaCode) <= 16 && IsDigits(h.AreaCode)) {
		f.Add("area_code", "invalid_code", "Area code must be the 12-digit code of a village.")
	} else if LevelOfCode(h.AreaCode[:12]) != LevelVillage {
		f.Add("area_code", "not_village", "A household must be registered in a village, not in %s.", h.AreaCode)
	}
	checkCode(&f, codes, "attribute", CodeAttribute, h.Attribute, h.Year)
	checkCode(&f, codes, "main_cause", CodeCause, h.MainCause, h.Year)
	checkCode(&f, codes, "status", CodeStatus, h.Status, h.Year)
	if h.IncomePerCapita < 0 {
		f.Add("income_per_capita", "negative", "Income per capita cannot be negative.")
	} else if h.IncomePerCapita > 100_000_000_00 {
		f.Add("income_per_capita", "too_large", "Income per capita is implausibly large.")
	}
	if h.Phone != "" && (len(h.Phone) > 20 || !IsDigits(strings.ReplaceAll(h.Phone, "-", ""))) {
		f.Add("phone", "invalid_phone", "Phone number may use only digits and '-'.")
	}
	normalizeDetails(h.Details, householdFieldByKey, codes, h.Year, &f, "details.")

	if len(h.Members) == 0 {
		f.Add("members", "required", "A household needs at least one member, its head.")
	}
	heads, seen := 0, map[string]int{}
	for i, m := range h.Members {
		prefix := fmt.Sprintf("members[%d].", i)
		if err := m.Validate(codes, h.Year, now); err != nil {
			f.Merge(prefix, ErrorFields(err))
		}
		if m.Relation == RelationHead {
			heads++
			if heads == 2 {
				f.Add(prefix+"relation", "second_head", "A household has exactly one head; %s is already the head.", h.Head().Name)
			}
		}
		if m.IDNumber != "" {
			if j, ok := seen[m.IDNumber]; ok {
				f.Add(prefix+"id_number", "duplicate", "ID number %s is also member %d's.", m.IDNumber, j+1)
			}
			seen[m.IDNumber] = i
		}
	}
	if len(h.Members) > 0 && heads == 0 {
		f.Add("members", "no_head", "A household has exactly one head (与户主关系 = 户主); none is given.")
	}
	if len(h.Members) > 30 {
		f.Add("members", "too_many", "A household may have at most 30 members.")
	}
	return f.Err()
}

// Validate checks one member. Field keys are the member's own ("id_number").
func (m *Member) Validate(codes *CodeSet, year int, now time.Time) error {
	var f Fields
	switch n := utf8.RuneCountInString(m.Name); {
	case n == 0:
		f.Add("name", "required", "Name is required.")
	case n > 50:
		f.Add("name", "too_long", "Name must be at most 50 characters.")
	}
	if m.IDNumber == "" {
		f.Add("id_number", "required", "ID number is required.")
	} else if info, err := ParseIDNumber(m.IDNumber, now); err != nil {
		f.Merge("", ErrorFields(err))
	} else {
		if !m.BirthDate.IsZero() && !m.BirthDate.Equal(info.BirthDate) {
			f.Add("birth_date", "id_mismatch", "Birth date %s does not match the ID number's %s.", m.BirthDate.Format(DateLayout), info.BirthDate.Format(DateLayout))
		}
		if m.Sex != "" && m.Sex != info.Sex {
			f.Add("sex", "id_mismatch", "Sex does not match the ID number (its 17th digit).")
		}
	}
	checkCode(&f, codes, "sex", CodeSex, m.Sex, year)
	checkCode(&f, codes, "relation", CodeRelation, m.Relation, year)
	checkOptionalCode(&f, codes, "education", CodeEducation, m.Education, year)
	checkOptionalCode(&f, codes, "health", CodeHealth, m.Health, year)
	checkOptionalCode(&f, codes, "skill", CodeSkill, m.Skill, year)
	normalizeDetails(m.Details, memberFieldByKey, codes, year, &f, "details.")
	if m.Education != "" && m.Details["school_status"] != "" {
		f.Add("education", "exclusive", "文化程度 and 在校生状况 exclude each other: a pupil has a school status, not an education level.")
	}
	return f.Err()
}

func checkCode(f *Fields, codes *CodeSet, field, kind, code string, year int) {
	if code == "" {
		f.Add(field, "required", "%s is required.", kind)
		return
	}
	checkOptionalCode(f, codes, field, kind, code, year)
}

func checkOptionalCode(f *Fields, codes *CodeSet, field, kind, code string, year int) {
	if code != "" && !codes.Valid(kind, code, year) {
		f.Add(field, "invalid_choice", "%q is not a valid %s code for %d.", code, kind, year)
	}
}

func isCodeLike(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-') {
			return false
		}
	}
	return true
}

// HouseholdFilter selects households. The caller's scope is always applied
// too; AreaPrefix narrows it further.
type HouseholdFilter struct {
	ID         *int64
	Year       *int
	AreaPrefix string
	Number     *string
	Status     *string
	// Query matches a household number, a member's ID number (both exact or
	// by prefix) or a member's name (exact or by prefix).
	Query  string
	Offset int
	Limit  int
}

// HouseholdUpdate holds the fields to change; nil means unchanged.
// Members, when non-nil, replaces the member list: members with an ID are
// updated, members with ID 0 are added, members not listed are removed.
type HouseholdUpdate struct {
	AreaCode        *string
	Attribute       *string
	MainCause       *string
	IncomePerCapita *Money
	Phone           *string
	// Details, when non-nil, replaces the household's details whole.
	Details *map[string]string
	// Members, when non-nil, replaces the member list (each member's
	// Details with it).
	Members *[]*Member
	// Version, when set, must equal the stored version (ECONFLICT otherwise).
	Version *int
	// Reason is recorded in the audit log.
	Reason string
}

// HouseholdService keeps the registry. Every method applies the caller's
// scope: a household outside it is ENOTFOUND, and an area outside it is
// refused as EINVALID on the area_code field. Writes need a role that
// CanEditRegistry (EFORBIDDEN otherwise) and append to the audit log in the
// same transaction.
type HouseholdService interface {
	// FindHouseholdByID returns a household with its members.
	FindHouseholdByID(ctx context.Context, id int64) (*Household, error)

	// FindHouseholds lists households (without members) ordered by area
	// code and number, with the total count before paging.
	FindHouseholds(ctx context.Context, filter HouseholdFilter) ([]*Household, int, error)

	// EachHousehold calls fn for every household matching filter (Offset
	// and Limit ignored), with its members, in the order of FindHouseholds.
	// It reads in bounded chunks, for exports of whole areas; an error
	// from fn stops it and is returned.
	EachHousehold(ctx context.Context, filter HouseholdFilter, fn func(*Household) error) error

	// CreateHousehold validates and stores a household with its members.
	// Returns EINVALID (fields named) for bad input, an unknown or
	// out-of-scope area, or an ID number already registered that year, and
	// ECONFLICT if the household number is taken that year.
	CreateHousehold(ctx context.Context, h *Household, reason string) error

	// CreateHouseholds stores many households in one transaction: all or
	// nothing. The error of the first bad household names its index.
	CreateHouseholds(ctx context.Context, hs []*Household, reason string) error

	// UpdateHousehold changes a household and returns the new state.
	UpdateHousehold(ctx context.Context, id int64, upd HouseholdUpdate) (*Household, error)

	// SetHouseholdStatus moves a household along StatusTransitions.
	// Returns EINVALID on field "status" for a move that is not allowed.
	SetHouseholdStatus(ctx context.Context, id int64, status, reason string) (*Household, error)

	// FindYears returns the registry years that hold households in the
	// caller's scope, newest first.
	FindYears(ctx context.Context) ([]int, error)
}
