package apphttp_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	apphttp "github.com/tuopin/tuopin/http"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// TestImportBrowser drives an import in headless Chromium: upload a file on
// /imports/new, confirm the mapping with a dry run, see the refused row,
// commit skipping it, and find the imported households in the list.
func TestImportBrowser(t *testing.T) {
	ctx := browserCtx(t)
	e := newImportEnv(t, sqldbtest.MustOpenSQLite(t), apphttp.Config{})
	file := filepath.Join(t.TempDir(), "新烟村名册.csv")
	if err := os.WriteFile(file, importFile(t, 500, 3), 0o600); err != nil {
		t.Fatal(err)
	}

	e.browserLogin(t, ctx, e.township)

	// Upload.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.ts.URL+"/imports/new"),
		chromedp.WaitVisible(`#f-file`),
		chromedp.SetUploadFiles(`#f-file`, []string{file}),
		chromedp.Submit(`#f-file`),
	); err != nil {
		t.Fatalf("upload: %v", err)
	}
	waitFor(t, ctx, "mapping shown", `!!document.querySelector("#mapping") && document.body.innerText.includes("文件已上传")`)
	waitFor(t, ctx, "ID column recognised", `document.querySelector('#mapping select[name="col.11"]').value === "id_number"`)

	// Confirm the mapping with a dry run; the page follows the progress
	// and reloads itself with the result.
	if err := chromedp.Do(ctx, chromedp.Click(`#import-validate`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "refused row shown", `!!document.querySelector("#import-report") && document.querySelector("#import-report").innerText.includes("校验位")`)
	waitFor(t, ctx, "counts", `document.querySelector("#import-refused-households").innerText.trim() === "1"`)
	waitFor(t, ctx, "all or nothing ruled out", `document.querySelector('input[value="all_or_nothing"]').disabled && document.querySelector('input[value="skip_refused"]').checked`)

	// Commit, skipping the refused household.
	if err := chromedp.Do(ctx, chromedp.Click(`#import-commit`)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "committed", `document.body.innerText.includes("导入完成：新增 2 户")`)

	if err := chromedp.Do(ctx, chromedp.Navigate(e.ts.URL+"/households?year=2024&q=导入户主50")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "imported households listed", `document.querySelector("#results").innerText.includes("导入户主500") && document.querySelector("#results").innerText.includes("导入户主501") && !document.querySelector("#results").innerText.includes("导入户主502")`)
}
