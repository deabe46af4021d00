package acd

import (
	"container/heap"
	"sync"
	"time"

	"github.com/ipcc/ipcc/clock"
)

// EventClock is a discrete-event clock.Clock for long simulations: like
// clock.Fake it only moves when told to and fires due timers in deadline
// order (ties in the order armed) on the goroutine that calls Advance,
// but it keeps timers in a heap, so a run with thousands of armed timers
// costs O(log n) per timer instead of a scan.
type EventClock struct {
	mu  sync.Mutex
	now time.Time
	h   evHeap
	seq uint64
}

// NewEventClock returns an event clock reading start.
func NewEventClock(start time.Time) *EventClock { return &EventClock{now: start} }

var _ clock.Clock = (*EventClock)(nil)

// Now is the simulated time.
func (c *EventClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Since is Now().Sub(t).
func (c *EventClock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }

// AfterFunc arms f to run d from now (at least one nanosecond).
func (c *EventClock) AfterFunc(d time.Duration, f func()) clock.Timer {
	t := &evTimer{c: c, fn: f, idx: -1}
	c.mu.Lock()
	c.arm(t, d)
	c.mu.Unlock()
	return t
}

// NewTimer arms a channel timer.
func (c *EventClock) NewTimer(d time.Duration) clock.Timer {
	t := &evTimer{c: c, ch: make(chan time.Time, 1), idx: -1}
	c.mu.Lock()
	c.arm(t, d)
	c.mu.Unlock()
	return t
}

func (c *EventClock) arm(t *evTimer, d time.Duration) {
	if d <= 0 {
		d = time.Nanosecond
	}
	c.seq++
	t.when, t.seq = c.now.Add(d), c.seq
	heap.Push(&c.h, t)
}

// Advance moves time forward by d, firing due timers in order.
func (c *EventClock) Advance(d time.Duration) {
	c.mu.Lock()
	target := c.now.Add(d)
	for len(c.h) > 0 && !c.h[0].when.After(target) {
		t := heap.Pop(&c.h).(*evTimer)
		c.now = t.when
		if t.ch != nil {
			select {
			case t.ch <- c.now:
			default:
			}
		}
		c.mu.Unlock()
		if t.fn != nil {
			t.fn()
		}
		c.mu.Lock()
	}
	if target.After(c.now) {
		c.now = target
	}
	c.mu.Unlock()
}

// Pending is the number of armed timers.
func (c *EventClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.h)
}

type evTimer struct {
	c    *EventClock
	fn   func()
	ch   chan time.Time
	when time.Time
	seq  uint64
	idx  int
}

func (t *evTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if t.idx < 0 {
		return false
	}
	heap.Remove(&t.c.h, t.idx)
	return true
}

func (t *evTimer) Reset(d time.Duration) bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	was := t.idx >= 0
	if was {
		heap.Remove(&t.c.h, t.idx)
	}
	t.c.arm(t, d)
	return was
}

func (t *evTimer) C() <-chan time.Time {
	if t.ch == nil {
		return nil
	}
	return t.ch
}

type evHeap []*evTimer

func (h evHeap) Len() int { return len(h) }
func (h evHeap) Less(i, j int) bool {
	if !h[i].when.Equal(h[j].when) {
		return h[i].when.Before(h[j].when)
	}
	return h[i].seq < h[j].seq
}
func (h evHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx, h[j].idx = i, j
}
func (h *evHeap) Push(x any) {
	t := x.(*evTimer)
	t.idx = len(*h)
	*h = append(*h, t)
}
func (h *evHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	t.idx = -1
	*h = old[:len(old)-1]
	return t
}
