package acd

import (
	"fmt"
	"slices"
)

// Per-queue login: a logged-in agent may log out of some of its queues and
// stay logged in to the others. The flag lives on the membership (off); an
// off membership is invisible to its queue — no offers, no counters, no
// leave or break-cap arithmetic — while the agent's state is shared by all
// of its queues.

// queuesOff lists, sorted, the queues the agent is logged out of.
func (a *agent) queuesOff() []string {
	var out []string
	for _, m := range a.members {
		if m.off {
			out = append(out, m.q.cfg.ID)
		}
	}
	slices.Sort(out)
	return out
}

func (a *agent) membership(queueID string) *member {
	for _, m := range a.members {
		if m.q.cfg.ID == queueID {
			return m
		}
	}
	return nil
}

// chooseQueues sets which of a logged-out agent's memberships it logs in
// to: all of them for nil, else exactly those listed (each must be one of
// its queues). A logged-out agent counts nowhere, so flags change freely.
func (c *core) chooseQueues(a *agent, queues []string) error {
	if queues == nil {
		for _, m := range a.members {
			m.off = false
		}
		return nil
	}
	want := make(map[string]bool, len(queues))
	for i, id := range queues {
		if a.membership(id) == nil {
			if c.queues[id] == nil {
				return fmt.Errorf("acd: login agent %s: queues[%d] %q: %w", a.id, i, id, ErrUnknownQueue)
			}
			return fmt.Errorf("acd: login agent %s: queues[%d] %q: %w", a.id, i, id, ErrNotMember)
		}
		want[id] = true
	}
	for _, m := range a.members {
		m.off = !want[m.q.cfg.ID]
	}
	return nil
}

// setQueueLogin logs a logged-in agent in to (in) or out of one of its
// queues. Asking for the current state changes nothing. A call already
// ringing, connected or in wrap-up from that queue is not affected; a
// logout of the last queue leaves the agent logged in with no queue.
func (c *core) setQueueLogin(agentID, queueID string, in bool, by string) error {
	op := "queue logout"
	if in {
		op = "queue login"
	}
	a, err := c.loggedIn(agentID, op)
	if err != nil {
		return err
	}
	q := c.queues[queueID]
	if q == nil {
		return fmt.Errorf("acd: %s agent %s queue %s: %w", op, agentID, queueID, ErrUnknownQueue)
	}
	m := q.members[agentID]
	if m == nil {
		return fmt.Errorf("acd: %s agent %s queue %s: %w", op, agentID, queueID, ErrNotMember)
	}
	if m.off == !in {
		return nil
	}
	c.counts(a, -1)
	c.unset(m)
	m.off = !in
	c.counts(a, +1)
	if in && a.offerable() {
		m.key = c.memberKey(m)
		q.idx.set(m.cfg.Level, true).insert(m)
		m.inSet = true
	}
	if !in {
		// A queue's break cap may no longer hold this agent's request back.
		c.breakDirty = true
	}
	// Dispatch a waiting call to the agent, or apply a leave rule now that
	// the queue may have nobody logged in.
	c.markQueue(q)
	c.saveAgent(a)
	now := c.now()
	c.emit(QueueLogin{Tenant: c.tenant, AgentID: agentID, QueueID: queueID, LoggedIn: in, By: by, At: now})
	c.log.Info("agent "+op, "agent", agentID, "queue", queueID, "by", by)
	return nil
}
