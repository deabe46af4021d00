package api

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

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
	for _, q := range []struct {
		name string
		dst  *time.Time
	}{{"since", &f.Since}, {"until", &f.Until}} {
		if v := c.QueryParam(q.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				return errInvalid(q.name, "%s must be an RFC 3339 time", q.name)
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
	_ = s.opt.Store.AddAudit(c.Request().Context(), &store.AuditEntry{TenantID: tenant, ActorID: p.ID, ActorName: p.Name, ActorKind: p.Kind,
		Action: "GET /api/v1/recordings/:id/audio", ObjectType: "recording", ObjectID: r.ID, Status: 200,
		RemoteAddr: c.RealIP(), RequestID: c.Response().Header().Get(echo.HeaderXRequestID)})
	f, err := os.Open(r.Path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return &Error{Status: http.StatusNotFound, Code: "not_found", Message: "the recording file is not on this controller (share media.recording_dir with the switches)"}
		}
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentType, "audio/wav")
	http.ServeContent(c.Response(), c.Request(), filepath.Base(r.Path), st.ModTime(), f)
	return nil
}
