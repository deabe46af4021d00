package sim

import "time"

// evKind is a protocol-neutral model event; each front-end renders the ones
// that concern its channels in its own wire format.
type evKind int

const (
	evCreate           evKind = iota + 1 // channel created
	evRinging                            // far end is ringing (outbound) / progress
	evAnswer                             // channel answered
	evExecute                            // FreeSWITCH application started (App, AppData, AppUUID)
	evExecuteComplete                    // FreeSWITCH application finished (AppResp)
	evPark                               // FreeSWITCH CHANNEL_PARK
	evUnpark                             // FreeSWITCH CHANNEL_UNPARK
	evDTMF                               // Digit, Source received on Ch
	evPlaybackStart                      // Playback
	evPlaybackStop                       // Playback
	evRecordStart                        // Recording
	evRecordStop                         // Recording
	evBridge                             // Ch bridged with Other (FreeSWITCH) / entered Bridge (Asterisk)
	evUnbridge                           // Ch left Other / Bridge
	evHold                               // Ch held
	evUnhold                             // Ch unheld
	evHangupRequest                      // Asterisk ChannelHangupRequest (Cause, Soft)
	evHangup                             // Ch hung up with Cause
	evConf                               // conference::maintenance Action on Conf/Member
	evStasisStart                        // Ch entered App with AppArgs
	evStasisEnd                          // Ch left its App
	evVarSet                             // Var = Value on Ch
	evBridgeCreated                      // Bridge
	evBridgeDestroyed                    // Bridge
	evDial                               // Asterisk Dial (DialStatus) for Ch
	evPlaybackContinue                   // Asterisk PlaybackContinuing: next item of a media list
	evAMD                                // FreeSWITCH mod_amd decided (CUSTOM mod_amd::info)
)

// mEvent is one model event. Ch, Other and Bridge are live pointers: sinks
// render them at once while Model.mu is held, so they see the state at the
// moment of the event.
type mEvent struct {
	Kind       evKind
	At         time.Time
	Ch         *Channel
	Other      *Channel
	Bridge     *Bridge
	Playback   *Playback
	Recording  *Recording
	Conf       *Conference
	Member     *confMember
	Digit      string
	Source     string
	App        string
	AppData    string
	AppUUID    string
	AppResp    string
	Action     string
	Var, Value string
	DialStatus string
	Cause      string
	Soft       bool
	// Phone: a hold the party's own phone asked for (a re-INVITE), which
	// Asterisk reports as ChannelHold/ChannelUnhold (an ARI hold is not).
	Phone bool
	Code  int
	File  string
}

func (m *Model) ev(k evKind, c *Channel) *mEvent {
	return &mEvent{Kind: k, At: time.Now(), Ch: c}
}
