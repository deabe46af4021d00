package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ipcc/ipcc/clock"
)

var callSeq atomic.Uint64

// Call is one call under ipcc control: the leg it started with (inbound, or
// dialed by Controller.Dial) plus every leg it originated. The handler goroutine drives it through the waiting
// methods (Answer, Play, PlayAndCollect, Originate, Bridge), which consume
// the call's event inbox; only one of them may wait at a time. Accessors and
// fire-and-forget commands (Hangup, SetVar, Hold, ...) are safe from any
// goroutine, so the ACD or the API can hang up or hold a call.
type Call struct {
	ctl     *Controller
	id      string
	seq     uint64
	sw      Switch
	swName  string
	ani     string
	aniName string
	dnis    string
	created time.Time
	log     *slog.Logger
	inbound *Leg // the leg the call started with (dialed leg for Dial)

	outbound bool // created by Controller.Dial

	waitMu sync.Mutex // held by the one waiting method

	mu          sync.Mutex
	vars        map[string]string
	legs        map[string]*Leg
	waiting     bool    // a waiting method is consuming the inbox
	queue       []Event // inbox; only filled while waiting
	notify      chan struct{}
	trace       []TraceEntry
	traceDrops  int
	handlerDone bool
	forgotten   bool
	readopted   bool // the first leg was re-adopted (CallArrived naming a bridge peer)
	ended       time.Time
	recs        map[string]*recWatch // recordings by id (recording.go)
}

// TraceEntry is one line of a call's trace: a command sent, an event
// received, an error, or a decision noted by a flow.
type TraceEntry struct {
	Time   time.Time
	Kind   string // "command", "event", "error", or a caller-chosen kind
	Detail string
}

func newCall(ctl *Controller, sw Switch, ev Event) *Call {
	c := &Call{
		ctl:     ctl,
		id:      newID(),
		seq:     callSeq.Add(1),
		sw:      sw,
		swName:  sw.Name(),
		ani:     ev.ANI,
		aniName: ev.ANIName,
		dnis:    ev.DNIS,
		created: ctl.clk.Now(),
		vars:    maps.Clone(ev.Vars),
		legs:    map[string]*Leg{},
		notify:  make(chan struct{}, 1),
	}
	if c.vars == nil {
		c.vars = map[string]string{}
	}
	c.log = ctl.log.With("call", c.id, "switch", c.swName, "leg", ev.Leg)
	c.inbound = newLeg(c, ev.Leg, true)
	c.inbound.accepted = true
	c.readopted = ev.OtherLeg != ""
	c.legs[ev.Leg] = c.inbound
	c.appendTraceLocked("event", describeEvent(ev))
	return c
}

// ID is ipcc's id of the call (not a switch leg id).
func (c *Call) ID() string { return c.id }

// Leg is the leg the call started with: the inbound leg, or for a call
// placed with Controller.Dial the dialed leg.
func (c *Call) Leg() *Leg { return c.inbound }

// Outbound reports whether the call was placed with Controller.Dial.
func (c *Call) Outbound() bool { return c.outbound }

// ANI is the caller number.
func (c *Call) ANI() string { return c.ani }

// ANIName is the caller name, if the network sent one.
func (c *Call) ANIName() string { return c.aniName }

// DNIS is the dialed number.
func (c *Call) DNIS() string { return c.dnis }

// Switch is the name of the switch carrying the call.
func (c *Call) Switch() string { return c.swName }

// Created is when the call arrived (controller clock).
func (c *Call) Created() time.Time { return c.created }

// Ended is when the controller let go of the call (all legs gone, handler
// returned); zero while it is live.
func (c *Call) Ended() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ended
}

// Vars returns a copy of the channel variables the call arrived with,
// updated by SetVar on the inbound leg.
func (c *Call) Vars() map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return maps.Clone(c.vars)
}

// Done is closed when the inbound leg hung up (or was transferred away).
func (c *Call) Done() <-chan struct{} { return c.inbound.done }

// HangupCause says how the inbound leg ended; ok is false while it lives.
func (c *Call) HangupCause() (cause Cause, by HangupSide, ok bool) {
	return c.inbound.HangupCause()
}

// HasLeg reports whether the leg with id is one of Legs, without copying
// them (the dispatcher asks it of every queue call per hold event).
func (c *Call) HasLeg(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.inbound.ID() == id {
		return true
	}
	for _, l := range c.legs {
		if l.ID() == id {
			return true
		}
	}
	return false
}

// Legs lists the call's legs, inbound first.
func (c *Call) Legs() []*Leg {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := []*Leg{c.inbound}
	for _, l := range c.legs {
		if l != c.inbound {
			out = append(out, l)
		}
	}
	return out
}

// Trace returns a copy of the call's trace, oldest first.
func (c *Call) Trace() []TraceEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]TraceEntry, 0, len(c.trace)+1)
	if c.traceDrops > 0 {
		out = append(out, TraceEntry{Time: c.created, Kind: "trace", Detail: fmt.Sprintf("%d older entries dropped", c.traceDrops)})
	}
	return append(out, c.trace...)
}

// Note adds a caller-chosen entry to the trace (route chosen, flow node
// visited, agent offered), so one trace explains the whole call.
func (c *Call) Note(kind, detail string) {
	c.mu.Lock()
	c.appendTraceLocked(kind, detail)
	c.mu.Unlock()
}

func (c *Call) appendTraceLocked(kind, detail string) {
	if max := c.ctl.opts.MaxTrace; len(c.trace) >= max {
		drop := len(c.trace) - max + 1
		c.trace = append(c.trace[:0], c.trace[drop:]...)
		c.traceDrops += drop
	}
	c.trace = append(c.trace, TraceEntry{Time: c.ctl.clk.Now(), Kind: kind, Detail: detail})
}

// deliver is called by the switch pump: it updates leg state at once (so
// Done closes even when the handler is busy elsewhere) and queues the event
// for a waiting method. It never blocks.
func (c *Call) deliver(ev Event) {
	c.mu.Lock()
	c.appendTraceLocked("event", describeEvent(ev))
	if ev.Type == EventRecordingStarted || ev.Type == EventRecordingFinished {
		c.noteRecordingLocked(ev)
	}
	if l := c.legs[ev.Leg]; l != nil {
		switch ev.Type {
		case EventRinging:
			l.markRingingLocked()
		case EventAnswered:
			l.markAnsweredLocked()
		case EventHungUp:
			l.markGoneLocked(ev.Cause, ev.HangupBy, false)
		case EventBridged:
			l.bridgedWith = ev.OtherLeg
		case EventUnbridged:
			l.bridgedWith = ""
		case EventHold:
			l.held = true
		case EventUnhold:
			l.held = false
		case EventCallArrived:
			c.log.Info("leg re-adopted after reconnect", "leg", ev.Leg)
		}
	}
	if l := c.legs[ev.OtherLeg]; l != nil && ev.OtherLeg != ev.Leg {
		switch ev.Type {
		case EventBridged:
			l.bridgedWith = ev.Leg
		case EventUnbridged:
			l.bridgedWith = ""
		}
	}
	if c.waiting {
		c.queue = append(c.queue, ev)
		select {
		case c.notify <- struct{}{}:
		default:
		}
	}
	c.mu.Unlock()
	if ev.Type == EventHungUp {
		if ev.Leg == c.inbound.id {
			c.log.Info("caller hung up", "cause", string(ev.Cause), "by", ev.HangupBy.String())
		}
		c.ctl.maybeForget(c)
	}
}

// adoptBridged takes a re-adopted leg bridged with this call's first leg
// in as one of the call's legs (answered and bridged, as the switch has
// it), when the call's first leg arrived the same way and is still up.
// False leaves the leg to start a call of its own.
func (c *Call) adoptBridged(ev Event) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ev.OtherLeg != c.inbound.id || c.inbound.gone || !c.readopted || c.legs[ev.Leg] != nil {
		return false
	}
	l := newLeg(c, ev.Leg, false)
	l.accepted = true
	l.bridgedWith = ev.OtherLeg
	c.inbound.bridgedWith = ev.Leg
	c.legs[ev.Leg] = l
	return true
}

func (c *Call) legAccepted(id string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.legs[id]
	return l != nil && l.accepted && !l.gone
}

// beginWait makes the caller the inbox consumer. Events from before the
// wait are not replayed: every wait is keyed by ids chosen for it (playback
// id, new leg id) and state changes were applied in deliver. DTMF typed
// before a wait is therefore discarded, like a fresh prompt on the switch.
func (c *Call) beginWait() error {
	if !c.waitMu.TryLock() {
		return ErrConcurrentWait
	}
	c.mu.Lock()
	c.waiting = true
	c.queue = nil
	select {
	case <-c.notify:
	default:
	}
	c.mu.Unlock()
	return nil
}

func (c *Call) endWait() {
	c.mu.Lock()
	c.waiting = false
	c.queue = nil
	c.mu.Unlock()
	c.waitMu.Unlock()
}

// next returns the next inbox event. timedOut is true when timeout fired
// first; err is set when ctx ended the wait.
func (c *Call) next(ctx context.Context, timeout <-chan time.Time) (ev Event, timedOut bool, err error) {
	for {
		c.mu.Lock()
		if len(c.queue) > 0 {
			ev = c.queue[0]
			c.queue[0] = Event{}
			c.queue = c.queue[1:]
			c.mu.Unlock()
			return ev, false, nil
		}
		c.mu.Unlock()
		select {
		case <-c.notify:
		case <-timeout:
			return Event{}, true, nil
		case <-ctx.Done():
			return Event{}, false, ctx.Err()
		}
	}
}

// endsWait reports whether ev ends any wait involving legs: the inbound leg
// or one of legs hung up. It returns the error to give the caller.
func (c *Call) endsWait(ev Event, legs ...*Leg) error {
	if ev.Type != EventHungUp {
		return nil
	}
	if ev.Leg == c.inbound.id {
		return ErrHungUp
	}
	for _, l := range legs {
		if l != nil && ev.Leg == l.id {
			return ErrHungUp
		}
	}
	return nil
}

// command sends one switch command with tracing, logging and metrics.
func (c *Call) command(ctx context.Context, name, leg, detail string, f func(context.Context) error) error {
	c.Note("command", strings.TrimSpace(name+" "+leg+" "+detail))
	if err := f(ctx); err != nil {
		if name == "hangup" && errors.Is(err, ErrNoSuchLeg) {
			// Already gone: a bridged leg the switch hung up with its
			// peer. What was asked is done, so the trace does not call
			// it an error; callers still see the error.
			c.Note("command", "hangup "+leg+": the leg was already gone")
			c.log.Debug("leg already gone", "command", name, "target", leg)
			return fmt.Errorf("controller: %s on call %s leg %s: %w", name, c.id, leg, err)
		}
		c.Note("error", name+": "+err.Error())
		c.ctl.metrics.commandErrors.WithLabelValues(c.swName, name).Inc()
		if errors.Is(err, ErrNotConnected) && c.ctl.isStopping() {
			// Shutting down: the switch connections close while handlers
			// wind up; the calls themselves go on on the switch.
			c.log.Debug("switch command not sent: the controller is stopping", "command", name, "target", leg)
		} else {
			c.log.Warn("switch command failed", "command", name, "target", leg, "err", err)
		}
		return fmt.Errorf("controller: %s on call %s leg %s: %w", name, c.id, leg, err)
	}
	return nil
}

// cleanupCtx gives clean-up commands (stop a playback, cancel an originate)
// a context that survives the cancellation that triggered them.
func (c *Call) cleanupCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), c.ctl.opts.CommandTimeout)
}

func (c *Call) clock() clock.Clock { return c.ctl.clk }

func describeEvent(ev Event) string {
	var b strings.Builder
	b.WriteString(ev.Type.String())
	add := func(k, v string) {
		if v != "" {
			b.WriteString(" ")
			b.WriteString(k)
			b.WriteString("=")
			b.WriteString(v)
		}
	}
	add("leg", ev.Leg)
	add("ani", ev.ANI)
	add("dnis", ev.DNIS)
	add("digit", ev.Digit)
	add("playback", ev.PlaybackID)
	add("recording", ev.RecordingID)
	add("other", ev.OtherLeg)
	add("room", ev.Room)
	add("cause", string(ev.Cause))
	if ev.Type == EventHungUp {
		add("by", ev.HangupBy.String())
	}
	add("err", ev.Err)
	return b.String()
}
