package jobs_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/bench"
	"github.com/tuopin/tuopin/divisions"
	"github.com/tuopin/tuopin/jobs"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
	"github.com/tuopin/tuopin/xlsx"
)

// BenchmarkImport imports a registry of 10^5 households (about 3×10^5
// members, from bench.Generator over 东兰县's 152 villages) as CSV and as
// .xlsx, on each engine: a fresh database, the upload, the dry run and the
// commit, each timed. It reports households per second of the dry run and
// of the commit, and the peak Go heap (HeapInuse, sampled every 20 ms)
// over the whole import. TUOPIN_BENCH_IMPORT_N changes the size.
// Engines as sqldbtest.Engines: PostgreSQL when TUOPIN_TEST_POSTGRES is set.
//
//	go test ./jobs/ -run XXX -bench BenchmarkImport -benchtime 1x
func BenchmarkImport(b *testing.B) {
	n := 100_000
	if v := os.Getenv("TUOPIN_BENCH_IMPORT_N"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	// TUOPIN_BENCH_IMPORT_DIR keeps the generated files there, for timing
	// `tuopin import` on them.
	dir := os.Getenv("TUOPIN_BENCH_IMPORT_DIR")
	if dir == "" {
		dir = b.TempDir()
	}
	files := map[xlsx.Format]string{}
	members := 0
	for _, format := range []xlsx.Format{xlsx.FormatCSV, xlsx.FormatXLSX} {
		path := filepath.Join(dir, "registry."+string(format))
		members = writeRegistry(b, path, format, n)
		files[format] = path
	}
	for _, engine := range sqldbtest.Engines(b) {
		for _, format := range []xlsx.Format{xlsx.FormatCSV, xlsx.FormatXLSX} {
			b.Run(fmt.Sprintf("%s/%s", engine, format), func(b *testing.B) {
				for range b.N {
					benchImport(b, engine, files[format], n, members)
				}
			})
		}
	}
}

// writeRegistry writes n generated households to path.
func writeRegistry(b *testing.B, path string, format xlsx.Format, n int) int {
	b.Helper()
	var villages []string
	for _, a := range mustSeed(b) {
		if a.Level == tuopin.LevelVillage && strings.HasPrefix(a.Code, "451224") {
			villages = append(villages, a.Code)
		}
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	enc, err := xlsx.NewHouseholdEncoder(w, format, xlsx.LayoutNational, nil)
	if err != nil {
		b.Fatal(err)
	}
	g := bench.NewGenerator(villages, 2024, n, 1)
	members := 0
	now := time.Now()
	for h := g.Next(); h != nil; h = g.Next() {
		h.Normalize(now)
		members += len(h.Members)
		if err := enc.Encode(h); err != nil {
			b.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		b.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return members
}

func mustSeed(b *testing.B) []*tuopin.Area {
	seedOnce.Do(func() { seedAreas, seedErr = divisions.Seed() })
	if seedErr != nil {
		b.Fatal(seedErr)
	}
	return seedAreas
}

// benchImport runs one import into a fresh database and reports it.
func benchImport(b *testing.B, engine, path string, n, members int) {
	b.StopTimer()
	db := sqldbtest.MustOpen(b, engine)
	st := newEnv(b, db, jobs.Config{}, nil)
	file, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer file.Close()
	fi, _ := os.Stat(path)
	runtime.GC()

	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	ctx := sqldbtest.Ctx(st.county)
	b.StartTimer()
	start := time.Now()
	j, err := st.runner.CreateImport(ctx, tuopin.ImportUpload{FileName: filepath.Base(path), Body: file})
	if err != nil {
		b.Fatal(err)
	}
	upload := time.Since(start)
	t0 := time.Now()
	if _, err := st.runner.ValidateImport(ctx, j.ID, &tuopin.ImportChange{}); err != nil {
		b.Fatal(err)
	}
	if j, err = st.runner.RunSync(ctx, j.ID, nil); err != nil || j.Status != tuopin.ImportValidated || j.Counts.Created != n {
		b.Fatalf("dry run: %v %s %+v %s", err, j.Status, j.Counts, j.Error)
	}
	dry := time.Since(t0)
	t1 := time.Now()
	if _, err := st.runner.CommitImport(ctx, j.ID, ""); err != nil {
		b.Fatal(err)
	}
	if j, err = st.runner.RunSync(ctx, j.ID, nil); err != nil || j.Status != tuopin.ImportDone || j.Counts.Created != n {
		b.Fatalf("commit: %v %s %+v %s", err, j.Status, j.Counts, j.Error)
	}
	commit := time.Since(t1)
	b.StopTimer()
	close(stop)
	wg.Wait()
	b.ReportMetric(float64(n)/dry.Seconds(), "dryrun_households/s")
	b.ReportMetric(float64(n)/commit.Seconds(), "commit_households/s")
	b.ReportMetric(float64(n)/(upload+dry+commit).Seconds(), "households/s")
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak_heap_MB")
	b.Logf("%s %s: %d households, %d members, file %.1f MB: upload %s, dry run %s, commit %s, peak heap %.0f MB",
		engine, filepath.Ext(path), n, members, float64(fi.Size())/(1<<20), upload.Round(time.Millisecond), dry.Round(time.Millisecond),
		commit.Round(time.Millisecond), float64(peak.Load())/(1<<20))
}
