package apphttp_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// TestBrowserWall drives the campaign pages in headless Chromium: it sets
// a plan, opens the wall chart and reads a progress cell's computed
// colour and value, before and after a household exits; then it checks
// that ECharts draws the dashboard and the map and that the big screen
// refreshes itself, all under the Content-Security-Policy.
func TestBrowserWall(t *testing.T) {
	ctx := browserCtx(t)
	e := newBoardEnv(t)
	e.setPlan(sqldbtest.DonglanTown, 3, 6, node(7, 25, 1, 2))

	// Collect what the pages write to the console: a CSP violation shows there.
	var mu sync.Mutex
	var console []string
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	msgs := chromedp.Console(ctx)
	go func() {
		for m, err := range msgs {
			if err != nil {
				return
			}
			mu.Lock()
			console = append(console, m.String())
			mu.Unlock()
		}
	}()

	e.browserLogin(t, ctx, e.county)

	cell := fmt.Sprintf(`document.querySelector('tr[data-code=%q] td[data-col="exited_households"]')`, sqldbtest.DonglanTown)
	readCell := func(t *testing.T) (bg, text string) {
		t.Helper()
		var err error
		if bg, err = chromedp.Run(ctx, chromedp.Evaluate[string](`getComputedStyle(`+cell+`).backgroundColor`)); err != nil {
			t.Fatal(err)
		}
		if text, err = chromedp.Run(ctx, chromedp.Evaluate[string](cell+`.textContent.trim()`)); err != nil {
			t.Fatal(err)
		}
		return bg, text
	}

	t.Run("WallCellColour", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+"/wall/451224?year=2024&date=2024-08-01"), chromedp.WaitVisible(`.wall-table`)); err != nil {
			t.Fatal(err)
		}
		// Behind the 25 July node: red (#f6c9c3), none exited.
		if bg, text := readCell(t); bg != "rgb(246, 201, 195)" || text != "0" {
			t.Errorf("late cell: background %s, text %q", bg, text)
		}
		e.exit(e.xinyan1)
		if err := chromedp.Do(ctx, chromedp.Reload(), chromedp.WaitVisible(`.wall-table`)); err != nil {
			t.Fatal(err)
		}
		// The node is met: green (#cbebd5), one exited.
		if bg, text := readCell(t); bg != "rgb(203, 235, 213)" || text != "1" {
			t.Errorf("on-track cell: background %s, text %q", bg, text)
		}
	})

	t.Run("BigScreen", func(t *testing.T) {
		if err := chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+"/wall/451224?year=2024&date=2024-08-01&fullscreen=1&refresh=5"),
			chromedp.WaitVisible(`.screen-wall`)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "htmx loaded", `typeof htmx === "object"`)
		// Dark cells on the big screen, the date judged on and the time
		// the data was read (the server's clock), and no clock of the
		// screen's own.
		if bg, _ := readCell(t); bg != "rgb(27, 107, 58)" {
			t.Errorf("big-screen cell background %s", bg)
		}
		waitFor(t, ctx, "as-of date", `document.querySelector(".screen-asof b").textContent === "2024-08-01" && document.querySelector("[data-clock]") === null`)
		// A household exits; the screen refreshes itself without a reload.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`window.__sameDocument = true`)); err != nil {
			t.Fatal(err)
		}
		e.exit(e.xinyan2)
		deadline := time.Now().Add(15 * time.Second)
		for {
			_, text := readCell(t)
			if text == "2" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the board did not refresh: exited %q", text)
			}
			time.Sleep(250 * time.Millisecond)
		}
		waitFor(t, ctx, "same document", `window.__sameDocument === true`)
		waitFor(t, ctx, "heading refreshed with the board", `document.querySelectorAll("#screen-wall").length === 1 &&
			document.querySelector("[data-read-at]").textContent.includes("12:00:00")`)
	})

	t.Run("Charts", func(t *testing.T) {
		for _, page := range []string{"/dashboard/451224?year=2024", "/map/451224?year=2024"} {
			if err := chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+page), chromedp.WaitVisible(`.chart`)); err != nil {
				t.Fatal(err)
			}
			waitFor(t, ctx, page+": ECharts loaded", `typeof echarts === "object"`)
			waitFor(t, ctx, page+": every chart drawn", `Array.from(document.querySelectorAll(".chart[data-chart]")).every(c => c.querySelector("canvas"))`)
		}
		// The map drew its shape: the county outline's pixels are not blank.
		waitFor(t, ctx, "map painted", `(() => { const c = document.querySelector(".chart-map canvas"); if (!c) return false;
			const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
			let n = 0; for (let i = 0; i < d.length; i += 4) { if (d[i+3] > 0) n++; } return n > 1000; })()`)
	})

	mu.Lock()
	defer mu.Unlock()
	for _, m := range console {
		if strings.Contains(m, "Content Security Policy") || strings.Contains(m, "exception") {
			t.Errorf("console: %s", m)
		}
	}
}

// addVillages adds n villages to a township (codes from 203 up, after the
// fixture's), each with a 2024 plan of 10 households due half by 25 July,
// and returns their codes.
func (e *env) addVillages(township string, n int) []string {
	e.t.Helper()
	var areas []*tuopin.Area
	var codes []string
	for i := range n {
		code := township[:9] + fmt.Sprintf("%03d", 203+i)
		name := fmt.Sprintf("试验第%d村民委员会", i+1)
		if i == 0 {
			name = "城东社区居民委员会第二片区" // a long name, as NBS has them
		}
		areas = append(areas, &tuopin.Area{Code: code, Name: name, Level: tuopin.LevelVillage, ParentCode: township})
		codes = append(codes, code)
	}
	if err := sqldb.NewAreaService(e.db).UpsertAreas(sqldbtest.Ctx(tuopin.SystemUser), areas); err != nil {
		e.t.Fatal(err)
	}
	for _, c := range codes {
		e.setPlan(c, 10, 40, node(7, 25, 5, 20))
	}
	return codes
}

// visible is a script that tells whether every element matched by sel
// lies inside the viewport and inside its scrolling table box, so that
// nothing of it is cut off.
func visible(sel string) string {
	return fmt.Sprintf(`(() => {
		const els = Array.from(document.querySelectorAll(%q));
		if (els.length === 0) return false;
		return els.every(el => {
			const r = el.getBoundingClientRect(), box = el.closest(".table-scroll").getBoundingClientRect();
			return r.width > 0 && r.left >= box.left - 0.5 && r.right <= box.right + 0.5 && r.right <= window.innerWidth;
		});
	})()`, sel)
}

// TestBrowserWallFits opens the wall chart in headless Chromium at the
// sizes it is used at: the big screen of a township of 22 villages fits a
// 1920×1080 screen without scrolling, and the English wall shows its
// state column whole, on the big screen and on a 1366×768 laptop.
func TestBrowserWallFits(t *testing.T) {
	ctx := browserCtx(t)
	e := newBoardEnv(t)
	e.addVillages(sqldbtest.DonglanTown, 20)
	e.browserLogin(t, ctx, e.county)

	size := func(t *testing.T, w, h int64) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(w, h)); err != nil {
			t.Fatal(err)
		}
	}
	open := func(t *testing.T, path, ready string) {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+path), chromedp.WaitVisible(ready)); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("BigScreenTownship", func(t *testing.T) {
		size(t, 1920, 1080)
		open(t, "/wall/451224100?year=2024&fullscreen=1", `.screen-wall`)
		waitFor(t, ctx, "22 villages", `document.querySelectorAll(".wall-table tbody tr").length === 22`)
		// No scrolling, neither of the page nor of the table: the total
		// row is on the screen.
		waitFor(t, ctx, "fits 1920×1080", `(() => {
			const ts = document.querySelector(".screen-wall .table-scroll"), foot = document.querySelector(".wall-table tfoot tr");
			return document.documentElement.scrollHeight <= window.innerHeight && foot.getBoundingClientRect().bottom <= window.innerHeight &&
				ts.scrollHeight <= ts.clientHeight + 1 && ts.scrollWidth <= ts.clientWidth + 1;
		})()`)
		// And the rows stay legible: at least 12 px.
		waitFor(t, ctx, "legible", `parseFloat(getComputedStyle(document.querySelector(".wall-table tbody td")).fontSize) >= 12`)
	})

	t.Run("EnglishStateColumn", func(t *testing.T) {
		size(t, 1920, 1080)
		open(t, "/wall/451224?year=2024&fullscreen=1&lang=en", `.screen-wall`)
		waitFor(t, ctx, "English", `document.body.innerText.includes("Leave big screen")`)
		waitFor(t, ctx, "big screen: state badges whole", visible(`td[data-col="state"] .state-badge`))
		size(t, 1366, 768)
		open(t, "/wall/451224?year=2024", `.wall-table`)
		waitFor(t, ctx, "laptop: state badges whole", visible(`td[data-col="state"] .state-badge`))
		waitFor(t, ctx, "laptop: next node whole", visible(`td[data-col="next"] .next-node`))
		open(t, "/wall/451224100?year=2024&lang=zh", `.wall-table`)
	})
}
