package sqldb

import (
	"context"
	"database/sql"
	"strings"
	"sync"

	"github.com/tuopin/tuopin"
)

var _ tuopin.CodeService = (*CodeService)(nil)

// CodeService keeps the code tables in the codes table. They are national
// (one set per deployment) and cached in the DB; see tuopin.CodeService.
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

// tableCache holds a small table read once and kept until a change resets
// it. A load that began before a reset does not store what it read, since
// that may predate the change: each reset starts a new generation.
type tableCache[T any] struct {
	mu  sync.Mutex
	v   *T
	gen uint64
}

// get returns the cached value, or loads and caches it.
func (c *tableCache[T]) get(load func() (*T, error)) (*T, error) {
	c.mu.Lock()
	v, gen := c.v, c.gen
	c.mu.Unlock()
	if v != nil {
		return v, nil
	}
	v, err := load()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.gen == gen {
		c.v = v
	}
	c.mu.Unlock()
	return v, nil
}

// reset drops the cached value; call it after a change has committed.
func (c *tableCache[T]) reset() {
	c.mu.Lock()
	c.v = nil
	c.gen++
	c.mu.Unlock()
}

// codeSet returns the code tables, read once and then cached. Whatever
// changes the codes table must reset the cache (db.codes.reset()) after
// its transaction commits.
func (db *DB) codeSet(ctx context.Context) (*tuopin.CodeSet, error) {
	return db.codes.get(func() (*tuopin.CodeSet, error) {
		rows, err := db.read.QueryContext(ctx, `
			SELECT kind, code, label, label_en, valid_from, valid_to, ord
			FROM codes ORDER BY kind, ord, code`)
		if err != nil {
			return nil, db.formatError(err)
		}
		defer rows.Close()
		var codes []tuopin.Code
		for rows.Next() {
			var c tuopin.Code
			if err := rows.Scan(&c.Kind, &c.Code, &c.Label, &c.LabelEn, &c.ValidFrom, &c.ValidTo, &c.Ord); err != nil {
				return nil, db.formatError(err)
			}
			codes = append(codes, c)
		}
		if err := rows.Err(); err != nil {
			return nil, db.formatError(err)
		}
		return tuopin.NewCodeSet(codes), nil
	})
}

// checkCodeRole refuses a role that may not edit the code tables.
func checkCodeRole(u *tuopin.User) error {
	if u.Role != tuopin.RoleAdmin && u.Role != tuopin.RoleCountyAdmin {
		return tuopin.Errorf(tuopin.EFORBIDDEN, "Only a county office or an administrator may edit the code tables.")
	}
	return nil
}

// findCode reads one stored code, or nil.
func findCode(ctx context.Context, tx *Tx, kind, code string) (*tuopin.Code, error) {
	c := &tuopin.Code{Kind: kind, Code: code}
	err := tx.QueryRowContext(ctx, `
		SELECT label, label_en, valid_from, valid_to, ord FROM codes WHERE kind = ? AND code = ?`, kind, code).
		Scan(&c.Label, &c.LabelEn, &c.ValidFrom, &c.ValidTo, &c.Ord)
	if err == sql.ErrNoRows {
		return nil, nil
	} else if err != nil {
		return nil, tx.db.formatError(err)
	}
	return c, nil
}

// SetCode creates a code or changes a stored one, with a "code.set" audit
// entry of the changed fields, in one transaction; an unchanged code
// writes nothing. A new code with Ord 0 goes after the last of its kind; a
// stored one keeps its place unless Ord is given. See tuopin.CodeService
// for the errors.
func (s *CodeService) SetCode(ctx context.Context, c tuopin.Code, reason string) error {
	u := tuopin.UserFromContext(ctx)
	if u == nil {
		return errNoUser
	}
	if err := checkCodeRole(u); err != nil {
		return err
	}
	c.Kind, c.Code = strings.TrimSpace(c.Kind), strings.TrimSpace(c.Code)
	c.Label, c.LabelEn = strings.TrimSpace(c.Label), strings.TrimSpace(c.LabelEn)
	if err := c.Validate(); err != nil {
		return err
	}

	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	// Lock the stored row (on PostgreSQL) before reading it, so that the
	// audit entry's before is what this change replaces.
	if _, err := tx.ExecContext(ctx, `UPDATE codes SET ord = ord WHERE kind = ? AND code = ?`, c.Kind, c.Code); err != nil {
		return err
	}
	old, err := findCode(ctx, tx, c.Kind, c.Code)
	if err != nil {
		return err
	}
	if old != nil && c.Ord == 0 {
		c.Ord = old.Ord
	}
	if old != nil && *old == c {
		return nil
	}
	if old == nil && c.Ord == 0 {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(ord), 0) + 1 FROM codes WHERE kind = ?`, c.Kind).Scan(&c.Ord); err != nil {
			return s.db.formatError(err)
		}
	}

	// Narrowing the validity must not strand records, nor touch the codes
	// the program itself relies on.
	if old != nil && (c.ValidFrom != old.ValidFrom || c.ValidTo != old.ValidTo) {
		if tuopin.IsWorkflowCode(c.Kind, c.Code) && (c.ValidFrom != 0 || c.ValidTo != 0) {
			return tuopin.Errorf(tuopin.ECONFLICT, "Code %s of table %s is part of the program's workflow and is valid in every year; only its labels may change.", c.Code, c.Kind)
		}
		if c.ValidFrom != 0 && (old.ValidFrom == 0 || c.ValidFrom > old.ValidFrom) {
			if used, err := codeUsed(ctx, tx, c.Kind, c.Code, "year < ?", c.ValidFrom); err != nil {
				return err
			} else if used {
				return tuopin.FieldErr("valid_from", "code_in_use", "Records of registry years before %d use code %s: change them first, or choose an earlier year.", c.ValidFrom, c.Code)
			}
		}
		if c.ValidTo != 0 && (old.ValidTo == 0 || c.ValidTo < old.ValidTo) {
			if used, err := codeUsed(ctx, tx, c.Kind, c.Code, "year > ?", c.ValidTo); err != nil {
				return err
			} else if used {
				return tuopin.FieldErr("valid_to", "code_in_use", "Records of registry years after %d use code %s: change them first, or choose a later year.", c.ValidTo, c.Code)
			}
		}
	}

	if _, err := tx.ExecContext(ctx, `
		INSERT INTO codes (kind, code, label, label_en, valid_from, valid_to, ord)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (kind, code) DO UPDATE SET label = excluded.label, label_en = excluded.label_en,
			valid_from = excluded.valid_from, valid_to = excluded.valid_to, ord = excluded.ord`,
		c.Kind, c.Code, c.Label, c.LabelEn, c.ValidFrom, c.ValidTo, c.Ord); err != nil {
		return err
	}
	var before any
	if old != nil {
		before = newCodeRecord(*old)
	}
	e, err := newAuditEntry(tuopin.ActionCodeSet, "code", c.Kind+"/"+c.Code, u.Scope, reason, before, newCodeRecord(c))
	if err != nil {
		return err
	}
	if err := tx.appendAudit(ctx, e); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.db.codes.reset()
	return nil
}

// DeleteCode removes a code that no record uses, with a "code.delete"
// audit entry. See tuopin.CodeService for the errors.
func (s *CodeService) DeleteCode(ctx context.Context, kind, code, reason string) error {
	u := tuopin.UserFromContext(ctx)
	if u == nil {
		return errNoUser
	}
	if err := checkCodeRole(u); err != nil {
		return err
	}
	if tuopin.IsWorkflowCode(kind, code) {
		return tuopin.Errorf(tuopin.ECONFLICT, "Code %s of table %s is part of the program's workflow and cannot be deleted.", code, kind)
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE codes SET ord = ord WHERE kind = ? AND code = ?`, kind, code); err != nil {
		return err
	}
	old, err := findCode(ctx, tx, kind, code)
	if err != nil {
		return err
	} else if old == nil {
		return tuopin.NotFound("code")
	}
	used, err := codeUsed(ctx, tx, kind, code, "")
	if err != nil {
		return err
	}
	if used {
		return tuopin.Errorf(tuopin.ECONFLICT, "Code %s (%s) is used by registered records and cannot be deleted; retire it instead by setting its last year of use.", code, old.Label)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM codes WHERE kind = ? AND code = ?`, kind, code); err != nil {
		return err
	}
	e, err := newAuditEntry(tuopin.ActionCodeDelete, "code", kind+"/"+code, u.Scope, reason, newCodeRecord(*old), nil)
	if err != nil {
		return err
	}
	if err := tx.appendAudit(ctx, e); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.db.codes.reset()
	return nil
}

// codeRecord is a code as the audit log records it: every field, so that
// a change from or to an open year (0) shows.
type codeRecord struct {
	Kind      string `json:"kind"`
	Code      string `json:"code"`
	Label     string `json:"label"`
	LabelEn   string `json:"label_en"`
	ValidFrom int    `json:"valid_from"`
	ValidTo   int    `json:"valid_to"`
	Ord       int    `json:"ord"`
}

func newCodeRecord(c tuopin.Code) codeRecord {
	return codeRecord{Kind: c.Kind, Code: c.Code, Label: c.Label, LabelEn: c.LabelEn, ValidFrom: c.ValidFrom, ValidTo: c.ValidTo, Ord: c.Ord}
}

// codeColumn is a column that holds codes of one kind; list columns hold
// several, comma-separated (tuopin.FieldCodes).
type codeColumn struct {
	table, column string
	list          bool
}

// coreCodeColumns are the code columns of 0001_init.sql, by kind.
var coreCodeColumns = map[string][]codeColumn{
	tuopin.CodeAttribute: {{"households", "attribute", false}},
	tuopin.CodeCause:     {{"households", "main_cause", false}},
	tuopin.CodeStatus:    {{"households", "status", false}},
	tuopin.CodeSex:       {{"members", "sex", false}},
	tuopin.CodeRelation:  {{"members", "relation", false}},
	tuopin.CodeEducation: {{"members", "education", false}},
	tuopin.CodeHealth:    {{"members", "health", false}},
	tuopin.CodeSkill:     {{"members", "skill", false}},
}

// codeColumns returns every column that holds codes of a kind: the core
// ones and the national field set's (tuopin.HouseholdFieldDefs and
// MemberFieldDefs, one column per field).
func codeColumns(kind string) []codeColumn {
	cols := append([]codeColumn(nil), coreCodeColumns[kind]...)
	for _, set := range []struct {
		table string
		defs  []tuopin.FieldDef
	}{{"households", tuopin.HouseholdFieldDefs}, {"members", tuopin.MemberFieldDefs}} {
		for _, f := range set.defs {
			if f.CodeKind == kind && (f.Type == tuopin.FieldCode || f.Type == tuopin.FieldCodes) {
				cols = append(cols, codeColumn{set.table, f.Key, f.Type == tuopin.FieldCodes})
			}
		}
	}
	return cols
}

// codeUsed reports whether any household or member holds a code, in a
// registry year matching yearCond ("year > ?" with its argument; "" = any
// year). It looks across the whole registry, not only the caller's scope,
// because the code tables serve all of it; the answer says nothing about
// where. These scans have no index: they run only when a code is deleted
// or its validity narrowed.
func codeUsed(ctx context.Context, tx *Tx, kind, code, yearCond string, yearArgs ...any) (bool, error) {
	for _, c := range codeColumns(kind) {
		cond, args := c.column+" = ?", []any{code}
		if c.list {
			// "01,05" holds 05: match it between commas, with LIKE's
			// wildcards in the code escaped.
			esc := strings.NewReplacer("!", "!!", "%", "!%", "_", "!_").Replace(code)
			cond, args = "(',' || "+c.column+" || ',') LIKE ? ESCAPE '!'", []any{"%," + esc + ",%"}
		}
		if yearCond != "" {
			cond, args = cond+" AND "+yearCond, append(args, yearArgs...)
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM `+c.table+` WHERE `+cond+` LIMIT 1) t`, args...).Scan(&n); err != nil {
			return false, tx.db.formatError(err)
		}
		if n > 0 {
			return true, nil
		}
	}
	return false, nil
}
