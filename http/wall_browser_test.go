package apphttp_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

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
		// Dark cells on the big screen, and a ticking clock.
		if bg, _ := readCell(t); bg != "rgb(27, 107, 58)" {
			t.Errorf("big-screen cell background %s", bg)
		}
		first, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("[data-clock]").textContent`))
		time.Sleep(1100 * time.Millisecond)
		waitFor(t, ctx, "clock ticks", fmt.Sprintf(`document.querySelector("[data-clock]").textContent !== %q`, first))
		// A household exits; the board refreshes itself without a reload.
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
