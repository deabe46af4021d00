package campaign

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/clock"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/schedule"
	"github.com/ipcc/ipcc/store"
)

// Calls is what the dialer needs of the dispatcher: the tenants' ACD
// engines (free agents of a campaign's queue), the agent dial path, and
// the event stream agent desktops read.
type Calls interface {
	Engine(ctx context.Context, tenant string) (*acd.Engine, error)
	DialFor(ctx context.Context, tenant, agentID string, lc dispatch.LeadCall) (string, error)
	DialLeadFirst(ctx context.Context, tenant, agentID string, lc dispatch.LeadCall) error
	DialPredictive(ctx context.Context, tenant string, lc dispatch.LeadCall) error
	DialBroadcast(ctx context.Context, tenant string, b dispatch.Broadcast) error
	Publish(ev dispatch.Event)
}

// Options wire a Dialer.
type Options struct {
	Store  *store.Store
	Calls  Calls
	Clock  clock.Clock
	Logger *slog.Logger
	// Interval is how often running campaigns look for free agents
	// (default 1 s).
	Interval time.Duration
	// Location gives a tenant's time zone (nil: the tenant's configured
	// zone from the store).
	Location func(tenant string) *time.Location
	// Active tells whether this controller may dial now: it holds the
	// lease of the switch campaign calls leave through (docs/cluster.md).
	// A standby dials nothing; nil means always.
	Active func() bool
	// Events hears each lead attempt's outcome and the campaigns that
	// finish on their own (nil: nobody). Webhook senders listen here.
	Events Events
	// Quota is the tenants' quotas of calls (quota.Service): campaigns
	// dial no more calls than they leave room for (nil: no quotas).
	Quota Quota
}

// Events hears what campaigns do on their own: every lead attempt's
// outcome (answered, no answer, busy, machine, abandoned, ...) whether or
// not it reached an agent, and a campaign finishing because none of its
// leads is left to call. Calls may wait briefly (to make the event
// durable) but must not act on the campaign.
type Events interface {
	LeadResult(r LeadResult)
	CampaignFinished(c *Campaign)
}

// LeadResult is how one attempt to reach a lead ended.
type LeadResult struct {
	TenantID   string `json:"-"`
	CampaignID string `json:"campaign"`
	LeadID     int64  `json:"lead"`
	AttemptID  int64  `json:"attempt"`
	CallID     string `json:"call_id,omitempty"`
	Agent      string `json:"agent,omitempty"`
	Queue      string `json:"queue,omitempty"`
	// Phone is the lead's number, masked (138****8000).
	Phone   string    `json:"phone,omitempty"`
	Outcome string    `json:"outcome"`
	At      time.Time `json:"at"`
}

// Dialer works running campaigns: progressive ones place a call per free
// agent of their queue; preview ones hand agents leads on request. It
// checks each lead at dial time (do-not-call lists, calling window, daily
// limit) and records every attempt and every skip.
type Dialer struct {
	opt Options
	log *slog.Logger

	mu sync.Mutex
	// outcomeMu serialises an attempt's end (ended) with the agent's
	// disposition (Dispose): each reads the attempt and the lead and writes
	// both, and a disposition given the moment the call ends was lost.
	outcomeMu sync.Mutex
	// agents are the agents with a campaign call in flight or in after-call
	// time (tenant/agent).
	agents map[string]*agentSlot
	// inFlight counts each campaign's calls (tenant/campaign).
	inFlight map[string]int
	calls    sync.WaitGroup
	// active: this controller was active at the last tick.
	active bool
	// pred is the state of predictive campaigns (tenant/campaign).
	pred map[string]*predState
	// cps are the trunks' call-rate limiters (by trunk name).
	cps map[string]*CPS
	// placing counts, by tenant, the campaign calls being placed that
	// outbound routing has not yet counted against the tenant's quota.
	placing map[string]int
	// held is when each campaign (tenant/campaign) was last logged as
	// held back by its tenant's quota.
	held map[string]time.Time
}

type agentSlot struct {
	busy    bool      // a call is being placed or talked
	until   time.Time // after-call time ends
	attempt int64     // the answered attempt awaiting a disposition
}

// New makes a dialer; Run works the campaigns.
func New(o Options) *Dialer {
	if o.Clock == nil {
		o.Clock = clock.Real()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Interval <= 0 {
		o.Interval = time.Second
	}
	d := &Dialer{opt: o, log: o.Logger.With("component", "campaign"), agents: map[string]*agentSlot{}, inFlight: map[string]int{}, pred: map[string]*predState{}, cps: map[string]*CPS{},
		placing: map[string]int{}, held: map[string]time.Time{}}
	if o.Calls != nil {
		d.opt.Calls = routedCalls{Calls: o.Calls, d: d}
	}
	return d
}

// Run looks for work every Interval until ctx ends, then waits for the
// calls being placed to report.
func (d *Dialer) Run(ctx context.Context) error {
	t := d.opt.Clock.NewTimer(d.opt.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			d.calls.Wait()
			return nil
		case <-t.C():
			d.Tick(ctx)
			t.Reset(d.opt.Interval)
		}
	}
}

// Tick gives each free agent of every running progressive campaign its
// next call. When this controller becomes the active one (at its first
// tick, or on taking over the switch lease), leads left "dialing" by an
// interrupted run are put back first.
func (d *Dialer) Tick(ctx context.Context) {
	if d.opt.Active != nil && !d.opt.Active() {
		d.active = false
		return
	}
	rows, err := d.opt.Store.ListRunningCampaigns(ctx)
	if err != nil {
		d.log.Warn("running campaigns not read", "err", err)
		return
	}
	if !d.active {
		d.active = true
		for _, r := range rows {
			if n, err := d.opt.Store.ReleaseClaims(ctx, r.TenantID, r.ID, store.LeadDialing); err == nil && n > 0 {
				d.log.Info("leads of an interrupted run put back", "tenant", r.TenantID, "campaign", r.ID, "leads", n)
			}
		}
	}
	rooms := tickRooms{}
	for i := range rows {
		c, err := FromRow(&rows[i])
		if err != nil || d.finishIfDone(ctx, c) || c.Type == Preview {
			continue
		}
		room := d.roomFor(ctx, rooms, c.TenantID)
		if c.Type == IVRBroadcast {
			d.tickBroadcast(ctx, c, room)
			continue
		}
		eng, err := d.opt.Calls.Engine(ctx, c.TenantID)
		if err != nil {
			continue
		}
		snap, err := eng.Snapshot(ctx)
		if err != nil {
			continue
		}
		if c.Type == Predictive {
			d.tickPredictive(ctx, c, snap, room)
			continue
		}
		for _, a := range snap.Agents {
			if !freeFor(a, c.Settings.QueueID) {
				continue
			}
			if !room.left() {
				d.heldBack(c, room)
				break
			}
			if !d.allowTrunk(c) {
				break
			}
			if !d.take(c, a.AgentID) {
				continue
			}
			room.use()
			if err := d.dialNext(ctx, c, a.AgentID); err != nil {
				d.log.Warn("campaign call not placed", "tenant", c.TenantID, "campaign", c.ID, "agent", a.AgentID, "err", err)
			}
		}
	}
}

// finishIfDone finishes a running campaign none of whose leads is left to
// call (every lead done, exhausted, barred or skipped) once its last call
// and its agents' after-call time are over, and tells Events. A campaign
// without leads keeps running (its list may be loaded later). True when
// it finished.
func (d *Dialer) finishIfDone(ctx context.Context, c *Campaign) bool {
	d.mu.Lock()
	busy := d.inFlight[c.TenantID+"/"+c.ID] > 0
	now := d.opt.Clock.Now()
	for key, s := range d.agents {
		// An answered call's disposition may still send its lead back.
		if strings.HasPrefix(key, c.TenantID+"/") && s.attempt != 0 && now.Before(s.until) {
			busy = true
		}
	}
	d.mu.Unlock()
	if busy {
		return false
	}
	counts, err := d.opt.Store.LeadCounts(ctx, c.TenantID, c.ID)
	if err != nil {
		d.log.Warn("campaign leads not counted", "tenant", c.TenantID, "campaign", c.ID, "err", err)
		return false
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	if total == 0 || counts[store.LeadPending]+counts[store.LeadDialing]+counts[store.LeadPreview] > 0 {
		return false
	}
	if err := d.opt.Store.SetCampaignStatus(ctx, c.TenantID, c.ID, string(Running), string(Finished)); err != nil {
		if !errors.Is(err, store.ErrConflict) {
			d.log.Warn("finished campaign not marked finished", "tenant", c.TenantID, "campaign", c.ID, "err", err)
		}
		return false
	}
	d.log.Info("campaign finished: no lead left to call", "tenant", c.TenantID, "campaign", c.ID, "leads", total)
	if d.opt.Events != nil {
		row, err := d.opt.Store.GetCampaign(ctx, c.TenantID, c.ID)
		if err != nil {
			d.log.Warn("finished campaign not read", "tenant", c.TenantID, "campaign", c.ID, "err", err)
			return true
		}
		if fc, err := FromRow(row); err == nil {
			d.opt.Events.CampaignFinished(fc)
		}
	}
	return true
}

// freeFor tells whether an agent can take a call of the queue now.
func freeFor(a acd.AgentSnapshot, queue string) bool {
	if a.State != acd.Available || a.CallID != "" || a.Device == "" || a.Pending != "" {
		return false
	}
	return slices.ContainsFunc(a.Queues, func(q acd.AgentQueue) bool { return q.QueueID == queue && q.LoggedIn })
}

// take reserves an agent for a campaign call when they have none in
// flight, their after-call time is over and the campaign is under its cap.
func (d *Dialer) take(c *Campaign, agent string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	key := c.TenantID + "/" + agent
	if s := d.agents[key]; s != nil && (s.busy || d.opt.Clock.Now().Before(s.until)) {
		return false
	}
	ck := c.TenantID + "/" + c.ID
	if c.Settings.MaxInFlight > 0 && d.inFlight[ck] >= c.Settings.MaxInFlight {
		return false
	}
	d.agents[key] = &agentSlot{busy: true}
	d.inFlight[ck]++
	return true
}

// release ends an agent's call: after an answered call they get the
// after-call time (ended early by the disposition).
func (d *Dialer) release(c *Campaign, agent string, after time.Duration, attempt int64) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if agent != "" {
		d.agents[c.TenantID+"/"+agent] = &agentSlot{until: d.opt.Clock.Now().Add(after), attempt: attempt}
	}
	ck := c.TenantID + "/" + c.ID
	if d.inFlight[ck] > 0 {
		d.inFlight[ck]--
	}
}

// InFlight is how many calls of a campaign are being placed or talked.
func (d *Dialer) InFlight(tenant, campaign string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.inFlight[tenant+"/"+campaign]
}

// dialNext claims the agent's next callable lead and calls it; the agent
// is released when there is none.
func (d *Dialer) dialNext(ctx context.Context, c *Campaign, agent string) error {
	l, err := d.claimCallable(ctx, c, agent, store.LeadDialing)
	if err != nil || l == nil {
		d.release(c, agent, 0, 0)
		return err
	}
	a := &store.CampaignAttempt{TenantID: c.TenantID, CampaignID: c.ID, LeadID: l.ID, Kind: store.AttemptCall, AgentID: agent, StartedAt: d.opt.Clock.Now()}
	if err := d.opt.Store.AddAttempt(ctx, a); err != nil {
		d.putBack(c, l, store.LeadDialing)
		d.release(c, agent, 0, 0)
		return err
	}
	routed := d.placingCall(c.TenantID)
	d.calls.Add(1)
	go func() {
		defer d.calls.Done()
		defer routed()
		_, _ = d.place(context.WithoutCancel(ctx), c, l, a, agent, routed)
	}()
	return nil
}

// putBack returns a claimed lead to the list unchanged.
func (d *Dialer) putBack(c *Campaign, l *store.Lead, from string) {
	back := *l
	back.Status, back.ClaimedBy = store.LeadPending, ""
	if err := d.opt.Store.MoveLead(context.Background(), &back, from); err != nil {
		d.log.Warn("lead not put back", "lead", l.ID, "err", err)
	}
}

// place calls the lead from the agent's phone and returns the call id once
// the agent answered; the call's end is reported to ended. routed (may be
// nil) is told once routing took the call's place under the quota.
func (d *Dialer) place(ctx context.Context, c *Campaign, l *store.Lead, a *store.CampaignAttempt, agent string, routed func()) (string, error) {
	view := d.viewOf(c, l)
	view.AttemptID = a.ID
	display := view.Phone
	if c.Settings.MaskNumbers {
		display = c.Name // the agent's phone shows the campaign, not the number
	}
	var once sync.Once
	lc := dispatch.LeadCall{
		Number: National(l.Phone, c.Settings.Country()), CallerID: c.Settings.CallerID, Trunk: c.Settings.Trunk,
		AgentDisplay: display, RingTimeout: c.Settings.RingTimeout(), AgentRingTimeout: time.Duration(c.Settings.AgentRingTimeoutMS) * time.Millisecond,
		AbandonMessage: c.Settings.AbandonMedia(),
		Vars:           map[string]string{"ipcc_campaign": c.ID, "ipcc_lead": strconv.FormatInt(l.ID, 10), "ipcc_attempt": strconv.FormatInt(a.ID, 10)},
		Ended: func(outcome, callID string) {
			once.Do(func() { d.ended(c, l.ID, a.ID, agent, Outcome(outcome), callID) })
		},
		Routed: routed,
	}
	if c.Type == Progressive && !c.Settings.AgentFirst {
		lc.DetectMachine, lc.MachineTimeout, lc.MachineMessage = c.Settings.amdCall()
		// Customer first: the agent's desktop is told when the callee
		// answered, as their phone starts ringing.
		lc.Answered = func(callID string) {
			v := view
			v.CallID = callID
			d.publish(c, agent, "campaign_call", callID, "", v)
		}
		if err := d.opt.Calls.DialLeadFirst(ctx, c.TenantID, agent, lc); err != nil {
			lc.Ended(string(AgentMissed), "")
			return "", err
		}
		return "", nil
	}
	callID, err := d.opt.Calls.DialFor(ctx, c.TenantID, agent, lc)
	if err != nil {
		return "", err
	}
	view.CallID = callID
	d.publish(c, agent, "campaign_call", callID, "", view)
	return callID, nil
}

// ended records how a call went, moves the lead by the retry rules and
// frees the agent (after their after-call time when the call was answered).
func (d *Dialer) ended(c *Campaign, leadID, attemptID int64, agent string, o Outcome, callID string) {
	ctx := context.Background()
	now := d.opt.Clock.Now()
	after, awaiting := time.Duration(0), int64(0)
	switch o {
	case Answered:
		after, awaiting = c.Settings.WrapUp(), attemptID
	case AgentMissed, Abandoned:
		after = 30 * time.Second // their phone did not answer: not at once again
	}
	defer func() { d.release(c, agent, after, awaiting) }()
	d.outcomeMu.Lock()
	defer d.outcomeMu.Unlock()
	a, err := d.opt.Store.GetAttempt(ctx, c.TenantID, attemptID)
	if err != nil {
		d.log.Warn("campaign attempt not read", "attempt", attemptID, "err", err)
		return
	}
	if a.Kind == store.AttemptSkip {
		// Outbound routing refused the call: recorded as a skip already.
		return
	}
	a.CallID, a.Outcome, a.EndedAt = callID, string(o), &now
	if a.AgentID == "" {
		a.AgentID = agent // predictive: the agent who took the callee
	}
	if err := d.opt.Store.UpdateAttempt(ctx, a); err != nil {
		d.log.Warn("campaign attempt not recorded", "attempt", attemptID, "err", err)
	}
	l, err := d.opt.Store.GetLead(ctx, c.TenantID, leadID)
	if err != nil {
		d.log.Warn("campaign lead not read", "lead", leadID, "err", err)
		return
	}
	from := l.Status
	next := Apply(&c.Settings, *l, o, now, d.zoneOf(c, l.Phone))
	if p := c.Settings.Profile(); o == Abandoned && p.NoRepeat > 0 && next.Status == store.LeadPending && c.Type == Predictive {
		// UK: an abandoned number is not called again within 72 h.
		if not := now.Add(p.NoRepeat); next.NextAt == nil || next.NextAt.Before(not) {
			next.NextAt = &not
		}
	}
	if o == Answered && a.Disposition != "" {
		// The agent gave the disposition during the call: no after-call
		// time to wait for.
		after, awaiting = 0, 0
		if disp, ok := c.Settings.FindDisposition(a.Disposition); ok {
			next = ApplyDisposition(&c.Settings, next, disp, now)
		} else {
			next.Disposition = a.Disposition
		}
	}
	if err := d.opt.Store.MoveLead(ctx, &next, from); err != nil {
		d.log.Warn("campaign lead not moved", "lead", leadID, "err", err)
	}
	if agent != "" {
		d.publish(c, agent, "campaign_call_ended", callID, string(o), LeadView{CampaignID: c.ID, LeadID: leadID, AttemptID: attemptID})
	}
	if d.opt.Events != nil {
		d.opt.Events.LeadResult(LeadResult{TenantID: c.TenantID, CampaignID: c.ID, LeadID: leadID, AttemptID: attemptID, CallID: callID, Agent: a.AgentID,
			Queue: c.Settings.QueueID, Phone: Mask(l.Phone), Outcome: string(o), At: now})
	}
}

// claimCallable claims the next lead for agent and checks it at dial time:
// a lead on a do-not-call list, outside the calling window or over its
// daily limit is skipped (the skip recorded with its reason) and the next
// one tried.
func (d *Dialer) claimCallable(ctx context.Context, c *Campaign, agent, status string) (*store.Lead, error) {
	for range 50 {
		now := d.opt.Clock.Now()
		l, err := d.opt.Store.ClaimLead(ctx, c.TenantID, c.ID, agent, status, now)
		if err != nil || l == nil {
			return nil, err
		}
		ok, err := d.vet(ctx, c, l, status, now)
		if err != nil {
			d.putBack(c, l, status)
			return nil, err
		}
		if ok {
			return l, nil
		}
	}
	return nil, nil
}

// vet checks a claimed lead at dial time. A lead that may not be called
// now is moved (dnc, pending later, exhausted) and the skip recorded;
// false then.
func (d *Dialer) vet(ctx context.Context, c *Campaign, l *store.Lead, from string, now time.Time) (bool, error) {
	next := *l
	next.ClaimedBy = ""
	var reason string
	zone := d.zoneOf(c, l.Phone)
	total, _ := c.Settings.Limits()
	win, err := d.window(ctx, c)
	if err != nil {
		return false, err
	}
	dnc, err := d.opt.Store.MatchDNC(ctx, c.TenantID, c.ID, l.Phone)
	if err != nil {
		return false, err
	}
	switch {
	case dnc != nil:
		list := "the tenant's do-not-call list"
		switch {
		case dnc.TenantID == store.DNCPlatformTenant:
			list = "the platform's do-not-call list"
		case dnc.Scope != store.DNCTenantScope:
			list = "the campaign's suppression list"
		}
		reason = "on " + list
		if dnc.Reason != "" {
			reason += " (" + dnc.Reason + ")"
		}
		next.Status, next.NextAt, next.LastOutcome = store.LeadDNC, nil, "dnc"
	case l.Attempts >= total:
		reason = fmt.Sprintf("no attempts left (%d of %d made)", l.Attempts, total)
		next.Status, next.NextAt = store.LeadExhausted, nil
	default:
		if over, tomorrow := DayLimitReached(&c.Settings, l, now, zone); over {
			reason = "daily attempt limit reached"
			next.Status, next.NextAt = store.LeadPending, &tomorrow
			break
		}
		w := CheckWindow(win, zone, l.Phone, now)
		if !w.Open {
			reason = "calling window closed in the callee's time (" + w.Zone.String() + "): " + w.Reason
			at := w.Next
			if at.IsZero() {
				at = now.Add(24 * time.Hour)
			}
			next.Status, next.NextAt = store.LeadPending, &at
			break
		}
		ref, err := d.checkRouting(ctx, c, l)
		if err != nil {
			return false, err
		}
		if ref == nil {
			return true, nil
		}
		reason = ref.Error()
		d.log.Info("lead refused by outbound routing", "tenant", c.TenantID, "campaign", c.ID, "lead", l.ID, "rule", ref.Rule, "detail", ref.Detail)
		if destinationRefused(ref) {
			next.Status, next.NextAt, next.LastOutcome = store.LeadSkipped, nil, SkipBlocked
		} else {
			at := now.Add(refusalRetry(ref))
			next.Status, next.NextAt = store.LeadPending, &at
		}
	}
	if err := d.opt.Store.MoveLead(ctx, &next, from); err != nil {
		return false, err
	}
	sk := &store.CampaignAttempt{TenantID: c.TenantID, CampaignID: c.ID, LeadID: l.ID, Kind: store.AttemptSkip, AgentID: l.ClaimedBy,
		Outcome: skipOutcome(next.Status), Reason: reason, StartedAt: now, EndedAt: &now}
	if err := d.opt.Store.AddAttempt(ctx, sk); err != nil {
		return false, err
	}
	d.log.Debug("lead skipped", "tenant", c.TenantID, "campaign", c.ID, "lead", l.ID, "reason", reason)
	return false, nil
}

func skipOutcome(status string) string {
	switch status {
	case store.LeadDNC:
		return "dnc"
	case store.LeadExhausted:
		return "exhausted"
	case store.LeadSkipped:
		return SkipBlocked
	}
	return "deferred"
}

// window is the campaign's calling window: its own, a tenant schedule, or
// the default.
func (d *Dialer) window(ctx context.Context, c *Campaign) (*schedule.Schedule, error) {
	switch {
	case c.Settings.Window != nil:
		return c.Settings.Window, nil
	case c.Settings.ScheduleID != "":
		sc, err := d.opt.Store.GetSchedule(ctx, c.TenantID, c.Settings.ScheduleID)
		if err != nil {
			return nil, fmt.Errorf("campaign %s: calling window schedule %q: %w", c.ID, c.Settings.ScheduleID, err)
		}
		return sc, nil
	}
	return DefaultWindow(), nil
}

// zoneOf is the callee's zone: their number's, else the campaign's, else
// the tenant's.
func (d *Dialer) zoneOf(c *Campaign, phone string) *time.Location {
	if z := CalleeZone(phone); z != nil {
		return z
	}
	if c.Settings.Timezone != "" {
		if z, err := time.LoadLocation(c.Settings.Timezone); err == nil {
			return z
		}
	}
	if d.opt.Location != nil {
		return d.opt.Location(c.TenantID)
	}
	if t, err := d.opt.Store.GetTenant(context.Background(), c.TenantID); err == nil {
		if z, err := time.LoadLocation(t.Timezone); err == nil {
			return z
		}
	}
	return time.UTC
}

// LeadView is a lead as an agent sees it: the number masked when the
// campaign says so, the script and the dispositions to choose from.
type LeadView struct {
	CampaignID   string            `json:"campaign_id"`
	CampaignName string            `json:"campaign_name,omitempty"`
	LeadID       int64             `json:"lead_id"`
	AttemptID    int64             `json:"attempt_id,omitempty"`
	CallID       string            `json:"call_id,omitempty"`
	Phone        string            `json:"phone,omitempty"`
	Masked       bool              `json:"masked"`
	Name         string            `json:"name,omitempty"`
	Fields       map[string]string `json:"fields,omitempty"`
	Attempts     int               `json:"attempts"`
	LastOutcome  string            `json:"last_outcome,omitempty"`
	Script       []Question        `json:"script,omitempty"`
	Dispositions []Disposition     `json:"dispositions,omitempty"`
}

func (d *Dialer) viewOf(c *Campaign, l *store.Lead) LeadView {
	v := LeadView{CampaignID: c.ID, CampaignName: c.Name, LeadID: l.ID, Name: l.Name, Attempts: l.Attempts, LastOutcome: l.LastOutcome,
		Script: c.Settings.Script, Dispositions: c.Settings.Dispositions}
	if l.Fields != "" && l.Fields != "{}" {
		_ = json.Unmarshal([]byte(l.Fields), &v.Fields)
	}
	if c.Settings.MaskNumbers {
		v.Phone, v.Masked = Mask(l.Phone), true
	} else {
		v.Phone = National(l.Phone, c.Settings.Country())
	}
	return v
}

// publish tells the agent's desktop about their campaign work. Caller is
// the number as the agent may see it (masked when the campaign masks).
func (d *Dialer) publish(c *Campaign, agent, typ, callID, reason string, v LeadView) {
	if d.opt.Calls == nil {
		return
	}
	vars := map[string]string{"campaign": c.ID, "lead": strconv.FormatInt(v.LeadID, 10)}
	if v.AttemptID != 0 {
		vars["attempt"] = strconv.FormatInt(v.AttemptID, 10)
	}
	if v.Name != "" {
		vars["name"] = v.Name
	}
	for k, val := range v.Fields {
		if _, taken := vars[k]; !taken {
			vars[k] = val
		}
	}
	d.opt.Calls.Publish(dispatch.Event{Type: typ, Tenant: c.TenantID, Agent: agent, Call: callID, Queue: c.Settings.QueueID, Caller: v.Phone,
		Reason: reason, Vars: vars, At: d.opt.Clock.Now()})
}

// Errors the agent operations return.
var (
	ErrNoLead     = errors.New("campaign: no lead to call now")
	ErrNotRunning = errors.New("campaign: the campaign is not running")
	ErrNotYours   = errors.New("campaign: this lead is not in your preview")
	ErrNotMember  = errors.New("campaign: you are not a member of the campaign's queue")
)
