package sqldb

import (
	"context"
	"fmt"
)

// RollupGroupHousehold exposes rollupGroupHousehold for the test that
// guards rollupGroup.
var RollupGroupHousehold = rollupGroupHousehold

// SetRollupGroupInSQL chooses how a recomputation reads the households,
// for BenchmarkRollupRecompute, and returns a func that restores it.
func SetRollupGroupInSQL(inSQL bool) (restore func()) {
	was := rollupGroupInSQL
	rollupGroupInSQL = inSQL
	return func() { rollupGroupInSQL = was }
}

// MigrateToVersion applies the migrations up to version v only, for tests
// that start from an older schema.
func (db *DB) MigrateToVersion(ctx context.Context, v int) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	if err := db.ensureMigrationTable(ctx); err != nil {
		return err
	}
	current, _, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	for _, m := range ms[current:v] {
		if err := db.migrate(ctx, m); err != nil {
			return fmt.Errorf("sqldb: migration %s: %w", m.name, err)
		}
	}
	db.codes.reset()
	db.params.reset()
	return nil
}

// RollupRows returns every stored roll-up row as "year level area metric"
// → value.
func (db *DB) RollupRows(ctx context.Context) (map[string]int64, error) {
	rows, err := db.write.QueryContext(ctx, `SELECT year, level, area, metric, value FROM rollups`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var year, level int
		var area, metric string
		var v int64
		if err := rows.Scan(&year, &level, &area, &metric, &v); err != nil {
			return nil, err
		}
		out[fmt.Sprintf("%d %d %q %s", year, level, area, metric)] = v
	}
	return out, rows.Err()
}
