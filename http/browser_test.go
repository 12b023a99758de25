package apphttp_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// browserCtx starts headless Chromium for a test, or skips the test when
// there is none, unless TUOPIN_TEST_CHROMIUM=require (as in CI).
func browserCtx(t *testing.T) context.Context {
	t.Helper()
	var path string
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("TUOPIN_TEST_CHROMIUM") == "require" {
			t.Fatal("Chromium is required (TUOPIN_TEST_CHROMIUM=require) but not installed")
		}
		t.Skip("no Chromium installed")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	ctx, cancel3 := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancel3)
	return ctx
}

// waitFor evaluates a JavaScript expression until it is true. (chromedp's
// own Poll builds a function in the page, which the CSP forbids.)
func waitFor(t *testing.T, ctx context.Context, what, expr string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		// While a navigation is under way the page may have no body yet and
		// the expression throws: that is "not yet", not a failure, until the
		// deadline.
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		if err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
			t.Fatalf("%s: %s stayed false; page:\n%s", what, expr, excerpt(text))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestBrowser drives the pages in headless Chromium: login, the htmx live
// search, and the member rows of the household form with a real submit.
// It checks what only a browser can: that the scripts run under the
// Content-Security-Policy and that the posted rows match the server.
func TestBrowser(t *testing.T) {
	ctx := browserCtx(t)
	e := newEnv(t, sqldbtest.MustOpenSQLite(t))

	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/login"),
		chromedp.WaitVisible(`#username`),
		chromedp.SendKeys(`#username`, e.township.Username),
		chromedp.SendKeys(`#password`, "password123"),
		chromedp.Submit(`#password`),
		chromedp.WaitVisible(`.stat-cards`),
	); err != nil {
		t.Fatalf("login: %v", err)
	}

	t.Run("LiveSearch", func(t *testing.T) {
		if err := chromedp.Do(ctx,
			chromedp.Navigate(e.ts.URL+"/households?year=all"),
			chromedp.WaitVisible(`#results table`),
		); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "htmx loaded", `typeof htmx === "object"`)
		waitFor(t, ctx, "all three rows", fmt.Sprintf(`document.querySelector("#results").innerText.includes(%q)`, headBala))
		// Typing swaps the results in place (no page load) and pushes the URL.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`window.__sameDocument = true`)); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.SendKeys(`input[name=q]`, headXinyan2)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "search applied", fmt.Sprintf(`!document.querySelector("#results").innerText.includes(%q)`, headBala))
		waitFor(t, ctx, "match kept", fmt.Sprintf(`document.querySelector("#results").innerText.includes(%q)`, headXinyan2))
		waitFor(t, ctx, "same document", `window.__sameDocument === true`)
		waitFor(t, ctx, "URL pushed", `location.search.includes("q=")`)
	})

	t.Run("MemberRowsAndSubmit", func(t *testing.T) {
		if err := chromedp.Do(ctx,
			chromedp.Navigate(e.ts.URL+"/households/new"),
			chromedp.WaitVisible(`[data-add-member]`),
			chromedp.Click(`[data-add-member]`),
			chromedp.Click(`[data-add-member]`),
		); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "three rows", `document.querySelectorAll("#members tr").length === 3`)
		// Remove the middle row; the numbers close up.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`document.querySelectorAll("#members tr")[1].querySelector("[data-remove-row]").click()`)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "two rows renumbered", `Array.from(document.querySelectorAll("#members .idx")).map(x => x.textContent).join() === "1,2"`)

		h := sqldbtest.NewHousehold(sqldbtest.Bala, 300)
		fill := fmt.Sprintf(`(() => {
			const q = n => document.querySelector('[name="' + n + '"]');
			q("year").value = "2024"; q("number").value = "BR-300"; q("area_code").value = %q;
			q("attribute").value = "01"; q("main_cause").value = "03"; q("income_per_capita").value = "2890.5";
			const rows = document.querySelectorAll("#members tr");
			const set = (row, f, v) => { row.querySelector('[name$="].' + f + '"]').value = v; };
			set(rows[0], "name", "浏览器户主"); set(rows[0], "id_number", %q);
			set(rows[1], "name", "浏览器配偶"); set(rows[1], "id_number", %q); set(rows[1], "relation", "02");
			q("reason").value = "浏览器测试";
		})()`, sqldbtest.Bala, h.Members[0].IDNumber, h.Members[1].IDNumber)
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](fill)); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Submit(`[name=reason]`)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "saved", `document.body.innerText.includes("贫困户已登记")`)
		text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"浏览器户主", "浏览器配偶", "2,890.50", "巴拉村委会", "共 2 人"} {
			if !strings.Contains(text, want) {
				t.Errorf("detail lacks %q", want)
			}
		}
	})
}
