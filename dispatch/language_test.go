package dispatch_test

import (
	"context"
	"testing"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/store"
)

// A caller who chose English in the IVR hears every queue prompt in
// English (entry, position and estimated wait, the agent's work number)
// although the queue's staff language is Chinese; the agent hears the
// whisper in the queue's language. An agent without a work number is not
// announced at all (it was their id, a UUID).
func TestScenarioQueuePromptsInTheCallersLanguage(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			doc := `{"id":"lang","start":"menu","language":"zh-CN","nodes":[
			 {"id":"menu","type":"menu","prompt":[{"tts":{"zh-CN":"英文请按9","en":"Press 9"}}],"options":{"9":"english"},"timeout":"5s","retries":1},
			 {"id":"english","type":"language","language":"en","next":"to_q"},
			 {"id":"to_q","type":"transfer","kind":"queue","target":"support"}]}`
			if err := w.st.CreateFlow(ctx, &store.Flow{TenantID: tenant, ID: "lang", Name: "Lang", Draft: doc}); err != nil {
				t.Fatal(err)
			}
			if _, err := w.st.PublishFlow(ctx, tenant, "lang", doc, "test"); err != nil {
				t.Fatal(err)
			}
			if err := w.st.CreateRoute(ctx, tenant, &dialplan.Route{Name: "Lang", DID: "4009", Enabled: true, Default: &dialplan.Target{Kind: dialplan.KindFlow, Ref: "lang"}}); err != nil {
				t.Fatal(err)
			}
			w.h.Invalidate()
			q := acd.QueueConfig{ID: "support", Name: "技术支持", Strategy: "longest-idle", RingTimeout: acd.Duration(5 * time.Second),
				Announcements: acd.Announcements{Lang: "zh-CN", EntryPrompt: "您的来电已进入排队", EntryPrompts: map[string]string{"en": "Your call is in the queue"},
					Position: true, PositionInterval: acd.Duration(5 * time.Second), AgentWhisper: true, AgentID: true}}
			if err := w.eng.SetQueue(ctx, q); err != nil {
				t.Fatal(err)
			}
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2002", WorkNumber: "8002", NotReady: "break"}); err != nil {
				t.Fatal(err)
			}
			caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138000", To: "4009", Press: []sim.Press{{After: 500 * time.Millisecond, Digits: "9"}}})
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the caller hears the entry prompt and position in English", func() bool {
				return w.heard(caller, "Your call is in the queue") && w.heard(caller, "You are number 1 in the queue")
			})
			if err := w.eng.Ready(ctx, "bob"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the caller hears bob's work number in English", func() bool { return w.heard(caller, "Agent 8002 is serving you") })
			bob := w.legOf("2002")
			if !w.heard(bob, "技术支持，等待时间") {
				t.Errorf("bob did not hear the whisper in the queue's language: %+v", mustCall(w, bob).Heard)
			}
			for _, h := range mustCall(w, caller).Heard {
				if containsHan(h.Text) && h.Text != "英文请按9" {
					t.Errorf("the English caller heard %q", h.Text)
				}
			}
			if err := w.sw.Sim.HangupCall(caller); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "bob's call ends", func() bool { a, err := w.eng.Agent(ctx, "bob"); return err == nil && a.CallID == "" })

			// Ann has no work number: her caller hears no agent-ID prompt.
			if err := w.eng.Logout(ctx, "bob"); err != nil {
				t.Fatal(err)
			}
			if err := w.sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: "2005", Behavior: sim.BehaviorAnswer, AnswerAfter: 100 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "ann", Device: "2005"}); err != nil {
				t.Fatal(err)
			}
			second, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138001", To: "4001"})
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the second caller talks to ann", func() bool {
				ann := w.legOf("2005")
				return ann != "" && w.sw.Sim.Hears(second, ann)
			})
			time.Sleep(500 * time.Millisecond) // the announcement would follow the bridge
			for _, h := range mustCall(w, second).Heard {
				if h.Text != "" && (containsAny(h.Text, "ann", "话务员", "Agent ")) {
					t.Errorf("an agent without a work number was announced: %q", h.Text)
				}
			}
		})
	}
}

func containsHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if len(x) > 0 && len(s) >= len(x) {
			for i := 0; i+len(x) <= len(s); i++ {
				if s[i:i+len(x)] == x {
					return true
				}
			}
		}
	}
	return false
}
