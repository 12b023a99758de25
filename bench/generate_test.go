package bench_test

import (
	"math"
	"testing"
	"time"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/bench"
)

var villages = []string{"451224104201", "451224104202", "620503100201", "110101001001"}

func TestGenerator(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	g := bench.NewGenerator(villages, 2024, 5000, 1)
	ids := map[string]bool{}
	numbers := map[string]bool{}
	persons := 0
	for h := g.Next(); h != nil; h = g.Next() {
		h.Normalize(now)
		if err := h.Validate(tuopin.DefaultCodeSet, now); err != nil {
			t.Fatalf("household %s invalid: %v", h.Number, err)
		}
		if numbers[h.Number] {
			t.Fatalf("number %s twice", h.Number)
		}
		numbers[h.Number] = true
		for _, m := range h.Members {
			if ids[m.IDNumber] {
				t.Fatalf("ID %s twice", m.IDNumber)
			}
			ids[m.IDNumber] = true
			if m.IDNumber[:6] != h.AreaCode[:6] {
				t.Fatalf("ID %s not of county %s", m.IDNumber, h.AreaCode[:6])
			}
		}
		persons += len(h.Members)
	}
	if g.Generated() != 5000 || len(numbers) != 5000 {
		t.Fatalf("generated %d", g.Generated())
	}
	if mean := float64(persons) / 5000; math.Abs(mean-bench.PersonsPerHousehold) > 0.1 {
		t.Fatalf("mean household size %.2f, want about %.2f", mean, bench.PersonsPerHousehold)
	}
}

func TestGeneratorDeterministic(t *testing.T) {
	a, b, c := bench.NewGenerator(villages, 2024, 300, 7), bench.NewGenerator(villages, 2024, 300, 7), bench.NewGenerator(villages, 2024, 300, 8)
	same, diff := true, false
	for i := 0; i < 300; i++ {
		ha, hb, hc := a.Next(), b.Next(), c.Next()
		if ha.AreaCode != hb.AreaCode || ha.Members[0].Name != hb.Members[0].Name || ha.IncomePerCapita != hb.IncomePerCapita {
			same = false
		}
		if ha.AreaCode != hc.AreaCode || ha.Members[0].Name != hc.Members[0].Name {
			diff = true
		}
	}
	if !same || !diff {
		t.Fatalf("same seed same=%v, other seed differs=%v", same, diff)
	}
}

func BenchmarkGenerator(b *testing.B) {
	g := bench.NewGenerator(villages, 2024, math.MaxInt, 1)
	for b.Loop() {
		g.Next()
	}
}

// TestCountyGenerator checks the county order: the same number of
// households, valid and unique as in random order, each county's
// households consecutive.
func TestCountyGenerator(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	g := bench.NewCountyGenerator(villages, 2024, 2000, 1)
	seen := map[string]bool{}
	ids := map[string]bool{}
	last := ""
	perVillage := map[string]int{}
	for h := g.Next(); h != nil; h = g.Next() {
		h.Normalize(now)
		if err := h.Validate(tuopin.DefaultCodeSet, now); err != nil {
			t.Fatalf("household %s invalid: %v", h.Number, err)
		}
		for _, m := range h.Members {
			if ids[m.IDNumber] {
				t.Fatalf("ID %s twice", m.IDNumber)
			}
			ids[m.IDNumber] = true
		}
		if c := h.AreaCode[:6]; c != last {
			if seen[c] {
				t.Fatalf("county %s comes back after %s", c, last)
			}
			seen[c], last = true, c
		}
		perVillage[h.AreaCode]++
	}
	if g.Generated() != 2000 || len(seen) != 3 {
		t.Fatalf("generated %d in %d counties", g.Generated(), len(seen))
	}
	for _, v := range villages {
		if n := perVillage[v]; n < 400 || n > 600 {
			t.Fatalf("village %s has %d of 2000 households, want about 500", v, n)
		}
	}
}

func TestSampleCounties(t *testing.T) {
	all := []string{"110101001001", "110101001002", "451224104201", "451224104202", "451224104203", "620503100201"}
	got := bench.SampleCounties(all, 2, 1)
	if len(got) < 2 || len(got) >= len(all) {
		t.Fatalf("sample %v", got)
	}
	counties := map[string]int{}
	for _, v := range got {
		counties[v[:6]]++
	}
	for c, n := range counties {
		want := 0
		for _, v := range all {
			if v[:6] == c {
				want++
			}
		}
		if n != want {
			t.Fatalf("county %s: %d of its %d villages", c, n, want)
		}
	}
	if len(bench.SampleCounties(all, 0, 1)) != len(all) {
		t.Fatal("0 should keep every village")
	}
}
