package freeswitch

import (
	"context"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/sim"
)

// An originate's Timeout is how long the leg rings at least: a campaign's
// ring time (compliance rules ask for a minimum) and a queue's agent ring
// time. FreeSWITCH counts originate_timeout on whole seconds of its clock
// and gives up once the count reaches it, 0-1 s early (on the kit's 1.11 a
// 4 s timeout rang 3.67 s; the simulator does the same), so the driver
// asks for one second more than Timeout, rounded up.
func TestSimOriginateRingsAtLeastTimeout(t *testing.T) {
	s := startSimWith(t, func(*sim.Options) {})
	if err := s.DefineEndpoint(sim.EndpointSpec{Number: "2003", Behavior: sim.BehaviorRing}); err != nil {
		t.Fatal(err)
	}
	d, _ := startDriver(t, s.ESLAddr(), nil)
	waitFor(t, d, "connected", isType(controller.EventSwitchConnected, ""))
	for i, phase := range []time.Duration{100 * time.Millisecond, 500 * time.Millisecond, 900 * time.Millisecond} {
		// Start at this point of a second of the clock.
		time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + phase)))
		leg := []string{"a0000000-0000-4000-8000-00000000000a", "a0000000-0000-4000-8000-00000000000b", "a0000000-0000-4000-8000-00000000000c"}[i]
		start := time.Now()
		if err := d.Originate(context.Background(), controller.Originate{LegID: leg,
			Endpoint: controller.Endpoint{Kind: controller.EndpointExtension, Number: "2003"}, Timeout: 1500 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
		ev := waitFor(t, d, "the unanswered leg's hang-up", isType(controller.EventHungUp, leg))
		rang := time.Since(start)
		if ev.Cause != controller.CauseNoAnswer {
			t.Errorf("started %s into a second: cause %s, want NO_ANSWER", phase, ev.Cause)
		}
		if rang < 1500*time.Millisecond || rang > 3500*time.Millisecond {
			t.Errorf("started %s into a second: rang %s, want at least the 1.5 s timeout (and not 2 s more)", phase, rang)
		}
	}
}
