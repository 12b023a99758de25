package divisions

import "time"

// SetProgressClock replaces the bar's clock and terminal detection, for tests.
func SetProgressClock(b *ProgressBar, now func() time.Time, tty bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.now, b.tty = now, tty
	b.interval = 2 * time.Second
	if tty {
		b.interval = 100 * time.Millisecond
	}
	b.start = now()
}
