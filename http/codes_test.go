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

// storedCode reads a code as the system user.
func (e *env) storedCode(kind, code string) (tuopin.Code, bool) {
	e.t.Helper()
	set, err := sqldb.NewCodeService(e.db).FindCodeSet(sqldbtest.Ctx(tuopin.SystemUser))
	if err != nil {
		e.t.Fatal(err)
	}
	return set.Lookup(kind, code)
}

// codeForm is a code form with the given fields set.
func codeForm(kv ...string) url.Values {
	f := url.Values{"reason": {"县扶贫办"}}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return f
}

func TestCodesPage(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		b := e.login(e.county)

		t.Run("OK", func(t *testing.T) {
			check(t, "codes page", b.get("/codes"), http.StatusOK, []string{"<h1>代码表", `href="/codes"`, `href="/params"`,
				"贫困户属性", "致贫原因", "一般贫困户", `action="/codes/attribute"`, "添加代码"}, []string{"readonly"})
			check(t, "edit form", b.get("/codes?kind=cause&code=05"), http.StatusOK, []string{"编辑代码 05", `value="缺土地"`,
				`name="editing" value="1"`, `action="/codes/cause/05/delete"`}, nil)
			// A built-in code is marked and has no delete button.
			check(t, "status table", b.get("/codes?kind=status"), http.StatusOK, []string{"未脱贫", "内置"},
				[]string{`action="/codes/status/0/delete"`})
			check(t, "English", b.get("/codes?kind=cause&lang=en"), http.StatusOK, []string{"Code tables", "Cause of poverty", "Add code"}, nil)
			b.get("/codes?lang=zh")
			check(t, "unknown table", b.get("/codes?kind=colour"), http.StatusNotFound, nil, nil)
		})

		t.Run("OKAddRetireDelete", func(t *testing.T) {
			r := b.post("/codes/cause", codeForm("code", "12", "label", "因婚", "label_en", "Marriage", "valid_from", "2016"))
			if r.status != http.StatusSeeOther || r.header.Get("Location") != "/codes?kind=cause" {
				t.Fatalf("add: %d %s\n%s", r.status, r.header.Get("Location"), excerpt(r.body))
			}
			check(t, "after add", b.get("/codes?kind=cause"), http.StatusOK, []string{"代码已保存", "因婚", "Marriage"}, nil)
			if c, ok := e.storedCode(tuopin.CodeCause, "12"); !ok || c.ValidFrom != 2016 {
				t.Fatalf("stored %+v %v", c, ok)
			}
			r = b.post("/codes/cause", codeForm("editing", "1", "code", "12", "label", "因婚", "valid_from", "2016", "valid_to", "2018"))
			if r.status != http.StatusSeeOther {
				t.Fatalf("retire: %d\n%s", r.status, excerpt(r.body))
			}
			check(t, "after retire", b.get("/codes?kind=cause"), http.StatusOK, []string{"2018 年后停用"}, nil)
			if c, _ := e.storedCode(tuopin.CodeCause, "12"); c.ValidTo != 2018 {
				t.Fatalf("stored %+v", c)
			}
			r = b.post("/codes/cause/12/delete", url.Values{})
			if r.status != http.StatusSeeOther {
				t.Fatalf("delete: %d\n%s", r.status, excerpt(r.body))
			}
			if _, ok := e.storedCode(tuopin.CodeCause, "12"); ok {
				t.Fatal("deleted code still stored")
			}
			check(t, "audit page", b.get("/audit"), http.StatusOK, []string{"修改代码表", "删除代码"}, nil)
		})

		t.Run("ErrFieldsReshown", func(t *testing.T) {
			r := b.post("/codes/cause", codeForm("code", "a b", "label", "", "valid_from", "2020", "valid_to", "2019"))
			check(t, "refused", r, http.StatusUnprocessableEntity, []string{"提交的信息有误", `value="a b"`, `value="2019"`,
				"代码：只能包含字母、数字", "名称：必填", "截止年度：截止年度早于启用年度"}, []string{"代码已保存"})
			// The marked field is the one typed in.
			i := strings.Index(r.body, `id="f-code"`)
			if i < 0 || !strings.Contains(r.body[strings.LastIndex(r.body[:i], `<div class="field`):i], "has-error") {
				t.Error("the refused code's field is not marked")
			}
			check(t, "taken", b.post("/codes/cause", codeForm("code", "01", "label", "因病")), http.StatusUnprocessableEntity,
				[]string{"该代码已存在"}, nil)
			check(t, "bad year", b.post("/codes/cause", codeForm("code", "13", "label", "x", "valid_from", "twenty")), http.StatusUnprocessableEntity,
				[]string{"启用年度：年度须在 1990 至 2100 之间"}, nil)
		})

		t.Run("ErrInUse", func(t *testing.T) {
			// The fixture's 2024 households have main cause 01.
			r := b.post("/codes/cause", codeForm("editing", "1", "code", "01", "label", "因病", "valid_to", "2020"))
			check(t, "retire in use", r, http.StatusUnprocessableEntity, []string{"截止年度：此期间之外的登记记录仍在使用该代码"}, nil)
			r = b.post("/codes/cause/01/delete", url.Values{})
			check(t, "delete in use", r, http.StatusConflict, []string{"代码 01 已被登记的贫困户或成员使用"}, nil)
			r = b.post("/codes/status/0/delete", url.Values{})
			check(t, "delete built-in", r, http.StatusConflict, []string{"代码 0 为系统内置代码"}, nil)
			if _, ok := e.storedCode(tuopin.CodeCause, "01"); !ok {
				t.Fatal("a code in use was deleted")
			}
		})

		t.Run("ReadOnlyForOthers", func(t *testing.T) {
			v := e.login(e.village)
			check(t, "village page", v.get("/codes?kind=cause"), http.StatusOK, []string{"因病", "您可以查看"},
				[]string{`action="/codes/cause"`, `href="/codes"`, "/delete"})
			r := v.post("/codes/cause", codeForm("code", "14", "label", "x"))
			check(t, "village post", r, http.StatusForbidden, nil, nil)
			if _, ok := e.storedCode(tuopin.CodeCause, "14"); ok {
				t.Fatal("a village secretary added a code")
			}
		})
	})
}

func TestCodesAPI(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		county, viewer := e.token(e.county), e.token(e.viewer)

		r := e.api("PUT", "/api/v1/codes/cause/12", county, `{"label":"因婚","valid_from":2016,"reason":"增补"}`)
		check(t, "create", r, http.StatusCreated, []string{`"code":"12"`, `"label":"因婚"`, `"valid_from":2016`, `"ord":13`}, nil)
		r = e.api("PUT", "/api/v1/codes/cause/12", county, `{"label":"因婚","label_en":"Marriage","valid_from":2016,"valid_to":2019}`)
		check(t, "update", r, http.StatusOK, []string{`"label_en":"Marriage"`, `"valid_to":2019`, `"ord":13`}, nil)
		check(t, "listed", e.api("GET", "/api/v1/codes?kind=cause", viewer, ""), http.StatusOK, []string{`"code":"12"`}, nil)

		check(t, "viewer", e.api("PUT", "/api/v1/codes/cause/13", viewer, `{"label":"x"}`), http.StatusForbidden, nil, nil)
		check(t, "invalid", e.api("PUT", "/api/v1/codes/cause/1%203", county, `{"label":""}`), http.StatusUnprocessableEntity,
			[]string{`"code":{"code":"invalid_code_chars"`, `"label":{"code":"required"`}, nil)
		check(t, "unknown field", e.api("PUT", "/api/v1/codes/cause/13", county, `{"label":"x","colour":1}`), http.StatusBadRequest,
			[]string{`colour`}, nil)
		check(t, "retire in use", e.api("PUT", "/api/v1/codes/cause/01", county, `{"label":"因病","valid_to":2020}`), http.StatusUnprocessableEntity,
			[]string{`"valid_to":{"code":"code_in_use"`}, nil)

		check(t, "delete in use", e.api("DELETE", "/api/v1/codes/cause/01", county, ""), http.StatusConflict, []string{"retire it"}, nil)
		check(t, "delete", e.api("DELETE", "/api/v1/codes/cause/12?reason=x", county, ""), http.StatusNoContent, nil, nil)
		check(t, "delete again", e.api("DELETE", "/api/v1/codes/cause/12", county, ""), http.StatusNotFound, nil, nil)
		check(t, "delete by viewer", e.api("DELETE", "/api/v1/codes/cause/99", viewer, ""), http.StatusForbidden, nil, nil)
		check(t, "gone", e.api("GET", "/api/v1/codes?kind=cause", viewer, ""), http.StatusOK, nil, []string{`"code":"12"`})
	})
}
