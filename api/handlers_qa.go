package api

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/egress"
	"github.com/ipcc/ipcc/qa"
	"github.com/ipcc/ipcc/reports"
	"github.com/ipcc/ipcc/store"
)

// Quality inspection (质检): templates, sampling tasks, scores, appeals,
// calibration, speech analytics, transcripts and QA reports. Who may do
// what is decided by package qa (see docs/qa.md); these handlers only
// translate HTTP.

type qaPickRequest struct {
	CallID   string `json:"call_id"`
	Reason   string `json:"reason"`
	Assignee string `json:"assignee"`
}

type qaAppealRequest struct {
	ItemID string `json:"item_id"`
	Reason string `json:"reason"`
}

type qaLeadRequest struct {
	Lead bool `json:"lead"`
}

type qaSkillsRequest struct {
	// Skills: queue ids the QA user may score, or "*" for every queue.
	Skills []string `json:"skills"`
}

type qaQueuesRequest struct {
	Queues []string `json:"queues"`
}

// qaSettings are a tenant's QA settings.
type qaSettings struct {
	AppealDays int    `json:"appeal_days"`
	ASRURL     string `json:"asr_url"`
	ASRModel   string `json:"asr_model"`
	// ASRKey is write-only: reads show whether one is set.
	ASRKey    string `json:"asr_key,omitempty"`
	ASRKeySet bool   `json:"asr_key_set"`
}

type qaMe struct {
	ID     string   `json:"id"`
	Role   string   `json:"role"`
	Lead   bool     `json:"lead"`
	Queues []string `json:"queues"`
}

type qaPeaks struct {
	PerSecond int       `json:"per_second"`
	Channels  []string  `json:"channels"`
	Peaks     [][]uint8 `json:"peaks"`
}

type qaPerson struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Role        string `json:"role"`
}

type qaDirectory struct {
	Users  []qaPerson `json:"users"`
	Queues []string   `json:"queues"`
}

type qaEvent struct {
	AtMS   int64  `json:"at_ms"`
	Time   string `json:"time"`
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
}

func (s *Server) addQARoutes() {
	r := func(method, path, summary string, req, resp any, obj string, h echo.HandlerFunc) {
		s.Add(&Route{Method: method, Path: "/api/v1/qa" + path, Summary: summary, Tag: "qa", Roles: rolesAnyone, Request: req, Response: resp, ObjectType: obj, Handler: h})
	}
	r(http.MethodGet, "/directory", "Users (id, name, role) and queues to pick from when building tasks, picking calls and reading scores (not for agents)", nil, qaDirectory{}, "", s.qaDirectory)
	r(http.MethodGet, "/me", "The caller's QA standing: role, QA lead permission, supervised queues", nil, qaMe{}, "", s.qaMe)
	r(http.MethodGet, "/templates", "Scoring templates (latest versions)", nil, []qa.TemplateView{}, "", s.qaListTemplates)
	r(http.MethodPost, "/templates", "Create a scoring template (QA lead, admin): weighted sections of items (points, deductions, yes_no, scale), fatal items, auto items from analytics, comment_below", qa.Template{}, qa.TemplateView{}, "qa_template", s.qaSaveTemplate)
	r(http.MethodGet, "/templates/:id", "A template (?version=N, default the latest)", nil, qa.TemplateView{}, "", s.qaGetTemplate)
	r(http.MethodPut, "/templates/:id", "Save the next version of a template (scores keep theirs)", qa.Template{}, qa.TemplateView{}, "qa_template", s.qaSaveTemplate)
	r(http.MethodGet, "/tasks", "Sampling tasks with progress (QA users: those with calls assigned to them)", nil, []qa.TaskView{}, "", s.qaListTasks)
	r(http.MethodPost, "/tasks", "Create a sampling task (QA lead, admin): date range, queues, agents, direction, disposition, ratio or count per agent, rules, assignees, deadline, seed", qa.TaskSpec{}, qa.TaskView{}, "qa_task", s.qaCreateTask)
	r(http.MethodGet, "/tasks/:id", "A task with progress", nil, qa.TaskView{}, "", s.qaGetTask)
	r(http.MethodGet, "/work", "Calls to score: the caller's assignments (leads: all); ?task= narrows", nil, []qa.TaskCallView{}, "", s.qaWork)
	r(http.MethodPost, "/picks", "Send a call to QA by hand with a reason (supervisor, QA lead, admin)", qaPickRequest{}, qa.TaskCallView{}, "qa_pick", s.qaPick)
	r(http.MethodGet, "/scores", "Scores the caller may see (agents: their own submitted ones; supervisors: their queues'); ?agent, status, call, task, calibration, since, until", nil, []qa.ScoreView{}, "", s.qaListScores)
	r(http.MethodPost, "/scores", "Start a score: a draft, or submitted with submit=true; the total is computed by the server", qa.ScoreInput{}, qa.ScoreView{}, "qa_score", s.qaSaveScore)
	r(http.MethodGet, "/scores/:id", "A score with its change history", nil, qa.ScoreView{}, "", s.qaGetScore)
	r(http.MethodPut, "/scores/:id", "Edit a draft score, or submit it (submit=true)", qa.ScoreInput{}, qa.ScoreView{}, "qa_score", s.qaSaveScore)
	r(http.MethodPost, "/scores/:id/appeals", "Appeal one item of one's own score within the appeal window (agents)", qaAppealRequest{}, store.QAAppealRow{}, "qa_appeal", s.qaAppeal)
	r(http.MethodGet, "/appeals", "Appeals (?status=open|upheld|changed); agents see their own", nil, []store.QAAppealRow{}, "", s.qaListAppeals)
	r(http.MethodPost, "/appeals/:id/decision", "Rule on an appeal: upheld, or changed with new_value (QA lead, admin, supervisor of the queue)", qa.Decision{}, store.QAAppealRow{}, "qa_appeal", s.qaDecide)
	r(http.MethodGet, "/calibrations", "Calibration sessions", nil, []store.QACalibrationRow{}, "", s.qaListCalibrations)
	r(http.MethodPost, "/calibrations", "Start a calibration session: several QA users score one call (QA lead, admin)", qa.CalibrationInput{}, qa.CalibrationView{}, "qa_calibration", s.qaCreateCalibration)
	r(http.MethodGet, "/calibrations/:id", "A calibration session with the spread of its scores", nil, qa.CalibrationView{}, "", s.qaGetCalibration)
	r(http.MethodGet, "/recordings/:id/analytics", "Speech analytics of a recording (computed on first request): talk per channel, over-talk, silence, talk ratio, hold music, segments", nil, qa.AnalyticsView{}, "", s.qaAnalytics)
	r(http.MethodPost, "/recordings/:id/analyze", "Analyse a recording again", nil, qa.AnalyticsView{}, "qa_analytics", s.qaAnalyze)
	r(http.MethodGet, "/recordings/:id/peaks", "Waveform peaks per channel (10 per second, 0..255)", nil, qaPeaks{}, "", s.qaPeaks)
	r(http.MethodGet, "/recordings/:id/audio", "A recording's audio for the caller's QA work (QA users: calls of their tasks and calibrations); audited", nil, nil, "", s.qaAudio)
	r(http.MethodGet, "/calls/:id/events", "A call's events on the recording's timeline (queue, answer, hold, transfer, barge) for the player", nil, []qaEvent{}, "", s.qaEvents)
	r(http.MethodPost, "/recordings/:id/transcribe", "Send a recording to the tenant's ASR server and store the words (QA lead, admin)", nil, store.QATranscriptRow{}, "qa_transcript", s.qaTranscribe)
	r(http.MethodGet, "/recordings/:id/transcript", "A recording's transcript with the phrase rules' hits", nil, qa.TranscriptHits{}, "", s.qaTranscript)
	r(http.MethodGet, "/phrase-rules", "Keyword and forbidden-phrase rules", nil, []qa.PhraseRule{}, "", s.qaListPhraseRules)
	r(http.MethodPost, "/phrase-rules", "Create or replace a phrase rule (QA lead, admin)", qa.PhraseRule{}, qa.PhraseRule{}, "qa_phrase_rule", s.qaSavePhraseRule)
	r(http.MethodDelete, "/phrase-rules/:id", "Delete a phrase rule (QA lead, admin)", nil, nil, "qa_phrase_rule", s.qaDeletePhraseRule)
	r(http.MethodGet, "/settings", "QA settings: appeal window, ASR server", nil, qaSettings{}, "", s.qaGetSettings)
	r(http.MethodPut, "/settings", "Change the QA settings (QA lead, admin)", qaSettings{}, qaSettings{}, "qa_settings", s.qaPutSettings)
	r(http.MethodGet, "/leads", "Users holding the QA lead permission", nil, []string{}, "", s.qaListLeads)
	r(http.MethodPut, "/leads/:id", "Grant or revoke the QA lead permission of a user (admin)", qaLeadRequest{}, nil, "qa_lead", s.qaSetLead)
	r(http.MethodGet, "/skills", "QA users' skills (queue ids or \"*\") used by tasks assigned by skill (not for agents)", nil, map[string][]string{}, "", s.qaListSkills)
	r(http.MethodPut, "/skills/:id", "Replace a QA user's skills: queue ids or \"*\" (QA lead, admin)", qaSkillsRequest{}, qaSkillsRequest{}, "qa_skills", s.qaSetSkills)
	r(http.MethodPut, "/supervisors/:id/queues", "Set the queues whose QA a supervisor sees (admin; none = all)", qaQueuesRequest{}, nil, "qa_supervisor", s.qaSetQueues)
	r(http.MethodGet, "/reports", "QA report: scores by agent, queue, item and period, failure rate per item, appeals, throughput, trend; ?since, until, period=day|week|month; format=csv&section=agents|queues|items|trend|throughput", nil, qa.Report{}, "", s.qaReport)
}

func (s *Server) qaService(c echo.Context, tenant string) *qa.Service {
	days := 0
	if v, err := s.opt.Store.GetSetting(c.Request().Context(), tenant, "qa.appeal_days"); err == nil {
		days, _ = strconv.Atoi(v)
	}
	return &qa.Service{St: s.opt.Store, AppealDays: days, OpenAudio: func(r *store.RecordingRow) (io.ReadCloser, error) {
		if !s.inMedia(r.Path) {
			return nil, fmt.Errorf("the audio file is not in a media directory of this controller")
		}
		return os.Open(r.Path)
	}}
}

// qaCtx resolves the tenant, the service and the actor of a request.
func (s *Server) qaCtx(c echo.Context) (string, *qa.Service, *qa.Actor, error) {
	tenant, err := tenantRequired(c)
	if err != nil {
		return "", nil, nil, err
	}
	svc := s.qaService(c, tenant)
	p := principalOf(c)
	role := string(p.Role)
	if p.Superadmin() {
		role = qa.RoleAdmin
	}
	a, err := svc.ActorFor(c.Request().Context(), tenant, p.ID, role)
	if err != nil {
		return "", nil, nil, err
	}
	return tenant, svc, a, nil
}

// qaStaffCtx is qaCtx for what QA staff (leads, reviewers, admins) may
// see: agents are refused.
func (s *Server) qaStaffCtx(c echo.Context) (string, *qa.Service, error) {
	tenant, svc, a, err := s.qaCtx(c)
	if err != nil {
		return "", nil, err
	}
	if a.Role == qa.RoleAgent {
		return "", nil, errForbidden
	}
	return tenant, svc, nil
}

// qaErr maps the qa package's errors onto API errors.
func qaErr(err error) error {
	var ve *qa.ValidationError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ve):
		return &Error{Status: http.StatusBadRequest, Code: "invalid", Message: ve.Error(), Field: ve.Field}
	case errors.Is(err, qa.ErrForbidden):
		return errForbidden
	case errors.Is(err, qa.ErrConflict):
		return &Error{Status: http.StatusConflict, Code: "conflict", Message: err.Error()}
	}
	return err
}

func qaJSON(c echo.Context, status int, v any, err error) error {
	if err != nil {
		return qaErr(err)
	}
	return c.JSON(status, v)
}

func (s *Server) qaMe(c echo.Context) error {
	_, _, a, err := s.qaCtx(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, qaMe{ID: a.ID, Role: a.Role, Lead: a.IsLead(), Queues: a.Queues})
}

func (s *Server) qaListTemplates(c echo.Context) error {
	tenant, svc, err := s.qaStaffCtx(c)
	if err != nil {
		return err
	}
	v, err := svc.ListTemplates(c.Request().Context(), tenant)
	return qaJSON(c, http.StatusOK, v, err)
}

func (s *Server) qaGetTemplate(c echo.Context) error {
	tenant, svc, _, err := s.qaCtx(c)
	if err != nil {
		return err
	}
	version := 0
	if v := c.QueryParam("version"); v != "" {
		if version, err = strconv.Atoi(v); err != nil || version < 1 {
			return errInvalid("version", "version must be a positive integer")
		}
	}
	v, err := svc.GetTemplate(c.Request().Context(), tenant, c.Param("id"), version)
	return qaJSON(c, http.StatusOK, v, err)
}

func (s *Server) qaSaveTemplate(c echo.Context) error {
	tenant, svc, a, err := s.qaCtx(c)
	if err != nil {
		return err
	}
	var t qa.Template
	if err := decodeJSON(c, &t); err != nil {
		return err
	}
	v, err := svc.SaveTemplate(c.Request().Context(), tenant, a, c.Param("id"), t)
	if err == nil {
		setAudit(c, v.ID, map[string]any{"version": v.Version, "name": v.Name})
	}
	status := http.StatusOK
	if c.Request().Method == http.MethodPost {
		status = http.StatusCreated
	}
	return qaJSON(c, status, v, err)
}

func (s *Server) qaListTasks(c echo.Context) error {
	tenant, svc, a, err := s.qaCtx(c)
	if err != nil {
		return err
	}
	v, err := svc.ListTasks(c.Request().Context(), tenant, a)
	return qaJSON(c, http.StatusOK, v, err)
}

func (s *Server) qaCreateTask(c echo.Context) error {
	tenant, svc, a, err := s.qaCtx(c)
	if err != nil {
		return err
	}
	var spec qa.TaskSpec
	if err := decodeJSON(c, &spec); err != nil {
		return err
	}
	v, err := svc.CreateTask(c.Request().Context(), tenant, a, spec)
	if err == nil {
		setAudit(c, v.ID, map[string]any{"name": v.Name, "picked": v.Picked, "seed": v.Seed})
	}
	return qaJSON(c, http.StatusCreated, v, err)
}

func (s *Server) qaGetTask(c echo.Context) error {
	tenant, svc, a, err := s.qaCtx(c)
	if err != nil {
		return err
	}
	v, err := svc.GetTask(c.Request().Context(), tenant, a, c.Param("id"))
	return qaJSON(c, http.StatusOK, v, err)
}

func (s *Server) qaWork(c echo.Context) error {
	tenant, svc, a, err := s.qaCtx(c)
	if err != nil {
		return err
	}
	v, err := svc.MyCalls(c.Request().Context(), tenant, a, c.QueryParam("task"))
	return qaJSON(c, http.StatusOK, v, err)
}

func (s *Server) qaPick(c echo.Context) error {
	tenant, svc, a, err := s.qaCtx(c)
	if err != nil {
		return err
	}
	var in qaPickRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	v, err := svc.PickCall(c.Request().Context(), tenant, a, in.CallID, in.Reason, in.Assignee)
	if err == nil {
		setAudit(c, in.CallID, map[string]any{"reason": in.Reason, "assignee": in.Assignee})
	}
	return qaJSON(c, http.StatusCreated, v, err)
}

func (s *Server) qaListScores(c echo.Context) error {
	tenant, svc, a, err := s.qaCtx(c)
	if err != nil {
		return err
	}
	f := store.QAScoreFilter{AgentID: c.QueryParam("agent"), Status: c.QueryParam("status"), CallID: c.QueryParam("call"), TaskID: c.QueryParam("task"), CalibrationID: c.QueryParam("calibration")}
	if err := timeRange(c, &f.Since, &f.Until); err != nil {
		return err
	}
	v, err := svc.ListScores(c.Request().Context(), tenant, a, f)
	return qaJSON(c, http.StatusOK, v, err)
}

func (s *Server) qaSaveScore(c echo.Context) error {
	tenant, svc, a, err := s.qaCtx(c)
	if err != nil {
		return err
	}
	var in qa.ScoreInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	status := http.StatusCreated
	if id := c.Param("id"); id != "" {
		in.ID, status = id, http.StatusOK
	} else if in.ID != "" {
		return errInvalid("id", "POST starts a new score: edit one with PUT /api/v1/qa/scores/{id}")
	}
	v, err := svc.SaveScore(c.Request().Context(), tenant, a, in)
	if err == nil {
		setAudit(c, v.ID, map[string]any{"status": v.Status, "total": v.Total, "call": v.CallID})
	}
	return qaJSON(c, status, v, err)
}

func (s *Server) qaGetScore(c echo.Context) error {
	tenant, svc, a, err := s.qaCtx(c)
	if err != nil {
		return err
	}
	v, err := svc.GetScore(c.Request().Context(), tenant, a, c.Param("id"))
	return qaJSON(c, http.StatusOK, v, err)
}

func (s *Server) qaAppeal(c echo.Context) error {
	tenant, svc, a, err := s.qaCtx(c)
	if err != nil {
		return err
	}
	var in qaAppealRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	v, err := svc.Appeal(c.Request().Context(), tenant, a, c.Param("id"), in.ItemID, in.Reason)
	if err == nil {
		setAudit(c, v.ID, map[string]any{"score": v.ScoreID, "item": v.ItemID})
	}
	return qaJSON(c, http.StatusCreated, v, err)
}

func (s *Server) qaListAppeals(c echo.Context) error {
	tenant, svc, a, err := s.qaCtx(c)
	if err != nil {
		return err
	}
	v, err := svc.ListAppeals(c.Request().Context(), tenant, a, c.QueryParam("status"))
	return qaJSON(c, http.StatusOK, v, err)
}

func (s *Server) qaDecide(c echo.Context) error {
	tenant, svc, a, err := s.qaCtx(c)
	if err != nil {
		return err
	}
	var d qa.Decision
	if err := decodeJSON(c, &d); err != nil {
		return err
	}
	v, err := svc.DecideAppeal(c.Request().Context(), tenant, a, c.Param("id"), d)
	if err == nil {
		setAudit(c, v.ID, map[string]any{"score": v.ScoreID, "item": v.ItemID, "outcome": v.Status, "new_value": v.NewValue})
	}
	return qaJSON(c, http.StatusOK, v, err)
}

func (s *Server) qaListCalibrations(c echo.Context) error {
	tenant, _, err := s.qaStaffCtx(c)
	if err != nil {
		return err
	}
	v, err := s.opt.Store.ListQACalibrations(c.Request().Context(), tenant)
	return qaJSON(c, http.StatusOK, v, err)
}

func (s *Server) qaCreateCalibration(c echo.Context) error {
	tenant, svc, a, err := s.qaCtx(c)
	if err != nil {
		return err
	}
	var in qa.CalibrationInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	v, err := svc.CreateCalibration(c.Request().Context(), tenant, a, in)
	if err == nil {
		setAudit(c, v.ID, map[string]any{"call": v.CallID})
	}
	return qaJSON(c, http.StatusCreated, v, err)
}

func (s *Server) qaGetCalibration(c echo.Context) error {
	tenant, svc, a, err := s.qaCtx(c)
	if err != nil {
		return err
	}
	v, err := svc.GetCalibration(c.Request().Context(), tenant, a, c.Param("id"))
	return qaJSON(c, http.StatusOK, v, err)
}

// qaMayHear refuses (404) a recording the QA user may not hear: one of no
// call of their tasks or calibrations.
func (s *Server) qaMayHear(c echo.Context, tenant string, rec *store.RecordingRow) error {
	_, svc, a, err := s.qaCtx(c)
	if err != nil {
		return err
	}
	ok, err := svc.CanHear(c.Request().Context(), tenant, a, rec)
	if err != nil {
		return err
	}
	if !ok {
		return errNotFound("recording")
	}
	return nil
}

// qaRecording loads a recording the caller may hear for QA.
func (s *Server) qaRecording(c echo.Context) (string, *qa.Service, *store.RecordingRow, error) {
	tenant, svc, a, err := s.qaCtx(c)
	if err != nil {
		return "", nil, nil, err
	}
	rec, err := s.opt.Store.GetRecording(c.Request().Context(), tenant, c.Param("id"))
	if err != nil {
		return "", nil, nil, err
	}
	ok, err := svc.CanHear(c.Request().Context(), tenant, a, rec)
	if err != nil {
		return "", nil, nil, err
	}
	if !ok {
		return "", nil, nil, errNotFound("recording")
	}
	return tenant, svc, rec, nil
}

func (s *Server) qaAnalytics(c echo.Context) error {
	tenant, svc, rec, err := s.qaRecording(c)
	if err != nil {
		return err
	}
	v, err := svc.GetAnalytics(c.Request().Context(), tenant, rec.ID)
	return qaJSON(c, http.StatusOK, v, err)
}

func (s *Server) qaAnalyze(c echo.Context) error {
	tenant, svc, rec, err := s.qaRecording(c)
	if err != nil {
		return err
	}
	v, err := svc.Analyze(c.Request().Context(), tenant, rec.ID)
	return qaJSON(c, http.StatusOK, v, err)
}

func (s *Server) qaPeaks(c echo.Context) error {
	tenant, svc, rec, err := s.qaRecording(c)
	if err != nil {
		return err
	}
	v, err := svc.GetAnalytics(c.Request().Context(), tenant, rec.ID)
	if err != nil {
		return qaErr(err)
	}
	out := qaPeaks{PerSecond: qa.PeaksPerSecond, Peaks: v.Peaks, Channels: []string{qa.ChanCaller, qa.ChanAgent}}
	if v.Channels == 1 {
		out.Channels = []string{qa.ChanMixed}
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) qaAudio(c echo.Context) error {
	tenant, _, rec, err := s.qaRecording(c)
	if err != nil {
		return err
	}
	if rec.DeletedAt != nil || rec.Status != store.RecordingDone {
		return &Error{Status: http.StatusGone, Code: "gone", Message: "the recording has no audio (status " + rec.Status + ", or deleted by retention)"}
	}
	return s.serveAudio(c, tenant, "recording", rec.ID, rec.Path, "switches[].recording_read_dir")
}

func (s *Server) qaEvents(c echo.Context) error {
	tenant, svc, a, err := s.qaCtx(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	call, err := s.opt.Store.GetCall(ctx, tenant, c.Param("id"))
	if err != nil {
		return err
	}
	recs, err := s.opt.Store.ListRecordings(ctx, tenant, store.RecordingFilter{CallID: call.ID, Status: store.RecordingDone})
	if err != nil {
		return err
	}
	origin := call.StartedAt
	allowed := false
	for i := range recs {
		if ok, err := svc.CanHear(ctx, tenant, a, &recs[i]); err == nil && ok {
			allowed, origin = true, recs[i].StartedAt
		}
	}
	if !allowed {
		return errNotFound("call")
	}
	var trace []struct {
		Time   time.Time
		Kind   string
		Detail string
	}
	_ = json.Unmarshal([]byte(call.Trace), &trace)
	out := []qaEvent{}
	for _, t := range trace {
		// Raw switch commands and events are too many to jump to; the
		// call's own steps (queue, answer, hold, transfer, record, ...) stay.
		if t.Kind == "command" || t.Kind == "event" {
			continue
		}
		out = append(out, qaEvent{AtMS: t.Time.Sub(origin).Milliseconds(), Time: t.Time.UTC().Format(time.RFC3339Nano), Kind: t.Kind, Detail: t.Detail})
	}
	legs, err := s.opt.Store.ListCallLegs(ctx, tenant, call.ID)
	if err != nil {
		return err
	}
	for _, l := range legs {
		if l.Role == "barge" || l.Role == "whisper" || l.Role == "listen" || l.Role == "consult" || l.Role == "transfer" {
			out = append(out, qaEvent{AtMS: l.StartedAt.Sub(origin).Milliseconds(), Time: l.StartedAt.UTC().Format(time.RFC3339Nano), Kind: l.Role, Detail: l.AgentID})
		}
	}
	if call.AnsweredAt != nil {
		out = append(out, qaEvent{AtMS: call.AnsweredAt.Sub(origin).Milliseconds(), Time: call.AnsweredAt.UTC().Format(time.RFC3339Nano), Kind: "answer", Detail: call.AgentID})
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) qaTranscribe(c echo.Context) error {
	tenant, svc, a, err := s.qaCtx(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	set, err := s.readQASettings(c, tenant)
	if err != nil {
		return err
	}
	if set.ASRURL == "" {
		return errInvalid("asr_url", "no ASR server is configured: PUT /api/v1/qa/settings with asr_url")
	}
	key, _ := s.opt.Store.GetSetting(ctx, tenant, "qa.asr_key")
	client := s.opt.FlowHTTP
	if client == nil {
		client = egress.Default().Client(5 * time.Minute)
	}
	p := &qa.HTTPTranscriber{URL: set.ASRURL, Model: set.ASRModel, APIKey: key, Client: client}
	v, err := svc.Transcribe(ctx, tenant, a, c.Param("id"), p)
	return qaJSON(c, http.StatusOK, v, err)
}

func (s *Server) qaTranscript(c echo.Context) error {
	tenant, svc, rec, err := s.qaRecording(c)
	if err != nil {
		return err
	}
	v, err := svc.GetTranscript(c.Request().Context(), tenant, rec.ID)
	return qaJSON(c, http.StatusOK, v, err)
}

func (s *Server) qaListPhraseRules(c echo.Context) error {
	tenant, svc, err := s.qaStaffCtx(c)
	if err != nil {
		return err
	}
	v, err := svc.ListPhraseRules(c.Request().Context(), tenant)
	return qaJSON(c, http.StatusOK, v, err)
}

func (s *Server) qaSavePhraseRule(c echo.Context) error {
	tenant, svc, a, err := s.qaCtx(c)
	if err != nil {
		return err
	}
	var r qa.PhraseRule
	if err := decodeJSON(c, &r); err != nil {
		return err
	}
	v, err := svc.SavePhraseRule(c.Request().Context(), tenant, a, r)
	if err == nil {
		setAudit(c, v.ID, map[string]any{"name": v.Name, "kind": v.Kind})
	}
	return qaJSON(c, http.StatusCreated, v, err)
}

func (s *Server) qaDeletePhraseRule(c echo.Context) error {
	tenant, _, a, err := s.qaCtx(c)
	if err != nil {
		return err
	}
	if !a.IsLead() {
		return errForbidden
	}
	if err := s.opt.Store.DeleteQAPhraseRule(c.Request().Context(), tenant, c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) readQASettings(c echo.Context, tenant string) (*qaSettings, error) {
	ctx := c.Request().Context()
	out := &qaSettings{AppealDays: 7}
	get := func(name string) (string, error) {
		v, err := s.opt.Store.GetSetting(ctx, tenant, name)
		if store.IsNotFound(err) {
			return "", nil
		}
		return v, err
	}
	var err error
	if v, e := get("qa.appeal_days"); e != nil {
		return nil, e
	} else if v != "" {
		out.AppealDays, _ = strconv.Atoi(v)
	}
	if out.ASRURL, err = get("qa.asr_url"); err != nil {
		return nil, err
	}
	if out.ASRModel, err = get("qa.asr_model"); err != nil {
		return nil, err
	}
	key, err := get("qa.asr_key")
	if err != nil {
		return nil, err
	}
	out.ASRKeySet = key != ""
	return out, nil
}

func (s *Server) qaGetSettings(c echo.Context) error {
	tenant, _, err := s.qaStaffCtx(c)
	if err != nil {
		return err
	}
	v, err := s.readQASettings(c, tenant)
	return qaJSON(c, http.StatusOK, v, err)
}

func (s *Server) qaPutSettings(c echo.Context) error {
	tenant, _, a, err := s.qaCtx(c)
	if err != nil {
		return err
	}
	if !a.IsLead() {
		return errForbidden
	}
	var in qaSettings
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.AppealDays < 1 || in.AppealDays > 90 {
		return errInvalid("appeal_days", "appeal_days must be 1-90")
	}
	if in.ASRURL != "" {
		if u, err := parseHTTPURL(in.ASRURL); err != nil {
			return errInvalid("asr_url", "asr_url: %v", err)
		} else {
			in.ASRURL = u
		}
	}
	ctx := c.Request().Context()
	for k, v := range map[string]string{"qa.appeal_days": strconv.Itoa(in.AppealDays), "qa.asr_url": in.ASRURL, "qa.asr_model": in.ASRModel} {
		if err := s.opt.Store.PutSetting(ctx, tenant, k, v); err != nil {
			return err
		}
	}
	if in.ASRKey != "" {
		if err := s.opt.Store.PutSetting(ctx, tenant, "qa.asr_key", in.ASRKey); err != nil {
			return err
		}
	}
	setAudit(c, "qa", map[string]any{"appeal_days": in.AppealDays, "asr_url": in.ASRURL})
	v, err := s.readQASettings(c, tenant)
	return qaJSON(c, http.StatusOK, v, err)
}

func (s *Server) qaListLeads(c echo.Context) error {
	tenant, _, err := s.qaStaffCtx(c)
	if err != nil {
		return err
	}
	v, err := s.opt.Store.ListQALeads(c.Request().Context(), tenant)
	return qaJSON(c, http.StatusOK, v, err)
}

func (s *Server) qaSetLead(c echo.Context) error {
	tenant, _, a, err := s.qaCtx(c)
	if err != nil {
		return err
	}
	if a.Role != qa.RoleAdmin {
		return errForbidden
	}
	var in qaLeadRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	u, err := s.opt.Store.GetUser(ctx, tenant, c.Param("id"))
	if err != nil {
		return err
	}
	if in.Lead && u.Role != string(auth.RoleQA) && u.Role != string(auth.RoleSupervisor) {
		return errInvalid("lead", "the QA lead permission is for QA users and supervisors; %s is a %s", u.Username, u.Role)
	}
	if err := s.opt.Store.SetQALead(ctx, tenant, u.ID, a.ID, in.Lead); err != nil {
		return err
	}
	setAudit(c, u.ID, map[string]any{"lead": in.Lead})
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) qaSetQueues(c echo.Context) error {
	tenant, _, a, err := s.qaCtx(c)
	if err != nil {
		return err
	}
	if a.Role != qa.RoleAdmin {
		return errForbidden
	}
	var in qaQueuesRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	ctx := c.Request().Context()
	u, err := s.opt.Store.GetUser(ctx, tenant, c.Param("id"))
	if err != nil {
		return err
	}
	if u.Role != string(auth.RoleSupervisor) {
		return errInvalid("id", "%s is a %s, not a supervisor", u.Username, u.Role)
	}
	if err := s.opt.Store.SetQASupervisorQueues(ctx, tenant, u.ID, in.Queues); err != nil {
		return err
	}
	setAudit(c, u.ID, map[string]any{"queues": in.Queues})
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) qaReport(c echo.Context) error {
	tenant, svc, a, err := s.qaCtx(c)
	if err != nil {
		return err
	}
	f := qa.ReportFilter{Period: c.QueryParam("period")}
	switch f.Period {
	case "", "day", "week", "month":
	default:
		return errInvalid("period", "period must be day, week or month")
	}
	if err := timeRange(c, &f.Since, &f.Until); err != nil {
		return err
	}
	if t, err := s.opt.Store.GetTenant(c.Request().Context(), tenant); err == nil && t.Timezone != "" {
		if loc, err := time.LoadLocation(t.Timezone); err == nil {
			f.Location = loc
		}
	}
	rep, err := svc.Report(c.Request().Context(), tenant, a, f)
	if err != nil {
		return qaErr(err)
	}
	if c.QueryParam("format") != "csv" {
		return c.JSON(http.StatusOK, rep)
	}
	section := c.QueryParam("section")
	if section == "" {
		section = "agents"
	}
	rows, ok := rep.CSV(section)
	if !ok {
		return errInvalid("section", "section must be agents, queues, items, trend or throughput")
	}
	res := c.Response()
	res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	res.Header().Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="qa-%s.csv"`, section))
	res.WriteHeader(http.StatusOK)
	w := csv.NewWriter(res)
	for _, r := range rows {
		_ = w.Write(reports.SafeCSVRecord(r))
	}
	w.Flush()
	return w.Error()
}

// parseHTTPURL checks an http(s) URL with a host; the egress policy checks
// where it points when it is used.
func parseHTTPURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("%q is not an http(s) URL with a host", raw)
	}
	return u.String(), nil
}

func (s *Server) qaDirectory(c echo.Context) error {
	tenant, _, err := s.qaStaffCtx(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	users, err := s.opt.Store.ListUsers(ctx, tenant)
	if err != nil {
		return err
	}
	out := qaDirectory{Users: []qaPerson{}, Queues: []string{}}
	for _, u := range users {
		if !u.Disabled {
			out.Users = append(out.Users, qaPerson{ID: u.ID, Username: u.Username, DisplayName: u.DisplayName, Role: u.Role})
		}
	}
	qs, err := s.opt.Store.ListACDQueues(ctx, tenant)
	if err != nil {
		return err
	}
	for _, q := range qs {
		out.Queues = append(out.Queues, q.ID)
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) qaListSkills(c echo.Context) error {
	tenant, svc, a, err := s.qaCtx(c)
	if err != nil {
		return err
	}
	v, err := svc.Skills(c.Request().Context(), tenant, a)
	return qaJSON(c, http.StatusOK, v, err)
}

func (s *Server) qaSetSkills(c echo.Context) error {
	tenant, svc, a, err := s.qaCtx(c)
	if err != nil {
		return err
	}
	var in qaSkillsRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	v, err := svc.SetSkills(c.Request().Context(), tenant, a, c.Param("id"), in.Skills)
	if err == nil {
		setAudit(c, c.Param("id"), map[string]any{"skills": v})
	}
	return qaJSON(c, http.StatusOK, qaSkillsRequest{Skills: v}, err)
}
