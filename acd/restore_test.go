package acd

import (
	"context"
	"testing"
	"time"

	"github.com/ipcc/ipcc/clock"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func TestRestartFromStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		cfg := QueueConfig{ID: "q", Name: "Queue", Strategy: LongestIdle, WrapUp: Duration(time.Minute)}
		row, err := QueueRow("t1", cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.CreateACDQueue(ctx, row); err != nil {
			t.Fatal(err)
		}
		for i, a := range []string{"a", "b", "c", "d"} {
			if err := s.PutACDMember(ctx, &store.ACDMember{TenantID: "t1", QueueID: "q", AgentID: a, Level: 1, Position: i}); err != nil {
				t.Fatal(err)
			}
		}
		clk := clock.NewFake(t0)
		rec := &recorder{}
		opt := Options{Tenant: "t1", Clock: clk, Sink: rec, Store: SQLStore{S: s}, Logger: quiet, Seed: 1}
		e1, err := New(opt)
		if err != nil {
			t.Fatal(err)
		}
		h := &harness{t: t, clk: clk, e: e1, rec: rec, ctx: ctx}
		if err := e1.Restore(ctx); err != nil {
			t.Fatal(err)
		}
		for _, a := range []string{"a", "c", "b"} {
			h.login(a)
			clk.Advance(time.Second)
		}
		if _, err := e1.NotReady(ctx, "b", ReasonLunch); err != nil {
			t.Fatal(err)
		}
		h.enqueue("q", "c1", 0)
		if o := h.offer(); o.AgentID != "a" {
			t.Fatalf("c1 offered to %s", o.AgentID)
		} else {
			h.answer(o)
		}
		h.enqueue("q", "c2", 0)
		h.answer(h.offer()) // c
		clk.Advance(30 * time.Second)
		h.end("c2") // c in wrap-up until +60s
		clk.Advance(20 * time.Second)
		h.login("d")
		if _, err := e1.Enqueue(ctx, CallRequest{CallID: "c3", QueueID: "q", Caller: "555", Data: map[string]string{"account": "42"}}); err != nil {
			t.Fatal(err)
		}
		if o := h.offer(); o.AgentID != "d" {
			t.Fatalf("c3 offered to %s", o.AgentID)
		}
		h.enqueue("q", "c4", 0)
		clk.Advance(time.Second)
		h.enqueue("q", "c5", 7)
		h.enqueue("q", "cb", 0)
		if err := e1.CallerRequest(ctx, "cb", RequestCallback, "13800138000"); err != nil {
			t.Fatal(err)
		}
		before, _ := e1.Snapshot(ctx)
		if err := e1.Close(); err != nil {
			t.Fatal(err)
		}

		// A new process, ten seconds later.
		clk.Advance(10 * time.Second)
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
		h2.wantState("a", OnCall, "")
		if st := h2.state("a"); st.CallID != "c1" || st.CallsToday != 1 {
			t.Fatalf("a after restart %+v", st)
		}
		h2.wantState("b", NotReady, ReasonLunch)
		h2.wantState("c", WrapUp, "")
		// d was ringing: the offer died with the process, d is available.
		// The waiting callers keep their order but nobody is offered until
		// their calls are taken back (re-adopted) by this process.
		h2.wantState("d", Available, "")
		if offers := offersIn(rec2.take()); len(offers) != 0 {
			t.Fatalf("a restored caller was offered before their call was back: %+v", offers)
		}
		q := h2.snapshotQueue("q")
		if len(q.Waiting) != 3 || q.Waiting[0].CallID != "c5" || q.Waiting[1].CallID != "c3" || q.Waiting[2].CallID != "c4" || q.Waiting[2].Position != 3 {
			t.Fatalf("waiting after restore %+v", q.Waiting)
		}
		// c4 comes back first: it keeps its place behind c3 and c5.
		if _, err := e2.NotReady(ctx, "d", ReasonBreak); err != nil {
			t.Fatal(err)
		}
		res, err := e2.Enqueue(ctx, CallRequest{CallID: "c4", QueueID: "q"})
		if err != nil || !res.Joined || res.Position != 3 || res.QueueID != "q" {
			t.Fatalf("c4 taken back: %+v %v", res, err)
		}
		// c4 waits for the callers ahead of it (c5, c3) while the
		// restore's grace lasts: they may be taken back any moment.
		if err := e2.Ready(ctx, "d"); err != nil {
			t.Fatal(err)
		}
		if offers := offersIn(rec2.take()); len(offers) != 0 {
			t.Fatalf("c4 was offered ahead of restored callers not back yet: %+v", offers)
		}
		// Past the grace, d is offered the first caller back (c4): c5 and
		// c3 cannot be connected yet.
		clk.Advance(ReattachGrace)
		o := h2.offer()
		if o.AgentID != "d" || o.CallID != "c4" {
			t.Fatalf("after c4 came back: %+v", o)
		}
		// d's phone rejects it: d goes not-ready, c4 waits again.
		if err := e2.OfferFailed(ctx, o.OfferID, "CALL_REJECTED"); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"c3", "c5"} {
			if res, err := e2.Enqueue(ctx, CallRequest{CallID: id, QueueID: "q", Caller: "555"}); err != nil || !res.Joined {
				t.Fatalf("%s taken back: %+v %v", id, res, err)
			}
		}
		if err := e2.Ready(ctx, "d"); err != nil {
			t.Fatal(err)
		}
		// Now the best waiting call (c5, the VIP) goes first.
		o = h2.offer()
		if o.AgentID != "d" || o.CallID != "c5" {
			t.Fatalf("after all came back: %+v", o)
		}
		q = h2.snapshotQueue("q")
		if len(q.Waiting) != 3 || q.Waiting[1].CallID != "c3" || q.Waiting[2].CallID != "c4" || q.Waiting[1].Data["account"] != "42" {
			t.Fatalf("waiting after restart %+v", q.Waiting)
		}
		var c3Before time.Duration
		for _, w := range before.Queues[0].Waiting {
			if w.CallID == "c3" {
				c3Before = w.Waited.D()
			}
		}
		if q.Waiting[1].Waited.D() != c3Before+10*time.Second+ReattachGrace {
			t.Fatalf("c3 waited %v, before the restart %v", q.Waiting[1].Waited, c3Before)
		}
		// c's wrap-up resumes with the time left (60s - 20s - 11s = 29s,
		// of which ReattachGrace went by above).
		clk.Advance(28*time.Second - ReattachGrace)
		h2.wantState("c", WrapUp, "")
		clk.Advance(time.Second)
		h2.wantState("c", Ringing, "")
		// The call a was on still ends normally.
		h2.end("c1")
		h2.wantState("a", WrapUp, "")
		// A configuration change through the store reaches the running
		// engine with ReloadConfig; states and waiting calls stay.
		row2, _ := QueueRow("t1", QueueConfig{ID: "vip", Name: "VIP", Strategy: RingAll})
		if err := s.CreateACDQueue(ctx, row2); err != nil {
			t.Fatal(err)
		}
		if err := s.PutACDMember(ctx, &store.ACDMember{TenantID: "t1", QueueID: "vip", AgentID: "b", Level: 9}); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteACDMember(ctx, "t1", "q", "d"); err != nil {
			t.Fatal(err)
		}
		if err := e2.ReloadConfig(ctx); err != nil {
			t.Fatal(err)
		}
		snap, _ := e2.Snapshot(ctx)
		if len(snap.Queues) != 2 || snap.Queues[0].Members != 3 || snap.Queues[1].ID != "vip" || len(snap.Queues[0].Waiting) != 3 {
			t.Fatalf("after reload %+v", snap.Queues)
		}
		h2.wantState("b", NotReady, ReasonLunch)
		e2.Flush()
		if cbs, err := s.ListACDCallbacks(ctx, "t1", "pending"); err != nil || len(cbs) != 1 || cbs[0].Number != "13800138000" || cbs[0].QueueID != "q" {
			t.Fatalf("stored callbacks %+v %v", cbs, err)
		}
		log, err := s.ListACDAgentLog(ctx, "t1", "a", t0, 100)
		if err != nil || len(log) < 4 {
			t.Fatalf("log of a: %+v %v", log, err)
		}
	})
}

// restartWith runs a first engine on the store that queues calls (no agent
// ready), closes it, and restores a second one at+10s; it returns the
// second engine's harness.
func restartWith(t *testing.T, s *store.Store, cfg QueueConfig, calls ...string) *harness {
	t.Helper()
	reqs := make([]CallRequest, len(calls))
	for i, c := range calls {
		reqs[i] = CallRequest{CallID: c, QueueID: cfg.ID}
	}
	return restartWithRequests(t, s, cfg, reqs...)
}

// restartWithRequests is restartWith with whole requests.
func restartWithRequests(t *testing.T, s *store.Store, cfg QueueConfig, reqs ...CallRequest) *harness {
	t.Helper()
	ctx := context.Background()
	row, err := QueueRow("t1", cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateACDQueue(ctx, row); err != nil {
		t.Fatal(err)
	}
	if err := s.PutACDMember(ctx, &store.ACDMember{TenantID: "t1", QueueID: cfg.ID, AgentID: "a", Level: 1}); err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(t0)
	opt := Options{Tenant: "t1", Clock: clk, Sink: &recorder{}, Store: SQLStore{S: s}, Logger: quiet, Seed: 1}
	e1, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	if err := e1.Restore(ctx); err != nil {
		t.Fatal(err)
	}
	if err := e1.Login(ctx, LoginRequest{AgentID: "a", Device: "sip:a", NotReady: ReasonBreak}); err != nil {
		t.Fatal(err)
	}
	for _, r := range reqs {
		if _, err := e1.Enqueue(ctx, r); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Second)
	}
	if err := e1.Close(); err != nil {
		t.Fatal(err)
	}
	clk.Advance(10 * time.Second)
	rec := &recorder{}
	opt.Sink = rec
	e2, err := New(opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e2.Close() })
	if err := e2.Restore(ctx); err != nil {
		t.Fatal(err)
	}
	return &harness{t: t, clk: clk, e: e2, rec: rec, ctx: ctx}
}

// A restored caller whose call is not taken back within ReattachWithin is
// dropped (not counted as abandoned); taken back later, the call finds its
// place by its queue entry time.
func TestRestoredCallerNotTakenBackIsDropped(t *testing.T) {
	s := storetest.Open(t, store.SQLite)
	h := restartWith(t, s, QueueConfig{ID: "q", Name: "Q", Strategy: LongestIdle}, "c1", "c2")
	if q := h.snapshotQueue("q"); len(q.Waiting) != 2 {
		t.Fatalf("restored %+v", q.Waiting)
	}
	if _, err := h.e.Enqueue(h.ctx, CallRequest{CallID: "c2", QueueID: "q"}); err != nil {
		t.Fatal(err)
	}
	h.clk.Advance(ReattachWithin)
	q := h.snapshotQueue("q")
	if len(q.Waiting) != 1 || q.Waiting[0].CallID != "c2" || q.Abandoned != 0 {
		t.Fatalf("after the grace: %+v (abandoned %d)", q.Waiting, q.Abandoned)
	}
	// c1's call comes back late, with its queue entry time (t0): it is
	// placed before c2, which joined a second later.
	res, err := h.e.Enqueue(h.ctx, CallRequest{CallID: "c1", QueueID: "q", EnqueuedAt: t0})
	if err != nil || res.Position != 1 {
		t.Fatalf("c1 back late: %+v %v", res, err)
	}
	q = h.snapshotQueue("q")
	if q.Waiting[0].CallID != "c1" || q.Waiting[0].Waited.D() != ReattachWithin+12*time.Second {
		t.Fatalf("after c1 came back: %+v", q.Waiting)
	}
}

// A restored caller whose maximum wait passes before their call is taken
// back overflows when it is.
func TestRestoredCallerPastMaxWaitOverflowsWhenTakenBack(t *testing.T) {
	s := storetest.Open(t, store.SQLite)
	cfg := QueueConfig{ID: "q", Name: "Q", Strategy: LongestIdle, Limits: QueueLimits{MaxWait: Duration(20 * time.Second)},
		Overflow: OverflowTargets{MaxWait: OverflowTarget{Kind: TargetVoicemail, Value: "q"}}}
	h := restartWith(t, s, cfg, "c1")
	h.clk.Advance(15 * time.Second) // 25s since c1 joined
	if q := h.snapshotQueue("q"); len(q.Waiting) != 1 {
		t.Fatalf("c1 dropped before its call was back: %+v", q.Waiting)
	}
	res, err := h.e.Enqueue(h.ctx, CallRequest{CallID: "c1", QueueID: "q"})
	if err != nil {
		t.Fatal(err)
	}
	ovs := ofType[Overflow](h.rec.take())
	if len(ovs) != 1 || ovs[0].Reason != OverflowMaxWait || ovs[0].CallID != "c1" {
		t.Fatalf("taken back past its max wait: %+v %+v", res, ovs)
	}
}

// A waiting caller's language is kept over a restart: taken back by a call
// that does not know it any more, the caller still hears English.
func TestRestoredCallerKeepsTheirLanguage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		cfg := QueueConfig{ID: "q", Name: "Q", Strategy: LongestIdle, Announcements: Announcements{Lang: "zh-CN", Position: true}}
		h := restartWithRequests(t, s, cfg, CallRequest{CallID: "c1", QueueID: "q", Lang: "en"})
		if _, err := h.e.Enqueue(h.ctx, CallRequest{CallID: "c1", QueueID: "q"}); err != nil {
			t.Fatal(err)
		}
		anns := ofType[Announce](h.rec.take())
		if len(anns) != 1 || anns[0].Prompt.Lang != "en" || anns[0].Prompt.Render() != "You are number 1 in the queue." {
			t.Fatalf("announcements after the restart: %+v", anns)
		}
	})
}

// An agent the previous process was ringing for a waiting caller is not
// offered another call until that caller is taken back (which withdraws
// the ring still up on the switch), even when a caller ahead of everyone
// is back already: their phone would ring for two calls.
func TestRestoredRingingAgentHeldUntilTheirCallIsBack(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		row, err := QueueRow("t1", QueueConfig{ID: "q", Name: "Queue", Strategy: LongestIdle})
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
		rec := &recorder{}
		opt := Options{Tenant: "t1", Clock: clk, Sink: rec, Store: SQLStore{S: s}, Logger: quiet, Seed: 1}
		e1, err := New(opt)
		if err != nil {
			t.Fatal(err)
		}
		h := &harness{t: t, clk: clk, e: e1, rec: rec, ctx: ctx}
		if err := e1.Restore(ctx); err != nil {
			t.Fatal(err)
		}
		h.login("x")
		h.enqueue("q", "c1", 0)
		if o := h.offer(); o.AgentID != "x" || o.CallID != "c1" {
			t.Fatalf("c1: %+v", o)
		}
		clk.Advance(time.Second)
		h.enqueue("q", "vip", 5) // waits: x rings for c1
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
		h2.wantState("x", Available, "")
		// The VIP, ahead of c1, is taken back first: x's phone may still
		// ring for c1, so x is not offered the VIP yet.
		h2.enqueue("q", "vip", 5)
		if offers := offersIn(rec2.take()); len(offers) != 0 {
			t.Fatalf("x was offered a call while held for c1: %+v", offers)
		}
		// c1 taken back (its old ring withdrawn by the caller's handler):
		// x is offered the best caller, the VIP.
		h2.enqueue("q", "c1", 0)
		if o := h2.offer(); o.AgentID != "x" || o.CallID != "vip" {
			t.Fatalf("after c1 came back: %+v", o)
		}
	})
}
