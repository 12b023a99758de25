package sqldb_test

import (
	"strings"
	"testing"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// importWorld is a world with stored households to import over.
type importWorld struct {
	*world
	kept, changed, phoned, changle, fengshanHH *tuopin.Household
}

func newImportWorld(t *testing.T, db *sqldb.DB) *importWorld {
	t.Helper()
	w := &importWorld{world: newWorld(t, db)}
	w.kept = sqldbtest.MustCreateHousehold(t, db, sqldbtest.NewHousehold(sqldbtest.Xinyan, 1))
	w.changed = sqldbtest.MustCreateHousehold(t, db, sqldbtest.NewHousehold(sqldbtest.Xinyan, 2))
	ph := sqldbtest.NewHousehold(sqldbtest.Bala, 3)
	ph.Phone = "0778-5551234"
	w.phoned = sqldbtest.MustCreateHousehold(t, db, ph)
	w.changle = sqldbtest.MustCreateHousehold(t, db, sqldbtest.NewHousehold(sqldbtest.Changle, 5))
	w.fengshanHH = sqldbtest.MustCreateHousehold(t, db, sqldbtest.NewHousehold(sqldbtest.Bapang, 4))
	return w
}

// importFields are the columns of a file without a phone column.
var importFields = map[string]bool{"year": true, "number": true, "area_code": true, "attribute": true, "main_cause": true,
	"income_per_capita": true, "status": true, "name": true, "id_number": true, "relation": true, "sex": true, "birth_date": true}

func TestCheckImport(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newImportWorld(t, db)
		county := sqldbtest.Ctx(w.county)
		opts := tuopin.HouseholdImportOptions{Fields: importFields, Reason: "导入测试"}

		// The file's households.
		fresh := sqldbtest.NewHousehold(sqldbtest.Bala, 10)
		same := sqldbtest.NewHousehold(sqldbtest.Xinyan, 1)
		more := sqldbtest.NewHousehold(sqldbtest.Xinyan, 2)
		more.IncomePerCapita = 420000
		more.Members = append(more.Members, &tuopin.Member{Name: "韦小三", IDNumber: sqldbtest.IDNumber("451224", "20100101", 7), Relation: "03"})
		noPhone := sqldbtest.NewHousehold(sqldbtest.Bala, 3) // stored with a phone; the file has no phone column
		unknown := sqldbtest.NewHousehold("451224100299", 11)
		clash := sqldbtest.NewHousehold(sqldbtest.Changle, 12)
		clash.Members[1].IDNumber = w.fengshanHH.Members[0].IDNumber
		status := sqldbtest.NewHousehold(sqldbtest.Changle, 5)
		status.Status = tuopin.StatusExited
		hs := []*tuopin.Household{fresh, same, more, noPhone, unknown, clash, status}

		outs, err := w.hh.CheckImport(county, hs, opts)
		must(t, err)
		want := []string{tuopin.ImportCreate, tuopin.ImportUnchanged, tuopin.ImportUpdate, tuopin.ImportUnchanged,
			tuopin.ImportRefuse, tuopin.ImportRefuse, tuopin.ImportRefuse}
		for i, o := range outs {
			if o.Action != want[i] {
				t.Errorf("household %d (%s): %s (%v), want %s", i, hs[i].Number, o.Action, o.Err, want[i])
			}
		}
		if outs[1].ID != w.kept.ID || outs[0].ID != 0 {
			t.Errorf("IDs: %d %d", outs[0].ID, outs[1].ID)
		}
		wantField(t, outs[4].Err, "area_code", "unknown_area", "451224100299")
		wantField(t, outs[5].Err, "members[1].id_number", "duplicate", "in another area")
		if c := outs[5].Clashes; len(c) != 1 || !c[0].CrossCounty || c[0].OtherNumber != w.fengshanHH.Number || c[0].Member != 1 {
			t.Errorf("clashes %+v", c)
		}
		wantField(t, outs[6].Err, "status", "status_change", "exit procedure")

		t.Run("ErrScope", func(t *testing.T) {
			// 东兰镇's clerk may not import into 长乐镇, nor over Fengshan's number.
			h := sqldbtest.NewHousehold(sqldbtest.Changle, 20)
			taken := sqldbtest.NewHousehold(sqldbtest.Xinyan, 21)
			taken.Number = w.fengshanHH.Number
			outs, err := w.hh.CheckImport(sqldbtest.Ctx(w.township), []*tuopin.Household{h, taken}, opts)
			must(t, err)
			wantField(t, outs[0].Err, "area_code", "out_of_scope", "outside your scope")
			wantField(t, outs[1].Err, "number", "taken", "outside your scope")
			_, err = w.hh.CheckImport(sqldbtest.Ctx(w.viewer), hs, opts)
			wantCode(t, err, tuopin.EFORBIDDEN)
		})

		t.Run("OKImportAndFinish", func(t *testing.T) {
			store := sqldb.NewImportJobStore(db)
			job := newImportJob("import.xlsx")
			must(t, store.CreateImportJob(county, job))
			job.Status = tuopin.ImportCommitting
			must(t, store.UpdateImportJob(county, job))
			updates := countAudit(t, w.world, tuopin.ActionHouseholdUpdate)
			creates := countAudit(t, w.world, tuopin.ActionHouseholdCreate)

			tx, err := w.hh.BeginImport(county)
			must(t, err)
			fresh := sqldbtest.NewHousehold(sqldbtest.Bala, 10)
			same := sqldbtest.NewHousehold(sqldbtest.Xinyan, 1)
			more := sqldbtest.NewHousehold(sqldbtest.Xinyan, 2)
			more.IncomePerCapita = 420000
			more.Members = append(more.Members, &tuopin.Member{Name: "韦小三", IDNumber: sqldbtest.IDNumber("451224", "20100101", 7), Relation: "03"})
			bad := sqldbtest.NewHousehold("451224100299", 11)
			outs, err := tx.Import(county, []*tuopin.Household{fresh, same, more, bad}, opts)
			must(t, err)
			for i, a := range []string{tuopin.ImportCreate, tuopin.ImportUnchanged, tuopin.ImportUpdate, tuopin.ImportRefuse} {
				if outs[i].Action != a {
					t.Fatalf("outcome %d: %s (%v), want %s", i, outs[i].Action, outs[i].Err, a)
				}
			}
			job.Counts = tuopin.ImportCounts{Households: 4, Created: 1, Updated: 1, Unchanged: 1, RefusedHouseholds: 1}
			job.CommitPolicy = tuopin.ImportSkipRefused
			must(t, tx.Finish(county, job))

			got, err := w.hh.FindHouseholdByID(county, w.changed.ID)
			must(t, err)
			if got.Version != 2 || got.IncomePerCapita != 420000 || len(got.Members) != 3 ||
				got.Members[0].ID != w.changed.Members[0].ID || got.Members[1].ID != w.changed.Members[1].ID {
				t.Fatalf("updated household %+v", got)
			}
			if h, _ := w.hh.FindHouseholdByID(county, w.kept.ID); h.Version != 1 {
				t.Fatalf("unchanged household has version %d", h.Version)
			}
			if got := countAudit(t, w.world, tuopin.ActionHouseholdUpdate); got != updates+1 {
				t.Fatalf("%d update entries, want %d", got, updates+1)
			}
			if got := countAudit(t, w.world, tuopin.ActionHouseholdCreate); got != creates+1 {
				t.Fatalf("%d create entries, want %d", got, creates+1)
			}
			es, _, err := w.audit.FindAuditEntries(ctxSystem, tuopin.AuditFilter{Action: ptr(tuopin.ActionImportCommit)})
			must(t, err)
			if len(es) != 1 || !strings.Contains(string(es[0].After), `"created":1`) || es[0].TargetID != jobID(job) {
				t.Fatalf("commit audit %+v", es)
			}
			if rep, err := sqldb.NewRollupService(db).CheckRollups(ctxSystem, 2024); err != nil || rep.Mismatch != 0 || rep.Rows == 0 {
				t.Fatalf("roll-up check after the import: %+v, %v", rep, err)
			}
			stored, err := store.FindImportJobByID(county, job.ID)
			must(t, err)
			if stored.Status != tuopin.ImportDone || stored.CommittedAt == nil || stored.Counts.Created != 1 {
				t.Fatalf("job after finish %+v", stored)
			}
			// The phone without a column was kept.
			if h, _ := w.hh.FindHouseholdByID(county, w.phoned.ID); h.Phone != "0778-5551234" {
				t.Fatalf("phone = %q", h.Phone)
			}
		})

		t.Run("OKRollback", func(t *testing.T) {
			tx, err := w.hh.BeginImport(county)
			must(t, err)
			outs, err := tx.Import(county, []*tuopin.Household{sqldbtest.NewHousehold(sqldbtest.Changle, 30)}, opts)
			must(t, err)
			if outs[0].Action != tuopin.ImportCreate {
				t.Fatalf("outcome %+v", outs[0])
			}
			must(t, tx.Rollback())
			_, n, err := w.hh.FindHouseholds(county, tuopin.HouseholdFilter{AreaPrefix: sqldbtest.Changle})
			must(t, err)
			if n != 1 {
				t.Fatalf("%d households after rollback, want the 1 stored before", n)
			}
		})

		t.Run("ErrFinishCancelled", func(t *testing.T) {
			store := sqldb.NewImportJobStore(db)
			job := newImportJob("cancelled.xlsx")
			must(t, store.CreateImportJob(county, job))
			job.Status = tuopin.ImportCommitting
			must(t, store.UpdateImportJob(county, job))
			tx, err := w.hh.BeginImport(county)
			must(t, err)
			if _, err := tx.Import(county, []*tuopin.Household{sqldbtest.NewHousehold(sqldbtest.Changle, 31)}, opts); err != nil {
				t.Fatal(err)
			}
			// The job is no longer committing (a stale runner's recovery).
			job2 := *job
			job2.Status = tuopin.ImportFailed
			must(t, tx.Rollback())
			must(t, store.UpdateImportJob(county, &job2))
			tx, err = w.hh.BeginImport(county)
			must(t, err)
			if _, err := tx.Import(county, []*tuopin.Household{sqldbtest.NewHousehold(sqldbtest.Changle, 31)}, opts); err != nil {
				t.Fatal(err)
			}
			err = tx.Finish(county, job)
			wantErr(t, err, tuopin.ECONFLICT, "is failed now")
			_, n, _ := w.hh.FindHouseholds(county, tuopin.HouseholdFilter{AreaPrefix: sqldbtest.Changle})
			if n != 1 {
				t.Fatalf("%d households after a refused finish, want the 1 stored before", n)
			}
		})

		t.Run("OKReviews", func(t *testing.T) {
			n, err := w.hh.FileIDClashReviews(county, "import job 1", []tuopin.RefusedHousehold{{Household: clash, Clashes: outs[5].Clashes}})
			must(t, err)
			if n != 1 {
				t.Fatalf("%d reviews filed", n)
			}
		})
	})
}
