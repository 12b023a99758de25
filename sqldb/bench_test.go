package sqldb_test

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/bench"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// benchRegistry describes the synthetic registry of BenchmarkFindHouseholds:
// 4 counties of 河池市 × 10 townships × 25 villages, 100 households per
// village (10^5 households, about 3×10^5 members) in 2024.
var benchCounties = []string{"451221", "451222", "451223", "451224"}

const (
	benchTownships  = 10
	benchVillages   = 25
	benchPerVillage = 100
)

var (
	benchSurnames = []rune("韦黄覃蓝罗陆莫梁潘李王张刘陈杨赵周吴徐孙")
	benchGiven    = []rune("文明华国建平秀英玉兰海军志强红梅金花春生德福永安庆丽芳")
)

func benchVillage(c, t, v int) string {
	return fmt.Sprintf("%s%03d%03d", benchCounties[c], 100+t, 201+v)
}

// loadBenchAreas loads the areas of the synthetic registry and returns
// its village codes.
func loadBenchAreas(b *testing.B, db *sqldb.DB) []string {
	b.Helper()
	areas := []*tuopin.Area{
		{Code: sqldbtest.Guangxi, Name: "广西壮族自治区", Level: tuopin.LevelProvince},
		{Code: sqldbtest.Hechi, Name: "河池市", Level: tuopin.LevelCity, ParentCode: sqldbtest.Guangxi},
	}
	var villages []string
	for c, county := range benchCounties {
		areas = append(areas, &tuopin.Area{Code: tuopin.PadCode(county), Name: "县" + county, Level: tuopin.LevelCounty, ParentCode: sqldbtest.Hechi})
		for t := range benchTownships {
			town := fmt.Sprintf("%s%03d000", county, 100+t)
			areas = append(areas, &tuopin.Area{Code: town, Name: fmt.Sprintf("镇%d", t), Level: tuopin.LevelTownship, ParentCode: tuopin.PadCode(county)})
			for v := range benchVillages {
				villages = append(villages, benchVillage(c, t, v))
				areas = append(areas, &tuopin.Area{Code: benchVillage(c, t, v), Name: fmt.Sprintf("村%d", v), Level: tuopin.LevelVillage, ParentCode: town})
			}
		}
	}
	if err := sqldb.NewAreaService(db).UpsertAreas(ctxSystem, areas); err != nil {
		b.Fatal(err)
	}
	return villages
}

// BenchmarkCreateHouseholdsBulk compares the write paths of
// CreateHouseholds on batches of 5,000 generated households (bench's
// generator over the 1,000 villages of BenchmarkFindHouseholds' registry,
// 2×10^4 households an iteration, into a registry that grows with the
// iterations): "rows", the multi-row INSERT … RETURNING path that small
// batches take; "reserve", the bulk path with IDs reserved first (COPY on
// PostgreSQL); "staging" (PostgreSQL), the bulk path through temporary
// tables and INSERT … SELECT … RETURNING. Run it with -benchtime=5x.
func BenchmarkCreateHouseholdsBulk(b *testing.B) {
	const perIteration, batch = 20_000, 5000
	for _, engine := range sqldbtest.Engines(b) {
		paths := []string{"rows", "reserve"}
		if engine == sqldb.DialectPostgres {
			paths = append(paths, "staging")
		}
		for _, path := range paths {
			b.Run(engine+"/"+path, func(b *testing.B) {
				db := sqldbtest.MustOpen(b, engine)
				gen := bench.NewGenerator(loadBenchAreas(b, db), 2024, math.MaxInt, 1)
				hh := sqldb.NewHouseholdService(db)
				if path == "rows" {
					defer sqldb.SetBulkMin(math.MaxInt)()
				} else {
					defer sqldb.SetBulkIDs(path)()
				}
				n := 0
				for b.Loop() {
					for range perIteration / batch {
						hs := make([]*tuopin.Household, batch)
						for i := range hs {
							hs[i] = gen.Next()
						}
						if err := hh.CreateHouseholds(ctxSystem, hs, "benchmark"); err != nil {
							b.Fatal(err)
						}
						n += batch
					}
				}
				b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "households/s")
			})
		}
	}
}

// loadBenchRegistry loads the areas and households of the synthetic
// registry with CreateHouseholds in batches of 5000.
// It returns the head of the first household of village (3, 3, 7), the
// benchmark's village secretary's.
func loadBenchRegistry(b *testing.B, db *sqldb.DB) *tuopin.Member {
	b.Helper()
	start := time.Now()
	loadBenchAreas(b, db)

	hh := sqldb.NewHouseholdService(db)
	statuses := []string{tuopin.StatusExited, tuopin.StatusExited, tuopin.StatusPoor, tuopin.StatusExitedDone, tuopin.StatusExited}
	person := 0
	var batch []*tuopin.Household
	flush := func() {
		if err := hh.CreateHouseholds(ctxSystem, batch, "benchmark load"); err != nil {
			b.Fatal(err)
		}
		batch = batch[:0]
	}
	n := 0
	var sample *tuopin.Member
	for c := range benchCounties {
		for t := range benchTownships {
			for v := range benchVillages {
				village := benchVillage(c, t, v)
				for i := range benchPerVillage {
					n++
					h := &tuopin.Household{
						Year: 2024, Number: fmt.Sprintf("%s%04d", village, i), AreaCode: village,
						Attribute: "01", MainCause: "01", IncomePerCapita: tuopin.Money(300000 + n%5000),
						Status: statuses[n%len(statuses)],
					}
					surname := benchSurnames[n%len(benchSurnames)]
					for m := range 1 + n%5 {
						person++
						birth := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, person%25000).Format("20060102")
						rel := "03"
						if m == 0 {
							rel = tuopin.RelationHead
						} else if m == 1 {
							rel = "02"
						}
						name := string([]rune{surname, benchGiven[person%len(benchGiven)], benchGiven[(person/7)%len(benchGiven)]})
						h.Members = append(h.Members, &tuopin.Member{
							Name: name, IDNumber: sqldbtest.IDNumber(benchCounties[c], birth, person/25000), Relation: rel,
						})
					}
					if c == 3 && t == 3 && v == 7 && i == 0 {
						sample = h.Members[0]
					}
					batch = append(batch, h)
					if len(batch) == 5000 {
						flush()
					}
				}
			}
		}
	}
	if len(batch) > 0 {
		flush()
	}
	if err := db.Analyze(bg); err != nil {
		b.Fatal(err)
	}
	b.Logf("%s: loaded %d households, %d members in %v (analyzed)", db.Dialect(), n, person, time.Since(start).Round(time.Millisecond))
	return sample
}

// BenchmarkFindHouseholds measures one scoped search page over a registry
// of 10^5 households on each engine. The registry is loaded only when the
// benchmark runs (go test -bench FindHouseholds).
func BenchmarkFindHouseholds(b *testing.B) {
	for _, engine := range sqldbtest.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			db := sqldbtest.MustOpen(b, engine)
			sample := loadBenchRegistry(b, db)
			hh := sqldb.NewHouseholdService(db)
			// Users are plain values here: scope travels in the context.
			county := &tuopin.User{ID: 1, Username: "county", Role: tuopin.RoleCountyAdmin, Scope: "451224"}
			township := &tuopin.User{ID: 2, Username: "township", Role: tuopin.RoleTownshipClerk, Scope: "451224103"}
			village := &tuopin.User{ID: 3, Username: "village", Role: tuopin.RoleVillageSecretary, Scope: benchVillage(3, 3, 7)}
			year := 2024
			for _, bb := range []struct {
				name string
				user *tuopin.User
				f    tuopin.HouseholdFilter
			}{
				{"county/list", county, tuopin.HouseholdFilter{Year: &year}},
				{"county/list-page-40", county, tuopin.HouseholdFilter{Year: &year, Offset: 2000}},
				{"county/number-prefix", county, tuopin.HouseholdFilter{Year: &year, Query: "45122410520"}},
				{"county/id-exact", county, tuopin.HouseholdFilter{Year: &year, Query: sample.IDNumber}},
				{"county/id-prefix", county, tuopin.HouseholdFilter{Year: &year, Query: "45122419800"}},
				{"county/name-prefix", county, tuopin.HouseholdFilter{Year: &year, Query: "韦"}},
				{"township/name-prefix", township, tuopin.HouseholdFilter{Year: &year, Query: "韦"}},
				{"village/name-exact", village, tuopin.HouseholdFilter{Year: &year, Query: sample.Name}},
				{"village/list", village, tuopin.HouseholdFilter{Year: &year}},
				{"nation/name-prefix", tuopin.SystemUser, tuopin.HouseholdFilter{Query: "覃玉"}},
			} {
				ctx := sqldbtest.Ctx(bb.user)
				b.Run(bb.name, func(b *testing.B) {
					var n int
					for b.Loop() {
						var err error
						if _, n, err = hh.FindHouseholds(ctx, bb.f); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(n), "matches")
				})
			}
			// The area overview's reads: the year list and the counts of an
			// area and its children.
			areas := sqldb.NewAreaService(db)
			for _, bb := range []struct {
				name string
				user *tuopin.User
				code string
			}{
				{"stats/nation", tuopin.SystemUser, ""},
				{"stats/city", tuopin.SystemUser, "4512"},
				{"stats/county", county, ""},
				{"stats/township", township, ""},
				{"stats/village", village, ""},
			} {
				ctx := sqldbtest.Ctx(bb.user)
				b.Run(bb.name, func(b *testing.B) {
					var st *tuopin.AreaStats
					for b.Loop() {
						var err error
						if st, _, err = areas.FindAreaStats(ctx, bb.code, year); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(st.Households), "households")
				})
			}
			for _, bb := range []struct {
				name string
				user *tuopin.User
			}{{"years/nation", tuopin.SystemUser}, {"years/county", county}, {"years/village", village}} {
				ctx := sqldbtest.Ctx(bb.user)
				b.Run(bb.name, func(b *testing.B) {
					for b.Loop() {
						if ys, err := hh.FindYears(ctx); err != nil || len(ys) != 1 {
							b.Fatalf("years %v, %v", ys, err)
						}
					}
				})
			}
		})
	}
}

// BenchmarkUpsertAreas measures loading villages in batches of 5000, as
// the command line does, and reports rows per second.
func BenchmarkUpsertAreas(b *testing.B) {
	const rows, per = 50_000, 5000
	for _, engine := range sqldbtest.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			db := sqldbtest.MustOpen(b, engine)
			areas := sqldb.NewAreaService(db)
			var all []*tuopin.Area
			for i := range rows {
				town := fmt.Sprintf("4512%02d%03d000", 21+i/25000, 100+(i/500)%50)
				all = append(all, &tuopin.Area{Code: town[:9] + fmt.Sprintf("%03d", 1+i%500), Name: fmt.Sprintf("村委会%d", i), Level: tuopin.LevelVillage, ParentCode: town})
			}
			start := time.Now()
			for b.Loop() {
				for i := 0; i < rows; i += per {
					if err := areas.UpsertAreas(ctxSystem, all[i:i+per]); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(rows*b.N)/time.Since(start).Seconds(), "rows/s")
		})
	}
}

// BenchmarkUpsertAreasNational loads all 620,573 villages of the 2023
// division codes from shared/data, when that file is beside the repository.
// Run it with -benchtime=1x.
func BenchmarkUpsertAreasNational(b *testing.B) {
	const path = "../../shared/data/admin_divisions_2023/villages.csv.gz"
	f, err := os.Open(path)
	if err != nil {
		b.Skip("no " + path)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	r := csv.NewReader(bufio.NewReader(gz))
	if _, err := r.Read(); err != nil { // header
		b.Fatal(err)
	}
	var all []*tuopin.Area
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		} else if err != nil {
			b.Fatal(err)
		}
		all = append(all, &tuopin.Area{Code: rec[0], Name: rec[1], Level: tuopin.LevelVillage, ParentCode: tuopin.PadCode(rec[2])})
	}
	for _, engine := range sqldbtest.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			db := sqldbtest.MustOpen(b, engine)
			areas := sqldb.NewAreaService(db)
			start := time.Now()
			for b.Loop() {
				for i := 0; i < len(all); i += 5000 {
					if err := areas.UpsertAreas(ctxSystem, all[i:min(i+5000, len(all))]); err != nil {
						b.Fatal(err)
					}
				}
			}
			d := time.Since(start)
			b.ReportMetric(float64(len(all)*b.N)/d.Seconds(), "rows/s")
			b.Logf("%s: %d villages in %v", engine, len(all), d/time.Duration(b.N))
		})
	}
}

// BenchmarkRollupRebuild measures the roll-ups' rebuild and check over the
// registry of BenchmarkFindHouseholds (10^5 households): a check, a
// rebuild that finds nothing to fix, and a rebuild of an emptied table.
func BenchmarkRollupRebuild(b *testing.B) {
	for _, engine := range sqldbtest.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			db := sqldbtest.MustOpen(b, engine)
			loadBenchRegistry(b, db)
			benchRollups(b, db, 2024)
		})
	}
}

// benchRollups runs the sub-benchmarks of the roll-ups' rebuild and check.
func benchRollups(b *testing.B, db *sqldb.DB, year int) {
	rs := sqldb.NewRollupService(db)
	report := func(b *testing.B, rep *tuopin.RollupReport, mismatch int) {
		b.Helper()
		if rep.Mismatch != mismatch {
			b.Fatalf("report %+v", rep)
		}
		b.ReportMetric(float64(rep.Rows), "rows")
	}
	for _, inSQL := range []bool{true, false} {
		name := "check/group-in-sql"
		if !inSQL {
			name = "check/group-in-go"
		}
		b.Run(name, func(b *testing.B) {
			defer sqldb.SetRollupGroupInSQL(inSQL)()
			var rep *tuopin.RollupReport
			for b.Loop() {
				var err error
				if rep, err = rs.CheckRollups(ctxSystem, year); err != nil {
					b.Fatal(err)
				}
			}
			report(b, rep, 0)
		})
	}
	b.Run("rebuild/clean", func(b *testing.B) {
		var rep *tuopin.RollupReport
		for b.Loop() {
			var err error
			if rep, err = rs.RebuildRollups(ctxSystem, year); err != nil {
				b.Fatal(err)
			}
		}
		report(b, rep, 0)
	})
	b.Run("rebuild/empty", func(b *testing.B) {
		var rep *tuopin.RollupReport
		rows := 0
		for b.Loop() {
			b.StopTimer()
			if err := db.Exec(bg, `DELETE FROM rollups`); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			var err error
			if rep, err = rs.RebuildRollups(ctxSystem, year); err != nil {
				b.Fatal(err)
			}
			rows = rep.Rows
		}
		report(b, rep, rows)
	})
}

// BenchmarkRollupRecompute measures the rebuild and check at 10^6
// households of one year, 1,000 villages of 1,000 households in 40
// townships of 4 counties. The households are generated by one INSERT …
// SELECT, without members (the roll-ups read none). Run it with
// -benchtime=3x.
func BenchmarkRollupRecompute(b *testing.B) {
	const villages, perVillage = 1000, 1000
	for _, engine := range sqldbtest.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			db := sqldbtest.MustOpen(b, engine)
			start := time.Now()
			var list []any
			for v := range villages {
				list = append(list, benchVillage(v/250, (v/25)%10, v%25))
			}
			// n counts 0 … perVillage-1 for each village.
			err := db.Exec(bg, `
				WITH RECURSIVE n (i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ?),
				v (code) AS (VALUES `+strings.TrimSuffix(strings.Repeat("(?), ", len(list)), ", ")+`)
				INSERT INTO households (year, number, area_code, head_name, size, attribute, main_cause, income_per_capita,
					status, created_at, updated_at)
				SELECT 2024, v.code || CAST(n.i AS TEXT), v.code, '韦', 1 + n.i % 5,
					CASE n.i % 3 WHEN 0 THEN '01' WHEN 1 THEN '04' ELSE '06' END,
					CASE n.i % 4 WHEN 0 THEN '01' WHEN 1 THEN '02' WHEN 2 THEN '05' ELSE '08' END,
					300000 + n.i, CASE n.i % 5 WHEN 0 THEN '0' WHEN 1 THEN '1' WHEN 2 THEN '4' WHEN 3 THEN '9' ELSE '1' END,
					'2024-01-01T00:00:00.000000Z', '2024-01-01T00:00:00.000000Z'
				FROM v CROSS JOIN n`, append([]any{perVillage - 1}, list...)...)
			if err != nil {
				b.Fatal(err)
			}
			if err := db.Analyze(bg); err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: inserted %d households in %v", engine, villages*perVillage, time.Since(start).Round(time.Millisecond))
			start = time.Now()
			rep, err := sqldb.NewRollupService(db).RebuildRollups(ctxSystem, 0)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("%s: first rebuild (empty table): %d rows in %v", engine, rep.Rows, time.Since(start).Round(time.Millisecond))
			benchRollups(b, db, 2024)
		})
	}
}
