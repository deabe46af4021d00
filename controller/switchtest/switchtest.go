// Package switchtest is the contract every media-server driver must meet:
// one suite of call scenarios run through the controller against a World —
// the simulator speaking FreeSWITCH's or Asterisk's protocol over real
// sockets, or a real server reached through environment variables.
package switchtest

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller"
)

// World is where a switch lives: it makes drivers connected to it and plays
// the parties (callers, phones) at the far ends.
type World interface {
	// NewSwitch returns a driver for this world; the suite runs it.
	NewSwitch(t *testing.T, name string) controller.Switch
	// PlaceCall makes a caller dial did from ani; it returns the id of the
	// leg that will arrive at ipcc.
	PlaceCall(t *testing.T, ani, did string) string
	// Phone readies a phone that behaves as told ("answer", "busy",
	// "ring") and returns how to dial it.
	Phone(t *testing.T, number, behavior string) controller.Endpoint
	// Press makes the party on leg type digits.
	Press(t *testing.T, leg, digits string)
	// HangupParty makes the party on leg hang up.
	HangupParty(t *testing.T, leg string)
	// Drop cuts the control connection(s) of the switch abruptly.
	Drop(t *testing.T)
	// Observer returns what the world can tell about a leg, or nil when it
	// cannot (real servers: the suite then checks only what ipcc sees).
	Observer() Observer
	// RecordingPath is where the switch may write a recording named name.
	RecordingPath(name string) string
}

// Observer inspects the far side of the wire (the simulator's model).
type Observer interface {
	// Hears reports whether the party on listener hears the one on speaker now.
	Hears(listener, speaker string) bool
	// Heard lists what the party on leg heard (file names, tone specs, say values, TTS text).
	Heard(leg string) []string
	// State is the leg's state ("ringing", "answered", "hungup", "" when unknown).
	State(leg string) string
	// Cause is the hang-up cause the switch recorded for leg.
	Cause(leg string) string
	// Recording reports the duration of a finished recording at path.
	Recording(path string) (time.Duration, bool)
}

// env is one running controller on one world.
type env struct {
	t     *testing.T
	w     World
	ctl   *controller.Controller
	sw    controller.Switch
	calls chan *controller.Call
	mu    sync.Mutex
	seen  map[string]int // handler starts per leg
}

func quietLogger() *slog.Logger {
	if os.Getenv("IPCC_TEST_VERBOSE") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func start(t *testing.T, w World) *env {
	t.Helper()
	e := &env{t: t, w: w, calls: make(chan *controller.Call, 16), seen: map[string]int{}}
	ctl, err := controller.New(controller.Options{
		Logger:         quietLogger(),
		CommandTimeout: 10 * time.Second,
		Handler: func(ctx context.Context, c *controller.Call) {
			e.mu.Lock()
			e.seen[c.Leg().ID()]++
			e.mu.Unlock()
			e.calls <- c
			<-ctx.Done() // the test drives the call; keep it owned until the end
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	e.ctl = ctl
	e.sw = w.NewSwitch(t, "sw1")
	if err := ctl.Add(e.sw); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = ctl.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("controller did not stop within 10s")
		}
	})
	e.waitConnected()
	return e
}

func (e *env) waitConnected() {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !e.sw.Connected() {
		if time.Now().After(deadline) {
			e.t.Fatal("switch never connected")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// arrive places a call and waits for the controller to hand it over.
func (e *env) arrive(ani, did string) *controller.Call {
	e.t.Helper()
	leg := e.w.PlaceCall(e.t, ani, did)
	select {
	case c := <-e.calls:
		if c.Leg().ID() != leg {
			e.t.Fatalf("call arrived on leg %s (ANI %s DNIS %s), placed %s", c.Leg().ID(), c.ANI(), c.DNIS(), leg)
		}
		return c
	case <-time.After(10 * time.Second):
		e.t.Fatalf("call %s from %s to %s never arrived", leg, ani, did)
	}
	return nil
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// eventually polls cond (across processes/sockets only) until it holds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func heardContains(o Observer, leg, want string) bool {
	for _, h := range o.Heard(leg) {
		if strings.Contains(h, want) {
			return true
		}
	}
	return false
}

// RunArrivedWhileDisconnected checks that a call the switch handed to ipcc
// while no controller was connected is taken over once one connects.
func RunArrivedWhileDisconnected(t *testing.T, w World) {
	leg := w.PlaceCall(t, "13800000009", "4009")
	time.Sleep(100 * time.Millisecond)
	e := start(t, w)
	select {
	case c := <-e.calls:
		if c.Leg().ID() != leg || c.DNIS() != "4009" {
			t.Fatalf("took over leg %s (DNIS %s), want %s", c.Leg().ID(), c.DNIS(), leg)
		}
		ctx := ctxT(t)
		if err := c.Answer(ctx); err != nil {
			t.Fatal(err)
		}
		if err := c.Hangup(ctx, controller.CauseNormalClearing); err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a call waiting before the controller connected was never taken over")
	}
}

// Run runs the contract suite against w.
func Run(t *testing.T, w World) {
	e := start(t, w)
	o := w.Observer()

	t.Run("inbound call arrives with ANI and DNIS, answer, play", func(t *testing.T) {
		ctx := ctxT(t)
		c := e.arrive("13800000001", "4001")
		if c.ANI() != "13800000001" || c.DNIS() != "4001" {
			t.Fatalf("ANI %q DNIS %q", c.ANI(), c.DNIS())
		}
		if err := c.Answer(ctx); err != nil {
			t.Fatal(err)
		}
		if o != nil && o.State(c.Leg().ID()) != "answered" {
			t.Fatalf("switch says %q after answer", o.State(c.Leg().ID()))
		}
		if _, err := c.Play(ctx, controller.PlayOptions{Media: []controller.Media{{Kind: controller.MediaFile, Value: "ivr/welcome.wav"}, {Kind: controller.MediaDigits, Value: "1001", Lang: "en"}}}); err != nil {
			t.Fatal(err)
		}
		if o != nil {
			eventually(t, "the caller heard the welcome prompt", func() bool { return heardContains(o, c.Leg().ID(), "welcome") })
		}
		if err := c.Hangup(ctx, controller.CauseNormalClearing); err != nil {
			t.Fatal(err)
		}
		<-c.Done()
		cause, by, ok := c.HangupCause()
		if !ok || cause != controller.CauseNormalClearing || by != controller.HangupController {
			t.Fatalf("hangup cause %s by %s (%v)", cause, by, ok)
		}
	})

	t.Run("collect digits: terminator, reset, timeout", func(t *testing.T) {
		ctx := ctxT(t)
		c := e.arrive("13800000002", "4001")
		if err := c.Answer(ctx); err != nil {
			t.Fatal(err)
		}
		leg := c.Leg().ID()
		type result struct {
			s   string
			err error
		}
		collect := func(spec controller.Collect, press string) result {
			ch := make(chan result, 1)
			go func() {
				s, err := c.PlayAndCollect(ctx, spec)
				ch <- result{s, err}
			}()
			if press != "" {
				time.Sleep(100 * time.Millisecond)
				e.w.Press(t, leg, press)
			}
			return <-ch
		}
		if r := collect(controller.Collect{Max: 6, FirstDigitTimeout: 5 * time.Second, InterDigitTimeout: 2 * time.Second}, "12#"); r.err != nil || r.s != "12" {
			t.Fatalf("12#: %q %v", r.s, r.err)
		}
		if r := collect(controller.Collect{Max: 6, FirstDigitTimeout: 5 * time.Second, InterDigitTimeout: 2 * time.Second}, "9*34#"); r.err != nil || r.s != "34" {
			t.Fatalf("9*34#: %q %v", r.s, r.err)
		}
		if r := collect(controller.Collect{Max: 4, FirstDigitTimeout: 300 * time.Millisecond}, ""); !errors.Is(r.err, controller.ErrCollectTimeout) {
			t.Fatalf("nobody typed: %q %v", r.s, r.err)
		}
		e.w.HangupParty(t, leg)
		<-c.Done()
		// Test callers on real servers are loopback/Local channels, whose
		// hang-up carries no SIP disposition: there "unknown" is honest.
		if _, by, _ := c.HangupCause(); by != controller.HangupRemote && (o != nil || by != controller.HangupUnknown) {
			t.Fatalf("caller hung up, recorded as %s", by)
		}
	})

	t.Run("originate agent, bridge, record with pause, supervisor listen/whisper/barge, transfer", func(t *testing.T) {
		ctx := ctxT(t)
		c := e.arrive("13800000003", "4002")
		if err := c.Answer(ctx); err != nil {
			t.Fatal(err)
		}
		caller := c.Leg().ID()
		agentEP := e.w.Phone(t, "1001", "answer")
		agent, err := c.Originate(ctx, agentEP, controller.OriginateOptions{CallerIDNum: "13800000003", Timeout: 10 * time.Second})
		if err != nil {
			t.Fatalf("originate agent: %v", err)
		}
		if err := c.Bridge(ctx, agent); err != nil {
			t.Fatalf("bridge: %v", err)
		}
		if o != nil {
			eventually(t, "caller and agent hear each other", func() bool { return o.Hears(caller, agent.ID()) && o.Hears(agent.ID(), caller) })
		}
		path := e.w.RecordingPath("contract-" + caller + ".wav")
		rec, err := c.Record(ctx, controller.RecordOptions{Path: path})
		if err != nil {
			t.Fatalf("record: %v", err)
		}
		if err := c.PauseRecord(ctx, rec, true); err != nil {
			t.Fatalf("pause: %v", err)
		}
		if err := c.PauseRecord(ctx, rec, false); err != nil {
			t.Fatalf("resume: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
		// FreeSWITCH: bridged the moment it answered, the agent leg's
		// originate job fails (ORIGINATOR_CANCEL) although the leg lives.
		if cause, _, gone := agent.HangupCause(); gone {
			t.Fatalf("the bridged agent leg was taken for ended (%s)", cause)
		}

		supEP := e.w.Phone(t, "1009", "answer")
		sup, err := c.Originate(ctx, supEP, controller.OriginateOptions{Timeout: 10 * time.Second})
		if err != nil {
			t.Fatalf("originate supervisor: %v", err)
		}
		modes := []struct {
			mode                    controller.EavesdropMode
			agentHears, callerHears bool
		}{
			{controller.EavesdropListen, false, false},
			{controller.EavesdropWhisper, true, false},
			{controller.EavesdropBarge, true, true},
		}
		for _, m := range modes {
			if err := sup.Eavesdrop(ctx, agent.ID(), m.mode); err != nil {
				t.Fatalf("eavesdrop %s: %v", m.mode, err)
			}
			if o != nil {
				eventually(t, "supervisor in "+m.mode.String()+" mode hears both", func() bool {
					return o.Hears(sup.ID(), caller) && o.Hears(sup.ID(), agent.ID()) &&
						o.Hears(agent.ID(), sup.ID()) == m.agentHears && o.Hears(caller, sup.ID()) == m.callerHears
				})
				if !o.Hears(caller, agent.ID()) || !o.Hears(agent.ID(), caller) {
					t.Fatalf("%s broke the conversation", m.mode)
				}
			}
		}
		if err := sup.Hangup(ctx, controller.CauseNormalClearing); err != nil {
			t.Fatal(err)
		}
		if err := c.StopRecord(ctx, rec); err != nil {
			t.Fatalf("stop record: %v", err)
		}
		if o != nil {
			eventually(t, "the recording is finished", func() bool { d, ok := o.Recording(path); return ok && d > 0 })
		}
		// The agent leaves; the caller is sent back to the dialplan.
		if err := agent.Hangup(ctx, controller.CauseNormalClearing); err != nil {
			t.Fatal(err)
		}
		if err := c.Transfer(ctx, controller.DialplanTarget{Extension: "9999", Context: "default"}); err != nil {
			t.Fatalf("transfer: %v", err)
		}
		select {
		case <-c.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("call still under control after a blind transfer")
		}
	})

	t.Run("originate to a busy phone reports USER_BUSY", func(t *testing.T) {
		ctx := ctxT(t)
		c := e.arrive("13800000004", "4001")
		if err := c.Answer(ctx); err != nil {
			t.Fatal(err)
		}
		_, err := c.Originate(ctx, e.w.Phone(t, "1002", "busy"), controller.OriginateOptions{Timeout: 5 * time.Second})
		var oe *controller.OriginateError
		if !errors.As(err, &oe) || oe.Cause != controller.CauseUserBusy {
			t.Fatalf("busy phone: %v", err)
		}
		if err := c.Hangup(ctx, controller.CauseUserBusy); err != nil {
			t.Fatal(err)
		}
		<-c.Done()
		if o != nil {
			eventually(t, "the switch recorded USER_BUSY", func() bool { return o.Cause(c.Leg().ID()) == string(controller.CauseUserBusy) })
		}
	})

	t.Run("agent mutes themself: the caller stops hearing them, they still hear the caller", func(t *testing.T) {
		runMute(t, e, o)
	})

	t.Run("answer from the desktop where the switch and device support it", func(t *testing.T) {
		runRemoteAnswer(t, e, o)
	})

	t.Run("connection drops during a bridged call: the same call goes on, still bridged", func(t *testing.T) {
		runDropBridged(t, e, o)
	})

	t.Run("connection drops mid-call and the driver recovers the call", func(t *testing.T) {
		ctx := ctxT(t)
		c := e.arrive("13800000005", "4001")
		if err := c.Answer(ctx); err != nil {
			t.Fatal(err)
		}
		// Watch the switch's own events: polling Connected() can miss a
		// reconnect that takes only a few milliseconds.
		evs, unsub := e.ctl.Subscribe(controller.EventSwitchDisconnected, controller.EventSwitchConnected)
		defer unsub()
		e.w.Drop(t)
		for _, want := range []controller.EventType{controller.EventSwitchDisconnected, controller.EventSwitchConnected} {
			select {
			case ev := <-evs:
				if ev.Type != want {
					t.Fatalf("got %s, want %s", ev.Type, want)
				}
			case <-time.After(15 * time.Second):
				t.Fatalf("no %s after the connection was cut", want)
			}
		}
		// Same call, same handle: commands work again and no second handler ran.
		if _, err := c.Play(ctx, controller.PlayOptions{Media: []controller.Media{{Kind: controller.MediaFile, Value: "ivr/after-reconnect.wav"}}}); err != nil {
			t.Fatalf("play after reconnect: %v", err)
		}
		if o != nil {
			eventually(t, "the caller heard the prompt after reconnect", func() bool { return heardContains(o, c.Leg().ID(), "after-reconnect") })
		}
		e.mu.Lock()
		n := e.seen[c.Leg().ID()]
		e.mu.Unlock()
		if n != 1 {
			t.Fatalf("handler started %d times for the same call", n)
		}
		e.w.HangupParty(t, c.Leg().ID())
		select {
		case <-c.Done():
		case <-time.After(10 * time.Second):
			t.Fatal("hangup after reconnect not seen")
		}
	})
}
