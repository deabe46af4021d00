package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
	"github.com/ipcc/ipcc/webhook"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestSignAndVerify(t *testing.T) {
	body := []byte(`{"id":"voicemail-1"}`)
	now := time.Unix(1_800_000_000, 0)
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	sig, err := webhook.Sign("msg_1", now.Unix(), body, secret)
	if err != nil {
		t.Fatal(err)
	}
	ts := "1800000000"
	tests := []struct {
		name, secret, id, sig, ts string
		body                      []byte
		at                        time.Time
		ok                        bool
	}{
		{"valid signature passes", secret, "msg_1", sig, ts, body, now, true},
		{"wrong secret fails", "whsec_" + "QUJDREVGR0hJSktMTU5PUFFSU1RVVldY", "msg_1", sig, ts, body, now, false},
		{"changed body fails", secret, "msg_1", sig, ts, []byte(`{"id":"voicemail-2"}`), now, false},
		{"another message id fails", secret, "msg_2", sig, ts, body, now, false},
		{"replayed with another timestamp fails", secret, "msg_1", sig, "1800000001", body, now.Add(time.Second), false},
		{"stale timestamp fails", secret, "msg_1", sig, ts, body, now.Add(10 * time.Minute), false},
		{"missing version fails", secret, "msg_1", sig[len("v1,"):], ts, body, now, false},
		{"bad timestamp fails", secret, "msg_1", sig, "yesterday", body, now, false},
		{"one of several signatures is enough", secret, "msg_1", "v1,bm90IGl0 " + sig, ts, body, now, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := webhook.Verify(tc.secret, tc.id, tc.ts, tc.sig, tc.body, tc.at, 5*time.Minute)
			if (err == nil) != tc.ok {
				t.Fatalf("Verify = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

// TestStandardWebhooksVector checks the signature against the example of
// the Standard Webhooks specification (its reference libraries' test).
func TestStandardWebhooksVector(t *testing.T) {
	got, err := webhook.Signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, []byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Fatalf("signature %s, want %s", got, want)
	}
}

// receiver is a real HTTP endpoint that verifies every request and can be
// told to fail the first n.
type receiver struct {
	t      *testing.T
	secret string
	mu     sync.Mutex
	fail   int
	calls  int
	events map[string]int // event id -> accepted deliveries
	bodies []webhook.Event
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if err := webhook.Verify(r.secret, req.Header.Get(webhook.HeaderID), req.Header.Get(webhook.HeaderTimestamp), req.Header.Get(webhook.HeaderSignature), body, time.Now(), time.Minute); err != nil {
		r.t.Errorf("delivery not verified: %v", err)
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if r.fail > 0 {
		r.fail--
		http.Error(w, "temporarily broken", http.StatusInternalServerError)
		return
	}
	var ev webhook.Event
	if err := json.Unmarshal(body, &ev); err != nil {
		r.t.Errorf("body: %v", err)
	}
	if ev.ID != req.Header.Get(webhook.HeaderID) || ev.Type != req.Header.Get(webhook.HeaderEvent) {
		r.t.Errorf("headers %v do not match body %+v", req.Header, ev)
	}
	r.events[ev.ID]++
	r.bodies = append(r.bodies, ev)
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) count(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.events[id]
}

func waitFor(t *testing.T, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func start(t *testing.T, s *store.Store) (stop func()) {
	t.Helper()
	d, err := webhook.New(webhook.Options{Store: s, Logger: quiet, Egress: mustPolicy(t, "127.0.0.0/8"), PollInterval: 20 * time.Millisecond, MaxAttempts: 3,
		Backoff: func(int) time.Duration { return 10 * time.Millisecond }, QueueSize: 4, Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = d.Run(ctx); close(done) }()
	return func() { cancel(); <-done }
}

func TestVoicemailEventDelivery(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		rcv := &receiver{t: t, secret: "0123456789abcdef", fail: 2, events: map[string]int{}}
		hs := httptest.NewServer(rcv)
		defer hs.Close()
		if err := s.CreateWebhook(ctx, &store.Webhook{TenantID: "a", ID: "crm", URL: hs.URL, Secret: rcv.secret, Events: []string{webhook.EventVoicemailNew}, Enabled: true}); err != nil {
			t.Fatal(err)
		}
		// A disabled endpoint and another tenant's message must not reach it.
		if err := s.CreateWebhook(ctx, &store.Webhook{TenantID: "a", ID: "off", URL: hs.URL, Secret: "x", Events: []string{webhook.EventVoicemailNew}, Enabled: false}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateMailbox(ctx, &store.Mailbox{TenantID: "a", ID: "sales", Name: "Sales desk", OwnerType: store.MailboxOwnerQueue, OwnerID: "sales"}); err != nil {
			t.Fatal(err)
		}
		m1 := &store.VoicemailMessage{TenantID: "a", Mailbox: "sales", Caller: "13800138000", CallID: "c1", Path: "/x/1.wav", DurationMS: 3000}
		other := &store.VoicemailMessage{TenantID: "b", Mailbox: "sales", Caller: "1", Path: "/x/b.wav"}
		for _, m := range []*store.VoicemailMessage{m1, other} {
			if err := s.AddVoicemail(ctx, m); err != nil {
				t.Fatal(err)
			}
		}

		stop := start(t, s)
		id1 := webhook.VoicemailEventID(m1.ID)
		waitFor(t, "first message delivered after two HTTP 500s", func() bool { return rcv.count(id1) == 1 })
		// The receiver answers before the outcome is stored: stopping now
		// would leave the delivery pending until its lease expires.
		waitFor(t, "delivery stored as delivered", func() bool {
			ds, _ := s.ListWebhookDeliveries(ctx, "a", "crm", 10)
			return len(ds) == 1 && ds[0].Status == store.DeliveryDelivered
		})
		stop()
		ds, err := s.ListWebhookDeliveries(ctx, "a", "crm", 10)
		if err != nil || len(ds) != 1 {
			t.Fatalf("deliveries %+v %v", ds, err)
		}
		if d := ds[0]; d.Status != store.DeliveryDelivered || d.Attempts != 3 || d.LastStatus != 204 {
			t.Fatalf("delivery outcome %+v", d)
		}
		if off, _ := s.ListWebhookDeliveries(ctx, "a", "off", 10); len(off) != 0 {
			t.Fatalf("disabled endpoint got %+v", off)
		}
		rcv.mu.Lock()
		data, _ := json.Marshal(rcv.bodies[0].Data)
		rcv.mu.Unlock()
		var vd webhook.VoicemailData
		json.Unmarshal(data, &vd)
		if vd.Caller != "13800138000" || vd.MailboxName != "Sales desk" || vd.OwnerType != "queue" || vd.DurationMS != 3000 {
			t.Fatalf("event data %+v", vd)
		}

		// A new dispatcher (a restart) announces only the new message.
		m2 := &store.VoicemailMessage{TenantID: "a", Mailbox: "sales", Caller: "13900139000", Path: "/x/2.wav"}
		if err := s.AddVoicemail(ctx, m2); err != nil {
			t.Fatal(err)
		}
		stop = start(t, s)
		id2 := webhook.VoicemailEventID(m2.ID)
		waitFor(t, "second message delivered", func() bool { return rcv.count(id2) == 1 })
		time.Sleep(100 * time.Millisecond) // a few more polls
		stop()
		if n := rcv.count(id1); n != 1 {
			t.Fatalf("first message delivered %d times across the restart", n)
		}
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		if len(rcv.events) != 2 {
			t.Fatalf("events received: %v", rcv.events)
		}
	})
}

func TestDeliveryGivesUp(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		rcv := &receiver{t: t, secret: "0123456789abcdef", fail: 100, events: map[string]int{}}
		hs := httptest.NewServer(rcv)
		defer hs.Close()
		if err := s.CreateWebhook(ctx, &store.Webhook{TenantID: "a", ID: "crm", URL: hs.URL, Secret: rcv.secret, Events: []string{webhook.EventVoicemailNew}, Enabled: true}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddVoicemail(ctx, &store.VoicemailMessage{TenantID: "a", Mailbox: "m", Path: "/x.wav"}); err != nil {
			t.Fatal(err)
		}
		stop := start(t, s)
		defer stop()
		waitFor(t, "delivery a dead letter after 3 attempts", func() bool {
			ds, _ := s.ListWebhookDeliveries(ctx, "a", "crm", 10)
			return len(ds) == 1 && ds[0].Status == store.DeliveryDead
		})
		ds, _ := s.ListWebhookDeliveries(ctx, "a", "crm", 10)
		if ds[0].Attempts != 3 || ds[0].LastStatus != 500 || ds[0].LastError == "" {
			t.Fatalf("failed delivery %+v", ds[0])
		}
		rcv.mu.Lock()
		defer rcv.mu.Unlock()
		if rcv.calls != 3 {
			t.Fatalf("endpoint called %d times, want 3", rcv.calls)
		}
	})
}

func TestDefaultBackoff(t *testing.T) {
	for _, tc := range []struct {
		attempt int
		want    time.Duration
	}{{1, 10 * time.Second}, {2, 20 * time.Second}, {3, 40 * time.Second}, {20, time.Hour}} {
		if got := webhook.DefaultBackoff(tc.attempt); got != tc.want {
			t.Errorf("attempt %d: %s, want %s", tc.attempt, got, tc.want)
		}
	}
}

func TestPingIsSignedAndDelivered(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		rcv := &receiver{t: t, secret: "0123456789abcdef", events: map[string]int{}}
		hs := httptest.NewServer(rcv)
		defer hs.Close()
		// Subscribed to voicemail only: a ping still reaches it.
		if err := s.CreateWebhook(ctx, &store.Webhook{TenantID: "a", ID: "crm", URL: hs.URL, Secret: rcv.secret, Events: []string{webhook.EventVoicemailNew}, Enabled: true}); err != nil {
			t.Fatal(err)
		}
		id, body, err := webhook.Ping("a", "crm", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := s.QueueDelivery(ctx, &store.WebhookDelivery{TenantID: "a", WebhookID: "crm", EventID: id, EventType: webhook.EventPing, Payload: body}); err != nil {
			t.Fatal(err)
		}
		stop := start(t, s)
		defer stop()
		waitFor(t, "ping delivered", func() bool { return rcv.count(id) == 1 })
	})
}
