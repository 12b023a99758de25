package main

import (
	"context"
	"fmt"

	"github.com/tuopin/tuopin/sqldb"
)

func (m *Main) runMigrate(ctx context.Context, args []string) error {
	var cf commonFlags
	fs := newFlagSet(m, "migrate", "Usage: tuopin migrate [--status] [flags]\n\nApplies the embedded migrations that the database lacks.")
	cf.register(fs, false)
	status := fs.Bool("status", false, "only show the schema version, change nothing")
	cfg, err := m.parseConfig(fs, &cf, args)
	if err != nil {
		return err
	}
	db, err := sqldb.Open(ctx, cfg.DSN())
	if err != nil {
		return fmt.Errorf("open %s: %w", cfg.Where(), err)
	}
	m.onClose(db.Close)
	before, latest, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if *status {
		fmt.Fprintf(m.Stdout, "%s: schema version %d, binary knows %d\n", cfg.Where(), before, latest)
		if before > latest {
			return &exitError{code: 1, msg: "the database is ahead of this binary: upgrade tuopin"}
		}
		return nil
	}
	if err := db.Migrate(ctx); err != nil {
		return err
	}
	after, _, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%s: schema version %d → %d\n", cfg.Where(), before, after)
	return nil
}
