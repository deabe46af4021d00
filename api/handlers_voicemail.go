package api

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/store"
)

type heardRequest struct {
	Heard bool `json:"heard"`
}

var rolesVoicemail = []auth.Role{auth.RoleAdmin, auth.RoleSupervisor, auth.RoleQA, auth.RoleAgent}

func (s *Server) addVoicemailRoutes() {
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/voicemail", Summary: "List voicemail messages, newest first (query: mailbox). Agents see their own mailbox (agent-<their id>)", Tag: "voicemail",
		Roles: rolesVoicemail, Response: []store.VoicemailMessage{}, Handler: s.listVoicemail})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/voicemail/:id/audio", Summary: "Play or download a message (audio/wav, HTTP Range supported); every access is audited", Tag: "voicemail",
		Roles: rolesVoicemail, Handler: s.voicemailAudio})
	s.Add(&Route{Method: http.MethodPatch, Path: "/api/v1/voicemail/:id", Summary: "Mark a message heard or new", Tag: "voicemail",
		Roles: rolesVoicemail, Request: heardRequest{}, Response: store.VoicemailMessage{}, ObjectType: "voicemail", Handler: s.markVoicemail})
	s.Add(&Route{Method: http.MethodDelete, Path: "/api/v1/voicemail/:id", Summary: "Delete a message and its recording", Tag: "voicemail",
		Roles: []auth.Role{auth.RoleAdmin, auth.RoleSupervisor}, Status: http.StatusNoContent, ObjectType: "voicemail", Handler: s.deleteVoicemail})
}

// mayHear says whether the principal may reach messages of mailbox: staff
// may reach every mailbox of the tenant, agents only their own.
func mayHear(p *auth.Principal, mailbox string) bool {
	if p.Role != auth.RoleAgent {
		return true
	}
	return mailbox == "agent-"+p.ID
}

func (s *Server) voicemailOf(c echo.Context) (*store.VoicemailMessage, error) {
	tenant, err := tenantRequired(c)
	if err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return nil, errNotFound("voicemail message")
	}
	m, err := s.opt.Store.GetVoicemail(c.Request().Context(), tenant, id)
	if err != nil {
		return nil, err
	}
	if !mayHear(principalOf(c), m.Mailbox) {
		return nil, errNotFound("voicemail message")
	}
	return m, nil
}

func (s *Server) listVoicemail(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	p := principalOf(c)
	mailbox := c.QueryParam("mailbox")
	if p.Role == auth.RoleAgent {
		mailbox = "agent-" + p.ID
	}
	ms, err := s.opt.Store.ListVoicemail(c.Request().Context(), tenant, mailbox)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ms)
}

func (s *Server) voicemailAudio(c echo.Context) error {
	m, err := s.voicemailOf(c)
	if err != nil {
		return err
	}
	return s.serveAudio(c, m.TenantID, "voicemail", strconv.FormatInt(m.ID, 10), m.Path, "share media.voicemail_dir with the switches")
}

func (s *Server) markVoicemail(c echo.Context) error {
	m, err := s.voicemailOf(c)
	if err != nil {
		return err
	}
	var req heardRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	setAudit(c, strconv.FormatInt(m.ID, 10), map[string]any{"heard": req.Heard})
	if err := s.opt.Store.MarkVoicemailHeard(c.Request().Context(), m.TenantID, m.ID, req.Heard); err != nil {
		return err
	}
	m.Heard = req.Heard
	return c.JSON(http.StatusOK, m)
}

func (s *Server) deleteVoicemail(c echo.Context) error {
	m, err := s.voicemailOf(c)
	if err != nil {
		return err
	}
	setAudit(c, strconv.FormatInt(m.ID, 10), map[string]any{"mailbox": m.Mailbox})
	if err := s.opt.Store.DeleteVoicemail(c.Request().Context(), m.TenantID, m.ID); err != nil {
		return err
	}
	if err := os.Remove(m.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.log.Warn("voicemail file not removed", "path", m.Path, "err", err)
	}
	return c.NoContent(http.StatusNoContent)
}
