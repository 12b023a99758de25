package apphttp

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/tuopin/tuopin"
)

// viewReviews is the duplicate review queue: ID numbers that a write gave
// for a person whom another county's household holds that year.
const viewReviews = "reviews"

type reviewsData struct {
	*view
	Status  string // "open" or "resolved"
	Reviews []*reviewRow
	Pager   *reviewPager
	// Resolutions are offered by the resolve form.
	Resolutions []string
	// Failed is the review whose resolution was refused, with what was
	// typed.
	Failed         int64
	FailedForm     tuopin.IDReviewResolve
	ResolutionText map[string]string
}

// reviewRow is one review with what the page shows of its two records.
type reviewRow struct {
	*tuopin.IDReview
	// ExistingLink and IncomingLink lead to the records inside the
	// caller's scope.
	ExistingLink, IncomingLink string
	ExistingName, IncomingName string
	// Incoming is the refused household as entered, when the caller may
	// see it.
	Incoming *tuopin.Household
	// CanMove: the caller's scope covers the existing record.
	CanMove bool
}

type reviewPager struct {
	Total, Offset, Limit int
	Prev, Next           string
}

const reviewsPageSize = 20

// reviewsPage lists the queue: open reviews by default.
func (s *Server) reviewsPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.reviewsData(w, r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, viewReviews, d)
}

func (s *Server) reviewsData(w http.ResponseWriter, r *http.Request) (*reviewsData, error) {
	q := r.URL.Query()
	status := q.Get("status")
	if status != tuopin.IDReviewResolved {
		status = tuopin.IDReviewOpen
	}
	offset, _ := strconv.Atoi(q.Get("offset"))
	offset = max(offset, 0)
	d := &reviewsData{view: s.newView(w, r, "reviews"), Status: status, Resolutions: tuopin.IDReviewResolutions}
	d.ResolutionText = map[string]string{}
	for k, l := range tuopin.IDReviewResolutionLabels {
		if d.Lang == langEN {
			d.ResolutionText[k] = l[1]
		} else {
			d.ResolutionText[k] = l[0]
		}
	}
	list, total, err := s.svc.Reviews.FindIDReviews(r.Context(), tuopin.IDReviewFilter{Status: &status, Offset: offset, Limit: reviewsPageSize})
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	name := func(code string) string {
		if code == "" || !tuopin.InScope(r.Context(), code) {
			return ""
		}
		if n, ok := names[code]; ok {
			return n
		}
		path, err := s.svc.Areas.FindAreaPath(r.Context(), code[:min(len(code), 12)])
		n := ""
		if err == nil && len(path) > 0 {
			parts := make([]string, 0, 3)
			for _, a := range path {
				if a.Level >= tuopin.LevelCounty {
					parts = append(parts, a.Name)
				}
			}
			n = strings.Join(parts, " ")
		}
		names[code] = n
		return n
	}
	for _, rv := range list {
		row := &reviewRow{IDReview: rv, ExistingName: name(rv.ExistingArea), IncomingName: name(rv.IncomingArea),
			CanMove: rv.ExistingInScope(d.User.Scope)}
		if rv.ExistingHouseholdID != 0 {
			row.ExistingLink = "/households/" + strconv.FormatInt(rv.ExistingHouseholdID, 10)
		}
		if rv.IncomingInScope(d.User.Scope) && rv.IncomingNumber != "" {
			year, number := rv.Year, rv.IncomingNumber
			hs, _, err := s.svc.Households.FindHouseholds(r.Context(), tuopin.HouseholdFilter{Year: &year, Number: &number, Limit: 1})
			if err != nil {
				return nil, err
			}
			if len(hs) == 1 {
				row.IncomingLink = "/households/" + strconv.FormatInt(hs[0].ID, 10)
			}
		}
		if h, err := rv.IncomingHousehold(); err == nil {
			row.Incoming = h
		}
		d.Reviews = append(d.Reviews, row)
	}
	p := &reviewPager{Total: total, Offset: offset, Limit: reviewsPageSize}
	if offset > 0 {
		p.Prev = "/reviews?status=" + status + "&offset=" + strconv.Itoa(max(offset-reviewsPageSize, 0))
	}
	if offset+reviewsPageSize < total {
		p.Next = "/reviews?status=" + status + "&offset=" + strconv.Itoa(offset+reviewsPageSize)
	}
	d.Pager = p
	return d, nil
}

// reviewResolve resolves a review from the queue's form.
func (s *Server) reviewResolve(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.htmlError(w, r, err)
		return
	}
	in := tuopin.IDReviewResolve{Resolution: r.PostFormValue("resolution"), Note: strings.TrimSpace(r.PostFormValue("note"))}
	_, err = s.svc.Reviews.ResolveIDReview(r.Context(), id, in)
	if tuopin.ErrorCode(err) == tuopin.EINVALID || tuopin.ErrorCode(err) == tuopin.EFORBIDDEN {
		d, derr := s.reviewsData(w, r)
		if derr != nil {
			s.htmlError(w, r, derr)
			return
		}
		d.Errors = tuopin.ErrorFields(err)
		d.Failed, d.FailedForm = id, in
		d.FormError = translate(d.Lang, "reviews.refused")
		if len(d.Errors) == 0 {
			d.FormError += " " + tuopin.ErrorMessage(err)
		}
		for _, k := range []string{"resolution", "note"} {
			if fe, ok := d.Errors[k]; ok {
				d.FormError += " " + fieldMessage(d.Lang, fe)
			}
		}
		status := http.StatusUnprocessableEntity
		if tuopin.ErrorCode(err) == tuopin.EFORBIDDEN {
			status = http.StatusForbidden
		}
		s.render(w, r, status, viewReviews, d)
		return
	} else if err != nil {
		s.htmlError(w, r, err)
		return
	}
	s.setFlash(w, "flash.review_resolved")
	http.Redirect(w, r, "/reviews", http.StatusSeeOther)
}

// apiReviews lists the duplicate review queue in the caller's scope.
func (s *Server) apiReviews(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	offset, limit, err := paging(q)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	f := tuopin.IDReviewFilter{Offset: offset, Limit: limit}
	if v := q.Get("status"); v != "" {
		if v != tuopin.IDReviewOpen && v != tuopin.IDReviewResolved {
			s.jsonError(w, r, tuopin.FieldErr("status", "invalid_choice", "Status must be open or resolved."))
			return
		}
		f.Status = &v
	}
	year, err := queryInt(q, "year")
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	f.Year = year
	items, total, err := s.svc.Reviews.FindIDReviews(r.Context(), f)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newList(items, total, offset, limit))
}

// apiReview returns one review.
func (s *Server) apiReview(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	rv, err := s.svc.Reviews.FindIDReviewByID(r.Context(), id)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rv)
}

// apiReviewResolve resolves a review.
func (s *Server) apiReviewResolve(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	var in tuopin.IDReviewResolve
	if err := decodeJSON(r, &in); err != nil {
		s.jsonError(w, r, err)
		return
	}
	rv, err := s.svc.Reviews.ResolveIDReview(r.Context(), id, in)
	if err != nil {
		s.jsonError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rv)
}
