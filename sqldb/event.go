package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/tuopin/tuopin"
)

var _ tuopin.EventService = (*EventService)(nil)

// EventService keeps the household timelines (household_events). Events
// are written in the transaction of the change they record: a status move
// (recordStatusEvent, called by SetHouseholdStatus), a creation
// (recordIdentifiedEvents, called by createHouseholds), a year start
// (year.go), or on their own (RecordEvent, MarkMonitored, EliminateRisk).
type EventService struct {
	db *DB
	hs *HouseholdService
}

// NewEventService returns the event service of db.
func NewEventService(db *DB) *EventService { return &EventService{db: db, hs: NewHouseholdService(db)} }

const eventColumns = `id, year, number, household_id, area_code, kind, date, from_status, to_status, reason,
	actor_id, actor_name, created_at`

// eventInsertColumns are eventColumns without id, for inserts.
const eventInsertColumns = `year, number, household_id, area_code, kind, date, from_status, to_status, reason,
	actor_id, actor_name, created_at`

func scanEvent(row interface{ Scan(...any) error }) (*tuopin.HouseholdEvent, error) {
	var e tuopin.HouseholdEvent
	var created string
	if err := row.Scan(&e.ID, &e.Year, &e.Number, &e.HouseholdID, &e.AreaCode, &e.Kind, &e.Date, &e.FromStatus, &e.ToStatus,
		&e.Reason, &e.ActorID, &e.ActorName, &created); err != nil {
		return nil, err
	}
	var err error
	e.CreatedAt, err = parseTime(created)
	return &e, err
}

// insertEvents writes events with multi-row statements (COPY for a bulk
// load on PostgreSQL), as the transaction's user, and sets their actor and
// creation time (not their IDs, which only insertEvent learns).
func insertEvents(ctx context.Context, tx *Tx, evs []*tuopin.HouseholdEvent) error {
	name, now := actorName(tx.user), formatTime(tx.now)
	for _, e := range evs {
		e.ActorID, e.ActorName, e.CreatedAt = tx.user.ID, name, tx.now
	}
	row := func(i int, args []any) []any {
		e := evs[i]
		return append(args, e.Year, e.Number, e.HouseholdID, e.AreaCode, e.Kind, e.Date, e.FromStatus, e.ToStatus,
			e.Reason, e.ActorID, e.ActorName, now)
	}
	if tx.conn != nil && len(evs) >= bulkMinHouseholds {
		// A bulk load on PostgreSQL: COPY, as its households went (bulk.go).
		return tx.copyFrom(ctx, "household_events", splitColumns(eventInsertColumns), len(evs), row)
	}
	return tx.insertRows(ctx, `INSERT INTO household_events (`+eventInsertColumns+`) VALUES `, 12, "", len(evs), row, nil)
}

// insertEvent writes one event and sets its ID.
func insertEvent(ctx context.Context, tx *Tx, e *tuopin.HouseholdEvent) error {
	e.ActorID, e.ActorName, e.CreatedAt = tx.user.ID, actorName(tx.user), tx.now
	err := tx.QueryRowContext(ctx, `INSERT INTO household_events (`+eventInsertColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		e.Year, e.Number, e.HouseholdID, e.AreaCode, e.Kind, e.Date, e.FromStatus, e.ToStatus,
		e.Reason, e.ActorID, e.ActorName, formatTime(tx.now)).Scan(&e.ID)
	return tx.db.formatError(err)
}

// newEvent returns an event of h of kind, with h's status as both ends.
func newEvent(h *tuopin.Household, kind, date, reason string) *tuopin.HouseholdEvent {
	return &tuopin.HouseholdEvent{Year: h.Year, Number: h.Number, HouseholdID: h.ID, AreaCode: h.AreaCode, Kind: kind,
		Date: date, FromStatus: h.Status, ToStatus: h.Status, Reason: strings.TrimSpace(reason)}
}

// recordStatusEvent records the event of a status move from old to h,
// dated date ("" for today), inside the move's transaction. The date must
// pass tuopin.CheckEventDate and must not come before the household's
// last status move: a timeline runs forward.
func recordStatusEvent(ctx context.Context, tx *Tx, old, h *tuopin.Household, date, reason string) error {
	d, err := tuopin.CheckEventDate(date, h.Year, tx.now)
	if err != nil {
		return err
	}
	var last sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT MAX(date) FROM household_events WHERE household_id = ? AND kind IN (?, ?, ?, ?, ?, ?)`,
		h.ID, tuopin.EventPreExit, tuopin.EventExited, tuopin.EventExitConfirmed, tuopin.EventReturned, tuopin.EventReverted,
		tuopin.EventStatusChanged).Scan(&last); err != nil {
		return tx.db.formatError(err)
	}
	if last.Valid && d < last.String {
		return tuopin.FieldErr("date", "date_before_last", "The household's last status change took effect on %s: this one cannot be dated %s, before it.", last.String, d)
	}
	e := newEvent(h, tuopin.EventKindForMove(old.Status, h.Status), d, reason)
	e.FromStatus = old.Status
	return insertEvent(ctx, tx, e)
}

// identifiedDate is the date of a new household's "identified" event: 1
// January of its first-identified year when the record gives one, else
// the day it is created.
func identifiedDate(h *tuopin.Household, today string) string {
	if y, err := strconv.Atoi(h.Details["first_identified_year"]); err == nil && y >= 2000 && y <= h.Year {
		return fmt.Sprintf("%04d-01-01", y)
	}
	return today
}

// recordIdentifiedEvents records an "identified" event for each new
// household (IDs set), with one multi-row statement per few hundred.
func recordIdentifiedEvents(ctx context.Context, tx *Tx, hs []*tuopin.Household) error {
	today := tuopin.Today(tx.now)
	evs := make([]*tuopin.HouseholdEvent, len(hs))
	for i, h := range hs {
		evs[i] = newEvent(h, tuopin.EventIdentified, identifiedDate(h, today), "")
	}
	return insertEvents(ctx, tx, evs)
}

// FindEvents returns the events of the household with number in every
// registry year, inside the caller's scope, in date order and then in the
// order recorded. Without a user it finds nothing.
func (s *EventService) FindEvents(ctx context.Context, number string) ([]*tuopin.HouseholdEvent, error) {
	u := tuopin.UserFromContext(ctx)
	out := []*tuopin.HouseholdEvent{}
	number = strings.TrimSpace(number)
	if u == nil || number == "" {
		return out, nil
	}
	q, args := `SELECT `+eventColumns+` FROM household_events WHERE number = ?`, []any{number}
	if p, a := scopeRange("area_code", u.Scope); p != "" {
		q, args = q+" AND "+p, append(args, a...)
	}
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, q+` ORDER BY date, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, s.db.formatError(err)
		}
		out = append(out, e)
	}
	return out, s.db.formatError(rows.Err())
}

// RecordEvent records an event that changes no status (a monitoring
// note, a remark) with a "household.event" audit entry. Returns
// ENOTFOUND outside the scope, EFORBIDDEN for a role that may not edit
// the registry, and EINVALID for a bad kind or date or a closed year.
func (s *EventService) RecordEvent(ctx context.Context, householdID int64, in tuopin.EventInput) (*tuopin.HouseholdEvent, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	tx, _, h, err := s.hs.beginChange(ctx, householdID)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	d, err := tuopin.CheckEventDate(in.Date, h.Year, tx.now)
	if err != nil {
		return nil, err
	}
	e := newEvent(h, in.Kind, d, in.Reason)
	if err := insertEvent(ctx, tx, e); err != nil {
		return nil, err
	}
	a, err := newAuditEntry(tuopin.ActionHouseholdEvent, "household", strconv.FormatInt(h.ID, 10), h.AreaCode, e.Reason, nil,
		map[string]string{"kind": e.Kind, "date": e.Date})
	if err != nil {
		return nil, err
	}
	if err := tx.appendAudit(ctx, a); err != nil {
		return nil, err
	}
	return e, tx.Commit()
}

// MoveStatus moves a household's status as SetHouseholdStatus does, with
// the date the move took effect.
func (s *EventService) MoveStatus(ctx context.Context, householdID int64, m tuopin.StatusMove) (*tuopin.Household, error) {
	return s.hs.setStatus(ctx, householdID, m.Status, m.Date, m.Reason)
}

// changeDetails applies a change of a household's details through the
// ordinary update (validation, version, roll-ups, "household.update"
// audit entry) and records its event, in one transaction. check sees the
// stored household and returns the event's date and the new details.
func (s *EventService) changeDetails(ctx context.Context, id int64, kind, reason string,
	check func(h *tuopin.Household, now time.Time) (date string, details map[string]string, err error)) (*tuopin.Household, error) {
	tx, codes, old, err := s.hs.beginChange(ctx, id)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	date, details, err := check(old, tx.now)
	if err != nil {
		return nil, err
	}
	h, err := updateHousehold(ctx, tx, codes, old, tuopin.HouseholdUpdate{Details: &details, Reason: reason})
	if err != nil {
		return nil, err
	}
	if err := insertEvent(ctx, tx, newEvent(h, kind, date, reason)); err != nil {
		return nil, err
	}
	return h, tx.Commit()
}

// MarkMonitored marks a household as a monitoring object: details
// monitoring_type, risk_identified_date (the date) and risk_eliminated
// "0", and a "monitored" event. EINVALID for a household monitored
// already (risk not eliminated), a missing or unknown type, or a bad date.
func (s *EventService) MarkMonitored(ctx context.Context, id int64, m tuopin.MonitoringMark) (*tuopin.Household, error) {
	return s.changeDetails(ctx, id, tuopin.EventMonitored, m.Reason, func(h *tuopin.Household, now time.Time) (string, map[string]string, error) {
		if h.Details["monitoring_type"] != "" && h.Details["risk_eliminated"] != tuopin.Yes {
			return "", nil, tuopin.FieldErr("monitoring_type", "already_monitored",
				"Household %s is a monitoring object already (risk identified %s): eliminate its risk first.", h.Number, h.Details["risk_identified_date"])
		}
		if strings.TrimSpace(m.Type) == "" {
			return "", nil, tuopin.FieldErr("monitoring_type", "required", "Choose the monitoring category.")
		}
		d, err := tuopin.CheckEventDate(m.Date, h.Year, now)
		if err != nil {
			return "", nil, err
		}
		details := maps.Clone(h.Details)
		if details == nil {
			details = map[string]string{}
		}
		details["monitoring_type"] = strings.TrimSpace(m.Type)
		details["risk_identified_date"] = d
		details["risk_eliminated"] = tuopin.No
		delete(details, "risk_elimination_way")
		delete(details, "risk_eliminated_date")
		return d, details, nil
	})
}

// EliminateRisk records that a monitored household's risk is gone:
// details risk_eliminated "1", risk_elimination_way and
// risk_eliminated_date (the date), and a "risk_eliminated" event.
// EINVALID for a household that is not monitored or whose risk is gone
// already, a missing or unknown way, or a date before the risk was
// identified.
func (s *EventService) EliminateRisk(ctx context.Context, id int64, e tuopin.RiskElimination) (*tuopin.Household, error) {
	return s.changeDetails(ctx, id, tuopin.EventRiskEliminated, e.Reason, func(h *tuopin.Household, now time.Time) (string, map[string]string, error) {
		if h.Details["monitoring_type"] == "" || h.Details["risk_eliminated"] == tuopin.Yes {
			return "", nil, tuopin.FieldErr("risk_eliminated", "not_monitored", "Household %s has no risk to eliminate: it is not a monitoring object with an open risk.", h.Number)
		}
		if strings.TrimSpace(e.Way) == "" {
			return "", nil, tuopin.FieldErr("risk_elimination_way", "required", "Choose how the risk was eliminated.")
		}
		d, err := tuopin.CheckEventDate(e.Date, h.Year, now)
		if err != nil {
			return "", nil, err
		}
		if since := h.Details["risk_identified_date"]; since != "" && d < since {
			return "", nil, tuopin.FieldErr("date", "date_before_risk", "The risk was identified on %s: it cannot have been eliminated on %s, before.", since, d)
		}
		details := maps.Clone(h.Details)
		details["risk_eliminated"] = tuopin.Yes
		details["risk_elimination_way"] = strings.TrimSpace(e.Way)
		details["risk_eliminated_date"] = d
		return d, details, nil
	})
}
