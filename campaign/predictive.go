package campaign

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/store"
)

// predState is a predictive campaign's dialing state on this controller.
type predState struct {
	pacer *Pacer
	// periodAt is when the period's abandon rate was last read.
	periodAt time.Time
	ringing  map[int64]time.Time // attempt → dialled at
	waiting  int                 // answered callees waiting for an agent
	since    map[string]time.Time
}

func (d *Dialer) predFor(c *Campaign) *predState {
	d.mu.Lock()
	defer d.mu.Unlock()
	key := c.TenantID + "/" + c.ID
	p := c.Settings.Profile()
	ps := d.pred[key]
	if ps == nil {
		ps = &predState{pacer: NewPacer(PacerConfig{CapPct: p.CapPct, Connect: p.Connect, MaxLinesPerAgent: c.Settings.MaxLinesPerAgent, MinLinesPerAgent: c.Settings.MinLinesPerAgent, PriorRing: c.Settings.RingTimeout()}),
			ringing: map[int64]time.Time{}, since: map[string]time.Time{}}
		d.pred[key] = ps
	}
	ps.pacer.SetCap(p.CapPct)
	return ps
}

// Pacer returns the pacer of a predictive campaign this controller dials
// (nil when it has not dialled it).
func (d *Dialer) Pacer(tenant, campaign string) *Pacer {
	d.mu.Lock()
	defer d.mu.Unlock()
	if ps := d.pred[tenant+"/"+campaign]; ps != nil {
		return ps.pacer
	}
	return nil
}

// tickPredictive asks the campaign's pacer how many calls to place and
// places them; agents are chosen only when a callee answers.
func (d *Dialer) tickPredictive(ctx context.Context, c *Campaign, snap acd.Snapshot, room *tenantRoom) {
	ps := d.predFor(c)
	now := d.opt.Clock.Now()
	if now.Sub(ps.periodAt) >= time.Minute {
		// The rate over the compliance profile's period (30 days for us),
		// from the stored attempts, once a minute.
		ps.periodAt = now
		if ans, ab, err := d.opt.Store.AbandonCounts(ctx, c.TenantID, c.ID, now.Add(-c.Settings.Profile().Period)); err == nil && ans > 0 {
			ps.pacer.SetPeriodRate(100 * float64(ab) / float64(ans))
		}
	}
	st := PacerState{Now: now, Leads: -1}
	d.mu.Lock()
	for _, a := range snap.Agents {
		if !inQueue(a, c.Settings.QueueID) {
			continue
		}
		slot := d.agents[c.TenantID+"/"+a.AgentID]
		mine := slot != nil && (slot.busy || now.Before(slot.until))
		switch {
		case !mine && freeFor(a, c.Settings.QueueID):
			st.Free++
		case mine || a.CallID != "":
			since, ok := ps.since[a.AgentID]
			if !ok {
				since = now
			}
			st.Busy = append(st.Busy, now.Sub(since))
		}
	}
	for _, at := range ps.ringing {
		st.Ringing = append(st.Ringing, now.Sub(at))
	}
	st.Waiting = ps.waiting
	if m := c.Settings.MaxInFlight; m > 0 {
		st.Leads = max(0, m-d.inFlight[c.TenantID+"/"+c.ID])
	}
	d.mu.Unlock()
	st.Quota = room.pacerRoom()
	dec := ps.pacer.Decide(st)
	for range dec.Dial {
		if !room.left() || !d.allowTrunk(c) {
			return
		}
		room.use()
		l, err := d.claimCallable(ctx, c, "", store.LeadDialing)
		if err != nil || l == nil {
			return
		}
		a := &store.CampaignAttempt{TenantID: c.TenantID, CampaignID: c.ID, LeadID: l.ID, Kind: store.AttemptCall, StartedAt: d.opt.Clock.Now()}
		if err := d.opt.Store.AddAttempt(ctx, a); err != nil {
			d.putBack(c, l, store.LeadDialing)
			return
		}
		d.placePredictive(ctx, c, ps, l, a)
	}
}

func inQueue(a acd.AgentSnapshot, queue string) bool {
	for _, q := range a.Queues {
		if q.QueueID == queue && q.LoggedIn {
			return true
		}
	}
	return false
}

// placePredictive dials the lead with no agent; when the callee answers
// the first free agent of the queue is held for them.
func (d *Dialer) placePredictive(ctx context.Context, c *Campaign, ps *predState, l *store.Lead, a *store.CampaignAttempt) {
	dialled := d.opt.Clock.Now()
	d.mu.Lock()
	ps.ringing[a.ID] = dialled
	d.inFlight[c.TenantID+"/"+c.ID]++
	d.mu.Unlock()
	view := d.viewOf(c, l)
	view.AttemptID = a.ID
	var (
		mu              sync.Mutex
		agent           string
		answered, taken time.Time
		once            sync.Once
	)
	prof := c.Settings.Profile()
	lc := dispatch.LeadCall{
		Number: National(l.Phone, c.Settings.Country()), CallerID: c.Settings.CallerID, Trunk: c.Settings.Trunk,
		RingTimeout: c.Settings.RingTimeout(), AgentRingTimeout: time.Duration(c.Settings.AgentRingTimeoutMS) * time.Millisecond,
		Connect: prof.Connect, AbandonMessage: c.Settings.AbandonMedia(),
		Vars: map[string]string{"ipcc_campaign": c.ID, "ipcc_lead": strconv.FormatInt(l.ID, 10), "ipcc_attempt": strconv.FormatInt(a.ID, 10)},
		AgentDisplayFor: func(string) string {
			if c.Settings.MaskNumbers {
				return c.Name
			}
			return view.Phone
		},
	}
	lc.DetectMachine, lc.MachineTimeout, lc.MachineMessage = c.Settings.amdCall()
	lc.Answered = func(callID string) {
		now := d.opt.Clock.Now()
		mu.Lock()
		answered = now
		mu.Unlock()
		ps.pacer.Answered(now, now.Sub(dialled))
		d.mu.Lock()
		delete(ps.ringing, a.ID)
		ps.waiting++
		d.mu.Unlock()
		view.CallID = callID
	}
	lc.Claim = func(ctx context.Context) string {
		ag := d.claimAgent(ctx, c)
		if ag == "" {
			return ""
		}
		now := d.opt.Clock.Now()
		mu.Lock()
		agent, taken = ag, now
		mu.Unlock()
		d.mu.Lock()
		ps.waiting--
		ps.since[ag] = now
		d.mu.Unlock()
		d.publish(c, ag, "campaign_call", view.CallID, "", view)
		return ag
	}
	lc.Ended = func(outcome, callID string) {
		once.Do(func() {
			now := d.opt.Clock.Now()
			mu.Lock()
			ag, ans, tk := agent, answered, taken
			mu.Unlock()
			d.mu.Lock()
			if _, ringing := ps.ringing[a.ID]; ringing {
				delete(ps.ringing, a.ID)
			} else if !ans.IsZero() && tk.IsZero() {
				ps.waiting-- // abandoned while waiting
			}
			d.mu.Unlock()
			o := Outcome(outcome)
			switch {
			case ans.IsZero():
				ps.pacer.NotAnswered(now, now.Sub(dialled))
			case o == Abandoned:
				ps.pacer.Abandoned(now)
			case o == Answered:
				ps.pacer.Handled(now.Sub(tk) + c.Settings.WrapUp())
			}
			d.ended(c, l.ID, a.ID, ag, o, callID)
		})
	}
	routed := d.placingCall(c.TenantID)
	lc.Routed = routed
	d.calls.Add(1)
	go func() {
		defer d.calls.Done()
		defer routed()
		if err := d.opt.Calls.DialPredictive(context.WithoutCancel(ctx), c.TenantID, lc); err != nil {
			d.log.Warn("predictive call not placed", "tenant", c.TenantID, "campaign", c.ID, "err", err)
			lc.Ended(string(Failed), "")
		}
	}()
}

// claimAgent holds the first free agent of the campaign's queue for a
// callee who answered; "" when none is free.
func (d *Dialer) claimAgent(ctx context.Context, c *Campaign) string {
	eng, err := d.opt.Calls.Engine(ctx, c.TenantID)
	if err != nil {
		return ""
	}
	snap, err := eng.Snapshot(ctx)
	if err != nil {
		return ""
	}
	now := d.opt.Clock.Now()
	d.mu.Lock()
	defer d.mu.Unlock()
	// The agent free the longest first.
	best, bestSince := "", time.Time{}
	for _, a := range snap.Agents {
		if !freeFor(a, c.Settings.QueueID) {
			continue
		}
		key := c.TenantID + "/" + a.AgentID
		if s := d.agents[key]; s != nil && (s.busy || now.Before(s.until)) {
			continue
		}
		if best == "" || a.Since.Before(bestSince) {
			best, bestSince = a.AgentID, a.Since
		}
	}
	if best != "" {
		d.agents[c.TenantID+"/"+best] = &agentSlot{busy: true}
	}
	return best
}
