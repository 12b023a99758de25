package apphttp

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/tuopin/tuopin"
)

// planListBody is the body of GET and PUT /api/v1/plans/{code}: the plans
// of the area's direct children for a year, by area code.
type planListBody struct {
	Year     int                `json:"year"`
	AreaCode string             `json:"area_code"`
	Items    []*tuopin.ExitPlan `json:"items"`
}

// planPutBody is the body of PUT /api/v1/plans/{code}. Each item sets
// (replaces) the plan of one child area; children not listed keep theirs.
type planPutBody struct {
	Year   int         `json:"year"`
	Reason string      `json:"reason"`
	Items  []planInput `json:"items"`
}

type planInput struct {
	AreaCode   string      `json:"area_code"`
	Households int         `json:"households"`
	Persons    int         `json:"persons"`
	Nodes      []nodeInput `json:"nodes"`
}

// nodeInput is a time node; its date is "YYYY-MM-DD" (or RFC 3339).
type nodeInput struct {
	Date       string `json:"date"`
	Households int    `json:"households"`
	Persons    int    `json:"persons"`
}

// apiPlans returns the plans of an area's children for ?year= (default:
// the newest registry year in scope).
func (s *Server) apiPlans(w http.ResponseWriter, r *http.Request) {
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
	body, err := s.planList(r, p, year)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) planList(r *http.Request, prefix string, year int) (*planListBody, error) {
	plans, err := s.svc.Plans.FindPlans(r.Context(), year, prefix)
	if err != nil {
		return nil, err
	}
	body := &planListBody{Year: year, AreaCode: tuopin.PadCode(prefix), Items: sortedPlans(plans)}
	return body, nil
}

// apiPlansPut sets the plans of some of an area's children. Every item is
// checked before any is stored: a refused body names each bad field as
// items[i].field and stores nothing. Then each changed plan is stored with
// its audit entry.
func (s *Server) apiPlansPut(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, err := apiAreaPrefix(r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	parent, err := s.svc.Areas.FindAreaByCode(ctx, p)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	if !canSetPlans(state(r).user.Role) {
		s.jsonError(w, r, tuopin.Errorf(tuopin.EFORBIDDEN, "Only a county office or an administrator may set exit plans."))
		return
	}
	var in planPutBody
	if err := decodeJSON(r, &in); err != nil {
		s.jsonError(w, r, err)
		return
	}
	children, _, err := s.svc.Areas.FindAreas(ctx, tuopin.AreaFilter{ParentCode: &parent.Code, Limit: 500})
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	isChild := func(code string) bool {
		return slices.ContainsFunc(children, func(a *tuopin.Area) bool { return a.Code == code })
	}

	var errs tuopin.Fields
	plans := make([]*tuopin.ExitPlan, 0, len(in.Items))
	seen := map[string]bool{}
	for i, it := range in.Items {
		key := fmt.Sprintf("items[%d].", i)
		plan := &tuopin.ExitPlan{Year: in.Year, AreaCode: strings.TrimSpace(it.AreaCode), Households: it.Households, Persons: it.Persons, Nodes: []tuopin.PlanNode{}}
		var f tuopin.Fields
		for j, n := range it.Nodes {
			t, err := time.Parse(tuopin.DateLayout, n.Date)
			if err != nil {
				t, err = time.Parse(time.RFC3339, n.Date)
			}
			if err != nil {
				f.Add(fmt.Sprintf("nodes[%d].date", j), "invalid_date", "Date must be YYYY-MM-DD.")
			}
			plan.Nodes = append(plan.Nodes, tuopin.PlanNode{Date: t.UTC(), Households: n.Households, Persons: n.Persons})
		}
		f.Merge("", tuopin.ErrorFields(plan.Validate()))
		switch {
		case seen[plan.AreaCode]:
			f.Add("area_code", "duplicate_area", "Area %s is listed twice.", plan.AreaCode)
		case tuopin.IsCode12(plan.AreaCode) && !isChild(plan.AreaCode):
			f.Add("area_code", "not_child", "Area %s is not a child of %s inside your scope.", plan.AreaCode, parent.Code)
		}
		seen[plan.AreaCode] = true
		errs.Merge(key, f)
		plans = append(plans, plan)
	}
	if err := errs.Err(); err != nil {
		s.jsonError(w, r, err)
		return
	}
	for i, plan := range plans {
		if err := s.svc.Plans.SetPlan(ctx, plan, in.Reason); err != nil {
			if fields := tuopin.ErrorFields(err); len(fields) > 0 {
				var f tuopin.Fields
				f.Merge(fmt.Sprintf("items[%d].", i), fields)
				err = f.Err()
			}
			s.jsonError(w, r, err)
			return
		}
	}
	body, err := s.planList(r, parent.Prefix(), in.Year)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, body)
}
