package api

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/store"
)

// Callers waiting in a queue may press a key to be called back (the queue's
// callback option); the request is stored for agents. These routes let
// agents work the list: see what waits for their queues, take one (which
// places the call-back from their phone, linked to the call that asked),
// and close it as done, put it back for later, or — supervisors and admins —
// cancel it. QA may read the list.

var rolesCallbackReaders = []auth.Role{auth.RoleAdmin, auth.RoleSupervisor, auth.RoleQA, auth.RoleAgent}

// callbackUpdate is the body of PUT /api/v1/callbacks/:id.
type callbackUpdate struct {
	// Status: done (reached), pending (not reached: back to the list) or
	// cancelled (supervisors).
	Status string `json:"status"`
	Note   string `json:"note,omitempty"`
}

func (s *Server) addCallbackRoutes() {
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/callbacks", Tag: "agent",
		Summary: "Call-back requests left by callers in queues and scheduled call-backs, due and overdue first (query: status = pending (default) | in_progress | done | cancelled | all, queue, owner = me | queue, limit). Agents see their own queues' requests, and another agent's scheduled call-back only once its grace period has passed",
		Roles:   rolesCallbackReaders, Response: []store.CallbackWork{}, Handler: s.listCallbacks})
	s.addOps(callbackOps())
	s.addOps(scheduleOps())
}

// callbackOps are the call-back operations shared by REST and the
// WebSocket.
func callbackOps() []*agentOp {
	return []*agentOp{
		op(agentOp{Cmd: "callback-dial", Method: http.MethodPost, Path: "/api/v1/callbacks/:id/dial", Tag: "agent",
			Summary: "Take a pending call-back request and call the caller back from your phone (click-to-dial; the new call's parent_id is the call that asked); answers {call, callback}. 409 when someone else took it",
			Roles:   rolesAgents, Response: map[string]string{"call": "", "callback": ""}, ObjectType: "callback",
			Params: map[string]string{"callback": "id"}}, callbackDial),
		op(agentOp{Cmd: "callback-update", Method: http.MethodPut, Path: "/api/v1/callbacks/:id", Tag: "agent",
			Summary: "Close a call-back you took as done, or put it back as pending (not reached); supervisors may also cancel any open request",
			Roles:   rolesAgents, Response: store.CallbackWork{}, ObjectType: "callback",
			Params: map[string]string{"callback": "id"}}, callbackSetStatus),
	}
}

func (s *Server) listCallbacks(c echo.Context) error {
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	f := store.CallbackFilter{Status: store.CallbackPending}
	switch st := c.QueryParam("status"); st {
	case "":
	case "all":
		f.Status = ""
	case store.CallbackPending, store.CallbackInProgress, store.CallbackDone, store.CallbackCancelled:
		f.Status = st
	default:
		return errInvalid("status", "status %q: want pending, in_progress, done, cancelled or all", st)
	}
	if err := limitParam(c, &f.Limit); err != nil {
		return err
	}
	ctx := c.Request().Context()
	queues, err := s.callbackQueues(ctx, tenant, principalOf(c))
	if err != nil {
		return err
	}
	if q := strings.TrimSpace(c.QueryParam("queue")); q != "" {
		if queues != nil && !slices.Contains(queues, q) {
			queues = []string{}
		} else {
			queues = []string{q}
		}
	}
	f.Queues = queues
	switch o := c.QueryParam("owner"); o {
	case "", "queue":
		f.Owner = o
	case "me":
		f.Owner = o
		f.Viewer = principalOf(c).ID
	default:
		return errInvalid("owner", "owner %q: want me or queue", o)
	}
	if principalOf(c).Role == auth.RoleAgent {
		f.Viewer = principalOf(c).ID
	}
	out, err := s.opt.Store.ListCallbackWork(ctx, tenant, f)
	if err != nil {
		return err
	}
	if err := s.maskCallbacks(ctx, tenant, principalOf(c), out); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// callbackQueues is what a principal may see: nil (every queue) for
// supervisors, admins and QA; an agent's own queues.
func (s *Server) callbackQueues(ctx context.Context, tenant string, p *auth.Principal) ([]string, error) {
	if p.Role != auth.RoleAgent {
		return nil, nil
	}
	return s.opt.Store.AgentQueues(ctx, tenant, p.ID)
}

// callbackOf loads the request the operation names, as the caller may see
// it (another queue's request is not found for an agent).
func callbackOf(ctx context.Context, x *opCall) (*store.CallbackWork, error) {
	id := strings.TrimSpace(x.params["callback"])
	x.objectID = id
	if id == "" || len(id) > 128 {
		return nil, errInvalid("callback", "callback id is required")
	}
	cb, err := x.s.opt.Store.GetCallbackWork(ctx, x.tenant, id)
	if err != nil {
		return nil, err
	}
	queues, err := x.s.callbackQueues(ctx, x.tenant, x.p)
	if err != nil {
		return nil, err
	}
	if queues != nil && !slices.Contains(queues, cb.QueueID) && cb.OwnerAgent != x.p.ID {
		return nil, errNotFound("call-back request")
	}
	// Another agent's scheduled call-back stays theirs until its grace
	// period has passed.
	if x.p.Role == auth.RoleAgent && cb.OwnerAgent != "" && cb.OwnerAgent != x.p.ID &&
		(cb.OwnerUntil == nil || time.Now().Before(*cb.OwnerUntil)) {
		return nil, errNotFound("call-back request")
	}
	return cb, nil
}

func callbackDial(ctx context.Context, x *opCall, _ *noBody) (any, error) {
	cb, err := callbackOf(ctx, x)
	if err != nil {
		return nil, err
	}
	if x.s.opt.AgentCalls == nil {
		return nil, &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "call control is not running in this controller"}
	}
	if err := x.s.opt.Store.ClaimCallback(ctx, x.tenant, cb.ID, x.p.ID); err != nil {
		if store.IsConflict(err) {
			return nil, &Error{Status: http.StatusConflict, Code: "callback_taken", Message: "this call-back is " + strings.ReplaceAll(cb.Status, "_", " ") + " (taken by " + cb.HandledBy + ")"}
		}
		return nil, err
	}
	// The call-back names the call that asked, when its record exists.
	parent := cb.CallID
	if _, err := x.s.opt.Store.GetCall(ctx, x.tenant, parent); err != nil {
		parent = ""
	}
	res, err := agentDial(ctx, x, &dialRequest{Number: cb.Number, Parent: parent})
	x.objectID = cb.ID
	x.detail["callback"] = cb.ID
	if err != nil {
		// Not placed: back on the list for the next agent.
		if uerr := x.s.opt.Store.UpdateCallback(context.WithoutCancel(ctx), x.tenant, cb.ID, store.CallbackPending, "", cb.Note, nil); uerr != nil {
			return nil, uerr
		}
		return nil, err
	}
	call := res.(map[string]string)["call"]
	if err := x.s.opt.Store.UpdateCallback(context.WithoutCancel(ctx), x.tenant, cb.ID, store.CallbackInProgress, call, cb.Note, nil); err != nil {
		return nil, err
	}
	return map[string]string{"call": call, "callback": cb.ID}, nil
}

func callbackSetStatus(ctx context.Context, x *opCall, req *callbackUpdate) (any, error) {
	cb, err := callbackOf(ctx, x)
	if err != nil {
		return nil, err
	}
	note := strings.TrimSpace(req.Note)
	if len(note) > 500 {
		return nil, errInvalid("note", "note is longer than 500 characters")
	}
	if note == "" {
		note = cb.Note
	}
	x.detail = map[string]any{"status": req.Status, "from": cb.Status}
	// Supervisors (and admins) run the list: they may close any request and
	// cancel one. QA reviews calls and may read the list, nothing more.
	supervisor := x.p.Superadmin() || x.p.Role == auth.RoleAdmin || x.p.Role == auth.RoleSupervisor
	switch req.Status {
	case store.CallbackDone, store.CallbackPending:
		if cb.Status != store.CallbackInProgress {
			return nil, &Error{Status: http.StatusConflict, Code: "conflict", Message: "only a call-back in progress can be closed or put back; this one is " + cb.Status}
		}
		if !supervisor && cb.HandledBy != x.p.ID {
			return nil, &Error{Status: http.StatusForbidden, Code: "forbidden", Message: "this call-back was taken by someone else; only they or a supervisor may close it"}
		}
	case store.CallbackCancelled:
		if !supervisor {
			return nil, &Error{Status: http.StatusForbidden, Code: "forbidden", Message: "only supervisors cancel call-back requests"}
		}
		if cb.Status == store.CallbackDone || cb.Status == store.CallbackCancelled {
			return nil, &Error{Status: http.StatusConflict, Code: "conflict", Message: "this call-back is already " + cb.Status}
		}
	default:
		return nil, errInvalid("status", "status %q: want done, pending or cancelled", req.Status)
	}
	handled := time.Now()
	at := &handled
	result := cb.ResultCallID
	if req.Status == store.CallbackPending {
		at = nil
	}
	if err := x.s.opt.Store.UpdateCallback(ctx, x.tenant, cb.ID, req.Status, result, note, at); err != nil {
		return nil, err
	}
	got, err := x.s.opt.Store.GetCallbackWork(ctx, x.tenant, cb.ID)
	if err != nil {
		return nil, err
	}
	out := []store.CallbackWork{*got}
	if err := x.s.maskCallbacks(ctx, x.tenant, x.p, out); err != nil {
		return nil, err
	}
	return out[0], nil
}
