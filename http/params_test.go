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

// storedLine reads the 2016 figure of a kind for an area as the system
// user, or -1 when none applies.
func (e *env) storedLine(kind, area string) tuopin.Money {
	e.t.Helper()
	set, err := sqldb.NewParamService(e.db).FindParamSet(sqldbtest.Ctx(tuopin.SystemUser))
	if err != nil {
		e.t.Fatal(err)
	}
	m, ok := set.Line(kind, 2016, area)
	if !ok {
		return -1
	}
	return m
}

// paramForm is the poverty-line form of 2016 for 东兰县 with the given
// fields set.
func paramForm(kv ...string) url.Values {
	f := url.Values{"kind": {tuopin.ParamPovertyLine}, "year": {"2016"}, "region": {"451224"}, "value": {"3,100"},
		"source": {"东兰县扶贫办 2016 年 1 号文"}, "verified": {"on"}, "reason": {"县定标准"}}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Set(kv[i], kv[i+1])
	}
	return f
}

func TestParamsPage(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		b := e.login(e.county)

		t.Run("OK", func(t *testing.T) {
			r := b.get("/params")
			check(t, "params page", r, http.StatusOK, []string{"<h1>参数表", "扶贫标准", "2,855.00", "4,000.00", "已核实", "待核实", "全国",
				`action="/params"`, `name="region" value="451224"`}, []string{"edit=2015"})
			check(t, "English", b.get("/params?lang=en"), http.StatusOK, []string{"Parameters", "Poverty line", "Unverified", "China"}, nil)
			b.get("/params?lang=zh")
			// Guangxi's counting rule, read only for a county.
			check(t, "income rule", b.get("/params?kind=income_excluded&year=2016"), http.StatusOK,
				[]string{"不计入纯收入的项目", "广西壮族自治区", "养老保险金", `name="text" value="transfer_pension"`}, []string{"edit=2016", "(元)"})
		})

		t.Run("OKSetEditDelete", func(t *testing.T) {
			r := b.post("/params", paramForm())
			if r.status != http.StatusSeeOther || r.header.Get("Location") != "/params?kind=poverty_line&year=2016" {
				t.Fatalf("save: %d %s\n%s", r.status, r.header.Get("Location"), excerpt(r.body))
			}
			check(t, "after save", b.get("/params?kind=poverty_line&year=2016"), http.StatusOK,
				[]string{"参数已保存", "3,100.00", "东兰县", "edit=2016"}, []string{"2,855.00"})
			if m := e.storedLine(tuopin.ParamPovertyLine, sqldbtest.Xinyan); m != 3100_00 {
				t.Fatalf("stored line %v", m)
			}
			check(t, "edit form", b.get("/params?kind=poverty_line&edit=2016&region=451224"), http.StatusOK,
				[]string{`value="3100.00"`, `name="editing" value="1"`, "readonly"}, nil)

			r = b.post("/params", url.Values{"kind": {"income_excluded"}, "year": {"2016"}, "region": {"451224"},
				"text": {"transfer_dibao", "transfer_pension"}, "source": {"县扶贫办"}})
			if r.status != http.StatusSeeOther {
				t.Fatalf("income rule: %d\n%s", r.status, excerpt(r.body))
			}
			check(t, "income rule", b.get("/params?kind=income_excluded&year=2016"), http.StatusOK, []string{"低保金；养老保险金"}, nil)

			r = b.post("/params/delete", url.Values{"kind": {"poverty_line"}, "year": {"2016"}, "region": {"451224"}})
			if r.status != http.StatusSeeOther {
				t.Fatalf("delete: %d\n%s", r.status, excerpt(r.body))
			}
			if m := e.storedLine(tuopin.ParamPovertyLine, sqldbtest.Xinyan); m != -1 {
				t.Fatalf("line after delete %v", m)
			}
			check(t, "audit page", b.get("/audit"), http.StatusOK, []string{"设置参数", "删除参数"}, nil)
		})

		t.Run("ErrFieldsReshown", func(t *testing.T) {
			r := b.post("/params", paramForm("value", "abc", "source", ""))
			check(t, "refused", r, http.StatusUnprocessableEntity, []string{"提交的信息有误", `value="abc"`,
				"数值（元）：请输入以元为单位的金额", "来源：必填"}, []string{"参数已保存"})
			i := strings.Index(r.body, `id="f-value"`)
			if i < 0 || !strings.Contains(r.body[strings.LastIndex(r.body[:i], `<div class="field`):i], "has-error") {
				t.Error("the refused value's field is not marked")
			}
			check(t, "national", b.post("/params", paramForm("region", "")), http.StatusUnprocessableEntity,
				[]string{"地区：全国参数只能由系统管理员设置"}, nil)
			check(t, "other county", b.post("/params", paramForm("region", "451223")), http.StatusUnprocessableEntity,
				[]string{"地区：不在您的管辖范围内"}, nil)
			check(t, "unknown key", b.post("/params", url.Values{"kind": {"income_excluded"}, "year": {"2016"}, "region": {"451224"},
				"text": {"pension"}, "source": {"x"}}), http.StatusUnprocessableEntity, []string{"不计入的收入项目：含有未知的收入项目"}, nil)
			if m := e.storedLine(tuopin.ParamPovertyLine, sqldbtest.Bapang); m != -1 {
				t.Fatalf("a refused form stored a line: %v", m)
			}
		})

		t.Run("ReadOnlyForOthers", func(t *testing.T) {
			v := e.login(e.village)
			check(t, "village page", v.get("/params"), http.StatusOK, []string{"2,855.00", "您可以查看"},
				[]string{`id="param-form"`, `href="/params"`, "/params/delete"})
			check(t, "village post", v.post("/params", paramForm()), http.StatusForbidden, nil, nil)
		})
	})
}

func TestParametersAPI(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		county, township := e.token(e.county), e.token(e.township)
		fengshan := e.token(e.fengshan)

		r := e.api("GET", "/api/v1/parameters?kind=poverty_line", township, "")
		check(t, "list", r, http.StatusOK, []string{`"total":2`, `"value":285500`, `"verified":true`, `"updated_by":"system"`}, nil)
		check(t, "bad kind", e.api("GET", "/api/v1/parameters?kind=exit_rate", township, ""), http.StatusBadRequest, []string{"poverty_line"}, nil)

		body := `{"kind":"poverty_line","year":2016,"region":"451224","value":310000,"source":"县文件","reason":"县定标准"}`
		r = e.api("PUT", "/api/v1/parameters", county, body)
		check(t, "put", r, http.StatusOK, []string{`"value":310000`, `"region":"451224"`, `"updated_by":"`}, nil)
		check(t, "listed", e.api("GET", "/api/v1/parameters?year=2016", township, ""), http.StatusOK,
			[]string{`"region":"451224"`, `"region_name":"东兰县"`}, nil)
		// Another county does not see it.
		check(t, "other county", e.api("GET", "/api/v1/parameters?year=2016", fengshan, ""), http.StatusOK, nil, []string{`"region":"451224"`})

		check(t, "national", e.api("PUT", "/api/v1/parameters", county, `{"kind":"poverty_line","year":2016,"value":300000,"source":"x"}`),
			http.StatusUnprocessableEntity, []string{`"region":{"code":"national_admin_only"`}, nil)
		check(t, "township", e.api("PUT", "/api/v1/parameters", township, body), http.StatusForbidden, nil, nil)
		check(t, "text on a line", e.api("PUT", "/api/v1/parameters", county, `{"kind":"poverty_line","year":2016,"region":"451224","value":1,"text":"x","source":"x"}`),
			http.StatusUnprocessableEntity, []string{`"text":{"code":"not_applicable"`}, nil)

		check(t, "delete no year", e.api("DELETE", "/api/v1/parameters?kind=poverty_line", county, ""), http.StatusBadRequest, nil, nil)
		check(t, "delete", e.api("DELETE", "/api/v1/parameters?kind=poverty_line&year=2016&region=451224&reason=x", county, ""), http.StatusNoContent, nil, nil)
		check(t, "delete again", e.api("DELETE", "/api/v1/parameters?kind=poverty_line&year=2016&region=451224", county, ""), http.StatusNotFound, nil, nil)
	})
}
