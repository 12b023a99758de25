package jobs

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/xlsx"
)

// checkEditor returns the acting user if it may run imports.
func checkEditor(ctx context.Context) (*tuopin.User, error) {
	u := tuopin.UserFromContext(ctx)
	if u == nil {
		return nil, tuopin.Errorf(tuopin.EUNAUTHORIZED, "You must be logged in.")
	}
	if !u.Role.CanEditRegistry() {
		return nil, tuopin.Errorf(tuopin.EFORBIDDEN, "Your role may not import into the registry.")
	}
	return u, nil
}

// cleanFileName keeps the base name of an uploaded file, for display.
func cleanFileName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = strings.TrimSpace(filepath.Base("/" + name))
	if name == "/" || name == "." || !utf8.ValidString(name) {
		name = ""
	}
	if r := []rune(name); len(r) > 120 {
		name = string(r[:120])
	}
	if name == "" {
		name = "upload"
	}
	return name
}

// CreateImport stores an uploaded file as a new job: it writes the body to
// Config.Dir (refusing more than MaxUploadBytes), opens it to detect its
// format (never from the name), recognises the header of the chosen sheet
// and proposes a mapping, taking the one remembered for the source when
// there is one. It does not start the dry run. Returns EUNAUTHORIZED,
// EFORBIDDEN for a role that may not edit the registry, and EINVALID for
// bad options, an empty, too large or unreadable file, a sheet it does
// not have, or no header row.
func (r *Runner) CreateImport(ctx context.Context, up tuopin.ImportUpload) (*tuopin.ImportJob, error) {
	if _, err := checkEditor(ctx); err != nil {
		return nil, err
	}
	opts := up.Options
	opts.Normalize()
	if err := opts.Validate(r.cfg.Now()); err != nil {
		return nil, err
	}
	if up.Body == nil {
		return nil, tuopin.FieldErr("file", "required", "Choose a file to import.")
	}
	// The body to a temporary file first: the job's ID names the final one.
	tmp, err := os.CreateTemp(r.cfg.Dir, "upload-*.tmp")
	if err != nil {
		return nil, err
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	size, err := io.Copy(tmp, io.LimitReader(up.Body, r.cfg.MaxUploadBytes+1))
	if err != nil {
		return nil, uploadError(err, r.cfg.MaxUploadBytes)
	}
	if size > r.cfg.MaxUploadBytes {
		return nil, errTooLarge(r.cfg.MaxUploadBytes)
	}
	if size == 0 {
		return nil, tuopin.FieldErr("file", "file_empty", "The file is empty.")
	}
	j := &tuopin.ImportJob{Status: tuopin.ImportUploaded, FileName: cleanFileName(up.FileName), FileSize: size, Options: opts}
	if err := r.inspect(ctx, j, tmp, nil); err != nil {
		return nil, err
	}
	if err := r.svc.Store.CreateImportJob(ctx, j); err != nil {
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp.Name(), r.sourcePath(j.ID)); err != nil {
		return nil, err
	}
	return j, nil
}

// errTooLarge is the refusal of a file over the upload bound.
func errTooLarge(limit int64) error {
	return tuopin.FieldErr("file", "file_too_large", "The file is larger than %d MB, the most an import takes; split it by township and import the parts.", limit>>20)
}

// uploadError turns an error reading an upload into a clear refusal.
func uploadError(err error, limit int64) error {
	// net/http's MaxBytesReader says so when a request body is cut off.
	if strings.Contains(err.Error(), "request body too large") {
		return errTooLarge(limit)
	}
	return tuopin.FieldErr("file", "file_unreadable", "The upload could not be read to its end: %v.", err)
}

// inspect opens a job's file to learn its format, encoding and sheets, and
// recognises the header of its sheet when mapping is nil (else checks the
// given mapping against it). It sets the source key and, for a recognised
// header, the remembered mapping of the source.
func (r *Runner) inspect(ctx context.Context, j *tuopin.ImportJob, f *os.File, mapping *tuopin.ImportMapping) error {
	wb, err := xlsx.Open(f, j.FileSize, xlsx.OpenOptions{Encoding: encodingOption(j.Options.Encoding)})
	if err != nil {
		return unreadable(err)
	}
	j.Format, j.Encoding, j.Sheets = string(wb.Format()), wb.Encoding(), append([]string{}, wb.SheetNames()...)
	if j.Options.Sheet >= len(j.Sheets) {
		return tuopin.FieldErr("sheet", "invalid_sheet", "The file has %d worksheet(s); there is no sheet %d.", len(j.Sheets), j.Options.Sheet+1)
	}
	m, err := xlsx.RecognizeHeader(wb, j.Options.Sheet)
	if err != nil {
		if tuopin.ErrorCode(err) == tuopin.EINVALID {
			return tuopin.FieldErr("file", "no_header", "%s", tuopin.ErrorMessage(err))
		}
		return unreadable(err)
	}
	j.SourceKey = sourceKey(j.Sheets[j.Options.Sheet], m.Fingerprint)
	if mapping != nil {
		j.Mapping = mapping
		return nil
	}
	j.Mapping, j.MappingRemembered = toRootMapping(m), false
	remembered, err := r.svc.Store.FindImportMapping(ctx, j.SourceKey)
	if err != nil {
		return err
	}
	if remembered != nil && fits(remembered, m) {
		j.Mapping, j.MappingRemembered = remembered, true
	}
	return nil
}

// fits reports whether a remembered mapping describes the same columns as
// the header just recognised.
func fits(remembered *tuopin.ImportMapping, m *xlsx.Mapping) bool {
	if remembered.HeaderRow != m.HeaderRow || remembered.HeaderRows != m.HeaderRows || len(remembered.Columns) != len(m.Columns) {
		return false
	}
	for i, c := range remembered.Columns {
		if c.Index != m.Columns[i].Index || c.Header != m.Columns[i].Header {
			return false
		}
	}
	return true
}

// unreadable is the refusal of a file that is no spreadsheet.
func unreadable(err error) error {
	if errors.Is(err, xlsx.ErrFormat) {
		return tuopin.FieldErr("file", "file_unreadable", "The file is not a readable .xlsx, .xls or CSV file (%v).", err)
	}
	if tuopin.ErrorCode(err) != tuopin.EINTERNAL {
		return err
	}
	return tuopin.FieldErr("file", "file_unreadable", "The file could not be read as a spreadsheet: %v.", err)
}

// encodingOption translates a job's encoding choice for xlsx.Open.
func encodingOption(enc string) string {
	switch enc {
	case tuopin.ImportEncodingUTF8:
		return "utf-8"
	case tuopin.ImportEncodingGBK:
		return "gbk"
	}
	return ""
}

// FindImportByID returns a job in the caller's scope, with the live
// progress and counts of a job this runner is running. Returns ENOTFOUND
// outside the scope.
func (r *Runner) FindImportByID(ctx context.Context, id int64) (*tuopin.ImportJob, error) {
	j, err := r.svc.Store.FindImportJobByID(ctx, id)
	if err != nil {
		return nil, err
	}
	r.overlay(j)
	return j, nil
}

// FindImports lists the jobs in the caller's scope, newest first.
func (r *Runner) FindImports(ctx context.Context, filter tuopin.ImportFilter) ([]*tuopin.ImportJob, int, error) {
	js, n, err := r.svc.Store.FindImportJobs(ctx, filter)
	if err != nil {
		return nil, 0, err
	}
	for _, j := range js {
		r.overlay(j)
	}
	return js, n, nil
}

// overlay puts the live progress of a running job on its stored record.
func (r *Runner) overlay(j *tuopin.ImportJob) {
	if !j.Running() {
		return
	}
	if a := r.local(j.ID); a != nil {
		j.Progress, j.Counts = a.snapshot()
	}
}

// findForChange returns a job the caller may change.
func (r *Runner) findForChange(ctx context.Context, id int64) (*tuopin.User, *tuopin.ImportJob, error) {
	j, err := r.svc.Store.FindImportJobByID(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	u, err := checkEditor(ctx)
	if err != nil {
		return nil, nil, err
	}
	return u, j, nil
}

// ValidateImport applies a change of settings (nil for none), checks the
// mapping, remembers it for the file's source and queues the dry run.
// Changing the sheet or the encoding recognises the header again, ignores
// change.Mapping and does not queue the dry run: the job goes back to
// ImportUploaded with the new mapping, for the user to confirm. Returns ENOTFOUND outside the caller's scope,
// EFORBIDDEN for a role that may not edit the registry, ECONFLICT for a
// job that is running or finished, and EINVALID for bad settings or a
// mapping that cannot import households (field keys as xlsx.Mapping.Check
// names them, and "year" when the file has no 年度 column and no year is
// chosen). A refused change is not stored.
func (r *Runner) ValidateImport(ctx context.Context, id int64, change *tuopin.ImportChange) (*tuopin.ImportJob, error) {
	u, j, err := r.findForChange(ctx, id)
	if err != nil {
		return nil, err
	}
	if !j.CanValidate() {
		return nil, tuopin.Errorf(tuopin.ECONFLICT, "Import %d is %s: a dry run can start only after the upload, a dry run or a failure.", id, j.Status)
	}
	from := j.Status
	mapping := j.Mapping
	if change != nil {
		reinspect := false
		if change.Sheet != nil && *change.Sheet != j.Options.Sheet {
			j.Options.Sheet, reinspect = *change.Sheet, true
		}
		if change.Encoding != nil && *change.Encoding != j.Options.Encoding {
			j.Options.Encoding, reinspect = *change.Encoding, true
		}
		if change.Year != nil {
			j.Options.Year = *change.Year
		}
		if change.Policy != nil {
			j.Options.Policy = *change.Policy
		}
		j.Options.Normalize()
		if err := j.Options.Validate(r.cfg.Now()); err != nil {
			return nil, err
		}
		if change.Mapping != nil {
			mapping = change.Mapping
		}
		if reinspect {
			f, err := os.Open(r.sourcePath(j.ID))
			if err != nil {
				return nil, err
			}
			err = r.inspect(ctx, j, f, nil)
			f.Close()
			if err != nil {
				return nil, err
			}
			// Another sheet or encoding is another header: its mapping
			// is shown for confirmation before any dry run.
			j.Status, j.Phase, j.Error, j.ErrorZH = tuopin.ImportUploaded, "", "", ""
			j.Counts, j.Progress, j.Preview, j.HasReport, j.ValidatedAt = tuopin.ImportCounts{}, tuopin.ImportProgress{}, nil, false, nil
			if err := r.svc.Store.UpdateImportJob(ctx, j, from); err != nil {
				return nil, err
			}
			os.Remove(r.reportPath(j.ID))
			return j, nil
		}
	}
	if mapping == nil {
		return nil, tuopin.FieldErr("mapping", "required", "The file has no column mapping.")
	}
	xm := toXLSXMapping(mapping)
	if err := xm.Check(); err != nil {
		return nil, err
	}
	if xm.FieldColumn(xlsx.FieldYear) < 0 && j.Options.Year == 0 {
		return nil, tuopin.FieldErr("year", "required", "The file has no 年度 (year) column: choose the registry year to import into.")
	}
	checked := toRootMapping(xm)
	if !sameMapping(checked, j.Mapping) {
		j.MappingRemembered = false
	}
	j.Mapping = checked
	sheet := ""
	if j.Options.Sheet < len(j.Sheets) {
		sheet = j.Sheets[j.Options.Sheet]
	}
	if err := r.svc.Store.SaveImportMapping(ctx, j.SourceKey, sheet, j.Mapping); err != nil {
		return nil, err
	}
	j.Status, j.Phase, j.ActorID, j.Worker = tuopin.ImportQueued, tuopin.ImportPhaseValidate, u.ID, r.cfg.Worker
	j.Error, j.ErrorZH, j.ValidatedAt, j.FinishedAt = "", "", nil, nil
	j.Counts, j.Progress, j.Preview, j.HasReport = tuopin.ImportCounts{}, tuopin.ImportProgress{}, nil, false
	if err := r.svc.Store.UpdateImportJob(ctx, j, from); err != nil {
		return nil, err
	}
	os.Remove(r.reportPath(j.ID))
	r.enqueue(j)
	return j, nil
}

// sameMapping reports whether two mappings map the same columns to the
// same fields.
func sameMapping(a, b *tuopin.ImportMapping) bool {
	if a == nil || b == nil || len(a.Columns) != len(b.Columns) || a.HeaderRow != b.HeaderRow || a.HeaderRows != b.HeaderRows {
		return false
	}
	for i := range a.Columns {
		if a.Columns[i].Index != b.Columns[i].Index || a.Columns[i].Field != b.Columns[i].Field {
			return false
		}
	}
	return true
}

// CommitImport queues the commit of a job whose dry run is done, with a
// policy ("" keeps the job's). Returns ENOTFOUND outside the caller's
// scope, EFORBIDDEN for a role that may not edit the registry, ECONFLICT
// when the dry run has not run (or the job is running or finished), and
// EINVALID for an unknown policy or when the policy cannot commit: under
// all_or_nothing the dry run refused rows, under skip_refused it found
// nothing to import.
func (r *Runner) CommitImport(ctx context.Context, id int64, policy string) (*tuopin.ImportJob, error) {
	u, j, err := r.findForChange(ctx, id)
	if err != nil {
		return nil, err
	}
	if policy == "" {
		policy = j.Options.Policy
	}
	if !tuopin.ValidImportPolicy(policy) {
		return nil, tuopin.FieldErr("policy", "invalid_choice", "Policy must be %s or %s, not %q.", tuopin.ImportAllOrNothing, tuopin.ImportSkipRefused, policy)
	}
	if j.Status != tuopin.ImportValidated {
		return nil, tuopin.Errorf(tuopin.ECONFLICT, "Import %d is %s: run the dry run first; a commit follows a finished dry run.", id, j.Status)
	}
	if !j.CanCommit(policy) {
		if policy == tuopin.ImportAllOrNothing {
			return nil, tuopin.FieldErr("policy", "refused_rows",
				"The dry run refused %d row(s): with “all or nothing” nothing would be written. Correct the file and upload it again, or commit with “skip refused rows”.", j.Counts.RefusedRows)
		}
		return nil, tuopin.FieldErr("policy", "nothing_to_import", "The dry run found no household that can be imported.")
	}
	j.Status, j.Phase, j.ActorID, j.Worker, j.CommitPolicy = tuopin.ImportQueued, tuopin.ImportPhaseCommit, u.ID, r.cfg.Worker, policy
	j.Error, j.ErrorZH, j.FinishedAt = "", "", nil
	if err := r.svc.Store.UpdateImportJob(ctx, j, tuopin.ImportValidated); err != nil {
		return nil, err
	}
	r.enqueue(j)
	return j, nil
}

// CancelImport stops a job: a queued or running one held by this runner is
// stopped (a commit rolled back) before the cancel is recorded; one held
// by another process is asked to stop; a waiting one is retired. Returns
// ENOTFOUND outside the caller's scope, EFORBIDDEN for a role that may not
// edit the registry, and ECONFLICT for a job that is done or already
// cancelled.
func (r *Runner) CancelImport(ctx context.Context, id int64) (*tuopin.ImportJob, error) {
	if _, _, err := r.findForChange(ctx, id); err != nil {
		return nil, err
	}
	stopped := false
	if a := r.local(id); a != nil {
		a.cancel(errUserCancel)
		select {
		case <-a.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		stopped = true
	}
	if _, err := r.svc.Store.CancelImportJob(ctx, id, stopped); err != nil {
		return nil, err
	}
	return r.FindImportByID(ctx, id)
}

// OpenImportReport opens the .xlsx report of the refused rows of a job's
// last dry run or commit. Returns ENOTFOUND outside the caller's scope or
// when the job has no report (nothing was refused, or no step has run).
func (r *Runner) OpenImportReport(ctx context.Context, id int64) (io.ReadCloser, error) {
	j, err := r.svc.Store.FindImportJobByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if !j.HasReport || j.Running() {
		return nil, tuopin.NotFound("Report")
	}
	f, err := os.Open(r.reportPath(id))
	if errors.Is(err, os.ErrNotExist) {
		return nil, tuopin.NotFound("Report")
	}
	return f, err
}
