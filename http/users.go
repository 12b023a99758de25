package apphttp

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/tuopin/tuopin"
)

const userPageSize = 50

type usersData struct {
	*view
	Items      []*tuopin.User
	ScopeNames map[string]string
	Query      string
	Pager      *pager
}

// userList lists the users inside the caller's scope.
func (s *Server) userList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := &usersData{view: s.newView(w, r, "users"), Query: strings.TrimSpace(q.Get("q"))}
	page := pageFromQuery(q)
	users, total, err := s.svc.Users.FindUsers(r.Context(), tuopin.UserFilter{Query: d.Query, Offset: (page - 1) * userPageSize, Limit: userPageSize})
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	d.Items, d.Pager = users, newPager("/users", q, page, userPageSize, total)
	d.ScopeNames = make(map[string]string)
	for _, u := range users {
		if _, ok := d.ScopeNames[u.Scope]; !ok {
			d.ScopeNames[u.Scope] = s.scopeName(r, u.Scope)
		}
	}
	s.render(w, r, http.StatusOK, viewUsers, d)
}

// scopeName returns the name of a scope area, the code when it cannot be
// read, or "全国" for the empty scope.
func (s *Server) scopeName(r *http.Request, scope string) string {
	if scope == "" {
		return translate(state(r).lang, "area.nation")
	}
	a, err := s.svc.Areas.FindAreaByCode(r.Context(), scope)
	if err != nil {
		return scope
	}
	return a.Name
}

// userForm is the user form as typed.
type userForm struct {
	Username string
	Name     string
	Role     string
	Scope    string
	Phone    string
	Password string
	Reason   string
	Disabled bool
}

type userFormData struct {
	*view
	Form      *userForm
	IsNew     bool
	Target    *tuopin.User // the user being edited
	Roles     []tuopin.Role
	ScopeArea *tuopin.Area
}

// Action is where the form posts.
func (d *userFormData) Action() string {
	if d.IsNew {
		return "/users"
	}
	return "/users/" + strconv.FormatInt(d.Target.ID, 10)
}

// grantableRoles are the roles the actor may give to a user in its scope.
func grantableRoles(actor *tuopin.User) []tuopin.Role {
	var out []tuopin.Role
	for _, role := range tuopin.Roles {
		if actor.CanManage(&tuopin.User{Role: role, Scope: actor.Scope}) {
			out = append(out, role)
		}
	}
	return out
}

func (s *Server) renderUserForm(w http.ResponseWriter, r *http.Request, status int, d *userFormData) {
	d.Roles = grantableRoles(d.User)
	if d.Target != nil && !containsRole(d.Roles, d.Target.Role) {
		d.Roles = append([]tuopin.Role{d.Target.Role}, d.Roles...)
	}
	if p, ok := tuopin.ParseAreaRef(d.Form.Scope); ok {
		if a, err := s.svc.Areas.FindAreaByCode(r.Context(), p); err == nil {
			d.ScopeArea = a
		}
	}
	s.render(w, r, status, viewUserForm, d)
}

func containsRole(roles []tuopin.Role, r tuopin.Role) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

func (s *Server) userNew(w http.ResponseWriter, r *http.Request) {
	v := s.newView(w, r, "users")
	f := &userForm{Scope: v.User.Scope, Role: string(tuopin.RoleVillageSecretary)}
	s.renderUserForm(w, r, http.StatusOK, &userFormData{view: v, Form: f, IsNew: true})
}

func parseUserForm(r *http.Request) *userForm {
	get := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	return &userForm{
		Username: strings.ToLower(get("username")), Name: get("name"), Role: get("role"),
		Scope: get("scope"), Phone: get("phone"), Password: r.PostFormValue("password"),
		Reason: get("reason"), Disabled: r.PostFormValue("disabled") == "on",
	}
}

// userCreate stores a new user, or re-shows the form with the reasons.
func (s *Server) userCreate(w http.ResponseWriter, r *http.Request) {
	f := parseUserForm(r)
	d := &userFormData{view: s.newView(w, r, "users"), Form: f, IsNew: true}
	scope := f.Scope
	if p, ok := tuopin.ParseAreaRef(f.Scope); ok {
		scope = p
	}
	u := &tuopin.User{Username: f.Username, Name: f.Name, Role: tuopin.Role(f.Role), Scope: scope, Phone: f.Phone}
	err := s.svc.Users.CreateUser(r.Context(), u, f.Password)
	if s.userFormFailed(w, r, d, err) {
		return
	}
	s.setFlash(w, "flash.user_created")
	http.Redirect(w, r, "/users", http.StatusSeeOther)
}

func (s *Server) userEdit(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	u, err := s.svc.Users.FindUserByID(r.Context(), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	f := &userForm{Username: u.Username, Name: u.Name, Role: string(u.Role), Scope: u.Scope, Phone: u.Phone, Disabled: u.Disabled}
	s.renderUserForm(w, r, http.StatusOK, &userFormData{view: s.newView(w, r, "users"), Form: f, Target: u})
}

// userUpdate saves the edit form; an empty password field keeps the
// password.
func (s *Server) userUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	target, err := s.svc.Users.FindUserByID(r.Context(), id)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	f := parseUserForm(r)
	f.Username = target.Username
	d := &userFormData{view: s.newView(w, r, "users"), Form: f, Target: target}
	role := tuopin.Role(f.Role)
	scope := f.Scope
	if p, ok := tuopin.ParseAreaRef(f.Scope); ok {
		scope = p
	}
	// Send only what changed: a change of role or scope needs more rights
	// than a change of name, and an unchanged field must not ask for them.
	upd := tuopin.UserUpdate{Reason: f.Reason}
	if f.Name != target.Name {
		upd.Name = &f.Name
	}
	if role != target.Role {
		upd.Role = &role
	}
	if scope != target.Scope {
		upd.Scope = &scope
	}
	if f.Phone != target.Phone {
		upd.Phone = &f.Phone
	}
	if f.Disabled != target.Disabled {
		upd.Disabled = &f.Disabled
	}
	if f.Password != "" {
		upd.Password = &f.Password
	}
	_, err = s.svc.Users.UpdateUser(r.Context(), id, upd)
	if s.userFormFailed(w, r, d, err) {
		return
	}
	s.setFlash(w, "flash.user_saved")
	http.Redirect(w, r, "/users", http.StatusSeeOther)
}

// userFormFailed re-shows the user form for refused input (invalid
// fields, a taken username, a role or scope the caller may not grant) and
// reports whether it did; other errors get the error page.
func (s *Server) userFormFailed(w http.ResponseWriter, r *http.Request, d *userFormData, err error) bool {
	d.Form.Password = ""
	switch tuopin.ErrorCode(err) {
	case "":
		return false
	case tuopin.EINVALID:
		d.Errors = tuopin.ErrorFields(err)
		d.FormError = translate(d.Lang, "form.has_errors")
		s.renderUserForm(w, r, http.StatusUnprocessableEntity, d)
	case tuopin.ECONFLICT:
		d.Errors = tuopin.Fields{"username": {Code: "taken", Message: tuopin.ErrorMessage(err)}}
		d.FormError = translate(d.Lang, "form.has_errors")
		s.renderUserForm(w, r, http.StatusConflict, d)
	case tuopin.EFORBIDDEN:
		d.FormError = translate(d.Lang, "user.forbidden")
		s.renderUserForm(w, r, http.StatusForbidden, d)
	default:
		s.htmlError(w, r, err)
	}
	return true
}
