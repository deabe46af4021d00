// Package dispatch carries out the ACD's decisions on live calls: it puts an
// inbound call in a queue, plays the queue's announcements and music on hold,
// rings the agents the engine offers the call to, reports their answers and
// failures back, bridges the caller with the agent who answered, and acts on
// overflow. The acd engine decides; dispatch only does.
package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/clock"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/inbound"
	"github.com/ipcc/ipcc/outroute"
	"github.com/ipcc/ipcc/recording"
	"github.com/ipcc/ipcc/store"
)

// Options wire a Dispatcher.
type Options struct {
	Store  *store.Store
	Clock  clock.Clock
	Logger *slog.Logger
	// MusicOnHold is the class played to waiting callers ("" = default).
	MusicOnHold string
	// DefaultTrunk dials agents whose device is an external (mobile) number.
	DefaultTrunk string
	// RecordingDir is where switches write call recordings, as a path the
	// switch understands and this controller reads at the same path; files
	// are named <tenant>/<date>/<call id>-<n>.wav.
	RecordingDir string
	// SwitchRecordingDirs overrides RecordingDir per switch (by name):
	// where that switch writes and where this controller reads the files.
	SwitchRecordingDirs map[string]recording.Dir
	// Dialer and DialSwitch place agents' click-to-dial calls (also set
	// later with SetDialer, once the controller exists).
	Dialer     Dialer
	DialSwitch string
	// RecordPolicy decides whether a call is recorded (nil: only queues
	// with Record set record every call; agents may always record on demand).
	RecordPolicy RecordPolicy
	// Location gives each tenant's time zone for "today" (nil: the tenant's
	// configured zone is looked up in the store).
	Location func(tenant string) *time.Location
	// Outbound routes external calls (trunks, routes, caller ID, toll-fraud
	// guard); nil makes one over the store (no routes: DefaultTrunk).
	Outbound *outroute.Service
	// Library plays queue announcements naming the tenant's prompts
	// library ("library:NAME"), resolved when played in the caller's
	// language (prompts.Library); nil leaves them out, the trace says so.
	Library Library
}

// Library resolves a prompt of a tenant's prompts library (see
// prompts.Library).
type Library interface {
	LibraryMedia(ctx context.Context, tenant, name, lang string) (controller.Media, error)
}

// Recording modes a RecordPolicy returns.
const (
	RecordAlways   = "always"    // 强制录音: from the agent's answer to the end
	RecordOnDemand = "on_demand" // the agent starts, pauses and stops it
	RecordNever    = "never"     // no recording, not even on request
)

// RecordPolicy says how a call is recorded, from the tenant's policies for
// its queue, its agent and its direction ("inbound" or "outbound").
type RecordPolicy interface {
	RecordMode(ctx context.Context, tenant, queue, agent, direction string) (string, error)
}

// Dispatcher owns one ACD engine per tenant and the calls waiting in them.
type Dispatcher struct {
	opt     Options
	log     *slog.Logger
	tenants *acd.Tenants
	effects *effectQueue[acd.Effect]
	stop    chan struct{}
	done    chan struct{}

	mu      sync.Mutex
	waiting map[string]*waiter // tenant + "/" + call id
	// byLeg finds the queue call of a leg (switch + "/" + leg) a hold
	// event names: the caller's leg, and the others once found (hold.go).
	byLeg map[string]*waiter
	holds map[string]holdState // tenant + "/" + call id: what holds the call (hold.go)
	// heldSince is when each call in holds went on hold.
	heldSince map[string]time.Time
	subs      map[int]*subscriber
	nextSub   int
	flows     FlowRunner
	dials     sync.WaitGroup // click-to-dial calls in progress
	// wrapFrom is when each agent's wrap-up began (tenant/agent), for the
	// wrap-up time of the call it follows; writes waits for those writes.
	wrapFrom map[string]time.Time
	writes   sync.WaitGroup
	// outbound holds the connected click-to-dial calls (tenant/agent), so
	// the agent's controls reach them.
	outbound map[string]*outCall
	// switches are the switches that can ring agents (see ringSwitches);
	// watching follows the dialer's switch connections.
	switches map[string]bool
	watching bool
	watch    sync.WaitGroup
	// observer hears every event before the subscribers, never dropped
	// (SetObserver).
	observer func(Event)
	// legHolds are the legs (switch + "/" + leg) that hold an agent in
	// their tenant's engine (leghold.go).
	legHolds map[string]legHoldEntry
	// callEvents hears the records of the calls this dispatcher places
	// (agents' dials, campaign and broadcast calls): SetCallEvents.
	callEvents inbound.CallEvents
}

// SetCallEvents makes ev hear the records of the calls the dispatcher
// places itself (click-to-dial, agents' dials, campaign and broadcast
// calls), as inbound.Options.Events hears inbound calls': webhook senders
// get call.ended for them. Set it before calls are placed.
func (d *Dispatcher) SetCallEvents(ev inbound.CallEvents) {
	d.mu.Lock()
	d.callEvents = ev
	d.mu.Unlock()
}

// newRecord starts the record of a call the dispatcher placed, observed
// by the call-events listener.
func (d *Dispatcher) newRecord(call *controller.Call, r store.CallRecord) *inbound.Record {
	rec := inbound.NewRecord(d.opt.Store, d.log, d.opt.Clock.Now, call, r)
	d.mu.Lock()
	ev := d.callEvents
	d.mu.Unlock()
	if ev != nil {
		rec.Observe(ev)
	}
	return rec
}

// SetObserver makes f hear every event the subscribers hear, in order and
// none dropped (webhook senders): f is called where the event is
// published, under the dispatcher's lock, so it must only hand the event
// on without blocking.
func (d *Dispatcher) SetObserver(f func(Event)) {
	d.mu.Lock()
	d.observer = f
	d.mu.Unlock()
}

// New starts a dispatcher; Close stops it.
func New(o Options) *Dispatcher {
	if o.Clock == nil {
		o.Clock = clock.Real()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	d := &Dispatcher{opt: o, log: o.Logger.With("component", "dispatch"), effects: newEffectQueue[acd.Effect](),
		stop: make(chan struct{}), done: make(chan struct{}), waiting: map[string]*waiter{}, byLeg: map[string]*waiter{}, holds: map[string]holdState{}, heldSince: map[string]time.Time{}, subs: map[int]*subscriber{}, wrapFrom: map[string]time.Time{}, outbound: map[string]*outCall{}, legHolds: map[string]legHoldEntry{},
		switches: map[string]bool{}}
	d.tenants = &acd.Tenants{Options: func(tenant string) acd.Options {
		opt := acd.Options{Clock: o.Clock, Sink: acd.SinkFunc(d.effects.push), Logger: o.Logger, Location: d.location(tenant)}
		if o.Store != nil {
			opt.Store = acd.SQLStore{S: o.Store, Log: o.Logger}
		}
		return opt
	}}
	if o.Outbound == nil {
		var src outroute.Source = outroute.StaticSource{Config: &outroute.Config{Home: "86"}}
		if o.Store != nil {
			src = &outroute.StoreSource{Store: o.Store}
		}
		d.opt.Outbound = outroute.NewService(src, o.Clock.Now, o.Logger, d.auditRefusal)
	}
	go d.pump()
	return d
}

func (d *Dispatcher) location(tenant string) *time.Location {
	if d.opt.Location != nil {
		return d.opt.Location(tenant)
	}
	if d.opt.Store != nil {
		if t, err := d.opt.Store.GetTenant(context.Background(), tenant); err == nil {
			if loc, err := time.LoadLocation(t.Timezone); err == nil {
				return loc
			}
		}
	}
	return time.UTC
}

// Engine returns the tenant's ACD engine (created and restored on first use).
func (d *Dispatcher) Engine(ctx context.Context, tenant string) (*acd.Engine, error) {
	return d.tenants.Get(ctx, tenant)
}

// Reload makes the tenant's engine re-read queues and members from the
// store (after an edit through the API).
func (d *Dispatcher) Reload(ctx context.Context, tenant string) error {
	for _, t := range d.tenants.List() {
		if t == tenant {
			e, err := d.tenants.Get(ctx, tenant)
			if err != nil {
				return err
			}
			return e.ReloadConfig(ctx)
		}
	}
	return nil // not started yet: it loads the configuration when it is
}

// Subscribe receives every event of every tenant (offers, answers, state
// changes, ...) for agent desktops and wallboards. A slow subscriber loses
// events rather than stall calls, and is told: the next event it can take
// is preceded by one of type "events_lost" with the count, so a desktop
// knows to re-read its state.
func (d *Dispatcher) Subscribe(buf int) (<-chan Event, func()) {
	sub := &subscriber{ch: make(chan Event, max(buf, 2))}
	d.mu.Lock()
	id := d.nextSub
	d.nextSub++
	d.subs[id] = sub
	d.mu.Unlock()
	return sub.ch, func() {
		d.mu.Lock()
		if _, ok := d.subs[id]; ok {
			delete(d.subs, id)
			close(sub.ch)
		}
		d.mu.Unlock()
	}
}

// subscriber is one Subscribe channel and how many events it missed since
// it was last told.
type subscriber struct {
	ch   chan Event
	lost int
}

// Publish sends an event that happened outside the engine (an agent's help
// request, a campaign's lead for an agent) to every subscriber, as the
// engine's own events are.
// held and unheld (an agent's hold through the API) count with the holds
// the switch reports: one event per change of the call's hold.
func (d *Dispatcher) Publish(ev Event) {
	if (ev.Type == "held" || ev.Type == "unheld") && ev.Call != "" {
		d.setHold(ev, "api", ev.Type == "held")
		return
	}
	d.publish(ev)
}

// publish hands ev to every subscriber without blocking. Sent under the
// lock: an unsubscribe closes its channel under the same lock.
func (d *Dispatcher) publish(ev Event) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.observer != nil {
		d.observer(ev)
	}
	for _, sub := range d.subs {
		if sub.lost > 0 {
			notice := Event{Type: EventLost, Reason: strconv.Itoa(sub.lost) + " events dropped: the subscriber was too slow", At: ev.At}
			select {
			case sub.ch <- notice:
				sub.lost = 0
			default:
				sub.lost++
				continue
			}
		}
		select {
		case sub.ch <- ev:
		default:
			if sub.lost == 0 {
				d.log.Warn("event subscriber too slow: dropping events", "tenant", ev.Tenant, "type", ev.Type)
			}
			sub.lost++
		}
	}
}

// Close lets go of click-to-dial calls in progress (a call that goes on
// keeps an open record, which the next controller completes), then stops
// the engines and the effect pump.
func (d *Dispatcher) Close() error {
	close(d.stop)
	d.dials.Wait()
	d.watch.Wait()
	err := d.tenants.Close()
	<-d.done
	d.writes.Wait()
	return err
}

// CallEnded implements inbound.CallEnder: a call connected by an earlier
// controller (re-adopted after a restart) ended, so its agent wraps up.
func (d *Dispatcher) CallEnded(ctx context.Context, tenant, callID string) error {
	eng, err := d.tenants.Get(ctx, tenant)
	if err != nil {
		return err
	}
	return eng.CallEnded(ctx, callID)
}

// wrapUp notes wrap-up periods; when one ends, the call it followed gets
// its wrap-up time (written off the pump goroutine).
func (d *Dispatcher) wrapUp(sc acd.StateChange) {
	key := sc.Tenant + "/" + sc.AgentID
	switch {
	case sc.To == acd.WrapUp:
		d.mu.Lock()
		d.wrapFrom[key] = sc.At
		d.mu.Unlock()
	case sc.From == acd.WrapUp:
		d.mu.Lock()
		from, ok := d.wrapFrom[key]
		delete(d.wrapFrom, key)
		d.mu.Unlock()
		if !ok || sc.CallID == "" || d.opt.Store == nil {
			return
		}
		// Queued on the store's call-record writer, after what it holds of
		// the call (off the pump: a full writer queue makes it wait).
		d.writes.Add(1)
		go func() {
			defer d.writes.Done()
			if err := d.opt.Store.QueueCallWrapUp(sc.Tenant, sc.CallID, sc.At.Sub(from)); err != nil {
				d.log.Warn("wrap-up time not recorded on the call", "call", sc.CallID, "agent", sc.AgentID, "err", err)
			}
		}()
	}
}

// pump hands each effect to the waiting call it concerns and to
// subscribers.
func (d *Dispatcher) pump() {
	defer close(d.done)
	for {
		select {
		case <-d.stop:
			return
		case <-d.effects.notify:
		}
		for _, ef := range d.effects.drain() {
			d.route(ef)
		}
	}
}

func callOf(ef acd.Effect) (tenant, call string) {
	switch e := ef.(type) {
	case acd.Offer:
		return e.Tenant, e.CallID
	case acd.CancelOffer:
		return e.Tenant, e.CallID
	case acd.Connect:
		return e.Tenant, e.CallID
	case acd.Announce:
		return e.Tenant, e.CallID
	case acd.Overflow:
		return e.Tenant, e.CallID
	case acd.CallbackRequested:
		return e.Tenant, e.Callback.CallID
	}
	return "", ""
}

func (d *Dispatcher) route(ef acd.Effect) {
	tenant, call := callOf(ef)
	if sc, ok := ef.(acd.StateChange); ok && (sc.To == acd.WrapUp || sc.From == acd.WrapUp) {
		d.wrapUp(sc)
	}
	d.mu.Lock()
	w := d.waiting[tenant+"/"+call]
	d.mu.Unlock()
	if ev, ok := event(ef, w); ok {
		d.publish(ev)
	}
	if call == "" {
		if nc, ok := ef.(acd.NoAnswer); ok {
			d.log.Warn("agent did not answer and is now not ready", "tenant", nc.Tenant, "agent", nc.AgentID, "call", nc.CallID, "cause", nc.Cause)
		}
		return
	}
	if w == nil {
		// An offer for a call nobody waits for here (it ended while the
		// engine decided, or ipcc is stopping): withdraw it so the agent
		// is free again, without blaming them.
		if o, ok := ef.(acd.Offer); ok {
			if e, err := d.tenants.Get(context.Background(), o.Tenant); err == nil {
				_ = e.OfferWithdrawn(context.Background(), o.OfferID, "call-gone")
			}
		}
		return
	}
	if _, ok := ef.(acd.Offer); ok {
		// An agent is rung now: an announcement (or the key window after
		// it) must not hold the offer back past the ring timeout.
		w.stopAnnouncement()
	}
	w.effects.push(ef)
}

// Enqueue implements inbound.QueueRouter: the call waits in the queue
// (hearing announcements and music) until an agent takes it, it overflows,
// or the caller hangs up.
func (d *Dispatcher) Enqueue(ctx context.Context, c *controller.Call, q inbound.QueueRequest) (inbound.QueueResult, error) {
	eng, err := d.tenants.Get(ctx, q.Tenant)
	if err != nil {
		return inbound.QueueResult{}, fmt.Errorf("dispatch: engine of tenant %s: %w", q.Tenant, err)
	}
	// The ACD knows the call by its record's id, which stays the same for
	// a call a restarted controller re-adopted.
	id := c.ID()
	if rid := q.Record.ID(); rid != "" {
		id = rid
	}
	joined := d.opt.Clock.Now()
	if !q.Since.IsZero() && q.Since.Before(joined) {
		joined = q.Since // taken back after a restart: the wait runs on
	}
	flowVars := make(map[string]string, len(q.Vars))
	for k, v := range q.Vars {
		flowVars[k] = fmt.Sprint(v)
	}
	w := &waiter{d: d, eng: eng, c: c, id: id, flowVars: flowVars, rec: q.Record, tenant: q.Tenant, queue: q.Queue, joined: joined,
		legs: newEffectQueue[legEvent](), stop: make(chan struct{}), ctrl: make(chan control), effects: newEffectQueue[acd.Effect](), offers: map[uint64]*controller.Leg{}, offeredAt: map[uint64]time.Time{},
		log: d.log.With("call", c.ID(), "tenant", q.Tenant, "queue", q.Queue), callerDefault: q.DefaultLanguage, callerLang: q.Language}
	key := q.Tenant + "/" + id
	d.noteSwitch(c.Switch())
	d.mu.Lock()
	d.waiting[key] = w
	d.indexLegLocked(w, c.Switch(), c.Leg().ID())
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		delete(d.waiting, key)
		d.unindexLegsLocked(w)
		d.forgetHoldsLocked(key)
		d.mu.Unlock()
	}()
	data := map[string]string{"ani": c.ANI(), "did": c.DNIS()}
	for k, v := range w.flowVars {
		data[k] = v
	}
	res, err := eng.Enqueue(ctx, acd.CallRequest{CallID: id, QueueID: q.Queue, Priority: q.Priority, Caller: c.ANI(), LastAgentID: q.LastAgent, Data: data, EnqueuedAt: q.Since,
		Lang: q.Language})
	if err != nil {
		return inbound.QueueResult{}, fmt.Errorf("dispatch: enqueue call %s in %s: %w", id, q.Queue, err)
	}
	if res.QueueID != "" {
		w.queue = res.QueueID // a restored entry may wait in the queue it overflowed to
	}
	if !res.Joined {
		c.Note("queue", fmt.Sprintf("not admitted to %s: %s", q.Queue, overflowText(res.Overflow)))
		if res.Overflow != nil {
			w.playOverflowPrompt(ctx, res.Overflow.Prompt)
		}
		return w.overflowResult(ctx, res.Overflow), nil
	}
	c.Note("queue", fmt.Sprintf("joined %s at position %d (estimated wait %s)", q.Queue, res.Position, res.EstimatedWait))
	return w.run(ctx), nil
}

// tenantLanguage is the tenant's default prompt language (routing
// settings), zh-CN when unset: queue prompts whose queue and caller name
// no language use it.
func (d *Dispatcher) tenantLanguage(ctx context.Context, tenant string) string {
	if d.opt.Store != nil {
		set, err := d.opt.Store.GetRoutingSettings(ctx, tenant)
		if err == nil && set.DefaultLanguage != "" {
			return set.DefaultLanguage
		}
		if err != nil {
			d.log.Warn("routing settings not read: queue prompts default to zh-CN", "tenant", tenant, "err", err)
		}
	}
	return "zh-CN"
}

func overflowText(o *acd.Overflow) string {
	if o == nil {
		return "refused"
	}
	return fmt.Sprintf("%s → %s %s", o.Reason, o.Target.Kind, o.Target.Value)
}

// endpointFor turns an agent's device into something to dial: an
// extension ("1001", "user/1001"), an external number ("tel:139...",
// "mobile:139...") or a raw dial string ("raw:loopback/...").
func (d *Dispatcher) endpointFor(device string) (controller.Endpoint, error) {
	switch {
	case device == "":
		return controller.Endpoint{}, errors.New("agent has no device")
	case strings.HasPrefix(device, "raw:"):
		return controller.Endpoint{Kind: controller.EndpointRaw, Number: strings.TrimPrefix(device, "raw:")}, nil
	case strings.HasPrefix(device, "tel:"), strings.HasPrefix(device, "mobile:"):
		_, num, _ := strings.Cut(device, ":")
		if d.opt.DefaultTrunk == "" {
			return controller.Endpoint{}, fmt.Errorf("agent device %q needs media.default_trunk", device)
		}
		return controller.Endpoint{Kind: controller.EndpointExternal, Number: num, Trunk: d.opt.DefaultTrunk}, nil
	}
	return controller.Endpoint{Kind: controller.EndpointExtension, Number: strings.TrimPrefix(strings.TrimPrefix(device, "ext:"), "sip:")}, nil
}

// target turns an ACD overflow target into a routing target.
func target(t acd.OverflowTarget) *dialplan.Target {
	switch string(t.Kind) {
	case "flow":
		return &dialplan.Target{Kind: dialplan.KindFlow, Ref: t.Value}
	case "voicemail":
		return &dialplan.Target{Kind: dialplan.KindVoicemail, Ref: t.Value}
	case "external", "number":
		return &dialplan.Target{Kind: dialplan.KindExternal, Ref: t.Value}
	case "queue":
		return &dialplan.Target{Kind: dialplan.KindQueue, Ref: t.Value}
	case "hangup", "":
		return &dialplan.Target{Kind: dialplan.KindHangup}
	}
	return &dialplan.Target{Kind: dialplan.KindHangup}
}

// queueConfig is the stored configuration of a queue (nil when unknown).
func (d *Dispatcher) queueConfig(tenant, queue string) *acd.QueueConfig {
	if d.opt.Store == nil {
		return nil
	}
	row, err := d.opt.Store.GetACDQueue(context.Background(), tenant, queue)
	if err != nil {
		return nil
	}
	q, err := acd.QueueFromRow(row)
	if err != nil {
		return nil
	}
	return &q
}

// surveyFlow is the queue's post-call survey flow ("" when none).
func (d *Dispatcher) surveyFlow(tenant, queue string) string {
	if q := d.queueConfig(tenant, queue); q != nil {
		return q.SurveyFlow
	}
	return ""
}

// AgentDevice implements inbound.Agents: the device an agent is logged in
// on and whether they are available for a call now.
func (d *Dispatcher) AgentDevice(ctx context.Context, tenant, agentID string) (string, bool, error) {
	eng, err := d.tenants.Get(ctx, tenant)
	if err != nil {
		return "", false, err
	}
	a, err := eng.Agent(ctx, agentID)
	if err != nil {
		return "", false, err
	}
	return a.Device, a.State == acd.Available, nil
}

// ErrNoCall: the agent has no call this controller is connecting.
var ErrNoCall = errors.New("no connected call for this agent")

// Control asks the call an agent is connected to for op: hold, unhold,
// hangup, or transfer to target (queue, flow, agent, extension, external
// number; caller data travels with the call).
func (d *Dispatcher) Control(ctx context.Context, tenant, agentID, op string, target *dialplan.Target) error {
	eng, err := d.tenants.Get(ctx, tenant)
	if err != nil {
		return err
	}
	a, err := eng.Agent(ctx, agentID)
	if err != nil {
		return err
	}
	d.mu.Lock()
	w := d.waiting[tenant+"/"+a.CallID]
	oc := d.outbound[tenant+"/"+agentID]
	d.mu.Unlock()
	var ctrl chan control
	var ends []<-chan struct{}
	switch {
	case a.CallID != "" && w != nil:
		ctrl, ends = w.ctrl, []<-chan struct{}{w.c.Done(), w.stop}
	case oc != nil:
		// The agent's own click-to-dial call.
		ctrl, ends = oc.ctrl, []<-chan struct{}{oc.done, oc.done}
	default:
		return ErrNoCall
	}
	if target != nil {
		if err := d.checkTarget(ctx, tenant, agentID, target); err != nil {
			return err
		}
	}
	cmd := control{op: op, agent: agentID, target: target, reply: make(chan error, 1)}
	timeout := time.NewTimer(30 * time.Second)
	defer timeout.Stop()
	select {
	case ctrl <- cmd:
	case <-ends[0]:
		return ErrNoCall
	case <-ends[1]:
		return ErrNoCall
	case <-timeout.C:
		return errors.New("the call did not take the request in time")
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-cmd.reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ErrBadTarget: a transfer, consult or flow target that does not exist or
// cannot be reached; nothing was done to the call.
var ErrBadTarget = errors.New("bad target")

// checkTarget refuses targets that would lose the caller.
func (d *Dispatcher) checkTarget(ctx context.Context, tenant, agentID string, t *dialplan.Target) error {
	switch t.Kind {
	case dialplan.KindQueue:
		if d.queueConfig(tenant, t.Ref) == nil {
			return fmt.Errorf("%w: no queue %q", ErrBadTarget, t.Ref)
		}
	case dialplan.KindFlow:
		if d.opt.Store != nil {
			if _, err := d.opt.Store.PublishedFlow(ctx, tenant, t.Ref); err != nil {
				return fmt.Errorf("%w: flow %q has no published version", ErrBadTarget, t.Ref)
			}
		}
	case dialplan.KindExternal:
		// The toll-fraud guard and the routes, before the caller is let
		// go: a refusal names its rule.
		req := outroute.PlanRequest{Number: t.Ref, Source: outroute.SourceTransfer, Agent: agentID, Queues: d.agentQueues(ctx, tenant, agentID)}
		if err := d.CheckOutbound(ctx, tenant, req); err != nil {
			return fmt.Errorf("%w: %w", ErrBadTarget, err)
		}
		// And the tenant's quota of calls: a transfer it cannot place
		// would leave the caller with an apology.
		if err := d.opt.Outbound.CheckAdmission(ctx, tenant); err != nil {
			return err
		}
	case dialplan.KindAgent:
		if _, _, err := d.AgentDevice(ctx, tenant, t.Ref); err != nil {
			return fmt.Errorf("%w: agent %q is not logged in", ErrBadTarget, t.Ref)
		}
	}
	return nil
}

// SetDialer sets what places click-to-dial calls and on which switch.
// When the dialer is the controller (it can Subscribe), the dispatcher
// also follows which switches connect: any of them can ring an agent with
// a queue call (see RemoteAnswerSupport). Call it before the controller
// runs so that the first connections are seen.
func (d *Dispatcher) SetDialer(dl Dialer, switchName string) {
	d.mu.Lock()
	d.opt.Dialer, d.opt.DialSwitch = dl, switchName
	sub, canWatch := dl.(switchWatcher)
	start := canWatch && !d.watching
	d.watching = d.watching || start
	// Every configured switch counts, connected yet or not.
	if l, ok := dl.(interface{ Switches() []string }); ok {
		for _, n := range l.Switches() {
			if n != "" {
				d.switches[n] = true
			}
		}
	}
	d.mu.Unlock()
	if start {
		d.watchSwitches(sub)
	}
}

// switchWatcher is what the dispatcher needs of the controller to learn
// its switches.
type switchWatcher interface {
	Subscribe(types ...controller.EventType) (<-chan controller.Event, func())
}

// watchSwitches notes every switch that connects until the dispatcher
// closes or the controller ends its event stream.
func (d *Dispatcher) watchSwitches(sub switchWatcher) {
	events, cancel := sub.Subscribe(controller.EventSwitchConnected)
	d.watch.Add(1)
	go func() {
		defer d.watch.Done()
		defer cancel()
		for {
			select {
			case <-d.stop:
				return
			case ev, ok := <-events:
				if !ok {
					return
				}
				d.noteSwitch(ev.Switch)
			}
		}
	}()
}

// noteSwitch records a switch that can ring agents.
func (d *Dispatcher) noteSwitch(name string) {
	if name == "" {
		return
	}
	d.mu.Lock()
	d.switches[name] = true
	d.mu.Unlock()
}

// FlowRunner runs an IVR flow on a connected call and hands it back.
type FlowRunner interface {
	Consult(ctx context.Context, c *controller.Call, tenant, flowID string, vars map[string]any) (map[string]any, error)
}

// SetFlowRunner sets what runs flows for agents who send a caller into one.
func (d *Dispatcher) SetFlowRunner(f FlowRunner) {
	d.mu.Lock()
	d.flows = f
	d.mu.Unlock()
}

// Reserve takes a free agent out of distribution for a direct call
// (sticky routing, a consult, click-to-dial) by making them not ready with
// reason, so the ACD offers them nothing meanwhile; release puts back the
// state they had. It returns the device to ring.
func (d *Dispatcher) Reserve(ctx context.Context, tenant, agentID, reason string) (string, func(), error) {
	eng, err := d.tenants.Get(ctx, tenant)
	if err != nil {
		return "", nil, err
	}
	a, err := eng.Agent(ctx, agentID)
	if err != nil {
		return "", nil, err
	}
	if a.State != acd.Available || a.CallID != "" || a.Device == "" {
		return "", nil, fmt.Errorf("agent %s is not free (%s)", agentID, a.State)
	}
	if _, err := eng.NotReady(ctx, agentID, reason); err != nil {
		return "", nil, err
	}
	release := func() { _ = eng.Ready(context.Background(), agentID) }
	return a.Device, release, nil
}

// TakeConsult hands a supervisor who accepts a help request the leg of the
// agent's consultation of their phone (device) on call callID, so the
// accept does not ring that phone a second time: the consultation ends
// without hanging the phone up, the caller is back with the agent, and the
// returned leg (answered) is the supervisor's to eavesdrop with; setRole
// changes that leg's role on the call's record (listen, whisper, barge).
// A nil leg (and no error) means the agent is not consulting device on the
// call. A consultation still ringing is waited for (the request waits its
// turn in the call's control queue).
func (d *Dispatcher) TakeConsult(ctx context.Context, tenant, callID, device string) (*controller.Leg, func(role string), error) {
	if callID == "" || device == "" {
		return nil, nil, nil
	}
	d.mu.Lock()
	w := d.waiting[tenant+"/"+callID]
	d.mu.Unlock()
	if w == nil {
		return nil, nil, nil // not a queue call: no consultation to hand over
	}
	eng, err := d.tenants.Get(ctx, tenant)
	if err != nil {
		return nil, nil, err
	}
	snap, err := eng.Snapshot(ctx)
	if err != nil {
		return nil, nil, err
	}
	agent := ""
	for _, a := range snap.Agents {
		if a.CallID == callID {
			agent = a.AgentID
		}
	}
	if agent == "" {
		return nil, nil, nil
	}
	out := &handover{}
	cmd := control{op: "consult-handover", agent: agent, target: &dialplan.Target{Kind: dialplan.KindExtension, Ref: device}, reply: make(chan error, 1), handover: out}
	timeout := time.NewTimer(45 * time.Second)
	defer timeout.Stop()
	select {
	case w.ctrl <- cmd:
	case <-w.c.Done():
		return nil, nil, nil
	case <-w.stop:
		return nil, nil, nil
	case <-timeout.C:
		return nil, nil, errors.New("the call did not take the request in time")
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	select {
	case err := <-cmd.reply:
		if errors.Is(err, ErrNoCall) {
			return nil, nil, nil // the agent left the call meanwhile
		}
		if err == nil && out.leg != nil {
			// The agent's desktop ends its consultation: the caller is
			// back with the agent and the supervisor is on the call.
			d.publish(Event{Type: "help_accepted", Tenant: tenant, Agent: agent, Call: callID, Target: device, At: d.opt.Clock.Now()})
		}
		return out.leg, out.setRole, err
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
}

// TakeOver hands a live call from its agent to a supervisor (接管): the
// caller is blind-transferred to device, the supervisor's phone, on the
// supervisor's behalf, and the agent's leg is released (the agent goes to
// wrap-up as after any transfer). It returns the agent who had the call.
func (d *Dispatcher) TakeOver(ctx context.Context, tenant, callID, device string) (string, error) {
	if callID == "" || device == "" {
		return "", errors.New("dispatch: take over needs a call and a phone")
	}
	eng, err := d.tenants.Get(ctx, tenant)
	if err != nil {
		return "", err
	}
	snap, err := eng.Snapshot(ctx)
	if err != nil {
		return "", err
	}
	for _, a := range snap.Agents {
		if a.CallID == callID {
			return a.AgentID, d.Control(ctx, tenant, a.AgentID, "transfer", &dialplan.Target{Kind: dialplan.KindExtension, Ref: device})
		}
	}
	return "", ErrNoCall
}
