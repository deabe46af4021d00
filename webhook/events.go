package webhook

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Event types.
const (
	EventCallArrived     = "call.arrived"     // a call reached a tenant (before routing decides)
	EventCallQueued      = "call.queued"      // it joined a queue
	EventCallOffered     = "call.offered"     // an agent's phone rings for it (the screen pop)
	EventCallAnswered    = "call.answered"    // the agent answered
	EventCallTransferred = "call.transferred" // the agent transferred it
	EventCallAbandoned   = "call.abandoned"   // the caller hung up while waiting in a queue
	EventCallEnded       = "call.ended"       // it ended: data is the call's record
	EventAgentState      = "agent.state_changed"
	EventRecordingReady  = "recording.ready"  // a recording was stopped and its file is kept
	EventVoicemailNew    = "voicemail.new"    // a voicemail message was left
	EventSurveyCompleted = "survey.completed" // the caller scored the call after it
	EventCampaignStarted = "campaign.started"
	EventCampaignPaused  = "campaign.paused"
	EventCampaignDone    = "campaign.finished"
	EventLeadResult      = "campaign.lead_result" // a campaign call to a lead ended with an outcome
	// EventPing is sent on request (POST /api/v1/webhooks/{id}/test) to
	// every endpoint, whatever it subscribes to.
	EventPing = "ping"
)

// families are the prefixes of events other packages emit (work orders,
// SMS): an endpoint may subscribe to "workorder.*" before any such type is
// registered.
var families = []string{"call", "agent", "recording", "voicemail", "survey", "campaign", "workorder", "sms", "customer"}

var (
	typesMu sync.RWMutex
	types   = []string{EventCallArrived, EventCallQueued, EventCallOffered, EventCallAnswered, EventCallTransferred, EventCallAbandoned, EventCallEnded,
		EventAgentState, EventRecordingReady, EventVoicemailNew, EventSurveyCompleted, EventCampaignStarted, EventCampaignPaused, EventCampaignDone, EventLeadResult}
)

var typeRe = regexp.MustCompile(`^[a-z][a-z0-9_]*\.[a-z][a-z0-9_.]*$`)

// RegisterEventTypes adds event types emitted by other packages (such as
// "workorder.created" or "sms.delivered") to those endpoints may subscribe
// to. Call it at wiring time; a type must be "family.name" in lower case.
func RegisterEventTypes(ts ...string) error {
	typesMu.Lock()
	defer typesMu.Unlock()
	for _, t := range ts {
		if !typeRe.MatchString(t) {
			return fmt.Errorf("webhook: event type %q must be lower-case family.name", t)
		}
		if !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	return nil
}

// EventTypes lists the event types an endpoint may subscribe to.
func EventTypes() []string {
	typesMu.RLock()
	defer typesMu.RUnlock()
	return slices.Clone(types)
}

// Families lists the families ("call", "sms", ...) a filter "family.*" may
// name.
func Families() []string { return slices.Clone(families) }

// CheckFilter validates one subscription filter: a known type, "family.*"
// of a known family, or "*".
func CheckFilter(f string) error {
	if f == "*" {
		return nil
	}
	if fam, ok := strings.CutSuffix(f, ".*"); ok {
		if slices.Contains(families, fam) {
			return nil
		}
		return fmt.Errorf("unknown event family %q (known: %s)", fam, strings.Join(families, ", "))
	}
	if slices.Contains(EventTypes(), f) {
		return nil
	}
	return fmt.Errorf("unknown event %q (known: %s; or family.* or *)", f, strings.Join(EventTypes(), ", "))
}

// Event is the JSON body of every delivery.
type Event struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	Tenant    string    `json:"tenant"`
	CreatedAt time.Time `json:"created_at"`
	// CallID is the call the event belongs to: a call's events are
	// delivered to each endpoint in the order they happened.
	CallID string `json:"call_id,omitempty"`
	Data   any    `json:"data"`
}

func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
