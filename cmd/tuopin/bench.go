package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"

	"github.com/tuopin/tuopin/bench"
)

const benchUsage = `Usage: tuopin bench --divisions DIR [--households N] [--sqlite FILE] [--postgres URL] [flags]

Measures tuopin at national scale: loads the real statistical division
codes (all 620,573 villages of the NBS 2023 files in DIR), generates a
synthetic registry of N households over them (the national target is
3×10^7, the 2014 registration), loads it through the application's own
write path, and times on each engine:

  - the load rate (households/s), and on PostgreSQL the COPY of the same rows
  - dashboard reads (area counts) at nation, province, county and township
    level, p50/p99, from the roll-ups and by GROUP BY on the raw rows
  - the roll-up rebuild and check of the year against one raw GROUP BY
  - the process's peak memory

--order county hands the households out county by county, as a national
load arrives; --villages N spreads them over whole counties of about N
villages, for a registry of the national density (48 households a
village) at a smaller size.

Results are printed as Markdown tables (and appended to --out when given).
The SQLite file is created anew; on PostgreSQL the run works in schemas of
its own and drops them.
`

func (m *Main) runBench(ctx context.Context, args []string) error {
	fs := newFlagSet(m, "bench", strings.TrimSuffix(benchUsage, "\n"))
	var (
		divs       = fs.String("divisions", "", "folder of the NBS 2023 division files (provinces.csv … villages.csv.gz)")
		households = fs.Int("households", 100_000, "registry size in households")
		sqlite     = fs.String("sqlite", "", "SQLite file to create and measure (default: in a temporary folder; \"-\" to skip SQLite)")
		postgres   = fs.String("postgres", "", "PostgreSQL URL to measure too (env TUOPIN_BENCH_POSTGRES)")
		samples    = fs.Int("samples", 200, "dashboard reads timed per level")
		seed       = fs.Uint64("seed", 1, "random seed")
		year       = fs.Int("year", 2024, "registry year")
		out        = fs.String("out", "", "append the Markdown results to this file")
		batch      = fs.Int("batch", 5000, "households per CreateHouseholds call")
		order      = fs.String("order", bench.OrderRandom, "order of the households: random (each at a random village) or county (county by county)")
		villages   = fs.Int("villages", 0, "spread the households over whole counties of about this many villages (0: every village)")
		cpuprofile = fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file (go tool pprof)")
	)
	if err := parse(fs, args); err != nil {
		return err
	}
	if *divs == "" {
		fs.Usage()
		return &exitError{code: 2, msg: "tuopin bench: --divisions is required"}
	}
	if *postgres == "" {
		*postgres = m.Getenv("TUOPIN_BENCH_POSTGRES")
	}
	var dsns []string
	switch *sqlite {
	case "-":
	case "":
		dir, err := os.MkdirTemp("", "tuopin-bench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		dsns = append(dsns, filepath.Join(dir, "bench.db"))
	default:
		dsns = append(dsns, *sqlite)
	}
	if *postgres != "" {
		dsns = append(dsns, *postgres)
	}
	if len(dsns) == 0 {
		return &exitError{code: 2, msg: "tuopin bench: nothing to measure (--sqlite - and no --postgres)"}
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var results []*bench.Result
	for _, dsn := range dsns {
		r, err := bench.Run(ctx, bench.Config{
			DSN: dsn, Divisions: *divs, Households: *households, Year: *year,
			Seed: *seed, Samples: *samples, BatchSize: *batch, Order: *order, Villages: *villages, Log: m.Stderr,
		})
		if err != nil {
			return fmt.Errorf("bench on %s: %w", redactURL(dsn), err)
		}
		results = append(results, r)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n### tuopin bench: %d households, seed %d, %s order, batches of %d\n\n", *households, *seed, *order, *batch)
	bench.WriteMarkdown(&b, results)
	fmt.Fprint(m.Stdout, b.String())
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return err
		}
		defer f.Close()
		if _, err := f.WriteString(b.String()); err != nil {
			return err
		}
	}
	return nil
}
