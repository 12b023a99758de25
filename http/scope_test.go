package apphttp_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// TestScope_VillageSecretary checks that a village first secretary sees
// its own village and nothing else, by page and by API, and that what it
// cannot see looks exactly like what does not exist.
func TestScope_VillageSecretary(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		b := e.login(e.village)
		tok := e.token(e.village)
		others := []string{headBala, headChangle, headBapang, e.bala.Number, e.changle.Number}

		pages := []struct {
			name   string
			path   string
			status int
			want   []string
			absent []string
		}{
			{"OverviewIsTheVillage", "/", http.StatusOK,
				[]string{"新烟村委会", "本级没有下辖区域"}, []string{"巴拉村委会", "长乐镇", "下辖乡镇"}},
			{"ListOnlyTheVillage", "/households?year=all", http.StatusOK,
				[]string{headXinyan1, headXinyan2, "第 1–2 条，共 2 条"}, others},
			{"SearchOtherVillageFindsNothing", "/households?year=all&q=" + headBala, http.StatusOK,
				// The query is echoed in the search box; the household is not shown.
				[]string{"没有符合条件的贫困户", "共 0 条"}, []string{e.bala.Number, "/households/" + fmt.Sprint(e.bala.ID)}},
			{"DetailOwn", fmt.Sprintf("/households/%d", e.xinyan1.ID), http.StatusOK,
				[]string{headXinyan1, e.xinyan1.Number}, nil},
			{"ErrDetailOtherVillage", fmt.Sprintf("/households/%d", e.bala.ID), http.StatusNotFound,
				[]string{"未找到或无权访问"}, others},
			{"ErrDetailOtherCounty", fmt.Sprintf("/households/%d", e.bapang.ID), http.StatusNotFound,
				[]string{"未找到或无权访问"}, others},
			{"ErrDetailMissing", "/households/999999", http.StatusNotFound,
				[]string{"未找到或无权访问"}, nil},
			{"ErrEditOtherVillage", fmt.Sprintf("/households/%d/edit", e.bala.ID), http.StatusNotFound,
				[]string{"未找到或无权访问"}, others},
			{"ErrCountyOverview", "/areas/451224", http.StatusNotFound,
				[]string{"未找到或无权访问"}, []string{"长乐镇", "东兰镇"}},
			{"ErrListFilteredToOtherVillage", "/households?area=" + sqldbtest.Bala, http.StatusNotFound,
				[]string{"未找到或无权访问"}, others},
			{"ErrUsersForbidden", "/users", http.StatusForbidden, []string{"无权操作"}, nil},
			{"AuditOnlyTheVillage", "/audit", http.StatusOK, []string{"新烟村委会"}, others},
		}
		for _, p := range pages {
			t.Run("Page"+p.name, func(t *testing.T) {
				check(t, p.path, b.get(p.path), p.status, p.want, p.absent)
			})
		}

		// The status form of another village's household is as unknown.
		before := e.household(e.bala.ID).Version
		check(t, "status of other village", b.post(fmt.Sprintf("/households/%d/status", e.bala.ID), map[string][]string{"status": {"9"}}),
			http.StatusNotFound, []string{"未找到或无权访问"}, others)
		if e.household(e.bala.ID).Version != before {
			t.Error("the other village's household changed")
		}

		notFound := `{"error":{"code":"not_found","message":"household not found or not permitted."}}`
		apis := []struct {
			name, method, path, body string
			status                   int
			want, absent             []string
		}{
			{"List", "GET", "/api/v1/households", "", http.StatusOK,
				[]string{`"total":2`, headXinyan1, headXinyan2}, others},
			{"ListAreaOther", "GET", "/api/v1/households?area=" + sqldbtest.Bala, "", http.StatusOK,
				[]string{`"total":0`, `"items":[]`}, others},
			{"GetOwn", "GET", fmt.Sprintf("/api/v1/households/%d", e.xinyan2.ID), "", http.StatusOK,
				[]string{headXinyan2, `"members":[`}, nil},
			{"ErrGetOther", "GET", fmt.Sprintf("/api/v1/households/%d", e.bala.ID), "", http.StatusNotFound,
				[]string{notFound}, others},
			{"ErrGetMissing", "GET", "/api/v1/households/999999", "", http.StatusNotFound,
				[]string{notFound}, nil},
			{"ErrPatchOther", "PATCH", fmt.Sprintf("/api/v1/households/%d", e.bala.ID), `{"phone":"123"}`, http.StatusNotFound,
				[]string{notFound}, others},
			{"ErrStatusOther", "POST", fmt.Sprintf("/api/v1/households/%d/status", e.changle.ID), `{"status":"9"}`, http.StatusNotFound,
				[]string{notFound}, others},
			{"ErrCountyStats", "GET", "/api/v1/areas/451224/stats?year=2024", "", http.StatusNotFound,
				[]string{`"code":"not_found"`}, []string{`"households"`}},
			{"OwnStats", "GET", "/api/v1/areas/" + sqldbtest.Xinyan + "/stats?year=2024", "", http.StatusOK,
				[]string{`"households":2`, `"persons":4`, `"children":[]`}, nil},
			{"ErrOtherArea", "GET", "/api/v1/areas/" + sqldbtest.Bala, "", http.StatusNotFound,
				[]string{`"code":"not_found"`}, []string{"巴拉"}},
			{"ErrChildrenOfCounty", "GET", "/api/v1/areas/451224/children", "", http.StatusNotFound,
				[]string{`"code":"not_found"`}, []string{"东兰镇", "长乐镇"}},
		}
		for _, a := range apis {
			t.Run("API"+a.name, func(t *testing.T) {
				check(t, a.method+" "+a.path, e.api(a.method, a.path, tok, a.body), a.status, a.want, a.absent)
			})
		}
	})
}

// TestScope_Township checks the counts a township clerk sees: its own
// villages, none of the rest of the county.
func TestScope_Township(t *testing.T) {
	db := sqldbtest.MustOpenSQLite(t)
	e := newEnv(t, db)
	b := e.login(e.township)
	check(t, "township overview", b.get("/?year=2024"), http.StatusOK,
		[]string{"东兰镇", "新烟村委会", "巴拉村委会", "下辖村", `href="/households?area=` + sqldbtest.Xinyan + `&amp;year=2024"`},
		[]string{"长乐镇", "长乐村委会", "凤山县"})
	// Three households (2 in 新烟, 1 in 巴拉) with six persons, all poor.
	r := e.api("GET", "/api/v1/areas/451224100/stats?year=2024", e.token(e.township), "")
	check(t, "township stats", r, http.StatusOK, []string{`"households":3`, `"persons":6`, `"poor_households":3`}, nil)
	var body struct {
		Area struct {
			Households int `json:"households"`
		} `json:"area"`
		Children []struct {
			Name       string `json:"name"`
			Households int    `json:"households"`
		} `json:"children"`
	}
	decode(t, r, &body)
	if len(body.Children) != 2 || body.Children[0].Households != 2 || body.Children[1].Households != 1 {
		t.Errorf("children %+v, want 新烟 2 and 巴拉 1", body.Children)
	}
}
