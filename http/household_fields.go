package apphttp

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tuopin/tuopin"
)

// The national field set on the pages: the sections of the household
// form, the member blocks, the sections of the detail page, its income
// block and its 两不愁三保障 box. All of it is generated from
// tuopin.HouseholdFieldDefs and tuopin.MemberFieldDefs, so that a field
// added to the catalog shows on every page without a template change.

// Section orders, as on the national forms.
var (
	householdSections = []string{tuopin.SectionBasic, tuopin.SectionMonitoring, tuopin.SectionIncome,
		tuopin.SectionLiving, tuopin.SectionHelp}
	memberSections = []string{tuopin.SectionIdentity, tuopin.SectionEducation, tuopin.SectionWork,
		tuopin.SectionSecurity}
)

// Form names of the detail fields: "details.<key>" for the household,
// "members[i].details.<key>" for a member. They are also the keys of the
// field errors storage returns, so an error lands next to its input.
const detailsPrefix = "details."

// fieldInput is one detail field on the household form.
type fieldInput struct {
	Key   string
	Name  string // the form name
	ID    string // the element id
	Label string
	Type  tuopin.FieldType
	Value string
	// Options are the code table's codes valid in the household's year
	// (FieldCode, FieldCodes), plus a recorded code that no longer is, so
	// that saving the form does not silently drop it.
	Options []fieldOption
	MaxLen  int
	Part    bool   // an "of which" part of another field
	Error   string // translated; "" when the value was accepted
}

type fieldOption struct {
	Code     string
	Label    string
	Selected bool
}

// Numeric reports whether the input takes a number.
func (f fieldInput) Numeric() bool {
	return f.Type == tuopin.FieldInt || f.Type == tuopin.FieldDecimal || f.Type == tuopin.FieldMoney
}

// IsCode, IsCodes and IsDate select the input's control.
func (f fieldInput) IsCode() bool  { return f.Type == tuopin.FieldCode }
func (f fieldInput) IsCodes() bool { return f.Type == tuopin.FieldCodes }
func (f fieldInput) IsDate() bool  { return f.Type == tuopin.FieldDate }

// InputMode is the virtual keyboard a number input asks for.
func (f fieldInput) InputMode() string {
	if f.Type == tuopin.FieldInt {
		return "numeric"
	}
	return "decimal"
}

// inputSection is one fieldset of detail inputs.
type inputSection struct {
	Key    string
	Title  string
	Fields []fieldInput
	Filled int // fields with a value
	Errors int // fields with an error
}

// Open reports whether the section starts unfolded: when it holds an
// error, so that the error is seen.
func (s inputSection) Open() bool { return s.Errors > 0 }

// sectionTitle is the translated name of a section.
func sectionTitle(lang, section string) string { return translate(lang, "fields.section."+section) }

// inputSections builds the fieldsets of a catalog for one record: values
// by key, errors under prefix+key, code lists valid in year (0 = any).
func inputSections(lang string, codes *tuopin.CodeSet, year int, defs []tuopin.FieldDef, order []string,
	prefix string, values map[string]string, errs map[string]tuopin.FieldError) []inputSection {
	if codes == nil {
		codes = tuopin.DefaultCodeSet
	}
	out := make([]inputSection, 0, len(order))
	for _, sec := range order {
		s := inputSection{Key: sec, Title: sectionTitle(lang, sec)}
		for _, def := range defs {
			if def.Section != sec {
				continue
			}
			in := fieldInput{
				Key: def.Key, Name: prefix + def.Key, ID: "f-" + prefix + def.Key, Label: def.Title(lang),
				Type: def.Type, Value: values[def.Key], MaxLen: def.MaxLen, Part: def.Of != "",
			}
			if in.Type == tuopin.FieldText && in.MaxLen == 0 {
				in.MaxLen = 100
			}
			if def.Type == tuopin.FieldCode || def.Type == tuopin.FieldCodes {
				in.Options = codeOptions(lang, codes, def, year, in.Value)
			}
			if fe, ok := errs[in.Name]; ok {
				in.Error = detailErrMessage(lang, def, fe)
				s.Errors++
			}
			if in.Value != "" {
				s.Filled++
			}
			s.Fields = append(s.Fields, in)
		}
		out = append(out, s)
	}
	return out
}

// codeOptions lists the choices of a code field, marking the recorded ones.
func codeOptions(lang string, codes *tuopin.CodeSet, def tuopin.FieldDef, year int, value string) []fieldOption {
	selected := map[string]bool{}
	if value != "" {
		for _, c := range strings.Split(value, ",") {
			selected[c] = true
		}
	}
	var out []fieldOption
	for _, c := range codes.List(def.CodeKind, year) {
		out = append(out, fieldOption{Code: c.Code, Label: codes.Label(def.CodeKind, c.Code, lang), Selected: selected[c.Code]})
		delete(selected, c.Code)
	}
	// A recorded code the year's table lacks (retired, or typed in an
	// import) stays selectable; validation then says what is wrong.
	rest := make([]string, 0, len(selected))
	for c := range selected {
		rest = append(rest, c)
	}
	slices.Sort(rest)
	for _, c := range rest {
		out = append(out, fieldOption{Code: c, Label: codes.Label(def.CodeKind, c, lang), Selected: true})
	}
	return out
}

// detailErrMessage says what is wrong with a detail value in the user's
// language, in terms of the field's type and bounds: the catalog error
// codes (invalid_value, exceeds_total) cover several causes each, so the
// message states the rule rather than the cause.
func detailErrMessage(lang string, def tuopin.FieldDef, fe tuopin.FieldError) string {
	switch fe.Code {
	case "invalid_value":
		switch def.Type {
		case tuopin.FieldInt:
			if def.Max != 0 {
				return translate(lang, "fields.err_int_range", def.Min, def.Max)
			}
			return translate(lang, "fields.err_int")
		case tuopin.FieldDecimal, tuopin.FieldMoney:
			if def.Max != 0 {
				return translate(lang, "fields.err_number_max", def.Max)
			}
			return translate(lang, "fields.err_number")
		case tuopin.FieldDate:
			return translate(lang, "err.invalid_date")
		case tuopin.FieldText:
			n := def.MaxLen
			if n == 0 {
				n = 100
			}
			return translate(lang, "fields.err_text_max", n)
		}
	case "exceeds_total":
		if whole, ok := tuopin.HouseholdFieldDef(def.Of); ok {
			return translate(lang, "fields.err_exceeds", whole.Title(lang))
		}
	}
	return fieldMessage(lang, fe)
}

// detailFieldTitle labels the key of a detail field error or form name,
// "details.income_wage" (household) or, with member, a member's
// "details.ethnicity"; ok is false for any other key.
func detailFieldTitle(lang, key string, member bool) (string, bool) {
	k, ok := strings.CutPrefix(key, detailsPrefix)
	if !ok {
		return "", false
	}
	var def tuopin.FieldDef
	if member {
		def, ok = tuopin.MemberFieldDef(k)
	} else {
		def, ok = tuopin.HouseholdFieldDef(k)
	}
	if !ok {
		return "", false
	}
	return def.Title(lang), true
}

// ---- the form ----

// HouseholdSections are the household's detail fieldsets on the form.
func (d *householdFormData) HouseholdSections() []inputSection {
	return inputSections(d.Lang, d.Codes, d.formYear(), tuopin.HouseholdFieldDefs, householdSections,
		detailsPrefix, d.Form.Details, d.Errors)
}

// memberBlock is the unfolding block of a member row's details.
type memberBlock struct {
	Sections []inputSection
	Filled   int
	Total    int
	Errors   int
}

// MemberBlock builds the details block of the member row i (an int, or
// the "__i__" placeholder of the blank row's template).
func (d *householdFormData) MemberBlock(i any, m *memberForm) memberBlock {
	prefix := fmt.Sprintf("members[%v].", i) + detailsPrefix
	b := memberBlock{Sections: inputSections(d.Lang, d.Codes, d.formYear(), tuopin.MemberFieldDefs, memberSections,
		prefix, m.Details, d.Errors), Total: len(tuopin.MemberFieldDefs)}
	for _, s := range b.Sections {
		b.Filled += s.Filled
		b.Errors += s.Errors
	}
	return b
}

// formYear is the registry year the code lists are valid in; 0 (any
// year) while the year typed into a new form is not a number.
func (d *householdFormData) formYear() int {
	y, err := strconv.Atoi(d.Form.Year)
	if err != nil {
		return 0
	}
	return y
}

// IncomeComputed reports whether the form holds income components, in
// which case storage computes the income per capita from them and the
// form shows it read-only.
func (d *householdFormData) IncomeComputed() bool {
	for _, k := range append(slices.Clone(tuopin.IncomeComponentKeys), tuopin.ExpenseBusiness) {
		if d.Form.Details[k] != "" {
			return true
		}
	}
	return false
}

// ---- the detail page ----

// fieldValue is one recorded field as people read it.
type fieldValue struct {
	Key   string
	Label string
	Value string
	Part  bool
}

// valueSection is one section of the detail page: the recorded fields
// only, and how many of the section's fields they are.
type valueSection struct {
	Key    string
	Title  string
	Values []fieldValue
	Total  int
}

// Filled is the number of recorded fields.
func (s valueSection) Filled() int { return len(s.Values) }

// valueSections renders the recorded values of a catalog by section.
func valueSections(lang string, codes *tuopin.CodeSet, defs []tuopin.FieldDef, order []string, values map[string]string) []valueSection {
	if codes == nil {
		codes = tuopin.DefaultCodeSet
	}
	out := make([]valueSection, 0, len(order))
	for _, sec := range order {
		s := valueSection{Key: sec, Title: sectionTitle(lang, sec)}
		for _, def := range defs {
			if def.Section != sec {
				continue
			}
			s.Total++
			if v := values[def.Key]; v != "" {
				s.Values = append(s.Values, fieldValue{Key: def.Key, Label: def.Title(lang), Value: displayValue(lang, codes, def, v), Part: def.Of != ""})
			}
		}
		out = append(out, s)
	}
	return out
}

// displayValue is a recorded value as shown: labels for codes, yuan with
// digit grouping.
func displayValue(lang string, codes *tuopin.CodeSet, def tuopin.FieldDef, v string) string {
	if def.Type == tuopin.FieldMoney {
		if m, err := tuopin.ParseYuan(v); err == nil {
			return formatYuan(m)
		}
	}
	return def.Display(v, codes, lang)
}

// DetailSections are the household's sections on the detail page, the
// income section excepted (IncomeView shows it).
func (d *householdData) DetailSections() []valueSection {
	var order []string
	for _, s := range householdSections {
		if s != tuopin.SectionIncome {
			order = append(order, s)
		}
	}
	return valueSections(d.Lang, d.Codes, tuopin.HouseholdFieldDefs, order, d.H.Details)
}

// MemberDetails are a member's recorded details by section (sections
// with nothing recorded left out).
func (d *householdData) MemberDetails(m *tuopin.Member) []valueSection {
	var out []valueSection
	for _, s := range valueSections(d.Lang, d.Codes, tuopin.MemberFieldDefs, memberSections, m.Details) {
		if len(s.Values) > 0 {
			out = append(out, s)
		}
	}
	return out
}

// loadIncomeParams reads the parameters for the income section. Without
// them the page still shows the stored figures, so a failure is logged,
// not fatal.
func (s *Server) loadIncomeParams(r *http.Request, d *householdData) {
	ps, err := s.svc.Params.FindParamSet(r.Context())
	if err != nil {
		s.logIfInternal(r, err)
		return
	}
	d.Params = ps
}

// incomeView is the income section: the recorded components, the totals
// and the per-capita figure against the poverty line.
type incomeView struct {
	Components []fieldValue
	Recorded   bool // any component or the business expense
	Gross      string
	Net        string
	PerCapita  string
	Size       int
	// Computed tells the per-capita figure was computed from the
	// components (otherwise it is the value given).
	Computed bool
	// Excluded names the components the region's counting rule leaves out
	// of net income; ExcludedUnknown is set instead when the rule could
	// not be read but the stored figure shows that something was left out.
	Excluded        string
	ExcludedUnknown bool
	Band            string
	Line            string // the poverty line in force, "" when none is set
}

// IncomeView builds the income section of the detail page.
func (d *householdData) IncomeView() incomeView {
	h := d.H
	v := incomeView{Size: h.Size, PerCapita: formatYuan(h.IncomePerCapita), Band: h.Indicators.IncomeBand}
	var excluded []string
	if d.Params != nil {
		if line, ok := d.Params.Line(tuopin.ParamPovertyLine, h.Year, h.AreaCode); ok {
			v.Line = formatYuan(line)
		}
		excluded = d.Params.IncomeExcluded(h.Year, h.AreaCode)
	}
	codes := d.Codes
	if codes == nil {
		codes = tuopin.DefaultCodeSet
	}
	var gross tuopin.Money
	for _, def := range tuopin.HouseholdFieldDefs {
		if def.Section != tuopin.SectionIncome {
			continue
		}
		val := h.Details[def.Key]
		if val == "" {
			continue
		}
		v.Components = append(v.Components, fieldValue{Key: def.Key, Label: def.Title(d.Lang), Value: displayValue(d.Lang, codes, def, val), Part: def.Of != ""})
		if def.Of == "" && def.Key != tuopin.ExpenseBusiness {
			m, _ := h.DetailMoney(def.Key)
			gross += m
		}
	}
	if !h.HasIncomeComponents() {
		return v
	}
	v.Recorded, v.Computed = true, true
	v.Gross = formatYuan(gross)
	v.Net = formatYuan(h.NetIncome(excluded))
	var left []string
	for _, k := range excluded {
		if def, ok := tuopin.HouseholdFieldDef(k); ok && h.Details[k] != "" {
			left = append(left, def.Title(d.Lang))
		}
	}
	sep := "、"
	if d.Lang == langEN {
		sep = ", "
	}
	v.Excluded = strings.Join(left, sep)
	if d.Params == nil {
		// Storage computed the per-capita figure under the counting rule;
		// when it differs from the figure that counts everything, the
		// rule left something out.
		all := *h
		all.ComputeIncomePerCapita(nil)
		v.ExcludedUnknown = all.IncomePerCapita != h.IncomePerCapita
	}
	return v
}

// BandClass is the badge colour of the income band.
func (v incomeView) BandClass() string {
	switch v.Band {
	case tuopin.IncomeBandBelow:
		return "badge-red"
	case tuopin.IncomeBandNear:
		return "badge-amber"
	case tuopin.IncomeBandAbove, tuopin.IncomeBandHigh:
		return "badge-green"
	}
	return "badge-grey"
}

// guarantee is one line of the 两不愁三保障 box.
type guarantee struct {
	Key   string
	State string // "gap", "ok" or "unknown" (not recorded)
	Note  string
}

// Guarantees are the 两不愁三保障 lines of the household: a gap where
// the indicators storage derived show one, otherwise met when the fields
// behind it are recorded, unknown when they are not.
func (d *householdData) Guarantees() []guarantee {
	h, ind := d.H, d.H.Indicators
	state := func(gap bool, recorded bool) string {
		switch {
		case gap:
			return "gap"
		case recorded:
			return "ok"
		}
		return "unknown"
	}
	out := []guarantee{
		{Key: "food_clothing", State: state(ind.FoodClothingGap, h.Details["food_secure"] != "" && h.Details["clothing_secure"] != "")},
	}

	school := guarantee{Key: "school"}
	schoolAge := 0
	yearEnd := time.Date(h.Year, 12, 31, 0, 0, 0, 0, time.UTC)
	for _, m := range h.Members {
		if !m.BirthDate.IsZero() {
			if a := tuopin.AgeAt(m.BirthDate, yearEnd); a >= tuopin.CompulsorySchoolFrom && a <= tuopin.CompulsorySchoolTo {
				schoolAge++
			}
		}
	}
	switch {
	case ind.OutOfSchool > 0:
		school.State, school.Note = "gap", translate(d.Lang, "guarantee.out_of_school_n", ind.OutOfSchool)
	case schoolAge == 0:
		school.State, school.Note = "ok", translate(d.Lang, "guarantee.no_school_age")
	default:
		school.State = "ok"
	}
	out = append(out, school)

	medical := guarantee{Key: "medical"}
	insured := false
	for _, m := range h.Members {
		if m.Details["resident_medical_insurance"] != "" || m.Details["employee_medical_insurance"] != "" {
			insured = true
		}
	}
	medical.State = state(ind.Uninsured > 0, insured)
	if ind.Uninsured > 0 {
		medical.Note = translate(d.Lang, "guarantee.uninsured_n", ind.Uninsured)
	}
	out = append(out, medical,
		guarantee{Key: "house", State: state(ind.UnsafeHouse, h.Details["house_grade"] != "")},
		guarantee{Key: "water", State: state(ind.UnsafeWater, h.Details["water_safe"] != "")},
	)
	return out
}

// GapCount counts the lines of the box that show a gap.
func (d *householdData) GapCount() int {
	n := 0
	for _, g := range d.Guarantees() {
		if g.State == "gap" {
			n++
		}
	}
	return n
}

// PrintDetail is one recorded household field for the print page, by
// key, as people read it ("" when not recorded).
func (d *householdData) PrintDetail(key string) string {
	def, ok := tuopin.HouseholdFieldDef(key)
	v := d.H.Details[key]
	if !ok || v == "" {
		return ""
	}
	codes := d.Codes
	if codes == nil {
		codes = tuopin.DefaultCodeSet
	}
	return displayValue(d.Lang, codes, def, v)
}

// PrintRows are household fields by key, labelled, with their values as
// PrintDetail gives them, n to a row of the print page's grid.
func (d *householdData) PrintRows(n int, keys ...string) [][]fieldValue {
	var out [][]fieldValue
	for i, k := range keys {
		if i%n == 0 {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], fieldValue{Key: k, Label: d.FieldTitle(k), Value: d.PrintDetail(k)})
	}
	return out
}

// PrintHelperPost is the help cadre's post and unit, as one line beside
// the name on the print page.
func (d *householdData) PrintHelperPost() string {
	var parts []string
	for _, k := range []string{"helper_title", "helper_unit"} {
		if v := d.PrintDetail(k); v != "" {
			parts = append(parts, v)
		}
	}
	return strings.Join(parts, " · ")
}

// FieldTitle is the label of a household field, by key.
func (d *householdData) FieldTitle(key string) string {
	if def, ok := tuopin.HouseholdFieldDef(key); ok {
		return def.Title(d.Lang)
	}
	return key
}
