package dispatch_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/dialplan"
)

// A caller waiting in a queue hears music between the announcements, and
// none once connected; the agent's hold gives the caller music and the
// agent none. On FreeSWITCH uuid_hold broadcasts the music to the held
// leg's bridged partner only, so a waiting caller (no partner) heard
// silence and a held caller's agent heard the music.
func TestScenarioWaitingCallerHearsMusic(t *testing.T) {
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			if err := w.sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: "3001", Behavior: sim.BehaviorAnswer}); err != nil {
				t.Fatal(err)
			}
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2002", WorkNumber: "8002", NotReady: "break"}); err != nil {
				t.Fatal(err)
			}
			caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138077", To: "4001"})
			if err != nil {
				t.Fatal(err)
			}
			positions := func() int {
				n := 0
				for _, h := range mustCall(w, caller).Heard {
					if strings.Contains(h.Text, "in the queue") {
						n++
					}
				}
				return n
			}
			waitFor(t, "the caller hears their position", func() bool { return positions() >= 1 })
			waitFor(t, "the waiting caller hears music", func() bool { return mustCall(w, caller).Music != "" })
			// The next announcement interrupts the music, which comes back.
			waitFor(t, "the caller hears their position again", func() bool { return positions() >= 2 })
			waitFor(t, "the music comes back after the announcement", func() bool { return mustCall(w, caller).Music != "" })

			if err := w.eng.Ready(ctx, "bob"); err != nil {
				t.Fatal(err)
			}
			var bob string
			waitFor(t, "the caller is connected to bob", func() bool {
				bob = w.legOf("2002")
				return bob != "" && w.sw.Sim.Hears(caller, bob) && w.sw.Sim.Hears(bob, caller)
			})
			if m := mustCall(w, caller).Music; m != "" {
				t.Fatalf("connected, the caller still hears music %q", m)
			}

			if err := w.disp.Control(ctx, tenant, "bob", "hold", nil); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the held caller hears music and bob does not hear them", func() bool {
				return mustCall(w, caller).Music != "" && !w.sw.Sim.Hears(bob, caller) && !w.sw.Sim.Hears(caller, bob)
			})
			if m := mustCall(w, bob).Music; m != "" {
				t.Errorf("bob hears the caller's music on hold %q", m)
			}
			if err := w.disp.Control(ctx, tenant, "bob", "unhold", nil); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "off hold, caller and bob talk again", func() bool {
				return mustCall(w, caller).Music == "" && w.sw.Sim.Hears(caller, bob) && w.sw.Sim.Hears(bob, caller)
			})

			// Held again, then transferred: the music stops, 3001 talks.
			if err := w.disp.Control(ctx, tenant, "bob", "hold", nil); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "held again", func() bool { return mustCall(w, caller).Music != "" })
			if err := w.disp.Control(ctx, tenant, "bob", "transfer", &dialplan.Target{Kind: dialplan.KindExtension, Ref: "3001"}); err != nil {
				t.Fatal(err)
			}
			defer func() {
				if t.Failed() {
					t.Logf("caller %+v", mustCall(w, caller))
				}
			}()
			waitFor(t, "the caller talks to 3001 without music", func() bool {
				x := w.legOf("3001")
				return x != "" && w.sw.Sim.Hears(caller, x) && w.sw.Sim.Hears(x, caller) && mustCall(w, caller).Music == ""
			})
		})
	}
}
