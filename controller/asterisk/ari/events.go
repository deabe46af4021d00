package ari

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Event is one message of the /ari/events WebSocket: the union of the
// Swagger event models ipcc reads. Fields that a type does not carry stay zero.
type Event struct {
	Type        string `json:"type"`
	Application string `json:"application"`
	Timestamp   string `json:"timestamp"`
	AsteriskID  string `json:"asterisk_id"`

	Channel        *Channel       `json:"channel,omitempty"`
	ReplaceChannel *Channel       `json:"replace_channel,omitempty"`
	Peer           *Channel       `json:"peer,omitempty"` // Dial
	Bridge         *Bridge        `json:"bridge,omitempty"`
	Playback       *Playback      `json:"playback,omitempty"`
	Recording      *LiveRecording `json:"recording,omitempty"`

	Args        []string `json:"args,omitempty"`        // StasisStart
	Cause       int      `json:"cause,omitempty"`       // ChannelHangupRequest, ChannelDestroyed
	CauseTxt    string   `json:"cause_txt,omitempty"`   // ChannelDestroyed
	Soft        bool     `json:"soft,omitempty"`        // ChannelHangupRequest
	Digit       string   `json:"digit,omitempty"`       // ChannelDtmfReceived
	DurationMs  int      `json:"duration_ms,omitempty"` // ChannelDtmfReceived
	Variable    string   `json:"variable,omitempty"`    // ChannelVarset
	Value       string   `json:"value,omitempty"`       // ChannelVarset
	Dialstatus  string   `json:"dialstatus,omitempty"`  // Dial
	MusicClass  string   `json:"musicclass,omitempty"`  // ChannelHold
	Destination string   `json:"destination,omitempty"` // ApplicationMoveFailed
}

// Time returns the event timestamp, or the zero time.
func (e *Event) Time() time.Time { return ParseTime(e.Timestamp) }

// ErrBadEvent wraps every DecodeEvent failure.
var ErrBadEvent = errors.New("ari: bad event")

// required lists which object each event type must carry (per events.json).
var required = map[string]string{
	"StasisStart":          "channel",
	"StasisEnd":            "channel",
	"ChannelCreated":       "channel",
	"ChannelDestroyed":     "channel",
	"ChannelStateChange":   "channel",
	"ChannelHangupRequest": "channel",
	"ChannelDtmfReceived":  "channel",
	"ChannelHold":          "channel",
	"ChannelUnhold":        "channel",
	"ChannelEnteredBridge": "bridge+channel",
	"ChannelLeftBridge":    "bridge+channel",
	"PlaybackStarted":      "playback",
	"PlaybackContinuing":   "playback",
	"PlaybackFinished":     "playback",
	"RecordingStarted":     "recording",
	"RecordingFinished":    "recording",
	"RecordingFailed":      "recording",
	"BridgeCreated":        "bridge",
	"BridgeDestroyed":      "bridge",
}

// DecodeEvent parses one WebSocket text frame. It rejects frames that are not
// a JSON object with a "type", and known event types missing the object
// their model requires (a channel id, playback id, ...).
func DecodeEvent(data []byte) (*Event, error) {
	var e Event
	if err := json.Unmarshal(data, &e); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadEvent, err)
	}
	if e.Type == "" {
		return nil, fmt.Errorf("%w: missing type", ErrBadEvent)
	}
	switch required[e.Type] {
	case "channel":
		if e.Channel == nil || e.Channel.ID == "" {
			return nil, fmt.Errorf("%w: %s without channel id", ErrBadEvent, e.Type)
		}
	case "bridge+channel":
		if e.Channel == nil || e.Channel.ID == "" || e.Bridge == nil || e.Bridge.ID == "" {
			return nil, fmt.Errorf("%w: %s without channel or bridge id", ErrBadEvent, e.Type)
		}
	case "playback":
		if e.Playback == nil || e.Playback.ID == "" {
			return nil, fmt.Errorf("%w: %s without playback id", ErrBadEvent, e.Type)
		}
	case "recording":
		if e.Recording == nil || e.Recording.Name == "" {
			return nil, fmt.Errorf("%w: %s without recording name", ErrBadEvent, e.Type)
		}
	case "bridge":
		if e.Bridge == nil || e.Bridge.ID == "" {
			return nil, fmt.Errorf("%w: %s without bridge id", ErrBadEvent, e.Type)
		}
	}
	return &e, nil
}
