package apphttp

import (
	"net/http"
	"strings"

	"github.com/tuopin/tuopin"
)

// codePutBody is the body of PUT /api/v1/codes/{kind}/{code}.
type codePutBody struct {
	Label     string `json:"label"`
	LabelEn   string `json:"label_en"`
	ValidFrom int    `json:"valid_from"`
	ValidTo   int    `json:"valid_to"`
	Ord       int    `json:"ord"`
	Reason    string `json:"reason"`
}

// apiCodePut creates a code or changes a stored one (its labels, validity
// years and order) and answers with the code as stored: 201 for a new
// code, 200 for a changed one.
func (s *Server) apiCodePut(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	kind, code := r.PathValue("kind"), r.PathValue("code")
	if !canEditTables(state(r).user.Role) {
		s.jsonError(w, r, tuopin.Errorf(tuopin.EFORBIDDEN, "Only a county office or an administrator may edit the code tables."))
		return
	}
	var in codePutBody
	if err := decodeJSON(r, &in); err != nil {
		s.jsonError(w, r, err)
		return
	}
	before, err := s.svc.Codes.FindCodeSet(ctx)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	_, existed := before.Lookup(kind, code)
	c := tuopin.Code{Kind: kind, Code: code, Label: in.Label, LabelEn: in.LabelEn, ValidFrom: in.ValidFrom, ValidTo: in.ValidTo, Ord: in.Ord}
	if err := s.svc.Codes.SetCode(ctx, c, strings.TrimSpace(in.Reason)); err != nil {
		s.jsonError(w, r, err)
		return
	}
	after, err := s.svc.Codes.FindCodeSet(ctx)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	stored, _ := after.Lookup(kind, code)
	status := http.StatusOK
	if !existed {
		status = http.StatusCreated
	}
	writeJSON(w, status, stored)
}

// apiCodeDelete deletes a code no record uses (?reason= is recorded).
func (s *Server) apiCodeDelete(w http.ResponseWriter, r *http.Request) {
	if !canEditTables(state(r).user.Role) {
		s.jsonError(w, r, tuopin.Errorf(tuopin.EFORBIDDEN, "Only a county office or an administrator may edit the code tables."))
		return
	}
	err := s.svc.Codes.DeleteCode(r.Context(), r.PathValue("kind"), r.PathValue("code"), strings.TrimSpace(r.URL.Query().Get("reason")))
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
