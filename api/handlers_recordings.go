package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/store"
)

func (s *Server) addRecordingRoutes() {
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/recordings", Summary: "Search recordings (query: call, agent, queue, number, since, until, limit); agents see their own calls", Tag: "recordings",
		Roles: rolesAgents, Response: []store.RecordingRow{}, Handler: s.listRecordings})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/recordings/:id/audio", Summary: "Play or download a recording (audio/wav, HTTP Range); every access is audited", Tag: "recordings",
		Roles: rolesAgents, Handler: s.recordingAudio})
}

func (s *Server) listRecordings(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	f := store.RecordingFilter{CallID: c.QueryParam("call"), AgentID: c.QueryParam("agent"), QueueID: c.QueryParam("queue"), Number: c.QueryParam("number")}
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
	return s.serveAudio(c, tenant, "recording", r.ID, r.Path, "share media.recording_dir with the switches")
}
