package freeswitch

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/sim"
)

// Integration tests through the simulator's ESL server (controller/sim).

func startSim(t *testing.T) *sim.Sim {
	t.Helper()
	s := sim.New(sim.Options{
		HeartbeatInterval: 100 * time.Millisecond,
		MediaDuration:     30 * time.Millisecond,
		RecordingDir:      t.TempDir(),
		Logger:            slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// proxy relays TCP to target so a test can cut every connection at once.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(u, c); u.Close() }()
			go func() { _, _ = io.Copy(c, u); c.Close() }()
		}
	}()
	t.Cleanup(func() { ln.Close(); p.cut() })
	return p
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func simDriver(t *testing.T, addr string) *Driver {
	t.Helper()
	d, _ := startDriver(t, addr, func(c *Config) {
		c.HeartbeatInterval = 100 * time.Millisecond
		c.CommandTimeout = 2 * time.Second
		c.ListingLag = 2 * sim.DefaultShowLag
		// As in production, calls' commands (bgapi originate, sendmsg
		// playback, api) go on command connections of their own and their
		// results come on the event connection.
		c.CommandConns = 2
	})
	return d
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timeout: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSimInboundCallFlow(t *testing.T) {
	s := startSim(t)
	for _, e := range []sim.EndpointSpec{
		{Number: "1001", AnswerAfter: 20 * time.Millisecond},
		{Number: "2001", AnswerAfter: 20 * time.Millisecond},
		{Number: "1002", Behavior: sim.BehaviorBusy, AnswerAfter: 20 * time.Millisecond},
	} {
		if err := s.DefineEndpoint(e); err != nil {
			t.Fatal(err)
		}
	}
	d := simDriver(t, s.ESLAddr())
	ctx := context.Background()
	waitFor(t, d, "connected", isType(controller.EventSwitchConnected, ""))

	// An inbound call parks with ipcc_did and is handed to ipcc.
	id, err := s.PlaceCall(sim.CallSpec{From: "15551230001", FromName: "Customer", To: "4000"})
	if err != nil {
		t.Fatal(err)
	}
	a := waitFor(t, d, "call arrived", isType(controller.EventCallArrived, id))
	if a.DNIS != "4000" || a.ANI != "15551230001" {
		t.Errorf("CallArrived %+v", a)
	}
	if err := d.Answer(ctx, id); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "answered", isType(controller.EventAnswered, id))

	// Play a short list; started and finished carry our playback id.
	err = d.Play(ctx, id, controller.Playback{ID: "pb1", Media: []controller.Media{
		{Kind: controller.MediaTone, Value: "beep"}, {Kind: controller.MediaSilence, Value: "50"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if ev := waitFor(t, d, "playback started", isType(controller.EventPlaybackStarted, id)); ev.PlaybackID != "pb1" {
		t.Errorf("started %+v", ev)
	}
	if ev := waitFor(t, d, "playback finished", isType(controller.EventPlaybackFinished, id)); ev.PlaybackID != "pb1" || ev.Err != "" {
		t.Errorf("finished %+v", ev)
	}

	// The caller presses a key.
	if err := s.Press(id, "5"); err != nil {
		t.Fatal(err)
	}
	if ev := waitFor(t, d, "dtmf", isType(controller.EventDTMF, id)); ev.Digit != "5" {
		t.Errorf("dtmf %+v", ev)
	}

	// Agent leg, bridge.
	agent := uuid.NewString()
	if err := d.Originate(ctx, controller.Originate{LegID: agent, CallerIDNum: "4000",
		Endpoint: controller.Endpoint{Kind: controller.EndpointExtension, Number: "1001"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "agent answered", isType(controller.EventAnswered, agent))
	if err := d.Bridge(ctx, id, agent); err != nil {
		t.Fatal(err)
	}
	if ev := waitFor(t, d, "bridged", isType(controller.EventBridged, id)); ev.OtherLeg != agent {
		t.Errorf("bridged %+v", ev)
	}
	eventually(t, "caller and agent hear each other", func() bool { return s.Hears(id, agent) && s.Hears(agent, id) })

	// Record the caller.
	path := filepath.Join(t.TempDir(), "r1.wav")
	if err := d.Record(ctx, id, controller.Recording{ID: "r1", Path: path}); err != nil {
		t.Fatal(err)
	}
	if ev := waitFor(t, d, "recording started", isType(controller.EventRecordingStarted, id)); ev.RecordingID != "r1" {
		t.Errorf("recording started %+v", ev)
	}
	if err := d.PauseRecord(ctx, id, "r1", true); err != nil {
		t.Fatal(err)
	}
	if err := d.PauseRecord(ctx, id, "r1", false); err != nil {
		t.Fatal(err)
	}
	if err := d.StopRecord(ctx, id, "r1"); err != nil {
		t.Fatal(err)
	}
	if ev := waitFor(t, d, "recording finished", isType(controller.EventRecordingFinished, id)); ev.RecordingID != "r1" || ev.Path == "" {
		t.Errorf("recording finished %+v", ev)
	}

	// A supervisor listens, then whispers to the agent.
	sup := uuid.NewString()
	if err := d.Originate(ctx, controller.Originate{LegID: sup,
		Endpoint: controller.Endpoint{Kind: controller.EndpointExtension, Number: "2001"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "supervisor answered", isType(controller.EventAnswered, sup))
	if err := d.Eavesdrop(ctx, sup, agent, controller.EavesdropListen); err != nil {
		t.Fatal(err)
	}
	eventually(t, "supervisor hears the agent", func() bool { return s.Hears(sup, agent) })
	if s.Hears(agent, sup) || s.Hears(id, sup) {
		t.Error("in listen mode nobody hears the supervisor")
	}
	if err := d.Eavesdrop(ctx, sup, agent, controller.EavesdropWhisper); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the agent hears the whisper", func() bool { return s.Hears(agent, sup) })
	if s.Hears(id, sup) {
		t.Error("the caller must not hear a whisper")
	}

	// An agent that is busy.
	busy := uuid.NewString()
	if err := d.Originate(ctx, controller.Originate{LegID: busy,
		Endpoint: controller.Endpoint{Kind: controller.EndpointExtension, Number: "1002"}}); err != nil {
		t.Fatal(err)
	}
	if ev := waitFor(t, d, "busy", isType(controller.EventHungUp, busy)); ev.Cause != controller.CauseUserBusy {
		t.Errorf("busy leg %+v", ev)
	}

	// ipcc hangs the caller up.
	if err := d.Hangup(ctx, id, controller.CauseNormalClearing); err != nil {
		t.Fatal(err)
	}
	ev := waitFor(t, d, "caller hung up", isType(controller.EventHungUp, id))
	if ev.Cause != controller.CauseNormalClearing || ev.HangupBy != controller.HangupController {
		t.Errorf("hangup %+v", ev)
	}
	if err := d.Answer(ctx, id); err == nil {
		t.Error("Answer on a gone leg succeeded")
	}
}

func TestSimDroppedConnectionRecoversCall(t *testing.T) {
	s := startSim(t)
	if err := s.DefineEndpoint(sim.EndpointSpec{Number: "1001", AnswerAfter: 20 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	p := newProxy(t, s.ESLAddr())
	d := simDriver(t, p.ln.Addr().String())
	ctx := context.Background()
	waitFor(t, d, "connected", isType(controller.EventSwitchConnected, ""))
	id, err := s.PlaceCall(sim.CallSpec{From: "15551230001", To: "4000"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "call arrived", isType(controller.EventCallArrived, id))
	if err := d.Answer(ctx, id); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "answered", isType(controller.EventAnswered, id))
	agent := uuid.NewString()
	if err := d.Originate(ctx, controller.Originate{LegID: agent,
		Endpoint: controller.Endpoint{Kind: controller.EndpointExtension, Number: "1001"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "agent answered", isType(controller.EventAnswered, agent))
	if err := d.Bridge(ctx, id, agent); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "bridged", isType(controller.EventBridged, id))
	eventually(t, "owned mark set", func() bool {
		c, err := s.Call(id)
		return err == nil && c.Vars["ipcc_owned"] == id
	})

	p.cut() // the control connection drops mid-call
	waitFor(t, d, "disconnected", isType(controller.EventSwitchDisconnected, ""))
	seen := map[string]bool{}
	for len(seen) < 2 {
		ev := waitFor(t, d, "re-adoption", isType(controller.EventCallArrived, ""))
		seen[ev.Leg] = true
		if ev.Leg == id && (ev.DNIS != "4000" || ev.OtherLeg != agent) {
			t.Errorf("re-adopted caller %+v", ev)
		}
	}
	if !seen[id] || !seen[agent] {
		t.Fatalf("re-adopted %v, want %s and %s", seen, id, agent)
	}
	waitFor(t, d, "reconnected", isType(controller.EventSwitchConnected, ""))
	if !s.Hears(id, agent) {
		t.Error("the call lost its audio path during the outage")
	}
	// The recovered call is controllable.
	if err := d.Hangup(ctx, id, controller.CauseNormalClearing); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "caller hung up", isType(controller.EventHungUp, id))
}

func TestSimConferenceHoldTransfer(t *testing.T) {
	s := startSim(t)
	if err := s.DefineEndpoint(sim.EndpointSpec{Number: "1001", AnswerAfter: 20 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	d := simDriver(t, s.ESLAddr())
	ctx := context.Background()
	waitFor(t, d, "connected", isType(controller.EventSwitchConnected, ""))
	id, err := s.PlaceCall(sim.CallSpec{From: "15551230001", To: "4000"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "call arrived", isType(controller.EventCallArrived, id))
	if err := d.Answer(ctx, id); err != nil {
		t.Fatal(err)
	}
	// Numbers and digits through the say application.
	err = d.Play(ctx, id, controller.Playback{ID: "n1", Media: []controller.Media{
		{Kind: controller.MediaNumber, Value: "125", Lang: "zh-CN"}, {Kind: controller.MediaDigits, Value: "42"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if ev := waitFor(t, d, "say finished", isType(controller.EventPlaybackFinished, id)); ev.PlaybackID != "n1" || ev.Err != "" {
		t.Errorf("say finished %+v", ev)
	}
	agent := uuid.NewString()
	if err := d.Originate(ctx, controller.Originate{LegID: agent,
		Endpoint: controller.Endpoint{Kind: controller.EndpointExtension, Number: "1001"}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "agent answered", isType(controller.EventAnswered, agent))
	if err := d.Bridge(ctx, id, agent); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "bridged", isType(controller.EventBridged, id))

	if err := d.Hold(ctx, id, ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "hold", isType(controller.EventHold, id))
	if err := d.Unhold(ctx, id); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "unhold", isType(controller.EventUnhold, id))
	if err := d.Hold(ctx, uuid.NewString(), ""); !errors.Is(err, controller.ErrNoSuchLeg) {
		t.Errorf("Hold of an unknown leg = %v", err)
	}

	// Unbridge: both legs stay, parked under ipcc control.
	if err := d.Unbridge(ctx, id); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "unbridged", isType(controller.EventUnbridged, id))
	for _, leg := range []string{id, agent} {
		if c, err := s.Call(leg); err != nil || !c.Ended.IsZero() {
			t.Errorf("leg %s after unbridge: %+v %v", leg, c, err)
		}
	}

	// Conference: both join, mute, leave.
	for _, leg := range []string{id, agent} {
		if err := d.JoinConference(ctx, leg, "cc-3000", controller.ConferenceOptions{}); err != nil {
			t.Fatal(err)
		}
		if ev := waitFor(t, d, "joined", isType(controller.EventConferenceJoined, leg)); ev.Room != "cc-3000" {
			t.Errorf("joined %+v", ev)
		}
	}
	eventually(t, "conference members hear each other", func() bool { return s.Hears(id, agent) && s.Hears(agent, id) })
	if err := d.MuteConference(ctx, id, "cc-3000", true); err != nil {
		t.Fatal(err)
	}
	eventually(t, "muted caller is not heard", func() bool { return !s.Hears(agent, id) })
	if err := d.MuteConference(ctx, id, "cc-3000", false); err != nil {
		t.Fatal(err)
	}
	eventually(t, "unmuted caller is heard", func() bool { return s.Hears(agent, id) })
	if err := d.LeaveConference(ctx, agent, "cc-3000"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, d, "left", isType(controller.EventConferenceLeft, agent))

	if err := d.SetVar(ctx, id, "ipcc_queue", "sales"); err != nil {
		t.Fatal(err)
	}
	if err := d.SendDTMF(ctx, id, "12#"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "variable and digits reached the switch", func() bool {
		c, err := s.Call(id)
		return err == nil && c.Vars["ipcc_queue"] == "sales" && c.DTMFSent == "12#"
	})
	if err := d.Transfer(ctx, id, controller.DialplanTarget{Extension: "5000", Context: "default"}); err != nil {
		t.Fatal(err)
	}
	if err := d.Hangup(ctx, agent, controller.CauseUserBusy); err != nil {
		t.Fatal(err)
	}
	ev := waitFor(t, d, "agent hung up", isType(controller.EventHungUp, agent))
	if ev.Cause != controller.CauseUserBusy || ev.HangupBy != controller.HangupController {
		t.Errorf("hangup %+v", ev)
	}
}
