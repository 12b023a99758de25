package sqldb_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// Shorthands used by every test file.
var (
	ctxSystem = sqldbtest.Ctx(tuopin.SystemUser)
	bg        = context.Background()
)

func ptr[T any](v T) *T { return &v }

// wantCode fails unless err is an application error with code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := tuopin.ErrorCode(err); got != code {
		t.Fatalf("error code = %q, want %q (err: %v)", got, code, err)
	}
}

// wantErr fails unless err has code and its message contains msg.
func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	wantCode(t, err, code)
	if m := tuopin.ErrorMessage(err); !strings.Contains(m, msg) {
		t.Fatalf("error message = %q, want it to contain %q", m, msg)
	}
}

// wantField fails unless err is EINVALID with a reason for field whose
// code is fieldCode and whose message contains msg.
func wantField(t *testing.T, err error, field, fieldCode, msg string) {
	t.Helper()
	wantCode(t, err, tuopin.EINVALID)
	f, ok := tuopin.ErrorFields(err)[field]
	if !ok {
		t.Fatalf("no reason for field %q in %v", field, err)
	}
	if f.Code != fieldCode {
		t.Fatalf("field %q: code = %q, want %q (%s)", field, f.Code, fieldCode, f.Message)
	}
	if !strings.Contains(f.Message, msg) {
		t.Fatalf("field %q: message = %q, want it to contain %q", field, f.Message, msg)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestOpen(t *testing.T) {
	t.Run("OKCreatesDirectories", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "a", "b", "tuopin.db")
		db, err := sqldb.Open(bg, path)
		must(t, err)
		defer db.Close()
		if db.Dialect() != "sqlite" {
			t.Fatalf("dialect = %q", db.Dialect())
		}
		if _, err := os.Stat(path); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("OKWAL", func(t *testing.T) {
		db := sqldbtest.MustOpenSQLite(t)
		n, err := db.QueryInt(bg, `SELECT COUNT(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'`)
		must(t, err)
		if n != 1 {
			t.Fatal("journal mode is not WAL")
		}
		fk, err := db.QueryInt(bg, `SELECT foreign_keys FROM pragma_foreign_keys`)
		must(t, err)
		if fk != 1 {
			t.Fatal("foreign keys are off")
		}
	})
	t.Run("ErrEmpty", func(t *testing.T) {
		if _, err := sqldb.Open(bg, ""); err == nil {
			t.Fatal("want error")
		}
	})
}

func TestMigrate(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		t.Run("OK", func(t *testing.T) {
			cur, latest, err := db.SchemaVersion(bg)
			must(t, err)
			if cur != latest || latest != sqldb.LatestSchemaVersion() || latest < 1 {
				t.Fatalf("version %d, latest %d", cur, latest)
			}
			must(t, db.CheckSchema(bg))
			must(t, db.Migrate(bg)) // again: nothing to do
			must(t, db.Analyze(bg))
			n, err := db.QueryInt(bg, `SELECT COUNT(*) FROM codes`)
			must(t, err)
			if n != len(tuopin.DefaultCodes) {
				t.Fatalf("codes = %d, want %d", n, len(tuopin.DefaultCodes))
			}
		})
		t.Run("ErrAhead", func(t *testing.T) {
			must(t, db.Exec(bg, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				sqldb.LatestSchemaVersion()+1, "9999_future.sql", "2030-01-01T00:00:00.000000Z"))
			wantErr(t, db.CheckSchema(bg), tuopin.EINTERNAL, "newer than this program")
			wantErr(t, db.Migrate(bg), tuopin.EINTERNAL, "refusing to run an older program")
		})
	})
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine+"/ErrBehind", func(t *testing.T) {
			db := sqldbtest.MustOpenEmpty(t, engine)
			cur, _, err := db.SchemaVersion(bg)
			must(t, err)
			if cur != 0 {
				t.Fatalf("empty database at version %d", cur)
			}
			wantErr(t, db.CheckSchema(bg), tuopin.EINTERNAL, "run tuopin migrate")
		})
	}
}

func TestTimeRoundTrip(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		// A time with nanoseconds and a zone: stored as UTC microseconds.
		loc := time.FixedZone("CST", 8*3600)
		at := time.Date(2024, 2, 29, 23, 59, 58, 123456789, loc)
		db.SetNow(func() time.Time { return at })
		sqldbtest.MustLoadAreas(t, db)
		h := sqldbtest.MustCreateHousehold(t, db, sqldbtest.NewHousehold(sqldbtest.Xinyan, 1))
		want := at.UTC().Truncate(time.Microsecond)
		if !h.CreatedAt.Equal(want) || h.CreatedAt.Location() != time.UTC {
			t.Fatalf("created = %v, want %v", h.CreatedAt, want)
		}
		got, err := sqldb.NewHouseholdService(db).FindHouseholdByID(ctxSystem, h.ID)
		must(t, err)
		if !got.CreatedAt.Equal(want) || !got.UpdatedAt.Equal(want) || got.CreatedAt.Nanosecond() != 123456000 {
			t.Fatalf("read back %v / %v, want %v", got.CreatedAt, got.UpdatedAt, want)
		}
		if b := got.Members[0].BirthDate; !b.Equal(time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Fatalf("birth date = %v", b)
		}
		entries, _, err := sqldb.NewAuditService(db).FindAuditEntries(ctxSystem, tuopin.AuditFilter{})
		must(t, err)
		if !entries[0].Time.Equal(want) {
			t.Fatalf("audit time = %v, want %v", entries[0].Time, want)
		}
	})
}

func TestRebind(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`SELECT * FROM t WHERE a = ? AND b = ?`, `SELECT * FROM t WHERE a = $1 AND b = $2`},
		{`SELECT '?', "a?b", ? -- what?` + "\n" + `, ?`, `SELECT '?', "a?b", $1 -- what?` + "\n" + `, $2`},
		{`SELECT 'it''s ?', ?`, `SELECT 'it''s ?', $1`},
		{`no placeholders`, `no placeholders`},
	} {
		if got := sqldb.RebindDollar(tt.in); got != tt.want {
			t.Errorf("rebind(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTextRange(t *testing.T) {
	for _, tt := range []struct{ in, hi string }{
		{"韦", "韧"},
		{"4512", "4513"},
		{"45129", "4512:"},
		{"a\U0010FFFF", "b"},
	} {
		lo, hi, ok := sqldb.TextRange(tt.in)
		if !ok || lo != tt.in || hi != tt.hi {
			t.Errorf("textRange(%q) = %q, %q, %v; want hi %q", tt.in, lo, hi, ok, tt.hi)
		}
	}
	if _, _, ok := sqldb.TextRange(""); ok {
		t.Error("textRange(\"\") is ok")
	}
}

func TestSplitStatements(t *testing.T) {
	got := sqldb.SplitStatements("-- a; comment\nCREATE TABLE t (a TEXT DEFAULT ';'); -- x\nINSERT INTO t VALUES ('b''c;');\n")
	want := []string{"CREATE TABLE t (a TEXT DEFAULT ';')", "INSERT INTO t VALUES ('b''c;')"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q", got)
	}
}

// errorsAs is errors.As for *tuopin.Error.
func errorsAs(err error) *tuopin.Error {
	var e *tuopin.Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}
