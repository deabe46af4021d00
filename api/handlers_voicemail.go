package api

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"sort"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/store"
)

type heardRequest struct {
	Heard bool `json:"heard"`
}

type mailboxRequest struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	OwnerType string `json:"owner_type"`
	OwnerID   string `json:"owner_id"`
}

// mailboxView is a mailbox with its message counts; Defined is false for a
// mailbox that only exists because a flow left messages in it.
type mailboxView struct {
	store.Mailbox
	Total   int  `json:"total"`
	New     int  `json:"new"`
	Defined bool `json:"defined"`
}

var (
	rolesVoicemail       = []auth.Role{auth.RoleAdmin, auth.RoleSupervisor, auth.RoleQA, auth.RoleAgent}
	rolesVoicemailDelete = []auth.Role{auth.RoleAdmin, auth.RoleSupervisor, auth.RoleAgent}
)

func (s *Server) addVoicemailRoutes() {
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/voicemail", Summary: "List voicemail messages, newest first (query: mailbox, heard=true|false, limit). Agents see their own mailbox (agent-<id> or owned by them) and their queues' mailboxes (named after the queue, queue-<id>, or owned by the queue)", Tag: "voicemail",
		Roles: rolesVoicemail, Response: []store.VoicemailMessage{}, Handler: s.listVoicemail})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/voicemail/:id", Summary: "One voicemail message", Tag: "voicemail",
		Roles: rolesVoicemail, Response: store.VoicemailMessage{}, Handler: s.getVoicemail})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/voicemail/:id/audio", Summary: "Play or download a message (audio/wav, HTTP Range supported); every access is audited", Tag: "voicemail",
		Roles: rolesVoicemail, Handler: s.voicemailAudio})
	s.Add(&Route{Method: http.MethodPatch, Path: "/api/v1/voicemail/:id", Summary: "Mark a message heard or new", Tag: "voicemail",
		Roles: rolesVoicemail, Request: heardRequest{}, Response: store.VoicemailMessage{}, ObjectType: "voicemail", Handler: s.markVoicemail})
	s.Add(&Route{Method: http.MethodDelete, Path: "/api/v1/voicemail/:id", Summary: "Delete a message and its recording (agents: only messages of their own mailbox)", Tag: "voicemail",
		Roles: rolesVoicemailDelete, Status: http.StatusNoContent, ObjectType: "voicemail", Handler: s.deleteVoicemail})
	s.addMailboxRoutes()
}

func (s *Server) addMailboxRoutes() {
	const tag = "voicemail"
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/mailboxes", Summary: "Mailboxes with their total and new message counts (agents: the ones they may reach), including mailboxes flows left messages in without a definition", Tag: tag,
		Roles: rolesVoicemail, Response: []mailboxView{}, Handler: s.listMailboxes})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/mailboxes/:id", Summary: "One mailbox definition", Tag: tag,
		Roles: rolesSupervisor, Response: store.Mailbox{}, Handler: func(c echo.Context) error { return tenantGet(c, s.opt.Store.GetMailbox) }})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/mailboxes", Summary: "Define a mailbox: id (the name flows use), name, owner_type tenant|queue|agent with owner_id", Tag: tag,
		Roles: rolesAdmin, Request: mailboxRequest{}, Response: store.Mailbox{}, Status: http.StatusCreated, ObjectType: "mailbox", Handler: s.createMailbox})
	s.Add(&Route{Method: http.MethodPut, Path: "/api/v1/mailboxes/:id", Summary: "Change a mailbox's name and owner", Tag: tag,
		Roles: rolesAdmin, Request: mailboxRequest{}, Response: store.Mailbox{}, ObjectType: "mailbox", Handler: s.updateMailbox})
	s.Add(&Route{Method: http.MethodDelete, Path: "/api/v1/mailboxes/:id", Summary: "Remove a mailbox definition (its messages stay)", Tag: tag,
		Roles: rolesAdmin, Status: http.StatusNoContent, ObjectType: "mailbox", Handler: func(c echo.Context) error { return tenantDelete(c, s.opt.Store.DeleteMailbox) }})
}

// mailboxAccess is what a principal may reach: everything (staff), or an
// agent's own mailboxes and their queues' mailboxes.
type mailboxAccess struct {
	all    bool
	own    map[string]bool // an agent's personal mailboxes
	shared map[string]bool // their queues' mailboxes
}

func (a *mailboxAccess) mayRead(mailbox string) bool {
	return a.all || a.own[mailbox] || a.shared[mailbox]
}

func (a *mailboxAccess) mayDelete(mailbox string) bool { return a.all || a.own[mailbox] }

func (a *mailboxAccess) list() []string {
	out := []string{}
	for _, set := range []map[string]bool{a.own, a.shared} {
		for m := range set {
			out = append(out, m)
		}
	}
	sort.Strings(out)
	return out
}

func (s *Server) mailboxAccess(ctx context.Context, p *auth.Principal, tenant string) (*mailboxAccess, error) {
	if p.Role != auth.RoleAgent {
		return &mailboxAccess{all: true}, nil
	}
	a := &mailboxAccess{own: map[string]bool{"agent-" + p.ID: true}, shared: map[string]bool{}}
	queues, err := s.opt.Store.AgentQueues(ctx, tenant, p.ID)
	if err != nil {
		return nil, err
	}
	inQueue := map[string]bool{}
	for _, q := range queues {
		inQueue[q] = true
		// A queue's own voicemail (caller request, overflow) goes to the
		// mailbox named after the queue.
		a.shared[q] = true
		a.shared["queue-"+q] = true
	}
	boxes, err := s.opt.Store.ListMailboxes(ctx, tenant)
	if err != nil {
		return nil, err
	}
	for _, b := range boxes {
		switch {
		case b.OwnerType == store.MailboxOwnerAgent && b.OwnerID == p.ID:
			a.own[b.ID] = true
		case b.OwnerType == store.MailboxOwnerQueue && inQueue[b.OwnerID]:
			a.shared[b.ID] = true
		}
	}
	return a, nil
}

func (s *Server) voicemailOf(c echo.Context) (*store.VoicemailMessage, *mailboxAccess, error) {
	tenant, err := tenantRequired(c)
	if err != nil {
		return nil, nil, err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id < 1 {
		return nil, nil, errNotFound("voicemail message")
	}
	ctx := c.Request().Context()
	m, err := s.opt.Store.GetVoicemail(ctx, tenant, id)
	if err != nil {
		return nil, nil, err
	}
	acc, err := s.mailboxAccess(ctx, principalOf(c), tenant)
	if err != nil {
		return nil, nil, err
	}
	if !acc.mayRead(m.Mailbox) {
		return nil, nil, errNotFound("voicemail message")
	}
	return m, acc, nil
}

func (s *Server) listVoicemail(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	acc, err := s.mailboxAccess(ctx, principalOf(c), tenant)
	if err != nil {
		return err
	}
	var f store.VoicemailFilter
	if mb := c.QueryParam("mailbox"); mb != "" {
		if err := dialplan.ValidMailbox(mb); err != nil {
			return errInvalid("mailbox", "%v", err)
		}
		if !acc.mayRead(mb) {
			return errNotFound("mailbox " + mb)
		}
		f.Mailboxes = []string{mb}
	} else if !acc.all {
		f.Mailboxes = acc.list()
	}
	switch v := c.QueryParam("heard"); v {
	case "":
	case "true", "false":
		h := v == "true"
		f.Heard = &h
	default:
		return errInvalid("heard", "heard must be true or false, got %q", v)
	}
	if err := limitParam(c, &f.Limit); err != nil {
		return err
	}
	ms, err := s.opt.Store.ListVoicemailMessages(ctx, tenant, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ms)
}

func (s *Server) getVoicemail(c echo.Context) error {
	m, _, err := s.voicemailOf(c)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}

func (s *Server) voicemailAudio(c echo.Context) error {
	m, _, err := s.voicemailOf(c)
	if err != nil {
		return err
	}
	return s.serveAudio(c, m.TenantID, "voicemail", strconv.FormatInt(m.ID, 10), m.Path, "mount the switch's voicemail directory on this controller: switches[].voicemail_read_dir, docs/switches.md")
}

func (s *Server) markVoicemail(c echo.Context) error {
	m, _, err := s.voicemailOf(c)
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
	m, acc, err := s.voicemailOf(c)
	if err != nil {
		return err
	}
	if !acc.mayDelete(m.Mailbox) {
		return &Error{Status: http.StatusForbidden, Code: "forbidden", Message: "agents may only delete messages of their own mailbox; " + m.Mailbox + " is shared"}
	}
	setAudit(c, strconv.FormatInt(m.ID, 10), map[string]any{"mailbox": m.Mailbox})
	if err := s.opt.Store.DeleteVoicemail(c.Request().Context(), m.TenantID, m.ID); err != nil {
		return err
	}
	if !s.inMedia(m.Path) {
		// Not ipcc's file to remove: the message is gone, the file stays.
		s.log.Warn("voicemail file outside the media directories left in place", "tenant", m.TenantID, "message", m.ID, "path", m.Path)
		return c.NoContent(http.StatusNoContent)
	}
	if err := os.Remove(m.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		s.log.Warn("voicemail file not removed", "path", m.Path, "err", err)
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) listMailboxes(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	acc, err := s.mailboxAccess(ctx, principalOf(c), tenant)
	if err != nil {
		return err
	}
	boxes, err := s.opt.Store.ListMailboxes(ctx, tenant)
	if err != nil {
		return err
	}
	counts, err := s.opt.Store.CountVoicemail(ctx, tenant)
	if err != nil {
		return err
	}
	out := []mailboxView{}
	seen := map[string]bool{}
	add := func(v mailboxView) {
		if !acc.mayRead(v.ID) || seen[v.ID] {
			return
		}
		seen[v.ID] = true
		n := counts[v.ID]
		v.Total, v.New = n.Total, n.New
		out = append(out, v)
	}
	for _, b := range boxes {
		add(mailboxView{Mailbox: b, Defined: true})
	}
	implicit := func(id string) mailboxView { return mailboxView{Mailbox: store.Mailbox{ID: id, Name: id}} }
	for id := range counts {
		add(implicit(id))
	}
	if !acc.all {
		for _, id := range acc.list() {
			add(implicit(id)) // an agent's mailboxes are listed even when empty
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return c.JSON(http.StatusOK, out)
}

func (s *Server) checkMailbox(ctx context.Context, tenant string, req *mailboxRequest) error {
	if len(req.Name) > 100 {
		return errInvalid("name", "name must be at most 100 characters")
	}
	switch req.OwnerType {
	case store.MailboxOwnerTenant:
		if req.OwnerID != "" {
			return errInvalid("owner_id", "a tenant mailbox has no owner_id, got %q", req.OwnerID)
		}
	case store.MailboxOwnerQueue:
		if _, err := s.opt.Store.GetACDQueue(ctx, tenant, req.OwnerID); err != nil {
			if store.IsNotFound(err) {
				return errInvalid("owner_id", "no queue %q in this tenant", req.OwnerID)
			}
			return err
		}
	case store.MailboxOwnerAgent:
		if _, err := s.opt.Store.GetUser(ctx, tenant, req.OwnerID); err != nil {
			if store.IsNotFound(err) {
				return errInvalid("owner_id", "no user %q in this tenant", req.OwnerID)
			}
			return err
		}
	default:
		return errInvalid("owner_type", "owner_type must be tenant, queue or agent, got %q", req.OwnerType)
	}
	return nil
}

func (s *Server) createMailbox(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var req mailboxRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := dialplan.ValidMailbox(req.ID); err != nil {
		return errInvalid("id", "id is the mailbox name flows use: %v", err)
	}
	ctx := c.Request().Context()
	if err := s.checkMailbox(ctx, tenant, &req); err != nil {
		return err
	}
	m := &store.Mailbox{TenantID: tenant, ID: req.ID, Name: req.Name, OwnerType: req.OwnerType, OwnerID: req.OwnerID}
	if m.Name == "" {
		m.Name = m.ID
	}
	setAudit(c, m.ID, map[string]any{"owner_type": m.OwnerType, "owner_id": m.OwnerID})
	if err := s.opt.Store.CreateMailbox(ctx, m); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, m)
}

func (s *Server) updateMailbox(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	m, err := s.opt.Store.GetMailbox(ctx, tenant, c.Param("id"))
	if err != nil {
		return err
	}
	var req mailboxRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.ID != "" && req.ID != m.ID {
		return errInvalid("id", "id cannot change: flows leave messages under it")
	}
	if err := s.checkMailbox(ctx, tenant, &req); err != nil {
		return err
	}
	m.Name, m.OwnerType, m.OwnerID = req.Name, req.OwnerType, req.OwnerID
	if m.Name == "" {
		m.Name = m.ID
	}
	setAudit(c, m.ID, map[string]any{"owner_type": m.OwnerType, "owner_id": m.OwnerID})
	if err := s.opt.Store.UpdateMailbox(ctx, m); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}
