package store

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"
)

// Call records (the calls and call_legs tables) are written by one writer
// per Store, never by the goroutines that change them. A call's record is
// saved a dozen times while it lasts (arrival, each offer, answer, each leg
// answering and ending, the end) by its handler, its queue and the agent's
// controls; under load those saves, each its own transaction from its own
// goroutine, queued behind each other for SQLite's single write lock until
// their deadlines passed and they were dropped. The writer instead:
//
//   - keeps the latest version of each row waiting to be written (a row
//     saved again before it was written is replaced, so a slow database
//     costs memory per call, not per change);
//   - writes the waiting rows of many calls in one transaction, a call's
//     row before its legs and its updates, calls in the order they first
//     changed;
//   - retries with backoff, for as long as it takes, when the database is
//     busy, unreachable or times out, and says so in the log and metrics;
//     a row the database refuses for good (a constraint, bad data) is
//     written alone, and logged with its content if still refused;
//   - bounds what waits: past QueueLimit rows a save waits for room
//     (backpressure) instead of growing memory without end;
//   - is drained on Close, within FlushTimeout; what could not be written
//     then is logged row by row.

// CallWriterOptions tune the call-record writer.
type CallWriterOptions struct {
	// QueueLimit bounds the rows waiting to be written; a save of a new row
	// beyond it waits for room (default 20,000; a row is a call, a leg or
	// an update of a call).
	QueueLimit int
	// BatchRows is how many rows one transaction writes at most
	// (default 500).
	BatchRows int
	// FlushTimeout bounds how long Close waits for the waiting rows to be
	// written (default 30s).
	FlushTimeout time.Duration
	// Logger receives the writer's reports (default slog.Default()).
	Logger *slog.Logger
}

func (o *CallWriterOptions) defaults() {
	if o.QueueLimit <= 0 {
		o.QueueLimit = 20_000
	}
	if o.BatchRows <= 0 {
		o.BatchRows = 500
	}
	if o.FlushTimeout <= 0 {
		o.FlushTimeout = 30 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
}

// ErrClosed: the store is closed; nothing more can be written.
var ErrClosed = errors.New("store closed")

// callKey names one call's record.
type callKey struct{ tenant, id string }

// callUpdate is an update of a call's row written after it: wrap-up time
// or survey score, which other parties learn after the call.
type callUpdate struct {
	wrapUp *time.Duration
	survey *int
	err    error // ErrNotFound when the call had no row
}

// callGroup is what waits to be written for one call: its row, its legs'
// rows and updates, each the latest version. Once the writer takes a group,
// later changes of the call start a new group, written after it.
type callGroup struct {
	key     callKey
	call    *CallRecord
	callErr error
	legs    []*CallLeg
	legErrs []error
	legAt   map[string]int
	updates []*callUpdate
	// events go into the webhook outbox in the transaction that writes
	// the call's row (SaveCallWithEvents).
	events []OutboxEvent
	rows   int
	since  time.Time     // when the oldest change was queued
	done   chan struct{} // closed once written (or refused, or given up)
}

// callWriter is the Store's writer of call records.
type callWriter struct {
	s   *Store
	opt CallWriterOptions
	log *slog.Logger

	mu       sync.Mutex
	pending  map[callKey]*callGroup
	order    []*callGroup  // pending groups, oldest change first
	inFlight []*callGroup  // the batch being written
	rows     int           // rows pending (not in flight)
	room     chan struct{} // closed when rows drop; replaced
	wake     chan struct{}
	closing  bool
	stopped  bool      // drained after closing: nothing more is written
	deadline time.Time // while closing: give up after it
	done     chan struct{}
	stats    CallWriterStats
	metrics  *writerMetrics
	// lastReport is when a failing writer last said so; lastFullReport
	// when a full queue last did.
	lastReport, lastFullReport time.Time
	// fault, in tests, fails a transaction before it is tried.
	fault func(ops []rowOp) error
}

func newCallWriter(s *Store, opt CallWriterOptions) *callWriter {
	opt.defaults()
	w := &callWriter{s: s, opt: opt, log: opt.Logger.With("component", "call-records"), pending: map[callKey]*callGroup{},
		room: make(chan struct{}), wake: make(chan struct{}, 1), done: make(chan struct{}), metrics: newWriterMetrics()}
	go w.run()
	return w
}

// group returns the pending group of the call, waiting for room first when
// adding a row (newRow) would pass the limit. w.mu held on entry and exit.
func (w *callWriter) group(ctx context.Context, k callKey, newRow func(g *callGroup) bool) (*callGroup, error) {
	warned := false
	for {
		if w.stopped || (w.closing && time.Now().After(w.deadline)) {
			return nil, ErrClosed
		}
		g := w.pending[k]
		if g != nil && !newRow(g) {
			return g, nil // replaces a waiting row: no growth
		}
		if w.rows < w.opt.QueueLimit {
			if g == nil {
				g = &callGroup{key: k, legAt: map[string]int{}, since: time.Now(), done: make(chan struct{})}
				w.pending[k] = g
				w.order = append(w.order, g)
			}
			return g, nil
		}
		if !warned {
			warned = true
			w.stats.BackpressureWaits++
			if now := time.Now(); now.Sub(w.lastFullReport) >= failingReport {
				w.lastFullReport = now
				w.log.Warn("call records are waiting for room: the database is not keeping up; calls wait",
					"queued_rows", w.rows, "limit", w.opt.QueueLimit, "call", k.id, "tenant", k.tenant)
			}
		}
		room := w.room
		w.mu.Unlock()
		select {
		case <-room:
			w.mu.Lock()
		case <-ctx.Done():
			w.mu.Lock()
			return nil, fmt.Errorf("store: call record %s waits for room in the writer: %w", k.id, ctx.Err())
		}
	}
}

func (w *callWriter) kick() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// queueCall queues the call's row (with outbox events written in the
// same transaction); the group it is in is returned.
func (w *callWriter) queueCall(ctx context.Context, c CallRecord, evs ...OutboxEvent) (*callGroup, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	g, err := w.group(ctx, callKey{c.TenantID, c.ID}, func(g *callGroup) bool { return g.call == nil })
	if err != nil {
		return nil, err
	}
	if g.call == nil {
		g.rows++
		w.rows++
		w.noteQueuedLocked()
	}
	g.call = &c
	g.events = append(g.events, evs...)
	w.stats.Saves++
	w.kick()
	return g, nil
}

// queueLeg queues a leg's row.
func (w *callWriter) queueLeg(ctx context.Context, l CallLeg) (*callGroup, int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	g, err := w.group(ctx, callKey{l.TenantID, l.CallID}, func(g *callGroup) bool { _, ok := g.legAt[l.LegID]; return !ok })
	if err != nil {
		return nil, 0, err
	}
	i, ok := g.legAt[l.LegID]
	if !ok {
		i = len(g.legs)
		g.legAt[l.LegID] = i
		g.legs = append(g.legs, nil)
		g.legErrs = append(g.legErrs, nil)
		g.rows++
		w.rows++
		w.noteQueuedLocked()
	}
	g.legs[i] = &l
	w.stats.Saves++
	w.kick()
	return g, i, nil
}

// queueUpdate queues an update of a call's row.
func (w *callWriter) queueUpdate(ctx context.Context, tenant, id string, u *callUpdate) (*callGroup, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	g, err := w.group(ctx, callKey{tenant, id}, func(*callGroup) bool { return true })
	if err != nil {
		return nil, err
	}
	g.updates = append(g.updates, u)
	g.rows++
	w.rows++
	w.noteQueuedLocked()
	w.stats.Saves++
	w.kick()
	return g, nil
}

// wait waits until g is written (or refused, or given up at Close).
func wait(ctx context.Context, g *callGroup) error {
	select {
	case <-g.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("store: call record %s is still queued for writing (it will be written): %w", g.key.id, ctx.Err())
	}
}

// flush waits until every group queued or in flight now is written; with
// match, only the groups it selects.
func (w *callWriter) flush(ctx context.Context, match func(g *callGroup) bool) error {
	w.mu.Lock()
	var waits []*callGroup
	for _, list := range [][]*callGroup{w.inFlight, w.order} {
		for _, g := range list {
			if match == nil || match(g) {
				waits = append(waits, g)
			}
		}
	}
	w.mu.Unlock()
	for _, g := range waits {
		if err := wait(ctx, g); err != nil {
			return err
		}
	}
	return nil
}

// flushCall waits for what is queued of one call.
func (w *callWriter) flushCall(ctx context.Context, tenant, id string) error {
	k := callKey{tenant, id}
	return w.flush(ctx, func(g *callGroup) bool { return g.key == k })
}

// flushLeg waits for what is queued of the calls a switch leg belongs to
// (as their first leg or one of their legs).
func (w *callWriter) flushLeg(ctx context.Context, leg string) error {
	return w.flush(ctx, func(g *callGroup) bool {
		if g.call != nil && g.call.Leg == leg {
			return true
		}
		for _, l := range g.legs {
			if l.LegID == leg {
				return true
			}
		}
		return false
	})
}

// run takes batches of groups and writes them until closed and drained.
func (w *callWriter) run() {
	defer close(w.done)
	for {
		w.mu.Lock()
		for len(w.order) == 0 {
			if w.closing {
				w.stopped = true
				w.mu.Unlock()
				return
			}
			w.mu.Unlock()
			<-w.wake
			w.mu.Lock()
		}
		batch := w.take()
		w.mu.Unlock()
		w.write(batch)
		w.mu.Lock()
		for _, g := range batch {
			close(g.done)
		}
		w.inFlight = nil
		w.mu.Unlock()
	}
}

// take moves the oldest groups, up to BatchRows rows, into flight. w.mu held.
func (w *callWriter) take() []*callGroup {
	n, rows := 0, 0
	for n < len(w.order) && (n == 0 || rows+w.order[n].rows <= w.opt.BatchRows) {
		rows += w.order[n].rows
		delete(w.pending, w.order[n].key)
		n++
	}
	batch := w.order[:n:n]
	w.order = w.order[n:]
	if len(w.order) == 0 {
		w.order = nil // let the backing array go
	}
	w.rows -= rows
	w.inFlight = batch
	close(w.room)
	w.room = make(chan struct{})
	return batch
}

// close stops taking saves once the queue is drained or FlushTimeout
// passed, and logs what could not be written.
func (w *callWriter) close() {
	w.mu.Lock()
	if w.closing {
		w.mu.Unlock()
		<-w.done
		return
	}
	w.closing = true
	w.deadline = time.Now().Add(w.opt.FlushTimeout)
	queued := w.rows
	close(w.room) // savers waiting for room see the deadline
	w.room = make(chan struct{})
	w.mu.Unlock()
	w.kick()
	if queued > 0 {
		w.log.Info("writing the call records still queued before closing", "rows", queued, "deadline", w.opt.FlushTimeout.String())
	}
	<-w.done
}

// backoff is the pause before retry attempt n (1, 2, ...): 50ms doubling
// up to 5s, with jitter so that several controllers do not retry in step.
func backoff(n int) time.Duration {
	d := 50 * time.Millisecond << min(n-1, 7)
	d = min(d, 5*time.Second)
	return d/2 + rand.N(d/2+1)
}
