package sqldb_test

import (
	"crypto/rand"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

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
				_, err = sqldb.NewAuditService(db).VerifyAuditLog(sqldbtest.Ctx(county), &tuopin.Checkpoint{})
				wantErr(t, err, tuopin.EFORBIDDEN, "Only an administrator")
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

// TestVerifyAuditLogCheckpoint checks the log against a signed checkpoint
// after the tamperings a chain alone lets pass: the tail deleted and
// audit_head set back, an entry rewritten with every later hash
// recomputed, everything deleted.
func TestVerifyAuditLogCheckpoint(t *testing.T) {
	signer := mustAuditKey(t, "dl.gx.example/tuopin")
	// setup makes a log of 1 (areas) + 5 (households) entries, signs a
	// checkpoint of it, and appends 2 more entries.
	setup := func(t *testing.T, db *sqldb.DB) (*sqldb.AuditService, *tuopin.Checkpoint) {
		t.Helper()
		sqldbtest.MustLoadAreas(t, db)
		for i := range 5 {
			sqldbtest.MustCreateHousehold(t, db, sqldbtest.NewHousehold(sqldbtest.Xinyan, i))
		}
		audit := sqldb.NewAuditService(db)
		cp := mustCheckpoint(t, audit, signer)
		if cp.Size != 6 {
			t.Fatalf("checkpoint of %d entries", cp.Size)
		}
		for i := range 2 {
			sqldbtest.MustCreateHousehold(t, db, sqldbtest.NewHousehold(sqldbtest.Xinyan, 10+i))
		}
		return audit, cp
	}
	verify := func(t *testing.T, audit *sqldb.AuditService, cp *tuopin.Checkpoint) *tuopin.AuditReport {
		t.Helper()
		rep, err := audit.VerifyAuditLog(ctxSystem, cp)
		must(t, err)
		return rep
	}
	wantBad := func(t *testing.T, rep *tuopin.AuditReport, id int64, problem string) {
		t.Helper()
		if rep.OK || rep.FirstBadID != id || !strings.HasPrefix(rep.Problem, problem) {
			t.Fatalf("report %+v, want first bad %d: %s", rep, id, problem)
		}
	}
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Run("OK", func(t *testing.T) {
				db := sqldbtest.MustOpen(t, engine)
				audit, cp := setup(t, db)
				rep := verify(t, audit, cp)
				if !rep.OK || rep.Entries != 8 || rep.Checkpoint != cp || len(rep.Proof) == 0 {
					t.Fatalf("report %+v", rep)
				}
				if err := tuopin.VerifyConsistency(6, 8, cp.Root, rep.Root, rep.Proof); err != nil {
					t.Fatalf("the reported proof: %v", err)
				}
				// A checkpoint of the log as it is, and one of the empty log.
				now := mustCheckpoint(t, audit, signer)
				if rep := verify(t, audit, now); !rep.OK || len(rep.Proof) != 0 || rep.Root != now.Root {
					t.Fatalf("against the current size: %+v", rep)
				}
				empty := &tuopin.Checkpoint{Origin: cp.Origin, Root: tuopin.EmptyTreeHash, Key: cp.Key}
				if rep := verify(t, audit, empty); !rep.OK {
					t.Fatalf("against the empty log: %+v", rep)
				}
			})
			t.Run("OKRewrittenAfterCheckpoint", func(t *testing.T) {
				// What no checkpoint covers, it cannot protect: entry 7,
				// written after the checkpoint of 6, rewritten with the
				// later hashes recomputed, passes (docs/audit.md says so).
				db := sqldbtest.MustOpen(t, engine)
				audit, cp := setup(t, db)
				rewriteFrom(t, db, audit, 7)
				if rep := verify(t, audit, cp); !rep.OK {
					t.Fatalf("report %+v", rep)
				}
			})
			t.Run("ErrTailDeleted", func(t *testing.T) {
				db := sqldbtest.MustOpen(t, engine)
				audit, cp := setup(t, db)
				must(t, db.Exec(bg, `DELETE FROM audit_log WHERE id > 4`))
				must(t, db.Exec(bg, `UPDATE audit_head SET last_id = 4, last_hash = (SELECT hash FROM audit_log WHERE id = 4) WHERE id = 1`))
				// The chain alone reports nothing wrong.
				if rep := verify(t, audit, nil); !rep.OK || rep.Entries != 4 {
					t.Fatalf("chain: %+v", rep)
				}
				wantBad(t, verify(t, audit, cp), 5, "entries 5 to 6 are missing: the log holds 4 entries, the checkpoint of "+cp.Time.Format("2006-01-02 15:04:05Z")+" covers 6; they were deleted")
			})
			t.Run("ErrRewritten", func(t *testing.T) {
				db := sqldbtest.MustOpen(t, engine)
				audit, cp := setup(t, db)
				rewriteFrom(t, db, audit, 3)
				if rep := verify(t, audit, nil); !rep.OK || rep.Entries != 8 {
					t.Fatalf("chain: %+v", rep)
				}
				wantBad(t, verify(t, audit, cp), 0, "entries 1 to 6 no longer have the root the checkpoint of "+cp.Time.Format("2006-01-02 15:04:05Z")+" records: at least one of them was rewritten")
			})
			t.Run("ErrDeletedAll", func(t *testing.T) {
				db := sqldbtest.MustOpen(t, engine)
				audit, cp := setup(t, db)
				must(t, db.Exec(bg, `DELETE FROM audit_log`))
				must(t, db.Exec(bg, `UPDATE audit_head SET last_id = 0, last_hash = '' WHERE id = 1`))
				if rep := verify(t, audit, nil); !rep.OK || rep.Entries != 0 {
					t.Fatalf("chain: %+v", rep)
				}
				wantBad(t, verify(t, audit, cp), 1, "entries 1 to 6 are missing: the log holds 0 entries")
			})
			t.Run("ErrOtherLog", func(t *testing.T) {
				// A checkpoint of another log of the same size.
				db := sqldbtest.MustOpen(t, engine)
				audit, cp := setup(t, db)
				other := *cp
				other.Root = tuopin.LeafHash([]byte("another log"))
				wantBad(t, verify(t, audit, &other), 0, "entries 1 to 6 no longer have the root")
				other.Size, other.Root = 0, tuopin.LeafHash([]byte("another log"))
				wantBad(t, verify(t, audit, &other), 0, "the checkpoint of")
			})
			t.Run("ErrChainFirst", func(t *testing.T) {
				// A broken chain is named by its entry before any
				// checkpoint is looked at.
				db := sqldbtest.MustOpen(t, engine)
				audit, cp := setup(t, db)
				must(t, db.Exec(bg, `UPDATE audit_log SET reason = 'x' WHERE id = 2`))
				wantBad(t, verify(t, audit, cp), 2, "entry 2 was altered")
			})
		})
	}
}

func mustAuditKey(t *testing.T, name string) *tuopin.AuditSigner {
	t.Helper()
	priv, _, err := tuopin.GenerateAuditKey(name, rand.Reader)
	must(t, err)
	s, err := tuopin.ParseAuditSigner(priv)
	must(t, err)
	return s
}

// mustCheckpoint verifies the log, signs a checkpoint of it and opens it
// again with the signer's public key, as tuopin audit checkpoint and
// verify do.
func mustCheckpoint(t *testing.T, audit *sqldb.AuditService, s *tuopin.AuditSigner) *tuopin.Checkpoint {
	t.Helper()
	rep, err := audit.VerifyAuditChain(ctxSystem)
	must(t, err)
	if !rep.OK {
		t.Fatalf("log to checkpoint is broken: %+v", rep)
	}
	note, err := s.SignCheckpoint(int64(rep.Entries), rep.Root, time.Now())
	must(t, err)
	cp, err := tuopin.OpenCheckpoint(note, s.Verifier())
	must(t, err)
	return cp
}

// rewriteFrom rewrites the reason of entry id, as an insider with write
// access to the database would, and recomputes the hashes and links of it
// and every later entry and of audit_head, so that the chain verifies.
func rewriteFrom(t *testing.T, db *sqldb.DB, audit *sqldb.AuditService, id int64) {
	t.Helper()
	es, _, err := audit.FindAuditEntries(ctxSystem, tuopin.AuditFilter{Limit: 1000})
	must(t, err)
	prev := ""
	for i := len(es) - 1; i >= 0; i-- { // newest first: walk from the oldest
		e := es[i]
		if e.ID < id {
			prev = e.Hash
			continue
		}
		if e.ID == id {
			e.Reason = "nothing happened"
		}
		e.PrevHash = prev
		e.Hash = e.ComputeHash()
		prev = e.Hash
		must(t, db.Exec(bg, `UPDATE audit_log SET reason = ?, prev_hash = ?, hash = ? WHERE id = ?`, e.Reason, e.PrevHash, e.Hash, e.ID))
	}
	must(t, db.Exec(bg, `UPDATE audit_head SET last_hash = ? WHERE id = 1`, prev))
}
