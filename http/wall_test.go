package apphttp_test

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tuopin/tuopin"
	apphttp "github.com/tuopin/tuopin/http"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// boardClock is the clock of the campaign page tests: 1 August 2024, noon
// in China.
var boardClock = time.Date(2024, 8, 1, 4, 0, 0, 0, time.UTC)

// newBoardEnv is the fixture env with the clock set to boardClock.
func newBoardEnv(t *testing.T) *env {
	t.Helper()
	return newEnvConfig(t, sqldbtest.MustOpenSQLite(t), apphttp.Config{Now: func() time.Time { return boardClock }})
}

// setPlan stores a 2024 plan as the env's county admin.
func (e *env) setPlan(code string, households, persons int, nodes ...tuopin.PlanNode) *tuopin.ExitPlan {
	e.t.Helper()
	p := &tuopin.ExitPlan{Year: 2024, AreaCode: code, Households: households, Persons: persons, Nodes: nodes}
	if err := sqldb.NewPlanService(e.db).SetPlan(sqldbtest.Ctx(e.county), p, "test"); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// node is a 2024 time node.
func node(month, dayOfMonth, households, persons int) tuopin.PlanNode {
	return tuopin.PlanNode{Date: time.Date(2024, time.Month(month), dayOfMonth, 0, 0, 0, 0, time.UTC), Households: households, Persons: persons}
}

// exit moves a household out of poverty (未脱贫 → 预脱贫 → 已脱贫).
func (e *env) exit(h *tuopin.Household) {
	e.t.Helper()
	svc := sqldb.NewHouseholdService(e.db)
	for _, s := range []string{tuopin.StatusPreExit, tuopin.StatusExited} {
		if _, err := svc.SetHouseholdStatus(sqldbtest.Ctx(tuopin.SystemUser), h.ID, s, "test"); err != nil {
			e.t.Fatal(err)
		}
	}
}

// wallRow returns the state of an area's row on a wall page and the text
// of one of its cells.
func wallRow(t *testing.T, body, code, col string) (state, cell string) {
	t.Helper()
	row := regexp.MustCompile(`(?s)<tr data-code="` + code + `" data-state="(\w+)"[^>]*>(.*?)</tr>`).FindStringSubmatch(body)
	if row == nil {
		t.Fatalf("no wall row for %s in\n%s", code, excerpt(body))
	}
	m := regexp.MustCompile(`data-col="` + col + `">([^<]*)<`).FindStringSubmatch(row[2])
	if m == nil {
		t.Fatalf("no cell %s in the row of %s: %s", col, code, row[2])
	}
	return row[1], strings.TrimSpace(m[1])
}

func TestWall(t *testing.T) {
	e := newBoardEnv(t)
	// 东兰镇: 3 households, 1 due by 25 July; 长乐镇: 1 household by 31 October.
	e.setPlan(sqldbtest.DonglanTown, 3, 6, node(7, 25, 1, 2))
	e.setPlan(sqldbtest.ChangleTown, 1, 2, node(10, 31, 1, 2))
	b := e.login(e.county)

	t.Run("OK", func(t *testing.T) {
		r := b.get("/wall/451224?year=2024")
		check(t, "wall", r, http.StatusOK, []string{"东兰县", "挂图作战", "东兰镇", "长乐镇", "对照日期 2024-08-01", `href="/wall/451224100?year=2024"`,
			"vendor/htmx.min.js", "board.js", "颜色规则"}, []string{"凤城镇", "模拟日期"})
		if st, v := wallRow(t, r.body, sqldbtest.DonglanTown, "exited_households"); st != "late" || v != "0" {
			t.Errorf("东兰镇: %s, exited %s", st, v)
		}
		if _, v := wallRow(t, r.body, sqldbtest.DonglanTown, "short_households"); v != "1" {
			t.Errorf("东兰镇 shortfall %s", v)
		}
		if st, v := wallRow(t, r.body, sqldbtest.ChangleTown, "plan_households"); st != "on_track" || v != "1" {
			t.Errorf("长乐镇: %s, plan %s", st, v)
		}
		if !strings.Contains(r.body, `class="num rag rag-red" data-col="exited_households">0<`) {
			t.Error("the late row's exited cell is not red")
		}
	})

	t.Run("ExitTurnsGreen", func(t *testing.T) {
		e.exit(e.xinyan1)
		r := b.get("/wall/451224?year=2024")
		if st, v := wallRow(t, r.body, sqldbtest.DonglanTown, "exited_households"); st != "on_track" || v != "1" {
			t.Errorf("东兰镇 after an exit: %s, exited %s", st, v)
		}
		if st, v := wallRow(t, r.body, sqldbtest.DonglanTown, "rate"); st != "on_track" || v != "33.3%" {
			t.Errorf("东兰镇 rate: %s %s", st, v)
		}
	})

	t.Run("WhatIfDate", func(t *testing.T) {
		// On 20 October 长乐镇's node is 11 days away and not met: amber.
		r := b.get("/wall/451224?year=2024&date=2024-10-20")
		check(t, "what-if", r, http.StatusOK, []string{"按模拟日期 2024-10-20", "剩 11 天"}, nil)
		if st, _ := wallRow(t, r.body, sqldbtest.ChangleTown, "exited_households"); st != "due_soon" {
			t.Errorf("长乐镇 on 20 October: %s", st)
		}
		// On 1 July 东兰镇's node is 24 days away, and met already.
		r = b.get("/wall/451224?year=2024&date=2024-07-01")
		if st, _ := wallRow(t, r.body, sqldbtest.DonglanTown, "exited_households"); st != "on_track" {
			t.Errorf("东兰镇 on 1 July: %s", st)
		}
		check(t, "bad date", b.get("/wall/451224?year=2024&date=2024-13-01"), http.StatusBadRequest, nil, nil)
	})

	t.Run("TownshipSumsItsVillages", func(t *testing.T) {
		// A township on the county's wall: its own plan wins over its villages'.
		e.setPlan(sqldbtest.Xinyan, 2, 4, node(9, 30, 2, 4))
		r := b.get("/wall/451224100?year=2024")
		check(t, "township wall", r, http.StatusOK, []string{"新烟村委会", "巴拉村委会", "东兰镇"}, nil)
		if st, v := wallRow(t, r.body, sqldbtest.Xinyan, "plan_households"); st != "on_track" || v != "2" {
			t.Errorf("新烟: %s plan %s", st, v)
		}
		if st, _ := wallRow(t, r.body, sqldbtest.Bala, "plan_households"); st != "no_plan" {
			t.Errorf("巴拉 without a plan: %s", st)
		}
		// The total is the township's own plan, set by the county (3).
		foot := r.body[strings.Index(r.body, "<tfoot>"):]
		if _, v := wallRow(t, foot, sqldbtest.DonglanTown, "plan_households"); v != "3" {
			t.Errorf("township total plan %s", v)
		}
	})

	t.Run("Fullscreen", func(t *testing.T) {
		r := b.get("/wall/451224?year=2024&fullscreen=1&refresh=2")
		// The big screen names the date it judges by and when its data
		// was read (the server's clock: 1 August, 12:00 in China), and
		// keeps no clock of its own beside them.
		check(t, "full screen", r, http.StatusOK, []string{`<body class="screen">`, `hx-trigger="every 5s"`,
			`hx-select="#screen-wall"`, "2024 年脱贫攻坚作战图", "退出大屏", `data-as-of="2024-08-01"`,
			"数据截至", "<b>2024-08-01</b>", "读取于 12:00:00", "每 5 秒自动刷新"}, []string{`class="sidebar"`, `class="topbar"`, "data-clock", "模拟日期"})
		// The refresh asks for the screen alone: heading and board.
		p := b.get("/wall/451224?year=2024&fullscreen=1", "HX-Request", "true")
		check(t, "refresh", p, http.StatusOK, []string{`id="screen-wall"`, `id="wall-board"`, "东兰镇", "数据截至"}, []string{"<html", "data-clock"})
		// A chosen date says so where the date is.
		r = b.get("/wall/451224?year=2024&fullscreen=1&date=2024-10-20")
		check(t, "full screen what-if", r, http.StatusOK, []string{"<b>2024-10-20</b>", "模拟日期"}, []string{"数据截至"})
	})

	t.Run("Print", func(t *testing.T) {
		r := b.get("/wall/451224?year=2024")
		check(t, "print", r, http.StatusOK, []string{"data-print", `class="print-only print-title"`}, nil)
	})

	t.Run("Export", func(t *testing.T) {
		r := b.get("/wall/export.xlsx?area=451224&year=2024&date=2024-10-20")
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "application/vnd.openxmlformats") {
			t.Fatalf("export: %d %s", r.status, r.header.Get("Content-Type"))
		}
		if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") || !strings.Contains(cd, ".xlsx") {
			t.Errorf("Content-Disposition %q", cd)
		}
		f, err := excelize.OpenReader(bytes.NewReader([]byte(r.body)))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		sheet := f.GetSheetName(0)
		want := map[string]string{"A1": "挂图作战", "A3": "乡镇", "B3": "计划脱贫户", "D3": "已脱贫户", "O3": "状态",
			"A4": "东兰镇", "B4": "3", "D4": "1", "F4": "33.3", "O4": "正常", "A5": "长乐镇", "O5": "临近", "A6": "合计", "B6": "4"}
		for cell, v := range want {
			if got, _ := f.GetCellValue(sheet, cell); got != v {
				t.Errorf("%s = %q, want %q", cell, got, v)
			}
		}
		if a2, _ := f.GetCellValue(sheet, "A2"); !strings.Contains(a2, "东兰县") || !strings.Contains(a2, "2024-10-20") {
			t.Errorf("A2 = %q", a2)
		}
		// Numbers are numbers, and the progress cells carry their colour.
		if typ, _ := f.GetCellType(sheet, "D4"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
			t.Errorf("D4 type %v", typ)
		}
		id, _ := f.GetCellStyle(sheet, "D4")
		st, err := f.GetStyle(id)
		if err != nil || len(st.Fill.Color) == 0 || !strings.EqualFold(strings.TrimPrefix(st.Fill.Color[0], "#"), "CBEBD5") {
			t.Errorf("D4 fill %+v (%v)", st.Fill, err)
		}
	})

	t.Run("Scope", func(t *testing.T) {
		// A village secretary cannot open the county's wall, nor a
		// township clerk another township's.
		check(t, "village on county", e.login(e.village).get("/wall/451224?year=2024"), http.StatusNotFound, []string{"未找到或无权访问"}, []string{"东兰镇"})
		tb := e.login(e.township)
		check(t, "township on other township", tb.get("/wall/451224102?year=2024"), http.StatusNotFound, nil, []string{"长乐村委会"})
		check(t, "township export of county", tb.get("/wall/export.xlsx?area=451224&year=2024"), http.StatusNotFound, nil, nil)
		check(t, "other county", e.login(e.fengshan).get("/wall/451224?year=2024"), http.StatusNotFound, nil, nil)
		// The village's own wall is its single row, with its plan.
		r := e.login(e.village).get("/wall?year=2024")
		check(t, "village own", r, http.StatusOK, []string{"新烟村委会"}, []string{"巴拉村委会", "长乐镇"})
		if st, v := wallRow(t, r.body, sqldbtest.Xinyan, "plan_households"); st != "on_track" || v != "2" {
			t.Errorf("village row %s plan %s", st, v)
		}
		// Anonymous visitors go to the login page.
		if r := e.browser().get("/wall/451224"); r.status != http.StatusSeeOther {
			t.Errorf("anonymous: %d", r.status)
		}
	})

	t.Run("DateFieldShowsTheDateJudged", func(t *testing.T) {
		// Without ?date= the board judges on the clock's date, and the
		// date field says which: it is never empty while another day
		// decides. Submitting it unchanged is not a "what if".
		for _, page := range []string{"/wall/451224?year=2024", "/dashboard/451224?year=2024", "/wall/451224?year=2024&date=2024-08-01"} {
			r := b.get(page)
			check(t, page, r, http.StatusOK, []string{`name="date" value="2024-08-01"`}, []string{`name="date" value=""`, "模拟日期"})
		}
		r := b.get("/dashboard/451224?year=2024&date=2024-10-20")
		check(t, "dashboard what-if", r, http.StatusOK, []string{`name="date" value="2024-10-20"`, "按模拟日期 2024-10-20"}, nil)
	})

	t.Run("ClockDecides", func(t *testing.T) {
		// Without ?date= the server's clock (1 August) judges: 长乐镇's
		// node is far away.
		r := e.login(e.viewer).get("/wall/451224?year=2024")
		if st, _ := wallRow(t, r.body, sqldbtest.ChangleTown, "exited_households"); st != "on_track" {
			t.Errorf("长乐镇 on the clock's date: %s", st)
		}
	})
}

// TestWall_PlanRule: the amber window is the server's configured rule,
// not a constant of the handler, and the rule's legend says it.
func TestWall_PlanRule(t *testing.T) {
	e := newEnvConfig(t, sqldbtest.MustOpenSQLite(t), apphttp.Config{Now: func() time.Time { return boardClock },
		PlanRule: tuopin.PlanRule{DueSoonDays: 100}})
	e.setPlan(sqldbtest.ChangleTown, 1, 2, node(10, 31, 1, 2))
	// On 1 August the 31 October node is 91 days away: within 100.
	r := e.login(e.county).get("/wall/451224?year=2024")
	if st, _ := wallRow(t, r.body, sqldbtest.ChangleTown, "exited_households"); st != "due_soon" {
		t.Errorf("长乐镇 under a 100-day window: %s", st)
	}
	check(t, "legend", r, http.StatusOK, []string{"下一个节点在 100 天内到期"}, []string{"30 天"})
	if _, err := apphttp.NewServer(apphttp.Config{PlanRule: tuopin.PlanRule{DueSoonDays: -3}}, e.services()); err == nil || !strings.Contains(err.Error(), "-3") {
		t.Errorf("NewServer with a negative window: %v", err)
	}
}
