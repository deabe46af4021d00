package api_test

import (
	"strings"
	"testing"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// Work numbers (工号) belong to the user record: admins set them (letters
// and digits, at most 16, unique in the tenant), users and /me show them,
// and an agent's login takes theirs from the record; a login may not
// announce another number.
func TestWorkNumbersBelongToTheUser(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newACDEnv(t, s)
		adm, agent, id := bearer(e.tok["a/admin"]), bearer(e.tok["a/agent"]), e.ids["a/agent"]

		r := e.do("PATCH", "/api/v1/users/"+id, map[string]any{"work_number": " 8001 "}, adm...)
		if r.Status != 200 || !strings.Contains(string(r.Body), `"work_number":"8001"`) {
			t.Fatalf("set: %d %s", r.Status, r.Body)
		}
		for _, tc := range []struct {
			body  map[string]any
			code  string
			field string
		}{
			{map[string]any{"work_number": "80 01"}, "invalid", "work_number"},
			{map[string]any{"work_number": "8001;"}, "invalid", "work_number"},
			{map[string]any{"work_number": strings.Repeat("9", 17)}, "invalid", "work_number"},
		} {
			r := e.do("PATCH", "/api/v1/users/"+e.ids["a/supervisor"], tc.body, adm...)
			if code, field := r.errCode(t); r.Status != 400 || code != tc.code || field != tc.field {
				t.Errorf("%v: %d %s", tc.body, r.Status, r.Body)
			}
		}
		// Unique in the tenant, on change and on create; another tenant may
		// use the same number.
		if r := e.do("PATCH", "/api/v1/users/"+e.ids["a/supervisor"], map[string]any{"work_number": "8001"}, adm...); r.Status != 409 || !strings.Contains(string(r.Body), "agent1") {
			t.Fatalf("taken on change: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/users", map[string]any{"username": "dora", "role": "agent", "password": "dora-password", "work_number": "8001"}, adm...); r.Status != 409 {
			t.Fatalf("taken on create: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/users", map[string]any{"username": "dora", "role": "agent", "password": "dora-password", "work_number": "8002"}, adm...); r.Status != 201 || !strings.Contains(string(r.Body), `"work_number":"8002"`) {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		if r := e.do("PATCH", "/api/v1/users/"+e.ids["b/agent"], map[string]any{"work_number": "8001"}, bearer(e.tok["b/admin"])...); r.Status != 200 {
			t.Fatalf("other tenant: %d %s", r.Status, r.Body)
		}
		// Shown in listings and /me; agents cannot set their own.
		var list []struct {
			Username   string `json:"username"`
			WorkNumber string `json:"work_number"`
		}
		e.do("GET", "/api/v1/users", nil, bearer(e.tok["a/supervisor"])...).json(t, &list)
		found := 0
		for _, u := range list {
			if u.Username == "agent1" && u.WorkNumber == "8001" || u.Username == "dora" && u.WorkNumber == "8002" {
				found++
			}
		}
		if found != 2 {
			t.Fatalf("listing: %+v", list)
		}
		var me struct {
			WorkNumber string `json:"work_number"`
		}
		e.do("GET", "/api/v1/me", nil, agent...).json(t, &me)
		if me.WorkNumber != "8001" {
			t.Fatalf("/me: %+v", me)
		}
		if r := e.do("PATCH", "/api/v1/users/"+id, map[string]any{"work_number": "1"}, agent...); r.Status != 403 {
			t.Fatalf("agent setting their own: %d", r.Status)
		}

		// Login: the record's number, whatever the desktop sends.
		if r := e.do("POST", "/api/v1/agent/login", map[string]any{"device": "1001", "work_number": "9999"}, agent...); r.Status != 403 {
			t.Fatalf("login announcing another number: %d %s", r.Status, r.Body)
		} else if _, field := r.errCode(t); field != "work_number" {
			t.Fatalf("field %q", field)
		}
		r = e.do("POST", "/api/v1/agent/login", map[string]any{"device": "1001"}, agent...)
		if r.Status != 200 || !strings.Contains(string(r.Body), `"work_number":"8001"`) {
			t.Fatalf("login: %d %s", r.Status, r.Body)
		}
		// A change reaches the logged-in agent; removing it stops the
		// announcement.
		if r := e.do("PATCH", "/api/v1/users/"+id, map[string]any{"work_number": "8005"}, adm...); r.Status != 200 {
			t.Fatalf("change: %d %s", r.Status, r.Body)
		}
		if a, err := e.engine("a").Agent(t.Context(), id); err != nil || a.WorkNumber != "8005" {
			t.Fatalf("engine: %+v %v", a, err)
		}
		if r := e.do("PATCH", "/api/v1/users/"+id, map[string]any{"work_number": ""}, adm...); r.Status != 200 || !strings.Contains(string(r.Body), `"work_number":""`) {
			t.Fatalf("remove: %d %s", r.Status, r.Body)
		}
		if a, _ := e.engine("a").Agent(t.Context(), id); a.WorkNumber != "" {
			t.Fatalf("engine after removal: %+v", a)
		}
	})
}
