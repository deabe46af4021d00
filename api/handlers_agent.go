package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/auth"
)

// ACD is what the agent and supervisor routes need of the running call
// center: each tenant's engine.
type ACD interface {
	Engine(ctx context.Context, tenant string) (*acd.Engine, error)
}

type agentLoginRequest struct {
	// Device is what rings for this agent: an extension ("1001"), "tel:<mobile>"
	// (转手机, through the default trunk) or "raw:<dial string>".
	Device     string `json:"device"`
	WorkNumber string `json:"work_number,omitempty"`
	NotReady   string `json:"not_ready,omitempty"`
}

type notReadyRequest struct {
	Reason string `json:"reason"`
}

type extendRequest struct {
	Seconds int `json:"seconds"`
}

type forceRequest struct {
	Action string `json:"action"` // logout, ready, not-ready, end-wrap-up
	Reason string `json:"reason,omitempty"`
}

var rolesAgents = []auth.Role{auth.RoleAdmin, auth.RoleSupervisor, auth.RoleQA, auth.RoleAgent}

func (s *Server) addAgentRoutes() {
	add := func(method, path, summary string, req, resp any, h echo.HandlerFunc) {
		s.Add(&Route{Method: method, Path: path, Summary: summary, Tag: "agent", Roles: rolesAgents, Request: req, Response: resp, ObjectType: "agent_state", Handler: h})
	}
	add(http.MethodGet, "/api/v1/agent/state", "The calling agent's live state", nil, acd.AgentSnapshot{}, s.agentState)
	add(http.MethodPost, "/api/v1/agent/login", "Log in on a device (extension, tel:<mobile>); available unless not_ready names a reason", agentLoginRequest{}, acd.AgentSnapshot{}, s.agentLogin)
	add(http.MethodPost, "/api/v1/agent/logout", "Log out (after the current call and wrap-up)", nil, acd.AgentSnapshot{}, s.agentSimple(func(ctx context.Context, e *acd.Engine, id string) error { return e.Logout(ctx, id) }))
	add(http.MethodPost, "/api/v1/agent/ready", "Become available", nil, acd.AgentSnapshot{}, s.agentSimple(func(ctx context.Context, e *acd.Engine, id string) error { return e.Ready(ctx, id) }))
	add(http.MethodPost, "/api/v1/agent/not-ready", "Become not ready for a reason (break, lunch, training, ...); breaks obey the break cap", notReadyRequest{}, acd.BreakResult{}, s.agentNotReady)
	add(http.MethodPost, "/api/v1/agent/wrap-up/end", "End wrap-up now", nil, acd.AgentSnapshot{}, s.agentSimple(func(ctx context.Context, e *acd.Engine, id string) error { return e.EndWrapUp(ctx, id) }))
	add(http.MethodPost, "/api/v1/agent/wrap-up/extend", "Extend wrap-up by a number of seconds", extendRequest{}, acd.AgentSnapshot{}, s.agentExtend)

	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/supervisor/snapshot", Summary: "Live view: queues (waiting calls, longest wait, agents by state, answered/abandoned today, service level) and agents", Tag: "supervisor",
		Roles: rolesSupervisor, Response: acd.Snapshot{}, Handler: s.supervisorSnapshot})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/supervisor/agents/:id/force", Summary: "Force an agent: logout, ready, not-ready (with reason) or end-wrap-up", Tag: "supervisor",
		Roles: rolesSupervisor, Request: forceRequest{}, Response: acd.AgentSnapshot{}, ObjectType: "agent_state", Handler: s.supervisorForce})
}

func (s *Server) engine(c echo.Context) (*acd.Engine, error) {
	if s.opt.ACD == nil {
		return nil, &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "the ACD is not running in this controller"}
	}
	tenant, err := tenantRequired(c)
	if err != nil {
		return nil, err
	}
	return s.opt.ACD.Engine(c.Request().Context(), tenant)
}

// acdError maps engine errors to API errors.
func acdError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, acd.ErrUnknownAgent):
		return &Error{Status: http.StatusNotFound, Code: "not_found", Message: "agent is not logged in"}
	case errors.Is(err, acd.ErrUnknownQueue):
		return &Error{Status: http.StatusNotFound, Code: "not_found", Message: err.Error()}
	}
	var fe *acd.FieldError
	if errors.As(err, &fe) {
		return &Error{Status: http.StatusBadRequest, Code: "invalid", Message: fe.Error()}
	}
	if errors.Is(err, acd.ErrBadState) || errors.Is(err, acd.ErrBreakCap) {
		return &Error{Status: http.StatusConflict, Code: "conflict", Message: err.Error()}
	}
	return err
}

func (s *Server) agentView(c echo.Context, e *acd.Engine, id string) error {
	snap, err := e.Agent(c.Request().Context(), id)
	if err != nil {
		return acdError(err)
	}
	return c.JSON(http.StatusOK, snap)
}

func (s *Server) agentState(c echo.Context) error {
	e, err := s.engine(c)
	if err != nil {
		return err
	}
	return s.agentView(c, e, principalOf(c).ID)
}

func (s *Server) agentLogin(c echo.Context) error {
	e, err := s.engine(c)
	if err != nil {
		return err
	}
	var req agentLoginRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	req.Device = strings.TrimSpace(req.Device)
	if req.Device == "" || len(req.Device) > 200 {
		return errInvalid("device", "device is required: an extension such as 1001, tel:<number> or raw:<dial string>")
	}
	p := principalOf(c)
	if p.Kind != "user" {
		return errInvalid("", "only a user can log in as an agent")
	}
	if strings.HasPrefix(req.Device, "raw:") && p.Role != auth.RoleAdmin && !p.Superadmin() {
		// A raw dial string reaches anything the switch can dial.
		return errInvalid("device", "raw: devices are for admins; use an extension or tel:<number>")
	}
	setAudit(c, p.ID, map[string]any{"device": req.Device, "not_ready": req.NotReady})
	if err := e.Login(c.Request().Context(), acd.LoginRequest{AgentID: p.ID, Device: req.Device, WorkNumber: req.WorkNumber, NotReady: req.NotReady}); err != nil {
		return acdError(err)
	}
	return s.agentView(c, e, p.ID)
}

func (s *Server) agentSimple(f func(context.Context, *acd.Engine, string) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		e, err := s.engine(c)
		if err != nil {
			return err
		}
		id := principalOf(c).ID
		setAudit(c, id, nil)
		if err := f(c.Request().Context(), e, id); err != nil {
			return acdError(err)
		}
		return s.agentView(c, e, id)
	}
}

func (s *Server) agentNotReady(c echo.Context) error {
	e, err := s.engine(c)
	if err != nil {
		return err
	}
	var req notReadyRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	req.Reason = strings.TrimSpace(req.Reason)
	if req.Reason == "" || len(req.Reason) > 40 {
		return errInvalid("reason", "reason is required (break, lunch, training, ...), at most 40 characters")
	}
	id := principalOf(c).ID
	setAudit(c, id, map[string]any{"reason": req.Reason})
	res, err := e.NotReady(c.Request().Context(), id, req.Reason)
	if err != nil {
		return acdError(err)
	}
	return c.JSON(http.StatusOK, res)
}

func (s *Server) agentExtend(c echo.Context) error {
	e, err := s.engine(c)
	if err != nil {
		return err
	}
	var req extendRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Seconds < 1 || req.Seconds > 3600 {
		return errInvalid("seconds", "seconds must be 1-3600")
	}
	id := principalOf(c).ID
	setAudit(c, id, map[string]any{"seconds": req.Seconds})
	if err := e.ExtendWrapUp(c.Request().Context(), id, time.Duration(req.Seconds)*time.Second); err != nil {
		return acdError(err)
	}
	return s.agentView(c, e, id)
}

func (s *Server) supervisorSnapshot(c echo.Context) error {
	e, err := s.engine(c)
	if err != nil {
		return err
	}
	snap, err := e.Snapshot(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, snap)
}

func (s *Server) supervisorForce(c echo.Context) error {
	e, err := s.engine(c)
	if err != nil {
		return err
	}
	var req forceRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	agent, by := c.Param("id"), principalOf(c).Name
	ctx := c.Request().Context()
	setAudit(c, agent, map[string]any{"action": req.Action, "reason": req.Reason})
	switch req.Action {
	case "logout":
		err = e.ForceLogout(ctx, agent, by)
	case "ready":
		err = e.ForceReady(ctx, agent, by)
	case "not-ready":
		if strings.TrimSpace(req.Reason) == "" {
			return errInvalid("reason", "reason is required for not-ready")
		}
		err = e.ForceNotReady(ctx, agent, req.Reason, by)
	case "end-wrap-up":
		err = e.ForceEndWrapUp(ctx, agent, by)
	default:
		return errInvalid("action", "action must be logout, ready, not-ready or end-wrap-up")
	}
	if err != nil {
		return acdError(err)
	}
	return s.agentView(c, e, agent)
}
