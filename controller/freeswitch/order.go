package freeswitch

import (
	"container/heap"
	"sync"
	"time"
)

// reorderer restores Event-Sequence order. eslgo calls each listener in its
// own goroutine, so events reach us shuffled (~100 inversions in 290 events
// in the reference capture). Events are held in a min-heap by sequence and
// released at once when they are the next expected number; an event that is
// not waits at most window after it arrived, so a gap (an event we did not
// subscribe to, or one that never comes) never stalls the stream. An event
// older than the last released one is released immediately (never dropped).
//
// push never blocks on anything but a short mutex: it is called from eslgo's
// listener goroutines.
type reorderer struct {
	window time.Duration
	now    func() time.Time
	out    func(*fsEvent)

	relMu    sync.Mutex // serialises release, so deliveries never interleave
	mu       sync.Mutex
	h        seqHeap
	fifo     []*heldEvent // arrival order, for the oldest deadline
	last     uint64
	haveLast bool
	late     uint64 // events released after a higher sequence
	held     uint64 // events that had to wait for a gap
	wake     chan struct{}
}

type heldEvent struct {
	ev       *fsEvent
	arrived  time.Time
	index    int
	released bool
}

type seqHeap []*heldEvent

func (h seqHeap) Len() int           { return len(h) }
func (h seqHeap) Less(i, j int) bool { return h[i].ev.seq < h[j].ev.seq }
func (h seqHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i]; h[i].index = i; h[j].index = j }
func (h *seqHeap) Push(x any)        { e := x.(*heldEvent); e.index = len(*h); *h = append(*h, e) }
func (h *seqHeap) Pop() any {
	old := *h
	n := len(old)
	e := old[n-1]
	old[n-1] = nil
	*h = old[:n-1]
	return e
}

func newReorderer(window time.Duration, out func(*fsEvent)) *reorderer {
	return &reorderer{window: window, now: time.Now, out: out, wake: make(chan struct{}, 1)}
}

func (r *reorderer) push(ev *fsEvent) {
	r.mu.Lock()
	he := &heldEvent{ev: ev, arrived: r.now()}
	heap.Push(&r.h, he)
	r.fifo = append(r.fifo, he)
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// reset forgets the last sequence (a new connection, maybe to a restarted
// switch whose counter began again).
func (r *reorderer) reset() {
	r.mu.Lock()
	r.haveLast = false
	r.mu.Unlock()
}

// flush releases everything held, in order (the connection ended: no gap
// will be filled any more).
func (r *reorderer) flush() {
	r.relMu.Lock()
	defer r.relMu.Unlock()
	r.mu.Lock()
	var ready []*fsEvent
	for r.h.Len() > 0 {
		he := heap.Pop(&r.h).(*heldEvent)
		he.released = true
		if he.ev.seq > r.last {
			r.last, r.haveLast = he.ev.seq, true
		}
		ready = append(ready, he.ev)
	}
	r.trimFifo()
	r.mu.Unlock()
	for _, ev := range ready {
		r.out(ev)
	}
}

// release hands every event that may go to out, in order, and returns when
// the next one will be due (zero when nothing is held).
func (r *reorderer) release() time.Duration {
	r.relMu.Lock()
	defer r.relMu.Unlock()
	var ready []*fsEvent
	r.mu.Lock()
	now := r.now()
loop:
	for r.h.Len() > 0 {
		head := r.h[0]
		switch {
		case head.ev.seq == 0, r.haveLast && head.ev.seq <= r.last:
			if head.ev.seq != 0 {
				r.late++
			}
		case !r.haveLast || head.ev.seq != r.last+1:
			if !r.oldestDue(now) {
				break loop
			}
			r.held++
			r.last, r.haveLast = head.ev.seq, true
		default:
			r.last = head.ev.seq
		}
		heap.Pop(&r.h)
		head.released = true
		ready = append(ready, head.ev)
	}
	r.trimFifo()
	var next time.Duration
	if len(r.fifo) > 0 {
		next = r.fifo[0].arrived.Add(r.window).Sub(now)
		if next <= 0 {
			next = 50 * time.Microsecond
		}
	}
	r.mu.Unlock()
	for _, ev := range ready {
		r.out(ev)
	}
	return next
}

// oldestDue: the oldest held event has waited its window.
func (r *reorderer) oldestDue(now time.Time) bool {
	r.trimFifo()
	return len(r.fifo) > 0 && !now.Before(r.fifo[0].arrived.Add(r.window))
}

func (r *reorderer) trimFifo() {
	i := 0
	for i < len(r.fifo) && r.fifo[i].released {
		r.fifo[i] = nil
		i++
	}
	if i > 0 {
		r.fifo = r.fifo[i:]
	}
}

func (r *reorderer) depth() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.h.Len()
}

func (r *reorderer) counters() (late, held uint64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.late, r.held
}

// run releases events until stop is closed.
func (r *reorderer) run(stop <-chan struct{}) {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		next := r.release()
		if next > 0 && next < time.Millisecond {
			// A held event is due within the timer's resolution: sleep
			// precisely and release again (new events meanwhile wait at
			// most this long; stop is seen right after).
			preciseSleep(next)
			select {
			case <-stop:
				return
			default:
				continue
			}
		}
		// Go 1.23+ timers: Reset and Stop leave no stale tick behind.
		if next > 0 {
			timer.Reset(next)
		} else {
			timer.Stop()
		}
		select {
		case <-stop:
			return
		case <-r.wake:
		case <-timer.C:
		}
	}
}
