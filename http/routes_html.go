package apphttp

import (
	"net/http"

	"github.com/tuopin/tuopin"
)

// htmlRoutes is the route table of the browser surface. Every route runs
// behind withSession (session, language, CSRF token); requireUser and
// requireRole guard the pages.
func (s *Server) htmlRoutes() http.Handler {
	user, role := s.requireUser, s.requireRole
	editors := func(r tuopin.Role) bool { return r.CanEditRegistry() }
	managers := func(r tuopin.Role) bool { return r.CanManageUsers() }
	auditors := func(r tuopin.Role) bool { return r.CanViewAudit() }
	planners := canSetPlans

	mux := http.NewServeMux()
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.loginSubmit)
	mux.HandleFunc("POST /logout", s.logoutSubmit)

	mux.HandleFunc("GET /{$}", user(s.areaOverview))
	mux.HandleFunc("GET /areas/{code}", user(s.areaOverview))
	mux.HandleFunc("GET /area-name", user(s.areaNameSnippet))

	mux.HandleFunc("GET /dashboard", user(s.dashboard))
	mux.HandleFunc("GET /dashboard/{code}", user(s.dashboard))
	mux.HandleFunc("GET /dashboard/export.xlsx", user(s.dashboardExport))
	mux.HandleFunc("GET /wall", user(s.wall))
	mux.HandleFunc("GET /wall/{code}", user(s.wall))
	mux.HandleFunc("GET /wall/export.xlsx", user(s.wallExport))
	mux.HandleFunc("GET /map", user(s.mapPage))
	mux.HandleFunc("GET /map/{code}", user(s.mapPage))
	mux.HandleFunc("GET /map/export.xlsx", user(s.mapExport))
	mux.HandleFunc("GET /plans", user(s.plansPage))
	mux.HandleFunc("GET /plans/{code}", user(s.plansPage))
	mux.HandleFunc("POST /plans/{code}", role(planners, s.plansSave))

	mux.HandleFunc("GET /households", user(s.householdList))
	mux.HandleFunc("GET /households/new", role(editors, s.householdNew))
	mux.HandleFunc("POST /households", role(editors, s.householdCreate))
	mux.HandleFunc("GET /households/export", user(s.householdExport))
	mux.HandleFunc("GET /households/{id}", user(s.householdDetail))
	mux.HandleFunc("GET /households/{id}/print", user(s.householdPrint))
	mux.HandleFunc("GET /households/{id}/edit", role(editors, s.householdEdit))
	mux.HandleFunc("POST /households/{id}", role(editors, s.householdUpdate))
	mux.HandleFunc("POST /households/{id}/status", role(editors, s.householdStatus))
	mux.HandleFunc("POST /households/{id}/monitor", role(editors, s.householdMonitor))
	mux.HandleFunc("POST /households/{id}/risk-eliminated", role(editors, s.householdRiskEliminated))
	mux.HandleFunc("POST /households/{id}/events", role(editors, s.householdEventNote))

	mux.HandleFunc("GET /imports", role(editors, s.importList))
	mux.HandleFunc("GET /imports/new", role(editors, s.importNew))
	mux.HandleFunc("POST /imports", role(editors, s.importCreate))
	mux.HandleFunc("GET /imports/{id}", role(editors, s.importDetail))
	mux.HandleFunc("GET /imports/{id}/progress", role(editors, s.importProgress))
	mux.HandleFunc("GET /imports/{id}/report.xlsx", role(editors, s.importReport))
	mux.HandleFunc("POST /imports/{id}/validate", role(editors, s.importValidate))
	mux.HandleFunc("POST /imports/{id}/commit", role(editors, s.importCommit))
	mux.HandleFunc("POST /imports/{id}/cancel", role(editors, s.importCancel))

	mux.HandleFunc("GET /years", user(s.yearsPage))
	mux.HandleFunc("GET /years/start", role(canStartYears, s.yearStartConfirm))
	mux.HandleFunc("POST /years/start", role(canStartYears, s.yearStart))
	mux.HandleFunc("GET /reviews", user(s.reviewsPage))
	mux.HandleFunc("POST /reviews/{id}/resolve", role(editors, s.reviewResolve))

	mux.HandleFunc("GET /users", role(managers, s.userList))
	mux.HandleFunc("GET /users/new", role(managers, s.userNew))
	mux.HandleFunc("POST /users", role(managers, s.userCreate))
	mux.HandleFunc("GET /users/{id}/edit", role(managers, s.userEdit))
	mux.HandleFunc("POST /users/{id}", role(managers, s.userUpdate))

	mux.HandleFunc("GET /audit", role(auditors, s.auditList))

	mux.HandleFunc("GET /codes", user(s.codesPage))
	mux.HandleFunc("POST /codes/{kind}", role(canEditTables, s.codesSave))
	mux.HandleFunc("POST /codes/{kind}/{code}/delete", role(canEditTables, s.codesDelete))
	mux.HandleFunc("GET /params", user(s.paramsPage))
	mux.HandleFunc("POST /params", role(canEditTables, s.paramsSave))
	mux.HandleFunc("POST /params/delete", role(canEditTables, s.paramsDelete))

	mux.HandleFunc("GET /account", user(s.accountPage))
	mux.HandleFunc("POST /account/password", user(s.accountPassword))
	mux.HandleFunc("POST /account/tokens", user(s.accountTokenCreate))
	mux.HandleFunc("POST /account/tokens/{id}/delete", user(s.accountTokenDelete))

	mux.HandleFunc("/", s.notFound)
	return s.withSession(mux)
}
