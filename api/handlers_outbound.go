package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/outroute"
	"github.com/ipcc/ipcc/store"
)

// Outbound routing administration (docs/outbound.md, "Outbound routing
// and caller ID"): trunks, routes, caller-ID pools, the toll-fraud guard
// settings, and a dry-run of the routing of a number. Admins edit,
// supervisors read; the rules live in package outroute.

type outboundDecideRequest struct {
	Number   string   `json:"number"`
	Source   string   `json:"source,omitempty"`
	Campaign string   `json:"campaign,omitempty"`
	Agent    string   `json:"agent,omitempty"`
	Queues   []string `json:"queues,omitempty"`
}

type outboundDecision struct {
	Number   outroute.Number  `json:"number"`
	Refused  bool             `json:"refused"`
	Rule     string           `json:"rule,omitempty"`
	Reason   string           `json:"reason,omitempty"`
	Route    *outroute.Route  `json:"route,omitempty"`
	Trunks   []outroute.Trunk `json:"trunks,omitempty"`
	Dial     string           `json:"dial,omitempty"`
	CallerID string           `json:"caller_id,omitempty"`
	Notes    []string         `json:"notes,omitempty"`
}

func (s *Server) addOutboundRoutes() {
	const tag = "outbound"
	add := func(method, path, summary string, roles []auth.Role, req, resp any, status int, object string, h echo.HandlerFunc) {
		s.Add(&Route{Method: method, Path: path, Summary: summary, Tag: tag, Roles: roles, Request: req, Response: resp, Status: status, ObjectType: object, Handler: h})
	}
	add(http.MethodGet, "/api/v1/outbound/trunks", "List outbound trunks", rolesSupervisor, nil, []outroute.Trunk{}, 0, "", s.listTrunks)
	add(http.MethodPost, "/api/v1/outbound/trunks", "Create an outbound trunk (gateway on a switch, channel and CPS limits)", rolesAdmin, outroute.Trunk{}, outroute.Trunk{}, http.StatusCreated, "outbound_trunk", s.createTrunk)
	add(http.MethodGet, "/api/v1/outbound/trunks/:id", "Get an outbound trunk", rolesSupervisor, nil, outroute.Trunk{}, 0, "", s.getTrunk)
	add(http.MethodPut, "/api/v1/outbound/trunks/:id", "Replace an outbound trunk", rolesAdmin, outroute.Trunk{}, outroute.Trunk{}, 0, "outbound_trunk", s.putTrunk)
	add(http.MethodDelete, "/api/v1/outbound/trunks/:id", "Delete an outbound trunk no route uses", rolesAdmin, nil, nil, http.StatusNoContent, "outbound_trunk", s.deleteTrunk)

	add(http.MethodGet, "/api/v1/outbound/routes", "List outbound routes in the order they are tried", rolesSupervisor, nil, []outroute.Route{}, 0, "", s.listOutRoutes)
	add(http.MethodPost, "/api/v1/outbound/routes", "Create an outbound route (match, rewrite, trunks in failover order)", rolesAdmin, outroute.Route{}, outroute.Route{}, http.StatusCreated, "outbound_route", s.createOutRoute)
	add(http.MethodGet, "/api/v1/outbound/routes/:id", "Get an outbound route", rolesSupervisor, nil, outroute.Route{}, 0, "", s.getOutRoute)
	add(http.MethodPut, "/api/v1/outbound/routes/:id", "Replace an outbound route", rolesAdmin, outroute.Route{}, outroute.Route{}, 0, "outbound_route", s.putOutRoute)
	add(http.MethodDelete, "/api/v1/outbound/routes/:id", "Delete an outbound route", rolesAdmin, nil, nil, http.StatusNoContent, "outbound_route", s.deleteOutRoute)

	add(http.MethodGet, "/api/v1/outbound/caller-id-pools", "List caller-ID pools", rolesSupervisor, nil, []outroute.Pool{}, 0, "", s.listPools)
	add(http.MethodPost, "/api/v1/outbound/caller-id-pools", "Create a caller-ID pool (numbers with their areas for local presence)", rolesAdmin, outroute.Pool{}, outroute.Pool{}, http.StatusCreated, "caller_id_pool", s.createPool)
	add(http.MethodGet, "/api/v1/outbound/caller-id-pools/:id", "Get a caller-ID pool", rolesSupervisor, nil, outroute.Pool{}, 0, "", s.getPool)
	add(http.MethodPut, "/api/v1/outbound/caller-id-pools/:id", "Replace a caller-ID pool", rolesAdmin, outroute.Pool{}, outroute.Pool{}, 0, "caller_id_pool", s.putPool)
	add(http.MethodDelete, "/api/v1/outbound/caller-id-pools/:id", "Delete a caller-ID pool no route, campaign or the settings use", rolesAdmin, nil, nil, http.StatusNoContent, "caller_id_pool", s.deletePool)

	add(http.MethodGet, "/api/v1/outbound/settings", "Get the outbound settings: toll-fraud guard (allowed number types and countries, blocked prefixes, concurrent and CPS caps) and default caller-ID pool", rolesSupervisor, nil, outroute.Settings{}, 0, "", s.getOutboundSettings)
	add(http.MethodPut, "/api/v1/outbound/settings", "Replace the outbound settings", rolesAdmin, outroute.Settings{}, outroute.Settings{}, 0, "outbound_settings", s.putOutboundSettings)
	add(http.MethodPost, "/api/v1/outbound/decide", "Dry-run the outbound routing of a number: its type, the toll-fraud guard, the route, trunks, dialled number and caller ID", rolesSupervisor, outboundDecideRequest{}, outboundDecision{}, 0, "", s.decideOutbound)
	s.addPlatformGatewayRoutes()
}

// refusalError answers an outbound call refused by a rule: 403 for a
// destination the tenant may not call (or cannot route), 429 for a cap;
// the rule is named. A refusal by the tenant's quota of calls answers as
// every quota refusal does: 429 quota_exceeded naming the limit (calls,
// cps or suspended).
func refusalError(err error) *Error {
	var r *outroute.Refusal
	if !errors.As(err, &r) {
		return nil
	}
	if qe := quotaError(err); qe != nil {
		return qe
	}
	status := http.StatusForbidden
	if r.Capacity() {
		status = http.StatusTooManyRequests
	}
	return &Error{Status: status, Code: "outbound_refused", Message: r.Error(), Field: "number", Rule: r.Rule}
}

// outboundDoc is one kind of outbound document the API edits.
type outboundDoc[T any] struct {
	kind  string
	what  string
	id    func(*T) *string
	check func(ctx context.Context, s *Server, tenant string, v *T) error
}

func (d outboundDoc[T]) list(s *Server, c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	rows, err := s.opt.Store.ListOutbound(c.Request().Context(), tenant, d.kind)
	if err != nil {
		return err
	}
	out := make([]T, 0, len(rows))
	for _, r := range rows {
		var v T
		if err := json.Unmarshal([]byte(r.Document), &v); err != nil {
			return err
		}
		out = append(out, v)
	}
	return c.JSON(http.StatusOK, out)
}

func (d outboundDoc[T]) get(s *Server, c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	doc, err := s.opt.Store.GetOutbound(c.Request().Context(), tenant, d.kind, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, []byte(doc))
}

func (d outboundDoc[T]) save(s *Server, c echo.Context, create bool) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var v T
	if err := decodeJSON(c, &v); err != nil {
		return err
	}
	id := d.id(&v)
	if !create {
		if *id != "" && *id != c.Param("id") {
			return errInvalid("id", "the id in the body (%q) is not the one in the path (%q)", *id, c.Param("id"))
		}
		*id = c.Param("id")
	}
	ctx := c.Request().Context()
	if err := d.check(ctx, s, tenant, &v); err != nil {
		return err
	}
	doc, err := json.Marshal(&v)
	if err != nil {
		return err
	}
	setAudit(c, *id, map[string]any{d.kind: json.RawMessage(doc)})
	if create {
		if err := s.opt.Store.CreateOutbound(ctx, tenant, d.kind, *id, string(doc)); err != nil {
			return routingConflict(err, "id", "a %s with id %s exists", d.what, *id)
		}
	} else if err := s.opt.Store.UpdateOutbound(ctx, tenant, d.kind, *id, string(doc)); err != nil {
		return err
	}
	status := http.StatusOK
	if create {
		status = http.StatusCreated
	}
	return c.JSON(status, &v)
}

func (d outboundDoc[T]) del(s *Server, c echo.Context, inUse func(ctx context.Context, tenant, id string) (string, error)) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx, id := c.Request().Context(), c.Param("id")
	if _, err := s.opt.Store.GetOutbound(ctx, tenant, d.kind, id); err != nil {
		return err
	}
	if by, err := inUse(ctx, tenant, id); err != nil {
		return err
	} else if by != "" {
		return &Error{Status: http.StatusConflict, Code: "in_use", Message: fmt.Sprintf("%s %s is used by %s", d.what, id, by)}
	}
	setAudit(c, id, nil)
	if err := s.opt.Store.DeleteOutbound(ctx, tenant, d.kind, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// ids lists the ids of the tenant's documents of a kind.
func (s *Server) outboundIDs(ctx context.Context, tenant, kind string) (map[string]bool, error) {
	rows, err := s.opt.Store.ListOutbound(ctx, tenant, kind)
	if err != nil {
		return nil, err
	}
	ids := make(map[string]bool, len(rows))
	for _, r := range rows {
		ids[r.ID] = true
	}
	return ids, nil
}

var trunkDoc = outboundDoc[outroute.Trunk]{kind: store.OutboundTrunk, what: "trunk", id: func(t *outroute.Trunk) *string { return &t.ID },
	check: func(_ context.Context, s *Server, tenant string, t *outroute.Trunk) error {
		if err := t.Validate(); err != nil {
			return routingInvalid(err)
		}
		if err := s.opt.GatewayRules.Policy().Check(tenant, "gateway", t.Gateway); err != nil {
			return routingInvalid(err)
		}
		if t.Switch != "" && len(s.opt.Switches) > 0 && !slices.Contains(s.opt.Switches, t.Switch) {
			return errInvalid("switch", "no switch %q is configured (switches: %s)", t.Switch, strings.Join(s.opt.Switches, ", "))
		}
		return nil
	}}

var routeDoc = outboundDoc[outroute.Route]{kind: store.OutboundRoute, what: "route", id: func(r *outroute.Route) *string { return &r.ID },
	check: func(ctx context.Context, s *Server, tenant string, r *outroute.Route) error {
		trunks, err := s.outboundIDs(ctx, tenant, store.OutboundTrunk)
		if err != nil {
			return err
		}
		pools, err := s.outboundIDs(ctx, tenant, store.OutboundPool)
		if err != nil {
			return err
		}
		if err := r.Validate(trunks, pools); err != nil {
			return routingInvalid(err)
		}
		if r.Match.ScheduleID != "" {
			if _, err := s.opt.Store.GetSchedule(ctx, tenant, r.Match.ScheduleID); store.IsNotFound(err) {
				return errInvalid("match.schedule_id", "no schedule %q in this tenant", r.Match.ScheduleID)
			} else if err != nil {
				return err
			}
		}
		return nil
	}}

var poolDoc = outboundDoc[outroute.Pool]{kind: store.OutboundPool, what: "caller-ID pool", id: func(p *outroute.Pool) *string { return &p.ID },
	check: func(ctx context.Context, s *Server, tenant string, p *outroute.Pool) error {
		rs, err := s.opt.Store.GetRoutingSettings(ctx, tenant)
		if err != nil {
			return err
		}
		if err := p.Validate(rs.CountryCode); err != nil {
			return routingInvalid(err)
		}
		return nil
	}}

func (s *Server) listTrunks(c echo.Context) error  { return trunkDoc.list(s, c) }
func (s *Server) getTrunk(c echo.Context) error    { return trunkDoc.get(s, c) }
func (s *Server) createTrunk(c echo.Context) error { return trunkDoc.save(s, c, true) }
func (s *Server) putTrunk(c echo.Context) error    { return trunkDoc.save(s, c, false) }
func (s *Server) deleteTrunk(c echo.Context) error {
	return trunkDoc.del(s, c, func(ctx context.Context, tenant, id string) (string, error) {
		routes, err := outroute.LoadRoutes(ctx, s.opt.Store, tenant)
		if err != nil {
			return "", err
		}
		for _, r := range routes {
			if slices.Contains(r.Trunks, id) {
				return "route " + r.ID, nil
			}
		}
		return "", nil
	})
}

func (s *Server) listOutRoutes(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	rs, err := outroute.LoadRoutes(c.Request().Context(), s.opt.Store, tenant)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rs)
}
func (s *Server) getOutRoute(c echo.Context) error    { return routeDoc.get(s, c) }
func (s *Server) createOutRoute(c echo.Context) error { return routeDoc.save(s, c, true) }
func (s *Server) putOutRoute(c echo.Context) error    { return routeDoc.save(s, c, false) }
func (s *Server) deleteOutRoute(c echo.Context) error {
	return routeDoc.del(s, c, func(context.Context, string, string) (string, error) { return "", nil })
}

func (s *Server) listPools(c echo.Context) error  { return poolDoc.list(s, c) }
func (s *Server) getPool(c echo.Context) error    { return poolDoc.get(s, c) }
func (s *Server) createPool(c echo.Context) error { return poolDoc.save(s, c, true) }
func (s *Server) putPool(c echo.Context) error    { return poolDoc.save(s, c, false) }
func (s *Server) deletePool(c echo.Context) error {
	return poolDoc.del(s, c, func(ctx context.Context, tenant, id string) (string, error) {
		set, err := outroute.LoadSettings(ctx, s.opt.Store, tenant)
		if err != nil {
			return "", err
		}
		if set.CallerIDPool == id {
			return "the outbound settings (caller_id_pool)", nil
		}
		routes, err := outroute.LoadRoutes(ctx, s.opt.Store, tenant)
		if err != nil {
			return "", err
		}
		for _, r := range routes {
			if r.CallerIDPool == id {
				return "route " + r.ID, nil
			}
		}
		rows, err := s.opt.Store.ListCampaigns(ctx, tenant)
		if err != nil {
			return "", err
		}
		for _, r := range rows {
			var doc struct {
				Pool string `json:"caller_id_pool"`
			}
			if json.Unmarshal([]byte(r.Document), &doc) == nil && doc.Pool == id {
				return "campaign " + r.ID, nil
			}
		}
		return "", nil
	})
}

func (s *Server) getOutboundSettings(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	set, err := outroute.LoadSettings(c.Request().Context(), s.opt.Store, tenant)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, set)
}

func (s *Server) putOutboundSettings(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var set outroute.Settings
	if err := decodeJSON(c, &set); err != nil {
		return err
	}
	ctx := c.Request().Context()
	pools, err := s.outboundIDs(ctx, tenant, store.OutboundPool)
	if err != nil {
		return err
	}
	if err := set.Validate(pools); err != nil {
		return routingInvalid(err)
	}
	doc, err := json.Marshal(&set)
	if err != nil {
		return err
	}
	setAudit(c, "outbound", map[string]any{"settings": json.RawMessage(doc)})
	if err := s.opt.Store.PutSetting(ctx, tenant, store.OutboundSettingsName, string(doc)); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, &set)
}

func (s *Server) decideOutbound(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var req outboundDecideRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Number) == "" {
		return errInvalid("number", "number is required")
	}
	if req.Source != "" && req.Source != outroute.SourceCampaign && req.Source != outroute.SourceClickToDial && req.Source != outroute.SourceTransfer {
		return errInvalid("source", "source is campaign, click_to_dial or transfer")
	}
	ctx := c.Request().Context()
	cfg, err := outroute.Load(ctx, s.opt.Store, tenant)
	if err != nil {
		return err
	}
	// A private service: the dry run takes no caps and moves no counters
	// of the live one.
	svc := outroute.NewService(staticSource{cfg}, nil, s.log, nil)
	svc.SetGatewayRules(s.opt.GatewayRules)
	out := outboundDecision{}
	call, err := svc.Plan(ctx, tenant, outroute.PlanRequest{Number: req.Number, Source: req.Source, Campaign: req.Campaign, Agent: req.Agent,
		Queues: req.Queues, DefaultTrunk: s.opt.DefaultTrunk})
	var ref *outroute.Refusal
	switch {
	case errors.As(err, &ref):
		out.Refused, out.Rule, out.Reason = true, ref.Rule, ref.Detail
		out.Number, _ = outroute.Classify(req.Number, cfg.Home)
	case err != nil:
		return err
	default:
		out.Number, out.Route, out.Trunks, out.Dial, out.CallerID, out.Notes = call.Number, call.Route, call.Trunks, call.Dial, call.CallerID, call.Notes
		call.Release()
	}
	return c.JSON(http.StatusOK, out)
}

type staticSource struct{ cfg *outroute.Config }

func (s staticSource) OutboundConfig(context.Context, string) (*outroute.Config, error) {
	return s.cfg, nil
}
