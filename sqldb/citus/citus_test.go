package citus_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/citus"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

var bg = context.Background()

// freshDatabase returns a migrated tuopin schema on the test server and a
// raw handle on it (search_path set), dropped when the test ends. It
// skips without TUOPIN_TEST_POSTGRES.
func freshDatabase(t *testing.T) (*sqldb.DB, *sql.DB) {
	t.Helper()
	base := os.Getenv(sqldbtest.PostgresEnv)
	if base == "" {
		t.Skip(sqldbtest.PostgresEnv + " is not set: the Citus layout is checked on PostgreSQL")
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "tuopin_citus_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop schema: %v", err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := sqldb.Open(bg, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(bg); err != nil {
		t.Fatal(err)
	}
	raw, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { raw.Close() })
	return db, raw
}

func strings2(t *testing.T, raw *sql.DB, q string, args ...any) [][]string {
	t.Helper()
	rows, err := raw.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]string, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestLayoutParses checks distribute.sql on its own: every line is read,
// no table is placed twice, every distributed table is co-located with
// a table distributed before it.
func TestLayoutParses(t *testing.T) {
	tables, err := citus.Layout()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, tb := range tables {
		if seen[tb.Name] {
			t.Fatalf("%s is placed twice", tb.Name)
		}
		if tb.Kind == "distributed" && tb.ColocateWith != "" && tb.ColocateWith != "none" && !seen[tb.ColocateWith] {
			t.Fatalf("%s is co-located with %s, which is not distributed before it", tb.Name, tb.ColocateWith)
		}
		seen[tb.Name] = true
	}
	groups := citus.ColocationGroups(tables)
	if groups["members"] != "households" || groups["audit_head"] != "households" || groups["person_ids"] != "person_ids" {
		t.Fatalf("co-location groups %v", groups)
	}
}

// TestLayoutFitsSchema applies prepare.sql to a migrated schema holding a
// household and checks, without Citus, what Citus would refuse or what
// would break the application's guarantees:
//
//   - every table of the schema is placed exactly once (a table added by
//     a later migration fails this test until docs/citus.md and
//     distribute.sql say where it goes);
//   - a distributed table has its distribution column, NOT NULL;
//   - every unique index (primary keys included) of a distributed table
//     includes the distribution column;
//   - every foreign key from a distributed table references a reference
//     table or a table of the same co-location group through the
//     distribution column; no reference or local table references a
//     distributed one;
//   - the data moved as the plan says (county filled, the ID numbers in
//     person_ids, the upper roll-ups in rollups_upper).
func TestLayoutFitsSchema(t *testing.T) {
	db, raw := freshDatabase(t)
	sqldbtest.MustLoadAreas(t, db)
	ctx := sqldbtest.Ctx(tuopin.SystemUser)
	if err := sqldb.NewHouseholdService(db).CreateHousehold(ctx, sqldbtest.NewHousehold(sqldbtest.Xinyan, 1), "citus"); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(citus.PrepareSQL); err != nil {
		t.Fatalf("prepare.sql: %v", err)
	}
	tables, err := citus.Layout()
	if err != nil {
		t.Fatal(err)
	}
	placed := map[string]citus.Table{}
	for _, tb := range tables {
		placed[tb.Name] = tb
	}
	var schema []string
	for _, r := range strings2(t, raw, `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`) {
		schema = append(schema, r[0])
		if _, ok := placed[r[0]]; !ok {
			t.Errorf("table %s is not placed by distribute.sql (distributed, reference or local): see docs/citus.md", r[0])
		}
	}
	for name := range placed {
		if !slices.Contains(schema, name) {
			t.Errorf("distribute.sql places %s, which the schema does not have", name)
		}
	}
	groups := citus.ColocationGroups(tables)
	for _, tb := range tables {
		if tb.Kind != "distributed" {
			continue
		}
		rows := strings2(t, raw, `SELECT is_nullable FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2`, tb.Name, tb.Column)
		if len(rows) != 1 || rows[0][0] != "NO" {
			t.Errorf("%s: distribution column %s missing or nullable (%v)", tb.Name, tb.Column, rows)
		}
		// Unique indexes and the columns they cover.
		for _, r := range strings2(t, raw, `
			SELECT i.relname, string_agg(a.attname, ',' ORDER BY k.ord)
			FROM pg_index x
			JOIN pg_class c ON c.oid = x.indrelid
			JOIN pg_class i ON i.oid = x.indexrelid
			CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord)
			JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
			WHERE c.relname = $1 AND c.relnamespace = current_schema()::regnamespace AND x.indisunique
			GROUP BY i.relname`, tb.Name) {
			if !slices.Contains(strings.Split(r[1], ","), tb.Column) {
				t.Errorf("%s: unique index %s (%s) lacks the distribution column %s", tb.Name, r[0], r[1], tb.Column)
			}
		}
	}
	// Foreign keys: from, to, and the column pairs.
	for _, r := range strings2(t, raw, `
		SELECT c.conname, f.relname, p.relname,
			(SELECT string_agg(fa.attname || '=' || pa.attname, ',' ORDER BY k.ord)
			 FROM unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(fk, pk, ord)
			 JOIN pg_attribute fa ON fa.attrelid = c.conrelid AND fa.attnum = k.fk
			 JOIN pg_attribute pa ON pa.attrelid = c.confrelid AND pa.attnum = k.pk)
		FROM pg_constraint c
		JOIN pg_class f ON f.oid = c.conrelid
		JOIN pg_class p ON p.oid = c.confrelid
		WHERE c.contype = 'f' AND f.relnamespace = current_schema()::regnamespace`) {
		name, from, to, pairs := r[0], placed[r[1]], placed[r[2]], strings.Split(r[3], ",")
		switch {
		case from.Kind != "distributed" && to.Kind == "distributed":
			t.Errorf("%s: %s table %s references distributed %s", name, from.Kind, from.Name, to.Name)
		case from.Kind == "distributed" && to.Kind == "local":
			t.Errorf("%s: distributed %s references the coordinator-local %s", name, from.Name, to.Name)
		case from.Kind == "distributed" && to.Kind == "distributed":
			if groups[from.Name] != groups[to.Name] {
				t.Errorf("%s: %s and %s are not co-located", name, from.Name, to.Name)
			}
			if !slices.Contains(pairs, from.Column+"="+to.Column) {
				t.Errorf("%s: %s → %s (%s) does not join the distribution columns", name, from.Name, to.Name, r[3])
			}
		}
	}
	// The data followed.
	for _, c := range []struct{ q, want string }{
		{`SELECT string_agg(DISTINCT county, ',') FROM households`, "451224"},
		{`SELECT string_agg(DISTINCT county, ',') FROM members`, "451224"},
		{`SELECT COUNT(*)::text FROM person_ids`, "2"},
		{`SELECT COUNT(*)::text FROM rollups WHERE level < 3`, "0"},
		{`SELECT (COUNT(*) > 0)::text FROM rollups_upper`, "true"},
		{`SELECT string_agg(DISTINCT chain, ',') FROM audit_log`, ""},
	} {
		if got := strings2(t, raw, c.q); len(got) != 1 || got[0][0] != c.want {
			t.Errorf("%s: %v, want %q", c.q, got, c.want)
		}
	}
}

// TestDistribute runs prepare.sql and distribute.sql on a Citus
// coordinator (a fresh database with the citus extension) and checks that
// every table is placed as the file says. It needs a server that has
// Citus installed and preloaded; the project's machines run Debian's
// PostgreSQL 15, whose archive has no Citus package, so there it skips
// and TestLayoutFitsSchema checks what can be checked without it.
func TestDistribute(t *testing.T) {
	base := os.Getenv(sqldbtest.PostgresEnv)
	if base == "" {
		t.Skip(sqldbtest.PostgresEnv + " is not set")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var available bool
	var preload string
	if err := admin.QueryRow(`SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'citus'),
		current_setting('shared_preload_libraries')`).Scan(&available, &preload); err != nil {
		t.Fatal(err)
	}
	if !available || !strings.Contains(preload, "citus") {
		t.Skipf("Citus is not installed on this server (citus extension available: %v; shared_preload_libraries = %q): "+
			"the distribution statements are checked structurally by TestLayoutFitsSchema only", available, preload)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := "tuopin_citus_" + hex.EncodeToString(b)
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatal(err)
	}
	defer admin.Exec(`DROP DATABASE ` + name + ` WITH (FORCE)`)
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	raw, err := sql.Open("pgx", u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "5432"
	}
	// A single-node cluster: the coordinator holds the shards.
	for _, q := range []string{`CREATE EXTENSION citus`, fmt.Sprintf(`SELECT citus_set_coordinator_host('%s', %s)`, host, port)} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db, err := sqldb.Open(bg, u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(bg); err != nil {
		t.Fatal(err)
	}
	for _, script := range []string{citus.PrepareSQL, citus.DistributeSQL} {
		if _, err := raw.Exec(script); err != nil {
			t.Fatal(err)
		}
	}
	tables, err := citus.Layout()
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range tables {
		var method string
		var column sql.NullString
		err := raw.QueryRow(`SELECT partmethod, column_to_column_name(logicalrelid, partkey)
			FROM pg_dist_partition WHERE logicalrelid = $1::regclass`, tb.Name).Scan(&method, &column)
		switch {
		case tb.Kind == "local" && err == sql.ErrNoRows:
		case tb.Kind == "reference" && err == nil && method == "n":
		case tb.Kind == "distributed" && err == nil && method == "h" && column.String == tb.Column:
		default:
			t.Errorf("%s: placed %s by %q; Citus has method %q column %q (%v)", tb.Name, tb.Kind, tb.Column, method, column.String, err)
		}
	}
}
