package campaign

import (
	"context"
	"fmt"

	"github.com/ipcc/ipcc/store"
)

// Create validates and stores a new campaign as a draft.
func Create(ctx context.Context, st *store.Store, c *Campaign) error {
	c.Status = Draft
	c.StartedAt, c.FinishedAt = nil, nil
	if err := c.Validate(); err != nil {
		return err
	}
	if err := checkRefs(ctx, st, c); err != nil {
		return err
	}
	row, err := c.Row()
	if err != nil {
		return err
	}
	if err := st.CreateCampaign(ctx, row); err != nil {
		return err
	}
	c.CreatedAt, c.UpdatedAt = row.CreatedAt, row.UpdatedAt
	return nil
}

// Get reads a campaign of the tenant.
func Get(ctx context.Context, st *store.Store, tenant, id string) (*Campaign, error) {
	return load(ctx, st, tenant, id)
}

// List reads the tenant's campaigns.
func List(ctx context.Context, st *store.Store, tenant string) ([]Campaign, error) {
	rows, err := st.ListCampaigns(ctx, tenant)
	if err != nil {
		return nil, err
	}
	out := make([]Campaign, 0, len(rows))
	for i := range rows {
		c, err := FromRow(&rows[i])
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, nil
}

// Update changes a campaign's name and settings; a running or paused
// campaign takes them at once (pacing, window, retries, caller ID). The
// type is fixed once the campaign has left draft; a finished campaign
// cannot change.
func Update(ctx context.Context, st *store.Store, c *Campaign) error {
	old, err := load(ctx, st, c.TenantID, c.ID)
	if err != nil {
		return err
	}
	switch {
	case old.Status == Finished:
		return fmt.Errorf("%w: a finished campaign cannot change", ErrTransition)
	case old.Status != Draft && c.Type != old.Type:
		return FieldError{"type", "the type is fixed once the campaign has started"}
	case old.Status != Draft && c.Settings.QueueID != old.Settings.QueueID && old.Status == Running:
		return FieldError{"settings.queue_id", "pause the campaign before giving it another queue"}
	}
	c.Status, c.CreatedAt, c.StartedAt, c.FinishedAt = old.Status, old.CreatedAt, old.StartedAt, old.FinishedAt
	if err := c.Validate(); err != nil {
		return err
	}
	if err := checkRefs(ctx, st, c); err != nil {
		return err
	}
	row, err := c.Row()
	if err != nil {
		return err
	}
	if err := st.UpdateCampaign(ctx, row); err != nil {
		return err
	}
	c.UpdatedAt = row.UpdatedAt
	return nil
}

// Act applies a lifecycle action (start, pause, stop). Only preview and
// progressive campaigns can start today. Pausing or stopping hands the
// leads agents hold in preview back to the list; calls in progress finish.
func Act(ctx context.Context, st *store.Store, tenant, id string, a Action) (*Campaign, error) {
	c, err := load(ctx, st, tenant, id)
	if err != nil {
		return nil, err
	}
	to, err := Next(c.Status, a)
	if err != nil {
		return nil, err
	}
	if to == Running && !c.Type.Dials() {
		return nil, fmt.Errorf("%w: %s campaigns cannot run yet (see docs/outbound.md)", ErrTransition, c.Type)
	}
	if err := st.SetCampaignStatus(ctx, tenant, id, string(c.Status), string(to)); err != nil {
		return nil, err
	}
	if to != Running {
		if _, err := st.ReleaseClaims(ctx, tenant, id, store.LeadPreview); err != nil {
			return nil, err
		}
	}
	return load(ctx, st, tenant, id)
}

// Delete removes a draft or finished campaign with its leads and results.
func Delete(ctx context.Context, st *store.Store, tenant, id string) error {
	c, err := load(ctx, st, tenant, id)
	if err != nil {
		return err
	}
	if c.Status == Running || c.Status == Paused {
		return fmt.Errorf("%w: stop the campaign before deleting it", ErrTransition)
	}
	return st.DeleteCampaign(ctx, tenant, id)
}

// Progress is a campaign's state for supervisors.
type Progress struct {
	CampaignID string         `json:"campaign_id"`
	Status     Status         `json:"status"`
	Leads      int            `json:"leads"`
	ByStatus   map[string]int `json:"by_status"`
	// Outcomes counts the attempts by outcome (calls) and skips by kind
	// of skip ("skip:dnc", "skip:deferred", ...).
	Outcomes map[string]int `json:"outcomes"`
	InFlight int            `json:"in_flight"`
}

// GetProgress counts a campaign's leads and attempts; d (may be nil) adds
// the calls in flight.
func GetProgress(ctx context.Context, st *store.Store, d *Dialer, tenant, id string) (*Progress, error) {
	c, err := load(ctx, st, tenant, id)
	if err != nil {
		return nil, err
	}
	by, err := st.LeadCounts(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	p := &Progress{CampaignID: id, Status: c.Status, ByStatus: by}
	for _, n := range by {
		p.Leads += n
	}
	if p.Outcomes, err = st.AttemptCounts(ctx, tenant, id); err != nil {
		return nil, err
	}
	if d != nil {
		p.InFlight = d.InFlight(tenant, id)
	}
	return p, nil
}

// NormalizeNumbers normalises do-not-call numbers; the bad ones are
// returned with their reasons.
func NormalizeNumbers(raw []string, country string) ([]string, []RejectedRow) {
	var ok []string
	var bad []RejectedRow
	for i, r := range raw {
		n, _, err := Normalize(r, country)
		if err != nil {
			bad = append(bad, RejectedRow{Row: i + 1, Reason: err.Error()})
			continue
		}
		ok = append(ok, n)
	}
	return ok, bad
}

// checkRefs checks what the settings name in the tenant: the caller-ID
// pool.
func checkRefs(ctx context.Context, st *store.Store, c *Campaign) error {
	if p := c.Settings.CallerIDPool; p != "" {
		if _, err := st.GetOutbound(ctx, c.TenantID, store.OutboundPool, p); store.IsNotFound(err) {
			return FieldError{"settings.caller_id_pool", fmt.Sprintf("no caller-ID pool %q in this tenant", p)}
		} else if err != nil {
			return err
		}
	}
	return nil
}
