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

// The owner dies between bridging the caller with the agent who answered
// and writing that answer: the switch has them talking, the call record
// still has the agent's leg ringing (no agent, not answered) and, when the
// ACD's write of the answer did not go out either, the restored ACD has
// the agent ringing and the caller waiting. The store is written here as
// it stood at the ring, once they talk, to stand for that moment. The next
// owner asks the switch before hanging up what the record calls a ring:
// the leg is answered and bridged with the caller, so the conversation is
// taken back as a re-adopted answered call is — not cut, the caller not
// put back in the queue, the agent not rung again — the agent on call in
// the ACD, the record answered by them, with one record in the end.
//
// unrecorded: the ring's row was not written either (FreeSWITCH only: its
// listing names the agent a leg was rung for, ipcc_agent; ARI's lists no
// variables).
func TestAgentBridgedJustBeforeTheOwnerDied(t *testing.T) {
	type variant struct {
		f                   sim.Front
		acdKnew, unrecorded bool
	}
	var variants []variant
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		variants = append(variants, variant{f: f}, variant{f: f, acdKnew: true})
	}
	variants = append(variants, variant{f: sim.FrontFreeSWITCH, unrecorded: true})
	for _, v := range variants {
		f, acdKnew, unrecorded := v.f, v.acdKnew, v.unrecorded
		name := string(f) + "/acd-ringing"
		if acdKnew {
			name = string(f) + "/acd-on-call"
		}
		if unrecorded {
			name += "/ring-unrecorded"
		}
		t.Run(name, func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			w.supportInStore("bob")
			// Bob answers late enough for the store to be read at the ring.
			if err := w.sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: "2002", Behavior: sim.BehaviorAnswer, AnswerAfter: time.Second}); err != nil {
				t.Fatal(err)
			}
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2002"}); err != nil {
				t.Fatal(err)
			}
			caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138701", To: "4001"})
			if err != nil {
				t.Fatal(err)
			}
			var bob string
			waitFor(t, "bob's phone rings", func() bool {
				bob = w.legOf("2002")
				return bob != ""
			})
			id := callIDOf(w, caller)
			waitFor(t, "the ring is recorded", func() bool {
				legs, _ := w.st.ListCallLegs(ctx, tenant, id)
				return len(legs) == 2
			})
			w.eng.Flush()
			if err := w.st.FlushCalls(ctx); err != nil {
				t.Fatal(err)
			}
			atRing, err := w.st.GetCall(ctx, tenant, id)
			if err != nil {
				t.Fatal(err)
			}
			legsAtRing, err := w.st.ListCallLegs(ctx, tenant, id)
			if err != nil {
				t.Fatal(err)
			}
			acdStore := acd.SQLStore{S: w.st}
			agentsAtRing, entriesAtRing, err := acdStore.LoadState(ctx, tenant)
			if err != nil {
				t.Fatal(err)
			}
			if atRing.AgentID != "" || atRing.Disposition == "answered" || len(entriesAtRing) != 1 {
				t.Fatalf("the store at the ring: record %+v, %d waiting", atRing, len(entriesAtRing))
			}
			waitFor(t, "caller and bob talk", func() bool { return w.sw.Sim.Hears(caller, bob) && w.sw.Sim.Hears(bob, caller) })
			waitFor(t, "the record knows bob answered", func() bool {
				r, err := w.st.GetCall(ctx, tenant, id)
				return err == nil && r.AgentID == "bob"
			})

			w.stop()
			if err := w.st.FlushCalls(ctx); err != nil {
				t.Fatal(err)
			}
			// As if the owner had died right after the bridge: the answer
			// is not in the record (nor, unless acdKnew, in the ACD).
			if err := w.st.SaveCall(ctx, atRing); err != nil {
				t.Fatal(err)
			}
			for i := range legsAtRing {
				if err := w.st.SaveCallLeg(ctx, &legsAtRing[i]); err != nil {
					t.Fatal(err)
				}
			}
			if unrecorded {
				if _, err := w.st.DB().ExecContext(ctx, `DELETE FROM call_legs WHERE leg_id = ?`, bob); err != nil {
					t.Fatal(err)
				}
			}
			if !acdKnew {
				for _, a := range agentsAtRing {
					if err := acdStore.SaveAgent(ctx, tenant, a); err != nil {
						t.Fatal(err)
					}
				}
				for _, e := range entriesAtRing {
					if err := acdStore.SaveEntry(ctx, tenant, e); err != nil {
						t.Fatal(err)
					}
				}
			}
			if !live(w, bob) || !w.sw.Sim.Hears(caller, bob) {
				t.Fatal("caller and bob stopped talking with the controller")
			}

			w.start()
			waitFor(t, "the record names bob, answered", func() bool {
				r, err := w.st.GetCall(ctx, tenant, id)
				return err == nil && r.AgentID == "bob" && r.Disposition == "answered"
			})
			waitFor(t, "bob is on the call in the ACD", func() bool {
				a, err := w.eng.Agent(ctx, "bob")
				return err == nil && a.State == acd.OnCall && a.CallID == id
			})
			// Past the restored queue's grace and the re-adoption's waits
			// for a bridge: the conversation goes on.
			time.Sleep(3 * time.Second)
			if !live(w, bob) || !live(w, caller) || !w.sw.Sim.Hears(caller, bob) || !w.sw.Sim.Hears(bob, caller) {
				t.Fatalf("the conversation was cut: bob %+v, caller %+v", mustCall(w, bob), mustCall(w, caller))
			}
			n := 0
			for _, c := range w.sw.Sim.Calls() {
				if c.Endpoint == "2002" && !c.Inbound {
					n++
				}
			}
			if n != 1 {
				t.Errorf("bob's phone was rung %d times, want once", n)
			}
			if a, err := w.eng.Agent(ctx, "bob"); err != nil || a.State != acd.OnCall || a.CallID != id {
				t.Errorf("bob after the takeover: %+v %v (want on call %s)", a, err, id)
			}
			// Bob's controls reach the call: he hangs up from the desktop.
			waitFor(t, "bob's controls reach the call", func() bool {
				return w.disp.Control(ctx, tenant, "bob", "hangup", nil) == nil
			})
			rec := w.record(caller, nil)
			if rec.ID != id || rec.AgentID != "bob" || rec.Disposition != "answered" || rec.TalkMS <= 0 {
				t.Errorf("the caller's record: id %s (want %s), agent %q, disposition %q, talk %d ms", rec.ID, id, rec.AgentID, rec.Disposition, rec.TalkMS)
			}
			if !strings.Contains(rec.Trace, "answered and bridged with the caller") {
				t.Errorf("the trace does not tell how the conversation was found: %s", rec.Trace)
			}
			if f == sim.FrontAsterisk && !strings.Contains(rec.Trace, "re-adoption time") {
				t.Errorf("the trace does not say the answer time is the re-adoption's (ARI lists no answer time): %s", rec.Trace)
			}
			if f == sim.FrontFreeSWITCH && !strings.Contains(rec.Trace, "the switch's answer time") {
				t.Errorf("the trace does not say the answer time is the switch's: %s", rec.Trace)
			}
			legs, _ := w.st.ListCallLegs(ctx, tenant, id)
			if len(legs) != 2 {
				t.Errorf("%d leg rows, want 2 (caller, bob): %+v", len(legs), legs)
			}
			for _, l := range legs {
				if l.LegID == bob && (l.AnsweredAt == nil || l.EndedAt == nil || l.HangupCause == "ORIGINATOR_CANCEL") {
					t.Errorf("bob's leg row: %+v", l)
				}
				if l.LegID == bob && l.AnsweredAt != nil && f == sim.FrontFreeSWITCH {
					// FreeSWITCH lists the answer time: the row has it.
					if d := l.AnsweredAt.Sub(mustCall(w, bob).Answered).Abs(); d > 10*time.Millisecond {
						t.Errorf("bob's leg answered at %v in the record, %v on the switch", l.AnsweredAt, mustCall(w, bob).Answered)
					}
				}
			}
			waitFor(t, "bob is free again", func() bool {
				a, err := w.eng.Agent(ctx, "bob")
				return err == nil && a.State == acd.Available
			})
			if calls, _ := w.st.ListCalls(ctx, tenant, store.CallFilter{}); len(calls) != 1 {
				t.Errorf("%d call records, want 1", len(calls))
			}
		})
	}
}
