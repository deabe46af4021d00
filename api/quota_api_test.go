package api_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/api"
	"github.com/ipcc/ipcc/quota"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

const tinyFlow = `{"id":"%s","name":"F","start":"bye","nodes":[{"id":"bye","type":"hangup"}]}`

func TestTenantQuotaAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		q, err := quota.New(quota.Options{Store: s, Logger: quiet, CacheTTL: time.Nanosecond})
		if err != nil {
			t.Fatal(err)
		}
		e := newACDEnv(t, s, func(o *api.Options) { o.Quota = q })
		su := bearer(e.login("", "admin", e.suPass))
		adminA := bearer(e.tok["a/admin"])

		t.Run("setting a quota: validated, superadmin only", func(t *testing.T) {
			for _, tc := range []struct {
				name   string
				body   any
				status int
				field  string
			}{
				{"negative limit", map[string]any{"max_cps": -1}, 400, "max_cps"},
				{"more web calls than calls", map[string]any{"max_calls": 2, "max_web_calls": 3}, 400, "max_web_calls"},
				{"unknown field", map[string]any{"max_queues": 3}, 400, "max_queues"},
				{"wrong type", map[string]any{"max_agents": "ten"}, 400, "max_agents"},
			} {
				r := e.do("PUT", "/api/v1/tenants/a/quota", tc.body, su...)
				if r.Status != tc.status {
					t.Fatalf("%s: %d %s", tc.name, r.Status, r.Body)
				}
				if _, field := r.errCode(t); field != tc.field {
					t.Fatalf("%s: field %q: %s", tc.name, field, r.Body)
				}
			}
			if r := e.do("PUT", "/api/v1/tenants/nobody/quota", map[string]any{"max_calls": 1}, su...); r.Status != 404 {
				t.Fatalf("unknown tenant: %d %s", r.Status, r.Body)
			}
			if r := e.do("PUT", "/api/v1/tenants/a/quota", map[string]any{"max_calls": 100}, adminA...); r.Status != 403 {
				t.Fatalf("tenant admin: %d %s", r.Status, r.Body)
			}
			r := e.do("PUT", "/api/v1/tenants/a/quota", map[string]any{"max_agents": 1, "max_flows": 1, "max_calls": 20, "max_recording_bytes": 1 << 30}, su...)
			var got store.TenantQuota
			if r.Status != 200 {
				t.Fatalf("set: %d %s", r.Status, r.Body)
			}
			r.json(t, &got)
			if got.MaxAgents != 1 || got.MaxFlows != 1 || got.MaxCalls != 20 || got.MaxCPS != 0 || got.MaxRecordingBytes != 1<<30 {
				t.Fatalf("stored %+v", got)
			}
		})

		t.Run("a second agent signing in over the quota gets 429 quota_exceeded", func(t *testing.T) {
			if r := e.do("POST", "/api/v1/users", map[string]any{"username": "agent2", "role": "agent", "password": "password-agent", "devices": []string{"1002"}}, adminA...); r.Status != 201 {
				t.Fatalf("create agent2: %d %s", r.Status, r.Body)
			}
			agent2 := bearer(e.login("a", "agent2", "password-agent"))
			if r := e.do("POST", "/api/v1/agent/login", map[string]any{"device": "1001"}, bearer(e.tok["a/agent"])...); r.Status != 200 {
				t.Fatalf("first agent: %d %s", r.Status, r.Body)
			}
			r := e.do("POST", "/api/v1/agent/login", map[string]any{"device": "1002"}, agent2...)
			if code, field := r.errCode(t); r.Status != 429 || code != "quota_exceeded" || field != "agents" {
				t.Fatalf("second agent: %d %s", r.Status, r.Body)
			}
			// The agent already signed in is not counted twice: the ACD
			// answers as it does without a quota; tenant b is not limited
			// by a's quota.
			if r := e.do("POST", "/api/v1/agent/login", map[string]any{"device": "1001"}, bearer(e.tok["a/agent"])...); r.Status != 409 {
				t.Fatalf("signing in again: %d %s", r.Status, r.Body)
			}
			if r := e.do("POST", "/api/v1/agent/login", map[string]any{"device": "2001"}, bearer(e.tok["b/agent"])...); r.Status != 200 {
				t.Fatalf("tenant b's agent: %d %s", r.Status, r.Body)
			}
		})

		t.Run("a flow over the quota gets 429 quota_exceeded", func(t *testing.T) {
			if r := e.do("POST", "/api/v1/flows", fmt.Sprintf(tinyFlow, "one"), adminA...); r.Status != 201 {
				t.Fatalf("first flow: %d %s", r.Status, r.Body)
			}
			r := e.do("POST", "/api/v1/flows", fmt.Sprintf(tinyFlow, "two"), adminA...)
			if code, field := r.errCode(t); r.Status != 429 || code != "quota_exceeded" || field != "flows" {
				t.Fatalf("second flow: %d %s", r.Status, r.Body)
			}
			r = e.do("POST", "/api/v1/flows/import", map[string]any{"document": fmt.Sprintf(tinyFlow, "three")}, adminA...)
			if code, _ := r.errCode(t); r.Status != 429 || code != "quota_exceeded" {
				t.Fatalf("imported flow: %d %s", r.Status, r.Body)
			}
			if r := e.do("POST", "/api/v1/flows", fmt.Sprintf(tinyFlow, "two"), bearer(e.tok["b/admin"])...); r.Status != 201 {
				t.Fatalf("tenant b's flow: %d %s", r.Status, r.Body)
			}
		})

		t.Run("flows created at once never go over the quota", func(t *testing.T) {
			if r := e.do("PUT", "/api/v1/tenants/b/quota", map[string]any{"max_flows": 3}, su...); r.Status != 200 {
				t.Fatalf("quota of b: %d %s", r.Status, r.Body)
			}
			var wg sync.WaitGroup
			statuses := make([]int, 8)
			for i := range statuses {
				wg.Add(1)
				go func() {
					defer wg.Done()
					statuses[i] = e.do("POST", "/api/v1/flows", fmt.Sprintf(tinyFlow, fmt.Sprintf("race-%d", i)), bearer(e.tok["b/admin"])...).Status
				}()
			}
			wg.Wait()
			created, refused := 0, 0
			for _, st := range statuses {
				switch st {
				case 201:
					created++
				case 429:
					refused++
				}
			}
			if created != 2 || refused != 6 {
				t.Fatalf("8 creates at once with 1 of 3 flows: %v", statuses)
			}
		})

		t.Run("usage shows what the tenant uses against its quota", func(t *testing.T) {
			var u struct {
				Quota          store.TenantQuota
				AgentsSignedIn int                  `json:"agents_signed_in"`
				Flows          int                  `json:"flows"`
				Calls          int64                `json:"calls"`
				Suspended      bool                 `json:"suspended"`
				LastHits       map[string]time.Time `json:"last_hits"`
			}
			r := e.do("GET", "/api/v1/tenants/a/usage", nil, su...)
			if r.Status != 200 {
				t.Fatalf("usage: %d %s", r.Status, r.Body)
			}
			r.json(t, &u)
			if u.AgentsSignedIn != 1 || u.Flows != 1 || u.Quota.MaxAgents != 1 || u.Suspended || u.LastHits["agents"].IsZero() || u.LastHits["flows"].IsZero() {
				t.Fatalf("usage %s", r.Body)
			}
			if r := e.do("GET", "/api/v1/tenants/a/usage", nil, adminA...); r.Status != 403 {
				t.Fatalf("tenant admin reads usage: %d", r.Status)
			}
		})

		t.Run("suspending a tenant cuts its streams and agents, not the other tenant's", func(t *testing.T) {
			wa := e.dial(e.tok["a/supervisor"])
			wb := e.dial(e.tok["b/supervisor"])
			if r := e.do("PATCH", "/api/v1/tenants/a", map[string]any{"disabled": true}, su...); r.Status != 200 {
				t.Fatalf("suspend: %d %s", r.Status, r.Body)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			_, _, err := wa.conn.Read(ctx)
			var ce websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != websocket.StatusPolicyViolation || ce.Reason != "tenant suspended" {
				t.Fatalf("tenant a's stream: %v", err)
			}
			wb.ok("b1", "snapshot", nil) // tenant b's stream still answers
			if st := agentState(t, e, "a", e.ids["a/agent"]); st != acd.LoggedOut {
				t.Fatalf("tenant a's agent is %s", st)
			}
			if st := agentState(t, e, "b", e.ids["b/agent"]); st == acd.LoggedOut {
				t.Fatal("tenant b's agent was logged out")
			}
			if r := e.do("GET", "/api/v1/agent/state", nil, bearer(e.tok["a/agent"])...); r.Status != 401 && r.Status != 403 {
				t.Fatalf("tenant a's token still works: %d %s", r.Status, r.Body)
			}
			if r := e.do("GET", "/api/v1/agent/state", nil, bearer(e.tok["b/agent"])...); r.Status != 200 {
				t.Fatalf("tenant b's token: %d %s", r.Status, r.Body)
			}
		})
	})
}

func agentState(t *testing.T, e *acdEnv, tenant, agentID string) acd.State {
	t.Helper()
	a, err := e.engine(tenant).Agent(context.Background(), agentID)
	if err != nil {
		t.Fatal(err)
	}
	return a.State
}
