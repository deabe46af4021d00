package inbound

import (
	"context"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/store"
)

// TalkTaker is implemented by a QueueRouter that can put an agent on a
// re-adopted call whose record still has them ringing while the switch has
// them talking with the caller: the previous controller bridged them and
// died before the answer was written. The agent is on call from at; waited
// is the caller's wait in the queue up to at, when the queue knew their
// place (0 otherwise).
type TalkTaker interface {
	TakeTalking(ctx context.Context, tenant, callID, queue, agent string, at time.Time) (waited time.Duration, err error)
}

// bridgedRing is an agent leg the switch lists answered and bridged with a
// re-adopted caller.
type bridgedRing struct {
	leg, agent string
	// endpoint is what the leg dialled and created when it was, as the
	// switch lists them (for a leg the record has no row of).
	endpoint string
	created  time.Time
	// answered is the switch's answer time of the leg (zero: not listed).
	answered time.Time
}

// findBridgedRing asks the switch whether the re-adopted caller c, whose
// record does not say anyone answered, is in fact bridged with an answered
// agent leg: one of the call's recorded agent legs, or a leg the previous
// controller rang for an agent (ipcc_agent, as the switch lists it). The
// switch is the truth for what is up; false when it says otherwise or
// cannot be asked.
func (h *Handler) findBridgedRing(ctx context.Context, k *call, rec *store.CallRecord, legs []store.CallLeg) (bridgedRing, bool) {
	c := k.c
	// The switch is asked only when an agent was being rung for the call:
	// a recorded ring still open, or one the restored queue knows of.
	rung := c.Leg().BridgedWith() != ""
	for _, l := range legs {
		if l.Role == RoleAgent && l.EndedAt == nil {
			rung = true
		}
	}
	if lh, ok := h.opt.Queues.(LegHolder); ok && !rung {
		rung = lh.RingingFor(ctx, rec.TenantID, rec.ID) != ""
	}
	if !rung {
		return bridgedRing{}, false
	}
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	live, err := c.SwitchLegs(lctx)
	if err != nil {
		k.log.Warn("live legs not listed: an agent the previous controller connected just before it stopped would be taken for a ring", "err", err)
		return bridgedRing{}, false
	}
	me := c.Leg().ID()
	byID := make(map[string]controller.LegInfo, len(live))
	for _, l := range live {
		byID[l.Leg] = l
	}
	mine, ok := byID[me]
	if !ok {
		return bridgedRing{}, false
	}
	peerID := mine.Bridged
	if peerID == "" {
		peerID = c.Leg().BridgedWith()
	}
	peer, ok := byID[peerID]
	if peerID == "" || !ok || peer.State != controller.LegAnswered || (peer.Bridged != "" && peer.Bridged != me) {
		return bridgedRing{}, false
	}
	agent := ""
	for _, l := range legs {
		if l.LegID == peerID && l.Role == RoleAgent {
			agent = l.AgentID
		}
	}
	if agent == "" {
		agent = peer.Vars["ipcc_agent"]
	}
	if agent == "" {
		return bridgedRing{}, false
	}
	return bridgedRing{leg: peerID, agent: agent, endpoint: peer.DNIS, created: peer.Created, answered: peer.Answered}, true
}

// takeTalking takes back, as a connected call, a re-adopted caller the
// switch has talking with an agent the record still has ringing (see
// findBridgedRing): the agent's other rings are ended as for a waiting
// caller, the queue puts the agent on call (TalkTaker), and the record
// says answered by them — talk time from the agent leg's answer as the
// previous controller recorded it, else the switch's answer time, else
// now (the trace says which). rec is updated in place; the legs returned
// are legs with the agent leg answered (added when it had no row).
func (h *Handler) takeTalking(ctx context.Context, k *call, rec *store.CallRecord, legs []store.CallLeg, br bridgedRing) []store.CallLeg {
	c := k.c
	at, from := br.answered, "the switch's answer time"
	for i := range legs {
		if legs[i].LegID == br.leg && legs[i].AnsweredAt != nil {
			at, from = *legs[i].AnsweredAt, "the answer the previous controller recorded"
		}
	}
	if at.IsZero() {
		at, from = h.now(), "the re-adoption time (the switch does not say when the agent answered)"
	}
	c.Note("adopt", "agent leg "+br.leg+" of "+br.agent+" is answered and bridged with the caller on the switch, though the record had it ringing: the previous controller connected them just before it stopped; the conversation is taken back, answered at "+at.UTC().Format(time.RFC3339Nano)+", "+from)
	k.log.Info("re-adopted caller found talking with an agent the record had ringing: conversation taken back", "agent", br.agent, "leg", br.leg, "answered_from", from)
	h.endLeftRings(ctx, k, rec, legs, br.leg)
	var waited time.Duration
	if tt, ok := h.opt.Queues.(TalkTaker); ok {
		w, err := tt.TakeTalking(ctx, rec.TenantID, rec.ID, rec.QueueID, br.agent, at)
		if err != nil {
			c.Note("adopt", "the queue did not put agent "+br.agent+" on the call: "+err.Error())
			k.log.Warn("agent found talking not put on call in the queue", "agent", br.agent, "err", err)
		}
		waited = w
	}
	ringFrom, recorded := time.Time{}, false
	for i := range legs {
		if legs[i].LegID == br.leg {
			ringFrom, recorded = legs[i].StartedAt, true
			if legs[i].AnsweredAt == nil {
				a := at.UTC()
				legs[i].AnsweredAt = &a
			}
		}
	}
	if recorded {
		k.rec.answerStoredLeg(br.leg, at)
	} else {
		// Rung and answered before its row was written: the record gets
		// it now, from what the switch lists.
		a := at.UTC()
		row := store.CallLeg{TenantID: rec.TenantID, CallID: rec.ID, LegID: br.leg, Role: RoleAgent, Endpoint: br.endpoint, AgentID: br.agent,
			StartedAt: br.created.UTC(), AnsweredAt: &a}
		if br.created.IsZero() {
			row.StartedAt = a
		}
		k.rec.addStoredLegs([]store.CallLeg{row})
		k.rec.saveLeg(br.leg)
		legs = append(legs, row)
		ringFrom = row.StartedAt
	}
	k.rec.Update(func(r *store.CallRecord) {
		r.AgentID, r.Disposition = br.agent, "answered"
		r.WaitMS += waited.Milliseconds()
		if !ringFrom.IsZero() && at.After(ringFrom) {
			r.RingMS += at.Sub(ringFrom).Milliseconds()
		}
	})
	k.rec.talkingFrom(at)
	k.rec.Save()
	rec.AgentID, rec.Disposition = br.agent, "answered"
	return legs
}

// answerStoredLeg marks a leg row taken from the store (addStoredLegs)
// answered at at, unless it says so already.
func (r *Record) answerStoredLeg(id string, at time.Time) {
	if r == nil {
		return
	}
	r.mu.Lock()
	row, ok := r.legs[id]
	if ok && row.AnsweredAt == nil {
		a := at.UTC()
		row.AnsweredAt = &a
	} else {
		ok = false
	}
	r.mu.Unlock()
	if ok {
		r.saveLeg(id)
	}
}

// talkingFrom sets when the conversation began, replacing what an earlier
// answered leg of the record may have set (Talking keeps the first).
func (r *Record) talkingFrom(at time.Time) {
	if r == nil {
		return
	}
	r.mu.Lock()
	r.talkFrom = at
	r.mu.Unlock()
}
