package api_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket/wsjson"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/api"
	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func TestDesktopSettings(t *testing.T) {
	t.Parallel()
	e := newACDEnv(t, storetest.Open(t, store.SQLite))
	agent, admin := bearer(e.tok["a/agent"]), bearer(e.tok["a/admin"])
	var got struct {
		CRM string `json:"crm_url_template"`
	}
	if r := e.do("GET", "/api/v1/desktop/settings", nil, agent...); r.Status != 200 {
		t.Fatalf("get: %d %s", r.Status, r.Body)
	} else if r.json(t, &got); got.CRM != "" {
		t.Fatalf("unset template is %q", got.CRM)
	}
	tmpl := "https://crm.example/customer?phone={caller}&account={var.account}"
	for _, tc := range []struct {
		name   string
		who    []string
		body   map[string]string
		status int
		field  string
	}{
		{"an agent may not change it", agent, map[string]string{"crm_url_template": tmpl}, 403, ""},
		{"not a web address", admin, map[string]string{"crm_url_template": "javascript:alert(1)"}, 400, "crm_url_template"},
		{"an admin sets it", admin, map[string]string{"crm_url_template": tmpl}, 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("PUT", "/api/v1/desktop/settings", tc.body, tc.who...)
			if r.Status != tc.status {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			if tc.field != "" {
				if _, f := r.errCode(t); f != tc.field {
					t.Fatalf("field %q", f)
				}
			}
		})
	}
	e.do("GET", "/api/v1/desktop/settings", nil, agent...).json(t, &got)
	if got.CRM != tmpl {
		t.Fatalf("agent reads %q", got.CRM)
	}
	var other struct {
		CRM string `json:"crm_url_template"`
	}
	e.do("GET", "/api/v1/desktop/settings", nil, bearer(e.tok["b/agent"])...).json(t, &other)
	if other.CRM != "" {
		t.Fatalf("tenant b sees tenant a's template %q", other.CRM)
	}
}

func TestScreenPopAndOwnCalls(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t, store.SQLite)
	e := newACDEnv(t, s)
	ctx := context.Background()
	me, other := e.ids["a/agent"], e.ids["a/supervisor"]
	caller := "13800000007"
	for _, c := range []store.CallRecord{
		{TenantID: "a", ID: "old-1", ANI: caller, DNIS: "4001", StartedAt: envT0.Add(-48 * time.Hour), Disposition: "answered", AgentID: other, QueueID: "sales"},
		{TenantID: "a", ID: "old-2", ANI: caller, DNIS: "4001", StartedAt: envT0.Add(-24 * time.Hour), Disposition: "abandoned_queue", QueueID: "sales"},
		{TenantID: "a", ID: "someone-else", ANI: caller + "9", DNIS: "4001", StartedAt: envT0.Add(-time.Hour), Disposition: "answered"},
		{TenantID: "a", ID: "now", ANI: caller, DNIS: "4001", StartedAt: envT0, QueueID: "sales", AgentID: me, AgentsOffered: `["` + me + `"]`, IVRPath: `["main/welcome","main/main_menu"]`},
		{TenantID: "a", ID: "rung", ANI: "13700000000", DNIS: "4001", StartedAt: envT0, QueueID: "sales", AgentsOffered: `["` + other + `","` + me + `"]`},
		{TenantID: "a", ID: "not-mine", ANI: "13900000000", DNIS: "4001", StartedAt: envT0, QueueID: "sales"},
	} {
		if err := s.SaveCall(ctx, &c); err != nil {
			t.Fatal(err)
		}
	}
	if r := e.do("POST", "/api/v1/whitelist", map[string]any{"number": "138000000", "kind": "prefix", "name": "Gold", "priority": 5}, bearer(e.tok["a/admin"])...); r.Status != 201 {
		t.Fatalf("whitelist: %d %s", r.Status, r.Body)
	}
	agent := bearer(e.tok["a/agent"])
	r := e.do("GET", "/api/v1/agent/calls/now/pop", nil, agent...)
	if r.Status != 200 {
		t.Fatalf("pop: %d %s", r.Status, r.Body)
	}
	var pop struct {
		Caller  string   `json:"caller"`
		IVRPath []string `json:"ivr_path"`
		VIP     *struct {
			Name string `json:"name"`
		} `json:"vip"`
		History []struct {
			ID          string `json:"id"`
			Disposition string `json:"disposition"`
		} `json:"history"`
	}
	r.json(t, &pop)
	if pop.Caller != caller || len(pop.IVRPath) != 2 || pop.VIP == nil || pop.VIP.Name != "Gold" {
		t.Fatalf("pop: %s", r.Body)
	}
	if len(pop.History) != 2 || pop.History[0].ID != "old-2" || pop.History[1].Disposition != "answered" {
		t.Fatalf("history: only the caller's own earlier calls, newest first: %s", r.Body)
	}
	if r := e.do("GET", "/api/v1/agent/calls/rung/pop", nil, agent...); r.Status != 200 {
		t.Fatalf("a call offered to the agent among others: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/api/v1/agent/calls/not-mine/pop", nil, agent...); r.Status != 404 {
		t.Fatalf("a call never offered to the agent: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/api/v1/agent/calls/now/pop", nil, bearer(e.tok["b/agent"])...); r.Status != 404 {
		t.Fatalf("another tenant's call: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/api/v1/agent/calls/not-mine/pop", nil, bearer(e.tok["a/supervisor"])...); r.Status != 200 {
		t.Fatalf("a supervisor pops any call: %d %s", r.Status, r.Body)
	}
	var mine []struct{ ID string }
	e.do("GET", "/api/v1/agent/calls", nil, agent...).json(t, &mine)
	if len(mine) != 1 || mine[0].ID != "now" {
		t.Fatalf("own calls: %+v", mine)
	}
}

func TestColleaguesAndWallboardKey(t *testing.T) {
	t.Parallel()
	e := newACDEnv(t, storetest.Open(t, store.SQLite))
	agent, admin := bearer(e.tok["a/agent"]), bearer(e.tok["a/admin"])
	if r := e.do("POST", "/api/v1/agent/login", map[string]any{}, agent...); r.Status != 200 {
		t.Fatalf("login: %d %s", r.Status, r.Body)
	}
	var cs []struct {
		AgentID string `json:"agent_id"`
		State   string `json:"state"`
	}
	r := e.do("GET", "/api/v1/agent/colleagues", nil, agent...)
	r.json(t, &cs)
	if r.Status != 200 || len(cs) != 1 || cs[0].AgentID != e.ids["a/agent"] || cs[0].State != "available" {
		t.Fatalf("colleagues: %d %s", r.Status, r.Body)
	}
	r = e.do("POST", "/api/v1/apikeys", map[string]string{"name": "tv", "role": "wallboard"}, admin...)
	if r.Status != 201 {
		t.Fatalf("wallboard key: %d %s", r.Status, r.Body)
	}
	var k struct{ Key string }
	r.json(t, &k)
	tv := []string{"X-API-Key", k.Key}
	r = e.do("GET", "/api/v1/wallboard", nil, tv...)
	if r.Status != 200 {
		t.Fatalf("wallboard: %d %s", r.Status, r.Body)
	}
	var wb struct {
		Queues []map[string]any `json:"queues"`
		Agents map[string]int   `json:"agents"`
		Hourly []struct{ Hour int }
	}
	r.json(t, &wb)
	if len(wb.Queues) != 3 || wb.Agents["available"] != 1 || len(wb.Hourly) != 24 {
		t.Fatalf("wallboard: %s", r.Body)
	}
	if strings.Contains(string(r.Body), "caller") {
		t.Fatalf("the wallboard shows callers: %s", r.Body)
	}
	for _, path := range []string{"/api/v1/supervisor/snapshot", "/api/v1/agent/state", "/api/v1/calls", "/api/v1/users", "/api/v1/me"} {
		if r := e.do("GET", path, nil, tv...); r.Status != 403 {
			t.Errorf("wallboard key on %s: %d, want 403", path, r.Status)
		}
	}
	if r := e.do("GET", "/api/v1/wallboard", nil, agent...); r.Status != 403 {
		t.Fatalf("an agent on the wallboard route: %d", r.Status)
	}
}

func TestUIIsServedBehindTheAPI(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t, store.SQLite)
	a, err := auth.New(s, auth.Options{Secret: []byte("0123456789abcdef0123456789abcdef"), TokenTTL: time.Hour, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	ui := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("console " + r.URL.Path)) })
	srv, err := api.New(api.Options{Store: s, Auth: a, Version: "test", Logger: quiet, UI: ui})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	for _, tc := range []struct{ path, want string }{
		{"/", "console /"},
		{"/agent", "console /agent"},
		{"/supervisor/agents", "console /supervisor/agents"},
		{"/api/v1/version", `"version":"test"`},
		{"/api/v1/no-such-route", `"code":"not_found"`},
		{"/healthz", `"status":"ok"`},
	} {
		res, err := http.Get(hs.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		b := new(strings.Builder)
		_, _ = io.Copy(b, res.Body)
		res.Body.Close()
		if !strings.Contains(b.String(), tc.want) {
			t.Errorf("%s: %q, want %q", tc.path, b.String(), tc.want)
		}
	}
}

func TestHoldsAndHelpRequestsReachSupervisors(t *testing.T) {
	t.Parallel()
	e := newACDEnv(t, storetest.Open(t, store.SQLite))
	agent := bearer(e.tok["a/agent"])
	if r := e.do("POST", "/api/v1/agent/login", map[string]any{}, agent...); r.Status != 200 {
		t.Fatalf("login: %d %s", r.Status, r.Body)
	}
	sup := e.dial(e.tok["a/supervisor"])
	ctx := context.Background()
	if _, err := e.engine("a").Enqueue(ctx, acd.CallRequest{CallID: "call-9", QueueID: "sales"}); err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{"hold", "unhold"} {
		if r := e.do("POST", "/api/v1/agent/call/"+op, nil, agent...); r.Status != 204 {
			t.Fatalf("%s: %d %s", op, r.Status, r.Body)
		}
	}
	if r := e.do("POST", "/api/v1/agent/call/help", map[string]string{"kind": "extension", "target": "1009"}, agent...); r.Status != 204 {
		t.Fatalf("help: %d %s", r.Status, r.Body)
	}
	var got []string
	for len(got) < 3 {
		var ev dispatch.Event
		if err := wsjson.Read(sup.ctx, sup.conn, &ev); err != nil {
			t.Fatalf("events %v, then: %v", got, err)
		}
		switch ev.Type {
		case "held", "unheld", "help_requested":
			if ev.Agent != e.ids["a/agent"] || ev.Call != "call-9" || ev.Queue != "sales" {
				t.Fatalf("event %+v", ev)
			}
			if ev.Type == "help_requested" && ev.Target != "extension:1009" {
				t.Fatalf("help event %+v", ev)
			}
			got = append(got, ev.Type)
		}
	}
	if strings.Join(got, " ") != "held unheld help_requested" {
		t.Fatalf("events %v", got)
	}
}
