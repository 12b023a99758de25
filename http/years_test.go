package apphttp_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

func TestYearsPage(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		b := e.login(e.county)

		// 东兰县 holds four households of 2024; 凤山县 is not its business.
		check(t, "years", b.get("/years"), http.StatusOK,
			[]string{"年度结转", `data-county="451224"`, "东兰县", "可修改", `href="/years/start?from=2024&amp;to=2025&amp;area=451224"`},
			[]string{`data-county="451223"`, "全库结转"})

		check(t, "confirm", b.get("/years/start?from=2024&to=2025&area=451224"), http.StatusOK,
			[]string{"确认结转：东兰县，2025 年度（自 2024 年度）", `<dd class="num" id="plan-households">4</dd>`, `name="area" value="451224"`}, nil)
		check(t, "confirm refused", b.get("/years/start?from=2024&to=2025&area=451223"), http.StatusForbidden, nil, nil)
		check(t, "confirm empty", b.get("/years/start?from=2023&to=2024&area=451224"), http.StatusUnprocessableEntity,
			[]string{"不能结转。", "该年度在此范围内没有建档立卡户"}, nil)

		// A township clerk sees the page but may not start.
		tw := e.login(e.township)
		check(t, "township years", tw.get("/years"), http.StatusOK, []string{"东兰县"}, []string{"/years/start?"})
		check(t, "township start", tw.post("/years/start", url.Values{"from": {"2024"}, "to": {"2025"}}), http.StatusForbidden, nil, nil)

		r := b.post("/years/start", url.Values{"from": {"2024"}, "to": {"2025"}, "area": {"451224"}})
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/years" {
			t.Fatalf("start: status %d\n%s", r.status, excerpt(r.body))
		}
		check(t, "after start", b.get("/years"), http.StatusOK, []string{"新年度已结转。", "已结转到 2025", "2025 年"}, nil)

		// 2024 is read-only in 东兰县 now; the page says why.
		path := fmt.Sprintf("/households/%d", e.bala.ID)
		check(t, "closed year", b.post(path+"/status", url.Values{"status": {"9"}}), http.StatusUnprocessableEntity,
			[]string{"2024 年度已结转到 2025 年度，请修改 2025 年度记录"}, nil)
		if e.household(e.bala.ID).Status != tuopin.StatusPoor {
			t.Error("a closed year was changed")
		}

		t.Run("API", func(t *testing.T) {
			admin := e.token(e.admin)
			r := e.api("GET", "/api/v1/years", admin, "")
			check(t, "api years", r, http.StatusOK, []string{`"code":"451223"`, `"code":"451224"`, `"2025":4`, `"from_year":2024`}, nil)
			r = e.api("POST", "/api/v1/years/start", admin, `{"from":2024,"to":2025,"area":"451223","dry_run":true}`)
			check(t, "api dry run", r, http.StatusOK, []string{`"households":1`, `"source":1`}, nil)
			r = e.api("POST", "/api/v1/years/start", admin, `{"from":2024,"to":2025,"area":"451223"}`)
			check(t, "api start", r, http.StatusCreated, []string{`"households":1`, `"members":2`}, nil)
			r = e.api("POST", "/api/v1/years/start", admin, `{"from":2024,"to":2025,"area":"451223"}`)
			check(t, "api again", r, http.StatusOK, []string{`"households":0`, `"present":1`}, nil)
			r = e.api("POST", "/api/v1/years/start", e.token(e.viewer), `{"from":2024,"to":2025}`)
			check(t, "api viewer", r, http.StatusForbidden, nil, nil)
		})
	})
}
