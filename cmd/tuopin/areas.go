package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/tuopin/tuopin/divisions"
)

const areasUsage = `Usage: tuopin areas import [flags] FILE...

Loads statistical division code files in the NBS 2023 CSV layout
(provinces.csv, cities.csv, counties.csv, townships.csv, villages.csv or
villages.csv.gz); the kind of each file is read from its header row. Load
parents first: provinces, cities, counties, townships, villages. Rows that
exist are renamed, never removed. Progress is drawn on standard error.
`

func (m *Main) runAreas(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "import" {
		fmt.Fprint(m.Stderr, areasUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return nil
		}
		return &exitError{code: 2}
	}
	var cf commonFlags
	fs := newFlagSet(m, "areas import", areasUsage)
	cf.register(fs, false)
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fmt.Fprint(m.Stderr, areasUsage)
		return &exitError{code: 2, msg: "tuopin areas import: name at least one FILE"}
	}
	cfg, err := cf.resolve(m.Getenv)
	if err != nil {
		return err
	}
	s, err := m.openStore(ctx, cfg, cfg.AutoMigrate)
	if err != nil {
		return err
	}
	for _, path := range fs.Args() {
		if err := m.importAreaFile(systemCtx(ctx), s, path); err != nil {
			return err
		}
	}
	return s.db.Analyze(ctx)
}

func (m *Main) importAreaFile(ctx context.Context, s *services, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	bar := divisions.NewProgressBar(m.Stderr, path, 0)
	start := time.Now()
	res, err := divisions.Import(ctx, s.areas, f, divisions.ImportOptions{
		Size:     st.Size(),
		Progress: bar.Update,
	})
	bar.Done()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	fmt.Fprintf(m.Stdout, "%s: %s\n", path, res.Summary(time.Since(start)))
	return nil
}
