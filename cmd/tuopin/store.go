package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/tuopin/tuopin"
	apphttp "github.com/tuopin/tuopin/http"
	"github.com/tuopin/tuopin/sqldb"
)

// services bundles the storage implementations of the domain services.
type services struct {
	db         *sqldb.DB
	areas      *sqldb.AreaService
	users      *sqldb.UserService
	auth       *sqldb.AuthService
	households *sqldb.HouseholdService
	audit      *sqldb.AuditService
	codes      *sqldb.CodeService
	plans      *sqldb.PlanService
	params     *sqldb.ParamService
	events     *sqldb.EventService
	years      *sqldb.YearService
	reviews    *sqldb.IDReviewService
}

// openStore opens the configured store. With migrate it applies pending
// migrations; without, it refuses a schema that is behind or ahead.
func (m *Main) openStore(ctx context.Context, cfg Config, migrate bool) (*services, error) {
	if cfg.DB == "" {
		if err := os.MkdirAll(cfg.Data, 0o750); err != nil {
			return nil, fmt.Errorf("data directory: %w", err)
		}
	}
	db, err := sqldb.Open(ctx, cfg.DSN())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", cfg.Where(), err)
	}
	m.onClose(db.Close)
	if migrate {
		if err := db.Migrate(ctx); err != nil {
			return nil, fmt.Errorf("migrate %s: %w", cfg.Where(), err)
		}
	} else if err := db.CheckSchema(ctx); err != nil {
		return nil, err
	}
	return &services{
		db:         db,
		areas:      sqldb.NewAreaService(db),
		users:      sqldb.NewUserService(db),
		auth:       sqldb.NewAuthService(db),
		households: sqldb.NewHouseholdService(db),
		audit:      sqldb.NewAuditService(db),
		codes:      sqldb.NewCodeService(db),
		plans:      sqldb.NewPlanService(db),
		params:     sqldb.NewParamService(db),
		events:     sqldb.NewEventService(db),
		years:      sqldb.NewYearService(db),
		reviews:    sqldb.NewIDReviewService(db),
	}, nil
}

// startServer starts the web server over the services and reports its URL.
func (m *Main) startServer(cfg Config, s *services) (*apphttp.Server, error) {
	logger := slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	imports, err := m.newImportRunner(cfg, s, "") // import.go
	if err != nil {
		return nil, fmt.Errorf("import runner: %w", err)
	}
	var now func() time.Time
	if !cfg.AsOf.IsZero() {
		started := time.Now()
		now = func() time.Time { return cfg.AsOf.Add(time.Since(started)) }
	}
	srv, err := apphttp.NewServer(apphttp.Config{
		Addr:          cfg.Addr,
		SecureCookies: cfg.SecureCookies,
		SessionTTL:    cfg.SessionTTL,
		Logger:        logger,
		Now:           now,
	}, apphttp.Services{
		Areas:      s.areas,
		Users:      s.users,
		Auth:       s.auth,
		Households: s.households,
		Audit:      s.audit,
		Codes:      s.codes,
		Plans:      s.plans,
		Params:     s.params,
		Events:     s.events,
		Years:      s.years,
		Reviews:    s.reviews,
		Imports:    imports,
	})
	if err != nil {
		return nil, err
	}
	if err := srv.Open(); err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	m.onClose(srv.Close)
	if m.Ready != nil {
		m.Ready(srv.URL())
	}
	return srv, nil
}

// systemCtx returns a context acting as the command-line system user.
func systemCtx(ctx context.Context) context.Context {
	return tuopin.NewContextWithUser(ctx, tuopin.SystemUser)
}

// parse parses a subcommand's flags; -h prints its usage and exits 0.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return errHelp
		}
		return &exitError{code: 2}
	}
	return nil
}

// parseConfig parses a subcommand's flags and resolves the configuration
// from defaults, file, environment and those flags.
func (m *Main) parseConfig(fs *flag.FlagSet, cf *commonFlags, args []string) (Config, error) {
	if err := parse(fs, args); err != nil {
		return Config{}, err
	}
	return cf.resolve(m.Getenv)
}

func newFlagSet(m *Main, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(m.Stderr, "%s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}
