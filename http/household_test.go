package apphttp_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// householdForm returns the posted form of a valid new household in a
// village; its members' ID numbers come from n.
func householdForm(village, number string, n int) url.Values {
	h := sqldbtest.NewHousehold(village, n)
	f := url.Values{
		"year": {"2024"}, "number": {number}, "area_code": {village}, "attribute": {"01"},
		"main_cause": {"02"}, "status": {"0"}, "income_per_capita": {"3500.50"}, "reason": {"新识别"},
	}
	for i, m := range h.Members {
		p := fmt.Sprintf("members[%d].", i*3) // gaps, as after removed rows
		f.Set(p+"name", m.Name)
		f.Set(p+"id_number", m.IDNumber)
		f.Set(p+"relation", m.Relation)
	}
	return f
}

// badChecksum returns an ID number whose last character is wrong.
func badChecksum(id string) string {
	last := "0"
	if id[17] == '0' {
		last = "1"
	}
	return id[:17] + last
}

func TestHouseholdCreate_HTML(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		b := e.login(e.village)

		t.Run("OK", func(t *testing.T) {
			r := b.post("/households", householdForm(sqldbtest.Xinyan, "XY-100", 100))
			if r.status != http.StatusSeeOther || !strings.HasPrefix(r.header.Get("Location"), "/households/") {
				t.Fatalf("create: status %d location %q\n%s", r.status, r.header.Get("Location"), excerpt(r.body))
			}
			check(t, "detail", b.get(r.header.Get("Location")), http.StatusOK,
				[]string{"贫困户已登记", "XY-100", "3,500.50", "因残", "户主"}, nil)
		})

		t.Run("ErrIDChecksum", func(t *testing.T) {
			before := e.householdCount(sqldbtest.Xinyan)
			f := householdForm(sqldbtest.Xinyan, "XY-101", 101)
			f.Set("members[3].id_number", badChecksum(f.Get("members[3].id_number")))
			f.Set("members[3].name", "输错号")
			r := b.post("/households", f)
			check(t, "bad checksum", r, http.StatusUnprocessableEntity, []string{
				"提交的信息有误", "成员 2 · 身份证号", "身份证号校验位错误",
				`value="输错号"`, `value="XY-101"`, `name="members[1].id_number"`, "has-error",
			}, nil)
			if n := e.householdCount(sqldbtest.Xinyan); n != before {
				t.Errorf("households %d → %d: a refused form wrote something", before, n)
			}
		})

		t.Run("ErrUnparseableAndInvalidTogether", func(t *testing.T) {
			f := householdForm(sqldbtest.Xinyan, "XY-102", 102)
			f.Set("income_per_capita", "12x")
			f.Set("attribute", "")
			r := b.post("/households", f)
			check(t, "two errors", r, http.StatusUnprocessableEntity,
				[]string{"请输入以元为单位的金额", "贫困户属性：必填", `value="12x"`}, nil)
		})

		t.Run("ErrSecondHead", func(t *testing.T) {
			f := householdForm(sqldbtest.Xinyan, "XY-103", 103)
			f.Set("members[3].relation", tuopin.RelationHead)
			r := b.post("/households", f)
			check(t, "second head", r, http.StatusUnprocessableEntity, []string{"成员 2 · 与户主关系", "每户只能有一名户主"}, nil)
		})

		t.Run("ErrOutOfScopeArea", func(t *testing.T) {
			before := e.householdCount(sqldbtest.Bala)
			r := b.post("/households", householdForm(sqldbtest.Bala, "BL-104", 104))
			check(t, "other village", r, http.StatusUnprocessableEntity, []string{"区划代码：不在您的管辖范围内"}, nil)
			if n := e.householdCount(sqldbtest.Bala); n != before {
				t.Errorf("巴拉 households %d → %d", before, n)
			}
		})

		t.Run("ErrNumberTaken", func(t *testing.T) {
			f := householdForm(sqldbtest.Xinyan, e.xinyan1.Number, 105)
			r := b.post("/households", f)
			check(t, "taken number", r, http.StatusConflict, []string{"该年度已有相同户编号的贫困户"}, nil)
		})

		t.Run("NewFormOffersOnlyOwnVillage", func(t *testing.T) {
			check(t, "new form", b.get("/households/new"), http.StatusOK,
				[]string{"新增贫困户", `<option value="` + sqldbtest.Xinyan + `"`, `id="member-row"`, "members[__i__].name"},
				[]string{sqldbtest.Bala, "巴拉村委会"})
		})
	})
}

func TestHouseholdEdit_AuditOnDetail(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		b := e.login(e.county)
		h := e.household(e.xinyan1.ID)
		path := fmt.Sprintf("/households/%d", h.ID)

		r := b.get(path + "/edit")
		check(t, "edit form", r, http.StatusOK, []string{
			`name="version" value="1"`, `value="3500.00"`, `name="members[0].id" value="` + strconv.FormatInt(h.Members[0].ID, 10) + `"`,
			`value="` + headXinyan1 + `"`,
		}, nil)

		// Change the income and the spouse's education, keep the rest.
		f := url.Values{"version": {"1"}, "area_code": {h.AreaCode}, "attribute": {h.Attribute}, "main_cause": {h.MainCause},
			"income_per_capita": {"4200"}, "phone": {"0778-5551234"}, "reason": {"入户核实收入"}}
		for i, m := range h.Members {
			p := fmt.Sprintf("members[%d].", i)
			f.Set(p+"id", strconv.FormatInt(m.ID, 10))
			f.Set(p+"name", m.Name)
			f.Set(p+"id_number", m.IDNumber)
			f.Set(p+"relation", m.Relation)
			f.Set(p+"sex", m.Sex)
		}
		f.Set("members[1].education", "03")
		r = b.post(path, f)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != path {
			t.Fatalf("save: status %d location %q\n%s", r.status, r.header.Get("Location"), excerpt(r.body))
		}
		check(t, "detail after edit", b.get(path), http.StatusOK, []string{
			"修改已保存", "版本 2", "4,200.00", "0778-5551234",
			"修改贫困户信息", "原因：入户核实收入", e.county.Username,
			"<del>3,500.00</del>", "<ins>4,200.00</ins>",
			"文化程度：— → 初中",
		}, nil)
		if got := e.household(h.ID); got.IncomePerCapita != 420000 || got.Members[1].ID != h.Members[1].ID || len(got.Members) != 2 {
			t.Errorf("stored: income %d, members %d (spouse ID %d, was %d)", got.IncomePerCapita, len(got.Members), got.Members[1].ID, h.Members[1].ID)
		}

		// The same form again carries the old version: refused, not lost.
		f.Set("income_per_capita", "5000")
		check(t, "stale version", b.post(path, f), http.StatusConflict, []string{"此户已被他人修改", `value="5000"`}, nil)

		// A second head in the edit form.
		f.Set("version", "2")
		f.Set("members[1].relation", tuopin.RelationHead)
		check(t, "second head", b.post(path, f), http.StatusUnprocessableEntity, []string{"每户只能有一名户主"}, nil)

		// Removing the spouse's row removes the spouse.
		f.Set("members[1].relation", "02")
		for _, k := range []string{"id", "name", "id_number", "relation", "sex", "education"} {
			f.Del("members[1]." + k)
		}
		r = b.post(path, f)
		if r.status != http.StatusSeeOther {
			t.Fatalf("remove member: status %d\n%s", r.status, excerpt(r.body))
		}
		if got := e.household(h.ID); len(got.Members) != 1 || got.Size != 1 {
			t.Errorf("after removing a row: %d members, size %d", len(got.Members), got.Size)
		}
		check(t, "member removal in history", b.get(path), http.StatusOK, []string{"− 黄1"}, nil)
	})
}

func TestHouseholdStatus(t *testing.T) {
	db := sqldbtest.MustOpenSQLite(t)
	e := newEnv(t, db)
	b := e.login(e.township)
	path := fmt.Sprintf("/households/%d", e.bala.ID)

	check(t, "moves offered", b.get(path), http.StatusOK,
		[]string{`name="status" value="9"`, "变更为"}, []string{`name="status" value="1"`})

	t.Run("OK", func(t *testing.T) {
		r := b.post(path+"/status", url.Values{"status": {"9"}, "reason": {"收入超过标准"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("move: status %d\n%s", r.status, excerpt(r.body))
		}
		check(t, "after move", b.get(path), http.StatusOK,
			// The history shows the move with its reason.
			[]string{"脱贫状态已变更", `badge-amber`, "预脱贫", "原因：收入超过标准"}, []string{"您的角色无权查看审计记录"})
	})

	t.Run("ErrNotAllowed", func(t *testing.T) {
		// 预脱贫 may go to 未脱贫 or 已脱贫(享受政策), not to 返贫.
		r := b.post(path+"/status", url.Values{"status": {"3"}, "reason": {"试一试"}})
		check(t, "refused move", r, http.StatusUnprocessableEntity, []string{"状态变更未被接受", `value="试一试"`}, nil)
		if got := e.household(e.bala.ID).Status; got != tuopin.StatusPreExit {
			t.Errorf("status %q after a refused move", got)
		}
	})

	t.Run("ErrViewerMayNotMove", func(t *testing.T) {
		v := e.login(e.viewer)
		check(t, "viewer detail", v.get(path), http.StatusOK,
			[]string{"预脱贫", "变更记录", "变更脱贫状态", "原因：收入超过标准", "<del>未脱贫</del>", "<ins>预脱贫</ins>"},
			[]string{`name="status"`, "/edit"})
		check(t, "viewer move", v.post(path+"/status", url.Values{"status": {"1"}}), http.StatusForbidden, []string{"无权操作"}, nil)
	})
}

func TestHouseholdList_SearchAndPaging(t *testing.T) {
	db := sqldbtest.MustOpenSQLite(t)
	e := newEnv(t, db)
	var batch []*tuopin.Household
	for n := 10; n < 70; n++ {
		batch = append(batch, sqldbtest.NewHousehold(sqldbtest.Changle, n))
	}
	if err := sqldb.NewHouseholdService(db).CreateHouseholds(sqldbtest.Ctx(tuopin.SystemUser), batch, "fixture"); err != nil {
		t.Fatal(err)
	}
	b := e.login(e.county)

	check(t, "page 1", b.get("/households?area=451224102"), http.StatusOK,
		[]string{"第 1–50 条，共 61 条", `href="/households?area=451224102&amp;page=2"`, "长乐村委会"}, []string{headXinyan1})
	check(t, "page 2", b.get("/households?area=451224102&page=2"), http.StatusOK,
		[]string{"第 51–61 条，共 61 条", "上一页"}, nil)

	// The live search answers htmx with the results block only.
	r := b.get("/households?q="+url.QueryEscape(headXinyan2), "HX-Request", "true", "HX-Target", "results")
	check(t, "htmx search", r, http.StatusOK, []string{headXinyan2, "第 1–1 条，共 1 条"}, []string{"<html", headXinyan1, `id="filters"`})
	// By household number prefix and by ID number.
	check(t, "number search", b.get("/households?q="+e.bala.Number), http.StatusOK, []string{headBala, "共 1 条"}, []string{headXinyan1})
	check(t, "id search", b.get("/households?q="+e.changle.Members[0].IDNumber), http.StatusOK, []string{headChangle}, []string{headBala})
	// Status and year filters.
	check(t, "status filter", b.get("/households?status=1"), http.StatusOK, []string{"没有符合条件的贫困户"}, []string{headBala})
	check(t, "other year", b.get("/households?year=2019"), http.StatusOK, []string{"共 0 条"}, []string{headBala})
}

// TestHouseholdNew_DefaultYear checks that the new-household form proposes
// the registry year being kept (the newest in scope), not the calendar year,
// and that ?year= chooses another.
func TestHouseholdNew_DefaultYear(t *testing.T) {
	db := sqldbtest.MustOpenSQLite(t)
	e := newEnv(t, db)
	b := e.login(e.township)
	want := fmt.Sprintf(`name="year" value="%d"`, e.xinyan1.Year)
	check(t, "default year", b.get("/households/new"), http.StatusOK, []string{want}, nil)
	check(t, "chosen year", b.get("/households/new?year=2019"), http.StatusOK, []string{`name="year" value="2019"`}, []string{want})
}
