package apphttp

import (
	"bytes"
	"fmt"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/web"
)

// Views rendered by the handlers. parseViews fails at boot when one of
// them has no file under templates/views/, so a typo cannot wait for a
// request to be found.
const (
	viewLogin          = "login"
	viewError          = "error"
	viewArea           = "area"
	viewHouseholds     = "households"
	viewHousehold      = "household"
	viewHouseholdForm  = "household_form"
	viewHouseholdPrint = "household_print"
	viewUsers          = "users"
	viewUserForm       = "user_form"
	viewAudit          = "audit"
	viewAccount        = "account"
	viewDashboard      = "dashboard"
	viewWall           = "wall"
	viewMap            = "map"
	viewPlans          = "plans"
)

var requiredViews = []string{
	viewLogin, viewError, viewArea, viewHouseholds, viewHousehold, viewHouseholdForm, viewHouseholdPrint,
	viewUsers, viewUserForm, viewAudit, viewAccount, viewDashboard, viewWall, viewMap, viewPlans,
	viewCodes, viewParams,
	viewImports, viewImport, viewImportNew,
}

// views holds one parsed template set per view and language. Each set is
// the layout, the shared partials and the view's own file, parsed once at
// startup with the translation function bound to its language, so that
// templates simply call {{t "key"}} and nothing is parsed or cloned per
// request.
type views struct {
	byLang map[string]map[string]*template.Template
}

func parseViews(a *assets) (*views, error) {
	files, err := fs.Glob(web.FS, "templates/views/*.html")
	if err != nil {
		return nil, err
	}
	v := &views{byLang: make(map[string]map[string]*template.Template)}
	for lang := range catalogs {
		v.byLang[lang] = make(map[string]*template.Template)
		for _, f := range files {
			name := strings.TrimSuffix(path.Base(f), ".html")
			t, err := template.New(name).Funcs(templateFuncs(lang, a)).
				ParseFS(web.FS, "templates/layout.html", "templates/partials/*.html", f)
			if err != nil {
				return nil, err
			}
			v.byLang[lang][name] = t
		}
	}
	for _, name := range requiredViews {
		if v.byLang[langZH][name] == nil {
			return nil, fmt.Errorf("view %q has no file templates/views/%s.html", name, name)
		}
	}
	return v, nil
}

// render executes a full page (the "base" layout around the view's
// "content") into a buffer and writes it with status. An execution error
// is logged and answered with a bare 500, since the error page itself may
// be what failed.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	s.renderBlock(w, r, status, name, "base", data)
}

// renderBlock executes one named template of a view, e.g. the results
// table that htmx swaps in.
func (s *Server) renderBlock(w http.ResponseWriter, r *http.Request, status int, name, block string, data any) {
	lang := state(r).lang
	if catalogs[lang] == nil {
		lang = langZH
	}
	t := s.views.byLang[lang][name]
	var buf bytes.Buffer
	var err error
	if t == nil {
		err = fmt.Errorf("no view %q", name)
	} else {
		err = t.ExecuteTemplate(&buf, block, data)
	}
	if err != nil {
		s.log.Error("render", "req_id", requestID(r.Context()), "view", name, "block", block, "err", err)
		http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Vary", "HX-Request")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}

// displayZone is China Standard Time, in which every time is shown; China
// has no daylight saving, so a fixed zone is exact.
var displayZone = time.FixedZone("CST", 8*3600)

func templateFuncs(lang string, a *assets) template.FuncMap {
	return template.FuncMap{
		"t":     func(key string, args ...any) string { return translate(lang, key, args...) },
		"lang":  func() string { return lang },
		"asset": a.URL,
		"label": func(codes *tuopin.CodeSet, kind, code string) string {
			if codes == nil || code == "" {
				return code
			}
			return codes.Label(kind, code, lang)
		},
		"fieldLabel": func(key string) string { return fieldLabel(lang, key) },
		"fieldErr": func(errs map[string]tuopin.FieldError, key string) string {
			fe, ok := errs[key]
			if !ok {
				return ""
			}
			return fieldMessage(lang, fe)
		},
		"hasErr": func(errs map[string]tuopin.FieldError, key string) bool {
			_, ok := errs[key]
			return ok
		},
		"initial": func(s string) string {
			for _, r := range s {
				return string(r)
			}
			return ""
		},
		"pctClass": pctClass,
		"ratio": func(a, b int) string {
			if b <= 0 {
				return "—"
			}
			return strconv.FormatFloat(float64(a)/float64(b), 'f', 1, 64)
		},
		"roleLabel":  func(r tuopin.Role) string { return translate(lang, "role."+string(r)) },
		"levelLabel": func(l tuopin.Level) string { return translate(lang, "level."+strconv.Itoa(int(l))) },
		"num":        formatInt,
		"yuan":       formatYuan,
		"pct":        percent,
		"date": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.UTC().Format(tuopin.DateLayout)
		},
		"datetime": func(t time.Time) string {
			if t.IsZero() {
				return ""
			}
			return t.In(displayZone).Format("2006-01-02 15:04")
		},
		"statusClass": statusClass,
		"add":         func(a, b int) int { return a + b },
		"dict":        dict,
	}
}

// formatInt writes an integer with thousands separators: 12,345.
func formatInt(n int) string { return grouping.Sprint(n) }

// grouping prints integers with English digit grouping.
var grouping = message.NewPrinter(language.English)

// formatYuan writes an amount in yuan with separators: 12,345.60.
func formatYuan(m tuopin.Money) string {
	whole, frac, _ := strings.Cut(m.Yuan(), ".")
	n, _ := strconv.Atoi(whole)
	if whole == "-0" {
		return "-0." + frac
	}
	return formatInt(n) + "." + frac
}

// percent returns part/whole as a percentage with one decimal, "0.0" for
// an empty whole.
func percent(part, whole int) string {
	if whole <= 0 {
		return "0.0"
	}
	return strconv.FormatFloat(float64(part)*100/float64(whole), 'f', 1, 64)
}

// pctClass returns the width class (w0, w5 … w100) of a progress bar for
// part/whole, rounded to 5%: the stylesheet defines them, so that no
// inline style (forbidden by the CSP) is needed.
func pctClass(part, whole int) string {
	if whole <= 0 || part <= 0 {
		return "w0"
	}
	p := (part*100/whole + 2) / 5 * 5
	if p == 0 {
		p = 5 // a sliver for any progress at all
	}
	return "w" + strconv.Itoa(min(p, 100))
}

// statusClass names the badge colour of a household status.
func statusClass(status string) string {
	switch status {
	case tuopin.StatusPoor:
		return "badge-red"
	case tuopin.StatusPreExit:
		return "badge-amber"
	case tuopin.StatusExited:
		return "badge-green"
	case tuopin.StatusExitedDone:
		return "badge-teal"
	case tuopin.StatusReturned:
		return "badge-purple"
	}
	return "badge-grey"
}

// dict builds a map from alternating keys and values, for passing several
// values to a partial: {{template "pager" dict "P" .Pager "Lang" $.Lang}}.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}
