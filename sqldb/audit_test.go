package sqldb_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

func TestFindAuditEntries(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		h1 := sqldbtest.MustCreateHousehold(t, db, sqldbtest.NewHousehold(sqldbtest.Xinyan, 1))
		sqldbtest.MustCreateHousehold(t, db, sqldbtest.NewHousehold(sqldbtest.Bapang, 2))
		t.Run("OKScope", func(t *testing.T) {
			es, n, err := w.audit.FindAuditEntries(sqldbtest.Ctx(w.viewer), tuopin.AuditFilter{})
			must(t, err)
			// The viewer of 东兰县 sees the users created in it and 新烟's
			// household, not the areas import (national) or 凤山县.
			if n != 6 || len(es) != 6 {
				t.Fatalf("viewer sees %d entries", n)
			}
			for _, e := range es {
				if len(e.AreaCode) < 6 || e.AreaCode[:6] != "451224" {
					t.Fatalf("viewer sees entry %d of area %q", e.ID, e.AreaCode)
				}
			}
			if es[0].TargetID != fmt.Sprint(h1.ID) || es[0].ID <= es[1].ID {
				t.Fatalf("not newest first: %d, %d", es[0].ID, es[1].ID)
			}
			_, n, err = w.audit.FindAuditEntries(ctxSystem, tuopin.AuditFilter{})
			must(t, err)
			if n != 9 {
				t.Fatalf("system sees %d entries", n)
			}
		})
		t.Run("OKFilter", func(t *testing.T) {
			es, n, err := w.audit.FindAuditEntries(sqldbtest.Ctx(w.county), tuopin.AuditFilter{ActorID: ptr(int64(0)), Action: ptr(tuopin.ActionUserCreate), Limit: 2})
			must(t, err)
			if n != 5 || len(es) != 2 {
				t.Fatalf("%d entries, %d on the page", n, len(es))
			}
		})
		t.Run("OKVillageScope", func(t *testing.T) {
			// A village secretary reads the log of its own village only:
			// 新烟's household and its own account, nothing of the county.
			es, n, err := w.audit.FindAuditEntries(sqldbtest.Ctx(w.village), tuopin.AuditFilter{})
			must(t, err)
			if n == 0 || n != len(es) {
				t.Fatalf("village sees %d entries, %d on the page", n, len(es))
			}
			sawHousehold := false
			for _, e := range es {
				if !tuopin.HasPrefix(e.AreaCode, w.village.Scope) {
					t.Fatalf("village sees entry %d of area %q", e.ID, e.AreaCode)
				}
				sawHousehold = sawHousehold || e.TargetID == fmt.Sprint(h1.ID)
			}
			if !sawHousehold {
				t.Fatal("village does not see its own household's entry")
			}
		})
		t.Run("ErrUnauthorized", func(t *testing.T) {
			_, _, err := w.audit.FindAuditEntries(bg, tuopin.AuditFilter{})
			wantCode(t, err, tuopin.EUNAUTHORIZED)
		})
	})
}

func TestVerifyAuditChain(t *testing.T) {
	// Each case gets a fresh chain of 1 (areas) + 5 (households) entries.
	setup := func(t *testing.T, db *sqldb.DB) *sqldb.AuditService {
		t.Helper()
		sqldbtest.MustLoadAreas(t, db)
		for i := range 5 {
			sqldbtest.MustCreateHousehold(t, db, sqldbtest.NewHousehold(sqldbtest.Xinyan, i))
		}
		return sqldb.NewAuditService(db)
	}
	verify := func(t *testing.T, audit *sqldb.AuditService) *tuopin.AuditReport {
		t.Helper()
		rep, err := audit.VerifyAuditChain(ctxSystem)
		must(t, err)
		return rep
	}
	wantBad := func(t *testing.T, rep *tuopin.AuditReport, id int64, problem string) {
		t.Helper()
		if rep.OK || rep.FirstBadID != id || rep.Problem != problem {
			t.Fatalf("report %+v, want first bad %d: %s", rep, id, problem)
		}
	}
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Run("OK", func(t *testing.T) {
				db := sqldbtest.MustOpen(t, engine)
				if rep := verify(t, sqldb.NewAuditService(db)); !rep.OK || rep.Entries != 0 {
					t.Fatalf("empty chain: %+v", rep)
				}
				rep := verify(t, setup(t, db))
				if !rep.OK || rep.Entries != 6 || rep.FirstBadID != 0 {
					t.Fatalf("report %+v", rep)
				}
			})
			t.Run("ErrEdited", func(t *testing.T) {
				db := sqldbtest.MustOpen(t, engine)
				audit := setup(t, db)
				must(t, db.Exec(bg, `UPDATE audit_log SET reason = 'nothing happened' WHERE id = 3`))
				wantBad(t, verify(t, audit), 3, "entry 3 was altered: its hash does not match its content")
			})
			t.Run("ErrRehashed", func(t *testing.T) {
				// An editor who also recomputes the entry's hash breaks the
				// next entry's link.
				db := sqldbtest.MustOpen(t, engine)
				audit := setup(t, db)
				es, _, err := audit.FindAuditEntries(ctxSystem, tuopin.AuditFilter{})
				must(t, err)
				e := es[len(es)-3] // newest first: ids 6 … 1
				if e.ID != 3 {
					t.Fatalf("entry %d", e.ID)
				}
				e.Reason = "nothing happened"
				must(t, db.Exec(bg, `UPDATE audit_log SET reason = ?, hash = ? WHERE id = 3`, e.Reason, e.ComputeHash()))
				wantBad(t, verify(t, audit), 4, "entry 4 does not link to entry 3: prev_hash differs from that entry's hash")
			})
			t.Run("ErrDeletedMiddle", func(t *testing.T) {
				db := sqldbtest.MustOpen(t, engine)
				audit := setup(t, db)
				must(t, db.Exec(bg, `DELETE FROM audit_log WHERE id = 4`))
				wantBad(t, verify(t, audit), 4, "entry 4 is missing: the log jumps from 3 to 5")
			})
			t.Run("ErrDeletedLast", func(t *testing.T) {
				db := sqldbtest.MustOpen(t, engine)
				audit := setup(t, db)
				must(t, db.Exec(bg, `DELETE FROM audit_log WHERE id = 6`))
				wantBad(t, verify(t, audit), 6, "entries 6 to 6 are missing at the end of the log (audit_head records 6)")
			})
			t.Run("ErrTimeFormat", func(t *testing.T) {
				// A time rewritten in another text form, even one that
				// means the same instant, is named with its entry.
				db := sqldbtest.MustOpen(t, engine)
				audit := setup(t, db)
				for _, form := range []string{"2016-07-20 10:00:00", "2016-07-20T10:00:00Z", "2016-07-20T10:00:00.000000+00:00"} {
					must(t, db.Exec(bg, `UPDATE audit_log SET time = ? WHERE id = 3`, form))
					wantBad(t, verify(t, audit), 3, fmt.Sprintf("entry 3 has its time stored as %q, not in the form 2006-01-02T15:04:05.000000Z: the row was rewritten", form))
				}
			})
			t.Run("ErrForbidden", func(t *testing.T) {
				db := sqldbtest.MustOpen(t, engine)
				sqldbtest.MustLoadAreas(t, db)
				county := sqldbtest.MustCreateUser(t, db, tuopin.RoleCountyAdmin, "451224")
				_, err := sqldb.NewAuditService(db).VerifyAuditChain(sqldbtest.Ctx(county))
				wantErr(t, err, tuopin.EFORBIDDEN, "Only an administrator")
				_, err = sqldb.NewAuditService(db).VerifyAuditChain(bg)
				wantCode(t, err, tuopin.EUNAUTHORIZED)
			})
		})
	}
}

// TestAuditConcurrentWriters checks that concurrent transactions append
// a contiguous, correctly linked chain.
func TestAuditConcurrentWriters(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		sqldbtest.MustLoadAreas(t, db)
		hh := sqldb.NewHouseholdService(db)
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for g := range 4 {
			wg.Go(func() {
				for i := range 10 {
					errs <- hh.CreateHousehold(ctxSystem, sqldbtest.NewHousehold(sqldbtest.Xinyan, g*10+i), "")
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			must(t, err)
		}
		rep, err := sqldb.NewAuditService(db).VerifyAuditChain(ctxSystem)
		must(t, err)
		if !rep.OK || rep.Entries != 41 {
			t.Fatalf("report %+v", rep)
		}
	})
}
