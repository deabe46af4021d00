package api

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/store"
)

// Route is one documented API operation. Every /api/v1 route is added
// through Server.Add so that it is authenticated, role-checked, audited and
// present in the OpenAPI document.
type Route struct {
	Method  string
	Path    string // echo style: /api/v1/users/:id
	Summary string
	Tag     string
	// Roles allowed; nil means public (no credentials). Superadmin passes
	// every tenant route (acting in the tenant named by X-IPCC-Tenant).
	Roles []auth.Role
	// Platform routes act on the platform, not a tenant (tenants CRUD).
	Platform bool
	// Request and Response are example values whose types document the
	// bodies in OpenAPI (nil = none).
	Request  any
	Response any
	// Status is the success status (default 200).
	Status int
	// ObjectType names what a mutating call changes, for the audit log.
	ObjectType string
	// QueryToken also accepts the token as ?access_token= (WebSockets from
	// browsers cannot set headers).
	QueryToken bool
	Handler    echo.HandlerFunc
}

// Roles shorthand.
var (
	rolesAdmin      = []auth.Role{auth.RoleAdmin}
	rolesSupervisor = []auth.Role{auth.RoleAdmin, auth.RoleSupervisor}
	rolesAnyone     = []auth.Role{auth.RoleAdmin, auth.RoleSupervisor, auth.RoleQA, auth.RoleAgent}
	rolesSuper      = []auth.Role{auth.RoleSuperadmin}
)

// TenantHeader lets a superadmin act inside a tenant.
const TenantHeader = "X-IPCC-Tenant"

const (
	ctxPrincipal = "ipcc.principal"
	ctxTenant    = "ipcc.tenant"
	ctxObjectID  = "ipcc.object_id"
	ctxAudit     = "ipcc.audit_detail"
)

// Add registers a documented route.
func (s *Server) Add(r *Route) {
	s.routes = append(s.routes, r)
	h := r.Handler
	if r.Roles != nil {
		h = s.authorize(r, h)
	}
	h = checkParams(h)
	if isMutation(r.Method) {
		h = s.audit(r, h)
	}
	s.e.Add(r.Method, r.Path, h)
}

// Routes lists the documented routes.
func (s *Server) Routes() []*Route { return s.routes }

func isMutation(m string) bool {
	return m == http.MethodPost || m == http.MethodPut || m == http.MethodPatch || m == http.MethodDelete
}

// authenticate resolves the caller from a bearer token or an API key.
func (s *Server) authenticate(c echo.Context) (*auth.Principal, error) {
	ctx := c.Request().Context()
	if key := c.Request().Header.Get("X-API-Key"); key != "" {
		return s.opt.Auth.VerifyAPIKey(ctx, key)
	}
	h := c.Request().Header.Get(echo.HeaderAuthorization)
	if tok, ok := strings.CutPrefix(h, "Bearer "); ok && tok != "" {
		return s.opt.Auth.VerifyToken(ctx, strings.TrimSpace(tok))
	}
	return nil, errUnauthenticated
}

func (s *Server) authorize(r *Route, next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if tok := c.QueryParam("access_token"); r.QueryToken && tok != "" && c.Request().Header.Get(echo.HeaderAuthorization) == "" {
			c.Request().Header.Set(echo.HeaderAuthorization, "Bearer "+tok)
		}
		p, err := s.authenticate(c)
		if err != nil {
			if ae := toAPIError(err); ae.Status >= 500 {
				return err
			}
			return errUnauthenticated
		}
		c.Set(ctxPrincipal, p)
		if p.Superadmin() {
			tenant := c.Request().Header.Get(TenantHeader)
			if tenant != "" && !tenantIDRe.MatchString(tenant) {
				return errInvalid(TenantHeader, "%s must be a tenant id: lower-case letters, digits and '-'", TenantHeader)
			}
			if !r.Platform && !slices.Contains(r.Roles, auth.RoleSuperadmin) && tenant == "" {
				return errInvalid(TenantHeader, "a superadmin must name the tenant to act in with the %s header", TenantHeader)
			}
			if tenant != "" {
				if _, err := s.opt.Store.GetTenant(c.Request().Context(), tenant); err != nil {
					if store.IsNotFound(err) {
						return errNotFound("tenant " + tenant)
					}
					return err
				}
			}
			c.Set(ctxTenant, tenant)
			return next(c)
		}
		if r.Platform || !slices.Contains(r.Roles, p.Role) {
			return errForbidden
		}
		c.Set(ctxTenant, p.TenantID)
		return next(c)
	}
}

func principalOf(c echo.Context) *auth.Principal {
	p, _ := c.Get(ctxPrincipal).(*auth.Principal)
	return p
}

// tenantOf is the tenant a request acts in ("" = platform, superadmin only).
func tenantOf(c echo.Context) string {
	t, _ := c.Get(ctxTenant).(string)
	return t
}

// setAudit records what a mutating handler changed.
func setAudit(c echo.Context, objectID string, detail map[string]any) {
	c.Set(ctxObjectID, objectID)
	if detail != nil {
		c.Set(ctxAudit, detail)
	}
}

// audit writes one audit row per mutating call, whatever its outcome.
func (s *Server) audit(r *Route, next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		status := c.Response().Status
		if err != nil {
			status = toAPIError(err).Status
		}
		e := &store.AuditEntry{
			TenantID:   tenantOf(c),
			ActorKind:  "anonymous",
			Action:     r.Method + " " + r.Path,
			ObjectType: r.ObjectType,
			Status:     status,
			RemoteAddr: c.RealIP(),
			RequestID:  c.Response().Header().Get(echo.HeaderXRequestID),
		}
		if p := principalOf(c); p != nil {
			e.ActorID, e.ActorName, e.ActorKind = p.ID, p.Name, p.Kind
		}
		if id, ok := c.Get(ctxObjectID).(string); ok {
			e.ObjectID = id
		} else {
			e.ObjectID = c.Param("id")
		}
		if d, ok := c.Get(ctxAudit).(map[string]any); ok {
			if b, jerr := json.Marshal(d); jerr == nil {
				e.Detail = string(b)
			}
		}
		cleanAudit(e)
		if aerr := s.opt.Store.AddAudit(context.WithoutCancel(c.Request().Context()), e); aerr != nil {
			s.log.Error("audit write failed", "err", aerr, "action", e.Action)
		}
		if err == nil && status < 400 && s.opt.OnChange != nil && r.ObjectType != "" {
			s.opt.OnChange(e.TenantID, r.ObjectType)
		}
		return err
	}
}

func (s *Server) registerRoutes() {
	s.addAuthRoutes()
	s.addTenantRoutes()
	s.addQuotaRoutes()
	s.addUserRoutes()
	s.addAPIKeyRoutes()
	s.addAuditRoutes()
	s.addFlowRoutes()
	s.addRoutingRoutes()
	s.addOutboundRoutes()
	s.addACDRoutes()
	s.addCallRoutes()
	s.addAgentRoutes()
	s.addSuperviseRoutes()
	s.addWSRoutes()
	s.addAgentCallRoutes()
	s.addCallbackRoutes()
	s.addAgentMediaRoutes()
	s.addVoicemailRoutes()
	s.addRecordingRoutes()
	s.addPromptRoutes()
	s.addSMSRoutes()
	s.addRecordingGetRoute()
	s.addReportRoutes()
	s.addCampaignRoutes()
	s.addDesktopRoutes()
	s.addCRMRoutes()
	s.addQARoutes()
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/openapi.json", Summary: "This API's OpenAPI 3 document", Tag: "meta", Handler: s.openAPI})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/version", Summary: "Version of this controller", Tag: "meta", Response: map[string]string{"version": ""},
		Handler: func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"version": s.opt.Version}) }})
}
