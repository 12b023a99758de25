package sqldb

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"

	"github.com/tuopin/tuopin"
)

var _ tuopin.ParamService = (*ParamService)(nil)

// ParamService keeps the parameter tables (tuopin.Parameter) in the
// parameters table. They are few (a handful per kind, year and region) and
// read on every write that derives from them, so the whole set is cached
// in the DB (db.params) and reset by every change.
type ParamService struct {
	db *DB
}

// NewParamService returns the parameter service of db.
func NewParamService(db *DB) *ParamService { return &ParamService{db: db} }

const paramColumns = `kind, year, region, value, text, verified, source, updated_at, updated_by`

// scanParam reads one row of paramColumns (plus any extra targets).
func scanParam(rows *sql.Rows, extra ...any) (*tuopin.Parameter, error) {
	p := &tuopin.Parameter{}
	var value int64
	var updated string
	if err := rows.Scan(append([]any{&p.Kind, &p.Year, &p.Region, &value, &p.Text, &p.Verified, &p.Source, &updated, &p.UpdatedBy}, extra...)...); err != nil {
		return nil, err
	}
	p.Value = tuopin.Money(value)
	var err error
	p.UpdatedAt, err = parseTime(updated)
	return p, err
}

// paramSet returns every parameter, whatever the caller's scope, for the
// services that need a threshold (derived incomes, roll-ups, validation).
// It is read once and cached; a change resets the cache after it commits,
// so inside a transaction that changes parameters use tx.paramSet.
func (db *DB) paramSet(ctx context.Context) (*tuopin.ParamSet, error) {
	return db.params.get(func() (*tuopin.ParamSet, error) {
		rows, err := db.read.QueryContext(ctx, `SELECT `+paramColumns+` FROM parameters`)
		if err != nil {
			return nil, db.formatError(err)
		}
		return readParamSet(db, rows)
	})
}

// paramSet reads every parameter as the transaction sees it, uncached:
// for a transaction that has changed parameters and derives from them.
func (tx *Tx) paramSet(ctx context.Context) (*tuopin.ParamSet, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+paramColumns+` FROM parameters`)
	if err != nil {
		return nil, tx.db.formatError(err)
	}
	return readParamSet(tx.db, rows)
}

func readParamSet(db *DB, rows *sql.Rows) (*tuopin.ParamSet, error) {
	defer rows.Close()
	var params []tuopin.Parameter
	for rows.Next() {
		p, err := scanParam(rows)
		if err != nil {
			return nil, db.formatError(err)
		}
		params = append(params, *p)
	}
	if err := rows.Err(); err != nil {
		return nil, db.formatError(err)
	}
	return tuopin.NewParamSet(params), nil
}

// paramVisible reports whether a user with scope sees a region's
// parameters: those of the regions covering the scope (which apply to it)
// and of the regions inside it.
func paramVisible(region, scope string) bool {
	return strings.HasPrefix(region, scope) || strings.HasPrefix(scope, region)
}

// FindParamSet returns the parameters visible to the caller (see
// paramVisible). Returns EUNAUTHORIZED without a user.
func (s *ParamService) FindParamSet(ctx context.Context) (*tuopin.ParamSet, error) {
	u := tuopin.UserFromContext(ctx)
	if u == nil {
		return nil, errNoUser
	}
	all, err := s.db.paramSet(ctx)
	if err != nil || u.Scope == "" {
		return all, err
	}
	// The set is small and cached: the scope is applied to it here rather
	// than by a query.
	var out []tuopin.Parameter
	for _, p := range all.All() {
		if paramVisible(p.Region, u.Scope) {
			out = append(out, p)
		}
	}
	return tuopin.NewParamSet(out), nil
}

// FindParameters lists the parameters visible to the caller of a kind (""
// = every kind) and a year (0 = every year), with the region's area name.
// Returns EUNAUTHORIZED without a user.
func (s *ParamService) FindParameters(ctx context.Context, kind string, year int) ([]*tuopin.Parameter, error) {
	u := tuopin.UserFromContext(ctx)
	if u == nil {
		return nil, errNoUser
	}
	var where []string
	var args []any
	if kind != "" {
		where, args = append(where, "p.kind = ?"), append(args, kind)
	}
	if year != 0 {
		where, args = append(where, "p.year = ?"), append(args, year)
	}
	if u.Scope != "" {
		// The regions inside the scope, and those covering it.
		inside, a := scopeRange("p.region", u.Scope)
		above := append([]string{""}, tuopin.AncestorPrefixes(u.Scope)...)
		args = append(args, a...)
		for _, p := range above {
			args = append(args, p)
		}
		where = append(where, "(("+inside+") OR p.region IN (?"+strings.Repeat(", ?", len(above)-1)+"))")
	}
	q := `SELECT p.kind, p.year, p.region, p.value, p.text, p.verified, p.source, p.updated_at, p.updated_by, COALESCE(a.name, '')
		FROM parameters p LEFT JOIN areas a ON p.region <> '' AND a.code = substr(p.region || '000000000000', 1, 12)`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, q+` ORDER BY p.kind, p.year, p.region`, args...)
	if err != nil {
		return nil, s.db.formatError(err)
	}
	defer rows.Close()
	out := []*tuopin.Parameter{}
	for rows.Next() {
		var name string
		p, err := scanParam(rows, &name)
		if err != nil {
			return nil, s.db.formatError(err)
		}
		p.RegionName = name
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, s.db.formatError(err)
	}
	// Kinds in display order; years and regions as read.
	slices.SortStableFunc(out, func(a, b *tuopin.Parameter) int {
		return slices.Index(tuopin.ParamKinds, a.Kind) - slices.Index(tuopin.ParamKinds, b.Kind)
	})
	return out, nil
}

// checkParamRole refuses a role that may not change the parameter tables.
func checkParamRole(u *tuopin.User) error {
	if u.Role != tuopin.RoleAdmin && u.Role != tuopin.RoleCountyAdmin {
		return tuopin.Errorf(tuopin.EFORBIDDEN, "Only a county office or an administrator may change the parameter tables.")
	}
	return nil
}

// checkParamRegion refuses a region the caller may not change (EINVALID on
// "region"): the nation needs an admin of national scope, any other region
// must lie at or below the caller's scope.
func checkParamRegion(u *tuopin.User, region string) error {
	if region == "" && (u.Role != tuopin.RoleAdmin || u.Scope != "") {
		return tuopin.FieldErr("region", "national_admin_only", "Only an administrator may set national figures; give the code of a region inside your scope.")
	}
	if !strings.HasPrefix(region, u.Scope) {
		return tuopin.FieldErr("region", "out_of_scope", "Region %s lies outside your scope.", region)
	}
	return nil
}

// findParam reads one stored parameter, or nil.
func findParam(ctx context.Context, tx *Tx, kind string, year int, region string) (*tuopin.Parameter, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+paramColumns+` FROM parameters WHERE kind = ? AND year = ? AND region = ?`, kind, year, region)
	if err != nil {
		return nil, tx.db.formatError(err)
	}
	defer rows.Close()
	if !rows.Next() {
		return nil, tx.db.formatError(rows.Err())
	}
	p, err := scanParam(rows)
	if err != nil {
		return nil, tx.db.formatError(err)
	}
	return p, nil
}

// paramRecord is a parameter as the audit log records it.
type paramRecord struct {
	Kind     string `json:"kind"`
	Year     int    `json:"year"`
	Region   string `json:"region"`
	Value    string `json:"value,omitempty"` // yuan
	Text     string `json:"text,omitempty"`
	Verified bool   `json:"verified"`
	Source   string `json:"source"`
}

func newParamRecord(p *tuopin.Parameter) paramRecord {
	r := paramRecord{Kind: p.Kind, Year: p.Year, Region: p.Region, Text: p.Text, Verified: p.Verified, Source: p.Source}
	if !tuopin.ParamIsText(p.Kind) {
		r.Value = p.Value.Yuan()
	}
	return r
}

// paramTarget is the audit target ID of a parameter: "poverty_line/2016/45".
func paramTarget(kind string, year int, region string) string {
	return kind + "/" + strconv.Itoa(year) + "/" + region
}

// SetParameter stores (creates or replaces) a parameter with a "param.set"
// audit entry of the changed fields, in one transaction, and resets the
// cache. An unchanged parameter writes nothing. The households and
// roll-ups derived from the figure are not recomputed here. See
// tuopin.ParamService for the errors.
func (s *ParamService) SetParameter(ctx context.Context, p *tuopin.Parameter, reason string) error {
	u := tuopin.UserFromContext(ctx)
	if u == nil {
		return errNoUser
	}
	if err := checkParamRole(u); err != nil {
		return err
	}
	if p == nil {
		return tuopin.FieldErr("parameter", "required", "A parameter is missing.")
	}
	p.Normalize()
	if err := p.Validate(); err != nil {
		return err
	}
	if err := checkParamRegion(u, p.Region); err != nil {
		return err
	}

	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	// Lock the stored row (on PostgreSQL) before reading it, so that the
	// audit entry's before is what this change replaces.
	if _, err := tx.ExecContext(ctx, `UPDATE parameters SET updated_at = updated_at WHERE kind = ? AND year = ? AND region = ?`,
		p.Kind, p.Year, p.Region); err != nil {
		return err
	}
	old, err := findParam(ctx, tx, p.Kind, p.Year, p.Region)
	if err != nil {
		return err
	}
	if old != nil && newParamRecord(old) == newParamRecord(p) {
		p.UpdatedAt, p.UpdatedBy = old.UpdatedAt, old.UpdatedBy
		return nil
	}
	if old == nil && p.Region != "" {
		// A new region must be an area; a stored one (a seeded province
		// whose areas this deployment lacks) may be edited regardless.
		var n int
		if err := tx.QueryRowContext(ctx, `
			SELECT (SELECT COUNT(*) FROM areas WHERE code = ?) + (SELECT COUNT(*) FROM parameters WHERE region = ?)`,
			tuopin.PadCode(p.Region), p.Region).Scan(&n); err != nil {
			return s.db.formatError(err)
		} else if n == 0 {
			return tuopin.FieldErr("region", "unknown_area", "There is no area %s.", p.Region)
		}
	}

	p.UpdatedAt, p.UpdatedBy = tx.now, actorName(u)
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO parameters (`+paramColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (kind, year, region) DO UPDATE SET value = excluded.value, text = excluded.text,
			verified = excluded.verified, source = excluded.source,
			updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		p.Kind, p.Year, p.Region, int64(p.Value), p.Text, p.Verified, p.Source, formatTime(tx.now), p.UpdatedBy); err != nil {
		return err
	}
	var before any
	if old != nil {
		before = newParamRecord(old)
	}
	e, err := newAuditEntry(tuopin.ActionParamSet, "parameter", paramTarget(p.Kind, p.Year, p.Region), p.Region, reason,
		before, newParamRecord(p))
	if err != nil {
		return err
	}
	if err := tx.appendAudit(ctx, e); err != nil {
		return err
	}
	// Households derive their income per capita and income band from
	// these figures: bring them and their roll-ups along, in this
	// transaction.
	if derivingParams[p.Kind] {
		if _, err := refreshDerived(ctx, tx, p.Year, p.Region); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.db.params.reset()
	return nil
}

// DeleteParameter removes a parameter with a "param.delete" audit entry,
// in one transaction, and resets the cache. See tuopin.ParamService for
// the errors.
func (s *ParamService) DeleteParameter(ctx context.Context, kind string, year int, region, reason string) error {
	u := tuopin.UserFromContext(ctx)
	if u == nil {
		return errNoUser
	}
	if err := checkParamRole(u); err != nil {
		return err
	}
	region = strings.TrimSpace(region)
	if err := checkParamRegion(u, region); err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `UPDATE parameters SET updated_at = updated_at WHERE kind = ? AND year = ? AND region = ?`,
		kind, year, region); err != nil {
		return err
	}
	old, err := findParam(ctx, tx, kind, year, region)
	if err != nil {
		return err
	} else if old == nil {
		return tuopin.NotFound("parameter")
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM parameters WHERE kind = ? AND year = ? AND region = ?`, kind, year, region); err != nil {
		return err
	}
	e, err := newAuditEntry(tuopin.ActionParamDelete, "parameter", paramTarget(kind, year, region), region, reason,
		newParamRecord(old), nil)
	if err != nil {
		return err
	}
	if err := tx.appendAudit(ctx, e); err != nil {
		return err
	}
	if derivingParams[kind] {
		if _, err := refreshDerived(ctx, tx, year, region); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	s.db.params.reset()
	return nil
}

// seedParameters loads tuopin.DefaultParameters into the parameters
// table (the Go step of migration 0005).
func seedParameters(ctx context.Context, tx *Tx) error {
	for _, p := range tuopin.DefaultParameters {
		p.Normalize()
		if err := p.Validate(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO parameters (`+paramColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			p.Kind, p.Year, p.Region, int64(p.Value), p.Text, p.Verified, p.Source, formatTime(tx.now), actorName(tx.user)); err != nil {
			return err
		}
	}
	return nil
}
