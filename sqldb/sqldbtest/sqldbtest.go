// Package sqldbtest opens real, migrated test databases for the tests of
// any package, on every engine available:
//
//	func TestX(t *testing.T) {
//		sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
//			sqldbtest.MustLoadAreas(t, db)
//			ctx := sqldbtest.Ctx(tuopin.SystemUser)
//			…
//		})
//	}
//
// SQLite always runs, on a file in t.TempDir(). PostgreSQL runs too when
// the environment variable TUOPIN_TEST_POSTGRES holds a URL, for example
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable; each test
// then gets a fresh schema with a random name, dropped when it ends.
package sqldbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
)

// PostgresEnv names the environment variable holding the PostgreSQL URL.
const PostgresEnv = "TUOPIN_TEST_POSTGRES"

// Engines returns the engines to test on: "sqlite", and "postgres" when
// TUOPIN_TEST_POSTGRES is set.
func Engines(t testing.TB) []string {
	t.Helper()
	engines := []string{sqldb.DialectSQLite}
	if os.Getenv(PostgresEnv) != "" {
		engines = append(engines, sqldb.DialectPostgres)
	}
	return engines
}

// Run runs fn as a subtest named after each engine, on a fresh migrated
// database.
func Run(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	for _, engine := range Engines(t) {
		t.Run(engine, func(t *testing.T) {
			fn(t, MustOpen(t, engine))
		})
	}
}

// MustOpen returns a fresh migrated database on an engine ("sqlite" or
// "postgres"), closed (and for PostgreSQL dropped) when the test ends. It
// skips the test for "postgres" when TUOPIN_TEST_POSTGRES is not set.
func MustOpen(tb testing.TB, engine string) *sqldb.DB {
	tb.Helper()
	db := MustOpenEmpty(tb, engine)
	if err := db.Migrate(context.Background()); err != nil {
		tb.Fatalf("migrate %s: %v", engine, err)
	}
	return db
}

// MustOpenSQLite returns a fresh migrated SQLite database.
func MustOpenSQLite(tb testing.TB) *sqldb.DB {
	tb.Helper()
	return MustOpen(tb, sqldb.DialectSQLite)
}

// MustOpenEmpty is MustOpen without the migrations.
func MustOpenEmpty(tb testing.TB, engine string) *sqldb.DB {
	tb.Helper()
	ctx := context.Background()
	switch engine {
	case sqldb.DialectSQLite:
		db, err := sqldb.Open(ctx, filepath.Join(tb.TempDir(), "data", "tuopin.db"))
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { db.Close() })
		return db
	case sqldb.DialectPostgres:
		base := os.Getenv(PostgresEnv)
		if base == "" {
			tb.Skip(PostgresEnv + " is not set")
		}
		dsn := createSchema(tb, base)
		db, err := sqldb.Open(ctx, dsn)
		if err != nil {
			tb.Fatal(err)
		}
		tb.Cleanup(func() { db.Close() })
		return db
	}
	tb.Fatalf("unknown engine %q", engine)
	return nil
}

// createSchema creates a schema with a random name and returns base with
// search_path set to it. The schema is dropped when the test ends.
func createSchema(tb testing.TB, base string) string {
	tb.Helper()
	b := make([]byte, 8)
	rand.Read(b)
	schema := "tuopin_test_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		tb.Fatalf("postgres: %v", err)
	}
	// Registered before the DB's own Close, so it runs after it.
	tb.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			tb.Errorf("postgres: drop schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Ctx returns a background context acting as u.
func Ctx(u *tuopin.User) context.Context {
	return tuopin.NewContextWithUser(context.Background(), u)
}
