package acd

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/ipcc/ipcc/clock"
)

// core is the state of one tenant's ACD. It is not safe for concurrent use:
// the Engine's goroutine is its only owner.
type core struct {
	tenant string
	// holdUntil: until then a restored caller not taken back yet keeps
	// those behind them from being offered (ReattachGrace).
	holdUntil time.Time
	// held maps a call to the agent restored while ringing for it.
	held map[string]*agent
	// legHolds are the legs to agents' phones this engine does not account
	// for, by leg id (leghold.go).
	legHolds map[string]*legHold
	clk      clock.Clock
	log      *slog.Logger
	loc      *time.Location
	rng      *rand.Rand
	sink     Sink
	store    persister
	// schedule runs f on the owner goroutine (set by the Engine); timers
	// go through it.
	schedule func(f func())

	queues map[string]*queue
	agents map[string]*agent
	// byDevice and byCall index the agents by device and by the call
	// they are offered or on (agentindex.go).
	byDevice map[string][]*agent
	byCall   map[string][]*agent
	calls    map[string]*entry
	offers   map[uint64]*offer
	// prefer indexes waiting calls by the last agent who served the caller.
	prefer map[string]map[*entry]struct{}

	nextOffer uint64
	nextSeq   uint64

	breakCap     int
	breakMode    BreakMode
	breakReasons map[string]bool
	breakWait    []*agent // FIFO of agents whose break request waits
	onBreak      int      // agents on (or granted) a capped break, tenant-wide

	dirtyAgents []*agent
	dirtyQueues []*queue
	breakDirty  bool
	out         []Effect
	pickBuf     []*agent
	debug       bool // debug logging enabled (checked once: attrs allocate)
	dayTimer    *ctimer
}

type agent struct {
	// heldFor: restored available while the previous process was ringing
	// them for this call, whose leg may still be up on the switch; not
	// offered until the call is taken back (its ring withdrawn) or the
	// restore's grace ends (see restore).
	heldFor string
	// legHolds counts the held legs to this agent's phone (leghold.go):
	// while any is up the agent is offered nothing.
	legHolds   int
	id         string
	workNumber string
	device     string
	st         Status
	since      time.Time
	members    []*member
	offer      *offer
	call       *entry // connected call (on-call)
	lastQueue  *queue // queue of the current/last call (wrap-up settings)
	lastCallID string
	connected  time.Time
	wrapTimer  *ctimer
	wrapEnd    time.Time
	wrapExt    time.Duration
	// summaryDue is the call whose required service summary is awaited;
	// wrapOver says the wrap-up time ran out meanwhile.
	summaryDue string
	wrapOver   bool
	idleSince  time.Time
	callsToday int
	talkToday  time.Duration
	day        int
	onBreak    bool // counts toward the break caps
	breakWait  string
	dirty      bool
}

type member struct {
	q     *queue
	a     *agent
	cfg   Member
	key   mkey
	inSet bool
	// off: the agent logged out of this queue only. An off membership is
	// in no level set and counts toward none of the queue's counters, so
	// the queue sees the agent as logged out.
	off bool
}

func (m *member) weight() int {
	if m.cfg.Weight <= 0 {
		return 1
	}
	return m.cfg.Weight
}

type queue struct {
	cfg     QueueConfig
	members map[string]*member
	idx     levelIndex
	waiting callHeap
	// detached are waiting callers restored from the store whose calls
	// this process has not taken back yet (see restore): they keep their
	// place and count in positions, but are not offered.
	detached map[*entry]struct{}
	offering int // calls being offered
	loggedIn int // members logged in
	notReady int // members not ready
	onBreak  int // members on (or granted) a capped break
	stats    queueStats
	aht      ewma
	arrivals rate
	dirty    bool
}

type entry struct {
	callID     string
	q          *queue
	priority   int
	enqueued   time.Time
	first      time.Time // first queue joined (overflow moves keep it)
	seq        uint64
	caller     string
	lastAgent  string
	data       map[string]string
	hops       int
	lang       string // the caller's language ("" = the queue's)
	heapIdx    int
	offers     []*offer
	ringTimer  *ctimer
	annTimer   *ctimer
	waitTimer  *ctimer
	expired    bool // max wait passed while ringing
	rang       bool // a phone of the current offers rang (ringTimer restarted)
	agent      *agent
	connected  time.Time
	restoredOn bool // on-call entry rebuilt from the store
	// detached: a waiting entry rebuilt from the store, not yet taken back
	// by its call (Enqueue with its id); reattach drops it if that takes
	// longer than ReattachWithin.
	detached    bool
	reattach    *ctimer
	resumeSince time.Time // Enqueue's EnqueuedAt, consumed by join
}

// queued is how many callers wait in q, offered or not: those in line and
// those restored but not taken back yet.
func (q *queue) queued() int { return len(q.waiting) + len(q.detached) }

// before orders waiting calls: higher priority first, then longer waiting.
func (e *entry) before(o *entry) bool {
	if e.priority != o.priority {
		return e.priority > o.priority
	}
	if !e.enqueued.Equal(o.enqueued) {
		return e.enqueued.Before(o.enqueued)
	}
	return e.seq < o.seq
}

type offer struct {
	id   uint64
	e    *entry
	a    *agent
	at   time.Time
	last bool
	rang bool // the switch reported the agent's phone ringing
}

// ctimer is a timer whose callback runs on the owner goroutine and only if
// the timer was not stopped meanwhile.
type ctimer struct {
	t    clock.Timer
	live bool
}

func (c *core) after(d time.Duration, f func()) *ctimer {
	if d <= 0 {
		d = time.Nanosecond
	}
	ct := &ctimer{live: true}
	ct.t = c.clk.AfterFunc(d, func() {
		c.schedule(func() {
			if !ct.live {
				return
			}
			ct.live = false
			f()
		})
	})
	return ct
}

func (t *ctimer) stop() {
	if t != nil && t.live {
		t.live = false
		t.t.Stop()
	}
}

func newCore(opt *Options) *core {
	c := &core{
		tenant:       opt.Tenant,
		clk:          opt.Clock,
		log:          opt.Logger.With("tenant", opt.Tenant),
		loc:          opt.Location,
		sink:         opt.Sink,
		queues:       map[string]*queue{},
		agents:       map[string]*agent{},
		byDevice:     map[string][]*agent{},
		byCall:       map[string][]*agent{},
		calls:        map[string]*entry{},
		offers:       map[uint64]*offer{},
		prefer:       map[string]map[*entry]struct{}{},
		breakCap:     opt.BreakCap,
		breakMode:    opt.BreakMode,
		breakReasons: map[string]bool{},
	}
	c.debug = c.log.Enabled(context.Background(), slog.LevelDebug)
	seed := opt.Seed
	if seed == 0 {
		seed = uint64(opt.Clock.Now().UnixNano())
	}
	c.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	reasons := opt.BreakReasons
	if reasons == nil {
		reasons = []string{ReasonBreak, ReasonLunch}
	}
	for _, r := range reasons {
		c.breakReasons[r] = true
	}
	return c
}

func (c *core) now() time.Time { return c.clk.Now() }

func (c *core) emit(e Effect) { c.out = append(c.out, e) }

// flush hands the effects of one command to the sink, in order.
func (c *core) flush() {
	if len(c.out) == 0 {
		return
	}
	out := c.out
	c.out = c.out[len(c.out):]
	for i, e := range out {
		if c.sink != nil {
			c.sink.Emit(e)
		}
		out[i] = nil
	}
	c.out = out[:0]
}

// dayOf is the tenant-local calendar day as yyyymmdd.
func (c *core) dayOf(t time.Time) int {
	y, m, d := t.In(c.loc).Date()
	return y*10000 + int(m)*100 + d
}

// today rolls the agent's daily counters over when the day changed.
func (c *core) today(a *agent) {
	if d := c.dayOf(c.now()); d != a.day {
		a.day, a.callsToday, a.talkToday = d, 0, 0
	}
}

// armDayTimer re-keys fewest-calls and least-talk-time members at the
// tenant's midnight, when "today" starts again.
func (c *core) armDayTimer() {
	now := c.now().In(c.loc)
	y, m, d := now.Date()
	midnight := time.Date(y, m, d+1, 0, 0, 0, 0, c.loc)
	c.dayTimer = c.after(midnight.Sub(now), func() {
		for _, q := range c.queues {
			if q.cfg.Strategy == FewestCalls || q.cfg.Strategy == LeastTalkTime {
				for _, m := range q.members {
					c.today(m.a)
				}
				c.rekeyQueue(q)
			}
		}
		c.armDayTimer()
	})
}

// memberKey is where an available member sorts in its level set.
func (c *core) memberKey(m *member) mkey {
	a := m.a
	switch m.q.cfg.Strategy {
	case RoundRobin, Sequential:
		return mkey{a: int64(m.cfg.Position), id: a.id}
	case LongestIdle:
		return mkey{a: a.idleSince.UnixNano(), id: a.id}
	case FewestCalls:
		c.today(a)
		return mkey{a: int64(a.callsToday), b: a.idleSince.UnixNano(), id: a.id}
	case LeastTalkTime:
		c.today(a)
		return mkey{a: int64(a.talkToday), b: a.idleSince.UnixNano(), id: a.id}
	}
	return mkey{id: a.id}
}

func (c *core) addToSets(a *agent) {
	if a.heldFor != "" || a.legHolds > 0 {
		return // held: joins when the hold ends (release, legGone)
	}
	for _, m := range a.members {
		if !m.inSet && !m.off {
			m.key = c.memberKey(m)
			m.q.idx.set(m.cfg.Level, true).insert(m)
			m.inSet = true
		}
	}
}

// release ends a restored agent's hold (heldFor): they may be offered.
func (c *core) release(a *agent) {
	if a.heldFor == "" {
		return
	}
	delete(c.held, a.heldFor)
	a.heldFor = ""
	if a.st.State == Available {
		c.addToSets(a)
		c.markAgent(a)
	}
}

func (c *core) removeFromSets(a *agent) {
	for _, m := range a.members {
		c.unset(m)
	}
}

func (c *core) unset(m *member) {
	if m.inSet {
		if s := m.q.idx.set(m.cfg.Level, false); s != nil {
			s.remove(m)
		}
		m.inSet = false
	}
}

// rekeyQueue rebuilds a queue's level sets (strategy or day changed).
func (c *core) rekeyQueue(q *queue) {
	for _, m := range q.members {
		c.unset(m)
	}
	q.idx = levelIndex{}
	for _, m := range q.members {
		if m.a.offerable() && !m.off {
			m.key = c.memberKey(m)
			q.idx.set(m.cfg.Level, true).insert(m)
			m.inSet = true
		}
	}
}

// counts adds sign × the agent's contribution to its queues' counters.
func (c *core) counts(a *agent, sign int) {
	li, nr, br := 0, 0, 0
	if a.st.State != LoggedOut {
		li = sign
	}
	if a.st.State == NotReady {
		nr = sign
	}
	if a.onBreak {
		br = sign
	}
	for _, m := range a.members {
		if m.off {
			continue
		}
		m.q.loggedIn += li
		m.q.notReady += nr
		m.q.onBreak += br
	}
	c.onBreak += br
}

func (c *core) cappedBreak(s Status) bool {
	return (s.State == NotReady && c.breakReasons[s.Reason]) ||
		((s.State == OnCall || s.State == WrapUp) && s.Pending == PendingNotReady && c.breakReasons[s.PendingReason])
}

// transition runs the state machine for one agent and applies what follows
// from the new status: set membership, counters, the state log.
func (c *core) transition(a *agent, in Input, callID, queueID, by string) ([]Action, error) {
	old := a.st
	ns, acts, err := next(old, in)
	if err != nil {
		return nil, err
	}
	if a.heldFor != "" {
		// Any change of state (a break, a log-out) ends the hold; an
		// agent made available again joins the sets below.
		delete(c.held, a.heldFor)
		a.heldFor = ""
		if old.State == Available && ns.State == Available {
			c.addToSets(a)
		}
	}
	c.counts(a, -1)
	if old.State == Available && ns.State != Available {
		c.removeFromSets(a)
	}
	a.st = ns
	wasBreak := a.onBreak
	a.onBreak = c.cappedBreak(ns)
	c.counts(a, +1)
	if wasBreak && !a.onBreak {
		c.breakDirty = true
	}
	now := c.now()
	if ns.State != old.State || ns.Reason != old.Reason {
		a.since = now
		if ns.State == Available {
			a.idleSince = now
			c.addToSets(a)
			c.markAgent(a)
		}
		sc := StateChange{Tenant: c.tenant, AgentID: a.id, From: old.State, To: ns.State, Reason: ns.Reason, CallID: callID, QueueID: queueID, By: by, At: now}
		c.emit(sc)
		if c.store != nil {
			c.store.log(sc)
		}
		if c.debug {
			c.log.Debug("agent state", "agent", a.id, "from", old.State.String(), "to", ns.State.String(), "reason", ns.Reason, "call", callID, "queue", queueID)
		}
	}
	if (ns.State == LoggedOut && old.State != LoggedOut) || (ns.State == NotReady && old.State != NotReady) {
		for _, m := range a.members {
			if m.off {
				continue
			}
			if m.q.cfg.Limits.WhenNoAgents == RuleLeave || m.q.cfg.Limits.WhenAllOnBreak == RuleLeave {
				c.markQueue(m.q) // leave rules may now apply
			}
		}
	}
	if ns.State == LoggedOut {
		c.dropBreakWait(a)
	}
	c.saveAgent(a)
	return acts, nil
}

func (c *core) markAgent(a *agent) {
	if !a.dirty {
		a.dirty = true
		c.dirtyAgents = append(c.dirtyAgents, a)
	}
}

func (c *core) markQueue(q *queue) {
	if !q.dirty {
		q.dirty = true
		c.dirtyQueues = append(c.dirtyQueues, q)
	}
}

// settle restores the engine's invariant after a command: no queue has both
// a waiting call and an available member, break requests that now fit are
// granted, and leave rules are applied.
func (c *core) settle() {
	for guard := 0; guard < 1_000_000; guard++ {
		switch {
		case c.breakDirty:
			c.breakDirty = false
			c.grantBreaks()
		case len(c.dirtyQueues) > 0:
			q := c.dirtyQueues[0]
			c.dirtyQueues = c.dirtyQueues[1:]
			q.dirty = false
			if c.queues[q.cfg.ID] == q {
				c.applyLeaveRules(q)
				c.dispatchQueue(q)
			}
		case len(c.dirtyAgents) > 0:
			a := c.dirtyAgents[0]
			c.dirtyAgents = c.dirtyAgents[1:]
			a.dirty = false
			c.dispatchAgent(a)
		default:
			c.dirtyAgents, c.dirtyQueues = c.dirtyAgents[:0], c.dirtyQueues[:0]
			return
		}
	}
	c.log.Error("acd: settle did not converge")
}

func (c *core) saveAgent(a *agent) {
	if c.store != nil {
		c.store.agent(c.agentRecord(a))
	}
}

func (c *core) agentRecord(a *agent) AgentRecord {
	r := AgentRecord{
		AgentID: a.id, WorkNumber: a.workNumber, Device: a.device, State: a.st.State.String(), Reason: a.st.Reason,
		PendingReason: a.st.PendingReason, Since: a.since, CallsToday: a.callsToday, TalkToday: a.talkToday, Day: a.day,
		BreakWait: a.breakWait, WrapUpEnd: a.wrapEnd, ConnectedAt: a.connected, QueuesOff: a.queuesOff(),
	}
	switch a.st.Pending {
	case PendingNotReady:
		r.Pending = "not-ready"
	case PendingLogout:
		r.Pending = "logout"
	}
	if a.call != nil {
		r.CallID = a.call.callID
	} else if a.st.State == WrapUp {
		r.CallID = a.lastCallID
	} else if a.st.State == Ringing && a.offer != nil {
		// The call rung for: after a restart the agent is held until it
		// is taken back (restore).
		r.CallID = a.offer.e.callID
	}
	if a.lastQueue != nil {
		r.QueueID = a.lastQueue.cfg.ID
	}
	return r
}
