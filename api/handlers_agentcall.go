package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/dispatch"
)

// AgentCalls acts on the call an agent is connected to, and places agents'
// own calls.
type AgentCalls interface {
	Control(ctx context.Context, tenant, agentID, op string, target *dialplan.Target) error
	ClickToDial(ctx context.Context, tenant, agentID, number string) (string, error)
}

type flowRequest struct {
	Flow string `json:"flow"`
}

type dialRequest struct {
	Number string `json:"number"`
}

type transferRequest struct {
	// Kind is queue, agent, extension, external or flow.
	Kind   string `json:"kind"`
	Target string `json:"target"`
}

func (s *Server) addAgentCallRoutes() {
	for _, op := range []struct{ op, summary string }{
		{"hold", "Put the caller on hold (music on hold)"},
		{"unhold", "Take the caller off hold"},
		{"hangup", "Hang up the caller"},
	} {
		op := op
		s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/agent/call/" + op.op, Summary: op.summary, Tag: "agent", Roles: rolesAgents,
			Status: http.StatusNoContent, ObjectType: "agent_call", Handler: func(c echo.Context) error { return s.agentCall(c, op.op, nil) }})
	}
	for _, op := range []struct{ op, path, summary string }{
		{"consult-cancel", "consult/cancel", "Drop the consulted party and return to the caller"},
		{"consult-complete", "consult/complete", "Attended transfer: hand the caller to the consulted party and leave"},
		{"three-way", "three-way", "Join caller, agent and the consulted party in a three-way conference"},
		{"record-start", "record/start", "Start recording the call (on-demand recording)"},
		{"record-stop", "record/stop", "Stop recording the call"},
		{"record-pause", "record/pause", "Pause the recording (e.g. while the caller gives a card number); the pause is kept as silence"},
		{"record-resume", "record/resume", "Resume a paused recording"},
	} {
		op := op
		s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/agent/call/" + op.path, Summary: op.summary, Tag: "agent", Roles: rolesAgents,
			Status: http.StatusNoContent, ObjectType: "agent_call", Handler: func(c echo.Context) error { return s.agentCall(c, op.op, nil) }})
	}
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/agent/call/consult", Summary: "Put the caller on hold (music) and call a colleague, agent, extension or external number to consult",
		Tag: "agent", Roles: rolesAgents, Request: transferRequest{}, Status: http.StatusNoContent, ObjectType: "agent_call", Handler: s.agentConsult("consult")})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/agent/call/help", Summary: "Help request: the caller hears hold music while the agent calls a supervisor (agent id or extension); the caller can then be joined with three-way",
		Tag: "agent", Roles: rolesAgents, Request: transferRequest{}, Status: http.StatusNoContent, ObjectType: "agent_call", Handler: s.agentConsult("consult")})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/agent/call/flow", Summary: "Send the caller into a flow (identity check, payment, survey) and take them back when it ends",
		Tag: "agent", Roles: rolesAgents, Request: flowRequest{}, Status: http.StatusNoContent, ObjectType: "agent_call", Handler: s.agentFlow})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/agent/dial", Summary: "Click-to-dial: ring your own phone, then call number and connect; you are not ready (outbound-call) until it ends",
		Tag: "agent", Roles: rolesAgents, Request: dialRequest{}, Response: map[string]string{"call": ""}, ObjectType: "agent_call", Handler: s.agentDial})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/agent/call/transfer", Summary: "Blind-transfer the caller to a queue, agent, extension, external number or flow; the call's data travels with it",
		Tag: "agent", Roles: rolesAgents, Request: transferRequest{}, Status: http.StatusNoContent, ObjectType: "agent_call", Handler: s.agentTransfer})
}

func (s *Server) agentCall(c echo.Context, op string, target *dialplan.Target) error {
	if s.opt.AgentCalls == nil {
		return &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "call control is not running in this controller"}
	}
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	id := principalOf(c).ID
	setAudit(c, id, map[string]any{"op": op})
	err = s.opt.AgentCalls.Control(c.Request().Context(), tenant, id, op, target)
	switch {
	case err == nil:
		return c.NoContent(http.StatusNoContent)
	case errors.Is(err, dispatch.ErrNoCall):
		return &Error{Status: http.StatusConflict, Code: "no_call", Message: "you are not connected to a call"}
	case errors.Is(err, dispatch.ErrBadTarget):
		return &Error{Status: http.StatusBadRequest, Code: "invalid", Message: err.Error(), Field: "target"}
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	}
	if ae := acdError(err); ae != err {
		return ae
	}
	// What remains are refusals in the call's current state (no consultation
	// to complete, already recording, a switch that refused).
	return &Error{Status: http.StatusConflict, Code: "conflict", Message: err.Error()}
}

func (s *Server) agentTransfer(c echo.Context) error {
	var req transferRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	kind := dialplan.TargetKind(req.Kind)
	switch kind {
	case dialplan.KindQueue, dialplan.KindAgent, dialplan.KindExtension, dialplan.KindExternal, dialplan.KindFlow:
	default:
		return errInvalid("kind", "kind must be queue, agent, extension, external or flow")
	}
	req.Target = strings.TrimSpace(req.Target)
	if req.Target == "" || len(req.Target) > 100 {
		return errInvalid("target", "target is required")
	}
	return s.agentCall(c, "transfer", &dialplan.Target{Kind: kind, Ref: req.Target})
}

func (s *Server) agentConsult(op string) echo.HandlerFunc {
	return func(c echo.Context) error {
		var req transferRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		kind := dialplan.TargetKind(req.Kind)
		switch kind {
		case dialplan.KindAgent, dialplan.KindExtension, dialplan.KindExternal:
		default:
			return errInvalid("kind", "kind must be agent, extension or external")
		}
		req.Target = strings.TrimSpace(req.Target)
		if req.Target == "" || len(req.Target) > 100 {
			return errInvalid("target", "target is required")
		}
		return s.agentCall(c, op, &dialplan.Target{Kind: kind, Ref: req.Target})
	}
}

func (s *Server) agentDial(c echo.Context) error {
	if s.opt.AgentCalls == nil {
		return &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "call control is not running in this controller"}
	}
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var req dialRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	num := strings.TrimSpace(req.Number)
	if !dialplan.ValidNumber(dialplan.Clean(num)) {
		return errInvalid("number", "number %q is not a phone number", req.Number)
	}
	id := principalOf(c).ID
	setAudit(c, id, map[string]any{"number": num})
	call, err := s.opt.AgentCalls.ClickToDial(c.Request().Context(), tenant, id, dialplan.Clean(num))
	if err != nil {
		if ae := acdError(err); ae != err {
			return ae
		}
		return &Error{Status: http.StatusConflict, Code: "dial_failed", Message: err.Error()}
	}
	return c.JSON(http.StatusOK, map[string]string{"call": call})
}

func (s *Server) agentFlow(c echo.Context) error {
	var req flowRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	req.Flow = strings.TrimSpace(req.Flow)
	if req.Flow == "" || len(req.Flow) > 64 {
		return errInvalid("flow", "flow id is required")
	}
	return s.agentCall(c, "flow", &dialplan.Target{Kind: dialplan.KindFlow, Ref: req.Flow})
}
