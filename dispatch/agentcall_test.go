package dispatch_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/inbound"
	"github.com/ipcc/ipcc/store"
)

// The agent puts the caller on hold and back, then blind-transfers them to
// another extension; the caller ends up talking to that phone.
func TestScenarioAgentHoldAndTransfer(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			if err := w.sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: "3001", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			if err := w.disp.Control(ctx, tenant, "bob", "hold", nil); err == nil {
				t.Fatal("hold without a call succeeded")
			}
			caller, _ := w.talkToBob(f, "13800138044")
			if err := w.disp.Control(ctx, tenant, "bob", "hold", nil); err != nil {
				t.Fatal(err)
			}
			// The held caller hears music on hold (played to the leg on both
			// switches).
			waitFor(t, "the caller is on hold", func() bool {
				ci := mustCall(w, caller)
				return ci.Music != ""
			})
			if err := w.disp.Control(ctx, tenant, "bob", "unhold", nil); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the caller is off hold", func() bool { return mustCall(w, caller).Music == "" })
			if err := w.disp.Control(ctx, tenant, "bob", "transfer", &dialplan.Target{Kind: dialplan.KindExtension, Ref: "3001"}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the caller talks to 3001", func() bool {
				x := w.legOf("3001")
				return x != "" && w.sw.Sim.Hears(caller, x) && w.sw.Sim.Hears(x, caller)
			})
			waitFor(t, "bob is free of the call", func() bool {
				a, err := w.eng.Agent(ctx, "bob")
				return err == nil && a.CallID == ""
			})
			if err := w.disp.Control(ctx, tenant, "bob", "hangup", nil); err != dispatch.ErrNoCall {
				t.Fatalf("bob controls a call he gave away: %v", err)
			}
		})
	}
}

// The agent consults a colleague while the caller hears hold music, joins
// all three in a conference, and leaves; caller and colleague go on talking.
// A second call: consult, then attended transfer.
func TestScenarioConsultThreeWayAndAttendedTransfer(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			for _, n := range []string{"3001", "3002"} {
				if err := w.sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: n, Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond}); err != nil {
					t.Fatal(err)
				}
			}
			caller, bob := w.talkToBob(f, "13800138033")
			if err := w.disp.Control(ctx, tenant, "bob", "three-way", nil); err == nil {
				t.Fatal("three-way without a consultation succeeded")
			}
			if err := w.disp.Control(ctx, tenant, "bob", "consult", &dialplan.Target{Kind: dialplan.KindExtension, Ref: "3001"}); err != nil {
				t.Fatal(err)
			}
			x := w.legOf("3001")
			waitFor(t, "bob talks to 3001 while the caller cannot hear them", func() bool {
				return w.sw.Sim.Hears(bob, x) && w.sw.Sim.Hears(x, bob) && !w.sw.Sim.Hears(caller, bob) && !w.sw.Sim.Hears(caller, x)
			})
			if err := w.disp.Control(ctx, tenant, "bob", "three-way", nil); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "all three hear each other", func() bool {
				return w.sw.Sim.Hears(caller, bob) && w.sw.Sim.Hears(caller, x) && w.sw.Sim.Hears(bob, x) && w.sw.Sim.Hears(x, caller)
			})
			if err := w.sw.Sim.HangupCall(bob); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "caller and 3001 go on without bob", func() bool {
				return w.sw.Sim.Hears(caller, x) && w.sw.Sim.Hears(x, caller) && mustCall(w, bob).State == "gone"
			})
			w.sw.Sim.HangupCall(caller)
			rec := w.record(caller, nil)
			if rec.Conferences != 1 || rec.Transfers != 0 || rec.HoldMS <= 0 || rec.Disposition != "answered" {
				t.Errorf("three-way record %+v", rec)
			}
			if got := roles(w.legs(rec.ID)); got != "caller:13800138033:answered agent:bob:answered consult:3001:answered" {
				t.Errorf("three-way legs %s", got)
			}

			// Attended transfer.
			waitFor(t, "bob is back", func() bool {
				a, err := w.eng.Agent(ctx, "bob")
				return err == nil && a.CallID == "" && a.State == acd.Available
			})
			if err := w.sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: "2002", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			caller2, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138034", To: "4001"})
			if err != nil {
				t.Fatal(err)
			}
			var bob2 string
			waitFor(t, "caller 2 and bob talk", func() bool {
				for _, c := range w.sw.Sim.Calls() {
					if c.Endpoint == "2002" && c.State == "up" && w.sw.Sim.Hears(caller2, c.ID) {
						bob2 = c.ID
						return true
					}
				}
				return false
			})
			if err := w.disp.Control(ctx, tenant, "bob", "consult", &dialplan.Target{Kind: dialplan.KindExtension, Ref: "3002"}); err != nil {
				t.Fatal(err)
			}
			y := w.legOf("3002")
			if err := w.disp.Control(ctx, tenant, "bob", "consult-complete", nil); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "caller 2 talks to 3002 and bob is gone", func() bool {
				return w.sw.Sim.Hears(caller2, y) && w.sw.Sim.Hears(y, caller2) && mustCall(w, bob2).State == "gone"
			})
			waitFor(t, "bob is free", func() bool {
				a, err := w.eng.Agent(ctx, "bob")
				return err == nil && a.CallID == ""
			})
			w.sw.Sim.HangupCall(caller2)
			rec = w.record(caller2, nil)
			if rec.Transfers != 1 || rec.Conferences != 0 || rec.AgentID != "bob" {
				t.Errorf("attended transfer record %+v", rec)
			}
			if got := roles(w.legs(rec.ID)); got != "caller:13800138034:answered agent:bob:answered consult:3002:answered" {
				t.Errorf("attended transfer legs %s", got)
			}
		})
	}
}

// A queue that records every call (强制录音): the recording starts when the
// agent is connected, the agent pauses and resumes it, and its row gets
// duration, size and checksum when the call ends.
func TestScenarioQueueRecordsWithPause(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			q := acd.QueueConfig{ID: "support", Name: "Support", Strategy: "longest-idle", Record: true}
			row, _ := acd.QueueRow(tenant, q)
			if err := w.st.CreateACDQueue(ctx, row); err != nil {
				t.Fatal(err)
			}
			if err := w.st.PutACDMember(ctx, &store.ACDMember{TenantID: tenant, QueueID: "support", AgentID: "bob", Level: 1}); err != nil {
				t.Fatal(err)
			}
			if err := w.eng.ReloadConfig(ctx); err != nil {
				t.Fatal(err)
			}
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2002"}); err != nil {
				t.Fatal(err)
			}
			caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138022", To: "4001"})
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the call is being recorded", func() bool {
				rs, _ := w.st.ListRecordings(ctx, tenant, store.RecordingFilter{})
				return len(rs) == 1 && w.sw.Sim.Hears(caller, w.legOf("2002"))
			})
			if err := w.disp.Control(ctx, tenant, "bob", "record-pause", nil); err != nil {
				t.Fatal(err)
			}
			if err := w.disp.Control(ctx, tenant, "bob", "record-resume", nil); err != nil {
				t.Fatal(err)
			}
			time.Sleep(300 * time.Millisecond)
			w.sw.Sim.HangupCall(caller)
			waitFor(t, "the recording row is complete", func() bool {
				rs, _ := w.st.ListRecordings(ctx, tenant, store.RecordingFilter{AgentID: "bob"})
				return len(rs) == 1 && rs[0].EndedAt != nil && rs[0].SizeBytes > 44 && len(rs[0].SHA256) == 64 && rs[0].ANI == "13800138022"
			})
		})
	}
}

// Click-to-dial: the agent's phone rings, then the customer's; they talk;
// the agent is not offered queue calls meanwhile and is ready afterwards.
func TestScenarioClickToDial(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			w.disp.SetDialer(w.ctl, "sw1")
			heard := &endedRecorder{}
			w.disp.SetCallEvents(heard)
			if err := w.sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: "3005", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			if _, err := w.disp.ClickToDial(ctx, tenant, "bob", "3005", ""); err == nil {
				t.Fatal("dialing without being logged in succeeded")
			}
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2002"}); err != nil {
				t.Fatal(err)
			}
			id, err := w.disp.ClickToDial(ctx, tenant, "bob", "3005", "")
			if err != nil {
				t.Fatal(err)
			}
			var bob, cust string
			waitFor(t, "bob talks to 3005", func() bool {
				bob, cust = w.legOf("2002"), w.legOf("3005")
				return bob != "" && cust != "" && w.sw.Sim.Hears(bob, cust) && w.sw.Sim.Hears(cust, bob)
			})
			if a, _ := w.eng.Agent(ctx, "bob"); a.Reason != "outbound-call" {
				t.Fatalf("bob during the call: %s %s", a.State, a.Reason)
			}
			w.sw.Sim.HangupCall(cust)
			waitFor(t, "bob is ready again and the call recorded", func() bool {
				a, _ := w.eng.Agent(ctx, "bob")
				c, err := w.st.GetCall(ctx, tenant, id)
				return a.State == acd.Available && err == nil && c.Direction == "internal" && c.Disposition == "answered" && c.EndedAt != nil
			})
			// The call-events listener (webhooks' call.ended) heard the
			// completed record, once.
			waitFor(t, "the call's end is heard", func() bool { return len(heard.all()) > 0 })
			if got := heard.all(); len(got) != 1 || got[0].ID != id || got[0].EndedAt == nil || got[0].Disposition != "answered" || got[0].AgentID != "bob" {
				t.Fatalf("ends heard %+v", got)
			}
		})
	}
}

// endedRecorder hears the ends of the calls the dispatcher places.
type endedRecorder struct {
	mu    sync.Mutex
	ended []store.CallRecord
}

func (r *endedRecorder) CallEvent(what string, rec store.CallRecord, _ map[string]any) {
	if what != inbound.CallEnded {
		return
	}
	r.mu.Lock()
	r.ended = append(r.ended, rec)
	r.mu.Unlock()
}

func (r *endedRecorder) all() []store.CallRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]store.CallRecord(nil), r.ended...)
}

// The agent sends the caller into an identity-check flow; the caller types
// a PIN and comes back to the agent.
func TestScenarioSendCallerIntoFlowAndBack(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			h, err := inbound.New(inbound.Options{Store: w.st, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			w.disp.SetFlowRunner(h)
			doc := `{"id":"idcheck","start":"ask","language":"en","nodes":[
			 {"id":"ask","type":"collect","prompt":[{"tts":"Enter your PIN."}],"min":4,"max":4,"variable":"pin","next":"back","fallback":"back"},
			 {"id":"back","type":"transfer","kind":"agent","target":"${agent_id}","prompt":[{"tts":"Thank you, back to your agent."}]}]}`
			if err := w.st.CreateFlow(ctx, &store.Flow{TenantID: tenant, ID: "idcheck", Name: "ID", Draft: doc}); err != nil {
				t.Fatal(err)
			}
			if _, err := w.st.PublishFlow(ctx, tenant, "idcheck", doc, "test"); err != nil {
				t.Fatal(err)
			}
			caller, bob := w.talkToBob(f, "13800138011")
			if err := w.disp.Control(ctx, tenant, "bob", "flow", &dialplan.Target{Kind: dialplan.KindFlow, Ref: "idcheck"}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the caller hears the PIN prompt, away from bob", func() bool {
				return w.heard(caller, "Enter your PIN") && !w.sw.Sim.Hears(caller, bob)
			})
			if err := w.sw.Sim.Press(caller, "4321"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the caller is back with bob", func() bool {
				return w.heard(caller, "back to your agent") && w.sw.Sim.Hears(caller, bob) && w.sw.Sim.Hears(bob, caller)
			})
		})
	}
}
