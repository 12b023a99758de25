package apphttp

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/tuopin/tuopin"
)

// paramPutBody is the body of PUT /api/v1/parameters.
type paramPutBody struct {
	Kind     string       `json:"kind"`
	Year     int          `json:"year"`
	Region   string       `json:"region"`
	Value    tuopin.Money `json:"value"`
	Text     string       `json:"text"`
	Verified bool         `json:"verified"`
	Source   string       `json:"source"`
	Reason   string       `json:"reason"`
}

// apiParameters lists the parameters visible to the caller, optionally of
// one ?kind= and ?year=.
func (s *Server) apiParameters(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	kind := q.Get("kind")
	if kind != "" && !slices.Contains(tuopin.ParamKinds, kind) {
		s.jsonError(w, r, errMalformed("kind must be one of "+strings.Join(tuopin.ParamKinds, ", ")+"."))
		return
	}
	year, err := queryInt(q, "year")
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	y := 0
	if year != nil {
		y = *year
	}
	list, err := s.svc.Params.FindParameters(r.Context(), kind, y)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(list, len(list), 0, len(list)))
}

// apiParameterPut sets (creates or replaces) one parameter and answers
// with it as stored.
func (s *Server) apiParameterPut(w http.ResponseWriter, r *http.Request) {
	var in paramPutBody
	if err := decodeJSON(r, &in); err != nil {
		s.jsonError(w, r, err)
		return
	}
	p := &tuopin.Parameter{Kind: in.Kind, Year: in.Year, Region: in.Region, Value: in.Value, Text: in.Text,
		Verified: in.Verified, Source: in.Source}
	if err := s.svc.Params.SetParameter(r.Context(), p, strings.TrimSpace(in.Reason)); err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

// apiParameterDelete deletes the parameter named by ?kind=, ?year= and
// ?region= ("" or absent = national); ?reason= is recorded.
func (s *Server) apiParameterDelete(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	year, err := strconv.Atoi(q.Get("year"))
	if err != nil || q.Get("kind") == "" {
		s.jsonError(w, r, errMalformed("kind and year are required, e.g. ?kind=poverty_line&year=2016&region=451224."))
		return
	}
	if err := s.svc.Params.DeleteParameter(r.Context(), q.Get("kind"), year, q.Get("region"), strings.TrimSpace(q.Get("reason"))); err != nil {
		s.jsonError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
