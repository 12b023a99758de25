package apphttp

import (
	"sort"
	"time"
)

// APIRoutePatterns returns the patterns of the API route table, for the
// test that holds it and the OpenAPI document together.
func APIRoutePatterns(s *Server) []string {
	var out []string
	for _, r := range s.apiRouteTable() {
		out = append(out, r.pattern)
	}
	return out
}

// CatalogKeys returns the keys of a language's message catalog, sorted.
func CatalogKeys(lang string) []string {
	var out []string
	for k := range catalogs[lang] {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// LimiterClock replaces the clock of the login rate limiter.
func LimiterClock(s *Server, now func() time.Time) { s.limiter.now = now }
