package acd

import (
	"fmt"
	"time"
)

// CallRequest puts a call in a queue.
type CallRequest struct {
	CallID  string
	QueueID string
	// Priority from routing: higher goes first (VIP); waiting time breaks
	// ties.
	Priority int
	Caller   string
	// LastAgentID is the agent who served this caller last (sticky agent),
	// used when the queue has LastAgentFirst.
	LastAgentID string
	// Data travels with the call (shown to supervisors, kept across a
	// restart).
	Data map[string]string
	// Lang is the language the caller chose in the IVR ("zh-CN", "en"):
	// every prompt the queue plays to the caller is in it. Empty: the
	// queue's Announcements.Lang.
	Lang string
	// EnqueuedAt is when a caller taken back after a controller restart
	// joined the queue (zero: now). The engine places them by it among the
	// waiting callers; a waiting entry of the same call restored from the
	// store is taken back instead, with its own time and place.
	EnqueuedAt time.Time
}

// EnqueueResult tells whether the call joined. When it did not, Overflow
// says where it goes instead (the same Overflow is also emitted).
type EnqueueResult struct {
	Joined   bool
	Overflow *Overflow
	// Position is the 1-based place among waiting callers (0 when the call
	// is already being offered to an agent).
	Position int
	// EstimatedWait for that position (-1 when no agent is staffed).
	EstimatedWait time.Duration
	// QueueID is the queue the call waits in: the one asked for, or the
	// one a restored entry had moved to (overflow) before a restart.
	QueueID string
}

// maxHops bounds queue-to-queue overflow chains.
const maxHops = 5

func (c *core) enqueue(req CallRequest) (EnqueueResult, error) {
	q := c.queues[req.QueueID]
	if q == nil {
		return EnqueueResult{}, fmt.Errorf("acd: enqueue call %s in queue %s: %w", req.CallID, req.QueueID, ErrUnknownQueue)
	}
	if req.CallID == "" {
		return EnqueueResult{}, fmt.Errorf("acd: enqueue in queue %s: empty call id", req.QueueID)
	}
	if cur, dup := c.calls[req.CallID]; dup {
		if cur.detached {
			return c.reattachEntry(cur, req), nil
		}
		return EnqueueResult{}, fmt.Errorf("acd: enqueue call %s in queue %s: %w", req.CallID, req.QueueID, ErrDuplicate)
	}
	now := c.now()
	c.nextSeq++
	e := &entry{callID: req.CallID, priority: req.Priority, first: now, seq: c.nextSeq, caller: req.Caller,
		lastAgent: req.LastAgentID, data: req.Data, lang: req.Lang, heapIdx: -1}
	if !req.EnqueuedAt.IsZero() && req.EnqueuedAt.Before(now) {
		e.first, e.resumeSince = req.EnqueuedAt, req.EnqueuedAt
	}
	ov := c.join(e, q)
	c.settle()
	res := EnqueueResult{Joined: ov == nil, Overflow: ov, QueueID: req.QueueID}
	if ov != nil && ov.Moved {
		res.Joined = true
	}
	if cur := c.calls[req.CallID]; cur == e && e.heapIdx >= 0 {
		res.QueueID = e.q.cfg.ID
		res.Position = c.position(e)
		res.EstimatedWait = c.estimate(e.q, res.Position)
		if e.q.cfg.Announcements.Position {
			c.announcePosition(e)
		}
	}
	return res, nil
}

// ReattachWithin is how long a waiting caller restored from the store
// keeps their place without their call being taken back (re-adopted and
// enqueued again after a restart). Past it the entry is dropped; a call
// taken back later still finds its place by its queue entry time
// (CallRequest.EnqueuedAt).
const ReattachWithin = 2 * time.Minute

// ReattachGrace is how long after a restore a queue offers no caller while
// a restored caller ahead of them is not taken back yet: after a restart or
// a standby's takeover the switch announces the live calls one by one, and
// agents free at that moment must not go to the callers re-adopted first
// rather than to those who waited longest. Past it, a caller not back yet
// (their call ended unseen) no longer holds the others up.
const ReattachGrace = 5 * time.Second

// detachedAhead reports whether q holds a restored caller, not taken back
// yet, who comes before e while the restore's grace lasts.
func (c *core) detachedAhead(q *queue, e *entry) bool {
	if len(q.detached) == 0 || !c.now().Before(c.holdUntil) {
		return false
	}
	for d := range q.detached {
		if d.before(e) {
			return true
		}
	}
	return false
}

// detach keeps a restored waiting entry in place, not offered, until its
// call takes it back.
func (c *core) detach(e *entry) {
	e.detached = true
	if e.q.detached == nil {
		e.q.detached = map[*entry]struct{}{}
	}
	e.q.detached[e] = struct{}{}
	e.reattach = c.after(ReattachWithin, func() {
		if c.calls[e.callID] != e || !e.detached {
			return
		}
		c.log.Warn("acd: a waiting caller restored from the store was not taken back; their entry is dropped", "call", e.callID, "queue", e.q.cfg.ID, "after", ReattachWithin)
		c.removeEntry(e)
	})
}

// reattachEntry gives a restored waiting entry back to its call: same
// queue, entry time and place; it is offered from now on and the caller
// hears their position again.
func (c *core) reattachEntry(e *entry, req CallRequest) EnqueueResult {
	e.detached = false
	delete(e.q.detached, e)
	e.reattach.stop()
	if req.Caller != "" {
		e.caller = req.Caller
	}
	if req.Lang != "" {
		e.lang = req.Lang
	}
	if len(req.Data) > 0 {
		data := make(map[string]string, len(e.data)+len(req.Data))
		for k, v := range e.data {
			data[k] = v
		}
		for k, v := range req.Data {
			data[k] = v
		}
		e.data = data
	}
	c.log.Info("acd: waiting caller taken back after a restart", "call", e.callID, "queue", e.q.cfg.ID, "waiting_since", e.enqueued)
	c.requeue(e)
	if a := c.held[e.callID]; a != nil {
		// The previous process's ring for this call was withdrawn when the
		// call was taken back: that agent may be offered again.
		c.release(a)
	}
	c.settle()
	res := EnqueueResult{Joined: true, QueueID: e.q.cfg.ID}
	if c.calls[e.callID] == e && e.heapIdx >= 0 {
		res.Position = c.position(e)
		res.EstimatedWait = c.estimate(e.q, res.Position)
		if e.q.cfg.Announcements.Position {
			c.announcePosition(e)
		}
	}
	return res
}

// join applies q's entry rules and queues e there, or overflows it. It
// returns the first Overflow emitted, nil when e joined q.
func (c *core) join(e *entry, q *queue) *Overflow {
	if reason, target, refuse := c.entryRule(q); refuse {
		return c.overflow(e, q, reason, target)
	}
	now := c.now()
	at := now
	if !e.resumeSince.IsZero() {
		// Taken back after a restart: placed by when they first joined.
		at, e.resumeSince = e.resumeSince, time.Time{}
	}
	e.q, e.enqueued, e.expired = q, at, false
	c.calls[e.callID] = e
	q.stats.roll(c, now)
	q.stats.Entered++
	q.arrivals.tick(now)
	lang := e.callerLang()
	if p := q.cfg.Announcements.entryPrompt(lang); p != "" {
		c.emit(Announce{Tenant: c.tenant, CallID: e.callID, QueueID: q.cfg.ID, Prompt: Prompt{Kind: PromptEntry, Lang: lang, Name: p, Text: p}, At: now})
	}
	if mw := q.cfg.Limits.MaxWait.D(); mw > 0 {
		e.waitTimer = c.after(mw-now.Sub(at), func() { c.maxWait(e) })
	}
	if q.cfg.Announcements.Position {
		c.armAnnounce(e)
	}
	c.saveEntry(e)
	c.requeue(e)
	return nil
}

func (c *core) entryRule(q *queue) (OverflowReason, OverflowTarget, bool) {
	l := q.cfg.Limits
	if q.loggedIn == 0 && (l.WhenNoAgents == RuleRefuse || l.WhenNoAgents == RuleLeave) {
		return OverflowNoAgents, q.cfg.Overflow.NoAgents, true
	}
	if q.loggedIn > 0 && q.notReady == q.loggedIn && (l.WhenAllOnBreak == RuleRefuse || l.WhenAllOnBreak == RuleLeave) {
		return OverflowAllOnBreak, q.cfg.Overflow.AllOnBreak, true
	}
	if l.MaxLength > 0 && q.queued()+q.offering >= l.MaxLength {
		return OverflowQueueFull, q.cfg.Overflow.QueueFull, true
	}
	return "", OverflowTarget{}, false
}

// applyLeaveRules sends waiting callers to the overflow target when a leave
// rule's condition holds.
func (c *core) applyLeaveRules(q *queue) {
	l := q.cfg.Limits
	var reason OverflowReason
	var target OverflowTarget
	switch {
	case q.loggedIn == 0 && l.WhenNoAgents == RuleLeave:
		reason, target = OverflowNoAgents, q.cfg.Overflow.NoAgents
	case q.loggedIn > 0 && q.notReady == q.loggedIn && l.WhenAllOnBreak == RuleLeave:
		reason, target = OverflowAllOnBreak, q.cfg.Overflow.AllOnBreak
	default:
		return
	}
	waiting := append([]*entry(nil), q.waiting...)
	for _, e := range waiting {
		c.removeEntry(e)
		c.overflow(e, q, reason, target)
	}
}

// overflow emits the Overflow of e leaving (or not entering) q; a queue
// target is joined at once.
func (c *core) overflow(e *entry, q *queue, reason OverflowReason, target OverflowTarget) *Overflow {
	now := c.now()
	ov := &Overflow{Tenant: c.tenant, CallID: e.callID, QueueID: q.cfg.ID, Reason: reason, Target: target, At: now}
	if !e.enqueued.IsZero() && e.q == q {
		ov.Waited = now.Sub(e.enqueued)
	}
	lang := e.lang
	if lang == "" {
		lang = q.cfg.Announcements.Lang
	}
	if p := q.cfg.Announcements.overflowPrompt(lang); p != "" {
		ov.Prompt = &Prompt{Kind: PromptOverflow, Lang: lang, Name: p, Text: p}
	}
	q.stats.roll(c, now)
	q.stats.Overflowed++
	tq := c.queues[target.Value]
	if target.Kind == TargetQueue && tq != nil && tq != q && e.hops < maxHops {
		ov.Moved = true
		c.emit(*ov)
		c.log.Info("call overflow", "call", e.callID, "queue", q.cfg.ID, "reason", string(reason), "to_queue", tq.cfg.ID)
		e.hops++
		c.join(e, tq)
		return ov
	}
	c.emit(*ov)
	c.log.Info("call overflow", "call", e.callID, "queue", q.cfg.ID, "reason", string(reason), "target", string(target.Kind), "value", target.Value)
	return ov
}

func (c *core) maxWait(e *entry) {
	if c.calls[e.callID] != e || e.agent != nil {
		return
	}
	if len(e.offers) > 0 || e.detached {
		e.expired = true // overflow when the offer comes back unanswered
		return
	}
	c.removeEntry(e)
	c.overflow(e, e.q, OverflowMaxWait, e.q.cfg.Overflow.MaxWait)
}

// requeue puts e (back) among q's waiting calls, at its original place.
func (c *core) requeue(e *entry) {
	if e.expired {
		c.removeEntry(e)
		c.overflow(e, e.q, OverflowMaxWait, e.q.cfg.Overflow.MaxWait)
		return
	}
	e.q.waiting.add(e)
	if e.lastAgent != "" {
		set := c.prefer[e.lastAgent]
		if set == nil {
			set = map[*entry]struct{}{}
			c.prefer[e.lastAgent] = set
		}
		set[e] = struct{}{}
	}
	c.markQueue(e.q)
}

// unqueue takes e out of the waiting structures.
func (c *core) unqueue(e *entry) {
	e.q.waiting.del(e)
	if e.detached {
		e.detached = false
		delete(e.q.detached, e)
		e.reattach.stop()
	}
	if set := c.prefer[e.lastAgent]; set != nil {
		delete(set, e)
		if len(set) == 0 {
			delete(c.prefer, e.lastAgent)
		}
	}
}

// removeEntry forgets a call that leaves its queue unanswered.
func (c *core) removeEntry(e *entry) {
	c.unqueue(e)
	e.ringTimer.stop()
	e.annTimer.stop()
	e.waitTimer.stop()
	if c.calls[e.callID] == e {
		delete(c.calls, e.callID)
		c.unindexCall(e.callID)
	}
	if c.store != nil {
		c.store.dropEntry(e.callID)
	}
}

func (c *core) saveEntry(e *entry) {
	if c.store != nil {
		c.store.entry(EntryRecord{CallID: e.callID, QueueID: e.q.cfg.ID, Priority: e.priority, EnqueuedAt: e.enqueued, FirstAt: e.first,
			Seq: e.seq, Caller: e.caller, LastAgent: e.lastAgent, Data: e.data, Hops: e.hops, Lang: e.lang})
	}
}

// dispatchQueue offers q's waiting calls, best first, while members are
// available.
func (c *core) dispatchQueue(q *queue) {
	for {
		e := q.waiting.peek()
		if e == nil || c.detachedAhead(q, e) {
			return
		}
		if q.cfg.LastAgentFirst && e.lastAgent != "" {
			if a := c.agents[e.lastAgent]; a != nil && a.offerable() && q.members[a.id] != nil && !q.members[a.id].off {
				c.unqueue(e)
				c.offer(e, []*agent{a}, true)
				continue
			}
		}
		agents := c.pick(q)
		if len(agents) == 0 {
			return
		}
		c.unqueue(e)
		c.offer(e, agents, false)
	}
}

// dispatchAgent offers a newly available agent the best call among its
// queues: a caller it served last first (where the queue says so), then
// the highest priority, then the longest waiting.
func (c *core) dispatchAgent(a *agent) {
	if !a.offerable() {
		return
	}
	var best *entry
	last := false
	for e := range c.prefer[a.id] {
		if m := e.q.members[a.id]; e.q.cfg.LastAgentFirst && m != nil && !m.off && (best == nil || e.before(best)) && !c.detachedAhead(e.q, e) {
			best, last = e, true
		}
	}
	if best == nil {
		for _, m := range a.members {
			if m.off {
				continue
			}
			if h := m.q.waiting.peek(); h != nil && (best == nil || h.before(best)) && !c.detachedAhead(m.q, h) {
				best = h
			}
		}
	}
	if best != nil {
		c.unqueue(best)
		c.offer(best, []*agent{a}, last)
	}
}

// pick chooses the agents to offer q's next call to: the highest level with
// an available member, and the strategy among that level.
func (c *core) pick(q *queue) []*agent {
	s := q.idx.top()
	if s == nil {
		return nil
	}
	out := c.pickBuf[:0]
	switch q.cfg.Strategy {
	case RingAll:
		for _, m := range s.items {
			out = append(out, m.a)
		}
	case RoundRobin:
		m := s.items[0]
		if s.rrValid {
			m = s.after(s.rrLast)
		}
		s.rrLast, s.rrValid = m.key, true
		out = append(out, m.a)
	case Random:
		out = append(out, s.items[c.rng.IntN(len(s.items))].a)
	case WeightedRandom:
		r := c.rng.IntN(s.weight)
		m := s.items[len(s.items)-1]
		for _, x := range s.items {
			if r -= x.weight(); r < 0 {
				m = x
				break
			}
		}
		out = append(out, m.a)
	default: // longest-idle, fewest-calls, least-talk-time, sequential: the smallest key
		out = append(out, s.items[0].a)
	}
	c.pickBuf = out
	return out
}

// offer rings agents with e (several only for ring-all).
func (c *core) offer(e *entry, agents []*agent, last bool) {
	q := e.q
	now := c.now()
	for _, a := range agents {
		if _, err := c.transition(a, Input{Kind: InOffer}, e.callID, q.cfg.ID, ""); err != nil {
			c.log.Error("acd: offer to unavailable agent", "agent", a.id, "call", e.callID, "queue", q.cfg.ID, "err", err)
			continue
		}
		c.nextOffer++
		o := &offer{id: c.nextOffer, e: e, a: a, at: now, last: last}
		c.offers[o.id] = o
		a.offer = o
		c.indexCall(a, e.callID)
		c.saveAgent(a) // with the call rung for (replaces the transition's save while still pending)
		e.offers = append(e.offers, o)
	}
	if len(e.offers) == 0 {
		c.requeue(e)
		return
	}
	q.offering++
	rt := q.cfg.ringTimeout()
	e.rang = false
	e.ringTimer = c.after(rt, func() { c.ringTimeout(e) })
	for _, o := range e.offers {
		c.emit(Offer{Tenant: c.tenant, OfferID: o.id, CallID: e.callID, QueueID: q.cfg.ID, AgentID: o.a.id, Device: o.a.device,
			RingTimeout: rt, Group: len(e.offers), LastAgent: last, At: now})
	}
}

// endOffers detaches every offer of e; the agents keep their state.
func (c *core) endOffers(e *entry) []*offer {
	offers := e.offers
	if len(offers) == 0 {
		return nil
	}
	e.ringTimer.stop()
	for _, o := range offers {
		delete(c.offers, o.id)
		if o.a.offer == o {
			o.a.offer = nil
		}
	}
	e.offers = nil
	e.q.offering--
	return offers
}

// cancelOffers withdraws e's offers; the agents become available again.
func (c *core) cancelOffers(e *entry, reason string) {
	now := c.now()
	for _, o := range c.endOffers(e) {
		c.emit(CancelOffer{Tenant: c.tenant, OfferID: o.id, CallID: e.callID, AgentID: o.a.id, Reason: reason, At: now})
		if o.a.st.State == Ringing {
			_, _ = c.transition(o.a, Input{Kind: InOfferCancel}, e.callID, e.q.cfg.ID, "")
		}
	}
}

// ringing notes that an offer's phone rings. The first phone of a call to
// ring starts the call's ring timeout afresh: the agent gets the whole
// RingTimeout of actual ringing, however long the switch took to get there.
func (c *core) ringing(id uint64) error {
	o := c.offers[id]
	if o == nil {
		return fmt.Errorf("acd: ringing offer %d: %w", id, ErrStaleOffer)
	}
	if o.rang {
		return nil
	}
	o.rang = true
	if e := o.e; !e.rang {
		e.rang = true
		e.ringTimer.stop()
		e.ringTimer = c.after(e.q.cfg.ringTimeout(), func() { c.ringTimeout(e) })
	}
	return nil
}

// ringTimeout ends a call's offers when the ring timeout passed. Only an
// agent whose phone rang did not answer (no-answer, not ready); an offer
// whose phone never rang failed on ipcc's or the switch's side (a command
// not answered in time, a leg never set up) and is withdrawn without
// blaming the agent. When no phone rang at all, the call is offered again
// after RetryAfterSwitchFailure rather than at once, as for OfferWithdrawn.
func (c *core) ringTimeout(e *entry) {
	now := c.now()
	rang := false
	for _, o := range c.endOffers(e) {
		if o.rang {
			rang = true
			c.emit(CancelOffer{Tenant: c.tenant, OfferID: o.id, CallID: e.callID, AgentID: o.a.id, Reason: "no-answer", At: now})
			c.noAnswer(o, "timeout")
			continue
		}
		c.emit(CancelOffer{Tenant: c.tenant, OfferID: o.id, CallID: e.callID, AgentID: o.a.id, Reason: "not-ringing", At: now})
		if o.a.st.State == Ringing {
			_, _ = c.transition(o.a, Input{Kind: InOfferCancel}, e.callID, e.q.cfg.ID, "")
		}
		c.log.Warn("acd: the agent's phone never rang within the ring timeout; offer withdrawn, the agent is not blamed",
			"agent", o.a.id, "call", e.callID, "queue", e.q.cfg.ID)
	}
	if rang || e.expired {
		c.requeue(e) // (an expired call overflows now)
		return
	}
	e.ringTimer = c.after(RetryAfterSwitchFailure, func() {
		if c.calls[e.callID] == e && e.agent == nil && len(e.offers) == 0 {
			c.requeue(e)
		}
	})
}

func (c *core) noAnswer(o *offer, cause string) {
	e, a := o.e, o.a
	if a.st.State == Ringing {
		_, _ = c.transition(a, Input{Kind: InNoAnswer}, e.callID, e.q.cfg.ID, "")
	}
	c.emit(NoAnswer{Tenant: c.tenant, AgentID: a.id, CallID: e.callID, QueueID: e.q.cfg.ID, Cause: cause, At: c.now()})
	c.log.Info("agent did not answer", "agent", a.id, "call", e.callID, "queue", e.q.cfg.ID, "cause", cause)
}

func (c *core) answered(id uint64) error {
	o := c.offers[id]
	if o == nil {
		return fmt.Errorf("acd: answer offer %d: %w", id, ErrStaleOffer)
	}
	e, a, q := o.e, o.a, o.e.q
	now := c.now()
	for _, x := range c.endOffers(e) {
		if x == o {
			continue
		}
		c.emit(CancelOffer{Tenant: c.tenant, OfferID: x.id, CallID: e.callID, AgentID: x.a.id, Reason: "answered-elsewhere", At: now})
		_, _ = c.transition(x.a, Input{Kind: InOfferCancel}, e.callID, q.cfg.ID, "")
	}
	e.annTimer.stop()
	e.waitTimer.stop()
	e.agent, e.connected = a, now
	c.today(a)
	a.call, a.lastQueue, a.lastCallID, a.connected = e, q, e.callID, now
	c.indexCall(a, e.callID)
	a.callsToday++
	if _, err := c.transition(a, Input{Kind: InAnswer}, e.callID, q.cfg.ID, ""); err != nil {
		return fmt.Errorf("acd: answer offer %d of call %s by agent %s: %w", id, e.callID, a.id, err)
	}
	waited := now.Sub(e.enqueued)
	q.stats.roll(c, now)
	q.stats.Answered++
	if waited <= q.cfg.serviceLevel() {
		q.stats.AnsweredInSL++
	}
	q.stats.waitSum += waited
	if c.store != nil {
		c.store.dropEntry(e.callID)
	}
	conn := Connect{Tenant: c.tenant, OfferID: id, CallID: e.callID, QueueID: q.cfg.ID, AgentID: a.id, Waited: waited, At: now}
	if q.cfg.Announcements.AgentWhisper {
		// The agent hears the whisper in the queue's (staff's) language,
		// whatever the caller chose.
		a := &q.cfg.Announcements
		conn.AgentPrompt = &Prompt{Kind: PromptWhisper, Lang: a.Lang, QueueName: q.cfg.Name, Wait: waited,
			Sentence: a.WhisperPrompt, Sentences: a.WhisperPrompts}
		conn.AgentPrompt.Text = conn.AgentPrompt.Render()
	}
	// An agent without a work number is not announced: their id means
	// nothing to a caller.
	if q.cfg.Announcements.AgentID && a.workNumber != "" {
		an := &q.cfg.Announcements
		conn.CallerPrompt = &Prompt{Kind: PromptAgentID, Lang: e.callerLang(), AgentNumber: a.workNumber,
			Sentence: an.AgentIDPrompt, Sentences: an.AgentIDPrompts}
		conn.CallerPrompt.Text = conn.CallerPrompt.Render()
	}
	c.emit(conn)
	return nil
}

// connectFailed takes back a call whose agent answered but could not be
// connected: the agent's leg was gone when ipcc bridged it (they hung up at
// once, or the switch lost the leg). The caller goes back among the waiting
// callers at their place — their entry time is kept — and is offered
// again; the answer is taken out of the day's figures. The agent leaves the
// call without wrap-up and is available again (or what they asked for
// meanwhile: a break, a logout), unless agentsFault: their own phone
// refused the call, which counts as a no-answer like a refused offer.
func (c *core) connectFailed(callID string, agentsFault bool, reason string) error {
	e := c.calls[callID]
	if e == nil || e.agent == nil || e.restoredOn {
		return fmt.Errorf("acd: connect failed on call %s: %w", callID, ErrUnknownCall)
	}
	a, q := e.agent, e.q
	now := c.now()
	waited := e.connected.Sub(e.enqueued)
	q.stats.roll(c, now)
	if c.dayOf(e.connected) == q.stats.day && q.stats.Answered > 0 {
		q.stats.Answered--
		if waited <= q.cfg.serviceLevel() && q.stats.AnsweredInSL > 0 {
			q.stats.AnsweredInSL--
		}
		q.stats.waitSum -= waited
	}
	e.agent, e.connected = nil, time.Time{}
	if a.call == e {
		a.call = nil
		if a.callsToday > 0 {
			a.callsToday--
		}
		if _, err := c.transition(a, Input{Kind: InCallEnd}, callID, q.cfg.ID, ""); err != nil {
			c.log.Warn("acd: agent not released after a failed connect", "agent", a.id, "call", callID, "err", err)
		}
		if agentsFault {
			if _, err := c.transition(a, Input{Kind: InNotReady, Reason: ReasonNoAnswer}, callID, q.cfg.ID, ""); err == nil {
				c.emit(NoAnswer{Tenant: c.tenant, AgentID: a.id, CallID: callID, QueueID: q.cfg.ID, Cause: reason, At: now})
			}
		}
	}
	c.log.Info("acd: caller taken back: the agent could not be connected", "call", callID, "queue", q.cfg.ID, "agent", a.id, "reason", reason)
	if mw := q.cfg.Limits.MaxWait.D(); mw > 0 {
		if left := mw - now.Sub(e.enqueued); left > 0 {
			e.waitTimer = c.after(left, func() { c.maxWait(e) })
		}
	}
	if q.cfg.Announcements.Position {
		c.armAnnounce(e)
	}
	c.saveEntry(e)
	c.requeue(e)
	return nil
}

func (c *core) offerFailed(id uint64, cause string) error {
	o := c.offers[id]
	if o == nil {
		return fmt.Errorf("acd: offer %d failed: %w", id, ErrStaleOffer)
	}
	e := o.e
	delete(c.offers, id)
	o.a.offer = nil
	for i, x := range e.offers {
		if x == o {
			e.offers = append(e.offers[:i], e.offers[i+1:]...)
			break
		}
	}
	if cause == "" {
		cause = "failed"
	}
	c.noAnswer(o, cause)
	if len(e.offers) == 0 {
		e.ringTimer.stop()
		e.q.offering--
		c.requeue(e)
	}
	return nil
}

func (c *core) offerWithdrawn(id uint64, reason string) error {
	o := c.offers[id]
	if o == nil {
		return fmt.Errorf("acd: withdraw offer %d: %w", id, ErrStaleOffer)
	}
	e, a := o.e, o.a
	delete(c.offers, id)
	a.offer = nil
	for i, x := range e.offers {
		if x == o {
			e.offers = append(e.offers[:i], e.offers[i+1:]...)
			break
		}
	}
	if reason == "" {
		reason = "withdrawn"
	}
	c.emit(CancelOffer{Tenant: c.tenant, OfferID: id, CallID: e.callID, AgentID: a.id, Reason: reason, At: c.now()})
	if a.st.State == Ringing {
		_, _ = c.transition(a, Input{Kind: InOfferCancel}, e.callID, e.q.cfg.ID, "")
	}
	if len(e.offers) == 0 {
		e.ringTimer.stop()
		e.q.offering--
		// The call keeps its place but is not offered again at once: the
		// agents are available, and offering to them now would fail the
		// same way, over and over.
		e.ringTimer = c.after(RetryAfterSwitchFailure, func() {
			if c.calls[e.callID] == e && e.agent == nil && len(e.offers) == 0 {
				c.requeue(e)
			}
		})
	}
	return nil
}

// callEnded handles the end of a call in any state: an answered call's
// agent goes to wrap-up; an unanswered one is an abandon.
func (c *core) callEnded(callID string) error {
	e := c.calls[callID]
	if e == nil {
		return fmt.Errorf("acd: end call %s: %w", callID, ErrUnknownCall)
	}
	now := c.now()
	if e.agent == nil && !e.restoredOn {
		c.cancelOffers(e, "caller-left")
		c.removeEntry(e)
		waited := now.Sub(e.enqueued)
		e.q.stats.roll(c, now)
		e.q.stats.Abandoned++
		if waited > e.q.cfg.serviceLevel() {
			e.q.stats.AbandonedAfterSL++
		}
		c.emit(Left{Tenant: c.tenant, CallID: callID, QueueID: e.q.cfg.ID, Waited: waited, At: now})
		return nil
	}
	delete(c.calls, callID)
	c.unindexCall(callID)
	a := e.agent
	if a == nil || a.call != e {
		return nil
	}
	a.call = nil
	talk := now.Sub(e.connected)
	c.today(a)
	a.talkToday += talk
	q := a.lastQueue
	wrap := time.Duration(0)
	if q != nil {
		wrap = q.cfg.WrapUp.D()
	}
	summary := q != nil && q.cfg.SummaryRequired
	acts, err := c.transition(a, Input{Kind: InCallEnd, WrapUp: wrap > 0 || summary}, callID, e.q.cfg.ID, "")
	if err != nil {
		return fmt.Errorf("acd: end call %s of agent %s: %w", callID, a.id, err)
	}
	if hasAction(acts, ActStartWrapUp) {
		c.startWrapUp(a, wrap)
	} else if q != nil {
		q.aht.add(talk)
	}
	return nil
}

func hasAction(acts []Action, x Action) bool {
	for _, a := range acts {
		if a == x {
			return true
		}
	}
	return false
}

// callerRequest: the caller pressed the voicemail or callback key.
func (c *core) callerRequest(callID string, kind RequestKind, number string) error {
	e := c.calls[callID]
	if e == nil || e.agent != nil || e.restoredOn {
		return fmt.Errorf("acd: caller request on call %s: %w", callID, ErrUnknownCall)
	}
	q := e.q
	now := c.now()
	switch kind {
	case RequestVoicemail:
		c.cancelOffers(e, "caller-left")
		c.removeEntry(e)
		t := q.cfg.Overflow.Voicemail
		if t.Kind == TargetNone {
			t = OverflowTarget{Kind: TargetVoicemail, Value: q.cfg.ID}
		}
		c.overflow(e, q, OverflowVoicemail, t)
	case RequestCallback:
		if number == "" {
			number = e.caller
		}
		if number == "" {
			return fmt.Errorf("acd: callback for call %s: no number to call back", callID)
		}
		c.cancelOffers(e, "caller-left")
		c.removeEntry(e)
		cb := Callback{ID: callID, CallID: callID, QueueID: q.cfg.ID, Caller: e.caller, Number: number, Priority: e.priority, RequestedAt: now, Status: "pending"}
		if c.store != nil {
			c.store.callback(cb)
		}
		q.stats.roll(c, now)
		q.stats.Callbacks++
		c.emit(CallbackRequested{Tenant: c.tenant, Callback: cb, Lang: e.callerLang(), At: now})
	default:
		return fmt.Errorf("acd: caller request on call %s: unknown kind %d", callID, kind)
	}
	return nil
}

// RequestKind is what a waiting caller asked for with a key press.
type RequestKind uint8

// Caller requests.
const (
	RequestVoicemail RequestKind = iota + 1
	RequestCallback
)

// Callback is a stored request to call a caller back.
type Callback struct {
	ID          string    `json:"id"`
	CallID      string    `json:"call_id"`
	QueueID     string    `json:"queue_id"`
	Caller      string    `json:"caller"`
	Number      string    `json:"number"`
	Priority    int       `json:"priority"`
	RequestedAt time.Time `json:"requested_at"`
	Status      string    `json:"status"`
}
