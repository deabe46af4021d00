package dispatch

import (
	"context"
	"time"

	"github.com/ipcc/ipcc/acd"
)

// HoldForLeg keeps agentID of tenant from being offered calls while the
// leg sw/leg to their phone, which no offer or call of this controller
// accounts for (a ring or a talk a previous controller left), is up: until
// legHoldEntry is a leg holding an agent: its tenant, and when the
// engine's bound has ended the hold for sure.
type legHoldEntry struct {
	tenant string
	until  time.Time
}

// LegGone reports it ended, or bound passes (0: acd.LegHoldTimeout). It
// reports whether the agent was held (inbound.LegHolder).
func (d *Dispatcher) HoldForLeg(ctx context.Context, tenant, sw, leg, agentID string, bound time.Duration) bool {
	if tenant == "" || leg == "" || agentID == "" {
		return false
	}
	eng, err := d.tenants.Get(ctx, tenant)
	if err != nil {
		d.log.Warn("agent not held for a leg left by the previous controller", "tenant", tenant, "agent", agentID, "leg", leg, "err", err)
		return false
	}
	key := sw + "/" + leg
	if bound <= 0 {
		bound = acd.LegHoldTimeout
	}
	now := d.opt.Clock.Now()
	d.mu.Lock()
	// A hold whose end was never reported has ended in the engine at its
	// bound: forget it here too, so the map stays as small as the holds.
	for k, h := range d.legHolds {
		if now.After(h.until) {
			delete(d.legHolds, k)
		}
	}
	d.legHolds[key] = legHoldEntry{tenant: tenant, until: now.Add(bound + time.Second)}
	d.mu.Unlock()
	held, err := eng.HoldForLeg(ctx, acd.LegHold{Leg: key, AgentID: agentID, For: bound})
	if err != nil || !held {
		d.mu.Lock()
		delete(d.legHolds, key)
		d.mu.Unlock()
		if err != nil {
			d.log.Warn("agent not held for a leg left by the previous controller", "tenant", tenant, "agent", agentID, "leg", leg, "err", err)
		}
		return false
	}
	return true
}

// LegGone reports that the leg sw/leg ended: the agent it held may be
// offered calls again. A leg that holds nobody is ignored.
func (d *Dispatcher) LegGone(ctx context.Context, sw, leg string) {
	key := sw + "/" + leg
	d.mu.Lock()
	h, ok := d.legHolds[key]
	delete(d.legHolds, key)
	d.mu.Unlock()
	if !ok {
		return
	}
	tenant := h.tenant
	eng, err := d.tenants.Get(ctx, tenant)
	if err == nil {
		err = eng.LegGone(ctx, key)
	}
	if err != nil {
		d.log.Warn("end of a held leg not passed on; the hold ends at its bound", "tenant", tenant, "leg", leg, "err", err)
	}
}

// RingingFor is the agent the previous controller was ringing for callID
// when it stopped, held by the restored engine until the call is taken
// back ("" when none).
func (d *Dispatcher) RingingFor(ctx context.Context, tenant, callID string) string {
	eng, err := d.tenants.Get(ctx, tenant)
	if err != nil {
		return ""
	}
	id, err := eng.RingingFor(ctx, callID)
	if err != nil {
		return ""
	}
	return id
}
