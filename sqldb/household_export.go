package sqldb

import (
	"context"

	"github.com/tuopin/tuopin"
)

// exportChunk is how many households EachHousehold reads per query.
const exportChunk = 1000

// EachHousehold calls fn for every household in the caller's scope that
// matches filter (Offset and Limit are ignored), with its members, ordered
// by area code, number and id as FindHouseholds orders them. It reads in
// chunks of exportChunk households by keyset on (area_code, number, id),
// each chunk in its own read transaction with its members loaded by one
// query, so that memory stays bounded and no lock is held while fn runs.
// An error from fn stops the walk and is returned.
func (s *HouseholdService) EachHousehold(ctx context.Context, filter tuopin.HouseholdFilter, fn func(*tuopin.Household) error) error {
	filter.Offset, filter.Limit = 0, 0
	from, cond, args, _, none, err := householdWhere(ctx, filter)
	if err != nil || none {
		return err
	}
	size := s.chunk
	if size <= 0 {
		size = exportChunk
	}
	var last *tuopin.Household
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		chunk, err := s.readChunk(ctx, from, cond, args, last, size)
		if err != nil {
			return err
		}
		for _, h := range chunk {
			if err := fn(h); err != nil {
				return err
			}
		}
		if len(chunk) < size {
			return nil
		}
		last = chunk[len(chunk)-1]
	}
}

// readChunk reads up to size households after last (nil: from the start) and
// their members.
func (s *HouseholdService) readChunk(ctx context.Context, from, cond string, args []any, last *tuopin.Household, size int) ([]*tuopin.Household, error) {
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	q := `SELECT ` + hColumns + ` FROM ` + from + ` WHERE ` + cond
	a := append([]any(nil), args...)
	if last != nil {
		// A row value, which both engines compare in order and can seek
		// on the (area_code, number) index with.
		q += ` AND (h.area_code, h.number, h.id) > (?, ?, ?)`
		a = append(a, last.AreaCode, last.Number, last.ID)
	}
	q += ` ORDER BY h.area_code, h.number, h.id LIMIT ?`
	a = append(a, size)
	rows, err := tx.QueryContext(ctx, q, a...)
	if err != nil {
		return nil, s.db.formatError(err)
	}
	var out []*tuopin.Household
	for rows.Next() {
		h, err := scanHousehold(rows)
		if err != nil {
			rows.Close()
			return nil, s.db.formatError(err)
		}
		out = append(out, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.db.formatError(err)
	}
	if len(out) == 0 {
		return out, nil
	}
	if err := loadMembers(ctx, tx, out); err != nil {
		return nil, err
	}
	return out, nil
}
