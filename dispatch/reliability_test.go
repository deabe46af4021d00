package dispatch_test

import (
	"context"
	"testing"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/controller/sim"
)

// A caller who hangs up while an agent's phone rings withdraws the offer:
// the agent did nothing wrong and stays ready (not not-ready for
// no-answer), however the hang-up and the end of the ringing leg race.
func TestCallerLeavesWhileAgentRingsKeepsAgentReady(t *testing.T) {
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "ann", Device: "2001"}); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 4; i++ {
				caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "1380013810" + string(rune('0'+i)), To: "4001"})
				if err != nil {
					t.Fatal(err)
				}
				var ring string
				waitFor(t, "ann's phone rings", func() bool {
					for _, c := range w.sw.Sim.Calls() {
						if c.Endpoint == "2001" && !c.Inbound && c.Ended.IsZero() {
							ring = c.ID
							return true
						}
					}
					return false
				})
				if err := w.sw.Sim.HangupCall(caller); err != nil {
					t.Fatal(err)
				}
				w.record(caller, nil)
				waitFor(t, "ann's ringing leg ended", func() bool { return !live(w, ring) })
				time.Sleep(100 * time.Millisecond)
				a, err := w.eng.Agent(ctx, "ann")
				if err != nil {
					t.Fatal(err)
				}
				if a.State != acd.Available {
					t.Fatalf("call %d: after the caller left while her phone rang, ann is %s (%s)", i, a.State, a.Reason)
				}
			}
		})
	}
}

// A caller who hangs up just as an agent becomes free: the offer the
// engine made meanwhile finds the caller gone. It is withdrawn, not
// counted against the agent.
func TestCallerLeavesAsAgentIsOfferedKeepsAgentReady(t *testing.T) {
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "ann", Device: "2001", NotReady: "break"}); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 8; i++ {
				caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "1380013811" + string(rune('0'+i)), To: "4001"})
				if err != nil {
					t.Fatal(err)
				}
				waitFor(t, "the caller waits", func() bool {
					snap, err := w.eng.Snapshot(ctx)
					return err == nil && len(snap.Queues) == 1 && len(snap.Queues[0].Waiting) == 1
				})
				if err := w.sw.Sim.HangupCall(caller); err != nil {
					t.Fatal(err)
				}
				if err := w.eng.Ready(ctx, "ann"); err != nil {
					t.Fatal(err)
				}
				w.record(caller, nil)
				time.Sleep(100 * time.Millisecond)
				waitFor(t, "no leg rings ann", func() bool {
					for _, c := range w.sw.Sim.Calls() {
						if c.Endpoint == "2001" && c.Ended.IsZero() {
							return false
						}
					}
					return true
				})
				a, err := w.eng.Agent(ctx, "ann")
				if err != nil {
					t.Fatal(err)
				}
				if a.State != acd.Available {
					t.Fatalf("call %d: after the caller left as she was offered the call, ann is %s (%s)", i, a.State, a.Reason)
				}
				if _, err := w.eng.NotReady(ctx, "ann", "break"); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
