package apphttp_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	apphttp "github.com/tuopin/tuopin/http"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

func TestLogin(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)

		t.Run("OK", func(t *testing.T) {
			b := e.browser()
			check(t, "login page", b.get("/login"), http.StatusOK, []string{"账号登录", `name="csrf"`}, nil)
			r := b.post("/login", url.Values{"username": {e.county.Username}, "password": {"password123"}, "next": {"/households"}})
			if r.status != http.StatusSeeOther || r.header.Get("Location") != "/households" {
				t.Fatalf("login: status %d location %q", r.status, r.header.Get("Location"))
			}
			if c := r.header.Get("Set-Cookie"); !strings.Contains(c, "tuopin_session=") || !strings.Contains(c, "HttpOnly") || !strings.Contains(c, "SameSite=Lax") {
				t.Errorf("session cookie: %q", c)
			}
			check(t, "list after login", b.get("/households"), http.StatusOK,
				[]string{"贫困户名册", e.county.Name, headXinyan1, headChangle}, []string{headBapang})
		})

		t.Run("ErrBadPassword", func(t *testing.T) {
			b := e.browser()
			b.get("/login")
			r := b.post("/login", url.Values{"username": {e.township.Username}, "password": {"wrong-password"}})
			check(t, "bad password", r, http.StatusUnauthorized, []string{"用户名或密码错误", e.township.Username}, nil)
			check(t, "still anonymous", b.get("/households"), http.StatusSeeOther, nil, nil)
		})

		t.Run("ErrOpenRedirect", func(t *testing.T) {
			b := e.browser()
			b.get("/login")
			r := b.post("/login", url.Values{"username": {e.viewer.Username}, "password": {"password123"}, "next": {"//evil.example/x"}})
			if r.status != http.StatusSeeOther || r.header.Get("Location") != "/" {
				t.Errorf("next=//evil.example: status %d location %q, want 303 to /", r.status, r.header.Get("Location"))
			}
		})

		t.Run("AnonymousRedirect", func(t *testing.T) {
			r := e.browser().get("/households/1")
			if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login?next=%2Fhouseholds%2F1" {
				t.Errorf("anonymous page: status %d location %q", r.status, r.header.Get("Location"))
			}
		})

		t.Run("Logout", func(t *testing.T) {
			b := e.login(e.viewer)
			r := b.post("/logout", nil)
			if r.status != http.StatusSeeOther || r.header.Get("Location") != "/login" {
				t.Fatalf("logout: status %d location %q", r.status, r.header.Get("Location"))
			}
			check(t, "after logout", b.get("/"), http.StatusSeeOther, nil, nil)
		})
	})
}

func TestLogin_RateLimit(t *testing.T) {
	db := sqldbtest.MustOpenSQLite(t)
	e := newEnvConfig(t, db, apphttp.Config{LoginMaxFailures: 3, LoginWindow: time.Minute})
	now := time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)
	apphttp.LimiterClock(e.srv, func() time.Time { return now })

	b := e.browser()
	b.get("/login")
	for i := range 3 {
		r := b.post("/login", url.Values{"username": {e.county.Username}, "password": {"guess" + strconv.Itoa(i)}})
		check(t, "failure "+strconv.Itoa(i+1), r, http.StatusUnauthorized, []string{"用户名或密码错误"}, nil)
	}
	// Locked out, even with the right password.
	r := b.post("/login", url.Values{"username": {e.county.Username}, "password": {"password123"}})
	check(t, "locked", r, http.StatusTooManyRequests, []string{"登录失败次数过多，请 60 秒后再试"}, nil)
	if got := r.header.Get("Retry-After"); got != "60" {
		t.Errorf("Retry-After %q, want 60", got)
	}
	// The IP is locked for other usernames too.
	r = b.post("/login", url.Values{"username": {e.viewer.Username}, "password": {"password123"}})
	check(t, "locked ip", r, http.StatusTooManyRequests, nil, nil)

	// After the window the right password works again.
	now = now.Add(61 * time.Second)
	r = b.post("/login", url.Values{"username": {e.county.Username}, "password": {"password123"}})
	if r.status != http.StatusSeeOther {
		t.Errorf("after the window: status %d, want 303", r.status)
	}
}

func TestCSRF(t *testing.T) {
	db := sqldbtest.MustOpenSQLite(t)
	e := newEnv(t, db)
	b := e.login(e.county)
	path := "/households/" + strconv.FormatInt(e.xinyan1.ID, 10) + "/status"
	move := url.Values{"status": {"9"}, "reason": {"csrf test"}}

	tests := []struct {
		name    string
		form    url.Values
		headers []string
		want    int
		body    []string
	}{
		{"ErrNoToken", url.Values{"status": {"9"}, "csrf": {""}}, nil, http.StatusForbidden, []string{"无权操作"}},
		{"ErrWrongToken", url.Values{"status": {"9"}, "csrf": {"not-the-token"}}, nil, http.StatusForbidden, []string{"无权操作"}},
		{"ErrCrossSite", move, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden, []string{"无权操作"}},
		{"ErrCrossOrigin", move, []string{"Origin", "http://evil.example"}, http.StatusForbidden, []string{"无权操作"}},
		{"OKHeaderToken", url.Values{"status": {"9"}, "csrf": {""}}, []string{"X-CSRF-Token", b.csrf, "Sec-Fetch-Site", "same-origin"}, http.StatusSeeOther, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.household(e.xinyan1.ID).Version
			r := b.post(path, tt.form, tt.headers...)
			check(t, tt.name, r, tt.want, tt.body, nil)
			after := e.household(e.xinyan1.ID).Version
			if changed := after != before; changed != (tt.want == http.StatusSeeOther) {
				t.Errorf("version %d → %d after status %d", before, after, r.status)
			}
		})
	}

	t.Run("ErrLoginWithoutCookie", func(t *testing.T) {
		// A login post without the anonymous CSRF cookie is refused: a
		// foreign page cannot log a victim into an attacker's account.
		r := e.browser().post("/login", url.Values{"username": {e.county.Username}, "password": {"password123"}, "csrf": {"forged"}})
		check(t, "forged login", r, http.StatusForbidden, []string{"无权操作"}, nil)
	})

	t.Run("APIBearerCrossSite", func(t *testing.T) {
		// Bearer requests are not CSRF-able and need no token.
		r := e.api("POST", "/api/v1/tokens", e.token(e.county), `{"name":"x"}`, "Sec-Fetch-Site", "cross-site")
		check(t, "api cross-site", r, http.StatusCreated, []string{`"token":"`}, nil)
	})

	t.Run("ErrAPIIgnoresCookies", func(t *testing.T) {
		req, _ := http.NewRequest("GET", e.ts.URL+"/api/v1/me", nil)
		for _, c := range b.c.Jar.Cookies(req.URL) {
			req.AddCookie(c)
		}
		r := b.do(req)
		check(t, "api with session cookie", r, http.StatusUnauthorized, []string{`"code":"unauthorized"`}, []string{e.county.Username})
	})
}

func TestLanguage(t *testing.T) {
	db := sqldbtest.MustOpenSQLite(t)
	e := newEnv(t, db)
	b := e.login(e.county)

	check(t, "default Chinese", b.get("/"), http.StatusOK,
		[]string{`lang="zh-CN"`, "区域概览", "建档立卡户数", "下辖乡镇", "东兰镇"}, []string{"Registered households"})
	check(t, "switch to English", b.get("/?lang=en"), http.StatusOK,
		[]string{`lang="en"`, "Area overview", "Registered households", "Townships below", "东兰镇", "中文"}, []string{"建档立卡户数"})
	// The choice sticks without the parameter (cookie and session).
	check(t, "English remembered", b.get("/households"), http.StatusOK,
		[]string{"Households", "Not yet out of poverty", "Ordinary poor household", headXinyan1}, []string{"贫困户名册"})
	check(t, "field errors in English", b.post("/households", url.Values{"number": {"N-1"}}), http.StatusUnprocessableEntity,
		[]string{"Some fields need attention", "Village", "Household no."}, nil)
	check(t, "back to Chinese", b.get("/?lang=zh"), http.StatusOK, []string{"建档立卡户数"}, []string{"Registered households"})

	// A new session of the same browser starts in the cookie's language.
	b2 := e.browser()
	check(t, "login page in English", b2.get("/login?lang=en"), http.StatusOK, []string{"Log in", "Use the account issued by the county office"}, []string{"账号登录"})
}
