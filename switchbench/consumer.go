package switchbench

import (
	"context"
	"sync"
	"time"

	"github.com/ipcc/ipcc/controller"
)

// callState is what the consumer keeps per call, as a call actor would.
type callState struct {
	arrived time.Time
	digits  int
	last    string
	held    bool
	lastAt  time.Time
}

// consumer reads a driver's Events() and updates per-call state. Counting,
// latency recording and the stall are switched per phase by the bench.
type consumer struct {
	mu        sync.Mutex
	calls     map[string]*callState
	counts    map[controller.EventType]int64
	total     int64 // events of the current phase (all types but switch events)
	record    bool
	lat       latencies
	want      int64
	reached   chan struct{}
	reachedAt time.Time

	stallAfter int64 // stall once total reaches this (0 = never)
	stallFor   time.Duration
	stallBegin time.Time
	stallEnd   time.Time
}

func newConsumer() *consumer {
	return &consumer{calls: map[string]*callState{}, counts: map[controller.EventType]int64{}}
}

// phase resets the counters and arms a wait for want events; it returns a
// channel closed when they were consumed.
func (c *consumer) phase(want int64, record bool) <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total, c.want, c.record = 0, want, record
	c.counts = map[controller.EventType]int64{}
	c.lat = latencies{d: make([]time.Duration, 0, min(want, 1<<22))}
	c.reached = make(chan struct{})
	c.reachedAt = time.Time{}
	if want <= 0 {
		close(c.reached)
	}
	return c.reached
}

// run consumes until the channel closes or ctx ends.
func (c *consumer) run(ctx context.Context, events <-chan controller.Event) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			c.apply(ev)
		}
	}
}

func (c *consumer) apply(ev controller.Event) {
	now := time.Now()
	c.mu.Lock()
	if ev.Type == controller.EventSwitchConnected || ev.Type == controller.EventSwitchDisconnected {
		c.counts[ev.Type]++
		c.mu.Unlock()
		return
	}
	cs := c.calls[ev.Leg]
	switch ev.Type {
	case controller.EventCallArrived:
		if cs == nil {
			cs = &callState{arrived: now}
			c.calls[ev.Leg] = cs
		}
	case controller.EventDTMF:
		if cs != nil {
			cs.digits++
			cs.last = ev.Digit
		}
	case controller.EventHold, controller.EventUnhold:
		if cs != nil {
			cs.held = ev.Type == controller.EventHold
		}
	case controller.EventHungUp:
		delete(c.calls, ev.Leg)
	}
	if cs != nil {
		cs.lastAt = now
	}
	c.counts[ev.Type]++
	c.total++
	if c.record && !ev.Time.IsZero() {
		c.lat.add(now.Sub(ev.Time))
	}
	if c.total == c.want {
		c.reachedAt = now
		close(c.reached)
	}
	stall := c.stallAfter > 0 && c.total == c.stallAfter
	d := c.stallFor
	c.mu.Unlock()
	if stall {
		c.mu.Lock()
		c.stallBegin = time.Now()
		c.mu.Unlock()
		time.Sleep(d) // the slow consumer: the driver must keep reading meanwhile
		c.mu.Lock()
		c.stallEnd = time.Now()
		c.mu.Unlock()
	}
}

// snapshot returns the phase's totals.
func (c *consumer) snapshot() (total int64, counts map[controller.EventType]int64, reachedAt time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	counts = make(map[controller.EventType]int64, len(c.counts))
	for k, v := range c.counts {
		counts[k] = v
	}
	return c.total, counts, c.reachedAt
}

// latencies hands over the phase's samples (call after the phase ended).
func (c *consumer) latencies() *latencies {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.lat
	return &l
}

// waitFor waits for ch or the timeout; false on timeout.
func waitFor(ctx context.Context, ch <-chan struct{}, timeout time.Duration) bool {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		return false
	case <-ctx.Done():
		return false
	}
}
