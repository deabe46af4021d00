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
// their language, while the agent hears neither them nor the music.
// FreeSWITCH loops the file as one playback; Asterisk, whose music on hold
// plays only musiconhold.conf classes, as ARI playbacks one after the other
// (the simulator's playbacks last 20 ms, so the loop is seen going round).
// A prompt gone from the library leaves the switch's music and the trace
// says why.
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
			waitFor(t, "the waiting caller hears the library's music", func() bool { return hearsLoop(w, f, caller, file) })
			if m := mustCall(w, caller).Music; f == sim.FrontAsterisk && m != "" {
				t.Errorf("the switch's music plays too: %q", m)
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
			waitFor(t, "the held caller hears music", func() bool { held = heldMusic(w, f, caller); return held != "" })
			waitFor(t, "the held caller hears it in a loop", func() bool { return hearsLoop(w, f, caller, held) })
			// On Asterisk the held caller is back in the bridge for a
			// moment between two playbacks of the loop: muted, so the
			// agent never hears them.
			if w.sw.Sim.Hears(bob, caller) || f == sim.FrontFreeSWITCH && w.sw.Sim.Hears(caller, bob) {
				t.Error("held: the agent and the caller still hear each other")
			}
			if heardTimes(w, bob, held) != 0 {
				t.Error("the agent heard the hold music")
			}
			if err := w.disp.Control(ctx, tenant, "bob", "unhold", nil); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "off hold, no music", func() bool { return heldMusic(w, f, caller) == "" })
			waitFor(t, "off hold, the conversation", func() bool { return w.sw.Sim.Hears(bob, caller) && w.sw.Sim.Hears(caller, bob) })

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
			// The TTS prompt is rendered to a file, which loops.
			if held == file || !strings.HasSuffix(held, ".wav") || !strings.Contains(tr, `tts "Please hold the line" (en) -> `+held) {
				t.Errorf("held by the agent, the caller hears %q, not the rendered please-hold prompt:\n%s", held, tr)
			}
			if strings.Contains(tr, "not played") {
				t.Errorf("the library's music was not played:\n%s", tr)
			}
		})
	}
}

// soundURI is how the simulator's Asterisk names a file an ARI playback
// plays: sound:<path without its extension>.
func soundURI(file string) string { return "sound:" + strings.TrimSuffix(file, ".wav") }

// heldMusic is the file the party hears as hold music now ("" = none): on
// FreeSWITCH a looping playback, on Asterisk the current playback of the
// driver's loop.
func heldMusic(w *world, f sim.Front, leg string) string {
	c := mustCall(w, leg)
	if f == sim.FrontFreeSWITCH {
		if strings.HasSuffix(c.Music, ".wav") {
			return c.Music
		}
		return ""
	}
	if p, ok := strings.CutPrefix(c.Playing, "sound:"); ok && c.Music == "" {
		return p + ".wav"
	}
	return ""
}

// hearsLoop reports whether the party hears file as hold music, in a loop:
// FreeSWITCH plays it once with loops -1; on Asterisk it has been heard 12
// times over, more than one ARI playback of the driver's loop holds (it
// lists the file 10 times).
func hearsLoop(w *world, f sim.Front, leg, file string) bool {
	if heldMusic(w, f, leg) != file {
		return false
	}
	return f == sim.FrontFreeSWITCH || heardTimes(w, leg, file) >= 12
}

// heardTimes counts how often the party started hearing file.
func heardTimes(w *world, leg, file string) int {
	n := 0
	for _, h := range mustCall(w, leg).Heard {
		if h.Value == file || h.Value == soundURI(file) {
			n++
		}
	}
	return n
}
