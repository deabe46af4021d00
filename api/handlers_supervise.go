package api

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/supervise"
)

// Supervision is what the supervisor call routes need: interventions on
// live calls.
type Supervision interface {
	Monitor(ctx context.Context, callID, device string, mode controller.EavesdropMode) (string, error)
	StopMonitor(ctx context.Context, callID string) error
	Hangup(ctx context.Context, callID string) error
}

type monitorRequest struct {
	// Mode is listen (silent), whisper (only the agent hears you) or barge
	// (both hear you).
	Mode string `json:"mode"`
	// Device is the supervisor's phone to ring (an extension or
	// raw:<dial string>); not needed to change the mode of a running monitor.
	Device string `json:"device,omitempty"`
}

type monitorResponse struct {
	Call          string `json:"call"`
	Mode          string `json:"mode"`
	SupervisorLeg string `json:"supervisor_leg"`
}

func (s *Server) addSuperviseRoutes() {
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/supervisor/calls/:id/monitor", Summary: "Listen to, whisper to the agent of, or barge into a live call; the supervisor's phone is rung first, and posting again changes the mode", Tag: "supervisor",
		Roles: rolesSupervisor, Request: monitorRequest{}, Response: monitorResponse{}, ObjectType: "call_monitor", Handler: s.monitorCall})
	s.Add(&Route{Method: http.MethodDelete, Path: "/api/v1/supervisor/calls/:id/monitor", Summary: "Stop monitoring a call (hang up the supervisor's phone)", Tag: "supervisor",
		Roles: rolesSupervisor, Status: http.StatusNoContent, ObjectType: "call_monitor", Handler: s.stopMonitor})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/supervisor/calls/:id/hangup", Summary: "Hang up a live call (强拆): caller, agent and any supervisor", Tag: "supervisor",
		Roles: rolesSupervisor, Status: http.StatusNoContent, ObjectType: "call", Handler: s.hangupCall})
}

// liveCallOfTenant checks the call belongs to the caller's tenant.
func (s *Server) liveCallOfTenant(c echo.Context) (string, error) {
	if s.opt.Supervision == nil {
		return "", &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "call control is not running in this controller"}
	}
	tenant, err := tenantRequired(c)
	if err != nil {
		return "", err
	}
	id := c.Param("id")
	if _, err := s.opt.Store.GetCall(c.Request().Context(), tenant, id); err != nil {
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
	case err != nil && strings.Contains(err.Error(), "did not answer"):
		return &Error{Status: http.StatusConflict, Code: "no_answer", Message: err.Error()}
	}
	return err
}

func (s *Server) monitorCall(c echo.Context) error {
	id, err := s.liveCallOfTenant(c)
	if err != nil {
		return err
	}
	var req monitorRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	mode, err := supervise.ParseMode(req.Mode)
	if err != nil {
		return errInvalid("mode", "%v", err)
	}
	if p := principalOf(c); strings.HasPrefix(req.Device, "raw:") && p.Role != auth.RoleAdmin && !p.Superadmin() {
		return errInvalid("device", "raw: devices are for admins; use an extension")
	}
	setAudit(c, id, map[string]any{"mode": req.Mode, "device": req.Device})
	leg, err := s.opt.Supervision.Monitor(c.Request().Context(), id, strings.TrimSpace(req.Device), mode)
	if err != nil {
		return superviseError(err)
	}
	return c.JSON(http.StatusOK, monitorResponse{Call: id, Mode: mode.String(), SupervisorLeg: leg})
}

func (s *Server) stopMonitor(c echo.Context) error {
	id, err := s.liveCallOfTenant(c)
	if err != nil {
		return err
	}
	if err := s.opt.Supervision.StopMonitor(c.Request().Context(), id); err != nil {
		return superviseError(err)
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) hangupCall(c echo.Context) error {
	id, err := s.liveCallOfTenant(c)
	if err != nil {
		return err
	}
	if err := s.opt.Supervision.Hangup(c.Request().Context(), id); err != nil {
		return superviseError(err)
	}
	return c.NoContent(http.StatusNoContent)
}
