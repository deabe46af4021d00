package sim

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// Options configure a simulator. Zero values take the defaults noted.
type Options struct {
	ESLAddr     string // listen address of the ESL server; "" = 127.0.0.1:0, "-" = off
	ESLPassword string // default ClueCon
	ARIAddr     string // listen address of the ARI server; "" = 127.0.0.1:0, "-" = off
	ARIUser     string // default ari
	ARIPassword string // default ari
	ARIApp      string // Stasis app inbound Asterisk calls enter; default ipcc

	HeartbeatInterval time.Duration // ESL HEARTBEAT period; default 20s
	MediaDuration     time.Duration // length of a prompt/tone/number of unknown length; default 200ms
	MaxMediaDuration  time.Duration // cap on any media item (0 = none)
	AutoAnswer        time.Duration // answer delay of external numbers without an EndpointSpec; default 50ms
	RecordingDir      string        // where relative/ARI recordings go; default $TMPDIR/ipcc-sim-recordings
	Hostname          string        // FreeSWITCH-Hostname; default sim
	Logger            *slog.Logger

	// StasisStartDelay is how long after an originated Asterisk channel is
	// answered it enters its Stasis application (real Asterisk: tens of
	// microseconds to milliseconds, during which it cannot be bridged);
	// default 1ms.
	StasisStartDelay time.Duration
	// ShowLag is how far FreeSWITCH's "show channels|calls|bridged_calls"
	// lag behind the channels themselves: the real server answers them
	// from its core database, which a background thread writes in
	// batches, so a channel is listed up to 160-180 ms after it was
	// created and still listed about 195 ms after it ended (kit's 1.11).
	// Default 170ms; negative = none.
	ShowLag time.Duration
	// OriginateReturn is how long after the answer FreeSWITCH's originate
	// returns and starts its &application; a leg bridged or transferred
	// meanwhile makes the originate fail with ORIGINATOR_CANCEL while the
	// leg lives on. About 2 ms on an idle 1.11 with a loopback agent,
	// more on a loaded one or with SIP phones; the default, 20ms, makes
	// the race the driver must survive frequent here. Negative = at once.
	OriginateReturn time.Duration
	// PlaybackStopSettle is how long after an Asterisk playback starts a
	// DELETE /playbacks/{id} is refused with 500 "Could not stop
	// playback": real Asterisk marks a playback playing before its stream
	// is controllable (res_stasis_playback.c: playback_stop fails until
	// play_on_channel has set controllable), so a stop sent at the very
	// start of a playback fails. 0 (default): never refused.
	PlaybackStopSettle time.Duration
	// NoHearingHistory stops recording who-hears-whom as it changes, for
	// benches: recomputing every live party's hearing after each command
	// took most of the simulator's time at 100 calls/s with a thousand
	// live channels. Hears and the Hears/HeardBy of Call still tell the
	// present; HearingHistory and EverHeard then know only the present.
	NoHearingHistory bool
	// NoAMD simulates a FreeSWITCH without mod_amd: module_exists mod_amd
	// answers false, and executing its application hangs the channel up
	// (DESTINATION_OUT_OF_ORDER, as for any unknown application).
	NoAMD bool
}

func (o *Options) defaults() {
	if o.ESLPassword == "" {
		o.ESLPassword = "ClueCon"
	}
	if o.ARIUser == "" {
		o.ARIUser = "ari"
	}
	if o.ARIPassword == "" {
		o.ARIPassword = "ari"
	}
	if o.ARIApp == "" {
		o.ARIApp = "ipcc"
	}
	if o.HeartbeatInterval <= 0 {
		o.HeartbeatInterval = 20 * time.Second
	}
	if o.MediaDuration <= 0 {
		o.MediaDuration = 200 * time.Millisecond
	}
	if o.AutoAnswer <= 0 {
		o.AutoAnswer = 50 * time.Millisecond
	}
	if o.StasisStartDelay <= 0 {
		o.StasisStartDelay = time.Millisecond
	}
	if o.RecordingDir == "" {
		o.RecordingDir = filepath.Join(os.TempDir(), "ipcc-sim-recordings")
	}
	if o.Hostname == "" {
		o.Hostname = "sim"
	}
	if o.ShowLag == 0 {
		o.ShowLag = DefaultShowLag
	}
	if o.OriginateReturn == 0 {
		o.OriginateReturn = 20 * time.Millisecond
	}
}

// DefaultShowLag is the lag of "show channels" measured on a real
// FreeSWITCH 1.11 (160-180 ms after a channel was created).
const DefaultShowLag = 170 * time.Millisecond

// Sim is one simulator instance: the model plus its two front-ends.
type Sim struct {
	opts  Options
	model *Model
	esl   *eslServer
	ari   *ariServer

	mu      sync.Mutex
	started bool
	closed  bool
}

// New builds a simulator; Start opens its sockets.
func New(o Options) *Sim {
	o.defaults()
	m := newModel(o)
	s := &Sim{opts: o, model: m}
	s.esl = newESLServer(m, o)
	s.ari = newARIServer(m, o)
	return s
}

// Start opens the listeners and serves until Close.
func (s *Sim) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return errors.New("sim: already started")
	}
	s.started = true
	if s.opts.ESLAddr != "-" {
		addr := s.opts.ESLAddr
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("sim: esl listen %s: %w", addr, err)
		}
		s.esl.serve(ln)
	}
	if s.opts.ARIAddr != "-" {
		addr := s.opts.ARIAddr
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			s.esl.close()
			return fmt.Errorf("sim: ari listen %s: %w", addr, err)
		}
		s.ari.serve(ln)
	}
	return nil
}

// Close sends the ESL shutdown notice, closes every socket and stops every
// goroutine and timer of the simulator.
func (s *Sim) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.esl.close()
	s.ari.close()
	s.model.close()
	return nil
}

// ESLAddr is the ESL listen address ("" when off or not started).
func (s *Sim) ESLAddr() string { return s.esl.addr() }

// ARIURL is the ARI base URL, e.g. http://127.0.0.1:8088/ari.
func (s *Sim) ARIURL() string {
	if a := s.ari.addr(); a != "" {
		return "http://" + a + "/ari"
	}
	return ""
}

// Options returns the effective options.
func (s *Sim) Options() Options { return s.opts }

// FieldError is a bad input to the Go or control API.
type FieldError struct {
	Field, Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

func errField(field, msg string) error { return &FieldError{Field: field, Message: msg} }

// ErrNotFound: no such call/leg.
var ErrNotFound = errors.New("sim: not found")

// DefineEndpoint adds or replaces a scripted phone.
func (s *Sim) DefineEndpoint(e EndpointSpec) error {
	if e.Number == "" {
		return fmt.Errorf("sim: define endpoint: %w", errField("number", "missing"))
	}
	switch e.Behavior {
	case "", BehaviorAnswer, BehaviorRing, BehaviorBusy, BehaviorReject, BehaviorAbsent, BehaviorBusyTone:
	default:
		return fmt.Errorf("sim: define endpoint: %w", errField("behavior", "must be answer, ring, busy, busytone, reject or absent"))
	}
	if !validAMD(e.AMD) {
		return amdFieldError()
	}
	switch e.Front {
	case "", FrontFreeSWITCH, FrontAsterisk:
	default:
		return fmt.Errorf("sim: define endpoint: %w", errField("front", "must be freeswitch, asterisk or empty (every front)"))
	}
	s.model.mu.Lock()
	s.model.phones[e.Number] = e
	s.model.mu.Unlock()
	return nil
}

// PlaceCall starts an inbound call and returns its leg id.
func (s *Sim) PlaceCall(c CallSpec) (string, error) {
	m := s.model
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return "", errors.New("sim: closed")
	}
	ch, err := m.placeCall(c)
	if err != nil {
		return "", err
	}
	m.recordHearing()
	return ch.ID, nil
}

// Press makes the far-end party of a leg press digits now.
func (s *Sim) Press(id, digits string) error {
	return s.withLeg(id, func(c *Channel) error {
		if digits == "" {
			return errField("digits", "missing")
		}
		s.model.receiveDTMF(c, digits, "RTP")
		return nil
	})
}

// HangupCall makes the far-end party of a leg hang up (a BYE from it).
func (s *Sim) HangupCall(id string) error {
	return s.withLeg(id, func(c *Channel) error {
		s.model.hangup(c, "NORMAL_CLEARING", "remote")
		return nil
	})
}

// PhoneHold makes the party on a leg put the call on hold from their phone
// (on) or take it off: the switch reports the hold on that leg, as a desk
// phone's hold button does.
func (s *Sim) PhoneHold(id string, on bool) error {
	return s.withLeg(id, func(c *Channel) error {
		if !c.alive() {
			return fmt.Errorf("sim: leg %q is gone", id)
		}
		s.model.phoneHold(c, on)
		return nil
	})
}

// AnswerCall makes a ringing outbound leg's phone answer now.
func (s *Sim) AnswerCall(id string) error {
	return s.withLeg(id, func(c *Channel) error {
		s.model.answer(c)
		return nil
	})
}

func (s *Sim) withLeg(id string, f func(c *Channel) error) error {
	m := s.model
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.ch(id)
	if c == nil {
		return fmt.Errorf("sim: leg %q: %w", id, ErrNotFound)
	}
	err := f(c)
	m.recordHearing()
	return err
}

// SpyInfo describes an eavesdrop/snoop attachment.
type SpyInfo struct {
	Target  string `json:"target"`
	Mode    string `json:"mode,omitempty"`    // FreeSWITCH: listen, whisper, whisper_bleg, barge
	Spy     string `json:"spy,omitempty"`     // Asterisk snoop spy direction
	Whisper string `json:"whisper,omitempty"` // Asterisk snoop whisper direction
}

// CallInfo is a snapshot of one leg.
type CallInfo struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Front    Front  `json:"front"`
	Inbound  bool   `json:"inbound"`
	State    string `json:"state"`
	ANI      string `json:"ani"`
	ANIName  string `json:"ani_name,omitempty"`
	DNIS     string `json:"dnis"`
	Endpoint string `json:"endpoint,omitempty"`
	Trunk    string `json:"trunk,omitempty"` // the gateway/trunk an outbound leg was dialled through
	// Reached is the front whose phone an inter-switch trunk leg rang
	// (TrunkSpec.Peer): the leg lives on Front, the phone on Reached.
	Reached      Front             `json:"reached,omitempty"`
	Vars         map[string]string `json:"vars"`
	Bridge       string            `json:"bridge,omitempty"`
	BridgedWith  []string          `json:"bridged_with,omitempty"`
	Conference   string            `json:"conference,omitempty"`
	Held         bool              `json:"held"`
	Music        string            `json:"music,omitempty"`   // music on hold the party hears now ("" = none)
	Playing      string            `json:"playing,omitempty"` // the media item a playback plays to the party now, as Heard names it
	App          string            `json:"app,omitempty"`
	AppArgs      []string          `json:"app_args,omitempty"` // Stasis arguments (Asterisk)
	Spy          *SpyInfo          `json:"spy,omitempty"`
	Heard        []Heard           `json:"heard"`
	DTMFReceived string            `json:"dtmf_received"`
	DTMFSent     string            `json:"dtmf_sent"`
	Recordings   []string          `json:"recordings"`
	Hears        []string          `json:"hears"`
	HeardBy      []string          `json:"heard_by"`
	Cause        string            `json:"cause,omitempty"`
	HangupBy     string            `json:"hangup_by,omitempty"`
	Created      time.Time         `json:"created"`
	Answered     time.Time         `json:"answered,omitzero"`
	Ended        time.Time         `json:"ended,omitzero"`
}

func (m *Model) info(c *Channel, e map[string]map[string]bool) CallInfo {
	ci := CallInfo{ID: c.ID, Name: c.Name, Front: c.Front, Inbound: c.Inbound, State: c.State.String(),
		ANI: c.ANI, ANIName: c.ANIName, DNIS: c.DNIS, Endpoint: c.Endpoint, Trunk: c.Trunk, Reached: c.Reached, Vars: c.Vars.copyMap(),
		Bridge: c.Bridge, Conference: c.Conference, Held: c.Held, App: c.App, AppArgs: append([]string(nil), c.AppArgs...),
		Heard: append([]Heard{}, c.Heard...), DTMFReceived: c.DTMFIn, DTMFSent: c.DTMFOut,
		Recordings: append([]string{}, c.Recordings...), Cause: c.Cause, HangupBy: c.HangupBy,
		Created: c.Created, Answered: c.Answered, Ended: c.Ended, Hears: []string{}, HeardBy: []string{}}
	for _, p := range m.peers(c) {
		ci.BridgedWith = append(ci.BridgedWith, p.ID)
	}
	ci.Music = m.music(c)
	ci.Playing = m.playing(c)
	if c.Spy != nil {
		ci.Spy = &SpyInfo{Target: c.Spy.Target, Mode: c.Spy.Mode, Spy: c.Spy.SpyDir, Whisper: c.Spy.Whisper}
	}
	for _, o := range m.live("") {
		if o.relay || o.ID == c.ID {
			continue
		}
		if m.hears(e, c.ID, o.ID) {
			ci.Hears = append(ci.Hears, o.ID)
		}
		if m.hears(e, o.ID, c.ID) {
			ci.HeardBy = append(ci.HeardBy, o.ID)
		}
	}
	return ci
}

// Call returns a snapshot of a leg (live or ended).
func (s *Sim) Call(id string) (CallInfo, error) {
	m := s.model
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.chans[id]
	if c == nil {
		return CallInfo{}, fmt.Errorf("sim: leg %q: %w", id, ErrNotFound)
	}
	return m.info(c, m.edges()), nil
}

// Calls lists every leg the simulator has seen, oldest first.
func (s *Sim) Calls() []CallInfo {
	m := s.model
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.edges()
	out := make([]CallInfo, 0, len(m.order))
	for _, id := range m.order {
		out = append(out, m.info(m.chans[id], e))
	}
	return out
}

// Hears reports whether the party on leg listener hears the party on leg
// speaker right now.
func (s *Sim) Hears(listener, speaker string) bool {
	m := s.model
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.hears(m.edges(), listener, speaker)
}

// HearingHistory returns every change of who-hears-whom, oldest first
// (only the present with Options.NoHearingHistory).
func (s *Sim) HearingHistory() []HearingChange {
	m := s.model
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.opts.NoHearingHistory {
		return []HearingChange{{At: time.Now(), Pairs: m.pairs()}}
	}
	m.recordHearing()
	return append([]HearingChange(nil), m.history...)
}

// EverHeard reports whether listener heard speaker at any recorded moment.
func (s *Sim) EverHeard(listener, speaker string) bool {
	for _, h := range s.HearingHistory() {
		for _, p := range h.Pairs {
			if p[0] == listener && p[1] == speaker {
				return true
			}
		}
	}
	return false
}

// Handler is the control API under /sim/v1/.
func (s *Sim) Handler() http.Handler { return newControl(s) }

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// GlobalVar is a FreeSWITCH global variable as global_setvar left it ("" when
// unset).
func (s *Sim) GlobalVar(name string) string {
	s.model.mu.Lock()
	defer s.model.mu.Unlock()
	return s.model.globals[name]
}

// LiveCount is how many legs are up (not yet hung up), on either front.
func (s *Sim) LiveCount() int {
	m := s.model
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.liveChans)
}
