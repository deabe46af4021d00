package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func TestQueuesCRUD(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		_, tok := e.setup()
		admin, sup, agent := bearer(tok["a/admin"]), bearer(tok["a/supervisor"]), bearer(tok["a/agent"])
		queue := map[string]any{
			"id": "sales", "name": "销售", "strategy": "longest-idle", "ring_timeout_ms": 15000, "wrap_up_ms": 30000,
			"last_agent_first": true, "break_cap": 2, "break_mode": "wait",
			"announcements": map[string]any{"lang": "zh-CN", "position": true, "position_interval_ms": 30000, "agent_whisper": true, "agent_id": true},
			"limits":        map[string]any{"max_length": 20, "max_wait_ms": 300000, "when_no_agents": "refuse"},
			"overflow":      map[string]any{"max_wait": map[string]any{"kind": "voicemail", "value": "sales-box"}, "no_agents": map[string]any{"kind": "number", "value": "+861012345"}},
		}
		r := e.do("POST", "/api/v1/queues", queue, admin...)
		if r.Status != 201 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		var got map[string]any
		r.json(t, &got)
		if got["ring_timeout_ms"] != 15000.0 || got["wrap_up_ms"] != 30000.0 {
			t.Fatalf("created %s", r.Body)
		}
		if r := e.do("POST", "/api/v1/queues", queue, admin...); r.Status != 409 {
			t.Fatalf("duplicate: %d %s", r.Status, r.Body)
		}
		// Supervisors read, agents do not, only admins write.
		if r := e.do("GET", "/api/v1/queues/sales", nil, sup...); r.Status != 200 {
			t.Fatalf("supervisor get: %d %s", r.Status, r.Body)
		}
		if r := e.do("GET", "/api/v1/queues", nil, agent...); r.Status != 403 {
			t.Fatalf("agent list: %d", r.Status)
		}
		if r := e.do("POST", "/api/v1/queues", map[string]any{"id": "x", "name": "x", "strategy": "random"}, sup...); r.Status != 403 {
			t.Fatalf("supervisor create: %d", r.Status)
		}
		// Validation errors name the field.
		for _, tc := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"id": "q2", "name": "Q", "strategy": "lottery"}, "strategy"},
			{map[string]any{"id": "q2", "name": "", "strategy": "random"}, "name"},
			{map[string]any{"id": "q 2", "name": "Q", "strategy": "random"}, "id"},
			{map[string]any{"id": "q2", "name": "Q", "strategy": "random", "limits": map[string]any{"max_length": -1}}, "limits.max_length"},
			{map[string]any{"id": "q2", "name": "Q", "strategy": "random", "overflow": map[string]any{"queue_full": map[string]any{"kind": "queue", "value": "nope"}}}, "overflow.queue_full.value"},
			{map[string]any{"id": "q2", "name": "Q", "strategy": "random", "overflow": map[string]any{"max_wait": map[string]any{"kind": "fax", "value": "1"}}}, "overflow.max_wait.kind"},
			{map[string]any{"id": "q2", "name": "Q", "strategy": "random", "colour": "red"}, "colour"},
			{map[string]any{"id": "q2", "name": "Q", "strategy": "random", "limits": map[string]any{"max_wait_ms": "5m"}}, "limits.max_wait_ms"},
			{map[string]any{"id": "q2", "name": "Q", "strategy": "random", "ring_timeout_ms": true}, "ring_timeout_ms"},
			{map[string]any{"id": "q2", "name": "Q", "strategy": "random", "ring_timeout_ms": 1.5}, "ring_timeout_ms"},
			{map[string]any{"id": "q2", "name": "Q", "strategy": "random", "ring_timeout": "15s"}, "ring_timeout"},
		} {
			r := e.do("POST", "/api/v1/queues", tc.body, admin...)
			if r.Status != 400 {
				t.Fatalf("%s: %d %s", tc.field, r.Status, r.Body)
			}
			if code, field := r.errCode(t); code != "invalid" || field != tc.field {
				t.Fatalf("%s: got field %q (%s)", tc.field, field, r.Body)
			}
		}
		// An overflow to an existing queue is fine.
		backup := map[string]any{"id": "backup", "name": "Backup", "strategy": "ring-all"}
		if r := e.do("POST", "/api/v1/queues", backup, admin...); r.Status != 201 {
			t.Fatalf("backup: %d %s", r.Status, r.Body)
		}
		queue["overflow"] = map[string]any{"queue_full": map[string]any{"kind": "queue", "value": "backup"}}
		queue["strategy"] = "ring-all"
		if r := e.do("PUT", "/api/v1/queues/sales", queue, admin...); r.Status != 200 {
			t.Fatalf("put: %d %s", r.Status, r.Body)
		}
		queue["id"] = "other"
		if r := e.do("PUT", "/api/v1/queues/sales", queue, admin...); r.Status != 400 {
			t.Fatalf("rename: %d %s", r.Status, r.Body)
		}
		if r := e.do("PUT", "/api/v1/queues/missing", map[string]any{"name": "M", "strategy": "random"}, admin...); r.Status != 404 {
			t.Fatalf("put missing: %d %s", r.Status, r.Body)
		}

		// Members: agent user ids with levels.
		u, err := s.GetUserByName(context.Background(), "a", "agent1")
		if err != nil {
			t.Fatal(err)
		}
		if r := e.do("PUT", "/api/v1/queues/sales/members/"+u.ID, map[string]any{"level": 3, "weight": 2}, admin...); r.Status != 200 {
			t.Fatalf("put member: %d %s", r.Status, r.Body)
		}
		if r := e.do("PUT", "/api/v1/queues/sales/members/nobody", map[string]any{"level": 3}, admin...); r.Status != 400 {
			t.Fatalf("unknown agent: %d %s", r.Status, r.Body)
		}
		if r := e.do("PUT", "/api/v1/queues/sales/members/"+u.ID, map[string]any{"level": 300}, admin...); r.Status != 400 {
			t.Fatalf("bad level: %d %s", r.Status, r.Body)
		} else if _, field := r.errCode(t); field != "level" {
			t.Fatalf("bad level field %q", field)
		}
		r = e.do("GET", "/api/v1/queues/sales/members", nil, sup...)
		var ms []map[string]any
		r.json(t, &ms)
		if r.Status != 200 || len(ms) != 1 || ms[0]["level"] != float64(3) || ms[0]["agent_id"] != u.ID {
			t.Fatalf("members %d %s", r.Status, r.Body)
		}
		r = e.do("GET", "/api/v1/queues", nil, sup...)
		var qs []map[string]any
		r.json(t, &qs)
		if len(qs) != 2 || qs[1]["members"] != float64(1) || qs[1]["strategy"] != "ring-all" {
			t.Fatalf("list %s", r.Body)
		}
		// Tenant b sees none of it.
		if r := e.do("GET", "/api/v1/queues/sales", nil, bearer(tok["b/admin"])...); r.Status != 404 {
			t.Fatalf("tenant b: %d", r.Status)
		}
		if r := e.do("DELETE", "/api/v1/queues/sales/members/"+u.ID, nil, admin...); r.Status != 204 {
			t.Fatalf("delete member: %d %s", r.Status, r.Body)
		}
		if r := e.do("DELETE", "/api/v1/queues/sales", nil, admin...); r.Status != 204 {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
		if r := e.do("DELETE", "/api/v1/queues/sales", nil, admin...); r.Status != 404 {
			t.Fatalf("delete again: %d", r.Status)
		}
		// Every change is audited.
		entries, err := s.ListAudit(context.Background(), "a", store.AuditFilter{Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, a := range entries {
			if a.ObjectType == "queue" || a.ObjectType == "queue_member" {
				n++
			}
		}
		if n < 8 {
			t.Fatalf("%d queue audit rows", n)
		}
	})
}

func TestAgentQueueLoginAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newACDEnv(t, s)
		agent, sup := bearer(e.tok["a/agent"]), bearer(e.tok["a/supervisor"])
		agentID := e.ids["a/agent"]

		// Bad logins name the field and change nothing.
		for _, tc := range []struct {
			name  string
			body  any
			field string
		}{
			{"empty queue list", map[string]any{"device": "1001", "queues": []string{}}, "queues"},
			{"queue not the agent's", map[string]any{"device": "1001", "queues": []string{"sales", "other"}}, "queues"},
			{"unknown queue", map[string]any{"device": "1001", "queues": []string{"nope"}}, "queues"},
			{"another tenant's queue", map[string]any{"device": "1001", "queues": []string{"b-only"}}, "queues"},
			{"queue listed twice", map[string]any{"device": "1001", "queues": []string{"sales", "sales"}}, "queues"},
			{"queues not a list", `{"device":"1001","queues":"sales"}`, "queues"},
			{"device with CR LF", map[string]any{"device": "1001\r\nX: y", "queues": []string{"sales"}}, "device"},
			{"device with a slash", map[string]any{"device": "1001/sip:x@evil.example"}, "device"},
			{"not-ready reason too long", map[string]any{"device": "1001", "not_ready": strings.Repeat("x", 41)}, "not_ready"},
			{"blank not-ready reason", map[string]any{"device": "1001", "not_ready": "   "}, "not_ready"},
			{"work number too long", map[string]any{"device": "1001", "work_number": strings.Repeat("8", 17)}, "work_number"},
			{"work number with a space inside", map[string]any{"device": "1001", "work_number": "80 01"}, "work_number"},
			{"work number with punctuation", map[string]any{"device": "1001", "work_number": "8001;"}, "work_number"},
			{"work number not ASCII", map[string]any{"device": "1001", "work_number": "八号"}, "work_number"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				r := e.do("POST", "/api/v1/agent/login", tc.body, agent...)
				if r.Status != 400 {
					t.Fatalf("%d %s", r.Status, r.Body)
				}
				if code, field := r.errCode(t); code != "invalid" || field != tc.field {
					t.Fatalf("code %s field %q: %s", code, field, r.Body)
				}
			})
		}
		if r := e.do("GET", "/api/v1/agent/state", nil, agent...); r.Status != 200 || !strings.Contains(string(r.Body), `"state":"logged-out"`) {
			t.Fatalf("state after bad logins: %d %s", r.Status, r.Body)
		}

		// The work number is the admin's (a login naming it is fine).
		if r := e.do("PATCH", "/api/v1/users/"+agentID, map[string]any{"work_number": "A8001"}, bearer(e.tok["a/admin"])...); r.Status != 200 {
			t.Fatalf("work number: %d %s", r.Status, r.Body)
		}
		r := e.do("POST", "/api/v1/agent/login", map[string]any{"device": "1001", "queues": []string{"sales"}, "work_number": " A8001 "}, agent...)
		if r.Status != 200 {
			t.Fatalf("login: %d %s", r.Status, r.Body)
		}
		if !strings.Contains(string(r.Body), `"work_number":"A8001"`) {
			t.Fatalf("work number not trimmed: %s", r.Body)
		}
		if got := queueLogins(t, r); !got["sales"] || got["support"] {
			t.Fatalf("after login %v: %s", got, r.Body)
		}
		r = e.do("POST", "/api/v1/agent/queues/support/login", nil, agent...)
		if got := queueLogins(t, r); r.Status != 200 || !got["sales"] || !got["support"] {
			t.Fatalf("queue login: %d %s", r.Status, r.Body)
		}
		r = e.do("POST", "/api/v1/agent/queues/sales/logout", nil, agent...)
		if got := queueLogins(t, r); r.Status != 200 || got["sales"] || !got["support"] || !strings.Contains(string(r.Body), `"state":"available"`) {
			t.Fatalf("queue logout: %d %s", r.Status, r.Body)
		}
		for _, tc := range []struct {
			path, code string
			status     int
		}{
			{"/api/v1/agent/queues/other/login", "not_found", 404},  // not a member
			{"/api/v1/agent/queues/b-only/login", "not_found", 404}, // tenant b's
			{"/api/v1/agent/queues/no%20such/logout", "invalid", 400},
		} {
			r := e.do("POST", tc.path, nil, agent...)
			if code, _ := r.errCode(t); r.Status != tc.status || code != tc.code {
				t.Fatalf("%s: %d %s", tc.path, r.Status, r.Body)
			}
		}

		// Supervisors force per-queue logins; the snapshot shows them.
		force := "/api/v1/supervisor/agents/" + agentID + "/force"
		if r := e.do("POST", force, map[string]any{"action": "queue-login"}, sup...); r.Status != 400 {
			t.Fatalf("force without queue: %d %s", r.Status, r.Body)
		} else if _, field := r.errCode(t); field != "queue" {
			t.Fatalf("field %q", field)
		}
		for _, reason := range []string{"   ", strings.Repeat("x", 41)} {
			r := e.do("POST", force, map[string]any{"action": "not-ready", "reason": reason}, sup...)
			if _, field := r.errCode(t); r.Status != 400 || field != "reason" {
				t.Fatalf("force not-ready with reason %q: %d %s", reason, r.Status, r.Body)
			}
		}
		if r := e.do("POST", force, map[string]any{"action": "ready", "queue": "sales"}, sup...); r.Status != 400 {
			t.Fatalf("force ready with a queue: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", force, map[string]any{"action": "queue-login", "queue": "sales"}, agent...); r.Status != 403 {
			t.Fatalf("agent forcing: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", force, map[string]any{"action": "queue-logout", "queue": "sales"}, bearer(e.tok["b/supervisor"])...); r.Status != 404 {
			t.Fatalf("tenant b's supervisor forcing a's agent: %d %s", r.Status, r.Body)
		}
		r = e.do("POST", force, map[string]any{"action": "queue-login", "queue": "sales"}, sup...)
		if got := queueLogins(t, r); r.Status != 200 || !got["sales"] {
			t.Fatalf("force queue login: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", force, map[string]any{"action": "queue-logout", "queue": "support"}, sup...); r.Status != 200 {
			t.Fatalf("force queue logout: %d %s", r.Status, r.Body)
		}
		var snap acd.Snapshot
		r = e.do("GET", "/api/v1/supervisor/snapshot", nil, sup...)
		r.json(t, &snap)
		if len(snap.Agents) != 1 || len(snap.Agents[0].Queues) != 2 {
			t.Fatalf("snapshot %s", r.Body)
		}
		for _, q := range snap.Agents[0].Queues {
			if q.LoggedIn != (q.QueueID == "sales") {
				t.Fatalf("snapshot queues %+v", snap.Agents[0].Queues)
			}
		}
		for _, q := range snap.Queues {
			if want := map[string]int{"sales": 1}[q.ID]; q.LoggedIn != want {
				t.Fatalf("queue %s logged in %d, want %d", q.ID, q.LoggedIn, want)
			}
		}
		// The engine offers support calls to nobody now.
		res, err := e.engine("a").Enqueue(context.Background(), acd.CallRequest{CallID: "c1", QueueID: "support"})
		if err != nil || !res.Joined || res.Position != 1 {
			t.Fatalf("enqueue %+v %v", res, err)
		}

		entries, err := s.ListAudit(context.Background(), "a", store.AuditFilter{Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		actions := map[string]int{}
		for _, a := range entries {
			actions[a.Action]++
			if a.Action == "POST /api/v1/supervisor/agents/:id/force" && a.Status == 200 && (a.ObjectID != agentID || !strings.Contains(a.Detail, `"queue"`)) {
				t.Fatalf("force audit row %+v", a)
			}
		}
		if actions["POST /api/v1/agent/queues/:queue/login"] != 3 || actions["POST /api/v1/agent/queues/:queue/logout"] != 2 || actions["POST /api/v1/agent/login"] != 15 {
			t.Fatalf("audit actions %v", actions)
		}
	})
}
