package sqldb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/tuopin/tuopin"
)

// The bulk write path of CreateHouseholds. createHouseholds runs the same
// checks for every batch (shape and code tables, derived fields, areas
// known and in scope, household numbers and member ID numbers unique), and
// then hands a large batch to bulkInsertHouseholds, which writes what the
// small path writes, in the same transaction, only faster:
//
//   - IDs are reserved before the rows are written (PostgreSQL: an array of
//     nextval of each identity sequence; SQLite: above the
//     AUTOINCREMENT high-water mark, which the write lock makes ours), so
//     no statement needs RETURNING and the audit entries can be built
//     while the rows are being written;
//   - on PostgreSQL households, members, the roll-up deltas and the audit
//     entries go by COPY (pgx CopyFrom, through the transaction's own
//     connection); the deltas are COPYed into a temporary table and added
//     by one INSERT … SELECT … ON CONFLICT DO UPDATE, in key order;
//   - on SQLite they go by multi-row INSERTs without RETURNING, each size
//     of statement prepared once per batch (Tx.insertRows);
//   - the audit entries (one per household, holding the whole record, the
//     hash chain computed in Go exactly as Tx.appendAudit does) are built on
//     every core in parallel with the writes.
//
// docs/benchmarks.md ("tuopin bench") has the measurements.

// bulkMinHouseholds is the batch size from which CreateHouseholds takes
// the bulk path; smaller batches (a form, an API call, a short import) keep
// the multi-row statements with RETURNING. A variable for the tests.
var bulkMinHouseholds = 200

// bulkIDs chooses how the PostgreSQL bulk path gets household and member
// IDs: "reserve" takes them from the identity sequences before the COPY
// (the default, and the faster: see docs/benchmarks.md); "staging" COPYs
// the rows into a temporary table and moves them with INSERT … SELECT …
// RETURNING. A variable for the benchmarks.
var bulkIDs = "reserve"

// copyMinRows is the number of roll-up rows from which PostgreSQL writes
// them by COPY and one statement rather than by multi-row upserts (a
// twentieth of it for audit entries, which are larger). A variable for the
// tests.
var copyMinRows = 2000

// bulkColumns are the columns the bulk path writes for one batch: the
// columns scanHousehold and scanMember read (householdColumns,
// memberColumns, built from the field catalog), less the detail columns
// no row of the batch records, which take their defaults (” for text,
// NULL for numbers: what StorageValue gives for an unrecorded value); for
// members also the year, area and position they repeat from their
// household. Binding sixty empty detail values per household cost the
// SQLite load about a third of its time.
type bulkColumns struct {
	household, member []string
	// hDetails and mDetails are the indexes in the catalogs of the detail
	// columns written.
	hDetails, mDetails []int
}

func newBulkColumns(hs []*tuopin.Household) *bulkColumns {
	hUsed := make([]bool, len(tuopin.HouseholdFieldDefs))
	mUsed := make([]bool, len(tuopin.MemberFieldDefs))
	mark := func(used []bool, defs []tuopin.FieldDef, d map[string]string) {
		if len(d) == 0 {
			return
		}
		for i, f := range defs {
			if !used[i] && d[f.Key] != "" {
				used[i] = true
			}
		}
	}
	for _, h := range hs {
		mark(hUsed, tuopin.HouseholdFieldDefs, h.Details)
		for _, m := range h.Members {
			mark(mUsed, tuopin.MemberFieldDefs, m.Details)
		}
	}
	c := &bulkColumns{}
	// householdColumns: the core columns, the catalog's, the indicators.
	all := splitColumns(householdColumns)
	core, details := len(splitColumns(householdCoreColumns)), len(householdDetailColumns)
	c.household = append(c.household, all[:core]...)
	for i := range details {
		if hUsed[i] {
			c.household, c.hDetails = append(c.household, all[core+i]), append(c.hDetails, i)
		}
	}
	c.household = append(c.household, all[core+details:]...)
	// memberColumns: the core columns and the catalog's.
	all = splitColumns(memberColumns)
	core = len(splitColumns(memberCoreColumns))
	c.member = append(c.member, all[:core]...)
	for i := range memberDetailColumns {
		if mUsed[i] {
			c.member, c.mDetails = append(c.member, all[core+i]), append(c.mDetails, i)
		}
	}
	c.member = append(c.member, "year", "area_code", "ord")
	return c
}

// householdRow appends a household's values in c.household order.
func (c *bulkColumns) householdRow(row []any, h *tuopin.Household, now string) []any {
	row = append(row, h.ID, h.Year, h.Number, h.AreaCode, h.HeadName, h.Size, h.Attribute, h.MainCause,
		int64(h.IncomePerCapita), h.Status, h.Phone, h.Version, now, now)
	for _, i := range c.hDetails {
		f := tuopin.HouseholdFieldDefs[i]
		row = append(row, f.StorageValue(h.Details[f.Key]))
	}
	return indicatorArgs(row, h.Indicators)
}

// memberRow appends member ord of h in c.member order.
func (c *bulkColumns) memberRow(row []any, h *tuopin.Household, ord int) []any {
	m := h.Members[ord]
	row = append(row, m.ID, h.ID, m.Name, m.Sex, formatDate(m.BirthDate), m.IDNumber, m.Relation, m.Education, m.Health, m.Skill)
	for _, i := range c.mDetails {
		f := tuopin.MemberFieldDefs[i]
		row = append(row, f.StorageValue(m.Details[f.Key]))
	}
	return append(row, h.Year, h.AreaCode, ord)
}

// memberAt is member ord of household h.
type memberAt struct {
	h   *tuopin.Household
	ord int
}

// bulkCreateHouseholds writes a batch that createHouseholds has checked
// in itself (shape, codes, areas, numbers and ID numbers inside the batch)
// but not yet against the registry: the unique keys on (year, number) and
// (id_number, year) refuse a number or ID number that is taken, the
// batch's writes roll back to a savepoint, and checkStored (the lookups
// the small path runs first) then names the household at fault as it
// would have. A clean batch, the usual case of a load, so spends no
// lookup: they were a tenth of the load's time on PostgreSQL
// (docs/benchmarks.md). A clash can only stop the rows' own writes, which
// come before the roll-up deltas are added to a transaction that defers
// them (Tx.pendingRollups), so nothing of the failed attempt survives the
// rollback.
func bulkCreateHouseholds(ctx context.Context, tx *Tx, hs []*tuopin.Household, reason string, checkStored func() error) error {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT bulk_create`); err != nil {
		return err
	}
	err := bulkInsertHouseholds(ctx, tx, hs, reason)
	if err == nil {
		err = recordIdentifiedEvents(ctx, tx, hs) // event.go
	}
	if err == nil {
		_, err = tx.ExecContext(ctx, `RELEASE SAVEPOINT bulk_create`)
		return err
	}
	if _, rerr := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT bulk_create`); rerr != nil {
		return err
	}
	if _, rerr := tx.ExecContext(ctx, `RELEASE SAVEPOINT bulk_create`); rerr != nil {
		return err
	}
	if cerr := checkStored(); cerr != nil {
		return cerr
	}
	return err
}

// bulkInsertHouseholds writes checked households (createHouseholds has
// normalized, validated and derived them and checked areas, numbers and
// ID numbers), their members, their roll-up deltas and one audit entry per
// household, and sets their IDs, Version, CreatedAt and UpdatedAt.
func bulkInsertHouseholds(ctx context.Context, tx *Tx, hs []*tuopin.Household, reason string) error {
	for _, h := range hs {
		h.Version, h.CreatedAt, h.UpdatedAt = 1, tx.now, tx.now
	}
	members := 0
	for _, h := range hs {
		members += len(h.Members)
	}
	staging := tx.db.dialect == DialectPostgres && bulkIDs == "staging"
	if !staging {
		if err := tx.reserveIDs(ctx, "households", len(hs), func(i int, id int64) { hs[i].ID = id }); err != nil {
			return err
		}
		ms := make([]*tuopin.Member, 0, members)
		for _, h := range hs {
			ms = append(ms, h.Members...)
		}
		if err := tx.reserveIDs(ctx, "members", members, func(i int, id int64) { ms[i].ID = id }); err != nil {
			return err
		}
		for _, h := range hs {
			for _, m := range h.Members {
				m.HouseholdID = h.ID
			}
		}
	}

	// The audit entries and the roll-up deltas are computed while the rows
	// are written: they need the IDs (known now, or after the staging
	// insert) and nothing else.
	entries := make([]*tuopin.AuditEntry, len(hs))
	deltas := rollupValues{}
	var keys []rollupKey
	build := func() error {
		deltas.addHouseholds(1, hs...)
		keys = deltas.keys(true)
		return parallel(len(hs), func(i int) error {
			h := hs[i]
			after, err := createdFields(h)
			entries[i] = &tuopin.AuditEntry{Action: tuopin.ActionHouseholdCreate, TargetKind: "household",
				TargetID: strconv.FormatInt(h.ID, 10), AreaCode: h.AreaCode, Reason: reason, Before: json.RawMessage("null"), After: after}
			return err
		})
	}
	var buildErr error
	var wg sync.WaitGroup
	if !staging {
		wg.Add(1)
		go func() { defer wg.Done(); buildErr = build() }()
	}
	cols := newBulkColumns(hs)
	all := make([]memberAt, 0, members)
	for _, h := range hs {
		for j := range h.Members {
			all = append(all, memberAt{h, j})
		}
	}
	var err error
	if tx.db.dialect == DialectPostgres {
		err = tx.copyHouseholds(ctx, cols, hs, all, staging)
	} else {
		err = tx.insertHouseholdsPlain(ctx, cols, hs, all)
	}
	wg.Wait()
	if err != nil {
		return err
	}
	if staging {
		buildErr = build()
	}
	if buildErr != nil {
		return buildErr
	}

	if tx.db.dialect == DialectPostgres {
		if err := tx.copyRollupDeltas(ctx, keys, deltas); err != nil {
			return err
		}
		return tx.appendAuditCopy(ctx, entries)
	}
	if err := applyRollupDeltas(ctx, tx, deltas); err != nil {
		return err
	}
	return tx.appendAudit(ctx, entries...)
}

// createdFields returns what tuopin.ChangedFields(nil, v) returns as
// after, byte for byte, for a v that marshals to a JSON object: its fields
// with the keys in sorted order. ChangedFields marshals v, unmarshals it
// into a map and marshals the map, which cost the bulk load a fifth of its
// CPU; this marshals once and reorders the top-level members of the
// (compact, valid) output. TestCreatedFields compares the two.
func createdFields(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if len(b) < 2 || b[0] != '{' {
		return nil, fmt.Errorf("sqldb: audit record is not a JSON object: %.20s", b)
	}
	type member struct {
		key  string // the key as written, without its quotes
		full []byte // "key":value
	}
	var members []member
	depth, inString, escaped := 0, false, false
	start, keyEnd := 1, 0
	for i := 1; i < len(b); i++ {
		c := b[i]
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
				if depth == 0 && keyEnd == 0 {
					keyEnd = i + 1
				}
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
		case (c == '}' || c == ']') && depth > 0:
			depth--
		case (c == ',' || c == '}') && depth == 0:
			if i > start {
				members = append(members, member{string(b[start+1 : keyEnd-1]), b[start:i]})
			}
			start, keyEnd = i+1, 0
		}
	}
	slices.SortFunc(members, func(a, b member) int { return strings.Compare(a.key, b.key) })
	out := make([]byte, 0, len(b))
	out = append(out, '{')
	for i, m := range members {
		if i > 0 {
			out = append(out, ',')
		}
		out = append(out, m.full...)
	}
	return append(out, '}'), nil
}

// parallel calls fn(0) … fn(n-1) on every core and returns the first
// error.
func parallel(n int, fn func(i int) error) error {
	workers := min(runtime.GOMAXPROCS(0), max(1, n/64))
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				if err := fn(i); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// reserveIDs takes n new IDs of a table whose id is its identity (PostgreSQL)
// or AUTOINCREMENT (SQLite) key and hands them out in order.
//
// On PostgreSQL they come from the identity sequence, as a default would
// take them (not necessarily contiguous when another writer takes some at
// the same time; never reused). On SQLite the write transaction holds the
// database's only write lock, so the IDs above the AUTOINCREMENT
// high-water mark (sqlite_sequence, or the largest id) are ours; inserting
// them moves the mark as an insert without an id would.
func (tx *Tx) reserveIDs(ctx context.Context, table string, n int, set func(i int, id int64)) error {
	if n == 0 {
		return nil
	}
	if tx.db.dialect == DialectPostgres {
		// One array of n values: a row per value cost a tenth of the load.
		var ids []int64
		if err := tx.pgx(func(c *pgx.Conn) error {
			// The sequence's name goes into the statement as a constant:
			// taken from a column or a function, nextval ran 8 times
			// slower.
			var seq string
			if err := c.QueryRow(ctx, `SELECT pg_get_serial_sequence($1, 'id')`, table).Scan(&seq); err != nil {
				return err
			}
			return c.QueryRow(ctx, `SELECT array_agg(nextval('`+strings.ReplaceAll(seq, `'`, `''`)+`'::regclass)) FROM generate_series(1, $1)`,
				n).Scan(&ids)
		}); err != nil {
			return tx.db.formatError(err)
		}
		if len(ids) != n {
			return fmt.Errorf("sqldb: reserved %d of %d %s IDs", len(ids), n, table)
		}
		for i, id := range ids {
			set(i, id)
		}
		return nil
	}
	var last int64
	if err := tx.QueryRowContext(ctx, `SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = ?), 0),
		COALESCE((SELECT MAX(id) FROM `+table+`), 0))`, table).Scan(&last); err != nil {
		return tx.db.formatError(err)
	}
	for i := range n {
		set(i, last+1+int64(i))
	}
	return nil
}

// insertHouseholdsPlain inserts households and members whose IDs are set,
// with multi-row INSERTs (SQLite's bulk path).
func (tx *Tx) insertHouseholdsPlain(ctx context.Context, c *bulkColumns, hs []*tuopin.Household, all []memberAt) error {
	now := formatTime(tx.now)
	if err := tx.insertRows(ctx, `INSERT INTO households (`+strings.Join(c.household, ", ")+`) VALUES `, len(c.household), ``, len(hs),
		func(i int, args []any) []any { return c.householdRow(args, hs[i], now) }, nil); err != nil {
		return err
	}
	return tx.insertRows(ctx, `INSERT INTO members (`+strings.Join(c.member, ", ")+`) VALUES `, len(c.member), ``, len(all),
		func(i int, args []any) []any { return c.memberRow(args, all[i].h, all[i].ord) }, nil)
}

// pgx runs fn with the pgx connection under the transaction (PostgreSQL
// write transactions only), for COPY. No rows of the transaction may be
// open meanwhile.
func (tx *Tx) pgx(fn func(c *pgx.Conn) error) error {
	if tx.conn == nil {
		return errors.New("sqldb: COPY needs a PostgreSQL write transaction")
	}
	return tx.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("sqldb: COPY needs a pgx connection, not %T", dc)
		}
		return fn(c.Conn())
	})
}

// copyRows is a pgx.CopyFromSource over n rows built by row into one
// reused slice.
type copyRows struct {
	n, i int
	buf  []any
	row  func(i int, buf []any) []any
}

func (r *copyRows) Next() bool {
	r.i++
	return r.i <= r.n
}

func (r *copyRows) Values() ([]any, error) {
	r.buf = r.row(r.i-1, r.buf[:0])
	return r.buf, nil
}

func (r *copyRows) Err() error { return nil }

// copyFrom COPYs n rows into table.
func (tx *Tx) copyFrom(ctx context.Context, table string, cols []string, n int, row func(i int, buf []any) []any) error {
	if n == 0 {
		return nil
	}
	return tx.pgx(func(c *pgx.Conn) error {
		got, err := c.CopyFrom(ctx, pgx.Identifier{table}, cols, &copyRows{n: n, buf: make([]any, 0, len(cols)), row: row})
		if err != nil {
			return tx.db.formatError(err)
		}
		if got != int64(n) {
			return fmt.Errorf("sqldb: COPY %s wrote %d of %d rows", table, got, n)
		}
		return nil
	})
}

// copyHouseholds writes households and their members by COPY: straight
// into the tables when the IDs are reserved, else through temporary
// staging tables and INSERT … SELECT … RETURNING, which assigns them.
func (tx *Tx) copyHouseholds(ctx context.Context, c *bulkColumns, hs []*tuopin.Household, all []memberAt, staging bool) error {
	now := formatTime(tx.now)
	householdRow := func(i int, buf []any) []any { return c.householdRow(buf, hs[i], now) }
	memberRow := func(i int, buf []any) []any { return c.memberRow(buf, all[i].h, all[i].ord) }
	if !staging {
		if err := tx.copyFrom(ctx, "households", c.household, len(hs), householdRow); err != nil {
			return err
		}
		return tx.copyFrom(ctx, "members", c.member, len(all), memberRow)
	}

	// Staging: the rows without id (the identity default assigns it), and
	// households with their position, to keep the order.
	if _, err := tx.ExecContext(ctx, `
		CREATE TEMP TABLE bulk_households ON COMMIT DROP AS SELECT * FROM households WITH NO DATA;
		ALTER TABLE bulk_households DROP COLUMN id, ADD COLUMN bulk_row INTEGER;
		CREATE TEMP TABLE bulk_members ON COMMIT DROP AS SELECT * FROM members WITH NO DATA;
		ALTER TABLE bulk_members DROP COLUMN id`); err != nil {
		return err
	}
	hcols := append(slices.Clone(c.household[1:]), "bulk_row")
	if err := tx.copyFrom(ctx, "bulk_households", hcols, len(hs), func(i int, buf []any) []any {
		return append(householdRow(i, buf)[1:], i)
	}); err != nil {
		return err
	}
	list := strings.Join(c.household[1:], ", ")
	rows, err := tx.QueryContext(ctx, `INSERT INTO households (`+list+`) SELECT `+list+` FROM bulk_households ORDER BY bulk_row RETURNING id, year, number`)
	if err != nil {
		return err
	}
	byNumber := make(map[string]*tuopin.Household, len(hs))
	for _, h := range hs {
		byNumber[strconv.Itoa(h.Year)+" "+h.Number] = h
	}
	for rows.Next() {
		var id int64
		var year int
		var number string
		if err := rows.Scan(&id, &year, &number); err != nil {
			rows.Close()
			return tx.db.formatError(err)
		}
		h := byNumber[strconv.Itoa(year)+" "+number]
		h.ID = id
		for _, m := range h.Members {
			m.HouseholdID = id
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return tx.db.formatError(err)
	}
	if err := tx.copyFrom(ctx, "bulk_members", c.member[1:], len(all), func(i int, buf []any) []any {
		return memberRow(i, buf)[1:]
	}); err != nil {
		return err
	}
	list = strings.Join(c.member[1:], ", ")
	rows, err = tx.QueryContext(ctx, `INSERT INTO members (`+list+`) SELECT `+list+` FROM bulk_members RETURNING id, year, id_number`)
	if err != nil {
		return err
	}
	byID := make(map[string]*tuopin.Member, len(all))
	for _, a := range all {
		m := a.h.Members[a.ord]
		byID[strconv.Itoa(a.h.Year)+" "+m.IDNumber] = m
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var year int
		var idNumber string
		if err := rows.Scan(&id, &year, &idNumber); err != nil {
			return tx.db.formatError(err)
		}
		byID[strconv.Itoa(year)+" "+idNumber].ID = id
	}
	if err := rows.Err(); err != nil {
		return tx.db.formatError(err)
	}
	rows.Close()
	// As in copyRollupDeltas: later batches of the same transaction
	// create the staging tables again.
	_, err = tx.ExecContext(ctx, `DROP TABLE bulk_households, bulk_members`)
	return err
}

// copyRollupDeltas adds deltas to the roll-ups on PostgreSQL: COPY into a
// temporary table, then one upsert in key order (the order
// applyRollupDeltas keeps, so that writers lock shared rows alike).
func (tx *Tx) copyRollupDeltas(ctx context.Context, keys []rollupKey, deltas rollupValues) error {
	if tx.deferRollups(deltas) {
		return nil
	}
	if len(keys) == 0 {
		return nil
	}
	if len(keys) < copyMinRows {
		return applyRollupDeltas(ctx, tx, deltas)
	}
	if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE bulk_rollups ON COMMIT DROP AS SELECT * FROM rollups WITH NO DATA`); err != nil {
		return err
	}
	if err := tx.copyFrom(ctx, "bulk_rollups", []string{"year", "level", "area", "metric", "value"}, len(keys),
		func(i int, buf []any) []any {
			k := keys[i]
			return append(buf, k.year, int(k.level), k.area, k.metric, deltas[k])
		}); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO rollups (year, level, area, metric, value)
		SELECT year, level, area, metric, value FROM bulk_rollups ORDER BY year, level, area, metric
		ON CONFLICT (year, level, area, metric) DO UPDATE SET value = rollups.value + excluded.value`); err != nil {
		return err
	}
	// One transaction may write many batches (an import commit): the
	// table goes now, not at commit.
	_, err := tx.ExecContext(ctx, `DROP TABLE bulk_rollups`)
	return err
}

// appendAuditCopy appends entries to the chain as Tx.appendAudit does (the
// audit_head row first, IDs and hashes in order, the head's new hash),
// writing the entries by COPY.
func (tx *Tx) appendAuditCopy(ctx context.Context, entries []*tuopin.AuditEntry) error {
	if len(entries) < copyMinRows/20 {
		return tx.appendAudit(ctx, entries...)
	}
	var lastID int64
	var lastHash string
	if err := tx.QueryRowContext(ctx, `
		UPDATE audit_head SET last_id = last_id + ? WHERE id = 1
		RETURNING last_id, last_hash`, len(entries)).Scan(&lastID, &lastHash); err != nil {
		return tx.db.formatError(err)
	}
	id := lastID - int64(len(entries))
	for _, e := range entries {
		id++
		e.ID, e.Time, e.ActorID, e.ActorName, e.PrevHash = id, tx.now, tx.user.ID, actorName(tx.user), lastHash
		e.Hash = e.ComputeHash()
		lastHash = e.Hash
	}
	if _, err := tx.ExecContext(ctx, `UPDATE audit_head SET last_hash = ? WHERE id = 1`, lastHash); err != nil {
		return err
	}
	now := formatTime(tx.now)
	return tx.copyFrom(ctx, "audit_log", splitColumns(auditColumns), len(entries), func(i int, buf []any) []any {
		e := entries[i]
		return append(buf, e.ID, now, e.ActorID, e.ActorName, e.Action, e.TargetKind,
			e.TargetID, e.AreaCode, e.Reason, nullJSON(e.Before), nullJSON(e.After), e.PrevHash, e.Hash)
	})
}
