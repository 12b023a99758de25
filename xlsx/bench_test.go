package xlsx_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/xlsx"
)

// The benchmarks work on 10^5 households (about 3.5×10^5 member rows) in
// the national layout, as a county's whole registry.
const benchHouseholds = 100_000

var (
	benchOnce  sync.Once
	benchHs    []*tuopin.Household
	benchFiles = map[xlsx.Format][]byte{}
	benchMu    sync.Mutex
	// benchDetails is the national CSV with every detail filled.
	benchDetails []byte
)

func benchHouseholdList() []*tuopin.Household {
	benchOnce.Do(func() {
		benchHs = make([]*tuopin.Household, benchHouseholds)
		for i := range benchHs {
			benchHs[i] = household(i)
		}
	})
	return benchHs
}

func benchFile(b *testing.B, format xlsx.Format) []byte {
	benchMu.Lock()
	defer benchMu.Unlock()
	if data, ok := benchFiles[format]; ok {
		return data
	}
	// Households are made on the fly, so that the decoding benchmarks run
	// without 10^5 households held in memory beside them.
	var buf bytes.Buffer
	enc, err := xlsx.NewHouseholdEncoder(&buf, format, xlsx.LayoutNational, nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < benchHouseholds; i++ {
		if err := enc.Encode(household(i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	benchFiles[format] = data
	return data
}

// benchDetailed is household(i) with every field of the national field
// set filled (detailedHousehold), the same for every run.
func benchDetailed(i int) *tuopin.Household {
	return detailedHousehold(rand.New(rand.NewPCG(uint64(i), 2016)), i)
}

// benchDetailFile is the national CSV of 10^5 households with every
// detail filled.
func benchDetailFile(b *testing.B) []byte {
	benchMu.Lock()
	defer benchMu.Unlock()
	if benchDetails != nil {
		return benchDetails
	}
	var buf bytes.Buffer
	enc, err := xlsx.NewHouseholdEncoder(&buf, xlsx.FormatCSV, xlsx.LayoutNational, nil)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < benchHouseholds; i++ {
		if err := enc.Encode(benchDetailed(i)); err != nil {
			b.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		b.Fatal(err)
	}
	benchDetails = buf.Bytes()
	return benchDetails
}

func benchDecode(b *testing.B, format xlsx.Format, sorted bool) {
	data := benchFile(b, format)
	benchDecodeData(b, data, sorted)
}

func benchDecodeData(b *testing.B, data []byte, sorted bool) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	runtime.GC()
	b.ResetTimer()
	n := 0
	for b.Loop() {
		wb, err := xlsx.Open(bytes.NewReader(data), int64(len(data)), xlsx.OpenOptions{})
		if err != nil {
			b.Fatal(err)
		}
		d, err := xlsx.NewHouseholdDecoder(wb, xlsx.DecodeOptions{Sorted: sorted, Now: now})
		if err != nil {
			b.Fatal(err)
		}
		for {
			h, errs, err := d.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil || len(errs) > 0 || h == nil {
				b.Fatal(err, errs)
			}
			n++
		}
		d.Close()
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "households/s")
}

func BenchmarkDecodeCSV(b *testing.B)        { benchDecode(b, xlsx.FormatCSV, false) }
func BenchmarkDecodeCSVSorted(b *testing.B)  { benchDecode(b, xlsx.FormatCSV, true) }
func BenchmarkDecodeXLSX(b *testing.B)       { benchDecode(b, xlsx.FormatXLSX, false) }
func BenchmarkDecodeXLSXSorted(b *testing.B) { benchDecode(b, xlsx.FormatXLSX, true) }

// BenchmarkDecodeCSVDetails decodes the national CSV with every field of
// the national field set filled.
func BenchmarkDecodeCSVDetails(b *testing.B) { benchDecodeData(b, benchDetailFile(b), false) }

func benchEncode(b *testing.B, format xlsx.Format, layout xlsx.Layout) {
	hs := benchHouseholdList()
	b.ReportAllocs()
	b.ResetTimer()
	var size int64
	for b.Loop() {
		cw := &countWriter{}
		enc, err := xlsx.NewHouseholdEncoder(cw, format, layout, nil)
		if err != nil {
			b.Fatal(err)
		}
		for _, h := range hs {
			if err := enc.Encode(h); err != nil {
				b.Fatal(err)
			}
		}
		if err := enc.Close(); err != nil {
			b.Fatal(err)
		}
		size = cw.n
	}
	b.SetBytes(size)
	b.ReportMetric(float64(len(hs)*b.N)/b.Elapsed().Seconds(), "households/s")
}

type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

func BenchmarkEncodeCSV(b *testing.B)          { benchEncode(b, xlsx.FormatCSV, xlsx.LayoutNational) }
func BenchmarkEncodeCSVGBK(b *testing.B)       { benchEncode(b, xlsx.FormatCSVGBK, xlsx.LayoutReadable) }
func BenchmarkEncodeXLSX(b *testing.B)         { benchEncode(b, xlsx.FormatXLSX, xlsx.LayoutNational) }
func BenchmarkEncodeXLSXReadable(b *testing.B) { benchEncode(b, xlsx.FormatXLSX, xlsx.LayoutReadable) }
