package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
)

const rollupUsage = `Usage: tuopin rollup rebuild|check [--year N] [flags]

The roll-ups are the per-area, per-year counts that the area overview and
the dashboards read. Every household change keeps them current in its own
transaction; these commands recompute them from the household rows.

  rebuild   rewrite the roll-ups that differ from a recomputation, in one
            transaction, and record it in the audit log (after a bulk load
            that bypassed them, or to repair them)
  check     compare without writing; exit 1 on any difference, naming up
            to 20

Run 'tuopin rollup rebuild -h' or 'tuopin rollup check -h' for the flags.
`

var rollupSynopsis = map[string]string{
	"rebuild": "Usage: tuopin rollup rebuild [--year N] [flags]\n\nRecomputes the roll-ups of a year (default: every year) from the household\nrows and rewrites the rows that differ, in one transaction, with an audit\nentry.",
	"check":   "Usage: tuopin rollup check [--year N] [flags]\n\nRecomputes the roll-ups of a year (default: every year) from the household\nrows and compares them with the stored ones, writing nothing. Exits 1 on\nany difference, naming up to 20.",
}

func (m *Main) runRollup(ctx context.Context, args []string) error {
	if len(args) == 0 || rollupSynopsis[args[0]] == "" {
		fmt.Fprint(m.Stderr, rollupUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return &exitError{code: 2}
	}
	sub := args[0]
	var cf commonFlags
	fs := newFlagSet(m, "rollup "+sub, rollupSynopsis[sub])
	cf.register(fs, false)
	year := fs.Int("year", 0, "only this registry year (default: every year)")
	cfg, err := m.parseConfig(fs, &cf, args[1:])
	if err != nil {
		return err
	}
	if *year < 0 || fs.NArg() > 0 {
		fs.Usage()
		return &exitError{code: 2}
	}
	s, err := m.openStore(ctx, cfg, false)
	if err != nil {
		return err
	}
	rollups := sqldb.NewRollupService(s.db)
	if sub == "rebuild" {
		rep, err := rollups.RebuildRollups(systemCtx(ctx), *year)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "roll-ups rebuilt (%s): %d rows, %d fixed, in %v\n",
			rollupYears(rep), rep.Rows, rep.Mismatch, rep.Took.Round(time.Millisecond))
		return nil
	}
	rep, err := rollups.CheckRollups(systemCtx(ctx), *year)
	if err != nil {
		return err
	}
	if rep.Mismatch > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "roll-ups WRONG (%s): %d of %d rows differ from the household rows", rollupYears(rep), rep.Mismatch, rep.Rows)
		for _, e := range rep.Examples {
			b.WriteString("\n  " + e)
		}
		if rep.Mismatch > len(rep.Examples) {
			fmt.Fprintf(&b, "\n  … and %d more", rep.Mismatch-len(rep.Examples))
		}
		b.WriteString("\nrun tuopin rollup rebuild to repair them")
		return &exitError{code: 1, msg: b.String()}
	}
	fmt.Fprintf(m.Stdout, "roll-ups OK (%s): %d rows checked in %v\n", rollupYears(rep), rep.Rows, rep.Took.Round(time.Millisecond))
	return nil
}

// rollupYears names the years of a report: "years 2016, 2024", "no years".
func rollupYears(rep *tuopin.RollupReport) string {
	if len(rep.Years) == 0 {
		return "no years"
	}
	s := make([]string, len(rep.Years))
	for i, y := range rep.Years {
		s[i] = fmt.Sprint(y)
	}
	if len(s) == 1 {
		return "year " + s[0]
	}
	return "years " + strings.Join(s, ", ")
}
