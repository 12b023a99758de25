package apphttp

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/tuopin/tuopin"
)

// timelineData is the timeline card of the household detail page
// (partials/household_events.html): the household's events across its
// registry years, the date of the status form, and the monitoring
// actions.
type timelineData struct {
	Events []*timelineEvent
	// Today is the default date of every dated form ("YYYY-MM-DD").
	Today string
	// StatusDate is the status form's date: a refused one as typed.
	StatusDate string
	// Monitored is set while the household is a monitoring object whose
	// risk is not eliminated; Monitoring offers the mark (or, when
	// Monitored, the elimination) when the year's code tables hold the
	// choices.
	Monitored       bool
	MonitoringTypes []tuopin.Code
	EliminationWays []tuopin.Code
	// Form keeps what was typed into a refused monitoring or note form.
	Form eventForm
}

type eventForm struct {
	Action, Type, Way, Date, Reason string
}

// timelineEvent is one row of the timeline.
type timelineEvent struct {
	*tuopin.HouseholdEvent
	Label string
	// Link is the household record of the event's year when it is not
	// the page's own.
	Link string
}

// loadTimeline fills d.Timeline: the events of the household's number in
// the caller's scope, every year.
func (s *Server) loadTimeline(r *http.Request, d *householdData) error {
	evs, err := s.svc.Events.FindEvents(r.Context(), d.H.Number)
	if err != nil {
		return err
	}
	today := tuopin.Today(s.cfg.Now())
	t := &timelineData{Today: today, StatusDate: today}
	for _, e := range evs {
		te := &timelineEvent{HouseholdEvent: e, Label: tuopin.EventKindLabel(e.Kind, d.Lang)}
		if e.HouseholdID != d.H.ID {
			te.Link = "/households/" + strconv.FormatInt(e.HouseholdID, 10)
		}
		t.Events = append(t.Events, te)
	}
	t.Monitored = d.H.Details["monitoring_type"] != "" && d.H.Details["risk_eliminated"] != tuopin.Yes
	if d.Codes != nil {
		t.MonitoringTypes = d.Codes.List(tuopin.CodeMonitoringType, d.H.Year)
		t.EliminationWays = d.Codes.List(tuopin.CodeElimination, d.H.Year)
	}
	d.Timeline = t
	return nil
}

// refuseOnDetail re-shows the detail page of a household with the field
// errors of a refused action, or answers any other error with the error
// page. It reports whether err was not nil.
func (s *Server) refuseOnDetail(w http.ResponseWriter, r *http.Request, err error, keep func(d *householdData)) bool {
	if err == nil {
		return false
	}
	if tuopin.ErrorCode(err) != tuopin.EINVALID {
		s.htmlError(w, r, err)
		return true
	}
	d, derr := s.householdDetailData(w, r)
	if derr != nil {
		s.htmlError(w, r, derr)
		return true
	}
	d.Errors = tuopin.ErrorFields(err)
	d.FormError = refusalMessage(d.Lang, err)
	if keep != nil {
		keep(d)
	}
	s.render(w, r, http.StatusUnprocessableEntity, viewHousehold, d)
	return true
}

// refusalMessage is the message above a refused form: "refused", then
// each reason, or the error's own message when it names no field (a
// closed year).
func refusalMessage(lang string, err error) string {
	msg := translate(lang, "household.action_refused")
	fields := tuopin.ErrorFields(err)
	if len(fields) == 0 {
		return msg + " " + tuopin.ErrorMessage(err)
	}
	var reasons []string
	for _, k := range []string{"status", "date", "monitoring_type", "risk_elimination_way", "risk_eliminated", "kind", "reason"} {
		if fe, ok := fields[k]; ok {
			reasons = append(reasons, fieldMessage(lang, fe))
		}
	}
	if len(reasons) == 0 {
		for k, fe := range fields {
			reasons = append(reasons, fieldLabel(lang, k)+translate(lang, "common.colon")+fieldMessage(lang, fe))
		}
	}
	return msg + " " + strings.Join(reasons, " ")
}

// householdMonitor marks a household as a monitoring object.
func (s *Server) householdMonitor(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	f := eventForm{Action: "monitor", Type: r.PostFormValue("monitoring_type"), Date: r.PostFormValue("date"),
		Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	_, err = s.svc.Events.MarkMonitored(r.Context(), id, tuopin.MonitoringMark{Type: f.Type, Date: f.Date, Reason: f.Reason})
	if s.refuseOnDetail(w, r, err, func(d *householdData) { d.Timeline.Form = f }) {
		return
	}
	s.setFlash(w, "flash.monitored")
	http.Redirect(w, r, "/households/"+strconv.FormatInt(id, 10)+"#timeline", http.StatusSeeOther)
}

// householdRiskEliminated records that a monitored household's risk is
// gone.
func (s *Server) householdRiskEliminated(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	f := eventForm{Action: "eliminate", Way: r.PostFormValue("risk_elimination_way"), Date: r.PostFormValue("date"),
		Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	_, err = s.svc.Events.EliminateRisk(r.Context(), id, tuopin.RiskElimination{Way: f.Way, Date: f.Date, Reason: f.Reason})
	if s.refuseOnDetail(w, r, err, func(d *householdData) { d.Timeline.Form = f }) {
		return
	}
	s.setFlash(w, "flash.risk_eliminated")
	http.Redirect(w, r, "/households/"+strconv.FormatInt(id, 10)+"#timeline", http.StatusSeeOther)
}

// householdEventNote records a dated remark on the timeline.
func (s *Server) householdEventNote(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	f := eventForm{Action: "note", Date: r.PostFormValue("date"), Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	_, err = s.svc.Events.RecordEvent(r.Context(), id, tuopin.EventInput{Kind: tuopin.EventNote, Date: f.Date, Reason: f.Reason})
	if s.refuseOnDetail(w, r, err, func(d *householdData) { d.Timeline.Form = f }) {
		return
	}
	s.setFlash(w, "flash.event_recorded")
	http.Redirect(w, r, "/households/"+strconv.FormatInt(id, 10)+"#timeline", http.StatusSeeOther)
}

// apiHouseholdEvents lists the timeline of a household: the events of its
// number in every year, inside the caller's scope.
func (s *Server) apiHouseholdEvents(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	h, err := s.svc.Households.FindHouseholdByID(r.Context(), id)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	evs, err := s.svc.Events.FindEvents(r.Context(), h.Number)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(evs, len(evs), 0, len(evs)))
}

// apiHouseholdEventCreate records an event that changes no status.
func (s *Server) apiHouseholdEventCreate(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	var in tuopin.EventInput
	if err := decodeJSON(r, &in); err != nil {
		s.jsonError(w, r, err)
		return
	}
	e, err := s.svc.Events.RecordEvent(r.Context(), id, in)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, e)
}

// apiHouseholdMonitoring marks a household as a monitoring object.
func (s *Server) apiHouseholdMonitoring(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	var in tuopin.MonitoringMark
	if err := decodeJSON(r, &in); err != nil {
		s.jsonError(w, r, err)
		return
	}
	h, err := s.svc.Events.MarkMonitored(r.Context(), id, in)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}

// apiHouseholdRiskElimination records that a household's risk is gone.
func (s *Server) apiHouseholdRiskElimination(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	var in tuopin.RiskElimination
	if err := decodeJSON(r, &in); err != nil {
		s.jsonError(w, r, err)
		return
	}
	h, err := s.svc.Events.EliminateRisk(r.Context(), id, in)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, h)
}
