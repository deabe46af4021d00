// Package controller is the media-server boundary of ipcc: the neutral Switch
// interface every driver implements, the neutral events they emit, and the
// per-call handles that flows and the ACD use. Nothing here knows about ESL
// headers or ARI JSON; drivers translate.
package controller

import (
	"context"
	"time"
)

// Switch is one media server (FreeSWITCH, Asterisk, or the simulator speaking
// either protocol) as ipcc sees it. Every command names legs by ids that ipcc
// chose before sending (originate) or that the switch announced in a
// CallArrived event, so no event can race the command that caused it.
//
// Commands return once the switch accepted them; outcomes (answered, playback
// finished, hung up, ...) arrive as Events. A command on a leg the switch does
// not know returns an error wrapping ErrNoSuchLeg.
type Switch interface {
	// Name is the configured name of this switch, unique within ipcc.
	Name() string
	// Kind is "freeswitch" or "asterisk".
	Kind() string

	// Run connects and keeps the connection alive until ctx is cancelled:
	// it reconnects with backoff, re-subscribes and re-synchronises live legs
	// (emitting SwitchConnected / SwitchDisconnected). It returns ctx.Err().
	Run(ctx context.Context) error
	// Events is the ordered stream of neutral events of this switch. Events of
	// one leg arrive in the order the switch produced them. The driver never
	// blocks its socket reader on a slow consumer: it buffers.
	Events() <-chan Event
	// Connected reports whether the control connection is up and synchronised.
	Connected() bool
	// Legs lists the live legs on the switch (used to re-adopt calls after a
	// reconnect or a controller restart).
	Legs(ctx context.Context) ([]LegInfo, error)

	Answer(ctx context.Context, leg string) error
	Hangup(ctx context.Context, leg string, cause Cause) error
	// Play starts playing the media list in order on the leg. p.ID is chosen by
	// the caller; PlaybackStarted / PlaybackFinished events carry it.
	Play(ctx context.Context, leg string, p Playback) error
	// StopPlayback stops the playback p on leg (no error if it already ended).
	StopPlayback(ctx context.Context, leg, playbackID string) error
	// Record starts recording the leg to r.Path (a path the switch can write).
	Record(ctx context.Context, leg string, r Recording) error
	StopRecord(ctx context.Context, leg, recordingID string) error
	// PauseRecord pauses (pause=true) or resumes a running recording; paused
	// stretches are written as silence so timestamps stay aligned.
	PauseRecord(ctx context.Context, leg, recordingID string, pause bool) error
	// Bridge connects two answered or early legs so they hear each other.
	Bridge(ctx context.Context, legA, legB string) error
	// Unbridge takes leg out of its bridge and parks it under ipcc control.
	Unbridge(ctx context.Context, leg string) error
	// Originate creates a new outbound leg with id o.LegID. It returns once the
	// switch accepted the request; Ringing, Answered or HungUp (with the
	// failure cause, e.g. USER_BUSY, NO_ANSWER) follow as events.
	Originate(ctx context.Context, o Originate) error
	// Transfer hands the leg back to the switch dialplan (blind transfer to an
	// extension/context); the leg leaves ipcc control.
	Transfer(ctx context.Context, leg string, t DialplanTarget) error
	// Hold puts the leg on hold with music-on-hold class moh ("" = default);
	// a moh that names a file (a path) is played in a loop instead.
	Hold(ctx context.Context, leg, moh string) error
	Unhold(ctx context.Context, leg string) error
	// JoinConference moves the leg into the named conference room.
	JoinConference(ctx context.Context, leg, room string, opts ConferenceOptions) error
	LeaveConference(ctx context.Context, leg, room string) error
	MuteConference(ctx context.Context, leg, room string, mute bool) error
	// Eavesdrop connects the (answered) spy leg to the target leg: in
	// EavesdropListen the spy hears both parties and nobody hears the spy; in
	// EavesdropWhisper the target leg (the agent) also hears the spy; in
	// EavesdropBarge both parties hear the spy. Calling it again changes mode.
	Eavesdrop(ctx context.Context, spyLeg, targetLeg string, mode EavesdropMode) error
	// SendDTMF sends digits out of the leg (towards its far end).
	SendDTMF(ctx context.Context, leg, digits string) error
	// SetVar sets a channel variable on the leg.
	SetVar(ctx context.Context, leg, name, value string) error
	// Mute stops (on) or restores (off) the audio coming from the party on
	// the leg: nobody on the call hears them, while they still hear
	// everyone (an agent muting themself). No event confirms it.
	Mute(ctx context.Context, leg string, on bool) error
	// RemoteAnswer asks the phone ringing on an originated leg to go off
	// hook by itself (answer from the agent desktop). It returns an error
	// wrapping ErrNotSupported where Capabilities().RemoteAnswer is false;
	// EventAnswered follows when the phone obeys.
	RemoteAnswer(ctx context.Context, leg string) error
	// Capabilities reports the optional features this driver supports.
	Capabilities() Capabilities
}

// Capabilities are the optional features of a driver.
type Capabilities struct {
	// RemoteAnswer: the switch can ask a ringing SIP phone to answer
	// (FreeSWITCH sends a NOTIFY with Event: talk, which many desk phones
	// honour). External numbers reached through a trunk never can.
	RemoteAnswer bool
}

// EventType names a neutral switch event.
type EventType uint8

// Neutral event types.
const (
	EventUnknown EventType = iota
	// EventCallArrived: a new inbound leg was handed to ipcc (FreeSWITCH park,
	// Asterisk StasisStart). ANI, DNIS and Vars are set. A leg re-adopted
	// after a reconnect or restart names in OtherLeg the leg it is bridged
	// with, if any.
	EventCallArrived
	EventRinging
	EventAnswered
	EventDTMF
	EventPlaybackStarted
	EventPlaybackFinished
	EventRecordingStarted
	EventRecordingFinished
	EventBridged
	EventUnbridged
	EventHold
	EventUnhold
	EventHungUp
	EventSwitchConnected
	EventSwitchDisconnected
	EventConferenceJoined
	EventConferenceLeft
	// EventMachineDetected: answering-machine detection started by
	// MachineDetector.DetectMachine decided (Machine, MachineCause).
	EventMachineDetected
)

var eventTypeNames = [...]string{
	EventUnknown:            "unknown",
	EventCallArrived:        "call_arrived",
	EventRinging:            "ringing",
	EventAnswered:           "answered",
	EventDTMF:               "dtmf",
	EventPlaybackStarted:    "playback_started",
	EventPlaybackFinished:   "playback_finished",
	EventRecordingStarted:   "recording_started",
	EventRecordingFinished:  "recording_finished",
	EventBridged:            "bridged",
	EventUnbridged:          "unbridged",
	EventHold:               "hold",
	EventUnhold:             "unhold",
	EventHungUp:             "hung_up",
	EventSwitchConnected:    "switch_connected",
	EventSwitchDisconnected: "switch_disconnected",
	EventConferenceJoined:   "conference_joined",
	EventConferenceLeft:     "conference_left",
	EventMachineDetected:    "machine_detected",
}

func (t EventType) String() string {
	if int(t) < len(eventTypeNames) {
		return eventTypeNames[t]
	}
	return "unknown"
}

// Event is one neutral switch event. Only the fields that matter for its Type
// are set.
type Event struct {
	Type   EventType
	Switch string    // name of the switch that produced it
	Leg    string    // leg id ("" for switch-level events)
	Time   time.Time // when the switch produced it (or when it was read)

	// CallArrived / LegInfo style data.
	ANI     string            // caller number
	ANIName string            // caller name
	DNIS    string            // dialed number (the DID ipcc routes on)
	Vars    map[string]string // channel variables / Stasis args the dialplan set

	Digit string // DTMF: one digit

	PlaybackID  string
	RecordingID string
	Path        string        // recording path
	Duration    time.Duration // recording duration

	OtherLeg string // Bridged / Unbridged: the peer leg; CallArrived: the leg a re-adopted leg is bridged with
	Room     string // conference events

	Cause    Cause      // HungUp
	HangupBy HangupSide // HungUp: who ended it

	Err string // failure text (e.g. a playback that could not start)

	// MachineDetected: the neutral result (MachineHuman, MachineMachine,
	// MachineUnknown) and the switch's own cause text (e.g. mod_amd's
	// LONG_GREETING, Asterisk's AMDCAUSE "MAXWORDS-4-4").
	Machine      string
	MachineCause string
}

// HangupSide says who ended a leg.
type HangupSide uint8

// Who hung up.
const (
	HangupUnknown HangupSide = iota
	// HangupController: ipcc asked for the hangup.
	HangupController
	// HangupRemote: the party on that leg hung up (BYE from the phone/trunk).
	HangupRemote
	// HangupSwitch: the switch ended it (failure, timeout, shutdown).
	HangupSwitch
)

func (s HangupSide) String() string {
	switch s {
	case HangupController:
		return "controller"
	case HangupRemote:
		return "remote"
	case HangupSwitch:
		return "switch"
	}
	return "unknown"
}

// Cause is a hang-up cause named as in Q.850 / FreeSWITCH (NORMAL_CLEARING,
// USER_BUSY, ...).
type Cause string

// Common hang-up causes.
const (
	CauseNormalClearing         Cause = "NORMAL_CLEARING"
	CauseUserBusy               Cause = "USER_BUSY"
	CauseNoUserResponse         Cause = "NO_USER_RESPONSE"
	CauseNoAnswer               Cause = "NO_ANSWER"
	CauseSubscriberAbsent       Cause = "SUBSCRIBER_ABSENT"
	CauseCallRejected           Cause = "CALL_REJECTED"
	CauseUnallocatedNumber      Cause = "UNALLOCATED_NUMBER"
	CauseNoRouteDestination     Cause = "NO_ROUTE_DESTINATION"
	CauseNormalTemporaryFailure Cause = "NORMAL_TEMPORARY_FAILURE"
	CauseOriginatorCancel       Cause = "ORIGINATOR_CANCEL"
	CauseAnsweredElsewhere      Cause = "ANSWERED_ELSEWHERE"
	CauseNormalUnspecified      Cause = "NORMAL_UNSPECIFIED"
	CauseCongestion             Cause = "NORMAL_CIRCUIT_CONGESTION"
	CauseManagerRequest         Cause = "MANAGER_REQUEST"
	CauseSystemShutdown         Cause = "SYSTEM_SHUTDOWN"
)

var q850 = map[Cause]int{
	CauseUnallocatedNumber:      1,
	CauseNoRouteDestination:     3,
	CauseNormalClearing:         16,
	CauseUserBusy:               17,
	CauseNoUserResponse:         18,
	CauseNoAnswer:               19,
	CauseSubscriberAbsent:       20,
	CauseCallRejected:           21,
	CauseAnsweredElsewhere:      26,
	CauseNormalUnspecified:      31,
	CauseCongestion:             34,
	CauseNormalTemporaryFailure: 41,
	CauseOriginatorCancel:       487,
	CauseManagerRequest:         503,
	CauseSystemShutdown:         503,
}

// Q850 returns the Q.850 code of the cause (0 when unknown).
func (c Cause) Q850() int { return q850[c] }

// CauseFromQ850 maps a Q.850 code to a cause name (NORMAL_UNSPECIFIED when
// unknown).
func CauseFromQ850(code int) Cause {
	for c, n := range q850 {
		if n == code && c != CauseSystemShutdown {
			return c
		}
	}
	return CauseNormalUnspecified
}

// MediaKind says how a Media item is rendered.
type MediaKind uint8

// Media kinds. TTS is rendered to a file by the controller before it reaches
// a driver, so drivers only see File, Tone, Number, Digits and Silence.
const (
	MediaFile    MediaKind = iota + 1 // a prompt file; Value is a path or sound name
	MediaTone                         // a tone; Value e.g. "beep", "ring", "busy"
	MediaNumber                       // say a number; Value "125"
	MediaDigits                       // say digits one by one; Value "1001"
	MediaTTS                          // text to speech; Value is the text
	MediaSilence                      // silence; Value is milliseconds
)

// Media is one neutral item to play. Lang is a BCP-47-ish language ("zh-CN",
// "en") used for numbers, digits and TTS.
type Media struct {
	Kind  MediaKind
	Value string
	Lang  string
	// Library names the prompts library entry the media was resolved
	// from ("" when none), for traces and dry runs; switches ignore it.
	Library string
}

// Playback is a request to play media on a leg.
type Playback struct {
	ID    string
	Media []Media
}

// Recording is a request to record a leg.
type Recording struct {
	ID          string
	Path        string        // absolute path on the switch, ending in .wav
	Stereo      bool          // caller left, agent right, where supported
	MaxDuration time.Duration // 0 = unlimited
	Beep        bool
}

// EndpointKind says what an originate target is.
type EndpointKind uint8

// Endpoint kinds.
const (
	// EndpointExtension is a registered SIP extension ("1001").
	EndpointExtension EndpointKind = iota + 1
	// EndpointExternal is an external number dialled through a trunk/gateway.
	EndpointExternal
	// EndpointRaw is a switch dial string passed as is ("loopback/...",
	// "Local/...@ctx"): for tests against real servers and expert config.
	EndpointRaw
)

// Endpoint is where an originated leg goes.
type Endpoint struct {
	Kind   EndpointKind
	Number string
	Trunk  string // gateway/trunk name for EndpointExternal
}

// Originate is a request to create an outbound leg.
type Originate struct {
	LegID        string // chosen by ipcc before sending
	Endpoint     Endpoint
	CallerIDNum  string
	CallerIDName string
	Timeout      time.Duration // ring timeout (0 = switch default)
	Vars         map[string]string
}

// DialplanTarget is a place in the switch dialplan for a blind transfer.
type DialplanTarget struct {
	Extension string
	Context   string
}

// ConferenceOptions tune how a leg joins a conference.
type ConferenceOptions struct {
	Muted     bool
	Moderator bool
}

// EavesdropMode is how a supervisor joins a call.
type EavesdropMode uint8

// Eavesdrop modes.
const (
	EavesdropListen  EavesdropMode = iota + 1 // hears both, heard by nobody
	EavesdropWhisper                          // heard by the target (agent) only
	EavesdropBarge                            // heard by both parties
)

func (m EavesdropMode) String() string {
	switch m {
	case EavesdropListen:
		return "listen"
	case EavesdropWhisper:
		return "whisper"
	case EavesdropBarge:
		return "barge"
	}
	return "unknown"
}

// LegState is the coarse state of a live leg.
type LegState uint8

// Leg states.
const (
	LegRinging LegState = iota + 1
	LegAnswered
)

// LegInfo describes a live leg as listed by Switch.Legs.
type LegInfo struct {
	Leg     string
	ANI     string
	DNIS    string
	State   LegState
	Bridged string // peer leg id, if bridged
	Owned   bool   // handed to ipcc (parked by the ipcc dialplan / in the ipcc Stasis app)
	Vars    map[string]string
	Inbound bool
	Created time.Time
	// Answered is when the leg answered, when the switch says (zero: not
	// answered, or the switch does not list it — ARI has no such field).
	Answered time.Time
}
