package divisions_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tuopin/tuopin"
	"github.com/tuopin/tuopin/divisions"
)

// areaRecorder is an AreaService that records UpsertAreas calls; the
// other methods are not used by Import.
type areaRecorder struct {
	tuopin.AreaService
	batches [][]*tuopin.Area
	failAt  int // fail the n-th call (1-based); 0 never
}

func (s *areaRecorder) UpsertAreas(ctx context.Context, areas []*tuopin.Area) error {
	if len(s.batches)+1 == s.failAt {
		return tuopin.Errorf(tuopin.EINVALID, "Area %s is bad.", areas[0].Code)
	}
	s.batches = append(s.batches, areas)
	return nil
}

// villagesFixture returns a villages file of n rows spread over townships.
func villagesFixture(n int) string {
	var b strings.Builder
	b.WriteString(strings.Join(divisions.KindVillages.Columns(), ",") + "\n")
	for i := range n {
		fmt.Fprintf(&b, "451224%03d%03d,第%d村委会,451224%03d,451224,4512,45\n", 100+i/400, 200+i%400, i, 100+i/400)
	}
	return b.String()
}

func TestImport(t *testing.T) {
	ctx := context.Background()
	t.Run("OK", func(t *testing.T) {
		in := villagesFixture(1234)
		svc := &areaRecorder{}
		var calls [][2]int64
		res, err := divisions.Import(ctx, svc, strings.NewReader(in), divisions.ImportOptions{
			BatchSize: 500,
			Size:      int64(len(in)),
			Progress:  func(done, total int64) { calls = append(calls, [2]int64{done, total}) },
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Kind != divisions.KindVillages || res.Rows != 1234 || res.Areas != 1234 || res.Batches != 3 || res.Skipped != 0 {
			t.Errorf("result = %+v", res)
		}
		if len(svc.batches) != 3 || len(svc.batches[0]) != 500 || len(svc.batches[2]) != 234 {
			t.Errorf("batch sizes wrong: %d batches", len(svc.batches))
		}
		if svc.batches[2][233].Code != "451224103233" {
			t.Errorf("last area = %+v", svc.batches[2][233])
		}
		// One call per full batch, then the final one with done == total.
		if len(calls) != 3 || calls[2] != [2]int64{1234, 1234} {
			t.Fatalf("progress calls = %v", calls)
		}
		for i, c := range calls[:2] {
			if c[1] < c[0] {
				t.Errorf("call %d: total %d below done %d", i, c[1], c[0])
			}
		}
	})

	t.Run("GzipEstimate", func(t *testing.T) {
		in := villagesFixture(60000)
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
		zw.Write([]byte(in))
		zw.Close()
		size := int64(buf.Len())
		var calls [][2]int64
		res, err := divisions.Import(ctx, &areaRecorder{}, &buf, divisions.ImportOptions{
			Size:     size,
			Progress: func(done, total int64) { calls = append(calls, [2]int64{done, total}) },
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Rows != 60000 || res.Batches != 12 {
			t.Errorf("result = %+v", res)
		}
		// The estimate from compressed bytes read should be near the truth
		// once a good share of the file is read.
		mid := calls[len(calls)/2]
		if mid[1] < 45000 || mid[1] > 75000 {
			t.Errorf("estimate at %d rows = %d, want about 60000", mid[0], mid[1])
		}
	})

	t.Run("UnknownSize", func(t *testing.T) {
		var totals []int64
		_, err := divisions.Import(ctx, &areaRecorder{}, strings.NewReader(villagesFixture(10)), divisions.ImportOptions{
			BatchSize: 4,
			Progress:  func(done, total int64) { totals = append(totals, total) },
		})
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(totals) != "[0 0 10]" {
			t.Errorf("totals = %v, want unknown until the end", totals)
		}
	})

	t.Run("QuirksCounted", func(t *testing.T) {
		svc := &areaRecorder{}
		res, err := divisions.Import(ctx, svc, strings.NewReader(villagesCSV), divisions.ImportOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Rows != 4 || res.Areas != 3 || res.Skipped != 1 || len(res.Warnings) != 1 {
			t.Errorf("result = %+v", res)
		}
	})

	t.Run("ErrParse", func(t *testing.T) {
		in := villagesFixture(20) + "451224100999,,451224100,451224,4512,45\n"
		svc := &areaRecorder{}
		res, err := divisions.Import(ctx, svc, strings.NewReader(in), divisions.ImportOptions{BatchSize: 8})
		var pe *divisions.ParseError
		if !errors.As(err, &pe) || pe.Line != 22 || pe.Field != "name" {
			t.Fatalf("err = %v", err)
		}
		// The two full batches before the bad row were stored.
		if res.Areas != 16 || res.Rows != 21 || len(svc.batches) != 2 {
			t.Errorf("result = %+v, %d batches", res, len(svc.batches))
		}
	})

	t.Run("ErrService", func(t *testing.T) {
		svc := &areaRecorder{failAt: 2}
		_, err := divisions.Import(ctx, svc, strings.NewReader(villagesFixture(20)), divisions.ImportOptions{BatchSize: 8})
		if tuopin.ErrorCode(err) != tuopin.EINVALID {
			t.Fatalf("err = %v", err)
		}
		if want := "storing villages of lines 10-17: "; !strings.HasPrefix(err.Error(), want) {
			t.Errorf("err = %q, want prefix %q", err, want)
		}
	})

	t.Run("ErrCanceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := divisions.Import(ctx, &areaRecorder{}, strings.NewReader(villagesFixture(5)), divisions.ImportOptions{})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
	})

	t.Run("ErrHeader", func(t *testing.T) {
		_, err := divisions.Import(ctx, &areaRecorder{}, strings.NewReader("x,y\n"), divisions.ImportOptions{})
		if err == nil || !strings.Contains(err.Error(), "unrecognised header") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestImportResult_Summary(t *testing.T) {
	res, err := divisions.Import(context.Background(), &areaRecorder{}, strings.NewReader(villagesCSV), divisions.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := "3 villages stored from 4 rows in 1 batch (2s, 2 rows/s); 1 row skipped\n" +
		"  line 4: skipped 350527000000 金门县: synthetic village"
	if got := res.Summary(2 * time.Second); !strings.HasPrefix(got, want) {
		t.Errorf("Summary:\n%s\nwant prefix:\n%s", got, want)
	}
}
