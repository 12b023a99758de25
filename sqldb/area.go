package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/tuopin/tuopin"
)

var _ tuopin.AreaService = (*AreaService)(nil)

// AreaService reads and loads the division hierarchy.
type AreaService struct {
	db *DB
}

// NewAreaService returns the area service of db.
func NewAreaService(db *DB) *AreaService { return &AreaService{db: db} }

const areaColumns = `code, name, level, parent_code`

func scanArea(row interface{ Scan(...any) error }) (*tuopin.Area, error) {
	var a tuopin.Area
	if err := row.Scan(&a.Code, &a.Name, &a.Level, &a.ParentCode); err != nil {
		return nil, err
	}
	return &a, nil
}

// parseAreaCode reads an area reference (a 12-digit code or a significant
// prefix) and returns the 12-digit code, or an EINVALID error on field.
func parseAreaCode(field, s string) (string, error) {
	prefix, ok := tuopin.ParseAreaRef(s)
	if !ok {
		return "", tuopin.FieldErr(field, "invalid_code", "%q is not an area code: give 12 digits or a prefix of 2, 4, 6 or 9.", s)
	}
	return tuopin.PadCode(prefix), nil
}

// FindAreaByCode returns an area by 12-digit code or significant prefix.
// Returns EINVALID for a malformed code and ENOTFOUND if the area does not
// exist or lies outside the caller's scope.
func (s *AreaService) FindAreaByCode(ctx context.Context, code string) (*tuopin.Area, error) {
	code12, err := parseAreaCode("code", code)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findAreaInScope(ctx, tx, code12)
}

// findAreaInScope returns an area by its 12-digit code if it lies in the
// scope of the transaction's user (ENOTFOUND otherwise).
func findAreaInScope(ctx context.Context, tx *Tx, code12 string) (*tuopin.Area, error) {
	if tx.user == nil {
		return nil, tuopin.NotFound("area")
	}
	q, args := `SELECT `+areaColumns+` FROM areas WHERE code = ?`, []any{code12}
	if p, a := scopeRange("code", tx.user.Scope); p != "" {
		q, args = q+" AND "+p, append(args, a...)
	}
	a, err := scanArea(tx.QueryRowContext(ctx, q, args...))
	if err == sql.ErrNoRows {
		return nil, tuopin.NotFound("area")
	} else if err != nil {
		return nil, tx.db.formatError(err)
	}
	return a, nil
}

// FindAreaPath returns the chain from the province down to the area. The
// area must lie in the caller's scope (ENOTFOUND); its ancestors are
// returned whatever the scope, for breadcrumbs.
func (s *AreaService) FindAreaPath(ctx context.Context, code string) ([]*tuopin.Area, error) {
	code12, err := parseAreaCode("code", code)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	a, err := findAreaInScope(ctx, tx, code12)
	if err != nil {
		return nil, err
	}
	var codes []any
	for _, p := range tuopin.AncestorPrefixes(a.Prefix()) {
		codes = append(codes, tuopin.PadCode(p))
	}
	var path []*tuopin.Area
	if len(codes) > 0 {
		rows, err := tx.QueryContext(ctx, `SELECT `+areaColumns+` FROM areas WHERE code IN (`+placeholders(len(codes))+`) ORDER BY level`, codes...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			p, err := scanArea(rows)
			if err != nil {
				return nil, s.db.formatError(err)
			}
			path = append(path, p)
		}
		if err := rows.Err(); err != nil {
			return nil, s.db.formatError(err)
		}
	}
	return append(path, a), nil
}

// FindAreas lists areas matching the filter inside the caller's scope,
// ordered by code, with the total count before paging. Without a user it
// finds nothing. Returns EINVALID for a malformed code or prefix.
func (s *AreaService) FindAreas(ctx context.Context, filter tuopin.AreaFilter) ([]*tuopin.Area, int, error) {
	u := tuopin.UserFromContext(ctx)
	if u == nil {
		return []*tuopin.Area{}, 0, nil
	}
	where, args := []string{"1 = 1"}, []any{}
	if p, a := scopeRange("code", u.Scope); p != "" {
		where, args = append(where, p), append(args, a...)
	}
	if filter.Code != nil {
		code12, err := parseAreaCode("code", *filter.Code)
		if err != nil {
			return nil, 0, err
		}
		where, args = append(where, "code = ?"), append(args, code12)
	}
	if filter.ParentCode != nil {
		parent := ""
		if *filter.ParentCode != "" {
			var err error
			if parent, err = parseAreaCode("parent_code", *filter.ParentCode); err != nil {
				return nil, 0, err
			}
		}
		where, args = append(where, "parent_code = ?"), append(args, parent)
	}
	if filter.Prefix != "" {
		prefix := filter.Prefix
		if tuopin.IsCode12(prefix) {
			prefix = tuopin.PrefixOfCode(prefix)
		}
		if !tuopin.IsDigits(prefix) || len(prefix) > 12 {
			return nil, 0, tuopin.FieldErr("prefix", "invalid_code", "%q is not an area code prefix.", filter.Prefix)
		}
		p, a := scopeRange("code", prefix)
		where, args = append(where, p), append(args, a...)
	}
	if filter.Level != nil {
		where, args = append(where, "level = ?"), append(args, int(*filter.Level))
	}
	if q := strings.TrimSpace(filter.Query); q != "" {
		// Area names are searched anywhere in the name; the scope range
		// bounds the rows scanned.
		where, args = append(where, `name LIKE ? ESCAPE '\'`), append(args, "%"+escapeLike(q)+"%")
	}
	cond := strings.Join(where, " AND ")

	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM areas WHERE `+cond, args...).Scan(&n); err != nil {
		return nil, 0, s.db.formatError(err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+areaColumns+` FROM areas WHERE `+cond+` ORDER BY code LIMIT ? OFFSET ?`,
		append(args, pageLimit(filter.Limit), max(filter.Offset, 0))...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []*tuopin.Area{}
	for rows.Next() {
		a, err := scanArea(rows)
		if err != nil {
			return nil, 0, s.db.formatError(err)
		}
		out = append(out, a)
	}
	return out, n, s.db.formatError(rows.Err())
}

// escapeLike escapes the LIKE wildcards of s for ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// FindAreaStats returns the counts of an area and of each of its direct
// children for a year. Code "" is the caller's whole scope: the nation for
// an admin (its children are the provinces), the scope's own area for
// anyone else. Children without households are listed with zeros.
// Returns ENOTFOUND if the area is missing or outside the caller's scope.
//
// The counts come from the roll-ups, never from the households: the
// area's own rows (one key range) and its children's (one key range at
// the level below), so the cost follows the number of children, not of
// households. Metrics holds every key of tuopin.RollupMetrics for the
// year, zero when absent, and any other key a roll-up row holds.
func (s *AreaService) FindAreaStats(ctx context.Context, code string, year int) (*tuopin.AreaStats, []*tuopin.AreaStats, error) {
	u := tuopin.UserFromContext(ctx)
	if u == nil {
		return nil, nil, tuopin.NotFound("area")
	}
	codes, err := s.db.codeSet(ctx)
	if err != nil {
		return nil, nil, err
	}
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer tx.Rollback()

	// Resolve the area and its significant prefix.
	var area *tuopin.Area
	if code == "" && u.Scope == "" {
		area = &tuopin.Area{Code: "", Name: "全国", Level: tuopin.LevelNation}
	} else {
		code12 := tuopin.PadCode(u.Scope)
		if code != "" {
			if code12, err = parseAreaCode("code", code); err != nil {
				return nil, nil, err
			}
		}
		if area, err = findAreaInScope(ctx, tx, code12); err != nil {
			return nil, nil, err
		}
	}
	prefix := area.Code
	if area.Level != tuopin.LevelNation {
		prefix = area.Prefix()
	}
	keys := tuopin.RollupMetrics(codes, year)

	// The area's own counts: its rows, one key range.
	own := rollupValues{}
	if err := readOwnRollups(ctx, tx, own, year, area.Level, prefix); err != nil {
		return nil, nil, err
	}
	st := &tuopin.AreaStats{Area: *area, Year: year}
	fillStats(st, own.byArea()[prefix], keys)
	if area.Level == tuopin.LevelVillage {
		return st, []*tuopin.AreaStats{}, nil
	}

	// The children, from the areas table so that those without households
	// show, and their counts: the rows one level down under the prefix.
	rows, err := tx.QueryContext(ctx, `
		SELECT a.code, a.name, a.level, a.parent_code,
			(SELECT COUNT(*) FROM areas c WHERE c.parent_code = a.code)
		FROM areas a WHERE a.parent_code = ? ORDER BY a.code`, area.Code)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	children := []*tuopin.AreaStats{}
	for rows.Next() {
		c := &tuopin.AreaStats{Year: year}
		if err := rows.Scan(&c.Code, &c.Name, &c.Level, &c.ParentCode, &c.Children); err != nil {
			return nil, nil, s.db.formatError(err)
		}
		children = append(children, c)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, s.db.formatError(err)
	}
	childLevel := area.Level.Child()
	values := rollupValues{}
	if err := readRollups(ctx, tx, values, year, childLevel, prefix); err != nil {
		return nil, nil, err
	}
	byArea := values.byArea()
	for _, c := range children {
		fillStats(c, byArea[c.Code[:childLevel.Digits()]], keys)
	}
	st.Children = len(children)
	return st, children, nil
}

// UpsertAreas inserts areas or updates those whose code exists, in one
// transaction with multi-row statements, and appends one audit entry for
// the batch. Only an admin may call it (EFORBIDDEN). Returns EINVALID
// naming the first bad area ("areas[17].code").
func (s *AreaService) UpsertAreas(ctx context.Context, areas []*tuopin.Area) error {
	u := tuopin.UserFromContext(ctx)
	if u == nil {
		return errNoUser
	}
	if u.Role != tuopin.RoleAdmin {
		return tuopin.Errorf(tuopin.EFORBIDDEN, "Only an administrator may load areas.")
	}
	if len(areas) == 0 {
		return nil
	}
	// Validate, and keep the last of repeated codes: PostgreSQL refuses to
	// update one row twice in a statement.
	last := make(map[string]int, len(areas))
	for i, a := range areas {
		if err := a.Validate(); err != nil {
			var f tuopin.Fields
			f.Merge(fmt.Sprintf("areas[%d].", i), tuopin.ErrorFields(err))
			return f.Err()
		}
		if !utf8.ValidString(a.Name) {
			return tuopin.FieldErr(fmt.Sprintf("areas[%d].name", i), "invalid_text", "Area name is not valid UTF-8.")
		}
		last[a.Code] = i
	}
	batch := make([]*tuopin.Area, 0, len(last))
	for i, a := range areas {
		if last[a.Code] == i {
			batch = append(batch, a)
		}
	}

	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := tx.insertRows(ctx, `INSERT INTO areas (code, name, level, parent_code) VALUES `, 4,
		`ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, parent_code = excluded.parent_code`,
		len(batch), func(i int, args []any) []any {
			a := batch[i]
			parent := a.ParentCode
			if a.Level == tuopin.LevelProvince {
				parent = ""
			}
			return append(args, a.Code, strings.TrimSpace(a.Name), int(a.Level), parent)
		}, nil); err != nil {
		return err
	}
	summary := map[string]any{"count": len(batch), "first": batch[0].Code, "last": batch[len(batch)-1].Code}
	e, err := newAuditEntry(tuopin.ActionAreasImport, "areas", "", "", "", nil, summary)
	if err != nil {
		return err
	}
	if err := tx.appendAudit(ctx, e); err != nil {
		return err
	}
	return tx.Commit()
}
