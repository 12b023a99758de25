package apphttp

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"

	"github.com/tuopin/tuopin"
)

// Cookie names. The session cookie holds "id.secret" as AuthService issued
// it; only a hash of the secret is stored server-side.
const (
	sessionCookie = "tuopin_session"
	langCookie    = "tuopin_lang"
	// anonCSRFCookie carries the CSRF token of a visitor without a
	// session (the login form), checked double-submit style.
	anonCSRFCookie = "tuopin_csrf"
	flashCookie    = "tuopin_flash"
)

// withSession loads the browser session named by the cookie, puts its user
// into the context, chooses the language and then enforces the CSRF token
// on every non-safe method. Anonymous requests pass through; pages that
// need a user wrap themselves in requireUser.
func (s *Server) withSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := state(r)
		if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
			sess, user, err := s.svc.Auth.FindSession(r.Context(), c.Value)
			switch {
			case err == nil:
				st.session, st.user, st.csrf = sess, user, sess.CSRFToken
				r = r.WithContext(tuopin.NewContextWithUser(r.Context(), user))
			case tuopin.ErrorCode(err) == tuopin.EUNAUTHORIZED:
				s.clearCookie(w, sessionCookie)
			default:
				s.chooseLang(w, r, st)
				s.htmlError(w, r, err)
				return
			}
		}
		s.chooseLang(w, r, st)
		if st.session == nil {
			st.csrf = s.anonCSRFToken(w, r)
		}
		if !isSafeMethod(r.Method) {
			limit := int64(maxFormLen)
			if s.isUpload(r) {
				// A spreadsheet upload (imports.go): refused whole, with
				// a clear message, when it says it is too large.
				if r.ContentLength > s.uploadLimit() {
					s.uploadTooLarge(w, r)
					return
				}
				limit = s.uploadLimit()
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			if !s.checkCSRF(r, st) {
				s.htmlError(w, r, tuopin.Errorf(tuopin.EFORBIDDEN, "Missing or wrong CSRF token."))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// requireUser sends an anonymous visitor to the login page, remembering
// where it wanted to go; htmx requests are told to redirect the page.
func (s *Server) requireUser(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if state(r).user == nil {
			redirectToLogin(w, r)
			return
		}
		next(w, r)
	}
}

func redirectToLogin(w http.ResponseWriter, r *http.Request) {
	target := "/login"
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	if r.Header.Get("HX-Request") == "true" {
		w.Header().Set("HX-Redirect", target)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// requireRole lets only users whose role passes ok through; others get the
// 403 page. It implies requireUser.
func (s *Server) requireRole(ok func(tuopin.Role) bool, next http.HandlerFunc) http.HandlerFunc {
	return s.requireUser(func(w http.ResponseWriter, r *http.Request) {
		if !ok(state(r).user.Role) {
			s.htmlError(w, r, tuopin.Errorf(tuopin.EFORBIDDEN, "Your role may not open this page."))
			return
		}
		next(w, r)
	})
}

func (s *Server) setSessionCookie(w http.ResponseWriter, value string, sess *tuopin.Session) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: value, Path: "/", Expires: sess.ExpiresAt,
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearCookie(w http.ResponseWriter, name string) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
}

// setFlash stores a message key shown once on the next page. Only catalog
// keys travel in the cookie, so it cannot carry markup.
func (s *Server) setFlash(w http.ResponseWriter, key string) {
	http.SetCookie(w, &http.Cookie{
		Name: flashCookie, Value: key, Path: "/", MaxAge: 60,
		HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode,
	})
}

// takeFlash returns the pending flash key (if it is a known one) and
// clears it.
func (s *Server) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil || c.Value == "" {
		return ""
	}
	s.clearCookie(w, flashCookie)
	if _, ok := messagesZH[c.Value]; !ok || !strings.HasPrefix(c.Value, "flash.") {
		return ""
	}
	return c.Value
}

// randomToken returns 32 random bytes, base64url-encoded.
func randomToken() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// localPath returns next if it is a path on this site, else "/". It stops
// open redirects through the login form's next parameter.
func localPath(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}
