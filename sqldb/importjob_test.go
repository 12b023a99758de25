package sqldb_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// newImportJob returns a job as an upload would store it.
func newImportJob(name string) *tuopin.ImportJob {
	return &tuopin.ImportJob{
		Status: tuopin.ImportUploaded, FileName: name, FileSize: 1234, Format: "xlsx", Sheets: []string{"家庭成员"},
		Options:   tuopin.ImportOptions{Encoding: tuopin.ImportEncodingAuto, Year: 2024, Policy: tuopin.ImportAllOrNothing},
		SourceKey: "source-1",
		Mapping: &tuopin.ImportMapping{HeaderRow: 1, HeaderRows: 1, Fingerprint: "fp", Columns: []tuopin.ImportColumn{
			{Index: 0, Letter: "A", Header: "户编号", Field: "number", Status: "stored"},
			{Index: 1, Letter: "B", Header: "民族", Field: "ethnicity", Status: "not_stored"},
		}},
	}
}

func TestImportJobStore(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		store := sqldb.NewImportJobStore(db)
		township := sqldbtest.Ctx(w.township)
		county := sqldbtest.Ctx(w.county)

		j := newImportJob("东兰镇.xlsx")
		must(t, store.CreateImportJob(township, j))
		if j.ID == 0 || j.Scope != w.township.Scope || j.CreatedBy != w.township.ID || j.CreatedAt.IsZero() {
			t.Fatalf("created %+v", j)
		}

		t.Run("OKFind", func(t *testing.T) {
			got, err := store.FindImportJobByID(township, j.ID)
			must(t, err)
			if !reflect.DeepEqual(got.Mapping, j.Mapping) || got.Options != j.Options || got.Status != tuopin.ImportUploaded ||
				!reflect.DeepEqual(got.Sheets, j.Sheets) || got.CreatedByName != j.CreatedByName {
				gb, _ := json.Marshal(got)
				t.Fatalf("read back %s", gb)
			}
			// The county above sees it; a village below and another county do not.
			if _, err := store.FindImportJobByID(county, j.ID); err != nil {
				t.Fatal(err)
			}
			_, err = store.FindImportJobByID(sqldbtest.Ctx(w.village), j.ID)
			wantCode(t, err, tuopin.ENOTFOUND)
			_, err = store.FindImportJobByID(sqldbtest.Ctx(w.fengshan), j.ID)
			wantCode(t, err, tuopin.ENOTFOUND)
			list, n, err := store.FindImportJobs(county, tuopin.ImportFilter{})
			must(t, err)
			if n != 1 || len(list) != 1 || list[0].ID != j.ID {
				t.Fatalf("county list: %d %v", n, list)
			}
			list, n, err = store.FindImportJobs(sqldbtest.Ctx(w.fengshan), tuopin.ImportFilter{})
			must(t, err)
			if n != 0 || len(list) != 0 {
				t.Fatalf("fengshan lists %d", n)
			}
		})

		t.Run("ErrForbidden", func(t *testing.T) {
			err := store.CreateImportJob(sqldbtest.Ctx(w.viewer), newImportJob("x.csv"))
			wantCode(t, err, tuopin.EFORBIDDEN)
		})

		t.Run("OKUpdateAndConflict", func(t *testing.T) {
			j.Status, j.Phase, j.Worker = tuopin.ImportQueued, tuopin.ImportPhaseValidate, "w1"
			must(t, store.UpdateImportJob(township, j, tuopin.ImportUploaded))
			// A second claim from the old status loses.
			err := store.UpdateImportJob(township, j, tuopin.ImportUploaded)
			wantErr(t, err, tuopin.ECONFLICT, "is queued now")
			// Another county cannot touch it.
			err = store.UpdateImportJob(sqldbtest.Ctx(w.fengshan), j, tuopin.ImportQueued)
			wantCode(t, err, tuopin.ENOTFOUND)
			j.Counts = tuopin.ImportCounts{Rows: 10, Households: 3, Created: 3}
			j.Preview = []tuopin.ImportRowError{{Row: 4, Column: "L", Code: "id_checksum", Reason: "bad", ReasonZH: "错"}}
			j.Status = tuopin.ImportValidating
			must(t, store.UpdateImportJob(township, j, tuopin.ImportQueued))
			got, err := store.FindImportJobByID(township, j.ID)
			must(t, err)
			if got.Counts != j.Counts || !reflect.DeepEqual(got.Preview, j.Preview) || got.Worker != "w1" {
				t.Fatalf("after update %+v", got)
			}
		})

		t.Run("OKStaleAndHeartbeat", func(t *testing.T) {
			stale, err := store.FindStaleImportJobs(ctxSystem, time.Now().Add(time.Hour))
			must(t, err)
			if len(stale) != 1 || stale[0].ID != j.ID {
				t.Fatalf("stale = %v", stale)
			}
			stale, err = store.FindStaleImportJobs(ctxSystem, time.Now().Add(-time.Hour))
			must(t, err)
			if len(stale) != 0 {
				t.Fatalf("fresh job reported stale")
			}
			must(t, store.HeartbeatImportJobs(ctxSystem, "w1"))
		})

		t.Run("OKCancel", func(t *testing.T) {
			// A running job is asked to stop; its runner sets the status.
			got, err := store.CancelImportJob(township, j.ID, false)
			must(t, err)
			if got.Status != tuopin.ImportValidating {
				t.Fatalf("status = %s", got.Status)
			}
			yes, err := store.ImportCancelRequested(bg, j.ID)
			must(t, err)
			if !yes {
				t.Fatal("no cancel request recorded")
			}
			// Queuing again clears the request.
			j.Status = tuopin.ImportQueued
			must(t, store.UpdateImportJob(township, j))
			if yes, _ := store.ImportCancelRequested(bg, j.ID); yes {
				t.Fatal("cancel request survived a new run")
			}
			// A waiting job is cancelled at once, once.
			got, err = store.CancelImportJob(county, j.ID, false)
			must(t, err)
			if got.Status != tuopin.ImportCancelled || got.FinishedAt == nil {
				t.Fatalf("after cancel %+v", got)
			}
			_, err = store.CancelImportJob(county, j.ID, false)
			wantErr(t, err, tuopin.ECONFLICT, "already cancelled")
			es, _, err := w.audit.FindAuditEntries(ctxSystem, tuopin.AuditFilter{TargetKind: ptr("import_job"), TargetID: ptr(jobID(j))})
			must(t, err)
			var actions []string
			for _, e := range es {
				actions = append(actions, e.Action)
			}
			if !reflect.DeepEqual(actions, []string{tuopin.ActionImportCancel, tuopin.ActionImportCancel, tuopin.ActionImportUpload}) {
				t.Fatalf("audit actions %v", actions)
			}
		})

		t.Run("OKMappings", func(t *testing.T) {
			m := j.Mapping
			// Nothing remembered yet.
			got, err := store.FindImportMapping(township, "tmpl")
			must(t, err)
			if got != nil {
				t.Fatalf("found %v", got)
			}
			// Confirmed at the county: the township gets it, Fengshan not.
			must(t, store.SaveImportMapping(county, "tmpl", "家庭成员", m))
			got, err = store.FindImportMapping(township, "tmpl")
			must(t, err)
			if !reflect.DeepEqual(got, m) {
				t.Fatalf("township got %v", got)
			}
			if got, _ := store.FindImportMapping(sqldbtest.Ctx(w.fengshan), "tmpl"); got != nil {
				t.Fatalf("another county got the mapping")
			}
			// The township's own confirmation wins for the township.
			m2 := *m
			m2.Columns = append([]tuopin.ImportColumn(nil), m.Columns...)
			m2.Columns[1].Field, m2.Columns[1].Status = "", "unmapped"
			must(t, store.SaveImportMapping(township, "tmpl", "家庭成员", &m2))
			got, _ = store.FindImportMapping(township, "tmpl")
			if got.Columns[1].Field != "" {
				t.Fatalf("township mapping not preferred: %v", got.Columns)
			}
			got, _ = store.FindImportMapping(county, "tmpl")
			if got.Columns[1].Field != "ethnicity" {
				t.Fatalf("county mapping changed: %v", got.Columns)
			}
			// Saving the same mapping again writes no audit entry.
			before := countAudit(t, w, tuopin.ActionImportMapping)
			must(t, store.SaveImportMapping(township, "tmpl", "家庭成员", &m2))
			if after := countAudit(t, w, tuopin.ActionImportMapping); after != before || before != 2 {
				t.Fatalf("mapping audit entries %d → %d", before, after)
			}
		})

		t.Run("OKActor", func(t *testing.T) {
			u, err := store.FindImportActor(bg, w.township.ID)
			must(t, err)
			if u.Scope != w.township.Scope {
				t.Fatalf("actor %+v", u)
			}
			_, err = store.FindImportActor(bg, 999999)
			wantCode(t, err, tuopin.ENOTFOUND)
		})
	})
}

func jobID(j *tuopin.ImportJob) string { return jsonNumber(j.ID) }

func jsonNumber(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func countAudit(t *testing.T, w *world, action string) int {
	t.Helper()
	_, n, err := w.audit.FindAuditEntries(ctxSystem, tuopin.AuditFilter{Action: ptr(action), Limit: 1})
	must(t, err)
	return n
}
