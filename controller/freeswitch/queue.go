package freeswitch

import (
	"sync"
	"sync/atomic"

	"github.com/ipcc/ipcc/controller"
)

// outQueue is the unbounded FIFO between the translator and Events(). push
// never blocks; a slow consumer makes the queue grow (see Stats.QueueDepth)
// instead of stalling the socket reader or losing events.
type outQueue struct {
	mu     sync.Mutex
	items  []controller.Event
	head   int
	pushed uint64
	sent   atomic.Uint64 // events handed to ch
	signal chan struct{}
	ch     chan controller.Event
}

func newOutQueue(buf int) *outQueue {
	return &outQueue{signal: make(chan struct{}, 1), ch: make(chan controller.Event, buf)}
}

func (q *outQueue) push(evs []controller.Event) {
	if len(evs) == 0 {
		return
	}
	q.mu.Lock()
	q.items = append(q.items, evs...)
	q.pushed += uint64(len(evs))
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

func (q *outQueue) pop() (controller.Event, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.head >= len(q.items) {
		q.items, q.head = q.items[:0], 0
		return controller.Event{}, false
	}
	ev := q.items[q.head]
	q.items[q.head] = controller.Event{}
	q.head++
	if q.head > 4096 && q.head*2 > len(q.items) {
		n := copy(q.items, q.items[q.head:])
		q.items, q.head = q.items[:n], 0
	}
	return ev, true
}

// depth counts events not yet taken by the consumer (queued, in the hand of
// the delivering goroutine, or buffered in ch).
func (q *outQueue) depth() int {
	q.mu.Lock()
	pushed := q.pushed
	q.mu.Unlock()
	// sent is bumped just after a send, so for a moment ch may hold one
	// event not yet counted: clamp.
	taken := int64(q.sent.Load()) - int64(len(q.ch))
	return int(max(int64(pushed)-max(taken, 0), 0))
}

// run delivers queued events to ch in order until stop is closed.
func (q *outQueue) run(stop <-chan struct{}) {
	for {
		for {
			ev, ok := q.pop()
			if !ok {
				break
			}
			select {
			case q.ch <- ev:
				q.sent.Add(1)
			case <-stop:
				return
			}
		}
		select {
		case <-q.signal:
		case <-stop:
			return
		}
	}
}
