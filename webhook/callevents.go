package webhook

import (
	"context"
	"strconv"
	"time"

	"github.com/ipcc/ipcc/campaign"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/inbound"
	"github.com/ipcc/ipcc/store"
)

// CallEvents turns the domain's events into webhook events: it observes
// inbound calls' records (inbound.CallEvents) and the ACD's event bus
// (Observe, for dispatch.Dispatcher.SetObserver). The domain knows nothing
// of webhooks; this is the only place that maps its happenings to types.
type CallEvents struct {
	Outbox *Outbox
	// Wait bounds how long a call's goroutine waits for its event to be
	// written (default 5 s); past it the event is still written, later.
	Wait time.Duration
}

// CallData is the data of call.arrived, call.queued and call.transferred.
type CallData struct {
	CallID    string            `json:"call_id"`
	Direction string            `json:"direction"`
	Caller    string            `json:"caller"`
	DID       string            `json:"did"`
	Queue     string            `json:"queue,omitempty"`
	Agent     string            `json:"agent,omitempty"`
	Target    string            `json:"target,omitempty"`
	Priority  int               `json:"priority,omitempty"`
	Vars      map[string]string `json:"vars,omitempty"`
	StartedAt time.Time         `json:"started_at"`
}

// SurveyData is the data of survey.completed.
type SurveyData struct {
	CallID string `json:"call_id"`
	Agent  string `json:"agent,omitempty"`
	Queue  string `json:"queue,omitempty"`
	Score  int    `json:"score"`
	Survey any    `json:"survey,omitempty"`
}

// CallEvent implements inbound.CallEvents: durable before the call goes
// on (arrival before routing, the end before the handler returns).
func (e *CallEvents) CallEvent(what string, rec store.CallRecord, detail map[string]any) {
	if rec.TenantID == "" {
		return
	}
	var typ string
	var data any
	base := CallData{CallID: rec.ID, Direction: rec.Direction, Caller: rec.ANI, DID: rec.DNIS, Queue: rec.QueueID, Agent: rec.AgentID, StartedAt: rec.StartedAt}
	switch what {
	case inbound.CallArrived:
		typ = EventCallArrived
		base.Vars = stringVars(detail["vars"])
		data = base
	case inbound.CallQueued:
		typ = EventCallQueued
		if q, ok := detail["queue"].(string); ok {
			base.Queue = q
		}
		base.Priority, _ = detail["priority"].(int)
		base.Vars = stringVars(detail["vars"])
		data = base
	case inbound.CallTransferred:
		typ = EventCallTransferred
		base.Target, _ = detail["target"].(string)
		data = base
	case inbound.CallSurveyed:
		typ = EventSurveyCompleted
		score, _ := detail["score"].(int)
		data = SurveyData{CallID: rec.ID, Agent: rec.AgentID, Queue: rec.QueueID, Score: score, Survey: detail["survey"]}
	case inbound.CallEnded:
		typ = EventCallEnded
		data = rec // the call's record, as GET /api/v1/calls/{id} shows it
	default:
		return
	}
	e.emit(rec.TenantID, typ, rec.ID, data)
}

func stringVars(v any) map[string]string {
	switch m := v.(type) {
	case map[string]string:
		if len(m) == 0 {
			return nil
		}
		return m
	case map[string]any:
		if len(m) == 0 {
			return nil
		}
		out := make(map[string]string, len(m))
		for k, x := range m {
			if s, ok := x.(string); ok {
				out[k] = s
			} else if x != nil {
				out[k] = jsonText(x)
			}
		}
		return out
	}
	return nil
}

// AgentData is the data of call.offered, call.answered, call.abandoned
// and agent.state_changed: the ACD's event as agent desktops get it.
type AgentData struct {
	CallID    string            `json:"call_id,omitempty"`
	Agent     string            `json:"agent,omitempty"`
	Queue     string            `json:"queue,omitempty"`
	Caller    string            `json:"caller,omitempty"`
	DID       string            `json:"did,omitempty"`
	WaitedMS  int64             `json:"waited_ms,omitempty"`
	State     string            `json:"state,omitempty"`
	From      string            `json:"from,omitempty"`
	Reason    string            `json:"reason,omitempty"`
	By        string            `json:"by,omitempty"`
	Recording string            `json:"recording_id,omitempty"`
	Vars      map[string]string `json:"vars,omitempty"`
	At        time.Time         `json:"at"`
}

// CampaignLeadData is the data of campaign.lead_result.
type CampaignLeadData struct {
	CallID  string    `json:"call_id,omitempty"`
	Agent   string    `json:"agent,omitempty"`
	Queue   string    `json:"queue,omitempty"`
	Phone   string    `json:"phone,omitempty"`
	Outcome string    `json:"outcome"`
	Lead    LeadRef   `json:"lead"`
	At      time.Time `json:"at"`
}

// LeadRef names the campaign, lead and attempt of a lead result.
type LeadRef struct {
	Campaign string `json:"campaign"`
	Lead     string `json:"lead"`
	Attempt  string `json:"attempt"`
}

// LeadResult implements campaign.Events: every attempt's outcome, ordered
// after the call's own events when there was a call (its call.ended is
// written before the campaign hears the outcome).
func (e *CallEvents) LeadResult(r campaign.LeadResult) {
	if r.TenantID == "" {
		return
	}
	data := CampaignLeadData{CallID: r.CallID, Agent: r.Agent, Queue: r.Queue, Phone: r.Phone, Outcome: r.Outcome, At: r.At,
		Lead: LeadRef{Campaign: r.CampaignID, Lead: strconv.FormatInt(r.LeadID, 10), Attempt: strconv.FormatInt(r.AttemptID, 10)}}
	e.emit(r.TenantID, EventLeadResult, r.CallID, data)
}

// CampaignFinished implements campaign.Events: a campaign finished on its
// own (no lead left to call); data as for a stop through the API.
func (e *CallEvents) CampaignFinished(c *campaign.Campaign) {
	if c == nil || c.TenantID == "" {
		return
	}
	e.emit(c.TenantID, EventCampaignDone, "", c)
}

var _ inbound.EndSaver = (*CallEvents)(nil)

// SaveEnded implements inbound.EndSaver: the call's final record and its
// call.ended event are written in one transaction, waiting at most Wait
// (past it both are still written, later, together).
func (e *CallEvents) SaveEnded(rec store.CallRecord) {
	if rec.TenantID == "" {
		return
	}
	wait := e.Wait
	if wait <= 0 {
		wait = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := e.Outbox.SaveCallEnded(ctx, rec); err != nil {
		e.Outbox.log.Warn("call record and call.ended not confirmed written", "tenant", rec.TenantID, "call", rec.ID, "err", err)
	}
}

// emit writes one event, waiting at most Wait.
func (e *CallEvents) emit(tenant, typ, callID string, data any) {
	wait := e.Wait
	if wait <= 0 {
		wait = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	if err := e.Outbox.Emit(ctx, tenant, typ, callID, data); err != nil {
		e.Outbox.log.Warn("event not confirmed written", "tenant", tenant, "call", callID, "event", typ, "err", err)
	}
}

// Observe maps one ACD event (dispatch.Dispatcher.SetObserver); it never
// blocks: the event is in the outbox's next transaction.
func (e *CallEvents) Observe(ev dispatch.Event) {
	if ev.Tenant == "" {
		return
	}
	d := AgentData{CallID: ev.Call, Agent: ev.Agent, Queue: ev.Queue, Caller: ev.Caller, DID: ev.DID, WaitedMS: ev.Waited, At: ev.At}
	var typ, call string
	var data any = &d
	switch ev.Type {
	case "offered":
		typ, call, d.Vars = EventCallOffered, ev.Call, ev.Vars
	case "answered":
		typ, call = EventCallAnswered, ev.Call
	case "left":
		typ, call, d.Reason = EventCallAbandoned, ev.Call, "caller hung up while waiting"
	case "state":
		// Not ordered with the call: an agent's states are their own
		// sequence (the call id is in the data).
		typ, d.State, d.From, d.Reason, d.By = EventAgentState, ev.State, ev.From, ev.Reason, ev.By
	case dispatch.EventRecordingStopped:
		typ, call, d.Recording = EventRecordingReady, ev.Call, ev.Recording
	default:
		return
	}
	e.Outbox.EmitAsync(ev.Tenant, typ, call, data)
}
