package apphttp

import (
	"net/http"
	"strings"

	"github.com/tuopin/tuopin"
)

type accountData struct {
	*view
	Tokens []*tuopin.APIToken
	// NewToken is the plain token just created, shown this once.
	NewToken  string
	TokenName string
	// PasswordError is the message above the password form; TokenError
	// above the token form.
	PasswordError string
	TokenError    string
}

func (s *Server) loadAccount(w http.ResponseWriter, r *http.Request) (*accountData, error) {
	d := &accountData{view: s.newView(w, r, "account")}
	tokens, err := s.svc.Auth.FindAPITokens(r.Context())
	if err != nil {
		return nil, err
	}
	d.Tokens = tokens
	return d, nil
}

// accountPage shows the password form and the user's API tokens.
func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.loadAccount(w, r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, viewAccount, d)
}

// accountPassword changes the user's own password after checking the
// current one.
func (s *Server) accountPassword(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	user := state(r).user
	current, next, confirm := r.PostFormValue("current"), r.PostFormValue("password"), r.PostFormValue("confirm")
	fail := func(status int, d *accountData, msg string, fields map[string]tuopin.FieldError) {
		d.PasswordError, d.Errors = msg, fields
		s.render(w, r, status, viewAccount, d)
	}
	d, err := s.loadAccount(w, r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	if next != confirm {
		fail(http.StatusUnprocessableEntity, d, translate(d.Lang, "form.has_errors"),
			tuopin.Fields{"confirm": {Code: "mismatch", Message: "The two passwords differ."}})
		return
	}
	keys := []string{"ip:" + s.clientIP(r), "user:" + user.Username}
	if blocked, _ := s.limiter.Blocked(keys...); blocked {
		fail(http.StatusTooManyRequests, d, translate(d.Lang, "login.too_many", int(s.cfg.LoginWindow.Seconds())), nil)
		return
	}
	if _, err := s.svc.Users.Authenticate(ctx, user.Username, current); tuopin.ErrorCode(err) == tuopin.EUNAUTHORIZED {
		s.limiter.Fail(keys...)
		fail(http.StatusUnprocessableEntity, d, translate(d.Lang, "form.has_errors"),
			tuopin.Fields{"current": {Code: "wrong_password", Message: "The current password is wrong."}})
		return
	} else if err != nil {
		s.htmlError(w, r, err)
		return
	}
	_, err = s.svc.Users.UpdateUser(ctx, user.ID, tuopin.UserUpdate{Password: &next, Reason: "password change"})
	if tuopin.ErrorCode(err) == tuopin.EINVALID {
		fail(http.StatusUnprocessableEntity, d, translate(d.Lang, "form.has_errors"), tuopin.ErrorFields(err))
		return
	} else if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.setFlash(w, "flash.password_changed")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

// accountTokenCreate issues an API token and shows it once, in this
// response; it is not stored in plain form anywhere.
func (s *Server) accountTokenCreate(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimSpace(r.PostFormValue("name"))
	d, err := s.loadAccount(w, r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	token, _, err := s.svc.Auth.CreateAPIToken(r.Context(), name)
	if tuopin.ErrorCode(err) == tuopin.EINVALID {
		d.TokenError, d.Errors, d.TokenName = translate(d.Lang, "form.has_errors"), tuopin.ErrorFields(err), name
		s.render(w, r, http.StatusUnprocessableEntity, viewAccount, d)
		return
	} else if err != nil {
		s.htmlError(w, r, err)
		return
	}
	if d.Tokens, err = s.svc.Auth.FindAPITokens(r.Context()); err != nil {
		s.htmlError(w, r, err)
		return
	}
	d.NewToken = token
	s.render(w, r, http.StatusOK, viewAccount, d)
}

// accountTokenDelete revokes one of the user's tokens.
func (s *Server) accountTokenDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	if err := s.svc.Auth.DeleteAPIToken(r.Context(), id); err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.setFlash(w, "flash.token_revoked")
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}
