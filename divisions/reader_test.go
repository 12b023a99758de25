package divisions_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/divisions"
)

// Fixtures: the first rows of each real file, plus the quirks.
const (
	provincesCSV = "province_code,code12,name\n" +
		"11,110000000000,北京市\n" +
		"45,450000000000,广西壮族自治区\n"
	citiesCSV = "city_code,code12,name,province_code\n" +
		"4512,451200000000,河池市,45\n" +
		"4419,441900000000,东莞市,44\n"
	countiesCSV = "county_code,code12,name,city_code,province_code\n" +
		"451224,451224000000,东兰县,4512,45\n" +
		"441900,441900000000,东莞市,4419,44\n" + // leaf city: same code12 as its city
		"350527,350527000000,金门县,3505,35\n"
	townshipsCSV = "township_code,code12,name,county_code,city_code,province_code\n" +
		"451224100,451224100000,东兰镇,451224,4512,45\n" +
		"350527000,350527000000,金门县,350527,3505,35\n" + // 金门 synthetic township
		"441900003,441900003000,东城街道,441900,4419,44\n"
	villagesCSV = "village_code,name,township_code,county_code,city_code,province_code\n" +
		"451224100001,城东社区居委会,451224100,451224,4512,45\n" +
		"451224100201,新烟村委会,451224100,451224,4512,45\n" +
		"350527000000,金门县,350527000,350527,3505,35\n" + // 金门 synthetic village
		"451224101201,板老村委会,451224101,451224,4512,45\n"
)

func readAll(t *testing.T, r io.Reader) (*divisions.Reader, []*tuopin.Area) {
	t.Helper()
	rd, err := divisions.NewReader(r)
	if err != nil {
		t.Fatalf("NewReader: %v", err)
	}
	var out []*tuopin.Area
	for {
		a, err := rd.Read()
		if err == io.EOF {
			return rd, out
		} else if err != nil {
			t.Fatalf("Read: %v", err)
		}
		if err := a.Validate(); err != nil {
			t.Fatalf("area %+v does not validate: %v", a, err)
		}
		out = append(out, a)
	}
}

func TestReader_Kinds(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		kind    divisions.Kind
		want    []tuopin.Area
		skipped int
	}{
		{"Provinces", provincesCSV, divisions.KindProvinces, []tuopin.Area{
			{Code: "110000000000", Name: "北京市", Level: tuopin.LevelProvince},
			{Code: "450000000000", Name: "广西壮族自治区", Level: tuopin.LevelProvince},
		}, 0},
		{"Cities", citiesCSV, divisions.KindCities, []tuopin.Area{
			{Code: "451200000000", Name: "河池市", Level: tuopin.LevelCity, ParentCode: "450000000000"},
			{Code: "441900000000", Name: "东莞市", Level: tuopin.LevelCity, ParentCode: "440000000000"},
		}, 0},
		{"Counties", countiesCSV, divisions.KindCounties, []tuopin.Area{
			{Code: "451224000000", Name: "东兰县", Level: tuopin.LevelCounty, ParentCode: "451200000000"},
			{Code: "350527000000", Name: "金门县", Level: tuopin.LevelCounty, ParentCode: "350500000000"},
		}, 1},
		{"Townships", townshipsCSV, divisions.KindTownships, []tuopin.Area{
			{Code: "451224100000", Name: "东兰镇", Level: tuopin.LevelTownship, ParentCode: "451224000000"},
			// A leaf city's township hangs off the city's code.
			{Code: "441900003000", Name: "东城街道", Level: tuopin.LevelTownship, ParentCode: "441900000000"},
		}, 1},
		{"Villages", villagesCSV, divisions.KindVillages, []tuopin.Area{
			{Code: "451224100001", Name: "城东社区居委会", Level: tuopin.LevelVillage, ParentCode: "451224100000"},
			{Code: "451224100201", Name: "新烟村委会", Level: tuopin.LevelVillage, ParentCode: "451224100000"},
			{Code: "451224101201", Name: "板老村委会", Level: tuopin.LevelVillage, ParentCode: "451224101000"},
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rd, got := readAll(t, strings.NewReader(tt.in))
			if rd.Kind() != tt.kind {
				t.Errorf("Kind = %v, want %v", rd.Kind(), tt.kind)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d areas, want %d: %v", len(got), len(tt.want), got)
			}
			for i := range got {
				if *got[i] != tt.want[i] {
					t.Errorf("area %d = %+v, want %+v", i, *got[i], tt.want[i])
				}
			}
			if rd.Skipped() != tt.skipped || len(rd.Warnings()) != tt.skipped {
				t.Errorf("Skipped = %d, Warnings = %v, want %d", rd.Skipped(), rd.Warnings(), tt.skipped)
			}
			if want := int64(strings.Count(tt.in, "\n") - 1); rd.Rows() != want {
				t.Errorf("Rows = %d, want %d", rd.Rows(), want)
			}
		})
	}
}

func TestReader_Quirks(t *testing.T) {
	t.Run("Kinmen", func(t *testing.T) {
		rd, _ := readAll(t, strings.NewReader(villagesCSV))
		w := rd.Warnings()
		if len(w) != 1 {
			t.Fatalf("Warnings = %v, want 1", w)
		}
		if w[0].Line != 4 || w[0].Code != "350527000000" || w[0].Name != "金门县" || !strings.Contains(w[0].Reason, "synthetic village") {
			t.Errorf("warning = %+v", w[0])
		}
		if got, want := w[0].String(), "line 4: skipped 350527000000 金门县: synthetic village"; !strings.HasPrefix(got, want) {
			t.Errorf("String() = %q, want prefix %q", got, want)
		}
		rd, _ = readAll(t, strings.NewReader(townshipsCSV))
		if w := rd.Warnings(); len(w) != 1 || w[0].Line != 3 || !strings.Contains(w[0].Reason, "synthetic township") {
			t.Errorf("township warnings = %v", w)
		}
	})
	t.Run("LeafCity", func(t *testing.T) {
		rd, _ := readAll(t, strings.NewReader(countiesCSV))
		if w := rd.Warnings(); len(w) != 1 || w[0].Code != "441900000000" || !strings.Contains(w[0].Reason, "leaf city") {
			t.Errorf("warnings = %v", w)
		}
	})
}

func TestReader_Gzip(t *testing.T) {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(villagesCSV))
	zw.Close()
	compressed := buf.Len()

	rd, got := readAll(t, &buf)
	if rd.Kind() != divisions.KindVillages || len(got) != 3 {
		t.Fatalf("Kind = %v, %d areas; want villages, 3", rd.Kind(), len(got))
	}
	if rd.BytesRead() != int64(compressed) {
		t.Errorf("BytesRead = %d, want the compressed size %d", rd.BytesRead(), compressed)
	}
}

func TestReader_Tolerated(t *testing.T) {
	t.Run("BOMAndCRLF", func(t *testing.T) {
		in := "\uFEFF" + strings.ReplaceAll(provincesCSV, "\n", "\r\n")
		rd, got := readAll(t, strings.NewReader(in))
		if rd.Kind() != divisions.KindProvinces || len(got) != 2 || got[1].Name != "广西壮族自治区" {
			t.Errorf("got %v %v", rd.Kind(), got)
		}
	})
	t.Run("ReorderedAndExtraColumns", func(t *testing.T) {
		in := "name,extra,province_code,city_code,code12\n\"河池市\",x,45,4512,451200000000\n"
		_, got := readAll(t, strings.NewReader(in))
		want := tuopin.Area{Code: "451200000000", Name: "河池市", Level: tuopin.LevelCity, ParentCode: "450000000000"}
		if len(got) != 1 || *got[0] != want {
			t.Errorf("got %v, want %+v", got, want)
		}
	})
	t.Run("HeaderOnly", func(t *testing.T) {
		_, got := readAll(t, strings.NewReader(villagesCSV[:strings.Index(villagesCSV, "\n")+1]))
		if len(got) != 0 {
			t.Errorf("got %v", got)
		}
	})
}

func TestReader_Errors(t *testing.T) {
	const vh = "village_code,name,township_code,county_code,city_code,province_code\n"
	const th = "township_code,code12,name,county_code,city_code,province_code\n"
	tests := []struct {
		name   string
		in     string
		line   int
		column int
		msg    string
	}{
		{"Empty", "", 1, 0, "line 1: empty file: no header row"},
		{"UnknownHeader", "a,b,c\n1,2,3\n", 1, 0, `line 1: unrecognised header "a,b,c"`},
		{"MissingColumn", "township_code,code12,name,county_code,province_code\n", 1, 0, `line 1: header of a townships file lacks column "city_code"`},
		{"ShortCode", vh + "451224100001,城东,451224100,451224,4512,45\n45122410020,新烟,451224100,451224,4512,45\n",
			3, 1, `line 3, column 1 (village_code): code "45122410020" has 11 digits, want 12 for a village`},
		{"NonDigit", vh + "4512241002O1,新烟,451224100,451224,4512,45\n",
			2, 1, `line 2, column 1 (village_code): code "4512241002O1" is not all digits`},
		{"NotUnderParent", vh + "451224102003,新烟,451224103,451224,4512,45\n",
			2, 1, "line 2, column 1 (village_code): code 451224102003 does not start with township_code 451224103"},
		{"ParentChainBroken", th + "451224100,451224100000,东兰镇,451224,4512,44\n",
			2, 5, "line 2, column 5 (city_code): code 4512 does not start with province_code 44"},
		{"ParentBadLength", th + "451224100,451224100000,东兰镇,45122,4512,45\n",
			2, 4, `line 2, column 4 (county_code): code "45122" has 5 digits, want 6 for a county`},
		{"MissingName", vh + "451224100201, ,451224100,451224,4512,45\n",
			2, 2, "line 2, column 2 (name): name is empty"},
		{"BadCode12", th + "451224100,451224100001,东兰镇,451224,4512,45\n",
			2, 2, `line 2, column 2 (code12): 12-digit code "451224100001" is not township_code 451224100 padded with zeros`},
		{"FieldCount", vh + "451224100201,新烟,451224100,451224,4512\n",
			2, 0, "line 2: row has 5 fields, want 6 like the header"},
		{"BadQuote", vh + "451224100201,新\"烟,451224100,451224,4512,45\n",
			2, 0, "line 2: malformed CSV"},
		{"LineCountsQuotedNewlines", vh + "451224100201,\"新\n烟\",451224100,451224,4512,45\n451224100202,,451224100,451224,4512,45\n",
			4, 2, "line 4, column 2 (name): name is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := readErr(strings.NewReader(tt.in))
			var pe *divisions.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v (%T), want *ParseError", err, err)
			}
			if pe.Line != tt.line || pe.Column != tt.column {
				t.Errorf("Line, Column = %d, %d; want %d, %d", pe.Line, pe.Column, tt.line, tt.column)
			}
			if !strings.HasPrefix(err.Error(), tt.msg) {
				t.Errorf("err = %q, want prefix %q", err, tt.msg)
			}
			// It is an EINVALID application error with the same message.
			if tuopin.ErrorCode(err) != tuopin.EINVALID || tuopin.ErrorMessage(err) != err.Error() {
				t.Errorf("ErrorCode = %q, ErrorMessage = %q", tuopin.ErrorCode(err), tuopin.ErrorMessage(err))
			}
		})
	}
}

// readErr reads a whole file and returns the first error other than io.EOF.
func readErr(r io.Reader) error {
	rd, err := divisions.NewReader(r)
	if err != nil {
		return err
	}
	for {
		if _, err := rd.Read(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

func TestKind_Columns(t *testing.T) {
	want := map[divisions.Kind]string{
		divisions.KindProvinces: "province_code,code12,name",
		divisions.KindCities:    "city_code,code12,name,province_code",
		divisions.KindCounties:  "county_code,code12,name,city_code,province_code",
		divisions.KindTownships: "township_code,code12,name,county_code,city_code,province_code",
		divisions.KindVillages:  "village_code,name,township_code,county_code,city_code,province_code",
	}
	for _, k := range divisions.Kinds {
		if got := strings.Join(k.Columns(), ","); got != want[k] {
			t.Errorf("%v.Columns() = %s, want %s", k, got, want[k])
		}
	}
	if divisions.KindVillages.String() != "villages" || divisions.Kind(9).String() != "Kind(9)" {
		t.Error("String")
	}
}
