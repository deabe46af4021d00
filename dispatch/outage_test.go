package dispatch_test

import (
	"context"
	"testing"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/store"
)

// An agent hangs up while no controller watches the call (between the
// owner's death and the takeover). The next controller re-adopts the
// caller alone: it sees at once that the agent's leg is gone and ends the
// conversation as when an agent hangs up first — the caller goes to the
// queue's survey when it has one, else is hung up — instead of waiting for
// a bridge that will not come (5 s) and then some (2 s). The agent goes to
// wrap-up and is free again; the call keeps one record, answered by the
// agent.
func TestAgentHungUpDuringTheOutage(t *testing.T) {
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		for _, survey := range []bool{false, true} {
			name := string(f) + "/hang-up"
			if survey {
				name = string(f) + "/survey"
			}
			t.Run(name, func(t *testing.T) {
				w := newWorld(t, f)
				ctx := context.Background()
				q := acd.QueueConfig{ID: "support", Name: "Support", Strategy: "longest-idle", RingTimeout: acd.Duration(5 * time.Second), WrapUp: acd.Duration(time.Second)}
				if survey {
					doc := `{"id":"rate","start":"s","language":"en","nodes":[
					 {"id":"s","type":"survey","prompt":[{"tts":"Please rate our service: 1 very satisfied, 2 satisfied."}],
					  "choices":{"1":"very satisfied","2":"satisfied"},"thank_you":[{"tts":"Thank you."}],"next":"bye"},
					 {"id":"bye","type":"hangup"}]}`
					if err := w.st.CreateFlow(ctx, &store.Flow{TenantID: tenant, ID: "rate", Name: "Rate", Draft: doc}); err != nil {
						t.Fatal(err)
					}
					if _, err := w.st.PublishFlow(ctx, tenant, "rate", doc, "test"); err != nil {
						t.Fatal(err)
					}
					q.SurveyFlow = "rate"
				}
				row, err := acd.QueueRow(tenant, q)
				if err != nil {
					t.Fatal(err)
				}
				if err := w.st.CreateACDQueue(ctx, row); err != nil {
					t.Fatal(err)
				}
				if err := w.st.PutACDMember(ctx, &store.ACDMember{TenantID: tenant, QueueID: "support", AgentID: "bob", Level: 1}); err != nil {
					t.Fatal(err)
				}
				if err := w.eng.ReloadConfig(ctx); err != nil {
					t.Fatal(err)
				}
				caller, bob := w.talkToBob(f, "13800138601")
				id := callIDOf(w, caller)
				waitFor(t, "the record knows bob answered", func() bool {
					r, err := w.st.GetCall(ctx, tenant, id)
					return err == nil && r.AgentID == "bob" && r.Disposition == "answered"
				})

				w.stop()
				if err := w.sw.Sim.HangupCall(bob); err != nil {
					t.Fatal(err)
				}
				waitFor(t, "bob's leg ended", func() bool { return !live(w, bob) })
				if !live(w, caller) {
					t.Fatal("the caller's leg ended with bob's while no controller watched")
				}
				restarted := time.Now()
				w.start()
				if survey {
					waitFor(t, "the caller hears the survey", func() bool { return w.heardSince(caller, "Please rate our service", restarted) })
					d := time.Since(restarted)
					t.Logf("survey began %s after the restart", d.Round(time.Millisecond))
					if d > 3*time.Second {
						t.Errorf("the survey began %s after the restart, want within 3 s", d.Round(time.Millisecond))
					}
					_ = w.sw.Sim.HangupCall(caller)
				} else {
					waitFor(t, "the caller is hung up", func() bool { return !live(w, caller) })
					d := mustCall(w, caller).Ended.Sub(restarted)
					t.Logf("caller hung up %s after the restart", d.Round(time.Millisecond))
					if d > 3*time.Second {
						t.Errorf("the caller was hung up %s after the restart, want within 3 s", d.Round(time.Millisecond))
					}
				}
				rec := w.record(caller, nil)
				if rec.ID != id || rec.AgentID != "bob" || rec.Disposition != "answered" {
					t.Errorf("the caller's record: id %s (want %s), agent %q, disposition %q", rec.ID, id, rec.AgentID, rec.Disposition)
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
}
