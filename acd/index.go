package acd

import (
	"container/heap"
	"sort"
)

// mkey orders the available members of one (queue, level): the strategy
// decides what a and b hold (see memberKey); id breaks ties so keys are
// unique within a queue.
type mkey struct {
	a, b int64
	id   string
}

func (x mkey) less(y mkey) bool {
	if x.a != y.a {
		return x.a < y.a
	}
	if x.b != y.b {
		return x.b < y.b
	}
	return x.id < y.id
}

// memberSet is the available members of one queue at one level, sorted by
// key. Insert and remove are a binary search plus a copy, so a decision
// never scans the members of other queues or levels.
type memberSet struct {
	level  int
	items  []*member
	weight int // sum of member weights (weighted-random)
	// round-robin memory: the key of the member offered last.
	rrLast  mkey
	rrValid bool
}

func (s *memberSet) search(k mkey) int {
	return sort.Search(len(s.items), func(i int) bool { return !s.items[i].key.less(k) })
}

func (s *memberSet) insert(m *member) {
	i := s.search(m.key)
	s.items = append(s.items, nil)
	copy(s.items[i+1:], s.items[i:])
	s.items[i] = m
	s.weight += m.weight()
}

func (s *memberSet) remove(m *member) bool {
	i := s.search(m.key)
	if i >= len(s.items) || s.items[i] != m {
		return false
	}
	copy(s.items[i:], s.items[i+1:])
	s.items[len(s.items)-1] = nil
	s.items = s.items[:len(s.items)-1]
	s.weight -= m.weight()
	return true
}

// after returns the first member whose key is greater than k, wrapping
// around to the first one.
func (s *memberSet) after(k mkey) *member {
	i := sort.Search(len(s.items), func(i int) bool { return k.less(s.items[i].key) })
	if i == len(s.items) {
		i = 0
	}
	return s.items[i]
}

// levelIndex holds a queue's available members by level, highest first.
type levelIndex struct {
	sets []*memberSet // sorted by level, descending
}

func (x *levelIndex) set(level int, create bool) *memberSet {
	i := sort.Search(len(x.sets), func(i int) bool { return x.sets[i].level <= level })
	if i < len(x.sets) && x.sets[i].level == level {
		return x.sets[i]
	}
	if !create {
		return nil
	}
	s := &memberSet{level: level}
	x.sets = append(x.sets, nil)
	copy(x.sets[i+1:], x.sets[i:])
	x.sets[i] = s
	return s
}

// top is the highest level with an available member, or nil.
func (x *levelIndex) top() *memberSet {
	for _, s := range x.sets {
		if len(s.items) > 0 {
			return s
		}
	}
	return nil
}

func (x *levelIndex) count() int {
	n := 0
	for _, s := range x.sets {
		n += len(s.items)
	}
	return n
}

// callHeap is a queue's waiting calls (not being offered), best first:
// higher priority, then earlier arrival, then arrival order.
type callHeap []*entry

func (h callHeap) Len() int { return len(h) }
func (h callHeap) Less(i, j int) bool {
	return h[i].before(h[j])
}
func (h callHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx = i
	h[j].heapIdx = j
}

// Push and Pop implement heap.Interface.
func (h *callHeap) Push(x any) {
	e := x.(*entry)
	e.heapIdx = len(*h)
	*h = append(*h, e)
}

// Pop implements heap.Interface.
func (h *callHeap) Pop() any {
	old := *h
	n := len(old)
	e := old[n-1]
	old[n-1] = nil
	e.heapIdx = -1
	*h = old[:n-1]
	return e
}

func (h *callHeap) add(e *entry) { heap.Push(h, e) }

func (h *callHeap) del(e *entry) {
	if e.heapIdx >= 0 && e.heapIdx < len(*h) && (*h)[e.heapIdx] == e {
		heap.Remove(h, e.heapIdx)
	}
}

func (h callHeap) peek() *entry {
	if len(h) == 0 {
		return nil
	}
	return h[0]
}
