package apphttp_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tuopin/tuopin"
	apphttp "github.com/tuopin/tuopin/http"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// env is a running server over a real database holding the 东兰县 fixture:
// users at each level and a few households whose head names are unique
// strings, so that a page can be searched for what it must not show.
type env struct {
	t   *testing.T
	db  *sqldb.DB
	srv *apphttp.Server
	ts  *httptest.Server

	admin, county, township, village, viewer, fengshan *tuopin.User

	// Households by village, with their head names.
	xinyan1, xinyan2, bala, changle, bapang *tuopin.Household
}

// Head names of the fixture households. Each appears on exactly one
// household, so its presence on a page means that household is shown.
const (
	headXinyan1 = "蓝新烟甲"
	headXinyan2 = "蓝新烟乙"
	headBala    = "黄巴拉丙"
	headChangle = "覃长乐丁"
	headBapang  = "罗巴旁戊"
)

// newEnv starts a server on db, loads the fixture and returns the env.
func newEnv(t *testing.T, db *sqldb.DB) *env {
	t.Helper()
	return newEnvConfig(t, db, apphttp.Config{})
}

func newEnvConfig(t *testing.T, db *sqldb.DB, cfg apphttp.Config) *env {
	t.Helper()
	sqldbtest.MustLoadAreas(t, db)
	e := &env{t: t, db: db}
	e.admin = sqldbtest.MustCreateUser(t, db, tuopin.RoleAdmin, "")
	e.county = sqldbtest.MustCreateUser(t, db, tuopin.RoleCountyAdmin, "451224")
	e.township = sqldbtest.MustCreateUser(t, db, tuopin.RoleTownshipClerk, "451224100")
	e.village = sqldbtest.MustCreateUser(t, db, tuopin.RoleVillageSecretary, sqldbtest.Xinyan)
	e.viewer = sqldbtest.MustCreateUser(t, db, tuopin.RoleViewer, "451224")
	e.fengshan = sqldbtest.MustCreateUser(t, db, tuopin.RoleCountyAdmin, "451223")

	mk := func(village string, n int, head string) *tuopin.Household {
		h := sqldbtest.NewHousehold(village, n)
		h.Members[0].Name = head
		return sqldbtest.MustCreateHousehold(t, db, h)
	}
	e.xinyan1 = mk(sqldbtest.Xinyan, 1, headXinyan1)
	e.xinyan2 = mk(sqldbtest.Xinyan, 2, headXinyan2)
	e.bala = mk(sqldbtest.Bala, 3, headBala)
	e.changle = mk(sqldbtest.Changle, 4, headChangle)
	e.bapang = mk(sqldbtest.Bapang, 5, headBapang)

	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	srv, err := apphttp.NewServer(cfg, e.services())
	if err != nil {
		t.Fatal(err)
	}
	e.srv = srv
	e.ts = httptest.NewServer(srv.Handler())
	t.Cleanup(e.ts.Close)
	return e
}

// services are the sqldb services over the env's database.
func (e *env) services() apphttp.Services {
	return apphttp.Services{
		Areas:      sqldb.NewAreaService(e.db),
		Users:      sqldb.NewUserService(e.db),
		Auth:       sqldb.NewAuthService(e.db),
		Households: sqldb.NewHouseholdService(e.db),
		Audit:      sqldb.NewAuditService(e.db),
		Codes:      sqldb.NewCodeService(e.db),
		Plans:      sqldb.NewPlanService(e.db),
		Params:     sqldb.NewParamService(e.db),
		Events:     sqldb.NewEventService(e.db),
		Years:      sqldb.NewYearService(e.db),
		Reviews:    sqldb.NewIDReviewService(e.db),
	}
}

// testWriter sends server logs (warnings and errors) to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// token issues an API token for u.
func (e *env) token(u *tuopin.User) string {
	e.t.Helper()
	tok, _, err := sqldb.NewAuthService(e.db).CreateAPIToken(sqldbtest.Ctx(u), "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// householdCount counts the stored households of a village as the system
// user sees them.
func (e *env) householdCount(village string) int {
	e.t.Helper()
	_, n, err := sqldb.NewHouseholdService(e.db).FindHouseholds(sqldbtest.Ctx(tuopin.SystemUser), tuopin.HouseholdFilter{AreaPrefix: village, Limit: 1})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// household reads a stored household as the system user.
func (e *env) household(id int64) *tuopin.Household {
	e.t.Helper()
	h, err := sqldb.NewHouseholdService(e.db).FindHouseholdByID(sqldbtest.Ctx(tuopin.SystemUser), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return h
}

// browser is a cookie-keeping client that does not follow redirects.
type browser struct {
	t    *testing.T
	e    *env
	c    *http.Client
	csrf string // the token of the last page that showed one
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, e: e, c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// response is what a test looks at: status, body and headers.
type response struct {
	status int
	body   string
	header http.Header
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *browser) do(req *http.Request) response {
	b.t.Helper()
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if m := csrfRe.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return response{status: resp.StatusCode, body: string(body), header: resp.Header}
}

func (b *browser) get(path string, headers ...string) response {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.e.ts.URL+path, nil)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

// post submits a form with the browser's CSRF token (unless the form
// sets "csrf" itself) and the given extra headers.
func (b *browser) post(path string, form url.Values, headers ...string) response {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	req, _ := http.NewRequest(http.MethodPost, b.e.ts.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

// login logs u in with the fixture password and loads the overview, so
// that the browser holds the session's CSRF token.
func (e *env) login(u *tuopin.User) *browser {
	e.t.Helper()
	b := e.browser()
	b.get("/login")
	r := b.post("/login", url.Values{"username": {u.Username}, "password": {"password123"}})
	if r.status != http.StatusSeeOther {
		e.t.Fatalf("login %s: status %d\n%s", u.Username, r.status, r.body)
	}
	if r := b.get("/"); r.status != http.StatusOK {
		e.t.Fatalf("overview after login: status %d", r.status)
	}
	return b
}

// api calls the JSON API with a bearer token ("" for none).
func (e *env) api(method, path, token, body string, headers ...string) response {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequestWithContext(context.Background(), method, e.ts.URL+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, body: string(b), header: resp.Header}
}

// check asserts a status, substrings that must appear and substrings that
// must not.
func check(t *testing.T, what string, r response, status int, want []string, absent []string) {
	t.Helper()
	if r.status != status {
		t.Errorf("%s: status %d, want %d\n%s", what, r.status, status, excerpt(r.body))
	}
	for _, w := range want {
		if !strings.Contains(r.body, w) {
			t.Errorf("%s: body lacks %q\n%s", what, w, excerpt(r.body))
		}
	}
	for _, a := range absent {
		if strings.Contains(r.body, a) {
			t.Errorf("%s: body shows %q, which it must not", what, a)
		}
	}
}

func excerpt(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "…"
	}
	return s
}

// decode unmarshals a JSON response body.
func decode(t *testing.T, r response, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("decode %q: %v", excerpt(r.body), err)
	}
}

// householdJSON is a valid POST /households body for a village; head and
// spouse ID numbers are derived from n so that bodies do not clash.
func householdJSON(village, number string, n int) map[string]any {
	h := sqldbtest.NewHousehold(village, n)
	members := []map[string]any{}
	for _, m := range h.Members {
		members = append(members, map[string]any{"name": m.Name, "id_number": m.IDNumber, "relation": m.Relation})
	}
	return map[string]any{
		"year": h.Year, "number": number, "area_code": village, "attribute": "01", "main_cause": "02",
		"income_per_capita": 350000, "members": members, "reason": "test",
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
