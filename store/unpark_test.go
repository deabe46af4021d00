package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// A call's second event parked behind the first becomes due when the first
// is done, and UnparkOrphans mends one whose wake-up was missed.
func TestParkedEventsOfACall(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.CreateWebhook(ctx, &store.Webhook{TenantID: "a", ID: "h", URL: "https://x", Secret: "0123456789abcdef", Events: []string{"*"}, Enabled: true}); err != nil {
			t.Fatal(err)
		}
		evs := []store.OutboxEvent{{TenantID: "a", EventID: "1", EventType: "call.arrived", CallID: "c", Payload: "{}"}, {TenantID: "a", EventID: "2", EventType: "call.ended", CallID: "c", Payload: "{}"}}
		if n, err := s.QueueWebhookEvents(ctx, evs); err != nil || n != 2 {
			t.Fatalf("queued %d %v", n, err)
		}
		due, err := s.ClaimDueDeliveries(ctx, time.Now(), time.Minute, 10)
		if err != nil || len(due) != 1 || due[0].EventID != "1" {
			t.Fatalf("due %+v %v", due, err)
		}
		// The first's outcome stored without naming its call: the second
		// stays parked until the sweep.
		if err := s.FinishDeliveryAttempt(ctx, due[0].ID, store.DeliveryDelivered, 200, "", time.Now()); err != nil {
			t.Fatal(err)
		}
		if due, _ := s.ClaimDueDeliveries(ctx, time.Now(), time.Minute, 10); len(due) != 0 {
			t.Fatalf("parked one due early: %+v", due)
		}
		if n, err := s.UnparkOrphans(ctx, time.Now()); err != nil || n != 1 {
			t.Fatalf("unparked %d %v", n, err)
		}
		due, err = s.ClaimDueDeliveries(ctx, time.Now().Add(time.Millisecond), time.Minute, 10)
		if err != nil || len(due) != 1 || due[0].EventID != "2" {
			t.Fatalf("after the sweep %+v %v", due, err)
		}
	})
}

// Batched outbox writes: many calls' events in one QueueWebhookEvents (more
// rows than one multi-row statement takes) are due head-first per call, and
// one FinishDeliveryAttempts of many outcomes stores each outcome and makes
// due exactly the next event of each call that is done, not of one retried.
func TestOutboxBatchesKeepEachCallsOrder(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		for _, h := range []string{"h1", "h2"} {
			if err := s.CreateWebhook(ctx, &store.Webhook{TenantID: "a", ID: h, URL: "https://x", Secret: "0123456789abcdef", Events: []string{"call.*", "agent.*"}, Enabled: true}); err != nil {
				t.Fatal(err)
			}
		}
		const calls, perCall = 150, 3
		var evs []store.OutboxEvent
		for i := 0; i < perCall; i++ {
			for c := 0; c < calls; c++ {
				evs = append(evs, store.OutboxEvent{TenantID: "a", EventID: fmt.Sprintf("e%d-%d", c, i), EventType: "call.queued", CallID: fmt.Sprintf("c%d", c), Payload: "{}"})
			}
		}
		evs = append(evs, store.OutboxEvent{TenantID: "a", EventID: "agent", EventType: "agent.state_changed", Payload: "{}"},
			store.OutboxEvent{TenantID: "a", EventID: "other", EventType: "sms.sent", Payload: "{}"})
		n, err := s.QueueWebhookEvents(ctx, evs)
		if err != nil || n != 2*(calls*perCall+1) {
			t.Fatalf("queued %d %v", n, err)
		}
		// The same ids again queue nothing new.
		if _, err := s.QueueWebhookEvents(ctx, evs[:5]); err != nil {
			t.Fatal(err)
		}
		at := time.Now()
		for step := 0; step < perCall; step++ {
			due, err := s.ClaimDueDeliveries(ctx, at, time.Minute, 10000)
			if err != nil {
				t.Fatal(err)
			}
			want := 2 * calls
			if step == 0 {
				want += 2 // the agent event, once per endpoint
			} else {
				want-- // c0 on h1 waits for its retried first event
			}
			if len(due) != want {
				t.Fatalf("step %d: %d due, want %d", step, len(due), want)
			}
			var outs []store.DeliveryOutcome
			for _, d := range due {
				if d.CallID != "" && d.EventID != fmt.Sprintf("e%s-%d", d.CallID[1:], step) {
					t.Fatalf("step %d: %s due out of order", step, d.EventID)
				}
				o := store.DeliveryOutcome{ID: d.ID, TenantID: d.TenantID, WebhookID: d.WebhookID, CallID: d.CallID, Status: store.DeliveryDelivered,
					HTTPStatus: 200, At: at, Enqueued: d.CreatedAt, AttemptMS: 3}
				if d.CallID == "c0" && d.WebhookID == "h1" && step == 0 {
					// A failed attempt: retried later, its call's next stays parked.
					o.Status, o.HTTPStatus, o.Err, o.Next = store.DeliveryPending, 503, "HTTP 503", at.Add(time.Hour)
				}
				outs = append(outs, o)
			}
			if err := s.FinishDeliveryAttempts(ctx, outs); err != nil {
				t.Fatal(err)
			}
			if step == 0 {
				dels, err := s.FindWebhookDeliveries(ctx, "a", "h1", store.DeliveryFilter{CallID: "c0"})
				if err != nil || len(dels) != 3 {
					t.Fatalf("c0 %+v %v", dels, err)
				}
				first := dels[2]
				if first.Status != store.DeliveryPending || first.LastStatus != 503 || first.LastError != "HTTP 503" {
					t.Fatalf("retried outcome not stored: %+v", first)
				}
				got, err := s.FindWebhookDeliveries(ctx, "a", "h2", store.DeliveryFilter{CallID: "c0", Status: store.DeliveryDelivered})
				if err != nil || len(got) != 1 || got[0].LastStatus != 200 || got[0].DeliveredAt == nil || got[0].AttemptMS != 3 {
					t.Fatalf("delivered outcome not stored: %+v %v", got, err)
				}
			}
			at = at.Add(time.Millisecond)
		}
		if due, err := s.ClaimDueDeliveries(ctx, at.Add(2*time.Hour), time.Minute, 10); err != nil || len(due) != 1 || due[0].EventID != "e0-0" {
			t.Fatalf("only c0's retried first event is left due: %+v %v", due, err)
		}
	})
}

// SaveCallWithEvents writes the call's row and its outbox events in one
// transaction: both, or (PostgreSQL refusing a NUL byte in the row)
// neither.
func TestSaveCallWithEvents(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.CreateWebhook(ctx, &store.Webhook{TenantID: "a", ID: "h", URL: "https://x", Secret: "0123456789abcdef", Events: []string{"call.*"}, Enabled: true}); err != nil {
			t.Fatal(err)
		}
		at := time.Now().UTC()
		rec := store.CallRecord{TenantID: "a", ID: "c1", Direction: "inbound", ANI: "13800000001", StartedAt: at, EndedAt: &at, Disposition: "answered"}
		// An earlier event of the call, queued through the outbox.
		if _, err := s.QueueWebhookEvents(ctx, []store.OutboxEvent{{TenantID: "a", EventID: "e-arrived", EventType: "call.arrived", CallID: "c1", Payload: "{}"}}); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveCallWithEvents(ctx, &rec, []store.OutboxEvent{{TenantID: "a", EventID: "e-ended", EventType: "call.ended", CallID: "c1", Payload: `{"type":"call.ended"}`}}); err != nil {
			t.Fatal(err)
		}
		if got, err := s.GetCall(ctx, "a", "c1"); err != nil || got.Disposition != "answered" {
			t.Fatalf("record %+v %v", got, err)
		}
		dels, err := s.FindWebhookDeliveries(ctx, "a", "h", store.DeliveryFilter{CallID: "c1"})
		if err != nil || len(dels) != 2 || dels[0].EventID != "e-ended" || dels[1].EventID != "e-arrived" {
			t.Fatalf("deliveries %+v %v", dels, err)
		}
		// The end is parked behind the call's earlier event.
		due, err := s.ClaimDueDeliveries(ctx, time.Now(), time.Minute, 10)
		if err != nil || len(due) != 1 || due[0].EventID != "e-arrived" {
			t.Fatalf("due %+v %v", due, err)
		}
		if s.Dialect() != store.Postgres {
			return
		}
		bad := rec
		bad.ID, bad.ANI = "c2", "138\x00"
		if err := s.SaveCallWithEvents(ctx, &bad, []store.OutboxEvent{{TenantID: "a", EventID: "e-bad", EventType: "call.ended", CallID: "c2", Payload: "{}"}}); err == nil {
			t.Fatal("a row with a NUL byte was written")
		}
		if dels, err := s.FindWebhookDeliveries(ctx, "a", "h", store.DeliveryFilter{CallID: "c2"}); err != nil || len(dels) != 0 {
			t.Fatalf("the refused row's event was written: %+v %v", dels, err)
		}
	})
}
