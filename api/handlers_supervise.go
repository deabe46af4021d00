package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/supervise"
)

// Supervision is what the supervisor call routes need: interventions on
// live calls.
type Supervision interface {
	Monitor(ctx context.Context, who supervise.Monitoring, callID, device string, mode controller.EavesdropMode) (string, error)
	StopMonitor(ctx context.Context, callID string) error
	Hangup(ctx context.Context, callID string) error
}

type monitorRequest struct {
	// Mode is listen (silent), whisper (only the agent hears you) or barge
	// (both hear you).
	Mode string `json:"mode"`
	// Device is the supervisor's phone to ring: one of their assigned
	// devices (any valid one for admins); left out, their only device. Not
	// needed to change the mode of a running monitor.
	Device string `json:"device,omitempty"`
}

// callTakeOver is implemented by AgentCalls that can hand a live call from
// its agent to a supervisor (the dispatcher).
type callTakeOver interface {
	TakeOver(ctx context.Context, tenant, callID, device string) (string, error)
}

type takeOverRequest struct {
	// Device is the supervisor's phone the caller is transferred to: one of
	// their assigned devices (any valid one for admins); left out, their
	// only device.
	Device string `json:"device,omitempty"`
}

type takeOverResponse struct {
	Call string `json:"call"`
	// Agent is the agent who had the call; their leg is released.
	Agent  string `json:"agent"`
	Device string `json:"device"`
}

type monitorResponse struct {
	Call          string `json:"call"`
	Mode          string `json:"mode"`
	SupervisorLeg string `json:"supervisor_leg"`
}

// addSuperviseRoutes registers the REST face of the supervisor's call
// operations (also WebSocket commands).
func (s *Server) addSuperviseRoutes() { s.addOps(superviseOps()) }

func superviseOps() []*agentOp {
	call := func(cmd, method, path, summary string) agentOp {
		return agentOp{Cmd: cmd, Method: method, Path: "/api/v1/supervisor/calls/:id/" + path, Summary: summary, Tag: "supervisor",
			Roles: rolesSupervisor, Params: map[string]string{"call": "id"}}
	}
	monitor := call("monitor", http.MethodPost, "monitor", "Listen to, whisper to the agent of, or barge into a live call; the supervisor's phone is rung first, and posting again changes the mode")
	monitor.Response, monitor.ObjectType = monitorResponse{}, "call_monitor"
	stop := call("monitor-stop", http.MethodDelete, "monitor", "Stop monitoring a call (hang up the supervisor's phone)")
	stop.Status, stop.ObjectType = http.StatusNoContent, "call_monitor"
	hangup := call("call-hangup", http.MethodPost, "hangup", "Hang up a live call (强拆): caller, agent and any supervisor")
	hangup.Status, hangup.ObjectType = http.StatusNoContent, "call"
	takeover := call("call-takeover", http.MethodPost, "takeover", "Take over a live call (接管): the caller is transferred to the supervisor's phone and the agent's leg is released (the agent goes to wrap-up); a monitor the supervisor runs on the call ends first")
	takeover.Response, takeover.ObjectType = takeOverResponse{}, "call"
	return []*agentOp{
		op(monitor, monitorCall),
		op(takeover, takeOverCall),
		op(stop, func(ctx context.Context, x *opCall, _ *noBody) (any, error) {
			id, err := liveCallOfTenant(ctx, x)
			if err != nil {
				return nil, err
			}
			return nil, superviseError(x.s.opt.Supervision.StopMonitor(ctx, id))
		}),
		op(hangup, func(ctx context.Context, x *opCall, _ *noBody) (any, error) {
			id, err := liveCallOfTenant(ctx, x)
			if err != nil {
				return nil, err
			}
			return nil, superviseError(x.s.opt.Supervision.Hangup(ctx, id))
		}),
	}
}

// liveCallOfTenant checks the call belongs to the caller's tenant.
func liveCallOfTenant(ctx context.Context, x *opCall) (string, error) {
	id := x.params["call"]
	x.objectID = id
	if id == "" {
		return "", errInvalid("call", "call is required")
	}
	if x.s.opt.Supervision == nil {
		return "", &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "call control is not running in this controller"}
	}
	if _, err := x.s.opt.Store.GetCall(ctx, x.tenant, id); err != nil {
		return "", err
	}
	return id, nil
}

func superviseError(err error) error {
	switch {
	case errors.Is(err, supervise.ErrNoCall):
		return &Error{Status: http.StatusNotFound, Code: "not_found", Message: "the call is not live"}
	case errors.Is(err, supervise.ErrNoAgent), errors.Is(err, supervise.ErrNoMonitor):
		return &Error{Status: http.StatusConflict, Code: "conflict", Message: err.Error()}
	case errors.Is(err, supervise.ErrNoAnswer):
		return &Error{Status: http.StatusConflict, Code: "no_answer", Message: strings.TrimPrefix(err.Error(), "supervise: ")}
	case errors.Is(err, supervise.ErrRingFailed):
		// The switch's own words say why (not registered, refused, ...).
		return &Error{Status: http.StatusConflict, Code: "ring_failed", Field: "device", Message: strings.TrimPrefix(err.Error(), "supervise: ")}
	case errors.Is(err, supervise.ErrNoDevice):
		return errInvalid("device", "no phone to ring: name your phone in device")
	}
	return err
}

// noPhone explains why a monitor has no phone to ring, for p.
func noPhone(p *auth.Principal) error {
	switch {
	case p.Kind != "user":
		return errInvalid("device", "an API key has no phone: name the device to ring in device")
	case mayUseAnyDevice(p):
		return errInvalid("device", "you have no phone assigned: name the device to ring in device, or assign yourself one (PATCH /api/v1/users/{id} with devices)")
	}
	return errInvalid("device", "you have no phone assigned: ask an admin to assign you one (PATCH /api/v1/users/{id} with devices) to listen, whisper or barge")
}

func monitorCall(ctx context.Context, x *opCall, req *monitorRequest) (any, error) {
	id, err := liveCallOfTenant(ctx, x)
	if err != nil {
		return nil, err
	}
	mode, err := supervise.ParseMode(req.Mode)
	if err != nil {
		return nil, errInvalid("mode", "%v", err)
	}
	// One of the supervisor's own devices (any valid one for admins).
	if req.Device, err = x.s.resolveDevice(ctx, x.tenant, x.p, req.Device, false); err != nil {
		return nil, err
	}
	x.detail = map[string]any{"mode": req.Mode, "device": req.Device}
	leg, err := x.s.opt.Supervision.Monitor(ctx, supervise.Monitoring{Tenant: x.tenant, Supervisor: x.p.ID}, id, req.Device, mode)
	if errors.Is(err, supervise.ErrNoDevice) && req.Device == "" {
		return nil, noPhone(x.p)
	}
	if err != nil {
		return nil, superviseError(err)
	}
	return monitorResponse{Call: id, Mode: mode.String(), SupervisorLeg: leg}, nil
}

func takeOverCall(ctx context.Context, x *opCall, req *takeOverRequest) (any, error) {
	id, err := liveCallOfTenant(ctx, x)
	if err != nil {
		return nil, err
	}
	to, ok := x.s.opt.AgentCalls.(callTakeOver)
	if !ok {
		return nil, errNoCallControl
	}
	if req.Device, err = x.s.resolveDevice(ctx, x.tenant, x.p, req.Device, false); err != nil {
		return nil, err
	}
	if req.Device == "" {
		return nil, noPhone(x.p)
	}
	if strings.HasPrefix(req.Device, "raw:") {
		return nil, errInvalid("device", "take over transfers the caller to an extension: name one of your phones")
	}
	x.detail = map[string]any{"op": "takeover", "device": req.Device}
	// The supervisor's phone may be listening to the call: hang that up
	// first so the phone is free to take the caller.
	if x.s.opt.Supervision != nil {
		if err := x.s.opt.Supervision.StopMonitor(ctx, id); err != nil && !errors.Is(err, supervise.ErrNoMonitor) {
			return nil, superviseError(err)
		}
	}
	agent, err := to.TakeOver(ctx, x.tenant, id, req.Device)
	if err != nil {
		return nil, agentCallError(err)
	}
	x.detail["agent"] = agent
	return takeOverResponse{Call: id, Agent: agent, Device: req.Device}, nil
}
