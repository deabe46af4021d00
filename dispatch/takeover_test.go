package dispatch_test

import (
	"context"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/dispatch"
)

// A supervisor takes over a call (接管): the caller ends up talking to the
// supervisor's phone and the agent's leg is released.
func TestScenarioSupervisorTakesOver(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			if err := w.sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: "8001", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			if _, err := w.disp.TakeOver(ctx, tenant, "no-such-call", "8001"); err != dispatch.ErrNoCall {
				t.Fatalf("take over of no call: %v", err)
			}
			caller, bob := w.talkToBob(f, "13800138055")
			a, err := w.eng.Agent(ctx, "bob")
			if err != nil || a.CallID == "" {
				t.Fatalf("bob's call: %+v %v", a, err)
			}
			agent, err := w.disp.TakeOver(ctx, tenant, a.CallID, "8001")
			if err != nil || agent != "bob" {
				t.Fatalf("take over: %q %v", agent, err)
			}
			waitFor(t, "the caller talks to the supervisor", func() bool {
				x := w.legOf("8001")
				return x != "" && w.sw.Sim.Hears(caller, x) && w.sw.Sim.Hears(x, caller)
			})
			waitFor(t, "bob's leg is released and bob is free of the call", func() bool {
				a, err := w.eng.Agent(ctx, "bob")
				return err == nil && a.CallID == "" && !w.sw.Sim.Hears(caller, bob)
			})
			if err := w.disp.Control(ctx, tenant, "bob", "hangup", nil); err != dispatch.ErrNoCall {
				t.Fatalf("bob controls a call taken from him: %v", err)
			}
		})
	}
}
