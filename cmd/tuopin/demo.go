package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/demo"
)

func (m *Main) runDemo(ctx context.Context, args []string) error {
	var cf commonFlags
	fs := newFlagSet(m, "demo", `Usage: tuopin demo [flags]

Generates a demo county — 东兰县 (451224) in 2016, 4,735 poor households
and 18,792 people from the real village list — into the data directory,
then starts the server. A directory that already holds the demo is
served as it is; one that holds other data is refused.`)
	cf.register(fs, true)
	seed := fs.Int64("seed", 2016, "random seed: the same seed gives the same county")
	reset := fs.Bool("reset", false, "delete the embedded store in --data first (not with --db)")
	noServe := fs.Bool("load-only", false, "load the demo and exit without serving")
	asOf := fs.String("as-of", demo.AsOf.Format(tuopin.DateLayout), "the date the wall chart and dashboard judge the plan's time nodes by; \"today\" for the real date")
	cfg, err := m.parseConfig(fs, &cf, args)
	if err != nil {
		return err
	}
	if *reset {
		if cfg.DB != "" {
			return &exitError{code: 2, msg: "--reset works on the embedded store only; drop the PostgreSQL database yourself"}
		}
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(cfg.DSN() + suffix); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
	}
	s, err := m.openStore(ctx, cfg, true)
	if err != nil {
		return err
	}
	sys := systemCtx(ctx)
	users, nusers, err := s.users.FindUsers(sys, tuopin.UserFilter{Limit: 1000})
	if err != nil {
		return err
	}
	switch {
	case nusers == 0:
		if err := m.loadDemo(sys, s, *seed); err != nil {
			return err
		}
	case isDemo(users):
		fmt.Fprintf(m.Stdout, "%s already holds the demo; serving it (use --reset to generate it again)\n", cfg.Where())
	default:
		return &exitError{code: 1, msg: fmt.Sprintf("%s holds data that is not the demo; choose another --data directory", cfg.Where())}
	}
	if *noServe {
		return nil
	}
	if *asOf != "today" {
		d, err := time.Parse(tuopin.DateLayout, *asOf)
		if err != nil {
			return &exitError{code: 2, msg: fmt.Sprintf("--as-of %q: want a date like 2016-07-20, or today", *asOf)}
		}
		cfg.AsOf = d
	}
	srv, err := m.startServer(cfg, s)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "\ntuopin demo: open %s\n\n", srv.URL())
	fmt.Fprintf(m.Stdout, "Demo accounts (password %q for all):\n", demo.Password)
	for _, u := range demo.Accounts() {
		fmt.Fprintf(m.Stdout, "  %-9s %-18s %s\n", u.Username, u.Role, u.Description)
	}
	if !cfg.AsOf.IsZero() {
		fmt.Fprintf(m.Stdout, "\nThe wall chart and dashboard judge the 2016 plan as of %s (--as-of).\n", cfg.AsOf.Format(tuopin.DateLayout))
	}
	fmt.Fprintln(m.Stdout, "\nStop with Ctrl-C.")
	<-ctx.Done()
	fmt.Fprintln(m.Stdout, "shutting down")
	return nil
}

// isDemo reports whether the stored users are the demo's own.
func isDemo(users []*tuopin.User) bool {
	want := map[string]bool{}
	for _, a := range demo.Accounts() {
		want[a.Username] = true
	}
	for _, u := range users {
		if !want[u.Username] {
			return false
		}
	}
	return len(users) > 0
}

func (m *Main) loadDemo(ctx context.Context, s *services, seed int64) error {
	start := time.Now()
	data, err := demo.Generate(seed)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "generating the demo county (seed %d)…\n", seed)
	last := time.Time{}
	err = demo.Load(ctx, demo.Services{Areas: s.areas, Users: s.users, Households: s.households, Plans: s.plans, Params: s.params, Events: s.events}, data, func(done, total int) {
		if now := time.Now(); now.Sub(last) > 500*time.Millisecond || done == total {
			last = now
			fmt.Fprintf(m.Stderr, "\r  households %d / %d", done, total)
		}
	})
	fmt.Fprintln(m.Stderr)
	if err != nil {
		return fmt.Errorf("load demo: %w", err)
	}
	// Fresh planner statistics: without them the first searches after a
	// bulk load can take a hundred times longer.
	if err := s.db.Analyze(ctx); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%s\nloaded in %s\n", data.Summary(), time.Since(start).Round(100*time.Millisecond))
	return nil
}
