package apphttp_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// TestBrowser_TimelineAndYears drives a dated status move from the
// household page onto its timeline, then the start of the next registry
// year from the years page with its confirmation, in headless Chromium.
func TestBrowser_TimelineAndYears(t *testing.T) {
	ctx := browserCtx(t)
	e := newEnv(t, sqldbtest.MustOpenSQLite(t))
	e.browserLogin(t, ctx, e.county)
	detail := fmt.Sprintf("%s/households/%d", e.ts.URL, e.bala.ID)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(detail),
		chromedp.WaitVisible(`#timeline`),
		chromedp.SetValue(`#status-date`, "2024-06-01"),
		chromedp.SendKeys(`#status-reason`, "村评议通过"),
		chromedp.Click(`.status-moves button[value="9"]`),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "moved", `document.body.innerText.includes("脱贫状态已变更")`)
	events, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#timeline .events").innerText`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(events, "2024-06-01") || !strings.Contains(events, "预脱贫") || !strings.Contains(events, "村评议通过") {
		t.Errorf("timeline:\n%s", events)
	}

	// The years page: 东兰县's 2024 is open; start 2025 after the confirmation.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/years"),
		chromedp.WaitVisible(`#years-table`),
		chromedp.Click(`#years-table tr[data-county="451224"] a.btn`),
		chromedp.WaitVisible(`#year-confirm-submit`),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "counts", `document.querySelector("#plan-households").innerText === "4"`)
	if err := chromedp.Do(ctx, chromedp.Click(`#year-confirm-submit`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "started", `document.body.innerText.includes("新年度已结转") && document.body.innerText.includes("已结转到 2025")`)

	// The 2024 record is read-only now: a move is refused, saying where to go.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(detail),
		chromedp.WaitVisible(`#timeline`),
		chromedp.Click(`.status-moves button[value="1"]`),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "closed", `document.body.innerText.includes("2024 年度已结转到 2025 年度，请修改 2025 年度记录")`)
}
