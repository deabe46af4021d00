package acd

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/clock"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

var t0 = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// recorder is a Sink that keeps every effect.
type recorder struct {
	mu  sync.Mutex
	all []Effect
	on  func(Effect)
}

func (r *recorder) Emit(e Effect) {
	r.mu.Lock()
	r.all = append(r.all, e)
	on := r.on
	r.mu.Unlock()
	if on != nil {
		on(e)
	}
}

// take returns and forgets the effects so far.
func (r *recorder) take() []Effect {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.all
	r.all = nil
	return out
}

func offersIn(es []Effect) []Offer {
	var out []Offer
	for _, e := range es {
		if o, ok := e.(Offer); ok {
			out = append(out, o)
		}
	}
	return out
}

func ofType[T Effect](es []Effect) []T {
	var out []T
	for _, e := range es {
		if x, ok := e.(T); ok {
			out = append(out, x)
		}
	}
	return out
}

type harness struct {
	t   *testing.T
	clk *clock.Fake
	e   *Engine
	rec *recorder
	ctx context.Context
}

func newHarness(t *testing.T, opt Options) *harness {
	t.Helper()
	clk := clock.NewFake(t0)
	rec := &recorder{}
	if opt.Tenant == "" {
		opt.Tenant = "t1"
	}
	opt.Clock, opt.Sink, opt.Logger = clk, rec, quiet
	if opt.Seed == 0 {
		opt.Seed = 42
	}
	e, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return &harness{t: t, clk: clk, e: e, rec: rec, ctx: context.Background()}
}

func (h *harness) queue(cfg QueueConfig, agents ...string) {
	h.t.Helper()
	if cfg.Name == "" {
		cfg.Name = cfg.ID
	}
	if cfg.Strategy == "" {
		cfg.Strategy = LongestIdle
	}
	if err := h.e.SetQueue(h.ctx, cfg); err != nil {
		h.t.Fatal(err)
	}
	var ms []Member
	for i, a := range agents {
		ms = append(ms, Member{AgentID: a, Level: 1, Position: i})
	}
	if err := h.e.SetMembers(h.ctx, cfg.ID, ms); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) members(q string, ms ...Member) {
	h.t.Helper()
	if err := h.e.SetMembers(h.ctx, q, ms); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) login(agents ...string) {
	h.t.Helper()
	for _, a := range agents {
		if err := h.e.Login(h.ctx, LoginRequest{AgentID: a, Device: "sip:" + a}); err != nil {
			h.t.Fatal(err)
		}
	}
}

func (h *harness) enqueue(q, call string, prio int) EnqueueResult {
	h.t.Helper()
	res, err := h.e.Enqueue(h.ctx, CallRequest{CallID: call, QueueID: q, Priority: prio, Caller: "caller-" + call})
	if err != nil {
		h.t.Fatal(err)
	}
	return res
}

// offer expects exactly one new Offer among the effects so far.
func (h *harness) offer() Offer {
	h.t.Helper()
	os := offersIn(h.rec.take())
	if len(os) != 1 {
		h.t.Fatalf("want one offer, got %d: %+v", len(os), os)
	}
	return os[0]
}

func (h *harness) answer(o Offer) {
	h.t.Helper()
	if err := h.e.Answered(h.ctx, o.OfferID); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) end(call string) {
	h.t.Helper()
	if err := h.e.CallEnded(h.ctx, call); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) state(agent string) AgentSnapshot {
	h.t.Helper()
	s, err := h.e.Agent(h.ctx, agent)
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

func (h *harness) wantState(agent string, st State, reason string) {
	h.t.Helper()
	s := h.state(agent)
	if s.State != st || s.Reason != reason {
		h.t.Fatalf("agent %s: state %s (%q), want %s (%q)", agent, s.State, s.Reason, st, reason)
	}
}

func (h *harness) snapshotQueue(id string) QueueSnapshot {
	h.t.Helper()
	s, err := h.e.Snapshot(h.ctx)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, q := range s.Queues {
		if q.ID == id {
			return q
		}
	}
	h.t.Fatalf("no queue %s in snapshot", id)
	return QueueSnapshot{}
}

func names(n int, prefix string) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%02d", prefix, i)
	}
	return out
}
