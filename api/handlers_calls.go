package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/reports"
	"github.com/ipcc/ipcc/store"
)

// callSummary is a call record as listed: the JSON arrays decoded.
type callSummary struct {
	store.CallRecord
	// The answering agent's name and work number, next to agent_id.
	reports.AgentLabel
	IVRPath       []string `json:"ivr_path"`
	AgentsOffered []string `json:"agents_offered"`
	// AgentsOfferedLabels name the agents of agents_offered, in the same
	// order.
	AgentsOfferedLabels []reports.AgentLabel `json:"agents_offered_labels"`
}

// legView is a leg with its agent's (or supervisor's) name.
type legView struct {
	store.CallLeg
	reports.AgentLabel
}

// callView is one call in full: its legs, recordings, voicemail message,
// survey ratings and decision trace.
type callView struct {
	callSummary
	Legs       []legView               `json:"legs"`
	Recordings []store.RecordingRow    `json:"recordings"`
	Voicemail  *store.VoicemailMessage `json:"voicemail,omitempty"`
	Surveys    []store.SurveyResult    `json:"surveys"`
	Trace      json.RawMessage         `json:"trace,omitempty"`
	// ServiceSummary is the agent's service summary (服务小结), when one
	// was submitted.
	ServiceSummary *serviceSummaryView `json:"service_summary,omitempty"`
}

func summarize(r store.CallRecord, label func(string) reports.AgentLabel) callSummary {
	s := callSummary{CallRecord: r, AgentLabel: label(r.AgentID), IVRPath: []string{}, AgentsOffered: []string{}}
	_ = json.Unmarshal([]byte(r.IVRPath), &s.IVRPath)
	_ = json.Unmarshal([]byte(r.AgentsOffered), &s.AgentsOffered)
	if s.IVRPath == nil {
		s.IVRPath = []string{}
	}
	if s.AgentsOffered == nil {
		s.AgentsOffered = []string{}
	}
	s.AgentsOfferedLabels = make([]reports.AgentLabel, len(s.AgentsOffered))
	for i, a := range s.AgentsOffered {
		s.AgentsOfferedLabels[i] = label(a)
	}
	return s
}

var rolesCallReaders = []auth.Role{auth.RoleAdmin, auth.RoleSupervisor, auth.RoleQA}

var callDirections = map[string]bool{"inbound": true, "outbound": true, "internal": true}

func (s *Server) addCallRoutes() {
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/calls", Summary: "List the tenant's call detail records, newest first (query: since, until, number (partial), disposition, queue, agent (answered or had a leg), direction (inbound, outbound, internal), limit)", Tag: "calls",
		Roles: rolesCallReaders, Response: []callSummary{}, Handler: s.listCalls})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/calls/:id", Summary: "One call detail record with its legs, recordings, voicemail message, survey ratings and decision trace (route, flow nodes, agents offered, switch events)", Tag: "calls",
		Roles: rolesCallReaders, Response: callView{}, Handler: s.getCall})
}

func (s *Server) listCalls(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	f := store.CallFilter{Number: c.QueryParam("number"), Disposition: c.QueryParam("disposition"),
		Queue: c.QueryParam("queue"), Agent: c.QueryParam("agent"), Direction: c.QueryParam("direction")}
	if f.Direction != "" && !callDirections[f.Direction] {
		return errInvalid("direction", "query parameter direction: %q is not inbound, outbound or internal", f.Direction)
	}
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
	label, err := reports.AgentLabels(c.Request().Context(), s.opt.Store, tenant)
	if err != nil {
		return err
	}
	out := make([]callSummary, len(calls))
	for i, r := range calls {
		out[i] = summarize(r, label)
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) getCall(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	rec, err := s.opt.Store.GetCall(ctx, tenant, c.Param("id"))
	if err != nil {
		return err
	}
	label, err := reports.AgentLabels(ctx, s.opt.Store, tenant)
	if err != nil {
		return err
	}
	v := callView{callSummary: summarize(*rec, label), Legs: []legView{}}
	if json.Valid([]byte(rec.Trace)) {
		v.Trace = json.RawMessage(rec.Trace)
	}
	legs, err := s.opt.Store.ListCallLegs(ctx, tenant, rec.ID)
	if err != nil {
		return err
	}
	for _, l := range legs {
		v.Legs = append(v.Legs, legView{CallLeg: l, AgentLabel: label(l.AgentID)})
	}
	if v.Recordings, err = s.opt.Store.ListRecordings(ctx, tenant, store.RecordingFilter{CallID: rec.ID, Limit: 1000}); err != nil {
		return err
	}
	if v.Surveys, err = callSurveys(ctx, s.opt.Store, rec); err != nil {
		return err
	}
	if cs, err := s.opt.Store.GetCallSummary(ctx, tenant, rec.ID); err == nil {
		sv := viewSummary(*cs)
		v.ServiceSummary = &sv
	} else if !store.IsNotFound(err) {
		return err
	}
	if rec.VoicemailID != "" {
		if id, perr := strconv.ParseInt(rec.VoicemailID, 10, 64); perr == nil {
			// A message deleted since is simply not shown.
			if m, gerr := s.opt.Store.GetVoicemail(ctx, tenant, id); gerr == nil {
				v.Voicemail = m
			}
		}
	}
	return c.JSON(http.StatusOK, v)
}

// callSurveys are the ratings left on the call (during it, or in the
// survey flow right after the agent hung up).
func callSurveys(ctx context.Context, st *store.Store, rec *store.CallRecord) ([]store.SurveyResult, error) {
	until := time.Now().Add(time.Minute)
	if rec.EndedAt != nil {
		until = rec.EndedAt.Add(time.Hour)
	}
	rs, err := st.ListSurveyResults(ctx, rec.TenantID, rec.StartedAt.Add(-time.Minute), until)
	if err != nil {
		return nil, err
	}
	out := []store.SurveyResult{}
	for _, r := range rs {
		if r.CallID == rec.ID {
			out = append(out, r)
		}
	}
	return out, nil
}
