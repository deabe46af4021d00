package dispatch_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/supervise"
)

// A caller who hangs up while an agent's phone rings withdraws the offer:
// the agent did nothing wrong and stays ready (not not-ready for
// no-answer), however the hang-up and the end of the ringing leg race.
func TestCallerLeavesWhileAgentRingsKeepsAgentReady(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
// members (ann and bob when none are named) in the store, where a
// restarted ipcc finds them.
func (w *world) supportInStore(agents ...string) {
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
	if len(agents) == 0 {
		agents = []string{"ann", "bob"}
	}
	for _, a := range agents {
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
	t.Parallel()
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
					ws[0].Waited.D() >= time.Since(entered) && w.heardSince(callers[0], "number 1", restarted) && w.heardSince(callers[1], "number 2", restarted)
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

// Calls re-adopted after a restart while an agent talks to the caller are
// controlled as before: the agent holds, takes off hold, records, transfers
// and hangs up; a supervisor (by the call's record id) listens in and hangs
// up.
func TestReadoptedCallsAreControllable(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			w.supportInStore("bob", "cid", "dan")
			for _, n := range []string{"2003", "2004", "2009", "3001"} {
				if err := w.sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: n, Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond}); err != nil {
					t.Fatal(err)
				}
			}
			agents := []struct{ id, phone string }{{"bob", "2002"}, {"cid", "2003"}, {"dan", "2004"}}
			var callers, legs, ids []string
			for i, a := range agents {
				if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: a.id, Device: a.phone}); err != nil {
					t.Fatal(err)
				}
				c, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "1380013830" + string(rune('1'+i)), To: "4001"})
				if err != nil {
					t.Fatal(err)
				}
				var leg string
				waitFor(t, "the caller talks to "+a.id, func() bool {
					leg = w.legOf(a.phone)
					return leg != "" && w.sw.Sim.Hears(c, leg) && w.sw.Sim.Hears(leg, c)
				})
				callers, legs, ids = append(callers, c), append(legs, leg), append(ids, callIDOf(w, c))
				waitFor(t, "the record knows "+a.id+" answered", func() bool {
					r, err := w.st.GetCall(ctx, tenant, ids[i])
					return err == nil && r.AgentID == a.id && r.Disposition == "answered"
				})
			}

			w.stop()
			w.start()
			sup := supervise.New(w.h.LiveCalls(w.ctl))
			sup.Legs = w.st

			// Bob: hold, unhold, record, a supervisor listening, transfer.
			waitFor(t, "bob's controls reach the re-adopted call", func() bool {
				return w.disp.Control(ctx, tenant, "bob", "hold", nil) == nil
			})
			waitFor(t, "the caller is on hold", func() bool {
				ci := mustCall(w, callers[0])
				return ci.Music != ""
			})
			if err := w.disp.Control(ctx, tenant, "bob", "unhold", nil); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the caller is off hold and hears bob", func() bool {
				return mustCall(w, callers[0]).Music == "" && w.sw.Sim.Hears(callers[0], legs[0])
			})
			if err := w.disp.Control(ctx, tenant, "bob", "record-start", nil); err != nil {
				t.Fatal(err)
			}
			time.Sleep(200 * time.Millisecond)
			if err := w.disp.Control(ctx, tenant, "bob", "record-stop", nil); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the recording made after the restart is complete", func() bool {
				rs, _ := w.st.ListRecordings(ctx, tenant, store.RecordingFilter{CallID: ids[0]})
				return len(rs) == 1 && rs[0].EndedAt != nil && rs[0].AgentID == "bob"
			})
			spy, err := sup.Monitor(ctx, supervise.Monitoring{Tenant: tenant, Supervisor: "sup"}, ids[0], "2009", controller.EavesdropListen)
			if err != nil {
				t.Fatalf("monitor the re-adopted call: %v", err)
			}
			waitFor(t, "the supervisor hears caller and bob", func() bool {
				return w.sw.Sim.Hears(spy, callers[0]) && w.sw.Sim.Hears(spy, legs[0])
			})
			if err := sup.StopMonitor(ctx, ids[0]); err != nil {
				t.Fatal(err)
			}
			if err := w.disp.Control(ctx, tenant, "bob", "transfer", &dialplan.Target{Kind: dialplan.KindExtension, Ref: "3001"}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the caller talks to 3001 and bob is free", func() bool {
				x := w.legOf("3001")
				a, err := w.eng.Agent(ctx, "bob")
				return x != "" && w.sw.Sim.Hears(callers[0], x) && !live(w, legs[0]) && err == nil && a.CallID == ""
			})

			// Cid hangs up from the desktop.
			waitFor(t, "cid's controls reach the re-adopted call", func() bool {
				return w.disp.Control(ctx, tenant, "cid", "hangup", nil) == nil
			})
			rec := w.record(callers[1], nil)
			if rec.ID != ids[1] || rec.AgentID != "cid" || rec.Disposition != "answered" || live(w, legs[1]) {
				t.Errorf("call cid hung up: %+v", rec)
			}

			// A supervisor hangs up dan's call.
			if err := sup.Hangup(ctx, ids[2]); err != nil {
				t.Fatalf("supervisor hang-up of the re-adopted call: %v", err)
			}
			rec = w.record(callers[2], nil)
			waitFor(t, "dan's leg ended", func() bool { return !live(w, legs[2]) })
			if rec.ID != ids[2] || rec.AgentID != "dan" {
				t.Errorf("call a supervisor hung up: %+v", rec)
			}
			w.sw.Sim.HangupCall(callers[0])
			rec = w.record(callers[0], nil)
			if rec.ID != ids[0] || rec.Transfers != 1 || rec.AgentID != "bob" {
				t.Errorf("transferred call: %+v", rec)
			}
		})
	}
}

// An agent's own call (click-to-dial) re-adopted after a restart takes the
// agent's controls again: hold, unhold, hang up.
func TestReadoptedOwnCallIsControllable(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			w.disp.SetDialer(w.ctl, "sw1")
			if err := w.sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: "3005", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2002"}); err != nil {
				t.Fatal(err)
			}
			id, err := w.disp.ClickToDial(ctx, tenant, "bob", "3005", "")
			if err != nil {
				t.Fatal(err)
			}
			var bob, x string
			waitFor(t, "bob talks to 3005", func() bool {
				bob, x = w.legOf("2002"), w.legOf("3005")
				return bob != "" && x != "" && w.sw.Sim.Hears(bob, x)
			})
			waitFor(t, "the record knows the answer", func() bool {
				c, err := w.st.GetCall(ctx, tenant, id)
				return err == nil && c.Disposition == "answered"
			})
			w.stop()
			w.start()
			w.disp.SetDialer(w.ctl, "sw1")
			waitFor(t, "bob's controls reach his re-adopted call", func() bool {
				return w.disp.Control(ctx, tenant, "bob", "hold", nil) == nil
			})
			waitFor(t, "the called party is on hold", func() bool {
				ci := mustCall(w, x)
				return ci.Music != ""
			})
			time.Sleep(100 * time.Millisecond)
			if err := w.disp.Control(ctx, tenant, "bob", "unhold", nil); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "off hold", func() bool { return mustCall(w, x).Music == "" })
			if err := w.disp.Control(ctx, tenant, "bob", "hangup", nil); err != nil {
				t.Fatal(err)
			}
			var rec *store.CallRecord
			waitFor(t, "the call ended, its record is complete and bob is ready", func() bool {
				rec, err = w.st.GetCall(ctx, tenant, id)
				a, aerr := w.eng.Agent(ctx, "bob")
				return err == nil && rec.EndedAt != nil && !live(w, bob) && !live(w, x) && aerr == nil && a.State == acd.Available
			})
			if rec.Disposition != "answered" || rec.HoldMS <= 0 {
				t.Errorf("record %+v", rec)
			}
		})
	}
}

// A controller dies while ringing an agent for a waiting caller. The next
// controller ends that ring — recorded (a call_legs row of the caller's
// record) or not (the controller died before writing it: the row is
// removed here; the ring carries ipcc_agent and no record knows it) — and
// offers the caller again. The new offer must not overlap the old ring:
// the agent is held in the ACD until the switch reports the old ring gone.
// The switch here accepts the hang-up of the old ring at once and ends the
// leg 300 ms later (as a loaded switch may), so an offer made on the
// hang-up's reply rings the agent twice. The world's stop, with every
// hang-up of the dying controller dropped, stands for the death.
// FreeSWITCH only: on the Asterisk front a ring still outside Stasis ends
// when the controller's connection goes (the case does not arise there).
func TestRingOfThePreviousControllerEndsBeforeTheNextOffer(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH} {
		for _, recorded := range []bool{false, true} {
			name := string(f) + "/unrecorded"
			if recorded {
				name = string(f) + "/recorded"
			}
			t.Run(name, func(t *testing.T) {
				var dying atomic.Bool
				slow := &slowHangups{}
				w := newWrappedWorld(t, f, func(sw controller.Switch) controller.Switch {
					slow.Switch = &deadHangups{Switch: sw, dead: &dying}
					return slow
				})
				ctx := context.Background()
				w.supportInStore()
				if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "ann", Device: "2001"}); err != nil {
					t.Fatal(err)
				}
				caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138301", To: "4001"})
				if err != nil {
					t.Fatal(err)
				}
				var ring string
				waitFor(t, "ann's phone rings", func() bool {
					ring = w.legOf("2001")
					return ring != ""
				})
				callID := callIDOf(w, caller)
				waitFor(t, "the ring is recorded", func() bool {
					legs, _ := w.st.ListCallLegs(ctx, tenant, callID)
					return len(legs) == 2
				})
				dying.Store(true)
				w.stop()
				dying.Store(false)
				if !live(w, ring) {
					t.Fatalf("the ring ended with the controller's stop: %+v", mustCall(w, ring))
				}
				if !recorded {
					// As if the controller had died before writing it.
					if _, err := w.st.DB().ExecContext(ctx, `DELETE FROM call_legs WHERE leg_id = ?`, ring); err != nil {
						t.Fatal(err)
					}
				}
				slow.set(ring, 300*time.Millisecond)
				w.start()
				waitFor(t, "the old ring is hung up", func() bool { return !live(w, ring) })
				if c := mustCall(w, ring); c.Cause != "ORIGINATOR_CANCEL" {
					t.Errorf("the old ring ended with %q, want ORIGINATOR_CANCEL", c.Cause)
				}
				var again sim.CallInfo
				waitFor(t, "ann is rung again for the caller", func() bool {
					for _, c := range w.sw.Sim.Calls() {
						if c.Endpoint == "2001" && !c.Inbound && c.ID != ring && c.Ended.IsZero() {
							again = c
							return true
						}
					}
					return false
				})
				if old := mustCall(w, ring); again.Created.Before(old.Ended) {
					t.Errorf("ann was rung again %s before the old ring ended: two calls on her phone", old.Ended.Sub(again.Created))
				}
				calls, _ := w.st.ListCalls(ctx, tenant, store.CallFilter{})
				if len(calls) != 1 {
					t.Errorf("%d call records, want 1 (the old ring is not a call)", len(calls))
				}
				_ = w.sw.Sim.HangupCall(caller)
				w.record(caller, nil)
				if recorded {
					// The record says the same: the old ring's row ends
					// before the new one starts, not with the call.
					legs, _ := w.st.ListCallLegs(ctx, tenant, callID)
					for _, l := range legs {
						if l.LegID == ring && (l.EndedAt == nil || l.EndedAt.After(again.Created)) {
							t.Errorf("the old ring's row ends at %v, after the new ring started (%v)", l.EndedAt, again.Created)
						}
					}
				}
			})
		}
	}
}

// deadHangups drops the hang-ups of a controller while dead is set (a
// killed process sends nothing).
type deadHangups struct {
	controller.Switch
	dead *atomic.Bool
}

func (d *deadHangups) Hangup(ctx context.Context, leg string, cause controller.Cause) error {
	if d.dead.Load() {
		return controller.ErrNotConnected
	}
	return d.Switch.Hangup(ctx, leg, cause)
}

// slowHangups accepts the hang-up of one leg at once and carries it out
// after a delay: the leg stays up meanwhile (a loaded switch).
type slowHangups struct {
	controller.Switch
	mu    sync.Mutex
	leg   string
	delay time.Duration
	sent  bool
}

func (s *slowHangups) set(leg string, d time.Duration) {
	s.mu.Lock()
	s.leg, s.delay, s.sent = leg, d, false
	s.mu.Unlock()
}

func (s *slowHangups) Hangup(ctx context.Context, leg string, cause controller.Cause) error {
	s.mu.Lock()
	slow, first := leg == s.leg && s.leg != "", !s.sent
	if slow {
		s.sent = true
	}
	d := s.delay
	s.mu.Unlock()
	if !slow {
		return s.Switch.Hangup(ctx, leg, cause)
	}
	if first {
		go func() {
			time.Sleep(d)
			_ = s.Switch.Hangup(context.Background(), leg, cause)
		}()
	}
	return nil
}

// A call the previous controller recorded but had not routed yet when it
// died (its record has no target) is routed from the start by the next
// one, as a new call would be: the caller reaches the queue and an agent,
// on the same record, instead of being sent away with an apology.
func TestReadoptedCallWithoutTargetIsRoutedFromTheStart(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			w.supportInStore()
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2002", NotReady: "break"}); err != nil {
				t.Fatal(err)
			}
			caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138301", To: "4001"})
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the caller waits in the queue", func() bool { return w.heard(caller, "number 1") })
			id := callIDOf(w, caller)

			w.stop()
			// As if the controller had died between the record's first
			// write and the routing decision.
			rec, err := w.st.GetCall(ctx, tenant, id)
			if err != nil {
				t.Fatal(err)
			}
			rec.Target, rec.QueueID = "", ""
			if err := w.st.SaveCall(ctx, rec); err != nil {
				t.Fatal(err)
			}
			restarted := time.Now()
			w.start()
			waitFor(t, "the caller is routed to the queue again", func() bool { return w.heardSince(caller, "number 1", restarted) })
			if err := w.eng.Ready(ctx, "bob"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "bob talks to the caller", func() bool {
				bob := w.legOf("2002")
				return bob != "" && w.sw.Sim.Hears(caller, bob)
			})
			w.sw.Sim.HangupCall(caller)
			got := w.record(caller, nil)
			if got.ID != id || got.Disposition != "answered" || got.AgentID != "bob" || got.Target != "queue:support" {
				t.Errorf("the caller's record: id %s (want %s), disposition %q, agent %q, target %q", got.ID, id, got.Disposition, got.AgentID, got.Target)
			}
			if !strings.Contains(got.Trace, "routed from the start") {
				t.Errorf("the trace does not say the call was routed from the start: %s", got.Trace)
			}
			calls, _ := w.st.ListCalls(ctx, tenant, store.CallFilter{})
			n := 0
			for _, c := range calls {
				if c.Leg == caller {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%d records of the caller, want 1", n)
			}
		})
	}
}
