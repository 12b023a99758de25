package sqldb

import (
	"context"
	"fmt"
)

// TextRows runs a raw query on the writer and returns its column names
// and its rows as text (NULL as "NULL"), for tests that compare stored
// rows column by column whatever the columns are.
func (db *DB) TextRows(ctx context.Context, query string, args ...any) ([]string, [][]string, error) {
	rows, err := db.write.QueryContext(ctx, db.rebind(query), args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, nil, err
	}
	var out [][]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, nil, err
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			switch v := v.(type) {
			case nil:
				row[i] = "NULL"
			case []byte:
				row[i] = string(v)
			default:
				row[i] = fmt.Sprint(v)
			}
		}
		out = append(out, row)
	}
	return cols, out, rows.Err()
}
