package main_test

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/tuopin/tuopin/sqldb/sqldbtest"
	"github.com/tuopin/tuopin/xlsx"
)

// TestCLI drives the real binary through its subcommands on one data
// directory: demo load, users, area import, audit verification and the
// detection of a tampered audit row.
func TestCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")

	t.Run("Usage", func(t *testing.T) {
		r := run(t)
		if r.code != 2 || !strings.Contains(r.stderr, "areas import") {
			t.Fatalf("no-arg run: code %d, stderr %q", r.code, r.stderr)
		}
		for _, cmd := range [][]string{{"serve", "-h"}, {"demo", "-h"}, {"migrate", "-h"}, {"user", "-h"}, {"areas", "-h"}, {"audit", "-h"}} {
			r := run(t, cmd...)
			if r.code != 0 || !strings.Contains(r.stderr, "Usage: tuopin "+cmd[0]) {
				t.Errorf("%v: code %d, stderr %q", cmd, r.code, r.stderr)
			}
		}
		if r := run(t, "frobnicate"); r.code != 2 || !strings.Contains(r.stderr, `unknown command "frobnicate"`) {
			t.Errorf("unknown command: %+v", r)
		}
	})

	t.Run("DemoLoad", func(t *testing.T) {
		r := run(t, "demo", "--load-only", "--data", data)
		if r.code != 0 {
			t.Fatalf("demo: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stdout, "4735") || !strings.Contains(r.stdout, "18792") {
			t.Fatalf("demo summary lacks the seed figures:\n%s", r.stdout)
		}
		// A second run serves what is there instead of loading again.
		r = run(t, "demo", "--load-only", "--data", data)
		if r.code != 0 || !strings.Contains(r.stdout, "already holds the demo") {
			t.Fatalf("second demo: code %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("Users", func(t *testing.T) {
		r := run(t, "user", "create", "--data", data, "--username", "li.clerk", "--name", "李文", "--role", "township_clerk", "--scope", "451224101")
		if r.code != 0 || !regexp.MustCompile(`password: \S{16}`).MatchString(r.stdout) {
			t.Fatalf("create: code %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		r = run(t, "user", "create", "--data", data, "--username", "li.clerk", "--name", "李文", "--role", "township_clerk", "--scope", "451224101")
		if r.code == 0 || !strings.Contains(strings.ToLower(r.stderr), "username") {
			t.Fatalf("duplicate username accepted: code %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		r = run(t, "user", "create", "--data", data, "--username", "ghost", "--name", "某", "--role", "viewer", "--scope", "999999")
		if r.code == 0 || !strings.Contains(r.stderr, "scope") {
			t.Fatalf("unknown scope accepted: code %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		r = run(t, "user", "list", "--data", data)
		if r.code != 0 || !strings.Contains(r.stdout, "li.clerk") || !strings.Contains(r.stdout, "county_admin") || strings.Contains(r.stdout, "ghost") {
			t.Fatalf("list: code %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		r = run(t, "user", "token", "li.clerk", "--data", data)
		if r.code != 0 || !strings.Contains(r.stdout, "Authorization: Bearer ") {
			t.Fatalf("token: code %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("AreasImport", func(t *testing.T) {
		good := filepath.Join(dir, "townships.csv")
		must(t, os.WriteFile(good, []byte("township_code,code12,name,county_code,city_code,province_code\n451224999,451224999000,测试乡,451224,4512,45\n"), 0o644))
		r := run(t, "areas", "import", "--data", data, good)
		if r.code != 0 || !strings.Contains(r.stdout, good) {
			t.Fatalf("import: code %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		bad := filepath.Join(dir, "villages.csv")
		must(t, os.WriteFile(bad, []byte("village_code,name,township_code,county_code,city_code,province_code\n45122499900,坏村,451224999,451224,4512,45\n"), 0o644))
		r = run(t, "areas", "import", "--data", data, bad)
		if r.code == 0 || !strings.Contains(r.stderr, "line 2") || !strings.Contains(r.stderr, "column") {
			t.Fatalf("bad file: code %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("Rollups", func(t *testing.T) {
		for _, cmd := range [][]string{{"rollup", "-h"}, {"rollup", "check", "-h"}, {"rollup", "rebuild", "-h"}} {
			if r := run(t, cmd...); r.code != 0 || !strings.Contains(r.stderr, "Usage: tuopin rollup") {
				t.Errorf("%v: code %d, stderr %q", cmd, r.code, r.stderr)
			}
		}
		if r := run(t, "rollup"); r.code != 2 {
			t.Errorf("no subcommand: code %d", r.code)
		}
		r := run(t, "rollup", "check", "--data", data)
		if r.code != 0 || !strings.Contains(r.stdout, "roll-ups OK (year 2016)") {
			t.Fatalf("check: code %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		// Change a count behind the application's back.
		db, err := sql.Open("sqlite", filepath.Join(data, "tuopin.db"))
		must(t, err)
		res, err := db.Exec(`UPDATE rollups SET value = value + 1 WHERE year = 2016 AND area = '451224' AND metric = 'persons'`)
		must(t, err)
		if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("tamper touched %d rows", n)
		}
		must(t, db.Close())
		r = run(t, "rollup", "check", "--data", data, "--year", "2016")
		if r.code != 1 || !strings.Contains(r.stderr, "1 of ") || !strings.Contains(r.stderr, "2016 451224 persons: stored 18793, computed 18792") {
			t.Fatalf("tampered check: code %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		r = run(t, "rollup", "rebuild", "--data", data)
		if r.code != 0 || !strings.Contains(r.stdout, "1 fixed") {
			t.Fatalf("rebuild: code %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		r = run(t, "rollup", "check", "--data", data)
		if r.code != 0 || !strings.Contains(r.stdout, "roll-ups OK") {
			t.Fatalf("check after rebuild: code %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("AuditVerify", func(t *testing.T) {
		r := run(t, "audit", "verify", "--data", data)
		if r.code != 0 || !strings.Contains(r.stdout, "audit chain OK") {
			t.Fatalf("verify: code %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		// Rewrite history behind the application's back.
		db, err := sql.Open("sqlite", filepath.Join(data, "tuopin.db"))
		must(t, err)
		defer db.Close()
		res, err := db.Exec(`UPDATE audit_log SET reason = 'rewritten' WHERE id = 3`)
		must(t, err)
		if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("tamper touched %d rows", n)
		}
		r = run(t, "audit", "verify", "--data", data)
		if r.code != 1 || !strings.Contains(r.stderr, "entry 3") {
			t.Fatalf("tampered verify: code %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("MigrateStatus", func(t *testing.T) {
		r := run(t, "migrate", "--status", "--data", data)
		if r.code != 0 || !regexp.MustCompile(`schema version (\d+), binary knows (\d+)`).MatchString(r.stdout) {
			t.Fatalf("status: code %d\n%s%s", r.code, r.stdout, r.stderr)
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestCLIImport runs `tuopin import` on a GBK CSV with one refused
// household: the dry run, both policies, a re-import and a clean file.
func TestCLIImport(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	seed := "../../divisions/data/"
	r := run(t, "areas", "import", "--data", data, seed+"provinces.csv", seed+"cities.csv", seed+"counties.csv", seed+"townships.csv", seed+"villages.csv")
	if r.code != 0 {
		t.Fatalf("areas: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	write := func(name string, n int, bad bool) string {
		t.Helper()
		var buf bytes.Buffer
		enc, err := xlsx.NewHouseholdEncoder(&buf, xlsx.FormatCSVGBK, xlsx.LayoutNational, nil)
		must(t, err)
		for i := 0; i < n; i++ {
			h := sqldbtest.NewHousehold("451224104201", i)
			if bad && i == n-1 {
				id := h.Members[1].IDNumber
				h.Members[1].IDNumber = id[:17] + map[bool]string{true: "1", false: "0"}[id[17] == '0']
			}
			h.Normalize(time.Now())
			must(t, enc.Encode(h))
		}
		must(t, enc.Close())
		path := filepath.Join(dir, name)
		must(t, os.WriteFile(path, buf.Bytes(), 0o600))
		return path
	}
	faulty := write("中和村.csv", 6, true)
	report := filepath.Join(dir, "report.xlsx")

	if r := run(t, "import", "-h"); r.code != 0 || !strings.Contains(r.stderr, "Usage: tuopin import") {
		t.Fatalf("usage: %+v", r)
	}
	r = run(t, "import", "--dry-run", "--report", report, "--data", data, faulty)
	if r.code != 1 || !strings.Contains(r.stdout, "dry run: 6 households") || !strings.Contains(r.stdout, "5 to create") ||
		!strings.Contains(r.stderr, "2 row(s) of 1 household(s) refused in the dry run") {
		t.Fatalf("dry run: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if st, err := os.Stat(report); err != nil || st.Size() == 0 {
		t.Fatalf("no report: %v", err)
	}
	r = run(t, "import", "--year", "2024", "--data", data, faulty)
	if r.code != 1 || !strings.Contains(r.stderr, "nothing was written") || strings.Contains(r.stdout, "committed") {
		t.Fatalf("all or nothing: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, "import", "--policy", "skip_refused", "--data", data, faulty)
	if r.code != 1 || !strings.Contains(r.stdout, "committed: 6 households") || !strings.Contains(r.stdout, "5 created") ||
		!strings.Contains(r.stderr, "they were left out and the rest was written") {
		t.Fatalf("skip refused: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, "import", "--policy", "skip_refused", "--data", data, faulty)
	if r.code != 1 || !strings.Contains(r.stdout, "0 created, 0 updated, 5 unchanged") ||
		!strings.Contains(r.stdout, "the mapping confirmed for this layout before") {
		t.Fatalf("re-import: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	clean := write("clean.csv", 8, false)
	r = run(t, "import", "--data", data, clean)
	if r.code != 0 || !strings.Contains(r.stdout, "3 created, 0 updated, 5 unchanged") {
		t.Fatalf("clean file: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, "import", "--data", data, filepath.Join(dir, "missing.csv")); r.code == 0 {
		t.Fatalf("missing file imported: %+v", r)
	}
	if r := run(t, "audit", "verify", "--data", data); r.code != 0 || !strings.Contains(r.stdout, "audit chain OK") {
		t.Fatalf("audit: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
