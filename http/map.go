package apphttp

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

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
	// Max is the top of the colour scale: the largest value of the rows
	// (the table's) and of the points, at least 100 for a percentage, so
	// that no value lies above the legend.
	Max float64 `json:"max"`
	// Focus, when set, is the box [[west, south], [east, north]] the map
	// opens on: the points of a township, inside its county's outline.
	Focus *[2][2]float64 `json:"focus,omitempty"`
	// ApproxNote is the tooltip line of points placed by approximation.
	ApproxNote string `json:"approx_note,omitempty"`
	// ByState colours every region and point by its plan state (its
	// Colour) instead of by its value on a scale.
	ByState bool `json:"by_state,omitempty"`
}

// mapValue is a coloured region (Code is its 6-digit adcode) or a point.
type mapValue struct {
	Code  string     `json:"code"`
	Name  string     `json:"name"`
	Value *float64   `json:"value"` // nil: no value (no plan)
	URL   string     `json:"url,omitempty"`
	Coord [2]float64 `json:"coord,omitzero"`
	Small bool       `json:"small,omitempty"` // a village below a township point
	// Approx marks a point without a coordinate of its own, drawn near its
	// township's (placePoints).
	Approx bool `json:"approx,omitempty"`
	// Colour is the plan state's colour (#rrggbb) on a map ByState.
	Colour string `json:"colour,omitempty"`
}

// stateHex are the plan states' colours on a map, those of the pages'
// rag-dot (app.css).
var stateHex = map[string]string{tuopin.ColourRed: "#d64533", tuopin.ColourAmber: "#e0a030", tuopin.ColourGreen: "#2e9a55", tuopin.ColourGrey: "#9aa5b1"}

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
	// Placed says which rows the map shows, and how.
	Placed placement
}

// placement counts the rows a map shows at their own place (a region, or
// a point with its own coordinate), those it shows near their township's
// point for want of one (Approx), and names those it cannot show.
type placement struct {
	Rows     int
	Located  int
	Approx   int
	Unplaced []string
}

// UnplacedList names the areas left off the map, as the page lists them
// (the names are Chinese in either language).
func (p placement) UnplacedList() string { return strings.Join(p.Unplaced, "、") }

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

	rows, err := s.mapRows(r, b)
	if err != nil {
		return nil, err
	}
	childLevel := b.ChildLevel
	if len(rows) > 0 {
		childLevel = rows[0].Level
	}
	if d.Map, d.Placed, err = s.boardMap(r, b, rows, mapOptions{indicator: d.Indicator, lang: lang, links: "/map/"}); err != nil {
		return nil, err
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

// mapRows returns the rows a board's map shows: the counties of a
// province (its cities' children), else the board's own rows.
func (s *Server) mapRows(r *http.Request, b *board) ([]*boardRow, error) {
	if b.Area.Level != tuopin.LevelProvince {
		return b.Rows, nil
	}
	var rows []*boardRow
	for _, city := range b.Rows {
		cb, err := s.loadBoard(r, city.Prefix(), b.Year, b.Today)
		if err != nil {
			return nil, err
		}
		rows = append(rows, cb.Rows...)
	}
	return rows, nil
}

// mapOptions choose what a board's map shows: the indicator (mapIndicators)
// and the language of its labels; byState colours by plan state; links is
// the page a click on an area opens ("/map/", "/dashboard/").
type mapOptions struct {
	indicator, lang string
	byState         bool
	links           string
}

// boardMap builds the map of a board's rows coloured by an indicator (or,
// byState, by their plan state, with the indicator's values in the
// tooltips), and says which rows it shows: the nation's provinces, a
// province's or a city's counties as regions; below, the county's outline
// with the rows as points. The spec is nil when no shape covers the area.
func (s *Server) boardMap(r *http.Request, b *board, rows []*boardRow, o mapOptions) (*mapSpec, placement, error) {
	indicator, lang, byState := o.indicator, o.lang, o.byState
	tr := func(key string, args ...any) string { return translate(lang, key, args...) }
	value := func(row *boardRow) *float64 {
		if v, ok := indicatorValue(indicator, row); ok {
			return &v
		}
		return nil
	}
	drill := func(row *boardRow) string {
		u := b.ChildURL(o.links, row)
		if u != "" && o.links == "/map/" {
			u += "&indicator=" + indicator
		}
		return u
	}
	spec := &mapSpec{Kind: "map", Indicator: tr("map.ind_" + indicator), Unit: tr("map.unit_" + indicator), Regions: []mapValue{}, Points: []mapValue{},
		ApproxNote: tr("map.approx_point"), ByState: byState}
	colour := func(row *boardRow) string {
		if !byState {
			return ""
		}
		return stateHex[row.State.Colour]
	}
	pl := placement{Rows: len(rows)}
	province := ""
	if len(b.Prefix) >= 2 {
		province = b.Prefix[:2]
	}
	switch {
	case b.Area.Level == tuopin.LevelNation:
		spec.Geo = s.geoAsset("geo/provinces.json")
		for _, row := range rows {
			spec.Regions = append(spec.Regions, mapValue{Code: tuopin.PadCode(row.Prefix())[:6], Name: row.Name, Value: value(row), URL: drill(row), Colour: colour(row)})
		}
		pl.Located = len(rows)
	case b.Area.Level == tuopin.LevelProvince || b.Area.Level == tuopin.LevelCity:
		spec.Geo = s.geoAsset("geo/province_" + province + ".json")
		spec.Filter = b.Prefix
		for _, row := range rows {
			spec.Regions = append(spec.Regions, mapValue{Code: row.Prefix(), Name: row.Name, Value: value(row), URL: drill(row), Colour: colour(row)})
		}
		pl.Located = len(rows)
	default:
		county := b.Prefix[:6]
		spec.Geo = s.geoAsset("geo/county_" + county + ".json")
		if spec.Geo == "" {
			spec.Geo, spec.Filter = s.geoAsset("geo/province_"+province+".json"), county
		}
		var codes []string
		for _, row := range rows {
			codes = append(codes, row.Code)
		}
		places := placePoints(s.points, codes)
		for _, row := range rows {
			p, ok := places[row.Code]
			if !ok {
				pl.Unplaced = append(pl.Unplaced, row.Name)
				continue
			}
			spec.Points = append(spec.Points, mapValue{Code: row.Code, Name: row.Name, Value: value(row), URL: drill(row), Coord: p.coord, Approx: p.approx, Colour: colour(row)})
			if p.approx {
				pl.Approx++
			} else {
				pl.Located++
			}
		}
		if b.Area.Level == tuopin.LevelCounty && !byState {
			// On a county's map, the villages that have a coordinate too.
			for _, row := range rows {
				if !s.hasPointsBelow(row.Prefix()) {
					continue
				}
				tb, err := s.loadBoard(r, row.Prefix(), b.Year, b.Today)
				if err != nil {
					return nil, pl, err
				}
				for _, v := range tb.Rows {
					if c, ok := s.points[v.Code]; ok {
						spec.Points = append(spec.Points, mapValue{Code: v.Code, Name: v.Name, Value: value(v), URL: tb.ChildURL("/map/", v) + "&indicator=" + indicator, Coord: c, Small: true})
					}
				}
			}
		} else {
			spec.Focus = focusBox(spec.Points)
		}
	}
	if spec.Geo == "" {
		return nil, pl, nil
	}
	// The colour scale covers every value the table shows and every point.
	for _, row := range rows {
		if v := value(row); v != nil {
			spec.Max = max(spec.Max, *v)
		}
	}
	for _, p := range spec.Points {
		if p.Value != nil {
			spec.Max = max(spec.Max, *p.Value)
		}
	}
	if indicator == "exit_rate" || indicator == "plan_rate" {
		spec.Max = max(spec.Max, 100)
	}
	if spec.Max <= 0 {
		spec.Max = 1
	}
	return spec, pl, nil
}

// place is where a map point goes: an area's own coordinate, or one near
// its township's (approx).
type place struct {
	coord  [2]float64
	approx bool
}

// approxStep is the spacing of the points placePoints arranges around a
// township's point, in degrees of latitude (about 1.3 km).
const approxStep = 0.012

// placePoints places areas (12-digit codes) on a map. An area with a
// coordinate of its own is placed there. A village without one is placed
// near its township's point, if that has one: the villages of a township
// that lack a coordinate are laid out, in code order, on a sunflower
// spiral around the township's point, so that each is seen and can be
// clicked, and none hides another; the map marks them as approximate.
// Areas that can be placed neither way are left out.
//
// Only 5 of 东兰县's 149 villages of 2016 have a coordinate in the public
// data (web/static/geo/README.md): without this, a township's map would
// show one or two of its villages.
func placePoints(points map[string][2]float64, codes []string) map[string]place {
	out := make(map[string]place, len(codes))
	seq := map[string]int{} // per township, the villages placed around it
	for _, code := range codes {
		if c, ok := points[code]; ok {
			out[code] = place{coord: c}
			continue
		}
		if tuopin.LevelOfCode(code) != tuopin.LevelVillage {
			continue
		}
		township := code[:9] + "000"
		centre, ok := points[township]
		if !ok {
			continue
		}
		i := seq[township]
		seq[township]++
		// The golden angle spreads the points evenly; the radius grows
		// with the square root of their number, so that the density is
		// even too. A degree of longitude is shorter than one of
		// latitude by cos(latitude).
		angle := float64(i) * 2.399963229728653
		radius := approxStep * math.Sqrt(float64(i)+0.7)
		lng := centre[0] + radius*math.Cos(angle)/math.Cos(centre[1]*math.Pi/180)
		lat := centre[1] + radius*math.Sin(angle)
		out[code] = place{coord: [2]float64{math.Round(lng*1e6) / 1e6, math.Round(lat*1e6) / 1e6}, approx: true}
	}
	return out
}

// focusBox returns the box around points with a margin of a quarter of
// its size (at least 0.02°), or nil for no points.
func focusBox(ps []mapValue) *[2][2]float64 {
	if len(ps) == 0 {
		return nil
	}
	b := [2][2]float64{ps[0].Coord, ps[0].Coord}
	for _, p := range ps[1:] {
		b[0][0], b[0][1] = min(b[0][0], p.Coord[0]), min(b[0][1], p.Coord[1])
		b[1][0], b[1][1] = max(b[1][0], p.Coord[0]), max(b[1][1], p.Coord[1])
	}
	mx := max((b[1][0]-b[0][0])/4, 0.02)
	my := max((b[1][1]-b[0][1])/4, 0.02)
	b[0][0], b[0][1], b[1][0], b[1][1] = b[0][0]-mx, b[0][1]-my, b[1][0]+mx, b[1][1]+my
	return &b
}
