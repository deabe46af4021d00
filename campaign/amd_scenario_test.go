package campaign_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/campaign"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/store"
)

// A customer-first progressive campaign with answering-machine detection:
// the switch says a machine answered one callee, who hears the campaign's
// message and is hung up on without an agent's phone ringing (outcome
// machine, retried after the machine rule's delay, the call recorded with
// disposition machine); a person and an unsure result go to the agent.
func TestScenarioAMDProgressive(t *testing.T) {
	t.Parallel()
	for _, f := range fronts {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			w.customers(
				sim.EndpointSpec{Number: "13800000061", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond, HangupAfter: 2000 * time.Millisecond,
					AMD: sim.AMDHuman, AMDAfter: 80 * time.Millisecond},
				sim.EndpointSpec{Number: "13800000062", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond,
					AMD: sim.AMDMachine, AMDAfter: 80 * time.Millisecond},
				sim.EndpointSpec{Number: "13800000063", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond, HangupAfter: 2000 * time.Millisecond,
					AMD: sim.AMDNotSure, AMDAfter: 80 * time.Millisecond},
			)
			c := w.campaign(&campaign.Campaign{ID: "amd", Name: "AMD", Type: campaign.Progressive, Settings: campaign.Settings{
				QueueID: "sales", Window: allDay(), WrapUpMS: 100, RingTimeoutMS: 3000,
				AMD: &campaign.AMDSettings{OnMachine: campaign.AMDMessage, Message: &campaign.Message{Text: "Please call us back.", Lang: "en"}},
			}}, "phone\n13800000061\n13800000062\n13800000063\n")
			if _, err := campaign.Act(ctx, w.st, tenant, c.ID, campaign.Start); err != nil {
				t.Fatal(err)
			}
			// bob's phone rings 400 ms before he answers (ring_ms below).
			w.customers(sim.EndpointSpec{Number: "2002", Behavior: sim.BehaviorAnswer, AnswerAfter: 400 * time.Millisecond})
			w.login("bob", "2002")
			waitFor(t, "every lead was tried", func() bool {
				p, err := campaign.GetProgress(ctx, w.st, w.dl, tenant, c.ID)
				return err == nil && p.Outcomes["answered"] == 2 && p.Outcomes["machine"] == 1 && p.InFlight == 0
			})
			m := w.leadByPhone(c.ID, "+8613800000062")
			if m.Status != store.LeadPending || m.LastOutcome != "machine" || m.NextAt == nil || time.Until(*m.NextAt) < 3*time.Hour {
				t.Errorf("machine lead %+v", m)
			}
			at := w.attempts(c.ID, m.ID)
			if len(at) != 1 || at[0].Outcome != "machine" || at[0].CallID == "" {
				t.Fatalf("machine attempts %+v", at)
			}
			rec, err := w.st.GetCall(ctx, tenant, at[0].CallID)
			if err != nil || rec.Disposition != "machine" || rec.Direction != "outbound" {
				t.Errorf("machine call record %+v %v", rec, err)
			}
			// ipcc hung up on the machine after its message: the record
			// says so, as for any call ipcc ends. No agent's phone rang.
			if rec.HangupBy != "controller" || rec.HangupCause != "NORMAL_CLEARING" || rec.RingMS != 0 {
				t.Errorf("machine call record: hangup %q by %q, ring %d ms", rec.HangupCause, rec.HangupBy, rec.RingMS)
			}
			// bob was reserved for the lead but never rang nor talked: the
			// record names no agent (the attempt keeps who was reserved), so
			// the machine is nobody's call or offer in the agent reports.
			if rec.AgentID != "" || rec.AgentsOffered != "[]" || rec.TalkMS != 0 {
				t.Errorf("machine call record: agent %q, offered %s, talk %d ms (want no agent)", rec.AgentID, rec.AgentsOffered, rec.TalkMS)
			}
			if at[0].AgentID != "bob" {
				t.Errorf("machine attempt: agent %q, want the reserved bob", at[0].AgentID)
			}
			if leg := w.legOf("13800000062"); leg == nil || len(leg.Heard) == 0 {
				t.Errorf("the machine heard no message: %+v", leg)
			}
			for _, n := range []string{"+8613800000061", "+8613800000063"} {
				l := w.leadByPhone(c.ID, n)
				if l.Status != store.LeadDone || l.LastOutcome != "answered" {
					t.Errorf("lead %s %+v", n, l)
				}
				// Customer first: ring_ms is the agent's phone ringing for
				// the callee who answered (bob answers after 400 ms); the
				// callee hung up (600 ms after answering).
				a := w.attempts(c.ID, l.ID)
				if len(a) != 1 {
					t.Fatalf("attempts of %s %+v", n, a)
				}
				r, err := w.st.GetCall(ctx, tenant, a[0].CallID)
				if err != nil || r.RingMS < 300 || r.RingMS > 3000 || r.HangupBy != "remote" || r.HangupCause == "" {
					t.Errorf("call record of %s: ring %d ms, hangup %q by %q (%v)", n, r.RingMS, r.HangupCause, r.HangupBy, err)
				}
				// bob took it: he is the call's agent, and its offer, as on an
				// inbound call he answered.
				if r.AgentID != "bob" || r.AgentsOffered != `["bob"]` || r.Disposition != "answered" || r.TalkMS <= 0 {
					t.Errorf("call record of %s: agent %q offered %s disposition %q talk %d ms", n, r.AgentID, r.AgentsOffered, r.Disposition, r.TalkMS)
				}
			}
			// bob's phone rang for the person and the unsure answer only.
			agentLegs := 0
			for _, cl := range w.sw.Sim.Calls() {
				if cl.Endpoint == "2002" {
					agentLegs++
					if cl.ANI == "13800000062" {
						t.Errorf("bob's phone rang for the machine")
					}
				}
			}
			if agentLegs != 2 {
				t.Errorf("bob's phone rang %d times, want 2", agentLegs)
			}
			for _, ev := range w.eventsOf("campaign_call") {
				if ev.Caller == "13800000062" {
					t.Errorf("the desktop was told of the machine: %+v", ev)
				}
			}
		})
	}
}

// A predictive campaign hangs up on machines: they are never given to an
// agent, never count as live answers or abandons (the abandon figure stays
// at zero with every callee a machine).
func TestScenarioAMDPredictiveNeverAbandons(t *testing.T) {
	t.Parallel()
	for _, f := range fronts {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			var csv strings.Builder
			csv.WriteString("phone\n")
			for _, n := range []string{"13800000071", "13800000072", "13800000073", "13800000074"} {
				w.customers(sim.EndpointSpec{Number: n, Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond,
					AMD: sim.AMDMachine, AMDAfter: 500 * time.Millisecond})
				csv.WriteString(n + "\n")
			}
			c := w.campaign(&campaign.Campaign{ID: "pamd", Name: "PAMD", Type: campaign.Predictive, Settings: campaign.Settings{
				QueueID: "sales", Window: allDay(), WrapUpMS: 100, Compliance: "custom", ConnectMS: 100, AbandonCapPct: 10, MinLinesPerAgent: 3,
				AMD: &campaign.AMDSettings{}}}, csv.String())
			if _, err := campaign.Act(ctx, w.st, tenant, c.ID, campaign.Start); err != nil {
				t.Fatal(err)
			}
			w.login("bob", "2002")
			waitFor(t, "every lead was called", func() bool {
				p, err := campaign.GetProgress(ctx, w.st, w.dl, tenant, c.ID)
				return err == nil && p.Outcomes["machine"] == 4 && p.InFlight == 0
			})
			p, err := campaign.GetProgress(ctx, w.st, w.dl, tenant, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if p.Outcomes["abandoned"] != 0 || p.Outcomes["answered"] != 0 {
				t.Errorf("outcomes %+v", p.Outcomes)
			}
			for _, cl := range w.sw.Sim.Calls() {
				if cl.Endpoint == "2002" {
					t.Errorf("bob's phone rang for a machine")
				}
			}
			r, err := campaign.BuildReport(ctx, w.st, tenant, c.ID, campaign.ReportOptions{From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			if r.Outcomes["machine"] != 4 || r.Outcomes["abandoned"] != 0 {
				t.Errorf("report outcomes %+v", r.Outcomes)
			}
			// Each machine's record says ipcc hung up on it (no message
			// here: at once after the verdict), with no agent and no ring.
			list, err := w.st.ListAttempts(ctx, tenant, c.ID, store.AttemptFilter{Kind: store.AttemptCall})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range list {
				rec, err := w.st.GetCall(ctx, tenant, a.CallID)
				if err != nil || rec.Disposition != "machine" || rec.HangupBy != "controller" || rec.HangupCause != "NORMAL_CLEARING" || rec.AgentID != "" || rec.RingMS != 0 {
					t.Errorf("machine call record %s: disposition %q hangup %q by %q agent %q ring %d ms (%v)", a.CallID, rec.Disposition, rec.HangupCause, rec.HangupBy, rec.AgentID, rec.RingMS, err)
				}
			}
		})
	}
}

// A disposition the agent enters during the call ends their after-call
// time: the next lead is called as soon as the call ends, not after
// wrap_up_ms (a minute here).
func TestScenarioDispositionDuringCallEndsAfterCallTime(t *testing.T) {
	t.Parallel()
	w := newWorld(t, sim.FrontFreeSWITCH)
	ctx := context.Background()
	w.customers(
		sim.EndpointSpec{Number: "13800000081", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond, HangupAfter: 800 * time.Millisecond},
		sim.EndpointSpec{Number: "13800000082", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond, HangupAfter: 800 * time.Millisecond},
	)
	c := w.campaign(&campaign.Campaign{ID: "wrap", Name: "Wrap", Type: campaign.Progressive, Settings: campaign.Settings{
		QueueID: "sales", Window: allDay(), WrapUpMS: 60000, RingTimeoutMS: 3000}}, "phone\n13800000081\n13800000082\n")
	if _, err := campaign.Act(ctx, w.st, tenant, c.ID, campaign.Start); err != nil {
		t.Fatal(err)
	}
	w.login("bob", "2002")
	waitFor(t, "the first campaign call", func() bool { return len(w.eventsOf("campaign_call")) == 1 })
	ev := w.eventsOf("campaign_call")[0]
	var attempt int64
	if _, err := fmt.Sscan(ev.Vars["attempt"], &attempt); err != nil {
		t.Fatalf("attempt of %+v: %v", ev, err)
	}
	if _, err := w.dl.Dispose(ctx, tenant, "bob", attempt, campaign.DispositionInput{Code: "sold"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the second lead called within seconds of the first call's end", func() bool {
		p, err := campaign.GetProgress(ctx, w.st, w.dl, tenant, c.ID)
		return err == nil && p.Outcomes["answered"] == 2
	})
}

// An IVR broadcast with answering-machine detection hangs up on machines
// before the message (outcome machine, nothing heard) and plays it to
// people as usual.
func TestScenarioAMDBroadcast(t *testing.T) {
	t.Parallel()
	for _, f := range fronts {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			w.customers(
				sim.EndpointSpec{Number: "13800000091", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond, AMD: sim.AMDMachine, AMDAfter: 80 * time.Millisecond},
				sim.EndpointSpec{Number: "13800000092", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond, AMD: sim.AMDHuman, AMDAfter: 80 * time.Millisecond},
			)
			c := w.campaign(&campaign.Campaign{ID: "bamd", Name: "BAMD", Type: campaign.IVRBroadcast, Settings: campaign.Settings{
				QueueID: "sales", Window: allDay(), AMD: &campaign.AMDSettings{}, Broadcast: &campaign.BroadcastSettings{
					Message: campaign.Message{Text: "您的账单已出。", Lang: "zh-CN"}, WaitMS: 300, Keys: map[string]string{"9": "optout"}}}}, "phone\n13800000091\n13800000092\n")
			if _, err := campaign.Act(ctx, w.st, tenant, c.ID, campaign.Start); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "both leads were called", func() bool {
				p, err := campaign.GetProgress(ctx, w.st, w.dl, tenant, c.ID)
				return err == nil && p.Outcomes["answered"] == 1 && p.Outcomes["machine"] == 1 && p.InFlight == 0
			})
			if l := w.leadByPhone(c.ID, "+8613800000091"); l.LastOutcome != "machine" || l.Status != store.LeadPending {
				t.Errorf("machine lead %+v", l)
			}
			if leg := w.legOf("13800000091"); leg == nil || len(leg.Heard) != 0 {
				t.Errorf("the machine heard the broadcast: %+v", leg)
			}
			if leg := w.legOf("13800000092"); leg == nil || len(leg.Heard) == 0 {
				t.Errorf("the person heard nothing: %+v", leg)
			}
			// Both records say ipcc ended the call: the machine after the
			// verdict, the person after the message and its key wait.
			for _, n := range []string{"+8613800000091", "+8613800000092"} {
				at := w.attempts(c.ID, w.leadByPhone(c.ID, n).ID)
				if len(at) != 1 {
					t.Fatalf("attempts of %s %+v", n, at)
				}
				rec, err := w.st.GetCall(ctx, tenant, at[0].CallID)
				if err != nil || rec.HangupBy != "controller" || rec.HangupCause != "NORMAL_CLEARING" {
					t.Errorf("call record of %s: disposition %q hangup %q by %q (%v)", n, rec.Disposition, rec.HangupCause, rec.HangupBy, err)
				}
			}
		})
	}
}
