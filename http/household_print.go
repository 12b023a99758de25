package apphttp

import (
	"net/http"
	"time"

	"github.com/tuopin/tuopin"
)

// householdPrintData is the one-page household file (扶贫手册).
type householdPrintData struct {
	*householdData
	// StatusHistory is the registration and the status moves, oldest first.
	StatusHistory []*auditRow
	Printed       time.Time
}

// householdPrint shows a household as a clean A4 page to print from the
// browser: its fields, members, cause of poverty, income and status with
// the status history. Out of scope is not found, as for the detail page.
func (s *Server) householdPrint(w http.ResponseWriter, r *http.Request) {
	d, err := s.householdDetailData(w, r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	p := &householdPrintData{householdData: d, Printed: s.cfg.Now()}
	for i := len(d.History) - 1; i >= 0; i-- {
		if a := d.History[i].Action; a == tuopin.ActionHouseholdStatus || a == tuopin.ActionHouseholdCreate {
			p.StatusHistory = append(p.StatusHistory, d.History[i])
		}
	}
	s.renderBlock(w, r, http.StatusOK, viewHouseholdPrint, "print", p)
}
