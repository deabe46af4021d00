package acd

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/clock"
)

func TestTenantsKeepOneEngineEach(t *testing.T) {
	clk := clock.NewFake(t0)
	ts := &Tenants{Options: func(string) Options { return Options{Clock: clk, Logger: quiet} }}
	ctx := context.Background()
	var wg sync.WaitGroup
	got := make([]*Engine, 8)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, err := ts.Get(ctx, "a")
			if err != nil {
				t.Error(err)
			}
			got[i] = e
		}()
	}
	wg.Wait()
	for _, e := range got[1:] {
		if e != got[0] {
			t.Fatal("two engines for one tenant")
		}
	}
	b, _ := ts.Get(ctx, "b")
	if err := got[0].SetQueue(ctx, QueueConfig{ID: "q", Name: "q", Strategy: Random}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Enqueue(ctx, CallRequest{CallID: "c", QueueID: "q"}); !errors.Is(err, ErrUnknownQueue) {
		t.Fatalf("tenant b sees tenant a's queue: %v", err)
	}
	if l := ts.List(); len(l) != 2 || l[0] != "a" {
		t.Fatalf("list %v", l)
	}
	ts.Close()
	if _, err := ts.Get(ctx, "a"); !errors.Is(err, ErrClosed) {
		t.Fatalf("get after close: %v", err)
	}
	if err := b.Login(ctx, LoginRequest{AgentID: "x"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("closed engine accepted input: %v", err)
	}
}

func TestSnapshotForSupervisors(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", Name: "Sales", Strategy: RoundRobin}, "a", "b", "c")
	h.login("a", "b", "c")
	if _, err := h.e.NotReady(h.ctx, "c", ReasonTraining); err != nil {
		t.Fatal(err)
	}
	h.enqueue("q", "c1", 0)
	h.answer(h.offer())
	h.enqueue("q", "c2", 0) // rings b
	h.clk.Advance(5 * time.Second)
	if err := h.e.ForceNotReady(h.ctx, "b", ReasonBreak, "sup"); err != nil { // the call goes back
		t.Fatal(err)
	}
	h.enqueue("q", "c3", 2)
	h.clk.Advance(10 * time.Second)
	s, err := h.e.Snapshot(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	q := s.Queues[0]
	if len(q.Waiting) != 2 || q.Waiting[0].CallID != "c3" || q.Waiting[0].Position != 1 || q.Waiting[1].Waited.D() != 15*time.Second {
		t.Fatalf("waiting %+v", q.Waiting)
	}
	if q.LongestWait.D() != 15*time.Second || q.Agents["on-call"] != 1 || q.Agents["not-ready"] != 2 || q.LoggedIn != 3 || q.Answered != 1 {
		t.Fatalf("queue %+v", q)
	}
	// 1 staffed agent, AHT 3m: a third caller would wait 3·3m.
	if q.EstimatedWait.D() != 9*time.Minute {
		t.Fatalf("estimated wait %v", q.EstimatedWait.D())
	}
	a := s.Agents[0]
	if a.AgentID != "a" || a.State != OnCall || a.CallID != "c1" || a.QueueID != "q" || a.CallsToday != 1 || !a.Since.Equal(t0) {
		t.Fatalf("agent a %+v", a)
	}
	if b := s.Agents[1]; b.State != NotReady || b.Reason != ReasonBreak || !b.Since.Equal(t0.Add(5*time.Second)) {
		t.Fatalf("agent b %+v", b)
	}
	// OnCallAgent agrees with the snapshot: a on c1; nobody on the waiting
	// c3 or on a call the ACD never saw.
	for call, want := range map[string]string{"c1": "a", "c2": "", "c3": "", "nope": ""} {
		if got, err := h.e.OnCallAgent(h.ctx, call); err != nil || got != want {
			t.Errorf("OnCallAgent(%s) = %q, %v; want %q", call, got, err, want)
		}
	}
}

func TestDailyCountersRollOverAtMidnight(t *testing.T) {
	loc := time.FixedZone("CST", 8*3600)
	h := newHarness(t, Options{Location: loc})
	h.queue(QueueConfig{ID: "q", Strategy: FewestCalls}, "a", "b")
	h.login("a", "b")
	h.serve("q", 3, constTalk(time.Minute)) // a: 2, b: 1
	if s := h.state("a"); s.CallsToday != 2 {
		t.Fatalf("a calls today %d", s.CallsToday)
	}
	// t0 is 17:00 in CST; midnight is 7 hours later.
	h.clk.Advance(7 * time.Hour)
	if s := h.state("a"); s.CallsToday != 0 || s.TalkTimeToday != 0 {
		t.Fatalf("a after midnight %+v", s)
	}
	if q := h.snapshotQueue("q"); q.Answered != 0 {
		t.Fatalf("queue counters after midnight: answered %d", q.Answered)
	}
	// Both start at zero: the longest idle of equals (b) goes first.
	if got := h.serve("q", 1, constTalk(time.Minute)); got[0] != "b" {
		t.Fatalf("after midnight offered %s, want b", got[0])
	}
}

func TestInputErrorsSayWhat(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q"}, "a")
	for _, tc := range []struct {
		err  error
		want error
	}{
		{h.e.Ready(h.ctx, "ghost"), ErrUnknownAgent},
		{h.e.Answered(h.ctx, 999), ErrStaleOffer},
		{h.e.OfferFailed(h.ctx, 999, "busy"), ErrStaleOffer},
		{h.e.CallEnded(h.ctx, "nope"), ErrUnknownCall},
		{h.e.SetMembers(h.ctx, "nope", nil), ErrUnknownQueue},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("got %v, want %v", tc.err, tc.want)
		}
	}
	h.login("a")
	if err := h.e.Login(h.ctx, LoginRequest{AgentID: "a"}); !errors.Is(err, ErrBadState) {
		t.Errorf("double login: %v", err)
	}
	if _, err := h.e.NotReady(h.ctx, "a", ""); err == nil {
		t.Error("not-ready without a reason accepted")
	}
	if err := h.e.SetMembers(h.ctx, "q", []Member{{AgentID: "a"}, {AgentID: "a"}}); err == nil {
		t.Error("duplicate member accepted")
	}
	h.enqueue("q", "c1", 0)
	if _, err := h.e.Enqueue(h.ctx, CallRequest{CallID: "c1", QueueID: "q"}); !errors.Is(err, ErrDuplicate) {
		t.Errorf("duplicate call: %v", err)
	}
	if err := h.e.RemoveQueue(h.ctx, "q"); !errors.Is(err, ErrBadState) {
		t.Errorf("remove a queue with calls: %v", err)
	}
}

func TestRealClockTimers(t *testing.T) {
	got := make(chan Effect, 64)
	e, err := New(Options{Tenant: "t", Clock: clock.Real(), Sink: SinkFunc(func(ef Effect) { got <- ef }), Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	if err := e.SetQueue(ctx, QueueConfig{ID: "q", Name: "q", Strategy: Sequential, RingTimeout: Duration(30 * time.Millisecond)}); err != nil {
		t.Fatal(err)
	}
	if err := e.SetMembers(ctx, "q", []Member{{AgentID: "a", Level: 1}, {AgentID: "b", Level: 1, Position: 1}}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"a", "b"} {
		if err := e.Login(ctx, LoginRequest{AgentID: a}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.Enqueue(ctx, CallRequest{CallID: "c", QueueID: "q"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ef := <-got:
			if o, ok := ef.(Offer); ok && o.AgentID == "b" {
				return // a rang out on the real clock, the call moved on
			}
			if o, ok := ef.(Offer); ok && o.AgentID == "a" {
				go func() { _ = e.Ringing(ctx, o.OfferID) }() // (not from the sink: it runs on the engine)
			}
		case <-deadline:
			t.Fatal("the ring timeout never fired on the real clock")
		}
	}
}

func TestCleanWorkNumber(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		bad            bool
	}{
		{name: "digits", in: "8001", want: "8001"},
		{name: "letters and digits", in: "A12b", want: "A12b"},
		{name: "trimmed", in: "  8001\t", want: "8001"},
		{name: "empty means the agent id", in: "", want: ""},
		{name: "sixteen is the most", in: "1234567890123456", want: "1234567890123456"},
		{name: "seventeen is too many", in: "12345678901234567", bad: true},
		{name: "space inside", in: "80 01", bad: true},
		{name: "punctuation", in: "80-01", bad: true},
		{name: "not ASCII", in: "八号", bad: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CleanWorkNumber(tc.in)
			var fe *FieldError
			switch {
			case tc.bad && (!errors.As(err, &fe) || fe.Field != "work_number"):
				t.Fatalf("%q: err %v, want a work_number field error", tc.in, err)
			case !tc.bad && (err != nil || got != tc.want):
				t.Fatalf("%q: %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestLoginChecksWorkNumber(t *testing.T) {
	h := newHarness(t, Options{})
	var fe *FieldError
	if err := h.e.Login(h.ctx, LoginRequest{AgentID: "a", Device: "1001", WorkNumber: "8001; DROP"}); !errors.As(err, &fe) || fe.Field != "work_number" {
		t.Fatalf("bad work number: %v", err)
	}
	if err := h.e.Login(h.ctx, LoginRequest{AgentID: "a", Device: "1001", WorkNumber: " 8001 "}); err != nil {
		t.Fatal(err)
	}
	if a, err := h.e.Agent(h.ctx, "a"); err != nil || a.WorkNumber != "8001" {
		t.Fatalf("work number %q, %v", a.WorkNumber, err)
	}
}

// An admin's change of a logged-in agent's work number reaches the next
// agent-ID announcement; an empty one stops it.
func TestSetWorkNumber(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", Announcements: Announcements{AgentID: true}}, "a")
	if err := h.e.Login(h.ctx, LoginRequest{AgentID: "a", Device: "1001", WorkNumber: "8001"}); err != nil {
		t.Fatal(err)
	}
	if err := h.e.SetWorkNumber(h.ctx, "a", "8 1"); err == nil {
		t.Fatal("a bad work number was accepted")
	}
	if err := h.e.SetWorkNumber(h.ctx, "a", "9001"); err != nil {
		t.Fatal(err)
	}
	if err := h.e.SetWorkNumber(h.ctx, "nobody", "9002"); err != nil {
		t.Fatal(err)
	}
	h.enqueue("q", "c1", 0)
	h.answer(h.offer())
	if c := ofType[Connect](h.rec.take()); len(c) != 1 || c[0].CallerPrompt == nil || c[0].CallerPrompt.AgentNumber != "9001" {
		t.Fatalf("connect %+v", c)
	}
	if a := h.state("a"); a.WorkNumber != "9001" {
		t.Fatalf("snapshot work number %q", a.WorkNumber)
	}
}

// The call-back and voicemail keys are offered after the position and
// checked where they are configured.
func TestQueueKeys(t *testing.T) {
	p := Prompt{Kind: PromptPosition, Lang: "zh-CN", Position: 2, Wait: -1, CallbackKey: "1", VoicemailKey: "#"}
	if got := p.Render(); got != "您现在排在第2位，如需回电请按1，留言请按井号键" {
		t.Errorf("zh: %q", got)
	}
	p.Lang = "en"
	if got := p.Render(); got != "You are number 2 in the queue. To be called back, press 1. To leave a message, press hash." {
		t.Errorf("en: %q", got)
	}
	for _, tc := range []struct {
		a     Announcements
		field string
	}{
		{Announcements{Position: true, CallbackKey: "12"}, "announcements.callback_key"},
		{Announcements{Position: true, VoicemailKey: "a"}, "announcements.voicemail_key"},
		{Announcements{CallbackKey: "1"}, "announcements.callback_key"},
		{Announcements{Position: true, CallbackKey: "1", VoicemailKey: "1"}, "announcements.voicemail_key"},
	} {
		q := QueueConfig{ID: "q", Name: "Q", Strategy: RingAll, Announcements: tc.a}
		var fe *FieldError
		if err := q.Validate(); !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%+v: %v, want %s", tc.a, err, tc.field)
		}
	}
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", Announcements: Announcements{Position: true, CallbackKey: "1"}}, "a")
	h.enqueue("q", "c1", 0)
	anns := ofType[Announce](h.rec.take())
	if len(anns) != 1 || anns[0].Prompt.CallbackKey != "1" {
		t.Fatalf("announcements %+v", anns)
	}
}
