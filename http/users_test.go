package apphttp_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

func TestUsers_HTML(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		b := e.login(e.county)

		check(t, "list", b.get("/users"), http.StatusOK,
			[]string{e.village.Username, e.township.Username, "新烟村委会", "村第一书记"},
			[]string{e.fengshan.Username, e.admin.Username})
		check(t, "new form", b.get("/users/new"), http.StatusOK,
			[]string{`value="township_clerk"`, `value="village_secretary"`, `value="451224"`, "东兰县"},
			[]string{`value="county_admin"`, `value="admin"`})

		t.Run("OK", func(t *testing.T) {
			r := b.post("/users", url.Values{"username": {"wei.xinyan"}, "name": {"韦新烟"}, "role": {"village_secretary"},
				"scope": {sqldbtest.Xinyan}, "password": {"long-enough-1"}})
			if r.status != http.StatusSeeOther {
				t.Fatalf("create: status %d\n%s", r.status, excerpt(r.body))
			}
			check(t, "list after create", b.get("/users"), http.StatusOK, []string{"用户已创建", "wei.xinyan", "韦新烟"}, nil)
			// The new user can log in.
			nb := e.browser()
			nb.get("/login")
			if r := nb.post("/login", url.Values{"username": {"wei.xinyan"}, "password": {"long-enough-1"}}); r.status != http.StatusSeeOther {
				t.Errorf("new user login: status %d", r.status)
			}
		})

		t.Run("ErrOutsideScope", func(t *testing.T) {
			r := b.post("/users", url.Values{"username": {"fs.clerk"}, "name": {"凤山"}, "role": {"township_clerk"},
				"scope": {"451223100"}, "password": {"long-enough-1"}})
			check(t, "outside scope", r, http.StatusUnprocessableEntity,
				[]string{"管辖范围：不在您的管辖范围内", `value="fs.clerk"`}, []string{"long-enough-1"})
			check(t, "not created", b.get("/users"), http.StatusOK, nil, []string{"fs.clerk"})
		})

		t.Run("ErrRoleTooStrong", func(t *testing.T) {
			r := b.post("/users", url.Values{"username": {"second.county"}, "name": {"二号"}, "role": {"county_admin"},
				"scope": {"451224"}, "password": {"long-enough-1"}})
			check(t, "equal role", r, http.StatusForbidden, []string{"您不能授予该角色或该管辖范围"}, nil)
		})

		t.Run("ErrInvalidFields", func(t *testing.T) {
			r := b.post("/users", url.Values{"username": {"X"}, "name": {""}, "role": {"village_secretary"},
				"scope": {sqldbtest.Xinyan}, "password": {"short"}})
			check(t, "invalid", r, http.StatusUnprocessableEntity, []string{"提交的信息有误", "用户名："}, nil)
		})

		t.Run("EditDisableAndReset", func(t *testing.T) {
			path := fmt.Sprintf("/users/%d", e.viewer.ID)
			check(t, "edit form", b.get(path+"/edit"), http.StatusOK, []string{e.viewer.Username, `value="viewer" selected`, "重置密码"}, nil)
			r := b.post(path, url.Values{"name": {"改名"}, "role": {"viewer"}, "scope": {"451224"}, "disabled": {"on"},
				"password": {"brand-new-pass"}, "reason": {"调离"}})
			if r.status != http.StatusSeeOther {
				t.Fatalf("update: status %d\n%s", r.status, excerpt(r.body))
			}
			check(t, "list after update", b.get("/users"), http.StatusOK, []string{"用户信息已保存", "改名", "已停用"}, nil)
			// A disabled user cannot log in.
			nb := e.browser()
			nb.get("/login")
			check(t, "disabled login", nb.post("/login", url.Values{"username": {e.viewer.Username}, "password": {"brand-new-pass"}}),
				http.StatusUnauthorized, []string{"用户名或密码错误"}, nil)
		})

		t.Run("EditOwnName", func(t *testing.T) {
			// A county admin may not manage itself (same role), but a
			// form that changes only its name asks for no more than that.
			r := b.post(fmt.Sprintf("/users/%d", e.county.ID), url.Values{"name": {"覃主任"}, "role": {"county_admin"}, "scope": {"451224"}})
			if r.status != http.StatusSeeOther {
				t.Fatalf("own name: status %d\n%s", r.status, excerpt(r.body))
			}
			check(t, "renamed", b.get("/users"), http.StatusOK, []string{"覃主任"}, nil)
			check(t, "own scope change", b.post(fmt.Sprintf("/users/%d", e.county.ID), url.Values{"name": {"覃主任"}, "role": {"county_admin"}, "scope": {"4512"}}),
				http.StatusForbidden, []string{"您不能授予该角色或该管辖范围"}, nil)
		})

		t.Run("ErrEditOutsideScope", func(t *testing.T) {
			check(t, "other county's user", b.get(fmt.Sprintf("/users/%d/edit", e.fengshan.ID)), http.StatusNotFound,
				[]string{"未找到或无权访问"}, []string{e.fengshan.Username})
		})

		t.Run("AreaNameLookup", func(t *testing.T) {
			check(t, "known", b.get("/area-name?scope=451224102"), http.StatusOK, []string{"长乐镇", "乡镇"}, []string{"<html"})
			check(t, "outside", b.get("/area-name?scope=451223"), http.StatusOK, []string{"未找到该区划"}, []string{"凤山"})
		})
	})
}

var tokenRe = regexp.MustCompile(`<code class="token-box">([^<]+)</code>`)

func TestAccount(t *testing.T) {
	db := sqldbtest.MustOpenSQLite(t)
	e := newEnv(t, db)
	b := e.login(e.township)

	r := b.post("/account/tokens", url.Values{"name": {"对接"}})
	check(t, "token created", r, http.StatusOK, []string{"令牌已生成", "此令牌只显示这一次", "对接"}, nil)
	m := tokenRe.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no token on the page")
	}
	check(t, "token works", e.api("GET", "/api/v1/me", m[1], ""), http.StatusOK, []string{e.township.Username}, nil)
	check(t, "token not shown again", b.get("/account"), http.StatusOK, []string{"对接"}, []string{m[1]})

	tokens, err := sqldb.NewAuthService(db).FindAPITokens(sqldbtest.Ctx(e.township))
	if err != nil || len(tokens) != 1 {
		t.Fatalf("tokens %v, %v", tokens, err)
	}
	r = b.post(fmt.Sprintf("/account/tokens/%d/delete", tokens[0].ID), nil)
	if r.status != http.StatusSeeOther {
		t.Fatalf("revoke: status %d", r.status)
	}
	check(t, "revoked", e.api("GET", "/api/v1/me", m[1], ""), http.StatusUnauthorized, []string{`"code":"unauthorized"`}, nil)

	check(t, "wrong current password", b.post("/account/password", url.Values{"current": {"nope-nope"}, "password": {"new-password-1"}, "confirm": {"new-password-1"}}),
		http.StatusUnprocessableEntity, []string{"当前密码不正确"}, nil)
	check(t, "mismatch", b.post("/account/password", url.Values{"current": {"password123"}, "password": {"new-password-1"}, "confirm": {"new-password-2"}}),
		http.StatusUnprocessableEntity, []string{"两次输入的密码不一致"}, nil)
	check(t, "too short", b.post("/account/password", url.Values{"current": {"password123"}, "password": {"short"}, "confirm": {"short"}}),
		http.StatusUnprocessableEntity, []string{`<div class="field-error">太短</div>`}, nil)
	r = b.post("/account/password", url.Values{"current": {"password123"}, "password": {"new-password-1"}, "confirm": {"new-password-1"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("change password: status %d\n%s", r.status, excerpt(r.body))
	}
	if _, err := sqldb.NewUserService(db).Authenticate(sqldbtest.Ctx(tuopin.SystemUser), e.township.Username, "new-password-1"); err != nil {
		t.Errorf("new password does not authenticate: %v", err)
	}
}
