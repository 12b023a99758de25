package tuopin

import (
	"context"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ActionHouseholdEvent is the audit action of an event recorded on its
// own (RecordEvent); events that come with a status move, an update or a
// year start are covered by that change's entry.
const ActionHouseholdEvent = "household.event"

// Household event kinds. Values are persisted: append new ones, never
// rename. A status move records the kind EventKindForMove gives; the
// others are recorded by their own actions.
const (
	EventIdentified     = "identified"      // 识别: the household entered the registry
	EventPreExit        = "pre_exit"        // 预脱贫: exit approved, public notice running
	EventExited         = "exited"          // 脱贫 (享受政策)
	EventExitConfirmed  = "exit_confirmed"  // 已脱贫不再享受政策
	EventReturned       = "returned"        // 返贫
	EventReverted       = "reverted"        // 退回: a pending exit sent back
	EventStatusChanged  = "status_changed"  // any other status move
	EventMonitored      = "monitored"       // 标识监测对象
	EventRiskEliminated = "risk_eliminated" // 风险消除
	EventYearStarted    = "year_started"    // 转入新年度: copied into the next registry year
	EventNote           = "note"            // 其他: a dated remark on the timeline
)

// EventKinds lists every kind, in the order forms and legends show them.
var EventKinds = []string{EventIdentified, EventPreExit, EventExited, EventExitConfirmed, EventReturned,
	EventReverted, EventStatusChanged, EventMonitored, EventRiskEliminated, EventYearStarted, EventNote}

// EventKindLabels holds the zh and en label of each kind.
var EventKindLabels = map[string][2]string{
	EventIdentified:     {"识别", "Identified"},
	EventPreExit:        {"预脱贫", "Exit pending"},
	EventExited:         {"脱贫", "Exited"},
	EventExitConfirmed:  {"已脱贫不再享受政策", "Exited, support ended"},
	EventReturned:       {"返贫", "Returned to poverty"},
	EventReverted:       {"退回", "Sent back"},
	EventStatusChanged:  {"状态变更", "Status changed"},
	EventMonitored:      {"标识监测对象", "Marked for monitoring"},
	EventRiskEliminated: {"风险消除", "Risk eliminated"},
	EventYearStarted:    {"转入新年度", "Carried into a new year"},
	EventNote:           {"其他", "Other"},
}

// EventKindLabel returns the label of a kind in lang ("zh" or "en"); an
// unknown kind is its own label.
func EventKindLabel(kind, lang string) string {
	l, ok := EventKindLabels[kind]
	if !ok {
		return kind
	}
	if lang == "en" {
		return l[1]
	}
	return l[0]
}

// EventKindForMove returns the kind of event a status move records.
func EventKindForMove(from, to string) string {
	switch {
	case to == StatusPreExit:
		return EventPreExit
	case to == StatusExited:
		return EventExited
	case to == StatusExitedDone:
		return EventExitConfirmed
	case to == StatusReturned:
		return EventReturned
	case to == StatusPoor && from == StatusPreExit:
		return EventReverted
	}
	return EventStatusChanged
}

// IsStatusEvent reports whether events of kind come with a status move.
func IsStatusEvent(kind string) bool {
	switch kind {
	case EventPreExit, EventExited, EventExitConfirmed, EventReturned, EventReverted, EventStatusChanged:
		return true
	}
	return false
}

// RecordableEventKinds are the kinds RecordEvent accepts: the others come
// with a status move, a household's creation or a year start.
var RecordableEventKinds = []string{EventMonitored, EventRiskEliminated, EventNote}

// HouseholdEvent is one dated entry of a household's timeline. Number
// links the household across registry years; HouseholdID is its row in
// Year.
type HouseholdEvent struct {
	ID          int64  `json:"id"`
	Year        int    `json:"year"`
	Number      string `json:"number"`
	HouseholdID int64  `json:"household_id"`
	AreaCode    string `json:"area_code"`
	Kind        string `json:"kind"`
	// Date is the day the event took effect, "YYYY-MM-DD"; it may be
	// earlier than CreatedAt, when it was recorded.
	Date       string    `json:"date"`
	FromStatus string    `json:"from_status,omitempty"`
	ToStatus   string    `json:"to_status,omitempty"`
	Reason     string    `json:"reason,omitempty"`
	ActorID    int64     `json:"actor_id"`
	ActorName  string    `json:"actor_name"`
	CreatedAt  time.Time `json:"created_at"`
}

// EventZone is the zone of event dates and of "today": China Standard
// Time, which has no daylight saving.
var EventZone = time.FixedZone("CST", 8*3600)

// Today returns the date of now in EventZone, "YYYY-MM-DD".
func Today(now time.Time) string { return now.In(EventZone).Format(DateLayout) }

// CheckEventDate checks the date of an event of a household of year: a
// date in DateLayout, not after today and not before the registry year
// began (1 January of year). An empty date is today. It returns the date
// to store, or an EINVALID error on field "date".
func CheckEventDate(date string, year int, now time.Time) (string, error) {
	date = strings.TrimSpace(date)
	today := Today(now)
	if date == "" {
		return today, nil
	}
	t, err := time.Parse(DateLayout, date)
	if err != nil {
		return "", FieldErr("date", "invalid_date", "Date %q is not a date (YYYY-MM-DD).", date)
	}
	date = t.Format(DateLayout)
	if date > today {
		return "", FieldErr("date", "date_future", "Date %s is in the future: an event is recorded once it has happened (today is %s).", date, today)
	}
	if start := strconv.Itoa(year) + "-01-01"; date < start {
		return "", FieldErr("date", "date_before_year", "Date %s is before registry year %d began (%s): record it in the record of that year.", date, year, start)
	}
	return date, nil
}

// EventInput is an event that changes no status, for RecordEvent.
type EventInput struct {
	Kind   string `json:"kind"` // one of RecordableEventKinds
	Date   string `json:"date"` // "YYYY-MM-DD"; empty for today
	Reason string `json:"reason"`
}

// StatusMove is a dated status move, for MoveStatus.
type StatusMove struct {
	Status string `json:"status"`
	Date   string `json:"date"` // "YYYY-MM-DD"; empty for today
	Reason string `json:"reason"`
}

// MonitoringMark marks a household as a monitoring object (标识监测对象):
// its details get monitoring_type and risk_identified_date (= Date), and
// risk_eliminated "0".
type MonitoringMark struct {
	Type   string `json:"monitoring_type"` // CodeMonitoringType
	Date   string `json:"date"`
	Reason string `json:"reason"`
}

// RiskElimination records that a monitored household's risk is gone
// (风险消除): details risk_eliminated "1", risk_elimination_way and
// risk_eliminated_date (= Date).
type RiskElimination struct {
	Way    string `json:"risk_elimination_way"` // CodeElimination
	Date   string `json:"date"`
	Reason string `json:"reason"`
}

// checkReason checks the length of an event's reason.
func checkReason(f *Fields, reason string) {
	if utf8.RuneCountInString(reason) > 500 {
		f.Add("reason", "too_long", "The reason may be at most 500 characters.")
	}
}

// Validate checks an event input (not its date, which depends on the
// household's year; see CheckEventDate).
func (in *EventInput) Validate() error {
	var f Fields
	ok := false
	for _, k := range RecordableEventKinds {
		ok = ok || k == in.Kind
	}
	if !ok {
		f.Add("kind", "invalid_choice", "Kind must be one of %s; status moves are recorded by changing the status.", strings.Join(RecordableEventKinds, ", "))
	}
	if in.Kind == EventNote && strings.TrimSpace(in.Reason) == "" {
		f.Add("reason", "required", "A remark needs its text.")
	}
	checkReason(&f, in.Reason)
	return f.Err()
}

// EventService keeps household timelines. Every method applies the
// caller's scope; writes need a role that CanEditRegistry and append to
// the audit log in the same transaction.
type EventService interface {
	// FindEvents returns the events of the household with number, across
	// every registry year, that lie in the caller's scope, in date order
	// (then in the order recorded). An unknown number gives none.
	FindEvents(ctx context.Context, number string) ([]*HouseholdEvent, error)

	// RecordEvent records an event that changes no status on a household.
	// Returns ENOTFOUND outside the scope, EFORBIDDEN for a role that may
	// not edit the registry, EINVALID for a bad kind or date or a year
	// already carried forward.
	RecordEvent(ctx context.Context, householdID int64, in EventInput) (*HouseholdEvent, error)

	// MoveStatus is HouseholdService.SetHouseholdStatus with the date the
	// move took effect (CheckEventDate); the move records its event.
	MoveStatus(ctx context.Context, householdID int64, m StatusMove) (*Household, error)

	// MarkMonitored sets the monitoring details of a household through
	// the ordinary update (audited, versioned) and records a "monitored"
	// event, in one transaction. EINVALID for a bad type or date.
	MarkMonitored(ctx context.Context, householdID int64, m MonitoringMark) (*Household, error)

	// EliminateRisk sets the risk-elimination details of a monitored
	// household and records a "risk_eliminated" event, in one
	// transaction. EINVALID when the household is not monitored, or for a
	// bad way or date.
	EliminateRisk(ctx context.Context, householdID int64, e RiskElimination) (*Household, error)
}
