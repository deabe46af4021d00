package campaign

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/outroute"
	"github.com/ipcc/ipcc/store"
)

// Outbound routing of campaign calls (docs/outbound.md, "Outbound routing
// and caller ID"): each lead is checked against the tenant's toll-fraud
// guard and routes at dial time, and a call refused when it is placed (a
// cap reached) is recorded as a skip, not as a failed call.

// OutboundChecker is implemented by a Calls that can check a number
// against outbound routing without dialling (the dispatcher).
type OutboundChecker interface {
	CheckOutbound(ctx context.Context, tenant string, req outroute.PlanRequest) error
}

// routedCalls completes each campaign call with what outbound routing
// needs — the callee's E.164 number, the campaign, its queue (agent
// group) and caller-ID pool — whatever part of the dialer built it, and
// turns a refused call into a skip of its attempt.
type routedCalls struct {
	Calls
	d *Dialer
}

// complete fills lc from its campaign (named by its ipcc_campaign
// variable).
func (r routedCalls) complete(ctx context.Context, tenant string, lc *dispatch.LeadCall) {
	id := lc.Vars["ipcc_campaign"]
	if id == "" || r.d.opt.Store == nil {
		return
	}
	row, err := r.d.opt.Store.GetCampaign(ctx, tenant, id)
	if err != nil {
		return
	}
	c, err := FromRow(row)
	if err != nil {
		return
	}
	lc.Campaign, lc.Queue, lc.CallerIDPool = c.ID, c.Settings.QueueID, c.Settings.CallerIDPool
	if e, _, err := Normalize(lc.Number, c.Settings.Country()); err == nil {
		lc.E164 = e
	}
}

// refused records a refused call on its attempt (the variables name it).
func (r routedCalls) refused(tenant string, lc *dispatch.LeadCall, err error) {
	var ref *outroute.Refusal
	if !errors.As(err, &ref) {
		return
	}
	lead, _ := strconv.ParseInt(lc.Vars["ipcc_lead"], 10, 64)
	attempt, _ := strconv.ParseInt(lc.Vars["ipcc_attempt"], 10, 64)
	if lead == 0 || attempt == 0 {
		return
	}
	r.d.refusedAttempt(tenant, lead, attempt, ref)
}

func (r routedCalls) DialFor(ctx context.Context, tenant, agentID string, lc dispatch.LeadCall) (string, error) {
	r.complete(ctx, tenant, &lc)
	id, err := r.Calls.DialFor(ctx, tenant, agentID, lc)
	r.refused(tenant, &lc, err)
	return id, err
}

func (r routedCalls) DialLeadFirst(ctx context.Context, tenant, agentID string, lc dispatch.LeadCall) error {
	r.complete(ctx, tenant, &lc)
	err := r.Calls.DialLeadFirst(ctx, tenant, agentID, lc)
	r.refused(tenant, &lc, err)
	return err
}

func (r routedCalls) DialPredictive(ctx context.Context, tenant string, lc dispatch.LeadCall) error {
	r.complete(ctx, tenant, &lc)
	err := r.Calls.DialPredictive(ctx, tenant, lc)
	r.refused(tenant, &lc, err)
	return err
}

func (r routedCalls) DialBroadcast(ctx context.Context, tenant string, b dispatch.Broadcast) error {
	r.complete(ctx, tenant, &b.LeadCall)
	err := r.Calls.DialBroadcast(ctx, tenant, b)
	r.refused(tenant, &b.LeadCall, err)
	return err
}

// CheckOutbound forwards to the dispatcher when it can check.
func (r routedCalls) CheckOutbound(ctx context.Context, tenant string, req outroute.PlanRequest) error {
	if oc, ok := r.Calls.(OutboundChecker); ok {
		return oc.CheckOutbound(ctx, tenant, req)
	}
	return nil
}

// Outcomes of leads outbound routing refuses.
const (
	// SkipBlocked: the toll-fraud guard does not let the tenant call the
	// number (its type, country or a blocked prefix); the lead is closed
	// (skipped).
	SkipBlocked = "blocked"
)

// refusalRetry is when a lead refused for a reason that may pass is
// tried again: a cap (concurrent calls, call rate, busy trunks) soon, a
// missing route or trunk (configuration) later.
func refusalRetry(ref *outroute.Refusal) time.Duration {
	if ref.Capacity() {
		return 10 * time.Second
	}
	return 15 * time.Minute
}

// destinationRefused tells whether the refusal is about the number itself.
func destinationRefused(ref *outroute.Refusal) bool {
	switch ref.Rule {
	case outroute.RuleNumber, outroute.RuleNumberType, outroute.RuleCountry, outroute.RuleBlockedPrefix:
		return true
	}
	return false
}

// checkRouting is the dial-time check of a lead against outbound routing:
// a refusal with the lead's next status, or nil.
func (d *Dialer) checkRouting(ctx context.Context, c *Campaign, l *store.Lead) (*outroute.Refusal, error) {
	oc, ok := d.opt.Calls.(OutboundChecker)
	if !ok {
		return nil, nil
	}
	err := oc.CheckOutbound(ctx, c.TenantID, outroute.PlanRequest{Number: l.Phone, Source: outroute.SourceCampaign, Campaign: c.ID,
		Queues: []string{c.Settings.QueueID}, DefaultTrunk: c.Settings.Trunk})
	var ref *outroute.Refusal
	switch {
	case err == nil:
		return nil, nil
	case errors.As(err, &ref):
		return ref, nil
	}
	return nil, err
}

// refusedAttempt turns the attempt of a call outbound routing refused into
// a skip with the rule, and puts the lead back (closed when the number
// may not be called at all). The attempt's Ended, if it comes, then only
// frees the agent.
func (d *Dialer) refusedAttempt(tenant string, leadID, attemptID int64, ref *outroute.Refusal) {
	ctx := context.Background()
	now := d.opt.Clock.Now()
	d.outcomeMu.Lock()
	defer d.outcomeMu.Unlock()
	outcome := "deferred"
	if destinationRefused(ref) {
		outcome = SkipBlocked
	}
	if err := d.opt.Store.SkipAttempt(ctx, tenant, attemptID, outcome, ref.Error(), now); err != nil {
		d.log.Warn("refused campaign attempt not recorded", "attempt", attemptID, "err", err)
	}
	l, err := d.opt.Store.GetLead(ctx, tenant, leadID)
	if err != nil {
		d.log.Warn("campaign lead not read", "lead", leadID, "err", err)
		return
	}
	next := *l
	next.ClaimedBy = ""
	if outcome == SkipBlocked {
		next.Status, next.NextAt, next.LastOutcome = store.LeadSkipped, nil, SkipBlocked
	} else {
		at := now.Add(refusalRetry(ref))
		next.Status, next.NextAt = store.LeadPending, &at
	}
	if err := d.opt.Store.MoveLead(ctx, &next, l.Status); err != nil {
		d.log.Warn("refused campaign lead not moved", "lead", leadID, "err", err)
	}
	d.log.Info("campaign call refused by outbound routing", "tenant", tenant, "lead", leadID, "rule", ref.Rule, "detail", ref.Detail)
}
