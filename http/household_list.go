package apphttp

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tuopin/tuopin"
)

// householdPageSize is the number of rows per page of the household list.
const householdPageSize = 50

type householdsData struct {
	*view
	Items     []*tuopin.Household
	AreaNames map[string]string // village code → name
	Pager     *pager
	Query     string
	Status    string
	Year      int // 0 = every year
	Years     []int
	Area      string // the area filter as a significant prefix; "" = whole scope
	// AreaCrumbs is the path of the filter area; in-scope steps link to
	// the list filtered to them. AreaChildren narrows the filter a level.
	AreaCrumbs   []crumb
	AreaChildren []*tuopin.Area
	// ExportQuery is the query of the list's current filters, for the
	// export links ("q=…&year=…", without format and layout).
	ExportQuery string
}

// ExportURL is the export of the list's current filters in a format and
// layout.
func (d *householdsData) ExportURL(format, layout string) string {
	return "/households/export?format=" + format + "&layout=" + layout + "&" + d.ExportQuery
}

// householdList shows the registry of the user's scope, filtered and paged
// in SQL. An htmx request aimed at #results gets only the results block
// (area filter, table, pager), which the live search swaps in.
func (s *Server) householdList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	d := &householdsData{view: s.newView(w, r, "households")}

	d.Query = strings.TrimSpace(q.Get("q"))
	if utf8.RuneCountInString(d.Query) > 50 {
		d.Query = string([]rune(d.Query)[:50])
	}
	filter := tuopin.HouseholdFilter{Query: d.Query}

	if st := q.Get("status"); st != "" && d.Codes.Valid(tuopin.CodeStatus, st, 0) {
		d.Status = st
		filter.Status = &d.Status
	}

	// The years fill the year select, which the results block alone does
	// not hold: a live-search request (which always sends its year) skips
	// the query.
	partial := r.Header.Get("HX-Request") == "true" && r.Header.Get("HX-Target") == "results"
	var err error
	if !partial || q.Get("year") == "" {
		if d.Years, err = s.svc.Households.FindYears(ctx); err != nil {
			s.htmlError(w, r, err)
			return
		}
	}
	switch y := q.Get("year"); {
	case y == "all":
	case y != "":
		if d.Year, err = strconv.Atoi(y); err != nil {
			s.htmlError(w, r, errMalformed("year must be a number or all"))
			return
		}
	case len(d.Years) > 0:
		d.Year = d.Years[0]
	}
	if d.Year != 0 {
		filter.Year = &d.Year
	}

	if a := q.Get("area"); a != "" {
		p, ok := tuopin.ParseAreaRef(a)
		if !ok {
			s.htmlError(w, r, tuopin.NotFound("Area"))
			return
		}
		d.Area, filter.AreaPrefix = p, p
	}
	if err := s.householdAreaFilter(r, d); err != nil {
		s.htmlError(w, r, err)
		return
	}

	page := pageFromQuery(q)
	filter.Offset, filter.Limit = (page-1)*householdPageSize, householdPageSize
	items, total, err := s.svc.Households.FindHouseholds(ctx, filter)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	d.Items = items
	d.AreaNames = s.villageNames(ctx, items)
	d.Pager = newPager("/households", q, page, householdPageSize, total)
	ev := url.Values{}
	if d.Query != "" {
		ev.Set("q", d.Query)
	}
	if d.Status != "" {
		ev.Set("status", d.Status)
	}
	if d.Year != 0 {
		ev.Set("year", strconv.Itoa(d.Year))
	} else {
		ev.Set("year", "all")
	}
	if d.Area != "" {
		ev.Set("area", d.Area)
	}
	d.ExportQuery = ev.Encode()

	if partial {
		s.renderBlock(w, r, http.StatusOK, viewHouseholds, "results", d)
		return
	}
	s.render(w, r, http.StatusOK, viewHouseholds, d)
}

// householdAreaFilter fills the area breadcrumb and the child areas of the
// list's area filter (the user's scope when there is none). An area
// outside the scope is ENOTFOUND, as FindAreaPath reports it.
func (s *Server) householdAreaFilter(r *http.Request, d *householdsData) error {
	ctx := r.Context()
	shown := d.Area
	if shown == "" {
		shown = d.User.Scope
	}
	base := url.Values{}
	if d.Query != "" {
		base.Set("q", d.Query)
	}
	if d.Status != "" {
		base.Set("status", d.Status)
	}
	if d.Year != 0 {
		base.Set("year", strconv.Itoa(d.Year))
	} else {
		base.Set("year", "all")
	}
	link := func(prefix string) string {
		v := url.Values{}
		for k, vals := range base {
			v[k] = vals
		}
		if prefix != "" {
			v.Set("area", prefix)
		}
		return "/households?" + v.Encode()
	}

	if shown == "" {
		d.AreaCrumbs = []crumb{{Name: translate(d.Lang, "area.nation")}}
	} else {
		path, err := s.svc.Areas.FindAreaPath(ctx, shown)
		if err != nil {
			return err
		}
		for i, a := range path {
			c := crumb{Name: a.Name}
			if i < len(path)-1 && tuopin.InScope(ctx, a.Code) {
				c.URL = link(a.Prefix())
			}
			d.AreaCrumbs = append(d.AreaCrumbs, c)
		}
	}

	level, _ := tuopin.LevelOfPrefix(shown)
	if level >= tuopin.LevelVillage {
		return nil
	}
	f := tuopin.AreaFilter{Limit: 1000}
	if shown == "" {
		l := tuopin.LevelProvince
		f.Level = &l
	} else {
		parent := tuopin.PadCode(shown)
		f.ParentCode = &parent
	}
	children, _, err := s.svc.Areas.FindAreas(ctx, f)
	if err != nil {
		return err
	}
	d.AreaChildren = children
	return nil
}

// villageNames looks up the names of the villages of a page of households.
func (s *Server) villageNames(ctx context.Context, hs []*tuopin.Household) map[string]string {
	codes := make([]string, len(hs))
	for i, h := range hs {
		codes[i] = h.AreaCode
	}
	return s.areaNames(ctx, codes)
}

// areaNames looks up the names of the areas of a page of rows, by their
// first 12 digits (a group code names its village). Pages are ordered by
// area code, so a page holds few distinct areas. A failed lookup only loses
// a name: the code is shown instead.
func (s *Server) areaNames(ctx context.Context, codes []string) map[string]string {
	names := make(map[string]string)
	for _, code := range codes {
		code = code[:min(len(code), 12)]
		if _, ok := names[code]; ok || code == "" {
			continue
		}
		names[code] = code
		if a, err := s.svc.Areas.FindAreaByCode(ctx, code); err == nil {
			names[code] = a.Name
		}
	}
	return names
}

// VillageName returns the village name of a household row.
func (d *householdsData) VillageName(h *tuopin.Household) string {
	code := h.AreaCode
	if len(code) > 12 {
		code = code[:12]
	}
	return d.AreaNames[code]
}
