package sqldb_test

import (
	"testing"
	"time"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// eventKinds returns the kinds and dates of a timeline, "pre_exit 2016-09-01".
func eventKinds(evs []*tuopin.HouseholdEvent) []string {
	out := []string{}
	for _, e := range evs {
		out = append(out, e.Kind+" "+e.Date)
	}
	return out
}

func TestHouseholdEvents(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		// The registry is kept in 2017: dates run up to 2017-06-30.
		db.SetNow(func() time.Time { return time.Date(2017, 6, 30, 4, 0, 0, 0, time.UTC) })
		events := sqldb.NewEventService(db)
		ctx := sqldbtest.Ctx(w.village)
		h := sqldbtest.MustCreateHousehold(t, db, household2016(sqldbtest.Xinyan, 1))
		plain := sqldbtest.NewHousehold(sqldbtest.Xinyan, 2)
		plain.Year = 2016
		sqldbtest.MustCreateHousehold(t, db, plain)

		t.Run("Identified", func(t *testing.T) {
			evs, err := events.FindEvents(ctx, h.Number)
			must(t, err)
			// Dated from its first-identified year.
			if len(evs) != 1 || evs[0].Kind != tuopin.EventIdentified || evs[0].Date != "2014-01-01" || evs[0].HouseholdID != h.ID ||
				evs[0].ActorName != "system" || evs[0].ToStatus != tuopin.StatusPoor {
				t.Fatalf("events = %+v", evs)
			}
			// Without one, from the day it was entered.
			evs, err = events.FindEvents(ctx, plain.Number)
			must(t, err)
			if len(evs) != 1 || evs[0].Date != "2017-06-30" {
				t.Fatalf("events = %v", eventKinds(evs))
			}
		})
		t.Run("StatusMoves", func(t *testing.T) {
			_, err := events.MoveStatus(ctx, h.ID, tuopin.StatusMove{Status: tuopin.StatusPreExit, Date: "2016-09-01", Reason: "评议通过"})
			must(t, err)
			_, err = events.MoveStatus(ctx, h.ID, tuopin.StatusMove{Status: tuopin.StatusPoor, Date: "2016-09-20", Reason: "公示有异议"})
			must(t, err)
			_, err = events.MoveStatus(ctx, h.ID, tuopin.StatusMove{Status: tuopin.StatusPreExit, Date: "2016-10-10"})
			must(t, err)
			got, err := events.MoveStatus(ctx, h.ID, tuopin.StatusMove{Status: tuopin.StatusExited, Date: "2016-12-01", Reason: "县批准"})
			must(t, err)
			if got.Status != tuopin.StatusExited || got.Version != 5 {
				t.Fatalf("household = %+v", got)
			}
			evs, err := events.FindEvents(ctx, h.Number)
			must(t, err)
			want := []string{"identified 2014-01-01", "pre_exit 2016-09-01", "reverted 2016-09-20", "pre_exit 2016-10-10", "exited 2016-12-01"}
			if !equalStrings(eventKinds(evs), want) {
				t.Fatalf("timeline = %v", eventKinds(evs))
			}
			if e := evs[4]; e.FromStatus != tuopin.StatusPreExit || e.ToStatus != tuopin.StatusExited || e.Reason != "县批准" || e.ActorID != w.village.ID {
				t.Fatalf("event = %+v", e)
			}
			// SetHouseholdStatus dates the move today.
			_, err = w.hh.SetHouseholdStatus(ctx, plain.ID, tuopin.StatusPreExit, "")
			must(t, err)
			evs, err = events.FindEvents(ctx, plain.Number)
			must(t, err)
			if !equalStrings(eventKinds(evs), []string{"identified 2017-06-30", "pre_exit 2017-06-30"}) {
				t.Fatalf("timeline = %v", eventKinds(evs))
			}
		})
		t.Run("ErrDate", func(t *testing.T) {
			n := rowCount(t, db, "household_events")
			_, err := events.MoveStatus(ctx, h.ID, tuopin.StatusMove{Status: tuopin.StatusExitedDone, Date: "2017-07-01"})
			wantField(t, err, "date", "date_future", "in the future")
			_, err = events.MoveStatus(ctx, h.ID, tuopin.StatusMove{Status: tuopin.StatusExitedDone, Date: "2015-12-31"})
			wantField(t, err, "date", "date_before_year", "before registry year 2016 began")
			_, err = events.MoveStatus(ctx, h.ID, tuopin.StatusMove{Status: tuopin.StatusExitedDone, Date: "2016-11-30"})
			wantField(t, err, "date", "date_before_last", "took effect on 2016-12-01")
			_, err = events.MoveStatus(ctx, h.ID, tuopin.StatusMove{Status: tuopin.StatusExitedDone, Date: "1.2.2017"})
			wantField(t, err, "date", "invalid_date", "not a date")
			_, err = events.RecordEvent(ctx, h.ID, tuopin.EventInput{Kind: tuopin.EventExited})
			wantField(t, err, "kind", "invalid_choice", "status moves are recorded by changing the status")
			if rowCount(t, db, "household_events") != n {
				t.Fatal("a refused event was written")
			}
			got, err := w.hh.FindHouseholdByID(ctx, h.ID)
			must(t, err)
			if got.Status != tuopin.StatusExited {
				t.Fatalf("status %s after refused moves", got.Status)
			}
		})
		t.Run("RecordEvent", func(t *testing.T) {
			e, err := events.RecordEvent(ctx, h.ID, tuopin.EventInput{Kind: tuopin.EventNote, Date: "2016-12-15", Reason: "入户核实收入"})
			must(t, err)
			if e.ID == 0 || e.Kind != tuopin.EventNote || e.Year != 2016 || e.FromStatus != tuopin.StatusExited {
				t.Fatalf("event = %+v", e)
			}
			target := "household"
			es, _, err := w.audit.FindAuditEntries(ctx, tuopin.AuditFilter{TargetKind: &target, Action: ptr(tuopin.ActionHouseholdEvent)})
			must(t, err)
			if len(es) != 1 || es[0].Reason != "入户核实收入" {
				t.Fatalf("audit = %+v", es)
			}
			_, err = events.RecordEvent(sqldbtest.Ctx(w.viewer), h.ID, tuopin.EventInput{Kind: tuopin.EventNote, Reason: "x"})
			wantCode(t, err, tuopin.EFORBIDDEN)
			_, err = events.RecordEvent(sqldbtest.Ctx(w.fengshan), h.ID, tuopin.EventInput{Kind: tuopin.EventNote, Reason: "x"})
			wantCode(t, err, tuopin.ENOTFOUND)
		})
		t.Run("AcrossYears", func(t *testing.T) {
			_, err := sqldb.NewYearService(db).StartYear(sqldbtest.Ctx(w.county), 2016, 2017, "")
			must(t, err)
			got, _, err := w.hh.FindHouseholds(ctx, tuopin.HouseholdFilter{Year: ptr(2017), Number: &h.Number})
			must(t, err)
			_, err = events.MoveStatus(ctx, got[0].ID, tuopin.StatusMove{Status: tuopin.StatusExitedDone, Date: "2017-03-01", Reason: "稳定脱贫"})
			must(t, err)
			evs, err := events.FindEvents(ctx, h.Number)
			must(t, err)
			want := []string{"identified 2014-01-01", "pre_exit 2016-09-01", "reverted 2016-09-20", "pre_exit 2016-10-10",
				"exited 2016-12-01", "note 2016-12-15", "year_started 2017-01-01", "exit_confirmed 2017-03-01"}
			if !equalStrings(eventKinds(evs), want) {
				t.Fatalf("timeline = %v", eventKinds(evs))
			}
			if evs[5].Year != 2016 || evs[6].Year != 2017 || evs[7].HouseholdID != got[0].ID {
				t.Fatalf("years: %+v %+v", evs[5], evs[6])
			}
			// Out of scope: nothing.
			evs, err = events.FindEvents(sqldbtest.Ctx(w.fengshan), h.Number)
			must(t, err)
			if len(evs) != 0 {
				t.Fatalf("凤山县 sees %v", eventKinds(evs))
			}
		})
	})
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestMonitoringEvents(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		db.SetNow(func() time.Time { return time.Date(2021, 8, 1, 4, 0, 0, 0, time.UTC) })
		events := sqldb.NewEventService(db)
		ctx := sqldbtest.Ctx(w.village)
		h := sqldbtest.NewHousehold(sqldbtest.Xinyan, 1)
		h.Year = 2021
		h.Details = map[string]string{"first_identified_year": "2021"}
		sqldbtest.MustCreateHousehold(t, db, h)

		_, err := events.EliminateRisk(ctx, h.ID, tuopin.RiskElimination{Way: "1"})
		wantField(t, err, "risk_eliminated", "not_monitored", "no risk to eliminate")
		_, err = events.MarkMonitored(ctx, h.ID, tuopin.MonitoringMark{Date: "2021-03-01"})
		wantField(t, err, "monitoring_type", "required", "monitoring category")

		got, err := events.MarkMonitored(ctx, h.ID, tuopin.MonitoringMark{Type: "2", Date: "2021-03-01", Reason: "因病支出大"})
		must(t, err)
		if got.Details["monitoring_type"] != "2" || got.Details["risk_identified_date"] != "2021-03-01" || got.Details["risk_eliminated"] != tuopin.No || got.Version != 2 {
			t.Fatalf("details = %v", got.Details)
		}
		_, err = events.MarkMonitored(ctx, h.ID, tuopin.MonitoringMark{Type: "1"})
		wantField(t, err, "monitoring_type", "already_monitored", "monitoring object already")
		_, err = events.EliminateRisk(ctx, h.ID, tuopin.RiskElimination{Way: "1", Date: "2021-02-01"})
		wantField(t, err, "date", "date_before_risk", "identified on 2021-03-01")

		got, err = events.EliminateRisk(ctx, h.ID, tuopin.RiskElimination{Way: "1", Date: "2021-07-15", Reason: "医保报销后收入回升"})
		must(t, err)
		if got.Details["risk_eliminated"] != tuopin.Yes || got.Details["risk_elimination_way"] != "1" || got.Details["risk_eliminated_date"] != "2021-07-15" {
			t.Fatalf("details = %v", got.Details)
		}
		evs, err := events.FindEvents(ctx, h.Number)
		must(t, err)
		if !equalStrings(eventKinds(evs), []string{"identified 2021-01-01", "monitored 2021-03-01", "risk_eliminated 2021-07-15"}) {
			t.Fatalf("timeline = %v", eventKinds(evs))
		}
		// The details went through the ordinary update: audited.
		target := "household"
		es, _, err := w.audit.FindAuditEntries(ctx, tuopin.AuditFilter{TargetKind: &target, Action: ptr(tuopin.ActionHouseholdUpdate)})
		must(t, err)
		if len(es) != 2 || es[0].Reason != "医保报销后收入回升" {
			t.Fatalf("audit = %+v", es)
		}
	})
}
