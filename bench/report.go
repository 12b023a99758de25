package bench

import (
	"fmt"
	"io"
	"math"
	"time"
)

// NationalHouseholds is the size of the 2014 registration (domain.md §3).
const NationalHouseholds = 29_480_000

// WriteMarkdown writes the results of one or more runs as Markdown tables,
// with the load time extrapolated linearly to the national size.
func WriteMarkdown(w io.Writer, results []*Result) {
	fmt.Fprintf(w, "| engine | households | persons | order | villages | load | households/s | COPY households/s | app ÷ COPY | national load (extrapolated) | disk | disk per household | peak RSS |\n")
	fmt.Fprintf(w, "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range results {
		copyRate, ratio := "—", "—"
		if r.Copy > 0 {
			copyRate = fmt.Sprintf("%.0f", r.CopyRate())
			ratio = fmt.Sprintf("%.2f", r.LoadRate()/r.CopyRate())
		}
		national := time.Duration(float64(NationalHouseholds) / r.LoadRate() * float64(time.Second))
		fmt.Fprintf(w, "| %s | %d | %d | %s | %d | %v | %.0f | %s | %s | %v | %d MiB | %d B | %d MiB |\n",
			r.Engine, r.Households, r.Persons, r.Order, r.Villages, r.Load.Round(time.Second), r.LoadRate(), copyRate, ratio,
			national.Round(time.Minute), r.Disk>>20, r.Disk/int64(max(1, r.Households)), r.PeakRSS>>20)
	}
	fmt.Fprintf(w, "\n| engine | load CPU, this process | load CPU, server | CPU µs per household | COPY CPU, this process | COPY CPU, server | COPY CPU µs per household |\n")
	fmt.Fprintf(w, "|---|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range results {
		per := func(d time.Duration) string {
			return fmt.Sprintf("%.0f", float64(d.Microseconds())/float64(r.Households))
		}
		copyCPU, copyServer, copyPer := "—", "—", "—"
		if r.Copy > 0 {
			copyCPU, copyServer, copyPer = r.CopyCPU.Round(100*time.Millisecond).String(), r.CopyServerCPU.Round(100*time.Millisecond).String(), per(r.CopyCPU+r.CopyServerCPU)
		}
		fmt.Fprintf(w, "| %s | %v | %v | %s | %s | %s | %s |\n", r.Engine, r.LoadCPU.Round(100*time.Millisecond),
			r.LoadServerCPU.Round(100*time.Millisecond), per(r.LoadCPU+r.LoadServerCPU), copyCPU, copyServer, copyPer)
	}
	fmt.Fprintf(w, "\n| engine | level | samples | roll-ups p50 | roll-ups p99 | raw GROUP BY p50 | raw p99 | raw samples |\n")
	fmt.Fprintf(w, "|---|---|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range results {
		for i, d := range r.Dashboard {
			raw := r.RawGroup[i]
			fmt.Fprintf(w, "| %s | %s | %d | %s | %s | %s | %s | %d |\n", r.Engine, d.Level, d.Samples,
				ms(d.P50), ms(d.P99), ms(raw.P50), ms(raw.P99), raw.Samples)
		}
	}
	fmt.Fprintf(w, "\n| engine | roll-up rows | roll-up rebuild (one year) | roll-up check | one raw GROUP BY of the year by village |\n|---|---:|---:|---:|---:|\n")
	for _, r := range results {
		fmt.Fprintf(w, "| %s | %d | %v | %v | %v |\n", r.Engine, r.RollupRows, r.Rebuild.Round(time.Millisecond),
			r.Check.Round(time.Millisecond), r.RawFull.Round(time.Millisecond))
	}
}

func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	if v >= 100 {
		return fmt.Sprintf("%.0f ms", math.Round(v))
	}
	return fmt.Sprintf("%.2f ms", v)
}
