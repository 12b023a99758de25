package apphttp

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/tuopin/tuopin"
)

// The code tables page (代码表): every kind with its codes and their
// validity, and for a county office or an administrator a form to add a
// code, change one, retire it (a last year of use) or delete an unused
// one. Everyone else reads.

const viewCodes = "codes"

// canEditTables reports whether a role may edit the code and parameter
// tables (the services decide the rest: scope, regions, codes in use).
func canEditTables(r tuopin.Role) bool { return r == tuopin.RoleAdmin || r == tuopin.RoleCountyAdmin }

// CanEditTables reports whether the user may edit the code and parameter
// tables, for the navigation.
func (v *view) CanEditTables() bool { return v.User != nil && canEditTables(v.User.Role) }

// codeKindName returns the name of a code table in a language, or the
// kind itself for a kind the catalogs do not name yet.
func codeKindName(lang, kind string) string {
	key := "codes.kind." + kind
	if _, ok := messagesZH[key]; !ok {
		return kind
	}
	return translate(lang, key)
}

// codeForm is the code form as typed.
type codeForm struct {
	Code      string
	Label     string
	LabelEn   string
	ValidFrom string
	ValidTo   string
	Ord       string
	Reason    string
	// Editing is set for a stored code, whose code is then fixed.
	Editing bool
}

type codeKindTab struct {
	Kind, Name string
	Count      int
}

type codesData struct {
	*view
	Kinds    []codeKindTab
	Kind     string
	KindName string
	Items    []tuopin.Code
	Form     *codeForm
	Editable bool
}

// codeFormKeys are the form's fields, in order, for the error list.
var codeFormKeys = []string{"kind", "code", "label", "label_en", "valid_from", "valid_to", "ord"}

// ErrorList lists the refused fields as "代码：必填", in form order.
func (d *codesData) ErrorList() []string {
	return fieldErrorList(d.Lang, d.Errors, "codes.f.", codeFormKeys)
}

// fieldErrorList writes the errors of keys as "label: message", labels
// taken from the catalog under prefix.
func fieldErrorList(lang string, errs map[string]tuopin.FieldError, prefix string, keys []string) []string {
	var out []string
	for _, k := range keys {
		if fe, ok := errs[k]; ok {
			out = append(out, translate(lang, prefix+k)+translate(lang, "common.colon")+fieldMessage(lang, fe))
		}
	}
	return out
}

// IsWorkflow reports whether a code has a meaning in the program (it can
// be relabelled only).
func (d *codesData) IsWorkflow(code string) bool { return tuopin.IsWorkflowCode(d.Kind, code) }

// YearText writes a validity year, "—" for open.
func (d *codesData) YearText(y int) string {
	if y == 0 {
		return "—"
	}
	return strconv.Itoa(y)
}

// codesPage shows the code tables; ?kind= picks the table, ?code= fills
// the form with a stored code to edit.
func (s *Server) codesPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d, err := s.loadCodes(w, r, q.Get("kind"))
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	if code := q.Get("code"); code != "" && d.Editable {
		if c, ok := d.Codes.Lookup(d.Kind, code); ok {
			d.Form = codeFormOf(c)
		}
	}
	s.render(w, r, http.StatusOK, viewCodes, d)
}

// loadCodes reads the code tables for the page of one kind ("" = the
// first).
func (s *Server) loadCodes(w http.ResponseWriter, r *http.Request, kind string) (*codesData, error) {
	v := s.newView(w, r, "codes")
	// The view's code set falls back to the seed when storage fails; this
	// page must show what is stored, so it reads again.
	set, err := s.svc.Codes.FindCodeSet(r.Context())
	if err != nil {
		return nil, err
	}
	v.Codes = set
	if kind == "" {
		kind = tuopin.CodeKinds[0]
	}
	d := &codesData{view: v, Kind: kind, Form: &codeForm{}, Editable: canEditTables(v.User.Role)}
	found := false
	for _, k := range tuopin.CodeKinds {
		d.Kinds = append(d.Kinds, codeKindTab{Kind: k, Name: codeKindName(v.Lang, k), Count: len(set.List(k, 0))})
		found = found || k == kind
	}
	if !found {
		return nil, tuopin.NotFound("Code table")
	}
	d.KindName = codeKindName(v.Lang, kind)
	d.Items = set.List(kind, 0)
	return d, nil
}

func codeFormOf(c tuopin.Code) *codeForm {
	f := &codeForm{Code: c.Code, Label: c.Label, LabelEn: c.LabelEn, Ord: strconv.Itoa(c.Ord), Editing: true}
	if c.ValidFrom != 0 {
		f.ValidFrom = strconv.Itoa(c.ValidFrom)
	}
	if c.ValidTo != 0 {
		f.ValidTo = strconv.Itoa(c.ValidTo)
	}
	return f
}

// codesSave adds or changes a code of the kind in the path. A refused
// form comes back as typed with each refused field marked.
func (s *Server) codesSave(w http.ResponseWriter, r *http.Request) {
	d, err := s.loadCodes(w, r, r.PathValue("kind"))
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	get := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	f := &codeForm{Code: get("code"), Label: get("label"), LabelEn: get("label_en"), ValidFrom: get("valid_from"),
		ValidTo: get("valid_to"), Ord: get("ord"), Reason: get("reason"), Editing: r.PostFormValue("editing") == "1"}
	d.Form = f

	var errs tuopin.Fields
	year := func(key, s string) int {
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			errs.Add(key, "code_year", "Enter a year such as 2016, or leave it empty.")
		}
		return n
	}
	c := tuopin.Code{Kind: d.Kind, Code: f.Code, Label: f.Label, LabelEn: f.LabelEn,
		ValidFrom: year("valid_from", f.ValidFrom), ValidTo: year("valid_to", f.ValidTo)}
	if f.Ord != "" {
		n, err := strconv.Atoi(f.Ord)
		if err != nil {
			errs.Add("ord", "invalid_number", "Enter a whole number.")
		}
		c.Ord = n
	}
	// The add form never overwrites a stored code.
	if _, ok := d.Codes.Lookup(d.Kind, f.Code); ok && !f.Editing {
		errs.Add("code", "code_taken", "Code %s exists already: edit it instead.", f.Code)
	}
	if len(errs) == 0 {
		err = s.svc.Codes.SetCode(r.Context(), c, f.Reason)
	} else {
		errs.Merge("", tuopin.ErrorFields(c.Validate()))
		err = errs.Err()
	}
	switch tuopin.ErrorCode(err) {
	case "":
		s.setFlash(w, "flash.code_saved")
		http.Redirect(w, r, "/codes?kind="+url.QueryEscape(d.Kind), http.StatusSeeOther)
	case tuopin.EINVALID:
		d.Errors = tuopin.ErrorFields(err)
		d.FormError = translate(d.Lang, "form.has_errors")
		s.render(w, r, http.StatusUnprocessableEntity, viewCodes, d)
	case tuopin.ECONFLICT:
		d.FormError = translate(d.Lang, "codes.workflow_retire")
		s.render(w, r, http.StatusConflict, viewCodes, d)
	default:
		s.htmlError(w, r, err)
	}
}

// codesDelete deletes an unused code; a code in use, or one the program
// relies on, is refused with the page saying why.
func (s *Server) codesDelete(w http.ResponseWriter, r *http.Request) {
	d, err := s.loadCodes(w, r, r.PathValue("kind"))
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	code := r.PathValue("code")
	err = s.svc.Codes.DeleteCode(r.Context(), d.Kind, code, strings.TrimSpace(r.PostFormValue("reason")))
	switch tuopin.ErrorCode(err) {
	case "":
		s.setFlash(w, "flash.code_deleted")
		http.Redirect(w, r, "/codes?kind="+url.QueryEscape(d.Kind), http.StatusSeeOther)
	case tuopin.ECONFLICT:
		key := "codes.in_use"
		if tuopin.IsWorkflowCode(d.Kind, code) {
			key = "codes.workflow_delete"
		}
		d.FormError = translate(d.Lang, key, code)
		if c, ok := d.Codes.Lookup(d.Kind, code); ok {
			d.Form = codeFormOf(c)
		}
		s.render(w, r, http.StatusConflict, viewCodes, d)
	default:
		s.htmlError(w, r, err)
	}
}
