package crm_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipcc/ipcc/crm"
	"github.com/ipcc/ipcc/egress"
	"github.com/ipcc/ipcc/inbound"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestLookupCachesFallsBackAndObeysEgress(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var calls, down atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			if down.Load() == 1 {
				http.Error(w, "maintenance", http.StatusServiceUnavailable)
				return
			}
			if r.URL.Query().Get("n") != "+8613800138000" || r.URL.Query().Get("d") != "4008" {
				http.NotFound(w, r)
				return
			}
			io.WriteString(w, `{"name":"韩梅梅","vip":true,"language":"zh","preferred_agent":"1002","vars":{"tier":"gold"}}`)
		}))
		defer srv.Close()
		if err := s.PutScreenPop(ctx, &store.ScreenPop{TenantID: "a", Mode: "link", LookupURL: srv.URL + "/l?n={caller}&d={did}", LookupTimeoutMS: 500, LookupCacheMS: 1000}); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		clock := func() time.Time { return now }
		loop, _ := egress.New([]string{"127.0.0.0/8"}, nil)
		l := crm.NewLookup(crm.LookupOptions{Store: s, HTTP: loop.Client(0), Logger: quiet, Now: clock})
		q := inbound.LookupQuery{Tenant: "a", Caller: "+8613800138000", DID: "4008", CallID: "c1"}
		res, err := l.LookupCaller(ctx, q)
		if err != nil || res.Name != "韩梅梅" || !res.VIP || res.Language != "zh" || res.PreferredAgent != "1002" || res.Vars["tier"] != "gold" || res.Source != "crm" {
			t.Fatalf("first answer %+v %v", res, err)
		}
		if res, err = l.LookupCaller(ctx, q); err != nil || res.Source != "cache" || calls.Load() != 1 {
			t.Fatalf("second answer %+v %v after %d calls", res, err, calls.Load())
		}
		// Expired and the CRM is down: the last answer, marked fallback.
		now = now.Add(2 * time.Second)
		down.Store(1)
		if res, err = l.LookupCaller(ctx, q); err != nil || res.Source != "fallback" || res.Name != "韩梅梅" || calls.Load() != 2 {
			t.Fatalf("fallback %+v %v", res, err)
		}
		// Unknown caller (404): an empty answer, not an error.
		down.Store(0)
		if res, err = l.LookupCaller(ctx, inbound.LookupQuery{Tenant: "a", Caller: "1"}); err != nil || res.Name != "" {
			t.Fatalf("unknown caller %+v %v", res, err)
		}
		// No cached answer and the CRM down: an error (routing goes on
		// without).
		down.Store(1)
		if _, err = l.LookupCaller(ctx, inbound.LookupQuery{Tenant: "a", Caller: "2"}); err == nil {
			t.Fatal("no error with the CRM down and nothing cached")
		}
		// Another tenant has no lookup.
		if _, err = l.LookupCaller(ctx, inbound.LookupQuery{Tenant: "b", Caller: "2"}); !errors.Is(err, crm.ErrNoLookup) {
			t.Fatalf("tenant b: %v", err)
		}
		// The default egress policy refuses loopback: the tenant's URL
		// cannot reach the controller's own network.
		strict := crm.NewLookup(crm.LookupOptions{Store: s, HTTP: egress.Default().Client(0), Logger: quiet})
		before := calls.Load()
		if _, err = strict.LookupCaller(ctx, inbound.LookupQuery{Tenant: "a", Caller: "3"}); err == nil || calls.Load() != before {
			t.Fatalf("egress not applied: %v (calls %d → %d)", err, before, calls.Load())
		}
	})
}

func TestRender(t *testing.T) {
	v := crm.PopVars{Tenant: "a", CallID: "c1", Caller: "+86 138", DID: "4008", Queue: "sales", Agent: "1001", Vars: map[string]string{"acct": "x/y", "caller_name": "Li"}}
	for _, tc := range []struct{ tmpl, want, err string }{
		{"https://crm.example.com/c?tel={caller}&q={queue}&a={agent}&v={var.acct}&n={caller_name}&m={var.missing}", "https://crm.example.com/c?tel=%2B86+138&q=sales&a=1001&v=x%2Fy&n=Li&m=", ""},
		{"https://crm.example.com/{nope}", "", "unknown variable {nope}"},
		{"{caller}", "", "absolute http(s) URL"},
		{"https://user:pw@crm.example.com/{caller}", "", "credentials"},
	} {
		got, err := crm.Render(tc.tmpl, v)
		if tc.err != "" {
			if err == nil || !contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.tmpl, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s: %s %v, want %s", tc.tmpl, got, err, tc.want)
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
