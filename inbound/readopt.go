package inbound

import (
	"context"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/store"
)

// Resumer is implemented by a QueueRouter that takes back the
// conversation of a call a restarted controller re-adopted while an agent
// was on it: the agent's controls (hold, record, transfer, hang up, ...)
// reach it again. It returns when the conversation is over, as Enqueue
// does (Next: where a transfer or the survey sends the caller).
type Resumer interface {
	ResumeConversation(ctx context.Context, c *controller.Call, other *controller.Leg, r Resumed) QueueResult
}

// Resumed describes a conversation taken back after a restart. For an
// inbound queue call the call is the caller's and the other leg the
// agent's; for an agent's own call (click-to-dial) the call is the
// agent's and the other leg the called party's.
type Resumed struct {
	Tenant, Queue, Agent string
	// Direction is the record's: inbound, outbound or internal.
	Direction string
	Record    *Record
}

// PeerLeftResumer is implemented by a Resumer that ends the agent's part
// of a re-adopted queue call whose agent hung up while no controller
// watched it, as when an agent hangs up first: the agent goes to wrap-up
// and the caller to the queue's survey (Next) or is hung up.
type PeerLeftResumer interface {
	PeerLeft(ctx context.Context, c *controller.Call, r Resumed) QueueResult
}

// peerGone reports whether the re-adopted call c is alone: its first leg
// is bridged with nobody and none of the parties its record names as
// talking with the caller (agent, extension, external, consulted party)
// is still up on the switch, which does not list the first leg in a
// bridge either. False when that cannot be told (no such party recorded
// as up, the switch's legs not listed): the bridge is then waited for
// (claimPeer).
func peerGone(ctx context.Context, c *controller.Call, legs []store.CallLeg) bool {
	if c.Leg().BridgedWith() != "" {
		return false
	}
	var open []string
	parties := 0
	for _, l := range legs {
		switch l.Role {
		case RoleAgent, RoleExtension, RoleExternal, RoleConsult:
		default:
			continue
		}
		if l.LegID == c.Leg().ID() {
			continue
		}
		parties++
		if l.EndedAt == nil {
			open = append(open, l.LegID)
		}
	}
	if parties == 0 || len(open) == 0 {
		return false
	}
	lctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	live, err := c.SwitchLegs(lctx)
	if err != nil {
		return false
	}
	up := make(map[string]bool, len(live))
	for _, l := range live {
		if l.Leg == c.Leg().ID() && l.Bridged != "" {
			return false // the switch has the caller in a bridge
		}
		up[l.Leg] = true
	}
	for _, id := range open {
		if up[id] {
			return false
		}
	}
	return true
}

type legRef struct{ sw, leg string }

// readoptedLeg is a re-adopted leg that is not a call's first (an agent,
// a called party); claimed once a Resumer carries the conversation it is
// in, so its own handler only follows it to its end.
type readoptedLeg struct {
	c       *controller.Call
	claimed bool
}

func (h *Handler) addReadopted(id string, c *controller.Call) {
	h.mu.Lock()
	h.readopted[id] = c
	h.mu.Unlock()
}

func (h *Handler) dropReadopted(id string, c *controller.Call) {
	h.mu.Lock()
	if h.readopted[id] == c {
		delete(h.readopted, id)
	}
	h.mu.Unlock()
}

func (h *Handler) addReadoptedLeg(c *controller.Call) *readoptedLeg {
	l := &readoptedLeg{c: c}
	h.mu.Lock()
	h.readoptedLegs[legRef{c.Switch(), c.Leg().ID()}] = l
	h.mu.Unlock()
	return l
}

func (h *Handler) dropReadoptedLeg(l *readoptedLeg) {
	h.mu.Lock()
	k := legRef{l.c.Switch(), l.c.Leg().ID()}
	if h.readoptedLegs[k] == l {
		delete(h.readoptedLegs, k)
	}
	h.mu.Unlock()
}

func (h *Handler) isClaimed(l *readoptedLeg) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return l.claimed
}

// claimPeer waits (briefly: the switch's re-sync announces bridges just
// after the legs) for the leg c's first leg is bridged with and returns
// it. The peer is either a leg of c itself (FreeSWITCH re-adopts a bridged
// pair as one call: the agent's leg joins the caller's call) or the first
// leg of a re-adopted call of its own, which is then claimed so that its
// handler only follows it to its end.
func (h *Handler) claimPeer(ctx context.Context, c *controller.Call) *controller.Leg {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if peer := c.Leg().BridgedWith(); peer != "" {
			for _, l := range c.Legs() {
				if l.ID() == peer && l != c.Leg() {
					return l
				}
			}
			h.mu.Lock()
			l := h.readoptedLegs[legRef{c.Switch(), peer}]
			if l != nil {
				l.claimed = true
			}
			h.mu.Unlock()
			if l != nil {
				return l.c.Leg()
			}
		}
		if time.Now().After(deadline) {
			return nil
		}
		select {
		case <-c.Done():
			return nil
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// resumeConversation hands a connected call re-adopted after a restart to
// the Resumer, when there is one and the call is an inbound queue call or
// an agent's own call; ok is false when it did not take it.
func (h *Handler) resumeConversation(ctx context.Context, k *call, rec *store.CallRecord, legs []store.CallLeg) (QueueResult, bool) {
	rs, isResumer := h.opt.Queues.(Resumer)
	if !isResumer || rec.AgentID == "" || (rec.Direction == "inbound" && rec.QueueID == "") {
		return QueueResult{}, false
	}
	if peerGone(ctx, k.c, legs) {
		// The other party hung up while no controller watched the call:
		// there is no bridge to wait for. The call ends as if they had
		// hung up now (see PeerLeft), without keeping the caller alone.
		k.c.Note("adopt", "the other party left while no controller watched the call")
		k.log.Info("re-adopted call's other party left during the outage: ending the conversation")
		r := Resumed{Tenant: rec.TenantID, Queue: rec.QueueID, Agent: rec.AgentID, Direction: rec.Direction, Record: k.rec}
		if pl, ok := rs.(PeerLeftResumer); ok && rec.Direction == "inbound" {
			return pl.PeerLeft(ctx, k.c, r), true
		}
		_ = k.c.Hangup(ctx, controller.CauseNormalClearing)
		return QueueResult{}, true
	}
	peer := h.claimPeer(ctx, k.c)
	if peer == nil {
		return QueueResult{}, false
	}
	k.c.Note("adopt", "conversation with "+peer.ID()+" taken back: the agent's controls work again")
	res := rs.ResumeConversation(ctx, k.c, peer, Resumed{Tenant: rec.TenantID, Queue: rec.QueueID, Agent: rec.AgentID, Direction: rec.Direction, Record: k.rec})
	return res, true
}

// LiveCalls finds the live calls for supervisors: by the controller's call
// id, and, for calls re-adopted after a restart (whose controller id is
// new), by their record's id — the id the API knows. CallByLeg also finds
// the re-adopted leg of an agent, a call of its own after a restart.
func (h *Handler) LiveCalls(ctl Calls) Calls { return liveCalls{ctl: ctl, h: h} }

// Calls looks up live calls (the controller).
type Calls interface {
	Call(id string) (*controller.Call, bool)
	CallByLeg(sw, leg string) (*controller.Call, bool)
}

type liveCalls struct {
	ctl Calls
	h   *Handler
}

func (l liveCalls) Call(id string) (*controller.Call, bool) {
	if c, ok := l.ctl.Call(id); ok {
		return c, true
	}
	l.h.mu.Lock()
	defer l.h.mu.Unlock()
	c, ok := l.h.readopted[id]
	return c, ok
}

func (l liveCalls) CallByLeg(sw, leg string) (*controller.Call, bool) {
	return l.ctl.CallByLeg(sw, leg)
}
