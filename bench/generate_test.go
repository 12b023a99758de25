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
