package apphttp

import (
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/tuopin/tuopin"
)

type loginData struct {
	*view
	Next     string
	Username string
}

// loginPage shows the login form; a logged-in user goes to the overview.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	if state(r).user != nil {
		http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.render(w, r, http.StatusOK, viewLogin, &loginData{view: s.newView(w, r, ""), Next: localPath(r.URL.Query().Get("next"))})
}

// loginSubmit checks the credentials, throttled per client IP and per
// username, and starts a session.
func (s *Server) loginSubmit(w http.ResponseWriter, r *http.Request) {
	username := strings.ToLower(strings.TrimSpace(r.PostFormValue("username")))
	password := r.PostFormValue("password")
	p := &loginData{view: s.newView(w, r, ""), Next: localPath(r.PostFormValue("next")), Username: username}
	keys := []string{"ip:" + s.clientIP(r), "user:" + username}

	if blocked, wait := s.limiter.Blocked(keys...); blocked {
		secs := int(math.Ceil(wait.Seconds()))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		p.FormError = translate(p.Lang, "login.too_many", secs)
		s.render(w, r, http.StatusTooManyRequests, viewLogin, p)
		return
	}

	user, err := s.svc.Users.Authenticate(r.Context(), username, password)
	if tuopin.ErrorCode(err) == tuopin.EUNAUTHORIZED {
		s.limiter.Fail(keys...)
		p.FormError = translate(p.Lang, "login.failed")
		s.render(w, r, http.StatusUnauthorized, viewLogin, p)
		return
	} else if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.limiter.Reset(keys[1])

	ctx := tuopin.NewContextWithUser(r.Context(), user)
	cookie, sess, err := s.svc.Auth.CreateSession(ctx, user.ID, p.Lang, s.cfg.SessionTTL)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.setSessionCookie(w, cookie, sess)
	s.clearCookie(w, anonCSRFCookie)
	http.Redirect(w, r, p.Next, http.StatusSeeOther)
}

// logoutSubmit ends the session. It is a POST, guarded by the CSRF token,
// so that another site cannot log a user out.
func (s *Server) logoutSubmit(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := s.svc.Auth.DeleteSession(r.Context(), c.Value); err != nil {
			s.htmlError(w, r, err)
			return
		}
	}
	s.clearCookie(w, sessionCookie)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
