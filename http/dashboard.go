package apphttp

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/tuopin/tuopin"
)

// chartSpec is what charts.js draws, read from a chart element's
// data-chart attribute (the Content-Security-Policy allows no inline
// script). Kind "bar" draws Series over Categories (Stack stacks them,
// a series of Kind "line" goes on a second, percent axis); "pie" draws the
// first series with Categories as slice names. Clicking category i goes
// to Links[i] when there is one.
type chartSpec struct {
	Kind       string        `json:"kind"`
	Categories []string      `json:"categories"`
	Links      []string      `json:"links,omitempty"`
	Series     []chartSeries `json:"series"`
	Stack      bool          `json:"stack,omitempty"`
	Unit       string        `json:"unit,omitempty"`
	Colors     []string      `json:"colors,omitempty"` // of a pie's slices
}

type chartSeries struct {
	Name  string    `json:"name"`
	Kind  string    `json:"kind,omitempty"` // "bar" (default) or "line"
	Data  []float64 `json:"data"`
	Color string    `json:"color,omitempty"`
}

// JSON returns the spec for the data-chart attribute.
func (c *chartSpec) JSON() string {
	b, err := json.Marshal(c)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// panel is one chart with its table, as the dashboard lays them out.
type panel struct {
	Table     *dataTable
	Chart     *chartSpec
	ExportURL string
	Wide      bool // the chart takes the full width, the table goes below
	// Split is a half-width panel left without a partner: it takes the
	// full width with its chart beside its table (layoutPanels).
	Split bool
}

// layoutPanels orders the panels so that the half-width ones come in
// pairs, side by side, each pair where its first member was; a half left
// alone spans the row (Split), so that no row is half empty.
func layoutPanels(ps []*panel) []*panel {
	var out []*panel
	pending := -1 // index in out of a half waiting for its partner
	for _, p := range ps {
		switch {
		case p.Wide:
			out = append(out, p)
		case pending >= 0:
			out = slices.Insert(out, pending+1, p)
			pending = -1
		default:
			out = append(out, p)
			pending = len(out) - 1
		}
	}
	if pending >= 0 {
		out[pending].Wide, out[pending].Split = true, true
	}
	return out
}

// dashLead is the dashboard's first screen, read at a glance: the big
// figures (the board's Total), the map of the child areas coloured by
// their plan state, and the areas that most need attention.
type dashLead struct {
	Map    *mapSpec // nil when no shape covers the area
	Placed placement
	// Worst are the child areas with a plan, most in need of attention
	// first (tuopin.CompareConcern), at most leadWorst; More counts the
	// others with a plan.
	Worst []*boardRow
	More  int
}

// leadWorst is how many areas the first screen lists: as many as fit
// beside the map on a 1366×768 screen.
const leadWorst = 7

// dashboardLead builds the first screen of a board.
func (s *Server) dashboardLead(r *http.Request, b *board, lang string, noPlan bool) (*dashLead, error) {
	l := &dashLead{}
	rows, err := s.mapRows(r, b)
	if err != nil {
		return nil, err
	}
	o := mapOptions{indicator: "plan_rate", lang: lang, byState: true, links: "/dashboard/"}
	if noPlan {
		o = mapOptions{indicator: "poor_households", lang: lang, links: "/dashboard/"}
	}
	if l.Map, l.Placed, err = s.boardMap(r, b, rows, o); err != nil {
		return nil, err
	}
	var planned []*boardRow
	for _, row := range b.Rows { // a village's one row is itself
		if row.Plan != nil {
			planned = append(planned, row)
		}
	}
	slices.SortStableFunc(planned, func(x, y *boardRow) int { return tuopin.CompareConcern(x.State, y.State) })
	l.Worst = planned[:min(len(planned), leadWorst)]
	l.More = len(planned) - len(l.Worst)
	return l, nil
}

type dashboardData struct {
	*view
	Crumbs []crumb
	Board  *board
	Years  []int
	Year   int
	Date   string // ?date= when given
	Panels []*panel
	// NoPlan is true when no plan is set for any row: the plan panel then
	// says so instead of drawing empty bars.
	NoPlan bool
	Lead   *dashLead
}

// AreaName is the name of the area shown.
func (d *dashboardData) AreaName() string { return lastCrumb(d.Crumbs) }

// YearOptions lists the years of the selector.
func (d *dashboardData) YearOptions() []int { return yearOptions(d.Years, d.Year) }

// CanSetPlans reports whether the user may edit exit plans.
func (v *view) CanSetPlans() bool { return v.User != nil && canSetPlans(v.User.Role) }

func canSetPlans(r tuopin.Role) bool { return r == tuopin.RoleAdmin || r == tuopin.RoleCountyAdmin }

func lastCrumb(cs []crumb) string {
	if len(cs) == 0 {
		return ""
	}
	return cs[len(cs)-1].Name
}

// boardQuery reads what every board page needs: the area prefix, the
// years, the year and the date, and loads the board.
func (s *Server) boardQuery(r *http.Request) (b *board, years []int, crumbs []crumb, err error) {
	prefix, err := boardPrefix(r)
	if err != nil {
		return nil, nil, nil, err
	}
	years, year, err := s.yearChoice(r)
	if err != nil {
		return nil, nil, nil, err
	}
	today, whatIf, err := s.today(r)
	if err != nil {
		return nil, nil, nil, err
	}
	if b, err = s.loadBoard(r, prefix, year, today); err != nil {
		return nil, nil, nil, err
	}
	b.WhatIf = whatIf
	if crumbs, err = s.breadcrumb(r, b.Prefix, year); err != nil {
		return nil, nil, nil, err
	}
	return b, years, crumbs, nil
}

// dashboard shows an area's figures for a year: summary cards, the plan's
// progress, causes of poverty, statuses and the child areas, each chart
// with its table and an Excel export.
func (s *Server) dashboard(w http.ResponseWriter, r *http.Request) {
	b, years, crumbs, err := s.boardQuery(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	v := s.newView(w, r, "dashboard")
	d := &dashboardData{view: v, Crumbs: crumbs, Board: b, Years: years, Year: b.Year, Date: r.URL.Query().Get("date")}
	tables, err := s.dashboardTables(r, v.Lang, v.Codes, b, crumbs)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	d.NoPlan = true
	for _, row := range b.Rows {
		if row.Plan != nil {
			d.NoPlan = false
		}
	}
	for _, t := range tables {
		p := &panel{Table: t.table, Chart: t.chart, Wide: t.wide, ExportURL: exportURL("/dashboard/export.xlsx", dashboardQuery(r, b), t.table.ID)}
		d.Panels = append(d.Panels, p)
	}
	d.Panels = layoutPanels(d.Panels)
	if d.Lead, err = s.dashboardLead(r, b, v.Lang, d.NoPlan); err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, viewDashboard, d)
}

// dashboardQuery is the query of a dashboard's export links.
func dashboardQuery(r *http.Request, b *board) url.Values {
	q := url.Values{"area": {b.Prefix}, "year": {strconv.Itoa(b.Year)}}
	if d := r.URL.Query().Get("date"); d != "" {
		q.Set("date", d)
	}
	return q
}

// dashboardExport answers a dashboard table as .xlsx: ?area=&year=&table=.
func (s *Server) dashboardExport(w http.ResponseWriter, r *http.Request) {
	b, _, crumbs, err := s.boardQuery(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	lang := state(r).lang
	codes, err := s.svc.Codes.FindCodeSet(r.Context())
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	tables, err := s.dashboardTables(r, lang, codes, b, crumbs)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	name := r.URL.Query().Get("table")
	for _, t := range tables {
		if t.table.ID == name {
			s.writeXLSX(w, r, lastCrumb(crumbs)+"-"+t.table.Title+"-"+strconv.Itoa(b.Year)+".xlsx", t.table)
			return
		}
	}
	s.htmlError(w, r, tuopin.NotFound("Table"))
}

type tableChart struct {
	table *dataTable
	chart *chartSpec
	wide  bool
}

// dashboardTables builds the dashboard's tables and charts. Causes of
// poverty need the roll-ups (AreaStats.Metrics): without them, or when
// every count is zero, that panel is left out rather than guessed.
func (s *Server) dashboardTables(r *http.Request, lang string, codes *tuopin.CodeSet, b *board, crumbs []crumb) ([]tableChart, error) {
	tr := func(key string, args ...any) string { return translate(lang, key, args...) }
	if codes == nil {
		codes = tuopin.DefaultCodeSet
	}
	sub := lastCrumb(crumbs) + " · " + tr("area.year_n", b.Year)
	childLevel := translate(lang, "level."+strconv.Itoa(int(b.ChildLevel)))
	drill := func(row *boardRow) string {
		if row.AreaStats == b.Area {
			return ""
		}
		return "/dashboard/" + row.Prefix() + "?year=" + strconv.Itoa(b.Year)
	}
	var out []tableChart

	// The plan's progress by child area.
	plan := &dataTable{ID: "plan", Title: tr("dash.plan_title"), Subtitle: sub + " · " + tr("dash.as_of", b.Today.Format(tuopin.DateLayout)),
		Columns: []tableColumn{{Label: childLevel}, {Label: tr("wall.plan_households"), Num: true}, {Label: tr("wall.exited_households"), Num: true},
			{Label: tr("wall.rate"), Num: true}, {Label: tr("wall.plan_persons"), Num: true}, {Label: tr("wall.exited_persons"), Num: true},
			{Label: tr("wall.pre_exit"), Num: true}}}
	planChart := &chartSpec{Kind: "bar", Unit: tr("unit.households"), Series: []chartSeries{
		{Name: tr("wall.plan_households"), Color: "#9fb6d3"}, {Name: tr("wall.exited_households"), Color: "#2e9a55"},
		{Name: tr("wall.rate"), Kind: "line", Color: "#d64533"}}}
	planRow := func(row *boardRow) tableRow {
		return tableRow{URL: drill(row), Cells: []tableCell{textCell(row.Name), intCell(row.PlanHouseholds()), intCell(row.ExitedHouseholds),
			pctCell(row.ExitedHouseholds, row.PlanHouseholds()), intCell(row.PlanPersons()), intCell(row.ExitedPersons), intCell(row.PreExit)}}
	}
	for _, row := range b.Rows {
		plan.Rows = append(plan.Rows, planRow(row))
		planChart.Categories = append(planChart.Categories, row.Name)
		planChart.Links = append(planChart.Links, drill(row))
		planChart.Series[0].Data = append(planChart.Series[0].Data, float64(row.PlanHouseholds()))
		planChart.Series[1].Data = append(planChart.Series[1].Data, float64(row.ExitedHouseholds))
		planChart.Series[2].Data = append(planChart.Series[2].Data, row.RateValue())
	}
	foot := planRow(b.Total)
	foot.URL, foot.Cells[0] = "", textCell(tr("area.total"))
	plan.Foot = &foot
	out = append(out, tableChart{table: plan, chart: planChart, wide: true})

	// Causes of poverty, from the roll-ups only.
	if m := b.Area.Metrics; len(m) > 0 {
		causes := &dataTable{ID: "causes", Title: tr("dash.causes_title"), Subtitle: sub,
			Columns: []tableColumn{{Label: tr("field.main_cause")}, {Label: tr("stats.households"), Num: true}, {Label: tr("dash.share"), Num: true}}}
		chart := &chartSpec{Kind: "pie", Unit: tr("unit.households"), Series: []chartSeries{{Name: tr("dash.causes_title")}}}
		total := 0
		for _, c := range codes.List(tuopin.CodeCause, b.Year) {
			total += int(m[tuopin.MetricCausePrefix+c.Code])
		}
		for _, c := range codes.List(tuopin.CodeCause, b.Year) {
			n := int(m[tuopin.MetricCausePrefix+c.Code])
			if n == 0 {
				continue
			}
			label := codes.Label(tuopin.CodeCause, c.Code, lang)
			causes.Rows = append(causes.Rows, tableRow{Cells: []tableCell{textCell(label), intCell(n), pctCell(n, total)}})
			chart.Categories = append(chart.Categories, label)
			chart.Series[0].Data = append(chart.Series[0].Data, float64(n))
		}
		if total > 0 {
			causes.Foot = &tableRow{Cells: []tableCell{textCell(tr("area.total")), intCell(total), pctCell(total, total)}}
			out = append(out, tableChart{table: causes, chart: chart})
		}
	}

	// 两不愁三保障 gaps by child area, and incomes against the line.
	if m := b.Area.Metrics; len(m) > 0 {
		out = append(out, gapsTable(tr, sub, childLevel, b, drill))
		if t, c := incomeBandsTable(tr, sub, b); t != nil {
			out = append(out, tableChart{table: t, chart: c})
		}
	}

	// Households by status: from the roll-ups, or counted.
	status := &dataTable{ID: "status", Title: tr("dash.status_title"), Subtitle: sub,
		Columns: []tableColumn{{Label: tr("field.status")}, {Label: tr("stats.households"), Num: true}, {Label: tr("dash.share"), Num: true}}}
	statusChart := &chartSpec{Kind: "pie", Unit: tr("unit.households"), Series: []chartSeries{{Name: tr("dash.status_title")}}}
	colours := map[string]string{tuopin.StatusPoor: "#d64533", tuopin.StatusPreExit: "#e0a030", tuopin.StatusExited: "#2e9a55",
		tuopin.StatusExitedDone: "#1a8a84", tuopin.StatusReturned: "#8a5cc2"}
	type statusN struct {
		label string
		n     int
	}
	var ns []statusN
	total := 0
	for _, c := range codes.List(tuopin.CodeStatus, b.Year) {
		n, err := s.statusCount(r, b.Area, c.Code)
		if err != nil {
			return nil, err
		}
		ns = append(ns, statusN{codes.Label(tuopin.CodeStatus, c.Code, lang), n})
		total += n
		if n > 0 {
			statusChart.Categories = append(statusChart.Categories, ns[len(ns)-1].label)
			statusChart.Series[0].Data = append(statusChart.Series[0].Data, float64(n))
			statusChart.Links = append(statusChart.Links, "/households?status="+c.Code+"&year="+strconv.Itoa(b.Year)+areaParam(b.Prefix))
			statusChart.Colors = append(statusChart.Colors, colours[c.Code])
		}
	}
	for _, x := range ns {
		status.Rows = append(status.Rows, tableRow{Cells: []tableCell{textCell(x.label), intCell(x.n), pctCell(x.n, total)}})
	}
	status.Foot = &tableRow{Cells: []tableCell{textCell(tr("area.total")), intCell(total), pctCell(total, total)}}
	out = append(out, tableChart{table: status, chart: statusChart})

	// The child areas' households, poor and exited (a village has none).
	if b.Area.Level == tuopin.LevelVillage {
		return out, nil
	}
	children := &dataTable{ID: "children", Title: tr("dash.children_title", childLevel), Subtitle: sub,
		Columns: []tableColumn{{Label: childLevel}, {Label: tr("stats.households"), Num: true}, {Label: tr("stats.persons"), Num: true},
			{Label: tr("stats.poor_households"), Num: true}, {Label: tr("stats.poor_persons"), Num: true},
			{Label: tr("stats.exited_households"), Num: true}, {Label: tr("stats.exited_persons"), Num: true}, {Label: tr("dash.exit_rate"), Num: true}}}
	childChart := &chartSpec{Kind: "bar", Stack: true, Unit: tr("unit.households"), Series: []chartSeries{
		{Name: tr("stats.poor_households"), Color: "#d64533"}, {Name: tr("stats.exited_households"), Color: "#2e9a55"}}}
	childRow := func(row *boardRow) tableRow {
		return tableRow{URL: drill(row), Cells: []tableCell{textCell(row.Name), intCell(row.Households), intCell(row.Persons),
			intCell(row.PoorHouseholds), intCell(row.PoorPersons), intCell(row.ExitedHouseholds), intCell(row.ExitedPersons),
			pctCell(row.ExitedHouseholds, row.Households)}}
	}
	for _, row := range b.Rows {
		children.Rows = append(children.Rows, childRow(row))
		childChart.Categories = append(childChart.Categories, row.Name)
		childChart.Links = append(childChart.Links, drill(row))
		childChart.Series[0].Data = append(childChart.Series[0].Data, float64(row.PoorHouseholds))
		childChart.Series[1].Data = append(childChart.Series[1].Data, float64(row.ExitedHouseholds))
	}
	cfoot := childRow(b.Total)
	cfoot.URL, cfoot.Cells[0] = "", textCell(tr("area.total"))
	children.Foot = &cfoot
	out = append(out, tableChart{table: children, chart: childChart, wide: true})
	return out, nil
}

// areaParam is "&area=prefix", or "" for the nation.
func areaParam(prefix string) string {
	if prefix == "" {
		return ""
	}
	return "&area=" + prefix
}

// gapMetricLabels are the message keys of the gap metrics.
var gapMetricLabels = map[string]string{
	tuopin.MetricGapFood: "dash.gap_food", tuopin.MetricGapSchool: "dash.gap_school",
	tuopin.MetricGapUninsured: "dash.gap_uninsured", tuopin.MetricGapHouse: "dash.gap_house",
	tuopin.MetricGapWater: "dash.gap_water", tuopin.MetricGapAny: "dash.gap_any",
}

// gapsTable is the 两不愁三保障 panel: for each child area (or the area
// itself at village level), the households or persons short on each
// guarantee, from the roll-ups.
func gapsTable(tr func(string, ...any) string, sub, childLevel string, b *board, drill func(*boardRow) string) tableChart {
	t := &dataTable{ID: "gaps", Title: tr("dash.gaps_title"), Subtitle: sub,
		Columns: []tableColumn{{Label: childLevel}, {Label: tr("stats.households"), Num: true}}}
	for _, k := range tuopin.GapMetrics {
		t.Columns = append(t.Columns, tableColumn{Label: tr(gapMetricLabels[k]), Num: true})
	}
	t.Columns = append(t.Columns, tableColumn{Label: tr("dash.gap_share"), Num: true})
	chart := &chartSpec{Kind: "bar", Unit: tr("unit.households_or_persons")}
	colours := []string{"#d64533", "#e0a030", "#8a5cc2", "#b5562b", "#2f7fc1"}
	for i, k := range tuopin.GapMetrics[:len(tuopin.GapMetrics)-1] {
		chart.Series = append(chart.Series, chartSeries{Name: tr(gapMetricLabels[k]), Color: colours[i]})
	}
	row := func(r *boardRow) tableRow {
		m := r.Metrics
		cells := []tableCell{textCell(r.Name), intCell(int(m[tuopin.MetricHouseholds]))}
		for _, k := range tuopin.GapMetrics {
			c := intCell(int(m[k]))
			c.Col = k
			if m[k] > 0 {
				c.Class = "gap"
			}
			cells = append(cells, c)
		}
		cells = append(cells, pctCell(int(m[tuopin.MetricGapAny]), int(m[tuopin.MetricHouseholds])))
		return tableRow{URL: drill(r), Cells: cells}
	}
	rows := b.Rows
	if b.Area.Level == tuopin.LevelVillage || len(rows) == 0 {
		rows = []*boardRow{b.Total}
	}
	for _, r := range rows {
		t.Rows = append(t.Rows, row(r))
		chart.Categories = append(chart.Categories, r.Name)
		chart.Links = append(chart.Links, drill(r))
		for i, k := range tuopin.GapMetrics[:len(tuopin.GapMetrics)-1] {
			chart.Series[i].Data = append(chart.Series[i].Data, float64(r.Metrics[k]))
		}
	}
	if len(b.Rows) > 0 && b.Area.Level != tuopin.LevelVillage {
		foot := row(b.Total)
		foot.URL, foot.Cells[0] = "", textCell(tr("area.total"))
		t.Foot = &foot
	}
	return tableChart{table: t, chart: chart, wide: true}
}

// incomeBandsTable is the income distribution against the year's poverty
// line, from the roll-ups; nil when no household has a band yet.
func incomeBandsTable(tr func(string, ...any) string, sub string, b *board) (*dataTable, *chartSpec) {
	m := b.Area.Metrics
	total := 0
	for _, band := range tuopin.IncomeBands {
		total += int(m[tuopin.MetricIncomeBandPrefix+band])
	}
	if total == 0 {
		return nil, nil
	}
	t := &dataTable{ID: "income", Title: tr("dash.income_title"), Subtitle: sub,
		Columns: []tableColumn{{Label: tr("dash.income_band")}, {Label: tr("stats.households"), Num: true}, {Label: tr("dash.share"), Num: true}}}
	chart := &chartSpec{Kind: "bar", Unit: tr("unit.households"), Series: []chartSeries{{Name: tr("stats.households")}}}
	colours := map[string]string{tuopin.IncomeBandBelow: "#d64533", tuopin.IncomeBandNear: "#e0a030",
		tuopin.IncomeBandAbove: "#8fc98f", tuopin.IncomeBandHigh: "#2e9a55", tuopin.IncomeBandNoLine: "#9a9a9a"}
	for _, band := range tuopin.IncomeBands {
		n := int(m[tuopin.MetricIncomeBandPrefix+band])
		if n == 0 && band == tuopin.IncomeBandNoLine {
			continue
		}
		label := tr("band." + band)
		c := intCell(n)
		c.Col = band
		t.Rows = append(t.Rows, tableRow{Cells: []tableCell{textCell(label), c, pctCell(n, total)}})
		chart.Categories = append(chart.Categories, label)
		chart.Series[0].Data = append(chart.Series[0].Data, float64(n))
		chart.Colors = append(chart.Colors, colours[band])
	}
	t.Foot = &tableRow{Cells: []tableCell{textCell(tr("area.total")), intCell(total), pctCell(total, total)}}
	return t, chart
}
