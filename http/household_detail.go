package apphttp

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/tuopin/tuopin"
)

type householdData struct {
	*view
	H           *tuopin.Household
	AreaCrumbs  []crumb
	Transitions []string
	// History is the household's audit trail, newest first; nil with
	// HistoryHidden when the role may not read the audit log.
	History       []*auditRow
	HistoryHidden bool
	// StatusReason keeps the reason typed into a refused status change.
	StatusReason string
	// Timeline is the household's events across years (household_events.go).
	Timeline *timelineData
	// Params are the parameters in force (poverty line, counting rule) for
	// the income section (household_fields.go); nil when unreadable.
	Params *tuopin.ParamSet
}

// householdDetail shows one household with its members, the status moves
// allowed from its status, and its audit history.
func (s *Server) householdDetail(w http.ResponseWriter, r *http.Request) {
	d, err := s.householdDetailData(w, r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, viewHousehold, d)
}

func (s *Server) householdDetailData(w http.ResponseWriter, r *http.Request) (*householdData, error) {
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		return nil, err
	}
	h, err := s.svc.Households.FindHouseholdByID(ctx, id)
	if err != nil {
		return nil, err
	}
	d := &householdData{view: s.newView(w, r, "households"), H: h}
	if d.AreaCrumbs, err = s.areaNamePath(r, h.AreaCode); err != nil {
		return nil, err
	}
	d.Transitions = tuopin.StatusTransitions[h.Status]
	if err := s.loadTimeline(r, d); err != nil { // household_events.go
		return nil, err
	}
	s.loadIncomeParams(r, d) // household_fields.go
	if !d.CanViewAudit() {
		d.HistoryHidden = true
		return d, nil
	}
	kind, target := "household", strconv.FormatInt(h.ID, 10)
	entries, _, err := s.svc.Audit.FindAuditEntries(ctx, tuopin.AuditFilter{TargetKind: &kind, TargetID: &target, Limit: 100})
	if err != nil {
		return nil, err
	}
	d.History = formatAudit(d.Lang, d.Codes, entries)
	return d, nil
}

// householdStatus moves a household to another status. A refused move
// re-shows the detail page with the reason.
func (s *Server) householdStatus(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	status := r.PostFormValue("status")
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	date := strings.TrimSpace(r.PostFormValue("date"))
	_, err = s.svc.Events.MoveStatus(r.Context(), id, tuopin.StatusMove{Status: status, Date: date, Reason: reason})
	if tuopin.ErrorCode(err) == tuopin.EINVALID {
		d, derr := s.householdDetailData(w, r)
		if derr != nil {
			s.htmlError(w, r, derr)
			return
		}
		d.Errors = tuopin.ErrorFields(err)
		d.FormError = translate(d.Lang, "household.status_refused")
		if fe, ok := d.Errors["status"]; ok {
			d.FormError += " " + fieldMessage(d.Lang, fe)
		}
		if fe, ok := d.Errors["date"]; ok {
			d.FormError += " " + fieldMessage(d.Lang, fe)
		} else if len(d.Errors) == 0 {
			d.FormError += " " + tuopin.ErrorMessage(err) // a closed year
		}
		d.StatusReason, d.Timeline.StatusDate = reason, date
		s.render(w, r, http.StatusUnprocessableEntity, viewHousehold, d)
		return
	} else if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.setFlash(w, "flash.status_changed")
	http.Redirect(w, r, "/households/"+strconv.FormatInt(id, 10), http.StatusSeeOther)
}

// pathID reads the {id} of a route; an unreadable one is not found.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, tuopin.NotFound("Record")
	}
	return id, nil
}

// areaNamePath returns the names from the province down to the village of
// a household's area code, for the detail header.
func (s *Server) areaNamePath(r *http.Request, code string) ([]crumb, error) {
	if len(code) > 12 {
		code = code[:12]
	}
	path, err := s.svc.Areas.FindAreaPath(r.Context(), code)
	if err != nil {
		return nil, err
	}
	out := make([]crumb, 0, len(path))
	for _, a := range path {
		c := crumb{Name: a.Name}
		if tuopin.InScope(r.Context(), a.Code) {
			if a.Level >= tuopin.LevelVillage {
				c.URL = "/households?area=" + a.Code
			} else {
				c.URL = "/areas/" + a.Prefix()
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// VillageName is the name of the household's village: the last step of
// its area path.
func (d *householdData) VillageName() string {
	if len(d.AreaCrumbs) == 0 {
		return ""
	}
	return d.AreaCrumbs[len(d.AreaCrumbs)-1].Name
}
