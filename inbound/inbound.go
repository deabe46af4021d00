// Package inbound runs every call a switch hands to ipcc, end to end: it
// finds the tenant, asks dialplan where the call goes, runs IVR flows, and
// reaches the target (a queue through the ACD, an agent's or extension's
// phone, an external number, a voicemail box), keeping a record and a trace
// of each step. Decisions belong to dialplan, ivrflows and acd; this package
// only carries them out through the controller's call handle.
package inbound

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ipcc/ipcc/clock"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/ivrflows"
	"github.com/ipcc/ipcc/outroute"
	"github.com/ipcc/ipcc/recording"
	"github.com/ipcc/ipcc/store"
)

// QueueRouter hands a call to a queue and returns when the queue is done
// with it (the caller hung up, was connected and the conversation ended, or
// overflowed somewhere that ended the call). The ACD wiring implements it.
type QueueRouter interface {
	Enqueue(ctx context.Context, c *controller.Call, q QueueRequest) (QueueResult, error)
}

// Agents tells where an agent can be reached and whether they are free
// (the ACD knows both).
type Agents interface {
	AgentDevice(ctx context.Context, tenant, agentID string) (device string, available bool, err error)
	// Reserve takes a free agent out of distribution for a direct call and
	// returns their device and how to put them back.
	Reserve(ctx context.Context, tenant, agentID, reason string) (device string, release func(), err error)
}

// QueueRequest describes a call joining a queue.
type QueueRequest struct {
	Tenant   string
	Queue    string
	Priority int
	// LastAgent served this caller last (for queues that offer to them first).
	LastAgent string
	Vars      map[string]any
	// Record is the call's detail record: the queue adds the agents offered,
	// their legs, hold time, transfers and conferences as they happen (nil:
	// nothing is recorded).
	Record *Record
	// Since is when a caller taken back to the queue after a controller
	// restart first joined it (zero: now): they keep their place, and
	// their wait runs from then.
	Since time.Time
	// Language is the language the caller chose in (or heard) the IVR:
	// the queue's prompts to the caller use it. Empty when no flow ran:
	// the queue's own language applies, else DefaultLanguage.
	Language string
	// DefaultLanguage is the route's or tenant's language.
	DefaultLanguage string
}

// QueueResult says how a queue finished with a call.
type QueueResult struct {
	// Agent who answered ("" when nobody did).
	Agent string
	// Next, when set, is where the queue sent the call on (overflow, or the
	// post-call survey flow when the agent hung up first).
	Next *dialplan.Target
	// NextVars are flow variables for Next (agent_id and queue for a survey).
	NextVars map[string]any
	// Disposition for the call record (answered, abandoned_queue, ...).
	Disposition string
	// Waited in the queue, Ringing the agent who answered, and when the
	// conversation with a person began (zero when nobody answered).
	Waited, Ringing time.Duration
	TalkFrom        time.Time
	// Recorded: the router already added Agent, Waited and Ringing to the
	// request's Record (when the agent answered).
	Recorded bool
}

// Options wire a Handler.
type Options struct {
	Store  *store.Store
	Clock  clock.Clock
	Logger *slog.Logger
	// Queues reaches the ACD; nil makes queue targets play an apology.
	Queues QueueRouter
	// Agents resolves agent targets and sticky routing (nil: agent targets
	// are dialled as extensions and sticky routing is off).
	Agents Agents
	// StickyDays is how far back the last agent is looked up when a route
	// does not say (default 30).
	StickyDays int
	// HTTP is the client of flow http nodes (nil: ivrflows' default).
	HTTP *http.Client
	// PromptDir is the prompts library's upload directory (media.prompt_dir)
	// as the switches see it: flows' library items play
	// <PromptDir>/<tenant>/<name>.wav; empty plays library files nowhere.
	PromptDir string
	// VoicemailDir is where switches write voicemail recordings (read at
	// the same path here).
	VoicemailDir string
	// SwitchVoicemailDirs overrides VoicemailDir per switch (by name):
	// where that switch writes voicemail and where this controller reads it.
	SwitchVoicemailDirs map[string]recording.Dir
	// DefaultTrunk names the gateway/trunk for external numbers of a
	// tenant without outbound routes.
	DefaultTrunk string
	// Outbound routes external numbers (trunks with failover, rewriting,
	// caller ID, toll-fraud guard); nil dials DefaultTrunk.
	Outbound *outroute.Service
	// RingTimeout for agents, extensions and external numbers (default 30s).
	RingTimeout time.Duration
	// CacheTTL bounds how stale routing may be (default 5s).
	CacheTTL time.Duration
	// MaxHops bounds chained targets (flow → flow → queue → ...; default 16).
	MaxHops int
	// SMS sends the text messages of flows' sms nodes (nil: those nodes
	// take their error edge).
	SMS ivrflows.SMS
	// CallEnded is told of each call's completed record (the SMS rules:
	// missed call, voicemail, after the call); it runs on its own
	// goroutine.
	CallEnded func(ctx context.Context, r store.CallRecord)
	// Events hears every inbound call's arrival, queue entry, transfer,
	// survey and end (nil: nobody; webhooks subscribe here).
	Events CallEvents
	// Lookup, when set, is asked about the caller before routing decides
	// (a CRM's pre-routing lookup): it may name the caller, mark them VIP,
	// choose the language and a preferred agent. It must answer within its
	// own timeout; a failure routes the call as if it were not set.
	Lookup CallerLookup
	// Admission, when set, decides each call against its tenant's quotas
	// and suspension before routing (docs/tenants.md); nil admits all.
	Admission Admission
}

// Handler runs inbound calls; its Handle method is a controller.Handler.
type Handler struct {
	opt   Options
	log   *slog.Logger
	cache *cache
	be    ivrflows.StoreBackend

	mu   sync.Mutex
	live map[string]*call // calls being handled, by call id
	// readopted are the calls continued after a restart, by record id
	// (their controller id is new); readoptedLegs their other legs
	// (agents, called parties), by switch and leg id.
	readopted     map[string]*controller.Call
	readoptedLegs map[legRef]*readoptedLeg
}

// New returns a Handler.
func New(o Options) (*Handler, error) {
	if o.Store == nil {
		return nil, errors.New("inbound: a store is required")
	}
	if o.Clock == nil {
		o.Clock = clock.Real()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.RingTimeout <= 0 {
		o.RingTimeout = 30 * time.Second
	}
	if o.CacheTTL <= 0 {
		o.CacheTTL = 5 * time.Second
	}
	if o.MaxHops <= 0 {
		o.MaxHops = 16
	}
	if o.StickyDays <= 0 {
		o.StickyDays = 30
	}
	h := &Handler{opt: o, log: o.Logger.With("component", "inbound"), cache: newCache(o.Store, o.CacheTTL, o.Clock.Now), be: ivrflows.StoreBackend{S: o.Store}, live: map[string]*call{},
		readopted: map[string]*controller.Call{}, readoptedLegs: map[legRef]*readoptedLeg{}}
	h.cache.skipSuspended = o.Admission == nil
	return h, nil
}

// Invalidate makes the next call reload routing (after an edit).
func (h *Handler) Invalidate() { h.cache.Invalidate() }

// call is the state of one inbound call while it is handled.
type call struct {
	c      *controller.Call
	tenant string
	rec    *Record
	log    *slog.Logger
	lang   string
	// flowLang is the language the caller was left in by the IVR (a flow's
	// language node, else the flow's own); "" before any flow ran.
	flowLang string
	prio     int
	last     string // the agent who last served this caller
	// vars are handed to the next flow (set by a queue for its survey).
	vars map[string]any
	// ivrVars are what the caller's flows collected (account, verified,
	// ...): they travel with the call into queues, where agents' screen
	// pops show them.
	ivrVars map[string]any
	// since is when a caller re-adopted while waiting joined their queue,
	// for the next Enqueue (see resume).
	since time.Time
	// release ends the call's count against its tenant's quota.
	release func()
}

// trunkVars name the arrival variables that may carry the trunk or gateway
// the call came in on (set by the switch-side dialplan snippet).
var trunkVars = []string{"ipcc_trunk", "ipcc_gateway", "trunk", "gateway"}

// trunkOf is the trunk/gateway a call arrived on ("" when the switch did
// not say).
func trunkOf(vars map[string]string) string {
	for _, k := range trunkVars {
		if v := vars[k]; v != "" {
			return v
		}
	}
	return ""
}

// Handle runs one inbound call; it returns when the call is over.
func (h *Handler) Handle(ctx context.Context, c *controller.Call) {
	log := h.log.With("call", c.ID(), "switch", c.Switch(), "ani", c.ANI(), "did", c.DNIS())
	if c.Vars()["ipcc_agent"] != "" {
		// A leg to an agent's phone (re-adopted, or an orphan): an agent
		// held while it is up may be offered again once it is gone.
		defer h.legGone(ctx, c.Switch(), c.Leg().ID())
	}
	// A leg re-adopted after a controller restart belongs to a call whose
	// record is open: continue that call rather than route it again.
	if rec, leg, err := h.opt.Store.OpenCallOfLeg(ctx, c.Switch(), c.Leg().ID()); err == nil {
		h.adopted(ctx, c, rec, leg, log)
		return
	} else if !errors.Is(err, store.ErrNotFound) {
		log.Warn("re-adoption check failed; handling the leg as a new call", "err", err)
	} else if agent := c.Vars()["ipcc_agent"]; agent != "" {
		h.orphan(ctx, c, agent, log)
		return
	}
	k := &call{c: c, log: log}
	k.rec = NewRecord(h.opt.Store, h.log, h.now, c, store.CallRecord{ID: c.ID(), Switch: c.Switch(), Leg: c.Leg().ID(), Direction: "inbound",
		ANI: c.ANI(), DNIS: c.DNIS(), StartedAt: h.now(), Trunk: trunkOf(c.Vars())})
	h.track(k)
	defer h.untrack(k)
	defer func() {
		if k.release != nil {
			k.release() // the call counted against its tenant's quota is over
		}
	}()
	defer h.finish(ctx, k)

	tenant, why, err := h.cache.tenantFor(ctx, c.DNIS(), c.Vars())
	if err != nil {
		c.Note("route", err.Error())
		k.log.Warn("call for no tenant", "err", err)
		k.setDisposition("no_route")
		_ = c.Hangup(ctx, controller.CauseUnallocatedNumber)
		return
	}
	c.Note("route", why)
	k.tenant = tenant
	k.rec.Update(func(r *store.CallRecord) { r.TenantID = tenant })
	k.log = k.log.With("tenant", tenant)
	k.rec.Leg(c.Leg(), RoleCaller, c.ANI(), "")
	k.rec.Save()
	k.rec.Observe(h.opt.Events)
	k.rec.Notify(CallArrived, map[string]any{"vars": c.Vars()})

	rt, err := h.cache.routingOf(ctx, tenant)
	if err != nil {
		k.fail(ctx, "load routing", err)
		return
	}
	var admitted bool
	if k.release, admitted = h.admit(ctx, k, rt); !admitted {
		return
	}
	h.decide(ctx, k, rt)
}

// decide runs the tenant's routing for the call and takes it to the
// target: a new call, or one re-adopted before it had a target.
func (h *Handler) decide(ctx context.Context, k *call, rt *dialplan.TenantRouting) {
	c, tenant := k.c, k.tenant
	// Everything the decision needs is looked up first: Decide never waits.
	in := dialplan.Inbound{Tenant: tenant, DID: c.DNIS(), ANI: c.ANI(), Switch: c.Switch(), Vars: c.Vars()}
	in.LastAgent = h.lastAgent(ctx, k, rt)
	looked := h.lookupCaller(ctx, k, &in)
	dec := dialplan.Decide(in, rt, h.opt.Clock.Now())
	for _, line := range dec.Trace {
		c.Note("route", line)
	}
	k.rec.Update(func(r *store.CallRecord) { r.RouteID = dec.RouteID })
	k.lang, k.prio = dec.Language, dec.Priority
	k.applyLookup(looked)
	if dec.Action == dialplan.ActionReject {
		h.reject(ctx, k, dec)
		return
	}
	h.reach(ctx, k, dec.Target, 0)
}

func (h *Handler) now() time.Time { return h.opt.Clock.Now() }

// orphan handles a leg a previous controller originated for an agent (it
// carries ipcc_agent, set at originate: an offer's ring, an agent's own
// call, a campaign call) that no record knows: it rang or started just
// before that controller died, before its record was written, and the
// switch announces it again to this controller. It is not a new call
// to route. Still ringing, it is hung up (ORIGINATOR_CANCEL), as the offer
// it belonged to died with the previous controller: the agent's phone
// never rings for it and for a new offer at once. Answered, it is left to
// end by itself, unrecorded (there is no call to attach it to).
func (h *Handler) orphan(ctx context.Context, c *controller.Call, agent string, log *slog.Logger) {
	log = log.With("agent", agent, "leg", c.Leg().ID())
	// The agent is offered nothing while this leg is up (the hold ends
	// when Handle returns, at the leg's end). The leg names its tenant
	// when the previous controller set it (offers do).
	tenant := c.Vars()["ipcc_tenant"]
	if !c.Leg().Answered() {
		h.holdForLeg(ctx, tenant, c.Switch(), c.Leg().ID(), agent, 0)
		c.Note("adopt", "leg for agent "+agent+" left ringing by the previous controller, with no record: hung up")
		log.Info("unrecorded ring of the previous controller hung up")
		if err := c.Hangup(ctx, controller.CauseOriginatorCancel); err != nil {
			log.Debug("unrecorded ring not hung up (gone already?)", "err", err)
		}
		// The agent's hold ends with the leg: wait for the switch to
		// report it gone (the ACD's own bound covers a lost report).
		select {
		case <-c.Done():
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
			log.Warn("unrecorded ring of the previous controller not reported gone 5 s after its hang-up")
		}
		return
	}
	h.holdForLeg(ctx, tenant, c.Switch(), c.Leg().ID(), agent, orphanTalkBound)
	c.Note("adopt", "answered leg for agent "+agent+" started by the previous controller, with no record: left to end")
	log.Warn("answered leg of the previous controller with no record: followed until it ends, not recorded")
	select {
	case <-c.Done():
	case <-ctx.Done():
	}
}

// setDisposition sets the call's disposition; once a person answered, a
// later abandon (in a second queue after a transfer) does not undo it.
func (k *call) setDisposition(d string) {
	k.rec.Update(func(r *store.CallRecord) {
		if r.Disposition == "answered" && strings.HasPrefix(d, "abandoned") {
			return
		}
		r.Disposition = d
	})
}

func (k *call) disposition() string { return k.rec.Fields().Disposition }

// lastAgent looks up who served this caller last (within the longest
// sticky window of the tenant's routes) and whether they are free now.
func (h *Handler) lastAgent(ctx context.Context, k *call, rt *dialplan.TenantRouting) *dialplan.LastAgent {
	days := 0
	for _, r := range rt.Routes {
		if r.Sticky.Enabled && r.Sticky.Days > days {
			days = r.Sticky.Days
		}
	}
	if days == 0 {
		days = h.opt.StickyDays // queues may still prefer the last agent
	}
	agent, at, err := h.opt.Store.LastAgentFor(ctx, k.tenant, k.c.ANI(), h.opt.Clock.Now().AddDate(0, 0, -days))
	if err != nil || agent == "" {
		return nil
	}
	k.last = agent
	la := &dialplan.LastAgent{AgentID: agent, ServedAt: at}
	if h.opt.Agents != nil {
		if _, free, err := h.opt.Agents.AgentDevice(ctx, k.tenant, agent); err == nil {
			la.Available = free
		}
	}
	return la
}

// reject plays the tenant's prompt to a blacklisted caller and hangs up;
// a call with nowhere to go is hung up as unallocated.
func (h *Handler) reject(ctx context.Context, k *call, dec dialplan.Decision) {
	if !dec.Blacklisted {
		k.setDisposition("no_route")
		_ = k.c.Hangup(ctx, controller.CauseUnallocatedNumber)
		return
	}
	k.setDisposition("blacklisted")
	k.log.Info("blacklisted caller rejected")
	if dec.Prompt != "" {
		if err := k.c.Answer(ctx); err == nil {
			k.markAnswered()
			if _, err := k.c.Play(ctx, controller.PlayOptions{Media: []controller.Media{{Kind: controller.MediaTTS, Value: dec.Prompt, Lang: dec.Language}}}); err != nil {
				k.c.Note("reject", "prompt not played: "+err.Error())
			}
		}
	}
	_ = k.c.Hangup(ctx, controller.CauseCallRejected)
}

func (k *call) markAnswered() {
	k.rec.Answered(k.rec.now())
}

func (k *call) fail(ctx context.Context, what string, err error) {
	k.c.Note("error", what+": "+err.Error())
	k.log.Error("inbound call failed", "step", what, "err", err)
	if k.disposition() == "" {
		k.setDisposition("failed")
	}
	_ = k.c.Hangup(ctx, controller.CauseNormalTemporaryFailure)
}

// finish waits for the caller to be gone and completes the record. When
// the controller is stopping (ctx ended) while the call goes on, the
// record is saved as it stands and left open: the next controller
// re-adopts the call and completes it, or completes it as unobserved.
func (h *Handler) finish(ctx context.Context, k *call) {
	select {
	case <-k.c.Done():
	case <-ctx.Done():
		select {
		case <-k.c.Done():
		default:
			k.c.Note("record", "controller stopping while the call goes on: record left open")
			k.rec.Leave()
			return
		}
	case <-time.After(2 * time.Second):
		// Still up after the handler gave up: make sure it does not linger.
		hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		_ = k.c.Hangup(hctx, controller.CauseNormalClearing)
		cancel()
		select {
		case <-k.c.Done():
		case <-time.After(5 * time.Second):
		}
	}
	now := h.now()
	k.rec.Update(func(r *store.CallRecord) {
		if r.IVRMS == 0 && r.FlowID != "" && r.QueueID == "" {
			r.IVRMS = now.Sub(r.StartedAt).Milliseconds()
		}
	})
	k.rec.Finish(now)
	r := k.rec.Fields()
	if h.opt.CallEnded != nil {
		go h.opt.CallEnded(context.WithoutCancel(ctx), r)
	}
	k.log.Info("call ended", "disposition", r.Disposition, "cause", r.HangupCause, "by", r.HangupBy)
}

// targetString renders a target for the record.
func targetString(t dialplan.Target) string {
	if t.Ref == "" {
		return string(t.Kind)
	}
	return fmt.Sprintf("%s:%s", t.Kind, t.Ref)
}
