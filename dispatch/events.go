package dispatch

import (
	"strconv"
	"time"

	"github.com/ipcc/ipcc/acd"
)

// EventLost tells a subscriber it missed events (see Subscribe).
const EventLost = "events_lost"

// Event is what agent desktops and wallboards are told, one JSON object per
// happening. Agent is set for events about one agent (offered, answered,
// state changes); Queue and Call for events about calls.
type Event struct {
	// Type: offered, offer_cancelled, answered, announce, overflow, left,
	// state, no_answer, break_queued, callback, queue_login, queue_logout,
	// muted, unmuted, recording_started, recording_paused,
	// recording_resumed, recording_stopped, recording_failed (Reason: why),
	// help_requested (the agent called Target for help on Call),
	// help_accepted (the supervisor on Target took over that consultation:
	// the caller is back with the agent), held and
	// unheld (the agent put Call on hold, took it off),
	// events_lost (this subscriber missed Reason's count), callback_due
	// (a scheduled call-back, Target, is due for Agent: Reason due or
	// overdue; published by campaign.CallbackScheduler).
	Type   string `json:"type"`
	Tenant string `json:"tenant"`
	Agent  string `json:"agent,omitempty"`
	Call   string `json:"call,omitempty"`
	Queue  string `json:"queue,omitempty"`
	Caller string `json:"caller,omitempty"`
	DID    string `json:"did,omitempty"`
	// Waited is how long the caller waited, in milliseconds (offered,
	// answered, overflow, left).
	Waited int64  `json:"waited_ms,omitempty"`
	State  string `json:"state,omitempty"`
	From   string `json:"from,omitempty"`
	Reason string `json:"reason,omitempty"`
	By     string `json:"by,omitempty"`
	Target string `json:"target,omitempty"`
	// Recording is the recording id of recording_* events.
	Recording string            `json:"recording,omitempty"`
	Vars      map[string]string `json:"vars,omitempty"`
	At        time.Time         `json:"at"`
}

// event describes an engine effect for subscribers; w (may be nil) adds
// what only the live call knows (caller number, IVR variables).
func event(ef acd.Effect, w *waiter) (Event, bool) {
	var ev Event
	switch e := ef.(type) {
	case acd.Offer:
		ev = Event{Type: "offered", Tenant: e.Tenant, Agent: e.AgentID, Call: e.CallID, Queue: e.QueueID, At: e.At}
		if w != nil {
			ev.Caller, ev.DID = w.c.ANI(), w.c.DNIS()
			ev.Waited = e.At.Sub(w.joined).Milliseconds()
			// The call's channel variables and, over them, the variables
			// its IVR collected.
			ev.Vars = w.c.Vars()
			if len(w.flowVars) > 0 && ev.Vars == nil {
				ev.Vars = map[string]string{}
			}
			for k, v := range w.flowVars {
				ev.Vars[k] = v
			}
		}
	case acd.CancelOffer:
		ev = Event{Type: "offer_cancelled", Tenant: e.Tenant, Agent: e.AgentID, Call: e.CallID, Reason: e.Reason, At: e.At}
	case acd.Connect:
		ev = Event{Type: "answered", Tenant: e.Tenant, Agent: e.AgentID, Call: e.CallID, Queue: e.QueueID, Waited: e.Waited.Milliseconds(), At: e.At}
		if w != nil {
			ev.Caller, ev.DID = w.c.ANI(), w.c.DNIS()
		}
	case acd.StateChange:
		ev = Event{Type: "state", Tenant: e.Tenant, Agent: e.AgentID, State: e.To.String(), From: e.From.String(), Reason: e.Reason, Call: e.CallID, Queue: e.QueueID, By: e.By, At: e.At}
	case acd.NoAnswer:
		ev = Event{Type: "no_answer", Tenant: e.Tenant, Agent: e.AgentID, Call: e.CallID, Queue: e.QueueID, Reason: e.Cause, At: e.At}
	case acd.Overflow:
		ev = Event{Type: "overflow", Tenant: e.Tenant, Call: e.CallID, Queue: e.QueueID, Reason: string(e.Reason), Target: string(e.Target.Kind) + ":" + e.Target.Value, Waited: e.Waited.Milliseconds(), At: e.At}
	case acd.Left:
		ev = Event{Type: "left", Tenant: e.Tenant, Call: e.CallID, Queue: e.QueueID, Waited: e.Waited.Milliseconds(), At: e.At}
	case acd.Announce:
		ev = Event{Type: "announce", Tenant: e.Tenant, Call: e.CallID, Queue: e.QueueID, Reason: string(e.Prompt.Kind), At: e.At}
	case acd.BreakQueued:
		ev = Event{Type: "break_queued", Tenant: e.Tenant, Agent: e.AgentID, Reason: e.Reason, At: e.At}
		ev.Vars = map[string]string{"position": strconv.Itoa(e.Position)}
	case acd.QueueLogin:
		typ := "queue_logout"
		if e.LoggedIn {
			typ = "queue_login"
		}
		ev = Event{Type: typ, Tenant: e.Tenant, Agent: e.AgentID, Queue: e.QueueID, By: e.By, At: e.At}
	case acd.CallbackRequested:
		ev = Event{Type: "callback", Tenant: e.Tenant, Call: e.Callback.CallID, At: e.At}
	default:
		return Event{}, false
	}
	return ev, true
}
