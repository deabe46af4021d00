package switchtest

import (
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller"
)

// runDropBridged: the control connection drops while a caller talks to an
// agent. After the reconnect the call is the same call, still bridged, and
// no leg of it arrived as a new call. (Real FreeSWITCH: the agent phone's
// loopback half inherits the originate's variables, ipcc's ownership mark
// among them; taken for a new call and rejected, it took the agent leg and
// the caller down with it.)
func runDropBridged(t *testing.T, e *env, o Observer) {
	ctx := ctxT(t)
	c := e.arrive("13800000008", "4001")
	if err := c.Answer(ctx); err != nil {
		t.Fatal(err)
	}
	caller := c.Leg().ID()
	agent, err := c.Originate(ctx, e.w.Phone(t, "1006", "answer"), controller.OriginateOptions{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("originate agent: %v", err)
	}
	if err := c.Bridge(ctx, agent); err != nil {
		t.Fatalf("bridge: %v", err)
	}
	// Long enough for every leg to be listed by the switch (FreeSWITCH's
	// show channels lags ~170 ms) and marked as ipcc's.
	time.Sleep(500 * time.Millisecond)
	evs, unsub := e.ctl.Subscribe(controller.EventSwitchDisconnected, controller.EventSwitchConnected)
	defer unsub()
	e.w.Drop(t)
	for _, want := range []controller.EventType{controller.EventSwitchDisconnected, controller.EventSwitchConnected} {
		select {
		case ev := <-evs:
			if ev.Type != want {
				t.Fatalf("got %s, want %s", ev.Type, want)
			}
		case <-time.After(15 * time.Second):
			t.Fatalf("no %s after the connection was cut", want)
		}
	}
	select {
	case other := <-e.calls:
		t.Fatalf("after the reconnect leg %s (ANI %s, DNIS %s) arrived as a new call", other.Leg().ID(), other.ANI(), other.DNIS())
	case <-time.After(1500 * time.Millisecond): // past a second listing
	}
	for _, l := range []*controller.Leg{c.Leg(), agent} {
		if cause, _, gone := l.HangupCause(); gone {
			t.Fatalf("leg %s ended after the reconnect (%s)", l.ID(), cause)
		}
	}
	if c.Leg().BridgedWith() != agent.ID() {
		t.Fatalf("caller bridged with %q after the reconnect, want the agent %s", c.Leg().BridgedWith(), agent.ID())
	}
	if o != nil && (!o.Hears(caller, agent.ID()) || !o.Hears(agent.ID(), caller)) {
		t.Fatal("caller and agent no longer hear each other")
	}
	e.mu.Lock()
	n := e.seen[caller]
	e.mu.Unlock()
	if n != 1 {
		t.Fatalf("handler started %d times for the same call", n)
	}
	if err := agent.Hangup(ctx, controller.CauseNormalClearing); err != nil {
		t.Fatal(err)
	}
	e.w.HangupParty(t, caller)
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("hangup after reconnect not seen")
	}
}
