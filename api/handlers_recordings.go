package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/store"
)

type legalHoldRequest struct {
	Hold *bool `json:"hold"`
}

func (s *Server) addRecordingRoutes() {
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/recordings", Summary: "Search recordings (query: call, agent, queue, number, status (recording, done, failed), since, until, limit); agents see their own calls. Recordings removed by retention stay listed with deleted_at; a recording the switch refused or lost is listed with status failed and its error, and has no audio", Tag: "recordings",
		Roles: rolesAgents, Response: []store.RecordingRow{}, Handler: s.listRecordings})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/recordings/:id/audio", Summary: "Play or download a recording (audio/wav, HTTP Range); every access is audited; 410 once retention deleted it", Tag: "recordings",
		Roles: rolesAgents, Handler: s.recordingAudio})
	s.Add(&Route{Method: http.MethodPut, Path: "/api/v1/recordings/:id/legal-hold", Summary: `Place or lift a legal hold ({"hold": true|false}); a held recording is never deleted by retention`, Tag: "recordings",
		Roles: rolesSupervisor, Request: legalHoldRequest{}, Response: store.RecordingRow{}, ObjectType: "recording", Handler: s.putLegalHold})
	s.addRecordingPolicyRoutes()
	s.addRetentionRoutes()
	s.addWebhookRoutes()
	s.addScreenPopRoutes()
}

func (s *Server) listRecordings(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	f := store.RecordingFilter{CallID: c.QueryParam("call"), AgentID: c.QueryParam("agent"), QueueID: c.QueryParam("queue"), Number: c.QueryParam("number"), Status: c.QueryParam("status")}
	switch f.Status {
	case "", store.RecordingActive, store.RecordingDone, store.RecordingFailed:
	default:
		return errInvalid("status", "query parameter status: %q is not recording, done or failed", f.Status)
	}
	if err := timeRange(c, &f.Since, &f.Until); err != nil {
		return err
	}
	if err := limitParam(c, &f.Limit); err != nil {
		return err
	}
	if p := principalOf(c); p.Role == auth.RoleAgent {
		f.AgentID = p.ID // agents: their own calls only
	}
	rs, err := s.opt.Store.ListRecordings(c.Request().Context(), tenant, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rs)
}

func (s *Server) recordingAudio(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	r, err := s.opt.Store.GetRecording(c.Request().Context(), tenant, c.Param("id"))
	if err != nil {
		return err
	}
	p := principalOf(c)
	if p.Role == auth.RoleAgent && r.AgentID != p.ID {
		return errNotFound("recording")
	}
	if p.Role == auth.RoleQA {
		// QA users hear the calls of their tasks and calibrations only.
		if err := s.qaMayHear(c, tenant, r); err != nil {
			return err
		}
	}
	if r.DeletedAt != nil {
		msg := "the recording was deleted by retention (" + r.DeletedReason + ") on " + r.DeletedAt.UTC().Format(time.RFC3339)
		// Where the backup lies is for whoever may restore it, not agents.
		if r.BackupPath != "" && p.Role != auth.RoleAgent {
			msg += "; a backup copy is at " + r.BackupPath
		} else if r.BackupPath != "" {
			msg += "; a backup copy exists (ask a supervisor)"
		}
		return &Error{Status: http.StatusGone, Code: "gone", Message: msg}
	}
	if r.Status == store.RecordingFailed {
		return &Error{Status: http.StatusNotFound, Code: "recording_failed", Message: "the recording failed and has no audio: " + r.Error}
	}
	return s.serveAudio(c, tenant, "recording", r.ID, r.Path, "mount the switch's recording directory on this controller: switches[].recording_read_dir, docs/switches.md")
}

func (s *Server) putLegalHold(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var req legalHoldRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Hold == nil {
		return errInvalid("hold", "hold is required: true places a legal hold, false lifts it")
	}
	ctx := c.Request().Context()
	setAudit(c, c.Param("id"), map[string]any{"hold": *req.Hold})
	if err := s.opt.Store.SetRecordingLegalHold(ctx, tenant, c.Param("id"), *req.Hold); err != nil {
		if store.IsNotFound(err) {
			return errNotFound("recording")
		}
		return err
	}
	r, err := s.opt.Store.GetRecording(ctx, tenant, c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}
