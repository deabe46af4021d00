package acd

import (
	"errors"
	"testing"
	"time"
)

func TestOverflowQueueFull(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", Limits: QueueLimits{MaxLength: 2}, Overflow: OverflowTargets{QueueFull: OverflowTarget{Kind: TargetNumber, Value: "+8610123"}}}, "a")
	h.login("a")
	h.enqueue("q", "c1", 0) // ringing a: counts toward the length
	h.enqueue("q", "c2", 0)
	res := h.enqueue("q", "c3", 0)
	if res.Joined || res.Overflow == nil || res.Overflow.Reason != OverflowQueueFull || res.Overflow.Target.Value != "+8610123" {
		t.Fatalf("third call: %+v", res)
	}
	if ov := ofType[Overflow](h.rec.take()); len(ov) != 1 || ov[0].CallID != "c3" {
		t.Fatalf("overflow effects %+v", ov)
	}
	// c3 is not in the queue: ending it is unknown.
	if err := h.e.CallEnded(h.ctx, "c3"); !errors.Is(err, ErrUnknownCall) {
		t.Fatalf("end of a refused call: %v", err)
	}
}

func TestOverflowMaxWaitToAnotherQueue(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", Limits: QueueLimits{MaxWait: Duration(time.Minute)}, Overflow: OverflowTargets{MaxWait: OverflowTarget{Kind: TargetQueue, Value: "backup"}}}, "a")
	h.queue(QueueConfig{ID: "backup"}, "b")
	h.login("a")
	h.enqueue("q", "busy", 0)
	h.answer(h.offer())
	h.enqueue("q", "c1", 0)
	h.clk.Advance(59 * time.Second)
	if ov := ofType[Overflow](h.rec.take()); len(ov) != 0 {
		t.Fatalf("early overflow %+v", ov)
	}
	h.clk.Advance(time.Second)
	ov := ofType[Overflow](h.rec.take())
	if len(ov) != 1 || ov[0].Reason != OverflowMaxWait || !ov[0].Moved || ov[0].Waited != time.Minute {
		t.Fatalf("max-wait overflow %+v", ov)
	}
	if q := h.snapshotQueue("backup"); len(q.Waiting) != 1 || q.Waiting[0].CallID != "c1" {
		t.Fatalf("backup queue %+v", q.Waiting)
	}
	h.login("b")
	if o := h.offer(); o.AgentID != "b" || o.QueueID != "backup" {
		t.Fatalf("backup offer %+v", o)
	}
}

func TestOverflowMaxWaitWhileRingingWaitsForTheOutcome(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", RingTimeout: Duration(20 * time.Second), Limits: QueueLimits{MaxWait: Duration(10 * time.Second)},
		Overflow: OverflowTargets{MaxWait: OverflowTarget{Kind: TargetVoicemail, Value: "box1"}}}, "a")
	h.login("a")
	h.enqueue("q", "c1", 0)
	h.rec.take()
	h.clk.Advance(10 * time.Second)
	if ov := ofType[Overflow](h.rec.take()); len(ov) != 0 {
		t.Fatalf("overflow while ringing %+v", ov)
	}
	h.clk.Advance(10 * time.Second) // no answer: now it overflows instead of waiting again
	ov := ofType[Overflow](h.rec.take())
	if len(ov) != 1 || ov[0].Target.Kind != TargetVoicemail || ov[0].Moved {
		t.Fatalf("overflow %+v", ov)
	}
}

func TestOverflowNoAgentsRules(t *testing.T) {
	target := OverflowTarget{Kind: TargetFlow, Value: "after-hours"}
	// refuse: nobody logged in, the caller does not join.
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", Limits: QueueLimits{WhenNoAgents: RuleRefuse}, Overflow: OverflowTargets{NoAgents: target}}, "a")
	res := h.enqueue("q", "c1", 0)
	if res.Joined || res.Overflow.Reason != OverflowNoAgents || res.Overflow.Target != target {
		t.Fatalf("refuse: %+v", res)
	}
	// join (default): the caller waits for someone to log in.
	h.queue(QueueConfig{ID: "j"}, "a")
	if res := h.enqueue("j", "c2", 0); !res.Joined || res.EstimatedWait != -1 {
		t.Fatalf("join: %+v", res)
	}
	// leave: waiting callers go when the last agent logs out.
	h.queue(QueueConfig{ID: "l", Limits: QueueLimits{WhenNoAgents: RuleLeave}, Overflow: OverflowTargets{NoAgents: target}}, "b")
	h.login("b")
	h.enqueue("l", "x", 0)
	h.answer(h.offer())
	h.enqueue("l", "w1", 0)
	h.enqueue("l", "w2", 0)
	if err := h.e.Logout(h.ctx, "b"); err != nil { // pending: b is on a call
		t.Fatal(err)
	}
	h.rec.take()
	h.end("x")
	ov := ofType[Overflow](h.rec.take())
	if len(ov) != 2 || ov[0].CallID != "w1" || ov[1].CallID != "w2" || ov[0].Reason != OverflowNoAgents {
		t.Fatalf("leave: %+v", ov)
	}
}

func TestOverflowAllOnBreakRules(t *testing.T) {
	target := OverflowTarget{Kind: TargetHangup}
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", Limits: QueueLimits{WhenAllOnBreak: RuleRefuse}, Overflow: OverflowTargets{AllOnBreak: target}}, "a", "b")
	h.login("a", "b")
	if _, err := h.e.NotReady(h.ctx, "a", ReasonLunch); err != nil {
		t.Fatal(err)
	}
	if res := h.enqueue("q", "c1", 0); !res.Joined {
		t.Fatalf("one agent still working: %+v", res)
	}
	h.answer(h.offer())
	h.end("c1")
	if _, err := h.e.NotReady(h.ctx, "b", ReasonBreak); err != nil {
		t.Fatal(err)
	}
	res := h.enqueue("q", "c2", 0)
	if res.Joined || res.Overflow.Reason != OverflowAllOnBreak {
		t.Fatalf("all on break: %+v", res)
	}
	// leave: the waiting callers go when the last one takes a break.
	h.queue(QueueConfig{ID: "l", Limits: QueueLimits{WhenAllOnBreak: RuleLeave}, Overflow: OverflowTargets{AllOnBreak: target}}, "x")
	h.login("x")
	h.enqueue("l", "busy", 0)
	h.answer(h.offer())
	h.enqueue("l", "w1", 0)
	h.end("busy")
	h.rec.take()
	// x is offered w1 now; not-ready while ringing withdraws the offer.
	if _, err := h.e.NotReady(h.ctx, "x", ReasonTraining); err != nil {
		t.Fatal(err)
	}
	ov := ofType[Overflow](h.rec.take())
	if len(ov) != 1 || ov[0].CallID != "w1" || ov[0].Reason != OverflowAllOnBreak {
		t.Fatalf("leave on break: %+v", ov)
	}
}

func TestOverflowQueueLoopIsBounded(t *testing.T) {
	h := newHarness(t, Options{})
	full := QueueLimits{MaxLength: 1}
	h.queue(QueueConfig{ID: "p", Limits: full, Overflow: OverflowTargets{QueueFull: OverflowTarget{Kind: TargetQueue, Value: "r"}}})
	h.queue(QueueConfig{ID: "r", Limits: full, Overflow: OverflowTargets{QueueFull: OverflowTarget{Kind: TargetQueue, Value: "p"}}})
	h.enqueue("p", "c1", 0)
	h.enqueue("r", "c2", 0)
	res := h.enqueue("p", "c3", 0)
	ov := ofType[Overflow](h.rec.take())
	if len(ov) != maxHops+1 || ov[len(ov)-1].Moved || res.Overflow == nil {
		t.Fatalf("%d overflows, last %+v", len(ov), ov[len(ov)-1])
	}
}

func TestCallerVoicemailAndCallback(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", Overflow: OverflowTargets{Voicemail: OverflowTarget{Kind: TargetVoicemail, Value: "sales-box"}}}, "a")
	h.login("a")
	h.enqueue("q", "busy", 0)
	h.answer(h.offer())
	h.enqueue("q", "vm", 0)
	h.enqueue("q", "cb", 3)
	if err := h.e.CallerRequest(h.ctx, "vm", RequestVoicemail, ""); err != nil {
		t.Fatal(err)
	}
	if err := h.e.CallerRequest(h.ctx, "cb", RequestCallback, "13800138000"); err != nil {
		t.Fatal(err)
	}
	es := h.rec.take()
	ov := ofType[Overflow](es)
	if len(ov) != 1 || ov[0].Reason != OverflowVoicemail || ov[0].Target.Value != "sales-box" {
		t.Fatalf("voicemail %+v", ov)
	}
	cb := ofType[CallbackRequested](es)
	if len(cb) != 1 || cb[0].Callback.Number != "13800138000" || cb[0].Callback.Priority != 3 {
		t.Fatalf("callback %+v", cb)
	}
	q := h.snapshotQueue("q")
	if len(q.Waiting) != 0 || q.Callbacks != 1 || q.Overflowed != 1 {
		t.Fatalf("queue after requests %+v", q)
	}
	if err := h.e.CallerRequest(h.ctx, "busy", RequestCallback, ""); !errors.Is(err, ErrUnknownCall) {
		t.Fatalf("request on an answered call: %v", err)
	}
}

func TestAbandonFreesRingingAgentAndCounts(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", ServiceLevel: Duration(20 * time.Second)}, "a")
	h.login("a")
	h.enqueue("q", "c1", 0)
	o := h.offer()
	h.end("c1") // caller hangs up while a rings
	es := h.rec.take()
	if c := ofType[CancelOffer](es); len(c) != 1 || c[0].OfferID != o.OfferID || c[0].Reason != "caller-left" {
		t.Fatalf("cancel %+v", es)
	}
	h.wantState("a", Available, "")
	h.enqueue("q", "c2", 0)
	h.answer(h.offer())
	h.enqueue("q", "c3", 0)
	h.clk.Advance(30 * time.Second)
	h.end("c3")
	h.end("c2")
	h.enqueue("q", "c4", 0)
	h.answer(h.offer())
	q := h.snapshotQueue("q")
	// Answered 2 (both at once), abandoned 2 (one within 20s, one after):
	// SL = 2 / (2 + 1).
	if q.Answered != 2 || q.Abandoned != 2 || q.ServiceLevel < 0.66 || q.ServiceLevel > 0.67 {
		t.Fatalf("stats %+v", q)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	base := func() QueueConfig { return QueueConfig{ID: "sales", Name: "Sales", Strategy: RingAll} }
	for _, tc := range []struct {
		field string
		mod   func(*QueueConfig)
	}{
		{"id", func(q *QueueConfig) { q.ID = "bad id" }},
		{"name", func(q *QueueConfig) { q.Name = " " }},
		{"strategy", func(q *QueueConfig) { q.Strategy = "lottery" }},
		{"ring_timeout_ms", func(q *QueueConfig) { q.RingTimeout = Duration(-time.Second) }},
		{"announcements.position_interval_ms", func(q *QueueConfig) {
			q.Announcements.Position, q.Announcements.PositionInterval = true, Duration(time.Second)
		}},
		{"announcements.lang", func(q *QueueConfig) { q.Announcements.Lang = "fr" }},
		{"limits.max_length", func(q *QueueConfig) { q.Limits.MaxLength = -1 }},
		{"limits.when_no_agents", func(q *QueueConfig) { q.Limits.WhenNoAgents = "maybe" }},
		{"break_mode", func(q *QueueConfig) { q.BreakMode = "sometimes" }},
		{"overflow.queue_full.value", func(q *QueueConfig) { q.Overflow.QueueFull = OverflowTarget{Kind: TargetQueue, Value: "sales"} }},
		{"overflow.max_wait.value", func(q *QueueConfig) { q.Overflow.MaxWait = OverflowTarget{Kind: TargetNumber, Value: "call me"} }},
		{"overflow.no_agents.kind", func(q *QueueConfig) { q.Overflow.NoAgents = OverflowTarget{Kind: "pigeon"} }},
	} {
		q := base()
		tc.mod(&q)
		var fe *FieldError
		if err := q.Validate(); !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: got %v", tc.field, err)
		}
	}
	q := base()
	if err := q.Validate(); err != nil {
		t.Fatal(err)
	}
}
