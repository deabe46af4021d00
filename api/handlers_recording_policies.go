package api

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/recording"
	"github.com/ipcc/ipcc/store"
)

type recordingPolicyRequest struct {
	Scope    string `json:"scope"`
	Target   string `json:"target"`
	Inbound  string `json:"inbound"`
	Outbound string `json:"outbound"`
	Note     string `json:"note"`
}

type recordModeResponse struct {
	Mode string `json:"mode"`
}

func (s *Server) addRecordingPolicyRoutes() {
	const tag = "recording policies"
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/recording-policies", Summary: "List recording rules (tenant default, per queue, per agent; inbound and outbound modes always | on_demand | never, empty = inherit)", Tag: tag,
		Roles: rolesSupervisor, Response: []store.RecordingPolicy{}, Handler: s.listRecordingPolicies})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/recording-policies/resolve", Summary: "The mode a call would get (query: queue, agent, direction=inbound|outbound): always anywhere wins, else the most specific rule (agent, queue, tenant), else on_demand", Tag: tag,
		Roles: rolesSupervisor, Response: recordModeResponse{}, Handler: s.resolveRecordingPolicy})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/recording-policies/:id", Summary: "One recording rule", Tag: tag,
		Roles: rolesSupervisor, Response: store.RecordingPolicy{}, Handler: func(c echo.Context) error { return tenantGet(c, s.opt.Store.GetRecordingPolicy) }})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/recording-policies", Summary: "Create a recording rule (one per scope and target)", Tag: tag,
		Roles: rolesAdmin, Request: recordingPolicyRequest{}, Response: store.RecordingPolicy{}, Status: http.StatusCreated, ObjectType: "recording_policy", Handler: s.createRecordingPolicy})
	s.Add(&Route{Method: http.MethodPut, Path: "/api/v1/recording-policies/:id", Summary: "Change a rule's modes and note (scope and target are fixed)", Tag: tag,
		Roles: rolesAdmin, Request: recordingPolicyRequest{}, Response: store.RecordingPolicy{}, ObjectType: "recording_policy", Handler: s.updateRecordingPolicy})
	s.Add(&Route{Method: http.MethodDelete, Path: "/api/v1/recording-policies/:id", Summary: "Delete a recording rule", Tag: tag,
		Roles: rolesAdmin, Status: http.StatusNoContent, ObjectType: "recording_policy", Handler: func(c echo.Context) error { return tenantDelete(c, s.opt.Store.DeleteRecordingPolicy) }})
}

func (s *Server) listRecordingPolicies(c echo.Context) error {
	return tenantList(c, s.opt.Store.ListRecordingPolicies)
}

func (s *Server) resolveRecordingPolicy(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	dir := c.QueryParam("direction")
	if dir == "" {
		dir = recording.Inbound
	}
	if dir != recording.Inbound && dir != recording.Outbound {
		return errInvalid("direction", "direction must be inbound or outbound, got %q", dir)
	}
	rules, err := recording.LoadRules(c.Request().Context(), s.opt.Store, tenant)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, recordModeResponse{Mode: rules.Resolve(c.QueryParam("queue"), c.QueryParam("agent"), dir)})
}

// checkModes validates the two modes ("" = inherit; not both empty).
func checkModes(req *recordingPolicyRequest) error {
	for _, m := range []struct{ field, v string }{{"inbound", req.Inbound}, {"outbound", req.Outbound}} {
		if m.v != "" && !recording.ValidMode(m.v) {
			return errInvalid(m.field, "%s must be always, on_demand, never or empty (inherit), got %q", m.field, m.v)
		}
	}
	if req.Inbound == "" && req.Outbound == "" {
		return errInvalid("inbound", "set inbound and/or outbound: a rule inheriting both changes nothing")
	}
	if len(req.Note) > 500 {
		return errInvalid("note", "note must be at most 500 characters")
	}
	return nil
}

func (s *Server) createRecordingPolicy(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var req recordingPolicyRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	switch req.Scope {
	case recording.ScopeTenant:
		if req.Target != "" {
			return errInvalid("target", "a tenant rule has no target, got %q", req.Target)
		}
	case recording.ScopeQueue:
		if req.Target == "" {
			return errInvalid("target", "target must name the queue")
		}
		if _, err := s.opt.Store.GetACDQueue(ctx, tenant, req.Target); err != nil {
			if store.IsNotFound(err) {
				return errInvalid("target", "no queue %q in this tenant", req.Target)
			}
			return err
		}
	case recording.ScopeAgent:
		if req.Target == "" {
			return errInvalid("target", "target must name the agent (user id)")
		}
		if _, err := s.opt.Store.GetUser(ctx, tenant, req.Target); err != nil {
			if store.IsNotFound(err) {
				return errInvalid("target", "no user %q in this tenant", req.Target)
			}
			return err
		}
	default:
		return errInvalid("scope", "scope must be tenant, queue or agent, got %q", req.Scope)
	}
	if err := checkModes(&req); err != nil {
		return err
	}
	p := &store.RecordingPolicy{TenantID: tenant, ID: uuid.NewString(), Scope: req.Scope, Target: req.Target, Inbound: req.Inbound, Outbound: req.Outbound,
		Note: req.Note, UpdatedBy: principalOf(c).Name}
	setAudit(c, p.ID, map[string]any{"scope": p.Scope, "target": p.Target, "inbound": p.Inbound, "outbound": p.Outbound})
	if err := s.opt.Store.CreateRecordingPolicy(ctx, p); err != nil {
		if store.IsConflict(err) {
			return &Error{Status: http.StatusConflict, Code: "conflict", Message: "a rule for this " + req.Scope + " already exists: change it with PUT", Field: "target"}
		}
		return err
	}
	return c.JSON(http.StatusCreated, p)
}

func (s *Server) updateRecordingPolicy(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p, err := s.opt.Store.GetRecordingPolicy(ctx, tenant, c.Param("id"))
	if err != nil {
		return err
	}
	var req recordingPolicyRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Scope != "" && req.Scope != p.Scope {
		return errInvalid("scope", "scope cannot change (%s): delete the rule and create another", p.Scope)
	}
	if req.Target != "" && req.Target != p.Target {
		return errInvalid("target", "target cannot change (%q): delete the rule and create another", p.Target)
	}
	if err := checkModes(&req); err != nil {
		return err
	}
	p.Inbound, p.Outbound, p.Note, p.UpdatedBy = req.Inbound, req.Outbound, req.Note, principalOf(c).Name
	setAudit(c, p.ID, map[string]any{"inbound": p.Inbound, "outbound": p.Outbound})
	if err := s.opt.Store.UpdateRecordingPolicy(ctx, p); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}
