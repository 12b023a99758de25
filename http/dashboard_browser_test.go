package apphttp_test

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// TestBrowserDashboardLead opens the dashboard in headless Chromium on a
// 1366×768 laptop and a 1920×1080 wall: its first screen (figures, map,
// worst areas) fits without scrolling and shows the roll-ups' figures;
// below it, no row of the report is half empty.
func TestBrowserDashboardLead(t *testing.T) {
	ctx := browserCtx(t)
	e := newBoardEnv(t)
	e.addVillages(sqldbtest.DonglanTown, 14)
	e.setPlan(sqldbtest.ChangleTown, 1, 2, node(7, 30, 1, 2))
	e.exit(e.bala)
	e.browserLogin(t, ctx, e.county)
	stats, _, err := sqldb.NewAreaService(e.db).FindAreaStats(sqldbtest.Ctx(e.county), "451224", 2024)
	if err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		w, h int64
		lang string
	}{{1366, 768, "zh"}, {1920, 1080, "zh"}, {1366, 768, "en"}} {
		t.Run(fmt.Sprintf("%dx%d-%s", tc.w, tc.h, tc.lang), func(t *testing.T) {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(tc.w, tc.h),
				chromedp.Navigate(e.ts.URL+"/dashboard/451224?year=2024&lang="+tc.lang), chromedp.WaitVisible(`#lead`)); err != nil {
				t.Fatal(err)
			}
			waitFor(t, ctx, "lead map drawn", `!!document.querySelector(".chart-lead canvas")`)
			waitFor(t, ctx, "the first screen fits", `(() => {
				window.scrollTo(0, 0);
				const r = document.querySelector("#lead").getBoundingClientRect();
				return r.top >= 0 && r.bottom <= window.innerHeight && document.querySelectorAll("#lead .worst-item").length >= 2;
			})()`)
			// The figures are the roll-ups'.
			for fig, want := range map[string]int{"households": stats.Households, "poor": stats.PoorHouseholds, "exited": stats.ExitedHouseholds} {
				waitFor(t, ctx, "figure "+fig, fmt.Sprintf(`(() => {
					const el = document.querySelector('#lead [data-figure=%q]');
					return el.dataset.value === "%d" && el.querySelector(".stat-value").textContent.startsWith("%d");
				})()`, fig, want, want))
			}
			// The report's rows are full: the panels of a row fill its width.
			waitFor(t, ctx, "no half-empty row", `(() => {
				const box = document.querySelector(".panels").getBoundingClientRect(), rows = {};
				for (const p of document.querySelectorAll(".panels > .panel")) {
					const r = p.getBoundingClientRect(), k = Math.round(r.top);
					rows[k] = rows[k] || { left: r.left, right: r.right };
					rows[k].left = Math.min(rows[k].left, r.left); rows[k].right = Math.max(rows[k].right, r.right);
				}
				const all = Object.values(rows);
				return all.length >= 4 && all.every(r => r.left - box.left < 2 && box.right - r.right < 2);
			})()`)
		})
	}
}

// TestBrowserMapTable: on a 1366×768 laptop, the map page's side table
// shows its last column (完成率) whole beside the map, for a township of
// 16 villages with long names.
func TestBrowserMapTable(t *testing.T) {
	ctx := browserCtx(t)
	e := newBoardEnv(t)
	e.addVillages(sqldbtest.DonglanTown, 14)
	e.browserLogin(t, ctx, e.county)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1366, 768),
		chromedp.Navigate(e.ts.URL+"/map/451224100?year=2024"), chromedp.WaitVisible(`.chart-map`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "完成率 whole", visible(`.panel-map .panel-table tr > :last-child`))
}
