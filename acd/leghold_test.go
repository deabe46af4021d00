package acd

import (
	"testing"
	"time"
)

// An agent with a leg to their phone the engine does not account for (a
// ring a previous controller left) is offered nothing until that leg is
// gone; then they take the waiting caller.
func TestAgentHeldWhileAnUnaccountedLegIsUp(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q", LastAgentFirst: true}, "ann")
	h.login("ann")
	h.rec.take()
	if held, err := h.e.HoldForLeg(h.ctx, LegHold{Leg: "old-ring", AgentID: "ann"}); err != nil || !held {
		t.Fatalf("hold: %v %v", held, err)
	}
	h.enqueue("q", "c1", 0)
	if os := offersIn(h.rec.take()); len(os) != 0 {
		t.Fatalf("ann offered while her old ring is up: %+v", os)
	}
	// A caller she served last does not get past the hold either.
	if _, err := h.e.Enqueue(h.ctx, CallRequest{CallID: "c2", QueueID: "q", LastAgentID: "ann"}); err != nil {
		t.Fatal(err)
	}
	if os := offersIn(h.rec.take()); len(os) != 0 {
		t.Fatalf("ann offered her last caller while her old ring is up: %+v", os)
	}
	if err := h.e.LegGone(h.ctx, "some-other-leg"); err != nil {
		t.Fatal(err)
	}
	if os := offersIn(h.rec.take()); len(os) != 0 {
		t.Fatalf("another leg's end released ann: %+v", os)
	}
	if err := h.e.LegGone(h.ctx, "old-ring"); err != nil {
		t.Fatal(err)
	}
	if o := h.offer(); o.AgentID != "ann" || o.CallID != "c2" {
		t.Fatalf("after the old ring ended: offer %+v", o)
	}
}

// Held by the device when the agent is not named; two legs hold until
// both are gone; a hangup never reported ends the hold after its bound.
func TestLegHoldByDeviceAndBound(t *testing.T) {
	h := newHarness(t, Options{})
	h.queue(QueueConfig{ID: "q"}, "ann")
	h.login("ann")
	h.rec.take()
	for _, leg := range []string{"l1", "l2"} {
		if held, err := h.e.HoldForLeg(h.ctx, LegHold{Leg: leg, Device: "sip:ann", For: 3 * time.Second}); err != nil || !held {
			t.Fatalf("hold %s: %v %v", leg, held, err)
		}
	}
	if held, _ := h.e.HoldForLeg(h.ctx, LegHold{Leg: "l3", Device: "sip:nobody"}); held {
		t.Fatal("a device nobody uses held someone")
	}
	h.enqueue("q", "c1", 0)
	if err := h.e.LegGone(h.ctx, "l1"); err != nil {
		t.Fatal(err)
	}
	if os := offersIn(h.rec.take()); len(os) != 0 {
		t.Fatalf("ann offered while l2 is up: %+v", os)
	}
	h.clk.Advance(2 * time.Second)
	h.e.Flush()
	if os := offersIn(h.rec.take()); len(os) != 0 {
		t.Fatalf("ann offered before the hold's bound: %+v", os)
	}
	h.clk.Advance(time.Second)
	// The timer's callback runs on the engine's goroutine.
	deadline := time.Now().Add(2 * time.Second)
	for {
		_, _ = h.e.Snapshot(h.ctx)
		if os := offersIn(h.rec.take()); len(os) == 1 && os[0].AgentID == "ann" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("ann not offered after the hold's bound ran out")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
