package apphttp_test

import (
	"bufio"
	"io/fs"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	apphttp "github.com/tuopin/tuopin/http"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
	"github.com/tuopin/tuopin/web"
)

// openAPIRoutes reads "METHOD /path" for every operation of the OpenAPI
// document: path keys are indented two spaces under "paths:", methods four.
func openAPIRoutes(t *testing.T) []string {
	t.Helper()
	data, err := fs.ReadFile(web.FS, "static/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var base, path string
	in := false
	methodRe := regexp.MustCompile(`^    (get|put|post|patch|delete):\s*$`)
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	for sc.Scan() {
		line := sc.Text()
		if m := regexp.MustCompile(`^  - url: (\S+)`).FindStringSubmatch(line); m != nil && base == "" {
			base = m[1]
		}
		switch {
		case line == "paths:":
			in = true
		case in && line != "" && !strings.HasPrefix(line, " "):
			in = false
		case in && strings.HasPrefix(line, "  /") && strings.HasSuffix(line, ":"):
			path = strings.TrimSuffix(strings.TrimSpace(line), ":")
		case in && methodRe.MatchString(line):
			out = append(out, strings.ToUpper(methodRe.FindStringSubmatch(line)[1])+" "+base+path)
		}
	}
	slices.Sort(out)
	return out
}

// TestOpenAPI_CoversRoutes holds routes_api.go and the OpenAPI document
// together: every route is described, and every description is a route.
func TestOpenAPI_CoversRoutes(t *testing.T) {
	e := newEnv(t, sqldbtest.MustOpenSQLite(t))
	routes := apphttp.APIRoutePatterns(e.srv)
	slices.Sort(routes)
	doc := openAPIRoutes(t)
	if len(doc) < 10 {
		t.Fatalf("read only %d operations from openapi.yaml: %v", len(doc), doc)
	}
	for _, r := range routes {
		if !slices.Contains(doc, r) {
			t.Errorf("route %q is not in openapi.yaml", r)
		}
	}
	for _, d := range doc {
		if !slices.Contains(routes, d) {
			t.Errorf("openapi.yaml describes %q, which routes_api.go does not serve", d)
		}
	}

	r := e.browser().get("/api/openapi.yaml")
	check(t, "served document", r, http.StatusOK, []string{"openapi: 3.1.0", "/households/{id}/status:"}, nil)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/yaml") {
		t.Errorf("Content-Type %q", ct)
	}
}

// TestCatalogs checks that every key a template translates exists in both
// languages, and that the two catalogs hold the same keys (English may
// leave field errors, err.*, to the domain's English messages).
func TestCatalogs(t *testing.T) {
	zh, en := apphttp.CatalogKeys("zh"), apphttp.CatalogKeys("en")
	for _, k := range zh {
		if !strings.HasPrefix(k, "err.") && !slices.Contains(en, k) {
			t.Errorf("English lacks %q", k)
		}
	}
	for _, k := range en {
		if !slices.Contains(zh, k) {
			t.Errorf("Chinese lacks %q", k)
		}
	}
	keyRe := regexp.MustCompile(`\bt "([a-z0-9_.]+)"`)
	n := 0
	err := fs.WalkDir(web.FS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(web.FS, p)
		if err != nil {
			return err
		}
		for _, m := range keyRe.FindAllStringSubmatch(string(data), -1) {
			n++
			if !slices.Contains(zh, m[1]) || !slices.Contains(en, m[1]) {
				t.Errorf("%s uses %q, missing from a catalog", p, m[1])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 100 {
		t.Errorf("found only %d translated strings in the templates", n)
	}
	// Keys built at run time: roles, levels, actions, error pages, flashes.
	for _, prefix := range []string{"role.", "level.", "action.", "kind.", "error.", "flash."} {
		found := false
		for _, k := range zh {
			found = found || strings.HasPrefix(k, prefix)
		}
		if !found {
			t.Errorf("no catalog key starts with %q", prefix)
		}
	}
	// Go code asks for these by name.
	src, err := os.ReadFile("messages_zh.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"login.too_many", "login.failed", "form.has_errors", "household.status_refused", "user.forbidden", "field.member_n", "area.nation"} {
		if !strings.Contains(string(src), `"`+k+`"`) {
			t.Errorf("messages_zh.go lacks %q", k)
		}
	}
}

func TestStaticAssets(t *testing.T) {
	e := newEnv(t, sqldbtest.MustOpenSQLite(t))
	b := e.browser()
	page := b.get("/login")
	m := regexp.MustCompile(`href="(/static/[0-9a-f]{12}/app\.css)"`).FindStringSubmatch(page.body)
	if m == nil {
		t.Fatalf("no hashed stylesheet link on the login page")
	}
	r := b.get(m[1])
	check(t, "stylesheet", r, http.StatusOK, []string{"--font:", `"PingFang SC"`}, nil)
	if cc := r.header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control %q", cc)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("Content-Type %q", ct)
	}
	old := b.get("/static/000000000000/app.css")
	if old.status != http.StatusOK || old.header.Get("Cache-Control") != "no-cache" {
		t.Errorf("old hash: status %d Cache-Control %q", old.status, old.header.Get("Cache-Control"))
	}
	check(t, "htmx", b.get(regexp.MustCompile(`src="(/static/[0-9a-f]{12}/vendor/htmx\.min\.js)"`).FindStringSubmatch(page.body)[1]),
		http.StatusOK, []string{"htmx"}, nil)
	check(t, "missing asset", b.get("/static/abc/none.css"), http.StatusNotFound, nil, nil)

	csp := page.header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP %q", csp)
	}
	if page.header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("X-Frame-Options %q", page.header.Get("X-Frame-Options"))
	}
}

func TestNotFoundPage(t *testing.T) {
	e := newEnv(t, sqldbtest.MustOpenSQLite(t))
	b := e.login(e.county)
	check(t, "unknown page", b.get("/no/such/page"), http.StatusNotFound, []string{"未找到或无权访问", "返回首页", "贫困户名册"}, nil)
	check(t, "bad id", b.get("/households/abc"), http.StatusNotFound, []string{"未找到或无权访问"}, nil)
	check(t, "bad year", b.get("/?year=20x4"), http.StatusBadRequest, []string{"请求有误"}, nil)
	check(t, "English 404", b.get("/households/999999?lang=en"), http.StatusNotFound, []string{"Not found or not permitted"}, nil)
}

func TestNewServer_RequiresServices(t *testing.T) {
	if _, err := apphttp.NewServer(apphttp.Config{}, apphttp.Services{}); err == nil || !strings.Contains(err.Error(), "every service must be set") {
		t.Errorf("NewServer without services: %v", err)
	}
}

func TestServer_OpenClose(t *testing.T) {
	e := newEnv(t, sqldbtest.MustOpenSQLite(t))
	srv, err := apphttp.NewServer(apphttp.Config{Addr: "127.0.0.1:0"}, e.services())
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Open(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(srv.URL(), "http://127.0.0.1:") {
		t.Errorf("URL %q", srv.URL())
	}
	resp, err := http.Get(srv.URL() + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /login: %d", resp.StatusCode)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if _, err := http.Get(srv.URL() + "/login"); err == nil {
		t.Error("server still answers after Close")
	}
}
