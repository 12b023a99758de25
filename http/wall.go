package apphttp

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tuopin/tuopin"
)

// Wall-chart refresh bounds for the full-screen mode (?refresh=seconds).
const (
	wallRefreshDefault = 60
	wallRefreshMin     = 5
	wallRefreshMax     = 3600
)

// sheetFills are the sheet colours of the wall's states, the page's
// rag-* backgrounds.
var sheetFills = map[string]string{"red": "#F6C9C3", "amber": "#FBE3B0", "green": "#CBEBD5", "grey": "#E9ECEF"}

type wallData struct {
	*view
	Crumbs     []crumb
	Board      *board
	Years      []int
	Year       int
	Date       string // ?date= as given
	Fullscreen bool
	Refresh    int       // seconds between refreshes in full screen
	Updated    time.Time // when the board was read
	Query      url.Values
	// DueSoonDays is the plan rule's amber window, for the rule's legend.
	DueSoonDays int
}

// AreaName is the name of the area shown.
func (d *wallData) AreaName() string { return lastCrumb(d.Crumbs) }

// YearOptions lists the years of the selector.
func (d *wallData) YearOptions() []int { return yearOptions(d.Years, d.Year) }

// URL returns the wall's own URL with some query values replaced ("" removes one).
func (d *wallData) URL(kv ...string) string {
	q := url.Values{}
	for k, v := range d.Query {
		q[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			q.Del(kv[i])
		} else {
			q.Set(kv[i], kv[i+1])
		}
	}
	q.Del("lang")
	if len(q) == 0 {
		return d.Path
	}
	return d.Path + "?" + q.Encode()
}

// ReadAt is the time of day the board was read, in China Standard Time:
// the big screen shows it beside the date the plan is judged on, so that
// a stale screen shows. It is the server's clock, the one that also gives
// the date (a demo's --as-of clock included), never the screen's own.
func (d *wallData) ReadAt() string { return d.Updated.In(displayZone).Format("15:04:05") }

// fitBuckets are the row counts the big screen's stylesheet sizes its rows
// for (.fit-N in app.css): the table of N rows or fewer fills the screen's
// height without overflowing it.
var fitBuckets = []int{12, 16, 20, 24, 28, 32, 40}

// FitRows is the smallest bucket that holds the board's rows (the last
// one for more: the table then scrolls).
func (d *wallData) FitRows() int {
	for _, n := range fitBuckets {
		if len(d.Board.Rows) <= n {
			return n
		}
	}
	return fitBuckets[len(fitBuckets)-1]
}

// ExportURL is the wall's "导出 Excel" link.
func (d *wallData) ExportURL() string {
	q := url.Values{"area": {d.Board.Prefix}, "year": {strconv.Itoa(d.Year)}}
	if d.Date != "" {
		q.Set("date", d.Date)
	}
	return "/wall/export.xlsx?" + q.Encode()
}

// RowURL is where a row's name leads: the child's own wall.
func (d *wallData) RowURL(row *boardRow) string {
	u := d.Board.ChildURL("/wall/", row)
	if u != "" && d.Date != "" {
		u += "&date=" + url.QueryEscape(d.Date)
	}
	if u != "" && d.Fullscreen {
		u += "&fullscreen=1&refresh=" + strconv.Itoa(d.Refresh)
	}
	return u
}

// wall shows the wall chart (作战图) of an area: a row per child area,
// its plan against its exits, coloured by the plan rule (tuopin.PlanRule).
// ?fullscreen=1 is the big-screen mode, which reloads itself every
// ?refresh= seconds through htmx; an htmx request gets the screen (or,
// outside the big screen, the board) alone.
func (s *Server) wall(w http.ResponseWriter, r *http.Request) {
	b, years, crumbs, err := s.boardQuery(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	q := r.URL.Query()
	d := &wallData{view: s.newView(w, r, "wall"), Crumbs: crumbs, Board: b, Years: years, Year: b.Year,
		Date: q.Get("date"), Fullscreen: q.Get("fullscreen") == "1", Refresh: wallRefreshDefault, Updated: s.cfg.Now(), Query: q,
		DueSoonDays: s.cfg.PlanRule.DueSoonDays}
	if v, err := strconv.Atoi(q.Get("refresh")); err == nil {
		d.Refresh = min(max(v, wallRefreshMin), wallRefreshMax)
	}
	d.Bare = d.Fullscreen
	if r.Header.Get("HX-Request") == "true" {
		block := "wall_board"
		if d.Fullscreen {
			block = "screen_wall"
		}
		s.renderBlock(w, r, http.StatusOK, viewWall, block, d)
		return
	}
	s.render(w, r, http.StatusOK, viewWall, d)
}

// wallExport answers the wall chart as .xlsx, each progress cell filled
// with its colour: ?area=&year=&date=.
func (s *Server) wallExport(w http.ResponseWriter, r *http.Request) {
	b, _, crumbs, err := s.boardQuery(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	t := wallTable(state(r).lang, b, lastCrumb(crumbs))
	s.writeXLSX(w, r, lastCrumb(crumbs)+"-"+t.Title+"-"+b.Today.Format(tuopin.DateLayout)+".xlsx", t)
}

// wallTable is the wall chart as a table for the sheet.
func wallTable(lang string, b *board, name string) *dataTable {
	tr := func(key string, args ...any) string { return translate(lang, key, args...) }
	t := &dataTable{ID: "wall", Title: tr("wall.title"),
		Subtitle: name + " · " + tr("area.year_n", b.Year) + " · " + tr("dash.as_of", b.Today.Format(tuopin.DateLayout)),
		Columns: []tableColumn{{Label: tr("level." + strconv.Itoa(int(b.ChildLevel)))}, {Label: tr("wall.plan_households")}, {Label: tr("wall.plan_persons")},
			{Label: tr("wall.exited_households")}, {Label: tr("wall.exited_persons")}, {Label: tr("wall.rate")},
			{Label: tr("wall.due_households")}, {Label: tr("wall.due_persons")}, {Label: tr("wall.due_date")},
			{Label: tr("wall.short_households")}, {Label: tr("wall.short_persons")}, {Label: tr("wall.pre_exit")},
			{Label: tr("wall.next_date")}, {Label: tr("wall.next_households")}, {Label: tr("wall.state")}}}
	row := func(r *boardRow, label string) tableRow {
		st := r.State
		fill := sheetFills[st.Colour]
		c := func(cell tableCell) tableCell { cell.Fill = fill; return cell }
		dueDate, nextDate, nextH := "", "", tableCell{Value: ""}
		if st.DueSet {
			dueDate = st.Due.Date.Format(tuopin.DateLayout)
		}
		if st.Next != nil {
			nextDate = st.Next.Date.Format(tuopin.DateLayout)
			nextH = intCell(st.Next.Households)
		}
		rate := pctCell(r.ExitedHouseholds, r.PlanHouseholds())
		return tableRow{Cells: []tableCell{textCell(label), intCell(r.PlanHouseholds()), intCell(r.PlanPersons()),
			c(intCell(r.ExitedHouseholds)), c(intCell(r.ExitedPersons)), c(rate),
			intCell(st.Due.Households), intCell(st.Due.Persons), textCell(dueDate),
			c(intCell(st.ShortHouseholds)), c(intCell(st.ShortPersons)), intCell(r.PreExit),
			textCell(nextDate), nextH, c(textCell(tr("wall.state_" + st.State)))}}
	}
	for _, r := range b.Rows {
		t.Rows = append(t.Rows, row(r, r.Name))
	}
	foot := row(b.Total, tr("area.total"))
	t.Foot = &foot
	return t
}
