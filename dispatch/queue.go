package dispatch

import "sync"

// effectQueue is an unbounded FIFO: the engine's sink must never block, and
// no effect may be dropped.
type effectQueue[T any] struct {
	mu     sync.Mutex
	items  []T
	notify chan struct{}
}

func newEffectQueue[T any]() *effectQueue[T] {
	return &effectQueue[T]{notify: make(chan struct{}, 1)}
}

func (q *effectQueue[T]) push(v T) {
	q.mu.Lock()
	q.items = append(q.items, v)
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// drain takes everything queued so far.
func (q *effectQueue[T]) drain() []T {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.items
	q.items = nil
	return out
}

// size is how many items wait.
func (q *effectQueue[T]) size() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}
