package sqldb

import (
	"context"
	"database/sql"
	"strings"

	"github.com/tuopin/tuopin"
)

// The national field set (tuopin.HouseholdFieldDefs, MemberFieldDefs) is
// stored one column per field, named by its key (0004_household_details.sql).
// The column lists, scan targets and statement arguments are built here
// from the catalog, once, so that every statement reads and writes the
// same columns in the same order.

// Core columns of households and members, as in 0001_init.sql.
const (
	householdCoreColumns = `id, year, number, area_code, head_name, size, attribute, main_cause,
	income_per_capita, status, phone, version, created_at, updated_at`
	memberCoreColumns = `id, household_id, name, sex, birth_date, id_number, relation, education, health, skill`
)

// indicatorColumns hold tuopin.Indicators.
var indicatorColumns = []string{"ind_food", "ind_school", "ind_uninsured", "ind_house", "ind_water", "income_band"}

var (
	// householdColumns are the columns scanHousehold reads, in order.
	householdColumns string
	// hColumns is householdColumns qualified with "h." for joins.
	hColumns string
	// memberColumns are the columns scanMember reads, in order.
	memberColumns string

	// householdInsertColumns and memberInsertColumns are the columns a
	// new row is inserted with, in the order of the arguments
	// createHouseholds and insertMembers give: householdColumns without
	// id; members with their household, year, area and order.
	householdInsertColumns []string
	memberInsertColumns    []string

	// householdDetailColumns and memberDetailColumns are the catalog's
	// columns (without indicators), in catalog order.
	householdDetailColumns []string
	memberDetailColumns    []string
)

func init() {
	for _, f := range tuopin.HouseholdFieldDefs {
		householdDetailColumns = append(householdDetailColumns, f.Key)
	}
	for _, f := range tuopin.MemberFieldDefs {
		memberDetailColumns = append(memberDetailColumns, f.Key)
	}
	hcols := append(splitColumns(householdCoreColumns), append(append([]string{}, householdDetailColumns...), indicatorColumns...)...)
	householdColumns = strings.Join(hcols, ", ")
	q := make([]string, len(hcols))
	for i, c := range hcols {
		q[i] = "h." + c
	}
	hColumns = strings.Join(q, ", ")
	memberColumns = strings.Join(append(splitColumns(memberCoreColumns), memberDetailColumns...), ", ")
	householdInsertColumns = append([]string(nil), hcols[1:]...) // without id
	memberInsertColumns = append([]string{"household_id", "year", "area_code", "ord", "name", "sex", "birth_date", "id_number",
		"relation", "education", "health", "skill"}, memberDetailColumns...)
}

func splitColumns(list string) []string {
	var out []string
	for _, c := range strings.Split(list, ",") {
		out = append(out, strings.TrimSpace(c))
	}
	return out
}

// detailScan holds the scan destinations of a list of detail columns.
type detailScan struct {
	defs []tuopin.FieldDef
	nums []sql.NullInt64
	strs []string
}

func newDetailScan(defs []tuopin.FieldDef) *detailScan {
	return &detailScan{defs: defs, nums: make([]sql.NullInt64, len(defs)), strs: make([]string, len(defs))}
}

// targets returns the destinations, in column order.
func (d *detailScan) targets() []any {
	out := make([]any, len(d.defs))
	for i, f := range d.defs {
		if f.Numeric() {
			out[i] = &d.nums[i]
		} else {
			out[i] = &d.strs[i]
		}
	}
	return out
}

// details returns the scanned values as a Details map (nil when none is
// recorded).
func (d *detailScan) details() map[string]string {
	var m map[string]string
	for i, f := range d.defs {
		v := f.FromStorage(d.nums[i].Int64, d.nums[i].Valid, d.strs[i])
		if v == "" {
			continue
		}
		if m == nil {
			m = make(map[string]string)
		}
		m[f.Key] = v
	}
	return m
}

// detailArgs appends the storage values of details in catalog order.
func detailArgs(args []any, defs []tuopin.FieldDef, details map[string]string) []any {
	for _, f := range defs {
		args = append(args, f.StorageValue(details[f.Key]))
	}
	return args
}

// indicatorArgs appends the indicator columns' values.
func indicatorArgs(args []any, ind tuopin.Indicators) []any {
	return append(args, b2i(ind.FoodClothingGap), ind.OutOfSchool, ind.Uninsured,
		b2i(ind.UnsafeHouse), b2i(ind.UnsafeWater), ind.IncomeBand)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// setList returns "a = ?, b = ?" for columns.
func setList(cols []string) string {
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = c + " = ?"
	}
	return strings.Join(parts, ", ")
}

// householdRule is what storage needs of the parameter tables to derive a
// household's computed fields: the income components the counting rule
// excludes and the poverty line, for the household's year and area.
type householdRule struct {
	excluded []string
	line     tuopin.Money
	hasLine  bool
}

// deriveHousehold computes per-capita net income from the components (when
// recorded) and the indicators, under the parameters in force.
func deriveHousehold(ctx context.Context, tx *Tx, h *tuopin.Household) error {
	ps, err := tx.db.paramSet(ctx)
	if err != nil {
		return err
	}
	deriveWith(ps, h)
	return nil
}

// deriveWith derives h's computed fields under a parameter set.
func deriveWith(ps *tuopin.ParamSet, h *tuopin.Household) {
	r := ruleFrom(ps, h.Year, h.AreaCode)
	h.ComputeIncomePerCapita(r.excluded)
	h.Derive(r.line, r.hasLine)
}

// ruleFrom looks up the parameters for a year and area.
func ruleFrom(ps *tuopin.ParamSet, year int, area string) householdRule {
	var r householdRule
	if p, ok := ps.Lookup(tuopin.ParamIncomeExcluded, year, area); ok {
		r.excluded = tuopin.ParseExcluded(p.Text)
	}
	if p, ok := ps.Lookup(tuopin.ParamPovertyLine, year, area); ok {
		r.line, r.hasLine = p.Value, true
	}
	return r
}

// derivingParams are the parameter kinds that households derive fields
// from: a change to one of them calls refreshDerived.
var derivingParams = map[string]bool{tuopin.ParamPovertyLine: true, tuopin.ParamIncomeExcluded: true}

// refreshDerived recomputes the derived fields (per-capita income from its
// components, the indicators) of the households of a year (0 = every
// year) under an area prefix, after the parameters they depend on have
// changed, and moves the roll-ups with them. It writes only the households
// whose derived values change and returns how many did. The change of the
// parameter is what the audit log records. It reads the parameters as the
// transaction sees them, so that it may follow a change in the same
// transaction.
func refreshDerived(ctx context.Context, tx *Tx, year int, prefix string) (int, error) {
	cond, args := "1 = 1", []any{}
	if year != 0 {
		cond, args = cond+" AND t.year = ?", append(args, year)
	}
	if p, a := scopeRange("t.area_code", prefix); p != "" {
		cond, args = cond+" AND "+p, append(args, a...)
	}
	return rederive(ctx, tx, cond, args, func(old, h *tuopin.Household) error {
		return applyHouseholdChange(ctx, tx, old, h)
	})
}

// rederive recomputes the derived fields of the households matching cond
// (over alias t) under the parameters as the transaction sees them. It
// reads them in chunks with their members, writes those whose values
// change, calls changed (when not nil) with each one's old and new state,
// and returns how many changed.
func rederive(ctx context.Context, tx *Tx, cond string, args []any, changed func(old, h *tuopin.Household) error) (int, error) {
	const chunk = 2000
	ps, err := tx.paramSet(ctx)
	if err != nil {
		return 0, err
	}
	update, err := tx.PrepareContext(ctx, `UPDATE households SET income_per_capita = ?, `+setList(indicatorColumns)+` WHERE id = ?`)
	if err != nil {
		return 0, err
	}
	defer update.Close()
	cols := qualify("t", splitColumns(householdColumns))
	var lastID int64
	n := 0
	for {
		rows, err := tx.QueryContext(ctx, `SELECT `+cols+` FROM households t WHERE `+cond+` AND t.id > ? ORDER BY t.id LIMIT ?`,
			append(append([]any{}, args...), lastID, chunk)...)
		if err != nil {
			return n, tx.db.formatError(err)
		}
		var list []*tuopin.Household
		for rows.Next() {
			h, err := scanHousehold(rows)
			if err != nil {
				rows.Close()
				return n, tx.db.formatError(err)
			}
			list = append(list, h)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return n, tx.db.formatError(err)
		}
		if len(list) == 0 {
			return n, nil
		}
		lastID = list[len(list)-1].ID
		if err := loadMembers(ctx, tx, list); err != nil {
			return n, err
		}
		for _, h := range list {
			old := cloneHousehold(h)
			deriveWith(ps, h)
			if h.Indicators == old.Indicators && h.IncomePerCapita == old.IncomePerCapita {
				continue
			}
			if _, err := update.ExecContext(ctx, append(indicatorArgs([]any{int64(h.IncomePerCapita)}, h.Indicators), h.ID)...); err != nil {
				return n, tx.db.formatError(err)
			}
			if changed != nil {
				if err := changed(old, h); err != nil {
					return n, err
				}
			}
			n++
		}
		if len(list) < chunk {
			return n, nil
		}
	}
}

// loadMembers reads the members of households into their Members, in
// household order (ord), a few hundred households a query.
func loadMembers(ctx context.Context, tx *Tx, hs []*tuopin.Household) error {
	byID := make(map[int64]*tuopin.Household, len(hs))
	ids := make([]int64, len(hs))
	for i, h := range hs {
		h.Members = []*tuopin.Member{}
		byID[h.ID], ids[i] = h, h.ID
	}
	err := eachChunk(ids, func(c []any) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+memberColumns+` FROM members WHERE household_id IN (`+placeholders(len(c))+`)
			ORDER BY household_id, ord, id`, c...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m, err := scanMember(rows)
			if err != nil {
				return err
			}
			if h := byID[m.HouseholdID]; h != nil {
				h.Members = append(h.Members, m)
			}
		}
		return rows.Err()
	})
	return tx.db.formatError(err)
}

// deriveExisting is the Go step of the last migration that changes what
// households derive: it brings every stored household's derived fields up
// to date (the parameters are seeded by then) and its roll-ups with them.
func deriveExisting(ctx context.Context, tx *Tx) error {
	_, err := refreshDerived(ctx, tx, 0, "")
	return err
}

// householdCopyColumns returns every column of a households row, for
// statements that copy rows as they are (a new registry year).
func householdCopyColumns() []string { return splitColumns(householdColumns) }

// memberCopyColumns returns every column of a members row, including
// those scanMember does not read (year, area_code, ord).
func memberCopyColumns() []string { return append([]string{"id"}, memberInsertColumns...) }
