package apphttp_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// browserLogin logs u in (every fixture user's password is
// "password123") and waits for the area overview.
func (e *env) browserLogin(t *testing.T, ctx context.Context, u *tuopin.User) {
	t.Helper()
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/login"),
		chromedp.WaitVisible(`#username`),
		chromedp.SendKeys(`#username`, u.Username),
		chromedp.SendKeys(`#password`, "password123"),
		chromedp.Submit(`#password`),
		chromedp.WaitVisible(`.stat-cards`),
	); err != nil {
		t.Fatalf("login as %s: %v", u.Username, err)
	}
}

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

	e.browserLogin(t, ctx, e.township)

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
		// Each member row comes with the row of its details below it.
		waitFor(t, ctx, "three rows", `document.querySelectorAll("#members tr[data-index]").length === 3 && document.querySelectorAll("#members tr[data-row-more]").length === 3`)
		// Remove the middle row (and its details row); the numbers close up.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`document.querySelectorAll("#members tr[data-index]")[1].querySelector("[data-remove-row]").click()`)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "two rows renumbered", `Array.from(document.querySelectorAll("#members .idx")).map(x => x.textContent).join() === "1,2" && document.querySelectorAll("#members tr").length === 4`)

		h := sqldbtest.NewHousehold(sqldbtest.Bala, 300)
		fill := fmt.Sprintf(`(() => {
			const q = n => document.querySelector('[name="' + n + '"]');
			q("year").value = "2024"; q("number").value = "BR-300"; q("area_code").value = %q;
			q("attribute").value = "01"; q("main_cause").value = "03"; q("income_per_capita").value = "2890.5";
			const rows = document.querySelectorAll("#members tr[data-index]");
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

// TestBrowser_HouseholdDetails edits national fields in headless Chromium:
// unfold the living-conditions and income sections of a household's form,
// choose a code and type an amount, save, and read the code's label and
// the computed income on the detail page.
func TestBrowser_HouseholdDetails(t *testing.T) {
	ctx := browserCtx(t)
	e := newEnv(t, sqldbtest.MustOpenSQLite(t))
	e.browserLogin(t, ctx, e.township)
	path := fmt.Sprintf("%s/households/%d", e.ts.URL, e.bala.ID)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(path+"/edit"),
		chromedp.WaitVisible(`#sec-living summary`),
	); err != nil {
		t.Fatal(err)
	}
	// The sections start folded: their fields are not visible.
	waitFor(t, ctx, "folded", `!document.querySelector('[name="details.house_grade"]').checkVisibility()`)
	if err := chromedp.Do(ctx,
		chromedp.Click(`#sec-living summary`),
		chromedp.WaitVisible(`[name="details.house_grade"]`),
		chromedp.SetValue(`[name="details.house_grade"]`, "C"),
		chromedp.Click(`#sec-income summary`),
		chromedp.WaitVisible(`[name="details.income_wage"]`),
		chromedp.SendKeys(`[name="details.income_wage"]`, "9000.5"),
		// A member's details unfold under its row.
		chromedp.Click(`#members tr[data-row-more] summary`),
		chromedp.WaitVisible(`[name="members[0].details.ethnicity"]`),
		chromedp.SetValue(`[name="members[0].details.ethnicity"]`, "07"),
		chromedp.SendKeys(`[name=reason]`, "浏览器采集"),
		chromedp.Submit(`[name=reason]`),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "saved", `document.body.innerText.includes("修改已保存")`)
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	// 9000.50 ÷ 2 members = 4500.25 per capita, computed.
	for _, want := range []string{"C级(局部危房)", "9,000.50", "4,500.25", "按收入构成计算", "住房安全有保障"} {
		if !strings.Contains(text, want) {
			t.Errorf("detail page lacks %q", want)
		}
	}
	// The housing gap is red.
	waitFor(t, ctx, "house gap", `document.querySelector('[data-guarantee="house"]').classList.contains("g-gap")`)
	got := e.household(e.bala.ID)
	if got.Details["house_grade"] != "C" || got.Details["income_wage"] != "9000.50" || got.Members[0].Details["ethnicity"] != "07" {
		t.Errorf("stored details %v, head %v", got.Details, got.Members[0].Details)
	}
}

// TestBrowser_PrintOnePage prints the household file of a household of six
// with the national fields recorded and a few status moves to PDF, as the
// browser's print does, and checks that it is one A4 page.
func TestBrowser_PrintOnePage(t *testing.T) {
	ctx := browserCtx(t)
	db := sqldbtest.MustOpenSQLite(t)
	e := newEnv(t, db)
	h := sqldbtest.NewHousehold(sqldbtest.Bala, 900)
	for i, birth := range []string{"20080305", "20120610", "19450101", "20150909"} {
		h.Members = append(h.Members, &tuopin.Member{Name: fmt.Sprintf("子女%d", i), Relation: "03",
			IDNumber: sqldbtest.IDNumber("451224", birth, 10+i),
			Details:  map[string]string{"ethnicity": "07", "school_status": "04", "resident_medical_insurance": "1"}})
	}
	h.Details = map[string]string{"standard": "1", "household_type": "1", "other_causes": "03,05", "first_identified_year": "2014",
		"income_wage": "18600", "income_public_job": "2400", "income_business": "3200", "expense_business": "800",
		"transfer_dibao": "1800", "transfer_pension": "1200", "income_property": "350",
		"house_grade": "C", "house_structure": "2", "housing_area": "85.5", "water_safe": "1", "water_difficult": "0", "water_source": "1",
		"helper_name": "韦文明", "helper_unit": "东兰县农业农村局", "helper_title": "副局长", "helper_phone": "13907781234"}
	sqldbtest.MustCreateHousehold(t, db, h)
	for _, st := range []string{tuopin.StatusPreExit, tuopin.StatusPoor, tuopin.StatusPreExit} {
		if _, err := sqldb.NewHouseholdService(db).SetHouseholdStatus(sqldbtest.Ctx(tuopin.SystemUser), h.ID, st, "入户核实收入后调整"); err != nil {
			t.Fatal(err)
		}
	}
	e.browserLogin(t, ctx, e.county)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/households/%d/print", e.ts.URL, h.ID)),
		chromedp.WaitVisible(`.sheet`),
	); err != nil {
		t.Fatal(err)
	}
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"韦文明", "C级", "25,150.00", "子女3", "入户核实收入后调整"} {
		if !strings.Contains(text, want) {
			t.Errorf("print page lacks %q", want)
		}
	}
	yes := true
	pdf, err := chromedp.Call(ctx, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: &yes})
	if err != nil {
		t.Fatal(err)
	}
	// The page tree's /Count is the number of pages.
	m := regexp.MustCompile(`/Count (\d+)`).FindSubmatch(pdf.Data)
	if m == nil || string(m[1]) != "1" {
		t.Errorf("the household file prints on %q pages, want 1", m)
	}
}
