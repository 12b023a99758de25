package divisions_test

import (
	"bufio"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/divisions"
)

// TestRealFiles parses the five full NBS 2023 files, when present, and checks
// the row counts of the shared data README and the quirks it lists.
func TestRealFiles(t *testing.T) {
	needShared(t, "villages.csv.gz")
	if testing.Short() {
		t.Skip("parses 620,573 villages; skipped in -short mode")
	}
	tests := []struct {
		file    string
		kind    divisions.Kind
		rows    int64
		skipped int
	}{
		{"provinces.csv", divisions.KindProvinces, 31, 0},
		{"cities.csv", divisions.KindCities, 342, 0},
		{"counties.csv", divisions.KindCounties, 2978, 3}, // 东莞, 中山, 儋州
		{"townships.csv", divisions.KindTownships, 41352, 1},
		{"villages.csv.gz", divisions.KindVillages, 620573, 1},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			f, err := os.Open(filepath.Join(sharedDir(), tt.file))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rd, err := divisions.NewReader(f)
			if err != nil {
				t.Fatal(err)
			}
			if rd.Kind() != tt.kind {
				t.Fatalf("Kind = %v", rd.Kind())
			}
			var n int
			for {
				a, err := rd.Read()
				if err == io.EOF {
					break
				} else if err != nil {
					t.Fatal(err)
				}
				if a.Level != tt.kind.Level() || !tuopin.IsCode12(a.Code) || a.Name == "" {
					t.Fatalf("bad area %+v", a)
				}
				n++
			}
			if rd.Rows() != tt.rows || rd.Skipped() != tt.skipped || int64(n+rd.Skipped()) != tt.rows {
				t.Errorf("rows %d, areas %d, skipped %d; want rows %d, skipped %d", rd.Rows(), n, rd.Skipped(), tt.rows, tt.skipped)
			}
			for _, w := range rd.Warnings() {
				t.Log(w)
			}
		})
	}
}

// BenchmarkParseVillages parses the full villages file (gzip, 4.9 MB, 620,573
// rows) without storing anything.
func BenchmarkParseVillages(b *testing.B) {
	p := needShared(b, "villages.csv.gz")
	fi, err := os.Stat(p)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(fi.Size())
	b.ReportAllocs()
	for b.Loop() {
		f, err := os.Open(p)
		if err != nil {
			b.Fatal(err)
		}
		rd, err := divisions.NewReader(bufio.NewReader(f))
		if err != nil {
			b.Fatal(err)
		}
		for {
			if _, err := rd.Read(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
		f.Close()
		if rd.Rows() != 620573 {
			b.Fatalf("rows = %d", rd.Rows())
		}
	}
}

// TestImportRealVillages streams the full villages file through Import into
// a service that only counts, checking that memory stays flat: the batches
// are not retained by Import.
func TestImportRealVillages(t *testing.T) {
	p := needShared(t, "villages.csv.gz")
	if testing.Short() {
		t.Skip("skipped in -short mode")
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	svc := &areaCounter{}
	var last [2]int64
	res, err := divisions.Import(context.Background(), svc, f, divisions.ImportOptions{
		Size:     fi.Size(),
		Progress: func(done, total int64) { last = [2]int64{done, total} },
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != 620573 || res.Areas != 620572 || svc.n != 620572 || res.Batches != 125 {
		t.Errorf("result = %+v, counted %d", res, svc.n)
	}
	if last != [2]int64{620573, 620573} {
		t.Errorf("last progress = %v", last)
	}
}

type areaCounter struct {
	tuopin.AreaService
	n int
}

func (s *areaCounter) UpsertAreas(ctx context.Context, areas []*tuopin.Area) error {
	s.n += len(areas)
	return nil
}
