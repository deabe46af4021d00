package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipcc/ipcc/egress"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
	"github.com/ipcc/ipcc/webhook"
)

// Deliveries go through the platform's egress policy: by default an
// endpoint on loopback (or any private or metadata address) is never
// reached, and the delivery's error says what any failure says, so a
// tenant admin cannot scan the controller's network with webhook URLs.
func TestDeliveriesGoThroughTheEgressPolicy(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var hits atomic.Int32
		internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			_, _ = w.Write([]byte("internal service answer"))
		}))
		defer internal.Close()
		closed := httptest.NewServer(http.NotFoundHandler())
		closedURL := closed.URL
		closed.Close()
		endpoints := func(tenant string, hooks map[string]string) {
			for id, u := range hooks {
				if err := s.CreateWebhook(ctx, &store.Webhook{TenantID: tenant, ID: id, URL: u, Secret: "0123456789abcdef", Events: []string{webhook.EventVoicemailNew}, Enabled: true}); err != nil {
					t.Fatal(err)
				}
			}
			if err := s.AddVoicemail(ctx, &store.VoicemailMessage{TenantID: tenant, Mailbox: "m", Path: "/x.wav"}); err != nil {
				t.Fatal(err)
			}
		}
		// The default policy for "internal" and "metadata" (tenant a); then,
		// for a closed port, loopback is allowed, so only the port's state
		// differs (tenant b).
		for _, pol := range []*egress.Policy{nil, mustPolicy(t, "127.0.0.0/8")} {
			tenant := "a"
			if pol == nil {
				endpoints(tenant, map[string]string{"internal": internal.URL, "metadata": "http://169.254.169.254/latest/meta-data"})
			} else {
				tenant = "b"
				endpoints(tenant, map[string]string{"closed": closedURL})
			}
			d, err := webhook.New(webhook.Options{Store: s, Logger: quiet, Egress: pol, Timeout: 2 * time.Second, PollInterval: 20 * time.Millisecond,
				MaxAttempts: 1, Backoff: func(int) time.Duration { return 10 * time.Millisecond }})
			if err != nil {
				t.Fatal(err)
			}
			rctx, cancel := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { _ = d.Run(rctx); close(done) }()
			ids := []string{"internal", "metadata"}
			if pol != nil {
				ids = []string{"closed"}
			}
			for _, id := range ids {
				waitFor(t, id+" delivery finished", func() bool {
					ds, _ := s.ListWebhookDeliveries(ctx, tenant, id, 10)
					return len(ds) == 1 && ds[0].Status != store.DeliveryPending
				})
				ds, _ := s.ListWebhookDeliveries(ctx, tenant, id, 10)
				if ds[0].Status != store.DeliveryDead || ds[0].LastStatus != 0 || ds[0].LastError != egress.Failed {
					t.Errorf("%s: %+v, want failed with %q", id, ds[0], egress.Failed)
				}
			}
			cancel()
			<-done
		}
		if n := hits.Load(); n != 0 {
			t.Fatalf("the internal service was reached %d times", n)
		}
		if strings.Contains(egress.Failed, "refused") {
			t.Fatal("the neutral message names a port state")
		}
	})
}

func mustPolicy(t *testing.T, allow ...string) *egress.Policy {
	t.Helper()
	p, err := egress.New(allow, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
