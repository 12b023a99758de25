package apphttp

import "net/http"

// route is one line of a route table: a ServeMux pattern and its handler.
type route struct {
	pattern string
	handler http.HandlerFunc
}

// apiRouteTable is the route table of the JSON API. Every route here is
// described in web/static/openapi.yaml; a test holds the two together.
func (s *Server) apiRouteTable() []route {
	return []route{
		{"GET /api/v1/me", s.apiMe},
		{"GET /api/v1/areas/{code}", s.apiArea},
		{"GET /api/v1/areas/{code}/stats", s.apiAreaStats},
		{"GET /api/v1/areas/{code}/children", s.apiAreaChildren},
		{"GET /api/v1/households", s.apiHouseholdList},
		{"POST /api/v1/households", s.apiHouseholdCreate},
		{"GET /api/v1/households/export", s.apiHouseholdExport},
		{"GET /api/v1/households/{id}", s.apiHouseholdGet},
		{"PATCH /api/v1/households/{id}", s.apiHouseholdPatch},
		{"POST /api/v1/households/{id}/status", s.apiHouseholdStatus},
		{"GET /api/v1/households/{id}/events", s.apiHouseholdEvents},
		{"POST /api/v1/households/{id}/events", s.apiHouseholdEventCreate},
		{"POST /api/v1/households/{id}/monitoring", s.apiHouseholdMonitoring},
		{"POST /api/v1/households/{id}/risk-elimination", s.apiHouseholdRiskElimination},
		{"GET /api/v1/imports", s.apiImportList},
		{"POST /api/v1/imports", s.apiImportCreate},
		{"GET /api/v1/imports/{id}", s.apiImportGet},
		{"POST /api/v1/imports/{id}/validate", s.apiImportValidate},
		{"POST /api/v1/imports/{id}/commit", s.apiImportCommit},
		{"POST /api/v1/imports/{id}/cancel", s.apiImportCancel},
		{"GET /api/v1/imports/{id}/report.xlsx", s.apiImportReport},
		{"GET /api/v1/years", s.apiYears},
		{"POST /api/v1/years/start", s.apiYearStart},
		{"GET /api/v1/id-reviews", s.apiReviews},
		{"GET /api/v1/id-reviews/{id}", s.apiReview},
		{"POST /api/v1/id-reviews/{id}/resolve", s.apiReviewResolve},
		{"GET /api/v1/users", s.apiUserList},
		{"POST /api/v1/users", s.apiUserCreate},
		{"GET /api/v1/users/{id}", s.apiUserGet},
		{"PATCH /api/v1/users/{id}", s.apiUserPatch},
		{"GET /api/v1/audit", s.apiAuditList},
		{"GET /api/v1/codes", s.apiCodes},
		{"GET /api/v1/fields", s.apiFields},
		{"PUT /api/v1/codes/{kind}/{code}", s.apiCodePut},
		{"DELETE /api/v1/codes/{kind}/{code}", s.apiCodeDelete},
		{"GET /api/v1/parameters", s.apiParameters},
		{"PUT /api/v1/parameters", s.apiParameterPut},
		{"DELETE /api/v1/parameters", s.apiParameterDelete},
		{"GET /api/v1/plans/{code}", s.apiPlans},
		{"PUT /api/v1/plans/{code}", s.apiPlansPut},
		{"GET /api/v1/tokens", s.apiTokenList},
		{"POST /api/v1/tokens", s.apiTokenCreate},
		{"DELETE /api/v1/tokens/{id}", s.apiTokenDelete},
	}
}

// apiRoutes mounts the API table behind bearer-token authentication.
// Unknown paths under /api/v1/ answer with a JSON 404.
func (s *Server) apiRoutes() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range s.apiRouteTable() {
		mux.HandleFunc(rt.pattern, rt.handler)
	}
	mux.HandleFunc("/api/v1/", s.apiNotFound)
	return s.withBearer(mux)
}
