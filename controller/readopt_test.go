package controller

import (
	"context"
	"testing"
	"time"
)

// After a restart the switch re-announces a caller and the agent leg it is
// bridged with (each naming the other in OtherLeg, oldest first): they are
// one call with one handler, as they were before the restart.
func TestReadoptedBridgedPairIsOneCall(t *testing.T) {
	h := newHarness(t, nil)
	h.sw.emit(Event{Type: EventCallArrived, Leg: "caller", OtherLeg: "agent", ANI: "13800138000", DNIS: "4001"})
	var c *Call
	select {
	case c = <-h.calls:
	case <-time.After(5 * time.Second):
		t.Fatal("no handler for the re-adopted caller")
	}
	h.sw.emit(Event{Type: EventCallArrived, Leg: "agent", OtherLeg: "caller", DNIS: "answer-1001"})
	h.sw.emit(Event{Type: EventAnswered, Leg: "agent"})
	h.sw.emit(Event{Type: EventBridged, Leg: "agent", OtherLeg: "caller"})
	waitFor(t, "the agent leg joins the caller's call", func() bool { return len(c.Legs()) == 2 })
	select {
	case other := <-h.calls:
		t.Fatalf("the agent leg started a call of its own: %s", other.Leg().ID())
	case <-time.After(100 * time.Millisecond):
	}
	agent := c.Legs()[1]
	waitFor(t, "the agent leg answered", agent.Answered)
	if agent.ID() != "agent" || agent.BridgedWith() != "caller" || c.Leg().BridgedWith() != "agent" {
		t.Fatalf("agent leg %s bridged with %q, caller bridged with %q", agent.ID(), agent.BridgedWith(), c.Leg().BridgedWith())
	}
	if err := c.HangupAll(context.Background(), CauseNormalClearing); err != nil {
		t.Fatal(err)
	}
	<-c.Done()
	<-agent.Done()
}

// A new call (no bridge peer named) is never folded into another call, nor
// a leg into a call that was not itself re-adopted.
func TestNewCallsStayCallsOfTheirOwn(t *testing.T) {
	h := newHarness(t, nil)
	a := h.arrive("leg-a")
	h.sw.emit(Event{Type: EventCallArrived, Leg: "leg-b", OtherLeg: "leg-a", DNIS: "4001"})
	select {
	case b := <-h.calls:
		if b == a {
			t.Fatal("same call")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("leg-b was folded into a call that arrived live")
	}
	if len(a.Legs()) != 1 {
		t.Fatalf("legs of the live call: %d", len(a.Legs()))
	}
}
