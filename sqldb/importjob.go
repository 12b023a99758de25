package sqldb

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tuopin/tuopin"
)

var _ tuopin.ImportJobStore = (*ImportJobStore)(nil)

// ImportJobStore keeps the durable record of spreadsheet import jobs
// (import_jobs) and the column mappings remembered per source
// (import_mappings). The jobs package runs the imports over it; the
// uploaded files themselves lie in the data directory.
//
// A job belongs to its uploader's scope: it is visible to every user whose
// scope covers that scope (a county office sees its townships' imports),
// and to no one else.
type ImportJobStore struct {
	db *DB
}

// NewImportJobStore returns the import job store of db.
func NewImportJobStore(db *DB) *ImportJobStore { return &ImportJobStore{db: db} }

const importJobColumns = `id, status, phase, file_name, file_size, format, encoding, sheets, options, mapping,
	source_key, mapping_remembered, counts, progress, preview, has_report, commit_policy, error, error_zh,
	scope, created_by, created_by_name, actor_id, worker, created_at, updated_at, started_at, finished_at,
	validated_at, committed_at`

// runningStatuses are the statuses of a job a runner holds.
var runningStatuses = []string{tuopin.ImportQueued, tuopin.ImportValidating, tuopin.ImportCommitting}

func scanImportJob(row interface{ Scan(...any) error }) (*tuopin.ImportJob, error) {
	var j tuopin.ImportJob
	var sheets, options, counts, progress, preview string
	var mapping sql.NullString
	var created, updated string
	var started, finished, validated, committed sql.NullString
	if err := row.Scan(&j.ID, &j.Status, &j.Phase, &j.FileName, &j.FileSize, &j.Format, &j.Encoding, &sheets, &options, &mapping,
		&j.SourceKey, &j.MappingRemembered, &counts, &progress, &preview, &j.HasReport, &j.CommitPolicy, &j.Error, &j.ErrorZH,
		&j.Scope, &j.CreatedBy, &j.CreatedByName, &j.ActorID, &j.Worker, &created, &updated, &started, &finished,
		&validated, &committed); err != nil {
		return nil, err
	}
	for _, x := range []struct {
		s string
		v any
	}{{sheets, &j.Sheets}, {options, &j.Options}, {counts, &j.Counts}, {progress, &j.Progress}, {preview, &j.Preview}} {
		if err := json.Unmarshal([]byte(x.s), x.v); err != nil {
			return nil, fmt.Errorf("sqldb: import job %d: bad stored JSON: %w", j.ID, err)
		}
	}
	if mapping.Valid && mapping.String != "" {
		j.Mapping = &tuopin.ImportMapping{}
		if err := json.Unmarshal([]byte(mapping.String), j.Mapping); err != nil {
			return nil, fmt.Errorf("sqldb: import job %d: bad stored mapping: %w", j.ID, err)
		}
	}
	if j.Sheets == nil {
		j.Sheets = []string{}
	}
	if j.Preview == nil {
		j.Preview = []tuopin.ImportRowError{}
	}
	var err error
	if j.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if j.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	for _, x := range []struct {
		s sql.NullString
		t **time.Time
	}{{started, &j.StartedAt}, {finished, &j.FinishedAt}, {validated, &j.ValidatedAt}, {committed, &j.CommittedAt}} {
		if *x.t, err = parseNullTime(x.s); err != nil {
			return nil, err
		}
	}
	return &j, nil
}

// importJobJSON returns the JSON columns of a job, in the order sheets,
// options, mapping (nil for none), counts, progress, preview.
func importJobJSON(j *tuopin.ImportJob) ([]any, error) {
	sheets, preview := j.Sheets, j.Preview
	if sheets == nil {
		sheets = []string{}
	}
	if preview == nil {
		preview = []tuopin.ImportRowError{}
	}
	var out []any
	for _, v := range []any{sheets, j.Options, j.Mapping, j.Counts, j.Progress, preview} {
		if m, ok := v.(*tuopin.ImportMapping); ok && m == nil {
			out = append(out, nil)
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, fmt.Errorf("sqldb: import job %d: %w", j.ID, err)
		}
		out = append(out, string(b))
	}
	return out, nil
}

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return formatTime(*t)
}

// importJobAudit is what the audit log records of a job.
type importJobAudit struct {
	FileName string               `json:"file_name"`
	FileSize int64                `json:"file_size"`
	Format   string               `json:"format,omitempty"`
	Status   string               `json:"status"`
	Options  tuopin.ImportOptions `json:"options"`
	Policy   string               `json:"policy,omitempty"`
	Counts   *tuopin.ImportCounts `json:"counts,omitempty"`
}

func auditOfJob(j *tuopin.ImportJob, withCounts bool) *importJobAudit {
	a := &importJobAudit{FileName: j.FileName, FileSize: j.FileSize, Format: j.Format, Status: j.Status, Options: j.Options, Policy: j.CommitPolicy}
	if withCounts {
		c := j.Counts
		a.Counts = &c
	}
	return a
}

// CreateImportJob stores a new job uploaded by the caller, whose scope and
// name it takes, with an "import.upload" audit entry. It sets ID,
// CreatedBy, CreatedByName, Scope and the times. Returns EUNAUTHORIZED
// without a user and EFORBIDDEN for a role that may not edit the registry.
func (s *ImportJobStore) CreateImportJob(ctx context.Context, j *tuopin.ImportJob) error {
	u, err := registryEditor(ctx)
	if err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	j.Scope, j.CreatedBy, j.CreatedByName, j.ActorID = u.Scope, u.ID, actorName(u), u.ID
	j.CreatedAt, j.UpdatedAt = tx.now, tx.now
	if j.Status == "" {
		j.Status = tuopin.ImportUploaded
	}
	js, err := importJobJSON(j)
	if err != nil {
		return err
	}
	now := formatTime(tx.now)
	args := []any{j.Status, j.Phase, j.FileName, j.FileSize, j.Format, j.Encoding}
	args = append(args, js[:3]...)
	args = append(args, j.SourceKey, j.MappingRemembered)
	args = append(args, js[3:]...)
	args = append(args, j.HasReport, j.CommitPolicy, j.Error, j.ErrorZH, j.Scope, j.CreatedBy, j.CreatedByName, j.ActorID, now, now)
	if err := tx.QueryRowContext(ctx, `
		INSERT INTO import_jobs (status, phase, file_name, file_size, format, encoding, sheets, options, mapping,
			source_key, mapping_remembered, counts, progress, preview, has_report, commit_policy, error, error_zh,
			scope, created_by, created_by_name, actor_id, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, args...).Scan(&j.ID); err != nil {
		return s.db.formatError(err)
	}
	e, err := newAuditEntry(tuopin.ActionImportUpload, "import_job", strconv.FormatInt(j.ID, 10), j.Scope, "", nil, auditOfJob(j, false))
	if err != nil {
		return err
	}
	if err := tx.appendAudit(ctx, e); err != nil {
		return err
	}
	return tx.Commit()
}

// findImportJob reads a job inside scope (any job for scope "").
func findImportJob(ctx context.Context, tx *Tx, id int64, scope string) (*tuopin.ImportJob, error) {
	q, args := `SELECT `+importJobColumns+` FROM import_jobs WHERE id = ?`, []any{id}
	if p, a := scopeRange("scope", scope); p != "" {
		q, args = q+" AND "+p, append(args, a...)
	}
	j, err := scanImportJob(tx.QueryRowContext(ctx, q, args...))
	if err == sql.ErrNoRows {
		return nil, tuopin.NotFound("Import")
	} else if err != nil {
		return nil, tx.db.formatError(err)
	}
	return j, nil
}

// FindImportJobByID returns a job whose uploader's scope lies inside the
// caller's. Returns ENOTFOUND otherwise, or without a user.
func (s *ImportJobStore) FindImportJobByID(ctx context.Context, id int64) (*tuopin.ImportJob, error) {
	u := tuopin.UserFromContext(ctx)
	if u == nil {
		return nil, tuopin.NotFound("Import")
	}
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findImportJob(ctx, tx, id, u.Scope)
}

// FindImportJobs lists the jobs in the caller's scope, newest first, with
// the total count before paging (Limit 50 by default, at most 500).
func (s *ImportJobStore) FindImportJobs(ctx context.Context, filter tuopin.ImportFilter) ([]*tuopin.ImportJob, int, error) {
	u := tuopin.UserFromContext(ctx)
	if u == nil {
		return []*tuopin.ImportJob{}, 0, nil
	}
	where, args := []string{"1 = 1"}, []any{}
	if p, a := scopeRange("scope", u.Scope); p != "" {
		where, args = append(where, p), append(args, a...)
	}
	if v := filter.ID; v != nil {
		where, args = append(where, "id = ?"), append(args, *v)
	}
	if v := filter.Status; v != nil {
		where, args = append(where, "status = ?"), append(args, *v)
	}
	cond := strings.Join(where, " AND ")
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	return findPage(ctx, tx, "import_jobs", importJobColumns, cond, args, filter.Limit, filter.Offset,
		func(rows *sql.Rows) (*tuopin.ImportJob, error) { return scanImportJob(rows) })
}

// UpdateImportJob stores the state of a job (everything but its file,
// scope and creator) if its status is still one of from (any status when
// from is empty), inside the caller's scope. A job that becomes queued
// has any earlier cancel request cleared; a job held by a worker has its
// heartbeat renewed. It writes no audit entry: status and progress are
// bookkeeping, and the commit's own entry is written by the commit.
// Returns ENOTFOUND outside the scope and ECONFLICT when the status has
// moved on (a cancel, another runner).
func (s *ImportJobStore) UpdateImportJob(ctx context.Context, j *tuopin.ImportJob, from ...string) error {
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := updateImportJob(ctx, tx, j, from...); err != nil {
		return err
	}
	return tx.Commit()
}

func updateImportJob(ctx context.Context, tx *Tx, j *tuopin.ImportJob, from ...string) error {
	js, err := importJobJSON(j)
	if err != nil {
		return err
	}
	j.UpdatedAt = tx.now
	var heartbeat any
	if j.Worker != "" {
		heartbeat = formatTime(tx.now)
	}
	args := []any{j.Status, j.Phase, j.Format, j.Encoding}
	args = append(args, js[:3]...)
	args = append(args, j.SourceKey, j.MappingRemembered)
	args = append(args, js[3:]...)
	args = append(args, j.HasReport, j.CommitPolicy, j.Error, j.ErrorZH, j.ActorID, j.Worker, heartbeat,
		j.Status == tuopin.ImportQueued, formatTime(tx.now), nullTime(j.StartedAt), nullTime(j.FinishedAt),
		nullTime(j.ValidatedAt), nullTime(j.CommittedAt), j.ID)
	q := `
		UPDATE import_jobs SET status = ?, phase = ?, format = ?, encoding = ?, sheets = ?, options = ?, mapping = ?,
			source_key = ?, mapping_remembered = ?, counts = ?, progress = ?, preview = ?, has_report = ?,
			commit_policy = ?, error = ?, error_zh = ?, actor_id = ?, worker = ?, heartbeat_at = ?,
			cancel_requested = CASE WHEN ? THEN FALSE ELSE cancel_requested END,
			updated_at = ?, started_at = ?, finished_at = ?, validated_at = ?, committed_at = ?
		WHERE id = ?`
	if len(from) > 0 {
		q += ` AND status IN (` + placeholders(len(from)) + `)`
		for _, st := range from {
			args = append(args, st)
		}
	}
	if p, a := scopeRange("scope", tx.user.Scope); p != "" {
		q, args = q+" AND "+p, append(args, a...)
	}
	res, err := tx.ExecContext(ctx, q, args...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return tx.db.formatError(err)
	} else if n == 0 {
		cur, err := findImportJob(ctx, tx, j.ID, tx.user.Scope)
		if err != nil {
			return err
		}
		return tuopin.Errorf(tuopin.ECONFLICT, "Import %d is %s now, not %s.", j.ID, cur.Status, strings.Join(from, " or "))
	}
	return nil
}

// CancelImportJob cancels a job with an "import.cancel" audit entry. A job
// that waits (uploaded, queued, validated, failed) is cancelled at once, and
// so is one being validated or committed when stopped says that its runner
// has stopped it; otherwise cancel_requested asks the runner that holds it
// to stop, and the runner sets the status once it has rolled back. Returns
// ENOTFOUND outside the caller's scope, EFORBIDDEN for a role that may not
// edit the registry, and ECONFLICT for a job that is done or already
// cancelled.
func (s *ImportJobStore) CancelImportJob(ctx context.Context, id int64, stopped bool) (*tuopin.ImportJob, error) {
	u := tuopin.UserFromContext(ctx)
	if u == nil {
		return nil, errNoUser
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	j, err := findImportJob(ctx, tx, id, u.Scope)
	if err != nil {
		return nil, err
	}
	if err := checkRegistryRole(u); err != nil {
		return nil, err
	}
	before := auditOfJob(j, false)
	switch j.Status {
	case tuopin.ImportDone:
		return nil, tuopin.Errorf(tuopin.ECONFLICT, "Import %d is already committed; it cannot be cancelled.", id)
	case tuopin.ImportCancelled:
		return nil, tuopin.Errorf(tuopin.ECONFLICT, "Import %d is already cancelled.", id)
	}
	if (j.Status == tuopin.ImportValidating || j.Status == tuopin.ImportCommitting) && !stopped {
		if _, err := tx.ExecContext(ctx, `UPDATE import_jobs SET cancel_requested = TRUE, updated_at = ? WHERE id = ?`,
			formatTime(tx.now), id); err != nil {
			return nil, err
		}
	} else {
		if _, err := tx.ExecContext(ctx, `
			UPDATE import_jobs SET status = ?, phase = '', worker = '', finished_at = ?, updated_at = ? WHERE id = ?`,
			tuopin.ImportCancelled, formatTime(tx.now), formatTime(tx.now), id); err != nil {
			return nil, err
		}
		j.Status, j.Phase, j.Worker, j.FinishedAt, j.UpdatedAt = tuopin.ImportCancelled, "", "", &tx.now, tx.now
	}
	after := auditOfJob(j, false)
	after.Status = tuopin.ImportCancelled
	e, err := newAuditEntry(tuopin.ActionImportCancel, "import_job", strconv.FormatInt(id, 10), j.Scope, "", before, after)
	if err != nil {
		return nil, err
	}
	if err := tx.appendAudit(ctx, e); err != nil {
		return nil, err
	}
	return j, tx.Commit()
}

// ImportCancelRequested reports whether a cancel was asked for a job. It
// reads outside any transaction of the caller, so that a runner can ask
// while its commit transaction is open.
func (s *ImportJobStore) ImportCancelRequested(ctx context.Context, id int64) (bool, error) {
	var yes bool
	err := s.db.queryRow(ctx, `SELECT cancel_requested FROM import_jobs WHERE id = ?`, id).Scan(&yes)
	if err == sql.ErrNoRows {
		return false, tuopin.NotFound("Import")
	}
	return yes, s.db.formatError(err)
}

// HeartbeatImportJobs renews the heartbeat of a worker's queued and
// running jobs.
func (s *ImportJobStore) HeartbeatImportJobs(ctx context.Context, worker string) error {
	tx, err := s.db.beginAs(ctx, tuopin.SystemUser)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE import_jobs SET heartbeat_at = ? WHERE worker = ? AND status IN (`+placeholders(len(runningStatuses))+`)`,
		append([]any{formatTime(tx.now), worker}, toAny(runningStatuses)...)...); err != nil {
		return err
	}
	return tx.Commit()
}

// FindStaleImportJobs lists the queued and running jobs whose heartbeat is
// older than before (or missing): their runner has stopped.
func (s *ImportJobStore) FindStaleImportJobs(ctx context.Context, before time.Time) ([]*tuopin.ImportJob, error) {
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+importJobColumns+` FROM import_jobs
		WHERE status IN (`+placeholders(len(runningStatuses))+`) AND (heartbeat_at IS NULL OR heartbeat_at < ?) ORDER BY id`,
		append(toAny(runningStatuses), formatTime(before))...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*tuopin.ImportJob
	for rows.Next() {
		j, err := scanImportJob(rows)
		if err != nil {
			return nil, s.db.formatError(err)
		}
		out = append(out, j)
	}
	return out, s.db.formatError(rows.Err())
}

func toAny(list []string) []any {
	out := make([]any, len(list))
	for i, v := range list {
		out[i] = v
	}
	return out
}

// FindImportMapping returns the mapping remembered for a source at the
// caller's scope or the nearest scope above it (a county's mapping serves
// its townships), or nil when there is none.
func (s *ImportJobStore) FindImportMapping(ctx context.Context, sourceKey string) (*tuopin.ImportMapping, error) {
	u := tuopin.UserFromContext(ctx)
	if u == nil || sourceKey == "" {
		return nil, nil
	}
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	// The scopes that cover the caller's: its own and its ancestors'.
	scopes := []any{sourceKey, ""}
	for _, p := range tuopin.AncestorPrefixes(u.Scope) {
		scopes = append(scopes, p)
	}
	scopes = append(scopes, u.Scope)
	rows, err := tx.QueryContext(ctx, `SELECT scope, mapping FROM import_mappings WHERE source_key = ? AND scope IN (`+
		placeholders(len(scopes)-1)+`)`, scopes...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type found struct{ scope, mapping string }
	var all []found
	for rows.Next() {
		var f found
		if err := rows.Scan(&f.scope, &f.mapping); err != nil {
			return nil, s.db.formatError(err)
		}
		if strings.HasPrefix(u.Scope, f.scope) {
			all = append(all, f)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, s.db.formatError(err)
	}
	if len(all) == 0 {
		return nil, nil
	}
	// The nearest: the longest scope.
	sort.Slice(all, func(i, k int) bool { return len(all[i].scope) > len(all[k].scope) })
	var m tuopin.ImportMapping
	if err := json.Unmarshal([]byte(all[0].mapping), &m); err != nil {
		return nil, fmt.Errorf("sqldb: bad stored import mapping: %w", err)
	}
	return &m, nil
}

// SaveImportMapping remembers a mapping confirmed by the caller for a
// source, at the caller's scope, with an "import.mapping" audit entry when
// it is new or changed. Returns EFORBIDDEN for a role that may not edit the
// registry.
func (s *ImportJobStore) SaveImportMapping(ctx context.Context, sourceKey, sheetName string, m *tuopin.ImportMapping) error {
	u, err := registryEditor(ctx)
	if err != nil {
		return err
	}
	if sourceKey == "" || m == nil {
		return tuopin.FieldErr("mapping", "required", "A mapping and its source are required.")
	}
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var old string
	err = tx.QueryRowContext(ctx, `SELECT mapping FROM import_mappings WHERE source_key = ? AND scope = ?`, sourceKey, u.Scope).Scan(&old)
	switch {
	case err == sql.ErrNoRows:
	case err != nil:
		return s.db.formatError(err)
	case bytes.Equal([]byte(old), b):
		return nil // nothing changes
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO import_mappings (source_key, scope, sheet_name, fingerprint, mapping, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (source_key, scope) DO UPDATE SET sheet_name = excluded.sheet_name, fingerprint = excluded.fingerprint,
			mapping = excluded.mapping, updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		sourceKey, u.Scope, sheetName, m.Fingerprint, string(b), formatTime(tx.now), actorName(u)); err != nil {
		return err
	}
	// The audit entry names each column's field, which is what changes.
	summary := func(raw string) any {
		if raw == "" {
			return nil
		}
		var mm tuopin.ImportMapping
		if json.Unmarshal([]byte(raw), &mm) != nil {
			return nil
		}
		cols := map[string]string{"sheet": sheetName}
		for _, c := range mm.Columns {
			cols[c.Letter] = c.Header + " → " + c.Field
		}
		return cols
	}
	e, err := newAuditEntry(tuopin.ActionImportMapping, "import_mapping", sourceKey, u.Scope, "", summary(old), summary(string(b)))
	if err != nil {
		return err
	}
	if err := tx.appendAudit(ctx, e); err != nil {
		return err
	}
	return tx.Commit()
}

// FindImportActor returns an enabled user by ID, whatever the caller's
// scope: a runner resuming a job after a restart acts as the user who
// asked for it, with that user's current role and scope. Returns
// ENOTFOUND for a missing or disabled user.
func (s *ImportJobStore) FindImportActor(ctx context.Context, id int64) (*tuopin.User, error) {
	u, err := scanUser(s.db.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = ?`, id))
	if err == sql.ErrNoRows || err == nil && u.Disabled {
		return nil, tuopin.NotFound("User")
	} else if err != nil {
		return nil, s.db.formatError(err)
	}
	return u, nil
}
