package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/store"
)

// Events is the live event source behind /api/v1/ws.
type Events interface {
	Subscribe(buf int) (<-chan dispatch.Event, func())
}

// WebSocket command protocol limits.
const (
	wsReadLimit      = 64 << 10 // bytes of one command frame
	wsQueuedCommands = 16       // commands waiting to run; more are refused
)

// wsCommandTimeout bounds one command's run; wsCheckEvery is how often the
// socket pings and checks its credential again (nanoseconds; tests shorten
// them).
var wsCommandTimeout, wsCheckEvery atomic.Int64

func init() {
	wsCommandTimeout.Store(int64(60 * time.Second))
	wsCheckEvery.Store(int64(30 * time.Second))
}

// wsReply answers one command: Result on success, Error (the REST error
// shape) on failure.
type wsReply struct {
	Type   string `json:"type"` // always "reply"
	ID     string `json:"id"`
	OK     bool   `json:"ok"`
	Result any    `json:"result,omitempty"`
	Error  *Error `json:"error,omitempty"`
}

func (s *Server) addWSRoutes() {
	s.Add(&Route{Method: http.MethodGet, Path: "/api/v1/ws", Tag: "events",
		Summary: "WebSocket: event stream and agent commands. Agents receive their own events (offered with caller number, queue, waited time and IVR variables; answered; state changes); supervisors and admins every event of the tenant. " +
			`Commands are JSON text frames {"id":"c1","cmd":"not-ready","reason":"break"} naming any agent or supervisor operation (the REST summaries give each one's command name); ` +
			`each gets a reply {"type":"reply","id":"c1","ok":true,"result":...} or {"type":"reply","id":"c1","ok":false,"error":{"code","message","field"}}. Browsers may pass the token as ?access_token=.`,
		Roles: rolesAgents, QueryToken: true, Response: dispatch.Event{}, Handler: s.events})
}

// wsSession is one socket's command side: who opened it, in which tenant,
// with which credential (checked again for every command, as REST checks
// every request).
type wsSession struct {
	s         *Server
	conn      *websocket.Conn
	tenant    string
	ops       map[string]*agentOp
	remote    string
	requestID string
	subject   string // the principal's id: a new token must be the same user's

	mu     sync.Mutex
	apiKey string
	bearer string
}

// events streams the caller's events and runs its commands until either
// side closes.
func (s *Server) events(c echo.Context) error {
	if s.opt.Events == nil {
		return &Error{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "the event stream is not running in this controller"}
	}
	tenant, err := tenantRequired(c)
	if err != nil {
		return err
	}
	p := principalOf(c)
	all := p.Superadmin() || p.Role == auth.RoleAdmin || p.Role == auth.RoleSupervisor
	ss := &wsSession{s: s, tenant: tenant, ops: map[string]*agentOp{}, remote: c.RealIP(), subject: p.ID,
		requestID: c.Response().Header().Get(echo.HeaderXRequestID), apiKey: c.Request().Header.Get("X-API-Key")}
	ss.bearer, _ = strings.CutPrefix(c.Request().Header.Get(echo.HeaderAuthorization), "Bearer ")
	for _, o := range s.agentOps() {
		ss.ops[o.Cmd] = o
	}
	// The stream outlives the server's request timeouts.
	rc := http.NewResponseController(c.Response())
	_ = rc.SetReadDeadline(time.Time{})
	_ = rc.SetWriteDeadline(time.Time{})
	conn, err := websocket.Accept(c.Response(), c.Request(), nil)
	if err != nil {
		return nil // Accept has answered the client already
	}
	ss.conn = conn
	conn.SetReadLimit(wsReadLimit)
	// Registered before the hello: a suspension from then on closes it.
	cut, leave := s.wsJoin(tenant)
	defer leave()
	ch, unsubscribe := s.opt.Events.Subscribe(256)
	defer unsubscribe()

	// hello is the first frame: it goes out before the reader can answer
	// a command (or a bad frame) sent right after the handshake.
	names := make([]string, 0, len(ss.ops)+1)
	for n := range ss.ops {
		names = append(names, n)
	}
	names = append(names, "auth")
	sort.Strings(names)
	if err := ss.write(c.Request().Context(), map[string]any{"type": "hello", "tenant": tenant, "agent": p.ID, "all": all, "commands": names}); err != nil {
		conn.CloseNow()
		return nil
	}

	ctx, cancel := context.WithCancel(c.Request().Context())
	cmds := make(chan []byte, wsQueuedCommands)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); defer cancel(); ss.read(ctx, cmds) }()
	go func() { defer wg.Done(); ss.execute(ctx, cmds) }()
	defer func() {
		cancel()
		conn.CloseNow()
		wg.Wait()
	}()

	ping := time.NewTicker(time.Duration(wsCheckEvery.Load()))
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			conn.Close(websocket.StatusNormalClosure, "")
			return nil
		case <-cut:
			conn.Close(websocket.StatusPolicyViolation, "tenant suspended")
			return nil
		case <-ping.C:
			// The event stream obeys the credential as commands do: a
			// disabled user or revoked key stops receiving, and a changed
			// role changes what it sees.
			vctx, cancelVerify := context.WithTimeout(ctx, 10*time.Second)
			cur, err := ss.principal(vctx)
			cancelVerify()
			if err == nil {
				all = cur.Superadmin() || cur.Role == auth.RoleAdmin || cur.Role == auth.RoleSupervisor
			} else if toAPIError(err).Status < 500 {
				conn.Close(websocket.StatusPolicyViolation, "credentials no longer valid")
				return nil
			}
			pctx, cancelPing := context.WithTimeout(ctx, 10*time.Second)
			err = conn.Ping(pctx)
			cancelPing()
			if err != nil {
				return nil
			}
		case ev, ok := <-ch:
			if !ok {
				conn.Close(websocket.StatusGoingAway, "server stopping")
				return nil
			}
			// events_lost belongs to this socket's subscription, whatever
			// tenant the missed events were of (it carries only a count).
			if ev.Type != dispatch.EventLost && (ev.Tenant != tenant || (!all && ev.Agent != p.ID)) {
				continue
			}
			if err := ss.write(ctx, ev); err != nil {
				return nil
			}
		}
	}
}

func (ss *wsSession) write(ctx context.Context, v any) error {
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return wsjson.Write(wctx, ss.conn, v)
}

func (ss *wsSession) replyErr(ctx context.Context, id string, err error) {
	_ = ss.write(ctx, wsReply{Type: "reply", ID: id, Error: toAPIError(err)})
}

// read hands command frames to the executor; it never waits for a command
// to run, so it notices a closed socket at once. Commands beyond the queue
// are refused, not dropped silently.
func (ss *wsSession) read(ctx context.Context, cmds chan<- []byte) {
	for {
		typ, b, err := ss.conn.Read(ctx)
		if err != nil {
			return
		}
		if typ != websocket.MessageText {
			ss.replyErr(ctx, "", errInvalid("", "commands are JSON objects in text frames"))
			continue
		}
		select {
		case cmds <- b:
		default:
			ss.replyErr(ctx, frameID(b), &Error{Status: http.StatusTooManyRequests, Code: "too_many_commands",
				Message: fmt.Sprintf("%d commands are already waiting; wait for their replies", wsQueuedCommands)})
		}
	}
}

// execute runs commands one at a time, in the order received, so that
// "ready" then "not-ready" leave the agent not ready.
func (ss *wsSession) execute(ctx context.Context, cmds <-chan []byte) {
	for {
		select {
		case <-ctx.Done():
			return
		case b := <-cmds:
			if ctx.Err() != nil {
				return // the socket is gone: run (and audit) nothing more
			}
			cctx, cancel := context.WithTimeout(ctx, time.Duration(wsCommandTimeout.Load()))
			id, res, err := ss.run(cctx, b)
			cancel()
			if err != nil {
				ss.replyErr(ctx, id, err)
				continue
			}
			_ = ss.write(ctx, wsReply{Type: "reply", ID: id, OK: true, Result: res})
		}
	}
}

// frameID is the id of a command frame, if it has one.
func frameID(b []byte) string {
	var f struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(b, &f)
	return f.ID
}

// run parses one command frame and runs its operation exactly as the REST
// route would: credential and role checked, arguments decoded strictly,
// the same function, an audit row for a mutation.
func (ss *wsSession) run(ctx context.Context, b []byte) (string, any, error) {
	if err := checkJSONText(b); err != nil {
		return printable(frameID(b)), nil, err
	}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&raw); err != nil || raw == nil || dec.More() {
		if err == nil {
			err = errors.New("not a single JSON object")
		}
		return "", nil, errInvalid("", "malformed command: %v", err)
	}
	var id, cmd string
	if v, ok := raw["id"]; ok {
		if err := json.Unmarshal(v, &id); err != nil || len(id) > 64 {
			return "", nil, errInvalid("id", "id must be a string of at most 64 characters")
		}
	}
	if id == "" {
		return "", nil, errInvalid("id", "id is required: the reply carries it")
	}
	if v, ok := raw["cmd"]; !ok || json.Unmarshal(v, &cmd) != nil || cmd == "" {
		return id, nil, errInvalid("cmd", "cmd is required: one of the commands listed in the hello message")
	}
	delete(raw, "id")
	delete(raw, "cmd")
	if cmd == "auth" {
		return id, nil, ss.reauth(ctx, raw)
	}
	o := ss.ops[cmd]
	if o == nil {
		return id, nil, errInvalid("cmd", "unknown command %q: see the commands listed in the hello message", cmd)
	}
	p, err := ss.principal(ctx)
	if err != nil {
		if isMutation(o.Method) {
			// REST audits a refused credential as an anonymous call.
			ss.audit(ctx, o, &opCall{}, id, err)
		}
		return id, nil, err
	}
	x := &opCall{s: ss.s, p: p, tenant: ss.tenant, params: map[string]string{}, objectID: p.ID}
	res, err := ss.invoke(ctx, o, x, raw)
	if err != nil && errors.Is(err, context.DeadlineExceeded) && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		// The command's own time ran out, not a server fault.
		err = &Error{Status: http.StatusGatewayTimeout, Code: "timeout",
			Message: fmt.Sprintf("%s did not finish within %s; check the state before trying again", cmd, time.Duration(wsCommandTimeout.Load()))}
	}
	if isMutation(o.Method) {
		ss.audit(ctx, o, x, id, err)
	}
	return id, res, err
}

func (ss *wsSession) invoke(ctx context.Context, o *agentOp, x *opCall, raw map[string]json.RawMessage) (any, error) {
	if !x.p.Superadmin() && !slices.Contains(o.Roles, x.p.Role) {
		// The REST route's audit row names the object of its path (the
		// agent forced, the call hung up) even when the role is refused.
		for arg, param := range o.Params {
			var sv string
			if v, ok := raw[arg]; ok && param == "id" && json.Unmarshal(v, &sv) == nil {
				x.objectID = sv
			}
		}
		return nil, errForbidden
	}
	for arg := range o.Params {
		if v, ok := raw[arg]; ok {
			var sv string
			if err := json.Unmarshal(v, &sv); err != nil {
				return nil, errInvalid(arg, "field %q must be a string", arg)
			}
			x.params[arg] = sv
			delete(raw, arg)
		}
	}
	req := o.newReq()
	if o.Request == nil && len(raw) > 0 {
		keys := make([]string, 0, len(raw))
		for k := range raw {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return nil, errInvalid(keys[0], "unknown field %q: %s takes no arguments", keys[0], o.Cmd)
	}
	if o.Request != nil {
		args, _ := json.Marshal(raw)
		dec := json.NewDecoder(bytes.NewReader(args))
		dec.DisallowUnknownFields()
		if err := dec.Decode(req); err != nil {
			return nil, jsonError(err)
		}
	}
	return o.run(ctx, x, req)
}

// principal checks the socket's credential again, as authorize does for
// each REST request: a disabled user or a revoked key stops at once.
func (ss *wsSession) principal(ctx context.Context) (*auth.Principal, error) {
	ss.mu.Lock()
	key, tok := ss.apiKey, ss.bearer
	ss.mu.Unlock()
	var p *auth.Principal
	var err error
	switch {
	case key != "":
		p, err = ss.s.opt.Auth.VerifyAPIKey(ctx, key)
	case tok != "":
		p, err = ss.s.opt.Auth.VerifyToken(ctx, strings.TrimSpace(tok))
	default:
		err = errUnauthenticated
	}
	if err != nil {
		if ae := toAPIError(err); ae.Status >= 500 {
			return nil, err
		}
		return nil, errUnauthenticated
	}
	if !p.Superadmin() && p.TenantID != ss.tenant {
		return nil, errForbidden
	}
	return p, nil
}

// reauth replaces the socket's token with a fresh one of the same user
// ({"cmd":"auth","token":"..."}), so a long shift outlives token expiry.
func (ss *wsSession) reauth(ctx context.Context, raw map[string]json.RawMessage) error {
	var req struct {
		Token string `json:"token"`
	}
	args, _ := json.Marshal(raw)
	dec := json.NewDecoder(bytes.NewReader(args))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		return jsonError(err)
	}
	if req.Token == "" {
		return errInvalid("token", "token is required")
	}
	p, err := ss.s.opt.Auth.VerifyToken(ctx, req.Token)
	if err != nil {
		if ae := toAPIError(err); ae.Status >= 500 {
			return err
		}
		return errUnauthenticated
	}
	if p.ID != ss.subject {
		return &Error{Status: http.StatusForbidden, Code: "forbidden", Message: "the token is another user's: open a new socket for them", Field: "token"}
	}
	ss.mu.Lock()
	ss.apiKey, ss.bearer = "", req.Token
	ss.mu.Unlock()
	return nil
}

// audit writes the row the REST route's audit middleware would.
func (ss *wsSession) audit(ctx context.Context, o *agentOp, x *opCall, id string, err error) {
	status := o.Status
	if status == 0 {
		status = http.StatusOK
	}
	if err != nil {
		status = toAPIError(err).Status
	}
	detail := map[string]any{"via": "websocket", "command_id": id}
	for k, v := range x.detail {
		detail[k] = v
	}
	e := &store.AuditEntry{TenantID: ss.tenant, ActorKind: "anonymous", Action: o.Method + " " + o.Path,
		ObjectType: o.ObjectType, ObjectID: x.objectID, Status: status, RemoteAddr: ss.remote, RequestID: ss.requestID}
	if x.p != nil {
		e.ActorKind, e.ActorID, e.ActorName = x.p.Kind, x.p.ID, x.p.Name
	}
	if b, jerr := json.Marshal(detail); jerr == nil {
		e.Detail = string(b)
	}
	cleanAudit(e)
	if aerr := ss.s.opt.Store.AddAudit(context.WithoutCancel(ctx), e); aerr != nil {
		ss.s.log.Error("audit write failed", "err", aerr, "action", e.Action)
	}
	if err == nil && ss.s.opt.OnChange != nil && o.ObjectType != "" {
		ss.s.opt.OnChange(ss.tenant, o.ObjectType)
	}
}
