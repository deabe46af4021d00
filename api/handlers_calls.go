package api

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/store"
)

type callView struct {
	store.CallRecord
	Trace json.RawMessage `json:"trace,omitempty"`
}

var rolesCallReaders = []auth.Role{auth.RoleAdmin, auth.RoleSupervisor, auth.RoleQA}

func (s *Server) addCallRoutes() {
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/calls", Summary: "List the tenant's calls, newest first (query: since, until, number (partial), disposition, limit)", Tag: "calls",
		Roles: rolesCallReaders, Response: []store.CallRecord{}, Handler: s.listCalls})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/calls/:id", Summary: "One call with its decision trace (route, flow nodes, targets, switch events)", Tag: "calls",
		Roles: rolesCallReaders, Response: callView{}, Handler: s.getCall})
}

func (s *Server) listCalls(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	f := store.CallFilter{Number: c.QueryParam("number"), Disposition: c.QueryParam("disposition")}
	if err := timeRange(c, &f.Since, &f.Until); err != nil {
		return err
	}
	if err := limitParam(c, &f.Limit); err != nil {
		return err
	}
	calls, err := s.opt.Store.ListCalls(c.Request().Context(), tenant, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, calls)
}

func (s *Server) getCall(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	rec, err := s.opt.Store.GetCall(c.Request().Context(), tenant, c.Param("id"))
	if err != nil {
		return err
	}
	v := callView{CallRecord: *rec}
	if json.Valid([]byte(rec.Trace)) {
		v.Trace = json.RawMessage(rec.Trace)
	}
	return c.JSON(http.StatusOK, v)
}
