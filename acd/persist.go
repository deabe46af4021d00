package acd

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"
)

// Store keeps what the engine must not lose over a restart: the queue
// configuration, agents' logins and states, the state log, waiting callers
// and callback requests. store.Store implements it through SQLStore.
// Writes come from one goroutine per engine, in the order of the changes.
type Store interface {
	LoadConfig(ctx context.Context, tenant string) ([]QueueConfig, []Member, error)
	LoadState(ctx context.Context, tenant string) ([]AgentRecord, []EntryRecord, error)
	SaveAgent(ctx context.Context, tenant string, r AgentRecord) error
	AppendAgentLog(ctx context.Context, tenant string, sc StateChange) error
	SaveEntry(ctx context.Context, tenant string, r EntryRecord) error
	DeleteEntry(ctx context.Context, tenant, callID string) error
	SaveCallback(ctx context.Context, tenant string, cb Callback) error
}

// AgentRecord is an agent's durable state.
type AgentRecord struct {
	AgentID       string
	WorkNumber    string
	Device        string
	State         string // State.String()
	Reason        string
	Pending       string // "", "not-ready", "logout"
	PendingReason string
	BreakWait     string // reason of a break request waiting for the cap
	Since         time.Time
	CallID        string // call on-call or being wrapped up
	QueueID       string
	ConnectedAt   time.Time
	WrapUpEnd     time.Time
	CallsToday    int
	TalkToday     time.Duration
	Day           int // yyyymmdd the counters belong to
	// QueuesOff are the agent's queues it logged out of while staying
	// logged in to the others (sorted).
	QueuesOff []string
}

// EntryRecord is a waiting caller's durable place in a queue.
type EntryRecord struct {
	CallID     string
	QueueID    string
	Priority   int
	EnqueuedAt time.Time
	FirstAt    time.Time
	Seq        uint64
	Caller     string
	LastAgent  string
	Data       map[string]string
	Hops       int
	// Lang is the language the caller chose in the IVR.
	Lang string
}

// persister is the engine's side of the store: it never blocks.
type persister interface {
	agent(AgentRecord)
	log(StateChange)
	entry(EntryRecord)
	dropEntry(callID string)
	callback(Callback)
}

// writer is a write-behind persister: the engine appends operations, one
// goroutine writes them in order. A state save waiting to be written is
// replaced by a newer save of the same agent or call (only the latest
// state matters), so a slow or absent database costs memory per agent and
// waiting call, not per change; log rows and callbacks are all kept.
// Engine.Close and Flush wait for it.
type writer struct {
	st     Store
	tenant string
	lg     *slog.Logger

	mu       sync.Mutex
	ops      []writeOp
	pos      map[string]int // key → index in ops of a pending replaceable op
	warned   bool
	wake     chan struct{}
	idle     *sync.Cond
	busy     bool
	closed   bool
	done     chan struct{}
	failures int
}

func newWriter(st Store, tenant string, log *slog.Logger) *writer {
	w := &writer{st: st, tenant: tenant, lg: log, wake: make(chan struct{}, 1), done: make(chan struct{})}
	w.idle = sync.NewCond(&w.mu)
	go w.run()
	return w
}

type writeOp struct {
	key string // "" = never replaced
	fn  func(context.Context) error
}

// backlogWarning is the pending-write count that gets logged once.
const backlogWarning = 10_000

func (w *writer) push(key string, fn func(context.Context) error) {
	w.mu.Lock()
	if i, ok := w.pos[key]; ok && key != "" {
		w.ops[i].fn = fn
		w.mu.Unlock()
		return
	}
	if key != "" {
		if w.pos == nil {
			w.pos = map[string]int{}
		}
		w.pos[key] = len(w.ops)
	}
	w.ops = append(w.ops, writeOp{key: key, fn: fn})
	if len(w.ops) >= backlogWarning && !w.warned {
		w.warned = true
		w.lg.Warn("acd: store writes are falling behind", "pending", len(w.ops))
	}
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *writer) run() {
	defer close(w.done)
	for {
		w.mu.Lock()
		for len(w.ops) == 0 {
			w.busy = false
			w.idle.Broadcast()
			if w.closed {
				w.mu.Unlock()
				return
			}
			w.mu.Unlock()
			<-w.wake
			w.mu.Lock()
		}
		ops := w.ops
		w.ops, w.pos, w.warned = nil, nil, false
		w.busy = true
		w.mu.Unlock()
		for _, op := range ops {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := op.fn(ctx); err != nil {
				w.mu.Lock()
				w.failures++
				w.mu.Unlock()
				w.lg.Error("acd: store write failed", "err", err)
			}
			cancel()
		}
	}
}

// flush waits until every operation pushed so far is written.
func (w *writer) flush() {
	w.mu.Lock()
	for len(w.ops) > 0 || w.busy {
		w.idle.Wait()
	}
	w.mu.Unlock()
}

func (w *writer) close() {
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
	<-w.done
}

func (w *writer) agent(r AgentRecord) {
	w.push("a\x00"+r.AgentID, func(ctx context.Context) error { return w.st.SaveAgent(ctx, w.tenant, r) })
}
func (w *writer) log(sc StateChange) {
	w.push("", func(ctx context.Context) error { return w.st.AppendAgentLog(ctx, w.tenant, sc) })
}
func (w *writer) entry(r EntryRecord) {
	w.push("e\x00"+r.CallID, func(ctx context.Context) error { return w.st.SaveEntry(ctx, w.tenant, r) })
}
func (w *writer) dropEntry(id string) {
	w.push("e\x00"+id, func(ctx context.Context) error { return w.st.DeleteEntry(ctx, w.tenant, id) })
}
func (w *writer) callback(cb Callback) {
	w.push("", func(ctx context.Context) error { return w.st.SaveCallback(ctx, w.tenant, cb) })
}

// applyConfig makes the engine's queues and members those given: queues
// are added or changed, members replaced, queues no longer listed removed
// (kept, with an error logged, while calls wait in them).
func (c *core) applyConfig(qs []QueueConfig, ms []Member) {
	want := map[string]bool{}
	for _, q := range qs {
		if err := c.setQueue(q); err != nil {
			c.log.Error("acd: skip invalid queue", "queue", q.ID, "err", err)
			continue
		}
		want[q.ID] = true
	}
	byQueue := map[string][]Member{}
	for _, m := range ms {
		byQueue[m.QueueID] = append(byQueue[m.QueueID], m)
	}
	ids := make([]string, 0, len(c.queues))
	for id := range c.queues {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		if !want[id] {
			if err := c.removeQueue(id); err != nil {
				c.log.Error("acd: queue removed from the configuration still has calls", "queue", id, "err", err)
			}
			continue
		}
		if err := c.setMembers(id, byQueue[id]); err != nil {
			c.log.Error("acd: skip members", "queue", id, "err", err)
		}
	}
}

// restore rebuilds agents and waiting callers from what the store had.
// Agents come back in their states: one who was ringing is available again
// (the offer died with the old process); one on a call stays on it until
// CallEnded; wrap-up resumes with the time left. Waiting callers keep their
// priority, arrival time and order, detached (counted in positions, not
// offered) until their call, re-adopted by this process, takes its entry
// back with Enqueue: offering an agent a caller nobody here can connect
// yet would ring them for nothing and mark them no-answer.
func (c *core) restore(agents []AgentRecord, entries []EntryRecord) {
	now := c.now()
	var waits []*agent
	for _, r := range agents {
		s, err := ParseState(r.State)
		if err != nil || s == LoggedOut {
			continue
		}
		a := c.agent(r.AgentID, true)
		for _, m := range a.members {
			m.off = slices.Contains(r.QueuesOff, m.q.cfg.ID)
		}
		a.device, a.workNumber, a.since = r.Device, r.WorkNumber, r.Since
		c.indexDevice(a, r.Device)
		a.callsToday, a.talkToday, a.day = r.CallsToday, r.TalkToday, r.Day
		a.lastQueue = c.queues[r.QueueID]
		a.lastCallID, a.connected = r.CallID, r.ConnectedAt
		st := Status{State: s, Reason: r.Reason, PendingReason: r.PendingReason}
		switch r.Pending {
		case "not-ready":
			st.Pending = PendingNotReady
		case "logout":
			st.Pending = PendingLogout
		}
		ringingFor := ""
		if s == Ringing {
			st = Status{State: Available}
			defer c.saveAgent(a)
			ringingFor = r.CallID
		}
		a.st = st
		a.onBreak = c.cappedBreak(st)
		c.counts(a, +1)
		switch st.State {
		case Available:
			a.idleSince = r.Since
			if ringingFor != "" {
				// Their phone may still ring for that call (the switch
				// outlived the previous process): held until the call is
				// taken back, which withdraws that ring, or the grace ends.
				if c.held == nil {
					c.held = map[string]*agent{}
				}
				a.heldFor = ringingFor
				c.held[ringingFor] = a
				break
			}
			c.addToSets(a)
			c.markAgent(a)
		case OnCall:
			e := &entry{callID: r.CallID, q: a.lastQueue, agent: a, connected: r.ConnectedAt, restoredOn: true, heapIdx: -1}
			if e.q == nil {
				e.q = &queue{cfg: QueueConfig{ID: r.QueueID}}
			}
			a.call = e
			c.indexCall(a, r.CallID)
			c.calls[r.CallID] = e
		case WrapUp:
			left := r.WrapUpEnd.Sub(now)
			a.wrapEnd = r.WrapUpEnd
			a.wrapTimer = c.after(left, func() { _ = c.endWrapUp(a.id, "") })
		}
		if r.BreakWait != "" {
			a.breakWait = r.BreakWait
			waits = append(waits, a)
		}
	}
	slices.SortFunc(waits, func(x, y *agent) int { return x.since.Compare(y.since) })
	c.breakWait = waits
	slices.SortFunc(entries, func(x, y EntryRecord) int {
		if x.Seq != y.Seq {
			if x.Seq < y.Seq {
				return -1
			}
			return 1
		}
		return 0
	})
	for _, r := range entries {
		q := c.queues[r.QueueID]
		if q == nil {
			c.log.Warn("acd: restore: waiting call of a removed queue dropped", "call", r.CallID, "queue", r.QueueID)
			continue
		}
		if r.Seq > c.nextSeq {
			c.nextSeq = r.Seq
		}
		e := &entry{callID: r.CallID, q: q, priority: r.Priority, enqueued: r.EnqueuedAt, first: r.FirstAt, seq: r.Seq,
			caller: r.Caller, lastAgent: r.LastAgent, data: r.Data, hops: r.Hops, lang: r.Lang, heapIdx: -1}
		c.calls[e.callID] = e
		if mw := q.cfg.Limits.MaxWait.D(); mw > 0 {
			e.waitTimer = c.after(e.enqueued.Add(mw).Sub(now), func() { c.maxWait(e) })
		}
		if q.cfg.Announcements.Position {
			c.armAnnounce(e)
		}
		c.detach(e)
	}
	// An agent held for a call that is not waiting any more (it ended, or
	// was connected) has no ring to wait for.
	for id, a := range c.held {
		if e := c.calls[id]; e == nil || !e.detached {
			c.release(a)
		}
	}
	if len(entries) > 0 || len(c.held) > 0 {
		// Callers taken back early wait for those ahead of them, and
		// agents rung by the previous process for their call's take-back
		// (see ReattachGrace); when the grace ends, whoever is back is
		// offered and every agent may be.
		c.holdUntil = now.Add(ReattachGrace)
		c.after(ReattachGrace, func() {
			for _, a := range c.held {
				c.release(a)
			}
			for _, q := range c.queues {
				c.markQueue(q)
			}
		})
	}
	c.breakDirty = true
}
