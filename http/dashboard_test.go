package apphttp_test

import (
	"bytes"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// openXLSX reads an export response as a workbook, failing unless it is one.
func openXLSX(t *testing.T, r response) (*excelize.File, string) {
	t.Helper()
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") {
		t.Fatalf("export: status %d, type %q\n%s", r.status, r.header.Get("Content-Type"), excerpt(r.body))
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(r.body)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, f.GetSheetName(0)
}

// wantCells fails for every cell whose text is not the one wanted.
func wantCells(t *testing.T, f *excelize.File, sheet string, want map[string]string) {
	t.Helper()
	for cell, v := range want {
		if got, err := f.GetCellValue(sheet, cell); err != nil || got != v {
			t.Errorf("%s = %q (%v), want %q", cell, got, err, v)
		}
	}
}

func TestDashboard(t *testing.T) {
	e := newBoardEnv(t)
	e.setPlan(sqldbtest.DonglanTown, 3, 6, node(7, 25, 1, 2))
	e.exit(e.bala)
	b := e.login(e.county)

	t.Run("OK", func(t *testing.T) {
		r := b.get("/dashboard/451224?year=2024")
		check(t, "dashboard", r, http.StatusOK, []string{
			"数据驾驶舱", "年度脱贫计划完成情况", "脱贫状态分布", "下辖乡镇贫困户分布", "东兰镇", "长乐镇",
			"vendor/echarts.min.js", "board.js", `class="chart" data-chart=`, "导出 Excel",
			"/dashboard/export.xlsx?", "table=plan", "table=children",
			`href="/dashboard/451224100?year=2024"`, "两不愁三保障", // said to be missing, not faked
		}, []string{"凤城镇", headBapang})
		// The charts' data: plan and exits by township, with drill-down links.
		spec := chartSpec(t, r.body, "年度脱贫计划完成情况")
		for _, want := range []string{`"categories":["东兰镇","长乐镇"]`, `"links":["/dashboard/451224100?year=2024","/dashboard/451224102?year=2024"]`,
			`{"name":"计划脱贫户","data":[3,0]`, `{"name":"已脱贫户","data":[1,0]`} {
			if !strings.Contains(spec, want) {
				t.Errorf("plan chart lacks %s:\n%s", want, spec)
			}
		}
		// The cards: 4 registered households, 1 exited, the plan of 3.
		for _, want := range []string{">4<small>户", ">1<small>户", ">3<small>户", "33.3%"} {
			if !strings.Contains(r.body, want) {
				t.Errorf("cards lack %q", want)
			}
		}
	})

	t.Run("CausesOnlyFromRollups", func(t *testing.T) {
		// The causes panel needs the roll-ups: it shows exactly when the
		// store fills AreaStats.Metrics, and is never guessed.
		st, _, err := sqldb.NewAreaService(e.db).FindAreaStats(sqldbtest.Ctx(e.county), "451224", 2024)
		if err != nil {
			t.Fatal(err)
		}
		r := b.get("/dashboard/451224?year=2024")
		if len(st.Metrics) > 0 {
			check(t, "causes", r, http.StatusOK, []string{"主要致贫原因", "table=causes"}, nil)
			if spec := chartSpec(t, r.body, "主要致贫原因"); !strings.Contains(spec, `"categories":["因病"]`) || !strings.Contains(spec, `"data":[4]`) {
				t.Errorf("causes chart %s", spec)
			}
		} else {
			check(t, "no causes", r, http.StatusOK, nil, []string{"主要致贫原因"})
		}
	})

	t.Run("GapsAndIncome", func(t *testing.T) {
		// Record a D-grade house and unsafe water for 新烟's first
		// household: the gaps panel counts it in 东兰镇, and its table
		// exports.
		svc := sqldb.NewHouseholdService(e.db)
		d := map[string]string{"house_grade": "D", "water_safe": "0"}
		if _, err := svc.UpdateHousehold(sqldbtest.Ctx(e.county), e.xinyan1.ID, tuopin.HouseholdUpdate{Details: &d, Reason: "visit"}); err != nil {
			t.Fatal(err)
		}
		r := b.get("/dashboard/451224?year=2024")
		check(t, "gaps", r, http.StatusOK, []string{"两不愁三保障短板", "C/D级危房(户)", "table=gaps", "人均纯收入与贫困线", "未设定贫困线"}, nil)
		row := regexp.MustCompile(`(?s)<tr[^>]*>\s*<td[^>]*>(?:<a[^>]*>)?东兰镇.*?</tr>`).FindAllString(r.body, -1)
		found := false
		for _, x := range row {
			if strings.Contains(x, `data-col="gap_house"`) {
				found = true
				for col, want := range map[string]string{"gap_house": "1", "gap_water": "1", "gap_any": "1", "gap_food": "0"} {
					m := regexp.MustCompile(`data-col="` + col + `"[^>]*>([^<]*)<`).FindStringSubmatch(x)
					if m == nil || strings.TrimSpace(m[1]) != want {
						t.Errorf("东兰镇 %s = %v, want %s", col, m, want)
					}
				}
			}
		}
		if !found {
			t.Fatalf("no gaps row for 东兰镇 in\n%s", excerpt(r.body))
		}
		f, sheet := openXLSX(t, b.get("/dashboard/export.xlsx?area=451224&year=2024&table=gaps"))
		wantCells(t, f, sheet, map[string]string{"A1": "两不愁三保障短板", "A4": "东兰镇", "F4": "1", "G4": "1", "H4": "1"})
		f, sheet = openXLSX(t, b.get("/dashboard/export.xlsx?area=451224&year=2024&table=income"))
		wantCells(t, f, sheet, map[string]string{"A1": "人均纯收入与贫困线", "A4": "低于贫困线", "B4": "0", "A8": "未设定贫困线", "B8": "4"})
	})

	t.Run("DrillDown", func(t *testing.T) {
		r := b.get("/dashboard/451224100?year=2024")
		check(t, "township", r, http.StatusOK, []string{"新烟村委会", "巴拉村委会", `href="/dashboard/451224100201?year=2024"`}, []string{"长乐村委会"})
		r = b.get("/dashboard/451224100202?year=2024")
		check(t, "village", r, http.StatusOK, []string{"巴拉村委会"}, []string{"新烟村委会"})
	})

	t.Run("Export", func(t *testing.T) {
		f, sheet := openXLSX(t, b.get("/dashboard/export.xlsx?area=451224&year=2024&table=children"))
		wantCells(t, f, sheet, map[string]string{
			"A1": "下辖乡镇贫困户分布", "A3": "乡镇", "B3": "建档立卡户数", "D3": "未脱贫户", "F3": "已脱贫户",
			"A4": "东兰镇", "B4": "3", "C4": "6", "D4": "2", "F4": "1", "H4": "33.3",
			"A5": "长乐镇", "B5": "1", "A6": "合计", "B6": "4", "F6": "1", "H6": "25",
		})
		if typ, _ := f.GetCellType(sheet, "B4"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
			t.Errorf("B4 is text, want a number")
		}
		f, sheet = openXLSX(t, b.get("/dashboard/export.xlsx?area=451224&year=2024&table=plan"))
		wantCells(t, f, sheet, map[string]string{"A1": "年度脱贫计划完成情况", "A4": "东兰镇", "B4": "3", "C4": "1", "D4": "33.3", "B5": "0", "D5": ""})
		f, sheet = openXLSX(t, b.get("/dashboard/export.xlsx?area=451224&year=2024&table=status"))
		wantCells(t, f, sheet, map[string]string{"A3": "脱贫状态", "A4": "未脱贫", "B4": "3", "A5": "已脱贫(享受政策)", "B5": "1"})
		check(t, "unknown table", b.get("/dashboard/export.xlsx?area=451224&year=2024&table=nope"), http.StatusNotFound, nil, nil)
		// English headers in English.
		f, sheet = openXLSX(t, b.get("/dashboard/export.xlsx?area=451224&year=2024&table=children&lang=en"))
		wantCells(t, f, sheet, map[string]string{"A3": "Townships", "B3": "Registered households"})
		b.get("/?lang=zh")
	})

	t.Run("Scope", func(t *testing.T) {
		v := e.login(e.village)
		check(t, "village on county", v.get("/dashboard/451224?year=2024"), http.StatusNotFound, nil, []string{"东兰镇"})
		check(t, "village export of county", v.get("/dashboard/export.xlsx?area=451224&year=2024&table=children"), http.StatusNotFound, nil, nil)
		check(t, "village own", v.get("/dashboard?year=2024"), http.StatusOK, []string{"新烟村委会"}, []string{"巴拉村委会", "长乐镇"})
		check(t, "bad code", b.get("/dashboard/45x?year=2024"), http.StatusNotFound, nil, nil)
	})

	t.Run("Nav", func(t *testing.T) {
		r := b.get("/?year=2024")
		check(t, "overview", r, http.StatusOK, []string{`href="/dashboard"`, `href="/wall"`, `href="/map"`, `href="/plans"`, "挂图作战",
			`href="/dashboard/451224?year=2024"`, `href="/wall/451224?year=2024"`}, nil)
	})

	t.Run("NoPlans", func(t *testing.T) {
		r := e.login(e.fengshan).get("/dashboard/451223?year=2024")
		check(t, "no plans", r, http.StatusOK, []string{"2024 年度尚未下达脱贫计划", "下达脱贫计划"}, nil)
	})
}

// chartSpec returns the data-chart attribute of the panel titled title,
// unescaped.
func chartSpec(t *testing.T, body, title string) string {
	t.Helper()
	i := strings.Index(body, "<h2>"+title+"</h2>")
	if i < 0 {
		t.Fatalf("no panel %q", title)
	}
	m := regexp.MustCompile(`data-chart="([^"]*)"`).FindStringSubmatch(body[i:])
	if m == nil {
		t.Fatalf("no chart in panel %q", title)
	}
	return html.UnescapeString(m[1])
}

// TestDashboard_Lead: the dashboard opens on one screen a leader reads at
// a glance: the big figures, a map coloured by plan state and the areas
// most in need of attention, worst first; the report follows, its
// half-width panels in pairs.
func TestDashboard_Lead(t *testing.T) {
	e := newBoardEnv(t)
	e.setPlan(sqldbtest.DonglanTown, 3, 6, node(7, 25, 1, 2))
	e.setPlan(sqldbtest.ChangleTown, 1, 2, node(7, 30, 1, 2)) // passed on 1 August, none exited: late
	e.exit(e.bala)
	r := e.login(e.county).get("/dashboard/451224?year=2024")
	check(t, "lead", r, http.StatusOK, []string{`id="lead"`, "最需关注的乡镇", "各区域计划完成情况", "详细报表", "对照日期 2024-08-01"}, nil)
	i, j := strings.Index(r.body, `id="lead"`), strings.Index(r.body, `id="report"`)
	if i < 0 || j < i {
		t.Fatal("no first screen before the report")
	}
	lead := r.body[i:j]

	// The figures are the roll-ups' and the plan's.
	for fig, want := range map[string]string{"households": "4", "poor": "3", "exited": "1", "plan_rate": "25"} {
		m := regexp.MustCompile(`data-figure="` + fig + `" data-value="([^"]*)"`).FindStringSubmatch(lead)
		if m == nil || m[1] != want {
			t.Errorf("figure %s = %v, want %s", fig, m, want)
		}
	}
	// Worst first: 长乐镇 missed its node, 东兰镇 is on track.
	items := regexp.MustCompile(`class="worst-item" data-code="(\d+)" data-state="(\w+)"`).FindAllStringSubmatch(lead, -1)
	if len(items) != 2 || items[0][1] != sqldbtest.ChangleTown || items[0][2] != "late" || items[1][1] != sqldbtest.DonglanTown {
		t.Errorf("worst list %v", items)
	}
	if !strings.Contains(lead, "07-30 节点差 1 户") {
		t.Errorf("the late township's shortfall is not said:\n%s", excerpt(lead))
	}
	// The map colours each township by its state and leads to its dashboard.
	m := regexp.MustCompile(`class="chart chart-lead" data-chart="([^"]*)"`).FindStringSubmatch(lead)
	if m == nil {
		t.Fatalf("no lead map in\n%s", excerpt(lead))
	}
	spec := html.UnescapeString(m[1])
	for _, want := range []string{`"by_state":true`, `"code":"451224102000","name":"长乐镇","value":0,"url":"/dashboard/451224102?year=2024"`,
		`"colour":"#d64533"`, `"colour":"#2e9a55"`} {
		if !strings.Contains(spec, want) {
			t.Errorf("lead map lacks %s:\n%s", want, spec)
		}
	}

	// The report's half-width panels come in pairs; one left alone spans
	// the row with its chart beside its table.
	panels := regexp.MustCompile(`class="card panel( panel-wide)?( panel-split)?" id="panel-(\w+)"`).FindAllStringSubmatch(r.body, -1)
	var order []string
	halves := 0
	for _, p := range panels {
		order = append(order, p[3])
		if p[1] == "" {
			halves++
			continue
		}
		if halves%2 != 0 {
			t.Errorf("a half-width panel before %s has no partner: %v", p[3], order)
		}
		halves = 0
	}
	if halves%2 != 0 || len(panels) < 5 {
		t.Errorf("panels %v", order)
	}

	// A village's first screen shows its own plan; the nation's, whose
	// provinces have no plan of their own, says why there is no list.
	e.setPlan(sqldbtest.Xinyan, 2, 4, node(9, 30, 2, 4))
	r = e.login(e.village).get("/dashboard?year=2024")
	check(t, "village lead", r, http.StatusOK, []string{"本村计划进度", `class="worst-item" data-code="` + sqldbtest.Xinyan + `" data-state="on_track"`}, nil)
	r = e.login(e.admin).get("/dashboard?year=2024")
	check(t, "nation lead", r, http.StatusOK, []string{"各省没有可对照的 2024 年度计划", "/geo/provinces.json"}, []string{`class="worst-item"`})
}
