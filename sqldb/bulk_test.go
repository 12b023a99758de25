package sqldb_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// bulkBatch returns n households of a village numbered from start, with
// some details recorded (a village group, a year built, a C-grade house
// on every third, which the indicators and roll-ups count).
func bulkBatch(village string, n, start int) []*tuopin.Household {
	hs := make([]*tuopin.Household, n)
	for i := range hs {
		h := sqldbtest.NewHousehold(village, start+i)
		h.Details = map[string]string{"group_name": fmt.Sprintf("%d组", i%7+1), "house_built_year": "1998"}
		if i%3 == 0 {
			h.Details["house_grade"] = "C"
		}
		if i%2 == 0 {
			h.Status = tuopin.StatusExited
		}
		hs[i] = h
	}
	return hs
}

// TestBulkCreateHouseholds checks that a batch large enough for the bulk
// path stores exactly what the row-by-row path stores: every column read
// back equal, IDs above every earlier one and below every later one,
// roll-ups that a recomputation confirms, and one audit entry per
// household in an unbroken chain, whose record is the stored household.
func TestBulkCreateHouseholds(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		modes := []string{"reserve"}
		if db.Dialect() == sqldb.DialectPostgres {
			modes = append(modes, "staging")
		}
		w := newWorld(t, db)
		ctx := sqldbtest.Ctx(w.township)
		next, gapHouses := 0, int64(0)
		for _, mode := range modes {
			t.Run(mode, func(t *testing.T) {
				defer sqldb.SetBulkIDs(mode)()
				defer sqldb.SetBulkMin(100)()
				// A small batch before, the bulk batch, a small one after.
				before := bulkBatch(sqldbtest.Xinyan, 3, 10000+next)
				must(t, w.hh.CreateHouseholds(ctx, before, "before"))
				hs := bulkBatch(sqldbtest.Bala, 250, next)
				must(t, w.hh.CreateHouseholds(ctx, hs, "bulk import"))
				after := bulkBatch(sqldbtest.Xinyan, 3, 10000+next+3)
				must(t, w.hh.CreateHouseholds(ctx, after, "after"))
				next += 250
				gapHouses += 84 // every third of 250

				ids := map[int64]bool{}
				for _, h := range hs {
					if h.ID <= before[2].ID || h.ID >= after[0].ID || ids[h.ID] {
						t.Fatalf("bulk household ID %d: not between %d and %d, or repeated", h.ID, before[2].ID, after[0].ID)
					}
					ids[h.ID] = true
					for _, m := range h.Members {
						if m.ID <= before[2].Members[1].ID || m.ID >= after[0].Members[0].ID || m.HouseholdID != h.ID {
							t.Fatalf("bulk member %+v: ID not between %d and %d or wrong household", m, before[2].Members[1].ID, after[0].Members[0].ID)
						}
					}
				}
				for _, i := range []int{0, 1, 2, 137, 249} {
					got, err := w.hh.FindHouseholdByID(ctx, hs[i].ID)
					must(t, err)
					if !reflect.DeepEqual(got, hs[i]) {
						gb, _ := json.Marshal(got)
						hb, _ := json.Marshal(hs[i])
						t.Fatalf("households[%d] read back\n%s\nwant\n%s", i, gb, hb)
					}
					if i == 0 && (!got.Indicators.UnsafeHouse || got.Details["group_name"] != "1组") {
						t.Fatalf("details and indicators not stored: %+v", got)
					}
					es, n, err := w.audit.FindAuditEntries(ctxSystem, tuopin.AuditFilter{TargetKind: ptr("household"), TargetID: ptr(fmt.Sprint(got.ID))})
					must(t, err)
					if n != 1 || es[0].Action != tuopin.ActionHouseholdCreate || es[0].Reason != "bulk import" || es[0].ActorID != w.township.ID {
						t.Fatalf("audit of households[%d]: %d entries, %+v", i, n, es)
					}
					var logged tuopin.Household
					must(t, json.Unmarshal(es[0].After, &logged))
					if !reflect.DeepEqual(&logged, got) {
						t.Fatalf("audit record of households[%d]:\n%s", i, es[0].After)
					}
				}
				rep, err := w.audit.VerifyAuditChain(ctxSystem)
				must(t, err)
				if !rep.OK {
					t.Fatalf("chain: %+v", rep)
				}
				check, err := sqldb.NewRollupService(db).CheckRollups(ctxSystem, 0)
				must(t, err)
				if check.Mismatch != 0 {
					t.Fatalf("roll-ups: %+v", check)
				}
				st, _, err := w.areas.FindAreaStats(ctx, sqldbtest.Bala, 2024)
				must(t, err)
				if st.Households != next || st.Metrics[tuopin.MetricGapHouse] != gapHouses {
					t.Fatalf("village stats %+v", st)
				}
			})
		}
		t.Run("ErrRollsBack", func(t *testing.T) {
			defer sqldb.SetBulkMin(100)()
			nh, nm, na := rowCount(t, db, "households"), rowCount(t, db, "members"), rowCount(t, db, "audit_log")
			hs := bulkBatch(sqldbtest.Bala, 150, 0) // numbers taken by the first bulk batch
			err := w.hh.CreateHouseholds(ctx, hs, "")
			wantErr(t, err, tuopin.ECONFLICT, "households[0]: Household number 4512241002020000")
			wantNothingWritten(t, db, nh, nm, na)
		})
		t.Run("ErrTakenInsideBatch", func(t *testing.T) {
			// The bulk path writes without looking the numbers up first: a
			// number or an ID number already stored, deep inside the batch,
			// rolls the batch's writes back and is reported as the lookups
			// report it, naming the household and the member.
			defer sqldb.SetBulkMin(100)()
			stored := bulkBatch(sqldbtest.Bala, 10, 0) // written by the first bulk batch
			nh, nm, na := rowCount(t, db, "households"), rowCount(t, db, "members"), rowCount(t, db, "audit_log")
			hs := bulkBatch(sqldbtest.Bala, 150, 50000)
			hs[70].Number = stored[5].Number
			hs[20].Members[1].IDNumber = stored[3].Members[1].IDNumber // a clash with a later number: the number wins
			err := w.hh.CreateHouseholds(ctx, hs, "")
			wantErr(t, err, tuopin.ECONFLICT, "households[70]: Household number "+stored[5].Number)
			wantNothingWritten(t, db, nh, nm, na)

			hs = bulkBatch(sqldbtest.Bala, 150, 50000)
			hs[90].Members[1].IDNumber = stored[3].Members[1].IDNumber
			hs[120].Members[0].IDNumber = stored[4].Members[0].IDNumber
			err = w.hh.CreateHouseholds(ctx, hs, "")
			wantField(t, err, "households[90].members[1].id_number", "duplicate", "already registered in 2024, in household "+stored[3].Number)
			wantNothingWritten(t, db, nh, nm, na)

			// The same batch without the clashes goes in whole.
			hs = bulkBatch(sqldbtest.Bala, 150, 50000)
			must(t, w.hh.CreateHouseholds(ctx, hs, ""))
			if got := rowCount(t, db, "households"); got != nh+150 {
				t.Fatalf("%d households after the clean batch, want %d", got, nh+150)
			}
			rep, err := w.audit.VerifyAuditChain(ctxSystem)
			must(t, err)
			check, err := sqldb.NewRollupService(db).CheckRollups(ctxSystem, 0)
			must(t, err)
			if !rep.OK || check.Mismatch != 0 {
				t.Fatalf("chain %+v, roll-ups %+v", rep, check)
			}
		})
		t.Run("Concurrent", func(t *testing.T) {
			// Two bulk writers at once: each batch commits whole, the
			// chain and the roll-ups stay exact.
			defer sqldb.SetBulkMin(100)()
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, village := range []string{sqldbtest.Xinyan, sqldbtest.Changle} {
				start := 20000 + 10000*i // ID numbers unique in the county
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs[i] = w.hh.CreateHouseholds(sqldbtest.Ctx(tuopin.SystemUser), bulkBatch(village, 120, start), "concurrent")
				}()
			}
			wg.Wait()
			for _, err := range errs {
				must(t, err)
			}
			rep, err := w.audit.VerifyAuditChain(ctxSystem)
			must(t, err)
			check, err := sqldb.NewRollupService(db).CheckRollups(ctxSystem, 0)
			must(t, err)
			if !rep.OK || check.Mismatch != 0 {
				t.Fatalf("chain %+v, roll-ups %+v", rep, check)
			}
		})
	})
}

// TestRollupRecomputeModes checks that every way of recomputing the
// roll-ups gives the same report: PostgreSQL's parallel workers in the
// rebuild's snapshot and one city at a time, households grouped in SQL or
// streamed, differences written by COPY or by multi-row statements.
func TestRollupRecomputeModes(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		sqldbtest.MustLoadAreas(t, db)
		must(t, sqldb.NewAreaService(db).UpsertAreas(ctxSystem, rollupAreas))
		defer sqldb.SetBulkMin(50)()
		hh := sqldb.NewHouseholdService(db)
		for i, village := range rollupVillages {
			must(t, hh.CreateHouseholds(ctxSystem, bulkBatch(village, 60, 1000*i), "load"))
		}
		rs := sqldb.NewRollupService(db)
		type mode struct {
			name    string
			workers int
			inSQL   bool
			copyMin int
		}
		modes := []mode{{"parallel", 0, true, 1}, {"one-city", 1, true, 100000}, {"streamed", 3, false, 1}}
		var first *tuopin.RollupReport
		for _, m := range modes {
			t.Run(m.name, func(t *testing.T) {
				defer sqldb.SetRollupWorkers(m.workers)()
				defer sqldb.SetRollupGroupInSQL(m.inSQL)()
				defer sqldb.SetCopyMinRows(m.copyMin)()
				rep, err := rs.CheckRollups(ctxSystem, 0)
				must(t, err)
				if rep.Mismatch != 0 || rep.Rows == 0 {
					t.Fatalf("clean check: %+v", rep)
				}
				// Tamper in both provinces and at every level.
				must(t, db.Exec(bg, `UPDATE rollups SET value = value + 1 WHERE level = 5 AND area = ? AND metric = 'persons'`, sqldbtest.Bala))
				must(t, db.Exec(bg, `UPDATE rollups SET value = value + 2 WHERE level = 2 AND area = '4308' AND metric = 'households'`))
				must(t, db.Exec(bg, `DELETE FROM rollups WHERE level = 4 AND area = '451223100'`))
				must(t, db.Exec(bg, `DELETE FROM rollups WHERE level = 1 AND area = '43' AND metric = 'persons'`))
				must(t, db.Exec(bg, `INSERT INTO rollups (year, level, area, metric, value) VALUES (2024, 3, '430899', 'households', 4)`))
				must(t, db.Exec(bg, `UPDATE rollups SET value = 0 WHERE level = 0 AND metric = 'households'`))
				rep, err = rs.CheckRollups(ctxSystem, 0)
				must(t, err)
				if first == nil {
					first = rep
					all := strings.Join(rep.Examples, "\n")
					for _, want := range []string{"2024 451224100202 persons: stored ", "2024 4308 households: stored ",
						"2024 451223100 households: no stored row", "2024 43 persons: no stored row",
						"2024 430899 households: stored 4, computed 0", "2024 nation households: stored 0, computed 360"} {
						if !strings.Contains(all, want) {
							t.Fatalf("check does not report %q:\n%s", want, all)
						}
					}
				} else if rep.Mismatch != first.Mismatch || rep.Rows != first.Rows || !reflect.DeepEqual(rep.Examples, first.Examples) {
					t.Fatalf("check %+v\nwant %+v", rep, first)
				}
				fixed, err := rs.RebuildRollups(ctxSystem, 2024)
				must(t, err)
				if fixed.Mismatch != first.Mismatch {
					t.Fatalf("rebuild fixed %d, check found %d", fixed.Mismatch, first.Mismatch)
				}
				// And from an empty table.
				must(t, db.Exec(bg, `DELETE FROM rollups`))
				rebuilt, err := rs.RebuildRollups(ctxSystem, 0)
				must(t, err)
				total, err := db.QueryInt(bg, `SELECT COUNT(*) FROM rollups`)
				must(t, err)
				if rebuilt.Mismatch != total || rebuilt.Rows != total {
					t.Fatalf("rebuild of an empty table: %+v, %d rows stored", rebuilt, total)
				}
				if rep, err := rs.CheckRollups(ctxSystem, 0); err != nil || rep.Mismatch != 0 {
					t.Fatalf("after the rebuilds: %+v, %v", rep, err)
				}
			})
		}
	})
}

// TestCreatedFields checks the bulk path's encoding of a created record
// against tuopin.ChangedFields, byte for byte, on households with
// details, members, characters JSON escapes and empty fields.
func TestCreatedFields(t *testing.T) {
	hs := bulkBatch(sqldbtest.Xinyan, 5, 0)
	hs[1].Phone = "0778-5212345"
	hs[1].Details["group_name"] = `"引号" <&> \ 组`
	hs[2].Details = nil
	hs[3].Members[0].Details = map[string]string{"school_status": "1", "resident_medical_insurance": "1"}
	hs[4].Members = nil
	for i, v := range []any{hs[0], hs[1], hs[2], hs[3], hs[4], &tuopin.Area{Code: "450000000000", Name: "广西"}, map[string]any{"b": 1, "a": []int{2}, "c": map[string]int{"z": 1, "y": 2}}} {
		_, want, err := tuopin.ChangedFields(nil, v)
		must(t, err)
		got, err := sqldb.CreatedFields(v)
		must(t, err)
		if string(got) != string(want) {
			t.Fatalf("value %d:\n%s\nwant\n%s", i, got, want)
		}
	}
}
