package apphttp

import (
	"net/http"
	"net/url"

	"github.com/tuopin/tuopin"
)

// view is what every page template receives, embedded in the page's own
// data struct: the acting user, language, CSRF token, flash message, the
// active navigation entry and the code tables for labels.
type view struct {
	Lang      string
	CSRF      string
	Flash     string // a catalog key, shown once
	Nav       string // active navigation entry
	Path      string
	User      *tuopin.User
	ScopeName string
	Codes     *tuopin.CodeSet
	// OtherLang and OtherLangURL drive the language switch: the current
	// page with ?lang= set to the other language.
	OtherLang    string
	OtherLangURL string
	// Errors holds field errors to show next to form fields; FormError is
	// the message above a form.
	Errors    map[string]tuopin.FieldError
	FormError string
	// Bare renders the page without the navigation and top bar: the wall
	// chart's full-screen mode for a big screen.
	Bare bool
	// imports is set when the server runs spreadsheet imports (CanImport).
	imports bool
}

// newView fills the common page data. For a logged-in user it also loads
// the code tables and the name of the user's scope area; a failure there
// is not fatal to the page, it only loses labels, and is logged.
func (s *Server) newView(w http.ResponseWriter, r *http.Request, nav string) *view {
	st := state(r)
	lang := st.lang
	if catalogs[lang] == nil {
		lang = langZH
	}
	v := &view{
		Lang:  lang,
		CSRF:  st.csrf,
		Flash: s.takeFlash(w, r),
		Nav:   nav,
		Path:  r.URL.Path,
		User:  st.user,

		imports: s.svc.Imports != nil,
	}
	v.OtherLang = langEN
	if lang == langEN {
		v.OtherLang = langZH
	}
	if r.Method == http.MethodGet {
		q := url.Values{}
		for k, vals := range r.URL.Query() {
			if k != "lang" {
				q[k] = vals
			}
		}
		q.Set("lang", v.OtherLang)
		v.OtherLangURL = r.URL.Path + "?" + q.Encode()
	} else {
		// A posted form has no page to come back to by GET.
		v.OtherLangURL = "/?lang=" + v.OtherLang
	}

	if st.user != nil {
		ctx := r.Context()
		codes, err := s.svc.Codes.FindCodeSet(ctx)
		if err != nil {
			s.logIfInternal(r, err)
			codes = tuopin.DefaultCodeSet
		}
		v.Codes = codes
		if st.user.Scope == "" {
			v.ScopeName = translate(lang, "area.nation")
		} else if a, err := s.svc.Areas.FindAreaByCode(ctx, st.user.Scope); err == nil {
			v.ScopeName = a.Name
		} else {
			s.logIfInternal(r, err)
			v.ScopeName = st.user.Scope
		}
	}
	return v
}

// CanEdit reports whether the user may change the registry.
func (v *view) CanEdit() bool { return v.User != nil && v.User.Role.CanEditRegistry() }

// CanManageUsers reports whether the user may open the user pages.
func (v *view) CanManageUsers() bool { return v.User != nil && v.User.Role.CanManageUsers() }

// CanViewAudit reports whether the user may read the audit log.
func (v *view) CanViewAudit() bool { return v.User != nil && v.User.Role.CanViewAudit() }

// errorPage is the data of the error view.
type errorPage struct {
	*view
	Status  int
	Code    string
	Message string
}

// htmlError renders the error page in the layout for err. Not-found and
// out-of-scope look the same. An anonymous visitor hitting an
// EUNAUTHORIZED error is sent to the login page.
func (s *Server) htmlError(w http.ResponseWriter, r *http.Request, err error) {
	s.logIfInternal(r, err)
	status, code, msg, _ := errorInfo(err)
	if status == http.StatusUnauthorized && state(r).user == nil {
		redirectToLogin(w, r)
		return
	}
	v := s.newView(w, r, "")
	p := &errorPage{view: v, Status: status, Code: code}
	switch code {
	case tuopin.EINVALID, tuopin.ECONFLICT:
		// The caller's own input: the domain message helps (English only).
		p.Message = msg
		if v.Lang == langZH {
			p.Message = ""
		}
	}
	s.render(w, r, status, viewError, p)
}

// notFound is the catch-all handler of the HTML surface.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	s.htmlError(w, r, tuopin.NotFound("Page"))
}
