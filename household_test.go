package tuopin_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tuopin/tuopin"
)

// newHousehold returns a valid household of two in a 东兰县 village.
func newHousehold() *tuopin.Household {
	return &tuopin.Household{
		Year: 2016, Number: "4512241020010001", AreaCode: "451224102203",
		Attribute: "01", MainCause: "01", IncomePerCapita: 280050, Status: tuopin.StatusPoor,
		Members: []*tuopin.Member{
			{Name: "韦金福", IDNumber: makeID("45122419650312003"), Relation: tuopin.RelationHead, Education: "02", Health: "02", Skill: "01"},
			{Name: "覃秀英", IDNumber: makeID("45122419680805002"), Relation: "02", Education: "01", Health: "01", Skill: "01"},
		},
	}
}

func TestHouseholdNormalize(t *testing.T) {
	h := newHousehold()
	h.Members[0].IDNumber = " " + strings.ToLower(h.Members[0].IDNumber) + " "
	h.Normalize(testNow)
	if h.Size != 2 || h.HeadName != "韦金福" {
		t.Fatalf("size=%d head=%q", h.Size, h.HeadName)
	}
	m := h.Members[0]
	if m.Sex != "1" || m.BirthDate.Format(tuopin.DateLayout) != "1965-03-12" {
		t.Fatalf("derived sex=%q birth=%v", m.Sex, m.BirthDate)
	}
	if h.Members[1].Sex != "2" {
		t.Fatalf("spouse sex = %q", h.Members[1].Sex)
	}
	if err := h.Validate(tuopin.DefaultCodeSet, testNow); err != nil {
		t.Fatal(err)
	}
}

func TestHouseholdValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(h *tuopin.Household)
		field  string
		code   string
	}{
		{"ErrSecondHead", func(h *tuopin.Household) { h.Members[1].Relation = tuopin.RelationHead }, "members[1].relation", "second_head"},
		{"ErrNoHead", func(h *tuopin.Household) { h.Members[0].Relation = "03" }, "members", "no_head"},
		{"ErrNoMembers", func(h *tuopin.Household) { h.Members = nil }, "members", "required"},
		{"ErrChecksum", func(h *tuopin.Household) { h.Members[1].IDNumber = h.Members[1].IDNumber[:17] + "0" }, "members[1].id_number", "id_checksum"},
		{"ErrDuplicateID", func(h *tuopin.Household) { h.Members[1].IDNumber = h.Members[0].IDNumber }, "members[1].id_number", "duplicate"},
		{"ErrBirthMismatch", func(h *tuopin.Household) {
			h.Members[0].BirthDate = time.Date(1966, 3, 12, 0, 0, 0, 0, time.UTC)
		}, "members[0].birth_date", "id_mismatch"},
		{"ErrSexMismatch", func(h *tuopin.Household) { h.Members[0].Sex = "2" }, "members[0].sex", "id_mismatch"},
		{"ErrRelationCode", func(h *tuopin.Household) { h.Members[1].Relation = "77" }, "members[1].relation", "invalid_choice"},
		{"ErrAreaNotVillage", func(h *tuopin.Household) { h.AreaCode = "451224102000" }, "area_code", "not_village"},
		{"ErrAreaFormat", func(h *tuopin.Household) { h.AreaCode = "4512241" }, "area_code", "invalid_code"},
		{"ErrNumber", func(h *tuopin.Household) { h.Number = "" }, "number", "required"},
		{"ErrNumberFormat", func(h *tuopin.Household) { h.Number = "12 34" }, "number", "invalid_format"},
		{"ErrYear", func(h *tuopin.Household) { h.Year = 1999 }, "year", "invalid_year"},
		{"ErrStatus", func(h *tuopin.Household) { h.Status = "" }, "status", "required"},
		{"ErrCause", func(h *tuopin.Household) { h.MainCause = "55" }, "main_cause", "invalid_choice"},
		{"ErrIncome", func(h *tuopin.Household) { h.IncomePerCapita = -1 }, "income_per_capita", "negative"},
		{"ErrPhone", func(h *tuopin.Household) { h.Phone = "13x" }, "phone", "invalid_phone"},
		{"ErrName", func(h *tuopin.Household) { h.Members[1].Name = "" }, "members[1].name", "required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHousehold()
			h.Normalize(testNow)
			tc.change(h)
			err := h.Validate(tuopin.DefaultCodeSet, testNow)
			if tuopin.ErrorCode(err) != tuopin.EINVALID {
				t.Fatalf("code = %q (err %v)", tuopin.ErrorCode(err), err)
			}
			fe, ok := tuopin.ErrorFields(err)[tc.field]
			if !ok || fe.Code != tc.code {
				t.Fatalf("fields = %v; want %s=%s", tuopin.ErrorFields(err), tc.field, tc.code)
			}
		})
	}
}

func TestStatusTransitions(t *testing.T) {
	if !tuopin.CanMoveStatus(tuopin.StatusPoor, tuopin.StatusPreExit) || !tuopin.CanMoveStatus(tuopin.StatusPreExit, tuopin.StatusExited) {
		t.Fatal("exit path refused")
	}
	if tuopin.CanMoveStatus(tuopin.StatusPoor, tuopin.StatusExited) {
		t.Fatal("exit without 预脱贫 allowed")
	}
	if tuopin.CanMoveStatus(tuopin.StatusExitedDone, tuopin.StatusPoor) {
		t.Fatal("unknown move allowed")
	}
	// Every target of a transition is a status in the code table.
	for from, tos := range tuopin.StatusTransitions {
		for _, to := range append(tos, from) {
			if !tuopin.DefaultCodeSet.Valid(tuopin.CodeStatus, to, 2016) {
				t.Errorf("status %q not in code table", to)
			}
		}
	}
}

func TestMoney(t *testing.T) {
	for in, want := range map[string]tuopin.Money{"3146.5": 314650, "0.05": 5, "2,800": 280000, "-1.20": -120, ".5": 50} {
		got, err := tuopin.ParseYuan(in)
		if err != nil || got != want {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "1.234", "abc", "1e5", "12.3.4"} {
		if _, err := tuopin.ParseYuan(bad); err == nil {
			t.Errorf("ParseYuan(%q) accepted", bad)
		}
	}
	if s := tuopin.Money(314605).Yuan(); s != "3146.05" {
		t.Errorf("Yuan = %q", s)
	}
	if s := tuopin.Money(-5).Yuan(); s != "-0.05" {
		t.Errorf("Yuan = %q", s)
	}
}

func TestCodeSet(t *testing.T) {
	cs := tuopin.NewCodeSet([]tuopin.Code{
		{Kind: "k", Code: "a", Label: "甲", LabelEn: "A", ValidTo: 2020},
		{Kind: "k", Code: "b", Label: "乙", ValidFrom: 2021},
	})
	if !cs.Valid("k", "a", 2016) || cs.Valid("k", "a", 2021) || !cs.Valid("k", "b", 2021) || cs.Valid("k", "b", 2020) {
		t.Fatal("validity periods not applied")
	}
	if got := len(cs.List("k", 2021)); got != 1 {
		t.Fatalf("List(2021) has %d", got)
	}
	if cs.Label("k", "a", "en") != "A" || cs.Label("k", "a", "zh") != "甲" || cs.Label("k", "b", "en") != "乙" || cs.Label("k", "z", "en") != "z" {
		t.Fatal("labels wrong")
	}
}
