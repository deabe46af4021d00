package clock

import (
	"context"
	"sync"
	"time"
)

// Fake is a Clock for tests: time stands still until the test calls Advance
// or Set. Timers that fall due fire in deadline order (ties in the order they
// were armed) inside Advance/Set, so when Advance returns every AfterFunc
// callback that was due has run and every due channel timer holds its value.
//
// AfterFunc callbacks run on the goroutine that called Advance, with no lock
// held, so they may use the clock (re-arm, read Now) freely; a callback that
// blocks forever blocks Advance. A timer armed with d <= 0 fires at once, as
// with package time: channel timers receive the value immediately and
// AfterFunc callbacks run in their own goroutine.
//
// All methods are safe for concurrent use.
type Fake struct {
	mu      sync.Mutex
	now     time.Time
	armed   []*fakeTimer
	seq     uint64
	changed chan struct{} // closed and replaced whenever armed changes
}

// NewFake returns a fake clock reading start.
func NewFake(start time.Time) *Fake {
	return &Fake{now: start, changed: make(chan struct{})}
}

// Now is the fake current time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Since is Now().Sub(t).
func (f *Fake) Since(t time.Time) time.Duration { return f.Now().Sub(t) }

// AfterFunc arms a timer that calls fn when the fake time reaches Now()+d.
func (f *Fake) AfterFunc(d time.Duration, fn func()) Timer {
	t := &fakeTimer{clk: f, fn: fn}
	f.mu.Lock()
	f.arm(t, d)
	f.mu.Unlock()
	return t
}

// NewTimer arms a channel timer that fires when the fake time reaches
// Now()+d.
func (f *Fake) NewTimer(d time.Duration) Timer {
	t := &fakeTimer{clk: f, ch: make(chan time.Time, 1)}
	f.mu.Lock()
	f.arm(t, d)
	f.mu.Unlock()
	return t
}

// Advance moves the fake time forward by d, firing every timer that falls due
// on the way, in deadline order. A negative d is treated as zero (time never
// runs backwards through Advance); Advance(0) fires timers already due.
func (f *Fake) Advance(d time.Duration) {
	if d < 0 {
		d = 0
	}
	f.mu.Lock()
	target := f.now.Add(d)
	f.mu.Unlock()
	f.fireUntil(target)
}

// Set moves the fake time to t. Moving forward fires due timers in order, as
// Advance does; moving backward only changes Now (armed deadlines stay where
// they are, so they fall due later).
func (f *Fake) Set(t time.Time) {
	f.mu.Lock()
	if t.Before(f.now) {
		f.now = t
	}
	f.mu.Unlock()
	f.fireUntil(t)
}

// Waiters is the number of armed timers (created or reset, not yet fired or
// stopped). Tests use it to know that the code under test reached its wait.
func (f *Fake) Waiters() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.armed)
}

// BlockUntil blocks until at least n timers are armed. Prefer
// BlockUntilContext in tests so a bug fails the test instead of hanging it.
func (f *Fake) BlockUntil(n int) {
	_ = f.BlockUntilContext(context.Background(), n)
}

// BlockUntilContext blocks until at least n timers are armed or ctx is done;
// it returns ctx.Err() in the latter case.
func (f *Fake) BlockUntilContext(ctx context.Context, n int) error {
	for {
		f.mu.Lock()
		if len(f.armed) >= n {
			f.mu.Unlock()
			return nil
		}
		ch := f.changed
		f.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Deadlines lists, in firing order, how long from Now each armed timer has
// left. Tests use it to wait for one particular timer (say a 3s inter-digit
// timeout) rather than any timer.
func (f *Fake) Deadlines() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]time.Duration, 0, len(f.armed))
	for _, t := range f.sortedLocked() {
		out = append(out, t.when.Sub(f.now))
	}
	return out
}

// fireUntil fires due timers one at a time, releasing the lock around each
// callback so callbacks can re-arm timers that also fall due before target.
func (f *Fake) fireUntil(target time.Time) {
	for {
		f.mu.Lock()
		t := f.earliestLocked()
		if t == nil || t.when.After(target) {
			if target.After(f.now) {
				f.now = target
			}
			f.mu.Unlock()
			return
		}
		f.removeLocked(t)
		if t.when.After(f.now) {
			f.now = t.when
		}
		if t.ch != nil {
			select {
			case t.ch <- f.now:
			default: // unread earlier value; time.Timer drops too
			}
		}
		fn := t.fn
		f.mu.Unlock()
		if fn != nil {
			fn()
		}
	}
}

// arm must be called with f.mu held.
func (f *Fake) arm(t *fakeTimer, d time.Duration) {
	if d <= 0 {
		// Due immediately, like package time; never registered as a waiter.
		if t.ch != nil {
			select {
			case t.ch <- f.now:
			default:
			}
		} else if t.fn != nil {
			go t.fn()
		}
		return
	}
	f.seq++
	t.seq = f.seq
	t.when = f.now.Add(d)
	t.isArmed = true
	f.armed = append(f.armed, t)
	f.notifyLocked()
}

func (f *Fake) removeLocked(t *fakeTimer) bool {
	if !t.isArmed {
		return false
	}
	t.isArmed = false
	for i, x := range f.armed {
		if x == t {
			f.armed = append(f.armed[:i], f.armed[i+1:]...)
			break
		}
	}
	f.notifyLocked()
	return true
}

func (f *Fake) notifyLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}

func (f *Fake) earliestLocked() *fakeTimer {
	var best *fakeTimer
	for _, t := range f.armed {
		if best == nil || t.before(best) {
			best = t
		}
	}
	return best
}

func (f *Fake) sortedLocked() []*fakeTimer {
	out := append([]*fakeTimer(nil), f.armed...)
	// Insertion sort: tests arm a handful of timers.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].before(out[j-1]); j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

type fakeTimer struct {
	clk     *Fake
	fn      func()
	ch      chan time.Time
	when    time.Time
	seq     uint64
	isArmed bool
}

func (t *fakeTimer) before(o *fakeTimer) bool {
	return t.when.Before(o.when) || (t.when.Equal(o.when) && t.seq < o.seq)
}

// Stop disarms the timer and discards an unread value, so nothing stale is
// received after Stop returns.
func (t *fakeTimer) Stop() bool {
	t.clk.mu.Lock()
	defer t.clk.mu.Unlock()
	was := t.clk.removeLocked(t)
	t.drain()
	return was
}

// Reset re-arms the timer for d from the fake Now, discarding an unread
// value.
func (t *fakeTimer) Reset(d time.Duration) bool {
	t.clk.mu.Lock()
	defer t.clk.mu.Unlock()
	was := t.clk.removeLocked(t)
	t.drain()
	t.clk.arm(t, d)
	return was
}

// C is the timer channel (nil for AfterFunc timers).
func (t *fakeTimer) C() <-chan time.Time {
	if t.ch == nil {
		return nil
	}
	return t.ch
}

func (t *fakeTimer) drain() {
	if t.ch == nil {
		return
	}
	select {
	case <-t.ch:
	default:
	}
}
