package apphttp_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

func TestHouseholdTimeline(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		// The fixture registry is of 2024; today is later.
		today := tuopin.Today(time.Now())
		e := newEnv(t, db)
		b := e.login(e.township)
		path := fmt.Sprintf("/households/%d", e.bala.ID)

		check(t, "detail", b.get(path), http.StatusOK,
			[]string{`id="timeline"`, "时间线", "识别", `name="date" value="` + today + `"`, "标识为监测对象", "记一笔"}, nil)

		t.Run("DatedStatusMove", func(t *testing.T) {
			r := b.post(path+"/status", url.Values{"status": {"9"}, "reason": {"评议通过"}, "date": {"2024-09-30"}})
			if r.status != http.StatusSeeOther {
				t.Fatalf("move: status %d\n%s", r.status, excerpt(r.body))
			}
			check(t, "after move", b.get(path), http.StatusOK,
				[]string{`data-kind="pre_exit"`, "2024-09-30", "评议通过"}, nil)
		})
		t.Run("ErrDate", func(t *testing.T) {
			r := b.post(path+"/status", url.Values{"status": {"1"}, "date": {"2999-12-01"}})
			check(t, "future", r, http.StatusUnprocessableEntity, []string{"状态变更未被接受", "日期不能晚于今天", `value="2999-12-01"`}, nil)
			r = b.post(path+"/status", url.Values{"status": {"1"}, "date": {"2023-12-31"}})
			check(t, "before the year", r, http.StatusUnprocessableEntity, []string{"日期不能早于该记录所属年度的 1 月 1 日"}, nil)
			r = b.post(path+"/status", url.Values{"status": {"1"}, "date": {"2024-09-01"}})
			check(t, "before the last move", r, http.StatusUnprocessableEntity, []string{"日期不能早于该户上一次状态变更的日期"}, nil)
			if got := e.household(e.bala.ID).Status; got != tuopin.StatusPreExit {
				t.Errorf("status %q after refused moves", got)
			}
		})
		t.Run("Monitoring", func(t *testing.T) {
			r := b.post(path+"/monitor", url.Values{"monitoring_type": {"2"}, "date": {"2024-10-08"}, "reason": {"因病"}})
			if r.status != http.StatusSeeOther {
				t.Fatalf("monitor: status %d\n%s", r.status, excerpt(r.body))
			}
			check(t, "monitored", b.get(path), http.StatusOK,
				[]string{"已标识为监测对象", `data-kind="monitored"`, "2024-10-08", `action="/households/` + fmt.Sprint(e.bala.ID) + `/risk-eliminated"`}, nil)
			r = b.post(path+"/risk-eliminated", url.Values{"risk_elimination_way": {"1"}, "date": {"2024-10-01"}})
			check(t, "eliminated before identified", r, http.StatusUnprocessableEntity, []string{"风险消除日期不能早于风险识别日期", `<details open>`}, nil)
			r = b.post(path+"/risk-eliminated", url.Values{"risk_elimination_way": {"1"}, "date": {"2024-11-02"}, "reason": {"医保报销"}})
			if r.status != http.StatusSeeOther {
				t.Fatalf("eliminate: status %d\n%s", r.status, excerpt(r.body))
			}
			h := e.household(e.bala.ID)
			if h.Details["risk_eliminated"] != tuopin.Yes || h.Details["risk_eliminated_date"] != "2024-11-02" {
				t.Fatalf("details = %v", h.Details)
			}
		})
		t.Run("Note", func(t *testing.T) {
			r := b.post(path+"/events", url.Values{"date": {"2024-11-10"}, "reason": {"入户走访"}})
			if r.status != http.StatusSeeOther {
				t.Fatalf("note: status %d\n%s", r.status, excerpt(r.body))
			}
			check(t, "note", b.get(path), http.StatusOK, []string{`data-kind="note"`, "入户走访"}, nil)
			v := e.login(e.viewer)
			check(t, "viewer", v.get(path), http.StatusOK, []string{"入户走访"}, []string{`action="/households/` + fmt.Sprint(e.bala.ID) + `/events"`})
			check(t, "viewer note", v.post(path+"/events", url.Values{"reason": {"x"}}), http.StatusForbidden, nil, nil)
		})
		t.Run("API", func(t *testing.T) {
			tok := e.token(e.county)
			api := fmt.Sprintf("/api/v1/households/%d", e.bala.ID)
			r := e.api("POST", api+"/status", tok, `{"status":"1","date":"2024-11-15","reason":"县批准"}`)
			check(t, "api move", r, http.StatusOK, []string{`"status":"1"`}, nil)
			r = e.api("POST", api+"/status", tok, `{"status":"4","date":"2030-01-01"}`)
			check(t, "api future", r, http.StatusUnprocessableEntity, []string{`"date":{"code":"date_future"`}, nil)
			r = e.api("POST", api+"/events", tok, `{"kind":"note","reason":"电话回访"}`)
			check(t, "api note", r, http.StatusCreated, []string{`"kind":"note"`, `"date":"` + today + `"`}, nil)
			r = e.api("GET", api+"/events", tok, "")
			var list struct {
				Items []tuopin.HouseholdEvent `json:"items"`
				Total int                     `json:"total"`
			}
			decode(t, r, &list)
			var kinds []string
			for _, ev := range list.Items {
				kinds = append(kinds, ev.Kind)
			}
			if got := strings.Join(kinds, " "); got != "pre_exit monitored risk_eliminated note exited identified note" || list.Total != 7 {
				t.Fatalf("timeline = %s (%d)", got, list.Total)
			}
			r = e.api("GET", fmt.Sprintf("/api/v1/households/%d/events", e.bapang.ID), tok, "")
			check(t, "other county", r, http.StatusNotFound, nil, nil)
		})
	})
}
