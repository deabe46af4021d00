package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/ipcc/ipcc/api"
	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

type env struct {
	t      *testing.T
	store  *store.Store
	auth   *auth.Service
	srv    *api.Server
	http   *httptest.Server
	suPass string
}

func newEnv(t *testing.T, s *store.Store) *env {
	t.Helper()
	a, err := auth.New(s, auth.Options{Secret: []byte("0123456789abcdef0123456789abcdef"), TokenTTL: time.Hour, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	res, err := a.Bootstrap(context.Background(), "super-secret-pw")
	if err != nil || !res.CreatedSuperadmin {
		t.Fatalf("bootstrap: %+v %v", res, err)
	}
	srv, err := api.New(api.Options{Store: s, Auth: a, BodyLimit: 4096, Version: "test", Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &env{t: t, store: s, auth: a, srv: srv, http: hs, suPass: "super-secret-pw"}
}

type resp struct {
	Status int
	Body   []byte
	Header http.Header
}

func (r resp) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

func (r resp) errCode(t *testing.T) (code, field string) {
	t.Helper()
	var b struct {
		Error struct{ Code, Message, Field string } `json:"error"`
	}
	r.json(t, &b)
	if b.Error.Code == "" || b.Error.Message == "" {
		t.Fatalf("not an error body: %s", r.Body)
	}
	return b.Error.Code, b.Error.Field
}

// do sends a request; headers alternate name, value.
func (e *env) do(method, path string, body any, headers ...string) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, e.http.URL+path, rd)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{Status: res.StatusCode, Body: b, Header: res.Header}
}

func (e *env) login(tenant, user, pw string) string {
	e.t.Helper()
	r := e.do("POST", "/api/v1/auth/login", map[string]string{"username": user, "password": pw, "tenant": tenant})
	if r.Status != 200 {
		e.t.Fatalf("login %s/%s: %d %s", tenant, user, r.Status, r.Body)
	}
	var tr struct{ Token string }
	r.json(e.t, &tr)
	return tr.Token
}

func bearer(tok string) []string { return []string{"Authorization", "Bearer " + tok} }

// setup makes tenants a and b with an admin and an agent each.
func (e *env) setup() (su string, tok map[string]string) {
	su = e.login("", "admin", e.suPass)
	tok = map[string]string{}
	for _, ten := range []string{"a", "b"} {
		if r := e.do("POST", "/api/v1/tenants", map[string]string{"id": ten, "name": "Tenant " + ten, "timezone": "Asia/Shanghai"}, bearer(su)...); r.Status != 201 {
			e.t.Fatalf("create tenant: %d %s", r.Status, r.Body)
		}
		for _, role := range []string{"admin", "agent", "supervisor"} {
			r := e.do("POST", "/api/v1/users", map[string]string{"username": role + "1", "role": role, "password": "password-" + role}, append(bearer(su), api.TenantHeader, ten)...)
			if r.Status != 201 {
				e.t.Fatalf("create user: %d %s", r.Status, r.Body)
			}
			tok[ten+"/"+role] = e.login(ten, role+"1", "password-"+role)
		}
	}
	return su, tok
}

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.Open(t, store.SQLite))
	if r := e.do("GET", "/healthz", nil); r.Status != 200 {
		t.Fatalf("healthz %d", r.Status)
	}
	r := e.do("GET", "/readyz", nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"database":"ok"`) {
		t.Fatalf("readyz %d %s", r.Status, r.Body)
	}
	e.store.Close()
	if r := e.do("GET", "/readyz", nil); r.Status != 503 {
		t.Fatalf("readyz with the database closed: %d %s", r.Status, r.Body)
	}
}

func TestMetricsCountRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.Open(t, store.SQLite))
	e.do("GET", "/api/v1/users", nil)
	r := e.do("GET", "/metrics", nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), `ipcc_http_requests_total{method="GET",route="/api/v1/users",status="401"} 1`) {
		t.Fatalf("metrics: %d\n%s", r.Status, r.Body)
	}
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		_, tok := e.setup()

		tests := []struct {
			name    string
			headers []string
			want    int
		}{
			{"no credentials", nil, 401},
			{"garbage bearer", bearer("abc.def.ghi"), 401},
			{"empty bearer", []string{"Authorization", "Bearer "}, 401},
			{"basic auth", []string{"Authorization", "Basic YTpi"}, 401},
			{"bad api key", []string{"X-API-Key", "ipcc_000000000000_" + strings.Repeat("x", 43)}, 401},
			{"valid token", bearer(tok["a/admin"]), 200},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := e.do("GET", "/api/v1/users", nil, tt.headers...)
				if r.Status != tt.want {
					t.Fatalf("status %d, want %d: %s", r.Status, tt.want, r.Body)
				}
				if tt.want == 401 {
					if code, _ := r.errCode(t); code != "unauthenticated" {
						t.Fatalf("code %q", code)
					}
				}
			})
		}
		for _, bad := range []map[string]string{
			{"username": "admin1", "password": "wrong-password", "tenant": "a"},
			{"username": "admin1", "password": "password-admin", "tenant": "b-nope"},
			{"username": "nobody", "password": "password-admin", "tenant": "a"},
			{"username": "admin", "password": "super-secret-pw", "tenant": "a"}, // superadmin is not a tenant user
		} {
			if r := e.do("POST", "/api/v1/auth/login", bad); r.Status != 401 {
				t.Errorf("login %v: %d %s", bad, r.Status, r.Body)
			}
		}
		// Refresh gives a new working token.
		r := e.do("POST", "/api/v1/auth/refresh", nil, bearer(tok["a/agent"])...)
		var tr struct{ Token string }
		r.json(t, &tr)
		if r.Status != 200 || tr.Token == "" {
			t.Fatalf("refresh: %d %s", r.Status, r.Body)
		}
		if r := e.do("GET", "/api/v1/me", nil, bearer(tr.Token)...); r.Status != 200 || !strings.Contains(string(r.Body), `"role":"agent"`) {
			t.Fatalf("me: %d %s", r.Status, r.Body)
		}
	})
}

func TestRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.Open(t, store.SQLite))
	su, tok := e.setup()
	tests := []struct {
		name, method, path string
		body               any
		tok                string
		want               int
	}{
		{"agent cannot list users", "GET", "/api/v1/users", nil, tok["a/agent"], 403},
		{"supervisor can list users", "GET", "/api/v1/users", nil, tok["a/supervisor"], 200},
		{"supervisor cannot create users", "POST", "/api/v1/users", map[string]string{"username": "x", "role": "agent", "password": "password-x"}, tok["a/supervisor"], 403},
		{"agent cannot create api keys", "POST", "/api/v1/apikeys", map[string]string{"name": "k", "role": "agent"}, tok["a/agent"], 403},
		{"admin cannot list tenants", "GET", "/api/v1/tenants", nil, tok["a/admin"], 403},
		{"admin cannot create tenants", "POST", "/api/v1/tenants", map[string]string{"id": "zz", "name": "Z"}, tok["a/admin"], 403},
		{"agent cannot read the audit log", "GET", "/api/v1/audit", nil, tok["a/agent"], 403},
		{"superadmin must name a tenant for users", "GET", "/api/v1/users", nil, su, 400},
		{"superadmin can list tenants", "GET", "/api/v1/tenants", nil, su, 200},
		{"admin cannot create a superadmin", "POST", "/api/v1/users", map[string]string{"username": "x", "role": "superadmin", "password": "password-x"}, tok["a/admin"], 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(tt.method, tt.path, tt.body, bearer(tt.tok)...)
			if r.Status != tt.want {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.want, r.Body)
			}
		})
	}
	if r := e.do("GET", "/api/v1/users", nil, append(bearer(su), api.TenantHeader, "nope")...); r.Status != 404 {
		t.Fatalf("superadmin in a missing tenant: %d", r.Status)
	}
}

func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		_, tok := e.setup()
		// Find a user of tenant b.
		var bUsers []struct{ ID, Username, Tenant string }
		e.do("GET", "/api/v1/users", nil, bearer(tok["b/admin"])...).json(t, &bUsers)
		if len(bUsers) != 3 {
			t.Fatalf("tenant b users: %+v", bUsers)
		}
		victim := bUsers[0].ID
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/api/v1/users/" + victim, nil},
			{"PATCH", "/api/v1/users/" + victim, map[string]string{"display_name": "pwned"}},
			{"DELETE", "/api/v1/users/" + victim, nil},
		} {
			r := e.do(c.method, c.path, c.body, bearer(tok["a/admin"])...)
			if r.Status != 404 {
				t.Errorf("%s %s from tenant a: %d %s", c.method, c.path, r.Status, r.Body)
			}
		}
		var aUsers []struct{ Tenant string }
		e.do("GET", "/api/v1/users", nil, bearer(tok["a/admin"])...).json(t, &aUsers)
		for _, u := range aUsers {
			if u.Tenant != "a" {
				t.Fatalf("tenant a sees %+v", u)
			}
		}
		// Tenant b's API key cannot be revoked from tenant a.
		var k struct{ ID, Key string }
		e.do("POST", "/api/v1/apikeys", map[string]string{"name": "crm", "role": "agent"}, bearer(tok["b/admin"])...).json(t, &k)
		if r := e.do("DELETE", "/api/v1/apikeys/"+k.ID, nil, bearer(tok["a/admin"])...); r.Status != 404 {
			t.Fatalf("cross-tenant revoke: %d", r.Status)
		}
		// And the untouched user still exists.
		if r := e.do("GET", "/api/v1/users/"+victim, nil, bearer(tok["b/admin"])...); r.Status != 200 || strings.Contains(string(r.Body), "pwned") {
			t.Fatalf("victim changed: %d %s", r.Status, r.Body)
		}
	})
}

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		_, tok := e.setup()
		r := e.do("POST", "/api/v1/apikeys", map[string]string{"name": "crm", "role": "supervisor"}, bearer(tok["a/admin"])...)
		var k struct{ ID, Key, Prefix string }
		r.json(t, &k)
		if r.Status != 201 || !strings.HasPrefix(k.Key, "ipcc_") {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		if r := e.do("GET", "/api/v1/users", nil, "X-API-Key", k.Key); r.Status != 200 {
			t.Fatalf("key auth: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/users", map[string]string{"username": "x", "role": "agent", "password": "password-x"}, "X-API-Key", k.Key); r.Status != 403 {
			t.Fatalf("supervisor key creating users: %d", r.Status)
		}
		list := e.do("GET", "/api/v1/apikeys", nil, bearer(tok["a/admin"])...)
		if strings.Contains(string(list.Body), k.Key) || strings.Contains(string(list.Body), "secret") {
			t.Fatalf("listing leaks the key: %s", list.Body)
		}
		if r := e.do("DELETE", "/api/v1/apikeys/"+k.ID, nil, bearer(tok["a/admin"])...); r.Status != 204 {
			t.Fatalf("revoke: %d %s", r.Status, r.Body)
		}
		if r := e.do("GET", "/api/v1/users", nil, "X-API-Key", k.Key); r.Status != 401 {
			t.Fatalf("revoked key: %d", r.Status)
		}
	})
}

func TestAuditRows(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		_, tok := e.setup()
		r := e.do("POST", "/api/v1/users", map[string]string{"username": "carol", "role": "qa", "password": "carol-password"}, append(bearer(tok["a/admin"]), "X-Forwarded-For", "203.0.113.9")...)
		var u struct{ ID string }
		r.json(t, &u)
		e.do("POST", "/api/v1/auth/login", map[string]string{"username": "carol", "password": "bad-password!", "tenant": "a"})
		var es []store.AuditEntry
		r = e.do("GET", "/api/v1/audit", nil, bearer(tok["a/admin"])...)
		r.json(t, &es)
		if r.Status != 200 || len(es) < 2 {
			t.Fatalf("audit: %d %s", r.Status, r.Body)
		}
		failed, created := es[0], es[1]
		if failed.Action != "POST /api/v1/auth/login" || failed.Status != 401 || failed.ObjectID != "carol" || failed.TenantID != "a" {
			t.Errorf("failed login row: %+v", failed)
		}
		if created.Action != "POST /api/v1/users" || created.ObjectID != u.ID || created.ActorName != "admin1" || created.Status != 201 || created.RequestID == "" || created.RemoteAddr == "" {
			t.Errorf("create row: %+v", created)
		}
		for _, x := range es {
			if strings.Contains(x.Detail, "password") && !strings.Contains(x.Detail, `"password":"changed"`) {
				t.Errorf("audit detail leaks a password: %s", x.Detail)
			}
			if strings.Contains(x.Detail, "carol-password") || strings.Contains(x.Detail, "bad-password") {
				t.Errorf("audit detail leaks a password: %s", x.Detail)
			}
		}
		// Tenant b's admin sees none of tenant a's rows.
		var bes []store.AuditEntry
		e.do("GET", "/api/v1/audit", nil, bearer(tok["b/admin"])...).json(t, &bes)
		for _, x := range bes {
			if x.TenantID != "b" {
				t.Fatalf("tenant b sees %+v", x)
			}
		}
		if r := e.do("GET", "/api/v1/audit?since=yesterday", nil, bearer(tok["a/admin"])...); r.Status != 400 {
			t.Fatalf("bad since: %d", r.Status)
		} else if _, f := r.errCode(t); f != "since" {
			t.Fatalf("field %q", f)
		}
	})
}

func TestBadInputNamesTheField(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.Open(t, store.SQLite))
	su, tok := e.setup()
	adm := bearer(tok["a/admin"])
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		hdr    []string
		status int
		field  string
	}{
		{"unknown field", "POST", "/api/v1/users", `{"username":"x","role":"agent","password":"password-x","colour":"red"}`, adm, 400, "colour"},
		{"wrong type", "POST", "/api/v1/users", `{"username":1}`, adm, 400, "username"},
		{"malformed", "POST", "/api/v1/users", `{"username":`, adm, 400, ""},
		{"trailing data", "POST", "/api/v1/users", `{"username":"x"} {}`, adm, 400, ""},
		{"empty body", "POST", "/api/v1/users", ``, adm, 400, ""},
		{"bad role", "POST", "/api/v1/users", map[string]string{"username": "x", "role": "boss", "password": "password-x"}, adm, 400, "role"},
		{"weak password", "POST", "/api/v1/users", map[string]string{"username": "x", "role": "agent", "password": "123"}, adm, 400, "password"},
		{"bad username", "POST", "/api/v1/users", map[string]string{"username": "a b", "role": "agent", "password": "password-x"}, adm, 400, "username"},
		{"duplicate username", "POST", "/api/v1/users", map[string]string{"username": "agent1", "role": "agent", "password": "password-x"}, adm, 409, "username"},
		{"too large", "POST", "/api/v1/users", `{"username":"` + strings.Repeat("x", 5000) + `"}`, adm, 413, ""},
		{"bad tenant id", "POST", "/api/v1/tenants", map[string]string{"id": "Bad Id", "name": "x"}, bearer(su), 400, "id"},
		{"bad timezone", "POST", "/api/v1/tenants", map[string]string{"id": "cc", "name": "x", "timezone": "Mars/Base"}, bearer(su), 400, "timezone"},
		{"duplicate tenant", "POST", "/api/v1/tenants", map[string]string{"id": "a", "name": "x"}, bearer(su), 409, ""},
		{"tenant with users", "DELETE", "/api/v1/tenants/a", nil, bearer(su), 409, ""},
		{"missing login username", "POST", "/api/v1/auth/login", map[string]string{"password": "x"}, nil, 400, "username"},
		{"no such route", "GET", "/api/v1/nope", nil, adm, 404, ""},
		{"self demotion", "PATCH", "/api/v1/users/SELF", map[string]string{"role": "agent"}, adm, 409, "role"},
	}
	var me struct{ ID string }
	e.do("GET", "/api/v1/me", nil, adm...).json(t, &me)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(tt.method, strings.Replace(tt.path, "SELF", me.ID, 1), tt.body, tt.hdr...)
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Body)
			}
			code, field := r.errCode(t)
			if field != tt.field {
				t.Fatalf("field %q, want %q (code %s, %s)", field, tt.field, code, r.Body)
			}
		})
	}
	// Nothing stored was lost: tenant a and its users are all still there.
	var us []any
	e.do("GET", "/api/v1/users", nil, adm...).json(t, &us)
	if len(us) != 3 {
		t.Fatalf("users after bad input: %d", len(us))
	}
}

func TestUserLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.Open(t, store.Postgres))
	_, tok := e.setup()
	adm := bearer(tok["a/admin"])
	var u struct{ ID, Role, DisplayName string }
	e.do("POST", "/api/v1/users", map[string]string{"username": "dave", "display_name": "Dave", "role": "agent", "password": "dave-password"}, adm...).json(t, &u)
	r := e.do("PATCH", "/api/v1/users/"+u.ID, map[string]any{"role": "qa", "password": "dave-new-password"}, adm...)
	if r.Status != 200 || !strings.Contains(string(r.Body), `"role":"qa"`) {
		t.Fatalf("patch: %d %s", r.Status, r.Body)
	}
	dtok := e.login("a", "dave", "dave-new-password")
	e.do("PATCH", "/api/v1/users/"+u.ID, map[string]any{"disabled": true}, adm...)
	if r := e.do("GET", "/api/v1/me", nil, bearer(dtok)...); r.Status != 401 {
		t.Fatalf("disabled user's token still works: %d", r.Status)
	}
	if r := e.do("DELETE", "/api/v1/users/"+u.ID, nil, adm...); r.Status != 204 {
		t.Fatalf("delete: %d", r.Status)
	}
	if r := e.do("GET", "/api/v1/users/"+u.ID, nil, adm...); r.Status != 404 {
		t.Fatalf("after delete: %d", r.Status)
	}
}

// Every route echo serves is in the OpenAPI document.
func TestOpenAPICoversEveryRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t, storetest.Open(t, store.SQLite))
	r := e.do("GET", "/api/v1/openapi.json", nil)
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	r.json(t, &doc)
	if r.Status != 200 || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi: %d %s", r.Status, r.Body)
	}
	assertDocumented(t, e.srv.Echo(), doc.Paths)
	// A route added behind the table's back is caught.
	e.srv.Echo().GET("/api/v1/secret-route", func(c echo.Context) error { return nil })
	var missing []string
	for _, rt := range e.srv.Echo().Routes() {
		if !documented(rt, doc.Paths) {
			missing = append(missing, rt.Method+" "+rt.Path)
		}
	}
	if len(missing) != 1 || missing[0] != "GET /api/v1/secret-route" {
		t.Fatalf("undocumented-route detection: %v", missing)
	}
}

func documented(rt *echo.Route, paths map[string]map[string]map[string]any) bool {
	if rt.Method == echo.RouteNotFound || strings.HasSuffix(rt.Path, "/*") {
		return true
	}
	p := rt.Path
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") {
			segs[i] = "{" + s[1:] + "}"
		}
	}
	item, ok := paths[strings.Join(segs, "/")]
	if !ok {
		return false
	}
	_, ok = item[strings.ToLower(rt.Method)]
	return ok
}

func assertDocumented(t *testing.T, e *echo.Echo, paths map[string]map[string]map[string]any) {
	t.Helper()
	for _, rt := range e.Routes() {
		if !documented(rt, paths) {
			t.Errorf("route %s %s is not in the OpenAPI document", rt.Method, rt.Path)
		}
	}
}

func TestGracefulShutdownFinishesInFlight(t *testing.T) {
	t.Parallel()
	s := storetest.Open(t, store.SQLite)
	a, _ := auth.New(s, auth.Options{Secret: []byte("0123456789abcdef0123456789abcdef"), BcryptCost: 4})
	srv, err := api.New(api.Options{Store: s, Auth: a, Logger: quiet, ShutdownTimeout: 5 * time.Second, ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	entered, release := make(chan struct{}), make(chan struct{})
	srv.Echo().GET("/slow", func(c echo.Context) error {
		close(entered)
		<-release
		return c.String(200, "done")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()

	got := make(chan string, 1)
	go func() {
		res, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			got <- "error: " + err.Error()
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		got <- string(b)
	}()
	<-entered
	cancel() // SIGTERM arrives while the request is in flight
	select {
	case err := <-served:
		t.Fatalf("server stopped before the in-flight request finished: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	// New connections are refused while draining.
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Fatal("listener still accepting during shutdown")
	}
	close(release)
	if body := <-got; body != "done" {
		t.Fatalf("in-flight request got %q", body)
	}
	if err := <-served; err != nil {
		t.Fatalf("serve returned %v", err)
	}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))
