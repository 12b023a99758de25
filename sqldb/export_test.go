package sqldb

import "context"

// Exec runs a raw statement on the writer, for tests that tamper with the
// database behind the services' backs.
func (db *DB) Exec(ctx context.Context, query string, args ...any) error {
	_, err := db.write.ExecContext(ctx, db.rebind(query), args...)
	return err
}

// QueryInt runs a raw query returning one integer.
func (db *DB) QueryInt(ctx context.Context, query string, args ...any) (int, error) {
	var n int
	err := db.write.QueryRowContext(ctx, db.rebind(query), args...).Scan(&n)
	return n, err
}

// RebindDollar exposes the placeholder rewriting for its unit test.
var RebindDollar = rebindDollar

// TextRange exposes textRange for its unit test.
var TextRange = textRange

// SplitStatements exposes splitStatements for its unit test.
var SplitStatements = splitStatements

// LatestSchemaVersion exposes the binary's schema version.
var LatestSchemaVersion = latestSchemaVersion

// SetExportChunk sets how many households EachHousehold reads per query.
func SetExportChunk(s *HouseholdService, n int) { s.chunk = n }
