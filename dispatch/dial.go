package dispatch

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/inbound"
	"github.com/ipcc/ipcc/outroute"
	"github.com/ipcc/ipcc/store"
)

// Dialer places calls for agents (click-to-dial): the controller's Dial.
type Dialer interface {
	Dial(ctx context.Context, switchName string, ep controller.Endpoint, o controller.OriginateOptions) (*controller.Call, error)
}

// ClickToDial rings the agent's own device and, when they answer, calls
// number and connects them. While the call lasts the agent is not ready
// ("outbound-call") so no queue call is offered to them; afterwards they are
// ready again. number is an extension when the tenant's extension plan
// says so (routing settings extensions, default 4 digits): an internal
// call showing the agent's extension; any other number goes out through
// the default trunk showing the tenant's outbound caller ID (the queue's,
// for a call-back to one of its callers). The call is recorded as
// outbound (internal for an extension); parent, when set, is the call this
// one follows up (a call-back to an abandoned caller) and becomes its
// parent_id. It returns the call id once the agent answered.
func (d *Dispatcher) ClickToDial(ctx context.Context, tenant, agentID, number, parent string) (string, error) {
	return d.agentDial(ctx, tenant, agentID, number, parent, nil)
}

// LeadCall is a campaign's call placed from an agent's phone (DialFor).
type LeadCall struct {
	// Number is the callee's number (national form in the campaign's
	// country, or E.164); outbound routing rewrites it for the trunk.
	Number string
	// E164, when set, is the callee's number in E.164 and wins over Number
	// for routing (a campaign of another country than the tenant's).
	E164 string
	// Campaign and Queue (the campaign's queue, its agent group) select
	// outbound routes.
	Campaign, Queue string
	// CallerID is presented to the callee ("" = a number of CallerIDPool,
	// the route's or the tenant's pool, the tenant's outbound caller ID,
	// else the trunk's own).
	CallerID string
	// CallerIDPool is the campaign's caller-ID pool.
	CallerIDPool string
	// Trunk overrides media.default_trunk for a tenant without outbound
	// routes.
	Trunk string
	// AgentDisplay is what the agent's phone shows while it rings (a
	// masked number, the campaign's name); the callee's number never
	// reaches the agent's phone unless it is set to it.
	AgentDisplay string
	// RingTimeout is how long the callee rings (default 45 s).
	RingTimeout time.Duration
	// AgentRingTimeout is how long the agent's phone rings for a callee who
	// answered (customer-first calls; default 10 s).
	AgentRingTimeout time.Duration
	// Vars are set on the call for the record and the switch
	// (ipcc_campaign, ipcc_lead).
	Vars map[string]string
	// Answered is told when the callee answered, before the agent's phone
	// rings (customer-first calls, DialLeadFirst).
	Answered func(callID string)
	// AbandonMessage is played to a callee who answered but is abandoned
	// (no agent within the connect time, or the agent's phone did not
	// answer) before they are hung up on: the compliance message.
	AbandonMessage []controller.Media
	// Connect is how long an answered callee of DialPredictive may wait
	// for an agent (default 2 s, the 2-second rule).
	Connect time.Duration
	// Claim is asked (DialPredictive), from the callee's answer until
	// Connect passed, for an agent to take them: it returns the agent,
	// already held for the call by the asker, or "" for none yet.
	Claim func(ctx context.Context) string
	// DetectMachine asks the switch, once the callee answered
	// (customer-first and predictive calls), whether a person or an
	// answering machine did, for up to MachineTimeout (default 5 s). A
	// machine is never connected to an agent: it hears MachineMessage (if
	// any) and is hung up on, OutcomeMachine. A person, an unsure result
	// or a switch that cannot detect go on as usual.
	DetectMachine  bool
	MachineTimeout time.Duration
	MachineMessage []controller.Media
	// AgentDisplayFor is what the claimed agent's phone shows
	// (DialPredictive; nil: AgentDisplay).
	AgentDisplayFor func(agentID string) string
	// Ended is told once, when the call is over, how it went (Outcome*)
	// and its call id; an agent whose phone did not answer gives
	// OutcomeAgentUnavailable without a call id.
	Ended func(outcome, callID string)
	// Routed is told once outbound routing took the call's place under
	// the tenant's caps and quota of calls, or refused it (a campaign's
	// dialer counts the calls it placed that the quota does not count
	// yet). Not told when the call fails before routing.
	Routed func()
}

// planLead routes a campaign's call and tells lc.Routed.
func (d *Dispatcher) planLead(ctx context.Context, tenant string, lc *LeadCall, req outroute.PlanRequest) (*outroute.Call, error) {
	out, err := d.planOut(ctx, tenant, req)
	if lc.Routed != nil {
		lc.Routed()
	}
	return out, err
}

// Outcomes of a LeadCall (see DialOutcome).
const (
	OutcomeAnswered         = "answered"
	OutcomeBusy             = "busy"
	OutcomeNoAnswer         = "no_answer"
	OutcomeRejected         = "rejected"
	OutcomeInvalidNumber    = "invalid_number"
	OutcomeFailed           = "failed"
	OutcomeAgentUnavailable = "agent_unavailable"
	// OutcomeMachine: answering-machine detection said a machine answered.
	OutcomeMachine = "machine"
)

// DialOutcome names how a call attempt to a number failed.
func DialOutcome(err error) string {
	var oe *controller.OriginateError
	if errors.As(err, &oe) {
		switch oe.Cause {
		case controller.CauseUserBusy:
			return OutcomeBusy
		case controller.CauseNoAnswer, controller.CauseNoUserResponse, controller.CauseOriginatorCancel, controller.CauseSubscriberAbsent:
			return OutcomeNoAnswer
		case controller.CauseCallRejected:
			return OutcomeRejected
		case controller.CauseUnallocatedNumber, controller.CauseNoRouteDestination:
			return OutcomeInvalidNumber
		}
	}
	return OutcomeFailed
}

// DialFor places a campaign's call the way click-to-dial does (the
// agent's phone first, then the callee, recorded as outbound), with the
// campaign's caller ID, trunk, ring time and what the agent's phone shows,
// and tells lc.Ended how it went. It returns the call id once the agent
// answered.
func (d *Dispatcher) DialFor(ctx context.Context, tenant, agentID string, lc LeadCall) (string, error) {
	id, err := d.agentDial(ctx, tenant, agentID, lc.Number, "", &lc)
	if err != nil && lc.Ended != nil {
		lc.Ended(OutcomeAgentUnavailable, "")
	}
	return id, err
}

func (d *Dispatcher) agentDial(ctx context.Context, tenant, agentID, number, parent string, lc *LeadCall) (string, error) {
	d.mu.Lock()
	dialer, sw := d.opt.Dialer, d.opt.DialSwitch
	d.mu.Unlock()
	if dialer == nil || sw == "" {
		return "", errors.New("click-to-dial needs a switch (no switch is configured)")
	}
	eng, err := d.tenants.Get(ctx, tenant)
	if err != nil {
		return "", err
	}
	a, err := eng.Agent(ctx, agentID)
	if err != nil {
		return "", err
	}
	if a.CallID != "" {
		return "", errors.New("finish the current call first")
	}
	if a.Device == "" {
		return "", errors.New("log in on a device first")
	}
	own, err := d.endpointFor(a.Device)
	if err != nil {
		return "", err
	}
	plan := d.outboundPlan(ctx, tenant, parent)
	target := controller.Endpoint{Kind: controller.EndpointExtension, Number: number}
	// Internal calls show the agent's extension; external ones a number
	// outbound routing picks (caller-ID pool, the tenant's number, or the
	// trunk's own when none is set).
	callerID := ""
	if own.Kind == controller.EndpointExtension {
		callerID = own.Number
	}
	var out *outroute.Call
	if lc != nil || !plan.extensions.IsExtension(number) {
		req := outroute.PlanRequest{Number: number, Source: outroute.SourceClickToDial, Agent: agentID, Queues: d.agentQueues(ctx, tenant, agentID),
			FallbackCallerID: plan.queueCallerID}
		if lc != nil {
			out, err = d.planLead(ctx, tenant, lc, leadPlan(lc, agentID))
		} else {
			out, err = d.planOut(ctx, tenant, req)
		}
		if err != nil {
			return "", err
		}
		target = out.Endpoint(out.Trunks[0])
		callerID = out.CallerID
	}
	display, vars := number, map[string]string{"ipcc_agent": agentID}
	if lc != nil {
		display = lc.AgentDisplay
		for k, v := range lc.Vars {
			vars[k] = v
		}
	}
	if _, err := eng.NotReady(ctx, agentID, reasonOwnCall); err != nil {
		out.Release()
		return "", err
	}
	// Afterwards the agent gets back the state they had: ready, or their
	// break/lunch reason. It is kept in the call's record too, for a
	// controller that re-adopts the call after a restart (DialEnded).
	resume := resumeOf(a)
	restore := func() { d.resume(context.Background(), eng, agentID, resume) }
	call, err := dialer.Dial(ctx, sw, own, controller.OriginateOptions{CallerIDNum: display, Timeout: 30 * time.Second, Vars: vars})
	if err != nil {
		out.Release()
		restore()
		return "", fmt.Errorf("ring your phone: %w", err)
	}
	// An agent calling an extension (a colleague) is an internal call.
	direction, trunk := "internal", ""
	if target.Kind == controller.EndpointExternal {
		direction, trunk = "outbound", target.Trunk
	}
	rec := d.newRecord(call, store.CallRecord{TenantID: tenant, ID: call.ID(), Switch: call.Switch(), Leg: call.Leg().ID(),
		Direction: direction, ANI: a.Device, DNIS: number, StartedAt: d.opt.Clock.Now(), AgentID: agentID, Target: "number:" + number, Trunk: trunk, ParentID: parent,
		AgentResume: resume})
	rec.Leg(call.Leg(), inbound.RoleAgent, a.Device, agentID)
	rec.Save()
	// The agent's controls reach the call from now on: refused until the
	// called party is connected.
	oc := d.openOutCall(tenant, agentID)
	d.dials.Add(1)
	go func() {
		defer d.dials.Done()
		defer oc.close()
		defer out.Release()
		d.finishDial(call, tenant, agentID, target, callerID, rec, restore, oc, lc, out)
	}()
	return call.ID(), nil
}

// dialPlan is what an agent's call needs of the tenant's settings.
type dialPlan struct {
	extensions *dialplan.ExtensionPlan
	// queueCallerID is the queue's outbound caller ID for a call-back to
	// one of its callers.
	queueCallerID string
}

// outboundPlan reads the tenant's extension plan; a call following up a
// queue's caller (parent) presents the queue's outbound caller ID when it
// has one. Settings that cannot be read leave the default plan (4-digit
// extensions).
func (d *Dispatcher) outboundPlan(ctx context.Context, tenant, parent string) dialPlan {
	var p dialPlan
	if d.opt.Store == nil {
		return p
	}
	set, err := d.opt.Store.GetRoutingSettings(ctx, tenant)
	if err != nil {
		d.log.Warn("routing settings not read: default extension plan, no outbound caller ID", "tenant", tenant, "err", err)
		return p
	}
	p.extensions = set.Extensions
	if parent == "" {
		return p
	}
	rec, err := d.opt.Store.GetCall(ctx, tenant, parent)
	if err != nil || rec.QueueID == "" {
		return p
	}
	if row, err := d.opt.Store.GetACDQueue(ctx, tenant, rec.QueueID); err == nil {
		if q, err := acd.QueueFromRow(row); err == nil && q.OutboundCallerID != "" {
			p.queueCallerID = q.OutboundCallerID
		}
	}
	return p
}

// finishDial calls the number from the agent's answered call, connects them
// and waits for the end; the called party sees callerID.
func (d *Dispatcher) finishDial(call *controller.Call, tenant, agentID string, target controller.Endpoint, callerID string, rec *inbound.Record, restore func(), oc *outCall, lc *LeadCall, out *outroute.Call) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ring := 45 * time.Second
	if lc != nil && lc.RingTimeout > 0 {
		ring = lc.RingTimeout
	}
	outcome := OutcomeFailed
	if lc != nil && lc.Ended != nil {
		defer func() { lc.Ended(outcome, call.ID()) }()
	}
	go func() {
		select {
		case <-d.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	role := inbound.RoleExternal
	if target.Kind == controller.EndpointExtension {
		role = inbound.RoleExtension
	}
	var leg *controller.Leg
	try := func(ep controller.Endpoint, trunk string) error {
		l, err := call.StartOriginate(ctx, ep, controller.OriginateOptions{CallerIDNum: callerID, Timeout: ring})
		if err != nil {
			return err
		}
		leg = l
		rec.Leg(leg, role, ep.Number, "")
		rec.Update(func(r *store.CallRecord) { r.Trunk = trunk })
		rec.Save()
		ringFrom := d.opt.Clock.Now()
		err = waitLeg(ctx, call, leg, ring+5*time.Second)
		rec.Update(func(r *store.CallRecord) { r.RingMS = d.opt.Clock.Now().Sub(ringFrom).Milliseconds() })
		if err != nil {
			_ = leg.Hangup(context.WithoutCancel(ctx), controller.CauseOriginatorCancel)
		}
		return err
	}
	var err error
	if out != nil {
		// Through the route's trunks in turn: a congested one fails over.
		err = out.Each(call.Switch(), func(ep controller.Endpoint, t outroute.Trunk) error { return try(ep, t.ID) })
		noteRouting(call, out)
	} else {
		err = try(target, "")
	}
	var rc *recorder
	if err == nil {
		// Policies know inbound and outbound; an internal call is placed by
		// the agent too.
		rc = d.newRecorder(ctx, call, tenant, call.ID(), "", agentID, "outbound")
		err = call.Bridge(ctx, leg)
	}
	switch {
	case err == nil:
		outcome = OutcomeAnswered
		// The agent's controls wait (briefly) for the loop below from now.
		oc.connected()
		at := rec.LegAnsweredAt(leg.ID())
		if at.IsZero() {
			at = d.opt.Clock.Now()
		}
		rec.Answered(at)
		rec.Talking(at)
		rec.Update(func(r *store.CallRecord) { r.Disposition = "answered" })
		rec.Save()
		rc.answered(ctx)
		d.talkOut(ctx, call, leg, rec, rc, oc)
		if rc.rec != nil && ctx.Err() == nil {
			// (When stopping, the switch records on and the next controller
			// completes the row.)
			_ = rc.finish(context.Background())
		}
	case ctx.Err() != nil:
	default:
		outcome = DialOutcome(err)
		rec.Update(func(r *store.CallRecord) { r.Disposition = inbound.DialDisposition(err) })
		_ = call.Hangup(context.Background(), controller.CauseNormalClearing)
	}
	if ctx.Err() != nil && !callDone(call) {
		// The dispatcher is stopping while the call goes on: the record
		// stays open for the next controller, and so does the agent's state.
		rec.Leave()
		return
	}
	restore()
	select {
	case <-call.Done():
	case <-time.After(5 * time.Second):
	}
	rec.Finish(d.opt.Clock.Now())
}

func callDone(c *controller.Call) bool {
	select {
	case <-c.Done():
		return true
	default:
		return false
	}
}

// DialEnded implements inbound.DialEnder: an agent's click-to-dial call
// placed before a restart ended. An agent still not ready for the call gets
// back the state they had before dialling, which the call's record keeps
// (agent_resume); a record without it (written before migration 0013)
// makes the agent ready.
func (d *Dispatcher) DialEnded(ctx context.Context, tenant, agentID string) error {
	eng, err := d.tenants.Get(ctx, tenant)
	if err != nil {
		return err
	}
	a, err := eng.Agent(ctx, agentID)
	if err != nil {
		return err
	}
	if a.State != acd.NotReady || a.Reason != reasonOwnCall {
		return nil // they moved on meanwhile
	}
	resume := resumeAvailable
	if d.opt.Store != nil {
		// The ended call's record is still open: it is completed after this.
		rec, err := d.opt.Store.OpenAgentCall(ctx, tenant, agentID)
		switch {
		case err == nil && rec.AgentResume != "":
			resume = rec.AgentResume
		case err != nil && !errors.Is(err, store.ErrNotFound):
			d.log.Warn("state before the agent's call not read; the agent becomes ready", "tenant", tenant, "agent", agentID, "err", err)
		}
	}
	d.resume(ctx, eng, agentID, resume)
	return nil
}

// reasonOwnCall is the not-ready reason while an agent's own call lasts.
const reasonOwnCall = "outbound-call"

// What an agent's own call gives back when it ends (CallRecord.AgentResume).
const (
	resumeAvailable = "available"
	resumeNotReady  = "not-ready:" // + the reason
	resumeKeep      = "keep"       // any other state: leave the agent as they are
)

// resumeOf is what the agent gets back after their own call, from the
// state they are in when placing it.
func resumeOf(a acd.AgentSnapshot) string {
	switch {
	case a.State == acd.Available:
		return resumeAvailable
	case a.State == acd.NotReady && a.Reason != "":
		return resumeNotReady + a.Reason
	}
	return resumeKeep
}

// resume gives the agent back the state resume names.
func (d *Dispatcher) resume(ctx context.Context, eng *acd.Engine, agentID, resume string) {
	var err error
	switch {
	case resume == resumeAvailable:
		err = eng.Ready(ctx, agentID)
	case strings.HasPrefix(resume, resumeNotReady):
		_, err = eng.NotReady(ctx, agentID, strings.TrimPrefix(resume, resumeNotReady))
	}
	if err != nil {
		d.log.Debug("agent's state after their own call not restored", "agent", agentID, "resume", resume, "err", err)
	}
}

// outCall is an agent's click-to-dial call taking their controls.
type outCall struct {
	d    *Dispatcher
	key  string
	ctrl chan control
	done chan struct{}
	// refusing answers controls while the call is not connected yet;
	// stopRefusing ends that, refused says it ended.
	stopRefusing chan struct{}
	refused      chan struct{}
	once         sync.Once
}

// openOutCall registers the agent's call for their controls.
func (d *Dispatcher) openOutCall(tenant, agentID string) *outCall {
	oc := &outCall{d: d, key: tenant + "/" + agentID, ctrl: make(chan control), done: make(chan struct{}),
		stopRefusing: make(chan struct{}), refused: make(chan struct{})}
	d.mu.Lock()
	d.outbound[oc.key] = oc
	d.mu.Unlock()
	go func() {
		defer close(oc.refused)
		for {
			select {
			case cmd := <-oc.ctrl:
				cmd.reply <- errors.New("the call is not connected yet")
			case <-oc.stopRefusing:
				return
			}
		}
	}()
	return oc
}

// connected hands the controls to the conversation loop.
func (oc *outCall) connected() {
	oc.once.Do(func() { close(oc.stopRefusing) })
	<-oc.refused
}

// close unregisters the call; controls sent meanwhile get ErrNoCall.
func (oc *outCall) close() {
	oc.connected()
	oc.d.mu.Lock()
	if oc.d.outbound[oc.key] == oc {
		delete(oc.d.outbound, oc.key)
	}
	oc.d.mu.Unlock()
	close(oc.done)
}

// talkOut carries out the agent's controls on their connected outbound
// call (hold, hang up, recording) until either side hangs up.
func (d *Dispatcher) talkOut(ctx context.Context, call *controller.Call, leg *controller.Leg, rec *inbound.Record, rc *recorder, oc *outCall) {
	d.outControls(ctx, call, leg, leg, rec, rc, oc)
}

// outControls carries out the agent's controls on an outbound call until
// call or other ends, then hangs up the side still there. Hold and hang up
// act on customer: the customer hears music, the agent silence.
func (d *Dispatcher) outControls(ctx context.Context, call *controller.Call, customer, other *controller.Leg, rec *inbound.Record, rc *recorder, oc *outCall) {
	for {
		select {
		case cmd := <-oc.ctrl:
			var err error
			switch cmd.op {
			case "hold":
				if err = customer.Hold(ctx, d.opt.MusicOnHold); err == nil {
					rec.Hold(true)
				}
			case "unhold":
				if err = customer.Unhold(ctx); err == nil {
					rec.Hold(false)
				}
			case "hangup":
				err = customer.Hangup(ctx, controller.CauseNormalClearing)
			case "record-start":
				err = rc.start(ctx, "agent")
			case "record-stop":
				err = rc.stop(ctx)
			case "record-pause":
				err = rc.pause(ctx, true)
			case "record-resume":
				err = rc.pause(ctx, false)
			default:
				err = fmt.Errorf("%s is not available on an outbound call", cmd.op)
			}
			cmd.reply <- err
		case <-call.Done():
			_ = other.Hangup(context.Background(), controller.CauseNormalClearing)
			return
		case <-other.Done():
			_ = call.Hangup(context.Background(), controller.CauseNormalClearing)
			return
		case <-ctx.Done():
			return
		}
	}
}
