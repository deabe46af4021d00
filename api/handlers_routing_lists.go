package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/store"
)

// Number lists of inbound routing: blacklist (with CSV import/export),
// whitelist (VIP), caller rules and named caller lists, and the tenant's
// routing settings. Registered by addRoutingRoutes.

type blacklistRequest struct {
	Number    string             `json:"number"`
	Kind      dialplan.MatchKind `json:"kind,omitempty"`
	Reason    string             `json:"reason,omitempty"`
	ExpiresAt *time.Time         `json:"expires_at,omitempty"`
}

type whitelistRequest struct {
	Number    string             `json:"number"`
	Kind      dialplan.MatchKind `json:"kind,omitempty"`
	Name      string             `json:"name,omitempty"`
	Priority  int                `json:"priority"`
	ExpiresAt *time.Time         `json:"expires_at,omitempty"`
}

type callerRuleRequest struct {
	Name     string             `json:"name"`
	RouteID  string             `json:"route_id,omitempty"`
	Position int                `json:"position"`
	Match    dialplan.RuleMatch `json:"match"`
	Value    string             `json:"value"`
	Target   dialplan.Target    `json:"target"`
	Enabled  *bool              `json:"enabled,omitempty"`
}

type callerListRequest struct {
	Numbers []string `json:"numbers"`
}

type callerListView struct {
	Name    string   `json:"name"`
	Numbers []string `json:"numbers"`
}

type importResult struct {
	Added   int `json:"added"`
	Updated int `json:"updated"`
}

// ---- blacklist

func (s *Server) listBlacklist(c echo.Context) error { return tenantList(c, s.opt.Store.ListBlacklist) }

func decodeBlacklist(c echo.Context) (*dialplan.BlacklistEntry, error) {
	var req blacklistRequest
	if err := decodeJSON(c, &req); err != nil {
		return nil, err
	}
	e := &dialplan.BlacklistEntry{Number: dialplan.Clean(req.Number), Kind: req.Kind, Reason: strings.TrimSpace(req.Reason), ExpiresAt: req.ExpiresAt}
	if e.Kind == "" {
		e.Kind = dialplan.Exact
	}
	if err := e.Validate(); err != nil {
		return nil, routingInvalid(err)
	}
	return e, nil
}

func (s *Server) createBlacklist(c echo.Context) error { return createEntry(c, s.blacklistOps()) }

func (s *Server) getBlacklist(c echo.Context) error { return tenantGet(c, s.opt.Store.GetBlacklist) }

func (s *Server) putBlacklist(c echo.Context) error { return putEntry(c, s.blacklistOps()) }

// blacklistOps are the blacklist's parts of the number-list handlers.
func (s *Server) blacklistOps() numberList[dialplan.BlacklistEntry] {
	return numberList[dialplan.BlacklistEntry]{
		decode: decodeBlacklist, add: s.opt.Store.AddBlacklist, get: s.opt.Store.GetBlacklist, update: s.opt.Store.UpdateBlacklist,
		keep: func(e, old *dialplan.BlacklistEntry) { e.ID, e.CreatedAt = old.ID, old.CreatedAt },
		audit: func(e *dialplan.BlacklistEntry) (string, map[string]any) {
			return e.ID, map[string]any{"number": e.Number, "kind": e.Kind, "reason": e.Reason}
		},
		conflict: func(err error, e *dialplan.BlacklistEntry) error {
			return routingConflict(err, "number", "%s %s is blacklisted already", e.Kind, e.Number)
		},
	}
}

func (s *Server) deleteBlacklist(c echo.Context) error {
	return tenantDelete(c, s.opt.Store.DeleteBlacklist)
}

// ---- whitelist

func (s *Server) listWhitelist(c echo.Context) error { return tenantList(c, s.opt.Store.ListWhitelist) }

func decodeWhitelist(c echo.Context) (*dialplan.WhitelistEntry, error) {
	var req whitelistRequest
	if err := decodeJSON(c, &req); err != nil {
		return nil, err
	}
	e := &dialplan.WhitelistEntry{Number: dialplan.Clean(req.Number), Kind: req.Kind, Name: strings.TrimSpace(req.Name), Priority: req.Priority, ExpiresAt: req.ExpiresAt}
	if e.Kind == "" {
		e.Kind = dialplan.Exact
	}
	if err := e.Validate(); err != nil {
		return nil, routingInvalid(err)
	}
	return e, nil
}

func (s *Server) createWhitelist(c echo.Context) error { return createEntry(c, s.whitelistOps()) }

func (s *Server) getWhitelist(c echo.Context) error { return tenantGet(c, s.opt.Store.GetWhitelist) }

func (s *Server) putWhitelist(c echo.Context) error { return putEntry(c, s.whitelistOps()) }

// whitelistOps are the VIP whitelist's parts of the number-list handlers.
func (s *Server) whitelistOps() numberList[dialplan.WhitelistEntry] {
	return numberList[dialplan.WhitelistEntry]{
		decode: decodeWhitelist, add: s.opt.Store.AddWhitelist, get: s.opt.Store.GetWhitelist, update: s.opt.Store.UpdateWhitelist,
		keep: func(e, old *dialplan.WhitelistEntry) { e.ID, e.CreatedAt = old.ID, old.CreatedAt },
		audit: func(e *dialplan.WhitelistEntry) (string, map[string]any) {
			return e.ID, map[string]any{"number": e.Number, "kind": e.Kind, "priority": e.Priority}
		},
		conflict: func(err error, e *dialplan.WhitelistEntry) error {
			return routingConflict(err, "number", "%s %s is whitelisted already", e.Kind, e.Number)
		},
	}
}

func (s *Server) deleteWhitelist(c echo.Context) error {
	return tenantDelete(c, s.opt.Store.DeleteWhitelist)
}

// ---- caller rules and lists

func (s *Server) listCallerRules(c echo.Context) error {
	return tenantList(c, s.opt.Store.ListCallerRules)
}

func (s *Server) callerRuleFromRequest(c echo.Context, tenant string) (*dialplan.CallerRule, error) {
	var req callerRuleRequest
	if err := decodeJSON(c, &req); err != nil {
		return nil, err
	}
	r := &dialplan.CallerRule{Name: strings.TrimSpace(req.Name), RouteID: req.RouteID, Position: req.Position, Match: req.Match,
		Value: strings.TrimSpace(req.Value), Target: req.Target, Enabled: req.Enabled == nil || *req.Enabled}
	if r.Match == dialplan.MatchPrefix {
		r.Value = dialplan.Clean(r.Value)
	}
	if err := r.Validate(); err != nil {
		return nil, routingInvalid(err)
	}
	if r.RouteID != "" {
		if _, err := s.opt.Store.GetRoute(c.Request().Context(), tenant, r.RouteID); store.IsNotFound(err) {
			return nil, errInvalid("route_id", "no route %q in this tenant", r.RouteID)
		} else if err != nil {
			return nil, err
		}
	}
	return r, nil
}

func (s *Server) createCallerRule(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	r, err := s.callerRuleFromRequest(c, tenant)
	if err != nil {
		return err
	}
	if err := s.opt.Store.CreateCallerRule(c.Request().Context(), tenant, r); err != nil {
		return err
	}
	setAudit(c, r.ID, map[string]any{"name": r.Name, "match": r.Match, "value": r.Value})
	return c.JSON(http.StatusCreated, r)
}

func (s *Server) getCallerRule(c echo.Context) error { return tenantGet(c, s.opt.Store.GetCallerRule) }

func (s *Server) putCallerRule(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	old, err := s.opt.Store.GetCallerRule(ctx, tenant, c.Param("id"))
	if err != nil {
		return err
	}
	r, err := s.callerRuleFromRequest(c, tenant)
	if err != nil {
		return err
	}
	r.ID, r.CreatedAt = old.ID, old.CreatedAt
	setAudit(c, r.ID, map[string]any{"name": r.Name, "match": r.Match, "value": r.Value, "enabled": r.Enabled})
	if err := s.opt.Store.UpdateCallerRule(ctx, tenant, r); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Server) deleteCallerRule(c echo.Context) error {
	return tenantDelete(c, s.opt.Store.DeleteCallerRule)
}

func (s *Server) listCallerLists(c echo.Context) error {
	return tenantList(c, s.opt.Store.ListCallerLists)
}

func (s *Server) getCallerList(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ns, err := s.opt.Store.GetCallerList(c.Request().Context(), tenant, c.Param("name"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, callerListView{Name: c.Param("name"), Numbers: ns})
}

func (s *Server) putCallerList(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	name := c.Param("name")
	if !dialplan.ValidListName(name) {
		return errInvalid("name", "%q is not a list name (1-64 letters, digits, '-', '_')", name)
	}
	var req callerListRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if len(req.Numbers) == 0 {
		return errInvalid("numbers", "a list needs at least one number (delete the list instead)")
	}
	for i, n := range req.Numbers {
		req.Numbers[i] = dialplan.Clean(n)
		if !dialplan.ValidNumber(req.Numbers[i]) {
			return errInvalid(fmt.Sprintf("numbers[%d]", i), "%q is not a phone number (1-32 digits, optional leading +)", n)
		}
	}
	setAudit(c, name, map[string]any{"numbers": len(req.Numbers)})
	if err := s.opt.Store.PutCallerList(c.Request().Context(), tenant, name, req.Numbers); err != nil {
		return err
	}
	ns, err := s.opt.Store.GetCallerList(c.Request().Context(), tenant, name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, callerListView{Name: name, Numbers: ns})
}

func (s *Server) deleteCallerList(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	setAudit(c, c.Param("name"), nil)
	if err := s.opt.Store.DeleteCallerList(c.Request().Context(), tenant, c.Param("name")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// ---- settings

func (s *Server) getRoutingSettings(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	set, err := s.opt.Store.GetRoutingSettings(c.Request().Context(), tenant)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, set)
}

func (s *Server) putRoutingSettings(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var set dialplan.Settings
	if err := decodeJSON(c, &set); err != nil {
		return err
	}
	if err := set.Validate(); err != nil {
		return routingInvalid(err)
	}
	setAudit(c, tenant, map[string]any{"default_language": set.DefaultLanguage, "country_code": set.CountryCode})
	if err := s.opt.Store.PutRoutingSettings(c.Request().Context(), tenant, &set); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, &set)
}

// numberList is what the blacklist and the VIP whitelist handlers differ in:
// how a body is read, the store calls, and what is audited.
type numberList[E any] struct {
	decode   func(echo.Context) (*E, error)
	add      func(ctx context.Context, tenant string, e *E) error
	get      func(ctx context.Context, tenant, id string) (*E, error)
	update   func(ctx context.Context, tenant string, e *E) error
	keep     func(e, old *E) // keeps old's id and creation time
	audit    func(e *E) (id string, detail map[string]any)
	conflict func(err error, e *E) error
}

func createEntry[E any](c echo.Context, l numberList[E]) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	e, err := l.decode(c)
	if err != nil {
		return err
	}
	if err := l.add(c.Request().Context(), tenant, e); err != nil {
		return l.conflict(err, e)
	}
	id, detail := l.audit(e)
	setAudit(c, id, detail)
	return c.JSON(http.StatusCreated, e)
}

func putEntry[E any](c echo.Context, l numberList[E]) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	old, err := l.get(ctx, tenant, c.Param("id"))
	if err != nil {
		return err
	}
	e, err := l.decode(c)
	if err != nil {
		return err
	}
	l.keep(e, old)
	id, detail := l.audit(e)
	setAudit(c, id, detail)
	if err := l.update(ctx, tenant, e); err != nil {
		return l.conflict(err, e)
	}
	return c.JSON(http.StatusOK, e)
}
