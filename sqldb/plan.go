package sqldb

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/tuopin/tuopin"
)

var _ tuopin.PlanService = (*PlanService)(nil)

// PlanService keeps the yearly exit plans (脱贫计划) of townships and
// villages, with their time nodes, in exit_plans and exit_plan_nodes.
type PlanService struct {
	db *DB
}

// NewPlanService returns the plan service of db.
func NewPlanService(db *DB) *PlanService { return &PlanService{db: db} }

// maxPlanNodes bounds the time nodes of one plan: twice a month is more
// than any campaign schedules.
const maxPlanNodes = 24

// FindPlans returns the plans of a year for the direct children of an area,
// keyed by the child's 12-digit code; children without a plan are absent.
// Code "" is the caller's scope. The area may be inside the caller's scope
// or one of its ancestors (a village secretary asking for its township's
// children), and in both cases only plans of areas inside the scope are
// returned: the scope is a predicate of the query. Returns ENOTFOUND for a
// missing area, one outside the scope and not above it, or no user, and
// EINVALID for a malformed code.
func (s *PlanService) FindPlans(ctx context.Context, year int, parentCode string) (map[string]*tuopin.ExitPlan, error) {
	u := tuopin.UserFromContext(ctx)
	if u == nil {
		return nil, tuopin.NotFound("area")
	}
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	// The parent: the nation's children are provinces, which hold no plans.
	parent := ""
	switch {
	case parentCode == "" && u.Scope == "":
		return map[string]*tuopin.ExitPlan{}, nil
	case parentCode == "":
		parent = tuopin.PadCode(u.Scope)
	default:
		if parent, err = parseAreaCode("code", parentCode); err != nil {
			return nil, err
		}
	}
	a, err := scanArea(tx.QueryRowContext(ctx, `SELECT `+areaColumns+` FROM areas WHERE code = ?`, parent))
	if err == sql.ErrNoRows {
		return nil, tuopin.NotFound("area")
	} else if err != nil {
		return nil, s.db.formatError(err)
	}
	if p := a.Prefix(); !strings.HasPrefix(p, u.Scope) && !strings.HasPrefix(u.Scope, p) {
		return nil, tuopin.NotFound("area")
	}
	return findChildPlans(ctx, tx, year, parent, u.Scope)
}

// findChildPlans reads the plans of year whose area is a child of parent
// (a 12-digit code) and lies inside scope, with their nodes.
func findChildPlans(ctx context.Context, tx *Tx, year int, parent, scope string) (map[string]*tuopin.ExitPlan, error) {
	// The same condition selects the plans (alias p) and their nodes (n).
	where := func(t string) (string, []any) {
		cond, args := t+`.year = ? AND a.parent_code = ?`, []any{year, parent}
		if scoped, a := scopeRange(t+".area_code", scope); scoped != "" {
			cond, args = cond+" AND "+scoped, append(args, a...)
		}
		return cond, args
	}
	cond, args := where("p")
	rows, err := tx.QueryContext(ctx, `
		SELECT p.area_code, p.households, p.persons, p.updated_at, p.updated_by
		FROM exit_plans p JOIN areas a ON a.code = p.area_code
		WHERE `+cond+` ORDER BY p.area_code`, args...)
	if err != nil {
		return nil, err
	}
	out := map[string]*tuopin.ExitPlan{}
	for rows.Next() {
		p := &tuopin.ExitPlan{Year: year, Nodes: []tuopin.PlanNode{}}
		var updated string
		if err := rows.Scan(&p.AreaCode, &p.Households, &p.Persons, &updated, &p.UpdatedBy); err != nil {
			rows.Close()
			return nil, tx.db.formatError(err)
		}
		if p.UpdatedAt, err = parseTime(updated); err != nil {
			rows.Close()
			return nil, err
		}
		out[p.AreaCode] = p
	}
	err = rows.Err()
	rows.Close()
	if err != nil || len(out) == 0 {
		return out, tx.db.formatError(err)
	}

	cond, args = where("n")
	rows, err = tx.QueryContext(ctx, `
		SELECT n.area_code, n.date, n.households, n.persons
		FROM exit_plan_nodes n JOIN areas a ON a.code = n.area_code
		WHERE `+cond+` ORDER BY n.area_code, n.ord`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var code, date string
		var n tuopin.PlanNode
		if err := rows.Scan(&code, &date, &n.Households, &n.Persons); err != nil {
			return nil, tx.db.formatError(err)
		}
		if n.Date, err = parseDate(date); err != nil {
			return nil, err
		}
		if p := out[code]; p != nil {
			p.Nodes = append(p.Nodes, n)
		}
	}
	return out, tx.db.formatError(rows.Err())
}

// findPlan reads one plan with its nodes, or nil when there is none.
func findPlan(ctx context.Context, tx *Tx, year int, code string) (*tuopin.ExitPlan, error) {
	p := &tuopin.ExitPlan{Year: year, AreaCode: code, Nodes: []tuopin.PlanNode{}}
	var updated string
	err := tx.QueryRowContext(ctx, `
		SELECT households, persons, updated_at, updated_by FROM exit_plans WHERE year = ? AND area_code = ?`,
		year, code).Scan(&p.Households, &p.Persons, &updated, &p.UpdatedBy)
	if err == sql.ErrNoRows {
		return nil, nil
	} else if err != nil {
		return nil, tx.db.formatError(err)
	}
	if p.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT date, households, persons FROM exit_plan_nodes WHERE year = ? AND area_code = ? ORDER BY ord`, year, code)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var n tuopin.PlanNode
		var date string
		if err := rows.Scan(&date, &n.Households, &n.Persons); err != nil {
			return nil, tx.db.formatError(err)
		}
		if n.Date, err = parseDate(date); err != nil {
			return nil, err
		}
		p.Nodes = append(p.Nodes, n)
	}
	return p, tx.db.formatError(rows.Err())
}

// checkPlanRole refuses a role that may not set plans.
func checkPlanRole(u *tuopin.User) error {
	if u.Role != tuopin.RoleAdmin && u.Role != tuopin.RoleCountyAdmin {
		return tuopin.Errorf(tuopin.EFORBIDDEN, "Only a county office or an administrator may set exit plans.")
	}
	return nil
}

// SetPlan stores the plan of one township or village for a year, replacing
// the one stored, and appends a "plan.set" audit entry with the changed
// fields, in one transaction. Node dates are taken as dates (their time of
// day is dropped). On success p carries UpdatedAt and UpdatedBy; a plan
// equal to the stored one writes nothing. Returns EUNAUTHORIZED without a
// user, EFORBIDDEN unless the role is RoleAdmin or RoleCountyAdmin, and
// EINVALID for bad fields (ExitPlan.Validate) and on "area_code" for an
// area outside the caller's scope, unknown, or not a township or village.
func (s *PlanService) SetPlan(ctx context.Context, p *tuopin.ExitPlan, reason string) error {
	u := tuopin.UserFromContext(ctx)
	if u == nil {
		return errNoUser
	}
	if err := checkPlanRole(u); err != nil {
		return err
	}
	if p == nil {
		return tuopin.FieldErr("plan", "required", "A plan is missing.")
	}
	p.AreaCode = strings.TrimSpace(p.AreaCode)
	if p.Nodes == nil {
		p.Nodes = []tuopin.PlanNode{}
	}
	for i, n := range p.Nodes {
		p.Nodes[i].Date = time.Date(n.Date.Year(), n.Date.Month(), n.Date.Day(), 0, 0, 0, 0, time.UTC)
	}
	if err := p.Validate(); err != nil {
		return err
	}
	if len(p.Nodes) > maxPlanNodes {
		return tuopin.FieldErr("nodes", "too_many_nodes", "A plan may have at most %d time nodes.", maxPlanNodes)
	}

	tx, err := s.db.begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	// The area: inside the scope (checked first, so that nothing is said
	// about areas outside it), stored, and a township or a village.
	if !strings.HasPrefix(p.AreaCode, u.Scope) {
		return tuopin.FieldErr("area_code", "out_of_scope", "Area %s lies outside your scope.", p.AreaCode)
	}
	var level tuopin.Level
	if err := tx.QueryRowContext(ctx, `SELECT level FROM areas WHERE code = ?`, p.AreaCode).Scan(&level); err == sql.ErrNoRows {
		return tuopin.FieldErr("area_code", "unknown_area", "There is no area %s.", p.AreaCode)
	} else if err != nil {
		return s.db.formatError(err)
	}
	if level != tuopin.LevelTownship && level != tuopin.LevelVillage {
		return tuopin.FieldErr("area_code", "not_township_or_village", "A plan is set for a township or a village.")
	}

	// Lock the stored plan's row (on PostgreSQL; SQLite's write transaction
	// is exclusive anyway) before reading it, so that the audit entry's
	// before is what this change replaces.
	if _, err := tx.ExecContext(ctx, `UPDATE exit_plans SET updated_at = updated_at WHERE year = ? AND area_code = ?`,
		p.Year, p.AreaCode); err != nil {
		return err
	}
	old, err := findPlan(ctx, tx, p.Year, p.AreaCode)
	if err != nil {
		return err
	}
	if old != nil && samePlan(old, p) {
		p.UpdatedAt, p.UpdatedBy = old.UpdatedAt, old.UpdatedBy
		return nil
	}

	p.UpdatedAt, p.UpdatedBy = tx.now, actorName(u)
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO exit_plans (year, area_code, households, persons, updated_at, updated_by)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (year, area_code) DO UPDATE SET households = excluded.households, persons = excluded.persons,
			updated_at = excluded.updated_at, updated_by = excluded.updated_by`,
		p.Year, p.AreaCode, p.Households, p.Persons, formatTime(tx.now), p.UpdatedBy); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM exit_plan_nodes WHERE year = ? AND area_code = ?`, p.Year, p.AreaCode); err != nil {
		return err
	}
	if err := tx.insertRows(ctx, `INSERT INTO exit_plan_nodes (year, area_code, ord, date, households, persons) VALUES `, 6, "",
		len(p.Nodes), func(i int, args []any) []any {
			n := p.Nodes[i]
			return append(args, p.Year, p.AreaCode, i, formatDate(n.Date), n.Households, n.Persons)
		}, nil); err != nil {
		return err
	}

	var before any
	if old != nil {
		before = newPlanRecord(old)
	}
	e, err := newAuditEntry(tuopin.ActionPlanSet, "plan", strconv.Itoa(p.Year)+"/"+p.AreaCode, p.AreaCode, reason,
		before, newPlanRecord(p))
	if err != nil {
		return err
	}
	if err := tx.appendAudit(ctx, e); err != nil {
		return err
	}
	return tx.Commit()
}

// samePlan reports whether two plans of one area and year set the same
// targets on the same dates.
func samePlan(a, b *tuopin.ExitPlan) bool {
	if a.Households != b.Households || a.Persons != b.Persons || len(a.Nodes) != len(b.Nodes) {
		return false
	}
	for i := range a.Nodes {
		x, y := a.Nodes[i], b.Nodes[i]
		if !x.Date.Equal(y.Date) || x.Households != y.Households || x.Persons != y.Persons {
			return false
		}
	}
	return true
}

// planRecord is a plan as the audit log records it: the nodes as one
// readable line ("2016-07-25 30/120; 2016-10-31 80/320", households/persons
// due by each date), so that a change shows as before → after.
type planRecord struct {
	Year       int    `json:"year"`
	AreaCode   string `json:"area_code"`
	Households int    `json:"households"`
	Persons    int    `json:"persons"`
	Nodes      string `json:"nodes"`
}

func newPlanRecord(p *tuopin.ExitPlan) planRecord {
	nodes := make([]string, len(p.Nodes))
	for i, n := range p.Nodes {
		nodes[i] = formatDate(n.Date) + " " + strconv.Itoa(n.Households) + "/" + strconv.Itoa(n.Persons)
	}
	return planRecord{Year: p.Year, AreaCode: p.AreaCode, Households: p.Households, Persons: p.Persons, Nodes: strings.Join(nodes, "; ")}
}
