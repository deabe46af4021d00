package dispatch_test

import (
	"context"
	"testing"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/store"
)

// A waiting caller hears, after their position, the queue's call-back and
// voicemail keys; pressing the call-back key leaves the queue with a
// call-back request the agents can work (and a confirmation in the
// caller's language), pressing the voicemail key takes them to the
// queue's mailbox.
func TestScenarioWaitingCallerPressesAQueueKey(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			q := acd.QueueConfig{ID: "support", Name: "Support", Strategy: "longest-idle",
				Announcements: acd.Announcements{Lang: "en", Position: true, PositionInterval: acd.Duration(5 * time.Second), CallbackKey: "1", VoicemailKey: "2"}}
			if err := w.eng.SetQueue(ctx, q); err != nil {
				t.Fatal(err)
			}
			// Nobody is free: callers wait.
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2002", NotReady: "break"}); err != nil {
				t.Fatal(err)
			}
			caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138077", To: "4001"})
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the caller hears the keys offered", func() bool { return w.heard(caller, "To be called back, press 1.") })
			if err := w.sw.Sim.Press(caller, "1"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the call-back is stored", func() bool {
				cbs, _ := w.st.ListACDCallbacks(ctx, tenant, "pending")
				return len(cbs) == 1 && cbs[0].Number == "13800138077" && cbs[0].QueueID == "support"
			})
			waitFor(t, "the caller heard the confirmation and the call ended", func() bool {
				return w.heard(caller, "We have noted your request") && !mustCall(w, caller).Ended.IsZero()
			})
			waitFor(t, "the record says callback_requested", func() bool {
				calls, _ := w.st.ListCalls(ctx, tenant, store.CallFilter{Number: "13800138077"})
				return len(calls) == 1 && calls[0].Disposition == "callback_requested" && calls[0].EndedAt != nil
			})

			second, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138078", To: "4001"})
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the second caller hears the keys", func() bool { return w.heard(second, "To leave a message, press 2.") })
			if err := w.sw.Sim.Press(second, "2"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the second caller is asked for a message", func() bool {
				return w.heard(second, "请在提示音后留言") || w.heard(second, "leave a message after the tone")
			})
			waitFor(t, "the message is being recorded", func() bool { return len(mustCall(w, second).Recordings) > 0 })
			time.Sleep(500 * time.Millisecond)
			_ = w.sw.Sim.HangupCall(second)
			waitFor(t, "the message is in the queue's mailbox", func() bool {
				ms, _ := w.st.ListVoicemailMessages(ctx, tenant, store.VoicemailFilter{})
				return len(ms) == 1 && ms[0].Mailbox == "support" && ms[0].Caller == "13800138078"
			})
		})
	}
}

// An agent freed while the caller hears an announcement (and has the
// seconds after it to press a key) is rung at once: the announcement
// stops. Holding the offer back until the key window closed let the ring
// timeout pass and set the agent not ready for a call they never heard.
func TestScenarioAnOfferStopsTheAnnouncement(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			q := acd.QueueConfig{ID: "support", Name: "Support", Strategy: "longest-idle", RingTimeout: acd.Duration(time.Second),
				Announcements: acd.Announcements{Lang: "en", Position: true, PositionInterval: acd.Duration(5 * time.Second), CallbackKey: "1"}}
			if err := w.eng.SetQueue(ctx, q); err != nil {
				t.Fatal(err)
			}
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2002", NotReady: "break"}); err != nil {
				t.Fatal(err)
			}
			caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138079", To: "4001"})
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the caller hears the keys offered", func() bool { return w.heard(caller, "To be called back, press 1.") })
			if err := w.eng.Ready(ctx, "bob"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the caller talks to bob", func() bool {
				bob := w.legOf("2002")
				return bob != "" && w.sw.Sim.Hears(caller, bob)
			})
			if a, _ := w.eng.Agent(ctx, "bob"); a.Reason == acd.ReasonNoAnswer {
				t.Fatalf("bob was set not ready: %+v", a)
			}
		})
	}
}
