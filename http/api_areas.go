package apphttp

import (
	"net/http"
	"time"

	"github.com/tuopin/tuopin"
)

// apiAreaPrefix reads the {code} of an area route: a significant prefix or
// a 12-digit code. A malformed code is not found, like a missing one.
func apiAreaPrefix(r *http.Request) (string, error) {
	p, ok := tuopin.ParseAreaRef(r.PathValue("code"))
	if !ok {
		return "", tuopin.NotFound("Area")
	}
	return p, nil
}

// apiArea returns one area inside the caller's scope.
func (s *Server) apiArea(w http.ResponseWriter, r *http.Request) {
	p, err := apiAreaPrefix(r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	a, err := s.svc.Areas.FindAreaByCode(r.Context(), p)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, a)
}

type areaStatsBody struct {
	Area     *tuopin.AreaStats   `json:"area"`
	Children []*tuopin.AreaStats `json:"children"`
}

// apiAreaStats returns the counts of an area and of each child for
// ?year= (default: the newest registry year in scope).
func (s *Server) apiAreaStats(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, err := apiAreaPrefix(r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	year, err := s.apiYear(r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	stats, children, err := s.svc.Areas.FindAreaStats(ctx, p, year)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	if children == nil {
		children = []*tuopin.AreaStats{}
	}
	writeJSON(w, http.StatusOK, areaStatsBody{Area: stats, Children: children})
}

// apiAreaChildren lists the direct children of an area, paged.
func (s *Server) apiAreaChildren(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, err := apiAreaPrefix(r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	offset, limit, err := paging(r.URL.Query())
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	// The parent itself must be visible: children of an out-of-scope
	// area are as unknown as the area.
	parent, err := s.svc.Areas.FindAreaByCode(ctx, p)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	items, total, err := s.svc.Areas.FindAreas(ctx, tuopin.AreaFilter{ParentCode: &parent.Code, Offset: offset, Limit: limit})
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(items, total, offset, limit))
}

// apiYear returns the registry year an API call asks for with ?year=, or
// the newest year in the caller's scope, or this year for an empty one.
func (s *Server) apiYear(r *http.Request) (int, error) {
	year, err := queryInt(r.URL.Query(), "year")
	if err != nil {
		return 0, err
	} else if year != nil {
		return *year, nil
	}
	years, err := s.svc.Households.FindYears(r.Context())
	if err != nil {
		return 0, err
	} else if len(years) > 0 {
		return years[0], nil
	}
	return time.Now().Year(), nil
}
