package acd

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// MaxWorkNumber is the longest work number (工号) an agent may have.
const MaxWorkNumber = 16

// CleanWorkNumber checks an agent's work number (工号) wherever one is set:
// trimmed, at most MaxWorkNumber ASCII letters and digits, because it is
// spoken to callers ("X号话务员为您服务"). Empty is allowed (the agent is then
// not announced). The error is a *FieldError naming work_number.
func CleanWorkNumber(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > MaxWorkNumber {
		return "", fieldErr("work_number", "at most %d letters and digits (it is spoken to callers), got %d characters", MaxWorkNumber, len(s))
	}
	for _, r := range s {
		if (r < '0' || r > '9') && (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return "", fieldErr("work_number", "only letters and digits (it is spoken to callers): %q", s)
		}
	}
	return s, nil
}

// LoginRequest logs an agent in on a device.
type LoginRequest struct {
	AgentID string
	// Device is what the wiring rings (SIP URI, extension).
	Device string
	// WorkNumber is the agent's ID announced to callers (工号), from the
	// user record (set by admins); empty: the agent-ID announcement is
	// skipped for this agent.
	WorkNumber string
	// NotReady, when set, logs the agent in not ready with this reason
	// instead of available.
	NotReady string
	// Queues, when not nil, are the only queues the agent logs in to (each
	// must be one of its queues); nil logs in to all of them.
	Queues []string
}

// BreakResult tells what became of a not-ready request.
type BreakResult struct {
	// Granted: the agent is not ready now (or will be after its call).
	Granted bool `json:"granted"`
	// Queued is the 1-based place in the break queue when the cap was
	// reached and the mode is wait (0 otherwise).
	Queued int `json:"queued"`
}

func (c *core) agent(id string, create bool) *agent {
	a := c.agents[id]
	if a == nil && create {
		a = &agent{id: id, since: c.now()}
		c.agents[id] = a
	}
	return a
}

func (c *core) loggedIn(id, op string) (*agent, error) {
	a := c.agents[id]
	if a == nil || a.st.State == LoggedOut {
		return nil, fmt.Errorf("acd: %s agent %s: %w", op, id, ErrUnknownAgent)
	}
	return a, nil
}

func (c *core) login(r LoginRequest) error {
	if r.AgentID == "" {
		return fmt.Errorf("acd: login: empty agent id")
	}
	wn, err := CleanWorkNumber(r.WorkNumber)
	if err != nil {
		return fmt.Errorf("acd: login agent %s: %w", r.AgentID, err)
	}
	a := c.agent(r.AgentID, true)
	if a.st.State != LoggedOut {
		return fmt.Errorf("acd: login agent %s: already logged in: %w", r.AgentID, ErrBadState)
	}
	if r.Device != "" {
		if o := c.deviceUser(a, r.Device); o != nil {
			return fmt.Errorf("acd: login agent %s: %w", r.AgentID, &DeviceInUseError{Device: r.Device, AgentID: o.id})
		}
	}
	if err := c.chooseQueues(a, r.Queues); err != nil {
		return err
	}
	a.device, a.workNumber = r.Device, wn
	c.indexDevice(a, r.Device)
	if _, err := c.transition(a, Input{Kind: InLogin}, "", "", ""); err != nil {
		return fmt.Errorf("acd: login agent %s: %w", r.AgentID, err)
	}
	if r.NotReady != "" {
		if _, err := c.notReady(a.id, r.NotReady, "", true); err != nil {
			return err
		}
	}
	return nil
}

func (c *core) logout(id, by string) error {
	a, err := c.loggedIn(id, "logout")
	if err != nil {
		return err
	}
	if by != "" && a.st.State == WrapUp {
		a.st.Pending = PendingLogout
		return c.endWrapUp(id, by)
	}
	acts, err := c.transition(a, Input{Kind: InLogout}, "", "", by)
	if err != nil {
		return fmt.Errorf("acd: logout agent %s: %w", id, err)
	}
	c.withdraw(a, acts, "agent-logout")
	return nil
}

// withdraw takes back a ringing offer after the agent left Ringing by its
// own request; the call goes back to its place in the queue.
func (c *core) withdraw(a *agent, acts []Action, reason string) {
	o := a.offer
	if !hasAction(acts, ActCancelOffer) || o == nil {
		return
	}
	e := o.e
	delete(c.offers, o.id)
	a.offer = nil
	e.offers = slices.DeleteFunc(e.offers, func(x *offer) bool { return x == o })
	c.emit(CancelOffer{Tenant: c.tenant, OfferID: o.id, CallID: e.callID, AgentID: a.id, Reason: reason, At: c.now()})
	if len(e.offers) == 0 {
		e.ringTimer.stop()
		e.q.offering--
		c.requeue(e)
	}
}

func (c *core) ready(id, by string) error {
	a, err := c.loggedIn(id, "ready")
	if err != nil {
		return err
	}
	c.dropBreakWait(a)
	if by == "" && a.st.State == WrapUp && a.summaryDue != "" {
		return fmt.Errorf("acd: ready agent %s (call %s): %w", id, a.summaryDue, ErrSummaryRequired)
	}
	if by != "" && a.st.State == WrapUp {
		a.st.Pending, a.st.PendingReason = PendingNone, ""
		return c.endWrapUp(id, by)
	}
	if _, err := c.transition(a, Input{Kind: InReady}, "", "", by); err != nil {
		return fmt.Errorf("acd: ready agent %s: %w", id, err)
	}
	return nil
}

// notReady sets an agent not ready. Capped break reasons obey the tenant's
// and the agent's queues' caps unless forced.
func (c *core) notReady(id, reason, by string, force bool) (BreakResult, error) {
	a, err := c.loggedIn(id, "not-ready")
	if err != nil {
		return BreakResult{}, err
	}
	if reason == "" {
		return BreakResult{}, fmt.Errorf("acd: not-ready agent %s: a reason is required", id)
	}
	if !force && c.breakReasons[reason] && !a.onBreak {
		if fits, refuse := c.breakFits(a); !fits {
			if refuse {
				return BreakResult{}, fmt.Errorf("acd: not-ready agent %s for %s: %w", id, reason, ErrBreakCap)
			}
			if a.breakWait == "" {
				c.breakWait = append(c.breakWait, a)
			}
			a.breakWait = reason
			pos := slices.Index(c.breakWait, a) + 1
			c.emit(BreakQueued{Tenant: c.tenant, AgentID: a.id, Reason: reason, Position: pos, At: c.now()})
			c.saveAgent(a)
			return BreakResult{Queued: pos}, nil
		}
	}
	c.dropBreakWait(a)
	acts, err := c.transition(a, Input{Kind: InNotReady, Reason: reason}, "", "", by)
	if err != nil {
		return BreakResult{}, fmt.Errorf("acd: not-ready agent %s: %w", id, err)
	}
	c.withdraw(a, acts, "agent-not-ready")
	return BreakResult{Granted: true}, nil
}

// breakFits tells whether one more capped break fits the tenant's and the
// agent's queues' caps, and if not whether a cap that is full refuses.
func (c *core) breakFits(a *agent) (fits, refuse bool) {
	fits = true
	if c.breakCap > 0 && c.onBreak >= c.breakCap {
		fits, refuse = false, c.breakMode == BreakRefuse
	}
	for _, m := range a.members {
		if cp := m.q.cfg.BreakCap; cp > 0 && m.q.onBreak >= cp {
			fits = false
			if m.q.cfg.BreakMode == BreakRefuse {
				refuse = true
			}
		}
	}
	return fits, refuse
}

// grantBreaks grants waiting break requests, oldest first, that now fit.
func (c *core) grantBreaks() {
	for i := 0; i < len(c.breakWait); {
		a := c.breakWait[i]
		if fits, _ := c.breakFits(a); !fits {
			i++
			continue
		}
		reason := a.breakWait
		c.breakWait = slices.Delete(c.breakWait, i, i+1)
		a.breakWait = ""
		acts, err := c.transition(a, Input{Kind: InNotReady, Reason: reason}, "", "", "")
		if err != nil {
			c.log.Error("acd: grant break", "agent", a.id, "err", err)
			continue
		}
		c.withdraw(a, acts, "agent-not-ready")
	}
}

func (c *core) dropBreakWait(a *agent) {
	if a.breakWait == "" {
		return
	}
	a.breakWait = ""
	c.breakWait = slices.DeleteFunc(c.breakWait, func(x *agent) bool { return x == a })
}

func (c *core) startWrapUp(a *agent, d time.Duration) {
	a.wrapEnd, a.wrapExt = c.now().Add(d), 0
	a.summaryDue, a.wrapOver = "", false
	if a.lastQueue != nil && a.lastQueue.cfg.SummaryRequired {
		a.summaryDue = a.lastCallID
	}
	a.wrapTimer.stop()
	a.wrapTimer = c.after(d, func() { c.wrapTimeout(a.id) })
	c.saveAgent(a)
}

// wrapTimeout ends wrap-up when its time is over, unless a required
// service summary is still awaited: then the agent stays in wrap-up until
// it arrives (summarySubmitted).
func (c *core) wrapTimeout(id string) {
	a := c.agents[id]
	if a == nil || a.st.State != WrapUp {
		return
	}
	if a.summaryDue != "" {
		a.wrapOver = true
		return
	}
	_ = c.endWrapUp(id, "")
}

// summarySubmitted records that the service summary of callID arrived;
// when the wrap-up time is already over, wrap-up ends now.
func (c *core) summarySubmitted(id, callID string) error {
	a := c.agents[id]
	if a == nil || a.summaryDue == "" || a.summaryDue != callID {
		return nil
	}
	a.summaryDue = ""
	if a.wrapOver && a.st.State == WrapUp {
		return c.endWrapUp(id, "")
	}
	return nil
}

func (c *core) endWrapUp(id, by string) error {
	a, err := c.loggedIn(id, "end wrap-up")
	if err != nil {
		return err
	}
	if a.st.State != WrapUp {
		return fmt.Errorf("acd: end wrap-up of agent %s: %w: %s", id, ErrBadState, a.st.State)
	}
	if by == "" && a.summaryDue != "" {
		return fmt.Errorf("acd: end wrap-up of agent %s (call %s): %w", id, a.summaryDue, ErrSummaryRequired)
	}
	a.summaryDue, a.wrapOver = "", false
	a.wrapTimer.stop()
	if q := a.lastQueue; q != nil && !a.connected.IsZero() {
		q.aht.add(c.now().Sub(a.connected))
	}
	a.wrapEnd = time.Time{}
	if _, err := c.transition(a, Input{Kind: InWrapUpEnd}, a.lastCallID, queueIDOf(a.lastQueue), by); err != nil {
		return fmt.Errorf("acd: end wrap-up of agent %s: %w", id, err)
	}
	return nil
}

func (c *core) extendWrapUp(id string, d time.Duration) error {
	a, err := c.loggedIn(id, "extend wrap-up")
	if err != nil {
		return err
	}
	if a.st.State != WrapUp {
		return fmt.Errorf("acd: extend wrap-up of agent %s: %w: %s", id, ErrBadState, a.st.State)
	}
	limit := DefaultMaxWrapExtension
	if a.lastQueue != nil {
		limit = a.lastQueue.cfg.maxWrapExtension()
	}
	if d <= 0 || a.wrapExt+d > limit {
		return fmt.Errorf("acd: extend wrap-up of agent %s by %s: at most %s in all", id, d, limit)
	}
	a.wrapExt += d
	a.wrapEnd = a.wrapEnd.Add(d)
	a.wrapTimer.stop()
	a.wrapTimer = c.after(a.wrapEnd.Sub(c.now()), func() { c.wrapTimeout(a.id) })
	c.saveAgent(a)
	return nil
}

func queueIDOf(q *queue) string {
	if q == nil {
		return ""
	}
	return q.cfg.ID
}

// setQueue adds or changes a queue.
func (c *core) setQueue(cfg QueueConfig) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("acd: queue %s: %w", cfg.ID, err)
	}
	q := c.queues[cfg.ID]
	if q == nil {
		q = &queue{cfg: cfg, members: map[string]*member{}}
		q.aht.window = ahtWindow
		c.queues[cfg.ID] = q
		return nil
	}
	old := q.cfg
	q.cfg = cfg
	if old.Strategy != cfg.Strategy {
		c.rekeyQueue(q)
	}
	c.markQueue(q)
	return nil
}

// removeQueue deletes a queue that has no calls.
func (c *core) removeQueue(id string) error {
	q := c.queues[id]
	if q == nil {
		return fmt.Errorf("acd: remove queue %s: %w", id, ErrUnknownQueue)
	}
	if n := q.queued() + q.offering; n > 0 {
		return fmt.Errorf("acd: remove queue %s: %d calls are waiting: %w", id, n, ErrBadState)
	}
	if err := c.setMembers(id, nil); err != nil {
		return err
	}
	delete(c.queues, id)
	return nil
}

// setMembers replaces a queue's members. Agents keep their states.
func (c *core) setMembers(queueID string, ms []Member) error {
	q := c.queues[queueID]
	if q == nil {
		return fmt.Errorf("acd: members of queue %s: %w", queueID, ErrUnknownQueue)
	}
	seen := map[string]bool{}
	for i := range ms {
		if err := ms[i].Validate(); err != nil {
			return fmt.Errorf("acd: members of queue %s: member %d: %w", queueID, i, err)
		}
		if seen[ms[i].AgentID] {
			return fmt.Errorf("acd: members of queue %s: agent %s listed twice", queueID, ms[i].AgentID)
		}
		seen[ms[i].AgentID] = true
	}
	set := map[*agent]bool{}
	for _, m := range q.members {
		set[m.a] = true
	}
	for i := range ms {
		set[c.agent(ms[i].AgentID, true)] = true
	}
	affected := make([]*agent, 0, len(set))
	for a := range set {
		affected = append(affected, a)
	}
	slices.SortFunc(affected, func(x, y *agent) int { return cmpString(x.id, y.id) })
	for _, a := range affected {
		c.counts(a, -1)
		c.removeFromSets(a)
		a.members = slices.DeleteFunc(a.members, func(m *member) bool { return m.q == q })
	}
	old := q.members
	q.members = make(map[string]*member, len(ms))
	for i := range ms {
		a := c.agents[ms[i].AgentID]
		// A changed membership keeps its per-queue login; a new one starts
		// logged in, like the agent's other queues.
		m := &member{q: q, a: a, cfg: ms[i]}
		if o := old[a.id]; o != nil {
			m.off = o.off
		}
		m.cfg.QueueID = queueID
		q.members[a.id] = m
		a.members = append(a.members, m)
	}
	for _, a := range affected {
		c.counts(a, +1)
		if a.st.State == Available {
			c.addToSets(a)
			c.markAgent(a)
		}
	}
	c.markQueue(q)
	return nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
