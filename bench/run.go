package bench

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // raw reads for the comparison queries
	_ "modernc.org/sqlite"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/divisions"
	"github.com/tuopin/tuopin/sqldb"
)

// Config says what one run measures.
type Config struct {
	// DSN is a SQLite file path (created fresh) or a PostgreSQL URL (the
	// run creates and drops its own schemas there).
	DSN string
	// Divisions is the folder of the NBS 2023 division files
	// (provinces.csv … villages.csv.gz).
	Divisions string
	// Households is the registry size; the national target is 3×10^7.
	Households int
	Year       int
	Seed       uint64
	// Samples is how many dashboard reads are timed per level.
	Samples   int
	BatchSize int
	// Order is the order of the households: OrderRandom (the default) or
	// OrderCounty.
	Order string
	// Villages, when not 0, spreads the households over the villages of
	// whole counties drawn at random, about this many, instead of over all
	// 620,572: Households/Villages is then the density of the registry
	// (48 a village at the national size), which is what the load's
	// roll-up work depends on (SampleCounties).
	Villages int
	// Log receives progress lines.
	Log io.Writer
}

// Latency summarises timed reads at one level.
type Latency struct {
	Level    string
	Samples  int
	P50, P99 time.Duration
	Max      time.Duration
}

// Result is what one run measured.
type Result struct {
	Engine     string
	Households int
	Persons    int
	Areas      int
	Order      string
	Villages   int // villages the households were spread over

	AreasLoad time.Duration
	Load      time.Duration // households through HouseholdService.CreateHouseholds
	Copy      time.Duration // the same rows by PostgreSQL COPY (0 on SQLite)
	// CPU time of the load and of the COPY: this process's, and on
	// PostgreSQL the server processes' that served it (read from /proc,
	// so only for a server on this machine; 0 otherwise). On a shared
	// machine they vary less than the wall-clock times.
	LoadCPU, LoadServerCPU time.Duration
	CopyCPU, CopyServerCPU time.Duration

	Dashboard []Latency // FindAreaStats, from the roll-ups
	RawGroup  []Latency // the same counts by GROUP BY over the raw rows

	Rebuild    time.Duration // RollupService.RebuildRollups of the year
	RollupRows int           // roll-up rows of the year (the rebuild's report)
	Check      time.Duration // RollupService.CheckRollups of the year
	RawFull    time.Duration // one GROUP BY of the whole year by village
	// Disk is the size of the registry after the load: on PostgreSQL the
	// tables of the run's schema with their indexes and TOAST, on SQLite
	// the database file after a checkpoint.
	Disk     int64
	PeakRSS  int64 // bytes, VmHWM of this process
	Finished time.Time
}

// LoadRate returns households per second through the application.
func (r *Result) LoadRate() float64 { return float64(r.Households) / r.Load.Seconds() }

// CopyRate returns households per second by COPY (0 when not measured).
func (r *Result) CopyRate() float64 {
	if r.Copy == 0 {
		return 0
	}
	return float64(r.Households) / r.Copy.Seconds()
}

func (c *Config) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, format+"\n", args...)
	}
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Run loads a synthetic registry and measures it. On PostgreSQL it works
// in a fresh schema of its own, dropped at the end.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Households <= 0 {
		return nil, errors.New("households must be positive")
	}
	if cfg.Year == 0 {
		cfg.Year = 2024
	}
	if cfg.Samples <= 0 {
		cfg.Samples = 200
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 5000
	}
	if cfg.Order == "" {
		cfg.Order = OrderRandom
	}
	if cfg.Order != OrderRandom && cfg.Order != OrderCounty {
		return nil, fmt.Errorf("order %q: want %q or %q", cfg.Order, OrderRandom, OrderCounty)
	}
	res := &Result{Engine: "sqlite", Households: cfg.Households, Order: cfg.Order}
	dsn := cfg.DSN
	var raw *sql.DB
	if isPostgres(dsn) {
		res.Engine = "postgres"
		var drop func()
		var err error
		dsn, raw, drop, err = freshSchema(ctx, cfg.DSN, "tuopin_bench")
		if err != nil {
			return nil, err
		}
		defer drop()
	} else {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Remove(dsn + suffix); err != nil && !os.IsNotExist(err) {
				return nil, err
			}
		}
	}
	db, err := sqldb.Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		return nil, err
	}
	if raw == nil {
		if raw, err = sql.Open("sqlite", dsn+"?_pragma=busy_timeout(10000)"); err != nil {
			return nil, err
		}
	}
	defer raw.Close()
	sys := tuopin.NewContextWithUser(ctx, tuopin.SystemUser)

	// 1. The real division codes.
	start := time.Now()
	codes, err := loadAreas(sys, &cfg, db, res)
	if err != nil {
		return nil, err
	}
	villages := codes[tuopin.LevelVillage]
	res.AreasLoad = time.Since(start)
	cfg.logf("%s: %d areas (%d villages) in %v", res.Engine, res.Areas, len(villages), res.AreasLoad.Round(time.Millisecond))
	if cfg.Villages > 0 {
		villages = SampleCounties(villages, cfg.Villages, cfg.Seed)
		codes = codesOf(villages)
	}
	res.Villages = len(villages)

	// 2. The registry, through the application's own write path.
	households := sqldb.NewHouseholdService(db)
	gen := cfg.generator(villages)
	start = time.Now()
	batch := make([]*tuopin.Household, 0, cfg.BatchSize)
	lastLog := start
	cpu0, server0 := processCPU(), serverCPU(ctx, raw, res.Engine)
	for h := gen.Next(); h != nil; h = gen.Next() {
		res.Persons += len(h.Members)
		if batch = append(batch, h); len(batch) == cfg.BatchSize {
			if err := households.CreateHouseholds(sys, batch, "benchmark"); err != nil {
				return nil, err
			}
			batch = batch[:0]
			if time.Since(lastLog) > 10*time.Second {
				lastLog = time.Now()
				cfg.logf("%s: %d households, %.0f/s", res.Engine, gen.Generated(), float64(gen.Generated())/time.Since(start).Seconds())
			}
		}
	}
	if len(batch) > 0 {
		if err := households.CreateHouseholds(sys, batch, "benchmark"); err != nil {
			return nil, err
		}
	}
	res.Load = time.Since(start)
	res.LoadCPU, res.LoadServerCPU = processCPU()-cpu0, serverCPU(ctx, raw, res.Engine)-server0
	if err := db.Analyze(ctx); err != nil {
		return nil, err
	}
	res.Disk = diskSize(ctx, raw, res.Engine, dsn)
	cfg.logf("%s: loaded %d households, %d persons in %v (%.0f households/s), %d MiB on disk", res.Engine, res.Households, res.Persons,
		res.Load.Round(time.Millisecond), res.LoadRate(), res.Disk>>20)

	// 3. The same rows by COPY, into an identical empty schema.
	if res.Engine == "postgres" {
		// Autovacuum would otherwise work through the freshly loaded
		// tables during the COPY, on the core the COPY needs, and slow
		// the yardstick.
		if err := vacuumSchema(ctx, raw); err != nil {
			return nil, err
		}
		cpu0 := processCPU()
		if res.Copy, res.CopyServerCPU, err = copyBaseline(ctx, &cfg, villages); err != nil {
			return nil, err
		}
		res.CopyCPU = processCPU() - cpu0
		cfg.logf("postgres: COPY of the same rows in %v (%.0f households/s)", res.Copy.Round(time.Millisecond), res.CopyRate())
	}

	// 4. Dashboard reads at each level, from the roll-ups and raw.
	areas := sqldb.NewAreaService(db)
	if err := measureReads(sys, &cfg, areas, raw, codes, res); err != nil {
		return nil, err
	}

	// 5. Rebuilding the roll-ups against one raw GROUP BY of the year.
	rollups := sqldb.NewRollupService(db)
	start = time.Now()
	rep, err := rollups.RebuildRollups(sys, cfg.Year)
	if err != nil {
		return nil, err
	}
	res.Rebuild, res.RollupRows = time.Since(start), rep.Rows
	if rep.Mismatch != 0 {
		return nil, fmt.Errorf("the load left %d roll-up rows wrong: %v", rep.Mismatch, rep.Examples)
	}
	start = time.Now()
	if rep, err = rollups.CheckRollups(sys, cfg.Year); err != nil {
		return nil, err
	} else if rep.Mismatch != 0 {
		return nil, fmt.Errorf("the check after the rebuild found %d roll-up rows wrong: %v", rep.Mismatch, rep.Examples)
	}
	res.Check = time.Since(start)
	start = time.Now()
	rows, err := raw.QueryContext(ctx, `SELECT area_code, COUNT(*), SUM(size) FROM households WHERE year = `+strconv.Itoa(cfg.Year)+` GROUP BY area_code`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
	}
	rows.Close()
	res.RawFull = time.Since(start)
	cfg.logf("%s: roll-up rebuild %v, check %v (%d rows); raw GROUP BY by village %v", res.Engine, res.Rebuild.Round(time.Millisecond),
		res.Check.Round(time.Millisecond), res.RollupRows, res.RawFull.Round(time.Millisecond))

	res.PeakRSS = peakRSS()
	res.Finished = time.Now().UTC()
	return res, nil
}

// generator returns the configured generator over villages.
func (c *Config) generator(villages []string) *Generator {
	if c.Order == OrderCounty {
		return NewCountyGenerator(villages, c.Year, c.Households, c.Seed)
	}
	return NewGenerator(villages, c.Year, c.Households, c.Seed)
}

// codesOf returns the codes of the villages and of every area above them,
// by level (the nation is not listed), for sampling dashboard reads among
// the areas that hold households.
func codesOf(villages []string) map[tuopin.Level][]string {
	out := map[tuopin.Level][]string{}
	seen := map[string]bool{}
	for _, v := range villages {
		for l := tuopin.LevelProvince; l <= tuopin.LevelVillage; l++ {
			c := tuopin.PadCode(v[:l.Digits()])
			if !seen[c] {
				seen[c] = true
				out[l] = append(out[l], c)
			}
		}
	}
	return out
}

// loadAreas imports the five division files and returns the codes of
// every level, read back from the files (the village list feeds the
// generator, the others the samples of dashboard reads).
func loadAreas(ctx context.Context, cfg *Config, db *sqldb.DB, res *Result) (map[tuopin.Level][]string, error) {
	areas := sqldb.NewAreaService(db)
	codes := map[tuopin.Level][]string{}
	for _, name := range []string{"provinces.csv", "cities.csv", "counties.csv", "townships.csv", "villages.csv.gz"} {
		path := filepath.Join(cfg.Divisions, name)
		if _, err := os.Stat(path); err != nil && strings.HasSuffix(name, ".gz") {
			path = strings.TrimSuffix(path, ".gz") // villages.csv, not compressed
		}
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("division codes: %w (set --divisions to the folder of the NBS 2023 files)", err)
		}
		r, err := divisions.Import(ctx, areas, f, divisions.ImportOptions{})
		if err == nil {
			_, err = f.Seek(0, io.SeekStart)
		}
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		res.Areas += r.Areas
		rd, err := divisions.NewReader(f)
		if err != nil {
			f.Close()
			return nil, err
		}
		for {
			a, err := rd.Read()
			if err == io.EOF {
				break
			} else if err != nil {
				f.Close()
				return nil, err
			}
			codes[a.Level] = append(codes[a.Level], a.Code)
		}
		f.Close()
	}
	if len(codes[tuopin.LevelVillage]) == 0 {
		return nil, errors.New("no villages loaded")
	}
	return codes, nil
}

// measureReads times FindAreaStats (roll-ups) and the equivalent raw GROUP
// BY at each level on random areas that hold households.
func measureReads(ctx context.Context, cfg *Config, areas *sqldb.AreaService, raw *sql.DB, all map[tuopin.Level][]string, res *Result) error {
	rng := rand.New(rand.NewPCG(cfg.Seed, 99))
	levels := []tuopin.Level{tuopin.LevelNation, tuopin.LevelProvince, tuopin.LevelCounty, tuopin.LevelTownship}
	for _, l := range levels {
		codes := sampleAreas(all[l], l, cfg.Samples, rng)
		var fast, slow []time.Duration
		for _, code := range codes {
			start := time.Now()
			if _, _, err := areas.FindAreaStats(ctx, code, cfg.Year); err != nil {
				return fmt.Errorf("stats of %q: %w", code, err)
			}
			fast = append(fast, time.Since(start))
		}
		// Raw reads are slow at the top levels: time fewer of them.
		rawN := len(codes)
		if l <= tuopin.LevelProvince && rawN > 5 {
			rawN = 5
		}
		for _, code := range codes[:rawN] {
			start := time.Now()
			if err := rawStats(ctx, raw, code, l, cfg.Year); err != nil {
				return err
			}
			slow = append(slow, time.Since(start))
		}
		name := levelName(l)
		res.Dashboard = append(res.Dashboard, summarise(name, fast))
		res.RawGroup = append(res.RawGroup, summarise(name, slow))
		cfg.logf("%s: %-8s roll-ups p50 %v p99 %v; raw GROUP BY p50 %v", res.Engine, name,
			res.Dashboard[len(res.Dashboard)-1].P50, res.Dashboard[len(res.Dashboard)-1].P99, res.RawGroup[len(res.RawGroup)-1].P50)
	}
	return nil
}

// sampleAreas picks n codes of a level at random (repeats allowed); the
// nation is "".
func sampleAreas(all []string, l tuopin.Level, n int, rng *rand.Rand) []string {
	if l == tuopin.LevelNation {
		return slices.Repeat([]string{""}, n)
	}
	out := make([]string, n)
	for i := range out {
		out[i] = all[rng.IntN(len(all))]
	}
	return out
}

// rawStats computes an area's and its children's counts straight from the
// household rows, as a dashboard would without roll-ups.
func rawStats(ctx context.Context, raw *sql.DB, code string, l tuopin.Level, year int) error {
	prefix := ""
	if code != "" {
		prefix = code[:l.Digits()]
	}
	q := `SELECT SUBSTR(area_code, 1, ` + strconv.Itoa(l.Child().Digits()) + `), COUNT(*), SUM(size),
		SUM(CASE WHEN status IN ('0','9','3') THEN 1 ELSE 0 END)
		FROM households WHERE year = ` + strconv.Itoa(year)
	var args []any
	if lo, hi, ok := tuopin.PrefixRange(prefix); ok {
		q += ` AND area_code >= '` + lo + `' AND area_code < '` + hi + `'`
	}
	q += ` GROUP BY 1`
	rows, err := raw.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
	}
	return rows.Err()
}

func levelName(l tuopin.Level) string {
	return [...]string{"nation", "province", "city", "county", "township", "village"}[l]
}

func summarise(level string, ds []time.Duration) Latency {
	slices.Sort(ds)
	pick := func(q float64) time.Duration {
		if len(ds) == 0 {
			return 0
		}
		i := int(q*float64(len(ds))+0.5) - 1
		return ds[max(0, min(i, len(ds)-1))]
	}
	l := Latency{Level: level, Samples: len(ds), P50: pick(0.50), P99: pick(0.99)}
	if len(ds) > 0 {
		l.Max = ds[len(ds)-1]
	}
	return l
}

// freshSchema creates a schema of a random name on the server of base and
// returns a URL whose search_path selects it, a raw handle on it, and a
// function that drops it.
func freshSchema(ctx context.Context, base, prefix string) (string, *sql.DB, func(), error) {
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, nil, err
	}
	schema := fmt.Sprintf("%s_%d", prefix, time.Now().UnixNano())
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, nil, err
	}
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		return "", nil, nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("application_name", schema) // to find the server processes of the run
	u.RawQuery = q.Encode()
	raw, err := sql.Open("pgx", u.String())
	if err != nil {
		admin.Close()
		return "", nil, nil, err
	}
	drop := func() {
		_, _ = admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
		admin.Close()
	}
	return u.String(), raw, drop, nil
}

// copyBaseline loads the same generated rows with COPY into an identical,
// freshly migrated schema and returns how long the COPY took.
func copyBaseline(ctx context.Context, cfg *Config, villages []string) (took, server time.Duration, err error) {
	dsn, raw, drop, err := freshSchema(ctx, cfg.DSN, "tuopin_copy")
	if err != nil {
		return 0, 0, err
	}
	defer drop()
	defer raw.Close()
	db, err := sqldb.Open(ctx, dsn)
	if err != nil {
		return 0, 0, err
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return 0, 0, err
	}
	db.Close()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close(ctx)
	// Households reference nothing in COPY's schema but areas through the
	// application; the copy schema has no areas, which COPY does not check.
	gen := cfg.generator(villages)
	now := time.Now().UTC().Format(tuopin.AuditTimeLayout)
	server0 := serverCPU(ctx, raw, "postgres")
	start := time.Now()
	var hid, mid int64
	for {
		var hrows, mrows [][]any
		for len(hrows) < cfg.BatchSize {
			h := gen.Next()
			if h == nil {
				break
			}
			h.Normalize(time.Now())
			hid++
			hrows = append(hrows, []any{hid, h.Year, h.Number, h.AreaCode, h.HeadName, h.Size, h.Attribute, h.MainCause, int64(h.IncomePerCapita), h.Status, h.Phone, 1, now, now})
			for i, m := range h.Members {
				mid++
				mrows = append(mrows, []any{mid, hid, h.Year, h.AreaCode, i, m.Name, m.Sex, m.BirthDate.Format(tuopin.DateLayout), m.IDNumber, m.Relation})
			}
		}
		if len(hrows) == 0 {
			break
		}
		if _, err := conn.CopyFrom(ctx, pgx.Identifier{"households"},
			[]string{"id", "year", "number", "area_code", "head_name", "size", "attribute", "main_cause", "income_per_capita", "status", "phone", "version", "created_at", "updated_at"},
			pgx.CopyFromRows(hrows)); err != nil {
			return 0, 0, fmt.Errorf("COPY households: %w", err)
		}
		if _, err := conn.CopyFrom(ctx, pgx.Identifier{"members"},
			[]string{"id", "household_id", "year", "area_code", "ord", "name", "sex", "birth_date", "id_number", "relation"},
			pgx.CopyFromRows(mrows)); err != nil {
			return 0, 0, fmt.Errorf("COPY members: %w", err)
		}
	}
	took = time.Since(start)
	return took, serverCPU(ctx, raw, "postgres") - server0, nil
}

// peakRSS returns the process's peak resident set size (VmHWM) in bytes,
// or 0 where /proc is not available.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

// processCPU returns this process's user and system CPU time so far.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// serverCPU returns the CPU time so far of the PostgreSQL server processes
// serving connections whose application_name is raw's (the schema's name,
// set by freshSchema), read from /proc: 0 on SQLite or for a server on
// another machine.
func serverCPU(ctx context.Context, raw *sql.DB, engine string) time.Duration {
	if engine != "postgres" {
		return 0
	}
	rows, err := raw.QueryContext(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = current_setting('application_name')`)
	if err != nil {
		return 0
	}
	defer rows.Close()
	var total time.Duration
	for rows.Next() {
		var pid int
		if rows.Scan(&pid) != nil {
			return 0
		}
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			continue
		}
		// Fields 14 and 15 (utime, stime, in clock ticks of 1/100 s)
		// follow the command name in parentheses.
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		total += time.Duration(u+st) * 10 * time.Millisecond
	}
	return total
}

// vacuumSchema vacuums every table of the run's PostgreSQL schema.
func vacuumSchema(ctx context.Context, raw *sql.DB) error {
	rows, err := raw.QueryContext(ctx, `SELECT quote_ident(relname) FROM pg_class
		WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r'`)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(tables) == 0 {
		return err
	}
	_, err = raw.ExecContext(ctx, `VACUUM `+strings.Join(tables, ", "))
	return err
}

// diskSize returns the size of the registry: the run schema's relations on
// PostgreSQL, the database file after a checkpoint on SQLite (0 when it
// cannot be read).
func diskSize(ctx context.Context, raw *sql.DB, engine, dsn string) int64 {
	var n int64
	if engine == "postgres" {
		if err := raw.QueryRowContext(ctx, `SELECT COALESCE(SUM(pg_total_relation_size(oid)), 0) FROM pg_class
			WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'm')`).Scan(&n); err != nil {
			return 0
		}
		return n
	}
	if _, err := raw.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return 0
	}
	if fi, err := os.Stat(dsn); err == nil {
		n = fi.Size()
	}
	return n
}
