package api_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/api"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// An agent drives its desktop over the socket: the same operations as
// REST, replies carrying the command id, and events still streaming.
func TestWebSocketAgentCommands(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newACDEnv(t, s)
		agentID := e.ids["a/agent"]
		for _, rec := range []store.CallRecord{{TenantID: "a", ID: "a-call", ANI: "13800000001", StartedAt: envT0, Disposition: "abandoned_queue"},
			{TenantID: "b", ID: "b-call", ANI: "13800000002", StartedAt: envT0, Disposition: "abandoned_queue"}} {
			if err := s.SaveCall(context.Background(), &rec); err != nil {
				t.Fatal(err)
			}
		}
		c := e.dial(e.tok["a/agent"])
		cmds, _ := c.hello["commands"].([]any)
		for _, want := range []string{"login", "logout", "ready", "not-ready", "queue-login", "queue-logout", "hangup", "hold", "unhold",
			"transfer", "consult", "consult-cancel", "consult-complete", "three-way", "help", "dial", "wrap-up-end", "wrap-up-extend",
			"record-start", "record-stop", "record-pause", "record-resume", "state", "auth", "mute", "unmute", "answer",
			"snapshot", "force", "monitor", "monitor-stop", "call-hangup", "call-takeover"} {
			if !slices.Contains(cmds, any(want)) {
				t.Errorf("hello lacks command %s: %v", want, cmds)
			}
		}

		r := c.ok("c1", "login", map[string]any{"device": "1001", "queues": []string{"support"}})
		if r.Type != "reply" || r.Result["state"] != "available" || r.Result["agent_id"] != agentID {
			t.Fatalf("login reply %+v", r)
		}
		r = c.ok("c2", "queue-login", map[string]any{"queue": "sales"})
		if qs := r.Result["queues"].([]any); len(qs) != 2 || qs[0].(map[string]any)["logged_in"] != true {
			t.Fatalf("queue-login reply %+v", r.Result)
		}
		c.ok("c3", "queue-logout", map[string]any{"queue": "support"})
		r = c.ok("c4", "not-ready", map[string]any{"reason": "training"})
		if r.Result["granted"] != true {
			t.Fatalf("not-ready reply %+v", r.Result)
		}
		c.ok("c5", "ready", nil)
		// REST sees what the socket did.
		rest := e.do("GET", "/api/v1/agent/state", nil, bearer(e.tok["a/agent"])...)
		if got := queueLogins(t, rest); !got["sales"] || got["support"] || !strings.Contains(string(rest.Body), `"state":"available"`) {
			t.Fatalf("state over REST: %s", rest.Body)
		}

		// Bad commands and arguments name what is wrong; the socket stays.
		for _, tc := range []struct {
			name, cmd   string
			args        map[string]any
			code, field string
		}{
			{"unknown command", "dance", nil, "invalid", "cmd"},
			{"no command", "", nil, "invalid", "cmd"},
			{"unknown argument", "not-ready", map[string]any{"reason": "lunch", "colour": "red"}, "invalid", "colour"},
			{"wrong type", "wrap-up-extend", map[string]any{"extend_ms": "sixty"}, "invalid", "extend_ms"},
			{"seconds, not milliseconds", "wrap-up-extend", map[string]any{"extend_ms": 60}, "invalid", "extend_ms"},
			{"missing reason", "not-ready", nil, "invalid", "reason"},
			{"argument to a command without any", "ready", map[string]any{"now": true}, "invalid", "now"},
			{"queue not a string", "queue-login", map[string]any{"queue": 7}, "invalid", "queue"},
			{"missing queue", "queue-logout", nil, "invalid", "queue"},
			{"bad transfer kind", "transfer", map[string]any{"kind": "fax", "target": "1"}, "invalid", "kind"},
			{"bad number", "dial", map[string]any{"number": "call me"}, "invalid", "number"},
			{"call-back of no call", "dial", map[string]any{"number": "13800000000", "parent": "nope"}, "invalid", "parent"},
			{"call-back of another tenant's call", "dial", map[string]any{"number": "13800000000", "parent": "b-call"}, "invalid", "parent"},
			{"queue of another tenant", "queue-login", map[string]any{"queue": "b-only"}, "not_found", ""},
			{"queue not the agent's", "queue-login", map[string]any{"queue": "other"}, "not_found", ""},
			{"no call to hold", "hold", nil, "no_call", ""},
			{"nothing ringing to answer", "answer", nil, "no_offer", ""},
			{"no call to mute", "unmute", nil, "no_call", ""},
			{"already logged in", "login", map[string]any{"device": "1001"}, "conflict", ""},
			{"agent forcing", "force", map[string]any{"agent": agentID, "action": "ready"}, "forbidden", ""},
			{"agent reading the wallboard", "snapshot", nil, "forbidden", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c.t = t
				c.fails("e-"+tc.name, tc.cmd, tc.args, tc.code, tc.field)
			})
		}
		c.t = t
		for _, tc := range []struct{ frame, field string }{
			{`not json`, ""},
			{`{"cmd":"ready"}`, "id"},
			{`{"id":7,"cmd":"ready"}`, "id"},
			{`[1,2]`, ""},
		} {
			r := c.send(tc.frame)
			if r.OK || r.Error == nil || r.Error.Code != "invalid" || r.Error.Field != tc.field {
				t.Fatalf("frame %s: %+v", tc.frame, r)
			}
		}
		// NUL and invalid UTF-8 are refused naming the argument, as REST does.
		for id, frame := range map[string]string{"n1": `{"id":"n1","cmd":"not-ready","reason":"br\u0000eak"}`, "n2": "{\"id\":\"n2\",\"cmd\":\"not-ready\",\"reason\":\"br\xffeak\"}"} {
			if err := c.conn.Write(c.ctx, websocket.MessageText, []byte(frame)); err != nil {
				t.Fatal(err)
			}
			if r := c.reply(id); r.OK || r.Error == nil || r.Error.Code != "invalid" || r.Error.Field != "reason" {
				t.Fatalf("frame %q: %+v", frame, r.Error)
			}
		}
		if err := c.conn.Write(c.ctx, websocket.MessageBinary, []byte{1, 2}); err != nil {
			t.Fatal(err)
		}
		if r := c.reply(""); r.Error == nil || r.Error.Code != "invalid" {
			t.Fatalf("binary frame: %+v", r)
		}

		// On a call, call commands reach call control for this agent in
		// this tenant.
		eng := e.engine("a")
		ctx := context.Background()
		if _, err := eng.Enqueue(ctx, acd.CallRequest{CallID: "call-1", QueueID: "sales"}); err != nil {
			t.Fatal(err)
		}
		st := c.ok("c6", "state", nil)
		if st.Result["state"] != "ringing" || st.Result["call_id"] != "call-1" {
			t.Fatalf("state %+v", st.Result)
		}
		snap, _ := eng.Snapshot(ctx)
		if len(snap.Queues) < 2 || len(snap.Queues[1].Waiting) != 1 {
			t.Fatalf("snapshot %+v", snap.Queues)
		}
		offers := 0
		for _, q := range snap.Queues {
			for _, w := range q.Waiting {
				if len(w.Offered) == 1 {
					offers++
				}
			}
		}
		if offers != 1 {
			t.Fatalf("offers %d", offers)
		}
		if r := c.ok("c6a", "call-capabilities", nil); r.Result["mute"] != true || r.Result["answer"] != true {
			t.Fatalf("capabilities %+v", r.Result)
		}
		c.ok("c6b", "answer", nil)
		c.fails("c6c", "mute", map[string]any{"on": true}, "invalid", "on")
		c.ok("c6d", "mute", nil)
		c.ok("c7", "hold", nil)
		c.ok("c8", "transfer", map[string]any{"kind": "queue", "target": "support"})
		c.ok("c9", "consult", map[string]any{"kind": "extension", "target": "1002"})
		c.ok("c10", "record-pause", nil)
		if r := c.ok("c11", "dial", map[string]any{"number": "13800000000"}); r.Result["call"] != "dial-1" {
			t.Fatalf("dial %+v", r.Result)
		}
		// A call-back names the abandoned call it follows up.
		c.ok("c12", "dial", map[string]any{"number": "13800000001", "parent": "a-call"})
		want := []string{"a " + agentID + " answer", "a " + agentID + " mute", "a " + agentID + " hold", "a " + agentID + " transfer queue:support", "a " + agentID + " consult extension:1002",
			"a " + agentID + " record-pause", "a " + agentID + " dial 13800000000", "a " + agentID + " dial 13800000001 a-call"}
		if got := e.calls.take(); !slices.Equal(got, want) {
			t.Fatalf("call control got %v, want %v", got, want)
		}

		// Events keep streaming between replies, only the agent's own.
		e.events.publish(dispatch.Event{Type: "state", Tenant: "a", Agent: "someone-else", At: time.Now()})
		e.events.publish(dispatch.Event{Type: "state", Tenant: "b", Agent: agentID, At: time.Now()})
		e.events.publish(dispatch.Event{Type: "offered", Tenant: "a", Agent: agentID, Call: "call-1", At: time.Now()})
		// The event and a command's reply travel on separate paths: ask
		// until the event arrived (the two filtered ones were published
		// before it, so they would have come first).
		// The hold and unhold commands above announced themselves (held,
		// unheld) on this agent's stream too; they are not what this
		// checks.
		others := func() []dispatch.Event {
			var out []dispatch.Event
			for _, ev := range c.events {
				if ev.Type != "held" && ev.Type != "unheld" {
					out = append(out, ev)
				}
			}
			return out
		}
		for i := 0; len(others()) == 0 && i < 100; i++ {
			c.ok("c12", "state", nil)
			if len(others()) == 0 {
				time.Sleep(10 * time.Millisecond)
			}
		}
		if evs := others(); len(evs) != 1 || evs[0].Type != "offered" || evs[0].Call != "call-1" {
			t.Fatalf("events %+v", evs)
		}

		// Commands are audited like the REST routes they stand for.
		entries, err := s.ListAudit(ctx, "a", store.AuditFilter{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		byAction := map[string][]store.AuditEntry{}
		for _, a := range entries {
			if strings.Contains(a.Detail, `"via":"websocket"`) {
				byAction[a.Action] = append(byAction[a.Action], a)
			}
		}
		for action, n := range map[string]int{
			"POST /api/v1/agent/login": 2, "POST /api/v1/agent/queues/:queue/login": 4, "POST /api/v1/agent/queues/:queue/logout": 2,
			"POST /api/v1/agent/not-ready": 3, "POST /api/v1/agent/ready": 2, "POST /api/v1/agent/call/hold": 2,
			"POST /api/v1/agent/call/transfer": 2, "POST /api/v1/supervisor/agents/:id/force": 1, "POST /api/v1/agent/dial": 5,
		} {
			if len(byAction[action]) != n {
				t.Errorf("%d audit rows for %s, want %d", len(byAction[action]), action, n)
			}
		}
		if _, ok := byAction["GET /api/v1/agent/state"]; ok {
			t.Errorf("reads are not audited")
		}
		login := byAction["POST /api/v1/agent/login"]
		var good store.AuditEntry
		for _, a := range login {
			if a.Status == 200 {
				good = a
			}
		}
		if good.ActorID != agentID || good.ObjectType != "agent_state" || good.ObjectID != agentID || !strings.Contains(good.Detail, `"command_id":"c1"`) ||
			!strings.Contains(good.Detail, `"device":"1001"`) || good.ActorKind != "user" {
			t.Fatalf("login audit row %+v", good)
		}
		if f := byAction["POST /api/v1/supervisor/agents/:id/force"]; len(f) == 1 && f[0].Status != 403 {
			t.Fatalf("forbidden force audited with status %d", f[0].Status)
		}
	})
}

// Supervisors command agents over their socket; tenants stay apart.
func TestWebSocketSupervisorCommands(t *testing.T) {
	t.Parallel()
	e := newACDEnv(t, storetest.Open(t, store.SQLite))
	agentA, agentB := e.ids["a/agent"], e.ids["b/agent"]
	if r := e.do("POST", "/api/v1/agent/login", map[string]any{"device": "1001"}, bearer(e.tok["a/agent"])...); r.Status != 200 {
		t.Fatalf("login: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/agent/login", map[string]any{"device": "2001"}, bearer(e.tok["b/agent"])...); r.Status != 200 {
		t.Fatalf("login b: %d %s", r.Status, r.Body)
	}
	sup := e.dial(e.tok["a/supervisor"])
	r := sup.ok("s1", "force", map[string]any{"agent": agentA, "action": "queue-logout", "queue": "sales"})
	for _, q := range r.Result["queues"].([]any) {
		if m := q.(map[string]any); m["logged_in"] != (m["queue_id"] != "sales") {
			t.Fatalf("after forced queue logout %+v", r.Result["queues"])
		}
	}
	sup.fails("s2", "force", map[string]any{"agent": agentB, "action": "logout"}, "not_found", "")
	sup.fails("s3", "force", map[string]any{"agent": agentA, "action": "queue-logout", "queue": "b-only"}, "not_found", "")
	sup.fails("s4", "force", map[string]any{"agent": agentA, "action": "nap"}, "invalid", "action")
	sup.fails("s5", "force", map[string]any{"action": "ready"}, "invalid", "agent")
	r = sup.ok("s6", "snapshot", nil)
	if agents := r.Result["agents"].([]any); len(agents) != 1 || agents[0].(map[string]any)["agent_id"] != agentA {
		t.Fatalf("snapshot agents %+v", r.Result["agents"])
	}
	// A supervisor is not an agent of the queues, but may use the agent
	// commands like the REST routes allow.
	sup.fails("s7", "queue-login", map[string]any{"queue": "sales"}, "not_found", "")
	// Live calls: only the tenant's, only for supervisors.
	for _, c := range []store.CallRecord{{TenantID: "a", ID: "call-a"}, {TenantID: "b", ID: "call-b"}} {
		c.Switch, c.Leg, c.Direction, c.StartedAt = "fs1", "leg-"+c.ID, "inbound", envT0
		if err := e.store.SaveCall(context.Background(), &c); err != nil {
			t.Fatal(err)
		}
	}
	if r := sup.ok("m1", "monitor", map[string]any{"call": "call-a", "mode": "whisper", "device": "1009"}); r.Result["supervisor_leg"] != "sup-leg-1" || r.Result["mode"] != "whisper" {
		t.Fatalf("monitor %+v", r.Result)
	}
	sup.fails("m2", "monitor", map[string]any{"call": "call-a", "mode": "peek", "device": "1009"}, "invalid", "mode")
	// A supervisor may not dial a raw string, not even behind a space.
	sup.fails("m2a", "monitor", map[string]any{"call": "call-a", "mode": "listen", "device": "raw:sofia/gateway/gw1/13900000000"}, "forbidden", "device")
	sup.fails("m2b", "monitor", map[string]any{"call": "call-a", "mode": "listen", "device": " raw:sofia/gateway/gw1/13900000000"}, "forbidden", "device")
	sup.fails("m2c", "monitor", map[string]any{"call": "call-a", "mode": "listen", "device": "10\r\n09"}, "invalid", "device")
	sup.fails("m2d", "monitor", map[string]any{"call": "call-a", "mode": "listen", "device": "10 09"}, "invalid", "device")
	sup.fails("m3", "monitor", map[string]any{"call": "call-b", "mode": "listen", "device": "1009"}, "not_found", "")
	sup.fails("m4", "call-hangup", map[string]any{"call": "call-b"}, "not_found", "")
	sup.fails("m5", "call-hangup", nil, "invalid", "call")
	sup.ok("m6", "monitor-stop", map[string]any{"call": "call-a"})
	// Take over: the supervisor's phone gets the caller, the agent is let go.
	if r := sup.ok("m6a", "call-takeover", map[string]any{"call": "call-a", "device": "1009"}); r.Result["agent"] != "agent-of-call-a" || r.Result["device"] != "1009" {
		t.Fatalf("take over %+v", r.Result)
	}
	sup.fails("m6b", "call-takeover", map[string]any{"call": "call-b", "device": "1009"}, "not_found", "")
	sup.fails("m6c", "call-takeover", map[string]any{"call": "call-a", "device": "raw:sofia/gateway/gw1/13900000000"}, "forbidden", "device")
	e.dial(e.tok["a/agent"]).fails("m6d", "call-takeover", map[string]any{"call": "call-a", "device": "1009"}, "forbidden", "")
	if got := e.calls.take(); !slices.Contains(got, "a takeover call-a 1009") || slices.Contains(got, "b takeover call-b 1009") {
		t.Fatalf("take over got %v", got)
	}
	sup.ok("m7", "call-hangup", map[string]any{"call": "call-a"})
	e.dial(e.tok["a/agent"]).fails("m8", "call-hangup", map[string]any{"call": "call-a"}, "forbidden", "")
	if got, want := e.sup.take(), []string{"monitor call-a 1009 whisper", "stop call-a", "stop call-a", "hangup call-a"}; !slices.Equal(got, want) {
		t.Fatalf("supervision got %v, want %v", got, want)
	}
	// Tenant b's agent is untouched.
	st, err := e.engine("b").Agent(context.Background(), agentB)
	if err != nil || st.State != acd.Available {
		t.Fatalf("b's agent %+v %v", st, err)
	}
	// A superadmin's socket acts in the tenant named at connect.
	su := e.login("", "admin", e.suPass)
	suc := e.dial(su, "X-IPCC-Tenant", "b")
	suc.ok("u1", "force", map[string]any{"agent": agentB, "action": "not-ready", "reason": "meeting"})
	suc.fails("u2", "force", map[string]any{"agent": agentA, "action": "ready"}, "not_found", "")
	if st, _ := e.engine("b").Agent(context.Background(), agentB); st.State != acd.NotReady || st.Reason != "meeting" {
		t.Fatalf("b's agent after the superadmin %+v", st)
	}
}

// The socket's credential is checked for every command: a disabled user
// stops at once; a fresh token of the same user may replace the old one.
func TestWebSocketCredentials(t *testing.T) {
	t.Parallel()
	e := newACDEnv(t, storetest.Open(t, store.SQLite))
	c := e.dial(e.tok["a/agent"])
	c.fails("a1", "auth", map[string]any{"token": e.tok["a/supervisor"]}, "forbidden", "token")
	c.fails("a2", "auth", map[string]any{"token": "garbage"}, "unauthenticated", "")
	c.fails("a3", "auth", nil, "invalid", "token")
	fresh := e.do("POST", "/api/v1/auth/refresh", nil, bearer(e.tok["a/agent"])...)
	var tr struct{ Token string }
	fresh.json(t, &tr)
	c.ok("a4", "auth", map[string]any{"token": tr.Token})
	c.ok("a5", "state", nil)
	adm := bearer(e.tok["a/admin"])
	if r := e.do("PATCH", "/api/v1/users/"+e.ids["a/agent"], map[string]any{"disabled": true}, adm...); r.Status != 200 {
		t.Fatalf("disable: %d %s", r.Status, r.Body)
	}
	c.fails("a6", "login", map[string]any{"device": "1001"}, "unauthenticated", "")
	// Audited like the REST request it stands for: an anonymous 401.
	entries, err := e.store.ListAudit(context.Background(), "a", store.AuditFilter{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	audited := false
	for _, a := range entries {
		if strings.Contains(a.Detail, `"command_id":"a6"`) {
			audited = a.Status == 401 && a.ActorKind == "anonymous" && a.Action == "POST /api/v1/agent/login"
		}
	}
	if !audited {
		t.Fatal("the refused command has no anonymous 401 audit row")
	}
	if st, err := e.engine("a").Agent(context.Background(), e.ids["a/agent"]); err == nil && st.State != acd.LoggedOut {
		t.Fatalf("a disabled user logged in: %+v", st)
	}
}

// A command that outlives its time limit gets a timeout reply (and audit
// row), not an internal error; the socket goes on serving commands.
func TestWebSocketCommandTimeout(t *testing.T) {
	t.Cleanup(api.SetWSCommandTimeout(200 * time.Millisecond))
	e := newACDEnv(t, storetest.Open(t, store.SQLite))
	e.calls.mu.Lock()
	e.calls.stall = "hold"
	e.calls.mu.Unlock()
	c := e.dial(e.tok["a/agent"])
	r := c.fails("t1", "hold", nil, "timeout", "")
	if !strings.Contains(r.Error.Message, "hold") {
		t.Fatalf("timeout reply %+v", r.Error)
	}
	c.ok("t2", "state", nil)
	entries, err := e.store.ListAudit(context.Background(), "a", store.AuditFilter{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, a := range entries {
		if a.Action == "POST /api/v1/agent/call/hold" && strings.Contains(a.Detail, `"command_id":"t1"`) {
			found = a.Status == 504
			if !found {
				t.Fatalf("timed-out command audited with status %d", a.Status)
			}
		}
	}
	if !found {
		t.Fatal("no audit row for the timed-out command")
	}
}

// The event stream obeys the credential like commands: a supervisor
// disabled mid-shift stops receiving the tenant's events.
func TestWebSocketEventsStopForADisabledUser(t *testing.T) {
	t.Cleanup(api.SetWSCheckEvery(100 * time.Millisecond))
	e := newACDEnv(t, storetest.Open(t, store.SQLite))
	sup := e.dial(e.tok["a/supervisor"])
	sup.ok("s1", "snapshot", nil)
	if r := e.do("PATCH", "/api/v1/users/"+e.ids["a/supervisor"], map[string]any{"disabled": true}, bearer(e.tok["a/admin"])...); r.Status != 200 {
		t.Fatalf("disable: %d %s", r.Status, r.Body)
	}
	ctx, cancel := context.WithTimeout(sup.ctx, 5*time.Second)
	defer cancel()
	for {
		if _, _, err := sup.conn.Read(ctx); err != nil {
			if websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
				t.Fatalf("socket of a disabled user ended with %v, want policy violation", err)
			}
			return
		}
	}
}

// A refused supervisor command is audited against its object, as the REST
// route's row names the path's :id.
func TestWebSocketForbiddenCommandAuditedAgainstItsObject(t *testing.T) {
	t.Parallel()
	e := newACDEnv(t, storetest.Open(t, store.SQLite))
	c := e.dial(e.tok["a/agent"])
	c.fails("f1", "call-hangup", map[string]any{"call": "call-x"}, "forbidden", "")
	c.fails("f2", "force", map[string]any{"agent": e.ids["a/supervisor"], "action": "logout"}, "forbidden", "")
	entries, err := e.store.ListAudit(context.Background(), "a", store.AuditFilter{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"f1": "call-x", "f2": e.ids["a/supervisor"]}
	for _, a := range entries {
		for id, obj := range want {
			if strings.Contains(a.Detail, `"command_id":"`+id+`"`) {
				if a.Status != 403 || a.ObjectID != obj {
					t.Errorf("%s audited as %s %s status %d, want object %s status 403", id, a.Action, a.ObjectID, a.Status, obj)
				}
				delete(want, id)
			}
		}
	}
	if len(want) != 0 {
		t.Fatalf("no audit rows for %v", want)
	}
}

// hello is the first frame even when the client sends at once after the
// handshake (a bad frame is answered by the reader without any wait).
func TestWebSocketHelloComesFirst(t *testing.T) {
	t.Parallel()
	e := newACDEnv(t, storetest.Open(t, store.SQLite))
	url := "ws" + strings.TrimPrefix(e.http.URL, "http") + "/api/v1/ws?access_token=" + e.tok["a/agent"]
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := 0; i < 30; i++ {
		conn, _, err := websocket.Dial(ctx, url, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := conn.Write(ctx, websocket.MessageBinary, []byte{1}); err != nil {
			t.Fatal(err)
		}
		_, b, err := conn.Read(ctx)
		conn.CloseNow()
		if err != nil || !strings.Contains(string(b), `"type":"hello"`) {
			t.Fatalf("connection %d: first frame %s (%v), want hello", i, b, err)
		}
	}
}

// Closing the socket ends the session: reader, executor and event writer
// stop, and only then is the event subscription released.
func TestWebSocketSessionEndsWithTheSocket(t *testing.T) {
	t.Parallel()
	e := newACDEnv(t, storetest.Open(t, store.SQLite))
	subs := func() int {
		e.events.mu.Lock()
		defer e.events.mu.Unlock()
		return len(e.events.subs)
	}
	c := e.dial(e.tok["a/agent"])
	c.ok("x1", "state", nil)
	if n := subs(); n != 1 {
		t.Fatalf("%d subscriptions while connected", n)
	}
	c.conn.Close(websocket.StatusNormalClosure, "")
	deadline := time.Now().Add(5 * time.Second)
	for subs() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the session outlived its socket")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
