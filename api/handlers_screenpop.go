package api

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/crm"
	"github.com/ipcc/ipcc/store"
)

type screenPopRequest struct {
	// URLTemplate: the CRM page agents open, with {caller}, {did},
	// {call_id}, {queue}, {agent}, {tenant}, {caller_name}, {var.NAME}
	// (docs/crm.md); empty = no pop at this level.
	URLTemplate string `json:"url_template"`
	// Mode: link (default) or iframe.
	Mode string `json:"mode"`
	// LookupURL (tenant level only): the pre-routing caller lookup's GET
	// template (same variables); empty = no lookup.
	LookupURL       string `json:"lookup_url"`
	LookupTimeoutMS int64  `json:"lookup_timeout_ms"`
	LookupCacheMS   int64  `json:"lookup_cache_ms"`
}

type screenPopRender struct {
	CallID string            `json:"call_id"`
	Queue  string            `json:"queue"`
	Caller string            `json:"caller"`
	DID    string            `json:"did"`
	Vars   map[string]string `json:"vars"`
}

func (s *Server) addScreenPopRoutes() {
	const tag = "crm"
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/screen-pops", Summary: "The tenant's CRM screen pop (queue_id \"\") and the queues' own, with the pre-routing caller lookup", Tag: tag,
		Roles: rolesAdmin, Response: []store.ScreenPop{}, Handler: func(c echo.Context) error { return tenantList(c, s.opt.Store.ListScreenPops) }})
	s.Add(&Route{Method: http.MethodPut, Path: "/api/v1/screen-pops/tenant", Summary: "Set the tenant's screen pop and caller lookup (lookup_url, lookup_timeout_ms default 800 at most 5000, lookup_cache_ms 0 = no cache, at most a day)", Tag: tag,
		Roles: rolesAdmin, Request: screenPopRequest{}, Response: store.ScreenPop{}, ObjectType: "screen_pop", Handler: s.putScreenPop})
	s.Add(&Route{Method: http.MethodPut, Path: "/api/v1/screen-pops/queues/:queue", Summary: "Set a queue's own screen pop (over the tenant's); no lookup at queue level", Tag: tag,
		Roles: rolesAdmin, Request: screenPopRequest{}, Response: store.ScreenPop{}, ObjectType: "screen_pop", Handler: s.putScreenPop})
	s.Add(&Route{Method: http.MethodDelete, Path: "/api/v1/screen-pops/queues/:queue", Summary: "Remove a queue's own screen pop (the tenant's applies)", Tag: tag,
		Roles: rolesAdmin, Status: http.StatusNoContent, ObjectType: "screen_pop", Handler: func(c echo.Context) error {
			tenant, err := tenantRequired(c)
			if err != nil {
				return err
			}
			setAudit(c, c.Param("queue"), nil)
			if err := s.opt.Store.DeleteScreenPop(c.Request().Context(), tenant, c.Param("queue")); err != nil {
				return err
			}
			return c.NoContent(http.StatusNoContent)
		}})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/agent/screen-pop", Summary: "The CRM page for a call offered to you (from the offered event: call_id, queue, caller, did, vars); 404 when none is configured", Tag: "agent",
		Roles: rolesAgents, Request: screenPopRender{}, Response: crm.Pop{}, Handler: s.renderScreenPop})
}

func (s *Server) putScreenPop(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var req screenPopRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	queue := c.Param("queue")
	p := &store.ScreenPop{TenantID: tenant, QueueID: queue, URLTemplate: req.URLTemplate, Mode: req.Mode, LookupURL: req.LookupURL,
		LookupTimeoutMS: req.LookupTimeoutMS, LookupCacheMS: req.LookupCacheMS}
	if pr := principalOf(c); pr != nil {
		p.UpdatedBy = pr.Name
	}
	if p.Mode == "" {
		p.Mode = crm.ModeLink
	}
	if p.Mode != crm.ModeLink && p.Mode != crm.ModeIframe {
		return errInvalid("mode", "mode must be link or iframe, got %q", p.Mode)
	}
	if p.URLTemplate != "" {
		if err := crm.CheckTemplate(p.URLTemplate); err != nil {
			return errInvalid("url_template", "url_template: %v", err)
		}
	}
	if queue != "" && (p.LookupURL != "" || p.LookupTimeoutMS != 0 || p.LookupCacheMS != 0) {
		return errInvalid("lookup_url", "the caller lookup is set for the tenant (PUT /api/v1/screen-pops/tenant): routing runs before the queue is known")
	}
	if p.LookupURL != "" {
		if err := crm.CheckTemplate(p.LookupURL); err != nil {
			return errInvalid("lookup_url", "lookup_url: %v", err)
		}
	}
	if p.LookupTimeoutMS < 0 || p.LookupTimeoutMS > crm.MaxLookupTimeout.Milliseconds() {
		return errInvalid("lookup_timeout_ms", "lookup_timeout_ms must be between 0 (default %d) and %d, got %d", crm.DefaultLookupTimeout.Milliseconds(), crm.MaxLookupTimeout.Milliseconds(), p.LookupTimeoutMS)
	}
	if p.LookupCacheMS < 0 || p.LookupCacheMS > crm.MaxLookupCache.Milliseconds() {
		return errInvalid("lookup_cache_ms", "lookup_cache_ms must be between 0 (no cache) and %d, got %d", crm.MaxLookupCache.Milliseconds(), p.LookupCacheMS)
	}
	if queue != "" {
		if _, err := s.opt.Store.GetACDQueue(c.Request().Context(), tenant, queue); err != nil {
			if store.IsNotFound(err) {
				return errInvalid("queue", "no queue %q in this tenant", queue)
			}
			return err
		}
	}
	setAudit(c, queue, map[string]any{"url_template": p.URLTemplate, "mode": p.Mode, "lookup_url": p.LookupURL})
	if err := s.opt.Store.PutScreenPop(c.Request().Context(), p); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (s *Server) renderScreenPop(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var req screenPopRender
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	v := crm.PopVars{Tenant: tenant, CallID: req.CallID, Caller: req.Caller, DID: req.DID, Queue: req.Queue, Vars: req.Vars}
	if pr := principalOf(c); pr != nil {
		v.Agent = pr.ID
		if u, err := s.opt.Store.GetUser(c.Request().Context(), tenant, pr.ID); err == nil {
			v.WorkNumber = u.WorkNumber
		}
	}
	pop, err := crm.PopFor(c.Request().Context(), s.opt.Store, v)
	if errors.Is(err, crm.ErrNoPop) {
		return &Error{Status: http.StatusNotFound, Code: "not_found", Message: "no screen pop is configured for this queue or tenant"}
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, pop)
}
