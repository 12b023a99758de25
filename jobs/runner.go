package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/tuopin/tuopin"
)

var _ tuopin.ImportService = (*Runner)(nil)

// Config tunes a Runner. The zero value of each field means its default.
type Config struct {
	// Dir holds the uploaded files and the reports ("<id>.src",
	// "<id>-report.xlsx"); required. tuopin uses <data>/imports.
	Dir string
	// MaxUploadBytes bounds an uploaded file (default 256 MiB).
	MaxUploadBytes int64
	// Workers is how many dry runs may run at once (default 2). Commits
	// run one at a time.
	Workers int
	// BatchSize is how many households a dry run checks, and a commit
	// writes, per batch (default 1000: a batch adds a roll-up row for
	// every village and metric it touches, so that on PostgreSQL smaller
	// batches cost more per household; see docs/benchmarks.md).
	BatchSize int
	// Heartbeat is how often a runner marks its jobs alive (default 15s);
	// a job whose heartbeat is older than StaleAfter (default 4 heartbeats)
	// is taken over by the next runner to start.
	Heartbeat  time.Duration
	StaleAfter time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives job errors (default: discard).
	Logger *slog.Logger
	// Worker names this runner in import_jobs.worker (default
	// host:pid:random).
	Worker string
}

// DefaultMaxUploadBytes is the default bound of an uploaded file.
const DefaultMaxUploadBytes = 256 << 20

func (c Config) withDefaults() Config {
	if c.MaxUploadBytes <= 0 {
		c.MaxUploadBytes = DefaultMaxUploadBytes
	}
	if c.Workers <= 0 {
		c.Workers = 2
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 1000
	}
	if c.Heartbeat <= 0 {
		c.Heartbeat = 15 * time.Second
	}
	if c.StaleAfter <= 0 {
		c.StaleAfter = 4 * c.Heartbeat
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if c.Worker == "" {
		host, _ := os.Hostname()
		b := make([]byte, 4)
		rand.Read(b)
		c.Worker = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b))
	}
	return c
}

// Services are what a Runner works with. Store, Households, Codes and
// Areas are required; Reviewer (the cross-county duplicate queue) is
// optional.
type Services struct {
	Store      tuopin.ImportJobStore
	Households tuopin.HouseholdImporter
	Codes      tuopin.CodeService
	Areas      tuopin.AreaService
	Reviewer   tuopin.IDClashReviewer
}

// Runner runs import jobs and serves tuopin.ImportService over them.
// NewRunner prepares it; Start takes over stale jobs and starts the
// background work; Close stops it, rolling back whatever runs.
type Runner struct {
	cfg Config
	svc Services
	log *slog.Logger

	ctx     context.Context // cancelled by Close
	stop    context.CancelFunc
	wg      sync.WaitGroup
	workers chan struct{} // dry-run slots
	commits chan struct{} // the commit slot

	mu      sync.Mutex
	running map[int64]*active
	started bool
}

// active is a job this runner holds: queued or running.
type active struct {
	cancel context.CancelCauseFunc
	done   chan struct{}

	mu       sync.Mutex
	progress tuopin.ImportProgress
	counts   tuopin.ImportCounts
}

func (a *active) setProgress(f func(p *tuopin.ImportProgress)) {
	a.mu.Lock()
	f(&a.progress)
	a.mu.Unlock()
}

func (a *active) snapshot() (tuopin.ImportProgress, tuopin.ImportCounts) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.progress, a.counts
}

// Causes of a job's context being cancelled.
var (
	errUserCancel = errors.New("jobs: cancelled by a user")
	errShutdown   = errors.New("jobs: the runner is shutting down")
)

// NewRunner returns a runner over the services. It creates cfg.Dir.
func NewRunner(cfg Config, svc Services) (*Runner, error) {
	if svc.Store == nil || svc.Households == nil || svc.Codes == nil || svc.Areas == nil {
		return nil, errors.New("jobs: Store, Households, Codes and Areas are required")
	}
	if cfg.Dir == "" {
		return nil, errors.New("jobs: Config.Dir is required")
	}
	cfg = cfg.withDefaults()
	if err := os.MkdirAll(cfg.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	r := &Runner{cfg: cfg, svc: svc, log: cfg.Logger, running: map[int64]*active{},
		workers: make(chan struct{}, cfg.Workers), commits: make(chan struct{}, 1)}
	r.ctx, r.stop = context.WithCancel(context.Background())
	return r, nil
}

// Worker returns the runner's worker name.
func (r *Runner) Worker() string { return r.cfg.Worker }

// Start takes over the jobs that a stopped process left queued or running
// (see the package documentation) and starts the heartbeat.
func (r *Runner) Start(ctx context.Context) error {
	r.mu.Lock()
	if r.started {
		r.mu.Unlock()
		return errors.New("jobs: runner already started")
	}
	r.started = true
	r.mu.Unlock()
	if err := r.recover(ctx); err != nil {
		return err
	}
	r.wg.Add(1)
	go r.heartbeat()
	return nil
}

// Close stops the runner: running jobs are rolled back and left for the
// next runner to take over; it waits for them to stop.
func (r *Runner) Close() error {
	r.stop()
	r.mu.Lock()
	for _, a := range r.running {
		a.cancel(errShutdown)
	}
	r.mu.Unlock()
	r.wg.Wait()
	return nil
}

func (r *Runner) heartbeat() {
	defer r.wg.Done()
	t := time.NewTicker(r.cfg.Heartbeat)
	defer t.Stop()
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-t.C:
			r.mu.Lock()
			n := len(r.running)
			r.mu.Unlock()
			if n == 0 {
				continue
			}
			ctx, cancel := context.WithTimeout(r.ctx, r.cfg.StaleAfter)
			if err := r.svc.Store.HeartbeatImportJobs(ctx, r.cfg.Worker); err != nil && r.ctx.Err() == nil {
				r.log.Warn("import heartbeat", "err", err)
			}
			cancel()
		}
	}
}

// systemCtx acts as tuopin.SystemUser, for bookkeeping that no user asked
// for.
func systemCtx(ctx context.Context) context.Context {
	return tuopin.NewContextWithUser(ctx, tuopin.SystemUser)
}

// recover takes over stale jobs: dry runs and commits that had not started
// are queued again; a commit that was under way is marked failed.
func (r *Runner) recover(ctx context.Context) error {
	stale, err := r.svc.Store.FindStaleImportJobs(ctx, r.cfg.Now().Add(-r.cfg.StaleAfter))
	if err != nil {
		return fmt.Errorf("jobs: find interrupted imports: %w", err)
	}
	sys := systemCtx(ctx)
	for _, j := range stale {
		from := j.Status
		if j.Status == tuopin.ImportCommitting {
			j.Status, j.Phase, j.Worker = tuopin.ImportFailed, "", ""
			now := r.cfg.Now().UTC()
			j.FinishedAt = &now
			j.Error = "The commit was interrupted (the program running it stopped). Its transaction was rolled back: nothing of this file was written. Run the commit again."
			j.ErrorZH = "导入提交被中断（运行它的程序已停止）。该事务已回滚，本文件没有写入任何数据。请重新提交。"
			if err := r.svc.Store.UpdateImportJob(sys, j, from); err != nil && tuopin.ErrorCode(err) != tuopin.ECONFLICT {
				return fmt.Errorf("jobs: mark import %d interrupted: %w", j.ID, err)
			}
			r.log.Info("import interrupted", "job", j.ID)
			continue
		}
		// A dry run (queued or running) or a commit not started: again.
		phase := j.Phase
		if phase == "" {
			phase = tuopin.ImportPhaseValidate
		}
		j.Status, j.Phase, j.Worker = tuopin.ImportQueued, phase, r.cfg.Worker
		if err := r.svc.Store.UpdateImportJob(sys, j, from); err != nil {
			if tuopin.ErrorCode(err) == tuopin.ECONFLICT {
				continue // another runner took it
			}
			return fmt.Errorf("jobs: requeue import %d: %w", j.ID, err)
		}
		r.log.Info("import resumed", "job", j.ID, "phase", phase)
		r.enqueue(j)
	}
	return nil
}

// enqueue starts a queued job in the background, on a copy: the caller
// keeps j as it was queued.
func (r *Runner) enqueue(queued *tuopin.ImportJob) {
	j := new(tuopin.ImportJob)
	*j = *queued
	ctx, cancel := context.WithCancelCause(r.ctx)
	a := &active{cancel: cancel, done: make(chan struct{})}
	r.mu.Lock()
	r.running[j.ID] = a
	r.mu.Unlock()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer close(a.done)
		defer func() {
			r.mu.Lock()
			delete(r.running, j.ID)
			r.mu.Unlock()
			cancel(nil)
		}()
		r.run(ctx, a, j)
	}()
}

// local returns the active record of a job this runner holds, or nil.
func (r *Runner) local(id int64) *active {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.running[id]
}

// run waits for a slot and runs a job's phase as the user who asked.
func (r *Runner) run(ctx context.Context, a *active, j *tuopin.ImportJob) {
	slots := r.workers
	if j.Phase == tuopin.ImportPhaseCommit {
		slots = r.commits
	}
	select {
	case slots <- struct{}{}:
		defer func() { <-slots }()
	case <-ctx.Done():
		r.stopped(ctx, j, tuopin.ImportQueued)
		return
	}
	// The user who asked; ID 0 is tuopin.SystemUser, who runs the
	// command line's imports and is never stored.
	actor := tuopin.SystemUser
	if j.ActorID != 0 {
		var err error
		if actor, err = r.svc.Store.FindImportActor(ctx, j.ActorID); err != nil {
			r.fail(j, tuopin.ImportQueued, err)
			return
		}
	}
	err := r.runAs(tuopin.NewContextWithUser(ctx, actor), a, j)
	if err == nil {
		return
	}
	from := tuopin.ImportValidating
	if j.Phase == tuopin.ImportPhaseCommit {
		from = tuopin.ImportCommitting
	}
	if ctx.Err() != nil || errors.Is(err, errRemoteCancel) {
		r.stopped(ctx, j, from)
		return
	}
	r.fail(j, from, err)
}

// RunSync waits in the calling goroutine for a job that this runner
// queued (by ValidateImport or CommitImport) to finish its phase, calling
// progress (may be nil) with its live progress a few times a second, and
// returns the job as stored. When ctx ends first the job is cancelled (a
// commit is rolled back). The CLI runs imports this way.
func (r *Runner) RunSync(ctx context.Context, id int64, progress func(tuopin.ImportProgress, tuopin.ImportCounts)) (*tuopin.ImportJob, error) {
	a := r.local(id)
	if a == nil {
		return nil, tuopin.Errorf(tuopin.ECONFLICT, "Import %d is not queued in this runner.", id)
	}
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-a.done:
			if progress != nil {
				progress(a.snapshot())
			}
			return r.svc.Store.FindImportJobByID(ctx, id)
		case <-tick.C:
			if progress != nil {
				progress(a.snapshot())
			}
		case <-ctx.Done():
			a.cancel(errUserCancel)
			<-a.done
			bg := context.WithoutCancel(ctx)
			if _, err := r.svc.Store.CancelImportJob(bg, id, true); err != nil && tuopin.ErrorCode(err) != tuopin.ECONFLICT {
				return nil, err
			}
			j, err := r.svc.Store.FindImportJobByID(bg, id)
			if err != nil {
				return nil, err
			}
			return j, ctx.Err()
		}
	}
}

// runAs claims the job (queued → validating or committing) and runs it.
func (r *Runner) runAs(ctx context.Context, a *active, j *tuopin.ImportJob) error {
	now := r.cfg.Now().UTC()
	j.Status, j.StartedAt, j.FinishedAt, j.Error, j.ErrorZH = tuopin.ImportValidating, &now, nil, "", ""
	if j.Phase == tuopin.ImportPhaseCommit {
		j.Status = tuopin.ImportCommitting
	}
	j.Progress = tuopin.ImportProgress{Phase: j.Phase, BytesTotal: j.FileSize}
	if err := r.svc.Store.UpdateImportJob(ctx, j, tuopin.ImportQueued); err != nil {
		if tuopin.ErrorCode(err) == tuopin.ECONFLICT {
			return nil // cancelled meanwhile
		}
		return err
	}
	a.setProgress(func(p *tuopin.ImportProgress) { *p = j.Progress })
	p := &pass{r: r, job: j, act: a}
	if j.Phase == tuopin.ImportPhaseCommit {
		return p.commit(ctx)
	}
	return p.validate(ctx)
}

// stopped records a job whose context ended: a user's cancel is recorded
// by CancelImport, a shutdown leaves the job to the next runner, and a
// cancel asked through the database (another process) is recorded here.
func (r *Runner) stopped(ctx context.Context, j *tuopin.ImportJob, from string) {
	switch context.Cause(ctx) {
	case errUserCancel, errShutdown:
		return
	}
	now := r.cfg.Now().UTC()
	j.Status, j.Phase, j.Worker, j.FinishedAt = tuopin.ImportCancelled, "", "", &now
	if err := r.svc.Store.UpdateImportJob(systemCtx(context.Background()), j, from); err != nil && tuopin.ErrorCode(err) != tuopin.ECONFLICT {
		r.log.Error("import cancel", "job", j.ID, "err", err)
	}
}

// fail records a job that stopped with an error. Application errors say
// what went wrong; others are logged and reported as internal.
func (r *Runner) fail(j *tuopin.ImportJob, from string, err error) {
	now := r.cfg.Now().UTC()
	j.Status, j.Phase, j.Worker, j.FinishedAt = tuopin.ImportFailed, "", "", &now
	j.Error, j.ErrorZH = failMessages(err)
	if tuopin.ErrorCode(err) == tuopin.EINTERNAL {
		r.log.Error("import failed", "job", j.ID, "err", err)
	}
	if err := r.svc.Store.UpdateImportJob(systemCtx(context.Background()), j, from); err != nil && tuopin.ErrorCode(err) != tuopin.ECONFLICT {
		r.log.Error("import fail", "job", j.ID, "err", err)
	}
}

// failMessages returns what a failed job says in English and Chinese.
func failMessages(err error) (string, string) {
	var re *refusedError
	if errors.As(err, &re) {
		return re.en, re.zh
	}
	if tuopin.ErrorCode(err) == tuopin.EINTERNAL {
		return "An internal error stopped the import; nothing was written. The administrator can find it in the server log.",
			"内部错误中止了导入，没有写入任何数据。管理员可在服务器日志中查看详情。"
	}
	msg := tuopin.ErrorMessage(err)
	for k, fe := range tuopin.ErrorFields(err) {
		msg += " " + k + ": " + fe.Message
	}
	return msg, msg
}

// refusedError ends an all-or-nothing commit that refused rows.
type refusedError struct{ en, zh string }

func (e *refusedError) Error() string { return e.en }

// sourcePath and reportPath name a job's files.
func (r *Runner) sourcePath(id int64) string {
	return filepath.Join(r.cfg.Dir, fmt.Sprintf("%d.src", id))
}

func (r *Runner) reportPath(id int64) string {
	return filepath.Join(r.cfg.Dir, fmt.Sprintf("%d-report.xlsx", id))
}
