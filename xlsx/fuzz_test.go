package xlsx_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/xlsx"
)

// fuzzDecode runs a whole import over arbitrary bytes: opening, header
// recognition, both passes of the decoder. It must never panic, every
// failure must be a file error (ErrFormat) or an application error, and
// every problem with a row must be a complete RowError.
func fuzzDecode(t *testing.T, data []byte) {
	wb, err := xlsx.Open(bytes.NewReader(data), int64(len(data)), xlsx.OpenOptions{})
	if err != nil {
		if !errors.Is(err, xlsx.ErrFormat) {
			t.Fatalf("Open: %v is not an ErrFormat error", err)
		}
		return
	}
	d, err := xlsx.NewHouseholdDecoder(wb, xlsx.DecodeOptions{
		Year: 2016, Now: now,
		ResolveArea: func(xlsx.AreaNames) (string, bool) { return "451224104201", true },
	})
	if err != nil {
		if !errors.Is(err, xlsx.ErrFormat) && tuopin.ErrorCode(err) != tuopin.EINVALID {
			t.Fatalf("NewHouseholdDecoder: unexpected error %v", err)
		}
		return
	}
	defer d.Close()
	for i := 0; i < 100_000; i++ {
		h, errs, err := d.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			if !errors.Is(err, xlsx.ErrFormat) {
				t.Fatalf("Next: %v is not an ErrFormat error", err)
			}
			return
		}
		if h == nil && len(errs) == 0 {
			t.Fatal("Next returned neither a household nor errors")
		}
		for _, e := range errs {
			if e.Row < 1 || e.Code == "" || e.Reason == "" || e.ReasonZH == "" {
				t.Fatalf("incomplete RowError %+v", e)
			}
		}
	}
}

func fuzzSeeds(f *testing.F, dir string) {
	files, _ := filepath.Glob(filepath.Join("testdata/fuzz", dir, "*"))
	if len(files) == 0 {
		f.Fatalf("no committed seeds in testdata/fuzz/%s (run with XLSX_WRITE_FUZZ_SEEDS=1)", dir)
	}
}

func FuzzCSV(f *testing.F) {
	fuzzSeeds(f, "FuzzCSV")
	text, _ := csvFixture()
	f.Add([]byte(text))
	f.Add([]byte("户编号,姓名\n1,\"unterminated\n"))
	detailed := []*tuopin.Household{detailedHousehold(rand.New(rand.NewPCG(1, 2)), 6)}
	f.Add(encode(f, xlsx.FormatCSV, xlsx.LayoutNational, detailed))
	f.Add(encode(f, xlsx.FormatCSVGBK, xlsx.LayoutReadable, detailed))
	f.Fuzz(fuzzDecode)
}

func FuzzXLSX(f *testing.F) {
	fuzzSeeds(f, "FuzzXLSX")
	f.Add(encode(f, xlsx.FormatXLSX, xlsx.LayoutReadable, []*tuopin.Household{household(1)}))
	f.Add(encode(f, xlsx.FormatXLSX, xlsx.LayoutNational, []*tuopin.Household{detailedHousehold(rand.New(rand.NewPCG(3, 4)), 7)}))
	details, _ := detailsWorkbook(f)
	f.Add(details)
	// The .xls reader goes through the same function.
	for _, name := range []string{"testdata/templates/income.xls", "testdata/templates/家庭成员数据导入模板.xls"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(fuzzDecode)
}

// TestWriteFuzzSeeds rewrites the committed seed corpora when
// XLSX_WRITE_FUZZ_SEEDS=1.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("XLSX_WRITE_FUZZ_SEEDS") != "1" {
		t.Skip("set XLSX_WRITE_FUZZ_SEEDS=1 to rewrite testdata/fuzz")
	}
	text, _ := csvFixture()
	faulty, _ := faultyWorkbook(t)
	gbk := encode(t, xlsx.FormatCSVGBK, xlsx.LayoutNational, []*tuopin.Household{household(2), household(3)})
	seeds := map[string][][]byte{
		"FuzzCSV": {
			[]byte(text),
			gbk,
			encode(t, xlsx.FormatCSV, xlsx.LayoutReadable, []*tuopin.Household{household(4)}),
			[]byte("标题\n户编号\t姓名\t证件号码\t与户主关系\t贫困户属性\t主要致贫原因\t脱贫状态\t行政区划代码\n1\t张三\t4.51224E+17\t户主\t01\t01\t0\t451224104201\n"),
		},
		"FuzzXLSX": {
			faulty,
			encode(t, xlsx.FormatXLSX, xlsx.LayoutNational, []*tuopin.Household{household(5)}),
		},
	}
	for dir, list := range seeds {
		if err := os.MkdirAll(filepath.Join("testdata/fuzz", dir), 0o755); err != nil {
			t.Fatal(err)
		}
		for i, data := range list {
			body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
			if err := os.WriteFile(filepath.Join("testdata/fuzz", dir, fmt.Sprintf("seed%d", i+1)), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
