package tuopin

import (
	"context"
	"io"
	"strings"
	"time"
)

// Spreadsheet imports are durable jobs. A county clerk uploads a file; the
// job keeps it on disk, recognises its header and proposes a column
// mapping (a confirmed mapping is remembered per source, so the next file
// of the same template gets it back). Nothing is written until the two
// steps have run:
//
//  1. Dry run (validate): the file is streamed through the decoder and
//     every household is checked as the commit would check it — fields,
//     code tables, the village and the user's scope, ID numbers clashing
//     within the file or with other households of the year, and whether
//     its household number exists (it will then be updated). Nothing is
//     written; the counts (to create, to update, unchanged, refused) and a
//     report of every refused row are kept with the job.
//  2. Commit: the file is streamed again and written in ONE transaction,
//     in batches. Under ImportAllOrNothing any refused row means nothing
//     is written at all; under ImportSkipRefused the refused households
//     are left out, listed in the report, and the others go in. Either
//     way the file never goes in half: a cancel, a crash or an error rolls
//     the whole transaction back.
//
// A household is refused whole when any of its rows is: its other rows are
// listed in the report too, so that every row of the file is either
// imported or listed. Re-importing a file is idempotent: households are
// matched by year and household number, members by ID number, and a
// household that the file does not change is left alone (no new version,
// no audit entry).

// Import job statuses. Values are persisted: append, never rename.
const (
	ImportUploaded   = "uploaded"   // stored; mapping proposed, waiting for a dry run
	ImportQueued     = "queued"     // a dry run or commit is waiting for the runner
	ImportValidating = "validating" // dry run under way
	ImportValidated  = "validated"  // dry run done: counts and report ready
	ImportCommitting = "committing" // commit under way
	ImportDone       = "done"       // committed
	ImportFailed     = "failed"     // stopped by an error; Error says why
	ImportCancelled  = "cancelled"  // stopped by a user; nothing was written
)

// ImportStatuses lists the statuses in lifecycle order.
var ImportStatuses = []string{ImportUploaded, ImportQueued, ImportValidating, ImportValidated, ImportCommitting, ImportDone, ImportFailed, ImportCancelled}

// Commit policies.
const (
	// ImportAllOrNothing writes the file only when no row is refused.
	ImportAllOrNothing = "all_or_nothing"
	// ImportSkipRefused leaves the refused households out, lists them in
	// the report and writes the others.
	ImportSkipRefused = "skip_refused"
)

// Phases of a queued or running job (ImportJob.Phase).
const (
	ImportPhaseValidate = "validate"
	ImportPhaseCommit   = "commit"
)

// Audit actions of imports. Values are persisted: append, never rename.
const (
	ActionImportUpload  = "import.upload"
	ActionImportMapping = "import.mapping"
	ActionImportCommit  = "import.commit"
	ActionImportCancel  = "import.cancel"
)

// Encodings an upload may force for a CSV file; ImportEncodingAuto
// detects it.
const (
	ImportEncodingAuto = "auto"
	ImportEncodingUTF8 = "utf-8"
	ImportEncodingGBK  = "gbk"
)

// ImportPreviewRows is how many refused rows a job keeps for its page; the
// report file lists them all.
const ImportPreviewRows = 100

// ImportOptions are the choices of an upload.
type ImportOptions struct {
	Sheet    int    `json:"sheet"`    // 0-based worksheet
	Encoding string `json:"encoding"` // ImportEncodingAuto, …UTF8 or …GBK (CSV only)
	// Year is the registry year of rows without a 年度 column or value.
	Year   int    `json:"year,omitempty"`
	Policy string `json:"policy"` // ImportAllOrNothing or ImportSkipRefused
}

// Normalize fills defaults: auto encoding, all-or-nothing.
func (o *ImportOptions) Normalize() {
	o.Encoding = strings.ToLower(strings.TrimSpace(o.Encoding))
	switch o.Encoding {
	case "", "detect":
		o.Encoding = ImportEncodingAuto
	case "utf8", "utf-8-bom":
		o.Encoding = ImportEncodingUTF8
	case "gb18030", "gb2312":
		o.Encoding = ImportEncodingGBK
	}
	o.Policy = strings.TrimSpace(o.Policy)
	if o.Policy == "" {
		o.Policy = ImportAllOrNothing
	}
}

// Validate checks the options, with field keys sheet, encoding, year and
// policy. now bounds the year.
func (o *ImportOptions) Validate(now time.Time) error {
	var f Fields
	if o.Sheet < 0 || o.Sheet > 255 {
		f.Add("sheet", "invalid_sheet", "Sheet must be a worksheet of the file, counted from 1.")
	}
	switch o.Encoding {
	case ImportEncodingAuto, ImportEncodingUTF8, ImportEncodingGBK:
	default:
		f.Add("encoding", "invalid_choice", "Encoding must be auto, utf-8 or gbk, not %q.", o.Encoding)
	}
	if o.Year != 0 && (o.Year < 2013 || o.Year > now.Year()+1) {
		f.Add("year", "invalid_year", "Year must be between 2013 and %d.", now.Year()+1)
	}
	if !ValidImportPolicy(o.Policy) {
		f.Add("policy", "invalid_choice", "Policy must be %s or %s, not %q.", ImportAllOrNothing, ImportSkipRefused, o.Policy)
	}
	return f.Err()
}

// ValidImportPolicy reports whether p is a commit policy.
func ValidImportPolicy(p string) bool { return p == ImportAllOrNothing || p == ImportSkipRefused }

// ImportMapping says which field each column of a file holds. It has the
// JSON shape of the spreadsheet layer's mapping (package xlsx), which
// recognises it from the header and checks it; the root package keeps
// only its shape.
type ImportMapping struct {
	HeaderRow   int            `json:"header_row"`
	HeaderRows  int            `json:"header_rows"`
	Fingerprint string         `json:"fingerprint"`
	Columns     []ImportColumn `json:"columns"`
}

// ImportColumn is one column of an ImportMapping. Status is "stored" (a
// field the registry keeps), "not_stored" (recognised but not kept) or
// "unmapped".
type ImportColumn struct {
	Index  int    `json:"index"`
	Letter string `json:"letter"`
	Header string `json:"header"`
	Field  string `json:"field,omitempty"`
	Status string `json:"status"`
	Marked bool   `json:"marked,omitempty"`
}

// Fields returns the set of field keys the mapping maps a column to.
func (m *ImportMapping) Fields() map[string]bool {
	out := map[string]bool{}
	if m == nil {
		return out
	}
	for _, c := range m.Columns {
		if c.Field != "" {
			out[c.Field] = true
		}
	}
	return out
}

// ImportRowError is one refused row, or one refused cell of it, as the
// report lists it: the row number the spreadsheet shows, the column letter
// and header, the field, the value as the user sees it, the household
// number, a stable code and the reason in English and Chinese.
type ImportRowError struct {
	Row       int    `json:"row"`
	Column    string `json:"column,omitempty"`
	Header    string `json:"header,omitempty"`
	Field     string `json:"field,omitempty"`
	Value     string `json:"value,omitempty"`
	Household string `json:"household,omitempty"`
	Code      string `json:"code"`
	Reason    string `json:"reason"`
	ReasonZH  string `json:"reason_zh"`
}

// ImportCounts are the figures of a dry run or a commit. Created, Updated
// and Unchanged are what the dry run would do, then what the commit did.
type ImportCounts struct {
	Rows              int `json:"rows"`               // data rows read
	Households        int `json:"households"`         // households found
	Members           int `json:"members"`            // members of the households found
	RefusedRows       int `json:"refused_rows"`       // rows not imported
	RefusedHouseholds int `json:"refused_households"` // households not imported
	Errors            int `json:"errors"`             // lines of the report
	Created           int `json:"created"`
	Updated           int `json:"updated"`
	Unchanged         int `json:"unchanged"`
	// ReviewsFiled counts the cross-county ID clashes sent to the
	// duplicate review queue at commit.
	ReviewsFiled int `json:"reviews_filed,omitempty"`
}

// ImportProgress is how far a running job is. While the file is first
// scanned (to group each household's rows), progress is in bytes; then in
// rows, out of the rows the scan counted.
type ImportProgress struct {
	Phase      string `json:"phase,omitempty"` // ImportPhaseValidate or ImportPhaseCommit
	Step       string `json:"step,omitempty"`  // "scan" or "rows"
	RowsRead   int    `json:"rows_read"`
	RowsTotal  int    `json:"rows_total"`
	BytesRead  int64  `json:"bytes_read"`
	BytesTotal int64  `json:"bytes_total"`
}

// Percent returns the progress in percent, 0–100.
func (p ImportProgress) Percent() int {
	switch {
	case p.Step == "rows" && p.RowsTotal > 0:
		return min(100, 5+p.RowsRead*95/p.RowsTotal)
	case p.BytesTotal > 0:
		return min(5, int(p.BytesRead*5/p.BytesTotal))
	}
	return 0
}

// ImportJob is one spreadsheet import.
type ImportJob struct {
	ID       int64  `json:"id"`
	Status   string `json:"status"`
	Phase    string `json:"phase,omitempty"` // of a queued or running job
	FileName string `json:"file_name"`
	FileSize int64  `json:"file_size"`
	// Format is the detected format (xlsx, xls or csv) and Encoding the
	// encoding a CSV file was read in.
	Format   string         `json:"format"`
	Encoding string         `json:"encoding,omitempty"`
	Sheets   []string       `json:"sheets"`
	Options  ImportOptions  `json:"options"`
	Mapping  *ImportMapping `json:"mapping,omitempty"`
	// SourceKey identifies the file's layout (its header and sheet name):
	// a mapping confirmed for it is remembered under this key.
	SourceKey string `json:"source_key"`
	// MappingRemembered is set when the mapping came from one confirmed
	// for an earlier file of the same source.
	MappingRemembered bool `json:"mapping_remembered"`

	Counts   ImportCounts     `json:"counts"`
	Progress ImportProgress   `json:"progress"`
	Preview  []ImportRowError `json:"preview"` // the first refused rows
	// Validated is the policy-independent outcome of the last dry run:
	// set when the dry run finished with the job's current mapping.
	ValidatedAt *time.Time `json:"validated_at,omitempty"`
	CommittedAt *time.Time `json:"committed_at,omitempty"`
	// CommitPolicy is the policy the commit ran (or runs) with.
	CommitPolicy string `json:"commit_policy,omitempty"`
	HasReport    bool   `json:"has_report"`

	Scope         string     `json:"scope"` // the uploader's scope
	CreatedBy     int64      `json:"created_by"`
	CreatedByName string     `json:"created_by_name"`
	ActorID       int64      `json:"actor_id"` // who asked for the last dry run or commit
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	StartedAt     *time.Time `json:"started_at,omitempty"`
	FinishedAt    *time.Time `json:"finished_at,omitempty"`
	// Error says why a job failed (English; ErrorZH in Chinese).
	Error   string `json:"error,omitempty"`
	ErrorZH string `json:"error_zh,omitempty"`
	// Worker names the runner that holds a queued or running job.
	Worker string `json:"-"`
}

// Running reports whether the job is queued or running.
func (j *ImportJob) Running() bool {
	switch j.Status {
	case ImportQueued, ImportValidating, ImportCommitting:
		return true
	}
	return false
}

// Finished reports whether the job has ended for good (done or cancelled).
func (j *ImportJob) Finished() bool { return j.Status == ImportDone || j.Status == ImportCancelled }

// CanValidate reports whether a dry run may be started.
func (j *ImportJob) CanValidate() bool {
	switch j.Status {
	case ImportUploaded, ImportValidated, ImportFailed:
		return true
	}
	return false
}

// CanCommit reports whether the job may be committed with policy: its dry
// run is done and, under ImportAllOrNothing, refused nothing.
func (j *ImportJob) CanCommit(policy string) bool {
	if j.Status != ImportValidated {
		return false
	}
	if policy == ImportAllOrNothing {
		return j.Counts.RefusedRows == 0
	}
	return j.Counts.Created+j.Counts.Updated+j.Counts.Unchanged > 0
}

// CanCancel reports whether the job may be cancelled.
func (j *ImportJob) CanCancel() bool {
	switch j.Status {
	case ImportDone, ImportCancelled:
		return false
	}
	return true
}

// ImportFilter selects jobs; the caller's scope applies too.
type ImportFilter struct {
	ID     *int64
	Status *string
	Offset int
	Limit  int
}

// ImportUpload is a file handed to CreateImport.
type ImportUpload struct {
	FileName string
	Body     io.Reader
	Options  ImportOptions
}

// ImportChange changes a job's settings before a dry run; nil fields are
// unchanged. Changing the sheet or the encoding recognises the header
// again: Mapping is then ignored, and the new mapping is proposed for
// confirmation instead of the dry run starting.
type ImportChange struct {
	Mapping  *ImportMapping
	Sheet    *int
	Encoding *string
	Year     *int
	Policy   *string
}

// ImportService runs spreadsheet imports. Every method applies the
// caller's scope: a job uploaded by a user whose scope lies outside the
// caller's is ENOTFOUND. Uploading, running and cancelling need a role
// that CanEditRegistry (EFORBIDDEN otherwise); the dry run and the commit
// act as the user who asked for them, with that user's scope.
type ImportService interface {
	// CreateImport stores an uploaded file as a new job: it detects the
	// format, recognises the header and proposes a mapping (the one
	// remembered for the source, if any). It does not start the dry run.
	// Returns EINVALID for bad options, an empty or unreadable file, or
	// one too large.
	CreateImport(ctx context.Context, up ImportUpload) (*ImportJob, error)

	// FindImportByID returns a job with its live progress.
	FindImportByID(ctx context.Context, id int64) (*ImportJob, error)

	// FindImports lists jobs in the caller's scope, newest first, with the
	// total count before paging.
	FindImports(ctx context.Context, filter ImportFilter) ([]*ImportJob, int, error)

	// ValidateImport applies change (may be nil), checks the mapping,
	// remembers it for the source and queues the dry run (unless the
	// change names another sheet or encoding: see ImportChange). Returns EINVALID
	// for a mapping that cannot import households, and ECONFLICT when the
	// job is running or finished.
	ValidateImport(ctx context.Context, id int64, change *ImportChange) (*ImportJob, error)

	// CommitImport queues the commit with a policy ("" keeps the job's).
	// The dry run must have run (ECONFLICT otherwise); under
	// ImportAllOrNothing it must have refused nothing (EINVALID).
	CommitImport(ctx context.Context, id int64, policy string) (*ImportJob, error)

	// CancelImport stops a queued or running job (a running commit is
	// rolled back) or retires one that waits. Returns ECONFLICT for a job
	// that is done.
	CancelImport(ctx context.Context, id int64) (*ImportJob, error)

	// OpenImportReport opens the .xlsx report of refused rows of the last
	// dry run or commit. Returns ENOTFOUND when there is none.
	OpenImportReport(ctx context.Context, id int64) (io.ReadCloser, error)
}

// ImportJobStore keeps the durable record of import jobs and the
// remembered mappings; the jobs package runs them over it. Methods that
// take a context with a user apply its scope.
type ImportJobStore interface {
	// CreateImportJob stores a new job (ID, times and creator set from the
	// context's user) with an ActionImportUpload audit entry.
	CreateImportJob(ctx context.Context, j *ImportJob) error
	// FindImportJobByID returns a job inside the caller's scope; with
	// tuopin.SystemUser any job.
	FindImportJobByID(ctx context.Context, id int64) (*ImportJob, error)
	// FindImportJobs lists jobs in the caller's scope, newest first.
	FindImportJobs(ctx context.Context, filter ImportFilter) ([]*ImportJob, int, error)
	// UpdateImportJob stores a job's state if its status is still one of
	// from (ECONFLICT otherwise). It is bookkeeping, not audited.
	UpdateImportJob(ctx context.Context, j *ImportJob, from ...string) error
	// CancelImportJob cancels a job, with an ActionImportCancel audit
	// entry. A job that waits (uploaded, queued, validated, failed), or a
	// running one whose runner has stopped (stopped), is set cancelled at
	// once; for a job still running the runner that holds it is asked to
	// stop (ImportCancelRequested) and sets the status itself. Returns the
	// job as stored, and ECONFLICT for a job that is done or already
	// cancelled.
	CancelImportJob(ctx context.Context, id int64, stopped bool) (*ImportJob, error)
	// ImportCancelRequested reports whether a cancel was asked for.
	ImportCancelRequested(ctx context.Context, id int64) (bool, error)
	// HeartbeatImportJobs marks the running jobs of a worker as alive.
	HeartbeatImportJobs(ctx context.Context, worker string) error
	// FindStaleImportJobs lists queued and running jobs whose worker has
	// not given a heartbeat since before.
	FindStaleImportJobs(ctx context.Context, before time.Time) ([]*ImportJob, error)
	// FindImportMapping returns the mapping remembered for a source, as
	// confirmed at or above the caller's scope, or nil.
	FindImportMapping(ctx context.Context, sourceKey string) (*ImportMapping, error)
	// SaveImportMapping remembers a confirmed mapping for a source at the
	// caller's scope, with an ActionImportMapping audit entry when it
	// changes.
	SaveImportMapping(ctx context.Context, sourceKey, sheetName string, m *ImportMapping) error
	// FindImportActor returns an enabled user by ID, for a job resumed
	// after a restart (ENOTFOUND otherwise).
	FindImportActor(ctx context.Context, id int64) (*User, error)
}

// Household import outcomes.
const (
	ImportCreate    = "create"
	ImportUpdate    = "update"
	ImportUnchanged = "unchanged"
	ImportRefuse    = "refuse"
)

// HouseholdImportOptions tune the storage checks and writes of an import.
type HouseholdImportOptions struct {
	// Fields is the set of field keys the file has a column for (see
	// ImportMapping.Fields). A stored household's fields without a column
	// keep their value; nil means every field is in the file.
	Fields map[string]bool
	// Reason is recorded on each household's audit entry.
	Reason string
}

// IDClash is a member's ID number registered that year in another
// household.
type IDClash struct {
	Member      int    `json:"member"` // index in the household's Members
	IDNumber    string `json:"id_number"`
	OtherNumber string `json:"other_number"`
	OtherArea   string `json:"other_area"`
	// CrossCounty is set when the other household lies in another county.
	CrossCounty bool `json:"cross_county"`
}

// HouseholdImportOutcome is what an import does, or would do, with one
// household: Action is ImportCreate, ImportUpdate, ImportUnchanged or
// ImportRefuse. A refusal carries Err (EINVALID with field keys as
// HouseholdService uses them: "area_code", "number",
// "members[1].id_number", "status") and the ID clashes among its reasons.
type HouseholdImportOutcome struct {
	Action  string
	Err     error
	Clashes []IDClash
	// ID is the stored household's ID (after a commit, or when it exists).
	ID int64
}

// HouseholdImporter is the storage side of an import (sqldb implements
// it). CheckImport is the dry run of one batch, in a read transaction;
// BeginImport opens the one write transaction of a commit.
type HouseholdImporter interface {
	CheckImport(ctx context.Context, hs []*Household, opts HouseholdImportOptions) ([]HouseholdImportOutcome, error)
	BeginImport(ctx context.Context) (HouseholdImportTx, error)
}

// HouseholdImportTx is the write transaction of a commit.
type HouseholdImportTx interface {
	// Import checks and writes one batch: refused households are left
	// out (the caller decides whether that aborts the import), the others
	// are created or updated, each with its audit entry.
	Import(ctx context.Context, hs []*Household, opts HouseholdImportOptions) ([]HouseholdImportOutcome, error)
	// Finish stores the job's final state (status ImportDone, counts) and
	// its ActionImportCommit audit entry, then commits everything; the job
	// must still be ImportCommitting (ECONFLICT otherwise, and nothing is
	// committed).
	Finish(ctx context.Context, j *ImportJob) error
	// FileIDClashReviews files the cross-county ID clashes of refused
	// households in the duplicate review queue, in the import's
	// transaction (see IDClashReviewer).
	FileIDClashReviews(ctx context.Context, source string, refused []RefusedHousehold) (int, error)
	// Rollback discards everything written; after Finish it does nothing.
	Rollback() error
}

// RefusedHousehold is a household an import refused, with the ID clashes
// among its reasons.
type RefusedHousehold struct {
	Household *Household
	Clashes   []IDClash
}

// IDClashReviewer files the cross-county ID clashes of refused households
// in the duplicate review queue (sqldb implements it), in a transaction of
// its own, and returns how many reviews were filed. source says where the
// records came from ("import job 12").
type IDClashReviewer interface {
	FileIDClashReviews(ctx context.Context, source string, refused []RefusedHousehold) (int, error)
}
