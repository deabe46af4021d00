package api_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/ipcc/ipcc/api"
	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// newProxiedEnv is an API behind a trusted proxy on 127.0.0.1 (so tests
// choose the client address with X-Forwarded-For) with a login throttle on
// a clock the test moves.
func newProxiedEnv(t *testing.T, s *store.Store, th func(now func() time.Time) *auth.Throttle) (*env, *movableClock) {
	t.Helper()
	clk := &movableClock{t: time.Now()}
	a, err := auth.New(s, auth.Options{Secret: []byte("0123456789abcdef0123456789abcdef"), TokenTTL: time.Hour, BcryptCost: 4})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Bootstrap(context.Background(), "super-secret-pw"); err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Options{Store: s, Auth: a, BodyLimit: 4096, Version: "test", Logger: quiet,
		TrustedProxies: []string{"127.0.0.1"}, LoginThrottle: th(clk.now)})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: s, auth: a, srv: srv, suPass: "super-secret-pw"}
	e.http = newTestServer(t, srv)
	return e, clk
}

func (e *env) loginFrom(addr, tenant, user, pw string) resp {
	e.t.Helper()
	return e.do("POST", "/api/v1/auth/login", map[string]string{"username": user, "password": pw, "tenant": tenant}, "X-Forwarded-For", addr)
}

// Failed logins slow down: after 5 for one account from one address that
// address waits (429 with Retry-After, even with the right password), the
// wait doubles with each further failure, a success resets it; the real
// user logging in from elsewhere is not held back; an address trying many
// accounts is limited on its own. Every attempt is audited with the
// client's address.
func TestLoginLimits(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e, clk := newProxiedEnv(t, s, func(now func() time.Time) *auth.Throttle {
			return auth.NewThrottle(auth.ThrottleOptions{UserFailures: 5, AddressFailures: 12, UserTotalFailures: 50, MaxLockout: 15 * time.Minute, Now: now})
		})
		e.setup()
		const attacker, office = "198.51.100.66", "203.0.113.10"
		for i := 1; i <= 5; i++ {
			if r := e.loginFrom(attacker, "a", "agent1", "guess-"+strconv.Itoa(i)); r.Status != 401 {
				t.Fatalf("failure %d: %d %s", i, r.Status, r.Body)
			}
		}
		retry := func(r resp, want int) {
			t.Helper()
			if code, _ := r.errCode(t); r.Status != 429 || code != "too_many_attempts" || r.Header.Get("Retry-After") != strconv.Itoa(want) {
				t.Fatalf("want 429 retry after %d: %d %s (Retry-After %q)", want, r.Status, r.Body, r.Header.Get("Retry-After"))
			}
		}
		retry(e.loginFrom(attacker, "a", "agent1", "password-agent"), 1)
		// The agent at the office is not locked out.
		if r := e.loginFrom(office, "a", "agent1", "password-agent"); r.Status != 200 {
			t.Fatalf("the real user from elsewhere: %d %s", r.Status, r.Body)
		}
		// The attacker keeps failing: each failure doubles the wait.
		for i, wait := range []int{2, 4, 8} {
			clk.add(time.Duration(wait/2) * time.Second)
			if r := e.loginFrom(attacker, "a", "agent1", "more-guesses"); r.Status != 401 {
				t.Fatalf("guess %d after waiting: %d %s", i, r.Status, r.Body)
			}
			retry(e.loginFrom(attacker, "a", "agent1", "more-guesses"), wait)
		}
		// The right password after the wait works and resets the counter.
		clk.add(8 * time.Second)
		if r := e.loginFrom(attacker, "a", "agent1", "password-agent"); r.Status != 200 {
			t.Fatalf("after the wait: %d %s", r.Status, r.Body)
		}
		for i := 0; i < 4; i++ {
			if r := e.loginFrom(attacker, "a", "agent1", "typo"); r.Status != 401 {
				t.Fatalf("after a success, failure %d: %d", i+1, r.Status)
			}
		}
		// Spraying: one address trying a few passwords on many accounts
		// (here 12 failures over all accounts) is held back for all.
		const sprayer = "192.0.2.99"
		for i := 0; i < 12; i++ {
			u := []string{"admin1", "supervisor1", "nobody", "ghost"}[i%4]
			if r := e.loginFrom(sprayer, "a", u, "Winter2026!"); r.Status != 401 {
				t.Fatalf("spray %d: %d %s", i, r.Status, r.Body)
			}
		}
		retry(e.loginFrom(sprayer, "b", "admin1", "password-admin"), 1)
		if r := e.loginFrom(office, "b", "admin1", "password-admin"); r.Status != 200 {
			t.Fatalf("another address: %d", r.Status)
		}
		// Each attempt is on the audit log with its real address.
		var es []store.AuditEntry
		su := e.login("", "admin", e.suPass)
		e.do("GET", "/api/v1/audit?limit=1000", nil, append(bearer(su), api.TenantHeader, "a")...).json(t, &es)
		locked, failed := 0, 0
		for _, x := range es {
			if x.Action != "POST /api/v1/auth/login" {
				continue
			}
			switch {
			case x.Status == 429 && x.RemoteAddr == attacker:
				locked++
			case x.Status == 401 && x.RemoteAddr == attacker && x.ObjectID == "agent1":
				failed++
			}
		}
		if locked != 4 || failed != 12 {
			t.Fatalf("audited from the attacker: %d refused, %d failed; want 4 and 12", locked, failed)
		}
	})
}

// X-Forwarded-For and X-Real-IP are believed only from a trusted proxy;
// otherwise the audit row has the peer's own address.
func TestTrustedProxies(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		trusted []string
		hdr     []string
		want    string
	}{
		{"no proxy trusted: XFF ignored", nil, []string{"X-Forwarded-For", "203.0.113.9"}, "127.0.0.1"},
		{"no proxy trusted: X-Real-IP ignored", nil, []string{"X-Real-IP", "203.0.113.9"}, "127.0.0.1"},
		{"peer not trusted", []string{"10.0.0.0/8"}, []string{"X-Forwarded-For", "203.0.113.9"}, "127.0.0.1"},
		{"trusted peer: XFF client", []string{"127.0.0.1/32"}, []string{"X-Forwarded-For", "203.0.113.9"}, "203.0.113.9"},
		{"trusted chain: nearest untrusted", []string{"127.0.0.1", "10.0.0.0/8"}, []string{"X-Forwarded-For", "198.51.100.1, 203.0.113.9, 10.1.2.3"}, "203.0.113.9"},
		{"spoofed first hop behind one proxy", []string{"127.0.0.1"}, []string{"X-Forwarded-For", "1.2.3.4, 203.0.113.9"}, "203.0.113.9"},
		{"garbage in XFF", []string{"127.0.0.1"}, []string{"X-Forwarded-For", "not-an-ip"}, "127.0.0.1"},
		{"trusted peer: X-Real-IP", []string{"127.0.0.1"}, []string{"X-Real-IP", "203.0.113.7"}, "203.0.113.7"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := storetest.Open(t, store.SQLite)
			a, _ := auth.New(s, auth.Options{Secret: []byte("0123456789abcdef0123456789abcdef"), BcryptCost: 4})
			srv, err := api.New(api.Options{Store: s, Auth: a, Logger: quiet, TrustedProxies: tt.trusted})
			if err != nil {
				t.Fatal(err)
			}
			e := &env{t: t, store: s, auth: a, srv: srv}
			e.http = newTestServer(t, srv)
			e.do("POST", "/api/v1/auth/login", map[string]string{"username": "nobody", "password": "whatever-pw"}, tt.hdr...)
			es, err := s.ListAudit(context.Background(), "", store.AuditFilter{})
			if err != nil || len(es) != 1 || es[0].RemoteAddr != tt.want {
				t.Fatalf("audit %+v %v, want remote %s", es, err, tt.want)
			}
		})
	}
	s := storetest.Open(t, store.SQLite)
	a, _ := auth.New(s, auth.Options{Secret: []byte("0123456789abcdef0123456789abcdef"), BcryptCost: 4})
	if _, err := api.New(api.Options{Store: s, Auth: a, Logger: quiet, TrustedProxies: []string{"10.0.0.0/33"}}); err == nil {
		t.Fatal("a bad trusted proxy entry was accepted")
	}
}
