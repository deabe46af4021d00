package dispatch_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/store"
)

// ipcc restarts (a new controller on the same store and switch) while a
// queue call is bridged, recorded and held, and another caller waits. The
// bridged call goes on as one call, still held: one record, no call of its own for the
// agent's leg, the agent's controls reach it (hold, unhold, transfer), the
// recording the first controller started is completed with the call —
// done, with its file — and the record is closed once, naming the agent.
// The waiting caller is answered by the agent once free, who hangs up from
// the desktop.
func TestRestartWithCallsUp(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontAsterisk, sim.FrontFreeSWITCH} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			w.supportInStore("bob")
			if err := w.sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: "3001", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			talking, bob := w.talkToBob(f, "13800138501")
			talkingID := callIDOf(w, talking)
			waitFor(t, "the record knows bob answered", func() bool {
				r, err := w.st.GetCall(ctx, tenant, talkingID)
				return err == nil && r.AgentID == "bob" && r.Disposition == "answered"
			})
			if err := w.disp.Control(ctx, tenant, "bob", "record-start", nil); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the recording runs", func() bool {
				rs, _ := w.st.ListRecordings(ctx, tenant, store.RecordingFilter{CallID: talkingID})
				return len(rs) == 1 && rs[0].Status == store.RecordingActive
			})
			waiting, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138502", To: "4001"})
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the second caller waits in the queue", func() bool { return w.heard(waiting, "number 1") })
			waitingID := callIDOf(w, waiting)
			// Bob holds the caller as ipcc stops.
			if err := w.disp.Control(ctx, tenant, "bob", "hold", nil); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the caller is on hold", func() bool { return mustCall(w, talking).Music != "" })

			w.stop()
			w.start()

			time.Sleep(500 * time.Millisecond)
			if ci := mustCall(w, talking); ci.Music == "" || !ci.Ended.IsZero() || !live(w, bob) {
				t.Fatalf("the restart disturbed the held call: %+v", ci)
			}
			waitFor(t, "the waiting caller is back in the queue", func() bool {
				snap, err := w.eng.Snapshot(ctx)
				return err == nil && len(snap.Queues) == 1 && len(snap.Queues[0].Waiting) == 1 && snap.Queues[0].Waiting[0].CallID == waitingID
			})
			// One call: the agent's leg is part of the caller's call, not a
			// call (or record) of its own.
			if calls, _ := w.st.ListCalls(ctx, tenant, store.CallFilter{}); len(calls) != 2 {
				t.Errorf("%d call records after the restart, want 2", len(calls))
			}
			a, err := w.eng.Agent(ctx, "bob")
			if err != nil || a.CallID != talkingID {
				t.Errorf("bob after the restart: %+v %v (want on call %s)", a, err, talkingID)
			}

			waitFor(t, "bob's controls reach the re-adopted call", func() bool {
				return w.disp.Control(ctx, tenant, "bob", "unhold", nil) == nil
			})
			waitFor(t, "off hold after the restart, caller and bob talk", func() bool {
				return mustCall(w, talking).Music == "" && w.sw.Sim.Hears(talking, bob) && w.sw.Sim.Hears(bob, talking)
			})
			if err := w.disp.Control(ctx, tenant, "bob", "hold", nil); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the caller hears music, bob does not hear them", func() bool {
				return mustCall(w, talking).Music != "" && !w.sw.Sim.Hears(bob, talking)
			})
			if err := w.disp.Control(ctx, tenant, "bob", "unhold", nil); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "off hold", func() bool {
				return mustCall(w, talking).Music == "" && w.sw.Sim.Hears(talking, bob) && w.sw.Sim.Hears(bob, talking)
			})
			// The recording runs on in the switch under the first
			// controller's handle: stop and pause are refused with why, and
			// no second recording starts.
			for _, op := range []string{"record-stop", "record-pause", "record-start"} {
				if err := w.disp.Control(ctx, tenant, "bob", op, nil); err == nil || !strings.Contains(err.Error(), "before ipcc restarted") {
					t.Errorf("%s after the restart: %v", op, err)
				}
			}
			if err := w.disp.Control(ctx, tenant, "bob", "transfer", &dialplan.Target{Kind: dialplan.KindExtension, Ref: "3001"}); err != nil {
				t.Fatal(err)
			}
			var x string
			waitFor(t, "the caller talks to 3001", func() bool {
				x = w.legOf("3001")
				return x != "" && w.sw.Sim.Hears(talking, x) && w.sw.Sim.Hears(x, talking) && !live(w, bob)
			})

			// Bob, free again, takes the waiting caller and hangs up.
			var bob2 string
			waitFor(t, "bob takes the waiting caller", func() bool {
				for _, c := range w.sw.Sim.Calls() {
					if c.Endpoint == "2002" && c.Ended.IsZero() && w.sw.Sim.Hears(waiting, c.ID) {
						bob2 = c.ID
						return true
					}
				}
				return false
			})
			if err := w.disp.Control(ctx, tenant, "bob", "hangup", nil); err != nil {
				t.Fatal(err)
			}
			rec := w.record(waiting, nil)
			if rec.ID != waitingID || rec.AgentID != "bob" || rec.Disposition != "answered" || live(w, waiting) || live(w, bob2) {
				t.Errorf("the call that waited over the restart: %+v", rec)
			}

			// The transferred call ends: closed once, naming bob; its
			// recording is done, with its file.
			if err := w.sw.Sim.HangupCall(talking); err != nil {
				t.Fatal(err)
			}
			rec = w.record(talking, nil)
			if rec.ID != talkingID || rec.AgentID != "bob" || rec.Disposition != "answered" || rec.Transfers != 1 {
				t.Errorf("the re-adopted call's record: %+v", rec)
			}
			var rs []store.RecordingRow
			waitFor(t, "the recording is completed", func() bool {
				rs, _ = w.st.ListRecordings(ctx, tenant, store.RecordingFilter{CallID: talkingID})
				return len(rs) == 1 && rs[0].EndedAt != nil
			})
			if r := rs[0]; r.Status != store.RecordingDone || r.AgentID != "bob" || r.SizeBytes <= 0 || r.SHA256 == "" {
				t.Errorf("the recording the first controller started: %+v", r)
			} else if info, err := os.Stat(r.Path); err != nil || info.Size() != r.SizeBytes {
				t.Errorf("the recording's file %s: %v", r.Path, err)
			}
			ended := *rec.EndedAt
			time.Sleep(500 * time.Millisecond)
			calls, _ := w.st.ListCalls(ctx, tenant, store.CallFilter{})
			if len(calls) != 2 {
				t.Errorf("%d call records, want 2", len(calls))
			}
			for _, c := range calls {
				if c.ID == talkingID && (c.EndedAt == nil || !c.EndedAt.Equal(ended) || c.AgentID != "bob") {
					t.Errorf("the record was closed again: %+v", c)
				}
			}
			waitFor(t, "bob is free after both calls", func() bool {
				a, err := w.eng.Agent(ctx, "bob")
				return err == nil && a.CallID == "" && a.State == acd.Available
			})
		})
	}
}
