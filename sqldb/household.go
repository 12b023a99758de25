package sqldb

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tuopin/tuopin"
)

var _ tuopin.HouseholdService = (*HouseholdService)(nil)

// HouseholdService keeps the registry of households and their members.
//
// A member's ID number is unique per registry year across the whole
// registry, not only within the caller's scope; a clash names the other
// household only when the caller may see it.
type HouseholdService struct {
	db *DB
	// chunk is the number of households EachHousehold reads per query
	// (0: exportChunk); tests make it small.
	chunk int
}

// NewHouseholdService returns the household service of db.
func NewHouseholdService(db *DB) *HouseholdService { return &HouseholdService{db: db} }

// The column lists householdColumns, hColumns and memberColumns are built
// from the field catalog in household_details.go.

// inChunk is how many values one IN (…) list carries.
const inChunk = 500

// scanHousehold reads householdColumns, then any extra columns.
func scanHousehold(row interface{ Scan(...any) error }, extra ...any) (*tuopin.Household, error) {
	var h tuopin.Household
	var created, updated string
	ds := newDetailScan(tuopin.HouseholdFieldDefs)
	ind := &h.Indicators
	targets := append([]any{&h.ID, &h.Year, &h.Number, &h.AreaCode, &h.HeadName, &h.Size, &h.Attribute, &h.MainCause,
		&h.IncomePerCapita, &h.Status, &h.Phone, &h.Version, &created, &updated}, ds.targets()...)
	targets = append(targets, &ind.FoodClothingGap, &ind.OutOfSchool, &ind.Uninsured, &ind.UnsafeHouse, &ind.UnsafeWater, &ind.IncomeBand)
	if err := row.Scan(append(targets, extra...)...); err != nil {
		return nil, err
	}
	h.Details = ds.details()
	var err error
	if h.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if h.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	return &h, nil
}

func scanMember(row interface{ Scan(...any) error }) (*tuopin.Member, error) {
	var m tuopin.Member
	var birth string
	ds := newDetailScan(tuopin.MemberFieldDefs)
	if err := row.Scan(append([]any{&m.ID, &m.HouseholdID, &m.Name, &m.Sex, &birth, &m.IDNumber, &m.Relation, &m.Education, &m.Health, &m.Skill},
		ds.targets()...)...); err != nil {
		return nil, err
	}
	m.Details = ds.details()
	var err error
	m.BirthDate, err = parseDate(birth)
	return &m, err
}

// findHouseholdInScope returns a household with its members if it lies in
// the scope of the transaction's user (ENOTFOUND otherwise).
func findHouseholdInScope(ctx context.Context, tx *Tx, id int64) (*tuopin.Household, error) {
	if tx.user == nil {
		return nil, tuopin.NotFound("household")
	}
	q, args := `SELECT `+householdColumns+` FROM households WHERE id = ?`, []any{id}
	if p, a := scopeRange("area_code", tx.user.Scope); p != "" {
		q, args = q+" AND "+p, append(args, a...)
	}
	h, err := scanHousehold(tx.QueryRowContext(ctx, q, args...))
	if err == sql.ErrNoRows {
		return nil, tuopin.NotFound("household")
	} else if err != nil {
		return nil, tx.db.formatError(err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+memberColumns+` FROM members WHERE household_id = ? ORDER BY ord, id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	h.Members = []*tuopin.Member{}
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, tx.db.formatError(err)
		}
		h.Members = append(h.Members, m)
	}
	return h, tx.db.formatError(rows.Err())
}

// FindHouseholdByID returns a household with its members. Returns
// ENOTFOUND if it does not exist or lies outside the caller's scope.
func (s *HouseholdService) FindHouseholdByID(ctx context.Context, id int64) (*tuopin.Household, error) {
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return findHouseholdInScope(ctx, tx, id)
}

// FindHouseholds lists households (without members) inside the caller's
// scope, ordered by area code and number, with the total count before
// paging. Query matches a household number or a member's ID number (exact
// or by prefix) or a member's name (exact or by prefix), each through an
// index range. Limit is 50 by default and at most 500. Without a user it
// finds nothing; a malformed AreaPrefix is EINVALID.
func (s *HouseholdService) FindHouseholds(ctx context.Context, filter tuopin.HouseholdFilter) ([]*tuopin.Household, int, error) {
	from, cond, args, search, none, err := householdWhere(ctx, filter)
	if err != nil {
		return nil, 0, err
	} else if none {
		return []*tuopin.Household{}, 0, nil
	}

	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	count := func() (int, error) {
		var n int
		err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+from+` WHERE `+cond, args...).Scan(&n)
		return n, s.db.formatError(err)
	}
	// A listing counts apart, on the covering scope index, and then reads
	// one page. A search reads its hits anyway to sort them, so it counts
	// them in the same pass with COUNT(*) OVER().
	n := 0
	if !search {
		if n, err = count(); err != nil || n == 0 {
			return []*tuopin.Household{}, 0, err
		}
	}
	cols := hColumns
	if search {
		cols += ", COUNT(*) OVER ()"
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+cols+` FROM `+from+` WHERE `+cond+
		` ORDER BY h.area_code, h.number, h.id LIMIT ? OFFSET ?`, append(args, pageLimit(filter.Limit), max(filter.Offset, 0))...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []*tuopin.Household{}
	for rows.Next() {
		var h *tuopin.Household
		if search {
			h, err = scanHousehold(rows, &n)
		} else {
			h, err = scanHousehold(rows)
		}
		if err != nil {
			return nil, 0, s.db.formatError(err)
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, s.db.formatError(err)
	}
	if search && len(out) == 0 && filter.Offset > 0 {
		// A page past the end carries no count: count apart.
		if n, err = count(); err != nil {
			return nil, 0, err
		}
	}
	return out, n, nil
}

// householdWhere builds the FROM clause (alias h) and the WHERE condition
// of a household listing: the caller's scope, narrowed by the filter's
// AreaPrefix, and the filter's other fields (not Offset and Limit). none
// reports a filter that can match nothing (no user, a prefix disjoint from
// the scope, an unusable query); search, a query that drives the FROM.
func householdWhere(ctx context.Context, filter tuopin.HouseholdFilter) (from, cond string, args []any, search, none bool, err error) {
	u := tuopin.UserFromContext(ctx)
	if u == nil {
		return "", "", nil, false, true, nil
	}
	// The scope, narrowed by AreaPrefix when that lies inside it.
	prefix := u.Scope
	if ap := strings.TrimSpace(filter.AreaPrefix); ap != "" {
		if tuopin.IsCode12(ap) {
			ap = tuopin.PrefixOfCode(ap)
		}
		if !tuopin.IsDigits(ap) || len(ap) > 16 {
			return "", "", nil, false, false, tuopin.FieldErr("area_prefix", "invalid_code", "%q is not an area code prefix.", filter.AreaPrefix)
		}
		switch {
		case strings.HasPrefix(ap, prefix):
			prefix = ap
		case !strings.HasPrefix(prefix, ap):
			return "", "", nil, false, true, nil // disjoint from the scope
		}
	}
	from, fromArgs := "households h", []any(nil)
	var where []string
	add := func(cond string, a ...any) { where, args = append(where, cond), append(args, a...) }
	if q := strings.TrimSpace(filter.Query); q != "" {
		if !utf8.ValidString(q) || utf8.RuneCountInString(q) > 50 {
			return "", "", nil, false, true, nil
		}
		scope, scopeArgs := scopeRange("area_code", prefix)
		hits, a := householdHits(q, scope, scopeArgs, filter.Year)
		if hits == "" {
			return "", "", nil, false, true, nil
		}
		// The search drives the query: SQLite takes the left side of a
		// CROSS JOIN as the outer loop, so the (few) hits are looked up by
		// id rather than every household in scope probed against them.
		// For PostgreSQL a CROSS JOIN is a plain join its planner orders.
		from, fromArgs, search = "("+hits+") hit CROSS JOIN households h", a, true
		add("h.id = hit.id")
	}
	if hScope, a := scopeRange("h.area_code", prefix); hScope != "" {
		add(hScope, a...)
	}
	if v := filter.ID; v != nil {
		add("h.id = ?", *v)
	}
	if v := filter.Year; v != nil {
		add("h.year = ?", *v)
	}
	if v := filter.Number; v != nil {
		add("h.number = ?", strings.TrimSpace(*v))
	}
	if v := filter.Status; v != nil {
		add("h.status = ?", *v)
	}
	cond = "1 = 1"
	if len(where) > 0 {
		cond = strings.Join(where, " AND ")
	}
	args = append(fromArgs, args...)

	return from, cond, args, search, false, nil
}

// householdHits returns a query for the IDs of the households whose
// number, or one of whose members' ID number or name, starts with q. Each
// branch is a range on an index (households (year, number) or (number),
// members (id_number, year), members (name, area_code)); the member
// branches carry the scope, checked inside the index for names. A branch
// is left out when q cannot match it (a name of digits, a number with
// Chinese). It returns "" when no branch applies.
func householdHits(q string, scope string, scopeArgs []any, year *int) (string, []any) {
	var branches []string
	var args []any
	branch := func(sel, col, lo, hi string, scoped bool) {
		b := sel + " WHERE " + col + " >= ? AND " + col + " < ?"
		args = append(args, lo, hi)
		if scope != "" && scoped {
			b += " AND " + scope
			args = append(args, scopeArgs...)
		}
		if year != nil {
			b += " AND year = ?"
			args = append(args, *year)
		}
		branches = append(branches, b)
	}
	digits := tuopin.IsDigits(q)
	if isCodeLike(q) {
		if lo, hi, ok := textRange(q); ok {
			// The scope is left to the outer query: with it here SQLite
			// would rather walk the scope's (year, area_code) index.
			branch("SELECT id FROM households", "number", lo, hi, false)
		}
	}
	if id := tuopin.NormalizeIDNumber(q); len(id) <= 18 && (digits || (tuopin.IsDigits(id[:len(id)-1]) && id[len(id)-1] == 'X')) {
		if lo, hi, ok := textRange(id); ok {
			branch("SELECT household_id AS id FROM members", "id_number", lo, hi, true)
		}
	}
	if !digits {
		if lo, hi, ok := textRange(q); ok {
			branch("SELECT household_id AS id FROM members", "name", lo, hi, true)
		}
	}
	switch len(branches) {
	case 0:
		return "", nil
	case 1:
		// A household with two matching members is one hit.
		return "SELECT DISTINCT " + strings.TrimPrefix(branches[0], "SELECT "), args
	}
	// UNION removes duplicates too.
	return strings.Join(branches, " UNION "), args
}

func isCodeLike(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '-') {
			return false
		}
	}
	return s != ""
}

// FindYears returns the registry years that hold households in the
// caller's scope, newest first. It reads the roll-ups: the years are
// walked through the roll-ups' key (one seek per year) and each is kept
// when the scope's own row counts households.
func (s *HouseholdService) FindYears(ctx context.Context) ([]int, error) {
	u := tuopin.UserFromContext(ctx)
	if u == nil {
		return []int{}, nil
	}
	// A recursive walk from the newest year down (MAX over the years below
	// the last is one index seek on both engines), and for each year the
	// scope's row, one key lookup. The lookup is a scalar subquery so that
	// PostgreSQL cannot make it a join that scans the roll-ups.
	q := `
		WITH RECURSIVE y (year) AS (
			SELECT MAX(year) FROM rollups
			UNION ALL
			SELECT (SELECT MAX(r.year) FROM rollups r WHERE r.year < y.year) FROM y WHERE y.year IS NOT NULL
		)
		SELECT y.year, COALESCE((SELECT r.value FROM rollups r
			WHERE r.year = y.year AND r.level = ? AND r.area = ? AND r.metric = ?), 0)
		FROM y WHERE y.year IS NOT NULL
		ORDER BY y.year DESC`
	level, ok := tuopin.LevelOfPrefix(u.Scope)
	args := []any{int(level), u.Scope, tuopin.MetricHouseholds}
	if !ok {
		// A scope that names no area level (users are validated to have
		// one) has no roll-up row: ask the households.
		p, a := scopeRange("area_code", u.Scope)
		q, args = `SELECT DISTINCT year, 1 FROM households WHERE `+p+` ORDER BY year DESC`, a
	}
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	years := []int{}
	for rows.Next() {
		var y int
		var households int64
		if err := rows.Scan(&y, &households); err != nil {
			return nil, s.db.formatError(err)
		}
		if households > 0 {
			years = append(years, y)
		}
	}
	return years, s.db.formatError(rows.Err())
}

// checkRegistryRole refuses a role that may not edit the registry.
// registryEditor returns the user in ctx if its role may change the
// registry: EUNAUTHORIZED without a user, EFORBIDDEN otherwise.
func registryEditor(ctx context.Context) (*tuopin.User, error) {
	u := tuopin.UserFromContext(ctx)
	if u == nil {
		return nil, errNoUser
	}
	return u, checkRegistryRole(u)
}

func checkRegistryRole(u *tuopin.User) error {
	if !u.Role.CanEditRegistry() {
		return tuopin.Errorf(tuopin.EFORBIDDEN, "Your role may not change the registry.")
	}
	return nil
}

// CreateHousehold validates and stores a household with its members and
// appends a "household.create" audit entry. Returns EUNAUTHORIZED without
// a user, EFORBIDDEN for a role that may not edit the registry, EINVALID
// (fields named) for bad input, an unknown or out-of-scope area or an ID
// number already registered that year, and ECONFLICT if the household
// number is taken that year.
func (s *HouseholdService) CreateHousehold(ctx context.Context, h *tuopin.Household, reason string) error {
	return s.create(ctx, []*tuopin.Household{h}, reason, false)
}

// CreateHouseholds stores many households in one transaction, all or
// nothing, with multi-row statements. The error of the first bad
// household names its index: its field keys are prefixed
// "households[17].", and an ECONFLICT message starts "households[17]:".
func (s *HouseholdService) CreateHouseholds(ctx context.Context, hs []*tuopin.Household, reason string) error {
	if len(hs) == 0 {
		return nil
	}
	return s.create(ctx, hs, reason, true)
}

func (s *HouseholdService) create(ctx context.Context, hs []*tuopin.Household, reason string, batch bool) error {
	if _, err := registryEditor(ctx); err != nil {
		return err
	}
	codes, err := s.db.codeSet(ctx)
	if err != nil {
		return err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := createHouseholds(ctx, tx, codes, hs, reason, batch); err != nil {
		tx.Rollback()
		return fileFormReview(ctx, s.db, err) // idreview.go: a clash with another county
	}
	return tx.Commit()
}

// indexed returns err as the error of households[i] of a batch: field keys
// and the message name the index. Outside a batch err is returned as is.
func indexed(batch bool, i int, err error) error {
	if !batch || err == nil {
		return err
	}
	e, ok := err.(*tuopin.Error)
	if !ok {
		return err
	}
	out := &tuopin.Error{Code: e.Code, Message: fmt.Sprintf("households[%d]: %s", i, e.Message)}
	if len(e.Fields) > 0 {
		var f tuopin.Fields
		f.Merge(fmt.Sprintf("households[%d].", i), e.Fields)
		out.Fields = f
	}
	return out
}

// createHouseholds checks and inserts households with their members and
// their audit entries.
func createHouseholds(ctx context.Context, tx *Tx, codes *tuopin.CodeSet, hs []*tuopin.Household, reason string, batch bool) error {
	// Shape and code tables; the derived fields under the parameters.
	ps, err := tx.db.paramSet(ctx)
	if err != nil {
		return err
	}
	for i, h := range hs {
		if h == nil {
			return indexed(batch, i, tuopin.FieldErr("household", "required", "A household is missing."))
		}
		for j, m := range h.Members {
			if m == nil {
				return indexed(batch, i, tuopin.FieldErr(fmt.Sprintf("members[%d]", j), "required", "Member %d is missing.", j+1))
			}
		}
		h.Normalize(tx.now)
		if err := h.Validate(codes, tx.now); err != nil {
			return indexed(batch, i, err)
		}
		deriveWith(ps, h)
	}
	if i, err := checkYearsOpen(ctx, tx, hs); err != nil { // year.go
		return indexed(batch, i, err)
	}
	// Areas: known villages inside the scope.
	areaCodes := make([]string, len(hs))
	for i, h := range hs {
		areaCodes[i] = h.AreaCode
	}
	bad, err := checkAreas(ctx, tx, areaCodes)
	if err != nil {
		return err
	}
	for i, h := range hs {
		if e, ok := bad[h.AreaCode]; ok {
			return indexed(batch, i, e)
		}
	}
	// Household numbers, unique per year, and member ID numbers, unique
	// per year across the whole registry: first inside the batch.
	type yearKey struct {
		year int
		key  string
	}
	numbers := make(map[yearKey]int, len(hs))
	byYear := map[int][]string{}
	for i, h := range hs {
		k := yearKey{h.Year, h.Number}
		if j, ok := numbers[k]; ok {
			return indexed(batch, i, errNumberTaken(h, fmt.Sprintf(" (households[%d] has it too)", j)))
		}
		numbers[k] = i
		byYear[h.Year] = append(byYear[h.Year], h.Number)
	}
	type memberRef struct{ h, m int }
	ids := map[yearKey]memberRef{}
	idsByYear := map[int][]string{}
	for i, h := range hs {
		for j, m := range h.Members {
			k := yearKey{h.Year, m.IDNumber}
			if o, ok := ids[k]; ok && o.h != i {
				return indexed(batch, i, tuopin.FieldErr(fmt.Sprintf("members[%d].id_number", j), "duplicate",
					"ID number %s is also given for household %s in this batch.", m.IDNumber, hs[o.h].Number))
			}
			ids[k] = memberRef{i, j}
			idsByYear[h.Year] = append(idsByYear[h.Year], m.IDNumber)
		}
	}
	// Then against the registry: the first household whose number is
	// taken, else the first member whose ID number is.
	checkStored := func() error {
		taken := -1
		for year, list := range byYear {
			if err := eachHouseholdNumber(ctx, tx, year, list, func(n string, _ int64, _ string) {
				if i := numbers[yearKey{year, n}]; taken < 0 || i < taken {
					taken = i
				}
			}); err != nil {
				return err
			}
		}
		if taken >= 0 {
			return indexed(batch, taken, errNumberTaken(hs[taken], ""))
		}
		var clash *memberRef
		var clashErr error
		for year, list := range idsByYear {
			found, err := findIDClashes(ctx, tx, year, list, 0)
			if err != nil {
				return err
			}
			for id, c := range found {
				r := ids[yearKey{year, id}]
				if clash == nil || r.h < clash.h || r.h == clash.h && r.m < clash.m {
					clash, clashErr = &r, reviewable(batch, hs[r.h], r.m, c, c.err(tx.user, r.m, id, year))
				}
			}
		}
		if clash != nil {
			return indexed(batch, clash.h, clashErr)
		}
		return nil
	}
	if batch && len(hs) >= bulkMinHouseholds {
		return bulkCreateHouseholds(ctx, tx, hs, reason, checkStored) // bulk.go: COPY, reserved IDs
	}
	if err := checkStored(); err != nil {
		return err
	}

	// Insert the households and learn their IDs (RETURNING gives rows in
	// no promised order: match them by year and number).
	for _, h := range hs {
		h.Version, h.CreatedAt, h.UpdatedAt = 1, tx.now, tx.now
	}
	now := formatTime(tx.now)
	hcols := householdInsertColumns
	if err := tx.insertRows(ctx, `INSERT INTO households (`+strings.Join(hcols, ", ")+`) VALUES `, len(hcols), `RETURNING id, year, number`, len(hs),
		func(i int, args []any) []any {
			h := hs[i]
			args = append(args, h.Year, h.Number, h.AreaCode, h.HeadName, h.Size, h.Attribute, h.MainCause,
				int64(h.IncomePerCapita), h.Status, h.Phone, h.Version, now, now)
			return indicatorArgs(detailArgs(args, tuopin.HouseholdFieldDefs, h.Details), h.Indicators)
		},
		func(rows *sql.Rows) error {
			var id int64
			var k yearKey
			if err := rows.Scan(&id, &k.year, &k.key); err != nil {
				return err
			}
			hs[numbers[k]].ID = id
			return nil
		}); err != nil {
		return err
	}
	// Insert the members.
	type memberAt struct {
		h *tuopin.Household
		m *tuopin.Member
		o int
	}
	var all []memberAt
	for _, h := range hs {
		for j, m := range h.Members {
			m.HouseholdID = h.ID
			all = append(all, memberAt{h, m, j})
		}
	}
	if err := insertMembers(ctx, tx, len(all), func(i int) (*tuopin.Household, *tuopin.Member, int) {
		return all[i].h, all[i].m, all[i].o
	}, func(year int, idNumber string, id int64) {
		r := ids[yearKey{year, idNumber}]
		hs[r.h].Members[r.m].ID = id
	}); err != nil {
		return err
	}
	// The roll-ups of the whole batch, summed in memory: one upsert of a
	// few rows per village and metric, whatever the batch's size.
	deltas := rollupValues{}
	deltas.addHouseholds(1, hs...)
	if err := applyRollupDeltas(ctx, tx, deltas); err != nil {
		return err
	}
	if err := recordIdentifiedEvents(ctx, tx, hs); err != nil { // event.go
		return err
	}
	// One audit entry per household, holding the whole record.
	entries := make([]*tuopin.AuditEntry, len(hs))
	for i, h := range hs {
		e, err := newAuditEntry(tuopin.ActionHouseholdCreate, "household", strconv.FormatInt(h.ID, 10), h.AreaCode, reason, nil, h)
		if err != nil {
			return err
		}
		entries[i] = e
	}
	return tx.appendAudit(ctx, entries...)
}

// insertMembers inserts n members with multi-row statements; at returns
// member i with its household and position, and assign receives the new
// IDs by year and ID number.
func insertMembers(ctx context.Context, tx *Tx, n int, at func(i int) (*tuopin.Household, *tuopin.Member, int),
	assign func(year int, idNumber string, id int64)) error {
	if n == 0 {
		return nil
	}
	mcols := memberInsertColumns
	return tx.insertRows(ctx, `INSERT INTO members (`+strings.Join(mcols, ", ")+`) VALUES `, len(mcols), `RETURNING id, year, id_number`, n,
		func(i int, args []any) []any {
			h, m, ord := at(i)
			args = append(args, h.ID, h.Year, h.AreaCode, ord, m.Name, m.Sex, formatDate(m.BirthDate), m.IDNumber,
				m.Relation, m.Education, m.Health, m.Skill)
			return detailArgs(args, tuopin.MemberFieldDefs, m.Details)
		},
		func(rows *sql.Rows) error {
			var id int64
			var year int
			var idNumber string
			if err := rows.Scan(&id, &year, &idNumber); err != nil {
				return err
			}
			assign(year, idNumber, id)
			return nil
		})
}

func errNumberTaken(h *tuopin.Household, more string) error {
	e := tuopin.Errorf(tuopin.ECONFLICT, "Household number %s is already registered in %d%s.", h.Number, h.Year, more)
	e.Fields = map[string]tuopin.FieldError{"number": {Code: "taken", Message: e.Message}}
	return e
}

// eachChunk calls fn with the values of list in chunks of inChunk.
func eachChunk[T any](list []T, fn func(chunk []any) error) error {
	for start := 0; start < len(list); start += inChunk {
		end := min(start+inChunk, len(list))
		chunk := make([]any, 0, end-start)
		for _, v := range list[start:end] {
			chunk = append(chunk, v)
		}
		if err := fn(chunk); err != nil {
			return err
		}
	}
	return nil
}

// checkAreas checks the area codes of households: each must lie in the
// scope of the transaction's user and name (by its first 12 digits) a
// stored village. It returns the EINVALID error on "area_code" for each
// bad code.
func checkAreas(ctx context.Context, tx *Tx, codes []string) (map[string]error, error) {
	bad := map[string]error{}
	want := map[string]bool{}
	var list []string
	for _, c := range codes {
		if !strings.HasPrefix(c, tx.user.Scope) {
			bad[c] = tuopin.FieldErr("area_code", "out_of_scope", "Area %s lies outside your scope.", c)
			continue
		}
		if v := c[:12]; !want[v] {
			want[v] = true
			list = append(list, v)
		}
	}
	villages := map[string]bool{}
	err := eachChunk(list, func(chunk []any) error {
		rows, err := tx.QueryContext(ctx, `SELECT code FROM areas WHERE level = ? AND code IN (`+placeholders(len(chunk))+`)`,
			append([]any{int(tuopin.LevelVillage)}, chunk...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				return err
			}
			villages[c] = true
		}
		return rows.Err()
	})
	if err != nil {
		return nil, tx.db.formatError(err)
	}
	for _, c := range codes {
		if _, ok := bad[c]; !ok && !villages[c[:12]] {
			bad[c] = tuopin.FieldErr("area_code", "unknown_area", "There is no village %s.", c[:12])
		}
	}
	return bad, nil
}

// eachHouseholdNumber calls fn with each of the numbers of a year that a
// household holds, and that household's ID and area code.
//
// Each number is looked up on its own (eachKnown): as `year = ? AND number
// IN (…)`, a 300,000-household load spent 10.6 of its 36 s here
// (docs/benchmarks.md).
func eachHouseholdNumber(ctx context.Context, tx *Tx, year int, numbers []string, fn func(number string, id int64, area string)) error {
	const lookup = `(SELECT h.%s FROM households h WHERE h.year = ? AND h.number = v.column1)`
	return eachKnown(ctx, tx, fmt.Sprintf(lookup, "id")+`, `+fmt.Sprintf(lookup, "area_code"), []any{year, year}, numbers,
		func(rows *sql.Rows) error {
			var n string
			var id sql.NullInt64
			var area sql.NullString
			if err := rows.Scan(&n, &id, &area); err != nil {
				return err
			}
			if id.Valid {
				fn(n, id.Int64, area.String)
			}
			return nil
		})
}

// eachKnown runs, for keys in chunks, SELECT v.column1, lookups FROM
// (VALUES (key), …) AS v, where lookups are correlated subqueries on
// v.column1 that each find at most one row by a unique key, and calls scan
// with each row (the key, then the lookups). args are the arguments of
// lookups. Written this way every key is one descent of that key's index
// whatever the planner's statistics say, and no plan is worth a parallel
// worker: with IN lists PostgreSQL chose a whole-year scan (household
// numbers) or started a worker for a lookup of half a millisecond (member
// ID numbers: 3 ms a query at 10^6 households, 18 of the load's 124 s).
func eachKnown(ctx context.Context, tx *Tx, lookups string, args []any, keys []string, scan func(rows *sql.Rows) error) error {
	err := eachChunk(keys, func(chunk []any) error {
		rows, err := tx.QueryContext(ctx, `SELECT v.column1, `+lookups+` FROM (VALUES `+
			strings.TrimSuffix(strings.Repeat("(?), ", len(chunk)), ", ")+`) AS v`, append(slices.Clip(args), chunk...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	})
	return tx.db.formatError(err)
}

// idClash is the household that already holds an ID number.
type idClash struct {
	number   string
	areaCode string
	areaName string
}

// err returns the EINVALID error for member j's ID number, naming the
// other household only when user may see it.
func (c idClash) err(user *tuopin.User, j int, id string, year int) error {
	field := fmt.Sprintf("members[%d].id_number", j)
	if strings.HasPrefix(c.areaCode, user.Scope) {
		return tuopin.FieldErr(field, "duplicate", "ID number %s is already registered in %d, in household %s of %s (%s).",
			id, year, c.number, c.areaName, c.areaCode)
	}
	return tuopin.FieldErr(field, "duplicate", "ID number %s is already registered in %d in another area.", id, year)
}

// findIDClashes returns, for the given ID numbers of a year, the
// households other than except that hold them already: each ID number is
// looked up on its own (eachKnown), then the few holders found are read.
func findIDClashes(ctx context.Context, tx *Tx, year int, list []string, except int64) (map[string]idClash, error) {
	holders := map[string]int64{}
	if err := eachKnown(ctx, tx, `(SELECT m.household_id FROM members m WHERE m.id_number = v.column1 AND m.year = ?)`,
		[]any{year}, list, func(rows *sql.Rows) error {
			var id string
			var h sql.NullInt64
			if err := rows.Scan(&id, &h); err != nil {
				return err
			}
			if h.Valid && h.Int64 != except {
				holders[id] = h.Int64
			}
			return nil
		}); err != nil {
		return nil, err
	}
	out := map[string]idClash{}
	if len(holders) == 0 {
		return out, nil
	}
	byID := map[int64]idClash{}
	ids := make([]int64, 0, len(holders))
	for _, h := range holders {
		if _, ok := byID[h]; !ok {
			byID[h] = idClash{}
			ids = append(ids, h)
		}
	}
	err := eachChunk(ids, func(chunk []any) error {
		rows, err := tx.QueryContext(ctx, `
			SELECT h.id, h.number, h.area_code, COALESCE(a.name, '')
			FROM households h LEFT JOIN areas a ON a.code = SUBSTR(h.area_code, 1, 12)
			WHERE h.id IN (`+placeholders(len(chunk))+`)`, chunk...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var c idClash
			if err := rows.Scan(&id, &c.number, &c.areaCode, &c.areaName); err != nil {
				return err
			}
			byID[id] = c
		}
		return rows.Err()
	})
	if err != nil {
		return nil, tx.db.formatError(err)
	}
	for id, h := range holders {
		out[id] = byID[h]
	}
	return out, nil
}

// beginChange opens the write transaction of a change to one household: it
// needs a user, loads the code tables, finds the household inside the
// caller's scope and checks that the role may edit the registry. The caller
// must roll the transaction back (a no-op after Commit).
func (s *HouseholdService) beginChange(ctx context.Context, id int64) (*Tx, *tuopin.CodeSet, *tuopin.Household, error) {
	u := tuopin.UserFromContext(ctx)
	if u == nil {
		return nil, nil, nil, errNoUser
	}
	codes, err := s.db.codeSet(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	old, err := findHouseholdInScope(ctx, tx, id)
	if err == nil {
		err = checkRegistryRole(u)
	}
	if err == nil {
		err = checkYearOpen(ctx, tx, old.Year, old.AreaCode) // year.go
	}
	if err != nil {
		tx.Rollback()
		return nil, nil, nil, err
	}
	return tx, codes, old, nil
}

// UpdateHousehold changes a household and returns its new state, with
// version increased and a "household.update" audit entry holding the
// changed fields. Members, when given, replace the member list: members
// with an ID of this household are updated, members with ID 0 added,
// members not listed removed. Returns ENOTFOUND outside the scope,
// EFORBIDDEN for a role that may not edit the registry, ECONFLICT for a
// stale Version, and EINVALID as CreateHousehold does (and on
// "members[i].id" for an ID that is not this household's member). A
// change that changes nothing writes nothing.
func (s *HouseholdService) UpdateHousehold(ctx context.Context, id int64, upd tuopin.HouseholdUpdate) (*tuopin.Household, error) {
	tx, codes, old, err := s.beginChange(ctx, id)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if upd.Version != nil && *upd.Version != old.Version {
		return nil, errStale(old)
	}
	h, err := updateHousehold(ctx, tx, codes, old, upd)
	if err != nil {
		tx.Rollback()
		return nil, fileFormReview(ctx, s.db, err) // idreview.go: a clash with another county
	}
	return h, tx.Commit()
}

func errStale(h *tuopin.Household) error {
	return tuopin.Errorf(tuopin.ECONFLICT, "Household %s was changed by someone else meanwhile (now version %d): reload it and try again.", h.Number, h.Version)
}

func cloneHousehold(h *tuopin.Household) *tuopin.Household {
	c := *h
	c.Members = make([]*tuopin.Member, len(h.Members))
	for i, m := range h.Members {
		mc := *m
		c.Members[i] = &mc
	}
	return &c
}

func updateHousehold(ctx context.Context, tx *Tx, codes *tuopin.CodeSet, old *tuopin.Household, upd tuopin.HouseholdUpdate) (*tuopin.Household, error) {
	h := cloneHousehold(old)
	if v := upd.AreaCode; v != nil {
		h.AreaCode = *v
	}
	if v := upd.Attribute; v != nil {
		h.Attribute = *v
	}
	if v := upd.MainCause; v != nil {
		h.MainCause = *v
	}
	if v := upd.IncomePerCapita; v != nil {
		h.IncomePerCapita = *v
	}
	if v := upd.Phone; v != nil {
		h.Phone = *v
	}
	if v := upd.Details; v != nil {
		h.Details = make(map[string]string, len(*v))
		for k, x := range *v {
			h.Details[k] = x
		}
	}
	oldMembers := map[int64]*tuopin.Member{}
	for _, m := range old.Members {
		oldMembers[m.ID] = m
	}
	if upd.Members != nil {
		var f tuopin.Fields
		seen := map[int64]bool{}
		h.Members = make([]*tuopin.Member, 0, len(*upd.Members))
		for i, m := range *upd.Members {
			if m == nil {
				f.Add(fmt.Sprintf("members[%d]", i), "required", "Member %d is missing.", i+1)
				continue
			}
			if m.ID != 0 {
				if oldMembers[m.ID] == nil || seen[m.ID] {
					f.Add(fmt.Sprintf("members[%d].id", i), "unknown_member", "Member %d is not a member of this household.", m.ID)
					continue
				}
				seen[m.ID] = true
			}
			mc := *m
			mc.HouseholdID = old.ID
			h.Members = append(h.Members, &mc)
		}
		if err := f.Err(); err != nil {
			return nil, err
		}
	}
	h.Normalize(tx.now)
	if err := h.Validate(codes, tx.now); err != nil {
		return nil, err
	}
	if err := deriveHousehold(ctx, tx, h); err != nil {
		return nil, err
	}
	if h.AreaCode != old.AreaCode {
		bad, err := checkAreas(ctx, tx, []string{h.AreaCode})
		if err != nil {
			return nil, err
		}
		if e := bad[h.AreaCode]; e != nil {
			return nil, e
		}
	}
	list := make([]string, len(h.Members))
	index := map[string]int{}
	for i, m := range h.Members {
		list[i], index[m.IDNumber] = m.IDNumber, i
	}
	found, err := findIDClashes(ctx, tx, h.Year, list, h.ID)
	if err != nil {
		return nil, err
	}
	first := -1
	for id := range found {
		if i := index[id]; first < 0 || i < first {
			first = i
		}
	}
	if first >= 0 {
		id := h.Members[first].IDNumber
		return nil, reviewable(false, h, first, found[id], found[id].err(tx.user, first, id, h.Year))
	}

	// Nothing to do when nothing changes.
	ob, err := json.Marshal(old)
	if err != nil {
		return nil, err
	}
	nb, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	if bytes.Equal(ob, nb) {
		return old, nil
	}

	// The household row first: the version condition fails if another
	// transaction committed a change since old was read.
	h.Version, h.UpdatedAt = old.Version+1, tx.now
	uargs := []any{h.AreaCode, h.HeadName, h.Size, h.Attribute, h.MainCause, int64(h.IncomePerCapita), h.Phone,
		h.Version, formatTime(tx.now)}
	uargs = indicatorArgs(detailArgs(uargs, tuopin.HouseholdFieldDefs, h.Details), h.Indicators)
	res, err := tx.ExecContext(ctx, `
		UPDATE households SET area_code = ?, head_name = ?, size = ?, attribute = ?, main_cause = ?,
			income_per_capita = ?, phone = ?, version = ?, updated_at = ?, `+
		setList(householdDetailColumns)+`, `+setList(indicatorColumns)+`
		WHERE id = ? AND version = ?`,
		append(uargs, h.ID, old.Version)...)
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, tx.db.formatError(err)
	} else if n == 0 {
		return nil, errStale(old)
	}
	if err := syncMembers(ctx, tx, old, h); err != nil {
		return nil, err
	}
	if err := applyHouseholdChange(ctx, tx, old, h); err != nil {
		return nil, err
	}
	e, err := newAuditEntry(tuopin.ActionHouseholdUpdate, "household", strconv.FormatInt(h.ID, 10), h.AreaCode, upd.Reason, old, h)
	if err != nil {
		return nil, err
	}
	if err := tx.appendAudit(ctx, e); err != nil {
		return nil, err
	}
	return h, nil
}

// syncMembers brings the members table from old's members to h's: it
// deletes the members no longer listed, updates the others (their area
// follows the household's) and inserts the new ones.
func syncMembers(ctx context.Context, tx *Tx, old, h *tuopin.Household) error {
	keep := map[int64]*tuopin.Member{}
	for _, m := range h.Members {
		if m.ID != 0 {
			keep[m.ID] = m
		}
	}
	var gone, renamed []int64
	for _, m := range old.Members {
		if n, ok := keep[m.ID]; !ok {
			gone = append(gone, m.ID)
		} else if n.IDNumber != m.IDNumber {
			renamed = append(renamed, m.ID)
		}
	}
	if err := eachChunk(gone, func(chunk []any) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM members WHERE household_id = ? AND id IN (`+placeholders(len(chunk))+`)`,
			append([]any{h.ID}, chunk...)...)
		return err
	}); err != nil {
		return err
	}
	// Members whose ID numbers are swapped or shifted would clash with each
	// other's old number under the unique key while being updated one by
	// one: park their numbers on a unique placeholder first.
	if err := eachChunk(renamed, func(chunk []any) error {
		_, err := tx.ExecContext(ctx, `UPDATE members SET id_number = '~' || CAST(id AS TEXT) WHERE household_id = ? AND id IN (`+placeholders(len(chunk))+`)`,
			append([]any{h.ID}, chunk...)...)
		return err
	}); err != nil {
		return err
	}
	var stmt *sql.Stmt
	var added []int
	for i, m := range h.Members {
		if m.ID == 0 {
			added = append(added, i)
			continue
		}
		if stmt == nil {
			var err error
			if stmt, err = tx.PrepareContext(ctx, `
				UPDATE members SET area_code = ?, ord = ?, name = ?, sex = ?, birth_date = ?, id_number = ?,
					relation = ?, education = ?, health = ?, skill = ?, `+setList(memberDetailColumns)+`
				WHERE id = ? AND household_id = ?`); err != nil {
				return err
			}
			defer stmt.Close()
		}
		margs := detailArgs([]any{h.AreaCode, i, m.Name, m.Sex, formatDate(m.BirthDate), m.IDNumber,
			m.Relation, m.Education, m.Health, m.Skill}, tuopin.MemberFieldDefs, m.Details)
		if _, err := stmt.ExecContext(ctx, append(margs, m.ID, h.ID)...); err != nil {
			return tx.db.formatError(err)
		}
	}
	byID := map[string]*tuopin.Member{}
	for _, i := range added {
		byID[h.Members[i].IDNumber] = h.Members[i]
	}
	return insertMembers(ctx, tx, len(added), func(k int) (*tuopin.Household, *tuopin.Member, int) {
		return h, h.Members[added[k]], added[k]
	}, func(_ int, idNumber string, id int64) {
		byID[idNumber].ID = id
	})
}

// SetHouseholdStatus moves a household along tuopin.StatusTransitions,
// increases its version and appends a "household.status" audit entry.
// Returns ENOTFOUND outside the scope, EFORBIDDEN for a role that may not
// edit the registry, and EINVALID on field "status" for an unknown status
// or a move that is not allowed.
func (s *HouseholdService) SetHouseholdStatus(ctx context.Context, id int64, status, reason string) (*tuopin.Household, error) {
	return s.setStatus(ctx, id, status, "", reason)
}

// setStatus is SetHouseholdStatus with the date the move took effect (""
// for today), which its event records (event.go, EventService.MoveStatus).
func (s *HouseholdService) setStatus(ctx context.Context, id int64, status, date, reason string) (*tuopin.Household, error) {
	tx, codes, old, err := s.beginChange(ctx, id)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	status = strings.TrimSpace(status)
	label := func(code string) string { return codes.Label(tuopin.CodeStatus, code, "zh") }
	if !codes.Valid(tuopin.CodeStatus, status, old.Year) {
		return nil, tuopin.FieldErr("status", "invalid_choice", "%q is not a valid status for %d.", status, old.Year)
	}
	if !tuopin.CanMoveStatus(old.Status, status) {
		var allowed []string
		for _, to := range tuopin.StatusTransitions[old.Status] {
			allowed = append(allowed, label(to))
		}
		sort.Strings(allowed)
		return nil, tuopin.FieldErr("status", "invalid_transition", "A household cannot move from %s to %s; from %s it may move to: %s.",
			label(old.Status), label(status), label(old.Status), strings.Join(allowed, ", "))
	}
	h := cloneHousehold(old)
	h.Status, h.Version, h.UpdatedAt = status, old.Version+1, tx.now
	res, err := tx.ExecContext(ctx, `UPDATE households SET status = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?`,
		h.Status, h.Version, formatTime(tx.now), h.ID, old.Version)
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, s.db.formatError(err)
	} else if n == 0 {
		return nil, errStale(old)
	}
	if err := applyHouseholdChange(ctx, tx, old, h); err != nil {
		return nil, err
	}
	if err := recordStatusEvent(ctx, tx, old, h, date, reason); err != nil {
		return nil, err
	}
	e, err := newAuditEntry(tuopin.ActionHouseholdStatus, "household", strconv.FormatInt(h.ID, 10), h.AreaCode, reason, old, h)
	if err != nil {
		return nil, err
	}
	if err := tx.appendAudit(ctx, e); err != nil {
		return nil, err
	}
	return h, tx.Commit()
}
