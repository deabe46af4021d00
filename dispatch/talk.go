package dispatch

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/inbound"
	"github.com/ipcc/ipcc/outroute"
)

// conversation is a connected call and what the agent did to it: a
// consultation with a third party, a three-way conference.
type conversation struct {
	w       *waiter
	e       acd.Connect
	agent   *controller.Leg // nil once the agent left (consult completed)
	partner *controller.Leg // who the caller talks to (agent, or consultee after a completed consult)
	consult *controller.Leg // the third party while consulting or in a three-way
	// consultTo is the number the consultation rang (the consulted
	// phone), so a supervisor accepting a help request on that phone is
	// handed the consult leg rather than rung again.
	consultTo string
	room      string    // three-way conference room
	rc        *recorder // the call's recording under its policy
	// release gives back an agent reserved for a consultation, or the
	// outbound routing of an external consultee.
	release func()
	// out routes an external consultee (trunks in failover order).
	out *outroute.Call
}

// talk waits for the conversation to end, carrying out the agent's
// controls meanwhile.
func (w *waiter) talk(ctx context.Context, e acd.Connect, agent *controller.Leg, res inbound.QueueResult) inbound.QueueResult {
	cv := &conversation{w: w, e: e, agent: agent, partner: agent}
	cv.rc = w.d.newRecorder(ctx, w.c, w.tenant, w.id, w.queue, e.AgentID, "inbound")
	if !w.resumed {
		cv.rc.answered(ctx)
	} else {
		cv.rc.inherit(ctx)
	}
	defer func() {
		if cv.rc.rec != nil {
			if ctx.Err() != nil {
				// Stopping while the call goes on: the switch records on to
				// the end and the next controller completes the row.
				w.c.Note("record", "controller stopping: recording left running")
			} else {
				_ = cv.rc.finish(w.bg())
			}
		}
		cv.releaseConsultee()
	}()
	agentGone := func() <-chan struct{} {
		if cv.agent == nil {
			return nil
		}
		return cv.agent.Done()
	}
	partnerGone := func() <-chan struct{} {
		if cv.partner == nil || cv.partner == cv.agent {
			return nil
		}
		return cv.partner.Done()
	}
	for {
		select {
		case cmd := <-w.ctrl:
			next, done := cv.control(ctx, cmd)
			if done {
				_ = w.eng.CallEnded(w.bg(), w.id)
				res.Next = next
				return res
			}
		case <-w.c.Done():
			cv.hangupAll()
			_ = w.eng.CallEnded(w.bg(), w.id)
			return res
		case <-partnerGone():
			// The consultee the caller was handed to hung up.
			_ = w.c.Hangup(w.bg(), controller.CauseNormalClearing)
		case <-agentGone():
			_ = w.eng.CallEnded(w.bg(), w.id)
			if cv.room != "" && cv.consult != nil {
				// A three-way goes on without the agent.
				cv.agent, cv.partner = nil, cv.consult
				continue
			}
			// The agent hung up first: the caller goes to the queue's survey
			// flow when it has one, else the call ends.
			if cv.consult != nil {
				_ = cv.consult.Hangup(w.bg(), controller.CauseNormalClearing)
			}
			if flow := w.d.surveyFlow(w.tenant, w.queue); flow != "" {
				if err := w.c.Unbridge(ctx); err != nil && !errors.Is(err, controller.ErrHungUp) {
					w.c.Note("queue", "unbridge for the survey: "+err.Error())
				}
				w.c.Note("queue", "agent hung up first: survey "+flow)
				res.Next = &dialplan.Target{Kind: dialplan.KindFlow, Ref: flow}
				res.NextVars = map[string]any{"agent_id": e.AgentID, "queue": w.queue}
				return res
			}
			_ = w.c.Hangup(w.bg(), controller.CauseNormalClearing)
			return res
		case <-ctx.Done():
			// The controller is stopping; the conversation goes on in the
			// switch and the agent stays on the call until the next
			// controller sees it end.
			return res
		}
	}
}

func (cv *conversation) hangupAll() {
	seen := map[*controller.Leg]bool{}
	for _, l := range []*controller.Leg{cv.agent, cv.partner, cv.consult} {
		if l != nil && !seen[l] { // the partner is the agent until a consult completes
			seen[l] = true
			_ = l.Hangup(cv.w.bg(), controller.CauseNormalClearing)
		}
	}
}

// endpoint turns a transfer/consult target into something to dial.
func (cv *conversation) endpoint(ctx context.Context, t *dialplan.Target) (controller.Endpoint, error) {
	switch t.Kind {
	case dialplan.KindExtension:
		return controller.Endpoint{Kind: controller.EndpointExtension, Number: t.Ref}, nil
	case dialplan.KindExternal:
		w := cv.w
		out, err := w.d.planOut(ctx, w.tenant, outroute.PlanRequest{Number: t.Ref, Source: outroute.SourceTransfer, Agent: cv.e.AgentID,
			Queues: w.d.agentQueues(ctx, w.tenant, cv.e.AgentID)})
		if err != nil {
			return controller.Endpoint{}, err
		}
		cv.out, cv.release = out, out.Release
		return out.Endpoint(out.Trunks[0]), nil
	case dialplan.KindAgent:
		// Reserved for the consultation so the ACD offers them nothing else.
		device, release, err := cv.w.d.Reserve(ctx, cv.w.tenant, t.Ref, "consulted")
		if err != nil {
			return controller.Endpoint{}, err
		}
		cv.release = release
		return cv.w.d.endpointFor(device)
	}
	return controller.Endpoint{}, fmt.Errorf("cannot consult a %s", t.Kind)
}

// control carries out one agent request; done with a target means the call
// leaves the agent for it (blind transfer).
func (cv *conversation) control(ctx context.Context, cmd control) (*dialplan.Target, bool) {
	w := cv.w
	if cv.agent == nil || cmd.agent != cv.e.AgentID {
		// A former agent (after an attended transfer, or who left a
		// three-way) no longer controls the call.
		cmd.reply <- ErrNoCall
		return nil, false
	}
	var err error
	switch cmd.op {
	case "hold":
		if err = w.holdCaller(ctx, true); err == nil {
			w.rec.Hold(true)
		}
	case "unhold":
		if err = w.c.Unhold(ctx); err == nil {
			w.rec.Hold(false)
		}
	case "hangup":
		err = w.c.Hangup(ctx, controller.CauseNormalClearing)
	case "transfer":
		if cv.consult != nil || cv.agent == nil {
			err = errors.New("finish the consultation first")
			break
		}
		w.c.Note("queue", "agent transferred the call to "+string(cmd.target.Kind)+":"+cmd.target.Ref)
		// A held caller's music stops: it would play on over the
		// transfer (Asterisk keeps a channel's music on hold). Asked
		// whether or not the hold was reported yet.
		if err := w.c.Unhold(ctx); err != nil && !errors.Is(err, controller.ErrHungUp) {
			w.c.Note("queue", "unhold for the transfer: "+err.Error())
		}
		if err := w.c.Unbridge(ctx); err != nil && !errors.Is(err, controller.ErrHungUp) {
			w.c.Note("queue", "unbridge for the transfer: "+err.Error())
		}
		_ = cv.agent.Hangup(w.bg(), controller.CauseNormalClearing)
		w.rec.Hold(false)
		w.rec.TransferredTo(string(cmd.target.Kind) + ":" + cmd.target.Ref)
		w.rec.Save()
		cmd.reply <- nil
		return cmd.target, true
	case "consult":
		err = cv.startConsult(ctx, cmd.target)
	case "consult-cancel":
		err = cv.cancelConsult(ctx)
	case "consult-complete":
		err = cv.completeConsult(ctx)
	case "consult-handover":
		err = cv.handOverConsult(ctx, cmd.target.Ref, cmd.handover)
	case "three-way":
		err = cv.threeWay(ctx)
	case "flow":
		// The request is answered as soon as the caller is on the way; the
		// flow then runs here and the caller comes back to the agent.
		cv.sendToFlow(ctx, cmd.target.Ref, cmd.reply)
		return nil, false
	case "record-start":
		err = cv.rc.start(ctx, "agent")
	case "record-stop":
		err = cv.rc.stop(ctx)
	case "record-pause":
		err = cv.rc.pause(ctx, true)
	case "record-resume":
		err = cv.rc.pause(ctx, false)
	case "mute":
		err = cv.mute(ctx, true)
	case "unmute":
		err = cv.mute(ctx, false)
	default:
		err = fmt.Errorf("unknown operation %q", cmd.op)
	}
	cmd.reply <- err
	return nil, false
}

// startConsult holds the caller and connects the agent with a third party
// (a colleague, a supervisor for help, an external number).
func (cv *conversation) startConsult(ctx context.Context, t *dialplan.Target) error {
	w := cv.w
	if cv.consult != nil || cv.agent == nil || cv.room != "" {
		return errors.New("a consultation is already going on")
	}
	ep, err := cv.endpoint(ctx, t)
	if err != nil {
		cv.releaseConsultee()
		return err
	}
	w.c.Note("queue", "agent consults "+string(t.Kind)+":"+t.Ref+"; caller on hold")
	if err := w.c.Unbridge(ctx); err != nil {
		return err
	}
	if err := w.holdCaller(ctx, true); err == nil {
		w.rec.Hold(true)
	} else if !errors.Is(err, controller.ErrHungUp) {
		w.c.Note("queue", "caller not put on hold for the consultation (they wait without music): "+err.Error())
	}
	var leg *controller.Leg
	try := func(ep controller.Endpoint, callerID string) error {
		l, err := w.c.StartOriginate(ctx, ep, controller.OriginateOptions{CallerIDNum: callerID, Timeout: 30 * time.Second})
		if err != nil {
			return err
		}
		agentID := ""
		if t.Kind == dialplan.KindAgent {
			agentID = t.Ref
		}
		w.rec.Leg(l, inbound.RoleConsult, ep.Number, agentID)
		w.rec.Save()
		if err := waitLeg(ctx, w.c, l, 35*time.Second); err != nil {
			_ = l.Hangup(w.bg(), controller.CauseNormalClearing)
			return err
		}
		leg = l
		return nil
	}
	if cv.out != nil {
		// An external number: the caller's number is shown unless routing
		// picks one (a caller-ID pool, the tenant's number); a congested
		// trunk fails over to the next.
		cid := w.c.ANI()
		if cv.out.CallerID != "" {
			cid = cv.out.CallerID
		}
		err = cv.out.Each(w.c.Switch(), func(ep controller.Endpoint, _ outroute.Trunk) error { return try(ep, cid) })
		noteRouting(w.c, cv.out)
	} else {
		err = try(ep, w.c.ANI())
	}
	if err == nil {
		if err = cv.agent.Bridge(ctx, leg); err != nil {
			_ = leg.Hangup(w.bg(), controller.CauseNormalClearing)
		}
	}
	if err != nil {
		cv.releaseConsultee()
		// Back to the caller.
		if herr := cv.offHold(ctx); herr != nil {
			return fmt.Errorf("consult %s: %w; %w", t.Ref, err, herr)
		}
		if berr := w.c.Bridge(ctx, cv.agent); berr != nil {
			w.c.Note("queue", "caller not reconnected with the agent after the failed consultation: "+berr.Error())
		}
		return fmt.Errorf("consult %s: %w", t.Ref, err)
	}
	cv.consult, cv.consultTo = leg, ep.Number
	return nil
}

// handOverConsult gives the consult leg to a supervisor who accepts the
// help request on the consulted phone (device): the consultation ends
// without hanging that phone up, the caller is back with the agent, and
// the leg — already answered — is the supervisor's to listen, whisper or
// barge with. No consultation on device: out.leg stays nil.
func (cv *conversation) handOverConsult(ctx context.Context, device string, out *handover) error {
	w := cv.w
	if cv.consult == nil || cv.room != "" || cv.consultTo == "" || cv.consultTo != device {
		return nil
	}
	leg := cv.consult
	select {
	case <-leg.Done():
		return nil // the supervisor hung up meanwhile: they are rung anew
	default:
	}
	if err := leg.Unbridge(ctx); err != nil {
		return fmt.Errorf("take the supervisor's phone out of the consultation: %w", err)
	}
	cv.consult, cv.consultTo = nil, ""
	cv.releaseConsultee()
	if err := cv.offHold(ctx); err != nil {
		_ = leg.Hangup(w.bg(), controller.CauseNormalClearing)
		return err
	}
	if err := w.c.Bridge(ctx, cv.agent); err != nil {
		_ = leg.Hangup(w.bg(), controller.CauseNormalClearing)
		return fmt.Errorf("reconnect the caller with the agent: %w", err)
	}
	w.c.Note("queue", "help consultation handed to the supervisor on "+device+"; caller back with the agent")
	id := leg.ID()
	out.leg, out.setRole = leg, func(role string) { w.rec.SetLegRole(id, role) }
	return nil
}

// cancelConsult drops the third party and reconnects the caller.
func (cv *conversation) cancelConsult(ctx context.Context) error {
	w := cv.w
	if cv.consult == nil || cv.room != "" {
		return errors.New("no consultation to cancel")
	}
	_ = cv.consult.Hangup(w.bg(), controller.CauseNormalClearing)
	cv.consult, cv.consultTo = nil, ""
	cv.releaseConsultee()
	if err := cv.offHold(ctx); err != nil {
		return err
	}
	w.c.Note("queue", "consultation cancelled; caller back with the agent")
	return w.c.Bridge(ctx, cv.agent)
}

// completeConsult hands the caller to the third party (attended transfer)
// and frees the agent.
func (cv *conversation) completeConsult(ctx context.Context) error {
	w := cv.w
	if cv.consult == nil || cv.room != "" {
		return errors.New("no consultation to complete")
	}
	if err := cv.offHold(ctx); err != nil {
		return err
	}
	if err := w.c.Bridge(ctx, cv.consult); err != nil {
		return err
	}
	w.c.Note("queue", "attended transfer completed")
	w.rec.TransferredTo(cv.consultTo)
	w.rec.Save()
	agent := cv.agent
	cv.agent, cv.partner, cv.consult, cv.consultTo = nil, cv.consult, nil, ""
	_ = agent.Hangup(w.bg(), controller.CauseNormalClearing)
	_ = w.eng.CallEnded(w.bg(), w.id)
	return nil
}

// threeWay puts caller, agent and the consulted party in one conference.
func (cv *conversation) threeWay(ctx context.Context) error {
	w := cv.w
	if cv.consult == nil || cv.room != "" {
		return errors.New("consult someone first, then join them")
	}
	room := "ipcc-" + w.c.ID()
	if err := cv.offHold(ctx); err != nil {
		return err
	}
	for _, l := range []*controller.Leg{w.c.Leg(), cv.agent, cv.consult} {
		if err := l.JoinConference(ctx, room, controller.ConferenceOptions{}); err != nil {
			return fmt.Errorf("three-way: %w", err)
		}
	}
	cv.room = room
	w.rec.Conferenced()
	w.rec.Save()
	w.c.Note("queue", "three-way conference "+room)
	return nil
}

// sendToFlow takes the caller away from the agent into a flow (identity
// check, payment, survey) and brings them back when it ends — the flow ends
// with a transfer to the agent (target ${agent_id}); the agent waits on the
// line meanwhile and the flow's variables go into the call's trace.
func (cv *conversation) sendToFlow(ctx context.Context, flowID string, reply chan error) {
	w := cv.w
	w.d.mu.Lock()
	runner := w.d.flows
	w.d.mu.Unlock()
	switch {
	case runner == nil:
		reply <- errors.New("flows cannot be run from here")
		return
	case cv.agent == nil || cv.consult != nil || cv.room != "":
		reply <- errors.New("finish the consultation first")
		return
	}
	if err := w.c.Unbridge(ctx); err != nil {
		reply <- err
		return
	}
	reply <- nil
	w.c.Note("queue", "agent sent the caller into flow "+flowID)
	vars, err := runner.Consult(ctx, w.c, w.tenant, flowID, map[string]any{"agent_id": cv.e.AgentID, "queue": w.queue})
	if errors.Is(err, controller.ErrHungUp) {
		return // the conversation loop sees the caller gone
	}
	if err != nil {
		w.c.Note("queue", "flow "+flowID+": "+err.Error())
	}
	w.c.Note("queue", fmt.Sprintf("caller back from flow %s (variables %v)", flowID, vars))
	if err := w.c.Bridge(ctx, cv.agent); err != nil {
		w.c.Note("queue", "reconnect after flow: "+err.Error())
	}
}

// offHold takes the caller off hold before they talk to someone again.
// When the switch refuses, the caller stays held and is not connected to
// anyone (they would hear nothing); the error says so, as does the trace.
func (cv *conversation) offHold(ctx context.Context) error {
	if err := cv.w.unhold(ctx); err != nil {
		return fmt.Errorf("the caller could not be taken off hold: %w", err)
	}
	cv.w.rec.Hold(false)
	return nil
}

func (cv *conversation) releaseConsultee() {
	if cv.release != nil {
		cv.release()
		cv.release = nil
	}
	cv.out = nil
}

// waitLeg waits until an originated leg answers; it fails when the leg
// ends unanswered (with the cause), the caller leaves or timeout passes.
func waitLeg(ctx context.Context, c *controller.Call, leg *controller.Leg, timeout time.Duration) error {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-leg.AnsweredC():
		return nil
	case <-leg.Done():
		cause, _, _ := leg.HangupCause()
		return &controller.OriginateError{Leg: leg.ID(), Cause: cause}
	case <-c.Done():
		return controller.ErrHungUp
	case <-t.C:
		return &controller.OriginateError{Leg: leg.ID(), Cause: controller.CauseNoAnswer}
	case <-ctx.Done():
		return ctx.Err()
	}
}
