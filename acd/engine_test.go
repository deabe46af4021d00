package acd

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestLastAgentPriority(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", Strategy: Sequential, LastAgentFirst: true}, "a0", "a1", "a2")
	h.login("a0", "a1", "a2")
	// Sequential would pick a0; the caller's last agent a2 goes first.
	if _, err := h.e.Enqueue(h.ctx, CallRequest{CallID: "c1", QueueID: "q", LastAgentID: "a2"}); err != nil {
		t.Fatal(err)
	}
	o := h.offer()
	if o.AgentID != "a2" || !o.LastAgent {
		t.Fatalf("offer %+v, want the last agent a2", o)
	}
	// The last agent busy: the call waits? No: it goes by the strategy.
	h.answer(o)
	if _, err := h.e.Enqueue(h.ctx, CallRequest{CallID: "c2", QueueID: "q", LastAgentID: "a2"}); err != nil {
		t.Fatal(err)
	}
	if o := h.offer(); o.AgentID != "a0" || o.LastAgent {
		t.Fatalf("with a2 busy: %+v", o)
	}
	// When the last agent frees up, the caller it served goes ahead of an
	// older, higher-priority call.
	h.answer(offerFor(t, h, "a1", "c3", 5))
	h.enqueue("q", "old-vip", 9)
	if _, err := h.e.Enqueue(h.ctx, CallRequest{CallID: "sticky", QueueID: "q", LastAgentID: "a2"}); err != nil {
		t.Fatal(err)
	}
	h.rec.take()
	h.end("c1")
	if o := h.offer(); o.AgentID != "a2" || o.CallID != "sticky" {
		t.Fatalf("freed last agent got %+v, want the sticky call", o)
	}
	// Without the option the strategy decides.
	h2 := newHarness(t, Options{})
	h2.queue(QueueConfig{ID: "q", Strategy: Sequential}, "a0", "a1")
	h2.login("a0", "a1")
	if _, err := h2.e.Enqueue(h2.ctx, CallRequest{CallID: "c1", QueueID: "q", LastAgentID: "a1"}); err != nil {
		t.Fatal(err)
	}
	if o := h2.offer(); o.AgentID != "a0" {
		t.Fatalf("without last-agent-first: %+v", o)
	}
}

// offerFor enqueues call and answers its offer, expecting agent.
func offerFor(t *testing.T, h *harness, agent, call string, prio int) Offer {
	t.Helper()
	h.enqueue("q", call, prio)
	o := h.offer()
	if o.AgentID != agent {
		t.Fatalf("call %s offered to %s, want %s", call, o.AgentID, agent)
	}
	return o
}

func TestVIPGoesAheadWaitBreaksTies(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q"}, "a")
	h.login("a")
	h.enqueue("q", "busy", 0)
	h.answer(h.offer())
	h.enqueue("q", "n1", 0)
	h.clk.Advance(time.Second)
	h.enqueue("q", "n2", 0)
	h.clk.Advance(time.Second)
	h.enqueue("q", "vip1", 5)
	h.clk.Advance(time.Second)
	res := h.enqueue("q", "vip2", 5)
	if res.Position != 2 {
		t.Fatalf("second VIP position %d, want 2", res.Position)
	}
	h.rec.take()
	var order []string
	cur := "busy"
	for i := 0; i < 4; i++ {
		h.end(cur)
		o := h.offer()
		h.answer(o)
		cur = o.CallID
		order = append(order, cur)
	}
	if strings.Join(order, " ") != "vip1 vip2 n1 n2" {
		t.Fatalf("served %v", order)
	}
}

func TestRingTimeoutNoAnswerGoesToNextAgent(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", Strategy: Sequential, RingTimeout: Duration(15 * time.Second)}, "a0", "a1")
	h.login("a0", "a1")
	h.enqueue("q", "c1", 0)
	o := h.offer()
	if o.AgentID != "a0" || o.RingTimeout != 15*time.Second {
		t.Fatalf("first offer %+v", o)
	}
	if err := h.e.Ringing(h.ctx, o.OfferID); err != nil { // the phone rings
		t.Fatal(err)
	}
	h.clk.Advance(14 * time.Second)
	if es := h.rec.take(); len(es) != 0 {
		t.Fatalf("effects before the timeout: %+v", es)
	}
	h.clk.Advance(time.Second)
	es := h.rec.take()
	na := ofType[NoAnswer](es)
	if len(na) != 1 || na[0].AgentID != "a0" || na[0].Cause != "timeout" {
		t.Fatalf("no NoAnswer event for a0: %+v", es)
	}
	if c := ofType[CancelOffer](es); len(c) != 1 || c[0].OfferID != o.OfferID || c[0].Reason != "no-answer" {
		t.Fatalf("cancel %+v", c)
	}
	if os := offersIn(es); len(os) != 1 || os[0].AgentID != "a1" || os[0].CallID != "c1" {
		t.Fatalf("call not offered to the next agent: %+v", os)
	}
	h.wantState("a0", NotReady, ReasonNoAnswer)
	// a1 fails too (leg rejected): nobody left, the call waits in place.
	if err := h.e.OfferFailed(h.ctx, offersIn(es)[0].OfferID, "rejected"); err != nil {
		t.Fatal(err)
	}
	h.wantState("a1", NotReady, ReasonNoAnswer)
	q := h.snapshotQueue("q")
	if len(q.Waiting) != 1 || q.Waiting[0].Position != 1 {
		t.Fatalf("waiting %+v", q.Waiting)
	}
	h.rec.take()
	if err := h.e.Ready(h.ctx, "a0"); err != nil {
		t.Fatal(err)
	}
	if o := h.offer(); o.AgentID != "a0" {
		t.Fatalf("a0 back: %+v", o)
	}
}

func TestWrapUpEndsExtendsAndTimesOut(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", WrapUp: Duration(30 * time.Second), MaxWrapUpExtension: Duration(time.Minute)}, "a")
	h.login("a")
	h.enqueue("q", "c1", 0)
	h.answer(h.offer())
	h.clk.Advance(time.Minute)
	h.end("c1")
	h.wantState("a", WrapUp, "")
	h.enqueue("q", "c2", 0)
	if os := offersIn(h.rec.take()); len(os) != 0 {
		t.Fatalf("offered during wrap-up: %+v", os)
	}
	h.clk.Advance(20 * time.Second)
	if err := h.e.ExtendWrapUp(h.ctx, "a", 45*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := h.e.ExtendWrapUp(h.ctx, "a", 30*time.Second); err == nil {
		t.Fatal("extension beyond the cap accepted")
	}
	h.clk.Advance(54 * time.Second)
	h.wantState("a", WrapUp, "")
	h.clk.Advance(time.Second)
	if o := h.offer(); o.CallID != "c2" {
		t.Fatalf("after wrap-up: %+v", o)
	}
	h.answer(Offer{OfferID: h.lastOfferID(t)})
	h.end("c2")
	if err := h.e.EndWrapUp(h.ctx, "a"); err != nil {
		t.Fatal(err)
	}
	h.wantState("a", Available, "")
	if err := h.e.EndWrapUp(h.ctx, "a"); !errors.Is(err, ErrBadState) {
		t.Fatalf("ending wrap-up twice: %v", err)
	}
	// Not-ready asked during the call applies after wrap-up.
	h.enqueue("q", "c3", 0)
	h.answer(h.offer())
	if res, err := h.e.NotReady(h.ctx, "a", ReasonLunch); err != nil || !res.Granted {
		t.Fatalf("pending lunch: %+v %v", res, err)
	}
	h.end("c3")
	h.clk.Advance(30 * time.Second)
	h.wantState("a", NotReady, ReasonLunch)
}

func (h *harness) lastOfferID(t *testing.T) uint64 {
	t.Helper()
	var id uint64
	_ = h.e.do(func(c *core) error {
		for oid := range c.offers {
			id = oid
		}
		return nil
	})
	return id
}

func TestBreakCapWaitGrantsInOrder(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", BreakCap: 1}, "a", "b", "c", "d")
	h.login("a", "b", "c", "d")
	if r, err := h.e.NotReady(h.ctx, "a", ReasonBreak); err != nil || !r.Granted {
		t.Fatalf("first break: %+v %v", r, err)
	}
	if r, err := h.e.NotReady(h.ctx, "b", ReasonBreak); err != nil || r.Granted || r.Queued != 1 {
		t.Fatalf("second break: %+v %v", r, err)
	}
	if r, err := h.e.NotReady(h.ctx, "c", ReasonLunch); err != nil || r.Queued != 2 {
		t.Fatalf("third break: %+v %v", r, err)
	}
	// Reasons without a cap pass.
	if r, err := h.e.NotReady(h.ctx, "d", ReasonTraining); err != nil || !r.Granted {
		t.Fatalf("training: %+v %v", r, err)
	}
	h.wantState("b", Available, "")
	if q := ofType[BreakQueued](h.rec.take()); len(q) != 2 || q[0].AgentID != "b" {
		t.Fatalf("break-queued events %+v", q)
	}
	if err := h.e.Ready(h.ctx, "a"); err != nil {
		t.Fatal(err)
	}
	h.wantState("b", NotReady, ReasonBreak)
	h.wantState("c", Available, "")
	if err := h.e.Logout(h.ctx, "b"); err != nil {
		t.Fatal(err)
	}
	h.wantState("c", NotReady, ReasonLunch)
	// A supervisor may force a break above the cap.
	if err := h.e.ForceNotReady(h.ctx, "a", ReasonBreak, "sup1"); err != nil {
		t.Fatal(err)
	}
	h.wantState("a", NotReady, ReasonBreak)
	sc := ofType[StateChange](h.rec.take())
	if last := sc[len(sc)-1]; last.By != "sup1" || last.AgentID != "a" {
		t.Fatalf("forced change %+v", last)
	}
}

func TestBreakCapRefuse(t *testing.T) {
	h := newHarness(t, Options{BreakCap: 1, BreakMode: BreakRefuse})
	h.queue(QueueConfig{ID: "q"}, "a", "b")
	h.login("a", "b")
	if _, err := h.e.NotReady(h.ctx, "a", ReasonBreak); err != nil {
		t.Fatal(err)
	}
	if _, err := h.e.NotReady(h.ctx, "b", ReasonLunch); !errors.Is(err, ErrBreakCap) {
		t.Fatalf("over the tenant cap: %v", err)
	}
	h.wantState("b", Available, "")
	if err := h.e.Ready(h.ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.e.NotReady(h.ctx, "b", ReasonLunch); err != nil {
		t.Fatalf("under the cap again: %v", err)
	}
}

func TestEstimatedWaitAndPositionAnnouncements(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", Name: "销售", DefaultHandleTime: Duration(2 * time.Minute),
		Announcements: Announcements{EntryPrompt: "welcome.wav", Position: true, PositionInterval: Duration(30 * time.Second)}}, "a", "b")
	h.login("a", "b")
	h.enqueue("q", "c1", 0)
	h.answer(h.offer())
	h.enqueue("q", "c2", 0)
	h.answer(h.offer())
	h.enqueue("q", "c3", 0)
	res := h.enqueue("q", "c4", 0)
	// Position 2, two staffed agents, AHT 2 min: 2·120/2 = 120 s.
	if res.Position != 2 || res.EstimatedWait != 2*time.Minute {
		t.Fatalf("result %+v, want position 2 and 2m", res)
	}
	es := h.rec.take()
	var texts []string
	for _, a := range ofType[Announce](es) {
		if a.CallID == "c4" {
			texts = append(texts, a.Prompt.Kind.String()+":"+a.Prompt.Text)
		}
	}
	if strings.Join(texts, "|") != "entry:welcome.wav|position:您现在排在第2位，预计等待2分钟" {
		t.Fatalf("announcements %q", texts)
	}
	h.clk.Advance(30 * time.Second)
	n := 0
	for _, a := range ofType[Announce](h.rec.take()) {
		if a.Prompt.Kind == PromptPosition {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("%d periodic announcements, want 2 (c3 and c4)", n)
	}
	// The moving average follows handled calls: two 60s calls bring the
	// AHT down from 120s.
	h.clk.Advance(30 * time.Second)
	h.end("c1")
	h.end("c2")
	q := h.snapshotQueue("q")
	if q.AvgHandleTime.D() != 60*time.Second {
		t.Fatalf("AHT %v, want 60s", q.AvgHandleTime.D())
	}
}

func (k PromptKind) String() string { return string(k) }

func TestConnectPrompts(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", Name: "售后", Announcements: Announcements{AgentWhisper: true, AgentID: true}}, "a")
	if err := h.e.Login(h.ctx, LoginRequest{AgentID: "a", Device: "1001", WorkNumber: "1001"}); err != nil {
		t.Fatal(err)
	}
	if err := h.e.Logout(h.ctx, "a"); err != nil {
		t.Fatal(err)
	}
	h.enqueue("q", "c1", 0)
	h.clk.Advance(85 * time.Second)
	if err := h.e.Login(h.ctx, LoginRequest{AgentID: "a", Device: "1001", WorkNumber: "1001"}); err != nil {
		t.Fatal(err)
	}
	h.answer(h.offer())
	c := ofType[Connect](h.rec.take())[0]
	if c.AgentPrompt.Text != "售后，等待时间1分25秒" || c.CallerPrompt.Text != "1001号话务员为您服务" || c.Waited != 85*time.Second {
		t.Fatalf("prompts %q / %q, waited %v", c.AgentPrompt.Text, c.CallerPrompt.Text, c.Waited)
	}
}

func TestFormatWait(t *testing.T) {
	for _, tc := range []struct {
		d      time.Duration
		zh, en string
	}{
		{85 * time.Second, "1分25秒", "1 minute 25 seconds"},
		{2 * time.Minute, "2分钟", "2 minutes"},
		{25 * time.Second, "25秒", "25 seconds"},
		{0, "0秒", "0 seconds"},
		{time.Hour + 5*time.Minute, "1小时5分", "1 hour 5 minutes"},
		{time.Hour + 2*time.Second, "1小时2秒", "1 hour 2 seconds"},
	} {
		if got := FormatWait(tc.d, "zh-CN"); got != tc.zh {
			t.Errorf("FormatWait(%v, zh) = %q, want %q", tc.d, got, tc.zh)
		}
		if got := FormatWait(tc.d, "en"); got != tc.en {
			t.Errorf("FormatWait(%v, en) = %q, want %q", tc.d, got, tc.en)
		}
	}
	p := Prompt{Kind: PromptPosition, Lang: "en", Position: 3, Wait: 61 * time.Second}
	if got := p.Render(); got != "You are number 3 in the queue. The estimated wait is 2 minutes." {
		t.Errorf("en position %q", got)
	}
	p.Wait = -1
	p.Lang = "zh-CN"
	if got := p.Render(); got != "您现在排在第3位" {
		t.Errorf("zh position without estimate %q", got)
	}
}

func TestErlangC(t *testing.T) {
	// The reference case of the optimality run: λ = 5/s, AHT 180 s, 920 agents.
	asa := ErlangASA(920, 5, 180*time.Second)
	if asa < 3540*time.Millisecond || asa > 3560*time.Millisecond {
		t.Fatalf("ASA %v, want ≈3.55s", asa)
	}
	sl := ErlangServiceLevel(920, 5, 180*time.Second, 20*time.Second)
	if sl < 0.9565 || sl > 0.9575 {
		t.Fatalf("service level %.4f, want ≈0.957", sl)
	}
	if c := ErlangC(2, 1); c < 0.333 || c > 0.334 { // 1/3
		t.Fatalf("C(2,1) = %v", c)
	}
	if ErlangC(2, 3) != 1 {
		t.Fatal("an overloaded queue always waits")
	}
}

func TestBreakAskedDuringACallCountsTowardTheCap(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", BreakCap: 1}, "a", "b")
	h.login("a", "b")
	h.enqueue("q", "c1", 0)
	h.answer(h.offer()) // a
	if r, err := h.e.NotReady(h.ctx, "a", ReasonBreak); err != nil || !r.Granted {
		t.Fatalf("a's break during the call: %+v %v", r, err)
	}
	h.wantState("a", OnCall, "")
	// The cap is taken by a's pending break: b waits.
	if r, err := h.e.NotReady(h.ctx, "b", ReasonBreak); err != nil || r.Queued != 1 {
		t.Fatalf("b's break: %+v %v", r, err)
	}
	h.end("c1")
	h.wantState("a", NotReady, ReasonBreak)
	h.wantState("b", Available, "")
	// a changes its mind (ready): b's break is granted.
	if err := h.e.Ready(h.ctx, "a"); err != nil {
		t.Fatal(err)
	}
	h.wantState("b", NotReady, ReasonBreak)
}

func TestRingAllRingsTheTopLevelAndSurvivesOneFailedLeg(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", Strategy: RingAll})
	h.members("q", Member{AgentID: "s1", Level: 2}, Member{AgentID: "s2", Level: 2}, Member{AgentID: "j", Level: 1})
	h.login("s1", "s2", "j")
	h.enqueue("q", "c1", 0)
	os := offersIn(h.rec.take())
	if len(os) != 2 || os[0].AgentID == "j" || os[1].AgentID == "j" {
		t.Fatalf("ring-all offers %+v, want the two level-2 agents", os)
	}
	h.wantState("j", Available, "")
	if err := h.e.OfferFailed(h.ctx, os[0].OfferID, "busy"); err != nil {
		t.Fatal(err)
	}
	h.wantState(os[0].AgentID, NotReady, ReasonNoAnswer)
	h.wantState(os[1].AgentID, Ringing, "")
	if es := offersIn(h.rec.take()); len(es) != 0 {
		t.Fatalf("re-offered while a leg still rings: %+v", es)
	}
	h.answer(os[1])
	if c := ofType[Connect](h.rec.take()); len(c) != 1 || c[0].AgentID != os[1].AgentID {
		t.Fatalf("connect %+v", c)
	}
}

func TestQueueBreakCapRefuse(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", BreakCap: 1, BreakMode: BreakRefuse}, "a", "b")
	h.queue(QueueConfig{ID: "other"}, "c")
	h.login("a", "b", "c")
	if _, err := h.e.NotReady(h.ctx, "a", ReasonLunch); err != nil {
		t.Fatal(err)
	}
	if _, err := h.e.NotReady(h.ctx, "b", ReasonBreak); !errors.Is(err, ErrBreakCap) {
		t.Fatalf("b over the queue cap: %v", err)
	}
	// c is not in q: its cap does not apply.
	if r, err := h.e.NotReady(h.ctx, "c", ReasonBreak); err != nil || !r.Granted {
		t.Fatalf("c: %+v %v", r, err)
	}
}

// An offer the switch could not ring (not connected) is not the agent's
// fault: the agent stays available, nobody is marked no-answer, and the
// call is offered again after a pause, not at once.
func TestOfferWithdrawnKeepsAgentsAndRetriesLater(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", Strategy: Sequential, RingTimeout: Duration(15 * time.Second)}, "a0", "a1")
	h.login("a0", "a1")
	h.rec.take()
	h.enqueue("q", "c1", 0)
	o := h.offer()
	if err := h.e.OfferWithdrawn(h.ctx, o.OfferID, "switch-unavailable"); err != nil {
		t.Fatal(err)
	}
	es := h.rec.take()
	if na := ofType[NoAnswer](es); len(na) != 0 {
		t.Fatalf("agent blamed: %+v", na)
	}
	if c := ofType[CancelOffer](es); len(c) != 1 || c[0].OfferID != o.OfferID || c[0].Reason != "switch-unavailable" {
		t.Fatalf("cancel %+v", c)
	}
	if os := offersIn(es); len(os) != 0 {
		t.Fatalf("offered again at once: %+v", os)
	}
	h.wantState(o.AgentID, Available, "")
	if err := h.e.OfferWithdrawn(h.ctx, o.OfferID, "again"); !errors.Is(err, ErrStaleOffer) {
		t.Fatalf("second withdraw: %v", err)
	}
	h.clk.Advance(RetryAfterSwitchFailure - time.Millisecond)
	if os := offersIn(h.rec.take()); len(os) != 0 {
		t.Fatalf("offered before the pause ended: %+v", os)
	}
	h.clk.Advance(time.Millisecond)
	if os := offersIn(h.rec.take()); len(os) != 1 || os[0].CallID != "c1" || os[0].AgentID != o.AgentID {
		t.Fatalf("not offered again after the pause: %+v", os)
	}
	// A caller who leaves during the pause is an ordinary abandon.
	h.enqueue("q", "c2", 0)
	o2 := h.offer()
	if err := h.e.OfferWithdrawn(h.ctx, o2.OfferID, "switch-unavailable"); err != nil {
		t.Fatal(err)
	}
	h.end("c2")
	h.clk.Advance(RetryAfterSwitchFailure)
	for _, x := range offersIn(h.rec.take()) {
		if x.CallID == "c2" {
			t.Fatalf("a call that ended was offered: %+v", x)
		}
	}
}

// A ring timeout blames the agent only when their phone rang: an offer the
// switch never got to ring (a command that timed out, a leg never set up
// under load) is withdrawn, the agent stays available, and the call is
// offered again after a pause.
func TestRingTimeoutWithoutRingingDoesNotBlameTheAgent(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", Strategy: Sequential, RingTimeout: Duration(15 * time.Second)}, "a0", "a1")
	h.login("a0", "a1")
	h.enqueue("q", "c1", 0)
	o := h.offer()
	h.clk.Advance(15 * time.Second)
	es := h.rec.take()
	if na := ofType[NoAnswer](es); len(na) != 0 {
		t.Fatalf("agent blamed for a phone that never rang: %+v", na)
	}
	if c := ofType[CancelOffer](es); len(c) != 1 || c[0].OfferID != o.OfferID || c[0].Reason != "not-ringing" {
		t.Fatalf("cancel %+v", c)
	}
	if os := offersIn(es); len(os) != 0 {
		t.Fatalf("offered again at once: %+v", os)
	}
	h.wantState("a0", Available, "")
	h.clk.Advance(RetryAfterSwitchFailure)
	if os := offersIn(h.rec.take()); len(os) != 1 || os[0].CallID != "c1" {
		t.Fatalf("not offered again after the pause: %+v", os)
	}
}

// The ring timeout counts from when the phone rings, not from the offer:
// an agent whose phone took 10 s to ring still gets the full 15 s.
func TestRingTimeoutCountsFromRinging(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", Strategy: Sequential, RingTimeout: Duration(15 * time.Second)}, "a0", "a1")
	h.login("a0", "a1")
	h.enqueue("q", "c1", 0)
	o := h.offer()
	h.clk.Advance(10 * time.Second)
	if err := h.e.Ringing(h.ctx, o.OfferID); err != nil {
		t.Fatal(err)
	}
	if err := h.e.Ringing(h.ctx, o.OfferID); err != nil { // told twice: nothing more
		t.Fatal(err)
	}
	h.clk.Advance(14 * time.Second)
	if es := h.rec.take(); len(es) != 0 {
		t.Fatalf("effects before 15 s of ringing: %+v", es)
	}
	h.clk.Advance(time.Second)
	if na := ofType[NoAnswer](h.rec.take()); len(na) != 1 || na[0].AgentID != "a0" {
		t.Fatalf("no NoAnswer after 15 s of ringing: %+v", na)
	}
	h.wantState("a0", NotReady, ReasonNoAnswer)
	if err := h.e.Ringing(h.ctx, o.OfferID); !errors.Is(err, ErrStaleOffer) {
		t.Fatalf("ringing of an ended offer: %v", err)
	}
}

// The caller's language (chosen in the IVR) decides the language of every
// prompt the caller hears; the agent's whisper stays in the queue's
// language. An agent without a work number is not announced.
func TestPromptsInTheCallersLanguage(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", Name: "售后", Announcements: Announcements{Lang: "zh-CN", EntryPrompt: "请稍候", EntryPrompts: map[string]string{"en": "Please hold"},
		Position: true, AgentWhisper: true, AgentID: true}}, "a", "b")
	if err := h.e.Login(h.ctx, LoginRequest{AgentID: "a", Device: "1001", WorkNumber: "1001", NotReady: ReasonBreak}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.e.Enqueue(h.ctx, CallRequest{CallID: "c1", QueueID: "q", Lang: "en"}); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, a := range ofType[Announce](h.rec.take()) {
		texts = append(texts, a.Prompt.Lang+": "+a.Prompt.Render())
	}
	if want := []string{"en: Please hold", "en: You are number 1 in the queue."}; !slices.Equal(texts, want) {
		t.Fatalf("announcements %q, want %q", texts, want)
	}
	h.clk.Advance(85 * time.Second)
	if err := h.e.Ready(h.ctx, "a"); err != nil {
		t.Fatal(err)
	}
	h.answer(h.offer())
	c := ofType[Connect](h.rec.take())[0]
	if c.AgentPrompt.Render() != "售后，等待时间1分25秒" || c.CallerPrompt.Render() != "Agent 1001 is serving you." {
		t.Fatalf("prompts %q / %q", c.AgentPrompt.Render(), c.CallerPrompt.Render())
	}
	h.end("c1")
	if err := h.e.Logout(h.ctx, "a"); err != nil {
		t.Fatal(err)
	}

	// b has no work number: no agent-ID prompt (it used to be b's id).
	if err := h.e.Login(h.ctx, LoginRequest{AgentID: "b", Device: "1002"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.e.Enqueue(h.ctx, CallRequest{CallID: "c2", QueueID: "q"}); err != nil {
		t.Fatal(err)
	}
	h.answer(h.offer())
	for _, c := range ofType[Connect](h.rec.take()) {
		if c.CallerPrompt != nil {
			t.Fatalf("agent without a work number announced: %q", c.CallerPrompt.Render())
		}
	}
}

// An agent who answered but whose leg was gone when ipcc bridged it does
// not lose the caller: the call waits again at its place (ahead of later
// callers, its wait counted from its entry), the answer is taken back from
// the day's figures, and the agent is available again — not ready only
// when their own phone refused.
func TestConnectFailedRequeuesTheCallerAtTheirPlace(t *testing.T) {
	for _, tc := range []struct {
		name        string
		agentsFault bool
		next        string // who is offered the caller next
		want        State  // a0 after the failed connect
		reason      string
	}{
		{"agent leg gone", false, "a0", Ringing, ""},
		{"phone refused", true, "a1", NotReady, ReasonNoAnswer},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{})
			h.queue(QueueConfig{ID: "q", RingTimeout: Duration(15 * time.Second)}, "a0", "a1")
			h.login("a0")
			h.rec.take()
			h.enqueue("q", "c1", 0)
			o := h.offer()
			h.clk.Advance(2 * time.Second)
			h.answer(o)
			if c := ofType[Connect](h.rec.take()); len(c) != 1 || c[0].CallID != "c1" {
				t.Fatalf("connect %+v", c)
			}
			if got := h.snapshotQueue("q").Answered; got != 1 {
				t.Fatalf("answered %d", got)
			}
			h.enqueue("q", "c2", 0) // a later caller, waiting
			h.clk.Advance(time.Second)
			h.rec.take()

			if err := h.e.ConnectFailed(h.ctx, "c1", tc.agentsFault, "agent-leg-gone"); err != nil {
				t.Fatal(err)
			}
			es := h.rec.take()
			if na := ofType[NoAnswer](es); (len(na) == 1) != tc.agentsFault {
				t.Fatalf("no-answer effects %+v, agent's fault %v", na, tc.agentsFault)
			}
			h.wantState("a0", tc.want, tc.reason)
			if got := h.snapshotQueue("q").Answered; got != 0 {
				t.Fatalf("answered %d after the failed connect, want 0", got)
			}
			if tc.agentsFault {
				if os := offersIn(es); len(os) != 0 {
					t.Fatalf("offered to an agent not ready: %+v", os)
				}
				h.login("a1")
				es = h.rec.take()
			}
			// The caller is first in line again: the next free agent gets
			// c1, not c2, who came later.
			os := offersIn(es)
			if len(os) != 1 || os[0].CallID != "c1" || os[0].AgentID != tc.next {
				t.Fatalf("offers %+v, want c1 to %s", os, tc.next)
			}
			h.clk.Advance(time.Second)
			h.answer(os[0])
			c := ofType[Connect](h.rec.take())
			if len(c) != 1 || c[0].Waited != 4*time.Second {
				t.Fatalf("connect %+v, want c1 waited 4s since it joined", c)
			}
		})
	}
}
func TestConnectFailedOnACallNotConnected(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", RingTimeout: Duration(15 * time.Second)}, "a0")
	h.enqueue("q", "c1", 0)
	if err := h.e.ConnectFailed(h.ctx, "c1", false, "x"); !errors.Is(err, ErrUnknownCall) {
		t.Fatalf("waiting call: %v", err)
	}
	if err := h.e.ConnectFailed(h.ctx, "nope", false, "x"); !errors.Is(err, ErrUnknownCall) {
		t.Fatalf("unknown call: %v", err)
	}
}
