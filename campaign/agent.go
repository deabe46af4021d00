package campaign

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ipcc/ipcc/store"
)

// load reads a campaign of the tenant.
func load(ctx context.Context, st *store.Store, tenant, id string) (*Campaign, error) {
	row, err := st.GetCampaign(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	return FromRow(row)
}

// member checks the agent belongs to the campaign's queue.
func (d *Dialer) member(ctx context.Context, c *Campaign, agent string) error {
	eng, err := d.opt.Calls.Engine(ctx, c.TenantID)
	if err != nil {
		return err
	}
	a, err := eng.Agent(ctx, agent)
	if err != nil {
		return ErrNotMember
	}
	for _, q := range a.Queues {
		if q.QueueID == c.Settings.QueueID {
			return nil
		}
	}
	return ErrNotMember
}

// Preview gives the agent the next lead of a running preview campaign (or
// the one they already hold): its data and number (masked when the
// campaign masks), the script and the dispositions. The lead is theirs
// until they dial or skip it. ErrNoLead when none is callable now.
func (d *Dialer) Preview(ctx context.Context, tenant, agent, campaignID string) (*LeadView, error) {
	c, err := load(ctx, d.opt.Store, tenant, campaignID)
	if err != nil {
		return nil, err
	}
	if c.Status != Running || c.Type != Preview {
		return nil, fmt.Errorf("%w (%s %s campaign)", ErrNotRunning, c.Status, c.Type)
	}
	if err := d.member(ctx, c, agent); err != nil {
		return nil, err
	}
	l, err := d.opt.Store.ClaimedLead(ctx, tenant, c.ID, agent, store.LeadPreview)
	if err != nil {
		return nil, err
	}
	if l == nil {
		if l, err = d.claimCallable(ctx, c, agent, store.LeadPreview); err != nil {
			return nil, err
		}
	}
	if l == nil {
		return nil, ErrNoLead
	}
	v := d.viewOf(c, l)
	d.publish(c, agent, "campaign_preview", "", "", v)
	return &v, nil
}

// previewed loads a lead the agent holds in preview.
func (d *Dialer) previewed(ctx context.Context, tenant, agent string, leadID int64) (*Campaign, *store.Lead, error) {
	l, err := d.opt.Store.GetLead(ctx, tenant, leadID)
	if err != nil {
		return nil, nil, err
	}
	if l.Status != store.LeadPreview || l.ClaimedBy != agent {
		return nil, nil, ErrNotYours
	}
	c, err := load(ctx, d.opt.Store, tenant, l.CampaignID)
	if err != nil {
		return nil, nil, err
	}
	return c, l, nil
}

// DialResult is what a preview dial answers.
type DialResult struct {
	CallID    string `json:"call_id"`
	AttemptID int64  `json:"attempt_id"`
	LeadID    int64  `json:"lead_id"`
}

// SkippedError says the lead was not called at dial time, and why.
type SkippedError struct{ Reason string }

func (e *SkippedError) Error() string { return "campaign: the lead was not called: " + e.Reason }

// Dial calls the lead the agent previews, by its id (agents never dial a
// campaign's number themselves). The lead is checked again at dial time
// (do-not-call lists, calling window, daily limit): a lead that may not be
// called is skipped with a SkippedError. It returns once the agent's phone
// answered; the outcome is recorded when the call ends.
func (d *Dialer) Dial(ctx context.Context, tenant, agent string, leadID int64) (*DialResult, error) {
	c, l, err := d.previewed(ctx, tenant, agent, leadID)
	if err != nil {
		return nil, err
	}
	if c.Status != Running {
		return nil, ErrNotRunning
	}
	ok, err := d.vet(ctx, c, l, store.LeadPreview, d.opt.Clock.Now())
	if err != nil {
		return nil, err
	}
	if !ok {
		last, _ := d.opt.Store.ListAttempts(ctx, tenant, c.ID, store.AttemptFilter{LeadID: l.ID, Kind: store.AttemptSkip})
		reason := "checked at dial time"
		if len(last) > 0 {
			reason = last[len(last)-1].Reason
		}
		return nil, &SkippedError{Reason: reason}
	}
	if !d.take(c, agent) {
		return nil, errors.New("campaign: you have a campaign call in progress")
	}
	dialing := *l
	dialing.Status = store.LeadDialing
	if err := d.opt.Store.MoveLead(ctx, &dialing, store.LeadPreview); err != nil {
		d.release(c, agent, 0, 0)
		return nil, err
	}
	a := &store.CampaignAttempt{TenantID: tenant, CampaignID: c.ID, LeadID: l.ID, Kind: store.AttemptCall, AgentID: agent, StartedAt: d.opt.Clock.Now()}
	if err := d.opt.Store.AddAttempt(ctx, a); err != nil {
		d.putBack(c, &dialing, store.LeadDialing)
		d.release(c, agent, 0, 0)
		return nil, err
	}
	d.calls.Add(1)
	defer d.calls.Done()
	callID, err := d.place(ctx, c, &dialing, a, agent, nil)
	if err != nil {
		return nil, err
	}
	return &DialResult{CallID: callID, AttemptID: a.ID, LeadID: l.ID}, nil
}

// Skip passes over the lead the agent previews, with a reason. A final
// skip closes the lead (skipped); otherwise it goes back to the list for
// later (retryAfter, default an hour).
func (d *Dialer) Skip(ctx context.Context, tenant, agent string, leadID int64, reason string, final bool, retryAfter time.Duration) error {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 200 {
		return FieldError{"reason", "a reason of 1 to 200 characters is required"}
	}
	c, l, err := d.previewed(ctx, tenant, agent, leadID)
	if err != nil {
		return err
	}
	now := d.opt.Clock.Now()
	next := *l
	next.ClaimedBy = ""
	outcome := "skipped"
	if final {
		next.Status, next.NextAt = store.LeadSkipped, nil
	} else {
		if retryAfter <= 0 {
			retryAfter = time.Hour
		}
		at := now.Add(retryAfter)
		next.Status, next.NextAt, outcome = store.LeadPending, &at, "deferred"
	}
	next.LastOutcome = "skipped"
	if err := d.opt.Store.MoveLead(ctx, &next, store.LeadPreview); err != nil {
		return err
	}
	return d.opt.Store.AddAttempt(ctx, &store.CampaignAttempt{TenantID: tenant, CampaignID: c.ID, LeadID: l.ID, Kind: store.AttemptSkip, AgentID: agent,
		Outcome: outcome, Reason: "agent: " + reason, StartedAt: now, EndedAt: &now})
}

// DispositionInput is what an agent enters after (or during) a campaign
// call.
type DispositionInput struct {
	Code    string         `json:"code"`
	Answers map[string]any `json:"answers,omitempty"`
	Note    string         `json:"note,omitempty"`
}

// Dispose stores the agent's disposition, script answers and note with
// their call attempt. An answered lead is closed or called again as the
// disposition says; the agent's after-call time ends.
func (d *Dialer) Dispose(ctx context.Context, tenant, agent string, attemptID int64, in DispositionInput) (*store.CampaignAttempt, error) {
	a, err := d.opt.Store.GetAttempt(ctx, tenant, attemptID)
	if err != nil {
		return nil, err
	}
	if a.AgentID != agent || a.Kind != store.AttemptCall {
		return nil, fmt.Errorf("attempt %d: %w", attemptID, store.ErrNotFound)
	}
	c, err := load(ctx, d.opt.Store, tenant, a.CampaignID)
	if err != nil {
		return nil, err
	}
	in.Code = strings.TrimSpace(in.Code)
	disp, known := c.Settings.FindDisposition(in.Code)
	switch {
	case in.Code == "" || len(in.Code) > 64:
		return nil, FieldError{"code", "a disposition code is required"}
	case !known && len(c.Settings.Dispositions) > 0:
		codes := make([]string, 0, len(c.Settings.Dispositions))
		for _, x := range c.Settings.Dispositions {
			codes = append(codes, x.Code)
		}
		return nil, FieldError{"code", fmt.Sprintf("%q is not one of the campaign's dispositions (%s)", in.Code, strings.Join(codes, ", "))}
	case !known:
		disp = Disposition{Code: in.Code, Final: true}
	}
	if len(in.Note) > 2000 {
		return nil, FieldError{"note", "at most 2000 characters"}
	}
	if err := c.Settings.CheckAnswers(in.Answers); err != nil {
		return nil, err
	}
	ans := "{}"
	if len(in.Answers) > 0 {
		b, _ := json.Marshal(in.Answers)
		ans = string(b)
	}
	d.outcomeMu.Lock()
	defer d.outcomeMu.Unlock()
	// Read again under the lock: the call may have ended meanwhile.
	if a, err = d.opt.Store.GetAttempt(ctx, tenant, attemptID); err != nil {
		return nil, err
	}
	a.Disposition, a.Answers, a.Note = disp.Code, ans, strings.TrimSpace(in.Note)
	if err := d.opt.Store.UpdateAttempt(ctx, a); err != nil {
		return nil, err
	}
	if a.Outcome == string(Answered) {
		l, err := d.opt.Store.GetLead(ctx, tenant, a.LeadID)
		if err == nil && l.Status == store.LeadDone {
			next := ApplyDisposition(&c.Settings, *l, disp, d.opt.Clock.Now())
			if err := d.opt.Store.MoveLead(ctx, &next, store.LeadDone); err != nil {
				return nil, err
			}
		}
	}
	d.mu.Lock()
	if s := d.agents[tenant+"/"+agent]; s != nil && !s.busy && s.attempt == attemptID {
		s.until = time.Time{}
	}
	d.mu.Unlock()
	return a, nil
}

// AgentCampaigns lists the running campaigns of the agent's queues.
func (d *Dialer) AgentCampaigns(ctx context.Context, tenant, agent string, queues []string) ([]Campaign, error) {
	rows, err := d.opt.Store.ListCampaigns(ctx, tenant)
	if err != nil {
		return nil, err
	}
	out := []Campaign{}
	for i := range rows {
		c, err := FromRow(&rows[i])
		if err != nil || c.Status != Running || !slices.Contains(queues, c.Settings.QueueID) {
			continue
		}
		out = append(out, *c)
	}
	return out, nil
}
