package webhook_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
	"github.com/ipcc/ipcc/webhook"
)

// Only a 2xx from the configured URL is success: a redirect is not
// followed (it would turn the POST into a GET elsewhere, count that
// page's 200 as delivered and let a receiver point the controller at any
// address), it is a failed attempt like any other non-2xx answer.
func TestRedirectIsNotFollowed(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var elsewhere atomic.Int32
		target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			elsewhere.Add(1)
			w.WriteHeader(http.StatusOK)
		}))
		defer target.Close()
		hop := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, target.URL+"/internal", http.StatusFound)
		}))
		defer hop.Close()
		if err := s.CreateWebhook(ctx, &store.Webhook{TenantID: "a", ID: "crm", URL: hop.URL, Secret: "0123456789abcdef", Events: []string{webhook.EventVoicemailNew}, Enabled: true}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddVoicemail(ctx, &store.VoicemailMessage{TenantID: "a", Mailbox: "m", Path: "/x.wav"}); err != nil {
			t.Fatal(err)
		}
		// As serve builds it, with loopback allowed for the test servers.
		d, err := webhook.New(webhook.Options{Store: s, Logger: quiet, Egress: mustPolicy(t, "127.0.0.0/8"), Timeout: 5 * time.Second, PollInterval: 20 * time.Millisecond,
			MaxAttempts: 2, Backoff: func(int) time.Duration { return 10 * time.Millisecond }})
		if err != nil {
			t.Fatal(err)
		}
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { _ = d.Run(rctx); close(done) }()
		defer func() { cancel(); <-done }()
		waitFor(t, "delivery finished", func() bool {
			ds, _ := s.ListWebhookDeliveries(ctx, "a", "crm", 10)
			return len(ds) == 1 && ds[0].Status != store.DeliveryPending
		})
		ds, _ := s.ListWebhookDeliveries(ctx, "a", "crm", 10)
		if ds[0].Status != store.DeliveryDead || ds[0].LastStatus != http.StatusFound {
			t.Fatalf("redirected delivery %+v, want failed with 302", ds[0])
		}
		if n := elsewhere.Load(); n != 0 {
			t.Fatalf("the redirect target was called %d times", n)
		}
	})
}
