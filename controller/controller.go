package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/ipcc/ipcc/clock"
	"github.com/ipcc/ipcc/sites"
	"github.com/ipcc/ipcc/tts"
	"github.com/prometheus/client_golang/prometheus"
)

// Handler runs one inbound call. It is started in its own goroutine when a
// leg the controller does not know arrives, and is the only goroutine that
// may call the call's waiting methods. It must return when ctx is cancelled
// (controller shutdown); every waiting method returns then.
type Handler func(ctx context.Context, c *Call)

// Options configure a Controller. The zero value works: no handler (calls
// stay parked), the wall clock, slog.Default, no metrics registration.
type Options struct {
	// Handler is run for each new inbound call; nil leaves calls parked.
	Handler Handler
	// Clock drives every timeout; nil means clock.Real().
	Clock clock.Clock
	// Logger receives structured logs; nil means slog.Default().
	Logger *slog.Logger
	// Registerer receives the controller metrics; nil registers nothing.
	Registerer prometheus.Registerer
	// TTS renders MediaTTS items into files before they reach a driver;
	// nil makes playing TTS an error (ErrNoTTS).
	TTS tts.Renderer
	// PromptFormats is the audio format each switch (by name) plays
	// rendered prompts in (Asterisk: 8 kHz .wav); a switch not listed gets
	// the renderer's default.
	PromptFormats map[string]tts.Format
	// CommandTimeout bounds how long a waiting method waits for the event
	// confirming an accepted command (answered, bridged); 0 means 10s.
	CommandTimeout time.Duration
	// SubscriberBuffer is each subscriber's channel capacity; 0 means 256.
	SubscriberBuffer int
	// MaxTrace bounds a call's trace; older entries are dropped first.
	// 0 means 2000.
	MaxTrace int
	// OnCallEnded, if set, is called once per call after all its legs are
	// gone and its handler returned (the place to write a CDR from
	// Created/Ended/HangupCause/Trace). It runs in its own goroutine, which
	// Run waits for.
	OnCallEnded func(c *Call)
	// Sites says which switch each extension is registered on and which
	// inter-switch trunk reaches it (docs/sites.md): an originate to an
	// extension of another switch is dialled through the trunk, and Dial
	// places a call from an extension on the extension's own switch. nil
	// (or a map placing no device) rings every extension on the call's
	// switch.
	Sites *sites.Map
}

// Controller holds the switches, pumps their events to per-call actors and
// starts a Handler for every new inbound call.
//
// What it relies on from drivers (beyond the Switch documentation):
//   - SwitchConnected is emitted on every (re)connection before the
//     CallArrived events of re-adopted legs; after it the controller lists
//     Legs and ends, on its side, owned legs the switch no longer has.
//   - CallArrived may be re-emitted for a leg ipcc already owns (re-adoption,
//     or an originated leg entering the Stasis app): it never starts a
//     second handler.
//   - A re-adopted leg bridged with the first leg of a call re-adopted just
//     before it (OtherLeg) joins that call as one of its legs: a bridged
//     pair is one call after a restart too, with one handler. Drivers
//     announce re-adopted legs oldest first.
//   - Answer is confirmed by EventAnswered and Bridge by EventBridged (on
//     either leg, OtherLeg set) within Options.CommandTimeout.
//   - Every Play ends with PlaybackFinished carrying the playback id, also
//     after StopPlayback; Err is set when it could not play.
//   - HungUp carries Cause and HangupBy, including for originate failures
//     (USER_BUSY, NO_ANSWER, ...).
type Controller struct {
	opts    Options
	clk     clock.Clock
	log     *slog.Logger
	metrics *metrics

	mu       sync.Mutex
	switches map[string]Switch
	started  map[string]bool
	legs     map[legKey]*Call // every leg ipcc owns, inbound and originated
	calls    map[string]*Call
	runCtx   context.Context
	running  bool
	stopping bool
	wg       sync.WaitGroup

	subMu sync.Mutex
	subs  map[*subscriber]struct{}
}

type legKey struct{ sw, leg string }

// New returns a controller. It fails only if the metrics cannot be
// registered.
func New(opts Options) (*Controller, error) {
	if opts.Clock == nil {
		opts.Clock = clock.Real()
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.CommandTimeout <= 0 {
		opts.CommandTimeout = 10 * time.Second
	}
	if opts.SubscriberBuffer <= 0 {
		opts.SubscriberBuffer = 256
	}
	if opts.MaxTrace <= 0 {
		opts.MaxTrace = 2000
	}
	m, err := newMetrics(opts.Registerer)
	if err != nil {
		return nil, err
	}
	return &Controller{
		opts:     opts,
		clk:      opts.Clock,
		log:      opts.Logger.With("component", "controller"),
		metrics:  m,
		switches: map[string]Switch{},
		started:  map[string]bool{},
		legs:     map[legKey]*Call{},
		calls:    map[string]*Call{},
		subs:     map[*subscriber]struct{}{},
	}, nil
}

// Add registers a switch. Switch names must be unique. A switch added while
// the controller runs is started at once.
func (c *Controller) Add(sw Switch) error {
	if sw == nil {
		return fmt.Errorf("controller: add switch: %w: nil switch", ErrInvalidArgument)
	}
	name := sw.Name()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stopping {
		return fmt.Errorf("controller: add switch %q: controller is stopping", name)
	}
	if _, dup := c.switches[name]; dup {
		return fmt.Errorf("controller: add switch %q: %w: name already used", name, ErrInvalidArgument)
	}
	c.switches[name] = sw
	if c.running {
		c.startLocked(sw)
	}
	return nil
}

// Switch returns the switch registered under name.
func (c *Controller) Switch(name string) (Switch, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sw, ok := c.switches[name]
	return sw, ok
}

// Switches lists the names of the switches added, sorted.
func (c *Controller) Switches() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	names := make([]string, 0, len(c.switches))
	for n := range c.switches {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// Run runs every switch and its event pump until ctx is cancelled, then
// waits for switches, pumps, handlers and helper goroutines to finish, closes
// subscriber channels and returns ctx.Err(). Run may be called once.
func (c *Controller) Run(ctx context.Context) error {
	c.mu.Lock()
	if c.running || c.stopping {
		c.mu.Unlock()
		return errors.New("controller: Run called twice")
	}
	c.running = true
	c.runCtx = ctx
	names := make([]string, 0, len(c.switches))
	for n := range c.switches {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c.startLocked(c.switches[n])
	}
	c.mu.Unlock()
	c.log.Info("controller running", "switches", len(names))

	<-ctx.Done()

	c.mu.Lock()
	c.stopping = true
	c.mu.Unlock()
	c.wg.Wait()
	c.closeSubscribers()
	c.log.Info("controller stopped")
	return ctx.Err()
}

// isStopping reports whether Run's context has ended (shutdown under way).
func (c *Controller) isStopping() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stopping || (c.runCtx != nil && c.runCtx.Err() != nil)
}

// startLocked starts the switch's Run loop and its event pump. c.mu held.
func (c *Controller) startLocked(sw Switch) {
	name := sw.Name()
	if c.started[name] {
		return
	}
	c.started[name] = true
	ctx := c.runCtx
	log := c.log.With("switch", name, "kind", sw.Kind())
	c.wg.Add(2)
	go func() {
		defer c.wg.Done()
		if err := sw.Run(ctx); err != nil && ctx.Err() == nil {
			log.Error("switch run ended", "err", err)
		}
	}()
	go func() {
		defer c.wg.Done()
		c.pump(ctx, sw, log)
	}()
}

// pump reads one switch's events and dispatches them. It never blocks on a
// call or a subscriber: calls queue without bound while they wait and
// subscribers drop.
func (c *Controller) pump(ctx context.Context, sw Switch, log *slog.Logger) {
	events := sw.Events()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				log.Warn("switch event stream closed")
				return
			}
			c.dispatch(ctx, sw, ev, log)
		}
	}
}

func (c *Controller) dispatch(ctx context.Context, sw Switch, ev Event, log *slog.Logger) {
	name := sw.Name()
	if ev.Switch == "" {
		ev.Switch = name
	}
	if ev.Time.IsZero() {
		ev.Time = c.clk.Now()
	}
	sanitizeEvent(&ev) // caller data is untrusted: clean before anyone sees it
	c.metrics.events.WithLabelValues(name, ev.Type.String()).Inc()
	c.publish(ev)

	switch ev.Type {
	case EventSwitchConnected:
		log.Info("switch connected")
		c.reconcileAfterConnect(ctx, sw, log)
		return
	case EventSwitchDisconnected:
		log.Warn("switch disconnected", "err", ev.Err)
		return
	case EventCallArrived:
		c.arrived(ctx, sw, ev, log)
		return
	}
	if ev.Leg == "" {
		return
	}
	c.mu.Lock()
	call := c.legs[legKey{name, ev.Leg}]
	var peer *Call
	if ev.OtherLeg != "" && (ev.Type == EventBridged || ev.Type == EventUnbridged) {
		// The other side of a bridge may belong to another call (an agent
		// leg owned by the ACD's call): tell it too.
		peer = c.legs[legKey{name, ev.OtherLeg}]
	}
	c.mu.Unlock()
	if call == nil && peer == nil {
		if log.Enabled(ctx, slog.LevelDebug) { // the arguments cost allocations even when dropped
			log.Debug("event for a leg ipcc does not own", "leg", ev.Leg, "type", ev.Type.String())
		}
		return
	}
	if call != nil {
		call.deliver(ev)
	}
	if peer != nil && peer != call {
		peer.deliver(ev)
	}
}

// arrived handles CallArrived: a new leg starts a call and its handler; a
// leg ipcc already owns (re-emitted by a driver that re-adopted it after a
// reconnect, or an originated leg entering the Stasis app) is routed to its
// call without a second handler.
func (c *Controller) arrived(ctx context.Context, sw Switch, ev Event, log *slog.Logger) {
	key := legKey{sw.Name(), ev.Leg}
	if ev.Leg == "" {
		log.Warn("call arrived without a leg id; ignored")
		return
	}
	c.mu.Lock()
	if existing := c.legs[key]; existing != nil {
		c.mu.Unlock()
		existing.deliver(ev)
		return
	}
	if c.stopping {
		c.mu.Unlock()
		return
	}
	if peer := c.legs[legKey{sw.Name(), ev.OtherLeg}]; peer != nil && ev.OtherLeg != "" && peer.adoptBridged(ev) {
		c.legs[key] = peer
		c.mu.Unlock()
		peer.deliver(ev)
		peer.log.Info("re-adopted leg joins the call it is bridged with", "new_leg", ev.Leg)
		return
	}
	call := newCall(c, sw, ev)
	c.legs[key] = call
	c.calls[call.id] = call
	c.wg.Add(1)
	c.mu.Unlock()

	c.metrics.callsActive.WithLabelValues(sw.Name()).Inc()
	c.metrics.callsTotal.WithLabelValues(sw.Name()).Inc()
	call.log.Info("call arrived", "ani", ev.ANI, "dnis", ev.DNIS)
	go c.runHandler(ctx, call)
}

func (c *Controller) runHandler(ctx context.Context, call *Call) {
	defer c.wg.Done()
	defer func() {
		call.mu.Lock()
		call.handlerDone = true
		call.mu.Unlock()
		c.maybeForget(call)
	}()
	h := c.opts.Handler
	if h == nil {
		call.Note("handler", "no handler: call left parked")
		return
	}
	defer func() {
		if r := recover(); r != nil {
			// A bug in one flow must not take the process down with every
			// other call; end this call cleanly instead.
			call.log.Error("call handler panicked", "panic", fmt.Sprint(r))
			call.Note("error", fmt.Sprintf("handler panicked: %v", r))
			hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.opts.CommandTimeout)
			defer cancel()
			_ = call.Hangup(hctx, CauseNormalTemporaryFailure)
		}
	}()
	call.Note("handler", "started")
	h(ctx, call)
	call.Note("handler", "returned")
}

// registerLeg makes events of an originated leg reach its call. Called
// before the originate command is sent so no event can race it.
func (c *Controller) registerLeg(sw, leg string, call *Call) {
	c.mu.Lock()
	c.legs[legKey{sw, leg}] = call
	c.mu.Unlock()
}

func (c *Controller) unregisterLeg(sw, leg string, call *Call) {
	c.mu.Lock()
	if c.legs[legKey{sw, leg}] == call {
		delete(c.legs, legKey{sw, leg})
	}
	c.mu.Unlock()
}

// maybeForget drops a call once its handler returned and all its legs are
// gone, so the registry only holds live calls.
func (c *Controller) maybeForget(call *Call) {
	call.mu.Lock()
	if call.forgotten || !call.handlerDone {
		call.mu.Unlock()
		return
	}
	for _, l := range call.legs {
		if !l.gone {
			call.mu.Unlock()
			return
		}
	}
	call.forgotten = true
	call.ended = c.clk.Now()
	ids := make([]string, 0, len(call.legs))
	for id := range call.legs {
		ids = append(ids, id)
	}
	call.mu.Unlock()

	c.mu.Lock()
	for _, id := range ids {
		k := legKey{call.swName, id}
		if c.legs[k] == call {
			delete(c.legs, k)
		}
	}
	delete(c.calls, call.id)
	hook := c.opts.OnCallEnded
	async := hook != nil && !c.stopping
	if async {
		c.wg.Add(1) // under c.mu, so never after Run started waiting
	}
	c.mu.Unlock()
	c.metrics.callsActive.WithLabelValues(call.swName).Dec()
	call.log.Info("call ended")
	switch {
	case async:
		go func() {
			defer c.wg.Done()
			hook(call)
		}()
	case hook != nil:
		hook(call)
	}
}

// reconcileAfterConnect asks the switch which legs are alive and hangs up,
// on ipcc's side, every owned leg that vanished while the connection was
// down (its HungUp event was lost), so no handler waits forever on it.
func (c *Controller) reconcileAfterConnect(ctx context.Context, sw Switch, log *slog.Logger) {
	type owned struct {
		call *Call
		leg  string
	}
	var check []owned
	c.mu.Lock()
	for k, call := range c.legs {
		if k.sw == sw.Name() {
			check = append(check, owned{call, k.leg})
		}
	}
	if len(check) == 0 || c.stopping {
		c.mu.Unlock()
		return
	}
	c.wg.Add(1)
	c.mu.Unlock()
	// Only legs the switch already accepted can be judged: an originate in
	// flight may not be listed yet.
	filtered := check[:0]
	for _, o := range check {
		if o.call.legAccepted(o.leg) {
			filtered = append(filtered, o)
		}
	}
	go func() {
		defer c.wg.Done()
		lctx, cancel := context.WithTimeout(ctx, c.opts.CommandTimeout)
		defer cancel()
		live, err := sw.Legs(lctx)
		if err != nil {
			log.Warn("reconcile: listing legs failed", "err", err)
			return
		}
		alive := make(map[string]bool, len(live))
		for _, l := range live {
			alive[l.Leg] = true
		}
		for _, o := range filtered {
			if alive[o.leg] {
				continue
			}
			o.call.Note("reconcile", "leg "+o.leg+" vanished while the switch was disconnected")
			o.call.deliver(Event{
				Type: EventHungUp, Switch: sw.Name(), Leg: o.leg, Time: c.clk.Now(),
				Cause: CauseNormalUnspecified, HangupBy: HangupSwitch,
				Err: "leg not listed by the switch after reconnect",
			})
		}
	}()
}

// Call returns the live call with the given id.
func (c *Controller) Call(id string) (*Call, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	call, ok := c.calls[id]
	return call, ok
}

// CallByLeg returns the call owning leg on switch sw.
func (c *Controller) CallByLeg(sw, leg string) (*Call, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	call, ok := c.legs[legKey{sw, leg}]
	return call, ok
}

// Calls lists the live calls, oldest first.
func (c *Controller) Calls() []*Call {
	c.mu.Lock()
	out := make([]*Call, 0, len(c.calls))
	for _, call := range c.calls {
		out = append(out, call)
	}
	c.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	return out
}

func newID() string { return uuid.NewString() }
