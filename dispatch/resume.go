package dispatch

import (
	"context"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/inbound"
)

var _ inbound.Resumer = (*Dispatcher)(nil)

// ResumeConversation implements inbound.Resumer: a conversation a
// restarted controller re-adopted is carried on as if this controller had
// connected it, so the agent's controls reach it again — on a queue call
// (c the caller's call, other the agent's leg) hold, transfer, consult,
// record, mute, hang up; on the agent's own call (c the agent's call,
// other the called party) hold, record, hang up. The engine restored the
// agent on this call (on-call), and hears from here when it ends.
//
// A recording the first controller left running goes on to the end of the
// call (its row is completed with the call's record): the agent's pause,
// stop and start are refused with why; without one, recordings started
// from here are this controller's to pause and stop.
func (d *Dispatcher) ResumeConversation(ctx context.Context, c *controller.Call, other *controller.Leg, r inbound.Resumed) inbound.QueueResult {
	res := inbound.QueueResult{Agent: r.Agent, Disposition: "answered", Recorded: true}
	if r.Direction != "inbound" {
		d.resumeOwnCall(ctx, c, other, r)
		return res
	}
	eng, err := d.tenants.Get(ctx, r.Tenant)
	if err != nil {
		c.Note("queue", "conversation not taken back: "+err.Error())
		d.waitEnd(ctx, c, other)
		return res
	}
	id := r.Record.ID()
	if id == "" {
		id = c.ID()
	}
	w := &waiter{d: d, eng: eng, c: c, id: id, rec: r.Record, tenant: r.Tenant, queue: r.Queue, joined: d.opt.Clock.Now(), resumed: true,
		legs: newEffectQueue[legEvent](), stop: make(chan struct{}), ctrl: make(chan control), effects: newEffectQueue[acd.Effect](),
		offers: map[uint64]*controller.Leg{}, offeredAt: map[uint64]time.Time{},
		log: d.log.With("call", c.ID(), "tenant", r.Tenant, "queue", r.Queue, "agent", r.Agent)}
	key := r.Tenant + "/" + id
	d.noteSwitch(c.Switch())
	d.mu.Lock()
	d.waiting[key] = w
	d.indexLegLocked(w, c.Switch(), c.Leg().ID())
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.unindexLegsLocked(w)
		if d.waiting[key] == w {
			delete(d.waiting, key)
			d.forgetHoldsLocked(key)
		}
		d.mu.Unlock()
	}()
	defer close(w.stop)
	c.Note("queue", "conversation with agent "+r.Agent+" taken back after a restart")
	w.log.Info("conversation taken back after a restart")
	return w.talk(ctx, acd.Connect{Tenant: r.Tenant, CallID: id, QueueID: r.Queue, AgentID: r.Agent}, other, res)
}

// resumeOwnCall carries on an agent's own call (click-to-dial) re-adopted
// after a restart: the agent's controls reach it until either side hangs
// up.
func (d *Dispatcher) resumeOwnCall(ctx context.Context, c *controller.Call, party *controller.Leg, r inbound.Resumed) {
	oc := d.openOutCall(r.Tenant, r.Agent)
	defer oc.close()
	oc.connected()
	id := r.Record.ID()
	if id == "" {
		id = c.ID()
	}
	c.Note("dial", "agent "+r.Agent+"'s own call taken back after a restart")
	rc := d.newRecorder(ctx, c, r.Tenant, id, "", r.Agent, "outbound")
	rc.inherit(ctx)
	d.talkOut(ctx, c, party, r.Record, rc, oc)
	if rc.rec != nil && ctx.Err() == nil {
		_ = rc.finish(context.WithoutCancel(ctx))
	}
}

// waitEnd keeps a conversation whole without controls: when one side
// leaves, the other is hung up.
func (d *Dispatcher) waitEnd(ctx context.Context, c *controller.Call, other *controller.Leg) {
	select {
	case <-c.Done():
		_ = other.Hangup(context.WithoutCancel(ctx), controller.CauseNormalClearing)
	case <-other.Done():
		_ = c.Hangup(context.WithoutCancel(ctx), controller.CauseNormalClearing)
	case <-ctx.Done():
	}
}

var _ inbound.PeerLeftResumer = (*Dispatcher)(nil)

// PeerLeft implements inbound.PeerLeftResumer: the agent of a queue call
// re-adopted after a restart hung up while no controller watched it. As
// when an agent hangs up first (talk), the engine ends the agent's part of
// the call (wrap-up) and the caller goes to the queue's survey flow when
// it has one, else the call ends at once.
func (d *Dispatcher) PeerLeft(ctx context.Context, c *controller.Call, r inbound.Resumed) inbound.QueueResult {
	res := inbound.QueueResult{Agent: r.Agent, Disposition: "answered", Recorded: true}
	id := r.Record.ID()
	if id == "" {
		id = c.ID()
	}
	bg := context.WithoutCancel(ctx)
	if eng, err := d.tenants.Get(ctx, r.Tenant); err == nil {
		_ = eng.CallEnded(bg, id)
	} else {
		c.Note("queue", "agent not freed: "+err.Error())
	}
	if flow := d.surveyFlow(r.Tenant, r.Queue); flow != "" {
		c.Note("queue", "agent hung up during the outage: survey "+flow)
		res.Next = &dialplan.Target{Kind: dialplan.KindFlow, Ref: flow}
		res.NextVars = map[string]any{"agent_id": r.Agent, "queue": r.Queue}
		return res
	}
	c.Note("queue", "agent hung up during the outage: the call ends")
	_ = c.Hangup(bg, controller.CauseNormalClearing)
	return res
}
