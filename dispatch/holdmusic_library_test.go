package dispatch_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/prompts"
	"github.com/ipcc/ipcc/store"
)

// A queue's hold music may be a prompt of the tenant's library: the caller
// waiting in the queue hears the uploaded file "library:acme-music" in a
// loop between the announcements, and, put on hold by the agent, the TTS
// prompt "library:please-hold" (agent_hold_music) rendered to a file in
// their language. Asterisk plays only musiconhold.conf classes on hold
// (ARI mohClass): there the caller hears the switch's music and the trace
// says why. A prompt gone from the library leaves the switch's music too.
func TestScenarioHoldMusicFromThePromptsLibrary(t *testing.T) {
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f, func(o *dispatch.Options) {
				o.Library = prompts.Library{Store: o.Store, Dir: "/srv/prompts"}
			})
			ctx := context.Background()
			for _, p := range []*store.Prompt{
				{TenantID: tenant, Name: "acme-music", Kind: store.PromptFile, DurationMS: 30000},
				{TenantID: tenant, Name: "please-hold", Kind: store.PromptTTS, Texts: `{"zh-CN":"请稍候","en":"Please hold the line"}`},
			} {
				if err := w.st.CreatePrompt(ctx, p); err != nil {
					t.Fatal(err)
				}
			}
			q := acd.QueueConfig{ID: "support", Name: "Support", Strategy: "longest-idle", RingTimeout: acd.Duration(time.Second),
				Announcements: acd.Announcements{Lang: "en", Position: true, PositionInterval: acd.Duration(5 * time.Second)},
				HoldMusic:     "library:acme-music", AgentHoldMusic: "library:please-hold"}
			// The queue as the API keeps it: in the store, where each hold
			// reads its music.
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
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2002", WorkNumber: "8002", NotReady: "break"}); err != nil {
				t.Fatal(err)
			}
			caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138077", To: "4001"})
			if err != nil {
				t.Fatal(err)
			}
			const file = "/srv/prompts/acme/acme-music.wav"
			if f == sim.FrontFreeSWITCH {
				waitFor(t, "the waiting caller hears the library's music", func() bool { return mustCall(w, caller).Music == file })
			} else {
				waitFor(t, "the waiting caller hears the switch's music", func() bool { m := mustCall(w, caller).Music; return m != "" && m != file })
			}

			if err := w.eng.Ready(ctx, "bob"); err != nil {
				t.Fatal(err)
			}
			var bob string
			waitFor(t, "the caller is connected to bob", func() bool {
				bob = w.legOf("2002")
				return bob != "" && w.sw.Sim.Hears(caller, bob) && w.sw.Sim.Hears(bob, caller)
			})
			if err := w.disp.Control(ctx, tenant, "bob", "hold", nil); err != nil {
				t.Fatal(err)
			}
			var held string
			waitFor(t, "the held caller hears music", func() bool { held = mustCall(w, caller).Music; return held != "" })
			if err := w.disp.Control(ctx, tenant, "bob", "unhold", nil); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "off hold, no music", func() bool { return mustCall(w, caller).Music == "" })

			// The prompt leaves the library: held again, the caller hears
			// the switch's music and the trace names the prompt.
			if err := w.st.DeletePrompt(ctx, tenant, "please-hold"); err != nil {
				t.Fatal(err)
			}
			if err := w.disp.Control(ctx, tenant, "bob", "hold", nil); err != nil {
				t.Fatal(err)
			}
			var again string
			waitFor(t, "held again, music", func() bool { again = mustCall(w, caller).Music; return again != "" })
			if strings.HasSuffix(again, ".wav") {
				t.Errorf("with the prompt gone the caller hears %q", again)
			}
			if err := w.sw.Sim.HangupCall(caller); err != nil {
				t.Fatal(err)
			}
			tr := traceText(t, w.record(caller, nil))
			if !strings.Contains(tr, `hold music library "please-hold" is not in the tenant's prompts library`) {
				t.Errorf("trace does not name the missing prompt:\n%s", tr)
			}
			if !strings.Contains(tr, `hold music: library "acme-music": file `+file) || !strings.Contains(tr, `hold music: library "please-hold": Please hold the line`) {
				t.Errorf("trace lacks the library hold music:\n%s", tr)
			}
			if f == sim.FrontFreeSWITCH {
				// The TTS prompt is rendered to a file, which loops.
				if held == file || !strings.HasSuffix(held, ".wav") || !strings.Contains(tr, `tts "Please hold the line" (en) -> `+held) {
					t.Errorf("held by the agent, the caller hears %q, not the rendered please-hold prompt:\n%s", held, tr)
				}
			} else {
				if held == file || strings.HasSuffix(held, ".wav") {
					t.Errorf("asterisk caller hears %q on hold", held)
				}
				if !strings.Contains(tr, `hold music library "acme-music" not played, the switch's music on hold instead`) || !strings.Contains(tr, "ARI plays only musiconhold.conf classes") {
					t.Errorf("trace does not say why the library's music was not played:\n%s", tr)
				}
			}
		})
	}
}
