package api

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/store"
)

var tenantIDRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

type tenantRequest struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Timezone string `json:"timezone"`
}

type tenantPatch struct {
	Name     *string `json:"name,omitempty"`
	Timezone *string `json:"timezone,omitempty"`
	Disabled *bool   `json:"disabled,omitempty"`
}

func (s *Server) addTenantRoutes() {
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/tenants", Summary: "List tenants", Tag: "tenants", Roles: rolesSuper, Platform: true, Response: []store.Tenant{}, Handler: s.listTenants})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/tenants", Summary: "Create a tenant", Tag: "tenants", Roles: rolesSuper, Platform: true, Request: tenantRequest{}, Response: store.Tenant{}, Status: http.StatusCreated, ObjectType: "tenant", Handler: s.createTenant})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/tenants/:id", Summary: "Get a tenant", Tag: "tenants", Roles: rolesSuper, Platform: true, Response: store.Tenant{}, Handler: s.getTenant})
	s.Add(&Route{Method: http.MethodPatch, Path: "/api/v1/tenants/:id", Summary: "Change a tenant's name, time zone or disabled flag (disabled suspends it: calls refused with a prompt, sessions cut)", Tag: "tenants", Roles: rolesSuper, Platform: true, Request: tenantPatch{}, Response: store.Tenant{}, ObjectType: "tenant", Handler: s.patchTenant})
	s.Add(&Route{Method: http.MethodDelete, Path: "/api/v1/tenants/:id", Summary: "Delete a tenant that has no users or API keys left", Tag: "tenants", Roles: rolesSuper, Platform: true, Status: http.StatusNoContent, ObjectType: "tenant", Handler: s.deleteTenant})
}

func validTimezone(tz string) error {
	if tz == "" || tz == "Local" {
		return errInvalid("timezone", "timezone must be an IANA name such as Asia/Shanghai")
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return errInvalid("timezone", "unknown timezone %q (use an IANA name such as Asia/Shanghai)", tz)
	}
	return nil
}

func (s *Server) listTenants(c echo.Context) error {
	ts, err := s.opt.Store.ListTenants(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ts)
}

func (s *Server) createTenant(c echo.Context) error {
	var req tenantRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if !tenantIDRe.MatchString(req.ID) {
		return errInvalid("id", "id must be 1-63 lower-case letters, digits or '-', starting with a letter or digit")
	}
	if strings.TrimSpace(req.Name) == "" {
		return errInvalid("name", "name is required")
	}
	if req.Timezone == "" {
		req.Timezone = "UTC"
	}
	if err := validTimezone(req.Timezone); err != nil {
		return err
	}
	t := &store.Tenant{ID: req.ID, Name: strings.TrimSpace(req.Name), Timezone: req.Timezone}
	setAudit(c, req.ID, map[string]any{"name": t.Name, "timezone": t.Timezone})
	if err := s.opt.Store.CreateTenant(c.Request().Context(), t); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, t)
}

func (s *Server) getTenant(c echo.Context) error {
	t, err := s.opt.Store.GetTenant(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

func (s *Server) patchTenant(c echo.Context) error {
	var req tenantPatch
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	t, err := s.opt.Store.GetTenant(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	if req.Name != nil {
		if strings.TrimSpace(*req.Name) == "" {
			return errInvalid("name", "name must not be empty")
		}
		t.Name = strings.TrimSpace(*req.Name)
	}
	if req.Timezone != nil {
		if err := validTimezone(*req.Timezone); err != nil {
			return err
		}
		t.Timezone = *req.Timezone
	}
	wasDisabled := t.Disabled
	if req.Disabled != nil {
		t.Disabled = *req.Disabled
	}
	setAudit(c, t.ID, map[string]any{"name": t.Name, "timezone": t.Timezone, "disabled": t.Disabled})
	if err := s.opt.Store.UpdateTenant(c.Request().Context(), t); err != nil {
		return err
	}
	switch {
	case t.Disabled && !wasDisabled:
		// Suspended: calls are refused with the suspended prompt, streams
		// and agents cut (docs/tenants.md).
		s.suspendTenant(context.WithoutCancel(c.Request().Context()), t.ID, actorName(c))
	case !t.Disabled && wasDisabled && s.opt.Quota != nil:
		s.opt.Quota.Invalidate(t.ID)
	}
	return c.JSON(http.StatusOK, t)
}

func (s *Server) deleteTenant(c echo.Context) error {
	if err := s.opt.Store.DeleteTenant(c.Request().Context(), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type userRequest struct {
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`
	Password    string `json:"password"`
	// Devices assigned to the user (see docs/acd.md, "Devices").
	Devices []string `json:"devices,omitempty"`
	// WorkNumber is the agent's work number (工号), announced to callers:
	// 1-16 letters and digits, unique in the tenant; omitted, none.
	WorkNumber string `json:"work_number,omitempty"`
	// Group is the agent's group (班组): free text of at most 64
	// characters naming the team (the supervisor console filters by it);
	// omitted, none.
	Group string `json:"group,omitempty"`
}

type userPatch struct {
	DisplayName *string `json:"display_name,omitempty"`
	Role        *string `json:"role,omitempty"`
	Password    *string `json:"password,omitempty"`
	Disabled    *bool   `json:"disabled,omitempty"`
	// Devices, when given, replace the user's devices ([] removes them).
	Devices *[]string `json:"devices,omitempty"`
	// WorkNumber, when given, replaces the work number ("" removes it; a
	// logged-in agent is announced with the new one from their next call).
	WorkNumber *string `json:"work_number,omitempty"`
	// Group, when given, replaces the agent's group (班组; "" removes it).
	Group *string `json:"group,omitempty"`
}

// maxGroup is how many characters an agent's group name may have.
const maxGroup = 64

// cleanGroup checks an agent's group (班组) an admin gives: trimmed, at
// most maxGroup characters, printable text. "" means none.
func cleanGroup(g string) (string, error) {
	g = strings.TrimSpace(g)
	if n := utf8.RuneCountInString(g); n > maxGroup {
		return "", errInvalid("group", "group must be at most %d characters, got %d", maxGroup, n)
	}
	if controller.CleanText(g, maxGroup) != g {
		return "", errInvalid("group", "group must be printable text (no control characters or invalid UTF-8): %q", g)
	}
	return g, nil
}

func (s *Server) addUserRoutes() {
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/users", Summary: "List the tenant's users", Tag: "users", Roles: rolesSupervisor, Response: []userView{}, Handler: s.listUsers})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/users", Summary: "Create a user (admin, supervisor, qa or agent)", Tag: "users", Roles: rolesAdmin, Request: userRequest{}, Response: userView{}, Status: http.StatusCreated, ObjectType: "user", Handler: s.createUser})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/users/:id", Summary: "Get a user", Tag: "users", Roles: rolesSupervisor, Response: userView{}, Handler: s.getUser})
	s.Add(&Route{Method: http.MethodPatch, Path: "/api/v1/users/:id", Summary: "Change a user's display name, role, password, disabled flag, devices, work number or group (a password, role or disabled change ends the user's sessions)", Tag: "users", Roles: rolesAdmin, Request: userPatch{}, Response: userView{}, ObjectType: "user", Handler: s.patchUser})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/users/:id/logout", Summary: "End every session of a user: all their tokens stop working (a password, role or disabled change does this too)", Tag: "users", Roles: rolesAdmin, Status: http.StatusNoContent, ObjectType: "user", Handler: s.logoutUser})
	s.Add(&Route{Method: http.MethodDelete, Path: "/api/v1/users/:id", Summary: "Delete a user", Tag: "users", Roles: rolesAdmin, Status: http.StatusNoContent, ObjectType: "user", Handler: s.deleteUser})
}

// tenantRequired refuses platform context on tenant routes.
func tenantRequired(c echo.Context) (string, error) {
	t := tenantOf(c)
	if t == "" {
		return "", errInvalid(TenantHeader, "name the tenant with the %s header", TenantHeader)
	}
	return t, nil
}

func (s *Server) listUsers(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	us, err := s.opt.Store.ListUsers(c.Request().Context(), tenant)
	if err != nil {
		return err
	}
	devices, err := s.opt.Store.TenantUserDevices(c.Request().Context(), tenant)
	if err != nil {
		return err
	}
	out := make([]*userView, 0, len(us))
	for i := range us {
		out = append(out, viewUser(&us[i], devices[us[i].ID]))
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) createUser(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var req userRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := auth.ValidUsername(req.Username); err != nil {
		return errInvalid("username", "%v", err)
	}
	role, err := auth.ParseTenantRole(req.Role)
	if err != nil {
		return errInvalid("role", "%v", err)
	}
	if err := auth.CheckPasswordStrength(req.Password); err != nil {
		return errInvalid("password", "%v", err)
	}
	devices, err := cleanDevices(req.Devices)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	wn, err := s.freeWorkNumber(ctx, tenant, "", req.WorkNumber)
	if err != nil {
		return err
	}
	group, err := cleanGroup(req.Group)
	if err != nil {
		return err
	}
	setAudit(c, "", map[string]any{"username": req.Username, "role": req.Role})
	u := &store.User{TenantID: tenant, Username: req.Username, DisplayName: strings.TrimSpace(req.DisplayName), Role: string(role), WorkNumber: wn, Group: group}
	if err := s.opt.Auth.AddUser(ctx, u, req.Password); err != nil {
		if store.IsConflict(err) {
			if _, nerr := s.opt.Store.GetUserByName(ctx, tenant, req.Username); nerr != nil && wn != "" {
				return workNumberTaken(wn, "")
			}
			return &Error{Status: http.StatusConflict, Code: "conflict", Message: "username " + req.Username + " is taken in this tenant", Field: "username"}
		}
		return err
	}
	setAudit(c, u.ID, map[string]any{"username": u.Username, "role": u.Role, "devices": devices, "work_number": u.WorkNumber, "group": u.Group})
	if err := s.opt.Store.SetUserDevices(ctx, tenant, u.ID, devices); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, viewUser(u, devices))
}

func (s *Server) getUser(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	u, err := s.opt.Store.GetUser(c.Request().Context(), tenant, c.Param("id"))
	if err != nil {
		return err
	}
	devices, err := s.opt.Store.UserDevices(c.Request().Context(), tenant, u.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewUser(u, devices))
}

func (s *Server) patchUser(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var req userPatch
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	u, err := s.opt.Store.GetUser(ctx, tenant, c.Param("id"))
	if err != nil {
		return err
	}
	changed := map[string]any{}
	if req.DisplayName != nil {
		u.DisplayName = strings.TrimSpace(*req.DisplayName)
		changed["display_name"] = u.DisplayName
	}
	if req.Role != nil {
		role, err := auth.ParseTenantRole(*req.Role)
		if err != nil {
			return errInvalid("role", "%v", err)
		}
		u.Role = string(role)
		changed["role"] = u.Role
	}
	if req.Disabled != nil {
		u.Disabled = *req.Disabled
		changed["disabled"] = u.Disabled
	}
	if p := principalOf(c); p.ID == u.ID && (u.Disabled || u.Role != string(auth.RoleAdmin)) {
		return &Error{Status: http.StatusConflict, Code: "conflict", Message: "you may not disable or demote yourself", Field: "role"}
	}
	if req.Password != nil {
		if err := auth.CheckPasswordStrength(*req.Password); err != nil {
			return errInvalid("password", "%v", err)
		}
		changed["password"] = "changed"
	}
	var devices []string
	if req.Devices != nil {
		if devices, err = cleanDevices(*req.Devices); err != nil {
			return err
		}
		changed["devices"] = devices
	}
	if req.WorkNumber != nil {
		if u.WorkNumber, err = s.freeWorkNumber(ctx, tenant, u.ID, *req.WorkNumber); err != nil {
			return err
		}
		changed["work_number"] = u.WorkNumber
	}
	if req.Group != nil {
		if u.Group, err = cleanGroup(*req.Group); err != nil {
			return err
		}
		changed["group"] = u.Group
	}
	setAudit(c, u.ID, changed)
	if req.Password != nil {
		err = s.opt.Auth.SetPassword(ctx, u, *req.Password)
	} else {
		err = s.opt.Store.UpdateUser(ctx, u)
	}
	if store.IsConflict(err) && req.WorkNumber != nil {
		return workNumberTaken(u.WorkNumber, "")
	}
	if err != nil {
		return err
	}
	if req.WorkNumber != nil && s.opt.ACD != nil {
		// A logged-in agent is announced with the new number from now on.
		if e, err := s.opt.ACD.Engine(ctx, tenant); err == nil {
			if err := e.SetWorkNumber(ctx, u.ID, u.WorkNumber); err != nil {
				s.log.Warn("work number not applied to the logged-in agent", "tenant", tenant, "agent", u.ID, "err", err)
			}
		}
	}
	if req.Devices != nil {
		if err := s.opt.Store.SetUserDevices(ctx, tenant, u.ID, devices); err != nil {
			return err
		}
	} else if devices, err = s.opt.Store.UserDevices(ctx, tenant, u.ID); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, viewUser(u, devices))
}

// freeWorkNumber checks a work number an admin gives user id ("" for a
// new user): letters and digits, not another user's in the tenant. ""
// means none.
func (s *Server) freeWorkNumber(ctx context.Context, tenant, id, wn string) (string, error) {
	wn, err := acd.CleanWorkNumber(wn)
	if err != nil {
		return "", acdError(err)
	}
	if wn == "" {
		return "", nil
	}
	other, err := s.opt.Store.GetUserByWorkNumber(ctx, tenant, wn)
	switch {
	case store.IsNotFound(err):
		return wn, nil
	case err != nil:
		return "", err
	case other.ID != id:
		return "", workNumberTaken(wn, other.Username)
	}
	return wn, nil
}

func workNumberTaken(wn, by string) error {
	msg := "work number " + wn + " is taken in this tenant"
	if by != "" {
		msg = "work number " + wn + " is already " + by + "'s"
	}
	return &Error{Status: http.StatusConflict, Code: "conflict", Message: msg, Field: "work_number"}
}

func (s *Server) logoutUser(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	setAudit(c, c.Param("id"), map[string]any{"sessions": "ended"})
	if err := s.opt.Auth.LogoutEverywhere(c.Request().Context(), tenant, c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) deleteUser(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	if principalOf(c).ID == c.Param("id") {
		return &Error{Status: http.StatusConflict, Code: "conflict", Message: "you may not delete yourself"}
	}
	if err := s.opt.Store.DeleteUser(c.Request().Context(), tenant, c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type apiKeyRequest struct {
	Name string `json:"name"`
	Role string `json:"role"`
}

type apiKeyCreated struct {
	store.APIKey
	// Key is the full secret, shown only in this response.
	Key string `json:"key"`
}

func (s *Server) addAPIKeyRoutes() {
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/apikeys", Summary: "List the tenant's API keys (never their secrets)", Tag: "apikeys", Roles: rolesAdmin, Response: []store.APIKey{}, Handler: s.listKeys})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/apikeys", Summary: "Create an API key; the key is shown once in the response", Tag: "apikeys", Roles: rolesAdmin, Request: apiKeyRequest{}, Response: apiKeyCreated{}, Status: http.StatusCreated, ObjectType: "api_key", Handler: s.createKey})
	s.Add(&Route{Method: http.MethodDelete, Path: "/api/v1/apikeys/:id", Summary: "Revoke an API key", Tag: "apikeys", Roles: rolesAdmin, Status: http.StatusNoContent, ObjectType: "api_key", Handler: s.revokeKey})
}

func (s *Server) listKeys(c echo.Context) error { return tenantList(c, s.opt.Store.ListAPIKeys) }

func (s *Server) createKey(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var req apiKeyRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	req.Name = strings.TrimSpace(req.Name)
	if req.Name == "" || len(req.Name) > 100 {
		return errInvalid("name", "name must be 1-100 characters")
	}
	role, err := auth.ParseTenantRole(req.Role)
	if req.Role == string(auth.RoleWallboard) {
		role, err = auth.RoleWallboard, nil // a key for a TV: the wallboard only
	}
	if err != nil {
		return errInvalid("role", "%v (or wallboard, for a read-only wallboard key)", err)
	}
	k, key, err := s.opt.Auth.NewAPIKey(c.Request().Context(), tenant, req.Name, role, principalOf(c).ID)
	if err != nil {
		return err
	}
	setAudit(c, k.ID, map[string]any{"name": k.Name, "role": k.Role, "prefix": k.Prefix})
	return c.JSON(http.StatusCreated, apiKeyCreated{APIKey: *k, Key: key})
}

func (s *Server) revokeKey(c echo.Context) error { return tenantDelete(c, s.opt.Store.RevokeAPIKey) }

func (s *Server) addAuditRoutes() {
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/audit", Summary: "List audit-log entries, newest first (query: since, until, actor_id, object_type, before_id, limit)", Tag: "audit", Roles: append([]auth.Role{auth.RoleSuperadmin}, rolesAdmin...), Response: []store.AuditEntry{}, Handler: s.listAudit})
}

func (s *Server) listAudit(c echo.Context) error {
	f := store.AuditFilter{ActorID: c.QueryParam("actor_id"), ObjectType: c.QueryParam("object_type")}
	for _, q := range []struct {
		name string
		dst  *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := c.QueryParam(q.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return errInvalid(q.name, "%s must be an RFC 3339 time such as 2026-11-22T08:00:00+08:00", q.name)
			}
			*q.dst = t
		}
	}
	for _, q := range []struct {
		name string
		set  func(int64)
	}{{"before_id", func(v int64) { f.BeforeID = v }}, {"limit", func(v int64) { f.Limit = int(v) }}} {
		if v := c.QueryParam(q.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 1 {
				return errInvalid(q.name, "%s must be a positive integer", q.name)
			}
			q.set(n)
		}
	}
	es, err := s.opt.Store.ListAudit(c.Request().Context(), tenantOf(c), f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, es)
}
