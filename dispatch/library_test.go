package dispatch_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/prompts"
	"github.com/ipcc/ipcc/store"
)

// Queue announcements may name prompts of the tenant's library: the entry
// prompt "library:welcome" (a TTS prompt) is heard in the caller's
// language, the overflow prompt "library:sorry" (uploaded audio) is heard
// as the tenant's file before the call leaves for its overflow target. A
// prompt removed from the library after the queue was set is not played
// (no "library:..." read out as text) and the call's trace says why.
func TestScenarioQueueAnnouncementsFromThePromptsLibrary(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f, func(o *dispatch.Options) {
				o.Library = prompts.Library{Store: o.Store, Dir: "/srv/prompts"}
			})
			ctx := context.Background()
			for _, p := range []*store.Prompt{
				{TenantID: tenant, Name: "welcome", Kind: store.PromptTTS, Texts: `{"zh-CN":"欢迎致电Acme","en":"Welcome to Acme"}`},
				{TenantID: tenant, Name: "sorry", Kind: store.PromptFile, Language: "", DurationMS: 1500},
				{TenantID: "other", Name: "sorry", Kind: store.PromptTTS, Texts: `{"zh-CN":"别的租户","en":"another tenant"}`},
			} {
				if err := w.st.CreatePrompt(ctx, p); err != nil {
					t.Fatal(err)
				}
			}
			for _, lang := range []string{"en", "zh-CN"} {
				q := acd.QueueConfig{ID: "support", Name: "Support", Strategy: "longest-idle", RingTimeout: acd.Duration(time.Second),
					Announcements: acd.Announcements{Lang: lang, EntryPrompt: "library:welcome", OverflowPrompt: "library:sorry"},
					Limits:        acd.QueueLimits{MaxWait: acd.Duration(2 * time.Second)},
					Overflow:      acd.OverflowTargets{MaxWait: acd.OverflowTarget{Kind: acd.TargetHangup}}}
				if err := w.eng.SetQueue(ctx, q); err != nil {
					t.Fatal(err)
				}
				caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138000", To: "4001"})
				if err != nil {
					t.Fatal(err)
				}
				welcome := map[string]string{"en": "Welcome to Acme", "zh-CN": "欢迎致电Acme"}[lang]
				waitFor(t, lang+" caller hears the library's welcome", func() bool { return w.heard(caller, welcome) })
				waitFor(t, lang+" caller hears the uploaded overflow prompt", func() bool { return w.heard(caller, "/srv/prompts/acme/sorry") }) // Asterisk plays it without the extension
				rec := w.record(caller, nil)
				for _, h := range mustCall(w, caller).Heard {
					if strings.Contains(h.Text, "library:") || strings.Contains(h.Text, "another tenant") || strings.Contains(h.Text, "别的租户") {
						t.Errorf("%s caller heard %q", lang, h.Text)
					}
				}
				if tr := traceText(t, rec); !strings.Contains(tr, `library "welcome": `+welcome) || !strings.Contains(tr, `library "sorry": file /srv/prompts/acme/sorry.wav`) {
					t.Errorf("trace lacks the library prompts:\n%s", rec.Trace)
				}
			}

			// The welcome prompt leaves the library: the next caller hears no
			// welcome and the trace names the prompt.
			if err := w.st.DeletePrompt(ctx, tenant, "welcome"); err != nil {
				t.Fatal(err)
			}
			caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138001", To: "4001"})
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the caller still hears the overflow prompt", func() bool { return w.heard(caller, "/srv/prompts/acme/sorry") }) // Asterisk plays it without the extension
			rec := w.record(caller, nil)
			if !strings.Contains(traceText(t, rec), `announcement entry not played: library prompt "welcome" is not in the tenant's prompts library`) {
				t.Errorf("trace does not say why the welcome was not played:\n%s", rec.Trace)
			}
			for _, h := range mustCall(w, caller).Heard {
				if strings.Contains(h.Text, "Welcome") || strings.Contains(h.Text, "welcome") {
					t.Errorf("heard %q", h.Text)
				}
			}
		})
	}
}

// traceText is a call record's trace, one detail a line.
func traceText(t *testing.T, rec store.CallRecord) string {
	t.Helper()
	var lines []struct{ Kind, Detail string }
	if err := json.Unmarshal([]byte(rec.Trace), &lines); err != nil {
		t.Fatalf("trace %q: %v", rec.Trace, err)
	}
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(l.Kind + " " + l.Detail + "\n")
	}
	return b.String()
}

// The generated sentences may be made of library prompts too: the position
// announcement "library:you-are-number {position} library:in-the-queue"
// is heard as the library's prompts with the caller's place said as a
// number between them (no generated "You are number 1" TTS), the agent
// hears the whisper from the library with the queue's name, and the
// caller hears the agent-ID announcement from the library with the work
// number said digit by digit. The trace names each part.
func TestScenarioQueueSentencesFromThePromptsLibrary(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f, func(o *dispatch.Options) {
				o.Library = prompts.Library{Store: o.Store, Dir: "/srv/prompts"}
			})
			ctx := context.Background()
			for _, p := range []*store.Prompt{
				{TenantID: tenant, Name: "you-are-number", Kind: store.PromptTTS, Texts: `{"zh-CN":"您前面排队的位置是","en":"Your place in line is"}`},
				{TenantID: tenant, Name: "in-the-queue", Kind: store.PromptFile, DurationMS: 800},
				{TenantID: tenant, Name: "new-call", Kind: store.PromptTTS, Texts: `{"zh-CN":"新来电","en":"New call from"}`},
				{TenantID: tenant, Name: "agent-intro", Kind: store.PromptTTS, Texts: `{"zh-CN":"为您服务的是","en":"You are speaking with agent"}`},
			} {
				if err := w.st.CreatePrompt(ctx, p); err != nil {
					t.Fatal(err)
				}
			}
			q := acd.QueueConfig{ID: "support", Name: "Support", Strategy: "longest-idle", RingTimeout: acd.Duration(5 * time.Second),
				Announcements: acd.Announcements{Lang: "en", Position: true, PositionInterval: acd.Duration(5 * time.Second), AgentWhisper: true, AgentID: true,
					PositionPrompt:  []string{"library:you-are-number", "{position}", "library:in-the-queue"},
					WhisperPrompts:  map[string][]string{"en": {"library:new-call", "{queue}"}},
					AgentIDPrompt:   []string{"library:agent-intro", "{agent}"},
					PositionPrompts: map[string][]string{"zh-CN": {"您排在第", "{position}", "位"}}}}
			if err := w.eng.SetQueue(ctx, q); err != nil {
				t.Fatal(err)
			}
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2002", WorkNumber: "8002", NotReady: "break"}); err != nil {
				t.Fatal(err)
			}
			caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138000", To: "4001"})
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the caller hears the position announcement from the library", func() bool {
				return w.heard(caller, "Your place in line is") && w.heard(caller, "/srv/prompts/acme/in-the-queue")
			})
			// The position is said as a number between the two library prompts.
			var seq []string
			for _, h := range mustCall(w, caller).Heard {
				switch {
				case strings.Contains(h.Text, "Your place in line is"):
					seq = append(seq, "intro")
				case h.Kind == "number":
					seq = append(seq, "number "+h.Value)
				case strings.Contains(h.Value, "in-the-queue"):
					seq = append(seq, "outro")
				case strings.Contains(h.Text, "You are number"):
					t.Errorf("the generated sentence was played: %q", h.Text)
				}
			}
			if len(seq) < 3 || strings.Join(seq[:3], ",") != "intro,number 1,outro" {
				t.Errorf("the caller heard %v, want intro,number 1,outro", seq)
			}
			if err := w.eng.Ready(ctx, "bob"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the caller hears the agent-ID announcement from the library", func() bool {
				return w.heard(caller, "You are speaking with agent")
			})
			waitFor(t, "the work number is said digit by digit", func() bool {
				for _, h := range mustCall(w, caller).Heard {
					if h.Kind == "digits" && h.Value == "8002" {
						return true
					}
				}
				return false
			})
			bob := w.legOf("2002")
			if !w.heard(bob, "New call from") || !w.heard(bob, "Support") {
				t.Errorf("bob did not hear the library whisper: %+v", mustCall(w, bob).Heard)
			}
			if err := w.sw.Sim.HangupCall(caller); err != nil {
				t.Fatal(err)
			}
			rec := w.record(caller, nil)
			tr := traceText(t, rec)
			for _, want := range []string{
				`announce position (en): library "you-are-number": Your place in line is + number 1 + library "in-the-queue": file /srv/prompts/acme/in-the-queue.wav`,
				`to agent (en): library "new-call": New call from + Support`,
				`to caller (en): library "agent-intro": You are speaking with agent + digits 8002`,
			} {
				if !strings.Contains(tr, want) {
					t.Errorf("trace lacks %q:\n%s", want, tr)
				}
			}
		})
	}
}

// A periodic message made of library prompts may still offer the queue's
// call-back key ({callback_key}, said as a digit): the caller who presses
// it hears the queue's own confirmation from the library, not the
// generated one, and the call ends with a call-back request.
func TestScenarioCallbackConfirmationFromThePromptsLibrary(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f, func(o *dispatch.Options) {
				o.Library = prompts.Library{Store: o.Store, Dir: "/srv/prompts"}
			})
			ctx := context.Background()
			for _, p := range []*store.Prompt{
				{TenantID: tenant, Name: "all-busy", Kind: store.PromptTTS, Texts: `{"zh-CN":"坐席忙，回电请按","en":"All our agents are busy. For a call back, press"}`},
				{TenantID: tenant, Name: "we-call-you", Kind: store.PromptFile, DurationMS: 1200},
			} {
				if err := w.st.CreatePrompt(ctx, p); err != nil {
					t.Fatal(err)
				}
			}
			q := acd.QueueConfig{ID: "support", Name: "Support", Strategy: "longest-idle",
				Announcements: acd.Announcements{Lang: "en", Position: true, PositionInterval: acd.Duration(5 * time.Second), CallbackKey: "1",
					PositionPrompt: []string{"library:all-busy", "{callback_key}"}, CallbackPrompts: map[string][]string{"en": {"library:we-call-you"}}}}
			if err := w.eng.SetQueue(ctx, q); err != nil {
				t.Fatal(err)
			}
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2002", NotReady: "break"}); err != nil {
				t.Fatal(err)
			}
			caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138071", To: "4001"})
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the caller hears the library's comfort message with the key", func() bool {
				if !w.heard(caller, "All our agents are busy") {
					return false
				}
				for _, h := range mustCall(w, caller).Heard {
					if h.Kind == "digits" && h.Value == "1" {
						return true
					}
				}
				return false
			})
			if err := w.sw.Sim.Press(caller, "1"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the caller heard the library's confirmation and the call ended", func() bool {
				return w.heard(caller, "/srv/prompts/acme/we-call-you") && !mustCall(w, caller).Ended.IsZero()
			})
			if w.heard(caller, "We have noted your request") || w.heard(caller, "You are number") {
				t.Errorf("the generated sentences were played: %+v", mustCall(w, caller).Heard)
			}
			cbs, _ := w.st.ListACDCallbacks(ctx, tenant, "pending")
			if len(cbs) != 1 || cbs[0].Number != "13800138071" {
				t.Errorf("call-backs %+v", cbs)
			}
		})
	}
}
