package jobs_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/divisions"
	"github.com/tuopin/tuopin/jobs"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
	"github.com/tuopin/tuopin/xlsx"
)

// env is a runner over a real database holding the seed areas (东兰县 and
// four other counties) and the sqldbtest fixture (with 凤山县).
type env struct {
	t      testing.TB
	db     *sqldb.DB
	dir    string
	runner *jobs.Runner
	store  *sqldb.ImportJobStore
	hh     *sqldb.HouseholdService
	audit  *sqldb.AuditService

	county, township, village, viewer, fengshan *tuopin.User
}

var (
	seedOnce  sync.Once
	seedAreas []*tuopin.Area
	seedErr   error
)

// loadAreas stores the fixture areas and the seed areas.
func loadAreas(t testing.TB, db *sqldb.DB) {
	t.Helper()
	sqldbtest.MustLoadAreas(t, db)
	seedOnce.Do(func() { seedAreas, seedErr = divisions.Seed() })
	if seedErr != nil {
		t.Fatal(seedErr)
	}
	areas := make([]*tuopin.Area, len(seedAreas))
	for i, a := range seedAreas {
		c := *a
		areas[i] = &c
	}
	if err := sqldb.NewAreaService(db).UpsertAreas(sqldbtest.Ctx(tuopin.SystemUser), areas); err != nil {
		t.Fatal(err)
	}
}

// newEnv starts a runner with cfg (Dir set to a temporary directory when
// empty); wrap, when set, wraps the household importer (to slow it down).
func newEnv(t testing.TB, db *sqldb.DB, cfg jobs.Config, wrap func(tuopin.HouseholdImporter) tuopin.HouseholdImporter) *env {
	t.Helper()
	loadAreas(t, db)
	e := &env{t: t, db: db, store: sqldb.NewImportJobStore(db), hh: sqldb.NewHouseholdService(db), audit: sqldb.NewAuditService(db)}
	e.county = sqldbtest.MustCreateUser(t, db, tuopin.RoleCountyAdmin, "451224")
	e.township = sqldbtest.MustCreateUser(t, db, tuopin.RoleTownshipClerk, "451224104")
	e.village = sqldbtest.MustCreateUser(t, db, tuopin.RoleVillageSecretary, "451224104201")
	e.viewer = sqldbtest.MustCreateUser(t, db, tuopin.RoleViewer, "451224")
	e.fengshan = sqldbtest.MustCreateUser(t, db, tuopin.RoleCountyAdmin, "451223")
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	e.dir = cfg.Dir
	e.runner = e.newRunner(cfg, wrap)
	return e
}

// newRunner starts another runner over the env's database.
func (e *env) newRunner(cfg jobs.Config, wrap func(tuopin.HouseholdImporter) tuopin.HouseholdImporter) *jobs.Runner {
	e.t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = e.dir
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(logWriter{e.t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	var importer tuopin.HouseholdImporter = e.hh
	if wrap != nil {
		importer = wrap(importer)
	}
	r, err := jobs.NewRunner(cfg, jobs.Services{Store: e.store, Households: importer, Codes: sqldb.NewCodeService(e.db),
		Areas: sqldb.NewAreaService(e.db), Reviewer: e.hh})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := r.Start(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() { r.Close() })
	return r
}

// upload creates a job from a file's bytes as u.
func (e *env) upload(u *tuopin.User, name string, body []byte, opts tuopin.ImportOptions) *tuopin.ImportJob {
	e.t.Helper()
	j, err := e.runner.CreateImport(sqldbtest.Ctx(u), tuopin.ImportUpload{FileName: name, Body: bytes.NewReader(body), Options: opts})
	if err != nil {
		e.t.Fatalf("upload %s: %v", name, err)
	}
	return j
}

// wait polls a job until it is no longer queued or running.
func (e *env) wait(u *tuopin.User, id int64) *tuopin.ImportJob {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		j, err := e.runner.FindImportByID(sqldbtest.Ctx(u), id)
		if err != nil {
			e.t.Fatal(err)
		}
		if !j.Running() {
			return j
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("import %d still %s", id, j.Status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// validate runs the dry run and waits for it.
func (e *env) validate(u *tuopin.User, id int64, change *tuopin.ImportChange) *tuopin.ImportJob {
	e.t.Helper()
	if _, err := e.runner.ValidateImport(sqldbtest.Ctx(u), id, change); err != nil {
		e.t.Fatalf("validate %d: %v", id, err)
	}
	return e.wait(u, id)
}

// commit runs the commit and waits for it.
func (e *env) commit(u *tuopin.User, id int64, policy string) *tuopin.ImportJob {
	e.t.Helper()
	if _, err := e.runner.CommitImport(sqldbtest.Ctx(u), id, policy); err != nil {
		e.t.Fatalf("commit %d: %v", id, err)
	}
	return e.wait(u, id)
}

// count returns how many households of a year lie under a prefix.
func (e *env) count(prefix string, year int) int {
	e.t.Helper()
	_, n, err := e.hh.FindHouseholds(sqldbtest.Ctx(tuopin.SystemUser), tuopin.HouseholdFilter{AreaPrefix: prefix, Year: &year, Limit: 1})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// auditCount returns how many audit entries an action has.
func (e *env) auditCount(action string) int {
	e.t.Helper()
	_, n, err := e.audit.FindAuditEntries(sqldbtest.Ctx(tuopin.SystemUser), tuopin.AuditFilter{Action: &action, Limit: 1})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// reportRows reads a job's .xlsx report back as rows of text.
func (e *env) reportRows(u *tuopin.User, id int64) [][]string {
	e.t.Helper()
	rc, err := e.runner.OpenImportReport(sqldbtest.Ctx(u), id)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rc.Close()
	f, ok := rc.(*os.File)
	if !ok {
		e.t.Fatalf("report is a %T", rc)
	}
	st, err := f.Stat()
	if err != nil {
		e.t.Fatal(err)
	}
	wb, err := xlsx.Open(f, st.Size(), xlsx.OpenOptions{})
	if err != nil {
		e.t.Fatal(err)
	}
	rows, err := wb.Rows(0)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out [][]string
	for {
		r, err := rows.Next()
		if err != nil {
			break
		}
		var line []string
		for _, c := range r.Cells {
			line = append(line, c.Text)
		}
		out = append(out, line)
	}
	return out
}

// encode writes households in a format and layout.
func encode(t testing.TB, format xlsx.Format, layout xlsx.Layout, hs []*tuopin.Household) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc, err := xlsx.NewHouseholdEncoder(&buf, format, layout, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range hs {
		if err := enc.Encode(h); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// households returns n valid 2024 households of 武篆镇's villages 中和 and
// 上圩 (numbers from start on), two or three members each.
func households(start, n int) []*tuopin.Household {
	var out []*tuopin.Household
	for i := start; i < start+n; i++ {
		village := "451224104201"
		if i%2 == 1 {
			village = "451224104202"
		}
		h := sqldbtest.NewHousehold(village, i)
		if i%3 == 0 {
			h.Members = append(h.Members, &tuopin.Member{Name: "韦子" + strconv.Itoa(i),
				IDNumber: sqldbtest.IDNumber("451224", fmt.Sprintf("2010%02d15", 1+i%12), i%1000), Relation: "03"})
		}
		h.Normalize(time.Now())
		out = append(out, h)
	}
	return out
}

// logWriter sends the runner's warnings and errors to the test log.
type logWriter struct{ t testing.TB }

func (w logWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
