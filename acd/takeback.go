package acd

import (
	"context"
	"fmt"
	"time"
)

// TakeBack puts agentID on call callID as of at: the previous controller
// bridged the agent with the caller and died before this engine's answer
// was written (the restored engine has the agent available — held for the
// call's ring — and the caller waiting), and the switch shows them
// talking. The caller leaves their queue, answered; the agent is on call
// as after a restore of an answered call, and CallEnded ends it (wrap-up).
// waited is how long the caller waited in the queue up to at, when the
// restored engine knew their entry (0 otherwise). An agent already on
// this call is left as is. ErrUnknownAgent when the agent is not logged
// in; ErrBadState when they are on another call, rung for one by this
// engine, or not ready.
func (e *Engine) TakeBack(ctx context.Context, callID, queueID, agentID string, at time.Time) (waited time.Duration, err error) {
	err = e.doCtx(ctx, func(c *core) error {
		var err error
		waited, err = c.takeBack(callID, queueID, agentID, at)
		return err
	})
	return waited, err
}

func (c *core) takeBack(callID, queueID, agentID string, at time.Time) (time.Duration, error) {
	a, err := c.loggedIn(agentID, "take back call "+callID+" of")
	if err != nil {
		return 0, err
	}
	e := c.calls[callID]
	if e != nil && e.agent == a {
		return 0, nil // restored on this call (the answer was written)
	}
	switch {
	case a.call != nil:
		return 0, fmt.Errorf("acd: take back call %s: agent %s is on call %s: %w", callID, a.id, a.call.callID, ErrBadState)
	case a.offer != nil:
		return 0, fmt.Errorf("acd: take back call %s: agent %s is being offered call %s: %w", callID, a.id, a.offer.e.callID, ErrBadState)
	case e != nil && (e.agent != nil || e.restoredOn):
		return 0, fmt.Errorf("acd: take back call %s: it is connected to another agent: %w", callID, ErrBadState)
	case a.st.State != Available && a.st.State != Ringing:
		return 0, fmt.Errorf("acd: take back call %s: agent %s is %s: %w", callID, a.id, a.st.State, ErrBadState)
	}
	q := c.queues[queueID]
	var waited time.Duration
	if e != nil {
		// The caller's restored place: they leave the queue, answered.
		q = e.q
		if !e.enqueued.IsZero() && at.After(e.enqueued) {
			waited = at.Sub(e.enqueued)
		}
		c.cancelOffers(e, "answered-elsewhere")
		c.removeEntry(e)
	}
	if q == nil {
		q = &queue{cfg: QueueConfig{ID: queueID}} // as restore does for a queue gone since
	}
	ne := &entry{callID: callID, q: q, agent: a, connected: at, restoredOn: true, heapIdx: -1}
	c.today(a)
	prevCall, prevQueue, prevID, prevConn := a.call, a.lastQueue, a.lastCallID, a.connected
	a.call, a.lastCallID, a.connected = ne, callID, at
	if c.queues[q.cfg.ID] == q {
		a.lastQueue = q
	}
	if _, err := c.transition(a, Input{Kind: InTakeBack}, callID, q.cfg.ID, ""); err != nil {
		a.call, a.lastQueue, a.lastCallID, a.connected = prevCall, prevQueue, prevID, prevConn
		return 0, fmt.Errorf("acd: take back call %s by agent %s: %w", callID, a.id, err)
	}
	if h := c.held[callID]; h != nil && h != a {
		c.release(h) // another agent rung for it: no ring to wait for here
	}
	a.callsToday++
	c.calls[callID] = ne
	c.indexCall(a, callID)
	c.saveAgent(a)
	c.log.Info("acd: conversation found on the switch taken back after a takeover", "call", callID, "agent", a.id, "queue", q.cfg.ID)
	return waited, nil
}
