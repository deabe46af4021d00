package api

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/quota"
	"github.com/ipcc/ipcc/store"
)

// quotaRequest sets every limit of a tenant at once; 0 (or a field left
// out) is unlimited (docs/tenants.md).
type quotaRequest struct {
	// MaxAgents signed in at once.
	MaxAgents int `json:"max_agents"`
	// MaxCalls in progress at once: inbound, PSTN and web together, and
	// outbound calls to external numbers (docs/tenants.md).
	MaxCalls int `json:"max_calls"`
	// MaxWebCalls in progress at once from browser phones.
	MaxWebCalls int `json:"max_web_calls"`
	// MaxCPS new calls per second, inbound and outbound.
	MaxCPS int `json:"max_cps"`
	// MaxFlows IVR flows (drafts included).
	MaxFlows int `json:"max_flows"`
	// MaxRecordingBytes of recordings stored.
	MaxRecordingBytes int64 `json:"max_recording_bytes"`
}

// tenantUsage is what a tenant uses now against its quota.
type tenantUsage struct {
	Tenant    string            `json:"tenant"`
	Suspended bool              `json:"suspended"`
	Quota     store.TenantQuota `json:"quota"`
	// AgentsSignedIn counts agents not logged out.
	AgentsSignedIn int `json:"agents_signed_in"`
	// Calls in progress (WebCalls of them from browser phones) and CPS,
	// the calls admitted in the last second, as this controller counts
	// them.
	Calls          int64 `json:"calls"`
	WebCalls       int64 `json:"web_calls"`
	CPS            int64 `json:"cps"`
	Flows          int   `json:"flows"`
	RecordingBytes int64 `json:"recording_bytes"`
	// LastHits is when each limit last refused something (since the
	// controller started), by limit name.
	LastHits map[string]time.Time `json:"last_hits"`
}

func (s *Server) addQuotaRoutes() {
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/tenants/:id/usage", Summary: "A tenant's quota and what it uses now (agents signed in, calls, calls per second, flows, recording storage)", Tag: "tenants", Roles: rolesSuper, Platform: true, Response: tenantUsage{}, Handler: s.getTenantUsage})
	s.Add(&Route{Method: http.MethodPut, Path: "/api/v1/tenants/:id/quota", Summary: "Set a tenant's quota (every limit at once; 0 is unlimited)", Tag: "tenants", Roles: rolesSuper, Platform: true, Request: quotaRequest{}, Response: store.TenantQuota{}, ObjectType: "tenant_quota", Handler: s.putTenantQuota})
}

func (s *Server) putTenantQuota(c echo.Context) error {
	var req quotaRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		v    int64
	}{{"max_agents", int64(req.MaxAgents)}, {"max_calls", int64(req.MaxCalls)}, {"max_web_calls", int64(req.MaxWebCalls)}, {"max_cps", int64(req.MaxCPS)},
		{"max_flows", int64(req.MaxFlows)}, {"max_recording_bytes", req.MaxRecordingBytes}} {
		if f.v < 0 {
			return errInvalid(f.name, "%s must be 0 (unlimited) or more, got %d", f.name, f.v)
		}
	}
	if req.MaxWebCalls > 0 && req.MaxCalls > 0 && req.MaxWebCalls > req.MaxCalls {
		return errInvalid("max_web_calls", "max_web_calls (%d) cannot exceed max_calls (%d): web calls are part of all calls", req.MaxWebCalls, req.MaxCalls)
	}
	id := c.Param("id")
	q := &store.TenantQuota{TenantID: id, MaxAgents: req.MaxAgents, MaxCalls: req.MaxCalls, MaxWebCalls: req.MaxWebCalls, MaxCPS: req.MaxCPS,
		MaxFlows: req.MaxFlows, MaxRecordingBytes: req.MaxRecordingBytes}
	setAudit(c, id, map[string]any{"max_agents": q.MaxAgents, "max_calls": q.MaxCalls, "max_web_calls": q.MaxWebCalls, "max_cps": q.MaxCPS,
		"max_flows": q.MaxFlows, "max_recording_bytes": q.MaxRecordingBytes})
	if err := s.opt.Store.SetTenantQuota(c.Request().Context(), q); err != nil {
		return err
	}
	if s.opt.Quota != nil {
		s.opt.Quota.Invalidate(id)
	}
	return c.JSON(http.StatusOK, q)
}

func (s *Server) getTenantUsage(c echo.Context) error {
	ctx := c.Request().Context()
	id := c.Param("id")
	t, err := s.opt.Store.GetTenant(ctx, id)
	if err != nil {
		return err
	}
	q, err := s.opt.Store.GetTenantQuota(ctx, id)
	if err != nil {
		return err
	}
	u := tenantUsage{Tenant: id, Suspended: t.Disabled, Quota: *q, LastHits: map[string]time.Time{}}
	if u.Flows, err = s.opt.Store.CountFlows(ctx, id); err != nil {
		return err
	}
	if u.RecordingBytes, err = s.opt.Store.RecordingBytes(ctx, id); err != nil {
		return err
	}
	if s.opt.Quota != nil {
		l := s.opt.Quota.Live(id)
		u.Calls, u.WebCalls, u.CPS = l.Calls, l.WebCalls, l.CPS
		for k, at := range l.LastHits {
			u.LastHits[string(k)] = at
		}
	}
	if s.opt.ACD != nil {
		if u.AgentsSignedIn, err = s.signedIn(ctx, id); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, u)
}

// signedIn counts the tenant's agents who are not logged out.
func (s *Server) signedIn(ctx context.Context, tenant string) (int, error) {
	e, err := s.opt.ACD.Engine(ctx, tenant)
	if err != nil {
		return 0, acdError(err)
	}
	snap, err := e.Snapshot(ctx)
	if err != nil {
		return 0, acdError(err)
	}
	n := 0
	for _, a := range snap.Agents {
		if a.State != acd.LoggedOut {
			n++
		}
	}
	return n, nil
}

// checkAgentSignIn refuses agentID's sign-in when the tenant's signed-in
// agents fill its quota (an agent already signed in may sign in again,
// to change device). The caller holds s.signIns.
func (s *Server) checkAgentSignIn(ctx context.Context, e *acd.Engine, tenant, agentID string) error {
	if s.opt.Quota == nil {
		return nil
	}
	snap, err := e.Snapshot(ctx)
	if err != nil {
		return acdError(err)
	}
	n := 0
	for _, a := range snap.Agents {
		if a.State == acd.LoggedOut {
			continue
		}
		if a.AgentID == agentID {
			return nil
		}
		n++
	}
	return s.opt.Quota.CheckAgentSignIn(ctx, tenant, n)
}

// insertFlow stores a new flow unless it would go over the tenant's flow
// quota; the check and the insert are one step for this controller (the
// active one takes every change: a standby forwards them).
func (s *Server) insertFlow(ctx context.Context, f *store.Flow) error {
	if s.opt.Quota != nil {
		s.newFlows.Lock()
		defer s.newFlows.Unlock()
		if err := s.opt.Quota.CheckNewFlow(ctx, f.TenantID); err != nil {
			return err
		}
	}
	return s.opt.Store.CreateFlow(ctx, f)
}

// quotaError is the API shape of a quota refusal: 429 quota_exceeded,
// naming the limit in field.
func quotaError(err error) *Error {
	var ex *quota.ExceededError
	if !errors.As(err, &ex) {
		return nil
	}
	return &Error{Status: http.StatusTooManyRequests, Code: "quota_exceeded", Field: string(ex.Limit), Message: ex.Error()}
}

// suspendTenant cuts a suspended tenant off: its WebSocket streams close
// at once and its signed-in agents are logged out (tokens were revoked by
// the store). Other tenants are not touched.
func (s *Server) suspendTenant(ctx context.Context, tenant, by string) {
	n := s.wsCut(tenant)
	s.log.Info("tenant suspended", "tenant", tenant, "websockets_closed", n)
	if s.opt.Quota != nil {
		s.opt.Quota.Invalidate(tenant)
	}
	if s.opt.ACD == nil {
		return
	}
	e, err := s.opt.ACD.Engine(ctx, tenant)
	if err != nil {
		s.log.Warn("suspended tenant's agents not logged out", "tenant", tenant, "err", err)
		return
	}
	snap, err := e.Snapshot(ctx)
	if err != nil {
		s.log.Warn("suspended tenant's agents not logged out", "tenant", tenant, "err", err)
		return
	}
	for _, a := range snap.Agents {
		if a.State == acd.LoggedOut {
			continue
		}
		if err := e.ForceLogout(ctx, a.AgentID, by); err != nil {
			s.log.Warn("suspended tenant's agent not logged out", "tenant", tenant, "agent", a.AgentID, "err", err)
		}
	}
}

// wsSockets are the open WebSocket streams by tenant, so suspending a
// tenant closes its streams at once.
type wsSockets struct {
	mu   sync.Mutex
	next int
	by   map[string]map[int]chan struct{}
}

// wsJoin registers a stream of the tenant; cut is closed when the tenant
// is suspended; leave unregisters it.
func (s *Server) wsJoin(tenant string) (cut <-chan struct{}, leave func()) {
	w := &s.sockets
	ch := make(chan struct{})
	w.mu.Lock()
	if w.by == nil {
		w.by = map[string]map[int]chan struct{}{}
	}
	if w.by[tenant] == nil {
		w.by[tenant] = map[int]chan struct{}{}
	}
	id := w.next
	w.next++
	w.by[tenant][id] = ch
	w.mu.Unlock()
	return ch, func() {
		w.mu.Lock()
		delete(w.by[tenant], id)
		if len(w.by[tenant]) == 0 {
			delete(w.by, tenant)
		}
		w.mu.Unlock()
	}
}

// wsCut closes every stream of the tenant and says how many.
func (s *Server) wsCut(tenant string) int {
	w := &s.sockets
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for id, ch := range w.by[tenant] {
		close(ch)
		delete(w.by[tenant], id)
		n++
	}
	return n
}
