package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/store"
)

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
	Tenant   string `json:"tenant,omitempty"`
}

type tokenResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
	// SessionExpiresAt is when the session ends (auth.session_max_age
	// after the login): refreshing cannot go past it.
	SessionExpiresAt time.Time `json:"session_expires_at"`
	User             *userView `json:"user"`
}

type userView struct {
	ID          string `json:"id"`
	Tenant      string `json:"tenant"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`
	Disabled    bool   `json:"disabled"`
	// Devices are the phones assigned to the user (an agent logs in on one
	// of them; a supervisor's monitor rings one).
	Devices []string `json:"devices"`
	// WorkNumber is the agent's work number (工号) set by admins, spoken
	// to callers by the agent-ID announcement ("" = none).
	WorkNumber string `json:"work_number"`
	// Group is the agent's group (班组) set by admins ("" = none); the
	// supervisor console filters agents by it.
	Group     string    `json:"group"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func viewUser(u *store.User, devices []string) *userView {
	if devices == nil {
		devices = []string{}
	}
	return &userView{ID: u.ID, Tenant: u.TenantID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role, Disabled: u.Disabled, Devices: devices,
		WorkNumber: u.WorkNumber, Group: u.Group, CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

func (s *Server) addAuthRoutes() {
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/auth/login", Summary: "Log in with username and password; tenant may be omitted for the superadmin", Tag: "auth",
		Request: loginRequest{}, Response: tokenResponse{}, ObjectType: "session", Handler: s.login})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/auth/refresh", Summary: "Exchange a valid token for a fresh one of the same session (never past session_expires_at: then log in again)", Tag: "auth",
		Roles: append([]auth.Role{auth.RoleSuperadmin}, rolesAnyone...), Response: tokenResponse{}, ObjectType: "session", Handler: s.refresh})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/auth/logout", Summary: "Log out everywhere: every token of yours stops working (all your sessions, on every device)", Tag: "auth",
		Roles: append([]auth.Role{auth.RoleSuperadmin}, rolesAnyone...), Status: http.StatusNoContent, ObjectType: "session", Handler: s.logout})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/me", Summary: "Who the caller is", Tag: "auth",
		Roles: append([]auth.Role{auth.RoleSuperadmin}, rolesAnyone...), Response: principalView{}, Handler: s.me})
}

func (s *Server) login(c echo.Context) error {
	// The body is decoded without the NUL / UTF-8 check of decodeJSON: a
	// login whose username or tenant holds bad text is identification data
	// from outside and fails as a wrong password does (401), with an audit
	// row naming the cleaned name, rather than a 400 nobody audits.
	b, err := readBody(c)
	if err != nil {
		return err
	}
	var req loginRequest
	if err := decodeJSONBytes(b, &req); err != nil {
		return err
	}
	req.Username, req.Tenant = strings.TrimSpace(req.Username), strings.TrimSpace(req.Tenant)
	if req.Username == "" {
		return errInvalid("username", "username is required")
	}
	if req.Password == "" {
		return errInvalid("password", "password is required")
	}
	name, tenant := controller.CleanText(req.Username, 64), controller.CleanText(req.Tenant, 64)
	c.Set(ctxTenant, tenant)
	setAudit(c, name, map[string]any{"username": name})
	// Too many failures for this account from this address, from this
	// address, or for this account: refused before the password is tried.
	th, addr := s.opt.LoginThrottle, c.RealIP()
	if wait := th.Wait(tenant, name, addr); wait > 0 {
		return tooManyLogins(c, wait)
	}
	u, sess, err := s.opt.Auth.LoginSession(c.Request().Context(), req.Tenant, req.Username, req.Password)
	if err != nil {
		if errors.Is(err, auth.ErrBadCredentials) {
			th.Failed(tenant, name, addr)
			return &Error{Status: http.StatusUnauthorized, Code: "unauthenticated", Message: "invalid username, password or tenant"}
		}
		return err
	}
	th.Succeeded(tenant, name, addr)
	devices, err := s.opt.Store.UserDevices(c.Request().Context(), u.TenantID, u.ID)
	if err != nil {
		return err
	}
	c.Set(ctxPrincipal, &auth.Principal{Kind: "user", ID: u.ID, Name: u.Username, TenantID: u.TenantID, Role: auth.Role(u.Role)})
	setAudit(c, u.ID, map[string]any{"username": u.Username})
	return c.JSON(http.StatusOK, sessionResponse(u, devices, sess))
}

// tooManyLogins answers 429 with Retry-After in whole seconds.
func tooManyLogins(c echo.Context, wait time.Duration) error {
	secs := int64((wait + time.Second - 1) / time.Second)
	c.Response().Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	return &Error{Status: http.StatusTooManyRequests, Code: "too_many_attempts",
		Message: fmt.Sprintf("too many failed logins: try again in %d s", secs)}
}

func sessionResponse(u *store.User, devices []string, sess auth.Session) tokenResponse {
	return tokenResponse{Token: sess.Token, ExpiresAt: sess.ExpiresAt, SessionExpiresAt: sess.EndsAt, User: viewUser(u, devices)}
}

func (s *Server) refresh(c echo.Context) error {
	p := principalOf(c)
	if p.Kind != "user" {
		return &Error{Status: http.StatusBadRequest, Code: "invalid", Message: "API keys do not need refreshing"}
	}
	setAudit(c, p.ID, nil)
	u, sess, err := s.opt.Auth.Refresh(c.Request().Context(), p)
	if errors.Is(err, auth.ErrSessionExpired) {
		return &Error{Status: http.StatusUnauthorized, Code: "unauthenticated", Message: err.Error()}
	}
	if err != nil {
		return err
	}
	devices, err := s.opt.Store.UserDevices(c.Request().Context(), u.TenantID, u.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, sessionResponse(u, devices, sess))
}

// logout ends every session of the caller (tokens carry the user's token
// version; raising it refuses them all).
func (s *Server) logout(c echo.Context) error {
	p := principalOf(c)
	if p.Kind != "user" {
		return &Error{Status: http.StatusBadRequest, Code: "invalid", Message: "an API key has no session: revoke it with DELETE /api/v1/apikeys/{id}"}
	}
	setAudit(c, p.ID, nil)
	if err := s.opt.Auth.LogoutEverywhere(c.Request().Context(), p.TenantID, p.ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type principalView struct {
	Kind   string `json:"kind"`
	ID     string `json:"id"`
	Name   string `json:"name"`
	Tenant string `json:"tenant"`
	Role   string `json:"role"`
	// Devices are the user's assigned devices (none for API keys).
	Devices []string `json:"devices"`
	// DisplayName, WorkNumber (工号) and Group (班组) of a user, set by
	// admins.
	DisplayName string `json:"display_name"`
	WorkNumber  string `json:"work_number"`
	Group       string `json:"group"`
	// Timezone is the tenant's time zone (IANA name; empty: UTC), in which
	// the console shows times.
	Timezone string `json:"timezone"`
}

func (s *Server) me(c echo.Context) error {
	p := principalOf(c)
	v := principalView{Kind: p.Kind, ID: p.ID, Name: p.Name, Tenant: p.TenantID, Role: string(p.Role), Devices: []string{}}
	if p.Kind == "user" {
		ctx := c.Request().Context()
		u, err := s.opt.Store.GetUser(ctx, p.TenantID, p.ID)
		if err != nil {
			return err
		}
		v.DisplayName, v.WorkNumber, v.Group = u.DisplayName, u.WorkNumber, u.Group
		if t, err := s.opt.Store.GetTenant(ctx, p.TenantID); err == nil {
			v.Timezone = t.Timezone
		}
		if v.Devices, err = s.opt.Store.UserDevices(ctx, p.TenantID, p.ID); err != nil {
			return err
		}
	}
	return c.JSON(http.StatusOK, v)
}
