package dispatch

import (
	"context"
	"errors"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/inbound"
	"github.com/ipcc/ipcc/store"
)

// Broadcast is an IVR broadcast's call (自动外拨): a message played to the
// callee, one key collected.
type Broadcast struct {
	LeadCall
	// Message is played when the callee answers (Repeat more times while
	// no key is pressed).
	Message []controller.Media
	Repeat  int
	// Wait is how long a key is waited for after the message (default 5 s).
	Wait time.Duration
	// Keys maps a key to an action: "queue" (transfer to Queue),
	// "optout" (Key is told, then OptOutMessage played and the call ends),
	// "ack" (the key is recorded, the call ends).
	Keys  map[string]string
	Queue string
	// OptOutMessage is played after an opt-out key.
	OptOutMessage []controller.Media
	// Key is told the key the callee pressed and its action, before the
	// action is carried out.
	Key func(key, action string)
}

// DialBroadcast places an IVR broadcast call: it returns at once; b.Ended
// is told how it went (answered for a callee who answered, whatever they
// pressed). A callee sent to a queue waits there as an inbound caller
// would, and the call record carries the agent who took them.
func (d *Dispatcher) DialBroadcast(ctx context.Context, tenant string, b Broadcast) error {
	ld, err := d.leadSwitch()
	if err != nil {
		return err
	}
	if err := ld.route(ctx, tenant, &b.LeadCall, ""); err != nil {
		return err
	}
	wait := b.Wait
	if wait <= 0 {
		wait = 5 * time.Second
	}
	ld.start(&b.LeadCall, b.Vars, nil, func(ctx context.Context, call *controller.Call) (outcome string) {
		outcome = OutcomeAnswered
		rec := ld.record(call, store.CallRecord{TenantID: tenant})
		rec.Update(func(r *store.CallRecord) { r.Disposition = "broadcast" })
		rec.Save()
		defer func() {
			if ctx.Err() == nil {
				_ = call.Hangup(context.Background(), controller.CauseNormalClearing)
				d.finishEnded(call, rec)
				return
			}
			rec.Finish(d.opt.Clock.Now())
		}()
		if d.screenMachine(ctx, call, rec, &b.LeadCall) {
			outcome = OutcomeMachine // it heard the machine message, not the broadcast
			return
		}
		if b.Answered != nil {
			b.Answered(call.ID())
		}
		key := ""
		for range max(b.Repeat, 0) + 1 {
			k, err := call.Leg().PlayAndCollect(ctx, controller.Collect{Prompt: b.Message, Max: 1, FirstDigitTimeout: wait,
				Complete: func(string) bool { return true }})
			if err == nil && k != "" {
				key = k
				break
			}
			if errors.Is(err, controller.ErrHungUp) || ctx.Err() != nil || callDone(call) {
				return
			}
		}
		if key == "" {
			return
		}
		action := b.Keys[key]
		call.Note("broadcast", "key "+key+": "+action)
		if b.Key != nil {
			b.Key(key, action)
		}
		switch action {
		case "queue":
			if b.Queue == "" {
				return
			}
			res, err := d.Enqueue(ctx, call, inbound.QueueRequest{Tenant: tenant, Queue: b.Queue, Record: rec})
			if err != nil {
				d.log.Warn("broadcast callee not queued", "call", call.ID(), "err", err)
				return
			}
			if res.Agent != "" {
				rec.Update(func(r *store.CallRecord) { r.AgentID = res.Agent })
			}
			select {
			case <-call.Done():
			case <-ctx.Done():
			}
		case "optout":
			if len(b.OptOutMessage) > 0 {
				_, _ = call.Leg().Play(ctx, controller.PlayOptions{Media: b.OptOutMessage})
			}
		}
		return
	})
	return nil
}
