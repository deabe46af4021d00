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
	return []*agentOp{
		op(monitor, monitorCall),
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
