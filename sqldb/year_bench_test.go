package sqldb_test

import (
	"context"
	"testing"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// BenchmarkStartYear measures starts of a registry year from the 10^5
// households (about 3×10^5 members) of 2024 in the synthetic registry of
// BenchmarkFindHouseholds: one county (2.5×10^4 households) into 2025,
// then the whole registry into 2026. Each start copies everything into a
// year that holds nothing yet. Run it once per engine, on a fresh
// database, so that no deleted rows are about:
//
//	go test ./sqldb -run '^$' -bench StartYear -benchtime 1x
//
// Further iterations (-benchtime 3x) delete the copies between runs,
// outside the timer; on PostgreSQL the dead rows and autovacuum then
// slow them down.
func BenchmarkStartYear(b *testing.B) {
	for _, engine := range sqldbtest.Engines(b) {
		b.Run(engine, func(b *testing.B) {
			db := sqldbtest.MustOpen(b, engine)
			loadBenchRegistry(b, db)
			years := sqldb.NewYearService(db)
			reset := func() {
				for _, q := range []string{
					`DELETE FROM household_events WHERE year >= 2025`,
					`DELETE FROM members WHERE year >= 2025`,
					`DELETE FROM households WHERE year >= 2025`,
					`DELETE FROM rollups WHERE year >= 2025`,
					`DELETE FROM registry_years`,
				} {
					if err := db.Exec(context.Background(), q); err != nil {
						b.Fatal(err)
					}
				}
			}
			for _, bb := range []struct {
				name, area string
				to, want   int
			}{{"county", "451224", 2025, 25000}, {"registry", "", 2026, 100000}} {
				b.Run(bb.name, func(b *testing.B) {
					for i := range b.N {
						if i > 0 {
							b.StopTimer()
							reset()
							b.StartTimer()
						}
						ys, err := years.StartYear(sqldbtest.Ctx(tuopin.SystemUser), 2024, bb.to, bb.area)
						if err != nil {
							b.Fatal(err)
						}
						if ys.Households != bb.want {
							b.Fatalf("copied %d households, want %d", ys.Households, bb.want)
						}
					}
					b.ReportMetric(float64(bb.want)*float64(b.N)/b.Elapsed().Seconds(), "households/s")
				})
			}
			b.StopTimer()
			rep, err := sqldb.NewRollupService(db).CheckRollups(sqldbtest.Ctx(tuopin.SystemUser), 0)
			if err != nil || rep.Mismatch != 0 {
				b.Fatalf("roll-ups after the starts: %+v, %v", rep, err)
			}
		})
	}
}
