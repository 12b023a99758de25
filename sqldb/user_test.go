package sqldb_test

import (
	"strings"
	"testing"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

func usernames(us []*tuopin.User) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, u.Username)
	}
	return out
}

func TestCreateUser(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		ctx := sqldbtest.Ctx(w.county)
		newUser := func(name string, role tuopin.Role, scope string) *tuopin.User {
			return &tuopin.User{Username: name, Name: "李四", Role: role, Scope: scope, Phone: "13800000000"}
		}
		t.Run("OK", func(t *testing.T) {
			u := newUser("lisi", tuopin.RoleTownshipClerk, "451224102")
			must(t, w.users.CreateUser(ctx, u, "s3cret-password"))
			got, err := w.users.FindUserByID(ctx, u.ID)
			must(t, err)
			if got.Username != "lisi" || got.Scope != "451224102" || got.Role != tuopin.RoleTownshipClerk || got.Disabled ||
				!got.CreatedAt.Equal(u.CreatedAt) || got.LastLoginAt != nil {
				t.Fatalf("user = %+v", got)
			}
			es, _, err := w.audit.FindAuditEntries(ctxSystem, tuopin.AuditFilter{TargetKind: ptr("user"), Action: ptr(tuopin.ActionUserCreate)})
			must(t, err)
			e := es[0]
			if e.ActorID != w.county.ID || e.AreaCode != "451224102" || !strings.Contains(string(e.After), `"username":"lisi"`) ||
				strings.Contains(string(e.After), "argon2") || strings.Contains(string(e.After), "s3cret") {
				t.Fatalf("audit %+v %s", e, e.After)
			}
		})
		t.Run("ErrConflict", func(t *testing.T) {
			wantErr(t, w.users.CreateUser(ctx, newUser("lisi", tuopin.RoleViewer, "451224"), "s3cret-password"), tuopin.ECONFLICT, "username is taken")
		})
		t.Run("ErrForbidden", func(t *testing.T) {
			wantErr(t, w.users.CreateUser(ctx, newUser("peer", tuopin.RoleCountyAdmin, "451224"), "s3cret-password"), tuopin.EFORBIDDEN, "role county_admin")
			wantErr(t, w.users.CreateUser(sqldbtest.Ctx(w.township), newUser("xx1", tuopin.RoleViewer, "451224100"), "s3cret-password"), tuopin.EFORBIDDEN, "may not manage users")
		})
		t.Run("ErrScope", func(t *testing.T) {
			wantField(t, w.users.CreateUser(ctx, newUser("xx2", tuopin.RoleViewer, "451223"), "s3cret-password"), "scope", "out_of_scope", "outside your own scope")
			wantField(t, w.users.CreateUser(ctx, newUser("xx3", tuopin.RoleViewer, "451224199"), "s3cret-password"), "scope", "unknown_area", "no area 451224199")
			wantField(t, w.users.CreateUser(ctx, newUser("xx4", tuopin.RoleViewer, "4512241"), "s3cret-password"), "scope", "invalid_scope", "prefix of 2, 4, 6, 9 or 12")
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			err := w.users.CreateUser(ctx, newUser("X Y", tuopin.RoleViewer, "451224"), "short")
			wantField(t, err, "username", "invalid_username", "lower-case")
			wantField(t, err, "password", "too_short", "at least 8")
		})
		t.Run("ErrUnauthorized", func(t *testing.T) {
			wantCode(t, w.users.CreateUser(bg, newUser("xx5", tuopin.RoleViewer, "451224"), "s3cret-password"), tuopin.EUNAUTHORIZED)
		})
	})
}

func TestFindUsers(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		t.Run("OKScope", func(t *testing.T) {
			us, n, err := w.users.FindUsers(sqldbtest.Ctx(w.county), tuopin.UserFilter{})
			must(t, err)
			if n != 5 || len(us) != 5 {
				t.Fatalf("county admin sees %v", usernames(us))
			}
			for _, u := range us {
				if !strings.HasPrefix(u.Scope, "451224") {
					t.Fatalf("county admin sees %s of %q", u.Username, u.Scope)
				}
			}
			us, n, err = w.users.FindUsers(sqldbtest.Ctx(w.village), tuopin.UserFilter{})
			must(t, err)
			if n != 1 || us[0].ID != w.village.ID {
				t.Fatalf("village secretary sees %v", usernames(us))
			}
			_, n, err = w.users.FindUsers(ctxSystem, tuopin.UserFilter{})
			must(t, err)
			if n != 6 {
				t.Fatalf("system sees %d", n)
			}
			_, n, err = w.users.FindUsers(bg, tuopin.UserFilter{})
			must(t, err)
			if n != 0 {
				t.Fatal("anonymous caller sees users")
			}
		})
		t.Run("OKFilter", func(t *testing.T) {
			us, n, err := w.users.FindUsers(sqldbtest.Ctx(w.county), tuopin.UserFilter{Query: "township"})
			must(t, err)
			if n != 1 || us[0].ID != w.township.ID {
				t.Fatalf("query: %v", usernames(us))
			}
			_, n, err = w.users.FindUsers(sqldbtest.Ctx(w.county), tuopin.UserFilter{Username: &w.fengshan.Username})
			must(t, err)
			if n != 0 {
				t.Fatal("county admin finds a user of another county by name")
			}
		})
		t.Run("FindUserByID", func(t *testing.T) {
			u, err := w.users.FindUserByID(sqldbtest.Ctx(w.village), w.village.ID)
			must(t, err)
			if u.Username != w.village.Username {
				t.Fatal(u.Username)
			}
			for _, tt := range []struct{ actor, target *tuopin.User }{{w.village, w.township}, {w.county, w.fengshan}} {
				_, err := w.users.FindUserByID(sqldbtest.Ctx(tt.actor), tt.target.ID)
				wantErr(t, err, tuopin.ENOTFOUND, "user not found")
			}
		})
	})
}

func TestUpdateUser(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		t.Run("OKSelf", func(t *testing.T) {
			u, err := w.users.UpdateUser(sqldbtest.Ctx(w.village), w.village.ID, tuopin.UserUpdate{Name: ptr("王五"), Password: ptr("new-password-1")})
			must(t, err)
			if u.Name != "王五" {
				t.Fatal(u.Name)
			}
			_, err = w.users.Authenticate(bg, w.village.Username, "new-password-1")
			must(t, err)
			es, _, err := w.audit.FindAuditEntries(ctxSystem, tuopin.AuditFilter{Action: ptr(tuopin.ActionUserUpdate)})
			must(t, err)
			if !strings.Contains(string(es[0].After), `"password":"changed"`) || strings.Contains(string(es[0].After), "new-password") {
				t.Fatalf("audit %s", es[0].After)
			}
		})
		t.Run("OKManage", func(t *testing.T) {
			u, err := w.users.UpdateUser(sqldbtest.Ctx(w.county), w.township.ID, tuopin.UserUpdate{Scope: ptr("451224102"), Reason: "transfer"})
			must(t, err)
			if u.Scope != "451224102" {
				t.Fatal(u.Scope)
			}
			_, err = w.users.UpdateUser(sqldbtest.Ctx(w.county), w.cadre.ID, tuopin.UserUpdate{Disabled: ptr(true)})
			must(t, err)
			_, err = w.users.Authenticate(bg, w.cadre.Username, "password123")
			wantCode(t, err, tuopin.EUNAUTHORIZED)
		})
		t.Run("ErrSelfPrivilege", func(t *testing.T) {
			_, err := w.users.UpdateUser(sqldbtest.Ctx(w.village), w.village.ID, tuopin.UserUpdate{Role: ptr(tuopin.RoleCountyAdmin)})
			wantErr(t, err, tuopin.EFORBIDDEN, "may not change user")
			_, err = w.users.UpdateUser(sqldbtest.Ctx(w.county), w.county.ID, tuopin.UserUpdate{Scope: ptr("4512")})
			wantCode(t, err, tuopin.EFORBIDDEN)
		})
		t.Run("ErrPromote", func(t *testing.T) {
			_, err := w.users.UpdateUser(sqldbtest.Ctx(w.county), w.viewer.ID, tuopin.UserUpdate{Role: ptr(tuopin.RoleCountyAdmin)})
			wantErr(t, err, tuopin.EFORBIDDEN, "may not give user")
		})
		t.Run("ErrScope", func(t *testing.T) {
			_, err := w.users.UpdateUser(sqldbtest.Ctx(w.county), w.fengshan.ID, tuopin.UserUpdate{Name: ptr("x")})
			wantCode(t, err, tuopin.ENOTFOUND)
			_, err = w.users.UpdateUser(sqldbtest.Ctx(w.county), w.viewer.ID, tuopin.UserUpdate{Scope: ptr("451223")})
			wantField(t, err, "scope", "out_of_scope", "outside your own scope")
		})
		t.Run("ErrLastAdmin", func(t *testing.T) {
			name, _, created, err := w.users.EnsureAdmin(bg)
			must(t, err)
			if created {
				t.Fatal("EnsureAdmin created an admin although users exist")
			}
			admin := sqldbtest.MustCreateUser(t, db, tuopin.RoleAdmin, "")
			_, err = w.users.UpdateUser(sqldbtest.Ctx(admin), admin.ID, tuopin.UserUpdate{Disabled: ptr(true)})
			wantField(t, err, "disabled", "last_admin", "last enabled administrator")
			_ = name
		})
	})
}

func TestAuthenticate(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		t.Run("OK", func(t *testing.T) {
			u, err := w.users.Authenticate(bg, w.township.Username, "password123")
			must(t, err)
			if u.ID != w.township.ID || u.LastLoginAt == nil {
				t.Fatalf("user %+v", u)
			}
			got, err := w.users.FindUserByID(ctxSystem, u.ID)
			must(t, err)
			if got.LastLoginAt == nil || !got.LastLoginAt.Equal(*u.LastLoginAt) {
				t.Fatalf("last login %v", got.LastLoginAt)
			}
			es, _, err := w.audit.FindAuditEntries(ctxSystem, tuopin.AuditFilter{Action: ptr(tuopin.ActionUserLogin)})
			must(t, err)
			if len(es) != 1 || es[0].ActorID != u.ID || es[0].AreaCode != "451224100" {
				t.Fatalf("audit %+v", es)
			}
		})
		t.Run("Err", func(t *testing.T) {
			_, err := w.users.UpdateUser(sqldbtest.Ctx(w.county), w.viewer.ID, tuopin.UserUpdate{Disabled: ptr(true)})
			must(t, err)
			for _, tt := range []struct{ user, password string }{
				{w.township.Username, "wrong-password"},
				{"nobody", "password123"},
				{w.viewer.Username, "password123"}, // disabled
			} {
				_, err := w.users.Authenticate(bg, tt.user, tt.password)
				wantErr(t, err, tuopin.EUNAUTHORIZED, "Invalid username or password.")
			}
		})
	})
}

func TestEnsureAdmin(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		users := sqldb.NewUserService(db)
		name, password, created, err := users.EnsureAdmin(bg)
		must(t, err)
		if !created || name != "admin" || len(password) != 16 {
			t.Fatalf("EnsureAdmin = %q, %q, %v", name, password, created)
		}
		u, err := users.Authenticate(bg, name, password)
		must(t, err)
		if u.Role != tuopin.RoleAdmin || u.Scope != "" {
			t.Fatalf("admin %+v", u)
		}
		if _, _, created, err := users.EnsureAdmin(bg); err != nil || created {
			t.Fatalf("second EnsureAdmin: %v %v", created, err)
		}

		t.Run("SetPassword", func(t *testing.T) {
			must(t, users.SetPassword(ctxSystem, "admin", "reset-password-1"))
			_, err := users.Authenticate(bg, "admin", "reset-password-1")
			must(t, err)
			wantCode(t, users.SetPassword(ctxSystem, "nobody", "reset-password-1"), tuopin.ENOTFOUND)
			wantField(t, users.SetPassword(ctxSystem, "admin", "short"), "password", "too_short", "at least 8")
			wantCode(t, users.SetPassword(bg, "admin", "reset-password-2"), tuopin.EUNAUTHORIZED)
			sqldbtest.MustLoadAreas(t, db)
			county := sqldbtest.MustCreateUser(t, db, tuopin.RoleCountyAdmin, "451224")
			wantCode(t, users.SetPassword(sqldbtest.Ctx(county), "admin", "reset-password-3"), tuopin.ENOTFOUND)
		})
	})
}
