package main

import (
	"context"
	"fmt"
)

func (m *Main) runServe(ctx context.Context, args []string) error {
	var cf commonFlags
	fs := newFlagSet(m, "serve", "Usage: tuopin serve [flags]\n\nStarts the web server. On the first start it creates the user \"admin\"\nand prints its one-time password.")
	cf.register(fs, true)
	cfg, err := m.parseConfig(fs, &cf, args)
	if err != nil {
		return err
	}
	s, err := m.openStore(ctx, cfg, cfg.AutoMigrate)
	if err != nil {
		return err
	}
	username, password, created, err := s.users.EnsureAdmin(systemCtx(ctx))
	if err != nil {
		return fmt.Errorf("create first admin: %w", err)
	}
	srv, err := m.startServer(cfg, s)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "tuopin %s serving %s on %s\n", version, cfg.Where(), srv.URL())
	if created {
		fmt.Fprintf(m.Stdout, "\nFirst start: created administrator %q with one-time password\n\n    %s\n\nLog in and change it under 账户 (Account). It is not shown again.\n", username, password)
	}
	<-ctx.Done()
	fmt.Fprintln(m.Stdout, "shutting down")
	return nil
}
