package controller

import (
	"context"
	"fmt"
	"maps"
	"time"
)

// OriginateOptions tune Call.Originate.
type OriginateOptions struct {
	CallerIDNum  string
	CallerIDName string
	// Timeout is the ring timeout the switch applies (0 = switch default).
	// The controller gives up on its own Timeout+CommandTimeout later (60s
	// + CommandTimeout without a Timeout) in case the switch never reports.
	Timeout time.Duration
	Vars    map[string]string
}

// Originate creates an outbound leg owned by the call and waits until it is
// answered (returning the leg) or fails (returning an *OriginateError with
// the cause, e.g. USER_BUSY or NO_ANSWER). The leg id is chosen and
// registered before the command is sent, so no event can race it. If the
// caller hangs up or ctx ends meanwhile, the new leg is cancelled.
func (c *Call) Originate(ctx context.Context, ep Endpoint, o OriginateOptions) (*Leg, error) {
	if err := c.beginWait(); err != nil {
		return nil, originateErr(c, ep, err)
	}
	defer c.endWait()
	if err := c.inbound.goneErr(); err != nil {
		return nil, originateErr(c, ep, err)
	}
	leg := newLeg(c, newID(), false)
	c.mu.Lock()
	c.legs[leg.id] = leg
	c.mu.Unlock()
	c.ctl.registerLeg(c.swName, leg.id, c)
	if err := c.originateLeg(ctx, leg, ep, o); err != nil {
		return nil, err
	}
	return leg, nil
}

// StartOriginate creates an outbound leg owned by the call and returns as
// soon as the switch accepted the request, without waiting for the outcome
// and without taking the call's wait slot. It is how the ACD rings agents
// while the handler keeps playing announcements to the caller, or rings
// several agents at once: select on leg.AnsweredC(), leg.Done() (cause in
// leg.HangupCause()), c.Done() and a clock timer, and hang up the legs you
// no longer want. The controller applies no ring timeout of its own here.
func (c *Call) StartOriginate(ctx context.Context, ep Endpoint, o OriginateOptions) (*Leg, error) {
	if err := c.inbound.goneErr(); err != nil {
		return nil, originateErr(c, ep, err)
	}
	leg := newLeg(c, newID(), false)
	c.mu.Lock()
	c.legs[leg.id] = leg
	c.mu.Unlock()
	c.ctl.registerLeg(c.swName, leg.id, c)
	if err := c.sendOriginate(ctx, leg, ep, o); err != nil {
		return nil, err
	}
	return leg, nil
}

// sendOriginate sends the originate for leg (already registered); on
// failure the leg is marked gone and unregistered.
func (c *Call) sendOriginate(ctx context.Context, leg *Leg, ep Endpoint, o OriginateOptions) error {
	ep, routeErr := c.ctl.place(c, ep)
	c.mu.Lock()
	leg.endpoint, leg.origVars, leg.dialled = ep, maps.Clone(o.Vars), true
	c.mu.Unlock()
	req := Originate{
		LegID: leg.id, Endpoint: ep, CallerIDNum: o.CallerIDNum, CallerIDName: o.CallerIDName,
		Timeout: o.Timeout, Vars: maps.Clone(o.Vars),
	}
	// No dial string is built from an endpoint that could reach elsewhere.
	err := routeErr
	if err == nil {
		err = CheckEndpoint(ep)
	}
	if err != nil {
		c.Note("originate", "refused: "+err.Error())
		err = originateErr(c, ep, err)
	} else {
		err = c.command(ctx, "originate", leg.id, fmt.Sprintf("to %s (timeout %s)", ep.Number, o.Timeout), func(ctx context.Context) error {
			return c.sw.Originate(ctx, req)
		})
	}
	if err != nil {
		c.mu.Lock()
		leg.markGoneLocked(CauseNormalTemporaryFailure, HangupController, false)
		c.mu.Unlock()
		c.ctl.unregisterLeg(c.swName, leg.id, c)
		c.ctl.maybeForget(c)
		return err
	}
	c.mu.Lock()
	leg.accepted = true
	c.mu.Unlock()
	return nil
}

func originateErr(c *Call, ep Endpoint, err error) error {
	return fmt.Errorf("controller: originate to %q on call %s: %w", ep.Number, c.id, err)
}

// originateLeg sends the originate for leg (already registered) and waits
// for its outcome. The caller holds the wait.
func (c *Call) originateLeg(ctx context.Context, leg *Leg, ep Endpoint, o OriginateOptions) error {
	if err := c.sendOriginate(ctx, leg, ep, o); err != nil {
		return err
	}

	guard := o.Timeout
	if guard <= 0 {
		guard = 60 * time.Second
	}
	timer := c.clock().NewTimer(guard + c.ctl.opts.CommandTimeout)
	defer timer.Stop()
	cancelLeg := func(cause Cause) {
		hctx, cancel := c.cleanupCtx(ctx)
		defer cancel()
		_ = leg.Hangup(hctx, cause)
	}
	for {
		ev, timedOut, err := c.next(ctx, timer.C())
		if err != nil {
			cancelLeg(CauseOriginatorCancel)
			return originateErr(c, ep, err)
		}
		if timedOut {
			c.Note("originate", "no answer or failure reported in time; cancelling "+leg.id)
			cancelLeg(CauseOriginatorCancel)
			return originateErr(c, ep, &OriginateError{Leg: leg.id, Endpoint: ep, Cause: CauseNoAnswer, By: HangupController})
		}
		switch {
		case ev.Type == EventAnswered && ev.Leg == leg.id:
			c.log.Info("originated leg answered", "new_leg", leg.id, "to", ep.Number)
			return nil
		case ev.Type == EventHungUp && ev.Leg == leg.id:
			cause := ev.Cause
			if cause == "" {
				cause = CauseNormalUnspecified
			}
			return originateErr(c, ep, &OriginateError{Leg: leg.id, Endpoint: ep, Cause: cause, By: ev.HangupBy})
		case ev.Type == EventHungUp && ev.Leg == c.inbound.id:
			cancelLeg(CauseOriginatorCancel)
			return originateErr(c, ep, ErrHungUp)
		}
	}
}

// Bridge connects l with other (both on this call's switch) and waits for
// the switch to report the bridge.
func (l *Leg) Bridge(ctx context.Context, other *Leg) error {
	c := l.call
	if other == nil {
		return l.wrap("bridge", fmt.Errorf("%w: nil leg", ErrInvalidArgument))
	}
	if other.call.swName != c.swName {
		return l.wrap("bridge", fmt.Errorf("%w: leg %s is on switch %q, not %q", ErrInvalidArgument, other.id, other.call.swName, c.swName))
	}
	if err := c.beginWait(); err != nil {
		return l.wrap("bridge", err)
	}
	defer c.endWait()
	if err := l.goneErr(); err != nil {
		return l.wrap("bridge", err)
	}
	if err := other.goneErr(); err != nil {
		return l.wrap("bridge", err)
	}
	if err := c.command(ctx, "bridge", l.id, "with "+other.id, func(ctx context.Context) error {
		return c.sw.Bridge(ctx, l.id, other.id)
	}); err != nil {
		return err
	}
	timer := c.clock().NewTimer(c.ctl.opts.CommandTimeout)
	defer timer.Stop()
	for {
		if l.BridgedWith() == other.id {
			return nil
		}
		ev, timedOut, err := c.next(ctx, timer.C())
		switch {
		case err != nil:
			return l.wrap("bridge", err)
		case timedOut:
			return l.wrap("bridge", ErrNoConfirmation)
		}
		if err := c.endsWait(ev, l, other); err != nil {
			return l.wrap("bridge", err)
		}
		if ev.Type == EventBridged && (ev.Leg == l.id || ev.Leg == other.id || ev.OtherLeg == l.id || ev.OtherLeg == other.id) {
			return nil
		}
	}
}

// place turns an originate to an extension registered on another switch
// into a call through the inter-switch trunk from this call's switch to
// that one (Options.Sites); an extension of this switch, or one no site
// claims, is rung here. The trace says which.
func (ctl *Controller) place(c *Call, ep Endpoint) (Endpoint, error) {
	m := ctl.opts.Sites
	if ep.Kind != EndpointExtension || m.Empty() {
		return ep, nil
	}
	r, err := m.Route(c.swName, ep.Number)
	switch {
	case err != nil:
		return ep, fmt.Errorf("%w: %w", ErrInvalidArgument, err)
	case r.Local:
		return ep, nil
	}
	out := Endpoint{Kind: EndpointExternal, Number: r.Trunk.Prefix + ep.Number, Trunk: r.Trunk.Gateway}
	site := ""
	if s := m.Site(r.Home); s != "" {
		site = " (site " + s + ")"
	}
	c.Note("originate", fmt.Sprintf("phone %s is on switch %s%s: dialled from %s through trunk %s as %s", ep.Number, r.Home, site, c.swName, out.Trunk, out.Number))
	return out, nil
}

// HomeSwitch is the switch extension ext is registered on (Options.Sites);
// ok is false when no site places it, or it names a switch not added.
func (ctl *Controller) HomeSwitch(ext string) (string, bool) {
	sw, ok := ctl.opts.Sites.Home(ext)
	if !ok {
		return "", false
	}
	ctl.mu.Lock()
	_, added := ctl.switches[sw]
	ctl.mu.Unlock()
	return sw, added
}
