package controller

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeSwitch is an in-memory Switch for controller tests: it records every
// command as a line ("play leg1 <id> file:x"), answers the way a switch
// would for the simple commands, and lets the test emit any event.
type fakeSwitch struct {
	name   string
	events chan Event
	cmds   chan string

	connected atomic.Bool
	mu        sync.Mutex
	log       []string
	plays     map[string]string // leg -> last playback id
	live      []LegInfo         // what Legs returns
	fail      map[string]error  // command name -> error to return

	// onOriginate scripts what happens after an accepted originate.
	onOriginate func(o Originate)
	// manualAnswer: Answer does not emit Answered by itself.
	manualAnswer bool
	// remoteAnswer is what Capabilities reports.
	remoteAnswer bool
	// slowHangup: Hangup is accepted but the HungUp event is left to the
	// test (a real switch reports it a moment after the reply).
	slowHangup bool
}

func newFakeSwitch(name string) *fakeSwitch {
	return &fakeSwitch{
		name:   name,
		events: make(chan Event, 4096),
		cmds:   make(chan string, 4096),
		plays:  map[string]string{},
		fail:   map[string]error{},
	}
}

func (f *fakeSwitch) Name() string         { return f.name }
func (f *fakeSwitch) Kind() string         { return "fake" }
func (f *fakeSwitch) Events() <-chan Event { return f.events }
func (f *fakeSwitch) Connected() bool      { return f.connected.Load() }
func (f *fakeSwitch) emit(ev Event)        { ev.Switch = f.name; f.events <- ev }
func (f *fakeSwitch) setLive(legs ...string) {
	f.mu.Lock()
	f.live = nil
	f.addLive(legs...)
	f.mu.Unlock()
}

func (f *fakeSwitch) addLive(legs ...string) {
	for _, l := range legs {
		f.live = append(f.live, LegInfo{Leg: l, Owned: true, State: LegAnswered})
	}
}

func (f *fakeSwitch) Run(ctx context.Context) error {
	f.connected.Store(true)
	f.emit(Event{Type: EventSwitchConnected})
	<-ctx.Done()
	f.connected.Store(false)
	return ctx.Err()
}

func (f *fakeSwitch) Legs(ctx context.Context) ([]LegInfo, error) {
	f.record("legs")
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]LegInfo(nil), f.live...), nil
}

// record logs a command and returns the scripted failure for it, if any.
func (f *fakeSwitch) record(line string) error {
	f.mu.Lock()
	f.log = append(f.log, line)
	err := f.fail[strings.Fields(line)[0]]
	f.mu.Unlock()
	f.cmds <- line
	return err
}

func (f *fakeSwitch) commands() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.log...)
}

func (f *fakeSwitch) Answer(ctx context.Context, leg string) error {
	if err := f.record("answer " + leg); err != nil {
		return err
	}
	if !f.manualAnswer {
		f.emit(Event{Type: EventAnswered, Leg: leg})
	}
	return nil
}

func (f *fakeSwitch) Hangup(ctx context.Context, leg string, cause Cause) error {
	if err := f.record("hangup " + leg + " " + string(cause)); err != nil {
		return err
	}
	if f.slowHangup {
		return nil
	}
	f.emit(Event{Type: EventHungUp, Leg: leg, Cause: cause, HangupBy: HangupController})
	return nil
}

func (f *fakeSwitch) Play(ctx context.Context, leg string, p Playback) error {
	// Known before the command is visible to the test, so a test that saw
	// the command can finish this playback.
	f.mu.Lock()
	f.plays[leg] = p.ID
	f.mu.Unlock()
	if err := f.record("play " + leg + " " + p.ID + " " + describeMedia(p.Media)); err != nil {
		return err
	}
	f.emit(Event{Type: EventPlaybackStarted, Leg: leg, PlaybackID: p.ID})
	return nil
}

// finishPlay ends the last playback started on leg.
func (f *fakeSwitch) finishPlay(leg, errText string) {
	f.mu.Lock()
	id := f.plays[leg]
	f.mu.Unlock()
	f.emit(Event{Type: EventPlaybackFinished, Leg: leg, PlaybackID: id, Err: errText})
}

func (f *fakeSwitch) StopPlayback(ctx context.Context, leg, id string) error {
	if err := f.record("stop_playback " + leg + " " + id); err != nil {
		return err
	}
	f.emit(Event{Type: EventPlaybackFinished, Leg: leg, PlaybackID: id})
	return nil
}

func (f *fakeSwitch) Record(ctx context.Context, leg string, r Recording) error {
	return f.record("record " + leg + " " + r.ID + " " + r.Path)
}
func (f *fakeSwitch) StopRecord(ctx context.Context, leg, id string) error {
	return f.record("stop_record " + leg + " " + id)
}
func (f *fakeSwitch) PauseRecord(ctx context.Context, leg, id string, pause bool) error {
	return f.record(fmt.Sprintf("pause_record %s %s %v", leg, id, pause))
}

func (f *fakeSwitch) Bridge(ctx context.Context, a, b string) error {
	if err := f.record("bridge " + a + " " + b); err != nil {
		return err
	}
	f.emit(Event{Type: EventBridged, Leg: a, OtherLeg: b})
	return nil
}

func (f *fakeSwitch) Unbridge(ctx context.Context, leg string) error {
	return f.record("unbridge " + leg)
}

func (f *fakeSwitch) Originate(ctx context.Context, o Originate) error {
	if err := f.record("originate " + o.LegID + " " + o.Endpoint.Number); err != nil {
		return err
	}
	if f.onOriginate != nil {
		f.onOriginate(o)
	}
	return nil
}

func (f *fakeSwitch) Transfer(ctx context.Context, leg string, t DialplanTarget) error {
	return f.record("transfer " + leg + " " + t.Extension)
}
func (f *fakeSwitch) Hold(ctx context.Context, leg, moh string) error {
	return f.record("hold " + leg)
}
func (f *fakeSwitch) Unhold(ctx context.Context, leg string) error { return f.record("unhold " + leg) }
func (f *fakeSwitch) JoinConference(ctx context.Context, leg, room string, o ConferenceOptions) error {
	return f.record("join_conference " + leg + " " + room)
}
func (f *fakeSwitch) LeaveConference(ctx context.Context, leg, room string) error {
	return f.record("leave_conference " + leg + " " + room)
}
func (f *fakeSwitch) MuteConference(ctx context.Context, leg, room string, mute bool) error {
	return f.record(fmt.Sprintf("mute_conference %s %s %v", leg, room, mute))
}
func (f *fakeSwitch) Eavesdrop(ctx context.Context, spy, target string, mode EavesdropMode) error {
	return f.record("eavesdrop " + spy + " " + target + " " + mode.String())
}
func (f *fakeSwitch) SendDTMF(ctx context.Context, leg, digits string) error {
	return f.record("send_dtmf " + leg + " " + digits)
}
func (f *fakeSwitch) SetVar(ctx context.Context, leg, name, value string) error {
	return f.record("set_var " + leg + " " + name + "=" + value)
}

// waitCmd returns the next command line starting with prefix, failing the
// test after 5s. Lines with other prefixes are skipped.
func (f *fakeSwitch) waitCmd(t *testing.T, prefix string) string {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case line := <-f.cmds:
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-deadline:
			t.Fatalf("no %q command; sent so far: %q", prefix, f.commands())
			return ""
		}
	}
}

var _ Switch = (*fakeSwitch)(nil)

func (f *fakeSwitch) Mute(ctx context.Context, leg string, on bool) error {
	return f.record(fmt.Sprintf("mute %s %v", leg, on))
}
func (f *fakeSwitch) RemoteAnswer(ctx context.Context, leg string) error {
	return f.record("remote_answer " + leg)
}
func (f *fakeSwitch) Capabilities() Capabilities { return Capabilities{RemoteAnswer: f.remoteAnswer} }
