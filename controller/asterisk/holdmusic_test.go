package asterisk

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/sim"
)

const (
	holdFilePath = "/srv/ipcc/prompts/acme/acme-music.wav"
	holdFileURI  = "sound:/srv/ipcc/prompts/acme/acme-music"
)

// heardTimes counts how often the party on leg started hearing media.
func heardTimes(t *testing.T, s *sim.Sim, leg, media string) int {
	t.Helper()
	info, err := s.Call(leg)
	must(t, err)
	n := 0
	for _, h := range info.Heard {
		if h.Value == media {
			n++
		}
	}
	return n
}

func waitUntil(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// drain returns the events seen so far.
func (r *simRig) drain() []controller.Event {
	var out []controller.Event
	for {
		select {
		case ev := <-r.events:
			out = append(out, ev)
		default:
			return out
		}
	}
}

// noPlaybackEvents fails on PlaybackStarted/Finished events seen so far:
// the hold loop's playbacks are the driver's own.
func (r *simRig) noPlaybackEvents(t *testing.T) {
	t.Helper()
	for {
		select {
		case ev := <-r.events:
			if ev.Type == controller.EventPlaybackStarted || ev.Type == controller.EventPlaybackFinished {
				t.Fatalf("the hold loop leaked %s", describe(ev))
			}
		default:
			return
		}
	}
}

func mustVar(t *testing.T, s *sim.Sim, leg, name string) string {
	t.Helper()
	info, err := s.Call(leg)
	must(t, err)
	return info.Vars[name]
}

// loops waits until the party hears the hold file n more times.
func loops(t *testing.T, s *sim.Sim, leg string, n int) {
	t.Helper()
	from := heardTimes(t, s, leg, holdFileURI)
	waitUntil(t, "the hold file loops", func() bool { return heardTimes(t, s, leg, holdFileURI) >= from+n })
}

// stopped checks that the loop stays stopped.
func stopped(t *testing.T, s *sim.Sim, leg string) {
	t.Helper()
	waitUntil(t, "the hold file stops", func() bool { info, _ := s.Call(leg); return info.Playing == "" })
	n := heardTimes(t, s, leg, holdFileURI)
	time.Sleep(150 * time.Millisecond) // five lengths of the file
	if m := heardTimes(t, s, leg, holdFileURI); m != n {
		t.Fatalf("the hold file started again after the loop ended (%d, then %d times)", n, m)
	}
}

// A caller waiting unbridged hears the hold file in a loop: each playback
// (30 ms in the simulator) is followed by the next until Unhold, which
// stops the current one; no class music on hold plays and the controller
// sees Hold and Unhold, no playback events.
func TestSimHoldMusicFileLoopsForAWaitingCaller(t *testing.T) {
	r := startSim(t)
	ctx := context.Background()
	caller, err := r.sim.PlaceCall(sim.CallSpec{Front: sim.FrontAsterisk, From: "15551230001", To: "5551000"})
	must(t, err)
	r.expect(controller.EventCallArrived, caller)
	must(t, r.d.Answer(ctx, caller))
	r.expect(controller.EventAnswered, caller)

	must(t, r.d.Hold(ctx, caller, holdFilePath))
	r.expect(controller.EventHold, caller)
	loops(t, r.sim, caller, 4)
	if info, _ := r.sim.Call(caller); info.Music != "" {
		t.Errorf("a class plays too: %q", info.Music)
	}
	r.noPlaybackEvents(t)
	// Holding again with the same file keeps the one loop.
	must(t, r.d.Hold(ctx, caller, holdFilePath))
	// A variable (which real Asterisk would set only after the current
	// playback) pauses the loop around it; the caller stays held.
	must(t, r.d.SetVar(ctx, caller, "CC_NOTE", "held"))
	loops(t, r.sim, caller, 2)
	if v := mustVar(t, r.sim, caller, "CC_NOTE"); v != "held" {
		t.Fatalf("CC_NOTE = %q", v)
	}
	for _, ev := range r.drain() {
		if ev.Type == controller.EventUnhold || ev.Type == controller.EventPlaybackStarted || ev.Type == controller.EventPlaybackFinished {
			t.Fatalf("while held: %s", describe(ev))
		}
	}
	must(t, r.d.Unhold(ctx, caller))
	r.expect(controller.EventUnhold, caller)
	stopped(t, r.sim, caller)
	r.noPlaybackEvents(t)

	// A prompt after the hold is heard at once, with no hold file after it.
	must(t, r.d.Hold(ctx, caller, holdFilePath))
	r.expect(controller.EventHold, caller)
	loops(t, r.sim, caller, 1)
	must(t, r.d.Play(ctx, caller, controller.Playback{ID: "pb-1", Media: []controller.Media{{Kind: controller.MediaFile, Value: "queue-thankyou"}}}))
	r.expect(controller.EventUnhold, caller) // playing a prompt ends the hold
	r.expect(controller.EventPlaybackStarted, caller)
	r.expect(controller.EventPlaybackFinished, caller)
	stopped(t, r.sim, caller)

	// Hung up while the file plays: the loop ends with the leg.
	must(t, r.d.Hold(ctx, caller, holdFilePath))
	r.expect(controller.EventHold, caller)
	loops(t, r.sim, caller, 1)
	must(t, r.sim.HangupCall(caller))
	r.expect(controller.EventHungUp, caller)
	n := heardTimes(t, r.sim, caller, holdFileURI)
	time.Sleep(100 * time.Millisecond)
	if m := heardTimes(t, r.sim, caller, holdFileURI); m != n {
		t.Fatalf("the hold file played after the hangup (%d, then %d times)", n, m)
	}
	r.noPlaybackEvents(t)
}

// A caller held by the agent in a mixing bridge: the playbacks go to the
// caller's channel in the bridge, which Asterisk takes out of the mix while
// they play (see holdmusic.go): the caller hears only the file, the agent
// hears neither the caller nor the file, and Unhold brings the
// conversation back. Unbridging a held leg ends its loop first.
func TestSimHoldMusicFileForABridgedCaller(t *testing.T) {
	r := startSim(t)
	ctx := context.Background()
	must(t, r.sim.DefineEndpoint(sim.EndpointSpec{Number: "1001", Behavior: sim.BehaviorAnswer, AnswerAfter: 20 * time.Millisecond}))
	caller, err := r.sim.PlaceCall(sim.CallSpec{Front: sim.FrontAsterisk, From: "15551230001", To: "5551000"})
	must(t, err)
	r.expect(controller.EventCallArrived, caller)
	must(t, r.d.Answer(ctx, caller))
	r.expect(controller.EventAnswered, caller)
	must(t, r.d.Originate(ctx, controller.Originate{LegID: "agent-1", Endpoint: controller.Endpoint{Kind: controller.EndpointExtension, Number: "1001"}}))
	r.expect(controller.EventAnswered, "agent-1")
	must(t, r.d.Bridge(ctx, caller, "agent-1"))
	r.expectSet(controller.EventBridged, caller, "agent-1")
	checkHears(t, r.sim, map[[2]string]bool{{caller, "agent-1"}: true, {"agent-1", caller}: true})

	must(t, r.d.Hold(ctx, caller, holdFilePath))
	r.expect(controller.EventHold, caller)
	loops(t, r.sim, caller, 3)
	for i := 0; i < 20; i++ { // across several playbacks and the gaps between them
		if r.sim.Hears("agent-1", caller) {
			t.Fatal("the agent hears the held caller")
		}
		time.Sleep(3 * time.Millisecond)
	}
	if info, _ := r.sim.Call("agent-1"); info.Playing != "" || info.Music != "" {
		t.Errorf("the agent hears %q / music %q", info.Playing, info.Music)
	}
	if heardTimes(t, r.sim, "agent-1", holdFileURI) != 0 {
		t.Error("the agent heard the hold file")
	}
	r.noPlaybackEvents(t)
	must(t, r.d.Unhold(ctx, caller))
	r.expect(controller.EventUnhold, caller)
	stopped(t, r.sim, caller)
	checkHears(t, r.sim, map[[2]string]bool{{caller, "agent-1"}: true, {"agent-1", caller}: true})

	// Held again, then taken out of the bridge: the loop ends before the
	// removeChannel (real Asterisk would run that only after the file).
	must(t, r.d.Hold(ctx, caller, holdFilePath))
	r.expect(controller.EventHold, caller)
	loops(t, r.sim, caller, 1)
	must(t, r.d.Unbridge(ctx, caller))
	r.expect(controller.EventUnhold, caller)
	stopped(t, r.sim, caller)
	if info, _ := r.sim.Call(caller); info.Bridge != "" {
		t.Fatalf("still bridged: %+v", info.Bridge)
	}
}

// A hold file Asterisk cannot open (here a WAV at 16 kHz named .wav, which
// format_wav refuses) ends the loop at its first failed playback; the
// switch's music on hold class plays instead and Unhold stops it.
func TestSimHoldMusicFileThatFailsFallsBackToTheClass(t *testing.T) {
	r := startSim(t)
	ctx := context.Background()
	bad := filepath.Join(t.TempDir(), "bad.wav")
	must(t, os.WriteFile(bad, wav16k(), 0o644))
	caller, err := r.sim.PlaceCall(sim.CallSpec{Front: sim.FrontAsterisk, From: "15551230001", To: "5551000"})
	must(t, err)
	r.expect(controller.EventCallArrived, caller)
	must(t, r.d.Answer(ctx, caller))
	must(t, r.d.Hold(ctx, caller, bad))
	r.expect(controller.EventHold, caller)
	waitUntil(t, "the class plays instead", func() bool { info, _ := r.sim.Call(caller); return info.Music == "default" })
	r.d.mu.Lock()
	looping := r.d.st.legs[caller].holdPB != ""
	r.d.mu.Unlock()
	if looping {
		t.Fatal("the loop goes on after a failed playback")
	}
	must(t, r.d.Unhold(ctx, caller))
	r.expect(controller.EventUnhold, caller)
	if info, _ := r.sim.Call(caller); info.Music != "" {
		t.Fatalf("after Unhold: music %q", info.Music)
	}
}

// wav16k is a short 16-bit mono PCM WAV at 16 kHz.
func wav16k() []byte {
	var b bytes.Buffer
	data := make([]byte, 3200)
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, uint32(36+len(data)))
	b.WriteString("WAVEfmt ")
	for _, v := range []any{uint32(16), uint16(1), uint16(1), uint32(16000), uint32(32000), uint16(2), uint16(16)} {
		_ = binary.Write(&b, binary.LittleEndian, v)
	}
	b.WriteString("data")
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	return b.Bytes()
}

// An unhold that meets the loop's next playback in its first moments, when
// Asterisk refuses to stop it (500 "Could not stop playback", seen on the
// kit's Asterisk), still ends the hold: the stop is tried again until the
// playback is controllable.
func TestSimHoldMusicUnholdAtAPlaybacksStart(t *testing.T) {
	r := startSimWith(t, func(o *sim.Options) { o.PlaybackStopSettle = 100 * time.Millisecond })
	ctx := context.Background()
	caller, err := r.sim.PlaceCall(sim.CallSpec{Front: sim.FrontAsterisk, From: "15551230001", To: "5551000"})
	must(t, err)
	r.expect(controller.EventCallArrived, caller)
	must(t, r.d.Answer(ctx, caller))
	r.expect(controller.EventAnswered, caller)
	must(t, r.d.Hold(ctx, caller, holdFilePath))
	r.expect(controller.EventHold, caller)
	// At once: the first playback is still in its first 100 ms.
	must(t, r.d.Unhold(ctx, caller))
	r.expect(controller.EventUnhold, caller)
	stopped(t, r.sim, caller)
	r.noPlaybackEvents(t)
}
