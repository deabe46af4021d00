package acd

import "time"

// Effect is something the engine wants done or made known. The wiring turns
// effects into switch commands (ring, play, bridge, transfer) and events
// (operation log, supervisors' wallboard, reports).
type Effect interface {
	// EffectName is a short stable name such as "offer" for logs and events.
	EffectName() string
}

// Sink receives the engine's effects, in order, on the engine's goroutine,
// after the input that caused them is fully processed. Emit must not block
// for long and must not call the Engine synchronously — that would
// deadlock: hand the effect to another goroutine or queue it.
type Sink interface {
	Emit(Effect)
}

// SinkFunc adapts a function to Sink.
type SinkFunc func(Effect)

// Emit calls f.
func (f SinkFunc) Emit(e Effect) { f(e) }

// Offer asks the wiring to ring AgentID's device with CallID. The agent's
// answer comes back as Engine.Answered(OfferID); a failed leg as
// Engine.OfferFailed(OfferID, reason). The engine itself times the ring
// (RingTimeout) and sends CancelOffer when it gives up.
type Offer struct {
	Tenant      string
	OfferID     uint64
	CallID      string
	QueueID     string
	AgentID     string
	Device      string
	RingTimeout time.Duration
	// Group is the number of agents offered this call at once (ring-all).
	Group int
	// LastAgent is true when the offer went to the caller's last agent.
	LastAgent bool
	At        time.Time
}

// CancelOffer withdraws an offer: stop ringing the agent.
type CancelOffer struct {
	Tenant  string
	OfferID uint64
	CallID  string
	AgentID string
	// Reason: "answered-elsewhere", "no-answer", "caller-left",
	// "agent-logout", "agent-not-ready", "not-ringing" (the phone never
	// rang within the ring timeout), or the reason given to
	// OfferWithdrawn (e.g. "switch-unavailable", "originate-failed",
	// "leg-failed:NORMAL_TEMPORARY_FAILURE", "call-gone").
	Reason string
	At     time.Time
}

// Connect tells the wiring to bridge the call to the agent who answered.
// AgentPrompt, when set, is played to the agent before the bridge (queue
// name and waited time); CallerPrompt to the caller after it (agent ID).
type Connect struct {
	Tenant       string
	OfferID      uint64
	CallID       string
	QueueID      string
	AgentID      string
	Waited       time.Duration
	AgentPrompt  *Prompt
	CallerPrompt *Prompt
	At           time.Time
}

// Announce asks the wiring to play a prompt to a waiting caller.
type Announce struct {
	Tenant  string
	CallID  string
	QueueID string
	Prompt  Prompt
	At      time.Time
}

// StateChange is one agent transition: for the operation log, supervisors
// and reports. It is also what the store's agent state log records.
type StateChange struct {
	Tenant  string    `json:"tenant"`
	AgentID string    `json:"agent_id"`
	From    State     `json:"from"`
	To      State     `json:"to"`
	Reason  string    `json:"reason,omitempty"`
	CallID  string    `json:"call_id,omitempty"`
	QueueID string    `json:"queue_id,omitempty"`
	By      string    `json:"by,omitempty"` // supervisor who forced it
	At      time.Time `json:"at"`
}

// NoAnswer reports that an agent let an offer ring out (久不应答) or that its
// leg failed; the agent has been set not-ready with reason no-answer.
type NoAnswer struct {
	Tenant  string
	AgentID string
	CallID  string
	QueueID string
	Cause   string // "timeout" or the reason given to OfferFailed
	At      time.Time
}

// OverflowReason says why a call left its queue for a target.
type OverflowReason string

// Overflow reasons.
const (
	OverflowQueueFull  OverflowReason = "queue-full"
	OverflowMaxWait    OverflowReason = "max-wait"
	OverflowNoAgents   OverflowReason = "no-agents"
	OverflowAllOnBreak OverflowReason = "all-on-break"
	OverflowVoicemail  OverflowReason = "caller-voicemail"
)

// Overflow: the call left (or was not let into) QueueID for Target. When
// Target is another queue the engine has already queued it there (Moved);
// otherwise the wiring sends the call to the flow, mailbox or number, or
// hangs up. A call refused at entry gets Overflow from Enqueue instead of
// joining.
type Overflow struct {
	Tenant  string
	CallID  string
	QueueID string
	Reason  OverflowReason
	Target  OverflowTarget
	Moved   bool
	Waited  time.Duration
	At      time.Time
	// Prompt is the queue's overflow prompt for the caller (nil: none),
	// played before the call leaves.
	Prompt *Prompt
}

// CallbackRequested: the caller pressed the callback key and left the
// queue; the request is stored. The wiring plays a confirmation and hangs up.
type CallbackRequested struct {
	Tenant   string
	Callback Callback
	// Lang is the caller's language (for the confirmation they hear).
	Lang string
	At   time.Time
}

// Left: a call left the queue without being answered or overflowing
// (caller hung up) — an abandon for the statistics.
type Left struct {
	Tenant  string
	CallID  string
	QueueID string
	Waited  time.Duration
	At      time.Time
}

// BreakQueued: a break request waits for the cap; Position is 1-based.
type BreakQueued struct {
	Tenant   string
	AgentID  string
	Reason   string
	Position int
	At       time.Time
}

// EffectName implementations.
func (Offer) EffectName() string             { return "offer" }
func (CancelOffer) EffectName() string       { return "cancel-offer" }
func (Connect) EffectName() string           { return "connect" }
func (Announce) EffectName() string          { return "announce" }
func (StateChange) EffectName() string       { return "agent-state" }
func (NoAnswer) EffectName() string          { return "no-answer" }
func (Overflow) EffectName() string          { return "overflow" }
func (CallbackRequested) EffectName() string { return "callback-requested" }
func (Left) EffectName() string              { return "left" }
func (BreakQueued) EffectName() string       { return "break-queued" }

// QueueLogin tells that an agent logged in to (LoggedIn) or out of one of
// its queues while staying logged in to the others (By names the
// supervisor of a forced change).
type QueueLogin struct {
	Tenant   string
	AgentID  string
	QueueID  string
	LoggedIn bool
	By       string
	At       time.Time
}

func (QueueLogin) EffectName() string { return "queue-login" }
