package bench_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tuopin/tuopin/bench"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// TestRun runs a small benchmark end to end on each engine, over the five
// seed counties' real division codes that the repository embeds.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a registry")
	}
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			dsn := filepath.Join(t.TempDir(), "bench.db")
			if engine == "postgres" {
				dsn = os.Getenv("TUOPIN_TEST_POSTGRES")
			}
			var log bytes.Buffer
			// SQLite in random order over every village, PostgreSQL county
			// by county over a sample of counties.
			cfg := bench.Config{DSN: dsn, Divisions: "../divisions/data", Households: 3000, Seed: 3, Samples: 20, BatchSize: 1000, Log: &log}
			if engine == "postgres" {
				cfg.Order, cfg.Villages = bench.OrderCounty, 100
			}
			r, err := bench.Run(context.Background(), cfg)
			if err != nil {
				t.Fatalf("%v\n%s", err, log.String())
			}
			if r.Engine != engine || r.Households != 3000 || r.Persons < 3000 || r.Areas < 900 {
				t.Fatalf("result %+v", r)
			}
			if r.Load <= 0 || r.Rebuild <= 0 || r.Check <= 0 || r.RollupRows <= 0 || r.PeakRSS <= 0 || r.Disk <= 0 || r.LoadCPU <= 0 {
				t.Fatalf("unmeasured: load %v rebuild %v check %v rows %d rss %d disk %d cpu %v",
					r.Load, r.Rebuild, r.Check, r.RollupRows, r.PeakRSS, r.Disk, r.LoadCPU)
			}
			if engine == "postgres" && (r.Order != bench.OrderCounty || r.Villages < 100 || r.Villages > 400 || r.LoadServerCPU <= 0) {
				t.Fatalf("county order: %s over %d villages, server CPU %v", r.Order, r.Villages, r.LoadServerCPU)
			}
			if (engine == "postgres") != (r.Copy > 0) {
				t.Fatalf("COPY measured %v on %s", r.Copy, engine)
			}
			if len(r.Dashboard) != 4 || len(r.RawGroup) != 4 {
				t.Fatalf("levels %d/%d", len(r.Dashboard), len(r.RawGroup))
			}
			for _, l := range r.Dashboard {
				if l.Samples != 20 || l.P50 <= 0 || l.P99 < l.P50 || l.Max < l.P99 {
					t.Fatalf("latency %+v", l)
				}
			}
			var md bytes.Buffer
			bench.WriteMarkdown(&md, []*bench.Result{r})
			for _, want := range []string{"| " + engine + " | 3000 |", "| " + engine + " | township | 20 |", "roll-up rebuild"} {
				if !strings.Contains(md.String(), want) {
					t.Fatalf("report lacks %q:\n%s", want, md.String())
				}
			}
		})
	}
}
