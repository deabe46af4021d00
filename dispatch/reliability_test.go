package dispatch_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/store"
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

// supportInStore puts queue "support" (position announcements on) and its
// members ann and bob in the store, where a restarted ipcc finds them.
func (w *world) supportInStore() {
	w.t.Helper()
	ctx := context.Background()
	row, err := acd.QueueRow(tenant, acd.QueueConfig{ID: "support", Name: "Support", Strategy: "longest-idle", RingTimeout: acd.Duration(5 * time.Second),
		WrapUp: acd.Duration(time.Second), Announcements: acd.Announcements{Lang: "en", Position: true, PositionInterval: acd.Duration(time.Minute)}})
	if err != nil {
		w.t.Fatal(err)
	}
	if err := w.st.CreateACDQueue(ctx, row); err != nil {
		w.t.Fatal(err)
	}
	for _, a := range []string{"ann", "bob"} {
		if err := w.st.PutACDMember(ctx, &store.ACDMember{TenantID: tenant, QueueID: "support", AgentID: a, Level: 1}); err != nil {
			w.t.Fatal(err)
		}
	}
	if err := w.eng.ReloadConfig(ctx); err != nil {
		w.t.Fatal(err)
	}
}

// heardSince reports whether leg heard want at or after since.
func (w *world) heardSince(leg, want string, since time.Time) bool {
	ci, err := w.sw.Sim.Call(leg)
	if err != nil {
		return false
	}
	for _, h := range ci.Heard {
		if !h.At.Before(since) && (strings.Contains(h.Text, want) || strings.Contains(h.Value, want)) {
			return true
		}
	}
	return false
}

// Callers waiting in a queue keep their place over a restart: the queue
// entry time is kept, the order is the same afterwards and each caller is
// told the same position again; the first agent free takes the first
// caller, and each record's wait runs from the queue entry, through the
// restart.
func TestQueuePositionSurvivesRestart(t *testing.T) {
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			w.supportInStore()
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2002", NotReady: "break"}); err != nil {
				t.Fatal(err)
			}
			var callers, ids []string
			for i, ani := range []string{"13800138201", "13800138202"} {
				c, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: ani, To: "4001"})
				if err != nil {
					t.Fatal(err)
				}
				pos := []string{"number 1", "number 2"}[i]
				waitFor(t, ani+" hears "+pos, func() bool { return w.heard(c, pos) })
				callers, ids = append(callers, c), append(ids, callIDOf(w, c))
			}
			entered := time.Now()

			w.stop()
			time.Sleep(300 * time.Millisecond)
			restarted := time.Now()
			w.start()
			waitFor(t, "both callers wait again, in their order", func() bool {
				snap, err := w.eng.Snapshot(ctx)
				if err != nil || len(snap.Queues) != 1 {
					return false
				}
				ws := snap.Queues[0].Waiting
				return len(ws) == 2 && ws[0].CallID == ids[0] && ws[1].CallID == ids[1] && ws[0].Position == 1 && ws[1].Position == 2 &&
					ws[0].Waited >= time.Since(entered) && w.heardSince(callers[0], "number 1", restarted) && w.heardSince(callers[1], "number 2", restarted)
			})
			for i, c := range callers {
				if w.heardSince(c, []string{"number 2", "number 1"}[i], restarted) {
					t.Errorf("caller %d was told the wrong position after the restart", i+1)
				}
			}
			// The first agent free takes the first caller.
			if err := w.eng.Ready(ctx, "bob"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "bob talks to the first caller", func() bool {
				bob := w.legOf("2002")
				return bob != "" && w.sw.Sim.Hears(callers[0], bob)
			})
			w.sw.Sim.HangupCall(callers[0])
			w.sw.Sim.HangupCall(callers[1])
			rec := w.record(callers[0], nil)
			if rec.Disposition != "answered" || rec.AgentID != "bob" || rec.WaitMS < time.Since(entered).Milliseconds()-1000 {
				t.Errorf("first caller's record: %+v", rec)
			}
			rec = w.record(callers[1], nil)
			if rec.Disposition != "abandoned_queue" || rec.WaitMS < time.Since(entered).Milliseconds()-1000 {
				t.Errorf("second caller's record: %+v", rec)
			}
			waitFor(t, "the engine forgot both", func() bool {
				snap, err := w.eng.Snapshot(ctx)
				return err == nil && len(snap.Queues[0].Waiting) == 0
			})
		})
	}
}
