package divisions

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tuopin/tuopin"
)

// DefaultBatchSize is how many areas Import passes to one UpsertAreas call.
const DefaultBatchSize = 5000

// ImportOptions tunes Import. The zero value is ready to use.
type ImportOptions struct {
	// BatchSize is the number of areas per UpsertAreas call (one
	// transaction and one audit entry each); 0 means DefaultBatchSize.
	BatchSize int

	// Size is the size in bytes of the input as stored (compressed, for a
	// gzip file), or 0 if unknown. It lets Import estimate the total number
	// of rows from the share of the input read so far.
	Size int64

	// Progress, if set, is called after each batch is stored and once at
	// the end with the rows read so far and the estimated total (0 while
	// unknown). The last call has done == total.
	Progress func(done, total int64)
}

// ImportResult tells what Import did.
type ImportResult struct {
	Kind    Kind
	Rows    int64 // data rows read, skipped ones included
	Areas   int   // areas passed to UpsertAreas
	Batches int
	// Skipped counts the quirk rows that were skipped; Warnings holds the
	// first MaxWarnings of them.
	Skipped  int
	Warnings []Warning
}

// Import reads a division file (any of the five kinds, plain or gzip) and
// stores its areas through svc.UpsertAreas in batches, so that memory stays
// flat whatever the file's size. ctx must carry an admin (the command line
// uses tuopin.SystemUser). Files must be imported parents first: provinces,
// cities, counties, townships, villages.
//
// On error, the batches already stored stay stored (UpsertAreas is
// idempotent, so the import can simply be run again) and the result says how
// far it got. A malformed row stops the import with a *ParseError naming
// its line and column.
func Import(ctx context.Context, svc tuopin.AreaService, r io.Reader, opts ImportOptions) (ImportResult, error) {
	var res ImportResult
	rd, err := NewReader(r)
	if err != nil {
		return res, err
	}
	res.Kind = rd.Kind()
	size := opts.BatchSize
	if size <= 0 {
		size = DefaultBatchSize
	}

	estimate := func() int64 {
		if opts.Size <= 0 || rd.BytesRead() <= 0 {
			return 0
		}
		// Rows per byte so far, times the whole input. Never report a
		// total below what has been read.
		t := int64(float64(rd.Rows()) * float64(opts.Size) / float64(rd.BytesRead()))
		return max(t, rd.Rows())
	}
	done := func() {
		res.Rows, res.Skipped, res.Warnings = rd.Rows(), rd.Skipped(), rd.Warnings()
	}

	batch := make([]*tuopin.Area, 0, size)
	firstLine := 0
	flush := func(last bool) error {
		if len(batch) == 0 {
			return nil
		}
		if err := svc.UpsertAreas(ctx, batch); err != nil {
			return fmt.Errorf("storing %s of lines %d-%d: %w", rd.Kind(), firstLine, rd.Line(), err)
		}
		res.Areas += len(batch)
		res.Batches++
		// A fresh slice: the service may keep what it was given.
		batch = make([]*tuopin.Area, 0, size)
		if opts.Progress != nil && !last {
			opts.Progress(rd.Rows(), estimate())
		}
		return nil
	}

	for {
		if len(batch) == 0 {
			if err := ctx.Err(); err != nil {
				done()
				return res, err
			}
		}
		a, err := rd.Read()
		if err == io.EOF {
			break
		} else if err != nil {
			done()
			return res, err
		}
		if len(batch) == 0 {
			firstLine = rd.Line()
		}
		batch = append(batch, a)
		if len(batch) == size {
			if err := flush(false); err != nil {
				done()
				return res, err
			}
		}
	}
	if err := flush(true); err != nil {
		done()
		return res, err
	}
	done()
	if opts.Progress != nil {
		opts.Progress(res.Rows, res.Rows)
	}
	return res, nil
}

// Summary describes the result in a line for the command line, followed by
// one line per warning (at most five):
//
//	620,572 villages stored from 620,573 rows in 125 batches (9.8s, 63,323 rows/s); 1 row skipped
//	  line 226726: skipped 350527000000 金门县: synthetic village …
func (r ImportResult) Summary(elapsed time.Duration) string {
	var b strings.Builder
	batches := "batches"
	if r.Batches == 1 {
		batches = "batch"
	}
	round := 100 * time.Millisecond
	if elapsed < time.Second {
		round = time.Millisecond
	}
	fmt.Fprintf(&b, "%s %s stored from %s rows in %d %s (%s", group(int64(r.Areas)), r.Kind, group(r.Rows), r.Batches, batches, elapsed.Round(round))
	if s := elapsed.Seconds(); s > 0 {
		fmt.Fprintf(&b, ", %s rows/s", group(int64(float64(r.Rows)/s)))
	}
	b.WriteString(")")
	switch r.Skipped {
	case 0:
	case 1:
		b.WriteString("; 1 row skipped")
	default:
		fmt.Fprintf(&b, "; %d rows skipped", r.Skipped)
	}
	for i, w := range r.Warnings {
		if i == 5 {
			fmt.Fprintf(&b, "\n  … and %d more", r.Skipped-5)
			break
		}
		b.WriteString("\n  " + w.String())
	}
	return b.String()
}
