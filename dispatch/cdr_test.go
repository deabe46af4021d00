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
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/store"
)

// fixedPolicy is a recording policy with one mode for every call; it
// remembers what it was asked.
type fixedPolicy struct {
	mode  string
	asked chan string
}

func (p fixedPolicy) RecordMode(_ context.Context, tenant, queue, agent, direction string) (string, error) {
	select {
	case p.asked <- strings.Join([]string{tenant, queue, agent, direction}, "/"):
	default:
	}
	return p.mode, nil
}

func withPolicy(mode string) (func(*dispatch.Options), chan string) {
	asked := make(chan string, 16)
	return func(o *dispatch.Options) { o.RecordPolicy = fixedPolicy{mode: mode, asked: asked} }, asked
}

// record waits for the call record of the caller's leg to be complete.
func (w *world) record(leg string, also func(c store.CallRecord) bool) store.CallRecord {
	w.t.Helper()
	var rec store.CallRecord
	waitFor(w.t, "the call record of "+leg+" is complete", func() bool {
		calls, _ := w.st.ListCalls(context.Background(), tenant, store.CallFilter{})
		for _, c := range calls {
			if c.Leg == leg && c.EndedAt != nil && (also == nil || also(c)) {
				rec = c
				return true
			}
		}
		return false
	})
	return rec
}

func (w *world) legs(callID string) []store.CallLeg {
	w.t.Helper()
	legs, err := w.st.ListCallLegs(context.Background(), tenant, callID)
	if err != nil {
		w.t.Fatal(err)
	}
	return legs
}

// roles lists "role:agent-or-endpoint:answered?" of each leg.
func roles(legs []store.CallLeg) string {
	var out []string
	for _, l := range legs {
		who := l.AgentID
		if who == "" {
			who = l.Endpoint
		}
		state := "unanswered"
		if l.AnsweredAt != nil {
			state = "answered"
		}
		if l.EndedAt == nil {
			state += ",open"
		}
		out = append(out, l.Role+":"+who+":"+state)
	}
	return strings.Join(out, " ")
}

func jsonList(s string) []string {
	var out []string
	_ = json.Unmarshal([]byte(s), &out)
	return out
}

// An answered queue call that the agent holds and blind-transfers to an
// extension: the record names the trunk, the agent who answered, the
// hold time, the transfer, each leg, and the agent's wrap-up.
func TestCDRAnsweredWithHoldAndTransfer(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			if err := w.sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: "3001", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2002"}); err != nil {
				t.Fatal(err)
			}
			caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138050", To: "4001", Vars: map[string]string{"ipcc_trunk": "gw-unicom"}})
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "caller and bob talk", func() bool {
				bob := w.legOf("2002")
				return bob != "" && w.sw.Sim.Hears(caller, bob)
			})
			if err := w.disp.Control(ctx, tenant, "bob", "hold", nil); err != nil {
				t.Fatal(err)
			}
			time.Sleep(300 * time.Millisecond)
			if err := w.disp.Control(ctx, tenant, "bob", "unhold", nil); err != nil {
				t.Fatal(err)
			}
			if err := w.disp.Control(ctx, tenant, "bob", "transfer", &dialplan.Target{Kind: dialplan.KindExtension, Ref: "3001"}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the caller talks to 3001", func() bool {
				x := w.legOf("3001")
				return x != "" && w.sw.Sim.Hears(caller, x)
			})
			time.Sleep(100 * time.Millisecond)
			if err := w.sw.Sim.HangupCall(caller); err != nil {
				t.Fatal(err)
			}
			// Bob's wrap-up (1s) ends after the call: the record gets it then.
			rec := w.record(caller, func(c store.CallRecord) bool { return c.WrapUpMS > 0 })
			if rec.Direction != "inbound" || rec.Disposition != "answered" || rec.AgentID != "bob" || rec.QueueID != "support" || rec.Target != "extension:3001" {
				t.Errorf("record %+v", rec)
			}
			if rec.Trunk != "gw-unicom" {
				t.Errorf("trunk %q", rec.Trunk)
			}
			if rec.Transfers != 1 || rec.HoldMS < 250 || rec.WaitMS <= 0 || rec.RingMS <= 0 || rec.TalkMS <= 0 || rec.WrapUpMS < 900 || rec.AnsweredAt == nil {
				t.Errorf("transfers %d hold %d wait %d ring %d talk %d wrap-up %d answered %v", rec.Transfers, rec.HoldMS, rec.WaitMS, rec.RingMS, rec.TalkMS, rec.WrapUpMS, rec.AnsweredAt)
			}
			if got := jsonList(rec.AgentsOffered); len(got) != 1 || got[0] != "bob" {
				t.Errorf("agents offered %v", got)
			}
			if got := roles(w.legs(rec.ID)); got != "caller:13800138050:answered agent:bob:answered extension:3001:answered" {
				t.Errorf("legs %s", got)
			}
			if rec.HangupCause == "" || rec.HangupBy == "" || !strings.Contains(rec.Trace, "transferred") {
				t.Errorf("hangup %q by %q", rec.HangupCause, rec.HangupBy)
			}
		})
	}
}

// Callers who give up: while waiting (nobody free) and while an agent's
// phone rings.
func TestCDRAbandoned(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138051", To: "4001", HangupAfter: 700 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			rec := w.record(caller, nil)
			if rec.Disposition != "abandoned_queue" || rec.WaitMS <= 0 || rec.AgentID != "" || rec.AgentsOffered != "[]" || rec.TalkMS != 0 || rec.HangupBy != "remote" {
				t.Errorf("abandoned in queue: %+v", rec)
			}

			// Ann's phone rings and never answers; the caller gives up.
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "ann", Device: "2001"}); err != nil {
				t.Fatal(err)
			}
			caller, err = w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138052", To: "4001"})
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "ann's phone rings", func() bool { return w.legOf("2001") != "" })
			if err := w.sw.Sim.HangupCall(caller); err != nil {
				t.Fatal(err)
			}
			rec = w.record(caller, nil)
			if rec.Disposition != "abandoned_ringing" || rec.AgentID != "" {
				t.Errorf("abandoned while ringing: %+v", rec)
			}
			if got := jsonList(rec.AgentsOffered); len(got) != 1 || got[0] != "ann" {
				t.Errorf("agents offered %v", got)
			}
			waitFor(t, "ann's leg ended on the record", func() bool {
				return roles(w.legs(rec.ID)) == "caller:13800138052:answered agent:ann:unanswered"
			})
		})
	}
}

// A recording policy that records every call: the recording starts at the
// answer, the agent may pause it but not stop it, and the record lists it.
// A policy that forbids recording refuses the agent's request.
func TestCDRRecordingPolicy(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			always, asked := withPolicy(dispatch.RecordAlways)
			w := newWorld(t, f, always)
			ctx := context.Background()
			caller, _ := w.talkToBob(f, "13800138053")
			if got := <-asked; got != tenant+"/support/bob/inbound" {
				t.Errorf("policy asked for %s", got)
			}
			var recs []store.RecordingRow
			waitFor(t, "the call is being recorded", func() bool {
				recs, _ = w.st.ListRecordings(ctx, tenant, store.RecordingFilter{})
				return len(recs) == 1
			})
			if err := w.disp.Control(ctx, tenant, "bob", "record-pause", nil); err != nil {
				t.Fatal(err)
			}
			time.Sleep(200 * time.Millisecond)
			if err := w.disp.Control(ctx, tenant, "bob", "record-resume", nil); err != nil {
				t.Fatal(err)
			}
			if err := w.disp.Control(ctx, tenant, "bob", "record-stop", nil); !errors.Is(err, dispatch.ErrRecordingRequired) {
				t.Fatalf("stop under an always policy: %v", err)
			}
			w.sw.Sim.HangupCall(caller)
			rec := w.record(caller, nil)
			waitFor(t, "the recording row is complete", func() bool {
				recs, _ = w.st.ListRecordings(ctx, tenant, store.RecordingFilter{CallID: rec.ID})
				return len(recs) == 1 && recs[0].EndedAt != nil
			})
			if recs[0].DurationMS < 200 || recs[0].AgentID != "bob" || recs[0].QueueID != "support" {
				t.Errorf("recording %+v", recs[0])
			}
			if !strings.Contains(rec.Trace, "recording "+recs[0].ID+" paused") || !strings.Contains(rec.Trace, "recording "+recs[0].ID+" resumed") {
				t.Errorf("the pause is not in the trace: %s", rec.Trace)
			}

			never, _ := withPolicy(dispatch.RecordNever)
			w2 := newWorld(t, f, never)
			caller, _ = w2.talkToBob(f, "13800138054")
			err := w2.disp.Control(ctx, tenant, "bob", "record-start", nil)
			if !errors.Is(err, dispatch.ErrRecordingDisabled) || err.Error() != "recording is disabled for this call by policy" {
				t.Fatalf("record-start under a never policy: %v", err)
			}
			w2.sw.Sim.HangupCall(caller)
			w2.record(caller, nil)
			if recs, _ := w2.st.ListRecordings(ctx, tenant, store.RecordingFilter{}); len(recs) != 0 {
				t.Fatalf("recorded against the policy: %+v", recs)
			}
		})
	}
}

// Click-to-dial to an external number: an outbound record with the trunk
// and both legs. Under an "always" policy the call is recorded from the
// answer and the agent cannot stop it; on demand the agent holds the
// customer and starts, pauses and stops a recording.
func TestCDRClickToDialOutbound(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		for _, mode := range []string{dispatch.RecordAlways, dispatch.RecordOnDemand} {
			t.Run(string(f)+"/"+mode, func(t *testing.T) {
				policy, asked := withPolicy(mode)
				w := newWorld(t, f, policy, func(o *dispatch.Options) { o.DefaultTrunk = "gw-out" })
				ctx := context.Background()
				w.disp.SetDialer(w.ctl, "sw1")
				if err := w.sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: "13900001111", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond}); err != nil {
					t.Fatal(err)
				}
				if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2002"}); err != nil {
					t.Fatal(err)
				}
				// A call-back: it names the call it follows up.
				id, err := w.disp.ClickToDial(ctx, tenant, "bob", "13900001111", "abandoned-7")
				if err != nil {
					t.Fatal(err)
				}
				var cust string
				waitFor(t, "bob talks to the customer", func() bool {
					cust = w.legOf("13900001111")
					bob := w.legOf("2002")
					return cust != "" && bob != "" && w.sw.Sim.Hears(bob, cust)
				})
				if got := <-asked; got != tenant+"//bob/outbound" {
					t.Errorf("policy asked for %s", got)
				}
				control := func(op string) error { return w.disp.Control(ctx, tenant, "bob", op, nil) }
				if mode == dispatch.RecordAlways {
					waitFor(t, "the call is recorded from the answer", func() bool {
						recs, _ := w.st.ListRecordings(ctx, tenant, store.RecordingFilter{CallID: id})
						return len(recs) == 1
					})
					if err := control("record-stop"); !errors.Is(err, dispatch.ErrRecordingRequired) {
						t.Fatalf("stop under an always policy: %v", err)
					}
				} else {
					// The desktop may ask before ipcc saw the bridge: it is told to wait.
					waitFor(t, "the call takes the agent's controls", func() bool {
						err := control("hold")
						if err != nil && !strings.Contains(err.Error(), "not connected yet") {
							t.Fatalf("hold: %v", err)
						}
						return err == nil
					})
					time.Sleep(100 * time.Millisecond)
					for _, op := range []string{"record-start", "record-pause", "unhold", "record-resume", "record-stop"} {
						if err := control(op); err != nil {
							t.Fatalf("%s: %v", op, err)
						}
						time.Sleep(100 * time.Millisecond)
					}
					if err := control("transfer"); err == nil || !strings.Contains(err.Error(), "not available on an outbound call") {
						t.Fatalf("transfer of an outbound call: %v", err)
					}
				}
				if err := control("hangup"); err != nil {
					t.Fatal(err)
				}
				var rec *store.CallRecord
				waitFor(t, "the outbound record is complete", func() bool {
					rec, err = w.st.GetCall(ctx, tenant, id)
					return err == nil && rec.EndedAt != nil
				})
				if rec.Direction != "outbound" || rec.Disposition != "answered" || rec.Trunk != "gw-out" || rec.AgentID != "bob" || rec.DNIS != "13900001111" || rec.TalkMS <= 0 || rec.AnsweredAt == nil || rec.ParentID != "abandoned-7" {
					t.Errorf("record %+v", rec)
				}
				if mode == dispatch.RecordOnDemand && rec.HoldMS < 250 {
					t.Errorf("hold %d ms", rec.HoldMS)
				}
				if got := roles(w.legs(id)); got != "agent:bob:answered external:13900001111:answered" {
					t.Errorf("legs %s", got)
				}
				waitFor(t, "the outbound call was recorded", func() bool {
					recs, _ := w.st.ListRecordings(ctx, tenant, store.RecordingFilter{CallID: id})
					return len(recs) == 1 && recs[0].EndedAt != nil
				})
				waitFor(t, "bob is ready again", func() bool {
					a, _ := w.eng.Agent(ctx, "bob")
					return a.State == acd.Available
				})
			})
		}
	}
}

// ipcc stops while a caller talks to an agent and starts again against the
// same switch and database. A call that ended meanwhile is completed as
// unobserved when the switch reconnects; a call still up is re-adopted and
// completed when it ends; a caller who was waiting goes back to the queue
// and keeps their record.
func TestCDRSurvivesRestart(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			always, _ := withPolicy(dispatch.RecordAlways)
			w := newWorld(t, f, always)
			ctx := context.Background()
			if err := w.sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: "2003", Behavior: sim.BehaviorAnswer, AnswerAfter: 100 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			// The queue lives in the store, where the restarted ipcc finds it.
			row, err := acd.QueueRow(tenant, acd.QueueConfig{ID: "support", Name: "Support", Strategy: "longest-idle", RingTimeout: acd.Duration(5 * time.Second), WrapUp: acd.Duration(time.Second)})
			if err != nil {
				t.Fatal(err)
			}
			if err := w.st.CreateACDQueue(ctx, row); err != nil {
				t.Fatal(err)
			}
			for _, a := range []string{"bob", "cid"} {
				if err := w.st.PutACDMember(ctx, &store.ACDMember{TenantID: tenant, QueueID: "support", AgentID: a, Level: 1}); err != nil {
					t.Fatal(err)
				}
			}
			if err := w.eng.ReloadConfig(ctx); err != nil {
				t.Fatal(err)
			}
			gone, bob := w.talkToBob(f, "13800138061")
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "cid", Device: "2003"}); err != nil {
				t.Fatal(err)
			}
			stays, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138062", To: "4001"})
			if err != nil {
				t.Fatal(err)
			}
			var cid string
			waitFor(t, "the second caller talks to cid", func() bool {
				cid = w.legOf("2003")
				return cid != "" && w.sw.Sim.Hears(stays, cid)
			})
			// A third caller waits: both agents are busy.
			waits, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138063", To: "4001"})
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the third caller waits in the queue", func() bool {
				c, err := w.st.GetCall(ctx, tenant, callIDOf(w, waits))
				return err == nil && c.QueueID == "support"
			})
			waitsID := callIDOf(w, waits)
			waitFrom := time.Now()
			goneID, staysID := callIDOf(w, gone), callIDOf(w, stays)
			waitFor(t, "both records know who answered", func() bool {
				a, err1 := w.st.GetCall(ctx, tenant, goneID)
				b, err2 := w.st.GetCall(ctx, tenant, staysID)
				return err1 == nil && err2 == nil && a.AgentID == "bob" && b.AgentID == "cid" && a.Disposition == "answered"
			})

			w.stop()
			for _, id := range []string{goneID, staysID} {
				if c, _ := w.st.GetCall(ctx, tenant, id); c.EndedAt != nil {
					t.Fatalf("the stop ended the record of a live call: %+v", c)
				}
			}
			// During the outage the first call ends (both sides hang up).
			w.sw.Sim.HangupCall(gone)
			w.sw.Sim.HangupCall(bob)
			time.Sleep(300 * time.Millisecond)

			w.start()
			rec := w.record(gone, nil)
			if rec.HangupCause != "unknown" || rec.HangupBy != "unobserved" || rec.Disposition != "answered" || rec.AgentID != "bob" {
				t.Errorf("call that ended during the outage: %+v", rec)
			}
			if legs := w.legs(goneID); len(legs) != 2 || legs[0].EndedAt == nil || legs[1].EndedAt == nil {
				t.Errorf("legs of the call that ended during the outage: %s", roles(legs))
			}
			waitFor(t, "the recording of the call that ended during the outage is completed", func() bool {
				recs, _ := w.st.ListRecordings(ctx, tenant, store.RecordingFilter{CallID: goneID})
				return len(recs) == 1 && recs[0].EndedAt != nil
			})

			// The second call is still up: re-adopted, it goes on until the
			// caller hangs up, and the agent's leg follows.
			time.Sleep(500 * time.Millisecond)
			if !w.sw.Sim.Hears(stays, cid) || !w.sw.Sim.Hears(cid, stays) {
				t.Fatal("the re-adopted call was disturbed")
			}
			if c, _ := w.st.GetCall(ctx, tenant, staysID); c.EndedAt != nil {
				t.Fatalf("the live call's record was completed: %+v", c)
			}
			if f == sim.FrontFreeSWITCH {
				// The bridged pair is re-adopted as one call (the driver names
				// the bridge peer of each leg it re-announces).
				for _, cl := range w.ctl.Calls() {
					if cl.Leg().ID() == cid {
						t.Fatalf("the agent's leg was re-adopted as a call of its own")
					}
					if cl.Leg().ID() == stays && len(cl.Legs()) != 2 {
						t.Fatalf("the re-adopted call has %d legs, want the caller and the agent", len(cl.Legs()))
					}
				}
			}
			w.sw.Sim.HangupCall(stays)
			rec = w.record(stays, nil)
			if rec.ID != staysID || rec.Disposition != "answered" || rec.AgentID != "cid" || rec.TalkMS < 500 || rec.HangupBy != "remote" || !strings.Contains(rec.Trace, "re-adopted") {
				t.Errorf("re-adopted call: %+v", rec)
			}
			waitFor(t, "the recording left running is completed", func() bool {
				recs, _ := w.st.ListRecordings(ctx, tenant, store.RecordingFilter{CallID: staysID})
				return len(recs) == 1 && recs[0].EndedAt != nil && recs[0].DurationMS >= 500
			})
			waitFor(t, "the agent's leg ended and cid is free", func() bool {
				a, err := w.eng.Agent(ctx, "cid")
				legs := w.legs(staysID)
				return err == nil && a.CallID == "" && len(legs) == 2 && legs[1].EndedAt != nil && !live(w, cid)
			})
			// The waiting caller went back to the queue and bob, free again
			// after the first call, took them.
			defer func() {
				if t.Failed() {
					c, _ := w.st.GetCall(ctx, tenant, waitsID)
					a, _ := w.eng.Agent(ctx, "bob")
					t.Logf("bob %+v", a)
					if c != nil {
						t.Logf("waits %s", c.Trace)
					}
					for _, cl := range w.ctl.Calls() {
						for _, e := range cl.Trace() {
							t.Logf("live %s: %s %s", cl.ID(), e.Kind, e.Detail)
						}
					}
				}
			}()
			waitFor(t, "bob takes the waiting caller", func() bool {
				for _, c := range w.sw.Sim.Calls() {
					if c.Endpoint == "2002" && c.Ended.IsZero() && w.sw.Sim.Hears(waits, c.ID) {
						return true
					}
				}
				return false
			})
			// The wait ends when bob takes the caller (the talk that
			// follows is not waiting; under load it lasted over a second).
			waited := time.Since(waitFrom)
			time.Sleep(100 * time.Millisecond)
			w.sw.Sim.HangupCall(waits)
			rec = w.record(waits, nil)
			if rec.ID != waitsID || rec.Disposition != "answered" || rec.AgentID != "bob" || rec.WaitMS < (waited-time.Second).Milliseconds() || rec.TalkMS <= 0 || !strings.Contains(rec.Trace, "back to queue:support") {
				t.Errorf("re-queued call: %+v", rec)
			}
			calls, _ := w.st.ListCalls(ctx, tenant, store.CallFilter{})
			if len(calls) != 3 {
				t.Errorf("re-adoption created records: %d calls", len(calls))
			}
		})
	}
}

// live reports whether a simulator leg is still up.
func live(w *world, leg string) bool {
	ci, err := w.sw.Sim.Call(leg)
	return err == nil && ci.Ended.IsZero()
}

// An agent's own call placed before a restart is re-adopted: it goes on,
// its record is completed when it ends, and the agent gets back the state
// they had before dialling (kept in the call's record): ready, or their
// not-ready reason.
func TestCDRClickToDialSurvivesRestart(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		notReady string // bob's state before dialling: "" = available
		want     acd.State
	}{
		{"an agent who was ready is ready again", "", acd.Available},
		{"an agent on lunch is on lunch again", "lunch", acd.NotReady},
	} {
		for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
			t.Run(tc.name+"/"+string(f), func(t *testing.T) {
				w := newWorld(t, f)
				ctx := context.Background()
				w.disp.SetDialer(w.ctl, "sw1")
				if err := w.sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: "3005", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond}); err != nil {
					t.Fatal(err)
				}
				if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2002", NotReady: tc.notReady}); err != nil {
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
				time.Sleep(500 * time.Millisecond)
				if !w.sw.Sim.Hears(bob, x) || !w.sw.Sim.Hears(x, bob) {
					t.Fatal("the re-adopted call was disturbed")
				}
				w.sw.Sim.HangupCall(x)
				var rec *store.CallRecord
				waitFor(t, "the record is complete and bob has his state back", func() bool {
					rec, err = w.st.GetCall(ctx, tenant, id)
					a, aerr := w.eng.Agent(ctx, "bob")
					return err == nil && rec.EndedAt != nil && aerr == nil && a.State == tc.want && a.Reason == tc.notReady
				})
				if rec.Direction != "internal" || rec.Disposition != "answered" || rec.TalkMS < 500 || !strings.Contains(rec.Trace, "re-adopted") {
					t.Errorf("record %+v", rec)
				}
				if got := roles(w.legs(id)); got != "agent:bob:answered extension:3005:answered" {
					t.Errorf("legs %s", got)
				}
				calls, _ := w.st.ListCalls(ctx, tenant, store.CallFilter{})
				if len(calls) != 1 {
					t.Errorf("re-adoption created records: %d calls", len(calls))
				}
			})
		}
	}
}
