package apphttp

import (
	"net/http"
	"strings"

	"github.com/tuopin/tuopin"
)

// apiTokenList lists the caller's API tokens (never the tokens themselves).
func (s *Server) apiTokenList(w http.ResponseWriter, r *http.Request) {
	items, err := s.svc.Auth.FindAPITokens(r.Context())
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(items, len(items), 0, len(items)))
}

type tokenInput struct {
	Name string `json:"name"`
}

type tokenCreated struct {
	Token    string           `json:"token"`
	APIToken *tuopin.APIToken `json:"api_token"`
}

// apiTokenCreate issues a token for the caller; the plain token is in
// this response only.
func (s *Server) apiTokenCreate(w http.ResponseWriter, r *http.Request) {
	var in tokenInput
	if err := decodeJSON(r, &in); err != nil {
		s.jsonError(w, r, err)
		return
	}
	token, t, err := s.svc.Auth.CreateAPIToken(r.Context(), strings.TrimSpace(in.Name))
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, tokenCreated{Token: token, APIToken: t})
}

// apiTokenDelete revokes one of the caller's tokens.
func (s *Server) apiTokenDelete(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	if err := s.svc.Auth.DeleteAPIToken(r.Context(), id); err != nil {
		s.jsonError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
