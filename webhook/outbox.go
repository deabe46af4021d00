package webhook

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/ipcc/ipcc/store"
)

// Emitter is how any package sends a webhook event without knowing about
// endpoints, signatures or retries: Emit returns once the event is durably
// in the outbox (it survives a kill -9 of the controller from then on) for
// every endpoint of the tenant subscribing to it. callID ("" = none) orders
// the event after the call's earlier events; data is marshalled as the
// event's "data".
type Emitter interface {
	Emit(ctx context.Context, tenant, event, callID string, data any) error
}

// EmitterFunc adapts a function to Emitter.
type EmitterFunc func(ctx context.Context, tenant, event, callID string, data any) error

// Emit calls f.
func (f EmitterFunc) Emit(ctx context.Context, tenant, event, callID string, data any) error {
	return f(ctx, tenant, event, callID, data)
}

// OutboxOptions wire an Outbox.
type OutboxOptions struct {
	Store  *store.Store
	Logger *slog.Logger
	// Now is the clock (nil = time.Now).
	Now func() time.Time
	// Committed is called after each batch is written (the dispatcher's
	// Wake, so deliveries start at once).
	Committed func()
	// MaxBatch bounds the events one transaction writes (default 1000).
	MaxBatch int
	// RetryFor is how long a batch the database refuses is retried before
	// every caller waiting on it gets the error (default 10 s; the events
	// of EmitAsync are then logged as lost).
	RetryFor time.Duration
	// Dispatcher, when set, makes this outbox the single writer of the
	// outbox table for it too: its attempts' outcomes and its claims of due
	// deliveries share the events' transaction (one commit for all three
	// per batch), and what is claimed goes straight to its workers.
	Dispatcher *Dispatcher
}

// Outbox writes events into the outbox table with group commit: events
// emitted at the same time share one transaction, and each Emit returns
// once its transaction is committed. With a Dispatcher it is the one
// writer of the table for it as well (OutboxOptions.Dispatcher).
type Outbox struct {
	opt OutboxOptions
	log *slog.Logger

	mu      sync.Mutex
	buf     []outboxItem
	kick    chan struct{}
	stopped bool
	// claimWanted: the dispatcher asked for due deliveries (its poll).
	claimWanted bool
}

type outboxItem struct {
	ev   store.OutboxEvent // zero for a Sync marker and outcomes
	outs []store.DeliveryOutcome
	done chan error // nil for EmitAsync
}

// ErrOutboxClosed: the outbox stopped; the event was not written.
var ErrOutboxClosed = errors.New("webhook: outbox closed")

// NewOutbox builds an outbox; Run writes what is emitted.
func NewOutbox(o OutboxOptions) (*Outbox, error) {
	if o.Store == nil {
		return nil, errors.New("webhook: the outbox needs a store")
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = 1000
	}
	if o.RetryFor <= 0 {
		o.RetryFor = 10 * time.Second
	}
	ob := &Outbox{opt: o, log: o.Logger.With("component", "webhook-outbox"), kick: make(chan struct{}, 1)}
	if o.Dispatcher != nil {
		o.Dispatcher.attach(ob)
	}
	return ob, nil
}

// NewEventID makes an event id: time-ordered and unique ("evt_" + hex).
func NewEventID(at time.Time) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "evt_" + strconv.FormatInt(at.UnixMicro(), 36) + hex.EncodeToString(b[:])
}

func (o *Outbox) event(tenant, typ, callID string, data any) (store.OutboxEvent, error) {
	if tenant == "" {
		return store.OutboxEvent{}, fmt.Errorf("webhook: event %s without a tenant", typ)
	}
	if !typeRe.MatchString(typ) {
		return store.OutboxEvent{}, fmt.Errorf("webhook: event type %q must be lower-case family.name", typ)
	}
	at := o.opt.Now().UTC()
	id := NewEventID(at)
	b, err := json.Marshal(Event{ID: id, Type: typ, Tenant: tenant, CreatedAt: at, CallID: callID, Data: data})
	if err != nil {
		return store.OutboxEvent{}, fmt.Errorf("webhook: event %s: %w", typ, err)
	}
	return store.OutboxEvent{TenantID: tenant, EventID: id, EventType: typ, CallID: callID, Payload: string(b)}, nil
}

// Emit writes one event and returns once it is committed (Emitter).
func (o *Outbox) Emit(ctx context.Context, tenant, typ, callID string, data any) error {
	ev, err := o.event(tenant, typ, callID, data)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	if err := o.push(outboxItem{ev: ev, done: done}); err != nil {
		return err
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		// It is still written (it is in the batch): only the wait ends.
		return fmt.Errorf("webhook: %s not confirmed written: %w", typ, ctx.Err())
	}
}

// Sync returns once every event emitted before it (EmitAsync included) is
// committed.
func (o *Outbox) Sync(ctx context.Context) error {
	done := make(chan error, 1)
	if err := o.push(outboxItem{done: done}); err != nil {
		return err
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("webhook: earlier events not confirmed written: %w", ctx.Err())
	}
}

// SaveCallEnded writes a call's final record and its call.ended event in
// one transaction (through the store's call-record writer), after the
// call's earlier events (Sync): the record and the event are both in the
// database or neither is. A record the database refuses for good still
// gets its event, emitted alone.
func (o *Outbox) SaveCallEnded(ctx context.Context, rec store.CallRecord) error {
	ev, err := o.event(rec.TenantID, EventCallEnded, rec.ID, rec)
	if err != nil {
		return err
	}
	if err := o.Sync(ctx); err != nil {
		return err
	}
	err = o.opt.Store.SaveCallWithEvents(ctx, &rec, []store.OutboxEvent{ev})
	switch {
	case err == nil:
		if o.opt.Committed != nil {
			o.opt.Committed()
		}
		if o.opt.Dispatcher != nil {
			_ = o.wantClaim()
		}
		return nil
	case errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) || errors.Is(err, store.ErrClosed):
		// Still queued with its event (written together later), or the
		// store is closing: nothing more to do here.
		return err
	}
	o.log.Error("call record refused; its call.ended is sent alone", "tenant", rec.TenantID, "call", rec.ID, "err", err)
	if e := o.Emit(ctx, rec.TenantID, EventCallEnded, rec.ID, rec); e != nil {
		return fmt.Errorf("%w; call.ended alone: %w", err, e)
	}
	return err
}

// EmitAsync queues one event without waiting (for event buses whose
// readers must never block): it is in the next transaction, a few
// milliseconds later. Errors are logged.
func (o *Outbox) EmitAsync(tenant, typ, callID string, data any) {
	ev, err := o.event(tenant, typ, callID, data)
	if err == nil {
		err = o.push(outboxItem{ev: ev})
	}
	if err != nil {
		o.log.Error("webhook event not queued", "tenant", tenant, "event", typ, "call", callID, "err", err)
	}
}

func (o *Outbox) push(it outboxItem) error {
	o.mu.Lock()
	if o.stopped {
		o.mu.Unlock()
		return ErrOutboxClosed
	}
	o.buf = append(o.buf, it)
	o.mu.Unlock()
	o.wake()
	return nil
}

func (o *Outbox) wake() {
	select {
	case o.kick <- struct{}{}:
	default:
	}
}

// finish stores attempts' outcomes in the next batch and returns once it
// is committed (the dispatcher's finisher). ErrOutboxClosed: not taken.
func (o *Outbox) finish(ctx context.Context, outs []store.DeliveryOutcome) error {
	done := make(chan error, 1)
	if err := o.push(outboxItem{outs: outs, done: done}); err != nil {
		return err
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// wantClaim makes the next batch claim due deliveries for the dispatcher
// even when nothing else is written (its poll: retries due by time).
func (o *Outbox) wantClaim() error {
	o.mu.Lock()
	if o.stopped {
		o.mu.Unlock()
		return ErrOutboxClosed
	}
	o.claimWanted = true
	o.mu.Unlock()
	o.wake()
	return nil
}

// Run writes emitted events until ctx ends, then writes what is left.
func (o *Outbox) Run(ctx context.Context) error {
	for {
		select {
		case <-o.kick:
		case <-ctx.Done():
			o.mu.Lock()
			o.stopped = true
			o.mu.Unlock()
			for o.flush(context.Background()) {
			}
			return nil
		}
		for o.flush(ctx) {
		}
	}
}

// flush writes one batch in one transaction: the events (and Sync
// markers) and outcomes waiting, in the order they came, and a claim of
// due deliveries for the dispatcher when it has room. Every caller waiting
// on the batch is answered once it is committed, or with the error when
// the database refused it for RetryFor. It reports whether more is
// waiting.
func (o *Outbox) flush(ctx context.Context) bool {
	o.mu.Lock()
	n := min(len(o.buf), o.opt.MaxBatch)
	batch := make([]outboxItem, n)
	copy(batch, o.buf)
	o.buf = o.buf[n:]
	wanted := o.claimWanted
	o.claimWanted = false
	stopped := o.stopped
	o.mu.Unlock()
	var w store.OutboxWrite
	for _, it := range batch {
		switch {
		case it.ev.EventID != "":
			w.Events = append(w.Events, it.ev)
		case len(it.outs) > 0:
			w.Outcomes = append(w.Outcomes, it.outs...)
		}
	}
	d := o.opt.Dispatcher
	limit := 0
	if d != nil && !stopped && (wanted || len(w.Events) > 0 || len(w.Outcomes) > 0) {
		// Claimed now, as part of this commit: what the outcomes made due
		// (a call's next event) and what the events queued.
		limit = d.room()
		if limit > 0 {
			w.Claim = &store.ClaimRequest{At: d.opt.Now(), Lease: d.lease, Limit: limit}
		}
	}
	if n == 0 && w.Claim == nil {
		return false
	}
	var res store.OutboxWritten
	var err error
	first := time.Now()
	for attempt := 1; len(w.Events) > 0 || len(w.Outcomes) > 0 || w.Claim != nil; attempt++ {
		res, err = o.opt.Store.WriteOutbox(context.WithoutCancel(ctx), w)
		if err == nil || errors.Is(err, store.ErrClosed) || time.Since(first) >= o.opt.RetryFor {
			break
		}
		if attempt == 1 || attempt%20 == 0 {
			o.log.Error("webhook outbox batch not written; retrying", "events", len(w.Events), "outcomes", len(w.Outcomes), "attempt", attempt, "err", err)
		}
		time.Sleep(min(time.Duration(attempt)*50*time.Millisecond, 2*time.Second, max(o.opt.RetryFor-time.Since(first), time.Millisecond)))
	}
	if err != nil {
		o.log.Error("webhook outbox batch refused: every caller waiting on it gets the error", "events", len(w.Events), "outcomes", len(w.Outcomes), "err", err)
		for _, it := range batch {
			switch {
			case it.done != nil:
				it.done <- fmt.Errorf("webhook: outbox batch not written: %w", err)
			case it.ev.EventID != "":
				o.log.Error("webhook event lost: its batch was refused", "tenant", it.ev.TenantID, "event", it.ev.EventType, "call", it.ev.CallID, "id", it.ev.EventID)
			}
		}
	} else {
		if d != nil {
			d.accept(res.Claimed)
			if limit > 0 && len(res.Claimed) == limit {
				// More may be due: claim again in the next batch.
				o.mu.Lock()
				o.claimWanted = !o.stopped
				o.mu.Unlock()
			}
		}
		for _, it := range batch {
			if it.done != nil {
				it.done <- nil
			}
		}
		if len(w.Events) > 0 && o.opt.Committed != nil {
			o.opt.Committed()
		}
	}
	o.mu.Lock()
	more := len(o.buf) > 0 || o.claimWanted
	o.mu.Unlock()
	return more
}
