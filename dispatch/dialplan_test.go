package dispatch_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/store"
)

// Click-to-dial follows the tenant's extension plan: with the default plan
// (4-digit extensions) 95588 is a service number reached through the trunk,
// presenting the tenant's outbound caller ID (the queue's for a call-back
// to its caller), while 3005 is a colleague's extension, called internally
// with the agent's own extension shown. A plan of 5-digit extensions
// starting with 8 makes 80001 internal and keeps 95588 external.
func TestScenarioClickToDialFollowsTheExtensionPlan(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f, func(o *dispatch.Options) { o.DefaultTrunk = "gw-out" })
			ctx := context.Background()
			w.disp.SetDialer(w.ctl, "sw1")
			for _, n := range []string{"95588", "3005", "80001"} {
				if err := w.sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: n, Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond}); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.st.PutRoutingSettings(ctx, tenant, &dialplan.Settings{OutboundCallerID: "4001"}); err != nil {
				t.Fatal(err)
			}
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2002"}); err != nil {
				t.Fatal(err)
			}
			dial := func(number, parent, direction, callerID string) {
				t.Helper()
				id, err := w.disp.ClickToDial(ctx, tenant, "bob", number, parent)
				if err != nil {
					t.Fatalf("dial %s: %v", number, err)
				}
				var far string
				waitFor(t, "bob talks to "+number, func() bool {
					far = liveLegOf(w, number)
					bob := liveLegOf(w, "2002")
					return far != "" && bob != "" && w.sw.Sim.Hears(bob, far)
				})
				info := mustCall(w, far)
				rec, err := w.st.GetCall(ctx, tenant, id)
				if err != nil {
					t.Fatal(err)
				}
				if rec.Direction != direction || info.ANI != callerID {
					t.Errorf("dial %s: direction %s, caller ID shown %q (endpoint %s); want %s, %q", number, rec.Direction, info.ANI, info.Name, direction, callerID)
				}
				if direction == "outbound" && !strings.Contains(info.Name, "gw-out") && rec.Trunk != "gw-out" {
					t.Errorf("dial %s went out through %q", number, rec.Trunk)
				}
				_ = w.sw.Sim.HangupCall(far)
				waitFor(t, "bob is free again", func() bool {
					a, _ := w.eng.Agent(ctx, "bob")
					return a.State == acd.Available
				})
				waitFor(t, "bob's phone is down", func() bool { return liveLegOf(w, "2002") == "" })
			}
			dial("95588", "", "outbound", "4001")
			dial("3005", "", "internal", "2002")

			// A call-back to a caller of a queue with its own number.
			q := acd.QueueConfig{ID: "vipq", Name: "VIP", Strategy: acd.LongestIdle, OutboundCallerID: "4008"}
			row, err := acd.QueueRow(tenant, q)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.st.CreateACDQueue(ctx, row); err != nil {
				t.Fatal(err)
			}
			if err := w.st.SaveCall(ctx, &store.CallRecord{TenantID: tenant, ID: "abandoned-1", Direction: "inbound", ANI: "95588", DNIS: "4008",
				QueueID: "vipq", StartedAt: time.Now().Add(-time.Hour), Disposition: "abandoned_queue"}); err != nil {
				t.Fatal(err)
			}
			dial("95588", "abandoned-1", "outbound", "4008")

			if err := w.st.PutRoutingSettings(ctx, tenant, &dialplan.Settings{OutboundCallerID: "4001",
				Extensions: &dialplan.ExtensionPlan{Lengths: []int{5}, Prefixes: []string{"8"}}}); err != nil {
				t.Fatal(err)
			}
			dial("80001", "", "internal", "2002")
			dial("95588", "", "outbound", "4001")
		})
	}
}

func TestExtensionPlan(t *testing.T) {
	t.Parallel()
	var def *dialplan.ExtensionPlan
	for n, want := range map[string]bool{"1001": true, "8001": true, "95588": false, "10086": false, "110": false, "13800138000": false, "+861012345678": false, "10a1": false} {
		if got := def.IsExtension(n); got != want {
			t.Errorf("default plan: %s extension %v, want %v", n, got, want)
		}
	}
	p := &dialplan.ExtensionPlan{Lengths: []int{3, 5}, Prefixes: []string{"8", "60"}}
	for n, want := range map[string]bool{"801": true, "60123": true, "61123": false, "1001": false, "95588": false} {
		if got := p.IsExtension(n); got != want {
			t.Errorf("plan %+v: %s extension %v, want %v", p, n, got, want)
		}
	}
	for _, tc := range []struct {
		set   dialplan.Settings
		field string
	}{
		{dialplan.Settings{Extensions: &dialplan.ExtensionPlan{Lengths: []int{1}}}, "extensions.lengths[0]"},
		{dialplan.Settings{Extensions: &dialplan.ExtensionPlan{Prefixes: []string{"8x"}}}, "extensions.prefixes[0]"},
		{dialplan.Settings{OutboundCallerID: "40 01"}, "outbound_caller_id"},
	} {
		err := tc.set.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%+v: %v, want an error naming %s", tc.set, err, tc.field)
		}
	}
}

// liveLegOf is the leg ringing or talking to phone number now.
func liveLegOf(w *world, number string) string {
	for _, c := range w.sw.Sim.Calls() {
		if c.Endpoint == number && !c.Inbound && c.Ended.IsZero() {
			return c.ID
		}
	}
	return ""
}
