package tuopin_test

import (
	"testing"
	"time"

	"github.com/tuopin/tuopin"
)

var testNow = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

// makeID builds a valid ID number from its first 17 digits.
func makeID(first17 string) string {
	return first17 + string(tuopin.IDCheckChar(first17))
}

func TestIDCheckChar(t *testing.T) {
	// The worked example of GB 11643-1999 Annex A: 11010519491231002X.
	if got := tuopin.IDCheckChar("11010519491231002"); got != 'X' {
		t.Fatalf("check char = %c, want X", got)
	}
	// A digit case: 440524188001010014 (Annex example, male).
	if got := tuopin.IDCheckChar("44052418800101001"); got != '4' {
		t.Fatalf("check char = %c, want 4", got)
	}
}

func TestParseIDNumber(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		info, err := tuopin.ParseIDNumber("11010519491231002X", testNow)
		if err != nil {
			t.Fatal(err)
		}
		if want := time.Date(1949, 12, 31, 0, 0, 0, 0, time.UTC); !info.BirthDate.Equal(want) {
			t.Fatalf("birth = %v, want %v", info.BirthDate, want)
		}
		if info.Sex != "2" { // 17th digit 2 is even: female
			t.Fatalf("sex = %q, want 2", info.Sex)
		}
		info, err = tuopin.ParseIDNumber(makeID("45122419850312007"), testNow)
		if err != nil || info.Sex != "1" {
			t.Fatalf("male id: info=%+v err=%v", info, err)
		}
	})
	for _, tc := range []struct {
		name, id, code string
	}{
		{"ErrChecksum", "110105194912310021", "id_checksum"},
		{"ErrLength", "1101051949123100", "id_length"},
		{"ErrFifteen", "110105491231002", "id_length"},
		{"ErrFormat", "11010519491231002Y", "id_format"},
		{"ErrLetterInside", "1101051949A231002X", "id_format"},
		{"ErrArea", makeID("00010519491231002"), "id_area"},
		{"ErrBirthImpossible", makeID("45122419850230001"), "id_birthdate"},
		{"ErrBirthFuture", makeID("45122420990101001"), "id_birthdate"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tuopin.ParseIDNumber(tc.id, testNow)
			if tuopin.ErrorCode(err) != tuopin.EINVALID {
				t.Fatalf("code = %q, want invalid (err=%v)", tuopin.ErrorCode(err), err)
			}
			fe, ok := tuopin.ErrorFields(err)["id_number"]
			if !ok || fe.Code != tc.code {
				t.Fatalf("field error = %+v, want code %s", tuopin.ErrorFields(err), tc.code)
			}
			if fe.Message == "" {
				t.Fatal("empty message")
			}
		})
	}
}

func TestNormalizeIDNumber(t *testing.T) {
	if got := tuopin.NormalizeIDNumber(" 11010519491231002x "); got != "11010519491231002X" {
		t.Fatalf("got %q", got)
	}
}
