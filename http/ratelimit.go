package apphttp

import (
	"sync"
	"time"
)

// loginLimiter counts failed logins per key (a client IP, a username) in a
// sliding window, in memory. A key with max failures inside the window is
// locked out until the oldest of them leaves the window. The state is lost
// on restart and not shared between processes, which is acceptable for a
// throttle whose purpose is to slow guessing down.
type loginLimiter struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu       sync.Mutex
	failures map[string][]time.Time
}

// maxLimiterKeys bounds memory: past it, expired keys are swept on insert.
const maxLimiterKeys = 10000

func newLoginLimiter(max int, window time.Duration) *loginLimiter {
	return &loginLimiter{max: max, window: window, now: time.Now, failures: make(map[string][]time.Time)}
}

// recent drops the failures of key older than the window and returns the
// rest. The caller holds mu.
func (l *loginLimiter) recent(key string, now time.Time) []time.Time {
	ts := l.failures[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= l.window {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.failures, key)
		return nil
	}
	l.failures[key] = ts
	return ts
}

// Blocked reports whether any key is locked out, and for how long.
func (l *loginLimiter) Blocked(keys ...string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	var wait time.Duration
	for _, k := range keys {
		if ts := l.recent(k, now); len(ts) >= l.max {
			if d := l.window - now.Sub(ts[len(ts)-l.max]); d > wait {
				wait = d
			}
		}
	}
	return wait > 0, wait
}

// Fail records one failed attempt against every key.
func (l *loginLimiter) Fail(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.failures) > maxLimiterKeys {
		for k := range l.failures {
			l.recent(k, now)
		}
	}
	for _, k := range keys {
		ts := append(l.recent(k, now), now)
		if len(ts) > l.max {
			ts = ts[len(ts)-l.max:]
		}
		l.failures[k] = ts
	}
}

// Reset forgets the failures of a key (after a successful login).
func (l *loginLimiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, key)
}
