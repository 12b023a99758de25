package apphttp

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/tuopin/tuopin"
)

// crumb is one step of a breadcrumb; URL is empty for an ancestor outside
// the user's scope (shown by name only) and for the current area.
type crumb struct {
	Name string
	URL  string
}

type areaData struct {
	*view
	Crumbs     []crumb
	Stats      *tuopin.AreaStats
	Children   []*tuopin.AreaStats
	ChildLevel tuopin.Level
	Years      []int
	Year       int
	Prefix     string // the area shown; "" = the whole scope
}

// ChildURL is where a row of the children table leads: the child's own
// overview, or for a village the household list filtered to it.
func (d *areaData) ChildURL(c *tuopin.AreaStats) string {
	y := "year=" + strconv.Itoa(d.Year)
	if c.Level >= tuopin.LevelVillage {
		return "/households?area=" + c.Code + "&" + y
	}
	return "/areas/" + c.Prefix() + "?" + y
}

// areaOverview shows the counts of an area (/ = the user's whole scope)
// and of each child area for a year.
func (s *Server) areaOverview(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	prefix := ""
	if code := r.PathValue("code"); code != "" {
		p, ok := tuopin.ParseAreaRef(code)
		if !ok {
			s.htmlError(w, r, tuopin.NotFound("Area"))
			return
		}
		prefix = p
	}
	years, year, err := s.yearChoice(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	stats, children, err := s.svc.Areas.FindAreaStats(ctx, prefix, year)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	d := &areaData{view: s.newView(w, r, "overview"), Stats: stats, Children: children, Years: years, Year: year, Prefix: prefix}
	// The whole scope ("/") is the user's own area.
	shown := prefix
	if shown == "" {
		shown = state(r).user.Scope
	}
	level, _ := tuopin.LevelOfPrefix(shown)
	d.ChildLevel = level.Child()
	if d.Crumbs, err = s.breadcrumb(r, shown, year); err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, viewArea, d)
}

// yearChoice returns the registry years in scope and the year asked for
// by ?year= (default: the newest, or this year when there is none).
func (s *Server) yearChoice(r *http.Request) ([]int, int, error) {
	years, err := s.svc.Households.FindYears(r.Context())
	if err != nil {
		return nil, 0, err
	}
	year := time.Now().Year()
	if len(years) > 0 {
		year = years[0]
	}
	if q := r.URL.Query().Get("year"); q != "" {
		y, err := strconv.Atoi(q)
		if err != nil || y < 1900 || y > 9999 {
			return nil, 0, errMalformed("year must be a four-digit year")
		}
		year = y
	}
	return years, year, nil
}

// breadcrumb returns the chain from the province down to prefix. Areas
// inside the user's scope link to their overview; ancestors above it are
// names only. The last crumb (the area itself) has no link.
func (s *Server) breadcrumb(r *http.Request, prefix string, year int) ([]crumb, error) {
	if prefix == "" {
		return []crumb{{Name: translate(state(r).lang, "area.nation")}}, nil
	}
	path, err := s.svc.Areas.FindAreaPath(r.Context(), prefix)
	if err != nil {
		return nil, err
	}
	out := make([]crumb, 0, len(path))
	for i, a := range path {
		c := crumb{Name: a.Name}
		if i < len(path)-1 && tuopin.InScope(r.Context(), a.Code) {
			c.URL = "/areas/" + a.Prefix() + "?year=" + strconv.Itoa(year)
		}
		out = append(out, c)
	}
	return out, nil
}

// areaNameSnippet answers the htmx lookup beside a scope field: the name
// of the area a typed code names, or "not found".
func (s *Server) areaNameSnippet(w http.ResponseWriter, r *http.Request) {
	code := r.URL.Query().Get("scope")
	var area *tuopin.Area
	if p, ok := tuopin.ParseAreaRef(code); ok {
		a, err := s.svc.Areas.FindAreaByCode(r.Context(), p)
		if err != nil && tuopin.ErrorCode(err) != tuopin.ENOTFOUND {
			s.htmlError(w, r, err)
			return
		}
		area = a
	}
	s.renderBlock(w, r, http.StatusOK, viewUserForm, "area_name", map[string]any{"Area": area, "Code": code})
}

// AreaName is the name of the area shown: the last breadcrumb.
func (d *areaData) AreaName() string {
	if len(d.Crumbs) == 0 {
		return ""
	}
	return d.Crumbs[len(d.Crumbs)-1].Name
}

// YearOptions are the years of the year selector, newest first, with the
// shown year among them even when it holds no household.
func (d *areaData) YearOptions() []int { return yearOptions(d.Years, d.Year) }

func yearOptions(years []int, year int) []int {
	if year == 0 || slices.Contains(years, year) {
		return years
	}
	out := append(slices.Clone(years), year)
	slices.Sort(out)
	slices.Reverse(out)
	return out
}
