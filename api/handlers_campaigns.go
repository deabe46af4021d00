package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/ipcc/ipcc/webhook"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/campaign"
	"github.com/ipcc/ipcc/store"
)

// Outbound campaigns (docs/outbound.md). Supervisors and admins create and
// run campaigns, upload and export lead lists and keep the do-not-call
// lists; agents work preview campaigns and enter dispositions. Agents
// never see a masking campaign's numbers: every lead they are given is a
// LeadView with the number masked, and they dial by lead id.

// Campaigns works the tenants' campaigns (preview, dial, skip,
// disposition; the progress' calls in flight).
type Campaigns interface {
	Preview(ctx context.Context, tenant, agent, campaignID string) (*campaign.LeadView, error)
	Dial(ctx context.Context, tenant, agent string, leadID int64) (*campaign.DialResult, error)
	Skip(ctx context.Context, tenant, agent string, leadID int64, reason string, final bool, retryAfter time.Duration) error
	Dispose(ctx context.Context, tenant, agent string, attemptID int64, in campaign.DispositionInput) (*store.CampaignAttempt, error)
	AgentCampaigns(ctx context.Context, tenant, agent string, queues []string) ([]campaign.Campaign, error)
	InFlight(tenant, campaign string) int
	Pacer(tenant, campaign string) *campaign.Pacer
}

// campaignBody is the body of POST and PUT /api/v1/campaigns.
type campaignBody struct {
	ID       string            `json:"id"`
	Name     string            `json:"name"`
	Type     campaign.Type     `json:"type"`
	Settings campaign.Settings `json:"settings"`
}

type assignBody struct {
	// Agents share the campaign's unassigned pending leads in turn.
	Agents []string `json:"agents"`
	// PerAgent caps the leads each agent gets (0 = share them all).
	PerAgent int `json:"per_agent,omitempty"`
}

type leadAgentBody struct {
	Agent string `json:"agent"`
}

// leadsAgentBody assigns several leads of a campaign to one agent.
type leadsAgentBody struct {
	Leads []int64 `json:"leads"`
	// Agent is a user id; "" assigns the leads to nobody.
	Agent string `json:"agent"`
}

type dncBody struct {
	Numbers []string `json:"numbers"`
	Reason  string   `json:"reason,omitempty"`
	// Campaign puts the numbers on that campaign's suppression list
	// instead of the tenant's list.
	Campaign string `json:"campaign,omitempty"`
}

type dncResult struct {
	Added    int                    `json:"added"`
	Rejected []campaign.RejectedRow `json:"rejected"`
}

type skipBody struct {
	Reason string `json:"reason"`
	// Final closes the lead; otherwise it comes back after RetryAfterMS
	// (default an hour).
	Final        bool  `json:"final,omitempty"`
	RetryAfterMS int64 `json:"retry_after_ms,omitempty"`
}

// progressView is the progress with the campaign's settings left out.
type progressView = campaign.Progress

// attemptView is an attempt with its script answers as JSON.
type attemptView struct {
	store.CampaignAttempt
	Answers json.RawMessage `json:"answers"`
}

func viewAttempt(a store.CampaignAttempt) attemptView {
	ans := a.Answers
	if ans == "" {
		ans = "{}"
	}
	return attemptView{CampaignAttempt: a, Answers: json.RawMessage(ans)}
}

// leadView is a lead for supervisors, with its custom fields as JSON.
type leadView struct {
	store.Lead
	Fields json.RawMessage `json:"fields"`
}

const importLimit = 512 << 20 // bytes of one CSV upload

func (s *Server) addCampaignRoutes() {
	const tag = "campaigns"
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/campaigns", Summary: "List the tenant's outbound campaigns", Tag: tag, Roles: rolesSupervisor,
		Response: []campaign.Campaign{}, Handler: s.listCampaigns})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/campaigns", Summary: "Create a campaign (a draft): type preview | progressive | predictive | ivr_broadcast, queue, caller ID, masking, window, retries, dispositions, script",
		Tag: tag, Roles: rolesSupervisor, Request: campaignBody{}, Response: campaign.Campaign{}, Status: http.StatusCreated, ObjectType: "campaign", Handler: s.createCampaign})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/campaigns/:id", Summary: "Get a campaign", Tag: tag, Roles: rolesSupervisor, Response: campaign.Campaign{}, Handler: s.getCampaign})
	s.Add(&Route{Method: http.MethodPut, Path: "/api/v1/campaigns/:id", Summary: "Change a campaign's name and settings; a running campaign takes them at once (pacing, window, retries, caller ID)",
		Tag: tag, Roles: rolesSupervisor, Request: campaignBody{}, Response: campaign.Campaign{}, ObjectType: "campaign", Handler: s.updateCampaign})
	s.Add(&Route{Method: http.MethodDelete, Path: "/api/v1/campaigns/:id", Summary: "Delete a draft or finished campaign with its leads and results",
		Tag: tag, Roles: rolesSupervisor, Status: http.StatusNoContent, ObjectType: "campaign", Handler: s.deleteCampaign})
	for _, a := range []campaign.Action{campaign.Start, campaign.Pause, campaign.Stop} {
		s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/campaigns/:id/" + string(a), Summary: map[campaign.Action]string{
			campaign.Start: "Start (or resume) a campaign: draft or paused → running",
			campaign.Pause: "Pause a running campaign: no new calls; calls in progress finish; previewed leads go back to the list",
			campaign.Stop:  "Finish a campaign for good",
		}[a], Tag: tag, Roles: rolesSupervisor, Response: campaign.Campaign{}, ObjectType: "campaign", Handler: s.actCampaign(a)})
	}
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/campaigns/:id/pacing", Summary: "A predictive campaign's pacing: compliance profile, abandon rate over the profile's period and the pacer's window, and the pacer's decisions with their inputs (?limit=N latest, default 60; 0 = the last hour)",
		Tag: tag, Roles: rolesSupervisor, Response: campaign.Pacing{}, Handler: s.campaignPacing})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/campaigns/:id/report", Summary: "A campaign's report: progress, call outcomes, attempts per lead, abandon rate per rolling window, agents' outbound productivity. Query: from, to (RFC 3339; default the last 24 h), window_ms (default 3600000), step_ms (default 900000); format=csv (or Accept: text/csv) with section=outcomes|attempts_per_lead|abandon|agents",
		Tag: tag, Roles: rolesSupervisor, Response: campaign.Report{}, Handler: s.campaignReport})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/campaigns/:id/progress", Summary: "A campaign's progress: leads by status, attempts by outcome, skips by kind, calls in flight",
		Tag: tag, Roles: rolesSupervisor, Response: progressView{}, Handler: s.campaignProgress})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/campaigns/:id/leads/import", Summary: "Import leads from a CSV file sent as the body (text/csv; up to 512 MiB). Query: encoding=auto|utf-8|gbk, " +
		"phone, name, agent (column headers), fields (JSON object: custom field → column; default every other column), strict=true (any rejected row imports nothing), dry_run=true. " +
		"Answers the report: rows, imported, rejected rows with row number and reason; 422 for a strict import with rejected rows",
		Tag: tag, Roles: rolesSupervisor, Response: campaign.ImportReport{}, ObjectType: "campaign_leads", Handler: s.importLeads})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/campaigns/:id/leads", Summary: "List a campaign's leads by id (query: status, agent, q (a name containing it, any case, or a phone containing its digits), after (lead id), limit)",
		Tag: tag, Roles: rolesSupervisor, Response: []leadView{}, Handler: s.listLeads})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/campaigns/:id/leads/export", Summary: "Export the leads with their results as CSV (status, attempts, last outcome, disposition, last call and its script answers)",
		Tag: tag, Roles: rolesSupervisor, Handler: s.exportLeads})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/campaigns/:id/leads/assign", Summary: "Share the campaign's unassigned pending leads among named agents in turn; answers how many each got",
		Tag: tag, Roles: rolesSupervisor, Request: assignBody{}, Response: map[string]int{}, ObjectType: "campaign_leads", Handler: s.assignLeads})
	s.Add(&Route{Method: http.MethodPut, Path: "/api/v1/campaigns/:id/leads/agent", Summary: "Assign leads of the campaign (ids, 1 to 10000) to a named agent (agent \"\" = to nobody): all of them, or none when one is not a lead of the campaign; answers how many",
		Tag: tag, Roles: rolesSupervisor, Request: leadsAgentBody{}, Response: map[string]int{}, ObjectType: "campaign_leads", Handler: s.setLeadsAgent})
	s.Add(&Route{Method: http.MethodPut, Path: "/api/v1/campaigns/:id/leads/:lead/agent", Summary: "Assign one lead to a named agent (agent \"\" = to nobody)",
		Tag: tag, Roles: rolesSupervisor, Request: leadAgentBody{}, Response: leadView{}, ObjectType: "campaign_leads", Handler: s.setLeadAgent})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/campaigns/:id/attempts", Summary: "A campaign's attempts (calls and skips with reasons, dispositions, script answers), oldest first (query: lead, kind=call|skip, limit)",
		Tag: tag, Roles: rolesSupervisor, Response: []attemptView{}, Handler: s.listAttempts})

	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/dnc", Summary: "The tenant's do-not-call list, or a campaign's suppression list (query: campaign, limit)",
		Tag: tag, Roles: rolesSupervisor, Response: []store.DNCEntry{}, Handler: s.listDNC(false)})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/dnc", Summary: "Add numbers to the tenant's do-not-call list or a campaign's suppression list (normalised like leads); answers how many were new and the rejected ones",
		Tag: tag, Roles: rolesSupervisor, Request: dncBody{}, Response: dncResult{}, ObjectType: "dnc", Handler: s.addDNC(false)})
	s.Add(&Route{Method: http.MethodDelete, Path: "/api/v1/dnc/:number", Summary: "Take a number off the tenant's do-not-call list (query: campaign for a suppression list)",
		Tag: tag, Roles: rolesSupervisor, Status: http.StatusNoContent, ObjectType: "dnc", Handler: s.removeDNC(false)})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/platform/dnc", Summary: "The platform's do-not-call list, checked for every tenant", Tag: tag, Roles: rolesSuper, Platform: true,
		Response: []store.DNCEntry{}, Handler: s.listDNC(true)})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/platform/dnc", Summary: "Add numbers to the platform's do-not-call list", Tag: tag, Roles: rolesSuper, Platform: true,
		Request: dncBody{}, Response: dncResult{}, ObjectType: "dnc", Handler: s.addDNC(true)})
	s.Add(&Route{Method: http.MethodDelete, Path: "/api/v1/platform/dnc/:number", Summary: "Take a number off the platform's do-not-call list", Tag: tag, Roles: rolesSuper, Platform: true,
		Status: http.StatusNoContent, ObjectType: "dnc", Handler: s.removeDNC(true)})
	s.addOps(campaignOps())
}

// campaignOps are the agents' campaign operations (REST and WebSocket).
func campaignOps() []*agentOp {
	return []*agentOp{
		op(agentOp{Cmd: "campaigns", Method: http.MethodGet, Path: "/api/v1/agent/campaigns", Tag: "agent",
			Summary: "The running campaigns of your queues", Roles: rolesAgents, Response: []campaign.Campaign{}}, agentCampaigns),
		op(agentOp{Cmd: "campaign-preview", Method: http.MethodPost, Path: "/api/v1/agent/campaigns/:id/preview", Tag: "agent",
			Summary: "Take the next lead of a running preview campaign (or the one you hold): its data, the number masked when the campaign masks numbers, the script and dispositions. 404 no_lead when none is callable now",
			Roles:   rolesAgents, Response: campaign.LeadView{}, ObjectType: "campaign_lead", Params: map[string]string{"campaign": "id"}}, campaignPreview),
		op(agentOp{Cmd: "lead-dial", Method: http.MethodPost, Path: "/api/v1/agent/leads/:id/dial", Tag: "agent",
			Summary: "Call the lead you preview, by its id: your phone rings, then the lead. Checked again at dial time (do-not-call, window): 409 lead_skipped with the reason",
			Roles:   rolesAgents, Response: campaign.DialResult{}, ObjectType: "campaign_lead", Params: map[string]string{"lead": "id"}}, leadDial),
		op(agentOp{Cmd: "lead-skip", Method: http.MethodPost, Path: "/api/v1/agent/leads/:id/skip", Tag: "agent",
			Summary: "Pass over the lead you preview, with a reason; final closes it, otherwise it comes back later",
			Roles:   rolesAgents, Status: http.StatusNoContent, ObjectType: "campaign_lead", Params: map[string]string{"lead": "id"}}, leadSkip),
		op(agentOp{Cmd: "campaign-disposition", Method: http.MethodPost, Path: "/api/v1/agent/attempts/:id/disposition", Tag: "agent",
			Summary: "Enter the disposition, script answers and a note of your campaign call (attempt id from the campaign_call event or the dial answer)",
			Roles:   rolesAgents, Response: attemptView{}, ObjectType: "campaign_attempt", Params: map[string]string{"attempt": "id"}}, campaignDispose),
	}
}

// campaignError maps the campaign package's errors to the API's.
func campaignError(err error) error {
	var fe campaign.FieldError
	var sk *campaign.SkippedError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &fe):
		return errInvalid(fe.Field, "%s", fe.Message)
	case errors.As(err, &sk):
		return &Error{Status: http.StatusConflict, Code: "lead_skipped", Message: sk.Reason}
	case errors.Is(err, campaign.ErrTransition), errors.Is(err, campaign.ErrNotRunning):
		return &Error{Status: http.StatusConflict, Code: "conflict", Message: err.Error()}
	case errors.Is(err, campaign.ErrNoLead):
		return &Error{Status: http.StatusNotFound, Code: "no_lead", Message: "no lead to call now"}
	case errors.Is(err, campaign.ErrNotYours):
		return &Error{Status: http.StatusNotFound, Code: "not_found", Message: "no such lead in your preview"}
	case errors.Is(err, campaign.ErrNotMember):
		return &Error{Status: http.StatusForbidden, Code: "forbidden", Message: "you are not a member of the campaign's queue"}
	}
	return err
}

// checkCampaignTrunk refuses a campaign trunk (a gateway, for tenants
// without outbound routes) the platform does not allow the tenant.
func (s *Server) checkCampaignTrunk(tenant string, set *campaign.Settings) error {
	if set.Trunk == "" {
		return nil
	}
	if err := s.opt.GatewayRules.Policy().Check(tenant, "settings.trunk", set.Trunk); err != nil {
		return routingInvalid(err)
	}
	return nil
}

func (s *Server) listCampaigns(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	out, err := campaign.List(c.Request().Context(), s.opt.Store, tenant)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) createCampaign(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var b campaignBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	cp := &campaign.Campaign{TenantID: tenant, ID: strings.TrimSpace(b.ID), Name: strings.TrimSpace(b.Name), Type: b.Type, Settings: b.Settings}
	setAudit(c, cp.ID, map[string]any{"type": cp.Type})
	if err := s.checkCampaignTrunk(tenant, &b.Settings); err != nil {
		return err
	}
	if err := campaign.Create(c.Request().Context(), s.opt.Store, cp); err != nil {
		return campaignError(err)
	}
	return c.JSON(http.StatusCreated, cp)
}

func (s *Server) getCampaign(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	cp, err := campaign.Get(c.Request().Context(), s.opt.Store, tenant, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, cp)
}

func (s *Server) updateCampaign(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var b campaignBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	if b.ID != "" && b.ID != c.Param("id") {
		return errInvalid("id", "the id in the body (%s) is not the one in the path", b.ID)
	}
	if err := s.checkCampaignTrunk(tenant, &b.Settings); err != nil {
		return err
	}
	cp := &campaign.Campaign{TenantID: tenant, ID: c.Param("id"), Name: strings.TrimSpace(b.Name), Type: b.Type, Settings: b.Settings}
	if err := campaign.Update(c.Request().Context(), s.opt.Store, cp); err != nil {
		return campaignError(err)
	}
	return c.JSON(http.StatusOK, cp)
}

func (s *Server) deleteCampaign(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	if err := campaign.Delete(c.Request().Context(), s.opt.Store, tenant, c.Param("id")); err != nil {
		return campaignError(err)
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) actCampaign(a campaign.Action) echo.HandlerFunc {
	return func(c echo.Context) error {
		tenant, err := tenantRequired(c)
		if err != nil {
			return err
		}
		setAudit(c, c.Param("id"), map[string]any{"action": string(a)})
		cp, err := campaign.Act(c.Request().Context(), s.opt.Store, tenant, c.Param("id"), a)
		if err != nil {
			return campaignError(err)
		}
		if ev, ok := map[campaign.Status]string{campaign.Running: webhook.EventCampaignStarted, campaign.Paused: webhook.EventCampaignPaused, campaign.Finished: webhook.EventCampaignDone}[cp.Status]; ok {
			s.emit(c.Request().Context(), tenant, ev, "", cp)
		}
		return c.JSON(http.StatusOK, cp)
	}
}

func (s *Server) campaignProgress(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	p, err := campaign.GetProgress(c.Request().Context(), s.opt.Store, nil, tenant, c.Param("id"))
	if err != nil {
		return err
	}
	if s.opt.Campaigns != nil {
		p.InFlight = s.opt.Campaigns.InFlight(tenant, p.CampaignID)
	}
	return c.JSON(http.StatusOK, p)
}

func (s *Server) campaignPacing(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	limit := 60
	if v := c.QueryParam("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 0 {
			return echo.NewHTTPError(http.StatusBadRequest, "limit: a count of decisions (0: the whole last hour)")
		}
	}
	var d campaign.Live
	if s.opt.Campaigns != nil {
		d = s.opt.Campaigns
	}
	p, err := campaign.GetPacing(c.Request().Context(), s.opt.Store, d, tenant, c.Param("id"), limit, time.Now())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func boolParam(c echo.Context, name string) (bool, error) {
	switch v := c.QueryParam(name); v {
	case "":
		return false, nil
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	default:
		return false, errInvalid(name, "%s must be true or false, got %q", name, v)
	}
}

func (s *Server) importLeads(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	cp, err := campaign.Get(ctx, s.opt.Store, tenant, c.Param("id"))
	if err != nil {
		return err
	}
	if cp.Status == campaign.Finished {
		return &Error{Status: http.StatusConflict, Code: "conflict", Message: "the campaign is finished"}
	}
	opt := campaign.ImportOptions{Encoding: c.QueryParam("encoding"),
		Mapping: campaign.Mapping{Phone: c.QueryParam("phone"), Name: c.QueryParam("name"), Agent: c.QueryParam("agent")}}
	if f := c.QueryParam("fields"); f != "" {
		if err := json.Unmarshal([]byte(f), &opt.Mapping.Fields); err != nil {
			return errInvalid("fields", "fields must be a JSON object of custom field name to column header")
		}
	}
	if opt.Strict, err = boolParam(c, "strict"); err != nil {
		return err
	}
	if opt.DryRun, err = boolParam(c, "dry_run"); err != nil {
		return err
	}
	opt.Agent = func(name string) (string, bool) {
		if u, err := s.opt.Store.GetUser(ctx, tenant, name); err == nil && !u.Disabled {
			return u.ID, true
		}
		if u, err := s.opt.Store.GetUserByName(ctx, tenant, name); err == nil && !u.Disabled {
			return u.ID, true
		}
		return "", false
	}
	body := http.MaxBytesReader(c.Response(), c.Request().Body, importLimit)
	rep, err := campaign.Import(ctx, s.opt.Store, cp, body, opt)
	setAudit(c, cp.ID, map[string]any{"dry_run": opt.DryRun, "strict": opt.Strict})
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return &Error{Status: http.StatusRequestEntityTooLarge, Code: "request_entity_too_large", Message: fmt.Sprintf("the CSV file is larger than %d MiB", importLimit>>20)}
	case errors.Is(err, campaign.ErrRejectedRows):
		return c.JSON(http.StatusUnprocessableEntity, rep)
	case err != nil && strings.HasPrefix(err.Error(), "campaign: "):
		return errInvalid("body", "%s", strings.TrimPrefix(err.Error(), "campaign: "))
	case err != nil:
		return err
	}
	return c.JSON(http.StatusOK, rep)
}

func (s *Server) listLeads(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := s.opt.Store.GetCampaign(ctx, tenant, c.Param("id")); err != nil {
		return err
	}
	f := store.LeadFilter{Status: c.QueryParam("status"), AgentID: c.QueryParam("agent"), Search: c.QueryParam("q")}
	if len(f.Search) > 100 {
		return errInvalid("q", "search with at most 100 characters")
	}
	if v := c.QueryParam("after"); v != "" {
		if f.AfterID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return errInvalid("after", "after must be a lead id")
		}
	}
	if err := limitParam(c, &f.Limit); err != nil {
		return err
	}
	leads, err := s.opt.Store.ListLeads(ctx, tenant, c.Param("id"), f)
	if err != nil {
		return err
	}
	out := make([]leadView, len(leads))
	for i, l := range leads {
		out[i] = leadView{Lead: l, Fields: json.RawMessage(l.Fields)}
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) exportLeads(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	cp, err := campaign.Get(ctx, s.opt.Store, tenant, c.Param("id"))
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+cp.ID+`-leads.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	if err := campaign.Export(ctx, s.opt.Store, cp, c.Response(), nil); err != nil {
		s.log.Warn("lead export cut short", "campaign", cp.ID, "err", err)
	}
	return nil
}

func (s *Server) campaignReport(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var o campaign.ReportOptions
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &o.From}, {"to", &o.To}} {
		if v := c.QueryParam(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return echo.NewHTTPError(http.StatusBadRequest, p.name+": an RFC 3339 time")
			}
			*p.dst = t
		}
	}
	for _, p := range []struct {
		name string
		dst  *time.Duration
	}{{"window_ms", &o.Window}, {"step_ms", &o.Step}} {
		if v := c.QueryParam(p.name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 60000 {
				return echo.NewHTTPError(http.StatusBadRequest, p.name+": milliseconds, at least 60000")
			}
			*p.dst = time.Duration(n) * time.Millisecond
		}
	}
	if !o.From.IsZero() && !o.To.IsZero() && !o.From.Before(o.To) {
		return echo.NewHTTPError(http.StatusBadRequest, "from must be before to")
	}
	r, err := campaign.BuildReport(c.Request().Context(), s.opt.Store, tenant, c.Param("id"), o)
	if err != nil {
		return err
	}
	asCSV := c.QueryParam("format") == "csv" || strings.Contains(c.Request().Header.Get(echo.HeaderAccept), "text/csv")
	if !asCSV {
		return c.JSON(http.StatusOK, r)
	}
	section := c.QueryParam("section")
	if !slices.Contains(campaign.ReportSections, section) {
		return echo.NewHTTPError(http.StatusBadRequest, "section: one of "+strings.Join(campaign.ReportSections, ", ")+" for CSV")
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+r.CampaignID+`-`+section+`.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	return r.WriteCSV(c.Response(), section)
}

func (s *Server) assignLeads(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var b assignBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := s.opt.Store.GetCampaign(ctx, tenant, c.Param("id")); err != nil {
		return err
	}
	if len(b.Agents) == 0 || len(b.Agents) > 1000 {
		return errInvalid("agents", "name 1 to 1000 agents")
	}
	if b.PerAgent < 0 {
		return errInvalid("per_agent", "per_agent must not be negative")
	}
	for _, a := range b.Agents {
		if _, err := s.opt.Store.GetUser(ctx, tenant, a); err != nil {
			if store.IsNotFound(err) {
				return errInvalid("agents", "no user %q in this tenant", a)
			}
			return err
		}
	}
	got, err := s.opt.Store.AssignLeads(ctx, tenant, c.Param("id"), b.Agents, b.PerAgent)
	if err != nil {
		return err
	}
	setAudit(c, c.Param("id"), map[string]any{"agents": b.Agents})
	return c.JSON(http.StatusOK, got)
}

func (s *Server) setLeadAgent(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var b leadAgentBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	ctx := c.Request().Context()
	id, err := strconv.ParseInt(c.Param("lead"), 10, 64)
	if err != nil || id <= 0 {
		return errInvalid("lead", "lead must be a lead id")
	}
	l, err := s.opt.Store.GetLead(ctx, tenant, id)
	if err != nil || l.CampaignID != c.Param("id") {
		return errNotFound("lead")
	}
	b.Agent = strings.TrimSpace(b.Agent)
	if b.Agent != "" {
		if _, err := s.opt.Store.GetUser(ctx, tenant, b.Agent); err != nil {
			if store.IsNotFound(err) {
				return errInvalid("agent", "no user %q in this tenant", b.Agent)
			}
			return err
		}
	}
	if err := s.opt.Store.SetLeadAgent(ctx, tenant, id, b.Agent); err != nil {
		return err
	}
	setAudit(c, c.Param("lead"), map[string]any{"agent": b.Agent, "campaign": l.CampaignID})
	l.AgentID = b.Agent
	return c.JSON(http.StatusOK, leadView{Lead: *l, Fields: json.RawMessage(l.Fields)})
}

func (s *Server) setLeadsAgent(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var b leadsAgentBody
	if err := decodeJSON(c, &b); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := s.opt.Store.GetCampaign(ctx, tenant, c.Param("id")); err != nil {
		return err
	}
	if len(b.Leads) == 0 || len(b.Leads) > 10000 {
		return errInvalid("leads", "name 1 to 10000 leads")
	}
	b.Agent = strings.TrimSpace(b.Agent)
	if b.Agent != "" {
		if _, err := s.opt.Store.GetUser(ctx, tenant, b.Agent); err != nil {
			if store.IsNotFound(err) {
				return errInvalid("agent", "no user %q in this tenant", b.Agent)
			}
			return err
		}
	}
	if err := s.opt.Store.SetLeadsAgent(ctx, tenant, c.Param("id"), b.Leads, b.Agent); err != nil {
		var nl *store.NotALeadError
		if errors.As(err, &nl) {
			i := slices.Index(b.Leads, nl.ID)
			return errInvalid(fmt.Sprintf("leads[%d]", i), "%d is not a lead of this campaign: no lead was assigned", nl.ID)
		}
		return err
	}
	setAudit(c, c.Param("id"), map[string]any{"agent": b.Agent, "leads": len(b.Leads)})
	return c.JSON(http.StatusOK, map[string]int{"assigned": len(b.Leads)})
}

func (s *Server) listAttempts(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if _, err := s.opt.Store.GetCampaign(ctx, tenant, c.Param("id")); err != nil {
		return err
	}
	f := store.AttemptFilter{Kind: c.QueryParam("kind")}
	if f.Kind != "" && f.Kind != store.AttemptCall && f.Kind != store.AttemptSkip {
		return errInvalid("kind", "kind must be call or skip")
	}
	if v := c.QueryParam("lead"); v != "" {
		if f.LeadID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return errInvalid("lead", "lead must be a lead id")
		}
	}
	if err := limitParam(c, &f.Limit); err != nil {
		return err
	}
	list, err := s.opt.Store.ListAttempts(ctx, tenant, c.Param("id"), f)
	if err != nil {
		return err
	}
	out := make([]attemptView, len(list))
	for i, a := range list {
		out[i] = viewAttempt(a)
	}
	return c.JSON(http.StatusOK, out)
}

// dncList names the list a DNC request acts on.
func (s *Server) dncList(c echo.Context, platform bool, campaignID string) (string, string, error) {
	if platform {
		if campaignID != "" {
			return "", "", errInvalid("campaign", "the platform list has no campaigns")
		}
		return store.DNCPlatformTenant, store.DNCTenantScope, nil
	}
	tenant, err := tenantRequired(c)
	if err != nil {
		return "", "", err
	}
	if campaignID != "" {
		if _, err := s.opt.Store.GetCampaign(c.Request().Context(), tenant, campaignID); err != nil {
			if store.IsNotFound(err) {
				return "", "", errInvalid("campaign", "no campaign %q", campaignID)
			}
			return "", "", err
		}
	}
	return tenant, campaignID, nil
}

func (s *Server) listDNC(platform bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		tenant, scope, err := s.dncList(c, platform, c.QueryParam("campaign"))
		if err != nil {
			return err
		}
		var limit int
		if err := limitParam(c, &limit); err != nil {
			return err
		}
		out, err := s.opt.Store.ListDNC(c.Request().Context(), tenant, scope, limit)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	}
}

func (s *Server) addDNC(platform bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		var b dncBody
		if err := decodeJSON(c, &b); err != nil {
			return err
		}
		tenant, scope, err := s.dncList(c, platform, strings.TrimSpace(b.Campaign))
		if err != nil {
			return err
		}
		if len(b.Numbers) == 0 || len(b.Numbers) > 100000 {
			return errInvalid("numbers", "send 1 to 100000 numbers")
		}
		if len(b.Reason) > 200 {
			return errInvalid("reason", "at most 200 characters")
		}
		ok, bad := campaign.NormalizeNumbers(b.Numbers, "86")
		added, err := s.opt.Store.AddDNC(c.Request().Context(), tenant, scope, ok, strings.TrimSpace(b.Reason))
		if err != nil {
			return err
		}
		setAudit(c, scope, map[string]any{"added": added, "platform": platform})
		if bad == nil {
			bad = []campaign.RejectedRow{}
		}
		return c.JSON(http.StatusOK, dncResult{Added: added, Rejected: bad})
	}
}

func (s *Server) removeDNC(platform bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		tenant, scope, err := s.dncList(c, platform, c.QueryParam("campaign"))
		if err != nil {
			return err
		}
		n, _, err := campaign.Normalize(c.Param("number"), "86")
		if err != nil {
			n = c.Param("number")
		}
		if err := s.opt.Store.RemoveDNC(c.Request().Context(), tenant, scope, n); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
}

func (x *opCall) campaigns() (Campaigns, error) {
	if x.s.opt.Campaigns == nil {
		return nil, &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "the campaign dialer is not running in this controller"}
	}
	return x.s.opt.Campaigns, nil
}

func idParam(x *opCall, name string) (int64, error) {
	v := x.params[name]
	x.objectID = v
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, errInvalid(name, "%s must be a numeric id", name)
	}
	return id, nil
}

func agentCampaigns(ctx context.Context, x *opCall, _ *noBody) (any, error) {
	cs, err := x.campaigns()
	if err != nil {
		return nil, err
	}
	queues, err := x.s.opt.Store.AgentQueues(ctx, x.tenant, x.p.ID)
	if err != nil {
		return nil, err
	}
	if x.p.Role != auth.RoleAgent {
		queues = nil
		all, err := campaign.List(ctx, x.s.opt.Store, x.tenant)
		if err != nil {
			return nil, err
		}
		for _, c := range all {
			queues = append(queues, c.Settings.QueueID)
		}
	}
	return cs.AgentCampaigns(ctx, x.tenant, x.p.ID, queues)
}

func campaignPreview(ctx context.Context, x *opCall, _ *noBody) (any, error) {
	cs, err := x.campaigns()
	if err != nil {
		return nil, err
	}
	x.objectID = x.params["campaign"]
	v, err := cs.Preview(ctx, x.tenant, x.p.ID, x.params["campaign"])
	if err != nil {
		return nil, campaignError(err)
	}
	x.detail = map[string]any{"lead": v.LeadID}
	return v, nil
}

func leadDial(ctx context.Context, x *opCall, _ *noBody) (any, error) {
	cs, err := x.campaigns()
	if err != nil {
		return nil, err
	}
	id, err := idParam(x, "lead")
	if err != nil {
		return nil, err
	}
	res, err := cs.Dial(ctx, x.tenant, x.p.ID, id)
	if err != nil {
		if re := refusalError(err); re != nil {
			return nil, re
		}
		if store.IsNotFound(err) {
			return nil, errNotFound("lead")
		}
		if ce := campaignError(err); ce != err {
			return nil, ce
		}
		if ae := acdError(err); ae != err {
			return nil, ae
		}
		return nil, &Error{Status: http.StatusConflict, Code: "dial_failed", Message: err.Error()}
	}
	x.detail = map[string]any{"call": res.CallID, "attempt": res.AttemptID}
	return res, nil
}

func leadSkip(ctx context.Context, x *opCall, req *skipBody) (any, error) {
	cs, err := x.campaigns()
	if err != nil {
		return nil, err
	}
	id, err := idParam(x, "lead")
	if err != nil {
		return nil, err
	}
	if req.RetryAfterMS < 0 {
		return nil, errInvalid("retry_after_ms", "must not be negative")
	}
	x.detail = map[string]any{"reason": req.Reason, "final": req.Final}
	return nil, campaignError(cs.Skip(ctx, x.tenant, x.p.ID, id, req.Reason, req.Final, time.Duration(req.RetryAfterMS)*time.Millisecond))
}

func campaignDispose(ctx context.Context, x *opCall, req *campaign.DispositionInput) (any, error) {
	cs, err := x.campaigns()
	if err != nil {
		return nil, err
	}
	id, err := idParam(x, "attempt")
	if err != nil {
		return nil, err
	}
	x.detail = map[string]any{"code": req.Code}
	a, err := cs.Dispose(ctx, x.tenant, x.p.ID, id, *req)
	if err != nil {
		return nil, campaignError(err)
	}
	return viewAttempt(*a), nil
}
