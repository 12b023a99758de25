package xlsx_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/xlsx"
)

func TestRoundTrip(t *testing.T) {
	var hs []*tuopin.Household
	for i := 0; i < 60; i++ {
		hs = append(hs, household(i))
	}
	for _, format := range []xlsx.Format{xlsx.FormatXLSX, xlsx.FormatCSV, xlsx.FormatCSVGBK} {
		for _, layout := range []xlsx.Layout{xlsx.LayoutNational, xlsx.LayoutReadable} {
			t.Run(fmt.Sprintf("%s/%s", format, layout), func(t *testing.T) {
				data := encode(t, format, layout, hs)
				wb := mustOpen(t, data, xlsx.OpenOptions{})
				wantFormat, wantEnc := format, ""
				switch format {
				case xlsx.FormatCSV:
					wantEnc = xlsx.EncodingUTF8BOM
				case xlsx.FormatCSVGBK:
					wantFormat, wantEnc = xlsx.FormatCSV, xlsx.EncodingGB18030
				}
				if wb.Format() != wantFormat || wb.Encoding() != wantEnc {
					t.Fatalf("format %s, encoding %q; want %s, %q", wb.Format(), wb.Encoding(), wantFormat, wantEnc)
				}
				got, _, errs := decodeAll(t, wb, xlsx.DecodeOptions{})
				for _, e := range errs {
					t.Errorf("unexpected row error: %v", e)
				}
				if len(got) != len(hs) {
					t.Fatalf("decoded %d households, want %d", len(got), len(hs))
				}
				for i := range hs {
					sameHousehold(t, got[i], hs[i])
				}
			})
		}
	}
	t.Run("xlsx/readable/en", func(t *testing.T) {
		var buf bytes.Buffer
		enc, err := xlsx.NewHouseholdEncoder(&buf, xlsx.FormatXLSX, xlsx.LayoutReadable, nil)
		if err != nil {
			t.Fatal(err)
		}
		enc.Lang = "en"
		enc.AreaNames = func(code string) xlsx.AreaNames {
			return xlsx.AreaNames{Province: "广西壮族自治区", City: "河池市", County: "东兰县", Township: "武篆镇", Village: "村" + code[9:]}
		}
		for _, h := range hs {
			if err := enc.Encode(h); err != nil {
				t.Fatal(err)
			}
		}
		if err := enc.Close(); err != nil {
			t.Fatal(err)
		}
		wb := mustOpen(t, buf.Bytes(), xlsx.OpenOptions{})
		if wb.SheetNames()[0] != "Members" {
			t.Errorf("sheet %v", wb.SheetNames())
		}
		got, _, errs := decodeAll(t, wb, xlsx.DecodeOptions{})
		for _, e := range errs {
			t.Errorf("unexpected row error: %v", e)
		}
		if len(got) != len(hs) {
			t.Fatalf("decoded %d households, want %d", len(got), len(hs))
		}
		for i := range hs {
			sameHousehold(t, got[i], hs[i])
		}
	})
}
