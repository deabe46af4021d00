package api

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/reports"
	"github.com/ipcc/ipcc/store"
)

// What the web console's agent desktop and wallboard need besides the ACD
// operations: the tenant's desktop settings (the CRM page opened with a
// call), the screen pop's history and VIP entry, the agent's own recent
// calls, colleagues to transfer to, and the wallboard's read-only figures.

// desktopSettings are the tenant's settings of the agent desktop.
type desktopSettings struct {
	// CRMURLTemplate is the CRM page opened beside a call (in a panel or a
	// new tab), with placeholders filled from the call, URL-encoded:
	// {caller}, {did}, {call}, {queue}, {agent}, {work_number} and
	// {var.NAME} for an IVR variable. Empty: no CRM panel.
	CRMURLTemplate string `json:"crm_url_template"`
	// SIPWSSURL is the switch's SIP-over-WebSocket address (wss://...) the
	// browser softphone registers to; empty: no browser softphone. SIPDomain
	// is the SIP domain of the extensions (default: the URL's host).
	SIPWSSURL string `json:"sip_wss_url"`
	SIPDomain string `json:"sip_domain"`
}

const (
	settingCRMURL    = "desktop.crm_url_template"
	settingSIPWSS    = "desktop.sip_wss_url"
	settingSIPDomain = "desktop.sip_domain"
)

// screenPop is what the desktop shows beside a ringing call besides what
// the offered event carries.
type screenPop struct {
	Call    string   `json:"call"`
	Caller  string   `json:"caller"`
	DID     string   `json:"did"`
	Queue   string   `json:"queue"`
	IVRPath []string `json:"ivr_path"`
	// VIP is the caller's whitelist entry, when the caller is a VIP.
	VIP *dialplan.WhitelistEntry `json:"vip,omitempty"`
	// History is the caller's earlier calls, newest first (at most 10).
	History []callSummary `json:"history"`
}

// colleague is an agent as a transfer target: who and whether free.
type colleague struct {
	AgentID    string    `json:"agent_id"`
	Name       string    `json:"name"`
	WorkNumber string    `json:"work_number,omitempty"`
	State      acd.State `json:"state"`
	Reason     string    `json:"reason,omitempty"`
	Since      time.Time `json:"since"`
}

// wallboardQueue is a queue as a wallboard shows it: figures only, no
// caller numbers (a TV is seen by anyone in the room).
type wallboardQueue struct {
	ID                    string         `json:"id"`
	Name                  string         `json:"name"`
	Waiting               int            `json:"waiting"`
	LongestWait           acd.Duration   `json:"longest_wait_ms"`
	Agents                map[string]int `json:"agents"`
	LoggedIn              int            `json:"logged_in"`
	Entered               int            `json:"entered_today"`
	Answered              int            `json:"answered_today"`
	Abandoned             int            `json:"abandoned_today"`
	ServiceLevel          float64        `json:"service_level"`
	ServiceLevelThreshold acd.Duration   `json:"service_level_threshold_ms"`
	AvgSpeedOfAnswer      acd.Duration   `json:"avg_speed_of_answer_ms"`
}

// wallboard is the wallboard's whole picture of the tenant.
type wallboard struct {
	Tenant   string           `json:"tenant"`
	Name     string           `json:"name"`
	Timezone string           `json:"timezone"`
	At       time.Time        `json:"at"`
	Queues   []wallboardQueue `json:"queues"`
	// Agents counts the tenant's logged-in agents by state.
	Agents map[string]int `json:"agents"`
	// Hourly is today's inbound calls by local hour (24 slots).
	Hourly []reports.HourSlot `json:"hourly"`
}

var errACDUnavailable = &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "the ACD is not running in this controller"}

var rolesWallboard = []auth.Role{auth.RoleAdmin, auth.RoleSupervisor, auth.RoleWallboard}

func (s *Server) addDesktopRoutes() {
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/desktop/settings", Summary: "The agent desktop's settings: the CRM URL template opened beside a call, the browser softphone's SIP WebSocket address and domain", Tag: "desktop",
		Roles: rolesAgents, Response: desktopSettings{}, Handler: s.getDesktopSettings})
	s.Add(&Route{Method: http.MethodPut, Path: "/api/v1/desktop/settings", Summary: "Set the agent desktop's settings: crm_url_template (http(s) URL with {caller}, {did}, {call}, {queue}, {agent}, {work_number}, {var.NAME}; empty for none), sip_wss_url and sip_domain of the browser softphone (empty: none)", Tag: "desktop",
		Roles: rolesAdmin, Request: desktopSettings{}, Response: desktopSettings{}, ObjectType: "desktop_settings", Handler: s.putDesktopSettings})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/agent/calls", Summary: "Your own recent calls, newest first (query: number (partial), limit)", Tag: "agent",
		Roles: rolesAgents, Response: []callSummary{}, Handler: s.agentCalls})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/agent/calls/:id/pop", Summary: "Screen pop of a call offered to you or connected to you: IVR path, VIP entry and the caller's earlier calls with their dispositions", Tag: "agent",
		Roles: rolesAgents, Response: screenPop{}, Handler: s.agentScreenPop})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/agent/colleagues", Summary: "The tenant's agents with their live state (who is free to take a transfer)", Tag: "agent",
		Roles: rolesAgents, Response: []colleague{}, Handler: s.agentColleagues})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/wallboard", Summary: "Wallboard figures: queues (waiting, longest wait, agents by state, today's calls, service level, ASA), agents by state and today's calls per hour; no caller numbers. Open to wallboard API keys (role wallboard, read-only: this route only)", Tag: "desktop",
		Roles: rolesWallboard, Response: wallboard{}, Handler: s.getWallboard})
}

func (s *Server) getDesktopSettings(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var out desktopSettings
	for name, dst := range map[string]*string{settingCRMURL: &out.CRMURLTemplate, settingSIPWSS: &out.SIPWSSURL, settingSIPDomain: &out.SIPDomain} {
		v, err := s.opt.Store.GetSetting(c.Request().Context(), tenant, name)
		if err != nil && !store.IsNotFound(err) {
			return err
		}
		*dst = v
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) putDesktopSettings(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var req desktopSettings
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	req.CRMURLTemplate = strings.TrimSpace(req.CRMURLTemplate)
	if t := req.CRMURLTemplate; t != "" && (len(t) > 2000 || !(strings.HasPrefix(t, "https://") || strings.HasPrefix(t, "http://"))) {
		return errInvalid("crm_url_template", "crm_url_template must be an http:// or https:// URL of at most 2000 characters")
	}
	req.SIPWSSURL, req.SIPDomain = strings.TrimSpace(req.SIPWSSURL), strings.TrimSpace(req.SIPDomain)
	if u := req.SIPWSSURL; u != "" && (len(u) > 500 || !(strings.HasPrefix(u, "wss://") || strings.HasPrefix(u, "ws://"))) {
		return errInvalid("sip_wss_url", "sip_wss_url must be a wss:// (or ws:// for tests) URL of at most 500 characters")
	}
	if d := req.SIPDomain; len(d) > 253 || strings.ContainsAny(d, " /:@") {
		return errInvalid("sip_domain", "sip_domain must be a host name")
	}
	for name, v := range map[string]string{settingCRMURL: req.CRMURLTemplate, settingSIPWSS: req.SIPWSSURL, settingSIPDomain: req.SIPDomain} {
		if err := s.opt.Store.PutSetting(c.Request().Context(), tenant, name, v); err != nil {
			return err
		}
	}
	setAudit(c, tenant, map[string]any{"crm_url_template": req.CRMURLTemplate, "sip_wss_url": req.SIPWSSURL, "sip_domain": req.SIPDomain})
	return c.JSON(http.StatusOK, req)
}

func (s *Server) agentCalls(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	f := store.CallFilter{Agent: principalOf(c).ID, Number: c.QueryParam("number"), Limit: 20}
	if err := limitParam(c, &f.Limit); err != nil {
		return err
	}
	return s.listSummaries(c, tenant, f)
}

func (s *Server) listSummaries(c echo.Context, tenant string, f store.CallFilter) error {
	ctx := c.Request().Context()
	calls, err := s.opt.Store.ListCalls(ctx, tenant, f)
	if err != nil {
		return err
	}
	label, err := reports.AgentLabels(ctx, s.opt.Store, tenant)
	if err != nil {
		return err
	}
	out := make([]callSummary, len(calls))
	for i, r := range calls {
		out[i] = summarize(r, label)
	}
	return c.JSON(http.StatusOK, out)
}

// mayPop: supervisors and admins see any call; an agent only a call offered
// to it (now or earlier) or its current one.
func (s *Server) mayPop(ctx context.Context, tenant string, p *auth.Principal, rec *store.CallRecord) bool {
	if p.Superadmin() || p.Role == auth.RoleAdmin || p.Role == auth.RoleSupervisor {
		return true
	}
	if rec.AgentID == p.ID {
		return true
	}
	if slices.Contains(summarize(*rec, func(string) reports.AgentLabel { return reports.AgentLabel{} }).AgentsOffered, p.ID) {
		return true
	}
	if s.opt.ACD != nil {
		if e, err := s.opt.ACD.Engine(ctx, tenant); err == nil {
			if a, err := e.Agent(ctx, p.ID); err == nil && (a.CallID == rec.ID || a.Pending == rec.ID) {
				return true
			}
		}
	}
	return false
}

func (s *Server) agentScreenPop(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	id := c.Param("id")
	rec, err := s.opt.Store.GetCall(ctx, tenant, id)
	if err != nil {
		if store.IsNotFound(err) {
			return errNotFound("call " + id)
		}
		return err
	}
	if !s.mayPop(ctx, tenant, principalOf(c), rec) {
		return errNotFound("call " + id) // not one of yours: as if it did not exist
	}
	label, err := reports.AgentLabels(ctx, s.opt.Store, tenant)
	if err != nil {
		return err
	}
	sum := summarize(*rec, label)
	pop := screenPop{Call: rec.ID, Caller: rec.ANI, DID: rec.DNIS, Queue: rec.QueueID, IVRPath: sum.IVRPath, History: []callSummary{}}
	if rec.ANI != "" {
		wl, err := s.opt.Store.ListWhitelist(ctx, tenant)
		if err != nil {
			return err
		}
		pop.VIP = vipEntry(wl, rec.ANI, time.Now())
		past, err := s.opt.Store.ListCalls(ctx, tenant, store.CallFilter{Number: rec.ANI, Limit: 25})
		if err != nil {
			return err
		}
		for _, r := range past {
			if r.ID == rec.ID || r.ANI != rec.ANI {
				continue // this call, or a partial match of another number
			}
			pop.History = append(pop.History, summarize(r, label))
			if len(pop.History) == 10 {
				break
			}
		}
	}
	return c.JSON(http.StatusOK, pop)
}

// vipEntry is the whitelist entry matching number (exact before the
// longest prefix), unexpired at now; nil when none.
func vipEntry(es []dialplan.WhitelistEntry, number string, now time.Time) *dialplan.WhitelistEntry {
	var best *dialplan.WhitelistEntry
	for i := range es {
		e := &es[i]
		if e.ExpiresAt != nil && !e.ExpiresAt.After(now) {
			continue
		}
		switch e.Kind {
		case dialplan.Exact:
			if e.Number == number {
				return e
			}
		case dialplan.Prefix:
			if strings.HasPrefix(number, e.Number) && (best == nil || len(e.Number) > len(best.Number)) {
				best = e
			}
		}
	}
	return best
}

func (s *Server) agentColleagues(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	if s.opt.ACD == nil {
		return errACDUnavailable
	}
	ctx := c.Request().Context()
	e, err := s.opt.ACD.Engine(ctx, tenant)
	if err != nil {
		return err
	}
	snap, err := e.Snapshot(ctx)
	if err != nil {
		return err
	}
	label, err := reports.AgentLabels(ctx, s.opt.Store, tenant)
	if err != nil {
		return err
	}
	out := []colleague{}
	for _, a := range snap.Agents {
		l := label(a.AgentID)
		out = append(out, colleague{AgentID: a.AgentID, Name: l.AgentName, WorkNumber: l.AgentWorkNumber, State: a.State, Reason: a.Reason, Since: a.Since})
	}
	slices.SortFunc(out, func(a, b colleague) int { return strings.Compare(a.Name, b.Name) })
	return c.JSON(http.StatusOK, out)
}

func (s *Server) getWallboard(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	if s.opt.ACD == nil {
		return errACDUnavailable
	}
	ctx := c.Request().Context()
	t, err := s.opt.Store.GetTenant(ctx, tenant)
	if err != nil {
		return err
	}
	e, err := s.opt.ACD.Engine(ctx, tenant)
	if err != nil {
		return err
	}
	snap, err := e.Snapshot(ctx)
	if err != nil {
		return err
	}
	wb := wallboard{Tenant: tenant, Name: t.Name, Timezone: t.Timezone, At: time.Now().UTC(), Queues: []wallboardQueue{}, Agents: map[string]int{}}
	for _, q := range snap.Queues {
		wb.Queues = append(wb.Queues, wallboardQueue{ID: q.ID, Name: q.Name, Waiting: len(q.Waiting), LongestWait: q.LongestWait, Agents: q.Agents, LoggedIn: q.LoggedIn,
			Entered: q.Entered, Answered: q.Answered, Abandoned: q.Abandoned, ServiceLevel: q.ServiceLevel, ServiceLevelThreshold: q.ServiceLevelThreshold, AvgSpeedOfAnswer: q.AvgSpeedOfAnswer})
	}
	for _, a := range snap.Agents {
		if a.State != acd.LoggedOut {
			wb.Agents[a.State.String()]++
		}
	}
	rep := reports.New(s.opt.Store, nil)
	loc, err := rep.Location(ctx, tenant)
	if err != nil {
		return err
	}
	now := time.Now().In(loc)
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	h, err := rep.Hourly(ctx, reports.Query{Tenant: tenant, From: day, To: day.AddDate(0, 0, 1), Loc: loc})
	if err != nil {
		return err
	}
	wb.Hourly = h.Totals
	return c.JSON(http.StatusOK, wb)
}
