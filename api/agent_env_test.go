package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/api"
	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/clock"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/supervise"
)

// acdEnv is an API server with real ACD engines (one per tenant, on a fake
// clock, durable in the test database), a call-control double that records
// what it is asked, and an event source the test feeds.
type acdEnv struct {
	*env
	tenants *acd.Tenants
	calls   *callRecorder
	sup     *superviseRecorder
	events  *eventFeed
	tok     map[string]string
	ids     map[string]string // "a/agent" → user id
}

type tenantsACD struct{ t *acd.Tenants }

func (a tenantsACD) Engine(ctx context.Context, tenant string) (*acd.Engine, error) {
	return a.t.Get(ctx, tenant)
}

// callRecorder stands in for the dispatcher's call control: it refuses
// agents the tenant's engine has on no call, as the dispatcher does, and
// records the rest.
type callRecorder struct {
	acd api.ACD
	mu  sync.Mutex
	got []string // tenant agent op kind:target
	// stall: this op waits for its context to end (a switch that does not
	// answer).
	stall string
}

func (r *callRecorder) Control(ctx context.Context, tenant, agentID, op string, target *dialplan.Target) error {
	r.mu.Lock()
	stall := r.stall == op
	r.mu.Unlock()
	if stall {
		<-ctx.Done()
		return fmt.Errorf("%s: waiting for the switch: %w", op, ctx.Err())
	}
	e, err := r.acd.Engine(ctx, tenant)
	if err != nil {
		return err
	}
	a, err := e.Agent(ctx, agentID)
	if err != nil {
		return err
	}
	if a.CallID == "" {
		return dispatch.ErrNoCall
	}
	rec := tenant + " " + agentID + " " + op
	if target != nil {
		rec += " " + string(target.Kind) + ":" + target.Ref
	}
	r.mu.Lock()
	r.got = append(r.got, rec)
	r.mu.Unlock()
	return nil
}

// AnswerOffer answers for an agent whose phone rings.
func (r *callRecorder) AnswerOffer(ctx context.Context, tenant, agentID string) error {
	e, err := r.acd.Engine(ctx, tenant)
	if err != nil {
		return err
	}
	if a, err := e.Agent(ctx, agentID); err != nil || a.State != acd.Ringing {
		return dispatch.ErrNoOffer
	}
	r.mu.Lock()
	r.got = append(r.got, tenant+" "+agentID+" answer")
	r.mu.Unlock()
	return nil
}

func (r *callRecorder) RemoteAnswerSupport(ctx context.Context, tenant, agentID string) (bool, string, error) {
	return true, "", nil
}

func (r *callRecorder) ClickToDial(ctx context.Context, tenant, agentID, number, parent string) (string, error) {
	r.mu.Lock()
	r.got = append(r.got, strings.TrimSpace(tenant+" "+agentID+" dial "+number+" "+parent))
	r.mu.Unlock()
	return "dial-1", nil
}

func (r *callRecorder) TakeOver(ctx context.Context, tenant, callID, device string) (string, error) {
	r.mu.Lock()
	r.got = append(r.got, tenant+" takeover "+callID+" "+device)
	r.mu.Unlock()
	return "agent-of-" + callID, nil
}

func (r *callRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.got
	r.got = nil
	return out
}

// superviseRecorder stands in for package supervise.
type superviseRecorder struct {
	mu  sync.Mutex
	got []string
}

func (r *superviseRecorder) add(s string) {
	r.mu.Lock()
	r.got = append(r.got, s)
	r.mu.Unlock()
}

func (r *superviseRecorder) Monitor(ctx context.Context, who supervise.Monitoring, callID, device string, mode controller.EavesdropMode) (string, error) {
	r.add("monitor " + callID + " " + device + " " + mode.String())
	return "sup-leg-1", nil
}

func (r *superviseRecorder) StopMonitor(ctx context.Context, callID string) error {
	r.add("stop " + callID)
	return nil
}

func (r *superviseRecorder) Hangup(ctx context.Context, callID string) error {
	r.add("hangup " + callID)
	return nil
}

func (r *superviseRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.got
	r.got = nil
	return out
}

// eventFeed is an api.Events the test publishes to.
type eventFeed struct {
	mu   sync.Mutex
	subs map[chan dispatch.Event]bool
}

func (f *eventFeed) Subscribe(buf int) (<-chan dispatch.Event, func()) {
	ch := make(chan dispatch.Event, buf)
	f.mu.Lock()
	if f.subs == nil {
		f.subs = map[chan dispatch.Event]bool{}
	}
	f.subs[ch] = true
	f.mu.Unlock()
	return ch, func() {
		f.mu.Lock()
		delete(f.subs, ch)
		f.mu.Unlock()
	}
}

func (f *eventFeed) publish(ev dispatch.Event) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for ch := range f.subs {
		ch <- ev
	}
}

var envT0 = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// newACDEnv makes tenants a and b (admin1, agent1, supervisor1 each) and,
// in tenant a, queues sales and support with agent1 a member of both, and
// queue other without it; tenant b has a queue b-only with its agent1.
// newACDEnv builds the environment; opts adjust the API's options (e.g.
// the campaign dialer) before the server is made.
func newACDEnv(t *testing.T, s *store.Store, opts ...func(*api.Options)) *acdEnv {
	t.Helper()
	a, err := auth.New(s, auth.Options{Secret: []byte("0123456789abcdef0123456789abcdef"), TokenTTL: time.Hour, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Bootstrap(context.Background(), "super-secret-pw"); err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(envT0)
	tenants := &acd.Tenants{Options: func(string) acd.Options {
		return acd.Options{Clock: clk, Store: acd.SQLStore{S: s}, Logger: quiet, Seed: 1}
	}}
	t.Cleanup(func() { tenants.Close() })
	calls := &callRecorder{acd: tenantsACD{tenants}}
	sup := &superviseRecorder{}
	feed := &eventFeed{}
	o := api.Options{Store: s, Auth: a, BodyLimit: 4096, Version: "test", Logger: quiet,
		ACD: tenantsACD{tenants}, AgentCalls: calls, Events: feed, Supervision: sup,
		OnChange: func(tenant, typ string) {
			if typ == "queue" || typ == "queue_member" {
				if e, err := tenants.Get(context.Background(), tenant); err == nil {
					_ = e.ReloadConfig(context.Background())
				}
			}
		}}
	for _, f := range opts {
		f(&o)
	}
	srv, err := api.New(o)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	e := &acdEnv{env: &env{t: t, store: s, auth: a, srv: srv, http: hs, suPass: "super-secret-pw"}, tenants: tenants, calls: calls, sup: sup, events: feed, ids: map[string]string{}}
	_, e.tok = e.setup()
	for _, ten := range []string{"a", "b"} {
		for _, role := range []string{"admin", "agent", "supervisor"} {
			u, err := s.GetUserByName(context.Background(), ten, role+"1")
			if err != nil {
				t.Fatal(err)
			}
			e.ids[ten+"/"+role] = u.ID
		}
	}
	// Agents log in, and supervisors are rung, only on devices an admin
	// assigned to them.
	for who, devs := range map[string][]string{"a/agent": {"1001"}, "b/agent": {"2001"}, "a/supervisor": {"1009"}, "b/supervisor": {"2009"}} {
		ten := who[:1]
		if r := e.do("PATCH", "/api/v1/users/"+e.ids[who], map[string]any{"devices": devs}, bearer(e.tok[ten+"/admin"])...); r.Status != 200 {
			t.Fatalf("devices of %s: %d %s", who, r.Status, r.Body)
		}
	}
	for _, q := range []struct{ tenant, id string }{{"a", "sales"}, {"a", "support"}, {"a", "other"}, {"b", "b-only"}} {
		adm := bearer(e.tok[q.tenant+"/admin"])
		if r := e.do("POST", "/api/v1/queues", map[string]any{"id": q.id, "name": q.id, "strategy": "longest-idle"}, adm...); r.Status != 201 {
			t.Fatalf("queue %s: %d %s", q.id, r.Status, r.Body)
		}
		if q.id == "other" {
			continue
		}
		if r := e.do("PUT", "/api/v1/queues/"+q.id+"/members/"+e.ids[q.tenant+"/agent"], map[string]any{"level": 1}, adm...); r.Status != 200 {
			t.Fatalf("member of %s: %d %s", q.id, r.Status, r.Body)
		}
	}
	return e
}

func (e *acdEnv) engine(tenant string) *acd.Engine {
	e.t.Helper()
	eng, err := e.tenants.Get(context.Background(), tenant)
	if err != nil {
		e.t.Fatal(err)
	}
	return eng
}

// queueLogins is an agent's per-queue login from an agent snapshot body.
func queueLogins(t *testing.T, r resp) map[string]bool {
	t.Helper()
	var a struct {
		State  string
		Queues []struct {
			QueueID  string `json:"queue_id"`
			LoggedIn bool   `json:"logged_in"`
		}
	}
	r.json(t, &a)
	out := map[string]bool{}
	for _, q := range a.Queues {
		out[q.QueueID] = q.LoggedIn
	}
	return out
}

// wsClient is a desktop on /api/v1/ws.
type wsClient struct {
	t     *testing.T
	conn  *websocket.Conn
	ctx   context.Context
	hello map[string]any
	// events received while waiting for replies
	events []dispatch.Event
}

func (e *acdEnv) dial(tok string, headers ...string) *wsClient {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	e.t.Cleanup(cancel)
	opts := &websocket.DialOptions{HTTPHeader: map[string][]string{}}
	for i := 0; i+1 < len(headers); i += 2 {
		opts.HTTPHeader[headers[i]] = []string{headers[i+1]}
	}
	url := "ws" + strings.TrimPrefix(e.http.URL, "http") + "/api/v1/ws?access_token=" + tok
	conn, _, err := websocket.Dial(ctx, url, opts)
	if err != nil {
		e.t.Fatalf("dial: %v", err)
	}
	e.t.Cleanup(func() { conn.CloseNow() })
	c := &wsClient{t: e.t, conn: conn, ctx: ctx}
	if err := wsjson.Read(ctx, conn, &c.hello); err != nil || c.hello["type"] != "hello" {
		e.t.Fatalf("hello: %v %v", c.hello, err)
	}
	return c
}

type wsReply struct {
	Type   string         `json:"type"`
	ID     string         `json:"id"`
	OK     bool           `json:"ok"`
	Result map[string]any `json:"result"`
	Error  *struct {
		Code, Message, Field string
	} `json:"error"`
}

// send writes a frame and returns the reply with its id, keeping events
// that arrive meanwhile.
func (c *wsClient) send(frame any) wsReply {
	c.t.Helper()
	var id string
	switch f := frame.(type) {
	case string:
		if err := c.conn.Write(c.ctx, websocket.MessageText, []byte(f)); err != nil {
			c.t.Fatal(err)
		}
	case map[string]any:
		id, _ = f["id"].(string)
		if err := wsjson.Write(c.ctx, c.conn, f); err != nil {
			c.t.Fatal(err)
		}
	}
	return c.reply(id)
}

func (c *wsClient) reply(id string) wsReply {
	c.t.Helper()
	for {
		var raw map[string]any
		if err := wsjson.Read(c.ctx, c.conn, &raw); err != nil {
			c.t.Fatalf("read reply %q: %v", id, err)
		}
		if raw["type"] != "reply" {
			var ev dispatch.Event
			b, _ := json.Marshal(raw)
			_ = json.Unmarshal(b, &ev)
			c.events = append(c.events, ev)
			continue
		}
		var r wsReply
		b, _ := json.Marshal(raw)
		if err := json.Unmarshal(b, &r); err != nil {
			c.t.Fatal(err)
		}
		if r.ID != id {
			c.t.Fatalf("reply for %q, want %q: %+v", r.ID, id, r)
		}
		return r
	}
}

// ok sends a command and fails unless it succeeds.
func (c *wsClient) ok(id, cmd string, args map[string]any) wsReply {
	c.t.Helper()
	f := map[string]any{"id": id, "cmd": cmd}
	for k, v := range args {
		f[k] = v
	}
	r := c.send(f)
	if !r.OK || r.Error != nil {
		c.t.Fatalf("%s: %+v", cmd, r.Error)
	}
	return r
}

// fails sends a command and checks the error code and field.
func (c *wsClient) fails(id, cmd string, args map[string]any, code, field string) wsReply {
	c.t.Helper()
	f := map[string]any{"id": id}
	if cmd != "" {
		f["cmd"] = cmd
	}
	for k, v := range args {
		f[k] = v
	}
	r := c.send(f)
	if r.OK || r.Error == nil || r.Error.Code != code || r.Error.Field != field || r.Error.Message == "" {
		c.t.Fatalf("%s %v: got %+v, want error %s field %q", cmd, args, r.Error, code, field)
	}
	return r
}

// Publish lets the API announce events (help requests), as the dispatcher
// does.
func (f *eventFeed) Publish(ev dispatch.Event) { f.publish(ev) }
