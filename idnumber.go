package tuopin

import (
	"strings"
	"time"
)

// Citizen ID numbers (公民身份号码) follow GB 11643-1999: 6 digits of the
// area of first registration, 8 digits of birth date (YYYYMMDD), 3 digits
// of sequence whose last digit is odd for men and even for women, and a
// check character computed over the first 17 digits by ISO 7064 MOD 11-2.

var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

const idCheckChars = "10X98765432"

// idProvinces lists the province codes (GB/T 2260) an ID number may start
// with, including 71 (Taiwan), 81/82 (Hong Kong, Macao) and 83, 91 used on
// residence permits.
const idProvinces = " 11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83 91 "

// IDCheckChar returns the check character for the first 17 digits of an ID
// number. The input must be 17 ASCII digits.
func IDCheckChar(first17 string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(first17[i]-'0') * idWeights[i]
	}
	return idCheckChars[sum%11]
}

// IDInfo is what an ID number says about its holder.
type IDInfo struct {
	BirthDate time.Time // UTC midnight
	Sex       string    // CodeSex: "1" male, "2" female
}

// NormalizeIDNumber trims spaces and upper-cases a trailing x.
func NormalizeIDNumber(s string) string {
	return strings.ToUpper(strings.TrimSpace(s))
}

// ParseIDNumber validates an 18-character ID number (already normalised)
// against GB 11643 and returns the birth date and sex it encodes. now
// bounds the birth date. The error is an EINVALID *Error on field "id_number"
// whose code says what is wrong: id_length, id_format, id_area,
// id_birthdate or id_checksum.
func ParseIDNumber(s string, now time.Time) (IDInfo, error) {
	const field = "id_number"
	switch {
	case len(s) == 15 && IsDigits(s):
		return IDInfo{}, FieldErr(field, "id_length", "ID number %s has 15 digits (first-generation card); enter the 18-digit number.", s)
	case len(s) != 18:
		return IDInfo{}, FieldErr(field, "id_length", "ID number must have 18 characters, not %d.", len([]rune(s)))
	case !IsDigits(s[:17]) || !(s[17] == 'X' || s[17] >= '0' && s[17] <= '9'):
		return IDInfo{}, FieldErr(field, "id_format", "ID number must be 17 digits followed by a digit or X.")
	}
	if !strings.Contains(idProvinces, " "+s[:2]+" ") {
		return IDInfo{}, FieldErr(field, "id_area", "ID number %s does not start with a valid area code.", s)
	}
	birth, err := time.Parse("20060102", s[6:14])
	if err != nil || birth.Year() < 1890 || birth.After(now) {
		return IDInfo{}, FieldErr(field, "id_birthdate", "ID number %s contains an impossible birth date %s.", s, s[6:14])
	}
	if want := IDCheckChar(s[:17]); s[17] != want {
		return IDInfo{}, FieldErr(field, "id_checksum", "ID number %s fails the GB 11643 check: the last character should be %c.", s, want)
	}
	sex := "2"
	if (s[16]-'0')%2 == 1 {
		sex = "1"
	}
	return IDInfo{BirthDate: birth, Sex: sex}, nil
}
