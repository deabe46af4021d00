package acd

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// serve runs n calls one at a time through q: each is answered by the
// agent offered and ended after talk(i); it returns who took each call.
func (h *harness) serve(q string, n int, talk func(i int) time.Duration) []string {
	h.t.Helper()
	var got []string
	for i := 0; i < n; i++ {
		call := fmt.Sprintf("%s-c%d", q, i)
		h.enqueue(q, call, 0)
		o := h.offer()
		h.answer(o)
		h.clk.Advance(talk(i))
		h.end(call)
		h.rec.take()
		got = append(got, o.AgentID)
		h.clk.Advance(time.Second)
	}
	return got
}

func constTalk(d time.Duration) func(int) time.Duration { return func(int) time.Duration { return d } }

func TestRoundRobinRemembersLastPosition(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", Strategy: RoundRobin}, "a0", "a1", "a2", "a3")
	h.login("a2", "a0", "a3", "a1")
	got := h.serve("q", 10, constTalk(time.Minute))
	want := []string{"a0", "a1", "a2", "a3", "a0", "a1", "a2", "a3", "a0", "a1"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("round-robin order %v, want %v", got, want)
	}
	// The memory survives an agent leaving: a2 is skipped, a3 follows a1.
	if err := h.e.Logout(h.ctx, "a2"); err != nil {
		t.Fatal(err)
	}
	got = h.serve("q", 3, constTalk(time.Minute))
	if want := []string{"a3", "a0", "a1"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("after a2 left: %v, want %v", got, want)
	}
}

func TestSequentialAlwaysFirstInOrder(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", Strategy: Sequential})
	h.members("q", Member{AgentID: "x", Level: 1, Position: 3}, Member{AgentID: "y", Level: 1, Position: 1}, Member{AgentID: "z", Level: 1, Position: 2})
	h.login("x", "y", "z")
	for _, a := range h.serve("q", 5, constTalk(time.Minute)) {
		if a != "y" {
			t.Fatalf("sequential offered %s, want y (position 1)", a)
		}
	}
	// With y busy the next in order (z) gets the call.
	h.enqueue("q", "busy-y", 0)
	h.answer(h.offer())
	h.enqueue("q", "next", 0)
	if o := h.offer(); o.AgentID != "z" {
		t.Fatalf("with y busy sequential offered %s, want z", o.AgentID)
	}
}

func TestLongestIdle(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", Strategy: LongestIdle}, "a0", "a1", "a2")
	for _, a := range []string{"a2", "a0", "a1"} {
		h.login(a)
		h.clk.Advance(time.Second)
	}
	got := h.serve("q", 6, constTalk(time.Minute))
	if want := []string{"a2", "a0", "a1", "a2", "a0", "a1"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("longest-idle order %v, want %v", got, want)
	}
}

func TestFewestCallsBalancesToday(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", Strategy: FewestCalls}, names(5, "a")...)
	h.login(names(5, "a")...)
	count := map[string]int{}
	for i, a := range h.serve("q", 23, constTalk(time.Minute)) {
		count[a]++
		min, max := math.MaxInt, 0
		for _, n := range names(5, "a") {
			min, max = minInt(min, count[n]), maxInt(max, count[n])
		}
		if max-min > 1 {
			t.Fatalf("after call %d counts %v differ by more than one", i, count)
		}
	}
}

func TestLeastTalkTime(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", Strategy: LeastTalkTime}, "a0", "a1", "a2")
	h.login("a0", "a1", "a2")
	talk := map[string]time.Duration{"a0": 300 * time.Second, "a1": 10 * time.Second, "a2": 100 * time.Second}
	var first []string
	for i := 0; i < 3; i++ {
		call := fmt.Sprintf("c%d", i)
		h.enqueue("q", call, 0)
		o := h.offer()
		h.answer(o)
		first = append(first, o.AgentID)
	}
	h.clk.Advance(10 * time.Second)
	h.end(callOf(first, "a1"))
	h.clk.Advance(90 * time.Second)
	h.end(callOf(first, "a2"))
	h.clk.Advance(200 * time.Second)
	h.end(callOf(first, "a0"))
	h.rec.take()
	// a1 has least talk time although a0 is idle the shortest and a1 the longest.
	got := h.serve("q", 1, constTalk(5*time.Second))
	if got[0] != "a1" {
		t.Fatalf("least-talk-time offered %s, want a1 (talk %v)", got[0], talk)
	}
	// a1 now has 15s, a2 100s, a0 300s: a1 again, then after a long call a2.
	got = h.serve("q", 2, constTalk(200*time.Second))
	if fmt.Sprint(got) != "[a1 a2]" {
		t.Fatalf("least-talk-time order %v, want [a1 a2]", got)
	}
}

func callOf(offered []string, agent string) string {
	for i, a := range offered {
		if a == agent {
			return fmt.Sprintf("c%d", i)
		}
	}
	return ""
}

func TestRandomIsUniform(t *testing.T) {
	h := newHarness(t, Options{Seed: 7})
	h.queue(QueueConfig{ID: "q", Strategy: Random}, names(4, "a")...)
	h.login(names(4, "a")...)
	const n = 2000
	count := map[string]int{}
	for _, a := range h.serve("q", n, constTalk(time.Second)) {
		count[a]++
	}
	chi := 0.0
	for _, a := range names(4, "a") {
		d := float64(count[a]) - n/4.0
		chi += d * d / (n / 4.0)
	}
	if chi > 16.3 { // χ²(3) at p = 0.001
		t.Fatalf("random distribution %v: χ² = %.1f", count, chi)
	}
}

func TestWeightedRandomFollowsWeights(t *testing.T) {
	h := newHarness(t, Options{Seed: 9})
	h.queue(QueueConfig{ID: "q", Strategy: WeightedRandom})
	h.members("q", Member{AgentID: "a", Level: 1, Weight: 1}, Member{AgentID: "b", Level: 1, Weight: 3}, Member{AgentID: "c", Level: 1, Weight: 6})
	h.login("a", "b", "c")
	const n = 3000
	count := map[string]int{}
	for _, a := range h.serve("q", n, constTalk(time.Second)) {
		count[a]++
	}
	chi := 0.0
	for a, w := range map[string]float64{"a": 0.1, "b": 0.3, "c": 0.6} {
		d := float64(count[a]) - n*w
		chi += d * d / (n * w)
	}
	if chi > 13.8 { // χ²(2) at p = 0.001
		t.Fatalf("weighted distribution %v: χ² = %.1f", count, chi)
	}
}

func TestRingAllFirstAnswerWins(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", Strategy: RingAll}, "a0", "a1", "a2")
	h.login("a0", "a1", "a2")
	h.enqueue("q", "c1", 0)
	os := offersIn(h.rec.take())
	if len(os) != 3 || os[0].Group != 3 {
		t.Fatalf("ring-all offers %+v, want 3 in one group", os)
	}
	h.answer(os[1])
	es := h.rec.take()
	cancels := ofType[CancelOffer](es)
	if len(cancels) != 2 || ofType[Connect](es)[0].AgentID != os[1].AgentID {
		t.Fatalf("after the answer: %+v", es)
	}
	for _, c := range cancels {
		if c.Reason != "answered-elsewhere" {
			t.Fatalf("cancel reason %q", c.Reason)
		}
		h.wantState(c.AgentID, Available, "")
	}
	h.wantState(os[1].AgentID, OnCall, "")
	// A late answer from a cancelled agent is refused.
	if err := h.e.Answered(h.ctx, os[0].OfferID); err == nil {
		t.Fatal("late answer of a cancelled ring-all offer accepted")
	}
}

func TestLevelsOfferHigherFirst(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", Strategy: LongestIdle})
	h.members("q", Member{AgentID: "junior", Level: 1}, Member{AgentID: "senior", Level: 5}, Member{AgentID: "mid", Level: 3})
	h.login("junior", "mid", "senior") // junior idle longest, but levels come first
	var got []string
	for i := 0; i < 4; i++ {
		h.enqueue("q", fmt.Sprintf("c%d", i), 0)
		os := offersIn(h.rec.take())
		if i < 3 {
			h.answer(os[0])
			got = append(got, os[0].AgentID)
		} else if len(os) != 0 {
			t.Fatalf("a fourth call was offered with every agent busy: %+v", os)
		}
	}
	if fmt.Sprint(got) != "[senior mid junior]" {
		t.Fatalf("level order %v", got)
	}
	// The waiting call goes to whoever frees up, whatever the level.
	h.end("c2")
	if o := h.offer(); o.AgentID != "junior" || o.CallID != "c3" {
		t.Fatalf("freed junior got %+v", o)
	}
}

func TestMixedGroupsAgentInManyQueues(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "sales", Strategy: LongestIdle})
	h.queue(QueueConfig{ID: "support", Strategy: LongestIdle})
	h.members("sales", Member{AgentID: "a", Level: 1}, Member{AgentID: "b", Level: 2})
	h.members("support", Member{AgentID: "a", Level: 2})
	h.login("a", "b")
	h.enqueue("support", "s1", 0)
	if o := h.offer(); o.AgentID != "a" || o.QueueID != "support" {
		t.Fatalf("support call offered %+v", o)
	}
	h.enqueue("sales", "x1", 0)
	if o := h.offer(); o.AgentID != "b" || o.QueueID != "sales" {
		t.Fatalf("sales call offered %+v, want b (a is ringing)", o)
	}
}

func minInt(a, b int) int {
	if a < b {
		return a
	}
	return b
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}
