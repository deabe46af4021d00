package main

import (
	"context"
	"log/slog"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/webhook"
)

// smsWebhooks puts the sms.* events into the webhook outbox: durable when
// Emit returns, delivered to the tenant's endpoints that subscribe, after
// the call's earlier events when the message belongs to a call.
type smsWebhooks struct{ out webhook.Emitter }

func (w smsWebhooks) SMSEvent(ctx context.Context, tenant, eventType string, m store.SMSMessage) error {
	return w.out.Emit(ctx, tenant, eventType, m.CallID, m)
}

// crmWebhooks puts the workorder.* events into the webhook outbox. The
// work order is already stored when it is told, so an outbox failure is
// logged, not returned.
type crmWebhooks struct {
	out webhook.Emitter
	log *slog.Logger
}

func (w crmWebhooks) Emit(ctx context.Context, tenant, event string, data any) {
	callID := ""
	if wo, ok := data.(*store.WorkOrder); ok {
		callID = wo.CallID
	}
	if err := w.out.Emit(ctx, tenant, event, callID, data); err != nil {
		w.log.Error("work order webhook event not queued", "tenant", tenant, "event", event, "err", err)
	}
}
