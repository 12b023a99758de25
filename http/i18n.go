package apphttp

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/tuopin/tuopin"
)

// The user interface speaks Simplified Chinese by default and English on
// request. Every visible string comes from a catalog (messages_zh.go,
// messages_en.go) by key; templates call {{t "key"}}, code labels come from
// the code tables (CodeSet.Label), and field errors are translated by their
// FieldError.Code, falling back to the English message of the domain.
//
// The language is chosen, in order, by a ?lang= parameter (which is then
// remembered in the tuopin_lang cookie and in the session), the session,
// the cookie, and the default.
const (
	langZH = "zh"
	langEN = "en"
)

var catalogs = map[string]map[string]string{
	langZH: messagesZH,
	langEN: messagesEN,
}

// normLang returns a supported language for a requested one, or "".
func normLang(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "zh", "zh-cn", "zh-hans", "cn":
		return langZH
	case "en", "en-us", "en-gb":
		return langEN
	}
	return ""
}

// translate returns the message for key in lang, formatted with args
// (fmt verbs), falling back to Chinese and then to the key itself so that
// a missing entry is visible rather than blank.
func translate(lang, key string, args ...any) string {
	msg, ok := catalogs[lang][key]
	if !ok {
		if msg, ok = messagesZH[key]; !ok {
			msg = key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// memberFieldRe splits a member field key such as "members[2].id_number"
// or "members[2].details.ethnicity".
var memberFieldRe = regexp.MustCompile(`^members\[(\d+)\]\.((?:details\.)?\w+)$`)

// fieldLabel returns the translated label of a form or JSON field key.
// Member fields are labelled with the row number: "成员 3 · 身份证号".
func fieldLabel(lang, key string) string {
	if m := memberFieldRe.FindStringSubmatch(key); m != nil {
		i, _ := strconv.Atoi(m[1])
		name, ok := detailFieldTitle(lang, m[2], true)
		if !ok {
			name = fieldName(lang, m[2])
		}
		return translate(lang, "field.member_n", i+1) + " · " + name
	}
	if name, ok := detailFieldTitle(lang, key, false); ok {
		return name
	}
	return fieldName(lang, key)
}

// fieldName returns the label of a field name, or the name itself for a
// field the catalog does not know (an audit entry may hold any key).
func fieldName(lang, name string) string {
	if msg, ok := catalogs[lang]["field."+name]; ok {
		return msg
	}
	if msg, ok := messagesZH["field."+name]; ok {
		return msg
	}
	return name
}

// fieldMessage translates one field error by its code. Codes without a
// catalog entry fall back to the domain's English message.
func fieldMessage(lang string, fe tuopin.FieldError) string {
	if msg, ok := catalogs[lang]["err."+fe.Code]; ok {
		return msg
	}
	if fe.Message != "" {
		return fe.Message
	}
	return translate(lang, "err.invalid")
}

// chooseLang picks the language of a request and remembers an explicit
// choice (?lang=) in a cookie and, when logged in, in the session.
func (s *Server) chooseLang(w http.ResponseWriter, r *http.Request, st *reqState) {
	if l := normLang(r.URL.Query().Get("lang")); l != "" {
		st.lang = l
		http.SetCookie(w, &http.Cookie{
			Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode,
		})
		if st.session != nil && st.session.Lang != l {
			// A language choice is not worth failing the page for.
			if err := s.svc.Auth.UpdateSessionLang(r.Context(), st.session.ID, l); err != nil {
				s.logIfInternal(r, err)
			}
			st.session.Lang = l
		}
		return
	}
	if st.session != nil {
		if l := normLang(st.session.Lang); l != "" {
			st.lang = l
			return
		}
	}
	if c, err := r.Cookie(langCookie); err == nil {
		if l := normLang(c.Value); l != "" {
			st.lang = l
			return
		}
	}
	st.lang = langZH
}
