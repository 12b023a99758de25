package divisions_test

import (
	"bufio"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/divisions"
)

// sharedDir is where the full NBS files live, if they are present.
func sharedDir() string {
	if d := os.Getenv("TUOPIN_DIVISIONS_DIR"); d != "" {
		return d
	}
	return "/work/shared/data/admin_divisions_2023"
}

// needShared skips the test when the full NBS files are absent.
func needShared(tb testing.TB, name string) string {
	tb.Helper()
	p := filepath.Join(sharedDir(), name)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("%s not present (set TUOPIN_DIVISIONS_DIR): %v", p, err)
	}
	return p
}

func TestSeed(t *testing.T) {
	areas, err := divisions.Seed()
	if err != nil {
		t.Fatal(err)
	}
	if len(areas) != 943 {
		t.Errorf("Seed has %d areas, want 943", len(areas))
	}

	// Levels come in order, every area validates, codes are unique and
	// every parent precedes its children.
	seen := map[string]*tuopin.Area{}
	for i, a := range areas {
		if i > 0 && a.Level < areas[i-1].Level {
			t.Fatalf("area %d (%s) at level %d after level %d", i, a.Code, a.Level, areas[i-1].Level)
		}
		if err := a.Validate(); err != nil {
			t.Errorf("%s: %v", a.Code, err)
		}
		if seen[a.Code] != nil {
			t.Errorf("duplicate code %s", a.Code)
		}
		if a.Level > tuopin.LevelProvince {
			p := seen[a.ParentCode]
			if p == nil || p.Level != a.Level-1 {
				t.Errorf("%s %s: parent %s missing or at the wrong level", a.Code, a.Name, a.ParentCode)
			}
		}
		seen[a.Code] = a
	}

	// Counts per county, as in the full 2023 files.
	want := map[string]struct {
		name                string
		townships, villages int
	}{
		"430811": {"武陵源区", 4, 34},
		"620503": {"麦积区", 26, 420},
		"451224": {"东兰县", 14, 152},
		"533401": {"香格里拉市", 12, 65},
		"610728": {"镇巴县", 20, 181},
	}
	for _, c := range divisions.SeedCounties {
		w := want[c]
		county := seen[tuopin.PadCode(c)]
		if county == nil || county.Name != w.name || county.Level != tuopin.LevelCounty {
			t.Errorf("county %s = %+v, want %s", c, county, w.name)
			continue
		}
		var towns, villages int
		for _, a := range areas {
			switch {
			case !strings.HasPrefix(a.Code, c):
			case a.Level == tuopin.LevelTownship:
				towns++
			case a.Level == tuopin.LevelVillage:
				villages++
			}
		}
		if towns != w.townships || villages != w.villages {
			t.Errorf("%s %s: %d townships, %d villages; want %d, %d", c, w.name, towns, villages, w.townships, w.villages)
		}
	}

	// Each call returns fresh values.
	again, _ := divisions.Seed()
	again[0].Name = "changed"
	if areas[0].Name == "changed" {
		t.Error("Seed shares values between calls")
	}
}

func TestLoadSeed(t *testing.T) {
	svc := &areaRecorder{}
	n, err := divisions.LoadSeed(context.Background(), svc)
	if err != nil {
		t.Fatal(err)
	}
	if n != 943 || len(svc.batches) != 1 || len(svc.batches[0]) != 943 {
		t.Errorf("n = %d, %d batches", n, len(svc.batches))
	}
}

// TestSeedMatchesSource re-derives the embedded subset from the full files
// and checks that it is byte-identical, row by row.
func TestSeedMatchesSource(t *testing.T) {
	needShared(t, "villages.csv.gz")
	for _, k := range divisions.Kinds {
		name := k.String() + ".csv"
		embedded, err := os.ReadFile(filepath.Join("data", name))
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		src := filepath.Join(sharedDir(), name)
		if k == divisions.KindVillages {
			src += ".gz"
		}
		f, err := os.Open(src)
		if err != nil {
			t.Fatal(err)
		}
		var r io.Reader = f
		if k == divisions.KindVillages {
			if r, err = gzip.NewReader(f); err != nil {
				t.Fatal(err)
			}
		}
		sc := bufio.NewScanner(r)
		for first := true; sc.Scan(); first = false {
			line := sc.Text()
			fields := strings.Split(line, ",")
			// The county code column: the row's own code for counties,
			// the parent column for townships and villages.
			var county string
			switch k {
			case divisions.KindProvinces, divisions.KindCities:
				county = fields[0]
			case divisions.KindCounties:
				county = fields[0]
			default:
				county = fields[3]
			}
			keep := first
			for _, c := range divisions.SeedCounties {
				if k <= divisions.KindCities && strings.HasPrefix(c, county) || county == c {
					keep = true
				}
			}
			if keep {
				want = append(want, line)
			}
		}
		f.Close()
		if err := sc.Err(); err != nil {
			t.Fatal(err)
		}
		got := strings.Split(strings.TrimSuffix(string(embedded), "\n"), "\n")
		if !slices.Equal(got, want) {
			t.Errorf("data/%s differs from %s: %d rows embedded, %d derived", name, src, len(got), len(want))
		}
	}
}
