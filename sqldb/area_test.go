package sqldb_test

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// world is a database with the fixture areas and a user per role and scope.
type world struct {
	db       *sqldb.DB
	county   *tuopin.User // county_admin of 东兰县
	township *tuopin.User // township_clerk of 东兰镇
	village  *tuopin.User // village_secretary of 新烟村
	viewer   *tuopin.User // viewer of 东兰县
	cadre    *tuopin.User // help_cadre of 东兰县
	fengshan *tuopin.User // county_admin of 凤山县
	areas    *sqldb.AreaService
	users    *sqldb.UserService
	auth     *sqldb.AuthService
	hh       *sqldb.HouseholdService
	audit    *sqldb.AuditService
	codes    *sqldb.CodeService
}

func newWorld(t *testing.T, db *sqldb.DB) *world {
	t.Helper()
	sqldbtest.MustLoadAreas(t, db)
	return &world{
		db:       db,
		county:   sqldbtest.MustCreateUser(t, db, tuopin.RoleCountyAdmin, "451224"),
		township: sqldbtest.MustCreateUser(t, db, tuopin.RoleTownshipClerk, "451224100"),
		village:  sqldbtest.MustCreateUser(t, db, tuopin.RoleVillageSecretary, "451224100201"),
		viewer:   sqldbtest.MustCreateUser(t, db, tuopin.RoleViewer, "451224"),
		cadre:    sqldbtest.MustCreateUser(t, db, tuopin.RoleHelpCadre, "451224"),
		fengshan: sqldbtest.MustCreateUser(t, db, tuopin.RoleCountyAdmin, "451223"),
		areas:    sqldb.NewAreaService(db),
		users:    sqldb.NewUserService(db),
		auth:     sqldb.NewAuthService(db),
		hh:       sqldb.NewHouseholdService(db),
		audit:    sqldb.NewAuditService(db),
		codes:    sqldb.NewCodeService(db),
	}
}

func areaCodes(as []*tuopin.Area) []string {
	out := []string{}
	for _, a := range as {
		out = append(out, a.Code)
	}
	return out
}

func TestUpsertAreas(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		t.Run("OK", func(t *testing.T) {
			must(t, w.areas.UpsertAreas(ctxSystem, []*tuopin.Area{
				{Code: "451224100203", Name: "伦界村委会", Level: tuopin.LevelVillage, ParentCode: sqldbtest.DonglanTown},
				{Code: sqldbtest.Bala, Name: "巴拉村", Level: tuopin.LevelVillage, ParentCode: sqldbtest.DonglanTown},
			}))
			a, err := w.areas.FindAreaByCode(ctxSystem, sqldbtest.Bala)
			must(t, err)
			if a.Name != "巴拉村" || a.ParentCode != sqldbtest.DonglanTown || a.Level != tuopin.LevelVillage {
				t.Fatalf("area = %+v", a)
			}
			es, _, err := w.audit.FindAuditEntries(ctxSystem, tuopin.AuditFilter{Action: ptr(tuopin.ActionAreasImport)})
			must(t, err)
			if len(es) != 2 || string(es[0].After) != `{"count":2,"first":"451224100203","last":"451224100202"}` {
				t.Fatalf("audit = %d entries, after %s", len(es), es[0].After)
			}
		})
		t.Run("OKProvinceHasNoParent", func(t *testing.T) {
			must(t, w.areas.UpsertAreas(ctxSystem, []*tuopin.Area{{Code: "440000000000", Name: "广东省", Level: tuopin.LevelProvince, ParentCode: "x"}}))
			a, err := w.areas.FindAreaByCode(ctxSystem, "44")
			must(t, err)
			if a.ParentCode != "" {
				t.Fatalf("parent = %q", a.ParentCode)
			}
		})
		t.Run("OKLargeBatch", func(t *testing.T) {
			var batch []*tuopin.Area
			for i := range 1200 {
				town := fmt.Sprintf("45122411%d", i/600)
				batch = append(batch, &tuopin.Area{Code: fmt.Sprintf("%s%03d", town, i%600+1), Name: fmt.Sprintf("村%d", i),
					Level: tuopin.LevelVillage, ParentCode: town + "000"})
			}
			must(t, w.areas.UpsertAreas(ctxSystem, batch))
			_, n, err := w.areas.FindAreas(ctxSystem, tuopin.AreaFilter{Prefix: "45122411"})
			must(t, err)
			if n != 1200 {
				t.Fatalf("n = %d", n)
			}
		})
		t.Run("ErrForbidden", func(t *testing.T) {
			err := w.areas.UpsertAreas(sqldbtest.Ctx(w.county), []*tuopin.Area{{Code: sqldbtest.Bala, Name: "x", Level: tuopin.LevelVillage, ParentCode: sqldbtest.DonglanTown}})
			wantErr(t, err, tuopin.EFORBIDDEN, "Only an administrator")
		})
		t.Run("ErrUnauthorized", func(t *testing.T) {
			wantCode(t, w.areas.UpsertAreas(bg, nil), tuopin.EUNAUTHORIZED)
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			err := w.areas.UpsertAreas(ctxSystem, []*tuopin.Area{
				{Code: sqldbtest.Bala, Name: "巴拉", Level: tuopin.LevelVillage, ParentCode: sqldbtest.DonglanTown},
				{Code: "45122410020", Name: "x", Level: tuopin.LevelVillage, ParentCode: sqldbtest.DonglanTown},
			})
			wantField(t, err, "areas[1].code", "invalid_code", "12 digits")
			a, err := w.areas.FindAreaByCode(ctxSystem, sqldbtest.Bala)
			must(t, err)
			if a.Name != "巴拉村" {
				t.Fatal("a failed batch changed an area")
			}
		})
	})
}

func TestFindAreaByCode(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		t.Run("OK", func(t *testing.T) {
			for _, code := range []string{"451224", sqldbtest.Donglan, " 451224 "} {
				a, err := w.areas.FindAreaByCode(sqldbtest.Ctx(w.county), code)
				must(t, err)
				if *a != (tuopin.Area{Code: sqldbtest.Donglan, Name: "东兰县", Level: tuopin.LevelCounty, ParentCode: sqldbtest.Hechi}) {
					t.Fatalf("area = %+v", a)
				}
			}
		})
		t.Run("OKTownshipSeesItsVillage", func(t *testing.T) {
			_, err := w.areas.FindAreaByCode(sqldbtest.Ctx(w.township), sqldbtest.Xinyan)
			must(t, err)
		})
		t.Run("ErrOutOfScope", func(t *testing.T) {
			for _, code := range []string{sqldbtest.Changle, sqldbtest.Donglan, "45", sqldbtest.Bapang} {
				_, err := w.areas.FindAreaByCode(sqldbtest.Ctx(w.township), code)
				wantErr(t, err, tuopin.ENOTFOUND, "area not found or not permitted")
			}
		})
		t.Run("ErrMissing", func(t *testing.T) {
			_, err := w.areas.FindAreaByCode(ctxSystem, "451224199")
			wantCode(t, err, tuopin.ENOTFOUND)
		})
		t.Run("ErrNoUser", func(t *testing.T) {
			_, err := w.areas.FindAreaByCode(bg, sqldbtest.Donglan)
			wantCode(t, err, tuopin.ENOTFOUND)
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			_, err := w.areas.FindAreaByCode(ctxSystem, "4512x")
			wantField(t, err, "code", "invalid_code", "not an area code")
		})
	})
}

func TestFindAreaPath(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		t.Run("OK", func(t *testing.T) {
			path, err := w.areas.FindAreaPath(sqldbtest.Ctx(w.village), sqldbtest.Xinyan)
			must(t, err)
			want := []string{sqldbtest.Guangxi, sqldbtest.Hechi, sqldbtest.Donglan, sqldbtest.DonglanTown, sqldbtest.Xinyan}
			if got := areaCodes(path); !reflect.DeepEqual(got, want) {
				t.Fatalf("path = %v", got)
			}
			if path[2].Name != "东兰县" {
				t.Fatalf("name = %q", path[2].Name)
			}
		})
		t.Run("OKProvince", func(t *testing.T) {
			path, err := w.areas.FindAreaPath(ctxSystem, "45")
			must(t, err)
			if len(path) != 1 || path[0].Code != sqldbtest.Guangxi {
				t.Fatalf("path = %v", areaCodes(path))
			}
		})
		t.Run("ErrOutOfScope", func(t *testing.T) {
			_, err := w.areas.FindAreaPath(sqldbtest.Ctx(w.village), sqldbtest.DonglanTown)
			wantCode(t, err, tuopin.ENOTFOUND)
		})
	})
}

func TestFindAreas(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		find := func(u *tuopin.User, f tuopin.AreaFilter) ([]string, int) {
			t.Helper()
			as, n, err := w.areas.FindAreas(sqldbtest.Ctx(u), f)
			must(t, err)
			return areaCodes(as), n
		}
		t.Run("OKChildren", func(t *testing.T) {
			got, n := find(w.county, tuopin.AreaFilter{ParentCode: ptr(sqldbtest.DonglanTown)})
			if n != 2 || !reflect.DeepEqual(got, []string{sqldbtest.Xinyan, sqldbtest.Bala}) {
				t.Fatalf("got %v, %d", got, n)
			}
		})
		t.Run("OKProvinces", func(t *testing.T) {
			got, n := find(tuopin.SystemUser, tuopin.AreaFilter{ParentCode: ptr("")})
			if n != 1 || got[0] != sqldbtest.Guangxi {
				t.Fatalf("got %v, %d", got, n)
			}
		})
		t.Run("OKScope", func(t *testing.T) {
			got, n := find(w.village, tuopin.AreaFilter{})
			if n != 1 || got[0] != sqldbtest.Xinyan {
				t.Fatalf("village secretary sees %v, %d", got, n)
			}
			_, n = find(w.township, tuopin.AreaFilter{})
			if n != 3 {
				t.Fatalf("township clerk sees %d areas", n)
			}
			_, n = find(w.county, tuopin.AreaFilter{})
			if n != 6 {
				t.Fatalf("county admin sees %d areas", n)
			}
			_, n = find(w.township, tuopin.AreaFilter{ParentCode: ptr(sqldbtest.ChangleTown)})
			if n != 0 {
				t.Fatalf("township clerk counts %d areas of another township", n)
			}
		})
		t.Run("OKQueryLevelPage", func(t *testing.T) {
			got, n := find(w.county, tuopin.AreaFilter{Query: "长乐"})
			if n != 2 || !reflect.DeepEqual(got, []string{sqldbtest.ChangleTown, sqldbtest.Changle}) {
				t.Fatalf("got %v, %d", got, n)
			}
			got, n = find(tuopin.SystemUser, tuopin.AreaFilter{Level: ptr(tuopin.LevelVillage), Limit: 2, Offset: 1})
			if n != 4 || !reflect.DeepEqual(got, []string{sqldbtest.Xinyan, sqldbtest.Bala}) {
				t.Fatalf("got %v, %d", got, n)
			}
			got, n = find(w.county, tuopin.AreaFilter{Query: "%"})
			if n != 0 {
				t.Fatalf("%% matched %v", got)
			}
		})
		t.Run("OKNoUser", func(t *testing.T) {
			as, n, err := w.areas.FindAreas(bg, tuopin.AreaFilter{})
			must(t, err)
			if len(as) != 0 || n != 0 {
				t.Fatal("anonymous caller sees areas")
			}
		})
		t.Run("ErrInvalid", func(t *testing.T) {
			_, _, err := w.areas.FindAreas(ctxSystem, tuopin.AreaFilter{Prefix: "45a"})
			wantField(t, err, "prefix", "invalid_code", "not an area code prefix")
		})
	})
}

func TestFindAreaStats(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		// 新烟 2 households (one exited, one of three persons), 长乐 1,
		// 巴旁 (凤山县) 1, and one of 2023 in 新烟 that 2024 ignores.
		h1 := sqldbtest.NewHousehold(sqldbtest.Xinyan, 1)
		h1.Members = append(h1.Members, &tuopin.Member{Name: "韦小", IDNumber: sqldbtest.IDNumber("451224", "20100303", 5), Relation: "03"})
		sqldbtest.MustCreateHousehold(t, db, h1)
		h2 := sqldbtest.NewHousehold(sqldbtest.Xinyan, 2)
		h2.Status = tuopin.StatusExited
		sqldbtest.MustCreateHousehold(t, db, h2)
		sqldbtest.MustCreateHousehold(t, db, sqldbtest.NewHousehold(sqldbtest.Changle, 3))
		sqldbtest.MustCreateHousehold(t, db, sqldbtest.NewHousehold(sqldbtest.Bapang, 4))
		old := sqldbtest.NewHousehold(sqldbtest.Xinyan, 5)
		old.Year = 2023
		sqldbtest.MustCreateHousehold(t, db, old)

		stats := func(u *tuopin.User, code string) (*tuopin.AreaStats, []*tuopin.AreaStats) {
			t.Helper()
			st, children, err := w.areas.FindAreaStats(sqldbtest.Ctx(u), code, 2024)
			must(t, err)
			return st, children
		}
		counts := func(s *tuopin.AreaStats) string {
			return fmt.Sprintf("%s h%d p%d poor%d/%d exited%d/%d c%d", s.Code, s.Households, s.Persons,
				s.PoorHouseholds, s.PoorPersons, s.ExitedHouseholds, s.ExitedPersons, s.Children)
		}
		t.Run("OKCounty", func(t *testing.T) {
			st, children := stats(w.county, "")
			if got := counts(st); got != "451224000000 h3 p7 poor2/5 exited1/2 c2" {
				t.Fatal(got)
			}
			if len(children) != 2 || counts(children[0]) != "451224100000 h2 p5 poor1/3 exited1/2 c2" ||
				counts(children[1]) != "451224102000 h1 p2 poor1/2 exited0/0 c1" {
				t.Fatalf("children %v", children)
			}
			if children[0].Name != "东兰镇" || children[0].Year != 2024 {
				t.Fatalf("child = %+v", children[0])
			}
		})
		t.Run("OKNation", func(t *testing.T) {
			st, children := stats(tuopin.SystemUser, "")
			if got := counts(st); got != " h4 p9 poor3/7 exited1/2 c1" || st.Level != tuopin.LevelNation {
				t.Fatal(got)
			}
			if len(children) != 1 || counts(children[0]) != "450000000000 h4 p9 poor3/7 exited1/2 c1" {
				t.Fatalf("children %v", children)
			}
		})
		t.Run("OKEmptyChild", func(t *testing.T) {
			st, children := stats(w.township, "")
			if got := counts(st); got != "451224100000 h2 p5 poor1/3 exited1/2 c2" {
				t.Fatal(got)
			}
			if len(children) != 2 || counts(children[0]) != "451224100201 h2 p5 poor1/3 exited1/2 c0" ||
				counts(children[1]) != "451224100202 h0 p0 poor0/0 exited0/0 c0" {
				t.Fatalf("children %v", children)
			}
		})
		t.Run("OKVillage", func(t *testing.T) {
			st, children := stats(w.village, sqldbtest.Xinyan)
			if got := counts(st); got != "451224100201 h2 p5 poor1/3 exited1/2 c0" || len(children) != 0 {
				t.Fatal(got, children)
			}
		})
		t.Run("OKOtherYear", func(t *testing.T) {
			st, _, err := w.areas.FindAreaStats(sqldbtest.Ctx(w.village), "", 2023)
			must(t, err)
			if st.Households != 1 {
				t.Fatalf("2023: %d households", st.Households)
			}
		})
		t.Run("ErrOutOfScope", func(t *testing.T) {
			for _, code := range []string{sqldbtest.Donglan, sqldbtest.Changle, "4512"} {
				_, _, err := w.areas.FindAreaStats(sqldbtest.Ctx(w.township), code, 2024)
				wantCode(t, err, tuopin.ENOTFOUND)
			}
			_, _, err := w.areas.FindAreaStats(bg, "", 2024)
			wantCode(t, err, tuopin.ENOTFOUND)
		})
	})
}
