package acd

import (
	"context"
	"time"
)

// Leg holds: after a restart or a standby's takeover, the switch may still
// have legs to an agent's phone that no offer or call of this engine
// accounts for — a ring the previous controller started and that is being
// hung up, an answered leg it left behind. Offering that agent a call then
// would put two calls on one phone. The wiring reports such a leg with
// HoldForLeg before it acts on it; the agent is offered nothing while any
// of their held legs is up, and becomes offerable again when LegGone says
// the leg ended. A hangup that is never reported cannot keep the agent out
// for good: each hold ends by itself after its bound, with a warning.

// LegHold names a leg to an agent's phone that this engine does not
// account for.
type LegHold struct {
	// Leg is the switch's leg id (unique among the switch's live legs).
	Leg string
	// AgentID is the agent the leg rings or talks to; when empty, the
	// agent signed in on Device is held.
	AgentID string
	Device  string
	// For bounds the hold: it ends after For even if LegGone never comes
	// (default LegHoldTimeout).
	For time.Duration
}

// LegHoldTimeout is how long a held leg keeps its agent from being offered
// when its end is never reported (the hangup event was lost). A ring being
// hung up ends in milliseconds.
const LegHoldTimeout = 10 * time.Second

// HoldForLeg keeps the agent of h from being offered calls until LegGone
// reports h.Leg ended, or h.For passes. It reports whether an agent was
// found to hold (an unknown agent or device is no error: nobody is held).
// Holding a leg held already renews its bound.
func (e *Engine) HoldForLeg(ctx context.Context, h LegHold) (bool, error) {
	held := false
	err := e.doCtx(ctx, func(c *core) error {
		held = c.holdForLeg(h)
		return nil
	})
	return held, err
}

// LegGone reports that a leg ended: the hold it put on its agent ends. A
// leg that holds nobody is ignored.
func (e *Engine) LegGone(ctx context.Context, leg string) error {
	return e.doCtx(ctx, func(c *core) error {
		c.legGone(leg, false)
		return nil
	})
}

// legHold is one held leg.
type legHold struct {
	a     *agent
	timer *ctimer
}

func (c *core) holdForLeg(h LegHold) bool {
	if h.Leg == "" {
		return false
	}
	var a *agent
	if h.AgentID != "" {
		a = c.agents[h.AgentID]
	} else if h.Device != "" {
		a = c.deviceUser(nil, h.Device)
	}
	if a == nil || a.st.State == LoggedOut {
		return false
	}
	d := h.For
	if d <= 0 {
		d = LegHoldTimeout
	}
	if c.legHolds == nil {
		c.legHolds = map[string]*legHold{}
	}
	if old := c.legHolds[h.Leg]; old != nil {
		old.timer.stop()
		if old.a != a {
			c.legGone(h.Leg, false)
		}
	}
	lh := c.legHolds[h.Leg]
	if lh == nil {
		lh = &legHold{a: a}
		c.legHolds[h.Leg] = lh
		a.legHolds++
		if a.legHolds == 1 {
			c.removeFromSets(a)
			c.log.Info("acd: agent held while a leg to their phone not accounted for is up", "agent", a.id, "leg", h.Leg)
		}
	}
	leg := h.Leg
	lh.timer = c.after(d, func() { c.legGone(leg, true) })
	return true
}

// legGone ends the hold of leg; expired says its bound ran out.
func (c *core) legGone(leg string, expired bool) {
	lh := c.legHolds[leg]
	if lh == nil {
		return
	}
	delete(c.legHolds, leg)
	lh.timer.stop()
	a := lh.a
	a.legHolds--
	if expired {
		c.log.Warn("acd: the end of a held leg was not reported in time: its agent may be offered calls again", "agent", a.id, "leg", leg)
	}
	if a.legHolds > 0 {
		return
	}
	c.log.Info("acd: agent no longer held by a leg to their phone", "agent", a.id, "leg", leg)
	if a.st.State == Available && a.heldFor == "" {
		c.addToSets(a)
		c.markAgent(a)
	}
}

// offerable reports whether an available agent may be offered a call now:
// not held for a restored ring (heldFor) nor by a leg to their phone.
func (a *agent) offerable() bool {
	return a.st.State == Available && a.heldFor == "" && a.legHolds == 0
}

// RingingFor is the agent restored available while the previous process
// was ringing them for callID and held until that call is taken back
// ("" when none): the wiring looks for that ring on the switch before
// the call takes its place back, so the agent is not rung twice.
func (e *Engine) RingingFor(ctx context.Context, callID string) (string, error) {
	id := ""
	err := e.doCtx(ctx, func(c *core) error {
		if a := c.held[callID]; a != nil {
			id = a.id
		}
		return nil
	})
	return id, err
}
