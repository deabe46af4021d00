package api_test

import (
	"strings"
	"testing"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// An agent's group (班组) is set by admins on the user (create and PATCH,
// checked), shown by the users listing and /me, and put on the agent in
// the supervisor's live snapshot, where the console filters by it.
func TestAgentGroups(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newACDEnv(t, s)
		adm, agent, id := bearer(e.tok["a/admin"]), bearer(e.tok["a/agent"]), e.ids["a/agent"]
		sup := bearer(e.tok["a/supervisor"])

		r := e.do("PATCH", "/api/v1/users/"+id, map[string]any{"group": "  一组 Team 1 "}, adm...)
		if r.Status != 200 || !strings.Contains(string(r.Body), `"group":"一组 Team 1"`) {
			t.Fatalf("set: %d %s", r.Status, r.Body)
		}
		for _, body := range []map[string]any{
			{"group": strings.Repeat("组", 65)},
			{"group": "team\x01"},
			{"group": 7},
		} {
			r := e.do("PATCH", "/api/v1/users/"+id, body, adm...)
			if code, field := r.errCode(t); r.Status != 400 || code != "invalid" || field != "group" {
				t.Errorf("%v: %d %s", body, r.Status, r.Body)
			}
		}
		if r := e.do("POST", "/api/v1/users", map[string]any{"username": "dora", "role": "agent", "password": "dora-password", "group": "team\n2"}, adm...); r.Status != 400 {
			t.Fatalf("create with a bad group: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/users", map[string]any{"username": "dora", "role": "agent", "password": "dora-password", "group": "二组 Team 2"}, adm...); r.Status != 201 || !strings.Contains(string(r.Body), `"group":"二组 Team 2"`) {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		if r := e.do("PATCH", "/api/v1/users/"+id, map[string]any{"group": "x"}, agent...); r.Status != 403 {
			t.Fatalf("agent setting their own group: %d", r.Status)
		}
		var list []struct {
			Username string `json:"username"`
			Group    string `json:"group"`
		}
		e.do("GET", "/api/v1/users", nil, sup...).json(t, &list)
		groups := map[string]string{}
		for _, u := range list {
			groups[u.Username] = u.Group
		}
		if groups["agent1"] != "一组 Team 1" || groups["dora"] != "二组 Team 2" || groups["supervisor1"] != "" {
			t.Fatalf("listing: %+v", list)
		}
		var me struct {
			Group string `json:"group"`
		}
		e.do("GET", "/api/v1/me", nil, agent...).json(t, &me)
		if me.Group != "一组 Team 1" {
			t.Fatalf("/me: %+v", me)
		}

		// The live view: the logged-in agent carries their group.
		if r := e.do("POST", "/api/v1/agent/login", map[string]any{"device": "1001"}, agent...); r.Status != 200 {
			t.Fatalf("login: %d %s", r.Status, r.Body)
		}
		var snap struct {
			Agents []struct {
				AgentID string `json:"agent_id"`
				Group   string `json:"group"`
			} `json:"agents"`
		}
		e.do("GET", "/api/v1/supervisor/snapshot", nil, sup...).json(t, &snap)
		found := false
		for _, a := range snap.Agents {
			if a.AgentID == id {
				found = a.Group == "一组 Team 1"
			}
		}
		if !found {
			t.Fatalf("snapshot: %+v", snap)
		}
		// Removed with "": the snapshot follows.
		if r := e.do("PATCH", "/api/v1/users/"+id, map[string]any{"group": ""}, adm...); r.Status != 200 || !strings.Contains(string(r.Body), `"group":""`) {
			t.Fatalf("remove: %d %s", r.Status, r.Body)
		}
		r = e.do("GET", "/api/v1/supervisor/snapshot", nil, sup...)
		if strings.Contains(string(r.Body), "Team 1") {
			t.Fatalf("snapshot after removal: %s", r.Body)
		}
		// Another tenant's users are untouched.
		var other []struct {
			Group string `json:"group"`
		}
		e.do("GET", "/api/v1/users", nil, bearer(e.tok["b/admin"])...).json(t, &other)
		for _, u := range other {
			if u.Group != "" {
				t.Fatalf("tenant b: %+v", other)
			}
		}
	})
}
