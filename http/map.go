package apphttp

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/web"
)

// The map page colours areas, or sizes points, by one indicator. Shapes
// and points are the embedded files under web/static/geo (see its
// README): county outlines of the seed counties' provinces, and 2016
// coordinates of townships and some villages. Township boundaries are not
// public, so below a county the map shows the county's outline with its
// townships or villages as points.

// mapIndicators lists the indicators, the default first.
var mapIndicators = []string{"poor_households", "households", "exited_households", "exit_rate", "plan_rate"}

// indicatorValue returns a row's value of an indicator, and false when
// the row has none (a completion rate without a plan).
func indicatorValue(ind string, r *boardRow) (float64, bool) {
	switch ind {
	case "households":
		return float64(r.Households), true
	case "exited_households":
		return float64(r.ExitedHouseholds), true
	case "exit_rate":
		if r.Households == 0 {
			return 0, false
		}
		v, _ := strconv.ParseFloat(percent(r.ExitedHouseholds, r.Households), 64)
		return v, true
	case "plan_rate":
		if r.PlanHouseholds() == 0 {
			return 0, false
		}
		return r.RateValue(), true
	}
	return float64(r.PoorHouseholds), true
}

// loadMapPoints reads static/geo/points.csv: code, lng, lat.
func loadMapPoints() (map[string][2]float64, error) {
	f, err := web.FS.Open("static/geo/points.csv")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	cr := csv.NewReader(f)
	if _, err := cr.Read(); err != nil {
		return nil, err
	}
	out := map[string][2]float64{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, err
		}
		lng, err1 := strconv.ParseFloat(rec[1], 64)
		lat, err2 := strconv.ParseFloat(rec[2], 64)
		if len(rec[0]) != 12 || err1 != nil || err2 != nil {
			return nil, fmt.Errorf("points.csv: bad row %q", rec)
		}
		out[rec[0]] = [2]float64{lng, lat}
	}
}

// mapSpec is what charts.js draws on a map element (kind "map").
type mapSpec struct {
	Kind      string     `json:"kind"`
	Geo       string     `json:"geo"`              // URL of the GeoJSON
	Filter    string     `json:"filter,omitempty"` // keep features whose adcode starts with it
	Regions   []mapValue `json:"regions"`          // coloured features, by adcode
	Points    []mapValue `json:"points"`
	Indicator string     `json:"indicator"`
	Unit      string     `json:"unit"`
}

// mapValue is a coloured region (Code is its 6-digit adcode) or a point.
type mapValue struct {
	Code  string     `json:"code"`
	Name  string     `json:"name"`
	Value *float64   `json:"value"` // nil: no value (no plan)
	URL   string     `json:"url,omitempty"`
	Coord [2]float64 `json:"coord,omitzero"`
	Small bool       `json:"small,omitempty"` // a village below a township point
}

// JSON returns the spec for the data-chart attribute.
func (m *mapSpec) JSON() string {
	b, err := json.Marshal(m)
	if err != nil {
		return "{}"
	}
	return string(b)
}

type mapData struct {
	*view
	Crumbs     []crumb
	Board      *board
	Years      []int
	Year       int
	Indicator  string
	Indicators []string
	Map        *mapSpec // nil when no shape covers the area
	Table      *dataTable
	ExportURL  string
	// Located counts the rows shown as points or regions.
	Located int
}

// AreaName is the name of the area shown.
func (d *mapData) AreaName() string { return lastCrumb(d.Crumbs) }

// YearOptions lists the years of the selector.
func (d *mapData) YearOptions() []int { return yearOptions(d.Years, d.Year) }

// mapPage shows an area's child areas on a map, coloured by ?indicator=.
func (s *Server) mapPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.mapData(w, r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, viewMap, d)
}

// mapExport answers the map's table as .xlsx: ?area=&year=&indicator=.
func (s *Server) mapExport(w http.ResponseWriter, r *http.Request) {
	d, err := s.mapData(nil, r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.writeXLSX(w, r, lastCrumb(d.Crumbs)+"-"+d.Table.Title+"-"+strconv.Itoa(d.Year)+".xlsx", d.Table)
}

func (s *Server) mapData(w http.ResponseWriter, r *http.Request) (*mapData, error) {
	b, years, crumbs, err := s.boardQuery(r)
	if err != nil {
		return nil, err
	}
	lang := state(r).lang
	d := &mapData{Crumbs: crumbs, Board: b, Years: years, Year: b.Year, Indicators: mapIndicators, Indicator: mapIndicators[0]}
	if w != nil {
		d.view = s.newView(w, r, "map")
		lang = d.Lang
	}
	tr := func(key string, args ...any) string { return translate(lang, key, args...) }
	if ind := r.URL.Query().Get("indicator"); ind != "" {
		for _, x := range mapIndicators {
			if x == ind {
				d.Indicator = ind
			}
		}
	}
	q := url.Values{"area": {b.Prefix}, "year": {strconv.Itoa(b.Year)}, "indicator": {d.Indicator}}
	if date := r.URL.Query().Get("date"); date != "" {
		q.Set("date", date)
	}
	d.ExportURL = "/map/export.xlsx?" + q.Encode()
	drill := func(row *boardRow) string {
		u := b.ChildURL("/map/", row)
		if u != "" {
			u += "&indicator=" + d.Indicator
		}
		return u
	}
	value := func(row *boardRow) *float64 {
		if v, ok := indicatorValue(d.Indicator, row); ok {
			return &v
		}
		return nil
	}

	// The rows of the table: the counties of a province (its cities'
	// children), else the board's own rows.
	rows := b.Rows
	if b.Area.Level == tuopin.LevelProvince {
		rows = nil
		for _, city := range b.Rows {
			cb, err := s.loadBoard(r, city.Prefix(), b.Year, b.Today)
			if err != nil {
				return nil, err
			}
			rows = append(rows, cb.Rows...)
		}
	}
	childLevel := b.ChildLevel
	if len(rows) > 0 {
		childLevel = rows[0].Level
	}
	spec := &mapSpec{Kind: "map", Indicator: tr("map.ind_" + d.Indicator), Unit: tr("map.unit_" + d.Indicator), Regions: []mapValue{}, Points: []mapValue{}}
	province := ""
	if len(b.Prefix) >= 2 {
		province = b.Prefix[:2]
	}
	switch {
	case b.Area.Level == tuopin.LevelProvince || b.Area.Level == tuopin.LevelCity:
		spec.Geo = s.geoAsset("geo/province_" + province + ".json")
		spec.Filter = b.Prefix
		for _, row := range rows {
			spec.Regions = append(spec.Regions, mapValue{Code: row.Prefix(), Name: row.Name, Value: value(row), URL: drill(row)})
		}
		d.Located = len(rows)
	case b.Area.Level >= tuopin.LevelCounty:
		county := b.Prefix[:6]
		spec.Geo = s.geoAsset("geo/county_" + county + ".json")
		if spec.Geo == "" {
			spec.Geo, spec.Filter = s.geoAsset("geo/province_"+province+".json"), county
		}
		for _, row := range rows {
			if c, ok := s.points[row.Code]; ok {
				spec.Points = append(spec.Points, mapValue{Code: row.Code, Name: row.Name, Value: value(row), URL: drill(row), Coord: c})
				d.Located++
			}
		}
		// On a county's map, the villages that have a coordinate too.
		if b.Area.Level == tuopin.LevelCounty {
			for _, row := range rows {
				if !s.hasPointsBelow(row.Prefix()) {
					continue
				}
				tb, err := s.loadBoard(r, row.Prefix(), b.Year, b.Today)
				if err != nil {
					return nil, err
				}
				for _, v := range tb.Rows {
					if c, ok := s.points[v.Code]; ok {
						spec.Points = append(spec.Points, mapValue{Code: v.Code, Name: v.Name, Value: value(v), URL: tb.ChildURL("/map/", v) + "&indicator=" + d.Indicator, Coord: c, Small: true})
					}
				}
			}
		}
	}
	if spec.Geo != "" {
		d.Map = spec
	}

	// The table: every row, whether it is on the map or not.
	// The indicator first, then the other figures (the indicator's own
	// column is not repeated).
	type column struct {
		ind   string
		label string
		cell  func(*boardRow) tableCell
	}
	others := []column{
		{"households", tr("stats.households"), func(r *boardRow) tableCell { return intCell(r.Households) }},
		{"poor_households", tr("stats.poor_households"), func(r *boardRow) tableCell { return intCell(r.PoorHouseholds) }},
		{"exited_households", tr("stats.exited_households"), func(r *boardRow) tableCell { return intCell(r.ExitedHouseholds) }},
		{"exit_rate", tr("dash.exit_rate"), func(r *boardRow) tableCell { return pctCell(r.ExitedHouseholds, r.Households) }},
		{"", tr("wall.plan_households"), func(r *boardRow) tableCell { return intCell(r.PlanHouseholds()) }},
		{"plan_rate", tr("wall.rate"), func(r *boardRow) tableCell { return pctCell(r.ExitedHouseholds, r.PlanHouseholds()) }},
	}
	t := &dataTable{ID: "map", Title: tr("map.table_title", tr("map.ind_"+d.Indicator)),
		Subtitle: lastCrumb(crumbs) + " · " + tr("area.year_n", b.Year),
		Columns:  []tableColumn{{Label: tr("level." + strconv.Itoa(int(childLevel)))}, {Label: tr("map.ind_" + d.Indicator), Num: true}}}
	for _, c := range others {
		if c.ind != d.Indicator {
			t.Columns = append(t.Columns, tableColumn{Label: c.label, Num: true})
		}
	}
	for _, row := range rows {
		ind := tableCell{Text: "—", Value: "", Class: "hl"}
		if v := value(row); v != nil {
			ind = tableCell{Text: strconv.FormatFloat(*v, 'f', -1, 64), Value: *v, Class: "hl"}
			if d.Indicator == "exit_rate" || d.Indicator == "plan_rate" {
				ind.Text = strconv.FormatFloat(*v, 'f', 1, 64) + "%"
			} else {
				ind.Text = formatInt(int(*v))
			}
		}
		cells := []tableCell{textCell(row.Name), ind}
		for _, c := range others {
			if c.ind != d.Indicator {
				cells = append(cells, c.cell(row))
			}
		}
		t.Rows = append(t.Rows, tableRow{URL: drill(row), Cells: cells})
	}
	d.Table = t
	return d, nil
}

// geoAsset returns the URL of an embedded map file, or "" when there is
// none.
func (s *Server) geoAsset(name string) string {
	if s.assets.files[name] == nil {
		return ""
	}
	return s.assets.URL(name)
}

// hasPointsBelow reports whether any area below a prefix (but not the
// area itself) has a coordinate.
func (s *Server) hasPointsBelow(prefix string) bool {
	own := tuopin.PadCode(prefix)
	for code := range s.points {
		if code != own && tuopin.HasPrefix(code, prefix) {
			return true
		}
	}
	return false
}
