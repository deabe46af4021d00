package acd

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ipcc/ipcc/clock"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// The previous process rang x for c1 and died after bridging them, before
// its answer was written: the restored engine has x available, held for
// c1, and c1 waiting. TakeBack puts x on c1 (the switch has them
// talking): c1 leaves the queue, answered after its wait; x is on call,
// stored so, and goes to wrap-up when the call ends; the caller behind is
// not offered to x meanwhile.
func TestTakeBackAfterTheAnswerWasLost(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		row, err := QueueRow("t1", QueueConfig{ID: "q", Name: "Queue", Strategy: LongestIdle, WrapUp: Duration(5 * time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.CreateACDQueue(ctx, row); err != nil {
			t.Fatal(err)
		}
		if err := s.PutACDMember(ctx, &store.ACDMember{TenantID: "t1", QueueID: "q", AgentID: "x", Level: 1}); err != nil {
			t.Fatal(err)
		}
		clk := clock.NewFake(t0)
		opt := Options{Tenant: "t1", Clock: clk, Sink: &recorder{}, Store: SQLStore{S: s}, Logger: quiet, Seed: 1}
		e1, err := New(opt)
		if err != nil {
			t.Fatal(err)
		}
		h := &harness{t: t, clk: clk, e: e1, rec: opt.Sink.(*recorder), ctx: ctx}
		if err := e1.Restore(ctx); err != nil {
			t.Fatal(err)
		}
		h.login("x")
		h.enqueue("q", "c1", 0)
		if o := h.offer(); o.AgentID != "x" || o.CallID != "c1" {
			t.Fatalf("c1: %+v", o)
		}
		h.enqueue("q", "c2", 0)
		if err := e1.Close(); err != nil {
			t.Fatal(err)
		}

		clk.Advance(3 * time.Second)
		rec2 := &recorder{}
		opt.Sink = rec2
		e2, err := New(opt)
		if err != nil {
			t.Fatal(err)
		}
		defer e2.Close()
		h2 := &harness{t: t, clk: clk, e: e2, rec: rec2, ctx: ctx}
		if err := e2.Restore(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := e2.TakeBack(ctx, "c1", "q", "nobody", clk.Now()); !errors.Is(err, ErrUnknownAgent) {
			t.Errorf("take back by an agent not logged in: %v", err)
		}
		waited, err := e2.TakeBack(ctx, "c1", "q", "x", clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		if waited != 3*time.Second {
			t.Errorf("c1 waited %s, want 3s", waited)
		}
		a := h2.state("x")
		if a.State != OnCall || a.CallID != "c1" {
			t.Fatalf("x after the take-back: %+v", a)
		}
		if _, err := e2.TakeBack(ctx, "c1", "q", "x", clk.Now()); err != nil {
			t.Errorf("a second take-back of the same call: %v", err)
		}
		if q := h2.snapshotQueue("q"); len(q.Waiting) != 1 || q.Waiting[0].CallID != "c2" {
			t.Errorf("waiting after the take-back: %+v (want c2 alone: c1 is answered)", q.Waiting)
		}
		e2.Flush()
		agents, entries, err := SQLStore{S: s}.LoadState(ctx, "t1")
		if err != nil {
			t.Fatal(err)
		}
		if len(agents) != 1 || agents[0].State != "on-call" || agents[0].CallID != "c1" || len(entries) != 1 || entries[0].CallID != "c2" {
			t.Errorf("stored: agents %+v, entries %+v", agents, entries)
		}
		// c2 comes back: x is on c1, not offered.
		h2.enqueue("q", "c2", 0)
		if offers := offersIn(rec2.take()); len(offers) != 0 {
			t.Fatalf("x was offered c2 while on c1: %+v", offers)
		}
		clk.Advance(10 * time.Second)
		h2.end("c1")
		h2.wantState("x", WrapUp, "")
		if _, err := e2.TakeBack(ctx, "c2", "q", "x", clk.Now()); !errors.Is(err, ErrBadState) {
			t.Errorf("take back by an agent in wrap-up: %v", err)
		}
	})
}
