package sqldb_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

func TestSessions(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		now := time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)
		db.SetNow(func() time.Time { return now })
		t.Run("OK", func(t *testing.T) {
			cookie, s, err := w.auth.CreateSession(bg, w.township.ID, "zh", time.Hour)
			must(t, err)
			id, secret, ok := strings.Cut(cookie, ".")
			if !ok || id != s.ID || len(secret) < 40 || s.CSRFToken == "" || !s.ExpiresAt.Equal(now.Add(time.Hour)) {
				t.Fatalf("cookie %q session %+v", cookie, s)
			}
			n, err := db.QueryInt(bg, `SELECT COUNT(*) FROM sessions WHERE secret_hash = ?`, secret)
			must(t, err)
			if n != 0 {
				t.Fatal("the secret is stored in clear")
			}
			got, u, err := w.auth.FindSession(bg, cookie)
			must(t, err)
			if got.ID != s.ID || got.CSRFToken != s.CSRFToken || got.Lang != "zh" || u.ID != w.township.ID {
				t.Fatalf("found %+v %+v", got, u)
			}
			must(t, w.auth.UpdateSessionLang(sqldbtest.Ctx(w.township), s.ID, "en"))
			got, _, err = w.auth.FindSession(bg, cookie)
			must(t, err)
			if got.Lang != "en" {
				t.Fatal(got.Lang)
			}
			wantCode(t, w.auth.UpdateSessionLang(sqldbtest.Ctx(w.county), s.ID, "zh"), tuopin.ENOTFOUND)
			wantCode(t, w.auth.UpdateSessionLang(bg, s.ID, "zh"), tuopin.EUNAUTHORIZED)

			must(t, w.auth.DeleteSession(bg, cookie))
			_, _, err = w.auth.FindSession(bg, cookie)
			wantCode(t, err, tuopin.EUNAUTHORIZED)
			must(t, w.auth.DeleteSession(bg, cookie)) // unknown: ignored
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			cookie, _, err := w.auth.CreateSession(bg, w.village.ID, "", time.Hour)
			must(t, err)
			id, _, _ := strings.Cut(cookie, ".")
			for _, c := range []string{"", "nodot", id + ".wrong", "." + cookie, id + "."} {
				_, _, err := w.auth.FindSession(bg, c)
				wantErr(t, err, tuopin.EUNAUTHORIZED, "please log in")
			}
			must(t, w.auth.DeleteSession(bg, id+".wrong")) // a wrong secret cannot log anyone out
			_, _, err = w.auth.FindSession(bg, cookie)
			must(t, err)
		})
		t.Run("ErrExpired", func(t *testing.T) {
			cookie, _, err := w.auth.CreateSession(bg, w.village.ID, "", time.Hour)
			must(t, err)
			now = now.Add(time.Hour)
			_, _, err = w.auth.FindSession(bg, cookie)
			wantCode(t, err, tuopin.EUNAUTHORIZED)
		})
		t.Run("ErrDisabled", func(t *testing.T) {
			cookie, _, err := w.auth.CreateSession(bg, w.viewer.ID, "", time.Hour)
			must(t, err)
			_, err = w.users.UpdateUser(sqldbtest.Ctx(w.county), w.viewer.ID, tuopin.UserUpdate{Disabled: ptr(true)})
			must(t, err)
			_, _, err = w.auth.FindSession(bg, cookie)
			wantCode(t, err, tuopin.EUNAUTHORIZED)
			_, _, err = w.auth.CreateSession(bg, w.viewer.ID, "", time.Hour)
			wantCode(t, err, tuopin.EUNAUTHORIZED)
			_, _, err = w.auth.CreateSession(bg, 9999, "", time.Hour)
			wantCode(t, err, tuopin.EUNAUTHORIZED)
		})
	})
}

func TestAPITokens(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		ctx := sqldbtest.Ctx(w.county)
		t.Run("OK", func(t *testing.T) {
			token, tok, err := w.auth.CreateAPIToken(ctx, " export script ")
			must(t, err)
			if !strings.HasPrefix(token, "tp_") || tok.Prefix != token[:10] || tok.Name != "export script" || tok.UserID != w.county.ID {
				t.Fatalf("token %q %+v", token, tok)
			}
			n, err := db.QueryInt(bg, `SELECT COUNT(*) FROM api_tokens WHERE token_hash = ? OR prefix = ?`, token, token)
			must(t, err)
			if n != 0 {
				t.Fatal("the token is stored in clear")
			}
			u, err := w.auth.FindUserByAPIToken(bg, token)
			must(t, err)
			if u.ID != w.county.ID {
				t.Fatal(u.Username)
			}
			list, err := w.auth.FindAPITokens(ctx)
			must(t, err)
			if len(list) != 1 || list[0].LastUsedAt == nil || list[0].ID != tok.ID {
				t.Fatalf("tokens %+v", list)
			}
			if list, _ := w.auth.FindAPITokens(sqldbtest.Ctx(w.township)); len(list) != 0 {
				t.Fatal("another user sees the token")
			}
			wantCode(t, w.auth.DeleteAPIToken(sqldbtest.Ctx(w.township), tok.ID), tuopin.ENOTFOUND)
			must(t, w.auth.DeleteAPIToken(ctx, tok.ID))
			_, err = w.auth.FindUserByAPIToken(bg, token)
			wantCode(t, err, tuopin.EUNAUTHORIZED)
			wantCode(t, w.auth.DeleteAPIToken(ctx, tok.ID), tuopin.ENOTFOUND)
			es, _, err := w.audit.FindAuditEntries(ctxSystem, tuopin.AuditFilter{TargetKind: ptr("api_token")})
			must(t, err)
			if len(es) != 2 || es[0].Action != tuopin.ActionTokenDelete || es[1].Action != tuopin.ActionTokenCreate || strings.Contains(string(es[1].After), token) {
				t.Fatalf("audit %+v", es)
			}
		})
		t.Run("ErrDisabledOwner", func(t *testing.T) {
			token, _, err := w.auth.CreateAPIToken(sqldbtest.Ctx(w.viewer), "x")
			must(t, err)
			_, err = w.users.UpdateUser(ctx, w.viewer.ID, tuopin.UserUpdate{Disabled: ptr(true)})
			must(t, err)
			_, err = w.auth.FindUserByAPIToken(bg, token)
			wantCode(t, err, tuopin.EUNAUTHORIZED)
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			_, err := w.auth.FindUserByAPIToken(bg, "tp_nonsense")
			wantCode(t, err, tuopin.EUNAUTHORIZED)
			_, _, err = w.auth.CreateAPIToken(ctx, " ")
			wantField(t, err, "name", "required", "needs a name")
			_, _, err = w.auth.CreateAPIToken(bg, "x")
			wantCode(t, err, tuopin.EUNAUTHORIZED)
		})
	})
}

func TestFindCodeSet(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		codes := sqldb.NewCodeService(db)
		cs, err := codes.FindCodeSet(ctxSystem)
		must(t, err)
		if cs.Label(tuopin.CodeStatus, tuopin.StatusPoor, "zh") != "未脱贫" || len(cs.List(tuopin.CodeRelation, 2024)) != 28 {
			t.Fatalf("codes: %q, %d relations", cs.Label(tuopin.CodeStatus, tuopin.StatusPoor, "zh"), len(cs.List(tuopin.CodeRelation, 2024)))
		}
		if got := cs.List(tuopin.CodeCause, 0); got[0].Code != "01" || got[len(got)-1].Code != "99" {
			t.Fatalf("order %v", got)
		}
		_, err = codes.FindCodeSet(bg)
		wantCode(t, err, tuopin.EUNAUTHORIZED)
	})
}
