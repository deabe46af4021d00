package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/store"
)

// addRecordingGetRoute registers one recording's metadata by id (the call
// records link recordings by id; the audio is under /audio).
func (s *Server) addRecordingGetRoute() {
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/recordings/:id", Summary: "One recording's metadata (call, agent, queue, times, size, legal hold, deletion by retention); agents see their own calls' only. The audio is under /audio", Tag: "recordings",
		Roles: rolesAgents, Response: store.RecordingRow{}, Handler: s.getRecording})
}

func (s *Server) getRecording(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	r, err := s.opt.Store.GetRecording(c.Request().Context(), tenant, c.Param("id"))
	if err != nil {
		return err
	}
	if p := principalOf(c); p.Role == auth.RoleAgent && r.AgentID != p.ID {
		return errNotFound("recording")
	}
	return c.JSON(http.StatusOK, r)
}
