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
//   - RebuildRollups (tuopin rollup rebuild) and the Go step of the
//     migrations that build them recompute them from the household rows,
//     city by city, and rewrite the rows that differ (bulk_rollups.go);
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
	if tx.deferRollups(deltas) {
		return nil
	}
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

// deferRollups adds deltas to the transaction's pending roll-up deltas
// and reports true when the transaction collects them (Tx.pendingRollups).
func (tx *Tx) deferRollups(deltas rollupValues) bool {
	if tx.pendingRollups == nil {
		return false
	}
	for k, n := range deltas {
		tx.pendingRollups[k] += n
	}
	return true
}

// flushRollups applies the roll-up deltas the transaction has collected,
// in one pass (by COPY on PostgreSQL), and stops collecting.
func (tx *Tx) flushRollups(ctx context.Context) error {
	deltas := tx.pendingRollups
	tx.pendingRollups = nil
	if tx.db.dialect == DialectPostgres {
		return tx.copyRollupDeltas(ctx, deltas.keys(true), deltas)
	}
	return applyRollupDeltas(ctx, tx, deltas)
}

// rollupGroup is what HouseholdMetrics reads of a household: households
// alike in these fields contribute alike, so a recomputation sums the
// metrics of each group once, times the number of its households. If
// HouseholdMetrics comes to read another field, add it here and to the
// queries of computeCity (TestRollupGroupCoversMetrics fails until then).
type rollupGroup struct {
	size                     int
	status, cause, attribute string
	ind                      tuopin.Indicators
}

// rollupGroupColumns are the households columns of a rollupGroup, in the
// order scanGroup reads them.
const rollupGroupColumns = `size, status, main_cause, attribute,
	ind_food, ind_school, ind_uninsured, ind_house, ind_water, income_band`

// scanTargets returns the scan destinations of rollupGroupColumns.
func (g *rollupGroup) scanTargets() []any {
	return []any{&g.size, &g.status, &g.cause, &g.attribute,
		&g.ind.FoodClothingGap, &g.ind.OutOfSchool, &g.ind.Uninsured, &g.ind.UnsafeHouse, &g.ind.UnsafeWater, &g.ind.IncomeBand}
}

// household returns a household of group g, for HouseholdMetrics.
func (g rollupGroup) household() *tuopin.Household {
	return &tuopin.Household{Size: g.size, Status: g.status, MainCause: g.cause, Attribute: g.attribute, Indicators: g.ind}
}

// rollupGroupHousehold returns the household that stands for h's group in
// a recomputation, for the test that guards rollupGroup.
func rollupGroupHousehold(h *tuopin.Household) *tuopin.Household {
	return rollupGroup{h.Size, h.Status, h.MainCause, h.Attribute, h.Indicators}.household()
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

// rollupGroupInSQL chooses how computeCity reads the households: true
// groups them in SQL (GROUP BY area code and rollupGroup), false streams
// every row and groups in Go. Both give the same sums. Grouping in SQL
// is faster on PostgreSQL (a check at 10^6 households: 0.69 s against
// 0.79 s; at 10^5: 97 ms against 143 ms) and even on SQLite, and it sends
// one row per group instead of one per household (see
// docs/benchmarks.md). It is a variable for the benchmarks.
var rollupGroupInSQL = true

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
	// Nothing is written before the recomputation: it may read in parallel.
	r := &rollupReconciler{tx: tx, fix: true, rep: rep, parallel: true}
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
	r := &rollupReconciler{tx: tx, rep: rep, parallel: true}
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
