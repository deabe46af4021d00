package api_test

import (
	"encoding/csv"
	"strings"
	"testing"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// Supervisors see agents by name and work number, not only by id: in the
// live snapshot, the reports (JSON and CSV) and the call records.
func TestAgentsAreShownByNameAndWorkNumber(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e, tok, agent1 := reportEnv(t, s)
		su := e.login("", "admin", e.suPass)
		adm := append(bearer(su), "X-IPCC-Tenant", "a")
		if r := e.do("PATCH", "/api/v1/users/"+agent1, map[string]any{"display_name": "王小明", "work_number": "8001"}, adm...); r.Status != 200 {
			t.Fatalf("name agent1: %d %s", r.Status, r.Body)
		}
		sup := bearer(tok["a/supervisor"])
		q := "?from=2026-11-01&to=2026-11-02"

		r := e.do("GET", "/api/v1/reports/agents/calls"+q, nil, sup...)
		if r.Status != 200 || !strings.Contains(string(r.Body), `"agent":"`+agent1+`","agent_name":"王小明","agent_work_number":"8001"`) {
			t.Fatalf("agent calls: %d %s", r.Status, r.Body)
		}
		// agent2 is no user: the id alone.
		if !strings.Contains(string(r.Body), `"agent":"agent2","agent_name":"","agent_work_number":""`) {
			t.Fatalf("an unknown agent id: %s", r.Body)
		}
		r = e.do("GET", "/api/v1/reports/calls"+q+"&format=csv", nil, sup...)
		recs, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
		if err != nil || len(recs) != 4 {
			t.Fatalf("calls CSV: %v %s", err, r.Body)
		}
		col := map[string]int{}
		for i, h := range recs[0] {
			col[h] = i
		}
		found := false
		for _, rec := range recs[1:] {
			if rec[col["agent"]] == agent1 {
				found = rec[col["agent_name"]] == "王小明" && rec[col["agent_work_number"]] == "8001"
			}
		}
		if !found {
			t.Fatalf("calls CSV without the agent's name: %v", recs)
		}
		for _, path := range []string{"/api/v1/reports/waits", "/api/v1/reports/agents/calls", "/api/v1/reports/satisfaction"} {
			r := e.do("GET", path+q+"&format=csv", nil, sup...)
			if h, _, _ := strings.Cut(string(r.Body), "\n"); !strings.Contains(h, "agent,agent_name,agent_work_number") {
				t.Errorf("%s CSV header %q", path, h)
			}
		}
		// Call records.
		r = e.do("GET", "/api/v1/calls/k1", nil, sup...)
		if r.Status != 200 || !strings.Contains(string(r.Body), `"agent_name":"王小明","agent_work_number":"8001"`) ||
			!strings.Contains(string(r.Body), `"agents_offered_labels":[{"agent_name":"王小明","agent_work_number":"8001"}]`) {
			t.Fatalf("call record: %d %s", r.Status, r.Body)
		}
		r = e.do("GET", "/api/v1/calls", nil, sup...)
		if !strings.Contains(string(r.Body), `"agent_name":"王小明"`) {
			t.Fatalf("call listing: %s", r.Body)
		}
	})
}

// The live snapshot names each agent.
func TestSnapshotNamesAgents(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newACDEnv(t, s)
		adm, id := bearer(e.tok["a/admin"]), e.ids["a/agent"]
		if r := e.do("PATCH", "/api/v1/users/"+id, map[string]any{"display_name": "Li Lei", "work_number": "8001"}, adm...); r.Status != 200 {
			t.Fatalf("name: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/agent/login", map[string]any{}, bearer(e.tok["a/agent"])...); r.Status != 200 {
			t.Fatalf("login: %d %s", r.Status, r.Body)
		}
		r := e.do("GET", "/api/v1/supervisor/snapshot", nil, bearer(e.tok["a/supervisor"])...)
		if r.Status != 200 || !strings.Contains(string(r.Body), `"agent_id":"`+id+`","name":"Li Lei","work_number":"8001"`) {
			t.Fatalf("snapshot: %d %s", r.Status, r.Body)
		}
		r = e.do("POST", "/api/v1/supervisor/agents/"+id+"/force", map[string]any{"action": "not-ready", "reason": "meeting"}, bearer(e.tok["a/supervisor"])...)
		if r.Status != 200 || !strings.Contains(string(r.Body), `"name":"Li Lei"`) {
			t.Fatalf("force: %d %s", r.Status, r.Body)
		}
	})
}
