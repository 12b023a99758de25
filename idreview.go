package tuopin

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"
)

// Audit actions of the duplicate review queue.
const (
	ActionIDReviewFile    = "idreview.file"
	ActionIDReviewResolve = "idreview.resolve"
)

// Review statuses.
const (
	IDReviewOpen     = "open"
	IDReviewResolved = "resolved"
)

// Review resolutions.
const (
	// ResolutionKeepExisting: the existing record is right; the incoming
	// record is dropped (or fixed by whoever entered it).
	ResolutionKeepExisting = "keep_existing"
	// ResolutionMovedToIncoming: the person moved. The member leaves the
	// existing household and, when the incoming household is registered,
	// joins it.
	ResolutionMovedToIncoming = "moved_to_incoming"
	// ResolutionDifferentPeople: two people shared one ID number by a
	// typing error, which has been corrected in one of the records.
	ResolutionDifferentPeople = "different_people_corrected"
)

// IDReviewResolutions lists the resolutions in the order a form offers them.
var IDReviewResolutions = []string{ResolutionKeepExisting, ResolutionMovedToIncoming, ResolutionDifferentPeople}

// IDReviewResolutionLabels holds the zh and en label of each resolution.
var IDReviewResolutionLabels = map[string][2]string{
	ResolutionKeepExisting:    {"保留原记录", "Keep the existing record"},
	ResolutionMovedToIncoming: {"人员已迁入新户", "The person moved to the incoming household"},
	ResolutionDifferentPeople: {"不同人员，身份证号已更正", "Different people; the ID number was corrected"},
}

// IDReview is one entry of the cross-county duplicate review queue: an ID
// number that a write (a form or an import) gave for a person in one
// county while another county's household already holds it that year.
// The write is refused, since an ID number is unique per year across the
// whole registry, and the incoming household is kept whole in Incoming so
// that nothing entered is lost.
type IDReview struct {
	ID       int64  `json:"id"`
	Year     int    `json:"year"`
	IDNumber string `json:"id_number"`
	// Name is the person's name as the incoming record gives it.
	Name string `json:"name"`

	// The household that holds the ID number already.
	ExistingHouseholdID int64  `json:"existing_household_id,omitempty"`
	ExistingNumber      string `json:"existing_number"`
	ExistingArea        string `json:"existing_area"`

	// The household whose write was refused, and the whole of it as
	// entered (a JSON object, usually a Household).
	IncomingNumber string          `json:"incoming_number"`
	IncomingArea   string          `json:"incoming_area"`
	Incoming       json.RawMessage `json:"incoming,omitempty"`

	// Source says where the incoming record came from: "form", "api",
	// "import job 12".
	Source string `json:"source"`

	Status     string     `json:"status"`               // IDReviewOpen or IDReviewResolved
	Resolution string     `json:"resolution,omitempty"` // one of IDReviewResolutions
	ResolvedBy string     `json:"resolved_by,omitempty"`
	ResolvedAt *time.Time `json:"resolved_at,omitempty"`
	Note       string     `json:"note,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
}

// SetIncoming stores h as the incoming payload and takes its number and
// area when those are not set yet.
func (r *IDReview) SetIncoming(h *Household) error {
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	r.Incoming = b
	if r.IncomingNumber == "" {
		r.IncomingNumber = h.Number
	}
	if r.IncomingArea == "" {
		r.IncomingArea = h.AreaCode
	}
	if r.Year == 0 {
		r.Year = h.Year
	}
	return nil
}

// IncomingHousehold decodes the incoming payload as a household.
func (r *IDReview) IncomingHousehold() (*Household, error) {
	if len(r.Incoming) == 0 {
		return nil, nil
	}
	var h Household
	if err := json.Unmarshal(r.Incoming, &h); err != nil {
		return nil, err
	}
	return &h, nil
}

// ExistingInScope and IncomingInScope report whether a scope prefix
// covers the existing and the incoming record.
func (r *IDReview) ExistingInScope(scope string) bool {
	return strings.HasPrefix(r.ExistingArea, scope)
}
func (r *IDReview) IncomingInScope(scope string) bool {
	return strings.HasPrefix(r.IncomingArea, scope)
}

// Redact removes what a user whose scope does not cover a side may not
// see: the existing household's ID (no link to it) or the incoming
// payload, which holds another county's personal data. The records are
// still named by number and area.
func (r *IDReview) Redact(scope string) {
	if !r.ExistingInScope(scope) {
		r.ExistingHouseholdID = 0
	}
	if !r.IncomingInScope(scope) {
		r.Incoming = nil
	}
}

// Validate checks a review before it is filed.
func (r *IDReview) Validate() error {
	var f Fields
	if r.Year < 2013 || r.Year > 2100 {
		f.Add("year", "invalid_year", "Year %d is not a registry year.", r.Year)
	}
	if r.IDNumber == "" {
		f.Add("id_number", "required", "ID number is required.")
	}
	if r.IncomingArea == "" {
		f.Add("incoming_area", "required", "The incoming record's area is required.")
	}
	if len(r.Incoming) == 0 || !json.Valid(r.Incoming) {
		f.Add("incoming", "required", "The incoming record is required, as JSON.")
	}
	if strings.TrimSpace(r.Source) == "" {
		f.Add("source", "required", "The source of the incoming record is required.")
	}
	return f.Err()
}

// IDReviewFilter selects reviews; the caller's scope always applies.
type IDReviewFilter struct {
	ID     *int64
	Year   *int
	Status *string // IDReviewOpen or IDReviewResolved
	Offset int
	Limit  int
}

// IDReviewResolve is the resolution of a review.
type IDReviewResolve struct {
	Resolution string `json:"resolution"`
	// Note is the reason, recorded on the review and in the audit log.
	Note string `json:"note"`
}

// Validate checks a resolution.
func (v *IDReviewResolve) Validate() error {
	var f Fields
	if _, ok := IDReviewResolutionLabels[v.Resolution]; !ok {
		f.Add("resolution", "invalid_choice", "Resolution must be one of %s.", strings.Join(IDReviewResolutions, ", "))
	}
	switch n := utf8.RuneCountInString(strings.TrimSpace(v.Note)); {
	case n == 0:
		f.Add("note", "required", "Give the reason for the resolution.")
	case n > 500:
		f.Add("note", "too_long", "The reason may be at most 500 characters.")
	}
	return f.Err()
}

// IDReviewService keeps the duplicate review queue. Reviews are filed by
// the household writes (a form) and by imports, inside storage; the
// service lists and resolves them.
type IDReviewService interface {
	// FindIDReviews lists the reviews that touch the caller's scope (its
	// scope covers the existing or the incoming record), newest first,
	// with the total count, redacted for the caller (IDReview.Redact).
	FindIDReviews(ctx context.Context, filter IDReviewFilter) ([]*IDReview, int, error)

	// FindIDReviewByID returns one review (ENOTFOUND outside the scope).
	FindIDReviewByID(ctx context.Context, id int64) (*IDReview, error)

	// ResolveIDReview closes an open review and appends an
	// "idreview.resolve" audit entry. ResolutionMovedToIncoming moves the
	// member in the same transaction and needs the existing record in the
	// caller's scope. Returns ENOTFOUND outside the scope, EFORBIDDEN for
	// a role that may not edit the registry, ECONFLICT for a review
	// already resolved, and EINVALID for a bad resolution or a move that
	// cannot be done (the person heads the existing household).
	ResolveIDReview(ctx context.Context, id int64, v IDReviewResolve) (*IDReview, error)
}
