package main

import (
	"context"
	"errors"
	"log/slog"
	"testing"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/webhook"
)

type emitted struct {
	tenant, event, call string
	data                any
}

func recorder(out *[]emitted, err error) webhook.Emitter {
	return webhook.EmitterFunc(func(_ context.Context, tenant, event, callID string, data any) error {
		*out = append(*out, emitted{tenant, event, callID, data})
		return err
	})
}

// sms.* and workorder.* events go to the outbox with the call they belong
// to, so they keep their place among that call's events.
func TestWebhookEventsOfSMSAndWorkOrders(t *testing.T) {
	ctx := context.Background()
	var got []emitted
	if err := (smsWebhooks{out: recorder(&got, nil)}).SMSEvent(ctx, "t1", "sms.delivered", store.SMSMessage{ID: "m1", CallID: "c1", Status: "delivered"}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].tenant != "t1" || got[0].event != "sms.delivered" || got[0].call != "c1" || got[0].data.(store.SMSMessage).ID != "m1" {
		t.Fatalf("sms event %+v", got)
	}
	boom := errors.New("outbox down")
	if err := (smsWebhooks{out: recorder(&got, boom)}).SMSEvent(ctx, "t1", "sms.failed", store.SMSMessage{ID: "m2"}); !errors.Is(err, boom) {
		t.Fatalf("an outbox failure is not returned to the sms service: %v", err)
	}
	got = nil
	crmWebhooks{out: recorder(&got, boom), log: slog.New(slog.DiscardHandler)}.Emit(ctx, "t1", "workorder.created", &store.WorkOrder{ID: 7, CallID: "c9"})
	if len(got) != 1 || got[0].event != "workorder.created" || got[0].call != "c9" {
		t.Fatalf("work order event %+v", got)
	}
}
