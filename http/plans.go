package apphttp

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tuopin/tuopin"
)

// planFormNodes is how many time nodes the plans form offers per area at
// least; a stored plan with more gets as many columns as it needs, so that
// saving the form never drops a node.
const planFormNodes = 4

// planForm is the plans table as typed: one row per child area.
type planForm struct {
	Year   string
	Reason string
	Rows   []*planRowForm
}

type planRowForm struct {
	Code   string
	Name   string
	Stats  *tuopin.AreaStats // the area's registry counts, for reference
	Stored *tuopin.ExitPlan  // nil: none yet
	// SubPlans counts the plans set for the area's own children when it
	// has none itself (a township planned village by village).
	SubPlans   int
	Households string
	Persons    string
	Nodes      []*planNodeForm
}

type planNodeForm struct {
	Date       string
	Households string
	Persons    string
}

type plansData struct {
	*view
	Crumbs   []crumb
	Area     *tuopin.AreaStats
	Years    []int
	Year     int
	Form     *planForm
	NodeCols []int // 0 … n-1, the node columns of the form
	Editable bool
	// Own is the area's own plan, set by its parent (a township's target
	// from its county), shown above the table of its children's plans.
	Own *tuopin.ExitPlan
	// Children lists the child areas of an area above county level, whose
	// plans are kept on their own pages.
	Children []*tuopin.AreaStats
	// Saved counts the plans a partly failed save did store.
	Saved int
}

// AreaName is the name of the area shown.
func (d *plansData) AreaName() string { return lastCrumb(d.Crumbs) }

// YearOptions lists the years of the selector.
func (d *plansData) YearOptions() []int { return yearOptions(d.Years, d.Year) }

// Sums returns the stored plans' totals of households and persons.
func (d *plansData) Sums() (out struct{ Households, Persons, Areas int }) {
	for _, r := range d.Form.Rows {
		if r.Stored != nil {
			out.Households += r.Stored.Households
			out.Persons += r.Stored.Persons
			out.Areas++
		}
	}
	return out
}

// NodeKey returns the form and error key of a node field.
func nodeKey(i, j int, field string) string {
	return fmt.Sprintf("rows[%d].nodes[%d].%s", i, j, field)
}

// plansPage shows the exit plans of an area's children for a year: a
// table to edit for a county office, read-only for everyone else.
func (s *Server) plansPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.loadPlans(w, r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, viewPlans, d)
}

// loadPlans reads the area, its children and their stored plans, and
// fills the form from them.
func (s *Server) loadPlans(w http.ResponseWriter, r *http.Request) (*plansData, error) {
	ctx := r.Context()
	prefix, err := boardPrefix(r)
	if err != nil {
		return nil, err
	}
	years, year, err := s.yearChoice(r)
	if err != nil {
		return nil, err
	}
	if r.Method == http.MethodPost {
		if y, err := strconv.Atoi(r.PostForm.Get("year")); err == nil {
			year = y
		}
	}
	stats, children, err := s.svc.Areas.FindAreaStats(ctx, prefix, year)
	if err != nil {
		return nil, err
	}
	shown := ""
	if stats.Level != tuopin.LevelNation {
		shown = stats.Prefix()
	}
	crumbs, err := s.breadcrumb(r, shown, year)
	if err != nil {
		return nil, err
	}
	v := s.newView(w, r, "plans")
	d := &plansData{view: v, Crumbs: crumbs, Area: stats, Years: years, Year: year, Form: &planForm{Year: strconv.Itoa(year)}}

	var plans map[string]*tuopin.ExitPlan
	switch stats.Level {
	case tuopin.LevelCounty, tuopin.LevelTownship:
		if plans, err = s.svc.Plans.FindPlans(ctx, year, stats.Code); err != nil {
			return nil, err
		}
		d.Editable = canSetPlans(v.User.Role)
	case tuopin.LevelVillage:
		// A village's own plan, read only: it is set from above.
		if plans, err = s.svc.Plans.FindPlans(ctx, year, stats.ParentCode); err != nil {
			return nil, err
		}
		children = []*tuopin.AreaStats{stats}
	default:
		d.Children = children
		return d, nil
	}
	if stats.Level == tuopin.LevelTownship {
		own, err := s.svc.Plans.FindPlans(ctx, year, stats.ParentCode)
		if err != nil {
			return nil, err
		}
		d.Own = own[stats.Code]
	}
	cols := planFormNodes
	for _, p := range plans {
		cols = max(cols, len(p.Nodes))
	}
	for i := range cols {
		d.NodeCols = append(d.NodeCols, i)
	}
	for _, c := range children {
		row := &planRowForm{Code: c.Code, Name: c.Name, Stats: c, Stored: plans[c.Code]}
		if row.Stored == nil && c.Level == tuopin.LevelTownship {
			sub, err := s.svc.Plans.FindPlans(ctx, year, c.Code)
			if err != nil {
				return nil, err
			}
			row.SubPlans = len(sub)
		}
		if p := row.Stored; p != nil {
			row.Households, row.Persons = strconv.Itoa(p.Households), strconv.Itoa(p.Persons)
			for _, n := range p.Nodes {
				row.Nodes = append(row.Nodes, &planNodeForm{Date: n.Date.Format(tuopin.DateLayout),
					Households: strconv.Itoa(n.Households), Persons: strconv.Itoa(n.Persons)})
			}
		}
		for len(row.Nodes) < cols {
			row.Nodes = append(row.Nodes, &planNodeForm{})
		}
		d.Form.Rows = append(d.Form.Rows, row)
	}
	return d, nil
}

var planFieldRe = regexp.MustCompile(`^rows\[(\d{1,4})\]\.(?:nodes\[(\d{1,2})\]\.)?(\w+)$`)

// plansSave stores the plans typed in the table. Every row is parsed and
// validated first; only when all are valid are the changed ones stored,
// each with its audit entry. A refused table comes back as typed, with
// each refused field marked.
func (s *Server) plansSave(w http.ResponseWriter, r *http.Request) {
	d, err := s.loadPlans(w, r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	if !d.Editable {
		s.htmlError(w, r, tuopin.Errorf(tuopin.EFORBIDDEN, "Your role may not set exit plans here."))
		return
	}
	d.Form.Reason = strings.TrimSpace(r.PostForm.Get("reason"))
	// The typed values replace the stored ones, row by row.
	for k, vals := range r.PostForm {
		m := planFieldRe.FindStringSubmatch(k)
		if m == nil || len(vals) == 0 {
			continue
		}
		i, _ := strconv.Atoi(m[1])
		if i >= len(d.Form.Rows) || r.PostForm.Get(fmt.Sprintf("rows[%d].code", i)) != d.Form.Rows[i].Code {
			continue // not a row of this table (the page changed meanwhile)
		}
		row, v := d.Form.Rows[i], strings.TrimSpace(vals[0])
		if m[2] == "" {
			switch m[3] {
			case "households":
				row.Households = v
			case "persons":
				row.Persons = v
			}
			continue
		}
		j, _ := strconv.Atoi(m[2])
		if j >= len(row.Nodes) {
			continue
		}
		switch m[3] {
		case "date":
			row.Nodes[j].Date = v
		case "households":
			row.Nodes[j].Households = v
		case "persons":
			row.Nodes[j].Persons = v
		}
	}

	// Parse and validate every row; collect the changed plans.
	var errs tuopin.Fields
	type change struct {
		row  int
		plan *tuopin.ExitPlan
		idx  []int // form node column of each plan node
	}
	var changes []change
	for i, row := range d.Form.Rows {
		p, idx, ferr := row.plan(d.Year)
		prefix := fmt.Sprintf("rows[%d].", i)
		if p == nil && len(ferr) == 0 {
			continue // left blank, and nothing stored
		}
		if len(ferr) == 0 {
			ferr.Merge("", tuopin.ErrorFields(p.Validate()))
		}
		if len(ferr) > 0 {
			errs.Merge(prefix, remapNodes(ferr, idx))
			continue
		}
		if row.Stored == nil || !samePlanTargets(row.Stored, p) {
			changes = append(changes, change{i, p, idx})
		}
	}
	if len(errs) > 0 {
		s.refusePlans(w, r, d, errs)
		return
	}
	for _, c := range changes {
		err := s.svc.Plans.SetPlan(r.Context(), c.plan, d.Form.Reason)
		switch tuopin.ErrorCode(err) {
		case "":
			d.Saved++
			continue
		case tuopin.EINVALID:
			errs.Merge(fmt.Sprintf("rows[%d].", c.row), remapNodes(tuopin.ErrorFields(err), c.idx))
			continue
		}
		s.htmlError(w, r, err)
		return
	}
	if len(errs) > 0 {
		s.refusePlans(w, r, d, errs)
		return
	}
	s.setFlash(w, "flash.plans_saved")
	http.Redirect(w, r, "/plans/"+d.Area.Prefix()+"?year="+strconv.Itoa(d.Year), http.StatusSeeOther)
}

func (s *Server) refusePlans(w http.ResponseWriter, r *http.Request, d *plansData, errs tuopin.Fields) {
	d.Errors = errs
	d.FormError = translate(d.Lang, "form.has_errors")
	s.render(w, r, http.StatusUnprocessableEntity, viewPlans, d)
}

// plan parses a row into a plan. It returns nil and no error for a row
// left blank with no stored plan, and the form column of each node.
func (row *planRowForm) plan(year int) (*tuopin.ExitPlan, []int, tuopin.Fields) {
	var errs tuopin.Fields
	blank := row.Households == "" && row.Persons == ""
	for _, n := range row.Nodes {
		blank = blank && n.Date == "" && n.Households == "" && n.Persons == ""
	}
	if blank && row.Stored == nil {
		return nil, nil, nil
	}
	num := func(key, s string) int {
		if s == "" {
			errs.Add(key, "required", "Required.")
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			errs.Add(key, "invalid_number", "Enter a whole number.")
		}
		return n
	}
	p := &tuopin.ExitPlan{Year: year, AreaCode: row.Code, Nodes: []tuopin.PlanNode{}}
	p.Households = num("households", row.Households)
	p.Persons = num("persons", row.Persons)
	var idx []int
	for j, n := range row.Nodes {
		if n.Date == "" && n.Households == "" && n.Persons == "" {
			continue
		}
		key := fmt.Sprintf("nodes[%d].", j)
		node := tuopin.PlanNode{Households: num(key+"households", n.Households), Persons: num(key+"persons", n.Persons)}
		if n.Date == "" {
			errs.Add(key+"date", "required", "Required.")
		} else if t, err := time.Parse(tuopin.DateLayout, n.Date); err != nil {
			errs.Add(key+"date", "invalid_date", "Enter a date as YYYY-MM-DD.")
		} else {
			node.Date = t
		}
		p.Nodes = append(p.Nodes, node)
		idx = append(idx, j)
	}
	return p, idx, errs
}

var nodeFieldRe = regexp.MustCompile(`^nodes\[(\d+)\]\.(\w+)$`)

// remapNodes renames the plan's node field keys ("nodes[1].date", the
// second node given) to the form's columns ("nodes[3].date" when columns 1
// and 2 were left blank). Keys of the form's own parsing are columns
// already and idx is nil for them.
func remapNodes(f map[string]tuopin.FieldError, idx []int) tuopin.Fields {
	out := tuopin.Fields{}
	for k, v := range f {
		if m := nodeFieldRe.FindStringSubmatch(k); m != nil && idx != nil {
			if i, _ := strconv.Atoi(m[1]); i < len(idx) {
				k = fmt.Sprintf("nodes[%d].%s", idx[i], m[2])
			}
		}
		out[k] = v
	}
	return out
}

// samePlanTargets reports whether two plans set the same targets.
func samePlanTargets(a, b *tuopin.ExitPlan) bool {
	if a.Households != b.Households || a.Persons != b.Persons || len(a.Nodes) != len(b.Nodes) {
		return false
	}
	for i := range a.Nodes {
		if !a.Nodes[i].Date.Equal(b.Nodes[i].Date) || a.Nodes[i].Households != b.Nodes[i].Households || a.Nodes[i].Persons != b.Nodes[i].Persons {
			return false
		}
	}
	return true
}

// RowErr returns the translated error of a row's field, for the form.
func (d *plansData) RowErr(i int, field string) string {
	fe, ok := d.Errors[fmt.Sprintf("rows[%d].%s", i, field)]
	if !ok {
		return ""
	}
	return fieldMessage(d.Lang, fe)
}

// NodeErr returns the translated error of a node field.
func (d *plansData) NodeErr(i, j int, field string) string {
	fe, ok := d.Errors[nodeKey(i, j, field)]
	if !ok {
		return ""
	}
	return fieldMessage(d.Lang, fe)
}

// ErrorList lists the refused fields as "东兰镇 · 节点 2 日期：…", in row order.
func (d *plansData) ErrorList() []string {
	var out []string
	for i, row := range d.Form.Rows {
		for _, f := range []string{"area_code", "households", "persons", "nodes"} {
			if msg := d.RowErr(i, f); msg != "" {
				out = append(out, row.Name+" · "+fieldName(d.Lang, f)+translate(d.Lang, "common.colon")+msg)
			}
		}
		for j := range row.Nodes {
			for _, f := range []string{"date", "households", "persons"} {
				if msg := d.NodeErr(i, j, f); msg != "" {
					out = append(out, row.Name+" · "+translate(d.Lang, "plans.node_n", j+1)+" "+fieldName(d.Lang, f)+translate(d.Lang, "common.colon")+msg)
				}
			}
		}
	}
	return out
}

// NodeName is a node field's input name.
func (d *plansData) NodeName(i, j int, field string) string { return nodeKey(i, j, field) }

// RowName is a row field's input name.
func (d *plansData) RowName(i int, field string) string { return fmt.Sprintf("rows[%d].%s", i, field) }

// NodeSpan is how many table columns the node inputs take.
func (d *plansData) NodeSpan() int { return 3 * len(d.NodeCols) }
