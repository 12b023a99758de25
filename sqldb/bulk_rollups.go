package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/tuopin/tuopin"
)

// Recomputing the roll-ups in bulk: RebuildRollups, CheckRollups and the
// Go step of the migrations that build them.
//
// A year is recomputed city by city (the 4-digit prefix, about 340 at the
// national size), so that memory follows the largest city, not the nation:
//
//  1. the city's households, grouped in SQL by area code and the columns
//     tuopin.HouseholdMetrics reads (rollupGroup) or streamed row by row
//     (rollupGroupInSQL = false), give the village values, which are
//     summed into the townships, counties and the city and sorted in the
//     table's key order;
//  2. the stored rows of the city's levels (city to village, one index
//     range per level, read in key order) are merged with them: a stored
//     row equal to the computed one costs a comparison, nothing else;
//  3. a rebuild writes only the rows that differ (COPY and one upsert, or
//     one DELETE, on PostgreSQL; multi-row upserts on SQLite).
//
// The provinces and the nation are the sums of the cities' rows, compared
// last. On PostgreSQL the cities are computed and read by parallel
// workers, each on its own connection, all in the snapshot of the
// transaction that runs the rebuild or check (pg_export_snapshot and SET
// TRANSACTION SNAPSHOT, as pg_dump's parallel workers do), so that the
// result is the one a single transaction would give; the differences are
// written by that transaction. On SQLite a rebuild reads in parallel too,
// on reader connections: its write transaction keeps every other writer
// out, so they all see the state it started from. A check on SQLite, which
// takes no write lock, runs the cities in turn in its one read
// transaction.

// rollupRow is one roll-up row of a year.
type rollupRow struct {
	level  tuopin.Level
	area   string
	metric string
	value  int64
}

// compareRows orders rows as the table's key does within a year (byte
// order of area and metric, as COLLATE "C" and SQLite's BINARY).
func compareRows(a, b *rollupRow) int {
	if a.level != b.level {
		return int(a.level) - int(b.level)
	}
	if c := strings.Compare(a.area, b.area); c != 0 {
		return c
	}
	return strings.Compare(a.metric, b.metric)
}

// cityLevels are the levels a city partition holds.
const (
	cityTop    = tuopin.LevelCity
	cityDigits = 4
)

// computeCity returns the computed rows of a year's households under a
// city prefix, at the levels from the city to the village, in key order.
//
// The households come in area code order, so the sums stream: a village's
// metrics are summed until the next village starts, then written out and
// added to its township's, a township's to its county's when the next
// township starts, and so on; each level's rows come out in key order, and
// the work is one map update per household group and metric plus one per
// area and metric at each level, whatever the city's size.
func (c *rollupComputer) computeCity(ctx context.Context, tx *Tx, year int, city string) ([]rollupRow, error) {
	lo, hi, _ := tuopin.PrefixRange(city)
	// Grouping by the stored area code, not by its village prefix, saves
	// both engines an expression per row; the few households of a group
	// below a village (codes of 13 to 16 digits) sort right after their
	// village and meet again here.
	q := `SELECT area_code, ` + rollupGroupColumns + `, 1 FROM households
		WHERE year = ? AND area_code >= ? AND area_code < ? ORDER BY area_code`
	if rollupGroupInSQL {
		q = `SELECT area_code, ` + rollupGroupColumns + `, COUNT(*)
			FROM households WHERE year = ? AND area_code >= ? AND area_code < ?
			GROUP BY area_code, ` + rollupGroupColumns + ` ORDER BY area_code`
	}
	rows, err := tx.QueryContext(ctx, q, year, lo, hi)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	const levels = int(tuopin.LevelVillage-cityTop) + 1
	var (
		areas [levels]string           // the area being summed at each level
		sums  [levels]map[string]int64 // its sums by metric
		out   [levels][]rollupRow
	)
	for i := range sums {
		sums[i] = map[string]int64{}
	}
	// flush writes out the area of level index i and adds its sums to
	// its parent's (the city's have no parent here).
	flush := func(i int) {
		if areas[i] == "" {
			return
		}
		start := len(out[i])
		for m, v := range sums[i] {
			if v != 0 {
				out[i] = append(out[i], rollupRow{cityTop + tuopin.Level(i), areas[i], m, v})
			}
			if i > 0 {
				sums[i-1][m] += v
			}
		}
		slices.SortFunc(out[i][start:], func(a, b rollupRow) int { return strings.Compare(a.metric, b.metric) })
		clear(sums[i])
		areas[i] = ""
	}
	var g rollupGroup
	var code string
	var n int64
	targets := append(append([]any{&code}, g.scanTargets()...), &n)
	for rows.Next() {
		if err := rows.Scan(targets...); err != nil {
			return nil, tx.db.formatError(err)
		}
		village := code
		if len(village) > 12 {
			village = village[:12]
		}
		// The first level whose area changes, and every level below it,
		// is written out, deepest first, and restarted.
		for i := range levels {
			d := (cityTop + tuopin.Level(i)).Digits()
			if d > len(village) || areas[i] == village[:d] {
				continue
			}
			for k := levels - 1; k >= i; k-- {
				flush(k)
			}
			for k := i; k < levels; k++ {
				if d := (cityTop + tuopin.Level(k)).Digits(); d <= len(village) {
					areas[k] = strings.Clone(village[:d])
				}
			}
			break
		}
		leaf := levels - 1
		for leaf > 0 && areas[leaf] == "" {
			leaf-- // a code shorter than a village's (not written by the application)
		}
		for _, mv := range c.metricsOf(g) {
			sums[leaf][mv.metric] += mv.value * n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, tx.db.formatError(err)
	}
	for k := levels - 1; k >= 0; k-- {
		flush(k)
	}
	total := 0
	for i := range out {
		total += len(out[i])
	}
	all := make([]rollupRow, 0, total)
	for i := range out {
		all = append(all, out[i]...)
	}
	return all, nil
}

// readStoredRows returns the stored rows of a year at the levels from top
// to bottom whose area starts with prefix, in key order: one index range
// per level.
func readStoredRows(ctx context.Context, tx *Tx, year int, top, bottom tuopin.Level, prefix string) ([]rollupRow, error) {
	var out []rollupRow
	for l := top; l <= bottom; l++ {
		q, args := `SELECT area, metric, value FROM rollups WHERE year = ? AND level = ?`, []any{year, int(l)}
		if p, a := scopeRange("area", prefix); p != "" {
			q, args = q+" AND "+p, append(args, a...)
		}
		rows, err := tx.QueryContext(ctx, q+` ORDER BY area, metric`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			r := rollupRow{level: l}
			if err := rows.Scan(&r.area, &r.metric, &r.value); err != nil {
				rows.Close()
				return nil, tx.db.formatError(err)
			}
			out = append(out, r)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, tx.db.formatError(err)
		}
	}
	return out, nil
}

// rollupCities returns the city prefixes (4 digits) that hold households
// of a year or stored roll-ups at the city's levels, by skipping through
// the households' (year, area_code) index and the roll-ups' key at each
// level: one seek per city and level, never a scan.
func rollupCities(ctx context.Context, tx *Tx, year int) ([]string, error) {
	set := map[string]bool{}
	skip := func(q string, args ...any) error {
		for from := ""; ; {
			var code string
			err := tx.QueryRowContext(ctx, q, append(args, from)...).Scan(&code)
			if err == sql.ErrNoRows {
				return nil
			} else if err != nil {
				return tx.db.formatError(err)
			}
			if len(code) < cityDigits {
				// Not an area below a city (a row written behind the
				// application's back): step over it.
				from = code + "\x01"
				continue
			}
			p := code[:cityDigits]
			set[p] = true
			_, from, _ = tuopin.PrefixRange(p)
		}
	}
	if err := skip(`SELECT area_code FROM households WHERE year = ? AND area_code >= ? ORDER BY area_code LIMIT 1`, year); err != nil {
		return nil, err
	}
	for l := cityTop; l <= tuopin.LevelVillage; l++ {
		if err := skip(`SELECT area FROM rollups WHERE year = ? AND level = ? AND area >= ? ORDER BY area LIMIT 1`, year, int(l)); err != nil {
			return nil, err
		}
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	slices.Sort(out)
	return out, nil
}

// maxRollupExamples is how many mismatches a report names.
const maxRollupExamples = 20

// rollupFlush is how many differing rows a rebuild gathers before it
// writes them.
const rollupFlush = 50_000

// rollupReconciler compares stored roll-ups with recomputed ones and, when
// fix is set, rewrites the stored rows that differ.
type rollupReconciler struct {
	tx      *Tx
	fix     bool
	rep     *tuopin.RollupReport
	updates int64 // rows upserted or deleted
	// parallel lets PostgreSQL workers read in tx's snapshot; only where
	// tx has written nothing yet, since other transactions do not see
	// its uncommitted rows (a migration derives indicators first).
	parallel bool

	year     int
	put, del []rollupRow // differences not written yet
}

// reconcileYears recomputes the roll-ups of a year (0 = every year) and
// compares them with the stored ones, fixing them when r.fix is set.
func (r *rollupReconciler) reconcileYears(ctx context.Context, year int) error {
	years, err := rollupYears(ctx, r.tx, year)
	if err != nil {
		return err
	}
	r.rep.Years = years
	for _, y := range years {
		if err := r.reconcileYear(ctx, y); err != nil {
			return err
		}
	}
	return nil
}

// cityResult is what a worker found for one city.
type cityResult struct {
	computed, stored []rollupRow
	err              error
}

// rollupWorkers is how many cities a PostgreSQL recomputation works on at
// once (0: one per core, at least 2, at most 4). SQLite works on one.
var rollupWorkers = 0

func (r *rollupReconciler) reconcileYear(ctx context.Context, y int) error {
	r.year = y
	cities, err := rollupCities(ctx, r.tx, y)
	if err != nil {
		return err
	}
	upper := map[rollupRow]int64{} // province and nation sums, value 0 in the key
	addUpper := func(computed []rollupRow) {
		for _, row := range computed {
			if row.level == cityTop {
				upper[rollupRow{level: tuopin.LevelProvince, area: row.area[:2], metric: row.metric}] += row.value
				upper[rollupRow{level: tuopin.LevelNation, metric: row.metric}] += row.value
			}
		}
	}
	next, stop, err := r.cityResults(ctx, y, cities)
	if err != nil {
		return err
	}
	defer stop()
	for range cities {
		res := next()
		if res.err != nil {
			return res.err
		}
		addUpper(res.computed)
		if err := r.merge(ctx, res.stored, res.computed); err != nil {
			return err
		}
	}
	computed := make([]rollupRow, 0, len(upper))
	for k, v := range upper {
		if v != 0 {
			k.value = v
			computed = append(computed, k)
		}
	}
	slices.SortFunc(computed, func(a, b rollupRow) int { return compareRows(&a, &b) })
	stored, err := readStoredRows(ctx, r.tx, y, tuopin.LevelNation, tuopin.LevelProvince, "")
	if err != nil {
		return err
	}
	if err := r.merge(ctx, stored, computed); err != nil {
		return err
	}
	return r.flush(ctx)
}

// cityResults starts the recomputation of the cities and returns a
// function that hands out their results in order, and one that stops the
// workers. On PostgreSQL, with more than one city, parallel workers read
// in the snapshot of r.tx; otherwise each call reads one city in r.tx.
func (r *rollupReconciler) cityResults(ctx context.Context, y int, cities []string) (func() cityResult, func(), error) {
	one := func(tx *Tx, c *rollupComputer, city string) cityResult {
		computed, err := c.computeCity(ctx, tx, y, city)
		if err != nil {
			return cityResult{err: err}
		}
		stored, err := readStoredRows(ctx, tx, y, cityTop, tuopin.LevelVillage, city)
		return cityResult{computed: computed, stored: stored, err: err}
	}
	workers := rollupWorkers
	if workers <= 0 {
		workers = min(4, max(2, runtime.NumCPU()))
	}
	// SQLite has no snapshot to share: its workers may read in parallel
	// only in a rebuild, whose write transaction keeps every other writer
	// out, so that each reader sees the state the rebuild started from.
	sqlite := r.tx.db.dialect == DialectSQLite
	if !r.parallel || (sqlite && !r.fix) || len(cities) < 2 || workers < 2 {
		c := newRollupComputer()
		i := 0
		return func() cityResult {
			i++
			return one(r.tx, c, cities[i-1])
		}, func() {}, nil
	}
	var snapshot string
	if !sqlite {
		if err := r.tx.QueryRowContext(ctx, `SELECT pg_export_snapshot()`).Scan(&snapshot); err != nil {
			return nil, nil, r.tx.db.formatError(err)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	results := make([]chan cityResult, len(cities))
	for i := range results {
		results[i] = make(chan cityResult, 1)
	}
	// A worker takes a token before it takes the next city, and the
	// consumer returns it when it has merged a city, so that at most
	// 2×workers cities are held in memory.
	tokens := make(chan struct{}, 2*workers)
	var mu sync.Mutex
	taken := 0
	var wg sync.WaitGroup
	for range min(workers, len(cities)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tx, err := r.beginSnapshot(ctx, snapshot)
			c := newRollupComputer()
			for {
				select {
				case tokens <- struct{}{}:
				case <-ctx.Done():
					if tx != nil {
						tx.Rollback()
					}
					return
				}
				mu.Lock()
				i := taken
				taken++
				mu.Unlock()
				if i >= len(cities) {
					<-tokens
					break
				}
				if err != nil {
					results[i] <- cityResult{err: err}
					continue
				}
				results[i] <- one(tx, c, cities[i])
			}
			if tx != nil {
				tx.Rollback()
			}
		}()
	}
	i := 0
	next := func() cityResult {
		res := <-results[i]
		i++
		<-tokens
		return res
	}
	stop := func() {
		cancel()
		wg.Wait()
	}
	return next, stop, nil
}

// beginSnapshot opens a read-only transaction on the reader pool, on
// PostgreSQL in an exported snapshot.
func (r *rollupReconciler) beginSnapshot(ctx context.Context, snapshot string) (*Tx, error) {
	db := r.tx.db
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, db.formatError(err)
	}
	if snapshot == "" {
		return &Tx{tx: tx, db: db, now: r.tx.now, user: r.tx.user}, nil
	}
	if _, err := tx.ExecContext(ctx, `SET TRANSACTION SNAPSHOT '`+strings.ReplaceAll(snapshot, `'`, `''`)+`'`); err != nil {
		tx.Rollback()
		return nil, db.formatError(err)
	}
	return &Tx{tx: tx, db: db, now: r.tx.now, user: r.tx.user}, nil
}

// merge compares stored and computed rows of the year, both in key
// order. A stored row of value 0 and a missing row are equal; a rebuild
// deletes both the rows that differ and those of value 0.
//
// A check's Rows counts every row compared (stored or computed); a
// rebuild's, the rows stored after it.
func (r *rollupReconciler) merge(ctx context.Context, stored, computed []rollupRow) error {
	i, j := 0, 0
	for i < len(stored) || j < len(computed) {
		var s, c *rollupRow
		switch {
		case i == len(stored):
			c = &computed[j]
			j++
		case j == len(computed):
			s = &stored[i]
			i++
		default:
			switch d := compareRows(&stored[i], &computed[j]); {
			case d < 0:
				s = &stored[i]
				i++
			case d > 0:
				c = &computed[j]
				j++
			default:
				s, c = &stored[i], &computed[j]
				i++
				j++
			}
		}
		var sv, cv int64
		row := s
		if s != nil {
			sv = s.value
		}
		if c != nil {
			cv, row = c.value, c
		}
		if !r.fix || cv != 0 {
			r.rep.Rows++
		}
		if sv != cv {
			r.rep.Mismatch++
			if len(r.rep.Examples) < maxRollupExamples {
				was := "no stored row"
				if s != nil {
					was = "stored " + strconv.FormatInt(sv, 10)
				}
				k := rollupKey{r.year, row.level, row.area, row.metric}
				r.rep.Examples = append(r.rep.Examples, fmt.Sprintf("%s: %s, computed %d", k, was, cv))
			}
		}
		switch {
		case !r.fix:
		case cv == 0 && s != nil:
			r.del = append(r.del, *s)
		case cv != 0 && (s == nil || sv != cv):
			r.put = append(r.put, *c)
		}
	}
	if len(r.put)+len(r.del) >= rollupFlush {
		return r.flush(ctx)
	}
	return nil
}

// flush writes the differences gathered so far.
func (r *rollupReconciler) flush(ctx context.Context) error {
	put, del := r.put, r.del
	r.put, r.del = nil, nil
	r.updates += int64(len(put) + len(del))
	tx, year := r.tx, r.year
	if len(put) > 0 {
		if err := tx.writeRollupRows(ctx, year, put, false); err != nil {
			return err
		}
	}
	if len(del) == 0 {
		return nil
	}
	if tx.db.dialect == DialectPostgres && len(del) >= copyMinRows {
		if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS bulk_rollup_keys (level INTEGER, area TEXT COLLATE "C", metric TEXT COLLATE "C") ON COMMIT DROP`); err != nil {
			return err
		}
		if err := tx.copyFrom(ctx, "bulk_rollup_keys", []string{"level", "area", "metric"}, len(del), func(i int, buf []any) []any {
			return append(buf, int(del[i].level), del[i].area, del[i].metric)
		}); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM rollups r USING bulk_rollup_keys k
			WHERE r.year = ? AND r.level = k.level AND r.area = k.area AND r.metric = k.metric`, year); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `TRUNCATE bulk_rollup_keys`)
		return err
	}
	stmt, err := tx.PrepareContext(ctx, `DELETE FROM rollups WHERE year = ? AND level = ? AND area = ? AND metric = ?`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, k := range del {
		if _, err := stmt.ExecContext(ctx, year, int(k.level), k.area, k.metric); err != nil {
			return tx.db.formatError(err)
		}
	}
	return nil
}

// writeRollupRows upserts rows of a year, in key order: adding their
// values to the stored ones (add) or replacing them. On PostgreSQL a large
// set goes by COPY into a temporary table and one INSERT … SELECT … ON
// CONFLICT; otherwise by multi-row upserts.
func (tx *Tx) writeRollupRows(ctx context.Context, year int, rows []rollupRow, add bool) error {
	set := `excluded.value`
	if add {
		set = `rollups.value + excluded.value`
	}
	if tx.db.dialect != DialectPostgres || len(rows) < copyMinRows {
		return tx.insertRows(ctx, `INSERT INTO rollups (year, level, area, metric, value) VALUES `, 5,
			`ON CONFLICT (year, level, area, metric) DO UPDATE SET value = `+set,
			len(rows), func(i int, args []any) []any {
				k := &rows[i]
				return append(args, year, int(k.level), k.area, k.metric, k.value)
			}, nil)
	}
	if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS bulk_rollup_rows (level INTEGER, area TEXT COLLATE "C", metric TEXT COLLATE "C", value BIGINT) ON COMMIT DROP`); err != nil {
		return err
	}
	if err := tx.copyFrom(ctx, "bulk_rollup_rows", []string{"level", "area", "metric", "value"}, len(rows), func(i int, buf []any) []any {
		k := &rows[i]
		return append(buf, int(k.level), k.area, k.metric, k.value)
	}); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO rollups (year, level, area, metric, value)
		SELECT ?, level, area, metric, value FROM bulk_rollup_rows ORDER BY level, area, metric
		ON CONFLICT (year, level, area, metric) DO UPDATE SET value = `+set, year); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `TRUNCATE bulk_rollup_rows`)
	return err
}
