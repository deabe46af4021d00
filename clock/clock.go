// Package clock is the injected source of time for ipcc. The ACD, dialplan,
// IVR and dialer never call time.Now or time.AfterFunc directly: they take a
// Clock, so production uses Real() and tests use a Fake that only moves when
// the test says so, which makes ring timeouts, wrap-up and schedules testable
// in microseconds and without flakes.
package clock

import (
	"context"
	"time"
)

// Clock tells the time and arms timers.
type Clock interface {
	// Now is the current time.
	Now() time.Time
	// Since is Now().Sub(t).
	Since(t time.Time) time.Duration
	// AfterFunc calls f once d has elapsed. The returned Timer has a nil C().
	AfterFunc(d time.Duration, f func()) Timer
	// NewTimer returns a Timer that sends the time on C() once d has elapsed.
	NewTimer(d time.Duration) Timer
}

// Timer is a single-shot timer created by a Clock. Its semantics follow
// time.Timer since Go 1.23: after Stop or Reset returns, no stale value is
// received from C().
type Timer interface {
	// Stop prevents the timer from firing. It reports whether it stopped an
	// armed timer (false if it had already fired or been stopped).
	Stop() bool
	// Reset re-arms the timer to fire after d. It reports whether the timer
	// had been armed.
	Reset(d time.Duration) bool
	// C is the channel the timer fires on; nil for AfterFunc timers.
	C() <-chan time.Time
}

// Real returns the wall clock.
func Real() Clock { return realClock{} }

type realClock struct{}

func (realClock) Now() time.Time                  { return time.Now() }
func (realClock) Since(t time.Time) time.Duration { return time.Since(t) }

func (realClock) AfterFunc(d time.Duration, f func()) Timer {
	return realTimer{t: time.AfterFunc(d, f)}
}

func (realClock) NewTimer(d time.Duration) Timer {
	return realTimer{t: time.NewTimer(d)}
}

type realTimer struct{ t *time.Timer }

func (r realTimer) Stop() bool                 { return r.t.Stop() }
func (r realTimer) Reset(d time.Duration) bool { return r.t.Reset(d) }
func (r realTimer) C() <-chan time.Time        { return r.t.C }

// Sleep waits for d on clk or until ctx is done, whichever comes first. It
// returns ctx.Err() when the context ended the wait.
func Sleep(ctx context.Context, clk Clock, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := clk.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C():
		return nil
	}
}
