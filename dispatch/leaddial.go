package dispatch

import (
	"context"
	"errors"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/inbound"
	"github.com/ipcc/ipcc/outroute"
	"github.com/ipcc/ipcc/store"
)

// leadDial is a campaign's callee-first call being set up (DialLeadFirst,
// DialPredictive, DialBroadcast): the switch it is placed on, its route
// (trunk, caller ID) and how long the callee rings.
type leadDial struct {
	d      *Dispatcher
	dialer Dialer
	sw     string
	out    *outroute.Call
	ring   time.Duration
}

// leadSwitch starts a campaign call's set-up on the configured switch, or
// says there is none.
func (d *Dispatcher) leadSwitch() (*leadDial, error) {
	d.mu.Lock()
	dialer, sw := d.opt.Dialer, d.opt.DialSwitch
	d.mu.Unlock()
	if dialer == nil || sw == "" {
		return nil, errors.New("campaign calls need a switch (no switch is configured)")
	}
	return &leadDial{d: d, dialer: dialer, sw: sw}, nil
}

// route plans lc's route (trunk and caller ID; agent is the reserved agent,
// if any) and its ring time (lc.RingTimeout, default 45 s). Once routed,
// the route is released by start, or by the caller when it gives up first.
func (ld *leadDial) route(ctx context.Context, tenant string, lc *LeadCall, agent string) error {
	out, err := ld.d.planLead(ctx, tenant, lc, leadPlan(lc, agent))
	if err != nil {
		return err
	}
	ld.out = out
	ld.ring = lc.RingTimeout
	if ld.ring <= 0 {
		ld.ring = 45 * time.Second
	}
	return nil
}

// callerID is what the callee is shown.
func (ld *leadDial) callerID() string { return ld.out.CallerID }

// record is the call record of the callee who answered (outbound, the
// callee's leg, answered now), not saved yet.
func (ld *leadDial) record(call *controller.Call, r store.CallRecord) *inbound.Record {
	now := ld.d.opt.Clock.Now()
	r.ID, r.Switch, r.Leg = call.ID(), call.Switch(), call.Leg().ID()
	r.Direction, r.ANI, r.DNIS, r.StartedAt = "outbound", ld.callerID(), ld.out.Dial, now
	r.Target, r.Trunk = "number:"+ld.out.Dial, ld.out.Trunk.ID
	rec := ld.d.newRecord(call, r)
	rec.Leg(call.Leg(), inbound.RoleExternal, ld.out.Dial, "")
	rec.Answered(now)
	return rec
}

// start dials the callee in the background with vars set on the call,
// under a context that ends when the dispatcher stops. A callee not
// reached gives lc.Ended the dial's outcome (after notPlaced, when set);
// a callee who answered is handed to answered, whose outcome lc.Ended is
// told with the call id. The route is released before lc.Ended.
func (ld *leadDial) start(lc *LeadCall, vars map[string]string, notPlaced func(), answered func(ctx context.Context, call *controller.Call) string) {
	d := ld.d
	d.dials.Add(1)
	go func() {
		defer d.dials.Done()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		go func() {
			select {
			case <-d.stop:
				cancel()
			case <-ctx.Done():
			}
		}()
		outcome, callID := OutcomeFailed, ""
		defer func() {
			if lc.Ended != nil {
				lc.Ended(outcome, callID)
			}
		}()
		defer ld.out.Release()
		call, err := d.dialOut(ctx, ld.dialer, ld.sw, ld.out, controller.OriginateOptions{CallerIDNum: ld.callerID(), Timeout: ld.ring, Vars: vars})
		if err != nil {
			outcome = DialOutcome(err)
			if notPlaced != nil {
				notPlaced()
			}
			return
		}
		callID = call.ID()
		outcome = answered(ctx, call)
	}()
}
