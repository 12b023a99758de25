package apphttp

import (
	"net/http"
	"strings"

	"github.com/tuopin/tuopin"
)

// apiUserList lists users inside the caller's scope: ?q=&offset=&limit=.
func (s *Server) apiUserList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	offset, limit, err := paging(q)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	items, total, err := s.svc.Users.FindUsers(r.Context(), tuopin.UserFilter{Query: strings.TrimSpace(q.Get("q")), Offset: offset, Limit: limit})
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(items, total, offset, limit))
}

type userInput struct {
	Username string      `json:"username"`
	Name     string      `json:"name"`
	Role     tuopin.Role `json:"role"`
	Scope    string      `json:"scope"`
	Phone    string      `json:"phone"`
	Password string      `json:"password"`
}

// apiUserCreate creates a user inside the caller's scope, of a weaker role.
func (s *Server) apiUserCreate(w http.ResponseWriter, r *http.Request) {
	var in userInput
	if err := decodeJSON(r, &in); err != nil {
		s.jsonError(w, r, err)
		return
	}
	u := &tuopin.User{Username: in.Username, Name: in.Name, Role: in.Role, Scope: in.Scope, Phone: in.Phone}
	if err := s.svc.Users.CreateUser(r.Context(), u, in.Password); err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, u)
}

// apiUserGet returns a user inside the caller's scope (or the caller).
func (s *Server) apiUserGet(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	u, err := s.svc.Users.FindUserByID(r.Context(), id)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

// userPatch is the body of PATCH /users/{id}: fields present are changed.
type userPatch struct {
	Name     *string      `json:"name"`
	Role     *tuopin.Role `json:"role"`
	Scope    *string      `json:"scope"`
	Phone    *string      `json:"phone"`
	Disabled *bool        `json:"disabled"`
	Password *string      `json:"password"`
	Reason   string       `json:"reason"`
}

// apiUserPatch changes a user.
func (s *Server) apiUserPatch(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	var in userPatch
	if err := decodeJSON(r, &in); err != nil {
		s.jsonError(w, r, err)
		return
	}
	u, err := s.svc.Users.UpdateUser(r.Context(), id, tuopin.UserUpdate{
		Name: in.Name, Role: in.Role, Scope: in.Scope, Phone: in.Phone,
		Disabled: in.Disabled, Password: in.Password, Reason: in.Reason,
	})
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}
