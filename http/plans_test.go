package apphttp_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// storedPlans reads the 2024 plans of an area's children as the system user.
func (e *env) storedPlans(parent string) map[string]*tuopin.ExitPlan {
	e.t.Helper()
	m, err := sqldb.NewPlanService(e.db).FindPlans(sqldbtest.Ctx(tuopin.SystemUser), 2024, parent)
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// planForm is the county's plans table for 2024 with the given fields
// set; rows[0] is 东兰镇 and rows[1] 长乐镇.
func planForm(kv ...string) url.Values {
	f := url.Values{"year": {"2024"}, "rows[0].code": {sqldbtest.DonglanTown}, "rows[1].code": {sqldbtest.ChangleTown}, "reason": {"县指挥部下达"}}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return f
}

func TestPlansPage(t *testing.T) {
	e := newBoardEnv(t)
	b := e.login(e.county)

	t.Run("OK", func(t *testing.T) {
		r := b.get("/plans/451224?year=2024")
		check(t, "plans page", r, http.StatusOK, []string{"脱贫计划", "东兰镇", "长乐镇", `name="rows[0].households"`, `name="rows[1].nodes[3].date"`,
			"保存计划", "data-copy-dates", `href="/plans/451224100?year=2024"`}, []string{"凤城镇", "readonly"})
		r = b.post("/plans/451224", planForm(
			"rows[0].households", "3", "rows[0].persons", "6",
			"rows[0].nodes[0].date", "2024-07-25", "rows[0].nodes[0].households", "1", "rows[0].nodes[0].persons", "2",
			"rows[0].nodes[2].date", "2024-10-31", "rows[0].nodes[2].households", "2", "rows[0].nodes[2].persons", "4"))
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/plans/451224?year=2024" {
			t.Fatalf("save: %d %s\n%s", r.status, r.header.Get("Location"), excerpt(r.body))
		}
		check(t, "after save", b.get("/plans/451224?year=2024"), http.StatusOK, []string{"脱贫计划已保存", `value="2024-10-31"`}, nil)
		plans := e.storedPlans("451224")
		p := plans[sqldbtest.DonglanTown]
		if len(plans) != 1 || p == nil || p.Households != 3 || len(p.Nodes) != 2 || p.Nodes[1].Households != 2 {
			t.Fatalf("stored %+v", plans)
		}
		es, _, err := sqldb.NewAuditService(e.db).FindAuditEntries(sqldbtest.Ctx(tuopin.SystemUser), tuopin.AuditFilter{Action: &planSetAction})
		if err != nil || len(es) != 1 || es[0].Reason != "县指挥部下达" || es[0].ActorID != e.county.ID {
			t.Fatalf("audit %v %v", es, err)
		}
		// The audit page shows the change in words.
		check(t, "audit page", b.get("/audit"), http.StatusOK, []string{"下达脱贫计划"}, nil)
	})

	t.Run("ErrFieldsReshown", func(t *testing.T) {
		n := len(e.storedPlans("451224"))
		r := b.post("/plans/451224", planForm(
			"rows[0].households", "3", "rows[0].persons", "6",
			"rows[1].households", "abc", "rows[1].persons", "2",
			// Column 1 left blank, column 2 given: errors land on column 2.
			"rows[0].nodes[0].date", "2024-07-25", "rows[0].nodes[0].households", "1", "rows[0].nodes[0].persons", "2",
			"rows[0].nodes[2].date", "2024-07-01", "rows[0].nodes[2].households", "9", "rows[0].nodes[2].persons", "4"))
		check(t, "refused", r, http.StatusUnprocessableEntity, []string{
			"提交的信息有误", `value="abc"`, "请输入整数", "节点日期须逐个递增", "节点目标不能超过全年计划",
			"长乐镇 · 户数：请输入整数", "东兰镇 · 节点 3 日期：节点日期须逐个递增",
		}, []string{"脱贫计划已保存"})
		// The marked cell is the one typed in.
		i := strings.Index(r.body, `name="rows[0].nodes[2].date"`)
		if i < 0 || !strings.Contains(r.body[strings.LastIndex(r.body[:i], "<td"):i], "has-error") {
			t.Error("the refused date's cell is not marked")
		}
		if len(e.storedPlans("451224")) != n {
			t.Fatal("a refused table stored plans")
		}
		// A blank row over a stored plan is refused too: plans are set, not deleted.
		r = b.post("/plans/451224", planForm("rows[0].households", "", "rows[0].persons", ""))
		check(t, "cleared", r, http.StatusUnprocessableEntity, []string{"东兰镇 · 户数：必填"}, nil)
	})

	t.Run("ReadOnly", func(t *testing.T) {
		v := e.login(e.viewer)
		check(t, "viewer page", v.get("/plans/451224?year=2024"), http.StatusOK, []string{"readonly", "计划由县指挥部下达，您可以查看。", `value="3"`}, []string{"保存计划"})
		check(t, "viewer post", v.post("/plans/451224", planForm("rows[0].households", "9", "rows[0].persons", "9")), http.StatusForbidden, nil, nil)
		tw := e.login(e.township)
		check(t, "township post", tw.post("/plans/451224100", url.Values{"year": {"2024"}}), http.StatusForbidden, nil, nil)
		// The township sees its own plan from the county above its villages.
		check(t, "township page", tw.get("/plans?year=2024"), http.StatusOK, []string{"县指挥部下达本乡镇计划：3 户 6 人", "新烟村委会"}, []string{"保存计划"})
		check(t, "village page", e.login(e.village).get("/plans?year=2024"), http.StatusOK, []string{"新烟村委会"}, []string{"巴拉村委会", "保存计划"})
		check(t, "village on county", e.login(e.village).get("/plans/451224?year=2024"), http.StatusNotFound, nil, nil)
		check(t, "other county post", e.login(e.fengshan).post("/plans/451224", planForm("rows[0].households", "1", "rows[0].persons", "1")), http.StatusNotFound, nil, nil)
	})

	t.Run("VillagePlans", func(t *testing.T) {
		r := b.post("/plans/451224100", url.Values{"year": {"2024"}, "rows[0].code": {sqldbtest.Xinyan},
			"rows[0].households": {"2"}, "rows[0].persons": {"4"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("village plans: %d\n%s", r.status, excerpt(r.body))
		}
		if p := e.storedPlans(sqldbtest.DonglanTown)[sqldbtest.Xinyan]; p == nil || p.Households != 2 || len(p.Nodes) != 0 {
			t.Fatalf("village plan %+v", p)
		}
		check(t, "township page sums", b.get("/plans/451224100?year=2024"), http.StatusOK, []string{"各村计划合计：2 户 4 人"}, nil)
	})
}

func TestPlansAPI(t *testing.T) {
	e := newBoardEnv(t)
	county, viewer, village, fengshan := e.token(e.county), e.token(e.viewer), e.token(e.village), e.token(e.fengshan)
	valid := `{"year":2024,"reason":"下达","items":[{"area_code":"451224100000","households":3,"persons":6,
		"nodes":[{"date":"2024-07-25","households":1,"persons":2},{"date":"2024-10-31T00:00:00Z","households":2,"persons":4}]},
		{"area_code":"451224102000","households":1,"persons":2,"nodes":[]}]}`
	for _, tc := range []struct {
		name, method, path, token, body string
		status                          int
		want, absent                    []string
	}{
		{"EmptyList", "GET", "/api/v1/plans/451224?year=2024", county, "", 200, []string{`"year":2024`, `"area_code":"451224000000"`, `"items":[]`}, nil},
		{"ErrNoToken", "GET", "/api/v1/plans/451224?year=2024", "", "", 401, []string{`"unauthorized"`}, nil},
		{"ErrForbidden", "PUT", "/api/v1/plans/451224", viewer, valid, 403, []string{`"forbidden"`}, nil},
		{"ErrOtherCounty", "PUT", "/api/v1/plans/451224", fengshan, valid, 404, []string{`"not_found"`}, nil},
		{"ErrMalformed", "PUT", "/api/v1/plans/451224", county, `{"year":2024,"items":[`, 400, []string{`"invalid"`, "Malformed JSON"}, nil},
		{"ErrUnknownField", "PUT", "/api/v1/plans/451224", county, `{"year":2024,"items":[],"colour":"red"}`, 400, []string{`Unknown field \"colour\"`}, nil},
		{"ErrFields", "PUT", "/api/v1/plans/451224", county, `{"year":2024,"items":[
			{"area_code":"451224100000","households":3,"persons":6,"nodes":[{"date":"2025-01-01","households":1,"persons":2},{"date":"2024-07-xx","households":1,"persons":2}]},
			{"area_code":"451224100201","households":1,"persons":1},
			{"area_code":"451224102000","households":2,"persons":1}]}`, 422,
			[]string{`"items[0].nodes[0].date":{"code":"outside_year"`, `"items[0].nodes[1].date":{"code":"invalid_date"`,
				`"items[1].area_code":{"code":"not_child"`, `"items[2].persons":{"code":"fewer_than_households"`}, nil},
		{"OK", "PUT", "/api/v1/plans/451224", county, valid, 200, []string{`"area_code":"451224100000","households":3`, `"date":"2024-10-31T00:00:00Z"`,
			`"area_code":"451224102000","households":1`, `"updated_by":"测试 county_admin`}, nil},
		{"List", "GET", "/api/v1/plans/451224?year=2024", viewer, "", 200, []string{`"451224100000"`, `"451224102000"`}, nil},
		{"VillageSeesOwnOnly", "GET", "/api/v1/plans/451224100?year=2024", village, "", 200, []string{`"items":[]`}, nil},
		{"VillageAsksCounty", "GET", "/api/v1/plans/451224?year=2024", village, "", 200, []string{`"items":[]`}, []string{"451224100000"}},
		{"ErrOtherCountyRead", "GET", "/api/v1/plans/451224?year=2024", fengshan, "", 404, nil, nil},
		{"ErrBadYear", "GET", "/api/v1/plans/451224?year=x", county, "", 400, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			check(t, tc.name, e.api(tc.method, tc.path, tc.token, tc.body), tc.status, tc.want, tc.absent)
		})
	}
	// Nothing of the refused bodies was stored, and the accepted one left
	// one audit entry per plan.
	es, _, err := sqldb.NewAuditService(e.db).FindAuditEntries(sqldbtest.Ctx(tuopin.SystemUser), tuopin.AuditFilter{Action: &planSetAction})
	if err != nil || len(es) != 2 {
		t.Fatalf("%d plan.set entries (%v)", len(es), err)
	}
	// The village secretary reads its own plan through its township.
	e.setPlan(sqldbtest.Xinyan, 2, 4)
	check(t, "village own", e.api("GET", "/api/v1/plans/451224100?year=2024", village, ""), 200, []string{`"area_code":"451224100201"`}, []string{"451224100202"})
}

var planSetAction = tuopin.ActionPlanSet
