package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/store"
)

// AgentCalls acts on the call an agent is connected to, and places agents'
// own calls.
type AgentCalls interface {
	Control(ctx context.Context, tenant, agentID, op string, target *dialplan.Target) error
	ClickToDial(ctx context.Context, tenant, agentID, number, parent string) (string, error)
}

type flowRequest struct {
	Flow string `json:"flow"`
}

type dialRequest struct {
	Number string `json:"number"`
	// Parent is the call this one follows up (the abandoned call of a
	// call-back, as the abandoned-calls report's dial_back gives it).
	Parent string `json:"parent,omitempty"`
}

type transferRequest struct {
	// Kind is queue, agent, extension, external or flow.
	Kind   string `json:"kind"`
	Target string `json:"target"`
}

// addAgentCallRoutes registers the REST face of the call operations.
func (s *Server) addAgentCallRoutes() { s.addOps(agentCallOps()) }

// agentCallOps are the operations on the agent's connected call and the
// agent's own calls; each is a REST route and a WebSocket command.
func agentCallOps() []*agentOp {
	call := func(cmd, path, summary string) agentOp {
		return agentOp{Cmd: cmd, Method: http.MethodPost, Path: "/api/v1/agent/" + path, Summary: summary, Tag: "agent", Roles: rolesAgents,
			Status: http.StatusNoContent, ObjectType: "agent_call"}
	}
	plain := func(ctrl string) func(context.Context, *opCall, *noBody) (any, error) {
		return func(ctx context.Context, x *opCall, _ *noBody) (any, error) {
			if err := agentCall(ctx, x, ctrl, nil); err != nil {
				return nil, err
			}
			// Holds are told on the event stream (held, unheld): the
			// supervisor console's long-hold alert and the agent's own
			// other windows follow them.
			switch ctrl {
			case "hold":
				announce(ctx, x, "held", "")
			case "unhold":
				announce(ctx, x, "unheld", "")
			}
			return nil, nil
		}
	}
	var ops []*agentOp
	for _, o := range []struct{ cmd, path, summary string }{
		{"hold", "call/hold", "Put the caller on hold (music on hold); the event stream gets held"},
		{"unhold", "call/unhold", "Take the caller off hold; the event stream gets unheld"},
		{"hangup", "call/hangup", "Hang up the caller"},
		{"consult-cancel", "call/consult/cancel", "Drop the consulted party and return to the caller"},
		{"consult-complete", "call/consult/complete", "Attended transfer: hand the caller to the consulted party and leave"},
		{"three-way", "call/three-way", "Join caller, agent and the consulted party in a three-way conference"},
		{"record-start", "call/record/start", "Start recording the call (on-demand recording)"},
		{"record-stop", "call/record/stop", "Stop recording the call"},
		{"record-pause", "call/record/pause", "Pause the recording (e.g. while the caller gives a card number); the pause is kept as silence"},
		{"record-resume", "call/record/resume", "Resume a paused recording"},
	} {
		ops = append(ops, op(call(o.cmd, o.path, o.summary), plain(o.cmd)))
	}
	dial := call("dial", "dial", "Click-to-dial: ring your own phone, then call number and connect; you are not ready (outbound-call) until it ends")
	dial.Status, dial.Response = 0, map[string]string{"call": ""}
	return append(ops,
		op(call("consult", "call/consult", "Put the caller on hold (music) and call a colleague, agent, extension or external number to consult"), agentConsult),
		op(call("help", "call/help", "Help request: the caller hears hold music while the agent calls a supervisor (agent id or extension); the caller can then be joined with three-way. Supervisors' event streams get help_requested"), agentHelp),
		op(call("flow", "call/flow", "Send the caller into a flow (identity check, payment, survey) and take them back when it ends"), agentFlow),
		op(call("transfer", "call/transfer", "Blind-transfer the caller to a queue, agent, extension, external number or flow; the call's data travels with it"), agentTransfer),
		op(dial, agentDial),
	)
}

// agentCall asks the agent's connected call for ctrl.
func agentCall(ctx context.Context, x *opCall, ctrl string, target *dialplan.Target) error {
	x.detail = map[string]any{"op": ctrl}
	if target != nil {
		x.detail["kind"], x.detail["target"] = string(target.Kind), target.Ref
	}
	if x.s.opt.AgentCalls == nil {
		return errNoCallControl
	}
	return agentCallError(x.s.opt.AgentCalls.Control(ctx, x.tenant, x.p.ID, ctrl, target))
}

func agentTransfer(ctx context.Context, x *opCall, req *transferRequest) (any, error) {
	kind := dialplan.TargetKind(req.Kind)
	switch kind {
	case dialplan.KindQueue, dialplan.KindAgent, dialplan.KindExtension, dialplan.KindExternal, dialplan.KindFlow:
	default:
		return nil, errInvalid("kind", "kind must be queue, agent, extension, external or flow")
	}
	req.Target = strings.TrimSpace(req.Target)
	if req.Target == "" || len(req.Target) > 100 {
		return nil, errInvalid("target", "target is required")
	}
	return nil, agentCall(ctx, x, "transfer", &dialplan.Target{Kind: kind, Ref: req.Target})
}

// agentConsult serves consult and help (a consult of a supervisor).
func agentConsult(ctx context.Context, x *opCall, req *transferRequest) (any, error) {
	kind := dialplan.TargetKind(req.Kind)
	switch kind {
	case dialplan.KindAgent, dialplan.KindExtension, dialplan.KindExternal:
	default:
		return nil, errInvalid("kind", "kind must be agent, extension or external")
	}
	req.Target = strings.TrimSpace(req.Target)
	if req.Target == "" || len(req.Target) > 100 {
		return nil, errInvalid("target", "target is required")
	}
	return nil, agentCall(ctx, x, "consult", &dialplan.Target{Kind: kind, Ref: req.Target})
}

// EventPublisher is implemented by event sources that also take events
// from the API (the dispatcher): help requests are announced on the
// supervisors' streams.
type EventPublisher interface {
	Publish(ev dispatch.Event)
}

func agentHelp(ctx context.Context, x *opCall, req *transferRequest) (any, error) {
	if _, err := agentConsult(ctx, x, req); err != nil {
		return nil, err
	}
	announce(ctx, x, "help_requested", req.Kind+":"+req.Target)
	return nil, nil
}

// announce publishes an event of the calling agent's current call.
func announce(ctx context.Context, x *opCall, typ, target string) {
	pub, ok := x.s.opt.Events.(EventPublisher)
	if !ok {
		return
	}
	ev := dispatch.Event{Type: typ, Tenant: x.tenant, Agent: x.p.ID, Target: target, At: time.Now().UTC()}
	if e, err := x.engine(ctx); err == nil {
		if a, err := e.Agent(ctx, x.p.ID); err == nil {
			ev.Call, ev.Queue = a.CallID, a.QueueID
		}
	}
	pub.Publish(ev)
}

func agentDial(ctx context.Context, x *opCall, req *dialRequest) (any, error) {
	num := strings.TrimSpace(req.Number)
	x.detail = map[string]any{"number": num}
	if !dialplan.ValidNumber(dialplan.Clean(num)) {
		return nil, errInvalid("number", "number %q is not a phone number", req.Number)
	}
	if x.s.opt.AgentCalls == nil {
		return nil, &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "call control is not running in this controller"}
	}
	parent := strings.TrimSpace(req.Parent)
	if parent != "" {
		x.detail["parent"] = parent
		if len(parent) > 128 {
			return nil, errInvalid("parent", "parent is not a call id")
		}
		if _, err := x.s.opt.Store.GetCall(ctx, x.tenant, parent); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil, errInvalid("parent", "no call %q in this tenant", parent)
			}
			return nil, err
		}
	}
	call, err := x.s.opt.AgentCalls.ClickToDial(ctx, x.tenant, x.p.ID, dialplan.Clean(num), parent)
	if err != nil {
		if re := refusalError(err); re != nil {
			return nil, re
		}
		if ae := acdError(err); ae != err {
			return nil, ae
		}
		return nil, &Error{Status: http.StatusConflict, Code: "dial_failed", Message: err.Error()}
	}
	return map[string]string{"call": call}, nil
}

func agentFlow(ctx context.Context, x *opCall, req *flowRequest) (any, error) {
	req.Flow = strings.TrimSpace(req.Flow)
	if req.Flow == "" || len(req.Flow) > 64 {
		return nil, errInvalid("flow", "flow id is required")
	}
	return nil, agentCall(ctx, x, "flow", &dialplan.Target{Kind: dialplan.KindFlow, Ref: req.Flow})
}
