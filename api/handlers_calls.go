package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

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
	if v := c.QueryParam("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return errInvalid("limit", "limit must be 1-1000")
		}
		f.Limit = n
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
