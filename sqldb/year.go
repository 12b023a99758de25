package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/tuopin/tuopin"
)

var _ tuopin.YearService = (*YearService)(nil)

// YearService starts registry years (年度结转): it copies a year's
// households forward into the next year, set-based, and records the start
// in registry_years, which closes the old year for writes under the area
// (checkYearOpen, called by every household write).
type YearService struct {
	db *DB
}

// NewYearService returns the year service of db.
func NewYearService(db *DB) *YearService { return &YearService{db: db} }

// yearCopyColumns are the columns a start copies from a row of the old
// year as they are: the bulk path's full column lists (householdCopyColumns,
// memberCopyColumns, built from the field catalog) without the key, the
// year and the row's own bookkeeping. A column added to those lists is
// copied with no change here; TestStartYearCopiesEveryColumn compares every
// stored column of the copies.
func yearCopyColumns(all []string, skip ...string) []string {
	var out []string
	for _, c := range all {
		if !slices.Contains(skip, c) {
			out = append(out, c)
		}
	}
	return out
}

func householdYearColumns() []string {
	return yearCopyColumns(householdCopyColumns(), "id", "year", "version", "created_at", "updated_at")
}

func memberYearColumns() []string {
	return yearCopyColumns(memberCopyColumns(), "id", "household_id", "year")
}

// qualify prefixes each column with alias and a dot and joins them.
func qualify(alias string, cols []string) string {
	q := make([]string, len(cols))
	for i, c := range cols {
		q[i] = alias + "." + c
	}
	return strings.Join(q, ", ")
}

// checkYearOpen refuses a write to a household of year in area (a code of
// 12 digits or more) once year has been carried forward there: by a start
// of its county or of the whole registry.
func checkYearOpen(ctx context.Context, tx *Tx, year int, area string) error {
	county := area
	if len(county) > 6 {
		county = county[:6]
	}
	var next int
	err := tx.QueryRowContext(ctx, `SELECT year FROM registry_years WHERE from_year = ? AND area_code IN ('', ?) ORDER BY year LIMIT 1`,
		year, county).Scan(&next)
	if err == sql.ErrNoRows {
		return nil
	} else if err != nil {
		return tx.db.formatError(err)
	}
	return tuopin.ErrYearClosed(year, next)
}

// checkYearsOpen is checkYearOpen for a batch of households, with one
// query: it returns the index of the first household whose year is closed
// and the error.
func checkYearsOpen(ctx context.Context, tx *Tx, hs []*tuopin.Household) (int, error) {
	var years []int
	for _, h := range hs {
		if h != nil && !slices.Contains(years, h.Year) {
			years = append(years, h.Year)
		}
	}
	if len(years) == 0 {
		return 0, nil
	}
	args := make([]any, len(years))
	for i, y := range years {
		args[i] = y
	}
	rows, err := tx.QueryContext(ctx, `SELECT area_code, from_year, year FROM registry_years WHERE from_year IN (`+placeholders(len(args))+`)`, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	type closed struct{ area, year string }
	next := map[string]int{} // "2016 451224" → 2017
	for rows.Next() {
		var area string
		var from, to int
		if err := rows.Scan(&area, &from, &to); err != nil {
			return 0, tx.db.formatError(err)
		}
		k := strconv.Itoa(from) + " " + area
		if n, ok := next[k]; !ok || to < n {
			next[k] = to
		}
	}
	if err := rows.Err(); err != nil {
		return 0, tx.db.formatError(err)
	}
	if len(next) == 0 {
		return 0, nil
	}
	for i, h := range hs {
		if h == nil {
			continue
		}
		y := strconv.Itoa(h.Year) + " "
		county := h.AreaCode
		if len(county) > 6 {
			county = county[:6]
		}
		if n, ok := next[y]; ok {
			return i, tuopin.ErrYearClosed(h.Year, n)
		}
		if n, ok := next[y+county]; ok {
			return i, tuopin.ErrYearClosed(h.Year, n)
		}
	}
	return 0, nil
}

// startArea returns the area a user may start: "" (the whole registry) for
// an admin of the nation, a county's 6 digits inside an admin's scope or a
// county admin's own county. An empty area means the caller's own county
// when its scope is one.
func startArea(u *tuopin.User, area string) (string, error) {
	area = strings.TrimSpace(area)
	if tuopin.IsCode12(area) {
		area = tuopin.PrefixOfCode(area)
	}
	if area == "" && len(u.Scope) == 6 {
		area = u.Scope
	}
	if area != "" && (len(area) != 6 || !tuopin.IsDigits(area)) {
		return "", tuopin.FieldErr("area", "not_county", "A registry year starts for a county (6 digits) or for the whole registry, not for %q.", area)
	}
	switch u.Role {
	case tuopin.RoleAdmin:
		if !strings.HasPrefix(area, u.Scope) {
			if area == "" {
				return "", tuopin.FieldErr("area", "required", "Choose a county of your scope to start.")
			}
			return "", tuopin.Errorf(tuopin.EFORBIDDEN, "County %s lies outside your scope.", area)
		}
	case tuopin.RoleCountyAdmin:
		if area != u.Scope {
			return "", tuopin.Errorf(tuopin.EFORBIDDEN, "A county administrator may start registry years of its own county only.")
		}
	default:
		return "", tuopin.Errorf(tuopin.EFORBIDDEN, "Only an administrator or a county administrator may start a registry year.")
	}
	return area, nil
}

// planStart checks a start and counts what it would copy, inside tx.
func planStart(ctx context.Context, tx *Tx, from, to int, area string) (*tuopin.YearStart, error) {
	if err := tuopin.CheckYearStart(from, to, tx.now); err != nil {
		return nil, err
	}
	ys := &tuopin.YearStart{From: from, To: to, Area: area}
	// An earlier start of to covering area: the same one again is fine.
	rows, err := tx.QueryContext(ctx, `SELECT `+registryYearColumns+` FROM registry_years WHERE year = ? AND area_code IN ('', ?) ORDER BY area_code DESC`, to, area)
	if err != nil {
		return nil, err
	}
	starts, err := scanRegistryYears(rows)
	if err != nil {
		return nil, tx.db.formatError(err)
	}
	for _, s := range starts {
		if s.FromYear != from {
			return nil, tuopin.FieldErr("from", "started_from_other", "Registry year %d was started from %d already, not from %d.", to, s.FromYear, from)
		}
		if ys.Started == nil {
			ys.Started = s
		}
	}
	// to must be open itself: it is written to.
	q, args := `SELECT year FROM registry_years WHERE from_year = ?`, []any{to}
	if area != "" {
		q, args = q+` AND area_code IN ('', ?)`, append(args, area)
	}
	var next int
	switch err := tx.QueryRowContext(ctx, q+` ORDER BY year LIMIT 1`, args...).Scan(&next); {
	case err == nil:
		return nil, tuopin.ErrYearClosed(to, next)
	case err != sql.ErrNoRows:
		return nil, tx.db.formatError(err)
	}

	scope, sargs := scopeRange("f.area_code", area)
	where, wargs := "f.year = ?", []any{from}
	if scope != "" {
		where, wargs = where+" AND "+scope, append(wargs, sargs...)
	}
	if err := tx.QueryRowContext(ctx, `
		SELECT COUNT(*), COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM households t WHERE t.year = ? AND t.number = f.number) THEN 1 ELSE 0 END), 0)
		FROM households f WHERE `+where, append([]any{to}, wargs...)...).Scan(&ys.Source, &ys.Present); err != nil {
		return nil, tx.db.formatError(err)
	}
	if ys.Source == 0 {
		name := area
		if name == "" {
			name = "the registry"
		}
		return nil, tuopin.FieldErr("from", "empty_year", "There are no households of %d in %s to carry forward.", from, name)
	}
	ys.Households = ys.Source - ys.Present
	if ys.Households > 0 {
		if err := tx.QueryRowContext(ctx, `
			SELECT COUNT(*) FROM households f JOIN members m ON m.household_id = f.id
			WHERE `+where+` AND NOT EXISTS (SELECT 1 FROM households t WHERE t.year = ? AND t.number = f.number)`,
			append(wargs, to)...).Scan(&ys.Members); err != nil {
			return nil, tx.db.formatError(err)
		}
	}
	return ys, nil
}

// PlanStartYear counts what StartYear would copy, writing nothing. It
// checks as StartYear does.
func (s *YearService) PlanStartYear(ctx context.Context, from, to int, area string) (*tuopin.YearStart, error) {
	u := tuopin.UserFromContext(ctx)
	if u == nil {
		return nil, errNoUser
	}
	area, err := startArea(u, area)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return planStart(ctx, tx, from, to, area)
}

// StartYear copies the households of from under area into to, with their
// members, in one transaction; see tuopin.YearService. Every step is one
// statement over the whole set (INSERT … SELECT), whatever the number of
// households: the copies, their members, their roll-ups (one GROUP BY),
// their "year_started" events; only the derived fields that change with
// the year (ages, the year's poverty line) are rewritten row by row, for
// the households whose values do change.
func (s *YearService) StartYear(ctx context.Context, from, to int, area string) (*tuopin.YearStart, error) {
	u := tuopin.UserFromContext(ctx)
	if u == nil {
		return nil, errNoUser
	}
	area, err := startArea(u, area)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	ys, err := planStart(ctx, tx, from, to, area)
	if err != nil {
		return nil, err
	}
	if ys.Households > 0 {
		if err := copyYear(ctx, tx, ys); err != nil {
			return nil, err
		}
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO registry_years (area_code, year, from_year, started_at, started_by, households)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (area_code, year) DO UPDATE SET households = registry_years.households + excluded.households`,
		area, to, from, formatTime(tx.now), actorName(u), ys.Households); err != nil {
		return nil, err
	}
	type audit struct {
		From       int    `json:"from"`
		To         int    `json:"to"`
		Area       string `json:"area"`
		Households int    `json:"households"`
		Members    int    `json:"members"`
		Present    int    `json:"present"`
	}
	target := strconv.Itoa(to)
	if area != "" {
		target += ":" + area
	}
	e, err := newAuditEntry(tuopin.ActionYearStart, "registry_year", target, area, fmt.Sprintf("%d → %d", from, to), nil,
		audit{from, to, area, ys.Households, ys.Members, ys.Present})
	if err != nil {
		return nil, err
	}
	if err := tx.appendAudit(ctx, e); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return ys, nil
}

// copyYear carries out a planned start inside tx.
func copyYear(ctx context.Context, tx *Tx, ys *tuopin.YearStart) error {
	scope, sargs := scopeRange("f.area_code", ys.Area)
	where, wargs := "f.year = ?", []any{ys.From}
	if scope != "" {
		where, wargs = where+" AND "+scope, append(wargs, sargs...)
	}
	missing := where + " AND NOT EXISTS (SELECT 1 FROM households t WHERE t.year = ? AND t.number = f.number)"
	margs := append(append([]any{}, wargs...), ys.To)

	// The copies keep their people: an ID number of theirs that to
	// already holds elsewhere (entered by hand meanwhile) is refused.
	rows, err := tx.QueryContext(ctx, `
		SELECT m.id_number, f.number, x.area_code FROM households f
		JOIN members m ON m.household_id = f.id
		JOIN members x ON x.id_number = m.id_number AND x.year = ?
		WHERE `+missing+` ORDER BY f.number LIMIT 5`, append([]any{ys.To}, margs...)...)
	if err != nil {
		return err
	}
	var clashes []string
	for rows.Next() {
		var id, number, at string
		if err := rows.Scan(&id, &number, &at); err != nil {
			rows.Close()
			return tx.db.formatError(err)
		}
		if !strings.HasPrefix(at, tx.user.Scope) {
			at = "another area"
		}
		clashes = append(clashes, fmt.Sprintf("%s of household %s (already in %d in %s)", id, number, ys.To, at))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return tx.db.formatError(err)
	}
	if len(clashes) > 0 {
		return tuopin.FieldErr("to", "id_registered", "Some people of %d are registered in %d already, in other households: %s. Resolve these first.",
			ys.From, ys.To, strings.Join(clashes, "; "))
	}

	// The households, marked as this start's by their creation time and
	// an ID above every existing one.
	var maxID int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM households`).Scan(&maxID); err != nil {
		return tx.db.formatError(err)
	}
	now := formatTime(tx.now)
	hcols := householdYearColumns()
	res, err := tx.ExecContext(ctx, `
		INSERT INTO households (year, `+strings.Join(hcols, ", ")+`, version, created_at, updated_at)
		SELECT ?, `+qualify("f", hcols)+`, 1, ?, ?
		FROM households f WHERE `+missing,
		append([]any{ys.To, now, now}, margs...)...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return tx.db.formatError(err)
	} else if int(n) != ys.Households {
		return fmt.Errorf("sqldb: year start %s copied %d households, planned %d", ys, n, ys.Households)
	}
	tScope, tArgs := scopeRange("t.area_code", ys.Area)
	copied, cargs := "t.year = ? AND t.id > ? AND t.created_at = ?", []any{ys.To, maxID, now}
	if tScope != "" {
		copied, cargs = copied+" AND "+tScope, append(cargs, tArgs...)
	}
	mcols := memberYearColumns()
	res, err = tx.ExecContext(ctx, `
		INSERT INTO members (household_id, year, `+strings.Join(mcols, ", ")+`)
		SELECT t.id, t.year, `+qualify("m", mcols)+`
		FROM households t
		JOIN households f ON f.year = ? AND f.number = t.number
		JOIN members m ON m.household_id = f.id
		WHERE `+copied, append([]any{ys.From}, cargs...)...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return tx.db.formatError(err)
	} else if int(n) != ys.Members {
		return fmt.Errorf("sqldb: year start %s copied %d members, planned %d", ys, n, ys.Members)
	}
	rcond, rargs, err := rederiveCond(ctx, tx, ys)
	if err != nil {
		return err
	}
	if rcond != "" {
		if err := rederiveCopies(ctx, tx, copied+" AND "+rcond, append(append([]any{}, cargs...), rargs...)); err != nil {
			return err
		}
	}
	if err := addCopiedRollups(ctx, tx, ys.To, copied, cargs); err != nil {
		return err
	}
	// One "year_started" event per copy, dated 1 January of the new year
	// (today, for a start made ahead of it), so that the new year's
	// events follow it on the timeline; registry_years and the audit
	// entry keep the time of the start.
	date := fmt.Sprintf("%04d-01-01", ys.To)
	if today := tuopin.Today(tx.now); today < date {
		date = today
	}
	name := actorName(tx.user)
	_, err = tx.ExecContext(ctx, `
		INSERT INTO household_events (year, number, household_id, area_code, kind, date, from_status, to_status,
			reason, actor_id, actor_name, created_at)
		SELECT t.year, t.number, t.id, t.area_code, ?, ?, t.status, t.status, ?, ?, ?, ?
		FROM households t WHERE `+copied,
		append([]any{tuopin.EventYearStarted, date, fmt.Sprintf("%d → %d", ys.From, ys.To), tx.user.ID, name, now}, cargs...)...)
	return err
}

// rederiveCond returns the condition (over alias t) that selects the
// copies whose derived fields can differ from their originals', which
// carried them over, and "1 = 1" when that may be any. What a household
// derives (tuopin.Household.Derive, deriveHousehold) depends on its year
// in two ways: the year's rules (the poverty line and the income counting
// rule of ruleFor) and the members' ages at the year's end (children of
// compulsory-school age). When the rules of both years are the same under
// the area, only households with a member who enters or leaves the
// school ages between the years can change: a member born in a year of
// one window and not of the other. TestStartYearRederives guards both.
func rederiveCond(ctx context.Context, tx *Tx, ys *tuopin.YearStart) (string, []any, error) {
	ps, err := tx.db.paramSet(ctx)
	if err != nil {
		return "", nil, err
	}
	rules := func(year int) map[string]string {
		out := map[string]string{}
		for _, p := range ps.All() {
			if p.Year != year || (p.Kind != tuopin.ParamPovertyLine && p.Kind != tuopin.ParamIncomeExcluded) {
				continue
			}
			if strings.HasPrefix(p.Region, ys.Area) || strings.HasPrefix(ys.Area, p.Region) {
				out[p.Kind+"|"+p.Region] = fmt.Sprint(p.Value, "|", p.Text)
			}
		}
		return out
	}
	if !maps.Equal(rules(ys.From), rules(ys.To)) {
		return "1 = 1", nil, nil
	}
	// Birth years of the school ages at the end of from and of to.
	lo, hi := tuopin.CompulsorySchoolFrom, tuopin.CompulsorySchoolTo
	var ranges []string
	var args []any
	add := func(first, last int) {
		if first <= last {
			ranges = append(ranges, "(m.birth_date >= ? AND m.birth_date < ?)")
			args = append(args, fmt.Sprintf("%04d-01-01", first), fmt.Sprintf("%04d-01-01", last+1))
		}
	}
	add(ys.From-hi, min(ys.From-lo, ys.To-hi-1)) // of school age in from only
	add(max(ys.To-hi, ys.From-lo+1), ys.To-lo)   // of school age in to only
	if len(ranges) == 0 {
		return "", nil, nil
	}
	return "EXISTS (SELECT 1 FROM members m WHERE m.household_id = t.id AND (" + strings.Join(ranges, " OR ") + "))", args, nil
}

// rederiveCopies recomputes the derived fields of the copies (cond over
// alias t), which depend on the year: ages at the year's end, the year's
// poverty line and income rules. Only those whose values change are
// written; their roll-ups are added afterwards, from the rows as written.
func rederiveCopies(ctx context.Context, tx *Tx, cond string, args []any) error {
	_, err := rederive(ctx, tx, cond, args, nil)
	return err
}

// addCopiedRollups adds the copies (cond over alias t) to the roll-ups of
// year: one GROUP BY over them, as a recomputation does, summed up to the
// nation and upserted in one go.
func addCopiedRollups(ctx context.Context, tx *Tx, year int, cond string, args []any) error {
	group := qualify("t", splitColumns(rollupGroupColumns))
	rows, err := tx.QueryContext(ctx, `SELECT t.area_code, `+group+`, COUNT(*) FROM households t WHERE `+cond+
		` GROUP BY t.area_code, `+group, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	c := newRollupComputer()
	villages := rollupValues{}
	for rows.Next() {
		var village string
		var g rollupGroup
		var n int64
		if err := rows.Scan(append(append([]any{&village}, g.scanTargets()...), &n)...); err != nil {
			return tx.db.formatError(err)
		}
		if len(village) > 12 {
			village = village[:12]
		}
		for _, mv := range c.metricsOf(g) {
			villages[rollupKey{year, tuopin.LevelVillage, village, mv.metric}] += mv.value * n
		}
	}
	if err := rows.Err(); err != nil {
		return tx.db.formatError(err)
	}
	deltas := rollupValues{}
	deltas.addVillages(villages, tuopin.LevelNation)
	return applyRollupDeltas(ctx, tx, deltas)
}

const registryYearColumns = `area_code, year, from_year, started_at, started_by, households`

func scanRegistryYears(rows *sql.Rows) ([]*tuopin.RegistryYear, error) {
	defer rows.Close()
	var out []*tuopin.RegistryYear
	for rows.Next() {
		var r tuopin.RegistryYear
		var at string
		if err := rows.Scan(&r.AreaCode, &r.Year, &r.FromYear, &at, &r.StartedBy, &r.Households); err != nil {
			return nil, err
		}
		var err error
		if r.StartedAt, err = parseTime(at); err != nil {
			return nil, err
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}

// FindCountyYears lists the counties of the caller's scope that hold
// households (a county admin's own county in any case) with their
// households per year, from the roll-ups, and the starts that cover them.
// A caller whose scope lies below a county gets that county, with the
// counts of its own scope. Without a user it finds nothing.
func (s *YearService) FindCountyYears(ctx context.Context) ([]*tuopin.CountyYears, error) {
	u := tuopin.UserFromContext(ctx)
	if u == nil {
		return []*tuopin.CountyYears{}, nil
	}
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	county := tuopin.LevelCounty
	var counties []*tuopin.CountyYears
	byCode := map[string]*tuopin.CountyYears{}
	add := func(code, name string) {
		c := &tuopin.CountyYears{Code: code, Name: name, Households: map[int]int{}, Starts: map[int]*tuopin.RegistryYear{}}
		counties = append(counties, c)
		byCode[code] = c
	}
	below := len(u.Scope) > county.Digits()
	if below {
		var name string
		err := tx.QueryRowContext(ctx, `SELECT name FROM areas WHERE code = ?`, tuopin.PadCode(u.Scope[:6])).Scan(&name)
		if err != nil && err != sql.ErrNoRows {
			return nil, s.db.formatError(err)
		}
		add(u.Scope[:6], name)
	} else {
		q, args := `SELECT code, name FROM areas WHERE level = ?`, []any{int(county)}
		if p, a := scopeRange("code", u.Scope); p != "" {
			q, args = q+" AND "+p, append(args, a...)
		}
		rows, err := tx.QueryContext(ctx, q+` ORDER BY code`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var code, name string
			if err := rows.Scan(&code, &name); err != nil {
				rows.Close()
				return nil, s.db.formatError(err)
			}
			add(code[:6], name)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, s.db.formatError(err)
		}
	}
	if len(counties) == 0 {
		return []*tuopin.CountyYears{}, nil
	}

	// Households per year: one range over the counties' roll-ups per
	// year (or the scope's own row, below a county).
	years, err := rollupYears(ctx, tx, 0)
	if err != nil {
		return nil, err
	}
	for _, y := range years {
		if below {
			level, _ := tuopin.LevelOfPrefix(u.Scope)
			var n int
			err := tx.QueryRowContext(ctx, `SELECT value FROM rollups WHERE year = ? AND level = ? AND area = ? AND metric = ?`,
				y, int(level), u.Scope, tuopin.MetricHouseholds).Scan(&n)
			if err != nil && err != sql.ErrNoRows {
				return nil, s.db.formatError(err)
			}
			if n > 0 {
				counties[0].Households[y] = n
			}
			continue
		}
		q, args := `SELECT area, value FROM rollups WHERE year = ? AND level = ? AND metric = ?`, []any{y, int(county), tuopin.MetricHouseholds}
		if p, a := scopeRange("area", u.Scope); p != "" {
			q, args = q+" AND "+p, append(args, a...)
		}
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var area string
			var n int
			if err := rows.Scan(&area, &n); err != nil {
				rows.Close()
				return nil, s.db.formatError(err)
			}
			if c := byCode[area]; c != nil && n > 0 {
				c.Households[y] = n
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, s.db.formatError(err)
		}
	}

	// The starts: the whole registry's and the counties'.
	q, args := `SELECT `+registryYearColumns+` FROM registry_years WHERE area_code = ''`, []any(nil)
	if p, a := scopeRange("area_code", u.Scope[:min(len(u.Scope), 6)]); p != "" {
		q, args = q+" OR ("+p+")", a
	} else {
		q = `SELECT ` + registryYearColumns + ` FROM registry_years`
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	starts, err := scanRegistryYears(rows)
	if err != nil {
		return nil, s.db.formatError(err)
	}
	for _, st := range starts {
		for _, c := range counties {
			if st.AreaCode == "" && c.Starts[st.Year] == nil || st.AreaCode == c.Code {
				c.Starts[st.Year] = st
			}
		}
	}
	// Above a county, only the counties that hold a registry: a province
	// of the national division codes has a hundred counties, most of
	// them without households here.
	if len(u.Scope) < county.Digits() {
		counties = slices.DeleteFunc(counties, func(c *tuopin.CountyYears) bool { return len(c.Households) == 0 })
	}
	return counties, nil
}
