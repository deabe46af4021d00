package api_test

import (
	"context"
	"testing"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func TestRecordingPoliciesAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		_, tok := e.setup()
		ctx := context.Background()
		var me struct{ ID string }
		e.do("GET", "/api/v1/me", nil, bearer(tok["a/agent"])...).json(t, &me)
		if err := s.CreateACDQueue(ctx, &store.ACDQueue{TenantID: "a", ID: "sales", Name: "Sales", Strategy: "ring-all", Config: "{}"}); err != nil {
			t.Fatal(err)
		}
		admin := bearer(tok["a/admin"])

		bad := []struct {
			name  string
			body  any
			field string
		}{
			{"unknown scope", map[string]string{"scope": "team", "inbound": "always"}, "scope"},
			{"tenant rule with a target", map[string]string{"scope": "tenant", "target": "x", "inbound": "always"}, "target"},
			{"queue that does not exist", map[string]string{"scope": "queue", "target": "nope", "inbound": "always"}, "target"},
			{"agent that does not exist", map[string]string{"scope": "agent", "target": "nobody", "inbound": "never"}, "target"},
			{"bad mode", map[string]string{"scope": "tenant", "inbound": "sometimes"}, "inbound"},
			{"nothing set", map[string]string{"scope": "tenant"}, "inbound"},
			{"unknown field", map[string]string{"scope": "tenant", "inbound": "always", "colour": "red"}, "colour"},
		}
		for _, b := range bad {
			t.Run(b.name, func(t *testing.T) {
				r := e.do("POST", "/api/v1/recording-policies", b.body, admin...)
				if code, field := r.errCode(t); r.Status != 400 || code != "invalid" || field != b.field {
					t.Fatalf("%d %s %s: %s", r.Status, code, field, r.Body)
				}
			})
		}

		var tenantRule, queueRule, agentRule store.RecordingPolicy
		for _, c := range []struct {
			body any
			dst  *store.RecordingPolicy
		}{
			{map[string]string{"scope": "tenant", "inbound": "on_demand", "outbound": "never"}, &tenantRule},
			{map[string]string{"scope": "queue", "target": "sales", "inbound": "always", "note": "PCI"}, &queueRule},
			{map[string]string{"scope": "agent", "target": me.ID, "inbound": "never", "outbound": "always"}, &agentRule},
		} {
			r := e.do("POST", "/api/v1/recording-policies", c.body, admin...)
			if r.Status != 201 {
				t.Fatalf("create: %d %s", r.Status, r.Body)
			}
			r.json(t, c.dst)
		}
		if r := e.do("POST", "/api/v1/recording-policies", map[string]string{"scope": "queue", "target": "sales", "inbound": "never"}, admin...); r.Status != 409 {
			t.Fatalf("second rule for the queue: %d", r.Status)
		}
		resolve := func(q string) string {
			var m struct{ Mode string }
			r := e.do("GET", "/api/v1/recording-policies/resolve?"+q, nil, bearer(tok["a/supervisor"])...)
			if r.Status != 200 {
				t.Fatalf("resolve %s: %d %s", q, r.Status, r.Body)
			}
			r.json(t, &m)
			return m.Mode
		}
		for _, c := range []struct{ q, want string }{
			{"queue=sales&agent=" + me.ID, "always"}, // the queue's compliance rule beats the agent's never
			{"queue=support&agent=" + me.ID, "never"},
			{"queue=support&agent=" + me.ID + "&direction=outbound", "always"},
			{"queue=support&agent=other", "on_demand"},
			{"agent=other&direction=outbound", "never"},
		} {
			if got := resolve(c.q); got != c.want {
				t.Errorf("resolve %s = %s, want %s", c.q, got, c.want)
			}
		}
		if r := e.do("GET", "/api/v1/recording-policies/resolve?direction=up", nil, admin...); r.Status != 400 {
			t.Fatalf("bad direction: %d", r.Status)
		}

		// Update: modes change, scope does not.
		if r := e.do("PUT", "/api/v1/recording-policies/"+queueRule.ID, map[string]string{"scope": "agent", "inbound": "never"}, admin...); r.Status != 400 {
			t.Fatalf("scope change: %d", r.Status)
		}
		if r := e.do("PUT", "/api/v1/recording-policies/"+queueRule.ID, map[string]string{"inbound": "on_demand"}, admin...); r.Status != 200 {
			t.Fatalf("update: %d %s", r.Status, r.Body)
		}
		if got := resolve("queue=sales&agent=" + me.ID); got != "never" {
			t.Fatalf("after update: %s", got)
		}

		// Roles: supervisors read, agents do not, only admins write.
		var list []store.RecordingPolicy
		e.do("GET", "/api/v1/recording-policies", nil, bearer(tok["a/supervisor"])...).json(t, &list)
		if len(list) != 3 {
			t.Fatalf("list: %+v", list)
		}
		if r := e.do("GET", "/api/v1/recording-policies", nil, bearer(tok["a/agent"])...); r.Status != 403 {
			t.Fatalf("agent lists: %d", r.Status)
		}
		if r := e.do("POST", "/api/v1/recording-policies", map[string]string{"scope": "tenant", "inbound": "always"}, bearer(tok["a/supervisor"])...); r.Status != 403 {
			t.Fatalf("supervisor creates: %d", r.Status)
		}
		if r := e.do("GET", "/api/v1/recording-policies/"+agentRule.ID, nil, bearer(tok["b/admin"])...); r.Status != 404 {
			t.Fatalf("other tenant reads: %d", r.Status)
		}
		if r := e.do("DELETE", "/api/v1/recording-policies/"+agentRule.ID, nil, admin...); r.Status != 204 {
			t.Fatalf("delete: %d", r.Status)
		}
		if es, _ := s.ListAudit(ctx, "a", store.AuditFilter{ObjectType: "recording_policy"}); len(es) < 5 {
			t.Fatalf("policy changes audited: %d", len(es))
		}
	})
}
