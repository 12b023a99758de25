package apphttp_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

func TestReviewsPage(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		b := e.login(e.county)

		// 东兰县 registers a person whom 凤山县's household 巴旁 holds.
		f := householdForm(sqldbtest.Changle, "4512241022010099", 40)
		f.Set("members[3].id_number", e.bapang.Members[1].IDNumber)
		r := b.post("/households", f)
		check(t, "refused create", r, http.StatusUnprocessableEntity,
			[]string{"已转入身份证号重复核查（第 1 号）"}, []string{headBapang, e.bapang.Number})
		if n := e.householdCount(sqldbtest.Changle); n != 1 {
			t.Fatalf("%d households in 长乐 after a refused create", n)
		}

		// 东兰县 sees its incoming record, not a link to 凤山县's.
		check(t, "county queue", b.get("/reviews"), http.StatusOK,
			[]string{`id="review-1"`, e.bapang.Members[1].IDNumber, e.bapang.Number, "4512241022010099", "不在您的管辖范围内", `action="/reviews/1/resolve"`},
			[]string{fmt.Sprintf(`href="/households/%d"`, e.bapang.ID), `value="moved_to_incoming"`})

		// 凤山县 sees the link to its household and may move the person.
		fb := e.login(e.fengshan)
		check(t, "fengshan queue", fb.get("/reviews"), http.StatusOK,
			[]string{`id="review-1"`, fmt.Sprintf(`href="/households/%d"`, e.bapang.ID), `value="moved_to_incoming"`},
			[]string{headChangle})

		// A township of 东兰县 outside 长乐镇 sees nothing.
		tw := e.login(e.township)
		check(t, "township queue", tw.get("/reviews"), http.StatusOK, []string{"没有待处理的核查。"}, []string{`id="review-1"`})

		t.Run("Resolve", func(t *testing.T) {
			r := b.post("/reviews/1/resolve", url.Values{"resolution": {"keep_existing"}})
			check(t, "no reason", r, http.StatusUnprocessableEntity, []string{"不能处理该核查。"}, nil)
			r = b.post("/reviews/1/resolve", url.Values{"resolution": {"moved_to_incoming"}, "note": {"迁入"}})
			check(t, "not the county of the person", r, http.StatusForbidden, []string{"不能处理该核查。"}, nil)
			r = b.post("/reviews/1/resolve", url.Values{"resolution": {"keep_existing"}, "note": {"录入错误"}})
			if r.status != http.StatusSeeOther {
				t.Fatalf("resolve: status %d\n%s", r.status, excerpt(r.body))
			}
			check(t, "resolved", b.get("/reviews?status=resolved"), http.StatusOK, []string{"核查已处理。", "保留原记录", "录入错误"}, nil)
			check(t, "open", b.get("/reviews"), http.StatusOK, []string{"没有待处理的核查。"}, nil)
		})
		t.Run("API", func(t *testing.T) {
			tok := e.token(e.county)
			body := householdJSON(sqldbtest.Bala, "4512241002020077", 41)
			body["members"].([]map[string]any)[0]["id_number"] = e.bapang.Members[0].IDNumber
			r := e.api("POST", "/api/v1/households", tok, mustJSON(t, body))
			check(t, "api refused", r, http.StatusUnprocessableEntity, []string{`"code":"id_review_filed"`, "(review 2)"}, []string{e.bapang.Number})
			r = e.api("GET", "/api/v1/id-reviews?status=open", tok, "")
			check(t, "api list", r, http.StatusOK, []string{`"total":1`, `"incoming_number":"4512241002020077"`, `"incoming":{`}, []string{`"existing_household_id"`})
			ft := e.token(e.fengshan)
			r = e.api("GET", "/api/v1/id-reviews/2", ft, "")
			check(t, "api get", r, http.StatusOK, []string{fmt.Sprintf(`"existing_household_id":%d`, e.bapang.ID)}, []string{`"incoming":`})
			r = e.api("POST", "/api/v1/id-reviews/2/resolve", ft, `{"resolution":"moved_to_incoming","note":"户主迁出"}`)
			check(t, "api head", r, http.StatusUnprocessableEntity, []string{`"code":"is_head"`}, nil)
			r = e.api("POST", "/api/v1/id-reviews/2/resolve", ft, `{"resolution":"different_people_corrected","note":"已更正身份证号"}`)
			check(t, "api resolve", r, http.StatusOK, []string{`"status":"resolved"`, `"resolution":"different_people_corrected"`}, nil)
			r = e.api("POST", "/api/v1/id-reviews/2/resolve", ft, `{"resolution":"keep_existing","note":"x"}`)
			check(t, "api twice", r, http.StatusConflict, nil, nil)
			r = e.api("GET", "/api/v1/id-reviews/2", e.token(e.village), "")
			check(t, "api out of scope", r, http.StatusNotFound, nil, nil)
			if got := e.household(e.bapang.ID); len(got.Members) != 2 {
				t.Errorf("凤山县's household has %d members", len(got.Members))
			}
		})
	})
}
