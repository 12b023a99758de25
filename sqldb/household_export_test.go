package sqldb_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

func TestEachHousehold(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		// Households in three villages of the county and one of the
		// neighbouring county, created out of order.
		var hs []*tuopin.Household
		for i := 7; i >= 1; i-- {
			hs = append(hs, sqldbtest.NewHousehold(sqldbtest.Bala, i), sqldbtest.NewHousehold(sqldbtest.Xinyan, i+100))
		}
		hs = append(hs, sqldbtest.NewHousehold(sqldbtest.Changle, 300), sqldbtest.NewHousehold(sqldbtest.Bapang, 400))
		hs[3].Status = tuopin.StatusPreExit
		must(t, w.hh.CreateHouseholds(ctxSystem, hs, "fixture"))

		svc := sqldb.NewHouseholdService(db)
		sqldb.SetExportChunk(svc, 3) // many chunks, with a boundary inside a village
		collect := func(t *testing.T, u *tuopin.User, f tuopin.HouseholdFilter) []*tuopin.Household {
			t.Helper()
			var out []*tuopin.Household
			must(t, svc.EachHousehold(sqldbtest.Ctx(u), f, func(h *tuopin.Household) error {
				out = append(out, h)
				return nil
			}))
			return out
		}
		// Each export must equal the listing, in its order, with members.
		same := func(t *testing.T, u *tuopin.User, f tuopin.HouseholdFilter, want int) []*tuopin.Household {
			t.Helper()
			got := collect(t, u, f)
			f.Limit, f.Offset = 500, 0
			list, _, err := w.hh.FindHouseholds(sqldbtest.Ctx(u), f)
			must(t, err)
			if len(got) != want || len(list) != want {
				t.Fatalf("%d exported, %d listed; want %d", len(got), len(list), want)
			}
			for i, h := range got {
				if h.ID != list[i].ID {
					t.Fatalf("row %d: household %d (%s %s), listing has %d", i, h.ID, h.AreaCode, h.Number, list[i].ID)
				}
				if len(h.Members) != 2 || h.Members[0].HouseholdID != h.ID || h.Members[0].Relation != tuopin.RelationHead ||
					h.Members[0].Name != h.HeadName {
					t.Fatalf("household %s members %+v", h.Number, h.Members)
				}
			}
			return got
		}
		t.Run("County", func(t *testing.T) {
			got := same(t, w.county, tuopin.HouseholdFilter{}, 15)
			for i := 1; i < len(got); i++ {
				a, b := got[i-1], got[i]
				if a.AreaCode > b.AreaCode || (a.AreaCode == b.AreaCode && a.Number >= b.Number) {
					t.Fatalf("out of order at %d: %s %s then %s %s", i, a.AreaCode, a.Number, b.AreaCode, b.Number)
				}
			}
		})
		t.Run("VillageScope", func(t *testing.T) {
			got := same(t, w.village, tuopin.HouseholdFilter{}, 7)
			for _, h := range got {
				if h.AreaCode != sqldbtest.Xinyan {
					t.Fatalf("village secretary got household of %s", h.AreaCode)
				}
			}
			// An area filter outside the scope finds nothing.
			same(t, w.village, tuopin.HouseholdFilter{AreaPrefix: sqldbtest.Bala}, 0)
		})
		t.Run("Filters", func(t *testing.T) {
			same(t, w.county, tuopin.HouseholdFilter{AreaPrefix: sqldbtest.Bala}, 7)
			same(t, w.county, tuopin.HouseholdFilter{Status: ptr(tuopin.StatusPreExit)}, 1)
			same(t, w.county, tuopin.HouseholdFilter{Year: ptr(2023)}, 0)
			same(t, w.county, tuopin.HouseholdFilter{Query: "韦10"}, 7) // 韦101…韦107
			same(t, w.county, tuopin.HouseholdFilter{Limit: 2, Offset: 5}, 15)
			same(t, w.fengshan, tuopin.HouseholdFilter{}, 1)
		})
		t.Run("Stop", func(t *testing.T) {
			stop := errors.New("stop")
			n := 0
			err := svc.EachHousehold(sqldbtest.Ctx(w.county), tuopin.HouseholdFilter{}, func(*tuopin.Household) error {
				if n++; n == 4 {
					return stop
				}
				return nil
			})
			if err != stop || n != 4 {
				t.Fatalf("err %v after %d", err, n)
			}
		})
		t.Run("NoUser", func(t *testing.T) {
			must(t, svc.EachHousehold(bg, tuopin.HouseholdFilter{}, func(h *tuopin.Household) error {
				return fmt.Errorf("got %s", h.Number)
			}))
		})
	})
}
