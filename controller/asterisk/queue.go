package asterisk

import (
	"context"
	"sync"
)

// queue is an unbounded FIFO: push never blocks (a socket reader must not
// stall), pop waits. Its length is the backlog reported in Stats.
type queue[T any] struct {
	mu     sync.Mutex
	items  []T
	head   int
	peak   int
	notify chan struct{}
}

func newQueue[T any]() *queue[T] {
	return &queue[T]{notify: make(chan struct{}, 1)}
}

func (q *queue[T]) push(v T) {
	q.mu.Lock()
	q.items = append(q.items, v)
	if n := len(q.items) - q.head; n > q.peak {
		q.peak = n
	}
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// pop returns the oldest item, waiting until one arrives or ctx ends.
func (q *queue[T]) pop(ctx context.Context) (T, bool) {
	for {
		q.mu.Lock()
		if q.head < len(q.items) {
			v := q.items[q.head]
			var zero T
			q.items[q.head] = zero
			q.head++
			if q.head == len(q.items) {
				q.items, q.head = q.items[:0], 0
			} else if q.head > 1024 && q.head*2 > len(q.items) {
				q.items = append(q.items[:0:0], q.items[q.head:]...)
				q.head = 0
			}
			q.mu.Unlock()
			return v, true
		}
		q.mu.Unlock()
		select {
		case <-q.notify:
		case <-ctx.Done():
			var zero T
			return zero, false
		}
	}
}

func (q *queue[T]) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items) - q.head
}

func (q *queue[T]) maxLen() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.peak
}
