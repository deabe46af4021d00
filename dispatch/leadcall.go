package dispatch

import (
	"context"
	"errors"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/inbound"
	"github.com/ipcc/ipcc/store"
)

// OutcomeAbandoned: the callee answered but the agent's phone did not, so
// the callee was hung up on (customer-first calls only).
const OutcomeAbandoned = "abandoned"

// defaultAgentRing is how long an agent's phone rings for a callee who
// already answered (customer-first calls), unless the LeadCall says.
const defaultAgentRing = 10 * time.Second

// agentRing is how long the agent's phone rings for the callee who
// answered (lc.AgentRingTimeout, default defaultAgentRing).
func (lc *LeadCall) agentRing() time.Duration {
	if lc.AgentRingTimeout <= 0 {
		return defaultAgentRing
	}
	return lc.AgentRingTimeout
}

// DialLeadFirst places a progressive campaign's call customer first: the
// agent is reserved (not ready, outbound-call), the callee is dialled with
// the campaign's caller ID through its trunk, and only when they answer is
// the agent's phone rung and connected to them. It returns at once; lc.Ended
// is told how the call went (an agent who does not answer within
// lc.AgentRingTimeout leaves the callee abandoned: OutcomeAbandoned). Unanswered attempts leave
// no call record (the campaign's attempt has the outcome); answered ones
// are recorded as outbound calls with both legs, under recording policies,
// and take the agent's controls (hold, hang up, recording).
func (d *Dispatcher) DialLeadFirst(ctx context.Context, tenant, agentID string, lc LeadCall) error {
	ld, err := d.leadSwitch()
	if err != nil {
		return err
	}
	eng, err := d.tenants.Get(ctx, tenant)
	if err != nil {
		return err
	}
	a, err := eng.Agent(ctx, agentID)
	if err != nil {
		return err
	}
	if a.CallID != "" {
		return errors.New("the agent is on a call")
	}
	own, err := d.endpointFor(a.Device)
	if err != nil {
		return err
	}
	if err := ld.route(ctx, tenant, &lc, agentID); err != nil {
		return err
	}
	if _, err := eng.NotReady(ctx, agentID, reasonOwnCall); err != nil {
		ld.out.Release()
		return err
	}
	resume := resumeOf(a)
	restore := func() { d.resume(context.Background(), eng, agentID, resume) }
	vars := map[string]string{"ipcc_agent": agentID}
	for k, v := range lc.Vars {
		vars[k] = v
	}
	ld.start(&lc, vars, restore, func(ctx context.Context, call *controller.Call) string {
		// While the call lasts the record names the reserved agent, so a
		// controller restarted meanwhile gives them their state back
		// (DialEnded); once they are given it back, the record keeps them
		// only if they took the call (unnameAgent).
		rec := ld.record(call, store.CallRecord{TenantID: tenant, AgentID: agentID, AgentResume: resume})
		rec.Save()
		if d.screenMachine(ctx, call, rec, &lc) {
			restore()
			unnameAgent(rec)
			d.finishEnded(call, rec)
			return OutcomeMachine
		}
		if lc.Answered != nil {
			lc.Answered(call.ID())
		}
		oc := d.openOutCall(tenant, agentID)
		defer oc.close()
		outcome := d.connectAgent(ctx, call, own, agentID, tenant, lc.AgentDisplay, lc.agentRing(), rec, oc, lc.AbandonMessage)
		d.afterAgent(ctx, call, rec, restore)
		return outcome
	})
	return nil
}

// connectAgent rings the agent for the callee who answered, connects them
// and carries out the agent's controls until the call ends; it returns the
// call's outcome.
func (d *Dispatcher) connectAgent(ctx context.Context, call *controller.Call, own controller.Endpoint, agentID, tenant, display string, ring time.Duration, rec *inbound.Record, oc *outCall, abandon []controller.Media) string {
	// ring_ms is the agent's phone ringing for the callee who answered
	// (answered or not), as an inbound caller's is: from the originate on,
	// not from after the record is saved (a slow write shortened it).
	ringFrom := d.opt.Clock.Now()
	leg, err := call.StartOriginate(ctx, own, controller.OriginateOptions{CallerIDNum: display, Timeout: ring})
	if err == nil {
		// The agent's phone rings for a callee on the line: an offer, as
		// an inbound caller's ring is (agents_offered).
		rec.Offered(agentID)
		rec.Leg(leg, inbound.RoleAgent, own.Number, agentID)
		rec.Save()
		err = waitLeg(ctx, call, leg, ring+2*time.Second)
		rec.Update(func(r *store.CallRecord) { r.RingMS = d.opt.Clock.Now().Sub(ringFrom).Milliseconds() })
		if err != nil {
			_ = leg.Hangup(context.WithoutCancel(ctx), controller.CauseOriginatorCancel)
		}
	}
	var rc *recorder
	if err == nil {
		rc = d.newRecorder(ctx, call, tenant, call.ID(), "", agentID, "outbound")
		err = call.Bridge(ctx, leg)
	}
	if err != nil {
		if ctx.Err() != nil {
			return OutcomeFailed
		}
		d.abandonCallee(ctx, call, rec, abandon)
		return OutcomeAbandoned
	}
	oc.connected()
	at := rec.LegAnsweredAt(leg.ID())
	if at.IsZero() {
		at = d.opt.Clock.Now()
	}
	rec.Talking(at)
	rec.Update(func(r *store.CallRecord) { r.Disposition = "answered" })
	rec.Save()
	rc.answered(ctx)
	d.talkLead(ctx, call, leg, rec, rc, oc)
	if rc.rec != nil && ctx.Err() == nil {
		_ = rc.finish(context.Background())
	}
	return OutcomeAnswered
}

// afterAgent ends a campaign call once the agent's part is over: the agent
// is put back (restore), the call given up to 5 s more to end and its
// record finished. A dispatcher stopping mid-call leaves both to the next
// controller.
func (d *Dispatcher) afterAgent(ctx context.Context, call *controller.Call, rec *inbound.Record, restore func()) {
	if ctx.Err() != nil && !callDone(call) {
		rec.Leave() // stopping: the next controller completes the record
		return
	}
	restore()
	unnameAgent(rec)
	d.finishEnded(call, rec)
}

// unnameAgent leaves the agent out of the record of a campaign call they
// did not take — a machine they were reserved for, a callee abandoned
// because their phone did not answer — so that agent_id names, as on
// inbound calls, only the agent who talked: the reports count agent_id's
// calls and talk. An agent whose phone rang stays listed in
// agents_offered (a missed offer); who was reserved stays on the
// campaign's attempt. Called once the agent has their state back, since
// until then a restarted controller finds them by the record.
func unnameAgent(rec *inbound.Record) {
	rec.Update(func(r *store.CallRecord) {
		if r.Disposition != "answered" {
			r.AgentID = ""
		}
	})
}

// finishEnded finishes the record of a campaign call that ipcc just hung
// up on (or whose callee just hung up) once the switch reported the end,
// waiting up to 5 s: the hangup cause and who hung up come with the
// switch's hang-up event, not with the reply to the hangup command, and a
// record finished before it has neither.
func (d *Dispatcher) finishEnded(call *controller.Call, rec *inbound.Record) {
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	select {
	case <-call.Done():
	case <-t.C:
	}
	rec.Finish(d.opt.Clock.Now())
}

// talkLead carries out the agent's controls on a customer-first call: the
// callee is the call's own leg, the agent the added leg.
func (d *Dispatcher) talkLead(ctx context.Context, call *controller.Call, agent *controller.Leg, rec *inbound.Record, rc *recorder, oc *outCall) {
	d.outControls(ctx, call, call.Leg(), agent, rec, rc, oc)
}

// abandonCallee plays the compliance message (if any) to a callee no agent
// took and hangs up.
func (d *Dispatcher) abandonCallee(ctx context.Context, call *controller.Call, rec *inbound.Record, msg []controller.Media) {
	rec.Update(func(r *store.CallRecord) { r.Disposition = OutcomeAbandoned })
	if len(msg) > 0 && !callDone(call) {
		pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 60*time.Second)
		if _, err := call.Leg().Play(pctx, controller.PlayOptions{Media: msg}); err != nil && !errors.Is(err, controller.ErrHungUp) {
			d.log.Warn("abandon message not played", "call", call.ID(), "err", err)
		} else if err == nil {
			call.Note("abandon", "compliance message played")
		}
		cancel()
	}
	_ = call.Hangup(context.Background(), controller.CauseNormalClearing)
}

// DialPredictive places a predictive campaign's call with no agent
// reserved: the callee is dialled with the campaign's caller ID through
// its trunk; when they answer, lc.Claim is asked for an agent until
// lc.Connect (default 2 s) passed. The agent it gives (held for the call by
// the campaign) is set not ready (outbound-call), their phone rung and
// connected as on customer-first calls. A callee no agent takes in time —
// or whose agent's phone does not answer — hears lc.AbandonMessage and is
// hung up on: OutcomeAbandoned. It returns at once; lc.Ended is told how
// the call went; the call's record carries the agent who took it.
func (d *Dispatcher) DialPredictive(ctx context.Context, tenant string, lc LeadCall) error {
	ld, err := d.leadSwitch()
	if err != nil {
		return err
	}
	if lc.Claim == nil {
		return errors.New("predictive call without an agent claim")
	}
	eng, err := d.tenants.Get(ctx, tenant)
	if err != nil {
		return err
	}
	if err := ld.route(ctx, tenant, &lc, ""); err != nil {
		return err
	}
	connect := lc.Connect
	if connect <= 0 {
		connect = 2 * time.Second
	}
	vars := map[string]string{}
	for k, v := range lc.Vars {
		vars[k] = v
	}
	ld.start(&lc, vars, nil, func(ctx context.Context, call *controller.Call) string {
		rec := ld.record(call, store.CallRecord{TenantID: tenant})
		rec.Save()
		if d.screenMachine(ctx, call, rec, &lc) {
			// A machine is not a live answer: no agent, never abandoned.
			d.finishEnded(call, rec)
			return OutcomeMachine
		}
		if lc.Answered != nil {
			lc.Answered(call.ID())
		}
		agentID := ""
		deadline := time.Now().Add(connect)
		for {
			if agentID = lc.Claim(ctx); agentID != "" || !time.Now().Before(deadline) || callDone(call) {
				break
			}
			select {
			case <-ctx.Done():
			case <-call.Done():
			case <-time.After(50 * time.Millisecond):
			}
			if ctx.Err() != nil {
				break
			}
		}
		if agentID == "" {
			if ctx.Err() == nil {
				d.abandonCallee(ctx, call, rec, lc.AbandonMessage)
				d.finishEnded(call, rec)
			} else {
				rec.Finish(d.opt.Clock.Now()) // stopping: as the call stands
			}
			return OutcomeAbandoned
		}
		a, err := eng.Agent(ctx, agentID)
		var own controller.Endpoint
		if err == nil {
			own, err = d.endpointFor(a.Device)
		}
		if err == nil {
			_, err = eng.NotReady(ctx, agentID, reasonOwnCall)
		}
		if err != nil {
			d.abandonCallee(ctx, call, rec, lc.AbandonMessage)
			d.finishEnded(call, rec)
			return OutcomeAbandoned
		}
		resume := resumeOf(a)
		rec.Update(func(r *store.CallRecord) { r.AgentID, r.AgentResume = agentID, resume })
		oc := d.openOutCall(tenant, agentID)
		defer oc.close()
		display := lc.AgentDisplay
		if lc.AgentDisplayFor != nil {
			display = lc.AgentDisplayFor(agentID)
		}
		outcome := d.connectAgent(ctx, call, own, agentID, tenant, display, lc.agentRing(), rec, oc, lc.AbandonMessage)
		d.afterAgent(ctx, call, rec, func() { d.resume(context.Background(), eng, agentID, resume) })
		return outcome
	})
	return nil
}
