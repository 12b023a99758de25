package sqldb

import (
	"context"

	"github.com/tuopin/tuopin"
)

var _ tuopin.CodeService = (*CodeService)(nil)

// CodeService reads the code tables.
type CodeService struct {
	db *DB
}

// NewCodeService returns the code service of db.
func NewCodeService(db *DB) *CodeService { return &CodeService{db: db} }

// FindCodeSet returns every code table. Returns EUNAUTHORIZED without a
// user in the context.
func (s *CodeService) FindCodeSet(ctx context.Context) (*tuopin.CodeSet, error) {
	if tuopin.UserFromContext(ctx) == nil {
		return nil, errNoUser
	}
	return s.db.codeSet(ctx)
}

// codeSet returns the code tables, read once and then cached. Whatever
// changes the codes table must reset the cache (db.codes.Store(nil)).
func (db *DB) codeSet(ctx context.Context) (*tuopin.CodeSet, error) {
	if cs := db.codes.Load(); cs != nil {
		return cs, nil
	}
	rows, err := db.read.QueryContext(ctx, `
		SELECT kind, code, label, label_en, valid_from, valid_to
		FROM codes ORDER BY kind, ord, code`)
	if err != nil {
		return nil, db.formatError(err)
	}
	defer rows.Close()
	var codes []tuopin.Code
	for rows.Next() {
		var c tuopin.Code
		if err := rows.Scan(&c.Kind, &c.Code, &c.Label, &c.LabelEn, &c.ValidFrom, &c.ValidTo); err != nil {
			return nil, db.formatError(err)
		}
		codes = append(codes, c)
	}
	if err := rows.Err(); err != nil {
		return nil, db.formatError(err)
	}
	cs := tuopin.NewCodeSet(codes)
	db.codes.Store(cs)
	return cs, nil
}
