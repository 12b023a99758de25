package main

import (
	"context"
	"fmt"

	"github.com/tuopin/tuopin/sqldb"
)

const yearUsage = `Usage: tuopin year start --from YEAR --to YEAR [--area CODE] [--dry-run] [flags]

Starts a registry year (年度结转): copies every household of --from under
--area (a county's 6-digit code; default the whole registry) with its
members into --to, in one transaction, with the roll-ups of the new year,
a "year_started" event per household and one audit entry. Households that
--to holds already are left alone, so running it again copies only what
is missing. Afterwards the --from records there are read-only.
`

func (m *Main) runYear(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "start" {
		fmt.Fprint(m.Stderr, yearUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return &exitError{code: 2}
	}
	var cf commonFlags
	fs := newFlagSet(m, "year start", yearUsage)
	cf.register(fs, false)
	from := fs.Int("from", 0, "the registry year to copy (required)")
	to := fs.Int("to", 0, "the registry year to start (default --from + 1)")
	area := fs.String("area", "", "a county's 6-digit code (default: the whole registry)")
	dry := fs.Bool("dry-run", false, "count what would be copied and write nothing")
	cfg, err := m.parseConfig(fs, &cf, args[1:])
	if err != nil {
		return err
	}
	if *to == 0 && *from > 0 {
		*to = *from + 1
	}
	if *from <= 0 || fs.NArg() > 0 {
		fs.Usage()
		return &exitError{code: 2}
	}
	s, err := m.openStore(ctx, cfg, false)
	if err != nil {
		return err
	}
	years := sqldb.NewYearService(s.db)
	where := *area
	if where == "" {
		where = "the whole registry"
	}
	if *dry {
		p, err := years.PlanStartYear(systemCtx(ctx), *from, *to, *area)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "year %d from %d in %s: would copy %d households (%d persons); %d of %d are in %d already\n",
			*to, *from, where, p.Households, p.Members, p.Present, p.Source, *to)
		return nil
	}
	ys, err := years.StartYear(systemCtx(ctx), *from, *to, *area)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "year %d started from %d in %s: %d households (%d persons) copied, %d present already; %d is read-only there now\n",
		*to, *from, where, ys.Households, ys.Members, ys.Present, *from)
	return nil
}
