package freeswitch

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/sim"
)

// FreeSWITCH silences any channel it holds, but takes off hold only those
// that reached the HELD call state: a loopback caller held once stays
// silent for good ("uuid_hold off": -ERR Operation failed), and a bridge
// with it carries no audio. The driver refuses to hold such a leg.
func TestSimHoldRefusedWhereFreeSWITCHCannotUnhold(t *testing.T) {
	s := startSimWith(t, func(o *sim.Options) { o.AutoAnswer = 10 * time.Millisecond })
	d := simDriver(t, s.ESLAddr())
	ctx := context.Background()
	waitFor(t, d, "connected", isType(controller.EventSwitchConnected, ""))

	// A caller reaching ipcc through a loopback pair (the real contract
	// suite's callers).
	near := "a0000000-0000-4000-8000-0000000000ad"
	if err := d.Originate(ctx, controller.Originate{LegID: near, Endpoint: controller.Endpoint{
		Kind: controller.EndpointRaw, Number: "loopback/4001/" + sim.TestCallerContext}}); err != nil {
		t.Fatal(err)
	}
	loop := waitFor(t, d, "loopback caller arrived", isType(controller.EventCallArrived, "")).Leg
	if err := d.Answer(ctx, loop); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "answered", isType(controller.EventAnswered, loop))
	if err := d.Hold(ctx, loop, ""); !errors.Is(err, controller.ErrNotSupported) {
		t.Fatalf("hold of a loopback leg = %v, want ErrNotSupported", err)
	}
	if info, err := s.Call(loop); err != nil || info.Held {
		t.Fatalf("the loopback leg was held: %+v %v", info, err)
	}

	// An unanswered SIP caller: refused too.
	ringing, err := s.PlaceCall(sim.CallSpec{From: "15551230002", To: "4000"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "SIP caller arrived", isType(controller.EventCallArrived, ringing))
	if err := d.Hold(ctx, ringing, ""); !errors.Is(err, controller.ErrNotSupported) {
		t.Fatalf("hold of an unanswered leg = %v, want ErrNotSupported", err)
	}

	// An answered SIP caller is held and taken off hold.
	if err := d.Answer(ctx, ringing); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "answered", isType(controller.EventAnswered, ringing))
	if err := d.Hold(ctx, ringing, ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "hold", isType(controller.EventHold, ringing))
	if err := d.Unhold(ctx, ringing); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "unhold", isType(controller.EventUnhold, ringing))
}
