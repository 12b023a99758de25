package apphttp

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/tuopin/tuopin"
)

// viewYears is the registry years page: per county, the households of
// each year and whether the year was carried forward, with the start of
// a new year behind a confirmation.
const viewYears = "years"

type yearsData struct {
	*view
	Counties []*yearCounty
	Years    []int // newest first, every year some county holds
	// Whole offers a start of the whole registry (an admin of the nation).
	Whole *yearStartLink
	// Plan is the confirmation of a start: what it would copy.
	Plan     *tuopin.YearStart
	PlanName string
}

type yearCounty struct {
	*tuopin.CountyYears
	Cells []yearCell
	Start *yearStartLink // nil: nothing to start, or not allowed
}

type yearCell struct {
	Year       int
	Households int
	ClosedTo   int // the year it was carried forward to, or 0
}

type yearStartLink struct {
	Area     string
	From, To int
}

// URL is the confirmation page of the start.
func (l *yearStartLink) URL() string {
	return "/years/start?from=" + strconv.Itoa(l.From) + "&to=" + strconv.Itoa(l.To) + "&area=" + l.Area
}

// canStartYears reports whether a role may start registry years (the
// scope is checked by the service).
func canStartYears(r tuopin.Role) bool { return r == tuopin.RoleAdmin || r == tuopin.RoleCountyAdmin }

// yearsPage lists the counties of the user's scope and their years.
func (s *Server) yearsPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.yearsData(w, r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, viewYears, d)
}

func (s *Server) yearsData(w http.ResponseWriter, r *http.Request) (*yearsData, error) {
	counties, err := s.svc.Years.FindCountyYears(r.Context())
	if err != nil {
		return nil, err
	}
	d := &yearsData{view: s.newView(w, r, "years")}
	for _, c := range counties {
		for y := range c.Households {
			if !slices.Contains(d.Years, y) {
				d.Years = append(d.Years, y)
			}
		}
	}
	slices.Sort(d.Years)
	slices.Reverse(d.Years)
	u := d.User
	latestAll := 0
	for _, c := range counties {
		yc := &yearCounty{CountyYears: c}
		latest := 0
		for _, y := range d.Years {
			cell := yearCell{Year: y, Households: c.Households[y]}
			if st := c.ClosedBy(y); st != nil {
				cell.ClosedTo = st.Year
			}
			if cell.Households > 0 && cell.ClosedTo == 0 && latest == 0 {
				latest = y
			}
			yc.Cells = append(yc.Cells, cell)
		}
		if latest > 0 && canStartYears(u.Role) && strings.HasPrefix(c.Code, u.Scope) &&
			(u.Role == tuopin.RoleAdmin || c.Code == u.Scope) && latest < s.cfg.Now().Year()+1 {
			yc.Start = &yearStartLink{Area: c.Code, From: latest, To: latest + 1}
		}
		latestAll = max(latestAll, latest)
		d.Counties = append(d.Counties, yc)
	}
	if u.Role == tuopin.RoleAdmin && u.Scope == "" && latestAll > 0 && latestAll < s.cfg.Now().Year()+1 {
		d.Whole = &yearStartLink{From: latestAll, To: latestAll + 1}
	}
	return d, nil
}

// yearStartParams reads from, to and area of a start from a query or form.
func yearStartParams(get func(string) string) (from, to int, area string, err error) {
	var f tuopin.Fields
	from, e1 := strconv.Atoi(strings.TrimSpace(get("from")))
	if e1 != nil {
		f.Add("from", "invalid_year", "From must be a year.")
	}
	to, e2 := strconv.Atoi(strings.TrimSpace(get("to")))
	if e2 != nil {
		f.Add("to", "invalid_year", "To must be a year.")
	}
	return from, to, strings.TrimSpace(get("area")), f.Err()
}

// yearStartConfirm shows what a start would copy and asks to confirm.
func (s *Server) yearStartConfirm(w http.ResponseWriter, r *http.Request) {
	from, to, area, err := yearStartParams(r.URL.Query().Get)
	if err == nil {
		var plan *tuopin.YearStart
		if plan, err = s.svc.Years.PlanStartYear(r.Context(), from, to, area); err == nil {
			d, derr := s.yearsData(w, r)
			if derr != nil {
				s.htmlError(w, r, derr)
				return
			}
			d.Plan, d.PlanName = plan, s.countyName(d, plan.Area)
			s.render(w, r, http.StatusOK, viewYears, d)
			return
		}
	}
	s.yearsRefused(w, r, err)
}

// yearStart starts a registry year.
func (s *Server) yearStart(w http.ResponseWriter, r *http.Request) {
	from, to, area, err := yearStartParams(r.PostFormValue)
	if err == nil {
		_, err = s.svc.Years.StartYear(r.Context(), from, to, area)
	}
	if err != nil {
		s.yearsRefused(w, r, err)
		return
	}
	s.setFlash(w, "flash.year_started")
	http.Redirect(w, r, "/years", http.StatusSeeOther)
}

// yearsRefused re-shows the years page with the reason a start was
// refused; other errors get the error page.
func (s *Server) yearsRefused(w http.ResponseWriter, r *http.Request, err error) {
	if tuopin.ErrorCode(err) != tuopin.EINVALID {
		s.htmlError(w, r, err)
		return
	}
	d, derr := s.yearsData(w, r)
	if derr != nil {
		s.htmlError(w, r, derr)
		return
	}
	d.FormError = translate(d.Lang, "years.refused")
	fields := tuopin.ErrorFields(err)
	if len(fields) == 0 {
		d.FormError += " " + tuopin.ErrorMessage(err)
	}
	for _, k := range []string{"from", "to", "area"} {
		if fe, ok := fields[k]; ok {
			d.FormError += " " + fieldMessage(d.Lang, fe)
		}
	}
	s.render(w, r, http.StatusUnprocessableEntity, viewYears, d)
}

// countyName names an area of a start: a county of the page, or the
// whole registry.
func (s *Server) countyName(d *yearsData, area string) string {
	if area == "" {
		return translate(d.Lang, "years.whole")
	}
	for _, c := range d.Counties {
		if c.Code == area {
			return c.Name
		}
	}
	return area
}

// apiYears lists the counties of the caller's scope with their
// households per year and their starts.
func (s *Server) apiYears(w http.ResponseWriter, r *http.Request) {
	counties, err := s.svc.Years.FindCountyYears(r.Context())
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(counties, len(counties), 0, len(counties)))
}

// yearStartInput is the body of POST /years/start.
type yearStartInput struct {
	From int    `json:"from"`
	To   int    `json:"to"`
	Area string `json:"area"`
	// DryRun counts what the start would copy and writes nothing.
	DryRun bool `json:"dry_run"`
}

// apiYearStart starts a registry year (or, with dry_run, plans it).
func (s *Server) apiYearStart(w http.ResponseWriter, r *http.Request) {
	var in yearStartInput
	if err := decodeJSON(r, &in); err != nil {
		s.jsonError(w, r, err)
		return
	}
	var ys *tuopin.YearStart
	var err error
	if in.DryRun {
		ys, err = s.svc.Years.PlanStartYear(r.Context(), in.From, in.To, in.Area)
	} else {
		ys, err = s.svc.Years.StartYear(r.Context(), in.From, in.To, in.Area)
	}
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	status := http.StatusOK
	if !in.DryRun && ys.Households > 0 {
		status = http.StatusCreated
	}
	writeJSON(w, status, ys)
}
