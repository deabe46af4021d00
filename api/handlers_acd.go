package api

import (
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/prompts"
	"github.com/ipcc/ipcc/store"
)

// queueView is a queue as the API shows it: its configuration plus
// bookkeeping.
type queueView struct {
	acd.QueueConfig
	Members   int       `json:"members"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// memberRequest sets an agent's level (and weight, position) in a queue.
type memberRequest struct {
	Level    int `json:"level"`
	Weight   int `json:"weight,omitempty"`
	Position int `json:"position,omitempty"`
}

func (s *Server) addACDRoutes() {
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/queues", Summary: "List the tenant's ACD queues (skill groups)", Tag: "queues", Roles: rolesSupervisor, Response: []queueView{}, Handler: s.listQueues})
	s.Add(&Route{Method: http.MethodPost, Path: "/api/v1/queues", Summary: "Create a queue: strategy, ring timeout, wrap-up, announcements, limits, overflow targets", Tag: "queues", Roles: rolesAdmin, Request: acd.QueueConfig{}, Response: queueView{}, Status: http.StatusCreated, ObjectType: "queue", Handler: s.createQueue})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/queues/:id", Summary: "Get a queue", Tag: "queues", Roles: rolesSupervisor, Response: queueView{}, Handler: s.getQueue})
	s.Add(&Route{Method: http.MethodPut, Path: "/api/v1/queues/:id", Summary: "Replace a queue's configuration", Tag: "queues", Roles: rolesAdmin, Request: acd.QueueConfig{}, Response: queueView{}, ObjectType: "queue", Handler: s.putQueue})
	s.Add(&Route{Method: http.MethodDelete, Path: "/api/v1/queues/:id", Summary: "Delete a queue and its memberships", Tag: "queues", Roles: rolesAdmin, Status: http.StatusNoContent, ObjectType: "queue", Handler: s.deleteQueue})
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/queues/:id/members", Summary: "List a queue's members (agents with levels)", Tag: "queues", Roles: rolesSupervisor, Response: []acd.Member{}, Handler: s.listMembers})
	s.Add(&Route{Method: http.MethodPut, Path: "/api/v1/queues/:id/members/:agent", Summary: "Add an agent (user id) to a queue or change its level, weight and position", Tag: "queues", Roles: rolesAdmin, Request: memberRequest{}, Response: acd.Member{}, ObjectType: "queue_member", Handler: s.putMember})
	s.Add(&Route{Method: http.MethodDelete, Path: "/api/v1/queues/:id/members/:agent", Summary: "Take an agent out of a queue", Tag: "queues", Roles: rolesAdmin, Status: http.StatusNoContent, ObjectType: "queue_member", Handler: s.deleteMember})
}

// acdInvalid maps a validation error of package acd to a 400 naming the
// field.
func acdInvalid(err error) error {
	var fe *acd.FieldError
	if errors.As(err, &fe) {
		return errInvalid(fe.Field, "%s %s", fe.Field, fe.Msg)
	}
	return errInvalid("", "%v", err)
}

// checkQueue validates a configuration, including that queue overflow
// targets and the library prompts its announcements name exist in the
// tenant.
func (s *Server) checkQueue(c echo.Context, tenant string, q *acd.QueueConfig) error {
	if err := q.Validate(); err != nil {
		return acdInvalid(err)
	}
	if refs := q.LibraryRefs(); len(refs) > 0 {
		names := make([]string, len(refs))
		for i, r := range refs {
			names[i] = r.Name
		}
		missing, err := prompts.Missing(c.Request().Context(), s.opt.Store, tenant, names)
		if err != nil {
			return err
		}
		for _, r := range refs {
			if slices.Contains(missing, r.Name) {
				return errInvalid(r.Field, "%s: library prompt %q is not in the tenant's prompts library", r.Field, r.Name)
			}
		}
	}
	targets := map[string]acd.OverflowTarget{
		"overflow.queue_full": q.Overflow.QueueFull, "overflow.max_wait": q.Overflow.MaxWait,
		"overflow.no_agents": q.Overflow.NoAgents, "overflow.all_on_break": q.Overflow.AllOnBreak, "overflow.voicemail": q.Overflow.Voicemail,
	}
	for _, field := range []string{"overflow.queue_full", "overflow.max_wait", "overflow.no_agents", "overflow.all_on_break", "overflow.voicemail"} {
		t := targets[field]
		if t.Kind != acd.TargetQueue {
			continue
		}
		if _, err := s.opt.Store.GetACDQueue(c.Request().Context(), tenant, t.Value); err != nil {
			if store.IsNotFound(err) {
				return errInvalid(field+".value", "%s.value: no queue %q in this tenant", field, t.Value)
			}
			return err
		}
	}
	return nil
}

func (s *Server) viewQueue(c echo.Context, r *store.ACDQueue) (*queueView, error) {
	q, err := acd.QueueFromRow(r)
	if err != nil {
		return nil, err
	}
	ms, err := s.opt.Store.ListACDMembers(c.Request().Context(), r.TenantID, r.ID)
	if err != nil {
		return nil, err
	}
	return &queueView{QueueConfig: q, Members: len(ms), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}, nil
}

func (s *Server) listQueues(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	rows, err := s.opt.Store.ListACDQueues(ctx, tenant)
	if err != nil {
		return err
	}
	ms, err := s.opt.Store.ListACDMembers(ctx, tenant, "")
	if err != nil {
		return err
	}
	count := map[string]int{}
	for _, m := range ms {
		count[m.QueueID]++
	}
	out := make([]queueView, 0, len(rows))
	for i := range rows {
		q, err := acd.QueueFromRow(&rows[i])
		if err != nil {
			return err
		}
		out = append(out, queueView{QueueConfig: q, Members: count[q.ID], CreatedAt: rows[i].CreatedAt, UpdatedAt: rows[i].UpdatedAt})
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) createQueue(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var q acd.QueueConfig
	if err := decodeJSON(c, &q); err != nil {
		return err
	}
	if err := s.checkQueue(c, tenant, &q); err != nil {
		return err
	}
	row, err := acd.QueueRow(tenant, q)
	if err != nil {
		return err
	}
	setAudit(c, q.ID, map[string]any{"name": q.Name, "strategy": q.Strategy})
	if err := s.opt.Store.CreateACDQueue(c.Request().Context(), row); err != nil {
		if store.IsConflict(err) {
			return &Error{Status: http.StatusConflict, Code: "conflict", Message: "queue " + q.ID + " already exists", Field: "id"}
		}
		return err
	}
	return c.JSON(http.StatusCreated, &queueView{QueueConfig: q, CreatedAt: row.CreatedAt, UpdatedAt: row.UpdatedAt})
}

func (s *Server) getQueue(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	r, err := s.opt.Store.GetACDQueue(c.Request().Context(), tenant, c.Param("id"))
	if err != nil {
		if store.IsNotFound(err) {
			return errNotFound("queue " + c.Param("id"))
		}
		return err
	}
	v, err := s.viewQueue(c, r)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Server) putQueue(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var q acd.QueueConfig
	if err := decodeJSON(c, &q); err != nil {
		return err
	}
	id := c.Param("id")
	if q.ID == "" {
		q.ID = id
	}
	if q.ID != id {
		return errInvalid("id", "id %q does not match the queue in the path (%q); queues cannot be renamed", q.ID, id)
	}
	ctx := c.Request().Context()
	old, err := s.opt.Store.GetACDQueue(ctx, tenant, id)
	if err != nil {
		if store.IsNotFound(err) {
			return errNotFound("queue " + id)
		}
		return err
	}
	if err := s.checkQueue(c, tenant, &q); err != nil {
		return err
	}
	row, err := acd.QueueRow(tenant, q)
	if err != nil {
		return err
	}
	row.CreatedAt = old.CreatedAt
	setAudit(c, id, map[string]any{"name": q.Name, "strategy": q.Strategy})
	if err := s.opt.Store.UpdateACDQueue(ctx, row); err != nil {
		return err
	}
	v, err := s.viewQueue(c, row)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, v)
}

func (s *Server) deleteQueue(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	if err := s.opt.Store.DeleteACDQueue(c.Request().Context(), tenant, c.Param("id")); err != nil {
		if store.IsNotFound(err) {
			return errNotFound("queue " + c.Param("id"))
		}
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) queueExists(c echo.Context, tenant, id string) error {
	if _, err := s.opt.Store.GetACDQueue(c.Request().Context(), tenant, id); err != nil {
		if store.IsNotFound(err) {
			return errNotFound("queue " + id)
		}
		return err
	}
	return nil
}

func (s *Server) listMembers(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	id := c.Param("id")
	if err := s.queueExists(c, tenant, id); err != nil {
		return err
	}
	rows, err := s.opt.Store.ListACDMembers(c.Request().Context(), tenant, id)
	if err != nil {
		return err
	}
	out := make([]acd.Member, 0, len(rows))
	for _, m := range rows {
		out = append(out, acd.Member{QueueID: m.QueueID, AgentID: m.AgentID, Level: m.Level, Weight: m.Weight, Position: m.Position})
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) putMember(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	var req memberRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	id, agent := c.Param("id"), c.Param("agent")
	m := acd.Member{QueueID: id, AgentID: agent, Level: req.Level, Weight: req.Weight, Position: req.Position}
	if err := m.Validate(); err != nil {
		return acdInvalid(err)
	}
	ctx := c.Request().Context()
	if err := s.queueExists(c, tenant, id); err != nil {
		return err
	}
	if _, err := s.opt.Store.GetUser(ctx, tenant, agent); err != nil {
		if store.IsNotFound(err) {
			return errInvalid("agent", "no user %q in this tenant", agent)
		}
		return err
	}
	setAudit(c, id+"/"+agent, map[string]any{"queue": id, "agent": agent, "level": m.Level, "weight": m.Weight, "position": m.Position})
	if err := s.opt.Store.PutACDMember(ctx, &store.ACDMember{TenantID: tenant, QueueID: id, AgentID: agent, Level: m.Level, Weight: m.Weight, Position: m.Position}); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, m)
}

func (s *Server) deleteMember(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	id, agent := c.Param("id"), c.Param("agent")
	setAudit(c, id+"/"+agent, nil)
	if err := s.opt.Store.DeleteACDMember(c.Request().Context(), tenant, id, agent); err != nil {
		if store.IsNotFound(err) {
			return errNotFound("member " + agent + " of queue " + id)
		}
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
