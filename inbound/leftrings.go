package inbound

import (
	"context"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/store"
)

// LegHolder is implemented by a QueueRouter whose ACD can hold an agent
// while a leg to their phone that no offer or call of this controller
// accounts for is up — a ring or a talk a previous controller left behind
// — so the agent is never offered a call on top of it. The hold ends when
// LegGone reports the leg's end, or after bound (0: the ACD's default)
// if that report never comes.
type LegHolder interface {
	HoldForLeg(ctx context.Context, tenant, sw, leg, agentID string, bound time.Duration) bool
	LegGone(ctx context.Context, sw, leg string)
	// RingingFor is the agent the previous controller was ringing for
	// callID when it stopped ("" when none).
	RingingFor(ctx context.Context, tenant, callID string) string
}

// orphanTalkBound bounds the hold of an agent talking on an answered leg a
// previous controller left with no record (held while it lasts).
const orphanTalkBound = 2 * time.Hour

// holdForLeg holds agent for leg (see LegHolder); false when the queue
// cannot hold.
func (h *Handler) holdForLeg(ctx context.Context, tenant, sw, leg, agent string, bound time.Duration) bool {
	lh, ok := h.opt.Queues.(LegHolder)
	if !ok || tenant == "" || agent == "" {
		return false
	}
	return lh.HoldForLeg(ctx, tenant, sw, leg, agent, bound)
}

// legGone tells the queue a leg ended (see LegHolder).
func (h *Handler) legGone(ctx context.Context, sw, leg string) {
	if lh, ok := h.opt.Queues.(LegHolder); ok {
		lh.LegGone(context.WithoutCancel(ctx), sw, leg)
	}
}

// endLeftRings hangs up the rings the previous controller left up for a
// re-adopted caller who was not connected yet: that offer died with it
// (the restored queue offers again), so the agent's phone must not ring
// for it and for the new offer at once. The rings are the caller's
// recorded agent legs still open and, when the restored queue says an
// agent was being rung for the call, any live leg the switch lists for
// that agent (a ring started but not recorded before the previous
// controller died). Each agent is held in the queue before their ring is
// hung up and offered again only once the switch reports the ring gone
// (the leg's own handler reports its end: see Handle), so the new offer
// never overlaps the old ring. except is a leg left alone: one the switch
// has answered and bridged with the caller (see takeTalking), "" if none.
func (h *Handler) endLeftRings(ctx context.Context, k *call, rec *store.CallRecord, legs []store.CallLeg, except string) {
	c, log := k.c, k.log
	sw := c.Switch()
	done := map[string]bool{}
	end := func(leg, agent, why string) {
		if done[leg] || leg == except {
			return
		}
		done[leg] = true
		held := h.holdForLeg(ctx, rec.TenantID, sw, leg, agent, 0)
		c.Note("adopt", "agent leg "+leg+" "+why+": hung up")
		if err := c.HangupSwitchLeg(ctx, leg, controller.CauseOriginatorCancel); err != nil {
			log.Debug("agent leg left by the previous controller not hung up (gone already?)", "leg", leg, "err", err)
			if held {
				h.legGone(ctx, sw, leg) // nothing to wait for
			}
			k.rec.endStoredLeg(leg, h.now(), "")
			return
		}
		k.rec.endStoredLeg(leg, h.now(), string(controller.CauseOriginatorCancel))
		if l := joinedLeg(c, leg); l != nil && held {
			// The leg joined the caller's call (it was bridged with the
			// caller): it has no handler of its own to report its end.
			go func() {
				select {
				case <-l.Done():
				case <-time.After(10 * time.Second):
				}
				h.legGone(ctx, sw, leg)
			}()
		}
	}
	for _, l := range legs {
		if l.Role == RoleAgent && l.EndedAt == nil {
			end(l.LegID, l.AgentID, "left ringing by the previous controller")
		}
	}
	lh, ok := h.opt.Queues.(LegHolder)
	if !ok {
		return
	}
	agent := lh.RingingFor(ctx, rec.TenantID, rec.ID)
	if agent == "" {
		return
	}
	live, err := c.SwitchLegs(ctx)
	if err != nil {
		log.Warn("live legs not listed: a ring the previous controller left unrecorded may overlap the next offer", "agent", agent, "err", err)
		return
	}
	for _, l := range live {
		if !l.Inbound && l.Vars["ipcc_agent"] == agent && l.Leg != c.Leg().ID() {
			end(l.Leg, agent, "left ringing for agent "+agent+" by the previous controller, unrecorded")
		}
	}
}

// joinedLeg is the leg id of c other than its first (a re-adopted leg that
// joined the call), or nil.
func joinedLeg(c *controller.Call, id string) *controller.Leg {
	for _, l := range c.Legs() {
		if l.ID() == id && l != c.Leg() {
			return l
		}
	}
	return nil
}
