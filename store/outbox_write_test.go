package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// One WriteOutbox stores outcomes, queues events and claims in one
// transaction, in that order: the claim takes the next event of a call
// whose delivery the outcome finished and a new call's first event, never
// an event behind a pending one of its call.
func TestWriteOutboxOutcomesEventsAndClaimInOneTransaction(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.CreateWebhook(ctx, &store.Webhook{TenantID: "a", ID: "h", URL: "https://x", Secret: "0123456789abcdef", Events: []string{"*"}, Enabled: true}); err != nil {
			t.Fatal(err)
		}
		ev := func(id, call string) store.OutboxEvent {
			return store.OutboxEvent{TenantID: "a", EventID: id, EventType: "call.offered", CallID: call, Payload: "{}"}
		}
		at := time.Now()
		w, err := s.WriteOutbox(ctx, store.OutboxWrite{Events: []store.OutboxEvent{ev("c1-0", "c1"), ev("c1-1", "c1")},
			Claim: &store.ClaimRequest{At: at, Lease: time.Minute, Limit: 10}})
		if err != nil || w.Queued != 2 || len(w.Claimed) != 1 || w.Claimed[0].EventID != "c1-0" || w.Claimed[0].Attempts != 1 {
			t.Fatalf("first write: %+v %v", w, err)
		}
		first := w.Claimed[0]
		// c1-0 delivered, c1-2 and c2-0 emitted, one claim: c1-1 (made due
		// by the outcome) and c2-0, not c1-2 (behind c1-1).
		at = at.Add(time.Second)
		w, err = s.WriteOutbox(ctx, store.OutboxWrite{
			Events:   []store.OutboxEvent{ev("c1-2", "c1"), ev("c2-0", "c2")},
			Outcomes: []store.DeliveryOutcome{{ID: first.ID, TenantID: "a", WebhookID: "h", CallID: "c1", Status: store.DeliveryDelivered, HTTPStatus: 200, At: at, Enqueued: first.CreatedAt}},
			Claim:    &store.ClaimRequest{At: at, Lease: time.Minute, Limit: 10}})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, d := range w.Claimed {
			got[d.EventID] = true
		}
		if len(w.Claimed) != 2 || !got["c1-1"] || !got["c2-0"] {
			t.Fatalf("second claim %v, want c1-1 and c2-0", got)
		}
		dels, err := s.FindWebhookDeliveries(ctx, "a", "h", store.DeliveryFilter{Status: store.DeliveryDelivered})
		if err != nil || len(dels) != 1 || dels[0].EventID != "c1-0" {
			t.Fatalf("delivered %+v %v", dels, err)
		}
		// Nothing to write and no claim: nothing done.
		if w, err := s.WriteOutbox(ctx, store.OutboxWrite{}); err != nil || w.Queued != 0 || len(w.Claimed) != 0 {
			t.Fatalf("empty write %+v %v", w, err)
		}
		// A claim limited to 1 with two due takes one.
		if err := s.FinishDeliveryAttempts(ctx, []store.DeliveryOutcome{{ID: w.Claimed[0].ID, Status: store.DeliveryPending, Next: at, At: at}}); err != nil {
			t.Fatal(err)
		}
		if w, err := s.WriteOutbox(ctx, store.OutboxWrite{Claim: &store.ClaimRequest{At: at.Add(2 * time.Minute), Lease: time.Minute, Limit: 1}}); err != nil || len(w.Claimed) != 1 {
			t.Fatalf("limited claim %+v %v", w, err)
		}
	})
}

// A young PostgreSQL outbox table gets statistics once it holds enough
// rows, and is left alone after; SQLite has nothing to do.
func TestAnalyzeYoungOutbox(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.CreateWebhook(ctx, &store.Webhook{TenantID: "a", ID: "h", URL: "https://x", Secret: "0123456789abcdef", Events: []string{"*"}, Enabled: true}); err != nil {
			t.Fatal(err)
		}
		ok, done, err := s.AnalyzeYoungOutbox(ctx, 50)
		if err != nil {
			t.Fatal(err)
		}
		if s.Dialect() != store.Postgres {
			if ok || !done {
				t.Fatalf("sqlite: analysed %v done %v", ok, done)
			}
			return
		}
		if ok || done {
			t.Fatalf("empty table: analysed %v done %v", ok, done)
		}
		var evs []store.OutboxEvent
		for i := 0; i < 60; i++ {
			evs = append(evs, store.OutboxEvent{TenantID: "a", EventID: fmt.Sprint("e", i), EventType: "call.offered", CallID: fmt.Sprint("c", i), Payload: "{}"})
		}
		if _, err := s.QueueWebhookEvents(ctx, evs); err != nil {
			t.Fatal(err)
		}
		// The statistics collector reports the rows a moment later.
		deadline := time.Now().Add(10 * time.Second)
		for !ok {
			if ok, done, err = s.AnalyzeYoungOutbox(ctx, 50); err != nil {
				t.Fatal(err)
			}
			if ok != done {
				t.Fatalf("analysed %v done %v", ok, done)
			}
			if !ok && time.Now().After(deadline) {
				t.Fatal("60 rows: not analysed")
			}
			time.Sleep(100 * time.Millisecond)
		}
		if ok, done, err := s.AnalyzeYoungOutbox(ctx, 50); err != nil || ok || !done {
			t.Fatalf("after: analysed %v done %v %v", ok, done, err)
		}
	})
}
