package dispatch_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/campaign"
	"github.com/ipcc/ipcc/clock"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/store"
)

type dueFeed struct {
	mu   sync.Mutex
	evs  []dispatch.Event
	next *dispatch.Dispatcher
}

func (f *dueFeed) Publish(ev dispatch.Event) {
	f.mu.Lock()
	f.evs = append(f.evs, ev)
	f.mu.Unlock()
	f.next.Publish(ev)
}

// A scheduled call-back owned by bob: nothing before it is due, then the
// scheduler tells bob; bob takes it (as POST /api/v1/callbacks/{id}/dial
// does) and the call-back is dialled from his phone through the switch.
func TestScenarioScheduledCallbackTakenAndDialled(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			w.disp.SetDialer(w.ctl, "sw1")
			if err := w.sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: "3007", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2002"}); err != nil {
				t.Fatal(err)
			}
			clk := clock.NewFake(time.Now())
			due := clk.Now().Add(time.Minute)
			until := due.Add(15 * time.Minute)
			if err := w.st.CreateCallback(ctx, &store.CallbackWork{TenantID: tenant, ID: "cb1", CallID: "scheduled:cb1", QueueID: "support",
				Number: "3007", DueAt: &due, OwnerAgent: "bob", OwnerUntil: &until, CreatedBy: "bob"}); err != nil {
				t.Fatal(err)
			}
			feed := &dueFeed{next: w.disp}
			sch := campaign.NewCallbackScheduler(campaign.CallbackOptions{Store: w.st, Events: feed, Clock: clk, Logger: quiet})
			if n := sch.Tick(ctx); n != 0 {
				t.Fatalf("notified before due: %d", n)
			}
			clk.Advance(2 * time.Minute)
			if n := sch.Tick(ctx); n != 1 {
				t.Fatalf("due: %d", n)
			}
			feed.mu.Lock()
			evs := feed.evs
			feed.mu.Unlock()
			if len(evs) != 1 || evs[0].Type != campaign.EventCallbackDue || evs[0].Agent != "bob" || evs[0].Target != "cb1" || evs[0].Reason != "due" {
				t.Fatalf("events %+v", evs)
			}
			// Take and dial.
			if err := w.st.ClaimCallback(ctx, tenant, "cb1", "bob"); err != nil {
				t.Fatal(err)
			}
			id, err := w.disp.ClickToDial(ctx, tenant, "bob", "3007", "")
			if err != nil {
				t.Fatal(err)
			}
			if err := w.st.UpdateCallback(ctx, tenant, "cb1", store.CallbackInProgress, id, "", nil); err != nil {
				t.Fatal(err)
			}
			var bob, cust string
			waitFor(t, "bob talks to the customer he called back", func() bool {
				bob, cust = w.legOf("2002"), w.legOf("3007")
				return bob != "" && cust != "" && w.sw.Sim.Hears(bob, cust) && w.sw.Sim.Hears(cust, bob)
			})
			w.sw.Sim.HangupCall(cust)
			waitFor(t, "the call-back's call is recorded", func() bool {
				c, err := w.st.GetCall(ctx, tenant, id)
				return err == nil && c.Disposition == "answered" && c.EndedAt != nil
			})
			if cb, err := w.st.GetCallbackWork(ctx, tenant, "cb1"); err != nil || cb.ResultCallID != id || cb.HandledBy != "bob" || cb.Attempts != 1 {
				t.Fatalf("call-back after %+v %v", cb, err)
			}
		})
	}
}
