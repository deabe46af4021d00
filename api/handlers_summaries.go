package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/crm"
	"github.com/ipcc/ipcc/store"
)

// serviceSummaryView is a call's service summary (服务小结).
type serviceSummaryView struct {
	store.CallSummary
	Fields map[string]any `json:"fields"`
}

// summaryReport counts summaries by business, type and outcome.
type summaryReport struct {
	Total  int                  `json:"total"`
	Groups []store.SummaryCount `json:"groups"`
}

func viewSummary(cs store.CallSummary) serviceSummaryView {
	v := serviceSummaryView{CallSummary: cs, Fields: map[string]any{}}
	_ = json.Unmarshal([]byte(cs.Fields), &v.Fields)
	return v
}

func (s *Server) addSummaryRoutes() {
	const tag = "summaries"
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/summary-forms", Summary: "The queues' wrap-up forms (服务小结): businesses, types, outcomes, custom fields, and required (the agent cannot leave wrap-up before submitting)", Tag: tag,
		Roles: rolesAnyone, Response: []crm.SummaryForm{}, Handler: s.listSummaryForms})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/summary-forms/:queue", Summary: "A queue's wrap-up form; 404 when it has none", Tag: tag,
		Roles: rolesAnyone, Response: crm.SummaryForm{}, Handler: s.getSummaryForm})
	s.Add(&Route{Method: http.MethodPut, Path: "/api/v1/summary-forms/:queue", Summary: "Create or replace a queue's wrap-up form; required is kept on the queue (summary_required) and applies from the next call", Tag: tag,
		Roles: rolesAdmin, Request: crm.SummaryForm{}, Response: crm.SummaryForm{}, ObjectType: "queue", Handler: s.putSummaryForm})
	s.Add(&Route{Method: http.MethodDelete, Path: "/api/v1/summary-forms/:queue", Summary: "Remove a queue's wrap-up form (and its requirement)", Tag: tag,
		Roles: rolesAdmin, Status: http.StatusNoContent, ObjectType: "queue", Handler: s.deleteSummaryForm})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/calls/:id/summary", Summary: "Submit (or correct) the service summary of a call, checked against its queue's form. Agents: only for calls they answered. Lets a queue's agent whose summary is required leave wrap-up", Tag: tag,
		Roles: rolesAnyone, Request: crm.Summary{}, Response: serviceSummaryView{}, ObjectType: "call_summary", Handler: s.submitSummary})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/calls/:id/summary", Summary: "The service summary of a call; 404 when none was submitted", Tag: tag,
		Roles: rolesAnyone, Response: serviceSummaryView{}, Handler: s.getSummary})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/reports/summaries", Summary: "Service summaries counted by business, type and outcome. Query: from, to (RFC 3339 or date; default the last 24 h), queue; format=csv for CSV", Tag: tag,
		Roles: rolesSupervisor, Response: summaryReport{}, Handler: s.summaryReport})
}

func (s *Server) summaryForm(ctx context.Context, tenant, queue string) (*crm.SummaryForm, error) {
	row, err := s.opt.Store.GetSummaryForm(ctx, tenant, queue)
	if err != nil {
		return nil, err
	}
	var f crm.SummaryForm
	if err := json.Unmarshal([]byte(row.Config), &f); err != nil {
		return nil, err
	}
	f.QueueID = queue
	if q, err := s.opt.Store.GetACDQueue(ctx, tenant, queue); err == nil {
		if cfg, err := acd.QueueFromRow(q); err == nil {
			f.Required = cfg.SummaryRequired
		}
	}
	return &f, nil
}

func (s *Server) listSummaryForms(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	rows, err := s.opt.Store.ListSummaryForms(ctx, tenant)
	if err != nil {
		return err
	}
	out := []crm.SummaryForm{}
	for _, r := range rows {
		f, err := s.summaryForm(ctx, tenant, r.QueueID)
		if err != nil {
			return err
		}
		out = append(out, *f)
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) getSummaryForm(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	f, err := s.summaryForm(c.Request().Context(), tenant, c.Param("queue"))
	if err != nil {
		if store.IsNotFound(err) {
			return errNotFound("summary form of queue " + c.Param("queue"))
		}
		return err
	}
	return c.JSON(http.StatusOK, f)
}

// setSummaryRequired writes the queue's summary_required flag.
func (s *Server) setSummaryRequired(ctx context.Context, tenant, queue string, required bool) error {
	row, err := s.opt.Store.GetACDQueue(ctx, tenant, queue)
	if err != nil {
		return err
	}
	cfg, err := acd.QueueFromRow(row)
	if err != nil {
		return err
	}
	if cfg.SummaryRequired == required {
		return nil
	}
	cfg.SummaryRequired = required
	nrow, err := acd.QueueRow(tenant, cfg)
	if err != nil {
		return err
	}
	return s.opt.Store.UpdateACDQueue(ctx, nrow)
}

func (s *Server) putSummaryForm(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	queue := c.Param("queue")
	var f crm.SummaryForm
	if err := decodeJSON(c, &f); err != nil {
		return err
	}
	if f.QueueID != "" && f.QueueID != queue {
		return errInvalid("queue_id", "queue_id %q differs from the path's %q", f.QueueID, queue)
	}
	f.QueueID = queue
	if f.Fields == nil {
		f.Fields = []crm.Field{}
	}
	if err := f.Validate(); err != nil {
		return errInvalid("", "%v", err)
	}
	ctx := c.Request().Context()
	if _, err := s.opt.Store.GetACDQueue(ctx, tenant, queue); err != nil {
		if store.IsNotFound(err) {
			return errNotFound("queue " + queue)
		}
		return err
	}
	b, _ := json.Marshal(f)
	if err := s.opt.Store.PutSummaryForm(ctx, &store.SummaryFormRow{TenantID: tenant, QueueID: queue, Config: string(b)}); err != nil {
		return err
	}
	if err := s.setSummaryRequired(ctx, tenant, queue, f.Required); err != nil {
		return err
	}
	setAudit(c, queue, map[string]any{"summary_form": true, "required": f.Required})
	return c.JSON(http.StatusOK, f)
}

func (s *Server) deleteSummaryForm(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	queue := c.Param("queue")
	ctx := c.Request().Context()
	if err := s.opt.Store.DeleteSummaryForm(ctx, tenant, queue); err != nil {
		return err
	}
	if err := s.setSummaryRequired(ctx, tenant, queue, false); err != nil && !store.IsNotFound(err) {
		return err
	}
	setAudit(c, queue, map[string]any{"summary_form": "deleted"})
	return c.NoContent(http.StatusNoContent)
}

// summaryCall loads a call the caller may summarise or read: agents only
// the calls they answered.
func (s *Server) summaryCall(c echo.Context, tenant string) (*store.CallRecord, error) {
	rec, err := s.opt.Store.GetCall(c.Request().Context(), tenant, c.Param("id"))
	if err != nil {
		if store.IsNotFound(err) {
			return nil, errNotFound("call " + c.Param("id"))
		}
		return nil, err
	}
	if p := principalOf(c); p.Role == auth.RoleAgent && rec.AgentID != p.ID {
		return nil, errNotFound("call " + c.Param("id"))
	}
	return rec, nil
}

func (s *Server) submitSummary(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	rec, err := s.summaryCall(c, tenant)
	if err != nil {
		return err
	}
	var in crm.Summary
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if rec.QueueID == "" {
		return errInvalid("id", "call %s went through no queue, so it has no summary form", rec.ID)
	}
	f, err := s.summaryForm(ctx, tenant, rec.QueueID)
	if err != nil {
		if store.IsNotFound(err) {
			return errInvalid("id", "queue %s of call %s has no summary form", rec.QueueID, rec.ID)
		}
		return err
	}
	sum, err := f.Check(in)
	if err != nil {
		return errInvalid("", "%v", err)
	}
	fb, _ := json.Marshal(sum.Fields)
	cs := &store.CallSummary{TenantID: tenant, CallID: rec.ID, QueueID: rec.QueueID, AgentID: rec.AgentID, Business: sum.Business, Type: sum.Type, Outcome: sum.Outcome, Fields: string(fb)}
	if err := s.opt.Store.SaveCallSummary(ctx, cs); err != nil {
		return err
	}
	if s.opt.ACD != nil && rec.AgentID != "" {
		if e, err := s.opt.ACD.Engine(ctx, tenant); err == nil {
			if err := e.SummarySubmitted(ctx, rec.AgentID, rec.ID); err != nil {
				s.log.Warn("summary submitted but wrap-up not ended", "tenant", tenant, "call", rec.ID, "err", err)
			}
		}
	}
	setAudit(c, rec.ID, map[string]any{"outcome": cs.Outcome})
	return c.JSON(http.StatusOK, viewSummary(*cs))
}

func (s *Server) getSummary(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	rec, err := s.summaryCall(c, tenant)
	if err != nil {
		return err
	}
	cs, err := s.opt.Store.GetCallSummary(c.Request().Context(), tenant, rec.ID)
	if err != nil {
		if store.IsNotFound(err) {
			return errNotFound("summary of call " + rec.ID)
		}
		return err
	}
	return c.JSON(http.StatusOK, viewSummary(*cs))
}

func (s *Server) summaryReport(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	f, err := workOrderFilter(c)
	if err != nil {
		return err
	}
	to := f.To
	if to.IsZero() {
		to = time.Now().UTC()
	}
	from := f.From
	if from.IsZero() {
		from = to.Add(-24 * time.Hour)
	}
	groups, err := s.opt.Store.CountCallSummaries(c.Request().Context(), tenant, c.QueryParam("queue"), from, to)
	if err != nil {
		return err
	}
	r := summaryReport{Groups: groups}
	for _, g := range groups {
		r.Total += g.Count
	}
	if c.QueryParam("format") == "csv" {
		var buf bytes.Buffer
		buf.WriteString("\ufeff")
		w := csv.NewWriter(&buf)
		_ = w.Write([]string{"business", "type", "outcome", "count"})
		for _, g := range groups {
			_ = w.Write([]string{g.Business, g.Type, g.Outcome, strconv.Itoa(g.Count)})
		}
		w.Flush()
		c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="summaries.csv"`)
		return c.Blob(http.StatusOK, "text/csv; charset=utf-8", buf.Bytes())
	}
	return c.JSON(http.StatusOK, r)
}
