package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// CampaignRow is an outbound campaign as stored: the settings are a JSON
// document the campaign package reads (campaign.FromRow).
type CampaignRow struct {
	TenantID   string     `db:"tenant_id"`
	ID         string     `db:"id"`
	Name       string     `db:"name"`
	Type       string     `db:"type"`
	Status     string     `db:"status"`
	Document   string     `db:"document"`
	CreatedAt  time.Time  `db:"created_at"`
	UpdatedAt  time.Time  `db:"updated_at"`
	StartedAt  *time.Time `db:"started_at"`
	FinishedAt *time.Time `db:"finished_at"`
}

const campaignCols = `tenant_id, id, name, type, status, document, created_at, updated_at, started_at, finished_at`

// CreateCampaign stores a new campaign; ErrConflict when the id is taken.
func (s *Store) CreateCampaign(ctx context.Context, c *CampaignRow) error {
	c.CreatedAt, c.UpdatedAt = now(), now()
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO campaigns (`+campaignCols+`) VALUES (?,?,?,?,?,?,?,?,?,?)`),
		c.TenantID, c.ID, c.Name, c.Type, c.Status, c.Document, c.CreatedAt, c.UpdatedAt, utcPtr(c.StartedAt), utcPtr(c.FinishedAt))
	if err != nil {
		return fmt.Errorf("store: create campaign %q: %w", c.ID, mapErr(err))
	}
	return nil
}

// GetCampaign loads one campaign of the tenant.
func (s *Store) GetCampaign(ctx context.Context, tenant, id string) (*CampaignRow, error) {
	var c CampaignRow
	if err := s.db.GetContext(ctx, &c, s.Rebind(`SELECT `+campaignCols+` FROM campaigns WHERE tenant_id = ? AND id = ?`), tenant, id); err != nil {
		return nil, fmt.Errorf("store: get campaign %q: %w", id, mapErr(err))
	}
	return &c, nil
}

// ListCampaigns lists the tenant's campaigns by id.
func (s *Store) ListCampaigns(ctx context.Context, tenant string) ([]CampaignRow, error) {
	out := []CampaignRow{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(`SELECT `+campaignCols+` FROM campaigns WHERE tenant_id = ? ORDER BY id`), tenant); err != nil {
		return nil, fmt.Errorf("store: list campaigns of %q: %w", tenant, err)
	}
	return out, nil
}

// ListRunningCampaigns lists every tenant's running campaigns (the dialer's
// work list), leaving out those of suspended (disabled) tenants: they stay
// running and dial again when the tenant is resumed.
func (s *Store) ListRunningCampaigns(ctx context.Context) ([]CampaignRow, error) {
	out := []CampaignRow{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(`SELECT `+campaignCols+` FROM campaigns WHERE status = ? AND tenant_id NOT IN (SELECT tenant_id FROM tenants WHERE disabled = ?) ORDER BY tenant_id, id`), "running", true); err != nil {
		return nil, fmt.Errorf("store: list running campaigns: %w", err)
	}
	return out, nil
}

// UpdateCampaign replaces a campaign's name, type and settings document.
func (s *Store) UpdateCampaign(ctx context.Context, c *CampaignRow) error {
	c.UpdatedAt = now()
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE campaigns SET name = ?, type = ?, document = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`),
		c.Name, c.Type, c.Document, c.UpdatedAt, c.TenantID, c.ID)
	if err != nil {
		return fmt.Errorf("store: update campaign %q: %w", c.ID, mapErr(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: update campaign %q: %w", c.ID, ErrNotFound)
	}
	return nil
}

// SetCampaignStatus moves a campaign from status from to status to (a
// compare-and-set: ErrConflict when it is no longer in from). Starting
// sets started_at the first time; finishing sets finished_at.
func (s *Store) SetCampaignStatus(ctx context.Context, tenant, id, from, to string) error {
	t := now()
	q := `UPDATE campaigns SET status = ?, updated_at = ?`
	args := []any{to, t}
	switch to {
	case "running":
		q += `, started_at = COALESCE(started_at, ?)`
		args = append(args, t)
	case "finished":
		q += `, finished_at = ?`
		args = append(args, t)
	}
	q += ` WHERE tenant_id = ? AND id = ? AND status = ?`
	args = append(args, tenant, id, from)
	res, err := s.db.ExecContext(ctx, s.Rebind(q), args...)
	if err != nil {
		return fmt.Errorf("store: set campaign %q %s: %w", id, to, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.GetCampaign(ctx, tenant, id); err != nil {
			return err
		}
		return fmt.Errorf("store: set campaign %q %s: %w: it is no longer %s", id, to, ErrConflict, from)
	}
	return nil
}

// DeleteCampaign removes a campaign with its leads, attempts and
// suppression list.
func (s *Store) DeleteCampaign(ctx context.Context, tenant, id string) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, s.Rebind(`DELETE FROM campaigns WHERE tenant_id = ? AND id = ?`), tenant, id)
		if err != nil {
			return fmt.Errorf("store: delete campaign %q: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("store: delete campaign %q: %w", id, ErrNotFound)
		}
		for _, q := range []string{`DELETE FROM campaign_leads WHERE tenant_id = ? AND campaign_id = ?`,
			`DELETE FROM campaign_attempts WHERE tenant_id = ? AND campaign_id = ?`,
			`DELETE FROM dnc_numbers WHERE tenant_id = ? AND scope = ?`} {
			if _, err := tx.ExecContext(ctx, s.Rebind(q), tenant, id); err != nil {
				return fmt.Errorf("store: delete campaign %q: %w", id, err)
			}
		}
		return nil
	})
}

// Attempt kinds: a call placed, or a lead passed over (DNC, calling
// window, an agent's skip).
const (
	AttemptCall = "call"
	AttemptSkip = "skip"
)

// CampaignAttempt is one call placed for a lead or one skip of it.
type CampaignAttempt struct {
	ID          int64      `db:"id" json:"id"`
	TenantID    string     `db:"tenant_id" json:"-"`
	CampaignID  string     `db:"campaign_id" json:"campaign_id"`
	LeadID      int64      `db:"lead_id" json:"lead_id"`
	Kind        string     `db:"kind" json:"kind"`
	AgentID     string     `db:"agent_id" json:"agent_id"`
	CallID      string     `db:"call_id" json:"call_id"`
	Outcome     string     `db:"outcome" json:"outcome"`
	Reason      string     `db:"reason" json:"reason"`
	Disposition string     `db:"disposition" json:"disposition"`
	Answers     string     `db:"answers" json:"-"`
	Note        string     `db:"note" json:"note"`
	StartedAt   time.Time  `db:"started_at" json:"started_at"`
	EndedAt     *time.Time `db:"ended_at" json:"ended_at,omitempty"`
}

const attemptCols = `id, tenant_id, campaign_id, lead_id, kind, agent_id, call_id, outcome, reason, disposition, answers, note, started_at, ended_at`

// AddAttempt stores an attempt and sets its id.
func (s *Store) AddAttempt(ctx context.Context, a *CampaignAttempt) error {
	if a.Answers == "" {
		a.Answers = "{}"
	}
	if a.StartedAt.IsZero() {
		a.StartedAt = now()
	}
	q := `INSERT INTO campaign_attempts (tenant_id, campaign_id, lead_id, kind, agent_id, call_id, outcome, reason, disposition, answers, note, started_at, ended_at)
 VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`
	err := s.db.GetContext(ctx, &a.ID, s.Rebind(q), a.TenantID, a.CampaignID, a.LeadID, a.Kind, a.AgentID, a.CallID, a.Outcome, a.Reason,
		a.Disposition, a.Answers, a.Note, a.StartedAt.UTC(), utcPtr(a.EndedAt))
	if err != nil {
		return fmt.Errorf("store: add attempt on lead %d: %w", a.LeadID, err)
	}
	return nil
}

// UpdateAttempt rewrites an attempt's call, agent, outcome, disposition, answers,
// note and end.
func (s *Store) UpdateAttempt(ctx context.Context, a *CampaignAttempt) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE campaign_attempts SET call_id = ?, agent_id = ?, outcome = ?, reason = ?, disposition = ?, answers = ?, note = ?, ended_at = ?
 WHERE tenant_id = ? AND id = ?`), a.CallID, a.AgentID, a.Outcome, a.Reason, a.Disposition, a.Answers, a.Note, utcPtr(a.EndedAt), a.TenantID, a.ID)
	if err != nil {
		return fmt.Errorf("store: update attempt %d: %w", a.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: update attempt %d: %w", a.ID, ErrNotFound)
	}
	return nil
}

// GetAttempt loads one attempt of the tenant.
func (s *Store) GetAttempt(ctx context.Context, tenant string, id int64) (*CampaignAttempt, error) {
	var a CampaignAttempt
	if err := s.db.GetContext(ctx, &a, s.Rebind(`SELECT `+attemptCols+` FROM campaign_attempts WHERE tenant_id = ? AND id = ?`), tenant, id); err != nil {
		return nil, fmt.Errorf("store: get attempt %d: %w", id, mapErr(err))
	}
	return &a, nil
}

// AttemptFilter narrows an attempt listing.
type AttemptFilter struct {
	LeadID int64  // 0 = every lead
	Kind   string // "" = calls and skips
	Limit  int
}

// ListAttempts lists a campaign's attempts, oldest first.
func (s *Store) ListAttempts(ctx context.Context, tenant, campaign string, f AttemptFilter) ([]CampaignAttempt, error) {
	q := `SELECT ` + attemptCols + ` FROM campaign_attempts WHERE tenant_id = ? AND campaign_id = ?`
	args := []any{tenant, campaign}
	if f.LeadID != 0 {
		q += ` AND lead_id = ?`
		args = append(args, f.LeadID)
	}
	if f.Kind != "" {
		q += ` AND kind = ?`
		args = append(args, f.Kind)
	}
	if f.Limit <= 0 || f.Limit > 10000 {
		f.Limit = 1000
	}
	q += fmt.Sprintf(` ORDER BY id LIMIT %d`, f.Limit)
	out := []CampaignAttempt{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("store: list attempts of campaign %q: %w", campaign, err)
	}
	return out, nil
}

// DNC scopes: the platform list lives under tenant "", a tenant's own list
// under scope "", a campaign's suppression list under its id.
const (
	DNCPlatformTenant = PlatformTenant
	DNCTenantScope    = ""
)

// DNCEntry is one do-not-call number.
type DNCEntry struct {
	TenantID string    `db:"tenant_id" json:"-"`
	Scope    string    `db:"scope" json:"scope"`
	Number   string    `db:"number" json:"number"`
	Reason   string    `db:"reason" json:"reason"`
	AddedAt  time.Time `db:"added_at" json:"added_at"`
}

// AddDNC adds numbers (already normalised) to a list; numbers already on
// it keep their first reason. It returns how many were new.
func (s *Store) AddDNC(ctx context.Context, tenant, scope string, numbers []string, reason string) (int, error) {
	added := 0
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		t := now()
		for _, n := range numbers {
			res, err := tx.ExecContext(ctx, s.Rebind(`INSERT INTO dnc_numbers (tenant_id, scope, number, reason, added_at) VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING`),
				tenant, scope, n, reason, t)
			if err != nil {
				return fmt.Errorf("store: add do-not-call number: %w", err)
			}
			if k, _ := res.RowsAffected(); k > 0 {
				added++
			}
		}
		return nil
	})
	return added, err
}

// RemoveDNC takes a number off a list.
func (s *Store) RemoveDNC(ctx context.Context, tenant, scope, number string) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`DELETE FROM dnc_numbers WHERE tenant_id = ? AND scope = ? AND number = ?`), tenant, scope, number)
	if err != nil {
		return fmt.Errorf("store: remove do-not-call number: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: remove do-not-call number %s: %w", number, ErrNotFound)
	}
	return nil
}

// ListDNC lists one list's numbers.
func (s *Store) ListDNC(ctx context.Context, tenant, scope string, limit int) ([]DNCEntry, error) {
	if limit <= 0 || limit > 10000 {
		limit = 1000
	}
	out := []DNCEntry{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(fmt.Sprintf(`SELECT tenant_id, scope, number, reason, added_at FROM dnc_numbers WHERE tenant_id = ? AND scope = ? ORDER BY number LIMIT %d`, limit)),
		tenant, scope); err != nil {
		return nil, fmt.Errorf("store: list do-not-call numbers: %w", err)
	}
	return out, nil
}

// MatchDNC tells which list bars number for a campaign of the tenant: the
// platform list, the tenant's, or the campaign's suppression list; nil
// when none does.
func (s *Store) MatchDNC(ctx context.Context, tenant, campaign, number string) (*DNCEntry, error) {
	var out []DNCEntry
	err := s.db.SelectContext(ctx, &out, s.Rebind(`SELECT tenant_id, scope, number, reason, added_at FROM dnc_numbers
 WHERE number = ? AND ((tenant_id = ? AND scope = '') OR (tenant_id = ? AND scope IN ('', ?))) ORDER BY tenant_id, scope LIMIT 1`),
		number, DNCPlatformTenant, tenant, campaign)
	if err != nil {
		return nil, fmt.Errorf("store: check do-not-call lists: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return &out[0], nil
}

// LastCallAttempts returns the latest call attempt of each of the leads
// (export of results).
func (s *Store) LastCallAttempts(ctx context.Context, tenant, campaign string, leads []int64) (map[int64]CampaignAttempt, error) {
	out := map[int64]CampaignAttempt{}
	if len(leads) == 0 {
		return out, nil
	}
	args := []any{tenant, campaign, AttemptCall}
	for _, id := range leads {
		args = append(args, id)
	}
	var rows []CampaignAttempt
	if err := s.db.SelectContext(ctx, &rows, s.Rebind(`SELECT `+attemptCols+` FROM campaign_attempts WHERE tenant_id = ? AND campaign_id = ? AND kind = ?
 AND lead_id IN (?`+repeatPlaceholders(len(leads)-1)+`) ORDER BY id`), args...); err != nil {
		return nil, fmt.Errorf("store: attempts of leads: %w", err)
	}
	for _, r := range rows {
		out[r.LeadID] = r // later ids win
	}
	return out, nil
}

// AttemptCounts counts a campaign's attempts: calls by outcome ("" while
// in progress), skips as "skip:" + their outcome.
func (s *Store) AttemptCounts(ctx context.Context, tenant, campaign string) (map[string]int, error) {
	var rows []struct {
		Kind    string `db:"kind"`
		Outcome string `db:"outcome"`
		N       int    `db:"n"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.Rebind(`SELECT kind, outcome, COUNT(*) AS n FROM campaign_attempts WHERE tenant_id = ? AND campaign_id = ? GROUP BY kind, outcome`),
		tenant, campaign); err != nil {
		return nil, fmt.Errorf("store: count attempts of campaign %q: %w", campaign, err)
	}
	out := map[string]int{}
	for _, r := range rows {
		k := r.Outcome
		if r.Kind == AttemptSkip {
			k = "skip:" + r.Outcome
		}
		if k == "" {
			k = "in_progress"
		}
		out[k] += r.N
	}
	return out, nil
}

// AbandonCounts counts a campaign's live answers (calls answered or
// abandoned) and abandons among them, of calls started at or after since.
func (s *Store) AbandonCounts(ctx context.Context, tenant, campaign string, since time.Time) (answers, abandons int, err error) {
	var rows []struct {
		Outcome string `db:"outcome"`
		N       int    `db:"n"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.Rebind(`SELECT outcome, COUNT(*) AS n FROM campaign_attempts WHERE tenant_id = ? AND campaign_id = ? AND kind = ?
 AND outcome IN ('answered', 'abandoned') AND started_at >= ? GROUP BY outcome`), tenant, campaign, AttemptCall, since.UTC()); err != nil {
		return 0, 0, fmt.Errorf("store: abandon counts of campaign %q: %w", campaign, err)
	}
	for _, r := range rows {
		answers += r.N
		if r.Outcome == "abandoned" {
			abandons += r.N
		}
	}
	return answers, abandons, nil
}

// EachCallAttempt calls fn with every call attempt (not skips) of a
// campaign started in [from, to), oldest first, streaming.
func (s *Store) EachCallAttempt(ctx context.Context, tenant, campaign string, from, to time.Time, fn func(*CampaignAttempt) error) error {
	rows, err := s.db.QueryxContext(ctx, s.Rebind(`SELECT `+attemptCols+` FROM campaign_attempts WHERE tenant_id = ? AND campaign_id = ? AND kind = ?
 AND started_at >= ? AND started_at < ? ORDER BY started_at, id`), tenant, campaign, AttemptCall, from.UTC(), to.UTC())
	if err != nil {
		return fmt.Errorf("store: attempts of campaign %q: %w", campaign, err)
	}
	defer rows.Close()
	for rows.Next() {
		var a CampaignAttempt
		if err := rows.StructScan(&a); err != nil {
			return fmt.Errorf("store: attempts of campaign %q: %w", campaign, err)
		}
		if err := fn(&a); err != nil {
			return err
		}
	}
	return rows.Err()
}

// SkipAttempt turns a call attempt that placed no call into a skip with
// its outcome and reason (outbound routing refused the call).
func (s *Store) SkipAttempt(ctx context.Context, tenant string, id int64, outcome, reason string, at time.Time) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE campaign_attempts SET kind = ?, outcome = ?, reason = ?, ended_at = ? WHERE tenant_id = ? AND id = ?`),
		AttemptSkip, outcome, reason, at.UTC(), tenant, id)
	if err != nil {
		return fmt.Errorf("store: skip attempt %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: skip attempt %d: %w", id, ErrNotFound)
	}
	return nil
}
