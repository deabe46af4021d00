package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/schedule"
	"github.com/ipcc/ipcc/store"
)

// Inbound routing administration: routes, schedules, blacklist, whitelist,
// caller rules and lists, routing settings, and a dry-run of the routing
// decision. Admins edit; supervisors read. The rules themselves live in
// package dialplan and schedule; this file decodes, checks, stores.

type routeRequest struct {
	Name       string                 `json:"name"`
	DID        string                 `json:"did"`
	Enabled    *bool                  `json:"enabled,omitempty"`
	ScheduleID string                 `json:"schedule_id,omitempty"`
	Branches   dialplan.BranchTargets `json:"branches"`
	Default    *dialplan.Target       `json:"default,omitempty"`
	Sticky     dialplan.Sticky        `json:"sticky"`
	Language   string                 `json:"language,omitempty"`
}

type decideRequest struct {
	DID string `json:"did"`
	ANI string `json:"ani"`
	// At is the instant to decide for (RFC 3339); now when empty.
	At        string         `json:"at,omitempty"`
	LastAgent *lastAgentJSON `json:"last_agent,omitempty"`
}

type lastAgentJSON struct {
	AgentID   string    `json:"agent_id"`
	ServedAt  time.Time `json:"served_at"`
	Available bool      `json:"available"`
}

func (s *Server) addRoutingRoutes() {
	const tag = "routing"
	add := func(method, path, summary string, roles []auth.Role, req, resp any, status int, object string, h echo.HandlerFunc) {
		s.Add(&Route{Method: method, Path: path, Summary: summary, Tag: tag, Roles: roles, Request: req, Response: resp, Status: status, ObjectType: object, Handler: h})
	}
	add(http.MethodGet, "/api/v1/routes", "List inbound routes", rolesSupervisor, nil, []dialplan.Route{}, 0, "", s.listRoutes)
	add(http.MethodPost, "/api/v1/routes", "Create an inbound route (DID exact, prefix* or *)", rolesAdmin, routeRequest{}, dialplan.Route{}, http.StatusCreated, "route", s.createRoute)
	add(http.MethodGet, "/api/v1/routes/:id", "Get an inbound route", rolesSupervisor, nil, dialplan.Route{}, 0, "", s.getRoute)
	add(http.MethodPut, "/api/v1/routes/:id", "Replace an inbound route", rolesAdmin, routeRequest{}, dialplan.Route{}, 0, "route", s.putRoute)
	add(http.MethodDelete, "/api/v1/routes/:id", "Delete an inbound route and its route-scoped caller rules", rolesAdmin, nil, nil, http.StatusNoContent, "route", s.deleteRoute)
	add(http.MethodPost, "/api/v1/routes/decide", "Dry-run the routing decision for a DID and caller at a time; returns the decision and its trace", rolesSupervisor, decideRequest{}, dialplan.Decision{}, 0, "", s.decideRoute)

	add(http.MethodGet, "/api/v1/schedules", "List schedules", rolesSupervisor, nil, []schedule.Schedule{}, 0, "", s.listSchedules)
	add(http.MethodPost, "/api/v1/schedules", "Create a schedule (weekly hours, lunch, holidays, special working days)", rolesAdmin, schedule.Schedule{}, schedule.Schedule{}, http.StatusCreated, "schedule", s.createSchedule)
	add(http.MethodGet, "/api/v1/schedules/:id", "Get a schedule", rolesSupervisor, nil, schedule.Schedule{}, 0, "", s.getSchedule)
	add(http.MethodPut, "/api/v1/schedules/:id", "Replace a schedule", rolesAdmin, schedule.Schedule{}, schedule.Schedule{}, 0, "schedule", s.putSchedule)
	add(http.MethodDelete, "/api/v1/schedules/:id", "Delete a schedule no route uses", rolesAdmin, nil, nil, http.StatusNoContent, "schedule", s.deleteSchedule)
	add(http.MethodGet, "/api/v1/schedules/:id/evaluate", "Evaluate a schedule at a time (query: at, RFC 3339; default now): branch, reason and when it next opens", rolesSupervisor, nil, scheduleEvaluation{}, 0, "", s.evaluateSchedule)

	add(http.MethodGet, "/api/v1/blacklist", "List blacklist entries", rolesSupervisor, nil, []dialplan.BlacklistEntry{}, 0, "", s.listBlacklist)
	add(http.MethodPost, "/api/v1/blacklist", "Add a blacklist entry (exact number or prefix)", rolesAdmin, blacklistRequest{}, dialplan.BlacklistEntry{}, http.StatusCreated, "blacklist", s.createBlacklist)
	add(http.MethodGet, "/api/v1/blacklist/export", "Export the blacklist as CSV: number,kind,reason,expires_at", rolesSupervisor, nil, nil, 0, "", s.exportBlacklist)
	add(http.MethodPost, "/api/v1/blacklist/import", "Import CSV rows number,kind,reason,expires_at; any bad row imports nothing", rolesAdmin, nil, importResult{}, 0, "blacklist", s.importBlacklist)
	add(http.MethodGet, "/api/v1/blacklist/:id", "Get a blacklist entry", rolesSupervisor, nil, dialplan.BlacklistEntry{}, 0, "", s.getBlacklist)
	add(http.MethodPut, "/api/v1/blacklist/:id", "Replace a blacklist entry", rolesAdmin, blacklistRequest{}, dialplan.BlacklistEntry{}, 0, "blacklist", s.putBlacklist)
	add(http.MethodDelete, "/api/v1/blacklist/:id", "Delete a blacklist entry", rolesAdmin, nil, nil, http.StatusNoContent, "blacklist", s.deleteBlacklist)

	add(http.MethodGet, "/api/v1/whitelist", "List whitelist (VIP) entries", rolesSupervisor, nil, []dialplan.WhitelistEntry{}, 0, "", s.listWhitelist)
	add(http.MethodPost, "/api/v1/whitelist", "Add a whitelist (VIP) entry with its ACD priority", rolesAdmin, whitelistRequest{}, dialplan.WhitelistEntry{}, http.StatusCreated, "whitelist", s.createWhitelist)
	add(http.MethodGet, "/api/v1/whitelist/export", "Export the whitelist (VIP) as CSV: number,kind,name,priority,expires_at", rolesSupervisor, nil, nil, 0, "", s.exportWhitelist)
	add(http.MethodPost, "/api/v1/whitelist/import", "Import CSV rows number,kind,name,priority,expires_at; any bad row imports nothing and the answer names its line and column", rolesAdmin, nil, importResult{}, 0, "whitelist", s.importWhitelist)
	add(http.MethodGet, "/api/v1/whitelist/:id", "Get a whitelist entry", rolesSupervisor, nil, dialplan.WhitelistEntry{}, 0, "", s.getWhitelist)
	add(http.MethodPut, "/api/v1/whitelist/:id", "Replace a whitelist entry", rolesAdmin, whitelistRequest{}, dialplan.WhitelistEntry{}, 0, "whitelist", s.putWhitelist)
	add(http.MethodDelete, "/api/v1/whitelist/:id", "Delete a whitelist entry", rolesAdmin, nil, nil, http.StatusNoContent, "whitelist", s.deleteWhitelist)

	add(http.MethodGet, "/api/v1/caller-rules", "List caller rules in evaluation order", rolesSupervisor, nil, []dialplan.CallerRule{}, 0, "", s.listCallerRules)
	add(http.MethodPost, "/api/v1/caller-rules", "Create a caller rule (prefix, area or list) with its own target", rolesAdmin, callerRuleRequest{}, dialplan.CallerRule{}, http.StatusCreated, "caller_rule", s.createCallerRule)
	add(http.MethodGet, "/api/v1/caller-rules/:id", "Get a caller rule", rolesSupervisor, nil, dialplan.CallerRule{}, 0, "", s.getCallerRule)
	add(http.MethodPut, "/api/v1/caller-rules/:id", "Replace a caller rule", rolesAdmin, callerRuleRequest{}, dialplan.CallerRule{}, 0, "caller_rule", s.putCallerRule)
	add(http.MethodDelete, "/api/v1/caller-rules/:id", "Delete a caller rule", rolesAdmin, nil, nil, http.StatusNoContent, "caller_rule", s.deleteCallerRule)

	add(http.MethodGet, "/api/v1/caller-lists", "List named caller lists and their sizes", rolesSupervisor, nil, []store.CallerList{}, 0, "", s.listCallerLists)
	add(http.MethodGet, "/api/v1/caller-lists/:name", "Get the numbers of a caller list", rolesSupervisor, nil, callerListView{}, 0, "", s.getCallerList)
	add(http.MethodPut, "/api/v1/caller-lists/:name", "Create or replace a caller list", rolesAdmin, callerListRequest{}, callerListView{}, 0, "caller_list", s.putCallerList)
	add(http.MethodDelete, "/api/v1/caller-lists/:name", "Delete a caller list", rolesAdmin, nil, nil, http.StatusNoContent, "caller_list", s.deleteCallerList)

	add(http.MethodGet, "/api/v1/routing/settings", "Get routing settings (blacklist prompts, default target, country code, area table)", rolesSupervisor, nil, dialplan.Settings{}, 0, "", s.getRoutingSettings)
	add(http.MethodPut, "/api/v1/routing/settings", "Replace routing settings", rolesAdmin, dialplan.Settings{}, dialplan.Settings{}, 0, "routing_settings", s.putRoutingSettings)
}

// routingInvalid turns dialplan/schedule validation errors into one 400 naming the
// first field and listing every problem.
func routingInvalid(err error) error {
	var es schedule.Errors
	if errors.As(err, &es) && len(es) > 0 {
		return errInvalid(es[0].Field, "%s", es.Error())
	}
	return errInvalid("", "%v", err)
}

func routingConflict(err error, field, format string, args ...any) error {
	if store.IsConflict(err) {
		return &Error{Status: http.StatusConflict, Code: "conflict", Message: fmt.Sprintf(format, args...), Field: field}
	}
	return err
}

// ---- routes

func (s *Server) listRoutes(c echo.Context) error { return tenantList(c, s.opt.Store.ListRoutes) }

func (s *Server) routeFromRequest(c echo.Context, tenant string) (*dialplan.Route, error) {
	var req routeRequest
	if err := decodeJSON(c, &req); err != nil {
		return nil, err
	}
	r := &dialplan.Route{Name: strings.TrimSpace(req.Name), DID: dialplan.Clean(req.DID), Enabled: req.Enabled == nil || *req.Enabled,
		ScheduleID: req.ScheduleID, Branches: req.Branches, Default: req.Default, Sticky: req.Sticky, Language: req.Language}
	if err := r.Validate(); err != nil {
		return nil, routingInvalid(err)
	}
	if r.ScheduleID != "" {
		if _, err := s.opt.Store.GetSchedule(c.Request().Context(), tenant, r.ScheduleID); store.IsNotFound(err) {
			return nil, errInvalid("schedule_id", "no schedule %q in this tenant", r.ScheduleID)
		} else if err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (s *Server) createRoute(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	r, err := s.routeFromRequest(c, tenant)
	if err != nil {
		return err
	}
	if err := s.opt.Store.CreateRoute(c.Request().Context(), tenant, r); err != nil {
		return routingConflict(err, "did", "another route already has DID pattern %s", r.DID)
	}
	setAudit(c, r.ID, map[string]any{"name": r.Name, "did": r.DID})
	return c.JSON(http.StatusCreated, r)
}

func (s *Server) getRoute(c echo.Context) error { return tenantGet(c, s.opt.Store.GetRoute) }

func (s *Server) putRoute(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	old, err := s.opt.Store.GetRoute(ctx, tenant, c.Param("id"))
	if err != nil {
		return err
	}
	r, err := s.routeFromRequest(c, tenant)
	if err != nil {
		return err
	}
	r.ID, r.CreatedAt = old.ID, old.CreatedAt
	setAudit(c, r.ID, map[string]any{"name": r.Name, "did": r.DID, "enabled": r.Enabled})
	if err := s.opt.Store.UpdateRoute(ctx, tenant, r); err != nil {
		return routingConflict(err, "did", "another route already has DID pattern %s", r.DID)
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Server) deleteRoute(c echo.Context) error { return tenantDelete(c, s.opt.Store.DeleteRoute) }

func (s *Server) decideRoute(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var req decideRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.DID) == "" {
		return errInvalid("did", "did is required")
	}
	at, err := parseRoutingTime(req.At, "at")
	if err != nil {
		return err
	}
	tr, err := s.opt.Store.LoadRouting(c.Request().Context(), tenant)
	if err != nil {
		return err
	}
	in := dialplan.Inbound{Tenant: tenant, DID: req.DID, ANI: req.ANI}
	if la := req.LastAgent; la != nil {
		in.LastAgent = &dialplan.LastAgent{AgentID: la.AgentID, ServedAt: la.ServedAt, Available: la.Available}
	}
	return c.JSON(http.StatusOK, dialplan.Decide(in, tr, at))
}

func parseRoutingTime(v, field string) (time.Time, error) {
	if v == "" {
		return time.Now(), nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, errInvalid(field, "%s must be an RFC 3339 time such as 2026-10-01T10:00:00+08:00", field)
	}
	return t, nil
}

// ---- schedules

func (s *Server) listSchedules(c echo.Context) error { return tenantList(c, s.opt.Store.ListSchedules) }

func decodeSchedule(c echo.Context) (*schedule.Schedule, error) {
	var sc schedule.Schedule
	if err := decodeJSON(c, &sc); err != nil {
		return nil, err
	}
	sc.Name = strings.TrimSpace(sc.Name)
	if sc.ID != "" && !store.ValidSlug(sc.ID) {
		return nil, errInvalid("id", "id %q must be 1-63 letters, digits, '-', '_' or '.'", sc.ID)
	}
	if err := sc.Validate(); err != nil {
		return nil, routingInvalid(err)
	}
	return &sc, nil
}

func (s *Server) createSchedule(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	sc, err := decodeSchedule(c)
	if err != nil {
		return err
	}
	if err := s.opt.Store.CreateSchedule(c.Request().Context(), tenant, sc); err != nil {
		return routingConflict(err, "name", "a schedule named %q exists already", sc.Name)
	}
	setAudit(c, sc.ID, map[string]any{"name": sc.Name, "timezone": sc.Timezone})
	return c.JSON(http.StatusCreated, sc)
}

func (s *Server) getSchedule(c echo.Context) error { return tenantGet(c, s.opt.Store.GetSchedule) }

func (s *Server) putSchedule(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	sc, err := decodeSchedule(c)
	if err != nil {
		return err
	}
	sc.ID = c.Param("id")
	setAudit(c, sc.ID, map[string]any{"name": sc.Name, "timezone": sc.Timezone})
	if err := s.opt.Store.UpdateSchedule(c.Request().Context(), tenant, sc); err != nil {
		return routingConflict(err, "name", "a schedule named %q exists already", sc.Name)
	}
	return c.JSON(http.StatusOK, sc)
}

func (s *Server) deleteSchedule(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	if err := s.opt.Store.DeleteSchedule(c.Request().Context(), tenant, c.Param("id")); err != nil {
		if store.IsConflict(err) {
			return &Error{Status: http.StatusConflict, Code: "conflict", Message: "the schedule is in use: " + strings.TrimPrefix(conflictMessage(err), store.ErrConflict.Error()+": ") + "; point those routes elsewhere first"}
		}
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) evaluateSchedule(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	at, err := parseRoutingTime(c.QueryParam("at"), "at")
	if err != nil {
		return err
	}
	sc, err := s.opt.Store.GetSchedule(c.Request().Context(), tenant, c.Param("id"))
	if err != nil {
		return err
	}
	out := scheduleEvaluation{Result: sc.Evaluate(at)}
	if next, ok := sc.NextOpen(at); ok {
		out.NextOpen = &next
	}
	return c.JSON(http.StatusOK, out)
}

// scheduleEvaluation is a schedule's branch at a time and when it next opens
// (absent when it does not open within a year).
type scheduleEvaluation struct {
	schedule.Result
	NextOpen *time.Time `json:"next_open,omitempty"`
}
