package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/tuopin/tuopin"
)

var _ tuopin.IDReviewService = (*IDReviewService)(nil)

// IDReviewService keeps the cross-county duplicate review queue
// (id_reviews). Reviews are filed by fileIDReview, inside the transaction
// of the write that found the clash (an import) or in a transaction of
// their own (a refused form).
type IDReviewService struct {
	db *DB
}

// NewIDReviewService returns the review service of db.
func NewIDReviewService(db *DB) *IDReviewService { return &IDReviewService{db: db} }

const idReviewColumns = `id, year, id_number, name, existing_household_id, existing_number, existing_area,
	incoming_number, incoming_area, incoming_payload, source, status, resolution, resolved_by, resolved_at,
	note, created_at`

func scanIDReview(row interface{ Scan(...any) error }) (*tuopin.IDReview, error) {
	var r tuopin.IDReview
	var payload, created string
	var resolved sql.NullString
	if err := row.Scan(&r.ID, &r.Year, &r.IDNumber, &r.Name, &r.ExistingHouseholdID, &r.ExistingNumber, &r.ExistingArea,
		&r.IncomingNumber, &r.IncomingArea, &payload, &r.Source, &r.Status, &r.Resolution, &r.ResolvedBy, &resolved,
		&r.Note, &created); err != nil {
		return nil, err
	}
	r.Incoming = []byte(payload)
	var err error
	if r.ResolvedAt, err = parseNullTime(resolved); err != nil {
		return nil, err
	}
	if r.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	return &r, nil
}

// idReviewAudit is what the audit log keeps of a review: it names the
// records, not the incoming personal data, since the entry is filed under
// the incoming area while it names the existing one.
type idReviewAudit struct {
	Year           int    `json:"year"`
	IDNumber       string `json:"id_number"`
	ExistingNumber string `json:"existing_number"`
	ExistingArea   string `json:"existing_area"`
	IncomingNumber string `json:"incoming_number"`
	IncomingArea   string `json:"incoming_area"`
	Source         string `json:"source,omitempty"`
	Status         string `json:"status"`
	Resolution     string `json:"resolution,omitempty"`
}

func auditOfReview(r *tuopin.IDReview) *idReviewAudit {
	return &idReviewAudit{Year: r.Year, IDNumber: r.IDNumber, ExistingNumber: r.ExistingNumber, ExistingArea: r.ExistingArea,
		IncomingNumber: r.IncomingNumber, IncomingArea: r.IncomingArea, Source: r.Source, Status: r.Status, Resolution: r.Resolution}
}

// fileIDReview files a review of a cross-county ID clash inside tx, with
// an "idreview.file" audit entry, and sets r.ID, r.Status and r.CreatedAt.
// The caller gives Year, IDNumber, Name, the incoming record (SetIncoming,
// or IncomingNumber, IncomingArea and Incoming) and Source; when
// ExistingNumber is empty the household that holds the ID number that
// year is looked up (EINVALID if none does). An open review of the same
// ID number and incoming record is not filed twice: it is refreshed with
// the new payload and source, and its ID returned.
//
// It does not check the caller's scope: the write that found the clash
// has. It does not commit.
func fileIDReview(ctx context.Context, tx *Tx, r *tuopin.IDReview) error {
	r.IDNumber = tuopin.NormalizeIDNumber(r.IDNumber)
	r.Name = strings.TrimSpace(r.Name)
	r.Source = strings.TrimSpace(r.Source)
	if err := r.Validate(); err != nil {
		return err
	}
	if r.ExistingNumber == "" {
		err := tx.QueryRowContext(ctx, `
			SELECT h.id, h.number, h.area_code FROM members m JOIN households h ON h.id = m.household_id
			WHERE m.id_number = ? AND m.year = ?`, r.IDNumber, r.Year).Scan(&r.ExistingHouseholdID, &r.ExistingNumber, &r.ExistingArea)
		if err == sql.ErrNoRows {
			return tuopin.FieldErr("id_number", "not_registered", "ID number %s is not registered in %d: there is nothing to review.", r.IDNumber, r.Year)
		} else if err != nil {
			return tx.db.formatError(err)
		}
	}
	r.Status, r.Resolution, r.ResolvedBy, r.ResolvedAt, r.Note = tuopin.IDReviewOpen, "", "", nil, ""
	r.CreatedAt = tx.now

	var id int64
	err := tx.QueryRowContext(ctx, `
		SELECT id FROM id_reviews
		WHERE id_number = ? AND year = ? AND status = ? AND incoming_area = ? AND incoming_number = ?`,
		r.IDNumber, r.Year, tuopin.IDReviewOpen, r.IncomingArea, r.IncomingNumber).Scan(&id)
	switch {
	case err == sql.ErrNoRows:
		err = tx.QueryRowContext(ctx, `
			INSERT INTO id_reviews (year, id_number, name, existing_household_id, existing_number, existing_area,
				incoming_number, incoming_area, incoming_payload, source, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			r.Year, r.IDNumber, r.Name, r.ExistingHouseholdID, r.ExistingNumber, r.ExistingArea,
			r.IncomingNumber, r.IncomingArea, string(r.Incoming), r.Source, r.Status, formatTime(tx.now)).Scan(&r.ID)
		if err != nil {
			return tx.db.formatError(err)
		}
	case err != nil:
		return tx.db.formatError(err)
	default:
		r.ID = id
		if _, err := tx.ExecContext(ctx, `
			UPDATE id_reviews SET name = ?, existing_household_id = ?, existing_number = ?, existing_area = ?,
				incoming_payload = ?, source = ?, created_at = ?
			WHERE id = ?`, r.Name, r.ExistingHouseholdID, r.ExistingNumber, r.ExistingArea,
			string(r.Incoming), r.Source, formatTime(tx.now), id); err != nil {
			return err
		}
	}
	e, err := newAuditEntry(tuopin.ActionIDReviewFile, "id_review", strconv.FormatInt(r.ID, 10), r.IncomingArea, r.Source, nil, auditOfReview(r))
	if err != nil {
		return err
	}
	return tx.appendAudit(ctx, e)
}

// idReviewScope returns the predicate that a review touches scope: its
// existing or its incoming record lies inside it ("" for the nation).
func idReviewScope(scope string) (string, []any) {
	e, ea := scopeRange("existing_area", scope)
	if e == "" {
		return "", nil
	}
	i, ia := scopeRange("incoming_area", scope)
	return "((" + e + ") OR (" + i + "))", append(ea, ia...)
}

// FindIDReviews lists the reviews that touch the caller's scope, newest
// first, with the total count before paging, each redacted for the
// caller. Limit is 50 by default and at most 500. Without a user it finds
// nothing.
func (s *IDReviewService) FindIDReviews(ctx context.Context, filter tuopin.IDReviewFilter) ([]*tuopin.IDReview, int, error) {
	u := tuopin.UserFromContext(ctx)
	if u == nil {
		return []*tuopin.IDReview{}, 0, nil
	}
	where, args := []string{"1 = 1"}, []any(nil)
	if p, a := idReviewScope(u.Scope); p != "" {
		where, args = append(where, p), append(args, a...)
	}
	if v := filter.ID; v != nil {
		where, args = append(where, "id = ?"), append(args, *v)
	}
	if v := filter.Year; v != nil {
		where, args = append(where, "year = ?"), append(args, *v)
	}
	if v := filter.Status; v != nil && *v != "" {
		where, args = append(where, "status = ?"), append(args, *v)
	}
	cond := strings.Join(where, " AND ")
	tx, err := s.db.beginRead(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer tx.Rollback()
	return findPage(ctx, tx, "id_reviews", idReviewColumns, cond, args, filter.Limit, filter.Offset,
		func(rows *sql.Rows) (*tuopin.IDReview, error) {
			r, err := scanIDReview(rows)
			if err == nil {
				r.Redact(u.Scope)
			}
			return r, err
		})
}

// FindIDReviewByID returns one review, redacted for the caller. Returns
// ENOTFOUND if it does not exist or touches nothing in the caller's scope.
func (s *IDReviewService) FindIDReviewByID(ctx context.Context, id int64) (*tuopin.IDReview, error) {
	list, _, err := s.FindIDReviews(ctx, tuopin.IDReviewFilter{ID: &id, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, tuopin.NotFound("review")
	}
	return list[0], nil
}

// ResolveIDReview closes an open review with a resolution and a reason,
// and appends an "idreview.resolve" audit entry. For
// ResolutionMovedToIncoming, in the same transaction, the member leaves
// the existing household (a "household.update" with its roll-ups) and,
// when the incoming household is registered, joins it with the data the
// incoming record gave. Returns EUNAUTHORIZED without a user, EFORBIDDEN
// for a role that may not edit the registry or a move by a user whose
// scope does not cover the existing household, ENOTFOUND for a review
// that touches nothing in the scope, ECONFLICT for one already resolved,
// and EINVALID for a bad resolution, for the head of the existing
// household (fix that household first), and for a year already carried
// forward.
func (s *IDReviewService) ResolveIDReview(ctx context.Context, id int64, v tuopin.IDReviewResolve) (*tuopin.IDReview, error) {
	u, err := registryEditor(ctx)
	if err != nil {
		return nil, err
	}
	v.Note = strings.TrimSpace(v.Note)
	if err := v.Validate(); err != nil {
		return nil, err
	}
	codes, err := s.db.codeSet(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := s.db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	q, args := `SELECT `+idReviewColumns+` FROM id_reviews WHERE id = ?`, []any{id}
	if p, a := idReviewScope(u.Scope); p != "" {
		q, args = q+" AND "+p, append(args, a...)
	}
	r, err := scanIDReview(tx.QueryRowContext(ctx, q, args...))
	if err == sql.ErrNoRows {
		return nil, tuopin.NotFound("review")
	} else if err != nil {
		return nil, s.db.formatError(err)
	}
	if r.Status != tuopin.IDReviewOpen {
		return nil, tuopin.Errorf(tuopin.ECONFLICT, "Review %d was resolved already (%s, by %s).", r.ID, r.Resolution, r.ResolvedBy)
	}
	if v.Resolution == tuopin.ResolutionMovedToIncoming {
		if err := moveReviewedMember(ctx, tx, codes, r, v.Note); err != nil {
			return nil, err
		}
	}
	r.Status, r.Resolution, r.ResolvedBy, r.Note = tuopin.IDReviewResolved, v.Resolution, actorName(u), v.Note
	at := tx.now
	r.ResolvedAt = &at
	res, err := tx.ExecContext(ctx, `
		UPDATE id_reviews SET status = ?, resolution = ?, resolved_by = ?, resolved_at = ?, note = ?
		WHERE id = ? AND status = ?`, r.Status, r.Resolution, r.ResolvedBy, formatTime(at), r.Note, r.ID, tuopin.IDReviewOpen)
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, s.db.formatError(err)
	} else if n == 0 {
		return nil, tuopin.Errorf(tuopin.ECONFLICT, "Review %d was resolved by someone else meanwhile.", r.ID)
	}
	area := r.IncomingArea
	if r.ExistingInScope(u.Scope) {
		area = r.ExistingArea
	}
	before := auditOfReview(r)
	before.Status, before.Resolution = tuopin.IDReviewOpen, ""
	e, err := newAuditEntry(tuopin.ActionIDReviewResolve, "id_review", strconv.FormatInt(r.ID, 10), area, v.Note, before, auditOfReview(r))
	if err != nil {
		return nil, err
	}
	if err := tx.appendAudit(ctx, e); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	r.Redact(u.Scope)
	return r, nil
}

// moveReviewedMember carries out ResolutionMovedToIncoming inside tx: the
// member with the review's ID number leaves the existing household (unless
// it is gone already) and joins the incoming household when that is
// registered in the review's year and does not hold the person yet.
func moveReviewedMember(ctx context.Context, tx *Tx, codes *tuopin.CodeSet, r *tuopin.IDReview, reason string) error {
	if !r.ExistingInScope(tx.user.Scope) {
		return tuopin.Errorf(tuopin.EFORBIDDEN, "Only a user responsible for household %s (area %s) can move a person out of it.", r.ExistingNumber, r.ExistingArea)
	}
	// The incoming county filed the review and so asked for the person:
	// the incoming household is written with the resolver as actor but
	// without the resolver's scope. wide is tx with that wider view.
	wide := *tx
	wu := *tx.user
	wu.Scope = ""
	wide.user = &wu

	var moved *tuopin.Member
	old, err := findHouseholdInScope(ctx, tx, r.ExistingHouseholdID)
	if err != nil && tuopin.ErrorCode(err) != tuopin.ENOTFOUND {
		return err
	}
	if old != nil && old.Year == r.Year {
		rest := make([]*tuopin.Member, 0, len(old.Members))
		for _, m := range old.Members {
			if m.IDNumber != r.IDNumber {
				rest = append(rest, m)
				continue
			}
			if m.Relation == tuopin.RelationHead {
				return tuopin.FieldErr("resolution", "is_head",
					"%s is the head of household %s: make another member the head of that household (or correct it) first, then resolve the review.", m.Name, old.Number)
			}
			moved = m
		}
		if moved != nil {
			if err := checkYearOpen(ctx, tx, old.Year, old.AreaCode); err != nil {
				return err
			}
			if _, err := updateHousehold(ctx, tx, codes, old, tuopin.HouseholdUpdate{Members: &rest, Reason: reason}); err != nil {
				return err
			}
		}
	}

	// The incoming household, when registered.
	var inID int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM households WHERE year = ? AND number = ?`, r.Year, r.IncomingNumber).Scan(&inID)
	if err == sql.ErrNoRows || r.IncomingNumber == "" {
		return nil // the incoming record can now be entered again
	} else if err != nil {
		return tx.db.formatError(err)
	}
	in, err := findHouseholdInScope(ctx, &wide, inID)
	if err != nil {
		return err
	}
	for _, m := range in.Members {
		if m.IDNumber == r.IDNumber {
			return nil
		}
	}
	// The person as the incoming record gives them, else as they were.
	var add *tuopin.Member
	if ih, err := r.IncomingHousehold(); err == nil && ih != nil {
		for _, m := range ih.Members {
			if m != nil && tuopin.NormalizeIDNumber(m.IDNumber) == r.IDNumber {
				add = m
			}
		}
	}
	if add == nil && moved != nil {
		c := *moved
		add = &c
	}
	if add == nil {
		return nil
	}
	c := *add
	c.ID, c.HouseholdID = 0, 0
	members := append(append([]*tuopin.Member{}, in.Members...), &c)
	if err := checkYearOpen(ctx, tx, in.Year, in.AreaCode); err != nil {
		return err
	}
	if _, err := updateHousehold(ctx, &wide, codes, in, tuopin.HouseholdUpdate{Members: &members, Reason: reason}); err != nil {
		return err
	}
	return nil
}

// clashReview is the error of a form's write that was refused because a
// household of another county holds one of its ID numbers. It carries the
// review that fileFormReview files once the refused transaction has
// rolled back; until then it reads as the field error it wraps.
type clashReview struct {
	err    error
	field  string // "members[2].id_number"
	review *tuopin.IDReview
}

func (e *clashReview) Error() string { return e.err.Error() }
func (e *clashReview) Unwrap() error { return e.err }

// reviewable returns err, the refusal of member j of h for an ID number
// that household c holds, marked for a review when c lies in another
// county. Within a county a clash stays an ordinary field error, and a
// batch (an import) files its own reviews, so both get err as is.
func reviewable(batch bool, h *tuopin.Household, j int, c idClash, err error) error {
	if batch || j < 0 || j >= len(h.Members) || len(h.AreaCode) < 6 || len(c.areaCode) < 6 || h.AreaCode[:6] == c.areaCode[:6] {
		return err
	}
	m := h.Members[j]
	r := &tuopin.IDReview{Year: h.Year, IDNumber: m.IDNumber, Name: m.Name, Source: "form"}
	if r.SetIncoming(h) != nil {
		return err
	}
	return &clashReview{err: err, field: fmt.Sprintf("members[%d].id_number", j), review: r}
}

// fileFormReview files the review that a refused write's error carries
// (see reviewable), in a transaction of its own since the write's has
// rolled back, and returns the refusal naming the review; any other error
// is returned as is. The message names the review, not the other
// household, which may lie outside the caller's scope.
func fileFormReview(ctx context.Context, db *DB, err error) error {
	var cr *clashReview
	if !errors.As(err, &cr) {
		return err
	}
	tx, terr := db.begin(ctx)
	if terr != nil {
		return cr.err
	}
	defer tx.Rollback()
	r := cr.review
	if ferr := fileIDReview(ctx, tx, r); ferr != nil {
		return cr.err
	}
	if tx.Commit() != nil {
		return cr.err
	}
	f := tuopin.Fields{}
	f.Merge("", tuopin.ErrorFields(cr.err))
	delete(f, cr.field)
	f.Add(cr.field, "id_review_filed",
		"身份证号 %s 在 %d 年度已登记在其他县，本次填报未保存，已转入身份证号重复核查（第 %d 号）。ID number %s is already registered in %d in another county: the record was not saved and went to the duplicate review queue (review %d).",
		r.IDNumber, r.Year, r.ID, r.IDNumber, r.Year, r.ID)
	return f.Err()
}
