package apphttp

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tuopin/tuopin"
)

// The parameter tables page (参数表): the poverty line, the monitoring line
// and the income counting rules by year and region, with their sources and
// whether they are verified. A county office sets the figures of its own
// regions, an administrator the national ones; everyone else reads.

const viewParams = "params"

// paramForm is the parameter form as typed.
type paramForm struct {
	Kind     string
	Year     string
	Region   string
	Value    string // yuan
	Keys     []string
	Source   string
	Verified bool
	Reason   string
	// Editing is set when the form shows a stored parameter.
	Editing bool
}

type paramKindTab struct {
	Kind, Name string
}

// incomeKeyOption is one checkbox of the income_excluded form.
type incomeKeyOption struct {
	Key, Label string
	Checked    bool
}

type paramsData struct {
	*view
	Kinds    []paramKindTab
	Kind     string
	KindName string
	IsText   bool
	Years    []int // the years holding parameters of the kind
	Year     int   // 0 = every year
	Items    []*tuopin.Parameter
	Form     *paramForm
	Editable bool
}

// paramFormKeys are the form's fields, in order, for the error list.
var paramFormKeys = []string{"kind", "year", "region", "value", "text", "source"}

// ErrorList lists the refused fields as "年度：…", in form order.
func (d *paramsData) ErrorList() []string {
	return fieldErrorList(d.Lang, d.Errors, "params.f.", paramFormKeys)
}

// RegionLabel names a parameter's region: 全国, the area's name, or the
// code when the area is not stored.
func (d *paramsData) RegionLabel(p *tuopin.Parameter) string {
	switch {
	case p.Region == "":
		return translate(d.Lang, "area.nation")
	case p.RegionName != "":
		return p.RegionName
	}
	return p.Region
}

// KeyLabels names the income components of a text parameter.
func (d *paramsData) KeyLabels(p *tuopin.Parameter) []string {
	var out []string
	for _, k := range p.ExcludedKeys() {
		out = append(out, incomeKeyLabel(d.Lang, k))
	}
	return out
}

// CanEditRow reports whether the user may change or delete a parameter:
// its region must lie at or below the user's scope, and national figures
// are an administrator's.
func (d *paramsData) CanEditRow(p *tuopin.Parameter) bool {
	if !d.Editable || !strings.HasPrefix(p.Region, d.User.Scope) {
		return false
	}
	return p.Region != "" || d.User.Role == tuopin.RoleAdmin
}

// EditURL is the page with the form filled with a stored parameter.
func (d *paramsData) EditURL(p *tuopin.Parameter) string {
	q := url.Values{"kind": {p.Kind}, "year": {strconv.Itoa(d.Year)}, "edit": {strconv.Itoa(p.Year)}, "region": {p.Region}}
	return "/params?" + q.Encode() + "#param-form"
}

// IncomeKeys are the checkboxes of the income_excluded form.
func (d *paramsData) IncomeKeys() []incomeKeyOption {
	out := make([]incomeKeyOption, 0, len(tuopin.IncomeComponentKeys))
	for _, k := range tuopin.IncomeComponentKeys {
		out = append(out, incomeKeyOption{Key: k, Label: incomeKeyLabel(d.Lang, k), Checked: slices.Contains(d.Form.Keys, k)})
	}
	return out
}

// incomeKeyLabel names an income component by its household field, without
// the unit.
func incomeKeyLabel(lang, key string) string {
	f, ok := tuopin.HouseholdFieldDef(key)
	if !ok {
		return key
	}
	t := f.Title(lang)
	for _, unit := range []string{"(元)", "（元）", " (yuan)"} {
		t = strings.TrimSuffix(t, unit)
	}
	return t
}

// paramsPage lists the parameters of a kind (?kind=, default the poverty
// line) and year (?year=, default every year). ?edit=YEAR&region=R fills
// the form with a stored parameter.
func (s *Server) paramsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d, err := s.loadParams(w, r, q.Get("kind"), q.Get("year"))
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	if e := q.Get("edit"); e != "" && d.Editable {
		year, _ := strconv.Atoi(e)
		list, err := s.svc.Params.FindParameters(r.Context(), d.Kind, year)
		if err != nil {
			s.htmlError(w, r, err)
			return
		}
		for _, p := range list {
			if p.Region == q.Get("region") && d.CanEditRow(p) {
				d.Form = paramFormOf(p)
			}
		}
	}
	s.render(w, r, http.StatusOK, viewParams, d)
}

// loadParams reads the parameters of a kind and year for the page, with
// an empty form for a new one.
func (s *Server) loadParams(w http.ResponseWriter, r *http.Request, kind, yearText string) (*paramsData, error) {
	v := s.newView(w, r, "params")
	if kind == "" {
		kind = tuopin.ParamKinds[0]
	}
	if !slices.Contains(tuopin.ParamKinds, kind) {
		return nil, tuopin.NotFound("Parameter table")
	}
	year := 0
	if yearText != "" {
		y, err := strconv.Atoi(yearText)
		if err != nil || y < 0 || y > 9999 {
			return nil, errMalformed("year must be a four-digit year")
		}
		year = y
	}
	d := &paramsData{view: v, Kind: kind, KindName: translate(v.Lang, "params.kind."+kind), IsText: tuopin.ParamIsText(kind),
		Year: year, Editable: canEditTables(v.User.Role)}
	for _, k := range tuopin.ParamKinds {
		d.Kinds = append(d.Kinds, paramKindTab{Kind: k, Name: translate(v.Lang, "params.kind."+k)})
	}
	all, err := s.svc.Params.FindParameters(r.Context(), kind, 0)
	if err != nil {
		return nil, err
	}
	for _, p := range all {
		if !slices.Contains(d.Years, p.Year) {
			d.Years = append(d.Years, p.Year)
		}
		if year == 0 || p.Year == year {
			d.Items = append(d.Items, p)
		}
	}
	// A new parameter: the year shown (or the coming one), the user's own
	// region.
	fy := year
	if fy == 0 {
		fy = time.Now().Year()
	}
	d.Form = &paramForm{Kind: kind, Year: strconv.Itoa(fy), Region: v.User.Scope}
	return d, nil
}

func paramFormOf(p *tuopin.Parameter) *paramForm {
	f := &paramForm{Kind: p.Kind, Year: strconv.Itoa(p.Year), Region: p.Region, Source: p.Source, Verified: p.Verified,
		Keys: p.ExcludedKeys(), Editing: true}
	if !tuopin.ParamIsText(p.Kind) {
		f.Value = p.Value.Yuan()
	}
	return f
}

// paramsSave sets (creates or replaces) a parameter from the form. A
// refused form comes back as typed with each refused field marked.
func (s *Server) paramsSave(w http.ResponseWriter, r *http.Request) {
	get := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	d, err := s.loadParams(w, r, get("kind"), get("list_year"))
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	f := &paramForm{Kind: d.Kind, Year: get("year"), Region: get("region"), Value: get("value"), Keys: r.PostForm["text"],
		Source: get("source"), Verified: r.PostFormValue("verified") == "on", Reason: get("reason"), Editing: get("editing") == "1"}
	d.Form = f

	var errs tuopin.Fields
	p := &tuopin.Parameter{Kind: d.Kind, Region: f.Region, Source: f.Source, Verified: f.Verified, Text: strings.Join(f.Keys, ",")}
	if y, err := strconv.Atoi(f.Year); err != nil {
		errs.Add("year", "param_year", "Enter a year such as 2016.")
	} else {
		p.Year = y
	}
	if !d.IsText {
		if f.Value == "" {
			errs.Add("value", "required", "Enter the figure in yuan.")
		} else if m, err := tuopin.ParseYuan(f.Value); err != nil {
			errs.Add("value", "invalid_amount", "Enter an amount in yuan, such as 3146.50.")
		} else {
			p.Value = m
		}
	}
	if len(errs) == 0 {
		err = s.svc.Params.SetParameter(r.Context(), p, f.Reason)
	} else {
		// Say everything wrong at once: the form's own reasons first, then
		// the domain's for the other fields.
		errs.Merge("", tuopin.ErrorFields(p.Validate()))
		err = errs.Err()
	}
	switch tuopin.ErrorCode(err) {
	case "":
		s.setFlash(w, "flash.param_saved")
		http.Redirect(w, r, "/params?"+url.Values{"kind": {p.Kind}, "year": {strconv.Itoa(p.Year)}}.Encode(), http.StatusSeeOther)
	case tuopin.EINVALID:
		d.Errors = tuopin.ErrorFields(err)
		d.FormError = translate(d.Lang, "form.has_errors")
		s.render(w, r, http.StatusUnprocessableEntity, viewParams, d)
	default:
		s.htmlError(w, r, err)
	}
}

// paramsDelete deletes a parameter, after which a wider region's figure
// applies.
func (s *Server) paramsDelete(w http.ResponseWriter, r *http.Request) {
	get := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	d, err := s.loadParams(w, r, get("kind"), get("list_year"))
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	year, err := strconv.Atoi(get("year"))
	if err != nil {
		s.htmlError(w, r, errMalformed("year must be a four-digit year"))
		return
	}
	err = s.svc.Params.DeleteParameter(r.Context(), d.Kind, year, get("region"), get("reason"))
	switch tuopin.ErrorCode(err) {
	case "":
		s.setFlash(w, "flash.param_deleted")
		q := url.Values{"kind": {d.Kind}}
		if d.Year != 0 {
			q.Set("year", strconv.Itoa(d.Year))
		}
		http.Redirect(w, r, "/params?"+q.Encode(), http.StatusSeeOther)
	case tuopin.EINVALID:
		d.Errors = tuopin.ErrorFields(err)
		d.FormError = translate(d.Lang, "params.delete_refused")
		s.render(w, r, http.StatusUnprocessableEntity, viewParams, d)
	default:
		s.htmlError(w, r, err)
	}
}
