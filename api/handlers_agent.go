package api

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/controller"
)

// ACD is what the agent and supervisor routes need of the running call
// center: each tenant's engine.
type ACD interface {
	Engine(ctx context.Context, tenant string) (*acd.Engine, error)
}

type agentLoginRequest struct {
	// Device is what rings for this agent: one of the devices an admin
	// assigned to the agent (an extension such as "1001", "tel:<mobile>"
	// for 转手机 through the default trunk, or "raw:<dial string>"). Left
	// out, the agent's only device is used.
	Device string `json:"device,omitempty"`
	// WorkNumber is not chosen at login any more: the work number (工号)
	// announced to callers is the one an admin set on the user. Given, it
	// must be that one (older desktops send it); an agent with none is not
	// announced.
	WorkNumber string `json:"work_number,omitempty"`
	NotReady   string `json:"not_ready,omitempty"`
	// Queues, when given, are the only ones of the agent's queues it logs in
	// to; omitted, it logs in to all of them.
	Queues []string `json:"queues,omitempty"`
}

type notReadyRequest struct {
	Reason string `json:"reason"`
}

type extendRequest struct {
	// ExtendMS is the wrap-up time to add, in milliseconds (1 s - 1 h).
	ExtendMS int64 `json:"extend_ms"`
}

type forceRequest struct {
	Action string `json:"action"` // logout, ready, not-ready, end-wrap-up, queue-login, queue-logout
	Reason string `json:"reason,omitempty"`
	// Queue is the queue of queue-login and queue-logout.
	Queue string `json:"queue,omitempty"`
}

var rolesAgents = []auth.Role{auth.RoleAdmin, auth.RoleSupervisor, auth.RoleQA, auth.RoleAgent}

// agentStateOps are the agent's and supervisor's operations on the ACD.
// Each is a REST route and a WebSocket command running the same function
// (see agentOp).
func agentStateOps() []*agentOp {
	state := func(cmd, method, path, summary string) agentOp {
		return agentOp{Cmd: cmd, Method: method, Path: path, Summary: summary, Tag: "agent", Roles: rolesAgents,
			Response: acd.AgentSnapshot{}, ObjectType: "agent_state"}
	}
	simple := func(f func(ctx context.Context, e *acd.Engine, id string) error) func(context.Context, *opCall, *noBody) (any, error) {
		return func(ctx context.Context, x *opCall, _ *noBody) (any, error) {
			e, err := x.engine(ctx)
			if err != nil {
				return nil, err
			}
			if err := f(ctx, e, x.p.ID); err != nil {
				return nil, acdError(err)
			}
			return agentView(ctx, e, x.p.ID)
		}
	}
	sup := func(cmd, method, path, summary string) agentOp {
		return agentOp{Cmd: cmd, Method: method, Path: path, Summary: summary, Tag: "supervisor", Roles: rolesSupervisor}
	}
	force := sup("force", http.MethodPost, "/api/v1/supervisor/agents/:id/force", "Force an agent: logout, ready, not-ready (with reason), end-wrap-up, or queue-login / queue-logout of one queue")
	force.Response, force.ObjectType, force.Params = acd.AgentSnapshot{}, "agent_state", map[string]string{"agent": "id"}
	snapshot := sup("snapshot", http.MethodGet, "/api/v1/supervisor/snapshot", "Live view: queues (waiting calls, longest wait, agents by state, answered/abandoned today, service level) and agents with their per-queue logins")
	snapshot.Response = acd.Snapshot{}
	queueLogin := func(in bool) func(context.Context, *opCall, *noBody) (any, error) {
		return func(ctx context.Context, x *opCall, _ *noBody) (any, error) {
			queue := x.params["queue"]
			x.detail = map[string]any{"queue": queue}
			if !acd.IDPattern.MatchString(queue) {
				return nil, errInvalid("queue", "queue must be a queue id")
			}
			e, err := x.engine(ctx)
			if err != nil {
				return nil, err
			}
			if in {
				err = e.QueueLogin(ctx, x.p.ID, queue)
			} else {
				err = e.QueueLogout(ctx, x.p.ID, queue)
			}
			if err != nil {
				return nil, acdError(err)
			}
			return agentView(ctx, e, x.p.ID)
		}
	}
	ql, qo := state("queue-login", http.MethodPost, "/api/v1/agent/queues/:queue/login", "Log in to one of your queues again (while logged in)"),
		state("queue-logout", http.MethodPost, "/api/v1/agent/queues/:queue/logout", "Log out of one of your queues and stay logged in to the others; after the last one you stay logged in with no queue")
	ql.Params, qo.Params = map[string]string{"queue": "queue"}, map[string]string{"queue": "queue"}
	return []*agentOp{
		op(state("state", http.MethodGet, "/api/v1/agent/state", "The calling agent's live state, with its queues and whether it is logged in to each"),
			func(ctx context.Context, x *opCall, _ *noBody) (any, error) {
				e, err := x.engine(ctx)
				if err != nil {
					return nil, err
				}
				return agentView(ctx, e, x.p.ID)
			}),
		op(state("login", http.MethodPost, "/api/v1/agent/login", "Log in on one of your assigned devices (your only one when device is left out) to all your queues or those listed in queues; available unless not_ready names a reason. 403 for a device not yours, 409 device_in_use when another agent is logged in on it"), agentLogin),
		op(state("logout", http.MethodPost, "/api/v1/agent/logout", "Log out of every queue (after the current call and wrap-up)"), simple(func(ctx context.Context, e *acd.Engine, id string) error { return e.Logout(ctx, id) })),
		op(state("ready", http.MethodPost, "/api/v1/agent/ready", "Become available"), simple(func(ctx context.Context, e *acd.Engine, id string) error { return e.Ready(ctx, id) })),
		op(agentOp{Cmd: "not-ready", Method: http.MethodPost, Path: "/api/v1/agent/not-ready", Summary: "Become not ready for a reason (break, lunch, training, ...); breaks obey the break cap",
			Tag: "agent", Roles: rolesAgents, Response: acd.BreakResult{}, ObjectType: "agent_state"}, agentNotReady),
		op(state("wrap-up-end", http.MethodPost, "/api/v1/agent/wrap-up/end", "End wrap-up now"), simple(func(ctx context.Context, e *acd.Engine, id string) error { return e.EndWrapUp(ctx, id) })),
		op(state("wrap-up-extend", http.MethodPost, "/api/v1/agent/wrap-up/extend", "Extend wrap-up by extend_ms milliseconds"), agentExtend),
		op(ql, queueLogin(true)),
		op(qo, queueLogin(false)),
		op(snapshot, func(ctx context.Context, x *opCall, _ *noBody) (any, error) {
			e, err := x.engine(ctx)
			if err != nil {
				return nil, err
			}
			snap, err := e.Snapshot(ctx)
			if err != nil {
				return nil, err
			}
			if h, ok := x.s.opt.AgentCalls.(holdClock); ok {
				for i, a := range snap.Agents {
					if a.CallID == "" {
						continue
					}
					if at, held := h.HeldSince(x.tenant, a.CallID); held {
						snap.Agents[i].HeldSince = at
					}
				}
			}
			return snap, x.nameAgents(ctx, snap.Agents)
		}),
		op(force, supervisorForce),
	}
}

// acdError maps engine errors to API errors.
func acdError(err error) error {
	var fe *acd.FieldError
	switch {
	case err == nil:
		return nil
	case errors.Is(err, acd.ErrUnknownAgent):
		return &Error{Status: http.StatusNotFound, Code: "not_found", Message: "agent is not logged in"}
	case errors.Is(err, acd.ErrUnknownQueue), errors.Is(err, acd.ErrNotMember):
		return &Error{Status: http.StatusNotFound, Code: "not_found", Message: strings.TrimPrefix(err.Error(), "acd: ")}
	case errors.As(err, &fe):
		return &Error{Status: http.StatusBadRequest, Code: "invalid", Message: fe.Error(), Field: fe.Field}
	case errors.Is(err, acd.ErrBadState), errors.Is(err, acd.ErrBreakCap):
		return &Error{Status: http.StatusConflict, Code: "conflict", Message: err.Error()}
	case errors.Is(err, acd.ErrSummaryRequired):
		return &Error{Status: http.StatusConflict, Code: "summary_required", Message: strings.TrimPrefix(err.Error(), "acd: ")}
	}
	return err
}

func agentView(ctx context.Context, e *acd.Engine, id string) (any, error) {
	snap, err := e.Agent(ctx, id)
	if err != nil {
		return nil, acdError(err)
	}
	return snap, nil
}

func agentLogin(ctx context.Context, x *opCall, req *agentLoginRequest) (any, error) {
	wn, err := acd.CleanWorkNumber(req.WorkNumber)
	if err != nil {
		return nil, acdError(err)
	}
	if x.p.Kind != "user" {
		return nil, errInvalid("", "only a user can log in as an agent")
	}
	// The work number belongs to the user record: a login may not choose
	// another (callers would hear a number that is not the agent's).
	u, err := x.s.opt.Store.GetUser(ctx, x.tenant, x.p.ID)
	if err != nil {
		return nil, err
	}
	if wn != "" && wn != u.WorkNumber {
		msg := "your work number is set by an admin on your user"
		if u.WorkNumber != "" {
			msg += " (" + u.WorkNumber + "); leave work_number out"
		} else {
			msg += " and you have none; leave work_number out"
		}
		return nil, &Error{Status: http.StatusForbidden, Code: "forbidden", Field: "work_number", Message: msg}
	}
	req.WorkNumber = u.WorkNumber
	if req.NotReady != "" {
		var err error
		if req.NotReady, err = notReadyReason("not_ready", req.NotReady); err != nil {
			return nil, err
		}
	}
	if req.Queues != nil {
		if len(req.Queues) == 0 {
			return nil, errInvalid("queues", "queues must name at least one of your queues; leave it out to log in to all of them")
		}
		seen := map[string]bool{}
		for i, q := range req.Queues {
			if !acd.IDPattern.MatchString(q) || seen[q] {
				return nil, errInvalid("queues", "queues[%d] %q: must be a queue id, listed once", i, q)
			}
			seen[q] = true
		}
	}
	x.detail = map[string]any{"device": controller.CleanText(req.Device, acd.MaxDeviceLen), "not_ready": req.NotReady}
	if req.Queues != nil {
		x.detail["queues"] = req.Queues
	}
	if req.WorkNumber != "" {
		x.detail["work_number"] = req.WorkNumber
	}
	// Only a device assigned to the agent (any valid one for admins); the
	// ACD refuses one another logged-in agent is on.
	if req.Device, err = x.s.resolveDevice(ctx, x.tenant, x.p, req.Device, true); err != nil {
		return nil, err
	}
	x.detail["device"] = req.Device
	e, err := x.engine(ctx)
	if err != nil {
		return nil, err
	}
	x.s.signIns.Lock()
	if err := x.s.checkAgentSignIn(ctx, e, x.tenant, x.p.ID); err != nil {
		x.s.signIns.Unlock()
		return nil, err
	}
	err = e.Login(ctx, acd.LoginRequest{AgentID: x.p.ID, Device: req.Device, WorkNumber: req.WorkNumber, NotReady: req.NotReady, Queues: req.Queues})
	x.s.signIns.Unlock()
	if errors.Is(err, acd.ErrDeviceInUse) {
		return nil, x.s.deviceInUse(ctx, x.tenant, err)
	}
	if errors.Is(err, acd.ErrNotMember) || errors.Is(err, acd.ErrUnknownQueue) {
		return nil, &Error{Status: http.StatusBadRequest, Code: "invalid", Field: "queues", Message: strings.TrimPrefix(err.Error(), "acd: ")}
	}
	if err != nil {
		return nil, acdError(err)
	}
	return agentView(ctx, e, x.p.ID)
}

// notReadyReason checks a not-ready reason wherever one is given (the
// agent's not-ready, login not ready, a supervisor's force): trimmed,
// required, at most 40 characters.
func notReadyReason(field, reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 40 {
		return "", errInvalid(field, "%s is required (break, lunch, training, ...), at most 40 characters", field)
	}
	return reason, nil
}

func agentNotReady(ctx context.Context, x *opCall, req *notReadyRequest) (any, error) {
	var err error
	if req.Reason, err = notReadyReason("reason", req.Reason); err != nil {
		return nil, err
	}
	x.detail = map[string]any{"reason": req.Reason}
	e, err := x.engine(ctx)
	if err != nil {
		return nil, err
	}
	res, err := e.NotReady(ctx, x.p.ID, req.Reason)
	if err != nil {
		return nil, acdError(err)
	}
	return res, nil
}

func agentExtend(ctx context.Context, x *opCall, req *extendRequest) (any, error) {
	if req.ExtendMS < 1000 || req.ExtendMS > 3600000 {
		return nil, errInvalid("extend_ms", "extend_ms must be 1000-3600000 (1 s to 1 h, in milliseconds)")
	}
	x.detail = map[string]any{"extend_ms": req.ExtendMS}
	e, err := x.engine(ctx)
	if err != nil {
		return nil, err
	}
	if err := e.ExtendWrapUp(ctx, x.p.ID, time.Duration(req.ExtendMS)*time.Millisecond); err != nil {
		return nil, acdError(err)
	}
	return agentView(ctx, e, x.p.ID)
}

func supervisorForce(ctx context.Context, x *opCall, req *forceRequest) (any, error) {
	agent, by := x.params["agent"], x.p.Name
	x.objectID = agent
	x.detail = map[string]any{"action": req.Action, "reason": req.Reason}
	if req.Queue != "" {
		x.detail["queue"] = req.Queue
	}
	if agent == "" {
		return nil, errInvalid("agent", "agent is required")
	}
	var do func(e *acd.Engine) error
	switch req.Action {
	case "logout":
		do = func(e *acd.Engine) error { return e.ForceLogout(ctx, agent, by) }
	case "ready":
		do = func(e *acd.Engine) error { return e.ForceReady(ctx, agent, by) }
	case "not-ready":
		reason, err := notReadyReason("reason", req.Reason)
		if err != nil {
			return nil, err
		}
		do = func(e *acd.Engine) error { return e.ForceNotReady(ctx, agent, reason, by) }
	case "end-wrap-up":
		do = func(e *acd.Engine) error { return e.ForceEndWrapUp(ctx, agent, by) }
	case "queue-login", "queue-logout":
		if !acd.IDPattern.MatchString(req.Queue) {
			return nil, errInvalid("queue", "queue is required for %s: one of the agent's queue ids", req.Action)
		}
		if req.Action == "queue-login" {
			do = func(e *acd.Engine) error { return e.ForceQueueLogin(ctx, agent, req.Queue, by) }
		} else {
			do = func(e *acd.Engine) error { return e.ForceQueueLogout(ctx, agent, req.Queue, by) }
		}
	default:
		return nil, errInvalid("action", "action must be logout, ready, not-ready, end-wrap-up, queue-login or queue-logout")
	}
	if req.Queue != "" && req.Action != "queue-login" && req.Action != "queue-logout" {
		return nil, errInvalid("queue", "queue is only for queue-login and queue-logout")
	}
	e, err := x.engine(ctx)
	if err != nil {
		return nil, err
	}
	if err := do(e); err != nil {
		return nil, acdError(err)
	}
	v, err := agentView(ctx, e, agent)
	if err != nil {
		return nil, err
	}
	a := []acd.AgentSnapshot{v.(acd.AgentSnapshot)}
	if err := x.nameAgents(ctx, a); err != nil {
		return nil, err
	}
	return a[0], nil
}

// nameAgents puts each agent's display name (their username when they
// have none), work number and group (班组) from the user record next to
// their id.
// holdClock tells since when a call is on hold (the dispatcher), for the
// supervisor's long-hold alert after a reload.
type holdClock interface {
	HeldSince(tenant, call string) (time.Time, bool)
}

func (x *opCall) nameAgents(ctx context.Context, agents []acd.AgentSnapshot) error {
	users, err := x.s.opt.Store.UserNames(ctx, x.tenant)
	if err != nil {
		return err
	}
	for i := range agents {
		u, ok := users[agents[i].AgentID]
		if !ok {
			continue
		}
		agents[i].Name = u.DisplayName
		if agents[i].Name == "" {
			agents[i].Name = u.Username
		}
		if u.WorkNumber != "" {
			agents[i].WorkNumber = u.WorkNumber
		}
		agents[i].Group = u.Group
	}
	return nil
}

// agentOp is one operation of an agent's desktop or a supervisor's
// wallboard, reachable both as a REST route and as a command on the
// /api/v1/ws socket. Both run the same function with the same role and
// tenant checks and produce the same errors and audit rows.
type agentOp struct {
	Cmd     string // WebSocket command name
	Method  string
	Path    string
	Summary string
	Tag     string
	Roles   []auth.Role
	// Request is an example of the body (set by op; nil for none).
	Request  any
	Response any
	Status   int // REST success status (default 200)
	// ObjectType names what a mutation changes, for the audit log.
	ObjectType string
	// Params maps WebSocket argument names to the route's path parameters
	// (the agent of a force is "agent" on the socket, ":id" in the path).
	Params map[string]string

	newReq func() any
	run    func(ctx context.Context, x *opCall, req any) (any, error)
}

// noBody is the request of operations without arguments.
type noBody struct{}

// op binds an operation to its function; Req is its request body type.
func op[Req any](o agentOp, run func(ctx context.Context, x *opCall, req *Req) (any, error)) *agentOp {
	if _, none := any(new(Req)).(*noBody); !none {
		o.Request = *new(Req)
	}
	o.newReq = func() any { return new(Req) }
	o.run = func(ctx context.Context, x *opCall, req any) (any, error) { return run(ctx, x, req.(*Req)) }
	return &o
}

// opCall is one invocation of an operation: who, in which tenant, with
// which path parameters. The operation records what it acted on for the
// audit row.
type opCall struct {
	s        *Server
	p        *auth.Principal
	tenant   string
	params   map[string]string
	objectID string
	detail   map[string]any
}

func (x *opCall) engine(ctx context.Context) (*acd.Engine, error) {
	if x.s.opt.ACD == nil {
		return nil, &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "the ACD is not running in this controller"}
	}
	return x.s.opt.ACD.Engine(ctx, x.tenant)
}

// agentOps lists every operation shared by REST and the WebSocket.
func (s *Server) agentOps() []*agentOp {
	return slices.Concat(agentStateOps(), agentCallOps(), agentMediaOps(), callbackOps(), superviseOps(), campaignOps())
}

// addAgentRoutes registers the REST face of the ACD operations (the call
// operations are added by addAgentCallRoutes).
func (s *Server) addAgentRoutes() { s.addOps(agentStateOps()) }

func (s *Server) addOps(ops []*agentOp) {
	for _, o := range ops {
		s.Add(&Route{Method: o.Method, Path: o.Path, Summary: o.Summary + " (WebSocket command " + o.Cmd + ")", Tag: o.Tag, Roles: o.Roles,
			Request: o.Request, Response: o.Response, Status: o.Status, ObjectType: o.ObjectType, Handler: s.restOp(o)})
	}
}

// restOp runs an operation for a REST request: path parameters from the
// route, the body decoded strictly.
func (s *Server) restOp(o *agentOp) echo.HandlerFunc {
	return func(c echo.Context) error {
		tenant, err := tenantRequired(c)
		if err != nil {
			return err
		}
		p := principalOf(c)
		x := &opCall{s: s, p: p, tenant: tenant, params: map[string]string{}, objectID: p.ID}
		for arg, param := range o.Params {
			x.params[arg] = c.Param(param)
		}
		req := o.newReq()
		if o.Request != nil {
			if err := decodeJSON(c, req); err != nil {
				return err
			}
		}
		res, err := o.run(c.Request().Context(), x, req)
		if isMutation(o.Method) {
			setAudit(c, x.objectID, x.detail)
		}
		if err != nil {
			return err
		}
		switch {
		case o.Status == http.StatusNoContent:
			return c.NoContent(http.StatusNoContent)
		case o.Status != 0:
			return c.JSON(o.Status, res)
		}
		return c.JSON(http.StatusOK, res)
	}
}
