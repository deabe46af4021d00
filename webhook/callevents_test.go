package webhook_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/inbound"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
	"github.com/ipcc/ipcc/webhook"
)

// The domain's happenings become webhook events of the right types, in the
// order they happened, with the call id that orders them.
func TestCallEventsMapTheDomain(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.CreateWebhook(ctx, &store.Webhook{TenantID: "a", ID: "crm", URL: "https://crm.example.com", Secret: "0123456789abcdef", Events: []string{"*"}, Enabled: true}); err != nil {
			t.Fatal(err)
		}
		ob, err := webhook.NewOutbox(webhook.OutboxOptions{Store: s, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { _ = ob.Run(rctx); close(done) }()
		ce := &webhook.CallEvents{Outbox: ob}
		rec := store.CallRecord{TenantID: "a", ID: "c1", Direction: "inbound", ANI: "13800138000", DNIS: "4008", StartedAt: time.Now()}
		ce.CallEvent(inbound.CallArrived, rec, map[string]any{"vars": map[string]string{"ipcc_trunk": "e1"}})
		ce.CallEvent(inbound.CallQueued, rec, map[string]any{"queue": "sales", "priority": 10})
		ce.Observe(dispatch.Event{Type: "offered", Tenant: "a", Agent: "1005", Call: "c1", Queue: "sales", Caller: "13800138000", Vars: map[string]string{"account": "A-42"}, At: time.Now()})
		ce.Observe(dispatch.Event{Type: "answered", Tenant: "a", Agent: "1005", Call: "c1", Queue: "sales", At: time.Now()})
		ce.Observe(dispatch.Event{Type: "state", Tenant: "a", Agent: "1005", State: "busy", From: "ready", At: time.Now()})
		ce.Observe(dispatch.Event{Type: "muted", Tenant: "a", Agent: "1005", Call: "c1"}) // not a webhook event
		ce.Observe(dispatch.Event{Type: dispatch.EventRecordingStopped, Tenant: "a", Agent: "1005", Call: "c1", Recording: "r1"})
		ce.CallEvent(inbound.CallTransferred, rec, map[string]any{"target": "queue:support"})
		ce.CallEvent(inbound.CallSurveyed, rec, map[string]any{"score": 1})
		ce.CallEvent(inbound.CallEnded, rec, nil)
		cancel()
		<-done
		ds, err := s.FindWebhookDeliveries(ctx, "a", "crm", store.DeliveryFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i := len(ds) - 1; i >= 0; i-- {
			got = append(got, ds[i].EventType+"/"+ds[i].CallID)
		}
		want := "call.arrived/c1 call.queued/c1 call.offered/c1 call.answered/c1 agent.state_changed/ recording.ready/c1 call.transferred/c1 survey.completed/c1 call.ended/c1"
		if strings.Join(got, " ") != want {
			t.Fatalf("events\n%s\nwant\n%s", strings.Join(got, " "), want)
		}
		var offered struct {
			Data webhook.AgentData `json:"data"`
		}
		for _, d := range ds {
			if d.EventType == webhook.EventCallOffered {
				json.Unmarshal([]byte(d.Payload), &offered)
			}
		}
		if offered.Data.Agent != "1005" || offered.Data.Vars["account"] != "A-42" || offered.Data.Queue != "sales" {
			t.Fatalf("call.offered data %+v", offered.Data)
		}
	})
}

// A call's end through SaveEnded (inbound.EndSaver): the final record and
// call.ended are written together, after the events the ACD bus emitted
// just before (still in the outbox's buffer when the call ended).
func TestSaveEndedWritesRecordAndEventTogether(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.CreateWebhook(ctx, &store.Webhook{TenantID: "a", ID: "crm", URL: "https://crm.example.com", Secret: "0123456789abcdef", Events: []string{"*"}, Enabled: true}); err != nil {
			t.Fatal(err)
		}
		woken := make(chan struct{}, 1)
		ob, err := webhook.NewOutbox(webhook.OutboxOptions{Store: s, Logger: quiet, Committed: func() {
			select {
			case woken <- struct{}{}:
			default:
			}
		}})
		if err != nil {
			t.Fatal(err)
		}
		rctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() { _ = ob.Run(rctx) }()
		var ce inbound.CallEvents = &webhook.CallEvents{Outbox: ob}
		es, ok := ce.(inbound.EndSaver)
		if !ok {
			t.Fatal("CallEvents is not an inbound.EndSaver")
		}
		now := time.Now().UTC()
		for i := range 20 {
			id := "c" + string(rune('a'+i))
			ce.(*webhook.CallEvents).Observe(dispatch.Event{Type: "answered", Tenant: "a", Agent: "1005", Call: id, Queue: "sales", At: now})
			es.SaveEnded(store.CallRecord{TenantID: "a", ID: id, Direction: "inbound", ANI: "13800138000", StartedAt: now, EndedAt: &now, Disposition: "answered", AgentID: "1005"})
			if got, err := s.GetCall(ctx, "a", id); err != nil || got.Disposition != "answered" {
				t.Fatalf("record %s not written when SaveEnded returned: %+v %v", id, got, err)
			}
			ds, err := s.FindWebhookDeliveries(ctx, "a", "crm", store.DeliveryFilter{CallID: id})
			if err != nil || len(ds) != 2 || ds[0].EventType != webhook.EventCallEnded || ds[1].EventType != webhook.EventCallAnswered || ds[0].ID < ds[1].ID {
				t.Fatalf("call %s: deliveries %+v %v", id, ds, err)
			}
			var ended struct {
				Data store.CallRecord `json:"data"`
			}
			if err := json.Unmarshal([]byte(ds[0].Payload), &ended); err != nil || ended.Data.ID != id || ended.Data.AgentID != "1005" {
				t.Fatalf("call.ended data %+v %v", ended.Data, err)
			}
		}
		select {
		case <-woken:
		default:
			t.Fatal("the dispatcher was not woken")
		}
	})
}
