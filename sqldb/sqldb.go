// Package sqldb stores the tuopin domain in a SQL database through
// database/sql, with hand-written SQL that runs unchanged on two engines:
//
//   - SQLite, the embedded default, through the pure-Go modernc.org/sqlite
//     driver. A file path opens it, in WAL mode with one writer connection
//     and a pool of read-only readers, configured like PocketBase.
//   - PostgreSQL, through pgx. A "postgres://" or "postgresql://" URL opens
//     it with one pool.
//
// Queries are written with ? placeholders in a portable subset of SQL; for
// PostgreSQL each query is rebound to $1, $2 … as it is run. Where the
// engines differ the code branches on Dialect explicitly and says why in a
// comment; there are only a few such places (schema introspection, the
// migration lock, driver errors).
//
// # Storage conventions
//
// Times are stored as TEXT in tuopin.AuditTimeLayout ("2006-01-02T15:04:05.000000Z"):
// UTC with microseconds, fixed width. Such text sorts in time order, compares
// with plain string operators, and round-trips exactly on both engines,
// which have no common timestamp type (SQLite has none at all). Dates are
// TEXT "YYYY-MM-DD". Money is BIGINT fen (tuopin.Money). Keys that are
// searched by prefix range (area codes, numbers, names, ID numbers) use byte
// order on both engines, so that `x >= lo AND x < hi` selects exactly the
// strings that start with a prefix.
//
// # Transactions, scope and audit
//
// Every exported write opens one transaction (a Tx) that carries one
// timestamp and the acting user taken from the context with
// tuopin.UserFromContext; a write without a user is EUNAUTHORIZED. Every row
// and audit entry written by that call share the timestamp and the actor.
// Audit entries are appended in the same transaction, so a change and its
// audit entry commit or roll back together.
//
// Every read applies the caller's scope in the SQL itself, as a range on the
// area code built by tuopin.PrefixRange: for a user with scope "451224"
// (东兰县) a listing carries `area_code >= '451224' AND area_code < '451225'`.
// A record outside the scope is reported exactly like a missing one
// (ENOTFOUND), and counts never include it.
package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers driver "pgx"
	_ "modernc.org/sqlite"             // registers driver "sqlite"

	"github.com/tuopin/tuopin"
)

// Dialect names, as returned by DB.Dialect.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// DB is an open database: on SQLite a writer pool of one connection and a
// reader pool; on PostgreSQL one pool serving both.
type DB struct {
	dialect string
	write   *sql.DB // all writes go through it; MaxOpenConns(1) on SQLite
	read    *sql.DB // read-only transactions; the same pool on PostgreSQL
	now     func() time.Time

	codes  tableCache[tuopin.CodeSet]  // cached code tables (code.go)
	params tableCache[tuopin.ParamSet] // cached parameter tables (param.go)
}

// sqlitePragmas are applied, in this order, on every SQLite connection:
// busy_timeout first so that the others wait rather than fail with
// SQLITE_BUSY, then WAL (readers do not block the writer), foreign keys,
// and synchronous=NORMAL, which is durable enough in WAL mode.
var sqlitePragmas = []string{
	"busy_timeout(10000)",
	"journal_mode(WAL)",
	"foreign_keys(1)",
	"synchronous(NORMAL)",
}

// sqliteWriterPragmas are added on the writer connection. SQLite's default
// page cache is 2 MiB: a batch of households touches index pages all over
// the households, members, audit and roll-up indexes, and past a few
// hundred thousand households each batch re-read pages from the file and
// spilled dirty ones to the WAL before commit (a CPU profile of the load
// at 10^5 put a fifth of it in read and write system calls). A cache of
// 256 MiB keeps the working set of a batch in memory; it is allocated as
// pages are read, so a small registry never uses it. temp_store(MEMORY)
// keeps the sorter of large statements (CREATE INDEX, ORDER BY) off disk.
// Neither touches durability: WAL and synchronous(NORMAL) stay as above.
var sqliteWriterPragmas = []string{
	"cache_size(-262144)",
	"temp_store(MEMORY)",
}

// sqliteReaderPragmas are added on each reader connection: a 64 MiB cache
// each (from the default 2 MiB), so that a dashboard's and a roll-up
// check's index pages stay in memory between reads.
var sqliteReaderPragmas = []string{
	"cache_size(-65536)",
}

// Open opens a database. A dsn starting with "postgres://" or
// "postgresql://" is a PostgreSQL URL; anything else is the path of a
// SQLite file, created with its directories when missing. Open does not
// migrate: call Migrate or CheckSchema next.
func Open(ctx context.Context, dsn string) (*DB, error) {
	if dsn == "" {
		return nil, errors.New("sqldb: empty data source name")
	}
	db := &DB{now: time.Now}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		db.dialect = DialectPostgres
		// Plan every execution with its actual arguments (pgx sends
		// unnamed statements and caches only their descriptions). With
		// cached named statements PostgreSQL switches to a generic plan
		// after five runs, and a generic plan made while a table was
		// small (a sequential scan) would stay as the table grows.
		if !strings.Contains(dsn, "default_query_exec_mode=") {
			sep := "?"
			if strings.Contains(dsn, "?") {
				sep = "&"
			}
			dsn += sep + "default_query_exec_mode=cache_describe"
		}
		pool, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("sqldb: open postgres: %w", err)
		}
		pool.SetMaxOpenConns(16)
		pool.SetMaxIdleConns(4)
		pool.SetConnMaxIdleTime(5 * time.Minute)
		db.write, db.read = pool, pool
	} else {
		db.dialect = DialectSQLite
		if strings.Contains(dsn, ":memory:") || strings.Contains(dsn, "mode=memory") {
			// The writer and each reader would open a database of their own.
			return nil, errors.New("sqldb: an in-memory SQLite database is not supported: give a file path")
		}
		if err := os.MkdirAll(filepath.Dir(dsn), 0o750); err != nil {
			return nil, fmt.Errorf("sqldb: create data directory: %w", err)
		}
		params := func(extra []string) string {
			out := ""
			for _, p := range append(slices.Clip(sqlitePragmas), extra...) {
				out += "_pragma=" + p + "&"
			}
			return out
		}
		// The writer takes the write lock when a transaction begins (BEGIN
		// IMMEDIATE), so that a transaction never fails half-way when it
		// first writes; readers are read-only connections.
		w, err := sql.Open("sqlite", dsn+"?"+params(sqliteWriterPragmas)+"_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("sqldb: open sqlite: %w", err)
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxIdleTime(0)
		w.SetConnMaxLifetime(0)
		// Open the writer first, so that it creates the file and sets WAL
		// before any reader touches it.
		if err := w.PingContext(ctx); err != nil {
			w.Close()
			return nil, fmt.Errorf("sqldb: open sqlite %s: %w", dsn, err)
		}
		r, err := sql.Open("sqlite", dsn+"?"+params(sqliteReaderPragmas)+"_query_only=1")
		if err != nil {
			w.Close()
			return nil, fmt.Errorf("sqldb: open sqlite: %w", err)
		}
		n := max(4, runtime.NumCPU())
		r.SetMaxOpenConns(n)
		r.SetMaxIdleConns(n)
		r.SetConnMaxIdleTime(5 * time.Minute)
		db.write, db.read = w, r
	}
	if err := db.read.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqldb: open %s: %w", db.dialect, err)
	}
	return db, nil
}

// Close closes the pools.
func (db *DB) Close() error {
	err := db.write.Close()
	if db.read != db.write {
		if e := db.read.Close(); err == nil {
			err = e
		}
	}
	return err
}

// Dialect returns DialectSQLite ("sqlite") or DialectPostgres ("postgres").
func (db *DB) Dialect() string { return db.dialect }

// SetNow replaces the clock (time.Now by default), for tests. Call it
// before the DB is used concurrently.
func (db *DB) SetNow(now func() time.Time) { db.now = now }

// clock returns the current time as stored: UTC, truncated to microseconds.
func (db *DB) clock() time.Time { return db.now().UTC().Truncate(time.Microsecond) }

// Tx is one transaction, with the timestamp and the acting user that every
// row and audit entry written through it share. Its query methods take ?
// placeholders and translate driver errors into *tuopin.Error values.
type Tx struct {
	tx *sql.Tx
	// conn is the connection of a PostgreSQL write transaction, held so
	// that the bulk path can reach pgx beneath database/sql (COPY) inside
	// the same transaction; it returns to the pool when the transaction
	// ends. nil on SQLite and for read transactions.
	conn *sql.Conn
	db   *DB
	now  time.Time
	user *tuopin.User // the acting user; nil only in read transactions
	// pendingRollups, when not nil, collects the roll-up deltas of the
	// transaction's writes instead of applying them at once; flushRollups
	// applies them. An import's commit writes many batches in one
	// transaction, and each batch upserting the same county's rows again
	// left PostgreSQL a chain of row versions to walk that grew with every
	// batch (docs/benchmarks.md, "Import").
	pendingRollups rollupValues
}

// errNoUser is returned for a write without an acting user.
var errNoUser = tuopin.Errorf(tuopin.EUNAUTHORIZED, "You must be logged in.")

// begin opens a write transaction acting as the user in ctx.
func (db *DB) begin(ctx context.Context) (*Tx, error) {
	u := tuopin.UserFromContext(ctx)
	if u == nil {
		return nil, errNoUser
	}
	return db.beginAs(ctx, u)
}

// beginAs opens a write transaction acting as u, for the few writes whose
// actor is not in the context (a login, a migration).
func (db *DB) beginAs(ctx context.Context, u *tuopin.User) (*Tx, error) {
	if u == nil {
		return nil, errNoUser
	}
	if db.dialect == DialectPostgres {
		conn, err := db.write.Conn(ctx)
		if err != nil {
			return nil, db.formatError(err)
		}
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			conn.Close()
			return nil, db.formatError(err)
		}
		return &Tx{tx: tx, conn: conn, db: db, now: db.clock(), user: u}, nil
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, db.formatError(err)
	}
	return &Tx{tx: tx, db: db, now: db.clock(), user: u}, nil
}

// release returns a held connection to the pool (once).
func (tx *Tx) release() {
	if tx.conn != nil {
		tx.conn.Close()
		tx.conn = nil
	}
}

// beginRead opens a read-only transaction on the reader pool, so that a
// page and its count (or a household and its members) come from one
// snapshot. Its user is the one in ctx, possibly nil.
func (db *DB) beginRead(ctx context.Context) (*Tx, error) {
	// Repeatable read gives PostgreSQL one snapshot for the whole
	// transaction; SQLite transactions are serializable and ignore it.
	tx, err := db.read.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, db.formatError(err)
	}
	return &Tx{tx: tx, db: db, now: db.clock(), user: tuopin.UserFromContext(ctx)}, nil
}

// Commit commits the transaction.
func (tx *Tx) Commit() error {
	err := tx.tx.Commit()
	tx.release()
	return tx.db.formatError(err)
}

// Rollback aborts the transaction; after a Commit it does nothing, so it
// can always be deferred.
func (tx *Tx) Rollback() error {
	err := tx.tx.Rollback()
	tx.release()
	if err != nil && !errors.Is(err, sql.ErrTxDone) {
		return err
	}
	return nil
}

// ExecContext runs a statement.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	res, err := tx.tx.ExecContext(ctx, tx.db.rebind(query), args...)
	return res, tx.db.formatError(err)
}

// QueryContext runs a query that returns rows.
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	rows, err := tx.tx.QueryContext(ctx, tx.db.rebind(query), args...)
	return rows, tx.db.formatError(err)
}

// QueryRowContext runs a query that returns at most one row. Pass Scan's
// error through formatError where it can be a constraint error (an INSERT
// … RETURNING).
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, tx.db.rebind(query), args...)
}

// PrepareContext prepares a statement for repeated use in the transaction.
func (tx *Tx) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	stmt, err := tx.tx.PrepareContext(ctx, tx.db.rebind(query))
	return stmt, tx.db.formatError(err)
}

// rebind rewrites ? placeholders to $1, $2 … for PostgreSQL, leaving
// quoted strings, quoted identifiers and comments alone.
func (db *DB) rebind(query string) string {
	if db.dialect != DialectPostgres {
		return query
	}
	return rebindDollar(query)
}

func rebindDollar(query string) string {
	if !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 16)
	n := 0
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'' || c == '"':
			// Copy a quoted string or identifier; a doubled quote escapes.
			j := i + 1
			for j < len(query) {
				if query[j] == c {
					if j+1 < len(query) && query[j+1] == c {
						j += 2
						continue
					}
					break
				}
				j++
			}
			end := min(j+1, len(query))
			b.WriteString(query[i:end])
			i = end - 1
		case c == '-' && i+1 < len(query) && query[i+1] == '-':
			// Copy a comment up to the end of its line.
			j := strings.IndexByte(query[i:], '\n')
			if j < 0 {
				j = len(query) - i - 1
			}
			b.WriteString(query[i : i+j+1])
			i += j
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// placeholders returns n comma-separated placeholders, "?, ?, ?".
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// formatTime returns the stored form of a time.
func formatTime(t time.Time) string { return t.UTC().Format(tuopin.AuditTimeLayout) }

// parseTime reads a stored time.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(tuopin.AuditTimeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("sqldb: bad stored time %q: %w", s, err)
	}
	return t, nil
}

// parseNullTime reads an optional stored time.
func parseNullTime(s sql.NullString) (*time.Time, error) {
	if !s.Valid || s.String == "" {
		return nil, nil
	}
	t, err := parseTime(s.String)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// formatDate returns the stored form of a date ("" for the zero time).
func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(tuopin.DateLayout)
}

// parseDate reads a stored date ("" is the zero time).
func parseDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(tuopin.DateLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("sqldb: bad stored date %q: %w", s, err)
	}
	return t, nil
}

// scopeRange returns the range predicate "col >= ? AND col < ?" and its
// arguments for a scope prefix, or "" when the prefix is the whole nation.
func scopeRange(col, prefix string) (string, []any) {
	lo, hi, ok := tuopin.PrefixRange(prefix)
	if !ok {
		return "", nil
	}
	return col + " >= ? AND " + col + " < ?", []any{lo, hi}
}

// textRange returns the half-open range [s, hi) of strings that start with
// s in byte (= code point) order. Unlike tuopin.PrefixRange, which is meant
// for ASCII codes, it increments the last code point, so that hi stays
// valid UTF-8 for names. ok is false for "" (everything matches).
func textRange(s string) (lo, hi string, ok bool) {
	r := []rune(s)
	for len(r) > 0 {
		last := r[len(r)-1]
		switch {
		case last == 0xD7FF:
			r[len(r)-1] = 0xE000 // skip the surrogates, invalid in UTF-8
			return s, string(r), true
		case last < 0x10FFFF:
			r[len(r)-1] = last + 1
			return s, string(r), true
		}
		r = r[:len(r)-1] // the highest code point cannot grow: drop it
	}
	return "", "", false
}

// pageLimit returns the page size of a filter: 50 by default, at most 500.
func pageLimit(limit int) int {
	switch {
	case limit <= 0:
		return 50
	case limit > 500:
		return 500
	}
	return limit
}

// findPage counts the rows of table matching cond and reads one page of
// them (pageLimit(limit) rows from offset), highest id first, with scan.
// The list is empty, not nil, when nothing matches.
func findPage[T any](ctx context.Context, tx *Tx, table, columns, cond string, args []any, limit, offset int,
	scan func(*sql.Rows) (T, error)) ([]T, int, error) {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE `+cond, args...).Scan(&n); err != nil {
		return nil, 0, tx.db.formatError(err)
	}
	out := []T{}
	if n == 0 {
		return out, 0, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+columns+` FROM `+table+` WHERE `+cond+` ORDER BY id DESC LIMIT ? OFFSET ?`,
		append(args, pageLimit(limit), max(offset, 0))...)
	if err != nil {
		return nil, 0, tx.db.formatError(err)
	}
	defer rows.Close()
	for rows.Next() {
		x, err := scan(rows)
		if err != nil {
			return nil, 0, tx.db.formatError(err)
		}
		out = append(out, x)
	}
	return out, n, tx.db.formatError(rows.Err())
}

// maxParams is how many bind parameters one statement may carry:
// SQLite's SQLITE_MAX_VARIABLE_NUMBER is 32766, PostgreSQL's protocol
// allows 65535.
func (db *DB) maxParams() int {
	if db.dialect == DialectPostgres {
		return 65535
	}
	return 32766
}

// maxRowsPerInsert caps the rows of one multi-row INSERT: beyond a few
// hundred rows a statement gets no faster, only bigger.
const maxRowsPerInsert = 500

// insertRows inserts n rows with multi-row INSERT statements. head is
// "INSERT INTO t (c1, c2) VALUES ", suffix what follows the VALUES list
// (ON CONFLICT …, RETURNING …). row appends the cols arguments of row i.
// When scan is not nil it is called for each row the statements return.
// Chunks of the full size share one prepared statement.
func (tx *Tx) insertRows(ctx context.Context, head string, cols int, suffix string, n int,
	row func(i int, args []any) []any, scan func(*sql.Rows) error) error {
	per := min(maxRowsPerInsert, tx.db.maxParams()/cols)
	tuple := "(" + placeholders(cols) + ")"
	build := func(rows int) string {
		var b strings.Builder
		b.Grow(len(head) + rows*(len(tuple)+2) + len(suffix) + 1)
		b.WriteString(head)
		for i := range rows {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(tuple)
		}
		b.WriteString(" ")
		b.WriteString(suffix)
		return b.String()
	}
	var full *sql.Stmt
	if n >= 2*per {
		stmt, err := tx.PrepareContext(ctx, build(per))
		if err != nil {
			return err
		}
		defer stmt.Close()
		full = stmt
	}
	args := make([]any, 0, per*cols)
	for start := 0; start < n; start += per {
		end := min(start+per, n)
		args = args[:0]
		for i := start; i < end; i++ {
			args = row(i, args)
		}
		var rows *sql.Rows
		var err error
		switch {
		case full != nil && end-start == per && scan != nil:
			rows, err = full.QueryContext(ctx, args...)
		case full != nil && end-start == per:
			_, err = full.ExecContext(ctx, args...)
		case scan != nil:
			rows, err = tx.tx.QueryContext(ctx, tx.db.rebind(build(end-start)), args...)
		default:
			_, err = tx.tx.ExecContext(ctx, tx.db.rebind(build(end-start)), args...)
		}
		if err != nil {
			return tx.db.formatError(err)
		}
		if rows != nil {
			for rows.Next() {
				if err := scan(rows); err != nil {
					rows.Close()
					return tx.db.formatError(err)
				}
			}
			err := rows.Err()
			rows.Close()
			if err != nil {
				return tx.db.formatError(err)
			}
		}
	}
	return nil
}

// queryRow runs a single-row query on the reader pool, outside a
// transaction.
func (db *DB) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.read.QueryRowContext(ctx, db.rebind(query), args...)
}

// Analyze refreshes the query planner's statistics (ANALYZE on both
// engines). Call it after a bulk load, such as a registry import, so that
// the planner sees the tables' new sizes; PostgreSQL's autovacuum would
// get there too, but only after a while.
func (db *DB) Analyze(ctx context.Context) error {
	_, err := db.write.ExecContext(ctx, `ANALYZE`)
	return db.formatError(err)
}
