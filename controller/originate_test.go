package controller

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestOriginate(t *testing.T) {
	ep := Endpoint{Kind: EndpointExtension, Number: "1001"}
	tests := []struct {
		name string
		// script runs in the fake switch right after it accepted the originate.
		script func(h *harness, o Originate)
		// after runs in the test once the originate was sent.
		after     func(h *harness, leg string)
		wantCause Cause
		wantErr   error
		wantHang  string // a hangup command the controller must send
	}{
		{name: "answered", script: func(h *harness, o Originate) {
			h.sw.emit(Event{Type: EventRinging, Leg: o.LegID})
			h.sw.emit(Event{Type: EventAnswered, Leg: o.LegID})
		}},
		{name: "busy", script: func(h *harness, o Originate) {
			h.sw.emit(Event{Type: EventHungUp, Leg: o.LegID, Cause: CauseUserBusy, HangupBy: HangupRemote})
		}, wantCause: CauseUserBusy},
		{name: "no answer reported by the switch", script: func(h *harness, o Originate) {
			h.sw.emit(Event{Type: EventRinging, Leg: o.LegID})
			h.sw.emit(Event{Type: EventHungUp, Leg: o.LegID, Cause: CauseNoAnswer, HangupBy: HangupSwitch})
		}, wantCause: CauseNoAnswer},
		{name: "switch never reports: controller gives up", script: func(h *harness, o Originate) {
			h.sw.emit(Event{Type: EventRinging, Leg: o.LegID})
		}, after: func(h *harness, leg string) {
			// ring timeout 20s + CommandTimeout 10s
			waitFor(h.t, "guard timer", func() bool { return h.clk.Waiters() == 1 })
			h.clk.Advance(30 * time.Second)
		}, wantCause: CauseNoAnswer, wantHang: "ORIGINATOR_CANCEL"},
		{name: "caller hangs up while ringing", script: func(h *harness, o Originate) {
			h.sw.emit(Event{Type: EventRinging, Leg: o.LegID})
		}, after: func(h *harness, leg string) {
			h.sw.emit(Event{Type: EventHungUp, Leg: "leg-a", Cause: CauseNormalClearing, HangupBy: HangupRemote})
		}, wantErr: ErrHungUp, wantHang: "ORIGINATOR_CANCEL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			type res struct {
				leg *Leg
				err error
			}
			out := make(chan res, 1)
			h := newHarness(t, func(ctx context.Context, c *Call) {
				leg, err := c.Originate(ctx, ep, OriginateOptions{CallerIDNum: "4001", Timeout: 20 * time.Second})
				out <- res{leg, err}
				<-ctx.Done()
			})
			h.sw.onOriginate = func(o Originate) { tc.script(h, o) }
			call := h.arrive("leg-a")
			line := h.sw.waitCmd(t, "originate")
			legID := strings.Fields(line)[1]
			if _, err := uuid.Parse(legID); err != nil {
				t.Fatalf("leg id %q chosen by the controller is not a uuid", legID)
			}
			if tc.after != nil {
				tc.after(h, legID)
			}
			var r res
			select {
			case r = <-out:
			case <-time.After(5 * time.Second):
				t.Fatal("Originate did not return")
			}
			switch {
			case tc.wantCause != "":
				var oe *OriginateError
				if !errors.As(r.err, &oe) || oe.Cause != tc.wantCause || oe.Leg != legID {
					t.Fatalf("err %v, want OriginateError %s for %s", r.err, tc.wantCause, legID)
				}
			case tc.wantErr != nil:
				if !errors.Is(r.err, tc.wantErr) {
					t.Fatalf("err %v, want %v", r.err, tc.wantErr)
				}
			default:
				if r.err != nil || r.leg == nil || r.leg.ID() != legID || !r.leg.Answered() {
					t.Fatalf("Originate = %v, %v", r.leg, r.err)
				}
				// Later events of the new leg reach the call.
				h.sw.emit(Event{Type: EventHungUp, Leg: legID, Cause: CauseNormalClearing, HangupBy: HangupRemote})
				waitFor(t, "originated leg hangup", func() bool {
					_, _, ok := r.leg.HangupCause()
					return ok
				})
				if got, ok := h.ctl.CallByLeg("fs1", legID); !ok || got != call {
					t.Error("originated leg not routed to its call")
				}
			}
			if tc.wantHang != "" {
				h.sw.waitCmd(t, "hangup "+legID+" "+tc.wantHang)
			}
		})
	}
}

func TestOriginateRejected(t *testing.T) {
	errc := make(chan error, 1)
	h := newHarness(t, func(ctx context.Context, c *Call) {
		_, err := c.Originate(ctx, Endpoint{Kind: EndpointExternal, Number: "95555", Trunk: "gw1"}, OriginateOptions{})
		errc <- err
	})
	h.sw.fail["originate"] = ErrRejected
	h.arrive("leg-a")
	err := <-errc
	if !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), "originate") {
		t.Fatalf("err %v", err)
	}
	waitFor(t, "command error metric", func() bool {
		return counterValue(t, h, "ipcc_controller_command_errors_total", "originate") == 1
	})
}

func TestBridgeAndLegCommands(t *testing.T) {
	errc := make(chan error, 8)
	h := newHarness(t, func(ctx context.Context, c *Call) {
		if err := c.Answer(ctx); err != nil {
			errc <- err
			return
		}
		agent, err := c.Originate(ctx, Endpoint{Kind: EndpointExtension, Number: "1001"}, OriginateOptions{})
		if err != nil {
			errc <- err
			return
		}
		errc <- c.Bridge(ctx, agent)
		id, err := c.Record(ctx, RecordOptions{Path: "/rec/x.wav"})
		errc <- err
		errc <- c.PauseRecord(ctx, id, true)
		errc <- agent.Hold(ctx, "")
		errc <- c.SetVar(ctx, "queue", "sales")
		errc <- agent.Hangup(ctx, "")
		<-ctx.Done()
	})
	h.sw.onOriginate = func(o Originate) { h.sw.emit(Event{Type: EventAnswered, Leg: o.LegID}) }
	call := h.arrive("leg-a")
	for i := 0; i < 6; i++ {
		select {
		case err := <-errc:
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("step %d did not finish; commands %q", i, h.sw.commands())
		}
	}
	if call.Vars()["queue"] != "sales" || call.Vars()["tenant"] != "t1" {
		t.Errorf("vars %v", call.Vars())
	}
	want := []string{"answer leg-a", "originate ", "bridge leg-a ", "record leg-a ", "pause_record leg-a ", "hold ", "set_var leg-a queue=sales", "hangup "}
	cmds := h.sw.commands()
	if len(cmds) != len(want) {
		t.Fatalf("commands %q", cmds)
	}
	for i, w := range want {
		if !strings.HasPrefix(cmds[i], w) {
			t.Errorf("command %d = %q, want prefix %q", i, cmds[i], w)
		}
	}
	if call.Leg().BridgedWith() == "" {
		t.Error("inbound leg not marked bridged")
	}
}

func TestAnswerWithoutConfirmation(t *testing.T) {
	errc := make(chan error, 1)
	h := newHarness(t, func(ctx context.Context, c *Call) { errc <- c.Answer(ctx) })
	h.sw.manualAnswer = true
	h.arrive("leg-a")
	h.sw.waitCmd(t, "answer")
	waitFor(t, "answer timer", func() bool { return h.clk.Waiters() == 1 })
	h.clk.Advance(10 * time.Second)
	if err := <-errc; !errors.Is(err, ErrNoConfirmation) {
		t.Fatalf("err %v", err)
	}
}

func TestTransferEndsControl(t *testing.T) {
	errc := make(chan error, 2)
	h := newHarness(t, func(ctx context.Context, c *Call) {
		errc <- c.Transfer(ctx, DialplanTarget{Extension: "voicemail", Context: "default"})
		_, err := c.Play(ctx, PlayOptions{Media: []Media{{Kind: MediaFile, Value: "x"}}})
		errc <- err
	})
	call := h.arrive("leg-a")
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if err := <-errc; !errors.Is(err, ErrTransferred) {
		t.Fatalf("play after transfer: %v", err)
	}
	select {
	case <-call.Done():
	default:
		t.Fatal("Done not closed after transfer")
	}
	waitFor(t, "call forgotten", func() bool { _, ok := h.ctl.Call(call.ID()); return !ok })
	// Back from the dialplan it is a new call.
	if again := h.arrive("leg-a"); again == call {
		t.Fatal("returning leg reused the transferred call")
	}
}

func TestDial(t *testing.T) {
	h := newHarness(t, nil)
	h.sw.onOriginate = func(o Originate) {
		if o.Endpoint.Number == "busy" {
			h.sw.emit(Event{Type: EventHungUp, Leg: o.LegID, Cause: CauseUserBusy, HangupBy: HangupRemote})
			return
		}
		h.sw.emit(Event{Type: EventAnswered, Leg: o.LegID})
	}
	ctx := context.Background()
	call, err := h.ctl.Dial(ctx, "fs1", Endpoint{Kind: EndpointExternal, Number: "13900139000", Trunk: "gw1"}, OriginateOptions{CallerIDNum: "4001"})
	if err != nil {
		t.Fatal(err)
	}
	if !call.Outbound() || call.Leg().Inbound() || call.DNIS() != "13900139000" || call.ANI() != "4001" || !call.Leg().Answered() {
		t.Fatalf("dialed call: outbound %v dnis %s ani %s", call.Outbound(), call.DNIS(), call.ANI())
	}
	// The dialer drives it like any call.
	done := make(chan error, 1)
	go func() {
		_, err := call.Play(ctx, PlayOptions{Media: []Media{{Kind: MediaFile, Value: "campaign.wav"}}})
		done <- err
	}()
	h.sw.waitCmd(t, "play "+call.Leg().ID())
	h.sw.finishPlay(call.Leg().ID(), "")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := call.Hangup(ctx, ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "dialed call forgotten", func() bool { _, ok := h.ctl.Call(call.ID()); return !ok })

	_, err = h.ctl.Dial(ctx, "fs1", Endpoint{Kind: EndpointExtension, Number: "busy"}, OriginateOptions{})
	var oe *OriginateError
	if !errors.As(err, &oe) || oe.Cause != CauseUserBusy {
		t.Fatalf("busy: %v", err)
	}
	waitFor(t, "failed attempt forgotten", func() bool { return len(h.ctl.Calls()) == 0 })
	if _, err := h.ctl.Dial(ctx, "nope", Endpoint{Number: "1"}, OriginateOptions{}); !errors.Is(err, ErrInvalidArgument) {
		t.Fatalf("unknown switch: %v", err)
	}
}

func TestLegCommandsPassThroughAndRespectHangup(t *testing.T) {
	ready := make(chan *Call, 1)
	h := newHarness(t, func(ctx context.Context, c *Call) {
		ready <- c
		<-ctx.Done()
	})
	h.arrive("sup")
	call := <-ready
	ctx := context.Background()
	steps := []struct {
		do   func() error
		want string
	}{
		{func() error { return call.Eavesdrop(ctx, "agent-leg", EavesdropWhisper) }, "eavesdrop sup agent-leg whisper"},
		{func() error { return call.Leg().JoinConference(ctx, "room1", ConferenceOptions{}) }, "join_conference sup room1"},
		{func() error { return call.Leg().MuteConference(ctx, "room1", true) }, "mute_conference sup room1 true"},
		{func() error { return call.Leg().LeaveConference(ctx, "room1") }, "leave_conference sup room1"},
		{func() error { return call.Unbridge(ctx) }, "unbridge sup"},
		{func() error { return call.StopRecord(ctx, "r1") }, "stop_record sup r1"},
		{func() error { return call.SendDTMF(ctx, "12#") }, "send_dtmf sup 12#"},
		{func() error { return call.Hold(ctx, "moh") }, "hold sup"},
		{func() error { return call.Unhold(ctx) }, "unhold sup"},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.want, err)
		}
		if got := h.sw.waitCmd(t, ""); got != s.want {
			t.Fatalf("sent %q, want %q", got, s.want)
		}
	}
	h.sw.emit(Event{Type: EventHold, Leg: "sup"})
	waitFor(t, "held", call.Leg().Held)
	h.sw.emit(Event{Type: EventUnhold, Leg: "sup"})
	waitFor(t, "unheld", func() bool { return !call.Leg().Held() })

	if err := call.HangupAll(ctx, CauseNormalClearing); err != nil {
		t.Fatal(err)
	}
	<-call.Done()
	if err := call.SetVar(ctx, "x", "y"); !errors.Is(err, ErrHungUp) {
		t.Errorf("SetVar after hangup: %v", err)
	}
	if err := call.Hangup(ctx, ""); err != nil {
		t.Errorf("second Hangup: %v", err)
	}
	if _, err := call.Play(ctx, PlayOptions{Media: []Media{{Kind: MediaFile, Value: "x"}}}); !errors.Is(err, ErrHungUp) {
		t.Errorf("Play after hangup: %v", err)
	}
}

// The ACD rings two agents while the caller hears an announcement; the
// first to answer wins and the other is cancelled.
func TestStartOriginateRingsSeveralWhilePlaying(t *testing.T) {
	type res struct {
		winner string
		err    error
	}
	out := make(chan res, 1)
	h := newHarness(t, func(ctx context.Context, c *Call) {
		var legs []*Leg
		for _, ext := range []string{"1001", "1002"} {
			l, err := c.StartOriginate(ctx, Endpoint{Kind: EndpointExtension, Number: ext}, OriginateOptions{})
			if err != nil {
				out <- res{err: err}
				return
			}
			legs = append(legs, l)
		}
		// The wait slot is free: the caller hears a prompt meanwhile.
		if _, err := c.Play(ctx, PlayOptions{Media: []Media{{Kind: MediaFile, Value: "please-hold.wav"}}}); err != nil {
			out <- res{err: err}
			return
		}
		select {
		case <-legs[0].AnsweredC():
			_ = legs[1].Hangup(ctx, CauseOriginatorCancel)
			out <- res{winner: legs[0].ID(), err: c.Bridge(ctx, legs[0])}
		case <-legs[1].AnsweredC():
			_ = legs[0].Hangup(ctx, CauseOriginatorCancel)
			out <- res{winner: legs[1].ID(), err: c.Bridge(ctx, legs[1])}
		case <-c.Done():
			out <- res{err: ErrHungUp}
		}
	})
	h.arrive("caller")
	first := strings.Fields(h.sw.waitCmd(t, "originate"))[1]
	second := strings.Fields(h.sw.waitCmd(t, "originate"))[1]
	h.sw.waitCmd(t, "play caller")
	h.sw.emit(Event{Type: EventRinging, Leg: first})
	h.sw.emit(Event{Type: EventAnswered, Leg: second})
	h.sw.finishPlay("caller", "")
	r := <-out
	if r.err != nil || r.winner != second {
		t.Fatalf("winner %s err %v, want %s", r.winner, r.err, second)
	}
	h.sw.waitCmd(t, "hangup "+first+" ORIGINATOR_CANCEL")
	h.sw.waitCmd(t, "bridge caller "+second)
}

// A leg tells whether its phone rang: the ACD blames an agent for a ring
// timeout only when the phone was ringing.
func TestStartOriginateTellsWhetherThePhoneRang(t *testing.T) {
	legs := make(chan *Leg, 2)
	h := newHarness(t, func(ctx context.Context, c *Call) {
		for _, ext := range []string{"1001", "1002"} {
			l, err := c.StartOriginate(ctx, Endpoint{Kind: EndpointExtension, Number: ext}, OriginateOptions{})
			if err != nil {
				t.Error(err)
				return
			}
			legs <- l
		}
		<-ctx.Done()
	})
	h.arrive("caller")
	first := strings.Fields(h.sw.waitCmd(t, "originate"))[1]
	h.sw.waitCmd(t, "originate")
	rang, silent := <-legs, <-legs
	if rang.Rang() {
		t.Fatal("rang before the switch said so")
	}
	h.sw.emit(Event{Type: EventRinging, Leg: first})
	select {
	case <-rang.RingingC():
	case <-time.After(5 * time.Second):
		t.Fatal("RingingC not closed by the ringing event")
	}
	if !rang.Rang() || silent.Rang() {
		t.Fatalf("Rang: %v and %v, want true and false", rang.Rang(), silent.Rang())
	}
}
