package apphttp_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// editForm is the posted edit form of a stored household as the page
// would post it untouched: core fields, version and member rows, without
// any detail field (as if the page had none).
func editForm(h *tuopin.Household) url.Values {
	f := url.Values{
		"version": {strconv.Itoa(h.Version)}, "area_code": {h.AreaCode}, "attribute": {h.Attribute},
		"main_cause": {h.MainCause}, "income_per_capita": {h.IncomePerCapita.Yuan()}, "phone": {h.Phone},
	}
	for i, m := range h.Members {
		p := fmt.Sprintf("members[%d].", i)
		f.Set(p+"id", strconv.FormatInt(m.ID, 10))
		f.Set(p+"name", m.Name)
		f.Set(p+"id_number", m.IDNumber)
		f.Set(p+"relation", m.Relation)
		f.Set(p+"sex", m.Sex)
		f.Set(p+"education", m.Education)
	}
	return f
}

var fieldStartRe = regexp.MustCompile(`<div class="field[" ]`)

// fieldBlock returns the form field <div> holding the input named name:
// from its start to the start of the next field.
func fieldBlock(t *testing.T, body, name string) string {
	t.Helper()
	i := strings.Index(body, `name="`+name+`"`)
	if i < 0 {
		t.Fatalf("no input named %q", name)
	}
	starts := fieldStartRe.FindAllStringIndex(body[:i], -1)
	next := fieldStartRe.FindStringIndex(body[i:])
	if len(starts) == 0 || next == nil {
		t.Fatalf("no field block around %q", name)
	}
	return body[starts[len(starts)-1][0] : i+next[0]]
}

var nameRe = regexp.MustCompile(`name="([^"]+)"`)

// formNames counts the inputs of a page by name.
func formNames(body string) map[string]int {
	out := map[string]int{}
	for _, m := range nameRe.FindAllStringSubmatch(body, -1) {
		out[m[1]]++
	}
	return out
}

// TestHouseholdForm_RendersCatalog checks that the form offers every
// field of the national catalog, for the household and for each member
// row (and the blank row's template), with the control its type asks for.
func TestHouseholdForm_RendersCatalog(t *testing.T) {
	e := newEnv(t, sqldbtest.MustOpenSQLite(t))
	b := e.login(e.county)
	h := e.household(e.xinyan1.ID)

	for _, path := range []string{fmt.Sprintf("/households/%d/edit", h.ID), "/households/new"} {
		r := b.get(path)
		if r.status != http.StatusOK {
			t.Fatalf("%s: status %d", path, r.status)
		}
		names := formNames(r.body)
		household := 0
		for _, def := range tuopin.HouseholdFieldDefs {
			n := names["details."+def.Key]
			if n == 0 {
				t.Errorf("%s: no input for household field %s", path, def.Key)
				continue
			}
			household++
			if def.Type == tuopin.FieldCodes {
				// A hidden empty input plus one checkbox per code.
				if codes := len(tuopin.DefaultCodeSet.List(def.CodeKind, 2024)); n != codes+1 {
					t.Errorf("%s: %s has %d inputs, want %d", path, def.Key, n, codes+1)
				}
			} else if n != 1 {
				t.Errorf("%s: %d inputs named details.%s", path, n, def.Key)
			}
		}
		if household != len(tuopin.HouseholdFieldDefs) {
			t.Errorf("%s: %d of %d household fields", path, household, len(tuopin.HouseholdFieldDefs))
		}
		rows := []string{"__i__", "0"}
		if !strings.HasSuffix(path, "new") {
			rows = append(rows, "1")
		}
		for _, i := range rows {
			for _, def := range tuopin.MemberFieldDefs {
				if names[fmt.Sprintf("members[%s].details.%s", i, def.Key)] == 0 {
					t.Errorf("%s: row %s has no input for member field %s", path, i, def.Key)
				}
			}
		}
	}

	r := b.get(fmt.Sprintf("/households/%d/edit", h.ID))
	check(t, "controls", r, http.StatusOK, []string{
		// A code field: a select with the empty choice and the year's labels.
		`<select id="f-details.house_grade" name="details.house_grade"><option value="">未填写</option><option value="A">A级</option>`,
		// Money, int and date inputs.
		`name="details.income_wage" value="" inputmode="decimal"`,
		`name="details.exit_year" value="" inputmode="numeric"`,
		`type="date" id="f-details.risk_identified_date"`,
		// A code list as checkboxes.
		`<input type="checkbox" name="details.other_causes" value="01">`,
		// Section titles and counts.
		"识别与脱贫信息", "两不愁三保障与生产生活条件", "帮扶责任人", "已填 0 / 8 项",
		// Member sections.
		"身份信息", "社会保障", "更多信息",
	}, nil)
}

// TestHouseholdDetails_RoundTrip posts details through the edit form and
// reads them back from storage, the detail page and the print page; a
// later form without the detail fields keeps them.
func TestHouseholdDetails_RoundTrip(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		b := e.login(e.village)
		h := e.household(e.xinyan1.ID)
		path := fmt.Sprintf("/households/%d", h.ID)
		b.get(path + "/edit")

		f := editForm(h)
		f.Set("details.standard", "1")
		f["details.other_causes"] = []string{"", "03", "05"} // the hidden input, then the boxes ticked
		f.Set("details.risk_identified_date", "2024-03-05")
		f.Set("details.first_identified_year", "2014")
		f.Set("details.income_wage", "8600")
		f.Set("details.income_public_job", "1200.5")
		f.Set("details.transfer_dibao", "1500")
		f.Set("details.transfer_pension", "600")
		f.Set("details.expense_business", "400")
		f.Set("details.house_grade", "D")
		f.Set("details.water_safe", tuopin.No)
		f.Set("details.housing_area", "65.50")
		f.Set("details.helper_name", "韦帮扶")
		f.Set("details.helper_unit", "东兰县农业农村局")
		f.Set("members[0].details.ethnicity", "07")
		f.Set("members[0].details.work_months", "8")
		f.Set("members[1].details.resident_medical_insurance", tuopin.No)
		f.Set("members[1].details.employee_medical_insurance", tuopin.No)
		f.Set("reason", "入户采集")
		r := b.post(path, f)
		if r.status != http.StatusSeeOther {
			t.Fatalf("save: status %d\n%s", r.status, excerpt(r.body))
		}

		got := e.household(h.ID)
		want := map[string]string{
			"standard": "1", "other_causes": "03,05", "risk_identified_date": "2024-03-05", "first_identified_year": "2014",
			"income_wage": "8600.00", "income_public_job": "1200.50", "transfer_dibao": "1500.00", "transfer_pension": "600.00",
			// The transfer total follows its parts.
			"income_transfer": "2100.00", "expense_business": "400.00",
			"house_grade": "D", "water_safe": "0", "housing_area": "65.5", "helper_name": "韦帮扶", "helper_unit": "东兰县农业农村局",
		}
		for k, v := range want {
			if got.Details[k] != v {
				t.Errorf("stored %s = %q, want %q", k, got.Details[k], v)
			}
		}
		if len(got.Details) != len(want) {
			t.Errorf("stored details %v, want %d keys", got.Details, len(want))
		}
		if got.Members[0].Details["ethnicity"] != "07" || got.Members[0].Details["work_months"] != "8" ||
			got.Members[1].Details["resident_medical_insurance"] != "0" {
			t.Errorf("stored member details %v / %v", got.Members[0].Details, got.Members[1].Details)
		}
		// (8600 + 2100 − 400) ÷ 2 = 5150.00, computed, not the 3500 posted.
		if got.IncomePerCapita != 515000 {
			t.Errorf("income per capita %s, want 5150.00 computed from the components", got.IncomePerCapita.Yuan())
		}
		if !got.Indicators.UnsafeHouse || !got.Indicators.UnsafeWater || got.Indicators.Uninsured != 1 {
			t.Errorf("indicators %+v", got.Indicators)
		}

		check(t, "detail page", b.get(path), http.StatusOK, []string{
			// Labels, not codes.
			"国家标准", "因学、缺土地", "D级", "韦帮扶", "彝族",
			// The income block: components, totals, per capita computed.
			"工资性收入(元)", "8,600.00", "其中：公益性岗位收入(元)", "1,200.50", "低保金(元)",
			"家庭总收入(元)", "10,700.00", "家庭纯收入(元)", "10,300.00", "5,150.00", "按收入构成计算",
			// The 两不愁三保障 box: house, water and medical gaps.
			`data-guarantee="house"><span class="g-name">住房安全有保障</span>`, "3 项未保障", "1 人未参加基本医疗保险",
			// Section counts.
			"已填 3 / 8 项",
		}, []string{">D<"})
		check(t, "print page", b.get(path+"/print"), http.StatusOK, []string{
			"韦帮扶", "东兰县农业农村局", "D级", "65.5", "否", "10,700.00", "工资性收入(元) 8,600.00", "帮扶责任人",
		}, nil)

		// The edit form shows the values, the sections with values counted,
		// and the per-capita income as computed.
		check(t, "edit form", b.get(path+"/edit"), http.StatusOK, []string{
			`name="details.income_wage" value="8600.00"`, `<option value="D" selected>D级(整幢危房)</option>`,
			`<input type="checkbox" name="details.other_causes" value="03" checked>`,
			`name="members[0].details.work_months" value="8"`, "已按收入构成计算", `readonly`,
		}, nil)

		// A form without the detail fields changes the core and keeps every detail.
		got2 := e.household(h.ID)
		f = editForm(got2)
		f.Set("phone", "0778-1234567")
		if r := b.post(path, f); r.status != http.StatusSeeOther {
			t.Fatalf("save without details: status %d\n%s", r.status, excerpt(r.body))
		}
		got3 := e.household(h.ID)
		if got3.Phone != "0778-1234567" || len(got3.Details) != len(want) || got3.Members[0].Details["ethnicity"] != "07" {
			t.Errorf("after a form without details: phone %q, details %v, member %v", got3.Phone, got3.Details, got3.Members[0].Details)
		}

		// An empty posted field clears its value, the others stay.
		f = editForm(got3)
		f.Set("details.helper_unit", "")
		f["members[0].details.ethnicity"] = []string{""}
		if r := b.post(path, f); r.status != http.StatusSeeOther {
			t.Fatalf("clear: status %d\n%s", r.status, excerpt(r.body))
		}
		got4 := e.household(h.ID)
		if _, ok := got4.Details["helper_unit"]; ok || got4.Details["helper_name"] != "韦帮扶" || got4.Members[0].Details["ethnicity"] != "" {
			t.Errorf("after clearing: details %v, member %v", got4.Details, got4.Members[0].Details)
		}
	})
}

// TestHouseholdDetails_ErrorNextToField posts bad detail values: each
// error shows beside its field, in an unfolded section, and the values
// come back as typed.
func TestHouseholdDetails_ErrorNextToField(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		b := e.login(e.county)
		h := e.household(e.bala.ID)
		path := fmt.Sprintf("/households/%d", h.ID)
		b.get(path + "/edit")

		f := editForm(h)
		f.Set("details.income_wage", "12x")
		f.Set("details.income_property", "100")
		f.Set("details.income_asset_dividend", "300")
		f.Set("details.house_grade", "Z")
		f.Set("details.exit_year", "1999")
		f.Set("members[1].details.work_months", "13")
		r := b.post(path, f)
		check(t, "refused", r, http.StatusUnprocessableEntity, []string{
			"提交的信息有误",
			// The summary above the form names the fields.
			"工资性收入(元)：", "成员 2 · 务工时间(月)：",
			// The income and living sections unfold.
			`<section class="card fields-card" id="sec-income">
    <details class="fold" open>`,
		}, nil)
		for name, want := range map[string]string{
			"details.income_wage":            "须为非负数，最多两位小数",
			"details.income_asset_dividend":  "不能大于“财产性收入(元)”",
			"details.house_grade":            "不是有效的选项",
			"details.exit_year":              "须为 2000 至 2100 之间的整数",
			"members[1].details.work_months": "须为 0 至 12 之间的整数",
		} {
			block := fieldBlock(t, r.body, name)
			if !strings.Contains(block, `<div class="field-error">`+want) || !strings.Contains(block, "has-error") {
				t.Errorf("%s: field block lacks its error %q:\n%s", name, want, block)
			}
		}
		if !strings.Contains(fieldBlock(t, r.body, "details.income_wage"), `value="12x"`) {
			t.Error("the refused value is not shown as typed")
		}
		if got := e.household(h.ID); got.Version != h.Version || len(got.Details) != 0 {
			t.Errorf("a refused form wrote: version %d, details %v", got.Version, got.Details)
		}
	})
}

// TestAPIHouseholdDetails creates and patches households with details
// through the API and lists the field catalog.
func TestAPIHouseholdDetails(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		tok := e.token(e.county)

		body := householdJSON(sqldbtest.Changle, "CL-API-1", 401)
		body["details"] = map[string]any{
			"standard": "1", "income_wage": 8600, "other_causes": []string{"05", "03"},
			"house_grade": "B", "helper_name": "蓝帮扶", "planned_exit_year": "2025", "tv": nil,
		}
		members := body["members"].([]map[string]any)
		members[0]["details"] = map[string]any{"ethnicity": "07", "work_months": 10}
		r := e.api("POST", "/api/v1/households", tok, mustJSON(t, body))
		if r.status != http.StatusCreated {
			t.Fatalf("create: status %d\n%s", r.status, r.body)
		}
		var h tuopin.Household
		decode(t, r, &h)
		if h.Details["income_wage"] != "8600.00" || h.Details["other_causes"] != "05,03" || h.Details["planned_exit_year"] != "2025" ||
			len(h.Details) != 6 || h.Members[0].Details["ethnicity"] != "07" || h.Members[0].Details["work_months"] != "10" {
			t.Errorf("created details %v, member %v", h.Details, h.Members[0].Details)
		}
		if !strings.Contains(r.body, `"indicators":{`) || !strings.Contains(r.body, `"income_band":"noline"`) {
			t.Errorf("no indicators in %s", r.body)
		}
		if h.IncomePerCapita != 430000 { // 8600 ÷ 2
			t.Errorf("income per capita %d, want computed 430000", h.IncomePerCapita)
		}

		t.Run("ErrDetailKeyed", func(t *testing.T) {
			bad := householdJSON(sqldbtest.Changle, "CL-API-2", 402)
			bad["details"] = map[string]any{"house_grade": "Z", "income_wage": "many", "nonsense": "1", "tv": true}
			bad["members"].([]map[string]any)[1]["details"] = map[string]any{"work_months": 13}
			r := e.api("POST", "/api/v1/households", tok, mustJSON(t, bad))
			var er struct {
				Error struct {
					Code   string                       `json:"code"`
					Fields map[string]tuopin.FieldError `json:"fields"`
				} `json:"error"`
			}
			decode(t, r, &er)
			if r.status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d\n%s", r.status, r.body)
			}
			// An unreadable type is refused before the domain looks.
			if er.Error.Fields["details.tv"].Code != "invalid_type" {
				t.Errorf("fields %v", er.Error.Fields)
			}
			bad["details"] = map[string]any{"house_grade": "Z", "income_wage": "many", "nonsense": "1"}
			decode(t, e.api("POST", "/api/v1/households", tok, mustJSON(t, bad)), &er)
			for k, code := range map[string]string{
				"details.house_grade": "invalid_choice", "details.income_wage": "invalid_value",
				"details.nonsense": "unknown_field", "members[1].details.work_months": "invalid_value",
			} {
				if er.Error.Fields[k].Code != code {
					t.Errorf("%s: %+v, want code %s (all: %v)", k, er.Error.Fields[k], code, er.Error.Fields)
				}
			}
		})

		t.Run("PatchMerges", func(t *testing.T) {
			patch := map[string]any{
				"details": map[string]any{"income_business": "1200", "helper_name": nil},
				"members": []map[string]any{
					{"id": h.Members[0].ID, "name": h.Members[0].Name, "id_number": h.Members[0].IDNumber, "relation": "01",
						"details": map[string]any{"work_months": nil, "political_status": "13"}},
					{"id": h.Members[1].ID, "name": h.Members[1].Name, "id_number": h.Members[1].IDNumber, "relation": "02"},
				},
			}
			r := e.api("PATCH", fmt.Sprintf("/api/v1/households/%d", h.ID), tok, mustJSON(t, patch))
			if r.status != http.StatusOK {
				t.Fatalf("patch: status %d\n%s", r.status, r.body)
			}
			var p tuopin.Household
			decode(t, r, &p)
			if p.Details["income_business"] != "1200.00" || p.Details["helper_name"] != "" || p.Details["income_wage"] != "8600.00" ||
				p.Details["house_grade"] != "B" || len(p.Details) != 6 {
				t.Errorf("patched details %v", p.Details)
			}
			if m := p.Members[0].Details; m["ethnicity"] != "07" || m["work_months"] != "" || m["political_status"] != "13" {
				t.Errorf("patched member details %v", m)
			}
			if p.IncomePerCapita != 490000 { // (8600 + 1200) ÷ 2
				t.Errorf("income per capita %d after patch", p.IncomePerCapita)
			}
			// A bad value is keyed by its field; nothing changes.
			r = e.api("PATCH", fmt.Sprintf("/api/v1/households/%d", h.ID), tok, `{"details":{"income_wage":"-5"}}`)
			check(t, "bad patch", r, http.StatusUnprocessableEntity, []string{`"details.income_wage"`}, nil)
			// null clears every detail.
			r = e.api("PATCH", fmt.Sprintf("/api/v1/households/%d", h.ID), tok, `{"details":null}`)
			p = tuopin.Household{}
			decode(t, r, &p)
			if r.status != http.StatusOK || len(p.Details) != 0 || p.Members[0].Details["ethnicity"] != "07" {
				t.Errorf("details null: status %d, details %v, member %v", r.status, p.Details, p.Members[0].Details)
			}
			check(t, "read-only indicators", e.api("PATCH", fmt.Sprintf("/api/v1/households/%d", h.ID), tok, `{"indicators":{}}`),
				http.StatusUnprocessableEntity, []string{`"read_only"`}, nil)
		})

		t.Run("Fields", func(t *testing.T) {
			var list struct {
				Items []struct {
					Key, Label, Level, Section, Type string
					LabelEn                          string `json:"label_en"`
					CodeKind                         string `json:"code_kind"`
					Max                              *int64
				}
				Total int
			}
			decode(t, e.api("GET", "/api/v1/fields", tok, ""), &list)
			if list.Total != len(tuopin.HouseholdFieldDefs)+len(tuopin.MemberFieldDefs) || len(list.Items) != list.Total {
				t.Fatalf("%d fields (%d items)", list.Total, len(list.Items))
			}
			first := list.Items[0]
			if first.Key != tuopin.HouseholdFieldDefs[0].Key || first.Level != "household" || first.Label == "" || first.LabelEn == "" {
				t.Errorf("first field %+v", first)
			}
			for _, f := range list.Items {
				if f.Key == "house_grade" && (f.Type != "code" || f.CodeKind != "house_grade" || f.Section != "living") {
					t.Errorf("house_grade %+v", f)
				}
				if f.Key == "work_months" && (f.Level != "member" || f.Max == nil || *f.Max != 12) {
					t.Errorf("work_months %+v", f)
				}
			}
			decode(t, e.api("GET", "/api/v1/fields?level=member", tok, ""), &list)
			if list.Total != len(tuopin.MemberFieldDefs) || list.Items[0].Level != "member" {
				t.Errorf("members only: %d, first %+v", list.Total, list.Items[0])
			}
			check(t, "bad level", e.api("GET", "/api/v1/fields?level=village", tok, ""), http.StatusBadRequest, []string{"level must be"}, nil)
			check(t, "no token", e.api("GET", "/api/v1/fields", "", ""), http.StatusUnauthorized, nil, nil)
		})
	})
}

// TestHouseholdDetail_IncomeAgainstLine shows the income section under a
// poverty line and a counting rule in force: the line, the component the
// rule leaves out, the net income without it and the band.
func TestHouseholdDetail_IncomeAgainstLine(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		ps := sqldb.NewParamService(db)
		for _, p := range []*tuopin.Parameter{
			{Kind: tuopin.ParamPovertyLine, Year: 2024, Value: 4000_00, Source: "test"},
			{Kind: tuopin.ParamIncomeExcluded, Year: 2024, Region: "45", Text: tuopin.TransferPension, Source: "test"},
		} {
			if err := ps.SetParameter(sqldbtest.Ctx(e.admin), p, "test"); err != nil {
				t.Fatal(err)
			}
		}
		h := sqldbtest.NewHousehold(sqldbtest.Changle, 700)
		h.Details = map[string]string{tuopin.IncomeWage: "7000", tuopin.TransferPension: "1000", "food_secure": tuopin.Yes, "clothing_secure": tuopin.Yes}
		sqldbtest.MustCreateHousehold(t, db, h)
		// (7000 + 1000 − 1000 not counted) ÷ 2 = 3500 < 4000.
		if got := e.household(h.ID); got.IncomePerCapita != 3500_00 || got.Indicators.IncomeBand != tuopin.IncomeBandBelow {
			t.Fatalf("stored income %s, band %q", got.IncomePerCapita.Yuan(), got.Indicators.IncomeBand)
		}
		b := e.login(e.county)
		path := fmt.Sprintf("/households/%d", h.ID)
		check(t, "detail", b.get(path), http.StatusOK, []string{
			`data-band="below">低于贫困线`, "4,000.00 元/人·年为本年度本地区贫困线", "养老保险金(元) 不计入纯收入",
			"家庭总收入(元)</dt><dd class=\"num\">8,000.00", "家庭纯收入(元)</dt><dd class=\"num\">7,000.00", "3,500.00",
			`<li class="g-ok" data-guarantee="food_clothing">`, `<li class="g-unknown" data-guarantee="house">`,
		}, nil)
		check(t, "print", b.get(path+"/print"), http.StatusOK, []string{"低于贫困线", "3,500.00"}, nil)
		// (The language choice sticks to the session: English from here on.)
		check(t, "detail in English", b.get(path+"?lang=en"), http.StatusOK, []string{
			"Below the line", "The poverty line in force is 4,000.00 yuan", "Pension (yuan) do not count", "Safe housing", "Not recorded",
		}, nil)
	})
}
