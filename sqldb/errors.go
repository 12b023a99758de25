package sqldb

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/tuopin/tuopin"
)

// constraintKind is the kind of integrity violation a driver reported.
type constraintKind int

const (
	notConstraint constraintKind = iota
	uniqueViolation
	foreignKeyViolation
	checkViolation
)

// violation is a driver's integrity error in engine-neutral form. Key names
// the constraint as "table(col1,col2)" for unique ones, so that the one
// table below maps both engines' reports.
type violation struct {
	kind constraintKind
	key  string
}

// uniqueErrors maps unique constraints to the application error a caller
// should see. Most are caught earlier with a friendlier message; these are
// the backstop for races between concurrent writers.
var uniqueErrors = map[string]func() error{
	"households(year,number)": func() error {
		return tuopin.Errorf(tuopin.ECONFLICT, "This household number is already registered in that year.")
	},
	"members(id_number,year)": func() error {
		return tuopin.FieldErr("id_number", "duplicate", "This ID number is already registered in that year.")
	},
	"users(username)": func() error {
		return tuopin.Errorf(tuopin.ECONFLICT, "This username is taken.")
	},
	"areas(code)": func() error {
		return tuopin.Errorf(tuopin.ECONFLICT, "This area code exists already.")
	},
}

// pgConstraints maps PostgreSQL constraint names to the neutral key.
var pgConstraints = map[string]string{
	"households_year_number_key": "households(year,number)",
	"members_id_number_year_key": "members(id_number,year)",
	"users_username_key":         "users(username)",
	"api_tokens_token_hash_key":  "api_tokens(token_hash)",
	"areas_pkey":                 "areas(code)",
}

// formatError translates a driver error into an application error at the
// boundary: unique violations become ECONFLICT (or a specific EINVALID
// field error), foreign-key and check violations EINVALID. Application
// errors, context errors and nil pass through; anything else is wrapped
// and will be reported as EINTERNAL.
func (db *DB) formatError(err error) error {
	if err == nil {
		return nil
	}
	var appErr *tuopin.Error
	if errors.As(err, &appErr) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var v violation
	switch db.dialect {
	case DialectSQLite:
		v = sqliteViolation(err)
	case DialectPostgres:
		v = postgresViolation(err)
	}
	switch v.kind {
	case uniqueViolation:
		if f, ok := uniqueErrors[v.key]; ok {
			return f()
		}
		return tuopin.Errorf(tuopin.ECONFLICT, "The record exists already.")
	case foreignKeyViolation:
		return tuopin.Errorf(tuopin.EINVALID, "The record refers to another record that does not exist.")
	case checkViolation:
		return tuopin.Errorf(tuopin.EINVALID, "The record breaks a rule of the database.")
	}
	return fmt.Errorf("sqldb: %w", err)
}

// sqliteViolation reads a modernc.org/sqlite error. SQLite names no
// constraint; its message lists the columns: "UNIQUE constraint failed:
// households.year, households.number".
func sqliteViolation(err error) violation {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return violation{}
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		msg := e.Error()
		i := strings.LastIndex(msg, "constraint failed: ")
		if i < 0 {
			return violation{kind: uniqueViolation}
		}
		cols := strings.Split(msg[i+len("constraint failed: "):], ", ")
		table := ""
		for k, c := range cols {
			// Trim a trailing " (2067)" code that some messages carry.
			c, _, _ = strings.Cut(c, " ")
			t, col, ok := strings.Cut(c, ".")
			if ok {
				table, cols[k] = t, col
			}
		}
		return violation{kind: uniqueViolation, key: table + "(" + strings.Join(cols, ",") + ")"}
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return violation{kind: foreignKeyViolation}
	case sqlite3.SQLITE_CONSTRAINT_CHECK:
		return violation{kind: checkViolation}
	}
	return violation{}
}

// postgresViolation reads a pgx error by SQLSTATE and constraint name.
func postgresViolation(err error) violation {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return violation{}
	}
	switch e.Code {
	case "23505": // unique_violation
		return violation{kind: uniqueViolation, key: pgConstraints[e.ConstraintName]}
	case "23503": // foreign_key_violation
		return violation{kind: foreignKeyViolation}
	case "23514": // check_violation
		return violation{kind: checkViolation}
	}
	return violation{}
}
