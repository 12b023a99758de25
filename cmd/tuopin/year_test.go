package main_test

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIYearStart starts 2017 from the demo's 2016 with the binary: a
// dry run counts, the start copies, a second start copies nothing.
func TestCLIYearStart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	data := filepath.Join(t.TempDir(), "data")
	if r := run(t, "demo", "--load-only", "--data", data); r.code != 0 {
		t.Fatalf("demo: code %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, "year", "-h"); r.code != 0 || !strings.Contains(r.stderr, "Usage: tuopin year start") {
		t.Fatalf("year -h: %+v", r)
	}
	if r := run(t, "year", "start", "--data", data); r.code != 2 {
		t.Fatalf("without --from: %+v", r)
	}
	r := run(t, "year", "start", "--data", data, "--from", "2016", "--area", "451224", "--dry-run")
	if r.code != 0 || !strings.Contains(r.stdout, "would copy 4735 households (18792 persons)") {
		t.Fatalf("dry run: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, "year", "start", "--data", data, "--from", "2016", "--to", "2017", "--area", "451224")
	if r.code != 0 || !strings.Contains(r.stdout, "4735 households (18792 persons) copied") {
		t.Fatalf("start: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, "year", "start", "--data", data, "--from", "2016")
	if r.code != 0 || !strings.Contains(r.stdout, "0 households (0 persons) copied, 4735 present already") {
		t.Fatalf("second start: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, "rollup", "check", "--data", data); r.code != 0 || !strings.Contains(r.stdout, "years 2016, 2017") {
		t.Fatalf("roll-ups after the start: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := run(t, "year", "start", "--data", data, "--from", "2015", "--to", "2017"); r.code == 0 || !strings.Contains(r.stderr, "started from 2016 already") {
		t.Fatalf("another from: code %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
