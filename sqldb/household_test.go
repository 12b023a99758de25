package sqldb_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// rowCount returns the rows of a table, read behind the services' backs.
func rowCount(t *testing.T, db *sqldb.DB, table string) int {
	t.Helper()
	n, err := db.QueryInt(bg, `SELECT COUNT(*) FROM `+table)
	must(t, err)
	return n
}

// wantNothingWritten fails unless the households, members and audit_log
// tables still hold the given counts.
func wantNothingWritten(t *testing.T, db *sqldb.DB, households, members, audit int) {
	t.Helper()
	if h, m, a := rowCount(t, db, "households"), rowCount(t, db, "members"), rowCount(t, db, "audit_log"); h != households || m != members || a != audit {
		t.Fatalf("after a failed write: %d households, %d members, %d audit entries; want %d, %d, %d", h, m, a, households, members, audit)
	}
}

func TestCreateHousehold(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		t.Run("OK", func(t *testing.T) {
			h := sqldbtest.NewHousehold(sqldbtest.Xinyan, 1)
			h.Number = " " + h.Number + " "
			must(t, w.hh.CreateHousehold(sqldbtest.Ctx(w.village), h, "new registration"))
			if h.ID == 0 || h.Version != 1 || h.HeadName != "韦1" || h.Size != 2 || h.Number != "4512241002010001" {
				t.Fatalf("household = %+v", h)
			}
			for _, m := range h.Members {
				if m.ID == 0 || m.HouseholdID != h.ID {
					t.Fatalf("member = %+v", m)
				}
			}
			if m := h.Members[1]; m.Sex != "2" || m.BirthDate.Format(tuopin.DateLayout) != "1972-02-02" {
				t.Fatalf("derived sex %q, birth %v", m.Sex, m.BirthDate)
			}
			got, err := w.hh.FindHouseholdByID(sqldbtest.Ctx(w.village), h.ID)
			must(t, err)
			if !reflect.DeepEqual(got, h) {
				gb, _ := json.Marshal(got)
				hb, _ := json.Marshal(h)
				t.Fatalf("read back\n%s\nwant\n%s", gb, hb)
			}
			es, n, err := w.audit.FindAuditEntries(ctxSystem, tuopin.AuditFilter{TargetKind: ptr("household"), TargetID: ptr(fmt.Sprint(h.ID))})
			must(t, err)
			if n != 1 {
				t.Fatalf("%d audit entries", n)
			}
			e := es[0]
			if e.Action != tuopin.ActionHouseholdCreate || e.ActorID != w.village.ID || e.ActorName != w.village.Name+" ("+w.village.Username+")" ||
				e.AreaCode != sqldbtest.Xinyan || e.Reason != "new registration" || string(e.Before) != "null" ||
				!strings.Contains(string(e.After), `"number":"4512241002010001"`) || !strings.Contains(string(e.After), `"id_number":"`) ||
				!e.Time.Equal(h.CreatedAt) {
				t.Fatalf("audit entry = %+v\nafter %s", e, e.After)
			}
		})

		// Every failure below must leave the database as it was.
		base := func() (int, int, int) {
			return rowCount(t, db, "households"), rowCount(t, db, "members"), rowCount(t, db, "audit_log")
		}
		fails := func(t *testing.T, u *tuopin.User, h *tuopin.Household) error {
			t.Helper()
			nh, nm, na := base()
			err := w.hh.CreateHousehold(sqldbtest.Ctx(u), h, "")
			if err == nil {
				t.Fatal("create succeeded")
			}
			wantNothingWritten(t, db, nh, nm, na)
			return err
		}
		t.Run("ErrInvalidIDNumber", func(t *testing.T) {
			h := sqldbtest.NewHousehold(sqldbtest.Xinyan, 2)
			id := h.Members[0].IDNumber
			h.Members[0].IDNumber = id[:17] + map[bool]string{true: "1", false: "2"}[id[17] != '1']
			wantField(t, fails(t, w.village, h), "members[0].id_number", "id_checksum", "fails the GB 11643 check")
		})
		t.Run("ErrSecondHead", func(t *testing.T) {
			h := sqldbtest.NewHousehold(sqldbtest.Xinyan, 2)
			h.Members[1].Relation = tuopin.RelationHead
			wantField(t, fails(t, w.village, h), "members[1].relation", "second_head", "exactly one head")
		})
		t.Run("ErrNoHead", func(t *testing.T) {
			h := sqldbtest.NewHousehold(sqldbtest.Xinyan, 2)
			h.Members[0].Relation = "03"
			wantField(t, fails(t, w.village, h), "members", "no_head", "none is given")
		})
		t.Run("ErrUnknownArea", func(t *testing.T) {
			h := sqldbtest.NewHousehold("451224100299", 2)
			wantField(t, fails(t, w.county, h), "area_code", "unknown_area", "There is no village 451224100299")
		})
		t.Run("ErrNotVillage", func(t *testing.T) {
			// Stored as a township although its code looks like a village.
			must(t, w.areas.UpsertAreas(ctxSystem, []*tuopin.Area{{Code: "451224100777", Name: "x", Level: tuopin.LevelVillage, ParentCode: sqldbtest.DonglanTown}}))
			must(t, db.Exec(bg, `UPDATE areas SET level = 4 WHERE code = '451224100777'`))
			h := sqldbtest.NewHousehold("451224100777", 2)
			wantField(t, fails(t, w.county, h), "area_code", "unknown_area", "There is no village")
		})
		t.Run("ErrOutOfScopeArea", func(t *testing.T) {
			h := sqldbtest.NewHousehold(sqldbtest.Changle, 2)
			wantField(t, fails(t, w.township, h), "area_code", "out_of_scope", "outside your scope")
		})
		t.Run("ErrNumberTaken", func(t *testing.T) {
			h := sqldbtest.NewHousehold(sqldbtest.Xinyan, 1)
			for _, m := range h.Members {
				m.IDNumber = sqldbtest.IDNumber("451224", "19800101", 100+len(m.Name))
			}
			h.Members[1].IDNumber = sqldbtest.IDNumber("451224", "19800101", 200)
			err := fails(t, w.village, h)
			wantErr(t, err, tuopin.ECONFLICT, "Household number 4512241002010001 is already registered in 2024")
			if tuopin.ErrorFields(err)["number"].Code != "taken" {
				t.Fatalf("fields %v", tuopin.ErrorFields(err))
			}
			h.Year = 2023 // another year: fine
			must(t, w.hh.CreateHousehold(sqldbtest.Ctx(w.village), h, ""))
		})
		t.Run("ErrDuplicateIDAcrossCounties", func(t *testing.T) {
			// 凤山县 registers a person; 东兰县 tries to register the same ID.
			other := sqldbtest.NewHousehold(sqldbtest.Bapang, 7)
			must(t, w.hh.CreateHousehold(sqldbtest.Ctx(w.fengshan), other, ""))
			h := sqldbtest.NewHousehold(sqldbtest.Xinyan, 8)
			h.Members[1].IDNumber = other.Members[0].IDNumber
			h.Members[1].Relation = "03"
			// The write is refused; a review is filed (idreview.go) with
			// its audit entry, and nothing else is written.
			nh, nm, na := base()
			err := w.hh.CreateHousehold(sqldbtest.Ctx(w.county), h, "")
			wantNothingWritten(t, db, nh, nm, na+1)
			wantField(t, err, "members[1].id_number", "id_review_filed", "already registered in 2024 in another county")
			if strings.Contains(tuopin.ErrorFields(err)["members[1].id_number"].Message, other.Number) {
				t.Fatal("the message names a household outside the caller's scope")
			}
			// Inside 凤山县 the other household is named.
			h2 := sqldbtest.NewHousehold(sqldbtest.Bapang, 9)
			h2.Members[0].IDNumber = other.Members[0].IDNumber
			err = fails(t, w.fengshan, h2)
			wantField(t, err, "members[0].id_number", "duplicate", "in household 4512231002020007 of 巴旁村委会 (451223100202)")
		})
		t.Run("ErrForbidden", func(t *testing.T) {
			for _, u := range []*tuopin.User{w.viewer, w.cadre} {
				wantErr(t, fails(t, u, sqldbtest.NewHousehold(sqldbtest.Xinyan, 3)), tuopin.EFORBIDDEN, "may not change the registry")
			}
		})
		t.Run("ErrUnauthorized", func(t *testing.T) {
			wantCode(t, w.hh.CreateHousehold(bg, sqldbtest.NewHousehold(sqldbtest.Xinyan, 3), ""), tuopin.EUNAUTHORIZED)
		})
	})
}

func TestCreateHouseholds(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		batch := func(n int, village string, start int) []*tuopin.Household {
			var hs []*tuopin.Household
			for i := range n {
				hs = append(hs, sqldbtest.NewHousehold(village, start+i))
			}
			return hs
		}
		t.Run("OK", func(t *testing.T) {
			hs := batch(450, sqldbtest.Xinyan, 0) // 900 members: two member statements
			must(t, w.hh.CreateHouseholds(sqldbtest.Ctx(w.township), hs, "import"))
			for _, i := range []int{0, 17, 449} {
				got, err := w.hh.FindHouseholdByID(ctxSystem, hs[i].ID)
				must(t, err)
				if got.Number != hs[i].Number || got.Members[0].ID != hs[i].Members[0].ID || got.Members[1].IDNumber != hs[i].Members[1].IDNumber {
					t.Fatalf("households[%d] read back as %+v", i, got)
				}
			}
			if n := rowCount(t, db, "members"); n != 900 {
				t.Fatalf("%d members", n)
			}
			_, n, err := w.audit.FindAuditEntries(ctxSystem, tuopin.AuditFilter{Action: ptr(tuopin.ActionHouseholdCreate)})
			must(t, err)
			if n != 450 {
				t.Fatalf("%d audit entries", n)
			}
			rep, err := w.audit.VerifyAuditChain(ctxSystem)
			must(t, err)
			if !rep.OK {
				t.Fatalf("chain: %+v", rep)
			}
		})
		nh, nm, na := rowCount(t, db, "households"), rowCount(t, db, "members"), rowCount(t, db, "audit_log")
		t.Run("ErrInvalidNamesIndex", func(t *testing.T) {
			hs := batch(30, sqldbtest.Bala, 500)
			hs[17].Members[0].Name = ""
			hs[20].Members[0].Name = ""
			err := w.hh.CreateHouseholds(sqldbtest.Ctx(w.township), hs, "")
			wantField(t, err, "households[17].members[0].name", "required", "Name is required")
			if len(tuopin.ErrorFields(err)) != 1 {
				t.Fatalf("fields %v", tuopin.ErrorFields(err))
			}
			wantNothingWritten(t, db, nh, nm, na)
		})
		t.Run("ErrAreaNamesIndex", func(t *testing.T) {
			hs := batch(5, sqldbtest.Bala, 500)
			hs[3] = sqldbtest.NewHousehold(sqldbtest.Changle, 503)
			err := w.hh.CreateHouseholds(sqldbtest.Ctx(w.township), hs, "")
			wantField(t, err, "households[3].area_code", "out_of_scope", "outside your scope")
			wantNothingWritten(t, db, nh, nm, na)
		})
		t.Run("ErrNumberTwiceInBatch", func(t *testing.T) {
			hs := batch(5, sqldbtest.Bala, 500)
			hs[4].Number = hs[1].Number
			err := w.hh.CreateHouseholds(sqldbtest.Ctx(w.township), hs, "")
			wantErr(t, err, tuopin.ECONFLICT, "households[4]: Household number 4512241002020501 is already registered in 2024 (households[1] has it too)")
			wantNothingWritten(t, db, nh, nm, na)
		})
		t.Run("ErrNumberStored", func(t *testing.T) {
			hs := batch(5, sqldbtest.Bala, 500)
			hs[2].Number = "4512241002010017"
			hs[2].AreaCode = sqldbtest.Xinyan
			err := w.hh.CreateHouseholds(sqldbtest.Ctx(w.township), hs, "")
			wantErr(t, err, tuopin.ECONFLICT, "households[2]: Household number 4512241002010017")
			if _, ok := tuopin.ErrorFields(err)["households[2].number"]; !ok {
				t.Fatalf("fields %v", tuopin.ErrorFields(err))
			}
			wantNothingWritten(t, db, nh, nm, na)
		})
		t.Run("ErrIDTwiceInBatch", func(t *testing.T) {
			hs := batch(5, sqldbtest.Bala, 500)
			hs[3].Members[1].IDNumber = hs[0].Members[1].IDNumber
			hs[3].Members[1].BirthDate, hs[3].Members[1].Sex = time.Time{}, ""
			err := w.hh.CreateHouseholds(sqldbtest.Ctx(w.township), hs, "")
			wantField(t, err, "households[3].members[1].id_number", "duplicate", "also given for household 4512241002020500 in this batch")
			wantNothingWritten(t, db, nh, nm, na)
		})
		t.Run("ErrIDStored", func(t *testing.T) {
			hs := batch(5, sqldbtest.Bala, 500)
			// The same ID numbers as the first batch's households[2].
			hs[2].Members = sqldbtest.NewHousehold(sqldbtest.Xinyan, 2).Members
			err := w.hh.CreateHouseholds(sqldbtest.Ctx(w.township), hs, "")
			wantField(t, err, "households[2].members[0].id_number", "duplicate", "in household 4512241002010002 of 新烟村委会")
			wantNothingWritten(t, db, nh, nm, na)
		})
	})
}

func TestFindHouseholds(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		var hs []*tuopin.Household
		for i, v := range []string{sqldbtest.Xinyan, sqldbtest.Xinyan, sqldbtest.Xinyan, sqldbtest.Bala, sqldbtest.Changle, sqldbtest.Bapang} {
			hs = append(hs, sqldbtest.MustCreateHousehold(t, db, sqldbtest.NewHousehold(v, i+1)))
		}
		old := sqldbtest.NewHousehold(sqldbtest.Xinyan, 9)
		old.Year, old.Status = 2023, tuopin.StatusExited
		sqldbtest.MustCreateHousehold(t, db, old)

		find := func(u *tuopin.User, f tuopin.HouseholdFilter) ([]string, int) {
			t.Helper()
			list, n, err := w.hh.FindHouseholds(sqldbtest.Ctx(u), f)
			must(t, err)
			numbers := []string{}
			for _, h := range list {
				if h.Members != nil {
					t.Fatal("a listing carries members")
				}
				numbers = append(numbers, h.Number)
			}
			return numbers, n
		}
		y := ptr(2024)
		t.Run("OKScope", func(t *testing.T) {
			for _, tt := range []struct {
				u    *tuopin.User
				want int
			}{{w.village, 3}, {w.township, 4}, {w.county, 5}, {w.fengshan, 1}, {tuopin.SystemUser, 6}} {
				got, n := find(tt.u, tuopin.HouseholdFilter{Year: y})
				if n != tt.want || len(got) != tt.want {
					t.Fatalf("%s sees %d (%v), want %d", tt.u.Username, n, got, tt.want)
				}
			}
			got, n := find(w.village, tuopin.HouseholdFilter{})
			if n != 4 || !reflect.DeepEqual(got, []string{"4512241002010001", "4512241002010002", "4512241002010003", "4512241002010009"}) {
				t.Fatalf("village secretary, all years: %v %d", got, n)
			}
		})
		t.Run("OKNoUser", func(t *testing.T) {
			list, n, err := w.hh.FindHouseholds(bg, tuopin.HouseholdFilter{})
			must(t, err)
			if len(list) != 0 || n != 0 {
				t.Fatal("anonymous caller sees households")
			}
		})
		t.Run("OKQuery", func(t *testing.T) {
			for _, tt := range []struct {
				u     *tuopin.User
				query string
				want  []string
			}{
				{w.county, "4512241002010002", []string{"4512241002010002"}},                                                        // number, exact
				{w.county, "45122410020", []string{"4512241002010001", "4512241002010002", "4512241002010003", "4512241002020004"}}, // number prefix
				{w.county, hs[4].Members[1].IDNumber, []string{"4512241022010005"}},                                                 // ID, exact
				{w.county, hs[4].Members[1].IDNumber[:14], []string{"4512241022010005"}},                                            // ID prefix: birth date 19720202 is unique per household's spouse? no: shared
				{w.county, "韦3", []string{"4512241002010003"}},                                                                      // name, exact
				{w.county, "黄", []string{"4512241002010001", "4512241002010002", "4512241002010003", "4512241002020004", "4512241022010005"}},
				{w.village, "韦", []string{"4512241002010001", "4512241002010002", "4512241002010003"}},
				{w.village, "韦5", []string{}}, // in 长乐村: outside the scope
				{w.village, "4512241022010005", []string{}},
				{w.fengshan, hs[0].Members[0].IDNumber, []string{}},
				{w.county, "nobody", []string{}},
			} {
				got, n := find(tt.u, tuopin.HouseholdFilter{Year: y, Query: tt.query})
				if tt.query == hs[4].Members[1].IDNumber[:14] {
					// Every spouse shares area and birth date: all 东兰县 households match.
					tt.want = []string{"4512241002010001", "4512241002010002", "4512241002010003", "4512241002020004", "4512241022010005"}
				}
				if n != len(tt.want) || !reflect.DeepEqual(got, tt.want) {
					t.Errorf("%s searching %q: %v (%d), want %v", tt.u.Username, tt.query, got, n, tt.want)
				}
			}
		})
		t.Run("OKFilters", func(t *testing.T) {
			if got, n := find(w.county, tuopin.HouseholdFilter{AreaPrefix: "451224102"}); n != 1 || got[0] != "4512241022010005" {
				t.Fatalf("area prefix: %v", got)
			}
			if _, n := find(w.village, tuopin.HouseholdFilter{AreaPrefix: "451224", Year: y}); n != 3 {
				t.Fatalf("a wider area prefix widened the scope: %d", n)
			}
			if _, n := find(w.village, tuopin.HouseholdFilter{AreaPrefix: "451224102"}); n != 0 {
				t.Fatalf("a disjoint area prefix found %d", n)
			}
			if got, n := find(w.county, tuopin.HouseholdFilter{Status: ptr(tuopin.StatusExited)}); n != 1 || got[0] != "4512241002010009" {
				t.Fatalf("status: %v", got)
			}
			if _, n := find(w.county, tuopin.HouseholdFilter{Number: ptr("4512241002010003")}); n != 1 {
				t.Fatalf("number: %d", n)
			}
			if _, n := find(w.county, tuopin.HouseholdFilter{ID: &hs[5].ID}); n != 0 {
				t.Fatalf("id outside scope: %d", n)
			}
			got, n := find(w.county, tuopin.HouseholdFilter{Year: y, Limit: 2, Offset: 1})
			if n != 5 || !reflect.DeepEqual(got, []string{"4512241002010002", "4512241002010003"}) {
				t.Fatalf("page: %v %d", got, n)
			}
		})
		t.Run("ErrInvalidAreaPrefix", func(t *testing.T) {
			_, _, err := w.hh.FindHouseholds(ctxSystem, tuopin.HouseholdFilter{AreaPrefix: "45x"})
			wantField(t, err, "area_prefix", "invalid_code", "not an area code prefix")
		})
		t.Run("FindHouseholdByID", func(t *testing.T) {
			_, err := w.hh.FindHouseholdByID(sqldbtest.Ctx(w.village), hs[0].ID)
			must(t, err)
			for _, u := range []*tuopin.User{w.village, w.fengshan} {
				_, err := w.hh.FindHouseholdByID(sqldbtest.Ctx(u), hs[4].ID)
				wantErr(t, err, tuopin.ENOTFOUND, "household not found or not permitted")
			}
			_, err = w.hh.FindHouseholdByID(bg, hs[0].ID)
			wantCode(t, err, tuopin.ENOTFOUND)
			_, err = w.hh.FindHouseholdByID(ctxSystem, 99999)
			wantCode(t, err, tuopin.ENOTFOUND)
		})
		t.Run("FindYears", func(t *testing.T) {
			years, err := w.hh.FindYears(sqldbtest.Ctx(w.village))
			must(t, err)
			if !reflect.DeepEqual(years, []int{2024, 2023}) {
				t.Fatalf("years %v", years)
			}
			years, err = w.hh.FindYears(sqldbtest.Ctx(w.fengshan))
			must(t, err)
			if !reflect.DeepEqual(years, []int{2024}) {
				t.Fatalf("years %v", years)
			}
		})
	})
}

func TestUpdateHousehold(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		ctx := sqldbtest.Ctx(w.county)
		newOne := func(village string, n int) *tuopin.Household {
			return sqldbtest.MustCreateHousehold(t, db, sqldbtest.NewHousehold(village, n))
		}
		lastAudit := func(id int64) *tuopin.AuditEntry {
			t.Helper()
			es, _, err := w.audit.FindAuditEntries(ctxSystem, tuopin.AuditFilter{TargetKind: ptr("household"), TargetID: ptr(fmt.Sprint(id))})
			must(t, err)
			return es[0]
		}
		t.Run("OK", func(t *testing.T) {
			h := newOne(sqldbtest.Xinyan, 1)
			got, err := w.hh.UpdateHousehold(ctx, h.ID, tuopin.HouseholdUpdate{
				IncomePerCapita: ptr(tuopin.Money(420050)), Phone: ptr("0778-5521234"), Version: ptr(1), Reason: "verified income",
			})
			must(t, err)
			if got.Version != 2 || got.IncomePerCapita != 420050 || got.Phone != "0778-5521234" || len(got.Members) != 2 {
				t.Fatalf("updated = %+v", got)
			}
			e := lastAudit(h.ID)
			var before, after map[string]any
			must(t, json.Unmarshal(e.Before, &before))
			must(t, json.Unmarshal(e.After, &after))
			if e.Action != tuopin.ActionHouseholdUpdate || e.Reason != "verified income" || e.ActorID != w.county.ID ||
				before["income_per_capita"] != 350000.0 || after["income_per_capita"] != 420050.0 ||
				before["version"] != 1.0 || after["version"] != 2.0 || after["phone"] != "0778-5521234" {
				t.Fatalf("audit %s → %s", e.Before, e.After)
			}
			if _, ok := after["members"]; ok {
				t.Fatal("unchanged members in the audit entry")
			}
			if _, ok := after["number"]; ok {
				t.Fatal("unchanged number in the audit entry")
			}
		})
		t.Run("OKMembers", func(t *testing.T) {
			h := newOne(sqldbtest.Xinyan, 2)
			head, spouse := *h.Members[0], h.Members[1]
			head.Name = "韦二"
			child := &tuopin.Member{Name: "韦小", IDNumber: sqldbtest.IDNumber("451224", "20150505", 7), Relation: "03", Education: "02"}
			got, err := w.hh.UpdateHousehold(ctx, h.ID, tuopin.HouseholdUpdate{Members: &[]*tuopin.Member{&head, child}})
			must(t, err)
			if got.HeadName != "韦二" || got.Size != 2 || got.Members[0].ID != head.ID || got.Members[1].ID == 0 || got.Members[1].Sex != "1" {
				t.Fatalf("updated = %+v", got)
			}
			read, err := w.hh.FindHouseholdByID(ctx, h.ID)
			must(t, err)
			if !reflect.DeepEqual(read, got) {
				t.Fatalf("read back %+v\nwant %+v", read, got)
			}
			n, err := db.QueryInt(bg, `SELECT COUNT(*) FROM members WHERE id = ?`, spouse.ID)
			must(t, err)
			if n != 0 {
				t.Fatal("the removed member is still stored")
			}
			e := lastAudit(h.ID)
			if !strings.Contains(string(e.Before), `"head_name":"韦2"`) || !strings.Contains(string(e.After), `"head_name":"韦二"`) ||
				!strings.Contains(string(e.After), `"members":[`) || !strings.Contains(string(e.Before), spouse.IDNumber) {
				t.Fatalf("audit %s → %s", e.Before, e.After)
			}
		})
		t.Run("OKSwapIDNumbers", func(t *testing.T) {
			h := newOne(sqldbtest.Xinyan, 3)
			a, b := *h.Members[0], *h.Members[1]
			a.IDNumber, b.IDNumber = b.IDNumber, a.IDNumber
			a.BirthDate, a.Sex, b.BirthDate, b.Sex = time.Time{}, "", time.Time{}, ""
			got, err := w.hh.UpdateHousehold(ctx, h.ID, tuopin.HouseholdUpdate{Members: &[]*tuopin.Member{&a, &b}})
			must(t, err)
			if got.Members[0].IDNumber != h.Members[1].IDNumber || got.Members[0].Sex != "2" {
				t.Fatalf("members %+v", got.Members[0])
			}
		})
		t.Run("OKMoveArea", func(t *testing.T) {
			h := newOne(sqldbtest.Xinyan, 4)
			_, err := w.hh.UpdateHousehold(ctx, h.ID, tuopin.HouseholdUpdate{AreaCode: ptr(sqldbtest.Changle)})
			must(t, err)
			n, err := db.QueryInt(bg, `SELECT COUNT(*) FROM members WHERE household_id = ? AND area_code = ?`, h.ID, sqldbtest.Changle)
			must(t, err)
			if n != 2 {
				t.Fatalf("%d members moved", n)
			}
			_, err = w.hh.FindHouseholdByID(sqldbtest.Ctx(w.village), h.ID)
			wantCode(t, err, tuopin.ENOTFOUND)
			if _, n, _ := w.hh.FindHouseholds(sqldbtest.Ctx(w.village), tuopin.HouseholdFilter{Query: h.Members[0].Name}); n != 0 {
				t.Fatal("the old village still finds a moved member")
			}
		})
		t.Run("OKNoChange", func(t *testing.T) {
			h := newOne(sqldbtest.Xinyan, 5)
			na := rowCount(t, db, "audit_log")
			got, err := w.hh.UpdateHousehold(ctx, h.ID, tuopin.HouseholdUpdate{Phone: ptr(""), Members: &h.Members})
			must(t, err)
			if got.Version != 1 || rowCount(t, db, "audit_log") != na {
				t.Fatal("a no-op update wrote")
			}
		})

		h := newOne(sqldbtest.Xinyan, 6)
		other := newOne(sqldbtest.Bala, 7)
		fails := func(t *testing.T, u *tuopin.User, id int64, upd tuopin.HouseholdUpdate) error {
			t.Helper()
			na := rowCount(t, db, "audit_log")
			before, e := w.hh.FindHouseholdByID(ctxSystem, id)
			must(t, e)
			_, err := w.hh.UpdateHousehold(sqldbtest.Ctx(u), id, upd)
			if err == nil {
				t.Fatal("update succeeded")
			}
			got, e := w.hh.FindHouseholdByID(ctxSystem, id)
			must(t, e)
			if !reflect.DeepEqual(got, before) || rowCount(t, db, "audit_log") != na {
				t.Fatal("a failed update wrote")
			}
			return err
		}
		t.Run("ErrStaleVersion", func(t *testing.T) {
			_, err := w.hh.UpdateHousehold(ctx, other.ID, tuopin.HouseholdUpdate{Phone: ptr("123"), Version: ptr(1)})
			must(t, err)
			_, err = w.hh.UpdateHousehold(ctx, other.ID, tuopin.HouseholdUpdate{Phone: ptr("456"), Version: ptr(1)})
			wantErr(t, err, tuopin.ECONFLICT, "changed by someone else meanwhile (now version 2)")
		})
		t.Run("ErrUnknownMember", func(t *testing.T) {
			m := *other.Members[0]
			wantField(t, fails(t, w.county, h.ID, tuopin.HouseholdUpdate{Members: &[]*tuopin.Member{&m}}), "members[0].id", "unknown_member", "not a member of this household")
		})
		t.Run("ErrDuplicateID", func(t *testing.T) {
			m := *h.Members[1]
			m.IDNumber, m.BirthDate, m.Sex = other.Members[1].IDNumber, time.Time{}, ""
			wantField(t, fails(t, w.county, h.ID, tuopin.HouseholdUpdate{Members: &[]*tuopin.Member{h.Members[0], &m}}),
				"members[1].id_number", "duplicate", "in household 4512241002020007")
		})
		t.Run("ErrNoHead", func(t *testing.T) {
			wantField(t, fails(t, w.county, h.ID, tuopin.HouseholdUpdate{Members: &[]*tuopin.Member{h.Members[1]}}), "members", "no_head", "none is given")
		})
		t.Run("ErrOutOfScope", func(t *testing.T) {
			wantErr(t, fails(t, w.fengshan, h.ID, tuopin.HouseholdUpdate{Phone: ptr("1")}), tuopin.ENOTFOUND, "household not found")
			wantCode(t, fails(t, w.village, other.ID, tuopin.HouseholdUpdate{Phone: ptr("1")}), tuopin.ENOTFOUND)
			wantField(t, fails(t, w.township, h.ID, tuopin.HouseholdUpdate{AreaCode: ptr(sqldbtest.Changle)}), "area_code", "out_of_scope", "outside your scope")
			wantField(t, fails(t, w.county, h.ID, tuopin.HouseholdUpdate{AreaCode: ptr("451224100299")}), "area_code", "unknown_area", "no village")
		})
		t.Run("ErrForbidden", func(t *testing.T) {
			wantCode(t, fails(t, w.viewer, h.ID, tuopin.HouseholdUpdate{Phone: ptr("1")}), tuopin.EFORBIDDEN)
		})
		t.Run("ErrUnauthorized", func(t *testing.T) {
			_, err := w.hh.UpdateHousehold(bg, h.ID, tuopin.HouseholdUpdate{Phone: ptr("1")})
			wantCode(t, err, tuopin.EUNAUTHORIZED)
		})
	})
}

func TestSetHouseholdStatus(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		h := sqldbtest.MustCreateHousehold(t, db, sqldbtest.NewHousehold(sqldbtest.Xinyan, 1))
		ctx := sqldbtest.Ctx(w.village)
		t.Run("OK", func(t *testing.T) {
			got, err := w.hh.SetHouseholdStatus(ctx, h.ID, tuopin.StatusPreExit, "village review passed")
			must(t, err)
			if got.Status != tuopin.StatusPreExit || got.Version != 2 {
				t.Fatalf("household %+v", got)
			}
			got, err = w.hh.SetHouseholdStatus(ctx, h.ID, tuopin.StatusExited, "approved")
			must(t, err)
			if got.Status != tuopin.StatusExited || got.Version != 3 {
				t.Fatalf("household %+v", got)
			}
			es, n, err := w.audit.FindAuditEntries(ctxSystem, tuopin.AuditFilter{Action: ptr(tuopin.ActionHouseholdStatus)})
			must(t, err)
			if n != 2 || es[0].Reason != "approved" || !strings.Contains(string(es[0].Before), `"status":"9"`) ||
				!strings.Contains(string(es[0].After), `"status":"1"`) || strings.Contains(string(es[0].After), "members") {
				t.Fatalf("audit %+v", es[0])
			}
		})
		t.Run("ErrTransition", func(t *testing.T) {
			_, err := w.hh.SetHouseholdStatus(ctx, h.ID, tuopin.StatusPoor, "")
			wantField(t, err, "status", "invalid_transition", "cannot move from 已脱贫(享受政策) to 未脱贫; from 已脱贫(享受政策) it may move to: 已脱贫(不再享受政策), 返贫")
		})
		t.Run("ErrUnknownStatus", func(t *testing.T) {
			_, err := w.hh.SetHouseholdStatus(ctx, h.ID, "7", "")
			wantField(t, err, "status", "invalid_choice", `"7" is not a valid status`)
		})
		t.Run("ErrScopeRole", func(t *testing.T) {
			_, err := w.hh.SetHouseholdStatus(sqldbtest.Ctx(w.fengshan), h.ID, tuopin.StatusReturned, "")
			wantCode(t, err, tuopin.ENOTFOUND)
			_, err = w.hh.SetHouseholdStatus(sqldbtest.Ctx(w.cadre), h.ID, tuopin.StatusReturned, "")
			wantCode(t, err, tuopin.EFORBIDDEN)
			_, err = w.hh.SetHouseholdStatus(bg, h.ID, tuopin.StatusReturned, "")
			wantCode(t, err, tuopin.EUNAUTHORIZED)
		})
	})
}

// TestWriteRollsBack makes the audit append, the last step of a write,
// fail after the rows were inserted: the whole transaction must roll back.
func TestWriteRollsBack(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		sqldbtest.MustLoadAreas(t, db)
		hh := sqldb.NewHouseholdService(db)
		h := sqldbtest.MustCreateHousehold(t, db, sqldbtest.NewHousehold(sqldbtest.Xinyan, 1))
		must(t, db.Exec(bg, `DELETE FROM audit_head`))

		err := hh.CreateHouseholds(ctxSystem, []*tuopin.Household{sqldbtest.NewHousehold(sqldbtest.Xinyan, 2), sqldbtest.NewHousehold(sqldbtest.Bala, 3)}, "")
		wantErr(t, err, tuopin.EINTERNAL, "Internal error.")
		_, err = hh.UpdateHousehold(ctxSystem, h.ID, tuopin.HouseholdUpdate{Phone: ptr("123"), AreaCode: ptr(sqldbtest.Bala)})
		wantCode(t, err, tuopin.EINTERNAL)
		_, err = hh.SetHouseholdStatus(ctxSystem, h.ID, tuopin.StatusPreExit, "")
		wantCode(t, err, tuopin.EINTERNAL)
		wantNothingWritten(t, db, 1, 2, 2)
		got, err := hh.FindHouseholdByID(ctxSystem, h.ID)
		must(t, err)
		if got.Version != 1 || got.Phone != "" || got.AreaCode != sqldbtest.Xinyan || got.Status != tuopin.StatusPoor {
			t.Fatalf("household changed: %+v", got)
		}
		n, err := db.QueryInt(bg, `SELECT COUNT(*) FROM members WHERE area_code = ?`, sqldbtest.Bala)
		must(t, err)
		if n != 0 {
			t.Fatal("members moved")
		}
	})
}
