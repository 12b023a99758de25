package sqldb_test

import (
	"testing"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/sqldb"
	"github.com/tuopin/tuopin/sqldb/sqldbtest"
)

// codeSet reads the code tables as u.
func codeSet(t *testing.T, w *world, u *tuopin.User) *tuopin.CodeSet {
	t.Helper()
	set, err := w.codes.FindCodeSet(sqldbtest.Ctx(u))
	must(t, err)
	return set
}

func TestCodes_Seed(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		set := codeSet(t, w, w.viewer)
		for _, c := range tuopin.DefaultCodes {
			got, ok := set.Lookup(c.Kind, c.Code)
			if !ok || got.Label != c.Label || got.LabelEn != c.LabelEn || got.Ord == 0 {
				t.Fatalf("seeded %s/%s = %+v, %v", c.Kind, c.Code, got, ok)
			}
		}
		// Stored order is seed order.
		if causes := set.List(tuopin.CodeCause, 0); causes[0].Code != "01" || causes[len(causes)-1].Code != "99" {
			t.Fatalf("causes in order %v", causes)
		}
	})
}

func TestSetCode(t *testing.T) {
	sqldbtest.Run(t, func(t *testing.T, db *sqldb.DB) {
		w := newWorld(t, db)
		county := sqldbtest.Ctx(w.county)
		// A 2024 household whose main cause is 01 and other causes 05 and 07.
		h := sqldbtest.NewHousehold(sqldbtest.Xinyan, 1)
		h.SetDetail("other_causes", "05,07")
		sqldbtest.MustCreateHousehold(t, db, h)
		nCauses := len(codeSet(t, w, w.village).List(tuopin.CodeCause, 0)) // read (and cache) first

		t.Run("OKCreate", func(t *testing.T) {
			must(t, w.codes.SetCode(county, tuopin.Code{Kind: tuopin.CodeCause, Code: "12", Label: " 因婚 ", LabelEn: "Marriage", ValidFrom: 2016}, "地方增补"))
			set := codeSet(t, w, w.village)
			c, ok := set.Lookup(tuopin.CodeCause, "12")
			if !ok || c.Label != "因婚" || c.Ord != nCauses+1 || c.ValidFrom != 2016 {
				t.Fatalf("new code = %+v, %v", c, ok)
			}
			if set.Valid(tuopin.CodeCause, "12", 2015) || !set.Valid(tuopin.CodeCause, "12", 2016) {
				t.Fatal("validity from 2016 not applied")
			}
			es, _, err := w.audit.FindAuditEntries(county, tuopin.AuditFilter{Action: ptr(tuopin.ActionCodeSet), TargetID: ptr("cause/12")})
			must(t, err)
			if len(es) != 1 || es[0].AreaCode != "451224" || es[0].Reason != "地方增补" || string(es[0].Before) != "null" {
				t.Fatalf("audit = %+v", es)
			}
		})

		t.Run("OKUpdateAndRetire", func(t *testing.T) {
			must(t, w.codes.SetCode(county, tuopin.Code{Kind: tuopin.CodeCause, Code: "12", Label: "因婚", LabelEn: "Marriage", ValidFrom: 2016, ValidTo: 2018}, "停用"))
			set := codeSet(t, w, w.village)
			c, _ := set.Lookup(tuopin.CodeCause, "12")
			if c.Ord != nCauses+1 {
				t.Fatalf("an update moved the code: %+v", c)
			}
			if !set.Valid(tuopin.CodeCause, "12", 2018) || set.Valid(tuopin.CodeCause, "12", 2019) {
				t.Fatal("a retired code is still valid after its last year")
			}
			es, _, err := w.audit.FindAuditEntries(ctxSystem, tuopin.AuditFilter{Action: ptr(tuopin.ActionCodeSet), TargetID: ptr("cause/12")})
			must(t, err)
			if len(es) != 2 || string(es[0].Before) != `{"valid_to":0}` || string(es[0].After) != `{"valid_to":2018}` {
				t.Fatalf("audit = %s → %s", es[0].Before, es[0].After)
			}
			// Relabelling a seeded code keeps its place.
			must(t, w.codes.SetCode(county, tuopin.Code{Kind: tuopin.CodeCause, Code: "01", Label: "因病（含慢性病）", LabelEn: "Illness"}, ""))
			if c, _ := codeSet(t, w, w.county).Lookup(tuopin.CodeCause, "01"); c.Ord != 1 || c.Label != "因病（含慢性病）" {
				t.Fatalf("relabelled = %+v", c)
			}
		})

		t.Run("ErrRetireInUse", func(t *testing.T) {
			// 01 is the 2024 household's main cause, 07 one of its other causes.
			err := w.codes.SetCode(county, tuopin.Code{Kind: tuopin.CodeCause, Code: "01", Label: "因病", ValidTo: 2020}, "")
			wantField(t, err, "valid_to", "code_in_use", "after 2020")
			err = w.codes.SetCode(county, tuopin.Code{Kind: tuopin.CodeCause, Code: "07", Label: "缺技术", ValidFrom: 2025}, "")
			wantField(t, err, "valid_from", "code_in_use", "before 2025")
			// A member's sex, too.
			err = w.codes.SetCode(county, tuopin.Code{Kind: tuopin.CodeSex, Code: "1", Label: "男", ValidTo: 2016}, "")
			wantField(t, err, "valid_to", "code_in_use", "code 1")
			// A period that still covers 2024 is fine.
			must(t, w.codes.SetCode(county, tuopin.Code{Kind: tuopin.CodeCause, Code: "07", Label: "缺技术", LabelEn: "Lack of skills", ValidFrom: 2014, ValidTo: 2024}, ""))
		})

		t.Run("ErrWorkflow", func(t *testing.T) {
			err := w.codes.SetCode(county, tuopin.Code{Kind: tuopin.CodeStatus, Code: tuopin.StatusPoor, Label: "未脱贫", ValidTo: 2030}, "")
			wantErr(t, err, tuopin.ECONFLICT, "workflow")
			wantErr(t, w.codes.DeleteCode(county, tuopin.CodeRelation, tuopin.RelationHead, ""), tuopin.ECONFLICT, "workflow")
			// Its label may change.
			must(t, w.codes.SetCode(county, tuopin.Code{Kind: tuopin.CodeStatus, Code: tuopin.StatusPoor, Label: "未脱贫户", LabelEn: "Poor"}, ""))
		})

		t.Run("ErrInvalid", func(t *testing.T) {
			err := w.codes.SetCode(county, tuopin.Code{Kind: "colour", Code: "a b", ValidFrom: 2020, ValidTo: 2019}, "")
			for field, code := range map[string]string{"kind": "invalid_choice", "code": "invalid_code_chars", "label": "required", "valid_to": "before_valid_from"} {
				if f := tuopin.ErrorFields(err)[field]; f.Code != code {
					t.Errorf("field %s: %+v, want %s", field, f, code)
				}
			}
			err = w.codes.SetCode(county, tuopin.Code{Kind: tuopin.CodeCause, Code: "12345678901234567", Label: "x"}, "")
			wantField(t, err, "code", "too_long", "16")
		})

		t.Run("ErrForbidden", func(t *testing.T) {
			c := tuopin.Code{Kind: tuopin.CodeCause, Code: "13", Label: "因丧"}
			for _, u := range []*tuopin.User{w.township, w.village, w.viewer, w.cadre} {
				wantCode(t, w.codes.SetCode(sqldbtest.Ctx(u), c, ""), tuopin.EFORBIDDEN)
				wantCode(t, w.codes.DeleteCode(sqldbtest.Ctx(u), tuopin.CodeCause, "12", ""), tuopin.EFORBIDDEN)
			}
			wantCode(t, w.codes.SetCode(bg, c, ""), tuopin.EUNAUTHORIZED)
		})

		t.Run("Delete", func(t *testing.T) {
			wantErr(t, w.codes.DeleteCode(county, tuopin.CodeCause, "05", ""), tuopin.ECONFLICT, "retire it")
			wantErr(t, w.codes.DeleteCode(county, tuopin.CodeRelation, "02", ""), tuopin.ECONFLICT, "retire it")
			wantCode(t, w.codes.DeleteCode(county, tuopin.CodeCause, "77", ""), tuopin.ENOTFOUND)

			// An unused code goes, also one whose code holds LIKE's "_".
			must(t, w.codes.SetCode(county, tuopin.Code{Kind: tuopin.CodeCause, Code: "0_", Label: "测试"}, ""))
			must(t, w.codes.DeleteCode(county, tuopin.CodeCause, "0_", "录入错误"))
			must(t, w.codes.DeleteCode(county, tuopin.CodeCause, "12", "不再使用"))
			set := codeSet(t, w, w.village)
			if _, ok := set.Lookup(tuopin.CodeCause, "12"); ok {
				t.Fatal("a deleted code is still in the set")
			}
			es, _, err := w.audit.FindAuditEntries(ctxSystem, tuopin.AuditFilter{Action: ptr(tuopin.ActionCodeDelete), TargetID: ptr("cause/12")})
			must(t, err)
			if len(es) != 1 || es[0].Reason != "不再使用" || es[0].ActorID != w.county.ID {
				t.Fatalf("audit = %+v", es)
			}
		})
	})
}
