package sqldb

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tuopin/tuopin"
)

// Roll-ups (table rollups, see migrations/0002_rollups.sql) hold, for each
// year, area prefix and metric, the sum of tuopin.HouseholdMetrics over the
// households under the area. They are kept in three places, all of which
// use HouseholdMetrics as the one definition of the metrics:
//
//   - every household write (createHouseholds, updateHousehold,
//     SetHouseholdStatus) adds the household's new contribution and
//     subtracts its old one for the nation and each of its five ancestor
//     areas, in its own transaction, with one multi-row upsert of the
//     deltas (applyRollupDeltas), one row per area and metric touched: a
//     batch of 5,000 households in 50 villages upserts about 750 rows;
//   - RebuildRollups (tuopin rollup rebuild) and the Go step of migration 2
//     recompute them from the household rows and rewrite the rows that
//     differ;
//   - CheckRollups (tuopin rollup check) recomputes and compares.
//
// AreaService.FindAreaStats and HouseholdService.FindYears read them.

var _ tuopin.RollupService = (*RollupService)(nil)

// RollupService rebuilds and checks the roll-ups. Only an admin may call
// it.
type RollupService struct {
	db *DB
}

// NewRollupService returns the roll-up service of db.
func NewRollupService(db *DB) *RollupService { return &RollupService{db: db} }

// rollupKey names one roll-up row.
type rollupKey struct {
	year   int
	level  tuopin.Level
	area   string // the significant prefix at level
	metric string
}

// compare orders keys as the table's primary key does (byte order).
func (k rollupKey) compare(o rollupKey) int {
	return cmp.Or(cmp.Compare(k.year, o.year), cmp.Compare(k.level, o.level),
		strings.Compare(k.area, o.area), strings.Compare(k.metric, o.metric))
}

// String names the row as reports do: "2016 451224 persons", "2016 nation
// households".
func (k rollupKey) String() string {
	area := k.area
	if k.level == tuopin.LevelNation {
		area = "nation"
	}
	return fmt.Sprintf("%d %s %s", k.year, area, k.metric)
}

// rollupValues holds roll-up values, or deltas to them, by key.
type rollupValues map[rollupKey]int64

// addHouseholds adds sign × the metrics of households to their villages
// and to every area above them up to the nation. The metrics are summed
// per village first, so that a batch costs one map update per household
// and metric, and one per village, level and metric.
func (v rollupValues) addHouseholds(sign int64, hs ...*tuopin.Household) {
	villages := rollupValues{}
	for _, h := range hs {
		village := h.AreaCode
		if len(village) > 12 {
			village = village[:12] // a group below the village
		}
		for metric, n := range tuopin.HouseholdMetrics(h) {
			villages[rollupKey{h.Year, tuopin.LevelVillage, village, metric}] += sign * n
		}
	}
	v.addVillages(villages, tuopin.LevelNation)
}

// addVillages adds village values to v, and to each of their ancestors
// from level top down to the township.
func (v rollupValues) addVillages(villages rollupValues, top tuopin.Level) {
	for k, n := range villages {
		v[k] += n
		for l := top; l < tuopin.LevelVillage; l++ {
			if d := l.Digits(); d <= len(k.area) {
				v[rollupKey{k.year, l, k.area[:d], k.metric}] += n
			}
		}
	}
}

// keys returns the keys in table order, leaving out zero values when
// nonZero is set.
func (v rollupValues) keys(nonZero bool) []rollupKey {
	out := make([]rollupKey, 0, len(v))
	for k, n := range v {
		if !nonZero || n != 0 {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, rollupKey.compare)
	return out
}

// applyRollupDeltas adds deltas to the stored roll-ups in the write
// transaction of the change they come from, with multi-row upserts.
// Deltas that cancel out (an income or phone change) write nothing.
//
// The rows go in key order, so that concurrent writers on PostgreSQL lock
// the rows they share (the nation's, a county's) in the same order and
// cannot deadlock on them. Household writes call it before appendAudit,
// whose audit_head lock comes last in every writer.
func applyRollupDeltas(ctx context.Context, tx *Tx, deltas rollupValues) error {
	keys := deltas.keys(true)
	if len(keys) == 0 {
		return nil
	}
	return tx.insertRows(ctx, `INSERT INTO rollups (year, level, area, metric, value) VALUES `, 5,
		`ON CONFLICT (year, level, area, metric) DO UPDATE SET value = rollups.value + excluded.value`,
		len(keys), func(i int, args []any) []any {
			k := keys[i]
			return append(args, k.year, int(k.level), k.area, k.metric, deltas[k])
		}, nil)
}

// rollupGroup is what HouseholdMetrics reads of a household: households
// alike in these fields contribute alike, so a recomputation sums the
// metrics of each group once, times the number of its households. If
// HouseholdMetrics comes to read another field, add it here and to the
// queries of computeRollups (TestRollupGroupCoversMetrics fails until then).
type rollupGroup struct {
	size                     int
	status, cause, attribute string
}

// household returns a household of group g, for HouseholdMetrics.
func (g rollupGroup) household() *tuopin.Household {
	return &tuopin.Household{Size: g.size, Status: g.status, MainCause: g.cause, Attribute: g.attribute}
}

// rollupGroupHousehold returns the household that stands for h's group in
// a recomputation, for the test that guards rollupGroup.
func rollupGroupHousehold(h *tuopin.Household) *tuopin.Household {
	return rollupGroup{h.Size, h.Status, h.MainCause, h.Attribute}.household()
}

type metricValue struct {
	metric string
	value  int64
}

// rollupComputer recomputes roll-ups from household rows, caching the
// metrics of each group.
type rollupComputer struct {
	metrics map[rollupGroup][]metricValue
}

func newRollupComputer() *rollupComputer {
	return &rollupComputer{metrics: map[rollupGroup][]metricValue{}}
}

func (c *rollupComputer) metricsOf(g rollupGroup) []metricValue {
	if mv, ok := c.metrics[g]; ok {
		return mv
	}
	var mv []metricValue
	for k, v := range tuopin.HouseholdMetrics(g.household()) {
		mv = append(mv, metricValue{k, v})
	}
	c.metrics[g] = mv
	return mv
}

// rollupGroupInSQL chooses how computeRollups reads the households: true
// groups them in SQL (GROUP BY area code and rollupGroup), false streams
// every row and groups in Go. Both give the same sums. Grouping in SQL
// is faster on PostgreSQL (a check at 10^6 households: 0.69 s against
// 0.79 s; at 10^5: 97 ms against 143 ms) and even on SQLite, and it sends
// one row per group instead of one per household (see
// docs/benchmarks.md). It is a variable for the benchmarks.
var rollupGroupInSQL = true

// computeRollups returns the roll-ups of a year's households under prefix
// (a province, in practice) at the levels from province to village.
func (c *rollupComputer) computeRollups(ctx context.Context, tx *Tx, year int, prefix string) (rollupValues, error) {
	where, args := "year = ?", []any{year}
	if p, a := scopeRange("area_code", prefix); p != "" {
		where, args = where+" AND "+p, append(args, a...)
	}
	// Grouping by the stored area code, not by its village prefix, saves
	// both engines an expression per row; the few households of a group
	// below a village (codes of 13 to 16 digits) meet again in Go.
	q := `SELECT area_code, size, status, main_cause, attribute, 1 FROM households WHERE ` + where
	if rollupGroupInSQL {
		q = `SELECT area_code, size, status, main_cause, attribute, COUNT(*)
			FROM households WHERE ` + where + `
			GROUP BY area_code, size, status, main_cause, attribute`
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type villageGroup struct {
		village string
		g       rollupGroup
	}
	groups := map[villageGroup]int64{}
	for rows.Next() {
		var vg villageGroup
		var n int64
		if err := rows.Scan(&vg.village, &vg.g.size, &vg.g.status, &vg.g.cause, &vg.g.attribute, &n); err != nil {
			return nil, tx.db.formatError(err)
		}
		if len(vg.village) > 12 {
			vg.village = vg.village[:12]
		}
		groups[vg] += n
	}
	if err := rows.Err(); err != nil {
		return nil, tx.db.formatError(err)
	}
	// Villages first, then each village's sums into its four ancestors.
	villages := rollupValues{}
	for vg, n := range groups {
		for _, mv := range c.metricsOf(vg.g) {
			villages[rollupKey{year, tuopin.LevelVillage, vg.village, mv.metric}] += mv.value * n
		}
	}
	out := make(rollupValues, len(villages)*5/4)
	out.addVillages(villages, tuopin.LevelProvince)
	return out, nil
}

// rollupYears returns the years that hold households or roll-ups, oldest
// first (or just year when it is not 0). It skips through the indexes that
// lead with year: one seek per year, never a scan.
func rollupYears(ctx context.Context, tx *Tx, year int) ([]int, error) {
	if year != 0 {
		return []int{year}, nil
	}
	set := map[int]bool{}
	for _, table := range []string{"households", "rollups"} {
		for from := math.MinInt32; ; {
			var y int
			err := tx.QueryRowContext(ctx, `SELECT year FROM `+table+` WHERE year > ? ORDER BY year LIMIT 1`, from).Scan(&y)
			if err == sql.ErrNoRows {
				break
			} else if err != nil {
				return nil, tx.db.formatError(err)
			}
			set[y], from = true, y
		}
	}
	years := make([]int, 0, len(set))
	for y := range set {
		years = append(years, y)
	}
	slices.Sort(years)
	return years, nil
}

// rollupPartitions returns the provinces (2-digit prefixes) that hold
// households of a year or stored roll-ups below the nation. A
// recomputation runs per province, so that its memory is bounded by the
// largest province, not the nation. The provinces are found by skipping
// through the households (year, area_code) index and the roll-ups' key at
// each level: one seek per province.
func rollupPartitions(ctx context.Context, tx *Tx, year int) ([]string, error) {
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
			if len(code) < 2 {
				// Not an area below the nation (a row written behind the
				// application's back): step over it.
				from = code + "\x01"
				continue
			}
			p := code[:2]
			set[p] = true
			_, from, _ = tuopin.PrefixRange(p)
		}
	}
	if err := skip(`SELECT area_code FROM households WHERE year = ? AND area_code >= ? ORDER BY area_code LIMIT 1`, year); err != nil {
		return nil, err
	}
	for l := tuopin.LevelProvince; l <= tuopin.LevelVillage; l++ {
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

// readRollups adds the stored rows of a year at a level (under prefix,
// when not "") to v.
func readRollups(ctx context.Context, tx *Tx, v rollupValues, year int, level tuopin.Level, prefix string) error {
	q, args := `SELECT area, metric, value FROM rollups WHERE year = ? AND level = ?`, []any{year, int(level)}
	if p, a := scopeRange("area", prefix); p != "" {
		q, args = q+" AND "+p, append(args, a...)
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		k := rollupKey{year: year, level: level}
		var n int64
		if err := rows.Scan(&k.area, &k.metric, &n); err != nil {
			return tx.db.formatError(err)
		}
		v[k] = n
	}
	return tx.db.formatError(rows.Err())
}

// maxRollupExamples is how many mismatches a report names.
const maxRollupExamples = 20

// rollupReconciler compares stored roll-ups with recomputed ones and, when
// fix is set, rewrites the stored rows that differ.
type rollupReconciler struct {
	tx      *Tx
	fix     bool
	rep     *tuopin.RollupReport
	updates int64 // rows upserted or deleted
}

// reconcileYears recomputes the roll-ups of a year (0 = every year) and
// compares them with the stored ones, fixing them when r.fix is set.
func (r *rollupReconciler) reconcileYears(ctx context.Context, year int) error {
	years, err := rollupYears(ctx, r.tx, year)
	if err != nil {
		return err
	}
	r.rep.Years = years
	c := newRollupComputer()
	for _, y := range years {
		parts, err := rollupPartitions(ctx, r.tx, y)
		if err != nil {
			return err
		}
		nation := rollupValues{}
		for _, p := range parts {
			computed, err := c.computeRollups(ctx, r.tx, y, p)
			if err != nil {
				return err
			}
			for k, v := range computed {
				if k.level == tuopin.LevelProvince {
					nation[rollupKey{y, tuopin.LevelNation, "", k.metric}] += v
				}
			}
			stored := rollupValues{}
			for l := tuopin.LevelProvince; l <= tuopin.LevelVillage; l++ {
				if err := readRollups(ctx, r.tx, stored, y, l, p); err != nil {
					return err
				}
			}
			if err := r.reconcile(ctx, stored, computed); err != nil {
				return err
			}
		}
		stored := rollupValues{}
		if err := readRollups(ctx, r.tx, stored, y, tuopin.LevelNation, ""); err != nil {
			return err
		}
		if err := r.reconcile(ctx, stored, nation); err != nil {
			return err
		}
	}
	return nil
}

// reconcile compares one part of the roll-ups. A stored row of value 0
// and a missing row are equal; a rebuild deletes both the rows that
// differ and those of value 0.
//
// A check's Rows counts every row compared (stored or computed); a
// rebuild's, the rows stored after it.
func (r *rollupReconciler) reconcile(ctx context.Context, stored, computed rollupValues) error {
	all := make(rollupValues, len(stored)+len(computed))
	for k := range stored {
		all[k] = 0
	}
	for k := range computed {
		all[k] = 0
	}
	var put, del []rollupKey
	for _, k := range all.keys(false) {
		s, ok := stored[k]
		c := computed[k]
		if !r.fix {
			r.rep.Rows++
		} else if c != 0 {
			r.rep.Rows++
		}
		if s != c {
			r.rep.Mismatch++
			if len(r.rep.Examples) < maxRollupExamples {
				was := "no stored row"
				if ok {
					was = "stored " + strconv.FormatInt(s, 10)
				}
				r.rep.Examples = append(r.rep.Examples, fmt.Sprintf("%s: %s, computed %d", k, was, c))
			}
		}
		switch {
		case !r.fix:
		case c == 0 && ok:
			del = append(del, k)
		case c != 0 && (!ok || s != c):
			put = append(put, k)
		}
	}
	if len(put) > 0 {
		if err := r.tx.insertRows(ctx, `INSERT INTO rollups (year, level, area, metric, value) VALUES `, 5,
			`ON CONFLICT (year, level, area, metric) DO UPDATE SET value = excluded.value`,
			len(put), func(i int, args []any) []any {
				k := put[i]
				return append(args, k.year, int(k.level), k.area, k.metric, computed[k])
			}, nil); err != nil {
			return err
		}
	}
	if len(del) > 0 {
		stmt, err := r.tx.PrepareContext(ctx, `DELETE FROM rollups WHERE year = ? AND level = ? AND area = ? AND metric = ?`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, k := range del {
			if _, err := stmt.ExecContext(ctx, k.year, int(k.level), k.area, k.metric); err != nil {
				return r.tx.db.formatError(err)
			}
		}
	}
	r.updates += int64(len(put) + len(del))
	return nil
}

// checkRollupRole refuses anyone but an admin.
func checkRollupRole(ctx context.Context) error {
	u := tuopin.UserFromContext(ctx)
	if u == nil {
		return errNoUser
	}
	if u.Role != tuopin.RoleAdmin {
		return tuopin.Errorf(tuopin.EFORBIDDEN, "Only an administrator may rebuild or check the roll-ups.")
	}
	return nil
}

// RebuildRollups recomputes the roll-ups of a year (0 = every year that
// holds households or roll-ups) from the household rows and, in one
// transaction, rewrites the stored rows that differ, deletes those that
// should not be there or hold 0, and appends a "rollup.rebuild" audit
// entry with the counts. The report's Mismatch counts the rows it fixed
// and Rows the rows stored after it. Only an admin may call it
// (EUNAUTHORIZED without a user, EFORBIDDEN otherwise).
//
// On PostgreSQL it holds the roll-ups table in EXCLUSIVE mode until it
// commits: reads go on, household writes wait at their roll-up upsert.
func (s *RollupService) RebuildRollups(ctx context.Context, year int) (*tuopin.RollupReport, error) {
	if err := checkRollupRole(ctx); err != nil {
		return nil, err
	}
	start := time.Now()
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if err := tx.lockRollups(ctx); err != nil {
		return nil, err
	}
	rep := &tuopin.RollupReport{}
	r := &rollupReconciler{tx: tx, fix: true, rep: rep}
	if err := r.reconcileYears(ctx, year); err != nil {
		return nil, err
	}
	target := ""
	if year != 0 {
		target = strconv.Itoa(year)
	}
	e, err := newAuditEntry(tuopin.ActionRollupRebuild, "rollups", target, "", "", nil,
		map[string]any{"years": rep.Years, "rows": rep.Rows, "fixed": rep.Mismatch})
	if err != nil {
		return nil, err
	}
	if err := tx.appendAudit(ctx, e); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	rep.Took = time.Since(start)
	return rep, nil
}

// lockRollups keeps household writes out of a rebuild on PostgreSQL,
// where the rebuild's statements each read the households as committed
// when they start: a household moved between two provinces while the
// rebuild reads them could be counted twice. EXCLUSIVE mode lets reads
// through and waits for the writers that have upserted roll-ups to end;
// later writers wait at their upsert and then apply their deltas on top
// of the rebuilt rows, which do not include their changes. SQLite needs
// nothing: its write transaction is already exclusive.
func (tx *Tx) lockRollups(ctx context.Context) error {
	if tx.db.dialect != DialectPostgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, `LOCK TABLE rollups IN EXCLUSIVE MODE`)
	return err
}

// CheckRollups recomputes the roll-ups of a year (0 = every year) from the
// household rows, in one read snapshot and without writing, and reports
// the rows that differ from the stored ones, naming up to 20. Only an
// admin may call it (EUNAUTHORIZED without a user, EFORBIDDEN otherwise).
func (s *RollupService) CheckRollups(ctx context.Context, year int) (*tuopin.RollupReport, error) {
	if err := checkRollupRole(ctx); err != nil {
		return nil, err
	}
	start := time.Now()
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rep := &tuopin.RollupReport{}
	r := &rollupReconciler{tx: tx, rep: rep}
	if err := r.reconcileYears(ctx, year); err != nil {
		return nil, err
	}
	rep.Took = time.Since(start)
	return rep, nil
}

// buildRollups is the Go step of migration 2: it builds the roll-ups of
// the households that exist. A later change to tuopin.HouseholdMetrics
// needs a migration whose Go step calls it again.
func buildRollups(ctx context.Context, tx *Tx) error {
	r := &rollupReconciler{tx: tx, fix: true, rep: &tuopin.RollupReport{}}
	return r.reconcileYears(ctx, 0)
}

// applyHouseholdChange moves a changed household's contribution to the
// roll-ups from its old state to its new one: a move between villages
// changes the rows of the areas the two do not share, a status change
// those of the old and new status, a size change the persons.
func applyHouseholdChange(ctx context.Context, tx *Tx, old, h *tuopin.Household) error {
	deltas := rollupValues{}
	deltas.addHouseholds(-1, old)
	deltas.addHouseholds(1, h)
	return applyRollupDeltas(ctx, tx, deltas)
}

// byArea returns the values by area and metric.
func (v rollupValues) byArea() map[string]map[string]int64 {
	out := map[string]map[string]int64{}
	for k, n := range v {
		m := out[k.area]
		if m == nil {
			m = map[string]int64{}
			out[k.area] = m
		}
		m[k.metric] = n
	}
	return out
}

// readOwnRollups adds the stored rows of one area to v.
func readOwnRollups(ctx context.Context, tx *Tx, v rollupValues, year int, level tuopin.Level, area string) error {
	rows, err := tx.QueryContext(ctx, `SELECT metric, value FROM rollups WHERE year = ? AND level = ? AND area = ?`,
		year, int(level), area)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		k := rollupKey{year: year, level: level, area: area}
		var n int64
		if err := rows.Scan(&k.metric, &n); err != nil {
			return tx.db.formatError(err)
		}
		v[k] = n
	}
	return tx.db.formatError(rows.Err())
}

// fillStats sets the counts of st from the metrics of its roll-up rows:
// Metrics gets every key (zero when there is no row) and any other key
// the rows hold.
func fillStats(st *tuopin.AreaStats, metrics map[string]int64, keys []string) {
	st.Metrics = make(map[string]int64, len(keys))
	for _, k := range keys {
		st.Metrics[k] = 0
	}
	for k, n := range metrics {
		st.Metrics[k] = n
	}
	m := st.Metrics
	st.Households, st.Persons = int(m[tuopin.MetricHouseholds]), int(m[tuopin.MetricPersons])
	st.PoorHouseholds, st.PoorPersons = int(m[tuopin.MetricPoorHouseholds]), int(m[tuopin.MetricPoorPersons])
	st.ExitedHouseholds, st.ExitedPersons = int(m[tuopin.MetricExitedHouseholds]), int(m[tuopin.MetricExitedPersons])
}
