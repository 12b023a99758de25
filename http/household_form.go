package apphttp

import (
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tuopin/tuopin"
)

// householdForm is the household form as typed: strings, so that a
// refused form comes back exactly as it was entered.
type householdForm struct {
	Year      string
	Number    string
	AreaCode  string
	Attribute string
	MainCause string
	Status    string
	Income    string // yuan
	Phone     string
	Reason    string
	Version   string
	// Details are the national fields by key (tuopin.HouseholdFieldDefs).
	// A posted form holds the keys it posted, "" for a field left empty;
	// keepUnposted adds the stored values of the others.
	Details map[string]string
	Members []*memberForm
}

// memberForm is one member row. ID is the stored member's ID ("" for a
// new row), posted back as a hidden field so that rows can be matched.
type memberForm struct {
	ID        string
	Name      string
	IDNumber  string
	Sex       string
	BirthDate string
	Relation  string
	Education string
	Health    string
	Skill     string
	Details   map[string]string // as householdForm.Details, by member key
}

type householdFormData struct {
	*view
	Form  *householdForm
	IsNew bool
	H     *tuopin.Household // the stored household when editing
	// Villages, grouped by township, fill the area select; nil when the
	// scope holds too many and the area is typed as a code instead.
	Villages []villageGroup
}

type villageGroup struct {
	Township string
	Villages []*tuopin.Area
}

// AreaListed reports whether the form's area is one of the select's
// options (otherwise the form shows a text field).
func (d *householdFormData) AreaListed() bool {
	for _, g := range d.Villages {
		for _, v := range g.Villages {
			if v.Code == d.Form.AreaCode {
				return true
			}
		}
	}
	return d.Form.AreaCode == "" && d.Villages != nil
}

// Action is where the form posts.
func (d *householdFormData) Action() string {
	if d.IsNew {
		return "/households"
	}
	return "/households/" + strconv.FormatInt(d.H.ID, 10)
}

// maxVillageOptions bounds the area select; larger scopes type the code.
const maxVillageOptions = 2000

// householdNew shows an empty form with one row for the head.
func (s *Server) householdNew(w http.ResponseWriter, r *http.Request) {
	// A new household joins the registry year being kept: the one asked
	// for, else the newest year in the user's scope, else this year.
	year := time.Now().Year()
	if y, err := strconv.Atoi(r.URL.Query().Get("year")); err == nil {
		year = y
	} else if years, err := s.svc.Households.FindYears(r.Context()); err == nil && len(years) > 0 {
		year = years[0]
	}
	f := &householdForm{
		Year:    strconv.Itoa(year),
		Status:  tuopin.StatusPoor,
		Members: []*memberForm{{Relation: tuopin.RelationHead}},
	}
	if a := r.URL.Query().Get("area"); tuopin.IsCode12(a) {
		f.AreaCode = a
	}
	s.renderHouseholdForm(w, r, http.StatusOK, &householdFormData{view: s.newView(w, r, "households"), Form: f, IsNew: true})
}

// householdCreate stores a new household, or re-shows the form with every
// refused field marked.
func (s *Server) householdCreate(w http.ResponseWriter, r *http.Request) {
	d := &householdFormData{view: s.newView(w, r, "households"), Form: parseHouseholdForm(r.PostForm), IsNew: true}
	now := time.Now()
	h, perr := d.Form.household(nil)
	if len(perr) > 0 {
		s.refuseHouseholdForm(w, r, d, perr, h, now)
		return
	}
	err := s.svc.Households.CreateHousehold(r.Context(), h, d.Form.Reason)
	if s.householdFormFailed(w, r, d, err) {
		return
	}
	s.setFlash(w, "flash.household_created")
	http.Redirect(w, r, "/households/"+strconv.FormatInt(h.ID, 10), http.StatusSeeOther)
}

// householdEdit shows the form filled from the stored household.
func (s *Server) householdEdit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	h, err := s.svc.Households.FindHouseholdByID(r.Context(), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.renderHouseholdForm(w, r, http.StatusOK, &householdFormData{view: s.newView(w, r, "households"), Form: householdToForm(h), H: h})
}

// householdUpdate saves the form against the version it was loaded at.
// Fields are sent whole; the service records only what changed.
func (s *Server) householdUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	stored, err := s.svc.Households.FindHouseholdByID(r.Context(), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	f := parseHouseholdForm(r.PostForm)
	f.Year, f.Number, f.Status = strconv.Itoa(stored.Year), stored.Number, stored.Status
	f.keepUnposted(stored)
	d := &householdFormData{view: s.newView(w, r, "households"), Form: f, H: stored}
	now := time.Now()
	h, perr := f.household(stored)
	version, verr := strconv.Atoi(f.Version)
	if verr != nil {
		perr.Add("version", "invalid_format", "Version must be a number.")
	}
	if len(perr) > 0 {
		s.refuseHouseholdForm(w, r, d, perr, h, now)
		return
	}
	upd := tuopin.HouseholdUpdate{
		AreaCode:        &h.AreaCode,
		Attribute:       &h.Attribute,
		MainCause:       &h.MainCause,
		IncomePerCapita: &h.IncomePerCapita,
		Phone:           &h.Phone,
		Details:         &h.Details,
		Members:         &h.Members,
		Version:         &version,
		Reason:          f.Reason,
	}
	_, err = s.svc.Households.UpdateHousehold(r.Context(), id, upd)
	if s.householdFormFailed(w, r, d, err) {
		return
	}
	s.setFlash(w, "flash.household_saved")
	http.Redirect(w, r, "/households/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// refuseHouseholdForm re-shows a form whose input could not even be
// parsed, together with what domain validation says about the rest, so
// that every problem is shown at once.
func (s *Server) refuseHouseholdForm(w http.ResponseWriter, r *http.Request, d *householdFormData, perr tuopin.Fields, h *tuopin.Household, now time.Time) {
	h.Normalize(now)
	codes := d.Codes
	if codes == nil {
		codes = tuopin.DefaultCodeSet
	}
	perr.Merge("", tuopin.ErrorFields(h.Validate(codes, now)))
	d.Errors = perr
	d.FormError = translate(d.Lang, "form.has_errors")
	s.renderHouseholdForm(w, r, http.StatusUnprocessableEntity, d)
}

// householdFormFailed handles the service's answer to a save: it reports
// false for success, and otherwise re-shows the form (invalid fields, a
// taken number, a stale version) or the error page.
func (s *Server) householdFormFailed(w http.ResponseWriter, r *http.Request, d *householdFormData, err error) bool {
	switch tuopin.ErrorCode(err) {
	case "":
		return false
	case tuopin.EINVALID:
		d.Errors = tuopin.ErrorFields(err)
		d.FormError = translate(d.Lang, "form.has_errors")
		if len(d.Errors) == 0 {
			d.FormError += " " + tuopin.ErrorMessage(err)
		}
		s.renderHouseholdForm(w, r, http.StatusUnprocessableEntity, d)
	case tuopin.ECONFLICT:
		if d.IsNew {
			d.FormError = translate(d.Lang, "household.conflict_number")
			d.Errors = tuopin.Fields{"number": {Code: "taken", Message: tuopin.ErrorMessage(err)}}
		} else {
			d.FormError = translate(d.Lang, "household.conflict_version")
		}
		s.renderHouseholdForm(w, r, http.StatusConflict, d)
	default:
		s.htmlError(w, r, err)
	}
	return true
}

func (s *Server) renderHouseholdForm(w http.ResponseWriter, r *http.Request, status int, d *householdFormData) {
	if err := s.loadVillageOptions(r, d); err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.render(w, r, status, viewHouseholdForm, d)
}

// loadVillageOptions lists the villages of the user's scope grouped by
// township, unless there are more than maxVillageOptions.
func (s *Server) loadVillageOptions(r *http.Request, d *householdFormData) error {
	ctx := r.Context()
	scope := d.User.Scope
	village, township := tuopin.LevelVillage, tuopin.LevelTownship
	villages, total, err := s.svc.Areas.FindAreas(ctx, tuopin.AreaFilter{Prefix: scope, Level: &village, Limit: maxVillageOptions})
	if err != nil || total > maxVillageOptions {
		return err
	}
	d.Villages = []villageGroup{}
	if len(scope) >= township.Digits() {
		// A township or village user: one group, named by the scope.
		d.Villages = append(d.Villages, villageGroup{Township: d.ScopeName, Villages: villages})
		return nil
	}
	towns, _, err := s.svc.Areas.FindAreas(ctx, tuopin.AreaFilter{Prefix: scope, Level: &township, Limit: maxVillageOptions})
	if err != nil {
		return err
	}
	names := make(map[string]string, len(towns))
	for _, t := range towns {
		names[t.Code[:9]] = t.Name
	}
	for _, v := range villages {
		t := v.Code[:9]
		if n := len(d.Villages); n == 0 || d.Villages[n-1].Township != names[t] {
			name := names[t]
			if name == "" {
				name = t
			}
			d.Villages = append(d.Villages, villageGroup{Township: name})
		}
		g := &d.Villages[len(d.Villages)-1]
		g.Villages = append(g.Villages, v)
	}
	return nil
}

var (
	memberKeyRe       = regexp.MustCompile(`^members\[(\d{1,4})\]\.(\w+)$`)
	memberDetailKeyRe = regexp.MustCompile(`^members\[(\d{1,4})\]\.details\.(\w+)$`)
)

// postedDetail reads one posted detail field: the values joined with ","
// (a code list arrives as several checkboxes, behind a hidden empty input
// that makes the field present even with none checked).
func postedDetail(vals []string) string {
	var parts []string
	for _, v := range vals {
		if v = strings.TrimSpace(v); v != "" {
			parts = append(parts, v)
		}
	}
	return strings.Join(parts, ",")
}

// parseHouseholdForm reads a posted household form. Member rows arrive as
// members[i].field with gaps where rows were removed; they are ordered by
// i and renumbered from 0, which is the numbering of the field errors the
// form then shows. Rows left entirely blank are dropped. Detail fields
// arrive as details.<key> and members[i].details.<key>; unknown keys are
// ignored.
func parseHouseholdForm(pf url.Values) *householdForm {
	get := func(k string) string { return strings.TrimSpace(pf.Get(k)) }
	f := &householdForm{
		Year: get("year"), Number: get("number"), AreaCode: get("area_code"),
		Attribute: get("attribute"), MainCause: get("main_cause"), Status: get("status"),
		Income: get("income_per_capita"), Phone: get("phone"), Reason: get("reason"), Version: get("version"),
		Details: map[string]string{},
	}
	rows := map[int]*memberForm{}
	rowAt := func(i string) *memberForm {
		n, _ := strconv.Atoi(i)
		r := rows[n]
		if r == nil {
			r = &memberForm{Details: map[string]string{}}
			rows[n] = r
		}
		return r
	}
	for k, vals := range pf {
		if key, ok := strings.CutPrefix(k, detailsPrefix); ok {
			if _, known := tuopin.HouseholdFieldDef(key); known {
				f.Details[key] = postedDetail(vals)
			}
			continue
		}
		if m := memberDetailKeyRe.FindStringSubmatch(k); m != nil {
			if _, known := tuopin.MemberFieldDef(m[2]); known {
				rowAt(m[1]).Details[m[2]] = postedDetail(vals)
			}
			continue
		}
		m := memberKeyRe.FindStringSubmatch(k)
		if m == nil || len(vals) == 0 {
			continue
		}
		row := rowAt(m[1])
		v := strings.TrimSpace(vals[0])
		switch m[2] {
		case "id":
			row.ID = v
		case "name":
			row.Name = v
		case "id_number":
			row.IDNumber = v
		case "sex":
			row.Sex = v
		case "birth_date":
			row.BirthDate = v
		case "relation":
			row.Relation = v
		case "education":
			row.Education = v
		case "health":
			row.Health = v
		case "skill":
			row.Skill = v
		}
	}
	idx := make([]int, 0, len(rows))
	for i := range rows {
		idx = append(idx, i)
	}
	slices.Sort(idx)
	for _, i := range idx {
		row := rows[i]
		if row.ID == "" && row.Name == "" && row.IDNumber == "" {
			continue
		}
		f.Members = append(f.Members, row)
	}
	return f
}

// household converts the form into a household: a new one, or stored with
// the form's editable fields applied. Input that cannot be parsed (a year,
// an amount, a date) is reported in the returned fields; the household is
// still returned, with those fields left empty, for validation of the rest.
func (f *householdForm) household(stored *tuopin.Household) (*tuopin.Household, tuopin.Fields) {
	var errs tuopin.Fields
	h := &tuopin.Household{}
	if stored != nil {
		cp := *stored
		h = &cp
	} else {
		h.Number, h.Status = f.Number, f.Status
		if y, err := strconv.Atoi(f.Year); err == nil {
			h.Year = y
		} else {
			errs.Add("year", "invalid_year", "Year must be a number.")
		}
	}
	h.AreaCode, h.Attribute, h.MainCause, h.Phone = f.AreaCode, f.Attribute, f.MainCause, f.Phone
	h.IncomePerCapita = 0
	if f.Income != "" {
		if m, err := tuopin.ParseYuan(f.Income); err == nil {
			h.IncomePerCapita = m
		} else {
			errs.Add("income_per_capita", "invalid_amount", "Enter an amount in yuan, e.g. 4200.50.")
		}
	}
	h.Details = recorded(f.Details)
	h.Members = make([]*tuopin.Member, 0, len(f.Members))
	for i, mf := range f.Members {
		prefix := "members[" + strconv.Itoa(i) + "]."
		m := &tuopin.Member{
			Name: mf.Name, IDNumber: mf.IDNumber, Sex: mf.Sex, Relation: mf.Relation,
			Education: mf.Education, Health: mf.Health, Skill: mf.Skill, Details: recorded(mf.Details),
		}
		if mf.ID != "" {
			id, err := strconv.ParseInt(mf.ID, 10, 64)
			if err != nil || id < 0 {
				errs.Add(prefix+"id", "invalid_format", "Member ID must be a number.")
			}
			m.ID = id
		}
		if mf.BirthDate != "" {
			t, err := time.Parse(tuopin.DateLayout, mf.BirthDate)
			if err != nil {
				errs.Add(prefix+"birth_date", "invalid_date", "Enter a date as YYYY-MM-DD.")
			}
			m.BirthDate = t
		}
		h.Members = append(h.Members, m)
	}
	return h, errs
}

// householdToForm fills the form from a stored household.
func householdToForm(h *tuopin.Household) *householdForm {
	f := &householdForm{
		Year: strconv.Itoa(h.Year), Number: h.Number, AreaCode: h.AreaCode,
		Attribute: h.Attribute, MainCause: h.MainCause, Status: h.Status,
		Income: h.IncomePerCapita.Yuan(), Phone: h.Phone, Version: strconv.Itoa(h.Version),
		Details: maps.Clone(h.Details),
	}
	for _, m := range h.Members {
		mf := &memberForm{
			ID: strconv.FormatInt(m.ID, 10), Name: m.Name, IDNumber: m.IDNumber, Sex: m.Sex,
			Relation: m.Relation, Education: m.Education, Health: m.Health, Skill: m.Skill,
			Details: maps.Clone(m.Details),
		}
		if !m.BirthDate.IsZero() {
			mf.BirthDate = m.BirthDate.UTC().Format(tuopin.DateLayout)
		}
		f.Members = append(f.Members, mf)
	}
	return f
}

// recorded returns the non-empty values of a form's details, as a new map
// (validation normalizes the household's map in place).
func recorded(d map[string]string) map[string]string {
	out := make(map[string]string, len(d))
	for k, v := range d {
		if v != "" {
			out[k] = v
		}
	}
	return out
}

// keepUnposted fills in the stored details of the fields the form did not
// post, for the household and for each member row matched by ID, so that
// saving a form never drops a value merely because its field was not on
// the page. A posted empty field clears its value.
func (f *householdForm) keepUnposted(stored *tuopin.Household) {
	fill := func(dst *map[string]string, src map[string]string) {
		if *dst == nil {
			*dst = map[string]string{}
		}
		for k, v := range src {
			if _, posted := (*dst)[k]; !posted {
				(*dst)[k] = v
			}
		}
	}
	fill(&f.Details, stored.Details)
	byID := make(map[string]*tuopin.Member, len(stored.Members))
	for _, m := range stored.Members {
		byID[strconv.FormatInt(m.ID, 10)] = m
	}
	for _, mf := range f.Members {
		if m := byID[mf.ID]; m != nil && mf.ID != "" {
			fill(&mf.Details, m.Details)
		}
	}
}

// BlankMember is the empty row behind the "add member" button.
func (d *householdFormData) BlankMember() *memberForm {
	return &memberForm{Details: map[string]string{}}
}
