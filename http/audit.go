package apphttp

import (
	"net/http"
	"strings"

	"github.com/tuopin/tuopin"
)

const auditPageSize = 50

// auditActions and auditKinds fill the filter selects of the audit page.
var (
	auditActions = tuopin.AuditActions
	auditKinds   = tuopin.AuditTargetKinds
)

type auditData struct {
	*view
	Rows []*auditRow
	// AreaNames names the area of each row, by its code.
	AreaNames map[string]string
	Pager     *pager
	Kind      string
	Target    string
	Action    string
	Actions   []string
	Kinds     []string
}

// auditList shows the audit log of the caller's scope, newest first.
func (s *Server) auditList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := &auditData{view: s.newView(w, r, "audit"), Actions: auditActions, Kinds: auditKinds}
	var f tuopin.AuditFilter
	if d.Kind = strings.TrimSpace(q.Get("kind")); d.Kind != "" {
		f.TargetKind = &d.Kind
	}
	if d.Target = strings.TrimSpace(q.Get("target")); d.Target != "" {
		f.TargetID = &d.Target
	}
	if d.Action = strings.TrimSpace(q.Get("action")); d.Action != "" {
		f.Action = &d.Action
	}
	page := pageFromQuery(q)
	f.Offset, f.Limit = (page-1)*auditPageSize, auditPageSize
	entries, total, err := s.svc.Audit.FindAuditEntries(r.Context(), f)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	d.Rows = formatAudit(d.Lang, d.Codes, entries)
	codes := make([]string, len(entries))
	for i, e := range entries {
		codes[i] = e.AreaCode
	}
	d.AreaNames = s.areaNames(r.Context(), codes)
	d.Pager = newPager("/audit", q, page, auditPageSize, total)
	s.render(w, r, http.StatusOK, viewAudit, d)
}
