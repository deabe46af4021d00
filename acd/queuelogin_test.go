package acd

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/ipcc/ipcc/clock"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// queueLogins maps queue → logged in, from the agent's snapshot.
func (h *harness) queueLogins(agent string) map[string]bool {
	h.t.Helper()
	out := map[string]bool{}
	for _, q := range h.state(agent).Queues {
		out[q.QueueID] = q.LoggedIn
	}
	return out
}

func TestQueueLoginOffersOnlyToLoggedInMembers(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "sales"}, "a", "b")
	h.queue(QueueConfig{ID: "support"}, "a", "b")
	// a logs in first (longest idle) but only to sales; b to everything.
	if err := h.e.Login(h.ctx, LoginRequest{AgentID: "a", Device: "1001", Queues: []string{"sales"}}); err != nil {
		t.Fatal(err)
	}
	h.clk.Advance(time.Second)
	h.login("b")
	if got := h.queueLogins("a"); !got["sales"] || got["support"] {
		t.Fatalf("a's queues %v", got)
	}
	h.rec.take()
	h.enqueue("support", "c1", 0)
	if o := h.offer(); o.AgentID != "b" {
		t.Fatalf("support call offered to %s, who is not logged in to support", o.AgentID)
	}
	// With b busy, a second support call waits although a is available.
	h.enqueue("support", "c2", 0)
	if os := offersIn(h.rec.take()); len(os) != 0 {
		t.Fatalf("offered %+v", os)
	}
	q := h.snapshotQueue("support")
	if q.LoggedIn != 1 || q.Agents["logged-out"] != 1 || q.Agents["ringing"] != 1 || q.EstimatedWait <= 0 {
		t.Fatalf("support snapshot %+v", q)
	}
	// a logs in to support: the waiting call goes to a at once.
	if err := h.e.QueueLogin(h.ctx, "a", "support"); err != nil {
		t.Fatal(err)
	}
	es := h.rec.take()
	if ql := ofType[QueueLogin](es); len(ql) != 1 || !ql[0].LoggedIn || ql[0].QueueID != "support" || ql[0].AgentID != "a" {
		t.Fatalf("queue login effects %+v", ql)
	}
	if os := offersIn(es); len(os) != 1 || os[0].AgentID != "a" || os[0].CallID != "c2" {
		t.Fatalf("after queue login: %+v", os)
	}
}

func TestQueueLogoutKeepsTheOtherQueues(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "sales", LastAgentFirst: true}, "a")
	h.queue(QueueConfig{ID: "support"}, "a")
	h.login("a")
	if err := h.e.QueueLogout(h.ctx, "a", "sales"); err != nil {
		t.Fatal(err)
	}
	h.wantState("a", Available, "")
	if got := h.queueLogins("a"); got["sales"] || !got["support"] {
		t.Fatalf("a's queues %v", got)
	}
	h.rec.take()
	// Not even a caller a served last reaches a through sales.
	if _, err := h.e.Enqueue(h.ctx, CallRequest{CallID: "s1", QueueID: "sales", LastAgentID: "a"}); err != nil {
		t.Fatal(err)
	}
	if os := offersIn(h.rec.take()); len(os) != 0 {
		t.Fatalf("sales call offered %+v", os)
	}
	h.enqueue("support", "p1", 0)
	o := h.offer()
	if o.CallID != "p1" {
		t.Fatalf("offered %+v", o)
	}
	h.answer(o)
	h.end("p1")
	// Back to available: s1 still waits for someone logged in to sales.
	if os := offersIn(h.rec.take()); len(os) != 0 {
		t.Fatalf("offered %+v", os)
	}
	// Repeating a queue logout is harmless; logging in again takes s1.
	if err := h.e.QueueLogout(h.ctx, "a", "sales"); err != nil {
		t.Fatal(err)
	}
	if err := h.e.QueueLogin(h.ctx, "a", "sales"); err != nil {
		t.Fatal(err)
	}
	if o := h.offer(); o.CallID != "s1" || !o.LastAgent {
		t.Fatalf("after queue login %+v", o)
	}
}

func TestQueueLogoutOfTheLastQueue(t *testing.T) {
	h := newHarness(t, Options{})
	target := OverflowTarget{Kind: TargetVoicemail, Value: "box"}
	h.queue(QueueConfig{ID: "q", Limits: QueueLimits{WhenNoAgents: RuleLeave}, Overflow: OverflowTargets{NoAgents: target}}, "a")
	h.login("a")
	h.rec.take()
	// A forced queue login of a queue already logged in changes nothing.
	if err := h.e.ForceQueueLogin(h.ctx, "a", "q", "sup"); err != nil {
		t.Fatal(err)
	}
	if es := h.rec.take(); len(es) != 0 {
		t.Fatalf("effects %+v", es)
	}
	if err := h.e.ForceQueueLogout(h.ctx, "a", "q", "sup"); err != nil {
		t.Fatal(err)
	}
	es := h.rec.take()
	if ql := ofType[QueueLogin](es); len(ql) != 1 || ql[0].LoggedIn || ql[0].By != "sup" {
		t.Fatalf("effects %+v", es)
	}
	// Still logged in, with no queue: the queue has nobody and refuses.
	h.wantState("a", Available, "")
	res := h.enqueue("q", "c1", 0)
	if res.Joined || res.Overflow == nil || res.Overflow.Reason != OverflowNoAgents {
		t.Fatalf("enqueue %+v", res)
	}
	if err := h.e.QueueLogin(h.ctx, "a", "q"); err != nil {
		t.Fatal(err)
	}
	if res := h.enqueue("q", "c2", 0); !res.Joined {
		t.Fatalf("enqueue after queue login %+v", res)
	}
	h.answer(h.offer())
	// A waiting caller is sent away by the leave rule when the last agent
	// logs out of the queue, even while on a call of that queue.
	h.enqueue("q", "c3", 0)
	if err := h.e.QueueLogout(h.ctx, "a", "q"); err != nil {
		t.Fatal(err)
	}
	if ov := ofType[Overflow](h.rec.take()); len(ov) != 1 || ov[0].CallID != "c3" {
		t.Fatalf("overflow %+v", ov)
	}
	h.wantState("a", OnCall, "")
}

func TestQueueLoginErrors(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "sales"}, "a")
	h.queue(QueueConfig{ID: "other"}, "b")
	for _, tc := range []struct {
		name string
		err  error
		want error
	}{
		{"logged-out agent", h.e.QueueLogout(h.ctx, "a", "sales"), ErrUnknownAgent},
		{"login to a queue that is not the agent's", h.e.Login(h.ctx, LoginRequest{AgentID: "a", Queues: []string{"sales", "other"}}), ErrNotMember},
		{"login to an unknown queue", h.e.Login(h.ctx, LoginRequest{AgentID: "a", Queues: []string{"nope"}}), ErrUnknownQueue},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, tc.err, tc.want)
		}
	}
	h.wantState("a", LoggedOut, "")
	h.login("a")
	if err := h.e.QueueLogin(h.ctx, "a", "other"); !errors.Is(err, ErrNotMember) {
		t.Fatalf("queue login to another's queue: %v", err)
	}
	if err := h.e.QueueLogout(h.ctx, "a", "nope"); !errors.Is(err, ErrUnknownQueue) {
		t.Fatalf("queue logout of an unknown queue: %v", err)
	}
}

// A full logout forgets the per-queue choices: the next login chooses
// again (all queues by default). A membership added meanwhile starts
// logged in; a changed one keeps its choice.
func TestQueueLoginAcrossLoginsAndConfigChanges(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q1"}, "a")
	h.queue(QueueConfig{ID: "q2"}, "a")
	h.queue(QueueConfig{ID: "q3"})
	if err := h.e.Login(h.ctx, LoginRequest{AgentID: "a", Queues: []string{"q2"}}); err != nil {
		t.Fatal(err)
	}
	h.members("q1", Member{AgentID: "a", Level: 5})
	h.members("q3", Member{AgentID: "a", Level: 1})
	if got := h.queueLogins("a"); got["q1"] || !got["q2"] || !got["q3"] {
		t.Fatalf("after config change %v", got)
	}
	if err := h.e.Logout(h.ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if got := h.queueLogins("a"); got["q1"] || got["q2"] || got["q3"] {
		t.Fatalf("logged out %v", got)
	}
	h.login("a")
	if got := h.queueLogins("a"); !got["q1"] || !got["q2"] || !got["q3"] {
		t.Fatalf("login to all %v", got)
	}
}

// An agent logged out of a queue does not count toward that queue's
// break cap.
func TestQueueLogoutAndBreakCap(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", BreakCap: 1}, "a", "b")
	h.login("a", "b")
	if _, err := h.e.NotReady(h.ctx, "a", ReasonBreak); err != nil {
		t.Fatal(err)
	}
	res, err := h.e.NotReady(h.ctx, "b", ReasonBreak)
	if err != nil || res.Queued != 1 {
		t.Fatalf("b's break %+v %v", res, err)
	}
	if err := h.e.QueueLogout(h.ctx, "a", "q"); err != nil {
		t.Fatal(err)
	}
	h.wantState("b", NotReady, ReasonBreak)
}

func TestQueueLoginSurvivesRestart(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, q := range []string{"sales", "support", "vip"} {
			row, err := QueueRow("t1", QueueConfig{ID: q, Name: q, Strategy: LongestIdle})
			if err != nil {
				t.Fatal(err)
			}
			if err := s.CreateACDQueue(ctx, row); err != nil {
				t.Fatal(err)
			}
			for _, a := range []string{"a", "b"} {
				if err := s.PutACDMember(ctx, &store.ACDMember{TenantID: "t1", QueueID: q, AgentID: a, Level: 1}); err != nil {
					t.Fatal(err)
				}
			}
		}
		clk := clock.NewFake(t0)
		rec := &recorder{}
		opt := Options{Tenant: "t1", Clock: clk, Sink: rec, Store: SQLStore{S: s}, Logger: quiet, Seed: 1}
		e1, err := New(opt)
		if err != nil {
			t.Fatal(err)
		}
		if err := e1.Restore(ctx); err != nil {
			t.Fatal(err)
		}
		if err := e1.Login(ctx, LoginRequest{AgentID: "a", Device: "1001", Queues: []string{"sales", "vip"}}); err != nil {
			t.Fatal(err)
		}
		if err := e1.Login(ctx, LoginRequest{AgentID: "b", Device: "1002"}); err != nil {
			t.Fatal(err)
		}
		if err := e1.QueueLogout(ctx, "b", "vip"); err != nil {
			t.Fatal(err)
		}
		if err := e1.QueueLogout(ctx, "a", "vip"); err != nil {
			t.Fatal(err)
		}
		if err := e1.Close(); err != nil {
			t.Fatal(err)
		}

		clk.Advance(10 * time.Second)
		rec2 := &recorder{}
		opt.Sink = rec2
		e2, err := New(opt)
		if err != nil {
			t.Fatal(err)
		}
		defer e2.Close()
		h := &harness{t: t, clk: clk, e: e2, rec: rec2, ctx: ctx}
		if err := e2.Restore(ctx); err != nil {
			t.Fatal(err)
		}
		want := map[string]map[string]bool{
			"a": {"sales": true, "support": false, "vip": false},
			"b": {"sales": true, "support": true, "vip": false},
		}
		for agent, w := range want {
			if got := h.queueLogins(agent); !mapsEqual(got, w) {
				t.Fatalf("%s after restart: %v, want %v", agent, got, w)
			}
		}
		// vip has nobody; support only b.
		h.enqueue("vip", "v1", 0)
		if os := offersIn(rec2.take()); len(os) != 0 {
			t.Fatalf("vip call offered %+v", os)
		}
		h.enqueue("support", "p1", 0)
		if o := h.offer(); o.AgentID != "b" {
			t.Fatalf("support call offered to %s", o.AgentID)
		}
		snap, _ := e2.Snapshot(ctx)
		i := slices.IndexFunc(snap.Queues, func(q QueueSnapshot) bool { return q.ID == "vip" })
		if snap.Queues[i].LoggedIn != 0 || snap.Queues[i].Agents["logged-out"] != 2 {
			t.Fatalf("vip after restart %+v", snap.Queues[i])
		}
	})
}

func mapsEqual(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}
