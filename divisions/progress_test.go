package divisions_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/tuopin/tuopin/divisions"
)

// fakeClock returns a clock that the test advances by hand.
func fakeClock() (now func() time.Time, advance func(time.Duration)) {
	t := time.Date(2016, 6, 24, 9, 0, 0, 0, time.UTC)
	return func() time.Time { return t }, func(d time.Duration) { t = t.Add(d) }
}

func TestProgressBar_Plain(t *testing.T) {
	var buf bytes.Buffer
	bar := divisions.NewProgressBar(&buf, "areas villages", 620573)
	now, advance := fakeClock()
	divisions.SetProgressClock(bar, now, false)

	advance(time.Second)
	bar.Update(100000, 0) // a log's first line waits two seconds
	advance(1500 * time.Millisecond)
	bar.Update(250000, 0)
	advance(500 * time.Millisecond)
	bar.Update(300000, 0) // too soon after the last line
	advance(2 * time.Second)
	bar.Update(450000, 620000) // the total changes
	advance(500 * time.Millisecond)
	bar.Update(620000, 0)
	bar.Done()
	bar.Update(1, 1) // ignored after Done

	want := "areas villages  40%  250,000/620,573  100,000 rows/s  ETA 0:04\n" +
		"areas villages  72%  450,000/620,000  90,000 rows/s  ETA 0:02\n" +
		"areas villages 100%  620,000/620,000 rows in 5.5s (112,727 rows/s)\n"
	if got := buf.String(); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
}

func TestProgressBar_Terminal(t *testing.T) {
	var buf bytes.Buffer
	bar := divisions.NewProgressBar(&buf, "户", 0)
	now, advance := fakeClock()
	divisions.SetProgressClock(bar, now, true)
	bar.SetUnit("households")

	advance(200 * time.Millisecond)
	bar.Add(500) // unknown total: count and rate only
	advance(50 * time.Millisecond)
	bar.Add(500) // within 100 ms: not drawn
	advance(100 * time.Millisecond)
	bar.SetTotal(4735)
	bar.Add(500)
	bar.Done()

	out := buf.String()
	lines := strings.Split(out, "\r")
	if len(lines) != 4 || lines[0] != "" {
		t.Fatalf("want 3 redraws, got %q", out)
	}
	if want := "户  500  2,500 households/s"; lines[1] != want {
		t.Errorf("draw 1 = %q, want %q", lines[1], want)
	}
	if want := "户 [=======>                ]  31%  1,500/4,735  4,285 households/s  ETA 0:01"; lines[2] != want {
		t.Errorf("draw 2 = %q, want %q", lines[2], want)
	}
	if !strings.HasPrefix(lines[3], "户 [=======>                ]  31%  1,500/4,735 households in 350ms (4,285 households/s)") || !strings.HasSuffix(out, "\n") {
		t.Errorf("final draw = %q", lines[3])
	}
	if strings.Count(out, "\n") != 1 {
		t.Errorf("want one newline, at the end: %q", out)
	}
}

func TestProgressBar_ShorterLineBlanksLeftover(t *testing.T) {
	var buf bytes.Buffer
	bar := divisions.NewProgressBar(&buf, "x", 0)
	now, advance := fakeClock()
	divisions.SetProgressClock(bar, now, true)
	advance(time.Second)
	bar.Set(123456789)
	advance(time.Second)
	bar.Set(5) // shorter line: padded with spaces over the old one
	lines := strings.Split(buf.String(), "\r")
	if len(lines[2]) != len(lines[1]) {
		t.Errorf("redraw %q does not cover %q", lines[2], lines[1])
	}
}

func TestProgressBar_ShortTaskLogsOneLine(t *testing.T) {
	var buf bytes.Buffer
	bar := divisions.NewProgressBar(&buf, "cities.csv", 0)
	now, advance := fakeClock()
	divisions.SetProgressClock(bar, now, false)
	advance(30 * time.Millisecond)
	bar.Update(342, 342)
	bar.Done()
	if want := "cities.csv 100%  342/342 rows in 30ms\n"; buf.String() != want {
		t.Errorf("output %q, want %q", buf.String(), want)
	}
}
