// Command tuopin runs the tuopin platform and its administrative tasks.
//
//	tuopin demo                      start with a generated demo county
//	tuopin serve                     start the web server
//	tuopin migrate                   bring the database schema up to date
//	tuopin user create|list|passwd|token
//	tuopin areas import FILE…        load NBS division code files
//	tuopin import FILE               import a spreadsheet of households
//	tuopin audit keygen|checkpoint|verify   sign and check the audit log
//	tuopin rollup rebuild|check      recompute the per-area counts
//	tuopin year start                copy a registry year forward
//
// Run `tuopin COMMAND -h` for the flags of each.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain()
	err := m.Run(ctx, os.Args[1:])
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			if ee.msg != "" {
				fmt.Fprintln(os.Stderr, ee.msg)
			}
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "tuopin:", err)
		os.Exit(1)
	}
}

// exitError ends the program with a code, printing msg when set.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

// errHelp is returned after -h printed the usage: exit 0 quietly.
var errHelp = &exitError{code: 0}

// Main is the program: it parses a subcommand, wires the packages together
// and holds what must be closed.
type Main struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
	// Ready, when set, receives the server URL once it is listening
	// (used by tests that run Main in-process).
	Ready func(url string)

	closers []func() error
}

// NewMain returns a Main writing to the process's standard streams.
func NewMain() *Main {
	return &Main{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

// Close releases whatever Run opened, last opened first.
func (m *Main) Close() error {
	var first error
	for i := len(m.closers) - 1; i >= 0; i-- {
		if err := m.closers[i](); err != nil && first == nil {
			first = err
		}
	}
	m.closers = nil
	return first
}

func (m *Main) onClose(f func() error) { m.closers = append(m.closers, f) }

const usage = `tuopin — poverty-alleviation campaign platform (精准扶贫 / 防返贫监测)

Usage: tuopin COMMAND [flags]

Commands:
  demo          generate a demo county (东兰县, 2016) and start the server
  serve         start the web server
  migrate       apply database migrations (or show their status)
  user          create, list and change users; issue API tokens
  areas import  load statistical division code files (NBS 2023 CSV, .gz ok)
  import        import households from .xlsx, .xls or CSV: dry run, then commit; exit 1 on refused rows
  audit         keygen, checkpoint, verify: sign the audit log for auditors; exit 1 if it was altered
  rollup        rebuild or check the per-area counts (roll-ups); check exits 1 on a difference
  year start    start a registry year: copy the last year's households forward (年度结转)
  bench         measure load and dashboard reads at national scale
  version       print the version

Common flags (also environment variables, or keys in a --config file):
  --addr  listen address          TUOPIN_ADDR  (default 127.0.0.1:8080)
  --data  embedded store folder   TUOPIN_DATA  (default ./tuopin-data)
  --db    PostgreSQL URL          TUOPIN_DB    (instead of the embedded store)

Run 'tuopin COMMAND -h' for the flags of a command.
`

// Run runs the subcommand named by args[0].
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return &exitError{code: 2}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return m.runServe(ctx, rest)
	case "demo":
		return m.runDemo(ctx, rest)
	case "migrate":
		return m.runMigrate(ctx, rest)
	case "user", "users":
		return m.runUser(ctx, rest)
	case "import":
		return m.runImport(ctx, rest)
	case "areas":
		return m.runAreas(ctx, rest)
	case "audit":
		return m.runAudit(ctx, rest)
	case "rollup", "rollups":
		return m.runRollup(ctx, rest)
	case "year", "years":
		return m.runYear(ctx, rest)
	case "bench":
		return m.runBench(ctx, rest)
	case "version", "-v", "--version":
		fmt.Fprintln(m.Stdout, "tuopin", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(m.Stdout, usage)
		return nil
	}
	fmt.Fprintf(m.Stderr, "tuopin: unknown command %q\n\n%s", cmd, usage)
	return &exitError{code: 2}
}

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"
