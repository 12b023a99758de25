package main_test

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath finds Debian's Chromium. Without it the browser tests skip,
// unless TUOPIN_TEST_CHROMIUM=require (as .ci/run sets), when they fail.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("TUOPIN_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("TUOPIN_TEST_CHROMIUM") == "require" {
		t.Fatal("Chromium not found and TUOPIN_TEST_CHROMIUM=require")
	}
	t.Skip("Chromium not installed (apt-get install chromium)")
	return ""
}

// newBrowser starts headless Chromium with the flags this workplace needs.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1400, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	return ctx
}

// screenshot saves the page when TUOPIN_E2E_SCREENSHOTS names a directory.
func screenshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("TUOPIN_E2E_SCREENSHOTS")
	if dir == "" {
		return
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	_ = os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644)
}

// TestBrowser drives the real binary in headless Chromium as a village first
// secretary: log in, open a household of the village, change its phone
// number with a reason, and see the change in the household's audit trail;
// then try a household of another village and get "not found".
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the binary and a browser")
	}
	ctx := newBrowser(t)
	data := t.TempDir()
	base := startDemo(t, data)

	const newPhone = "13977812345"
	const reason = "入户核实后更正电话"
	type C = chromedp.CSS

	// Log in as the first secretary of 中和村.
	err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(C(`input[name=username]`)),
		chromedp.SendKeys(C(`input[name=username]`), "village"),
		chromedp.SendKeys(C(`input[name=password]`), "tuopin-demo"),
		chromedp.Submit(C(`input[name=password]`)),
		chromedp.WaitNotPresent(C(`input[name=password]`)),
	)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	screenshot(t, ctx, "01-home")

	// The household list shows the secretary's village and no other.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/households"),
		chromedp.WaitVisible(C(`table a[href^="/households/"]`)),
	); err != nil {
		t.Fatalf("household list: %v", err)
	}
	listText, err := chromedp.Run(ctx, chromedp.Text(C(`main`)))
	if err != nil {
		t.Fatal(err)
	}
	link, err := chromedp.Run(ctx, chromedp.AttributeValue(C(`table a[href^="/households/"]`), "href"))
	if err != nil || !link.Exists {
		t.Fatalf("household link: %v", err)
	}
	href := link.Value
	screenshot(t, ctx, "02-list")
	if !strings.Contains(listText, "中和村") {
		t.Fatalf("list does not show the secretary's village:\n%.500s", listText)
	}
	for _, other := range []string{"东兰镇", "隘洞镇", "长乐镇"} {
		if strings.Contains(listText, other) {
			t.Fatalf("list shows %s, outside the secretary's village", other)
		}
	}

	// Change the phone number with a reason, and save.
	err = chromedp.Do(ctx,
		chromedp.Navigate(base+href+"/edit"),
		chromedp.WaitVisible(C(`input[name=phone]`)),
		chromedp.SetValue(C(`input[name=phone]`), newPhone),
		chromedp.SetValue(C(`form input[name=reason]`), reason),
	)
	if err != nil {
		t.Fatalf("edit form: %v", err)
	}
	screenshot(t, ctx, "03-edit")
	err = chromedp.Do(ctx,
		chromedp.Submit(C(`input[name=phone]`)),
		chromedp.WaitNotPresent(C(`input[name=phone]`)),
		chromedp.WaitVisible(C(`.timeline`)),
	)
	if err != nil {
		t.Fatalf("save: %v", err)
	}
	timeline, err := chromedp.Run(ctx, chromedp.Text(C(`.timeline`)))
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "04-detail")
	// The household's audit trail names the change, the reason and the actor.
	for _, want := range []string{newPhone, reason, "village"} {
		if !strings.Contains(timeline, want) {
			t.Errorf("audit trail lacks %q:\n%s", want, timeline)
		}
	}

	// A household of another village, by URL: the same answer as a missing one.
	db, err := sql.Open("sqlite", filepath.Join(data, "tuopin.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var otherID int64
	var otherHead string
	if err := db.QueryRow(`SELECT id, head_name FROM households WHERE area_code NOT LIKE '451224104201%' ORDER BY id LIMIT 1`).Scan(&otherID, &otherHead); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.Navigate(base+"/households/"+strconv.FormatInt(otherID, 10)),
		chromedp.WaitVisible(C(`main`)),
	); err != nil {
		t.Fatalf("other household: %v", err)
	}
	otherPage, err := chromedp.Run(ctx, chromedp.Text(C(`main`)))
	if err != nil {
		t.Fatal(err)
	}
	screenshot(t, ctx, "05-other")
	if strings.Contains(otherPage, otherHead) || !strings.Contains(otherPage, "404") {
		t.Fatalf("out-of-scope household page leaks or is not a 404:\n%.400s", otherPage)
	}
}
