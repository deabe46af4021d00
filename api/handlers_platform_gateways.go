package api

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/outroute"
	"github.com/ipcc/ipcc/store"
)

// gatewaysBody sets one tenant's allowed gateways.
type gatewaysBody struct {
	// Gateways the tenant's trunks may name; [] allows none.
	Gateways []string `json:"gateways"`
}

// The platform's restriction of the switch gateways tenants' trunks may
// name: the configuration's (media.trunk_gateways) overlaid by what a
// superadmin sets here, live on this controller at once and on the others
// within their reload interval.
func (s *Server) addPlatformGatewayRoutes() {
	const tag = "outbound"
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/platform/trunk-gateways",
		Summary: "The platform's restriction of the gateways tenants' trunks may name, tenant by tenant (\"*\": every tenant not listed), with where each entry comes from (config or api)",
		Tag:     tag, Roles: rolesSuper, Platform: true, Response: []outroute.GatewayEntry{}, Handler: s.listPlatformGateways})
	s.Add(&Route{Method: http.MethodPut, Path: "/api/v1/platform/trunk-gateways/:tenant",
		Summary: "Set the gateways a tenant (or \"*\": every tenant not listed) may use, replacing the configuration's entry for it; [] allows none. Trunks saved before are skipped when calls are routed",
		Tag:     tag, Roles: rolesSuper, Platform: true, Request: gatewaysBody{}, Response: []outroute.GatewayEntry{}, ObjectType: "platform_trunk_gateways", Handler: s.putPlatformGateways})
	s.Add(&Route{Method: http.MethodDelete, Path: "/api/v1/platform/trunk-gateways/:tenant",
		Summary: "Remove what the API set for a tenant: the configuration's entry, if any, applies again",
		Tag:     tag, Roles: rolesSuper, Platform: true, Status: http.StatusNoContent, ObjectType: "platform_trunk_gateways", Handler: s.deletePlatformGateways})
}

func (s *Server) listPlatformGateways(c echo.Context) error {
	return c.JSON(http.StatusOK, s.opt.GatewayRules.Entries())
}

func (s *Server) putPlatformGateways(c echo.Context) error {
	tenant := c.Param("tenant")
	if tenant != outroute.AnyTenant {
		if _, err := s.opt.Store.GetTenant(c.Request().Context(), tenant); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return errNotFound("tenant " + tenant)
			}
			return err
		}
	}
	var b gatewaysBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	if b.Gateways == nil {
		return errInvalid("gateways", "gateways is required (a list; [] allows none)")
	}
	if err := s.opt.GatewayRules.Put(c.Request().Context(), s.opt.Store, tenant, b.Gateways); err != nil {
		var es outroute.Errors
		if errors.As(err, &es) {
			return routingInvalid(err)
		}
		return err
	}
	setAudit(c, tenant, map[string]any{"gateways": b.Gateways})
	return c.JSON(http.StatusOK, s.opt.GatewayRules.Entries())
}

func (s *Server) deletePlatformGateways(c echo.Context) error {
	tenant := c.Param("tenant")
	if err := s.opt.GatewayRules.Delete(c.Request().Context(), s.opt.Store, tenant); err != nil {
		if errors.Is(err, outroute.ErrNoGatewayEntry) {
			return errNotFound("a gateway restriction set through the API for " + tenant)
		}
		return err
	}
	setAudit(c, tenant, nil)
	return c.NoContent(http.StatusNoContent)
}
