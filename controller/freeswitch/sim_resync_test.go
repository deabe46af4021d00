package freeswitch

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/sim"
)

// Re-synchronisation against the simulator behaving as the real server does.

func startSimWith(t *testing.T, mod func(*sim.Options)) *sim.Sim {
	t.Helper()
	o := sim.Options{
		HeartbeatInterval: 100 * time.Millisecond,
		MediaDuration:     30 * time.Millisecond,
		RecordingDir:      t.TempDir(),
		Logger:            slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	mod(&o)
	s := sim.New(o)
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// A leg that ended while the connection was down is still listed by "show
// channels" for a while (real server: 160-180 ms): the resync must still
// report it gone, on the switch's word (uuid_dump: no such channel).
func TestSimResyncEndedLegStillListed(t *testing.T) {
	s := startSimWith(t, func(o *sim.Options) { o.ShowLag = 3 * time.Second })
	p := newProxy(t, s.ESLAddr())
	d, _ := startDriver(t, p.ln.Addr().String(), func(c *Config) {
		c.CommandTimeout = 2 * time.Second
		c.ListingLag = 2 * sim.DefaultShowLag
	})
	waitFor(t, d, "connected", isType(controller.EventSwitchConnected, ""))
	id, err := s.PlaceCall(sim.CallSpec{From: "15551230001", To: "4000"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "call arrived", isType(controller.EventCallArrived, id))
	p.cut()
	if err := s.HangupCall(id); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "disconnected", isType(controller.EventSwitchDisconnected, ""))
	ev := waitFor(t, d, "the leg that ended during the outage", isType(controller.EventHungUp, id))
	if ev.Err == "" {
		t.Errorf("hangup %+v: want the reason (ended while disconnected)", ev)
	}
}

// A leg created less than the listing lag before the reconnect is not in
// "show channels" yet: it is alive, and must neither be ended nor lose its
// bridge.
func TestSimResyncNewLegNotListedYet(t *testing.T) {
	s := startSimWith(t, func(o *sim.Options) { o.ShowLag = 3 * time.Second })
	if err := s.DefineEndpoint(sim.EndpointSpec{Number: "1001", AnswerAfter: 10 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	p := newProxy(t, s.ESLAddr())
	d, _ := startDriver(t, p.ln.Addr().String(), func(c *Config) {
		c.CommandTimeout = 2 * time.Second
		c.ListingLag = 2 * sim.DefaultShowLag
	})
	ctx := context.Background()
	waitFor(t, d, "connected", isType(controller.EventSwitchConnected, ""))
	id, err := s.PlaceCall(sim.CallSpec{From: "15551230001", To: "4000"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "call arrived", isType(controller.EventCallArrived, id))
	agent := "a0000000-0000-4000-8000-000000000001"
	if err := d.Originate(ctx, controller.Originate{LegID: agent, Endpoint: controller.Endpoint{Kind: controller.EndpointExtension, Number: "1001"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "agent answered", isType(controller.EventAnswered, agent))
	if err := d.Bridge(ctx, id, agent); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "bridged", isType(controller.EventBridged, id))
	eventually(t, "owned mark set", func() bool {
		c, err := s.Call(id)
		return err == nil && c.Vars["ipcc_owned"] != ""
	})
	p.cut()
	waitFor(t, d, "disconnected", isType(controller.EventSwitchDisconnected, ""))
	got := map[string]controller.Event{}
	timeout := time.After(5 * time.Second)
	for len(got) < 2 {
		var ev controller.Event
		select {
		case ev = <-d.Events():
		case <-timeout:
			t.Fatalf("re-announced only %v", got)
		}
		switch ev.Type {
		case controller.EventHungUp:
			t.Fatalf("live leg ended by the resync: %+v", ev)
		case controller.EventCallArrived:
			got[ev.Leg] = ev
		}
	}
	if got[id].OtherLeg != agent || got[agent].OtherLeg != id {
		t.Errorf("re-announced without their bridge: caller %+v, agent %+v", got[id], got[agent])
	}
	waitFor(t, d, "reconnected", isType(controller.EventSwitchConnected, ""))
	if !s.Hears(id, agent) {
		t.Error("the call lost its audio path")
	}
}

// The far half of a loopback leg ipcc originated inherits the originate's
// variables, ipcc's ownership mark included (real server): a resync must
// not take it for a call of its own. Before, it was announced as a new
// call, which the inbound handler rejected, and hanging it up took down the
// agent leg and with it the caller.
func TestSimResyncOriginatedLoopbackFarHalfNotAdopted(t *testing.T) {
	s := startSimWith(t, func(o *sim.Options) { o.AutoAnswer = 10 * time.Millisecond })
	p := newProxy(t, s.ESLAddr())
	d, _ := startDriver(t, p.ln.Addr().String(), func(c *Config) {
		c.CommandTimeout = 2 * time.Second
		c.ListingLag = 2 * sim.DefaultShowLag
	})
	ctx := context.Background()
	waitFor(t, d, "connected", isType(controller.EventSwitchConnected, ""))
	id, err := s.PlaceCall(sim.CallSpec{From: "15551230001", To: "4000"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "call arrived", isType(controller.EventCallArrived, id))
	agent := "a0000000-0000-4000-8000-000000000002"
	if err := d.Originate(ctx, controller.Originate{LegID: agent, Endpoint: controller.Endpoint{
		Kind: controller.EndpointRaw, Number: "loopback/answer-1001/" + sim.TestPhoneContext}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "agent answered", isType(controller.EventAnswered, agent))
	if err := d.Bridge(ctx, id, agent); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "bridged", isType(controller.EventBridged, id))
	far := ""
	eventually(t, "owned mark set and the far half known", func() bool {
		c, err := s.Call(id)
		a, aerr := s.Call(agent)
		if err != nil || aerr != nil || c.Vars["ipcc_owned"] == "" {
			return false
		}
		far = a.Vars["other_loopback_leg_uuid"]
		return far != ""
	})
	if fc, err := s.Call(far); err != nil || fc.Vars["ipcc_owned"] == "" {
		t.Fatalf("the far half %s should carry the inherited mark: %+v %v", far, fc, err)
	}
	time.Sleep(250 * time.Millisecond) // every leg listed by show channels
	p.cut()
	waitFor(t, d, "disconnected", isType(controller.EventSwitchDisconnected, ""))
	arrived := map[string]bool{}
	deadline := time.After(time.Second) // past the second listing
	for done := false; !done; {
		select {
		case ev := <-d.Events():
			switch ev.Type {
			case controller.EventCallArrived:
				arrived[ev.Leg] = true
			case controller.EventHungUp:
				t.Fatalf("leg ended by the resync: %+v", ev)
			}
		case <-deadline:
			done = true
		}
	}
	if arrived[far] {
		t.Errorf("the far half %s of the agent's loopback leg was taken for a call", far)
	}
	if !arrived[id] || !arrived[agent] {
		t.Errorf("re-announced %v, want caller %s and agent %s", arrived, id, agent)
	}
	if !s.Hears(id, agent) {
		t.Error("the call lost its audio path")
	}
}
