// Package acd is ipcc's automatic call distributor: queues (skill groups),
// agents and their state machine, distribution strategies, agent levels,
// caller priorities, announcements, wrap-up, breaks and overflow.
//
// The engine does not talk to switches. It takes inputs (method calls) and
// emits effects (to a Sink); the wiring turns effects into ringing phones,
// prompts and bridges and feeds outcomes back. One Engine owns one tenant:
// a single goroutine holds all of its queue and agent state, so no agent is
// ever offered two calls at once. Time comes from the injected clock.
package acd

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ipcc/ipcc/clock"
)

// Options configure an Engine.
type Options struct {
	Tenant string
	Clock  clock.Clock // required
	Sink   Sink        // nil drops effects
	// Store makes agent states, waiting callers and callbacks durable
	// (write-behind, in order); nil keeps everything in memory.
	Store  Store
	Logger *slog.Logger
	// Location is the tenant's time zone: "today" for the daily counters
	// (default UTC).
	Location *time.Location
	// Seed seeds random and weighted-random (0 = from the clock).
	Seed uint64
	// BreakCap is the tenant-wide most agents on a capped break at once
	// (0 = no cap); BreakMode what happens above it (default wait).
	BreakCap  int
	BreakMode BreakMode
	// BreakReasons are the not-ready reasons the caps apply to (default
	// break and lunch).
	BreakReasons []string
}

// Engine is one tenant's ACD. Its methods are safe for concurrent use; each
// is a command executed in order by the engine's goroutine.
type Engine struct {
	c      *core
	cmds   chan *command
	stop   chan struct{}
	done   chan struct{}
	writer *writer
	// observe, when set, is told how long each command took (benchmarks).
	observe func(d time.Duration)
	now     func() time.Time
}

type command struct {
	fn    func(c *core) error
	reply chan error
}

// New starts an engine with no queues; add them with SetQueue/SetMembers
// or load everything from the store with Restore.
func New(opt Options) (*Engine, error) {
	if opt.Clock == nil {
		return nil, errors.New("acd: a clock is required")
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.Location == nil {
		opt.Location = time.UTC
	}
	if opt.BreakMode == "" {
		opt.BreakMode = BreakWait
	}
	if opt.BreakMode != BreakWait && opt.BreakMode != BreakRefuse {
		return nil, fmt.Errorf("acd: break mode %q: must be wait or refuse", opt.BreakMode)
	}
	e := &Engine{c: newCore(&opt), cmds: make(chan *command, 64), stop: make(chan struct{}), done: make(chan struct{})}
	if opt.Store != nil {
		e.writer = newWriter(opt.Store, opt.Tenant, e.c.log)
		e.c.store = e.writer
	}
	e.c.schedule = func(f func()) {
		_ = e.do(func(*core) error { f(); return nil })
	}
	go e.loop()
	_ = e.do(func(c *core) error { c.armDayTimer(); return nil })
	return e, nil
}

func (e *Engine) loop() {
	defer close(e.done)
	for {
		select {
		case cmd := <-e.cmds:
			var t0 time.Time
			if e.observe != nil {
				t0 = e.now()
			}
			err := cmd.fn(e.c)
			e.c.settle()
			if e.observe != nil {
				e.observe(e.now().Sub(t0))
			}
			e.c.flush()
			cmd.reply <- err
		case <-e.stop:
			return
		}
	}
}

var commandPool = sync.Pool{New: func() any { return &command{reply: make(chan error, 1)} }}

// do runs fn on the engine's goroutine and waits for it.
func (e *Engine) do(fn func(c *core) error) error {
	cmd := commandPool.Get().(*command)
	cmd.fn = fn
	select {
	case e.cmds <- cmd:
	case <-e.stop:
		cmd.fn = nil
		commandPool.Put(cmd)
		return ErrClosed
	}
	select {
	case err := <-cmd.reply:
		cmd.fn = nil
		commandPool.Put(cmd)
		return err
	case <-e.done:
		return ErrClosed // cmd is not reused: the loop may still hold it
	}
}

func (e *Engine) doCtx(ctx context.Context, fn func(c *core) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return e.do(fn)
}

// Close stops the engine and waits until the store has every change.
// Timers that fire afterwards do nothing.
func (e *Engine) Close() error {
	select {
	case <-e.stop:
	default:
		_ = e.do(func(c *core) error { c.dayTimer.stop(); return nil })
		close(e.stop)
	}
	<-e.done
	if e.writer != nil {
		e.writer.close()
	}
	return nil
}

// Flush waits until the store has every change made so far.
func (e *Engine) Flush() {
	if e.writer != nil {
		_ = e.do(func(*core) error { return nil })
		e.writer.flush()
	}
}

// Restore loads the queue configuration and the durable state (logged-in
// agents with their states, waiting callers in their places) from the
// store. Call it once, on a new engine, before any input.
func (e *Engine) Restore(ctx context.Context) error {
	if e.writer == nil {
		return errors.New("acd: restore needs Options.Store")
	}
	st := e.writer.st
	qs, ms, err := st.LoadConfig(ctx, e.c.tenant)
	if err != nil {
		return fmt.Errorf("acd: restore tenant %s: %w", e.c.tenant, err)
	}
	agents, entries, err := st.LoadState(ctx, e.c.tenant)
	if err != nil {
		return fmt.Errorf("acd: restore tenant %s: %w", e.c.tenant, err)
	}
	return e.doCtx(ctx, func(c *core) error {
		c.applyConfig(qs, ms)
		c.restore(agents, entries)
		return nil
	})
}

// ReloadConfig re-reads the queues and members from the store and applies
// them; call it after the configuration API changed them. Agents keep
// their states and waiting callers their places.
func (e *Engine) ReloadConfig(ctx context.Context) error {
	if e.writer == nil {
		return errors.New("acd: reload needs Options.Store")
	}
	qs, ms, err := e.writer.st.LoadConfig(ctx, e.c.tenant)
	if err != nil {
		return fmt.Errorf("acd: reload configuration of tenant %s: %w", e.c.tenant, err)
	}
	return e.doCtx(ctx, func(c *core) error { c.applyConfig(qs, ms); return nil })
}

// SetQueue adds or replaces a queue's configuration (validated).
func (e *Engine) SetQueue(ctx context.Context, cfg QueueConfig) error {
	return e.doCtx(ctx, func(c *core) error { return c.setQueue(cfg) })
}

// RemoveQueue deletes a queue that has no calls.
func (e *Engine) RemoveQueue(ctx context.Context, id string) error {
	return e.doCtx(ctx, func(c *core) error { return c.removeQueue(id) })
}

// SetMembers replaces the members (agents with levels) of a queue.
func (e *Engine) SetMembers(ctx context.Context, queueID string, members []Member) error {
	return e.doCtx(ctx, func(c *core) error { return c.setMembers(queueID, members) })
}

// Enqueue puts a call in a queue, or overflows it per the queue's rules.
func (e *Engine) Enqueue(ctx context.Context, req CallRequest) (EnqueueResult, error) {
	var res EnqueueResult
	err := e.doCtx(ctx, func(c *core) error {
		var err error
		res, err = c.enqueue(req)
		return err
	})
	return res, err
}

// Answered reports that the agent of an offer answered: the engine emits
// Connect (and CancelOffer to the rest of a ring-all group).
func (e *Engine) Answered(ctx context.Context, offerID uint64) error {
	return e.doCtx(ctx, func(c *core) error { return c.answered(offerID) })
}

// Ringing reports that the phone of an offer rings (the switch said so).
// Only a phone that rang is blamed for a ring timeout (the agent set not
// ready, no-answer); the first phone of a call to ring starts the ring
// timeout afresh. ErrStaleOffer when the offer ended meanwhile.
func (e *Engine) Ringing(ctx context.Context, offerID uint64) error {
	return e.doCtx(ctx, func(c *core) error { return c.ringing(offerID) })
}

// ConnectFailed reports that the agent who answered a call could not be
// connected to the caller: their leg was gone when ipcc bridged it. The
// caller waits again at their place (entry time kept) and is offered to
// the next agent; the agent is available again without wrap-up, unless
// agentsFault (their phone refused the call), which makes them not ready
// (no-answer). ErrUnknownCall when the call is not connected to an agent.
func (e *Engine) ConnectFailed(ctx context.Context, callID string, agentsFault bool, reason string) error {
	return e.doCtx(ctx, func(c *core) error { return c.connectFailed(callID, agentsFault, reason) })
}

// OfferFailed reports that an offered agent's phone refused the call
// (busy, rejected, not registered): the agent is set not-ready (no-answer)
// and the call goes to the next agent. Failures that are not the agent's
// (a switch command that failed or timed out, the switch down) are
// reported with OfferWithdrawn.
func (e *Engine) OfferFailed(ctx context.Context, offerID uint64, cause string) error {
	return e.doCtx(ctx, func(c *core) error { return c.offerFailed(offerID, cause) })
}

// OfferWithdrawn reports that an offer could not be rung for a reason
// that is not the agent's (the switch is not connected): the agent is
// available again, not marked no-answer, and the call waits, offered again
// after RetryAfterSwitchFailure so a switch that cannot ring anyone is not
// asked again at once.
func (e *Engine) OfferWithdrawn(ctx context.Context, offerID uint64, reason string) error {
	return e.doCtx(ctx, func(c *core) error { return c.offerWithdrawn(offerID, reason) })
}

// RetryAfterSwitchFailure is how long a call waits before it is offered
// again after its offers were withdrawn (OfferWithdrawn).
const RetryAfterSwitchFailure = 2 * time.Second

// CallEnded reports that a call hung up or was transferred away: a waiting
// or ringing call is an abandon; an answered call's agent goes to wrap-up.
func (e *Engine) CallEnded(ctx context.Context, callID string) error {
	return e.doCtx(ctx, func(c *core) error { return c.callEnded(callID) })
}

// CallerRequest: a waiting caller pressed the voicemail or the callback
// key. Number is the callback number (default the caller's).
func (e *Engine) CallerRequest(ctx context.Context, callID string, kind RequestKind, number string) error {
	return e.doCtx(ctx, func(c *core) error { return c.callerRequest(callID, kind, number) })
}

// Login logs an agent in (available, or not ready with r.NotReady).
func (e *Engine) Login(ctx context.Context, r LoginRequest) error {
	return e.doCtx(ctx, func(c *core) error { return c.login(r) })
}

// Logout logs an agent out; during a call or wrap-up it takes effect when
// they end.
func (e *Engine) Logout(ctx context.Context, agentID string) error {
	return e.doCtx(ctx, func(c *core) error { return c.logout(agentID, "") })
}

// Ready makes an agent available (after the call, if on one) and drops a
// waiting break request.
func (e *Engine) Ready(ctx context.Context, agentID string) error {
	return e.doCtx(ctx, func(c *core) error { return c.ready(agentID, "") })
}

// NotReady sets an agent not ready for a reason (after the call, if on
// one). Capped reasons obey the break caps: above a cap the request waits
// (BreakResult.Queued) or fails with ErrBreakCap.
func (e *Engine) NotReady(ctx context.Context, agentID, reason string) (BreakResult, error) {
	var res BreakResult
	err := e.doCtx(ctx, func(c *core) error {
		var err error
		res, err = c.notReady(agentID, reason, "", false)
		return err
	})
	return res, err
}

// SetWorkNumber changes the work number of a logged-in agent (an admin
// changed it on the user): the next agent-ID announcement uses it. An
// agent not logged in is left alone (they get it at their next login).
func (e *Engine) SetWorkNumber(ctx context.Context, agentID, workNumber string) error {
	wn, err := CleanWorkNumber(workNumber)
	if err != nil {
		return err
	}
	return e.doCtx(ctx, func(c *core) error {
		a := c.agents[agentID]
		if a == nil || a.st.State == LoggedOut || a.workNumber == wn {
			return nil
		}
		a.workNumber = wn
		c.saveAgent(a)
		return nil
	})
}

// EndWrapUp ends an agent's wrap-up early.
func (e *Engine) EndWrapUp(ctx context.Context, agentID string) error {
	return e.doCtx(ctx, func(c *core) error { return c.endWrapUp(agentID, "") })
}

// SummarySubmitted tells the engine the agent submitted the service
// summary of callID (a queue with SummaryRequired waits for it).
func (e *Engine) SummarySubmitted(ctx context.Context, agentID, callID string) error {
	return e.doCtx(ctx, func(c *core) error { return c.summarySubmitted(agentID, callID) })
}

// ExtendWrapUp gives an agent d more wrap-up time (capped per queue).
func (e *Engine) ExtendWrapUp(ctx context.Context, agentID string, d time.Duration) error {
	return e.doCtx(ctx, func(c *core) error { return c.extendWrapUp(agentID, d) })
}

// ForceLogout logs an agent out on a supervisor's order (wrap-up ends at
// once; a call in progress finishes first).
func (e *Engine) ForceLogout(ctx context.Context, agentID, by string) error {
	return e.doCtx(ctx, func(c *core) error { return c.logout(agentID, by) })
}

// ForceReady makes an agent available on a supervisor's order (ending
// wrap-up at once).
func (e *Engine) ForceReady(ctx context.Context, agentID, by string) error {
	return e.doCtx(ctx, func(c *core) error { return c.ready(agentID, by) })
}

// ForceNotReady sets an agent not ready on a supervisor's order, bypassing
// the break caps.
func (e *Engine) ForceNotReady(ctx context.Context, agentID, reason, by string) error {
	return e.doCtx(ctx, func(c *core) error { _, err := c.notReady(agentID, reason, by, true); return err })
}

// ForceEndWrapUp ends an agent's wrap-up on a supervisor's order.
func (e *Engine) ForceEndWrapUp(ctx context.Context, agentID, by string) error {
	return e.doCtx(ctx, func(c *core) error { return c.endWrapUp(agentID, by) })
}

// QueueLogin logs a logged-in agent in to one of its queues again.
func (e *Engine) QueueLogin(ctx context.Context, agentID, queueID string) error {
	return e.doCtx(ctx, func(c *core) error { return c.setQueueLogin(agentID, queueID, true, "") })
}

// QueueLogout logs an agent out of one of its queues; it stays logged in
// to the others (and, after the last one, logged in to none).
func (e *Engine) QueueLogout(ctx context.Context, agentID, queueID string) error {
	return e.doCtx(ctx, func(c *core) error { return c.setQueueLogin(agentID, queueID, false, "") })
}

// ForceQueueLogin logs an agent in to one of its queues on a supervisor's
// order.
func (e *Engine) ForceQueueLogin(ctx context.Context, agentID, queueID, by string) error {
	return e.doCtx(ctx, func(c *core) error { return c.setQueueLogin(agentID, queueID, true, by) })
}

// ForceQueueLogout logs an agent out of one of its queues on a
// supervisor's order.
func (e *Engine) ForceQueueLogout(ctx context.Context, agentID, queueID, by string) error {
	return e.doCtx(ctx, func(c *core) error { return c.setQueueLogin(agentID, queueID, false, by) })
}

// Snapshot is the supervisors' view: queues with waiting calls and today's
// figures, agents with their states.
func (e *Engine) Snapshot(ctx context.Context) (Snapshot, error) {
	var s Snapshot
	err := e.doCtx(ctx, func(c *core) error { s = c.snapshot(); return nil })
	return s, err
}

// OnCallAgent is the agent on call with callID ("" when none), as Snapshot
// shows it (the agent whose CallID is callID and whose state is on-call;
// of several, the last by agent id) without building the whole snapshot:
// the dispatcher asks it on every hold event of a queue call.
func (e *Engine) OnCallAgent(ctx context.Context, callID string) (string, error) {
	var id string
	err := e.doCtx(ctx, func(c *core) error { id = c.onCallAgent(callID); return nil })
	return id, err
}

// Agent is one agent's live state (ErrUnknownAgent when never seen).
func (e *Engine) Agent(ctx context.Context, agentID string) (AgentSnapshot, error) {
	var s AgentSnapshot
	err := e.doCtx(ctx, func(c *core) error {
		a := c.agents[agentID]
		if a == nil {
			return fmt.Errorf("acd: agent %s: %w", agentID, ErrUnknownAgent)
		}
		s = c.agentSnapshot(a)
		return nil
	})
	return s, err
}

// EstimatedWait is the expected wait of a caller joining queueID now
// (-1 when nobody is staffed).
func (e *Engine) EstimatedWait(ctx context.Context, queueID string) (time.Duration, error) {
	var d time.Duration
	err := e.doCtx(ctx, func(c *core) error {
		q := c.queues[queueID]
		if q == nil {
			return fmt.Errorf("acd: estimated wait of queue %s: %w", queueID, ErrUnknownQueue)
		}
		if q.idx.count() > 0 {
			return nil
		}
		d = c.estimate(q, q.queued()+1)
		return nil
	})
	return d, err
}
