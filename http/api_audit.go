package apphttp

import (
	"net/http"

	"github.com/tuopin/tuopin"
)

// apiAuditList lists audit entries of the caller's scope, newest first:
// ?target_kind=&target_id=&action=&actor_id=&offset=&limit=.
func (s *Server) apiAuditList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	offset, limit, err := paging(q)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	f := tuopin.AuditFilter{Offset: offset, Limit: limit}
	opt := func(name string) *string {
		if v := q.Get(name); v != "" {
			return &v
		}
		return nil
	}
	f.TargetKind, f.TargetID, f.Action = opt("target_kind"), opt("target_id"), opt("action")
	actor, err := queryInt(q, "actor_id")
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	if actor != nil {
		id := int64(*actor)
		f.ActorID = &id
	}
	items, total, err := s.svc.Audit.FindAuditEntries(r.Context(), f)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(items, total, offset, limit))
}
