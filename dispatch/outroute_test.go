package dispatch_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/outroute"
	"github.com/ipcc/ipcc/store"
)

// putOutbound stores an outbound routing document.
func putOutbound(t *testing.T, st *store.Store, kind, id string, v any) {
	t.Helper()
	doc, _ := json.Marshal(v)
	if err := st.CreateOutbound(context.Background(), tenant, kind, id, string(doc)); err != nil {
		t.Fatal(err)
	}
}

// twoTrunks gives the tenant two trunks (gw-a, gw-b) behind one route for
// Chinese numbers, a caller-ID pool with a Shenzhen and a Beijing number,
// and international calls refused (the default guard).
func twoTrunks(t *testing.T, st *store.Store) {
	putOutbound(t, st, store.OutboundTrunk, "first", outroute.Trunk{ID: "first", Gateway: "gw-a", Channels: 10})
	putOutbound(t, st, store.OutboundTrunk, "second", outroute.Trunk{ID: "second", Gateway: "gw-b", Channels: 10})
	putOutbound(t, st, store.OutboundPool, "local", outroute.Pool{ID: "local", Numbers: []outroute.PoolNumber{{Number: "075588880001"}, {Number: "01088880003"}}})
	putOutbound(t, st, store.OutboundRoute, "china", outroute.Route{ID: "china", Match: outroute.Match{Types: []string{"mobile", "landline"}},
		Trunks: []string{"first", "second"}, CallerIDPool: "local"})
}

// Click-to-dial to a Beijing landline: the first trunk is congested (the
// carrier rejects the INVITE, as the real switches report it), the call
// fails over to the second; the callee sees the pool's Beijing number.
// A Hong Kong number is refused by the toll-fraud guard before the
// agent's phone rings, and the refusal is audited.
func TestScenarioOutboundFailoverLocalPresenceAndFraudGuard(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			w.disp.SetDialer(w.ctl, "sw1")
			twoTrunks(t, w.st)
			if err := w.sw.Sim.DefineTrunk(sim.TrunkSpec{Name: "gw-a", Behavior: sim.TrunkCongested}); err != nil {
				t.Fatal(err)
			}
			if err := w.sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: "01062345678", Behavior: sim.BehaviorAnswer, AnswerAfter: 100 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2002"}); err != nil {
				t.Fatal(err)
			}

			// Refused: nothing rings, the API would answer 403 naming the rule.
			_, err := w.disp.ClickToDial(ctx, tenant, "bob", "+852 2123 4567", "")
			var ref *outroute.Refusal
			if !errors.As(err, &ref) || ref.Rule != outroute.RuleNumberType {
				t.Fatalf("Hong Kong: %v", err)
			}
			if len(w.sw.Sim.Calls()) != 0 {
				t.Fatalf("a refused call rang something: %+v", w.sw.Sim.Calls())
			}
			audit, err := w.st.ListAudit(ctx, tenant, store.AuditFilter{ObjectType: "outbound_call"})
			if err != nil || len(audit) != 1 || audit[0].Action != "outbound_refused" || audit[0].ActorID != "bob" || !strings.Contains(audit[0].Detail, "number_type") {
				t.Fatalf("audit: %+v %v", audit, err)
			}

			if _, err := w.disp.ClickToDial(ctx, tenant, "bob", "010-6234 5678", ""); err != nil {
				t.Fatal(err)
			}
			var first, second sim.CallInfo
			waitFor(t, "the callee answers through the second trunk", func() bool {
				for _, c := range w.sw.Sim.Calls() {
					switch {
					case c.Endpoint == "01062345678" && c.Trunk == "gw-a":
						first = c
					case c.Endpoint == "01062345678" && c.Trunk == "gw-b" && c.State == "up":
						second = c
					}
				}
				return second.ID != ""
			})
			if first.ID == "" {
				t.Fatal("the first trunk was not tried")
			}
			// Local presence reached the switch's originate.
			if second.ANI != "01088880003" || first.ANI != "01088880003" {
				t.Fatalf("caller ID %q / %q, want the pool's Beijing number", first.ANI, second.ANI)
			}
			bob := w.legOf("2002")
			waitFor(t, "bob talks to the callee", func() bool { return w.sw.Sim.Hears(bob, second.ID) && w.sw.Sim.Hears(second.ID, bob) })
			if err := w.sw.Sim.HangupCall(second.ID); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the call is recorded through the second trunk", func() bool {
				calls, _ := w.st.ListCalls(ctx, tenant, store.CallFilter{})
				return len(calls) == 1 && calls[0].Trunk == "second" && calls[0].EndedAt != nil && calls[0].Disposition == "answered"
			})
			// The trace tells the failover with the cause the switch sent:
			// sofia's for a 503 on FreeSWITCH, Q.850 34 on Asterisk.
			calls, _ := w.st.ListCalls(ctx, tenant, store.CallFilter{})
			rec, err := w.st.GetCall(ctx, tenant, calls[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			cause := "NORMAL_CIRCUIT_CONGESTION"
			if f == sim.FrontFreeSWITCH {
				cause = "NORMAL_TEMPORARY_FAILURE"
			}
			if want := "trunk first failed with " + cause + ": failover to the next trunk"; !strings.Contains(rec.Trace, want) {
				t.Fatalf("trace %s\nwant %q", rec.Trace, want)
			}
			waitFor(t, "the trunks' channels are given back", func() bool {
				return w.disp.Outbound().Active(tenant, "") == 0 && w.disp.Outbound().Active(tenant, "second") == 0
			})
		})
	}
}

// A consult to an external number fails over the same way; a transfer to
// a premium number is refused with the rule and the caller stays.
func TestScenarioOutboundTransfer(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			twoTrunks(t, w.st)
			if err := w.sw.Sim.DefineTrunk(sim.TrunkSpec{Name: "gw-a", Behavior: sim.TrunkDown}); err != nil {
				t.Fatal(err)
			}
			if err := w.sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: "13900000001", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			caller, _ := w.talkToBob(f, "13800138077")
			err := w.disp.Control(ctx, tenant, "bob", "transfer", &dialplan.Target{Kind: dialplan.KindExternal, Ref: "+881612345678"})
			var ref *outroute.Refusal
			if !errors.As(err, &ref) || ref.Rule != outroute.RuleBlockedPrefix {
				t.Fatalf("satellite transfer: %v", err)
			}
			if err := w.disp.Control(ctx, tenant, "bob", "consult", &dialplan.Target{Kind: dialplan.KindExternal, Ref: "13900000001"}); err != nil {
				t.Fatal(err)
			}
			var via string
			for _, c := range w.sw.Sim.Calls() {
				if c.Endpoint == "13900000001" && c.State == "up" {
					via = c.Trunk
				}
			}
			if via != "gw-b" {
				t.Fatalf("consultee reached through %q, want gw-b (gw-a is down)", via)
			}
			if err := w.disp.Control(ctx, tenant, "bob", "consult-complete", nil); err != nil {
				t.Fatal(err)
			}
			var x string
			for _, c := range w.sw.Sim.Calls() {
				if c.Endpoint == "13900000001" && c.State == "up" {
					x = c.ID
				}
			}
			waitFor(t, "the caller talks to the external number", func() bool { return w.sw.Sim.Hears(caller, x) && w.sw.Sim.Hears(x, caller) })
		})
	}
}
