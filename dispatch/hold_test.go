package dispatch_test

import (
	"context"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/dispatch"
)

// A hold the agent makes on their desk phone (the switch reports it) is
// published as held / unheld like a hold through the API, so the
// supervisor's long-hold alert and the desktop see it; a call held both
// ways gives one held and one unheld.
func TestScenarioPhoneHoldIsPublished(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			evs, unsub := w.disp.Subscribe(64)
			defer unsub()
			caller, bob := w.talkToBob(f, "13800138077")
			id := callIDOf(w, caller)
			next := func(what string) dispatch.Event {
				t.Helper()
				deadline := time.After(5 * time.Second)
				for {
					select {
					case ev := <-evs:
						if ev.Type == "held" || ev.Type == "unheld" {
							return ev
						}
					case <-deadline:
						t.Fatalf("no %s event", what)
					}
				}
			}
			none := func(what string) {
				t.Helper()
				deadline := time.After(700 * time.Millisecond)
				for {
					select {
					case ev := <-evs:
						if ev.Type == "held" || ev.Type == "unheld" {
							t.Fatalf("%s: unexpected %+v", what, ev)
						}
					case <-deadline:
						return
					}
				}
			}

			// The desk phone's hold button.
			if err := w.sw.Sim.PhoneHold(bob, true); err != nil {
				t.Fatal(err)
			}
			ev := next("held")
			if ev.Type != "held" || ev.Agent != "bob" || ev.Call != id || ev.Queue != "support" || ev.Tenant != tenant {
				t.Fatalf("held: %+v (call %s)", ev, id)
			}
			// A console opened now learns the hold and its age.
			if at, ok := w.disp.HeldSince(tenant, id); !ok || !at.Equal(ev.At) {
				t.Fatalf("HeldSince while held = %v, %v; want %v", at, ok, ev.At)
			}
			if err := w.sw.Sim.PhoneHold(bob, false); err != nil {
				t.Fatal(err)
			}
			if ev := next("unheld"); ev.Type != "unheld" || ev.Agent != "bob" || ev.Call != id {
				t.Fatalf("unheld: %+v", ev)
			}
			if at, ok := w.disp.HeldSince(tenant, id); ok {
				t.Fatalf("HeldSince after unheld = %v", at)
			}

			// Through the API (what the API does: the hold, then its event)
			// and on the phone meanwhile: still one held, one unheld.
			if err := w.disp.Control(ctx, tenant, "bob", "hold", nil); err != nil {
				t.Fatal(err)
			}
			w.disp.Publish(dispatch.Event{Type: "held", Tenant: tenant, Agent: "bob", Call: id, At: time.Now()})
			if ev := next("held"); ev.Type != "held" {
				t.Fatalf("API hold: %+v", ev)
			}
			if err := w.sw.Sim.PhoneHold(bob, true); err != nil {
				t.Fatal(err)
			}
			none("the phone holds a held call")
			if err := w.disp.Control(ctx, tenant, "bob", "unhold", nil); err != nil {
				t.Fatal(err)
			}
			w.disp.Publish(dispatch.Event{Type: "unheld", Tenant: tenant, Agent: "bob", Call: id, At: time.Now()})
			none("the API resumes while the phone still holds")
			if err := w.sw.Sim.PhoneHold(bob, false); err != nil {
				t.Fatal(err)
			}
			if ev := next("unheld"); ev.Type != "unheld" {
				t.Fatalf("last hold ends: %+v", ev)
			}

			// A call that ends on hold leaves nothing behind: the next
			// call's first hold is published.
			if err := w.sw.Sim.PhoneHold(bob, true); err != nil {
				t.Fatal(err)
			}
			next("held")
			if err := w.sw.Sim.HangupCall(caller); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "bob is free again", func() bool {
				a, err := w.eng.Agent(ctx, "bob")
				return err == nil && a.CallID == ""
			})
			waitFor(t, "the ended call's hold forgotten", func() bool {
				_, ok := w.disp.HeldSince(tenant, id)
				return !ok
			})
		})
	}
}
