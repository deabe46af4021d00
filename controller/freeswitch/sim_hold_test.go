package freeswitch

import (
	"context"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/sim"
)

// uuid_hold plays no music to the leg it holds (switch_ivr_hold broadcasts
// it to the bridged partner), and a loopback or unanswered leg it holds
// can never be taken off hold. The driver plays the music to the leg
// itself, looping, and breaks it on Unhold: a parked caller hears it, a
// loopback caller can be held and taken off hold, a prompt to a held leg
// stops the music first.
func TestSimHoldPlaysMusicToTheLeg(t *testing.T) {
	s := startSimWith(t, func(o *sim.Options) { o.AutoAnswer = 10 * time.Millisecond })
	d := simDriver(t, s.ESLAddr())
	ctx := context.Background()
	waitFor(t, d, "connected", isType(controller.EventSwitchConnected, ""))

	music := func(leg string) string {
		t.Helper()
		info, err := s.Call(leg)
		if err != nil {
			t.Fatal(err)
		}
		return info.Music
	}
	waitMusic := func(leg string, on bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for (music(leg) != "") != on {
			if time.Now().After(deadline) {
				t.Fatalf("leg %s music %q, want playing %v", leg, music(leg), on)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}

	// A parked SIP caller.
	caller, err := s.PlaceCall(sim.CallSpec{From: "15551230002", To: "4000"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "SIP caller arrived", isType(controller.EventCallArrived, caller))
	if err := d.Answer(ctx, caller); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "answered", isType(controller.EventAnswered, caller))
	if err := d.Hold(ctx, caller, "moh"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "hold", isType(controller.EventHold, caller))
	waitMusic(caller, true)
	if err := d.Hold(ctx, caller, "moh"); err != nil {
		t.Fatalf("hold of a held leg: %v", err)
	}
	if err := d.Unhold(ctx, caller); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "unhold", isType(controller.EventUnhold, caller))
	waitMusic(caller, false)

	// Held again, a prompt stops the music and plays.
	if err := d.Hold(ctx, caller, ""); err != nil {
		t.Fatal(err)
	}
	waitMusic(caller, true)
	if err := d.Play(ctx, caller, controller.Playback{ID: "p-held", Media: []controller.Media{{Kind: controller.MediaTone, Value: "beep"}}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "unhold before the prompt", isType(controller.EventUnhold, caller))
	waitFor(t, d, "the prompt played", func(e controller.Event) bool {
		return e.Type == controller.EventPlaybackFinished && e.PlaybackID == "p-held" && e.Err == ""
	})
	waitMusic(caller, false)

	// A loopback caller (the real contract suite's callers) is held and
	// taken off hold too.
	near := "a0000000-0000-4000-8000-0000000000ad"
	if err := d.Originate(ctx, controller.Originate{LegID: near, Endpoint: controller.Endpoint{
		Kind: controller.EndpointRaw, Number: "loopback/4001/" + sim.TestCallerContext}}); err != nil {
		t.Fatal(err)
	}
	loop := waitFor(t, d, "loopback caller arrived", isType(controller.EventCallArrived, "")).Leg
	if err := d.Answer(ctx, loop); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "answered", isType(controller.EventAnswered, loop))
	if err := d.Hold(ctx, loop, ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "hold", isType(controller.EventHold, loop))
	waitMusic(loop, true)
	if err := d.Unhold(ctx, loop); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "unhold", isType(controller.EventUnhold, loop))
	waitMusic(loop, false)
}

// Music on hold that is a finite stream loops: FreeSWITCH runs the
// application again for each loop, firing CHANNEL_EXECUTE_COMPLETE each
// time with the same Application-UUID. The leg stays held (no Unhold
// after the first loop), and a prompt still stops the music and plays —
// taken as ended, the music left the prompt queued behind it for good.
func TestSimHoldLoopsAFiniteStream(t *testing.T) {
	s := startSimWith(t, func(o *sim.Options) { o.MediaDuration = 600 * time.Millisecond })
	d := simDriver(t, s.ESLAddr())
	ctx := context.Background()
	waitFor(t, d, "connected", isType(controller.EventSwitchConnected, ""))
	caller, err := s.PlaceCall(sim.CallSpec{From: "15551230003", To: "4000"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "SIP caller arrived", isType(controller.EventCallArrived, caller))
	if err := d.Answer(ctx, caller); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "answered", isType(controller.EventAnswered, caller))
	if err := d.Hold(ctx, caller, "tone_stream://%(600,0,440)"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "hold", isType(controller.EventHold, caller))
	deadline := time.After(2 * time.Second)
	for done := false; !done; {
		select {
		case e := <-d.Events():
			if e.Type == controller.EventUnhold {
				t.Fatal("Unhold after the first loop of the music")
			}
		case <-deadline:
			done = true
		}
	}
	if info, _ := s.Call(caller); info.Music == "" {
		t.Fatalf("no music after 2 s of hold: %+v", info.Heard)
	}
	if err := d.Play(ctx, caller, controller.Playback{ID: "p-after-loops", Media: []controller.Media{{Kind: controller.MediaTone, Value: "beep"}}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "unhold before the prompt", isType(controller.EventUnhold, caller))
	waitFor(t, d, "the prompt played", func(e controller.Event) bool {
		return e.Type == controller.EventPlaybackFinished && e.PlaybackID == "p-after-loops" && e.Err == ""
	})
}

// A switch configured with its own music on hold plays it when the caller
// of Hold names none (FreeSWITCH installs without local_stream://moh's
// files have nothing to play for the default class).
func TestSimHoldDefaultMusicFromConfig(t *testing.T) {
	s := startSimWith(t, func(o *sim.Options) { o.AutoAnswer = 10 * time.Millisecond })
	d, _ := startDriver(t, s.ESLAddr(), func(c *Config) {
		c.HeartbeatInterval = 100 * time.Millisecond
		c.CommandTimeout = 2 * time.Second
		c.ListingLag = 2 * sim.DefaultShowLag
		c.MusicOnHold = "/usr/share/ipcc/queue-music.wav"
	})
	ctx := context.Background()
	waitFor(t, d, "connected", isType(controller.EventSwitchConnected, ""))
	caller, err := s.PlaceCall(sim.CallSpec{From: "15551230003", To: "4000"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "SIP caller arrived", isType(controller.EventCallArrived, caller))
	if err := d.Answer(ctx, caller); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "answered", isType(controller.EventAnswered, caller))
	if err := d.Hold(ctx, caller, ""); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the configured music plays", func() bool {
		info, err := s.Call(caller)
		return err == nil && info.Music == "/usr/share/ipcc/queue-music.wav"
	})
}
