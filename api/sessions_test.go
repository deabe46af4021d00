package api_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/ipcc/ipcc/api"
	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// movableClock is a settable "now" for token lifetimes.
type movableClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *movableClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *movableClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newSessionEnv is newEnv with a 1h token TTL, an 8h session cap and a
// clock the test moves.
func newSessionEnv(t *testing.T, s *store.Store) (*env, *movableClock) {
	t.Helper()
	clk := &movableClock{t: time.Now()}
	a, err := auth.New(s, auth.Options{Secret: []byte("0123456789abcdef0123456789abcdef"), TokenTTL: time.Hour, SessionMaxAge: 8 * time.Hour, BcryptCost: 4, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Bootstrap(context.Background(), "super-secret-pw"); err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Options{Store: s, Auth: a, BodyLimit: 4096, Version: "test", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: s, auth: a, srv: srv, suPass: "super-secret-pw"}
	e.http = newTestServer(t, srv)
	return e, clk
}

// A disabled tenant's tokens and API keys stop at once (and do not come
// back when it is enabled again); its users cannot log in or refresh.
func TestDisabledTenantStopsTokensAndKeys(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e, _ := newSessionEnv(t, s)
		su, tok := e.setup()
		var k struct{ Key string }
		e.do("POST", "/api/v1/apikeys", map[string]string{"name": "crm", "role": "supervisor"}, bearer(tok["a/admin"])...).json(t, &k)
		if r := e.do("GET", "/api/v1/users", nil, "X-API-Key", k.Key); r.Status != 200 {
			t.Fatalf("key before: %d", r.Status)
		}
		if r := e.do("PATCH", "/api/v1/tenants/a", map[string]any{"disabled": true}, bearer(su)...); r.Status != 200 {
			t.Fatalf("disable: %d %s", r.Status, r.Body)
		}
		for name, h := range map[string][]string{"admin token": bearer(tok["a/admin"]), "agent token": bearer(tok["a/agent"]), "API key": {"X-API-Key", k.Key}} {
			if r := e.do("GET", "/api/v1/me", nil, h...); r.Status != 401 {
				t.Errorf("%s of a disabled tenant: %d %s", name, r.Status, r.Body)
			}
		}
		if r := e.do("POST", "/api/v1/auth/refresh", nil, bearer(tok["a/agent"])...); r.Status != 401 {
			t.Errorf("refresh in a disabled tenant: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/auth/login", map[string]string{"username": "agent1", "password": "password-agent", "tenant": "a"}); r.Status != 403 {
			t.Errorf("login in a disabled tenant: %d %s", r.Status, r.Body)
		}
		// Tenant b is untouched.
		if r := e.do("GET", "/api/v1/me", nil, bearer(tok["b/agent"])...); r.Status != 200 {
			t.Errorf("tenant b: %d", r.Status)
		}
		// Enabling it again does not revive the old tokens; logging in works.
		e.do("PATCH", "/api/v1/tenants/a", map[string]any{"disabled": false}, bearer(su)...)
		if r := e.do("GET", "/api/v1/me", nil, bearer(tok["a/admin"])...); r.Status != 401 {
			t.Errorf("old token after re-enabling: %d", r.Status)
		}
		if r := e.do("GET", "/api/v1/users", nil, "X-API-Key", k.Key); r.Status != 200 {
			t.Errorf("the API key after re-enabling: %d", r.Status)
		}
		e.login("a", "agent1", "password-agent")
	})
}

// A password change, a role change, disabling and "log out everywhere"
// each end every token the user holds; other users keep theirs.
func TestTokensAreRevokedPerUser(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e, _ := newSessionEnv(t, s)
		_, tok := e.setup()
		adm := bearer(tok["a/admin"])
		var me struct{ ID string }
		e.do("GET", "/api/v1/me", nil, bearer(tok["a/agent"])...).json(t, &me)
		alive := func(tk string) bool { return e.do("GET", "/api/v1/me", nil, bearer(tk)...).Status == 200 }

		t1 := e.login("a", "agent1", "password-agent")
		e.do("PATCH", "/api/v1/users/"+me.ID, map[string]any{"password": "new-password-1"}, adm...)
		if alive(tok["a/agent"]) || alive(t1) {
			t.Fatal("tokens survive a password change")
		}
		if !alive(tok["a/supervisor"]) || !alive(tok["a/admin"]) {
			t.Fatal("other users' tokens were revoked")
		}
		t2 := e.login("a", "agent1", "new-password-1")
		e.do("PATCH", "/api/v1/users/"+me.ID, map[string]any{"role": "qa"}, adm...)
		if alive(t2) {
			t.Fatal("token survives a role change")
		}
		t3 := e.login("a", "agent1", "new-password-1")
		if r := e.do("PATCH", "/api/v1/users/"+me.ID, map[string]any{"display_name": "Agent One"}, adm...); r.Status != 200 || !alive(t3) {
			t.Fatalf("a display-name change revoked the token (%d)", r.Status)
		}
		// The user logs out everywhere.
		t4 := e.login("a", "agent1", "new-password-1")
		if r := e.do("POST", "/api/v1/auth/logout", nil, bearer(t3)...); r.Status != 204 {
			t.Fatalf("logout: %d %s", r.Status, r.Body)
		}
		if alive(t3) || alive(t4) {
			t.Fatal("tokens survive logging out everywhere")
		}
		// An admin ends a user's sessions.
		t5 := e.login("a", "agent1", "new-password-1")
		if r := e.do("POST", "/api/v1/users/"+me.ID+"/logout", nil, adm...); r.Status != 204 {
			t.Fatalf("admin logout: %d %s", r.Status, r.Body)
		}
		if alive(t5) {
			t.Fatal("token survives the admin's logout")
		}
		if r := e.do("POST", "/api/v1/users/"+me.ID+"/logout", nil, bearer(tok["b/admin"])...); r.Status != 404 {
			t.Fatalf("another tenant's admin: %d", r.Status)
		}
		t6 := e.login("a", "agent1", "new-password-1")
		e.do("PATCH", "/api/v1/users/"+me.ID, map[string]any{"disabled": true}, adm...)
		e.do("PATCH", "/api/v1/users/"+me.ID, map[string]any{"disabled": false}, adm...)
		if alive(t6) {
			t.Fatal("token survives being disabled and enabled again")
		}
	})
}

// Refresh renews a token but never past the session's absolute lifetime
// (auth.session_max_age) counted from the login.
func TestSessionMaxAge(t *testing.T) {
	t.Parallel()
	e, clk := newSessionEnv(t, storetest.Open(t, store.SQLite))
	_, tok := e.setup()
	cur := tok["a/agent"]
	login := clk.now()
	for i := 0; i < 7; i++ {
		clk.add(55 * time.Minute)
		r := e.do("POST", "/api/v1/auth/refresh", nil, bearer(cur)...)
		var tr struct {
			Token            string
			ExpiresAt        time.Time `json:"expires_at"`
			SessionExpiresAt time.Time `json:"session_expires_at"`
		}
		r.json(t, &tr)
		if r.Status != 200 || tr.ExpiresAt.After(login.Add(8*time.Hour).Add(time.Second)) || !tr.SessionExpiresAt.Equal(login.Add(8*time.Hour).Truncate(time.Second)) {
			t.Fatalf("refresh %d: %d %s", i, r.Status, r.Body)
		}
		cur = tr.Token
	}
	// 6h25m in: the refreshed token ends with the session at 8h.
	clk.add(55 * time.Minute) // 7h20m
	r := e.do("POST", "/api/v1/auth/refresh", nil, bearer(cur)...)
	var tr struct {
		Token     string
		ExpiresAt time.Time `json:"expires_at"`
	}
	r.json(t, &tr)
	if r.Status != 200 || !tr.ExpiresAt.Equal(login.Add(8*time.Hour).Truncate(time.Second)) {
		t.Fatalf("last refresh: %d %s", r.Status, r.Body)
	}
	clk.add(41 * time.Minute) // 8h01m: the session is over
	if r := e.do("GET", "/api/v1/me", nil, bearer(tr.Token)...); r.Status != 401 {
		t.Fatalf("token past the session's end: %d", r.Status)
	}
	if r := e.do("POST", "/api/v1/auth/refresh", nil, bearer(tr.Token)...); r.Status != 401 {
		t.Fatalf("refresh past the session's end: %d %s", r.Status, r.Body)
	} else if !strings.Contains(string(r.Body), "unauthenticated") {
		t.Fatalf("body %s", r.Body)
	}
}

func newTestServer(t *testing.T, srv *api.Server) *httptest.Server {
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return hs
}

// The agent socket runs the same checks: after the tenant is disabled or
// the user logs out everywhere, commands are refused and the event stream
// ends within the check interval.
func TestWebSocketObeysTenantAndLogout(t *testing.T) {
	t.Cleanup(api.SetWSCheckEvery(100 * time.Millisecond))
	e := newACDEnv(t, storetest.Open(t, store.SQLite))
	closed := func(c *wsClient) {
		t.Helper()
		ctx, cancel := context.WithTimeout(c.ctx, 5*time.Second)
		defer cancel()
		for {
			if _, _, err := c.conn.Read(ctx); err != nil {
				if websocket.CloseStatus(err) != websocket.StatusPolicyViolation {
					t.Fatalf("socket ended with %v, want policy violation", err)
				}
				return
			}
		}
	}
	agent := e.dial(e.tok["a/agent"])
	agent.ok("w1", "state", nil)
	if r := e.do("POST", "/api/v1/auth/logout", nil, bearer(e.tok["a/agent"])...); r.Status != 204 {
		t.Fatalf("logout: %d %s", r.Status, r.Body)
	}
	agent.fails("w2", "state", nil, "unauthenticated", "")
	closed(agent)

	sup := e.dial(e.tok["b/supervisor"])
	sup.ok("w3", "snapshot", nil)
	su := e.login("", "admin", e.suPass)
	if r := e.do("PATCH", "/api/v1/tenants/b", map[string]any{"disabled": true}, bearer(su)...); r.Status != 200 {
		t.Fatalf("disable: %d %s", r.Status, r.Body)
	}
	closed(sup)
}
