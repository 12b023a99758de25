package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/divisions"
	"github.com/tuopin/tuopin/jobs"
	"github.com/tuopin/tuopin/sqldb"
)

const importUsage = `Usage: tuopin import [flags] FILE

Imports a spreadsheet of households and members (.xlsx, .xls or CSV in
UTF-8 or GBK; the format is read from the file, not its name) as an
import job, the same job the web page runs:

  1. the header is recognised and the columns mapped (the mapping last
     confirmed for the same layout is reused);
  2. a dry run checks every household and writes nothing;
  3. unless --dry-run, the commit writes the file in one transaction:
     with --policy all_or_nothing (the default) nothing is written when
     any row is refused; with --policy skip_refused the refused
     households are left out and the rest is written.

Households are matched by year and household number, members by ID
number: importing the same file again changes nothing. Progress is drawn
on standard error; Ctrl-C cancels (a commit is rolled back). The exit
code is 1, with the count, when rows are refused; --report writes them
(row, column, value, reason) to an .xlsx file.
`

// runImport runs `tuopin import`.
func (m *Main) runImport(ctx context.Context, args []string) error {
	var cf commonFlags
	fs := newFlagSet(m, "import", importUsage)
	cf.register(fs, false)
	year := fs.Int("year", 0, "registry `year` of rows without a 年度 column")
	sheet := fs.Int("sheet", 1, "worksheet `N`, counted from 1")
	encoding := fs.String("encoding", "auto", "CSV encoding: auto, utf-8 or gbk")
	policy := fs.String("policy", tuopin.ImportAllOrNothing, "commit policy: all_or_nothing or skip_refused")
	dryRun := fs.Bool("dry-run", false, "check the file only; write nothing")
	report := fs.String("report", "", "write the refused rows to this .xlsx `file`")
	as := fs.String("as", "", "act as this `user` (username; default: the system administrator)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return &exitError{code: 2, msg: "tuopin import: name one FILE"}
	}
	cfg, err := cf.resolve(m.Getenv)
	if err != nil {
		return err
	}
	s, err := m.openStore(ctx, cfg, cfg.AutoMigrate)
	if err != nil {
		return err
	}
	actor, err := m.importActor(ctx, s, *as)
	if err != nil {
		return err
	}
	host, _ := os.Hostname()
	runner, err := m.newImportRunner(cfg, s, fmt.Sprintf("cli:%s:%d", host, os.Getpid()))
	if err != nil {
		return err
	}
	actx := tuopin.NewContextWithUser(ctx, actor)

	path := fs.Arg(0)
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	j, err := runner.CreateImport(actx, tuopin.ImportUpload{FileName: filepath.Base(path), Body: f,
		Options: tuopin.ImportOptions{Sheet: *sheet - 1, Encoding: *encoding, Year: *year, Policy: *policy}})
	if err != nil {
		return m.importError(path, err)
	}
	m.printMapping(j)

	// The dry run.
	if _, err := runner.ValidateImport(actx, j.ID, nil); err != nil {
		return m.importError(path, err)
	}
	if j, err = m.waitImport(ctx, runner, actx, j.ID, "dry run"); err != nil {
		return err
	}
	if j.Status != tuopin.ImportValidated {
		return &exitError{code: 1, msg: fmt.Sprintf("tuopin import: %s: the dry run %s: %s", path, j.Status, j.Error)}
	}
	fmt.Fprintf(m.Stdout, "dry run: %s\n", countsLine(j.Counts, false))
	if err := m.writeImportReport(actx, runner, j, *report); err != nil {
		return err
	}
	if *dryRun {
		return refusedExit(j, " in the dry run; nothing was written")
	}
	if j.Counts.RefusedRows > 0 && *policy == tuopin.ImportAllOrNothing {
		return &exitError{code: 1, msg: fmt.Sprintf("tuopin import: %d row(s) of %d household(s) refused: with --policy all_or_nothing nothing was written (see --report, or use --policy skip_refused)",
			j.Counts.RefusedRows, j.Counts.RefusedHouseholds)}
	}

	// The commit.
	if _, err := runner.CommitImport(actx, j.ID, *policy); err != nil {
		return m.importError(path, err)
	}
	if j, err = m.waitImport(ctx, runner, actx, j.ID, "commit"); err != nil {
		return err
	}
	if err := m.writeImportReport(actx, runner, j, *report); err != nil {
		return err
	}
	if j.Status != tuopin.ImportDone {
		return &exitError{code: 1, msg: fmt.Sprintf("tuopin import: %s: the commit %s: %s", path, j.Status, j.Error)}
	}
	fmt.Fprintf(m.Stdout, "import %d committed: %s\n", j.ID, countsLine(j.Counts, true))
	if err := s.db.Analyze(ctx); err != nil {
		return err
	}
	return refusedExit(j, ": they were left out and the rest was written")
}

// importActor returns the user an import acts as.
func (m *Main) importActor(ctx context.Context, s *services, username string) (*tuopin.User, error) {
	if username == "" {
		return tuopin.SystemUser, nil
	}
	users, _, err := s.users.FindUsers(systemCtx(ctx), tuopin.UserFilter{Username: &username, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(users) == 0 || users[0].Disabled {
		return nil, &exitError{code: 2, msg: fmt.Sprintf("tuopin import: no enabled user %q", username)}
	}
	return users[0], nil
}

// newImportRunner starts the import runner over the store, with its files
// in <data>/imports.
func (m *Main) newImportRunner(cfg Config, s *services, worker string) (*jobs.Runner, error) {
	logger := slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	r, err := jobs.NewRunner(jobs.Config{Dir: filepath.Join(cfg.Data, "imports"), Logger: logger, Worker: worker}, jobs.Services{
		Store: sqldb.NewImportJobStore(s.db), Households: s.households, Codes: s.codes, Areas: s.areas, Reviewer: s.households,
	})
	if err != nil {
		return nil, err
	}
	if err := r.Start(context.Background()); err != nil {
		return nil, err
	}
	m.onClose(r.Close)
	return r, nil
}

// waitImport follows a queued job to its end with a progress line.
func (m *Main) waitImport(ctx context.Context, r *jobs.Runner, actx context.Context, id int64, label string) (*tuopin.ImportJob, error) {
	bar := divisions.NewProgressBar(m.Stderr, label, 0)
	j, err := r.RunSync(actx, id, func(p tuopin.ImportProgress, _ tuopin.ImportCounts) {
		if p.Step == "rows" {
			bar.Update(int64(p.RowsRead), int64(p.RowsTotal))
		}
	})
	bar.Done()
	if err != nil {
		if ctx.Err() != nil {
			return nil, &exitError{code: 1, msg: "tuopin import: cancelled; nothing was written"}
		}
		return nil, err
	}
	return j, nil
}

// printMapping says how the file's columns were read.
func (m *Main) printMapping(j *tuopin.ImportJob) {
	stored, notStored, unmapped := 0, 0, 0
	var unknown []string
	for _, c := range j.Mapping.Columns {
		switch c.Status {
		case "stored":
			stored++
		case "not_stored":
			notStored++
		default:
			unmapped++
			unknown = append(unknown, c.Letter+" "+c.Header)
		}
	}
	sheet := ""
	if j.Options.Sheet < len(j.Sheets) {
		sheet = j.Sheets[j.Options.Sheet]
	}
	enc := ""
	if j.Encoding != "" {
		enc = ", " + j.Encoding
	}
	remembered := ""
	if j.MappingRemembered {
		remembered = " (the mapping confirmed for this layout before)"
	}
	fmt.Fprintf(m.Stdout, "import %d: %s (%s%s, sheet %d %s): %d columns, %d imported, %d recognised but not kept, %d unmapped%s\n",
		j.ID, j.FileName, j.Format, enc, j.Options.Sheet+1, sheet, len(j.Mapping.Columns), stored, notStored, unmapped, remembered)
	for _, u := range unknown {
		fmt.Fprintf(m.Stdout, "  not imported: column %s\n", u)
	}
}

// countsLine sums up a dry run or a commit.
func countsLine(c tuopin.ImportCounts, done bool) string {
	verb := [3]string{"to create", "to update", "unchanged"}
	if done {
		verb = [3]string{"created", "updated", "unchanged"}
	}
	s := fmt.Sprintf("%s households (%s persons) in %s rows: %s %s, %s %s, %s %s, %s refused (%s rows)",
		group(c.Households), group(c.Members), group(c.Rows), group(c.Created), verb[0], group(c.Updated), verb[1],
		group(c.Unchanged), verb[2], group(c.RefusedHouseholds), group(c.RefusedRows))
	if c.ReviewsFiled > 0 {
		s += fmt.Sprintf(", %d cross-county duplicate(s) sent to review", c.ReviewsFiled)
	}
	return s
}

// group writes a count with thousands separators.
func group(n int) string { return counts.Sprint(n) }

var counts = message.NewPrinter(language.English)

// writeImportReport copies the job's report to path, when asked and there
// is one.
func (m *Main) writeImportReport(ctx context.Context, r *jobs.Runner, j *tuopin.ImportJob, path string) error {
	if path == "" || !j.HasReport {
		return nil
	}
	rc, err := r.OpenImportReport(ctx, j.ID)
	if err != nil {
		return err
	}
	defer rc.Close()
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, rc); err != nil {
		out.Close()
		return err
	}
	if err := out.Close(); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "report of %d refused row(s): %s\n", j.Counts.RefusedRows, path)
	return nil
}

// refusedExit is exit 1 naming the refused rows, or nil.
func refusedExit(j *tuopin.ImportJob, what string) error {
	if j.Counts.RefusedRows == 0 {
		return nil
	}
	return &exitError{code: 1, msg: fmt.Sprintf("tuopin import: %d row(s) of %d household(s) refused%s", j.Counts.RefusedRows, j.Counts.RefusedHouseholds, what)}
}

// importError says why a file could not be imported.
func (m *Main) importError(path string, err error) error {
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	code := tuopin.ErrorCode(err)
	if code == tuopin.EINTERNAL {
		return err
	}
	msg := tuopin.ErrorMessage(err)
	for k, fe := range tuopin.ErrorFields(err) {
		msg += fmt.Sprintf("\n  %s: %s", k, fe.Message)
	}
	return &exitError{code: 1, msg: fmt.Sprintf("tuopin import: %s: %s", path, msg)}
}
