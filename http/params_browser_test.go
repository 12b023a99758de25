package apphttp_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// TestBrowser_Params drives the parameter page in headless Chromium: the
// year selector submits itself under the CSP, and the income rule's
// checkboxes post the ticked components.
func TestBrowser_Params(t *testing.T) {
	ctx := browserCtx(t)
	e := newEnv(t, sqldbtest.MustOpenSQLite(t))
	e.browserLogin(t, ctx, e.county)

	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/params?kind=income_excluded"),
		chromedp.WaitVisible(`#params-table`),
		chromedp.SetValue(`#f-list-year`, "2017"),
	); err != nil {
		t.Fatal(err)
	}
	// SetValue fires the change event a user's pick fires; app.js submits
	// the form on it.
	waitFor(t, ctx, "year applied", `location.search.includes("year=2017")`)
	waitFor(t, ctx, "one row", `document.querySelectorAll("#params-table tbody tr[data-year]").length === 1`)

	if err := chromedp.Do(ctx,
		chromedp.SetValue(`#f-year`, "2017"),
		chromedp.Click(`input[name=text][value=transfer_dibao]`),
		chromedp.Click(`input[name=text][value=transfer_pension]`),
		chromedp.SendKeys(`#f-source`, "东兰县扶贫办"),
		chromedp.Submit(`#f-source`),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "saved", `document.body.innerText.includes("参数已保存")`)
	set, err := sqldb.NewParamService(e.db).FindParamSet(sqldbtest.Ctx(tuopin.SystemUser))
	if err != nil {
		t.Fatal(err)
	}
	if got := set.IncomeExcluded(2017, sqldbtest.Xinyan); len(got) != 2 || got[0] != tuopin.TransferDibao || got[1] != tuopin.TransferPension {
		t.Fatalf("stored rule for Donglan 2017: %v", got)
	}
}
