package campaign_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/campaign"
	"github.com/ipcc/ipcc/clock"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

type cbEvents struct {
	mu  sync.Mutex
	evs []string
}

func (e *cbEvents) Publish(ev dispatch.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.evs = append(e.evs, ev.Type+" "+ev.Tenant+"/"+ev.Agent+" "+ev.Target+" "+ev.Reason)
}

func (e *cbEvents) take() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := e.evs
	e.evs = nil
	slices.Sort(out)
	return out
}

// The scheduler tells the owner when a call-back is due, the queue's agents
// when the owner's grace period has passed or the queue owns it, each
// once; a standby controller sends nothing; Run stops with its context.
func TestCallbackScheduler(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		clk := clock.NewFake(t0)
		for _, m := range []store.ACDMember{{TenantID: "a", QueueID: "q", AgentID: "ag1"}, {TenantID: "a", QueueID: "q", AgentID: "ag2"}} {
			if err := s.PutACDMember(ctx, &m); err != nil {
				t.Fatal(err)
			}
		}
		at := func(m int) *time.Time { v := t0.Add(time.Duration(m) * time.Minute); return &v }
		for _, c := range []store.CallbackWork{
			{TenantID: "a", ID: "mine", QueueID: "q", Number: "1", DueAt: at(1), OwnerAgent: "ag1", OwnerUntil: at(16)},
			{TenantID: "a", ID: "queue", QueueID: "q", Number: "2", DueAt: at(2)},
		} {
			c.CallID = "call-" + c.ID
			if err := s.CreateCallback(ctx, &c); err != nil {
				t.Fatal(err)
			}
		}
		ev := &cbEvents{}
		active := true
		var mu sync.Mutex
		sch := campaign.NewCallbackScheduler(campaign.CallbackOptions{Store: s, Events: ev, Clock: clk, Logger: quiet, Interval: 30 * time.Second,
			Active: func() bool { mu.Lock(); defer mu.Unlock(); return active }})
		if n := sch.Tick(ctx); n != 0 || len(ev.take()) != 0 {
			t.Fatalf("nothing due yet: %d", n)
		}
		clk.Advance(90 * time.Second)
		if n := sch.Tick(ctx); n != 1 {
			t.Fatalf("due at +1m: %d", n)
		}
		if got := ev.take(); !slices.Equal(got, []string{"callback_due a/ag1 mine due"}) {
			t.Fatalf("events %v", got)
		}
		if n := sch.Tick(ctx); n != 0 || len(ev.take()) != 0 {
			t.Fatal("notified twice")
		}
		// A standby sends nothing.
		mu.Lock()
		active = false
		mu.Unlock()
		clk.Advance(time.Minute)
		if n := sch.Tick(ctx); n != 0 || len(ev.take()) != 0 {
			t.Fatal("standby notified")
		}
		mu.Lock()
		active = true
		mu.Unlock()
		if n := sch.Tick(ctx); n != 1 {
			t.Fatalf("queue's due: %d", n)
		}
		if got := ev.take(); !slices.Equal(got, []string{"callback_due a/ag1 queue due", "callback_due a/ag2 queue due"}) {
			t.Fatalf("events %v", got)
		}
		// Run: the owner's grace period ends at +16m; the queue hears of it.
		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { _ = sch.Run(runCtx); close(done) }()
		// Step the clock a tick at a time: each step waits for Run to have
		// re-armed its timer (after its Tick), so no tick is skipped.
		var got []string
		for i := 0; i < 40 && len(got) < 2; i++ {
			bctx, bcancel := context.WithTimeout(ctx, 5*time.Second)
			if err := clk.BlockUntilContext(bctx, 1); err != nil {
				t.Fatal("Run did not arm its timer")
			}
			bcancel()
			if i > 0 {
				got = append(got, ev.take()...)
			}
			clk.Advance(30 * time.Second)
		}
		slices.Sort(got)
		if !slices.Equal(got, []string{"callback_due a/ag1 mine overdue", "callback_due a/ag2 mine overdue"}) {
			t.Fatalf("overdue events %v", got)
		}
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not stop")
		}
	})
}
