package api_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/api"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// reportEnv makes tenants a and b (Asia/Shanghai) with an admin, agent,
// supervisor and QA user in a, and seeds tenant a's calls:
//
//	k1 11-01 09:10 +08:00 queue q1, answered by agent1 after 10 s, talk 50 s
//	k2 11-01 09:20 +08:00 queue q1, abandoned after 40 s (caller 13911112222)
//	k3 11-01 10:00 +08:00 queue q1, answered by agent2 after 30 s, talk 70 s
//
// It returns the tokens and agent1's user id.
func reportEnv(t *testing.T, s *store.Store) (*env, map[string]string, string) {
	t.Helper()
	e := newEnv(t, s)
	su, tok := e.setup()
	if r := e.do("POST", "/api/v1/users", map[string]string{"username": "qa1", "role": "qa", "password": "password-qa"}, append(bearer(su), api.TenantHeader, "a")...); r.Status != 201 {
		t.Fatalf("create qa: %d %s", r.Status, r.Body)
	}
	tok["a/qa"] = e.login("a", "qa1", "password-qa")
	users, err := s.ListUsers(context.Background(), "a")
	if err != nil {
		t.Fatal(err)
	}
	agent1 := ""
	for _, u := range users {
		if u.Username == "agent1" {
			agent1 = u.ID
		}
	}
	at := func(s string) time.Time {
		t, _ := time.Parse(time.RFC3339, s)
		return t
	}
	for _, c := range []store.CallRecord{
		{ID: "k1", ANI: "13800001111", DNIS: "4001", StartedAt: at("2026-11-01T09:10:00+08:00"), Disposition: "answered", QueueID: "q1", AgentID: agent1,
			WaitMS: 10000, RingMS: 2000, TalkMS: 50000, AgentsOffered: `["` + agent1 + `"]`},
		{ID: "k2", ANI: "13911112222", DNIS: "4001", StartedAt: at("2026-11-01T09:20:00+08:00"), Disposition: "abandoned_queue", QueueID: "q1", WaitMS: 40000},
		{ID: "k3", ANI: "13800003333", DNIS: "4001", StartedAt: at("2026-11-01T10:00:00+08:00"), Disposition: "answered", QueueID: "q1", AgentID: "agent2",
			WaitMS: 30000, RingMS: 3000, TalkMS: 70000, AgentsOffered: `["agent2"]`},
	} {
		c.TenantID, c.Direction = "a", "inbound"
		if err := s.SaveCall(context.Background(), &c); err != nil {
			t.Fatal(err)
		}
	}
	return e, tok, agent1
}

const day1 = "from=2026-11-01&to=2026-11-02"

func TestReportsAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e, tok, agent1 := reportEnv(t, s)

		t.Run("queue statistics", func(t *testing.T) {
			r := e.do("GET", "/api/v1/reports/queues?"+day1, nil, bearer(tok["a/supervisor"])...)
			if r.Status != 200 {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			var body struct {
				Timezone string
				From     string
				Rows     []struct {
					Queue                                      string
					Offered, Answered, Abandoned, AnsweredInSL int64
					AbandonRate, ServiceLevel                  float64 `json:"-"`
					AvgWaitMS                                  int64   `json:"avg_wait_ms"`
					SL                                         float64 `json:"service_level"`
				}
			}
			r.json(t, &body)
			// 3 offered, 2 answered, 1 abandoned; waits (10+40+30)/3 = 26.667 s;
			// within 20 s only k1: 1/3.
			if body.Timezone != "Asia/Shanghai" || body.From != "2026-11-01T00:00:00+08:00" || len(body.Rows) != 1 {
				t.Fatalf("%s", r.Body)
			}
			q := body.Rows[0]
			if q.Queue != "q1" || q.Offered != 3 || q.Answered != 2 || q.Abandoned != 1 || q.AvgWaitMS != 26667 || q.SL != 0.3333 {
				t.Fatalf("%+v", q)
			}
		})
		t.Run("abandoned rows carry the dial-back request", func(t *testing.T) {
			r := e.do("GET", "/api/v1/reports/abandoned?"+day1, nil, bearer(tok["a/admin"])...)
			var body struct {
				Rows []struct {
					ID       string
					Caller   string
					DialBack struct {
						Method, Path string
						Body         map[string]string
					} `json:"dial_back"`
				}
				NextCursor string `json:"next_cursor"`
			}
			r.json(t, &body)
			if r.Status != 200 || len(body.Rows) != 1 || body.Rows[0].ID != "k2" || body.NextCursor != "" {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			db := body.Rows[0].DialBack
			if db.Method != "POST" || db.Path != "/api/v1/agent/dial" || db.Body["number"] != "13911112222" || db.Body["parent"] != "k2" {
				t.Fatalf("dial_back %+v", db)
			}
			// The path it names is a route of this API.
			found := false
			for _, rt := range e.srv.Routes() {
				found = found || (rt.Method == db.Method && rt.Path == db.Path)
			}
			if !found {
				t.Fatalf("%s %s is not a route", db.Method, db.Path)
			}
		})
		t.Run("call search pages with a cursor", func(t *testing.T) {
			var ids []string
			cursor := ""
			for i := 0; i < 5; i++ {
				r := e.do("GET", "/api/v1/reports/calls?"+day1+"&limit=2&cursor="+cursor, nil, bearer(tok["a/qa"])...)
				var body struct {
					Rows       []struct{ ID string }
					NextCursor string `json:"next_cursor"`
				}
				r.json(t, &body)
				if r.Status != 200 {
					t.Fatalf("%d %s", r.Status, r.Body)
				}
				for _, x := range body.Rows {
					ids = append(ids, x.ID)
				}
				if cursor = body.NextCursor; cursor == "" {
					break
				}
			}
			if strings.Join(ids, ",") != "k3,k2,k1" {
				t.Fatalf("got %v", ids)
			}
		})
		t.Run("CSV", func(t *testing.T) {
			for _, h := range [][]string{nil, {"Accept", "text/csv"}} {
				path := "/api/v1/reports/calls?" + day1
				if h == nil {
					path += "&format=csv"
				}
				req, _ := http.NewRequest("GET", e.http.URL+path, nil)
				req.Header.Set("Authorization", "Bearer "+tok["a/admin"])
				if h != nil {
					req.Header.Set(h[0], h[1])
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				recs, err := csv.NewReader(res.Body).ReadAll()
				res.Body.Close()
				if err != nil {
					t.Fatal(err)
				}
				if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/csv; charset=utf-8" ||
					!strings.Contains(res.Header.Get("Content-Disposition"), `filename="calls-2026-11-01.csv"`) {
					t.Fatalf("%d %v", res.StatusCode, res.Header)
				}
				// Header plus 3 calls; times in the tenant's zone.
				if len(recs) != 4 || recs[0][0] != "id" || recs[0][4] != "started_at" || recs[1][0] != "k3" || recs[1][4] != "2026-11-01 10:00:00" {
					t.Fatalf("%q", recs)
				}
			}
			r := e.do("GET", "/api/v1/reports/hourly?"+day1+"&format=csv", nil, bearer(tok["a/admin"])...)
			recs, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
			if err != nil || len(recs) != 1+24+24 || strings.Join(recs[10], ",") != "2026-11-01,9,2,1" || strings.Join(recs[25+10], ",") != "total,10,1,1" {
				t.Fatalf("%v %q", err, recs)
			}
		})
		t.Run("bad parameters name the parameter", func(t *testing.T) {
			for _, tc := range []struct{ path, field string }{
				{"/api/v1/reports/calls?from=2026-02-30", "from"},
				{"/api/v1/reports/queues?from=2026-11-02&to=2026-11-01", "to"},
				{"/api/v1/reports/hourly?from=2025-01-01&to=2026-06-01", "to"},
				{"/api/v1/reports/queues?queue=q1%27%20OR%201", "queue"},
				{"/api/v1/reports/calls?limit=-1", "limit"},
				{"/api/v1/reports/calls?format=xml", "format"},
				{"/api/v1/reports/agents/service?by=month", "by"},
				{"/api/v1/reports/hourly?agent=agent2", "agent"},
				{"/api/v1/reports/queues?number=138", "number"},
			} {
				r := e.do("GET", tc.path, nil, bearer(tok["a/admin"])...)
				if code, field := r.errCode(t); r.Status != 400 || code != "invalid" || field != tc.field {
					t.Errorf("%s: %d %s, want 400 naming %s", tc.path, r.Status, r.Body, tc.field)
				}
			}
		})
		t.Run("roles", func(t *testing.T) {
			for _, tc := range []struct {
				who, path string
				status    int
			}{
				{"a/admin", "/api/v1/reports/waits?" + day1, 200},
				{"a/supervisor", "/api/v1/reports/hourly?" + day1, 200},
				{"a/qa", "/api/v1/reports/satisfaction/surveys?" + day1, 200},
				{"a/agent", "/api/v1/reports/queues?" + day1, 403},
				{"a/agent", "/api/v1/reports/calls?" + day1, 403},
				{"a/agent", "/api/v1/reports/abandoned?" + day1, 403},
				{"a/agent", "/api/v1/reports/agents/calls?" + day1 + "&agent=agent2", 403},
				{"a/agent", "/api/v1/reports/agents/service?" + day1, 200},
				{"a/agent", "/api/v1/reports/agents/operations?" + day1, 200},
				{"a/agent", "/api/v1/reports/satisfaction?" + day1, 200},
				{"", "/api/v1/reports/queues?" + day1, 401},
			} {
				var h []string
				if tc.who != "" {
					h = bearer(tok[tc.who])
				}
				if r := e.do("GET", tc.path, nil, h...); r.Status != tc.status {
					t.Errorf("%s %s: %d %s, want %d", tc.who, tc.path, r.Status, r.Body, tc.status)
				}
			}
			// An agent's agent-scoped report holds their own row only.
			r := e.do("GET", "/api/v1/reports/agents/calls?"+day1, nil, bearer(tok["a/agent"])...)
			var body struct {
				Rows []struct {
					Agent           string
					Offered         int64
					InboundAnswered int64   `json:"inbound_answered"`
					ConnectRate     float64 `json:"connect_rate"`
				}
			}
			r.json(t, &body)
			if r.Status != 200 || len(body.Rows) != 1 || body.Rows[0].Agent != agent1 || body.Rows[0].Offered != 1 || body.Rows[0].ConnectRate != 1 {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
			// The supervisor sees both agents.
			r = e.do("GET", "/api/v1/reports/agents/calls?"+day1, nil, bearer(tok["a/supervisor"])...)
			r.json(t, &body)
			if len(body.Rows) != 2 {
				t.Fatalf("%s", r.Body)
			}
		})
		t.Run("tenants see their own calls only", func(t *testing.T) {
			r := e.do("GET", "/api/v1/reports/calls?"+day1, nil, bearer(tok["b/admin"])...)
			if r.Status != 200 || !strings.Contains(string(r.Body), `"rows":[]`) {
				t.Fatalf("%d %s", r.Status, r.Body)
			}
		})
	})
}
