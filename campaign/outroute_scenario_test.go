package campaign_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/campaign"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/outroute"
	"github.com/ipcc/ipcc/store"
)

func (w *world) outbound(kind, id string, v any) {
	w.t.Helper()
	doc, _ := json.Marshal(v)
	if err := w.st.CreateOutbound(context.Background(), tenant, kind, id, string(doc)); err != nil {
		w.t.Fatal(err)
	}
}

// A progressive campaign through outbound routing: its route's first
// trunk is congested, so every call fails over to the second; the
// callees see a number of the campaign's caller-ID pool local to their
// area where the pool has one; a Hong Kong lead is refused by the
// toll-fraud guard (international calls not allowed): never dialled, its
// attempt recorded as a skip naming the rule, the lead closed.
func TestScenarioCampaignOutboundRouting(t *testing.T) {
	t.Parallel()
	for _, f := range fronts {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			w.outbound(store.OutboundTrunk, "first", outroute.Trunk{ID: "first", Gateway: "gw-a"})
			w.outbound(store.OutboundTrunk, "second", outroute.Trunk{ID: "second", Gateway: "gw-b"})
			w.outbound(store.OutboundPool, "local", outroute.Pool{ID: "local", Numbers: []outroute.PoolNumber{{Number: "075588880001"}, {Number: "01088880003"}}})
			w.outbound(store.OutboundRoute, "spring", outroute.Route{ID: "spring", Match: outroute.Match{Campaigns: []string{"spring"}}, Trunks: []string{"first", "second"}})
			if err := w.sw.Sim.DefineTrunk(sim.TrunkSpec{Name: "gw-a", Behavior: sim.TrunkCongested}); err != nil {
				t.Fatal(err)
			}
			w.customers(
				sim.EndpointSpec{Number: "01062345678", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond, HangupAfter: 1500 * time.Millisecond},
				sim.EndpointSpec{Number: "075512345678", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond, HangupAfter: 1500 * time.Millisecond},
			)
			c := w.campaign(&campaign.Campaign{ID: "spring", Name: "Spring", Type: campaign.Progressive, Settings: campaign.Settings{
				QueueID: "sales", CallerIDPool: "local", Window: allDay(), WrapUpMS: 100, RingTimeoutMS: 3000,
			}}, "name,phone\nBeijing,010-6234 5678\nShenzhen,0755 1234 5678\nHong Kong,+852 2123 4567\n")
			if _, err := campaign.Act(ctx, w.st, tenant, c.ID, campaign.Start); err != nil {
				t.Fatal(err)
			}
			w.login("bob", "2002")
			deadline := time.Now().Add(30 * time.Second)
			for {
				p, err := campaign.GetProgress(ctx, w.st, w.dl, tenant, c.ID)
				if err == nil && p.ByStatus[store.LeadDone] == 2 && p.ByStatus[store.LeadSkipped] == 1 && p.InFlight == 0 {
					break
				}
				if time.Now().After(deadline) {
					list, _ := w.st.ListAttempts(ctx, tenant, c.ID, store.AttemptFilter{})
					t.Fatalf("leads not handled: %+v %v\nattempts %+v", p, err, list)
				}
				time.Sleep(20 * time.Millisecond)
			}
			hk := w.leadByPhone(c.ID, "+85221234567")
			at := w.attempts(c.ID, hk.ID)
			if hk.Status != store.LeadSkipped || hk.Attempts != 0 || len(at) != 1 || at[0].Kind != store.AttemptSkip || at[0].Outcome != "blocked" ||
				!strings.Contains(at[0].Reason, "(number_type)") || !strings.Contains(at[0].Reason, "international") {
				t.Fatalf("refused lead %+v, attempts %+v", hk, at)
			}
			for phone, callerID := range map[string]string{"01062345678": "01088880003", "075512345678": "075588880001"} {
				var first, second *sim.CallInfo
				for _, leg := range w.sw.Sim.Calls() {
					if leg.Endpoint != phone {
						continue
					}
					switch leg.Trunk {
					case "gw-a":
						first = &leg
					case "gw-b":
						second = &leg
					}
				}
				if first == nil || second == nil {
					t.Fatalf("%s: legs through gw-a %v and gw-b %v", phone, first, second)
				}
				if first.ANI != callerID || second.ANI != callerID {
					t.Errorf("%s saw %q then %q, want the local %s", phone, first.ANI, second.ANI, callerID)
				}
			}
			for _, phone := range []string{"+861062345678", "+8675512345678"} {
				l := w.leadByPhone(c.ID, phone)
				at := w.attempts(c.ID, l.ID)
				if len(at) != 1 || at[0].Outcome != "answered" || at[0].CallID == "" {
					t.Fatalf("%s: attempts %+v", phone, at)
				}
				rec, err := w.st.GetCall(ctx, tenant, at[0].CallID)
				if err != nil || rec.Trunk != "second" {
					t.Errorf("%s: call record %+v %v", phone, rec, err)
				}
			}
			for _, leg := range w.sw.Sim.Calls() {
				if strings.Contains(leg.Endpoint, "2123") {
					t.Fatalf("the refused number was dialled: %+v", leg)
				}
			}
		})
	}
}

// The tenant's cap on concurrent outbound calls: with one call allowed and
// two agents free, the second lead is not dialled; its attempt is a skip
// naming the cap and the lead waits, its attempts not used up.
func TestScenarioCampaignTenantCap(t *testing.T) {
	t.Parallel()
	w := newWorld(t, sim.FrontFreeSWITCH)
	ctx := context.Background()
	if err := w.st.PutSetting(ctx, tenant, store.OutboundSettingsName, `{"max_concurrent":1}`); err != nil {
		t.Fatal(err)
	}
	w.customers(
		sim.EndpointSpec{Number: "13800000031", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond, HangupAfter: 2 * time.Second},
		sim.EndpointSpec{Number: "13800000032", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond, HangupAfter: 2 * time.Second},
	)
	c := w.campaign(&campaign.Campaign{ID: "cap", Name: "Cap", Type: campaign.Progressive, Settings: campaign.Settings{
		QueueID: "sales", Window: allDay(), WrapUpMS: 100, RingTimeoutMS: 3000,
	}}, "phone\n13800000031\n13800000032\n")
	w.login("bob", "2002")
	w.login("carol", "2003")
	if _, err := campaign.Act(ctx, w.st, tenant, c.ID, campaign.Start); err != nil {
		t.Fatal(err)
	}
	var skipped store.Lead
	waitFor(t, "one call placed, the other lead refused by the cap", func() bool {
		for _, phone := range []string{"+8613800000031", "+8613800000032"} {
			l := w.leadByPhone(c.ID, phone)
			for _, a := range w.attempts(c.ID, l.ID) {
				if a.Kind == store.AttemptSkip && a.Outcome == "deferred" && strings.Contains(a.Reason, "(max_concurrent)") {
					skipped = l
					return true
				}
			}
		}
		return false
	})
	// The skip is written before the lead is moved back.
	waitFor(t, "the capped lead waits", func() bool {
		skipped = w.leadByPhone(c.ID, skipped.Phone)
		return skipped.Status == store.LeadPending
	})
	if skipped.Attempts != 0 || skipped.NextAt == nil || time.Until(*skipped.NextAt) < 5*time.Second {
		t.Fatalf("the capped lead %+v", skipped)
	}
	dialled := func() int {
		n := 0
		for _, leg := range w.sw.Sim.Calls() {
			if strings.HasPrefix(leg.Endpoint, "138000000") {
				n++
			}
		}
		return n
	}
	// The cap's slot is taken before the originate is sent: under load
	// the switch may see the first call after the second lead was refused.
	waitFor(t, "the first callee is dialled", func() bool { return dialled() >= 1 })
	if n := dialled(); n != 1 {
		t.Fatalf("%d callees dialled under a cap of 1", n)
	}
}

// IVR broadcasts and predictive campaigns leave through outbound routing
// too: failover past the congested trunk, the pool's local number shown.
func TestScenarioBroadcastAndPredictiveRouting(t *testing.T) {
	t.Parallel()
	for _, f := range fronts {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			w.outbound(store.OutboundTrunk, "first", outroute.Trunk{ID: "first", Gateway: "gw-a"})
			w.outbound(store.OutboundTrunk, "second", outroute.Trunk{ID: "second", Gateway: "gw-b"})
			w.outbound(store.OutboundPool, "local", outroute.Pool{ID: "local", Numbers: []outroute.PoolNumber{{Number: "075588880001"}, {Number: "01088880003"}}})
			w.outbound(store.OutboundRoute, "all", outroute.Route{ID: "all", Trunks: []string{"first", "second"}, CallerIDPool: "local"})
			if err := w.sw.Sim.DefineTrunk(sim.TrunkSpec{Name: "gw-a", Behavior: sim.TrunkCongested}); err != nil {
				t.Fatal(err)
			}
			w.customers(
				sim.EndpointSpec{Number: "01062345678", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond, HangupAfter: time.Second},
				sim.EndpointSpec{Number: "075512345678", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond, HangupAfter: time.Second},
			)
			bc := w.campaign(&campaign.Campaign{ID: "bc", Name: "Notice", Type: campaign.IVRBroadcast, Settings: campaign.Settings{
				QueueID: "sales", Window: allDay(), Broadcast: &campaign.BroadcastSettings{Message: campaign.Message{Text: "Your bill is ready.", Lang: "en"}, WaitMS: 200}}},
				"phone\n010 6234 5678\n")
			pd := w.campaign(&campaign.Campaign{ID: "pd", Name: "Pred", Type: campaign.Predictive, Settings: campaign.Settings{
				QueueID: "sales", Window: allDay(), WrapUpMS: 100}}, "phone\n0755 1234 5678\n")
			w.login("bob", "2002")
			for _, c := range []*campaign.Campaign{bc, pd} {
				if _, err := campaign.Act(ctx, w.st, tenant, c.ID, campaign.Start); err != nil {
					t.Fatal(err)
				}
			}
			waitFor(t, "both callees were reached through the second trunk", func() bool {
				n := 0
				for _, leg := range w.sw.Sim.Calls() {
					if leg.Trunk == "gw-b" && (leg.Endpoint == "01062345678" || leg.Endpoint == "075512345678") {
						n++
					}
				}
				return n == 2
			})
			for _, leg := range w.sw.Sim.Calls() {
				want := map[string]string{"01062345678": "01088880003", "075512345678": "075588880001"}[leg.Endpoint]
				if want != "" && leg.ANI != want {
					t.Errorf("%s through %s saw %q, want %s", leg.Endpoint, leg.Trunk, leg.ANI, want)
				}
			}
			for _, c := range []*campaign.Campaign{bc, pd} {
				waitFor(t, c.ID+"'s call recorded through the second trunk", func() bool {
					list, _ := w.st.ListAttempts(ctx, tenant, c.ID, store.AttemptFilter{Kind: store.AttemptCall})
					if len(list) == 0 || list[0].CallID == "" {
						return false
					}
					rec, err := w.st.GetCall(ctx, tenant, list[0].CallID)
					return err == nil && rec.Trunk == "second"
				})
			}
		})
	}
}
