package sqldb_test

import (
	"strings"
	"testing"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

func TestIDReviews(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		reviews := sqldb.NewIDReviewService(db)
		admin := sqldbtest.MustCreateUser(t, db, tuopin.RoleAdmin, "")
		changle := sqldbtest.MustCreateUser(t, db, tuopin.RoleTownshipClerk, "451224102")
		dctx, fctx := sqldbtest.Ctx(w.county), sqldbtest.Ctx(w.fengshan)

		// 凤山县 registers a household of three; 东兰县 has one of two.
		existing := sqldbtest.NewHousehold(sqldbtest.Bapang, 7)
		existing.Members = append(existing.Members, &tuopin.Member{Name: "罗小妹", Relation: "04",
			IDNumber: sqldbtest.IDNumber("451223", "20000505", 20)})
		must(t, w.hh.CreateHousehold(fctx, existing, ""))
		incoming := sqldbtest.MustCreateHousehold(t, db, sqldbtest.NewHousehold(sqldbtest.Xinyan, 1))
		daughter := existing.Members[2]

		var filed *tuopin.IDReview
		t.Run("CrossCountyClashFilesReview", func(t *testing.T) {
			// 东兰县 adds the daughter to its household: she married in.
			nh, nm, na := rowCount(t, db, "households"), rowCount(t, db, "members"), rowCount(t, db, "audit_log")
			members := append(append([]*tuopin.Member{}, incoming.Members...), &tuopin.Member{Name: "罗小妹", Relation: "05", IDNumber: daughter.IDNumber})
			_, err := w.hh.UpdateHousehold(dctx, incoming.ID, tuopin.HouseholdUpdate{Members: &members, Reason: "嫁入"})
			wantField(t, err, "members[2].id_number", "id_review_filed", "duplicate review queue (review 1)")
			msg := tuopin.ErrorFields(err)["members[2].id_number"].Message
			if strings.Contains(msg, existing.Number) || strings.Contains(msg, "凤山") {
				t.Fatalf("the message reveals the other county's record: %s", msg)
			}
			// The write is refused; only the review and its audit entry are written.
			wantNothingWritten(t, db, nh, nm, na+1)
			list, n, err := reviews.FindIDReviews(dctx, tuopin.IDReviewFilter{})
			must(t, err)
			if n != 1 || len(list) != 1 {
				t.Fatalf("%d reviews", n)
			}
			filed = list[0]
			r := filed
			if r.Year != 2024 || r.IDNumber != daughter.IDNumber || r.Name != "罗小妹" || r.Status != tuopin.IDReviewOpen || r.Source != "form" ||
				r.ExistingNumber != existing.Number || r.ExistingArea != sqldbtest.Bapang || r.IncomingNumber != incoming.Number ||
				r.IncomingArea != sqldbtest.Xinyan {
				t.Fatalf("review = %+v", r)
			}
			// 东兰县 sees its own incoming record, not a link to 凤山县's.
			in, err := r.IncomingHousehold()
			must(t, err)
			if r.ExistingHouseholdID != 0 || in == nil || len(in.Members) != 3 || in.Members[2].Name != "罗小妹" {
				t.Fatalf("review for 东兰县 = %+v, incoming %+v", r, in)
			}
			// The same refusal again files no second review.
			_, err = w.hh.UpdateHousehold(dctx, incoming.ID, tuopin.HouseholdUpdate{Members: &members})
			wantField(t, err, "members[2].id_number", "id_review_filed", "(review 1)")
		})
		t.Run("CreateFilesReview", func(t *testing.T) {
			h := sqldbtest.NewHousehold(sqldbtest.Changle, 3)
			h.Members[0].IDNumber = existing.Members[0].IDNumber
			err := w.hh.CreateHousehold(dctx, h, "")
			wantField(t, err, "members[0].id_number", "id_review_filed", "(review 2)")
		})
		t.Run("SameCountyClashIsFieldError", func(t *testing.T) {
			h := sqldbtest.NewHousehold(sqldbtest.Bala, 4)
			h.Members[1].IDNumber = incoming.Members[1].IDNumber
			err := w.hh.CreateHousehold(dctx, h, "")
			wantField(t, err, "members[1].id_number", "duplicate", "household "+incoming.Number)
			if _, n, _ := reviews.FindIDReviews(sqldbtest.Ctx(admin), tuopin.IDReviewFilter{}); n != 2 {
				t.Fatalf("%d reviews, want 2", n)
			}
		})
		t.Run("Scope", func(t *testing.T) {
			// 凤山县 holds the existing records of both: it sees both,
			// linked, without 东兰县's incoming data.
			list, n, err := reviews.FindIDReviews(fctx, tuopin.IDReviewFilter{})
			must(t, err)
			if n != 2 || list[0].ExistingHouseholdID != existing.ID || list[0].Incoming != nil {
				t.Fatalf("凤山县 sees %d: %+v", n, list[0])
			}
			// 长乐镇 holds the incoming record of review 2 only.
			list, n, err = reviews.FindIDReviews(sqldbtest.Ctx(changle), tuopin.IDReviewFilter{})
			must(t, err)
			if n != 1 || list[0].IncomingArea != sqldbtest.Changle {
				t.Fatalf("长乐镇 sees %d: %+v", n, list)
			}
			_, err = reviews.FindIDReviewByID(sqldbtest.Ctx(changle), filed.ID)
			wantCode(t, err, tuopin.ENOTFOUND)
			_, err = reviews.ResolveIDReview(sqldbtest.Ctx(changle), filed.ID, tuopin.IDReviewResolve{Resolution: tuopin.ResolutionKeepExisting, Note: "x"})
			wantCode(t, err, tuopin.ENOTFOUND)
		})
		t.Run("ErrResolve", func(t *testing.T) {
			_, err := reviews.ResolveIDReview(dctx, filed.ID, tuopin.IDReviewResolve{Resolution: "merge", Note: ""})
			wantField(t, err, "resolution", "invalid_choice", "keep_existing")
			wantField(t, err, "note", "required", "reason")
			// Only the county that holds the person may move them out.
			_, err = reviews.ResolveIDReview(dctx, filed.ID, tuopin.IDReviewResolve{Resolution: tuopin.ResolutionMovedToIncoming, Note: "嫁入"})
			wantErr(t, err, tuopin.EFORBIDDEN, "move a person out of it")
			// The head cannot leave before the household is fixed.
			list, _, err := reviews.FindIDReviews(fctx, tuopin.IDReviewFilter{})
			must(t, err)
			_, err = reviews.ResolveIDReview(fctx, list[0].ID, tuopin.IDReviewResolve{Resolution: tuopin.ResolutionMovedToIncoming, Note: "迁出"})
			wantField(t, err, "resolution", "is_head", "make another member the head")
			_, err = reviews.ResolveIDReview(sqldbtest.Ctx(w.viewer), filed.ID, tuopin.IDReviewResolve{Resolution: tuopin.ResolutionKeepExisting, Note: "x"})
			wantCode(t, err, tuopin.EFORBIDDEN)
		})
		t.Run("ResolveMovedToIncoming", func(t *testing.T) {
			na := rowCount(t, db, "audit_log")
			r, err := reviews.ResolveIDReview(fctx, filed.ID, tuopin.IDReviewResolve{Resolution: tuopin.ResolutionMovedToIncoming, Note: "已嫁入东兰县新烟村"})
			must(t, err)
			if r.Status != tuopin.IDReviewResolved || r.Resolution != tuopin.ResolutionMovedToIncoming || r.ResolvedAt == nil ||
				!strings.HasPrefix(r.ResolvedBy, w.fengshan.Name) || r.Note != "已嫁入东兰县新烟村" {
				t.Fatalf("review = %+v", r)
			}
			// She left 凤山县's household and joined 东兰县's, as entered.
			ex, err := w.hh.FindHouseholdByID(fctx, existing.ID)
			must(t, err)
			in, err := w.hh.FindHouseholdByID(dctx, incoming.ID)
			must(t, err)
			if ex.Size != 2 || len(ex.Members) != 2 || in.Size != 3 || in.Members[2].IDNumber != daughter.IDNumber || in.Members[2].Relation != "05" {
				t.Fatalf("existing %+v, incoming %+v", ex, in)
			}
			// Audited: both households and the review, in one go.
			if n := rowCount(t, db, "audit_log"); n != na+3 {
				t.Fatalf("%d audit entries, want %d", n, na+3)
			}
			kind := "id_review"
			es, _, err := w.audit.FindAuditEntries(fctx, tuopin.AuditFilter{TargetKind: &kind, Action: ptr(tuopin.ActionIDReviewResolve)})
			must(t, err)
			if len(es) != 1 || es[0].Reason != "已嫁入东兰县新烟村" || es[0].AreaCode != sqldbtest.Bapang {
				t.Fatalf("audit = %+v", es)
			}
			rep, err := sqldb.NewRollupService(db).CheckRollups(sqldbtest.Ctx(admin), 2024)
			must(t, err)
			if rep.Mismatch != 0 {
				t.Fatalf("roll-ups: %+v", rep)
			}
			_, err = reviews.ResolveIDReview(fctx, filed.ID, tuopin.IDReviewResolve{Resolution: tuopin.ResolutionKeepExisting, Note: "x"})
			wantErr(t, err, tuopin.ECONFLICT, "resolved already")
		})
		t.Run("ResolveKeepExisting", func(t *testing.T) {
			list, _, err := reviews.FindIDReviews(sqldbtest.Ctx(changle), tuopin.IDReviewFilter{Status: ptr(tuopin.IDReviewOpen)})
			must(t, err)
			if len(list) != 1 {
				t.Fatalf("%d open", len(list))
			}
			r, err := reviews.ResolveIDReview(sqldbtest.Ctx(changle), list[0].ID, tuopin.IDReviewResolve{Resolution: tuopin.ResolutionKeepExisting, Note: "录入错误，已更正"})
			must(t, err)
			if r.Status != tuopin.IDReviewResolved || r.ExistingHouseholdID != 0 {
				t.Fatalf("review = %+v", r)
			}
			_, n, err := reviews.FindIDReviews(dctx, tuopin.IDReviewFilter{Status: ptr(tuopin.IDReviewOpen)})
			must(t, err)
			if n != 0 {
				t.Fatalf("%d open", n)
			}
		})
	})
}

// TestFileIDReview files reviews as an import does: the existing record
// is looked up, an open review is not filed twice, and an ID number that
// nobody holds is refused.
func TestFileIDReview(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		existing := sqldbtest.NewHousehold(sqldbtest.Bapang, 7)
		must(t, w.hh.CreateHousehold(sqldbtest.Ctx(w.fengshan), existing, ""))
		in := sqldbtest.NewHousehold(sqldbtest.Xinyan, 1)
		in.Details = map[string]string{"group_name": "五组"}
		in.Members[1].IDNumber = strings.ToLower(existing.Members[1].IDNumber)
		ctx := sqldbtest.Ctx(w.county)
		r := &tuopin.IDReview{IDNumber: in.Members[1].IDNumber, Name: in.Members[1].Name, Source: "import job 3"}
		must(t, r.SetIncoming(in))
		must(t, db.FileIDReview(ctx, r))
		if r.ID == 0 || r.Year != 2024 || r.ExistingHouseholdID != existing.ID || r.ExistingArea != sqldbtest.Bapang || r.IncomingNumber != in.Number {
			t.Fatalf("review = %+v", r)
		}
		again := &tuopin.IDReview{IDNumber: r.IDNumber, Name: r.Name, Source: "import job 4"}
		must(t, again.SetIncoming(in))
		must(t, db.FileIDReview(ctx, again))
		list, n, err := sqldb.NewIDReviewService(db).FindIDReviews(ctx, tuopin.IDReviewFilter{})
		must(t, err)
		if again.ID != r.ID || n != 1 || list[0].Source != "import job 4" || !strings.Contains(string(list[0].Incoming), `"group_name":"五组"`) {
			t.Fatalf("reviews = %d %+v", n, list)
		}
		none := &tuopin.IDReview{IDNumber: sqldbtest.IDNumber("451224", "19900101", 1), Source: "form"}
		must(t, none.SetIncoming(in))
		wantField(t, db.FileIDReview(ctx, none), "id_number", "not_registered", "nothing to review")
		bad := &tuopin.IDReview{Year: 2024, IDNumber: r.IDNumber}
		wantField(t, db.FileIDReview(ctx, bad), "source", "required", "source")
	})
}
