package webhook_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
	"github.com/ipcc/ipcc/webhook"
)

// seqReceiver verifies every delivery with any of its secrets, fails the
// deliveries fail says (by event type) and notes the order of the others.
type seqReceiver struct {
	t       *testing.T
	secrets []string
	mu      sync.Mutex
	fail    func(ev webhook.Event) bool
	got     []webhook.Event
	calls   int
	sigs    []string
}

func (r *seqReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	ok := false
	for _, s := range r.secrets {
		if webhook.Verify(s, req.Header.Get(webhook.HeaderID), req.Header.Get(webhook.HeaderTimestamp), req.Header.Get(webhook.HeaderSignature), body, time.Now(), time.Minute) == nil {
			ok = true
		}
	}
	if !ok {
		r.t.Errorf("delivery not verified with %d secrets: %s", len(r.secrets), req.Header.Get(webhook.HeaderSignature))
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	r.sigs = append(r.sigs, req.Header.Get(webhook.HeaderSignature))
	var ev webhook.Event
	if err := json.Unmarshal(body, &ev); err != nil {
		r.t.Errorf("body: %v", err)
	}
	if r.fail != nil && r.fail(ev) {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	r.got = append(r.got, ev)
	w.WriteHeader(http.StatusOK)
}

func (r *seqReceiver) types(call string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, ev := range r.got {
		if call == "" || ev.CallID == call {
			out = append(out, ev.Type)
		}
	}
	return out
}

func (r *seqReceiver) setFail(f func(ev webhook.Event) bool) {
	r.mu.Lock()
	r.fail = f
	r.mu.Unlock()
}

// runAll starts an outbox and a dispatcher on s.
func runAll(t *testing.T, s *store.Store, o webhook.Options) (*webhook.Outbox, func()) {
	t.Helper()
	if o.Egress == nil {
		o.Egress = mustPolicy(t, "127.0.0.0/8")
	}
	o.Store, o.Logger = s, quiet
	if o.PollInterval == 0 {
		o.PollInterval = 20 * time.Millisecond
	}
	d, err := webhook.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ob, err := webhook.NewOutbox(webhook.OutboxOptions{Store: s, Logger: quiet, Committed: d.Wake})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); _ = d.Run(ctx) }()
	go func() { defer wg.Done(); _ = ob.Run(ctx) }()
	return ob, func() { cancel(); wg.Wait() }
}

func TestCallEventsKeepTheirOrderBehindAFailingOne(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		// The first event of call c1 fails until every event of c2 has
		// arrived (at least three times): c1's later events wait for it,
		// c2's are not held back.
		failed := 0
		rcv := &seqReceiver{t: t, secrets: []string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}}
		rcv.fail = func(ev webhook.Event) bool { // rcv.mu held
			if ev.CallID != "c1" || ev.Type != webhook.EventCallArrived {
				return false
			}
			c2 := 0
			for _, g := range rcv.got {
				if g.CallID == "c2" {
					c2++
				}
			}
			if failed < 3 || c2 < 5 {
				failed++
				return true
			}
			return false
		}
		hs := httptest.NewServer(rcv)
		defer hs.Close()
		if err := s.CreateWebhook(ctx, &store.Webhook{TenantID: "a", ID: "crm", URL: hs.URL, Secret: rcv.secrets[0], Events: []string{"call.*"}, Enabled: true}); err != nil {
			t.Fatal(err)
		}
		ob, stop := runAll(t, s, webhook.Options{Backoff: func(int) time.Duration { return 50 * time.Millisecond }, Workers: 8, QueueSize: 16})
		defer stop()
		seq := []string{webhook.EventCallArrived, webhook.EventCallQueued, webhook.EventCallOffered, webhook.EventCallAnswered, webhook.EventCallEnded}
		for _, typ := range seq {
			for _, call := range []string{"c1", "c2"} {
				if err := ob.Emit(ctx, "a", typ, call, map[string]string{"call": call}); err != nil {
					t.Fatal(err)
				}
			}
		}
		// Not subscribed (agent.*), and another tenant's: never delivered.
		if err := ob.Emit(ctx, "a", webhook.EventAgentState, "", map[string]string{}); err != nil {
			t.Fatal(err)
		}
		if err := ob.Emit(ctx, "b", webhook.EventCallArrived, "c9", map[string]string{}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "every event of both calls", func() bool { return len(rcv.types("")) == 10 })
		for _, call := range []string{"c1", "c2"} {
			if got := rcv.types(call); !slices.Equal(got, seq) {
				t.Errorf("call %s delivered as %v, want %v", call, got, seq)
			}
		}
		rcv.mu.Lock()
		failures := failed
		rcv.mu.Unlock()
		var ds []store.WebhookDelivery
		waitFor(t, "outcomes stored", func() bool {
			ds, _ = s.FindWebhookDeliveries(ctx, "a", "crm", store.DeliveryFilter{CallID: "c1", Status: store.DeliveryDelivered})
			return len(ds) == len(seq)
		})
		for _, d := range ds {
			if d.Status != store.DeliveryDelivered || (d.EventType == webhook.EventCallArrived && d.Attempts != failures+1) {
				t.Errorf("delivery %+v", d)
			}
		}
	})
}

func TestRotationSignsWithBothSecretsDuringTheOverlap(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		oldSecret, _ := webhook.NewSecret()
		newSecret, _ := webhook.NewSecret()
		onlyOld := &seqReceiver{t: t, secrets: []string{oldSecret}}
		hs := httptest.NewServer(onlyOld)
		defer hs.Close()
		until := time.Now().Add(time.Hour)
		h := &store.Webhook{TenantID: "a", ID: "crm", URL: hs.URL, Secret: newSecret, PreviousSecret: oldSecret, PreviousUntil: &until, Events: []string{"*"}, Enabled: true}
		if err := s.CreateWebhook(ctx, h); err != nil {
			t.Fatal(err)
		}
		ob, stop := runAll(t, s, webhook.Options{})
		defer stop()
		if err := ob.Emit(ctx, "a", webhook.EventCallOffered, "c1", nil); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "delivery verified with the previous secret", func() bool { return len(onlyOld.types("")) == 1 })
		onlyOld.mu.Lock()
		sig := onlyOld.sigs[0]
		onlyOld.mu.Unlock()
		if n := len(slices.DeleteFunc(splitFields(sig), func(s string) bool { return s == "" })); n != 2 {
			t.Fatalf("signature header %q carries %d signatures, want 2", sig, n)
		}
		// Once the overlap is over only the new secret signs: the old
		// receiver refuses.
		past := time.Now().Add(-time.Second)
		h.PreviousUntil = &past
		if err := s.UpdateWebhook(ctx, h); err != nil {
			t.Fatal(err)
		}
		time.Sleep(1100 * time.Millisecond) // the dispatcher caches an endpoint for a second
		onlyOld.secrets = []string{newSecret}
		if err := ob.Emit(ctx, "a", webhook.EventCallEnded, "c1", nil); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "delivery with the new secret only", func() bool { return len(onlyOld.types("")) == 2 })
		onlyOld.mu.Lock()
		defer onlyOld.mu.Unlock()
		if n := len(splitFields(onlyOld.sigs[len(onlyOld.sigs)-1])); n != 1 {
			t.Fatalf("after the overlap %d signatures were sent, want 1", n)
		}
	})
}

func splitFields(s string) []string {
	var out []string
	cur := ""
	for _, r := range s {
		if r == ' ' {
			out = append(out, cur)
			cur = ""
			continue
		}
		cur += string(r)
	}
	return append(out, cur)
}

func TestDeadLettersReplayAndRecoveredEndpointDrains(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		rcv := &seqReceiver{t: t, secrets: []string{"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, fail: func(webhook.Event) bool { return true }}
		hs := httptest.NewServer(rcv)
		defer hs.Close()
		if err := s.CreateWebhook(ctx, &store.Webhook{TenantID: "a", ID: "crm", URL: hs.URL, Secret: rcv.secrets[0], Events: []string{"*"}, Enabled: true}); err != nil {
			t.Fatal(err)
		}
		// MaxAge 300 ms with 100 ms backoff: dead after a few attempts.
		ob, stop := runAll(t, s, webhook.Options{MaxAge: 300 * time.Millisecond, Backoff: func(int) time.Duration { return 100 * time.Millisecond }})
		if err := ob.Emit(ctx, "a", webhook.EventRecordingReady, "c1", map[string]int{"n": 1}); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "a dead letter", func() bool {
			ds, _ := s.FindWebhookDeliveries(ctx, "a", "crm", store.DeliveryFilter{Status: store.DeliveryDead})
			return len(ds) == 1
		})
		stop()
		// Replay once the endpoint works: delivered, replays counted.
		rcv.setFail(nil)
		n, err := s.ReplayDeliveries(ctx, "a", "crm", nil)
		if err != nil || n != 1 {
			t.Fatalf("replay = %d, %v", n, err)
		}
		if n, _ := s.ReplayDeliveries(ctx, "b", "crm", nil); n != 0 {
			t.Fatalf("another tenant replayed %d", n)
		}
		// Backoff of an hour: only the recovery makes the backlog due.
		rcv.setFail(func(ev webhook.Event) bool { return ev.Type == webhook.EventCallArrived })
		ob, stop = runAll(t, s, webhook.Options{Backoff: func(int) time.Duration { return time.Hour }})
		defer stop()
		waitFor(t, "the replayed delivery", func() bool { return len(rcv.types("c1")) == 1 })
		var ds []store.WebhookDelivery
		waitFor(t, "the replayed delivery stored", func() bool {
			ds, _ = s.FindWebhookDeliveries(ctx, "a", "crm", store.DeliveryFilter{CallID: "c1"})
			return len(ds) == 1 && ds[0].Status != store.DeliveryPending
		})
		if len(ds) != 1 || ds[0].Status != store.DeliveryDelivered || ds[0].Replays != 1 {
			t.Fatalf("replayed delivery %+v", ds)
		}
		for _, c := range []string{"c2", "c3"} {
			if err := ob.Emit(ctx, "a", webhook.EventCallArrived, c, nil); err != nil {
				t.Fatal(err)
			}
		}
		waitFor(t, "both in backoff", func() bool {
			ds, _ := s.FindWebhookDeliveries(ctx, "a", "crm", store.DeliveryFilter{Status: store.DeliveryPending})
			return len(ds) == 2 && ds[0].LastError != "" && ds[1].LastError != ""
		})
		rcv.setFail(nil)
		if err := ob.Emit(ctx, "a", webhook.EventCallEnded, "c4", nil); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the backlog drained after the endpoint answered again", func() bool { return len(rcv.types("")) == 4 })
		waitFor(t, "every outcome stored", func() bool {
			st, err := s.WebhookDeliveryStats(ctx, "a", "crm", time.Now().Add(-time.Hour))
			return err == nil && st.Delivered == 4 && st.Dead == 0 && st.Pending == 0
		})
	})
}
