package divisions

import (
	"fmt"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"io"
	"os"
	"strings"
	"sync"
	"time"
)

// ProgressBar draws the progress of a long task on a terminal:
//
//	areas villages [=========>          ]  45%  280,512/620,573  152,300 rows/s  ETA 0:02
//
// On a terminal it redraws one line in place, at most ten times a second.
// When w is not a terminal (a log file, a pipe) it writes a plain line at
// most every two seconds instead, the first one two seconds after the start. A total of 0 means unknown: the bar then
// shows the count and the rate only. It is safe for concurrent use.
type ProgressBar struct {
	mu       sync.Mutex
	w        io.Writer
	label    string
	unit     string
	total    int64
	done     int64
	tty      bool
	interval time.Duration
	now      func() time.Time
	start    time.Time
	last     time.Time // last draw; zero before the first
	width    int       // of the last terminal line, to blank leftovers
	ended    bool
}

// NewProgressBar returns a bar that writes to w (typically os.Stderr).
// label names the task ("areas villages"); total may be 0 if unknown.
func NewProgressBar(w io.Writer, label string, total int64) *ProgressBar {
	b := &ProgressBar{w: w, label: label, unit: "rows", total: total, now: time.Now}
	b.tty = isTerminal(w)
	b.interval = 2 * time.Second
	if b.tty {
		b.interval = 100 * time.Millisecond
	}
	b.start = b.now()
	return b
}

// isTerminal reports whether w is a character device, such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// SetUnit changes the unit shown in the rate ("rows" by default).
func (b *ProgressBar) SetUnit(unit string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.unit = unit
}

// Set records how much is done and redraws if it is time to.
func (b *ProgressBar) Set(done int64) { b.Update(done, 0) }

// Add adds n to what is done.
func (b *ProgressBar) Add(n int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.update(b.done+n, 0)
}

// SetTotal changes the total, for example when an estimate improves.
func (b *ProgressBar) SetTotal(total int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.total = total
}

// Update records done and, when total > 0, the total; it redraws if it is
// time to. Its signature fits ImportOptions.Progress and demo.Load.
func (b *ProgressBar) Update(done, total int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.update(done, total)
}

func (b *ProgressBar) update(done, total int64) {
	if b.ended {
		return
	}
	b.done = done
	if total > 0 {
		b.total = total
	}
	now := b.now()
	// A terminal shows the first update at once; a log gets its first line
	// only after an interval, so that a short task writes just the final one.
	since := b.last
	if since.IsZero() && !b.tty {
		since = b.start
	}
	if !since.IsZero() && now.Sub(since) < b.interval {
		return
	}
	b.last = now
	b.draw(now, false)
}

// Done draws the final state with the elapsed time and ends the line.
// Later updates and calls are ignored.
func (b *ProgressBar) Done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ended {
		return
	}
	b.ended = true
	b.draw(b.now(), true)
}

func (b *ProgressBar) draw(now time.Time, final bool) {
	elapsed := now.Sub(b.start)
	rate := 0.0
	if elapsed >= 100*time.Millisecond {
		rate = float64(b.done) / elapsed.Seconds()
	}
	var s strings.Builder
	s.WriteString(b.label)
	total := b.total
	if final && total < b.done {
		total = b.done
	}
	if total > 0 {
		frac := min(float64(b.done)/float64(total), 1)
		if b.tty {
			s.WriteString(" " + bar(frac, 24))
		}
		fmt.Fprintf(&s, " %3d%%  %s/%s", int(frac*100), group(b.done), group(total))
	} else {
		fmt.Fprintf(&s, "  %s", group(b.done))
	}
	switch {
	case final:
		round := 100 * time.Millisecond
		if elapsed < time.Second {
			round = time.Millisecond
		}
		fmt.Fprintf(&s, " %s in %s", b.unit, elapsed.Round(round))
		if rate > 0 {
			fmt.Fprintf(&s, " (%s %s/s)", group(int64(rate)), b.unit)
		}
	case rate > 0:
		fmt.Fprintf(&s, "  %s %s/s", group(int64(rate)), b.unit)
		if total > b.done {
			eta := time.Duration(float64(total-b.done) / rate * float64(time.Second))
			s.WriteString("  ETA " + clock(eta))
		}
	}
	line := s.String()

	if !b.tty {
		fmt.Fprintln(b.w, line)
		return
	}
	// Redraw in place: carriage return, the line, blank any leftover of a
	// longer previous line, and a newline only at the end.
	pad := max(b.width-displayWidth(line), 0)
	b.width = displayWidth(line)
	end := ""
	if final {
		end = "\n"
	}
	fmt.Fprintf(b.w, "\r%s%s%s", line, strings.Repeat(" ", pad), end)
}

// bar returns "[=====>    ]" with width cells inside the brackets.
func bar(frac float64, width int) string {
	n := int(frac * float64(width))
	var s strings.Builder
	s.WriteByte('[')
	for i := range width {
		switch {
		case i < n:
			s.WriteByte('=')
		case i == n:
			s.WriteByte('>')
		default:
			s.WriteByte(' ')
		}
	}
	s.WriteByte(']')
	return s.String()
}

// group formats n with thousands separators: 620573 → "620,573".
func group(n int64) string { return grouping.Sprint(n) }

// grouping prints integers with English digit grouping.
var grouping = message.NewPrinter(language.English)

// clock formats a duration as m:ss or h:mm:ss.
func clock(d time.Duration) string {
	t := int64(d.Round(time.Second) / time.Second)
	if t >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", t/3600, t/60%60, t%60)
	}
	return fmt.Sprintf("%d:%02d", t/60, t%60)
}

// displayWidth counts terminal cells: CJK characters take two.
func displayWidth(s string) int {
	w := 0
	for _, r := range s {
		if r >= 0x1100 && (r <= 0x115f || r >= 0x2e80 && r <= 0xa4cf || r >= 0xac00 && r <= 0xd7a3 || r >= 0xf900 && r <= 0xfaff || r >= 0xfe30 && r <= 0xfe4f || r >= 0xff00 && r <= 0xff60 || r >= 0xffe0 && r <= 0xffe6) {
			w += 2
		} else {
			w++
		}
	}
	return w
}
