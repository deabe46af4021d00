package api_test

import (
	"strings"
	"testing"

	"github.com/ipcc/ipcc/api"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// NUL bytes and invalid UTF-8 never reach the database (PostgreSQL refuses
// both in text, which gave 500s): a JSON field, a query parameter, a path
// parameter or a header holding one is refused with a 400 naming it.
func TestNULAndInvalidUTF8AreRefusedNamingTheField(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		su, tok := e.setup()
		adm := bearer(tok["a/admin"])
		tests := []struct {
			name   string
			method string
			path   string
			body   any
			hdr    []string
			field  string
		}{
			{"NUL in a JSON string", "POST", "/api/v1/tenants", `{"id":"cc","name":"Acme\u0000"}`, bearer(su), "name"},
			{"invalid UTF-8 in a JSON string", "POST", "/api/v1/tenants", "{\"id\":\"cc\",\"name\":\"Acme\xff\"}", bearer(su), "name"},
			{"NUL in a nested field", "POST", "/api/v1/users", `{"username":"x","role":"agent","password":"password-x","display_name":"a\u0000"}`, adm, "display_name"},
			{"NUL in an object key", "POST", "/api/v1/users", `{"user\u0000name":"x"}`, adm, `user\x00name`},
			{"NUL in a query parameter", "GET", "/api/v1/audit?actor_id=%00", nil, adm, "actor_id"},
			{"invalid UTF-8 in a query parameter", "GET", "/api/v1/audit?object_type=%ff", nil, adm, "object_type"},
			{"NUL in a path parameter", "GET", "/api/v1/users/ab%00cd", nil, adm, "id"},
			{"invalid UTF-8 in a path parameter", "GET", "/api/v1/users/ab%C3%28", nil, adm, "id"},
			{"invalid UTF-8 in the tenant header", "GET", "/api/v1/users", nil, append(bearer(su), api.TenantHeader, "a\xff"), api.TenantHeader},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := e.do(tt.method, tt.path, tt.body, tt.hdr...)
				if r.Status != 400 {
					t.Fatalf("status %d, want 400: %s", r.Status, r.Body)
				}
				if _, field := r.errCode(t); field != tt.field {
					t.Fatalf("field %q, want %q: %s", field, tt.field, r.Body)
				}
			})
		}
	})
}

// A login whose username holds a NUL or invalid UTF-8 fails like any bad
// login (401) and is audited, with the name made printable.
func TestLoginWithNULIsAudited(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		su := e.login("", "admin", e.suPass)
		for _, body := range []string{`{"username":"ad\u0000min","password":"x-password","tenant":""}`, "{\"username\":\"ad\xffmin\",\"password\":\"x-password\"}"} {
			if r := e.do("POST", "/api/v1/auth/login", body); r.Status != 401 {
				t.Fatalf("login %q: %d %s", body, r.Status, r.Body)
			}
		}
		if r := e.do("POST", "/api/v1/auth/login", `{"username":"admin","password":"x\u0000"}`); r.Status != 401 {
			t.Fatalf("NUL password: %d %s", r.Status, r.Body)
		}
		var es []store.AuditEntry
		r := e.do("GET", "/api/v1/audit", nil, bearer(su)...)
		r.json(t, &es)
		var failed []store.AuditEntry
		for _, x := range es {
			if x.Action == "POST /api/v1/auth/login" && x.Status == 401 {
				failed = append(failed, x)
			}
		}
		if len(failed) != 3 {
			t.Fatalf("failed logins audited: %d of 3: %+v", len(failed), es)
		}
		for _, x := range failed {
			if strings.ContainsRune(x.ObjectID, 0) || strings.ContainsRune(x.Detail, 0) || strings.Contains(x.Detail, `\u0000`) {
				t.Errorf("audit row keeps the NUL: %+v", x)
			}
		}
	})
}

// A request id sent by the client that is not plain text is replaced, so
// the audit row is still written.
func TestBadRequestIDIsReplaced(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		su := e.login("", "admin", e.suPass)
		r := e.do("POST", "/api/v1/tenants", map[string]string{"id": "cc", "name": "C"}, append(bearer(su), "X-Request-ID", "id-\xff-"+strings.Repeat("x", 300))...)
		if r.Status != 201 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		var es []store.AuditEntry
		e.do("GET", "/api/v1/audit", nil, bearer(su)...).json(t, &es)
		if len(es) == 0 || es[0].ObjectID != "cc" || es[0].RequestID == "" || strings.Contains(es[0].RequestID, "\xff") || len(es[0].RequestID) > 128 {
			t.Fatalf("audit %+v", es)
		}
	})
}
