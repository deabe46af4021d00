package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Lead statuses. A lead waits (pending, due at next_at), is being dialled
// (dialing) or shown to an agent (preview), and ends done (reached and
// closed), exhausted (no attempts left), dnc (barred by a do-not-call list
// at dial time) or skipped (an agent passed it over for good).
const (
	LeadPending   = "pending"
	LeadDialing   = "dialing"
	LeadPreview   = "preview"
	LeadDone      = "done"
	LeadExhausted = "exhausted"
	LeadDNC       = "dnc"
	LeadSkipped   = "skipped"
)

// Lead is one number of a campaign's list.
type Lead struct {
	ID          int64      `db:"id" json:"id"`
	TenantID    string     `db:"tenant_id" json:"-"`
	CampaignID  string     `db:"campaign_id" json:"campaign_id"`
	Phone       string     `db:"phone" json:"phone"` // normalised, E.164 ("+8613812345678")
	Name        string     `db:"name" json:"name"`
	Fields      string     `db:"fields" json:"-"` // JSON object of custom fields
	AgentID     string     `db:"agent_id" json:"agent_id"`
	Status      string     `db:"status" json:"status"`
	Attempts    int        `db:"attempts" json:"attempts"`
	DayAttempts int        `db:"day_attempts" json:"day_attempts"`
	AttemptDay  string     `db:"attempt_day" json:"attempt_day"`
	NextAt      *time.Time `db:"next_at" json:"next_at,omitempty"`
	LastOutcome string     `db:"last_outcome" json:"last_outcome"`
	Disposition string     `db:"disposition" json:"disposition"`
	ClaimedBy   string     `db:"claimed_by" json:"claimed_by"`
	Row         int        `db:"row_no" json:"row"`
	UpdatedAt   time.Time  `db:"updated_at" json:"updated_at"`
}

const leadCols = `id, tenant_id, campaign_id, phone, name, fields, agent_id, status, attempts, day_attempts, attempt_day, next_at, last_outcome, disposition, claimed_by, row_no, updated_at`

// leadBatch is how many leads one multi-row INSERT carries on SQLite
// (9 parameters each, under SQLite's 32766).
const leadBatch = 1000

// InsertLeads stores leads in one transaction: all or none. A phone
// already in the campaign fails the whole import with ErrConflict.
func (s *Store) InsertLeads(ctx context.Context, tenant, campaign string, leads []Lead) error {
	done := false
	return s.ImportLeads(ctx, tenant, campaign, func() ([]Lead, error) {
		if done {
			return nil, nil
		}
		done = true
		return leads, nil
	})
}

// ImportLeads stores the batches next returns (until an empty one) in one
// transaction: all or none. An error from next, or a phone already in the
// campaign (ErrConflict), leaves nothing stored. PostgreSQL takes the
// leads through one COPY, SQLite through multi-row INSERTs.
func (s *Store) ImportLeads(ctx context.Context, tenant, campaign string, next func() ([]Lead, error)) error {
	t := now()
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		if s.dialect == Postgres {
			return copyLeads(ctx, tx, tenant, campaign, next, t)
		}
		for {
			leads, err := next()
			if err != nil {
				return err
			}
			if len(leads) == 0 {
				return nil
			}
			for start := 0; start < len(leads); start += leadBatch {
				end := min(start+leadBatch, len(leads))
				var b strings.Builder
				b.WriteString(`INSERT INTO campaign_leads (tenant_id, campaign_id, phone, name, fields, agent_id, status, attempts, day_attempts, attempt_day, last_outcome, row_no, updated_at) VALUES `)
				args := make([]any, 0, (end-start)*9)
				for i, l := range leads[start:end] {
					if i > 0 {
						b.WriteByte(',')
					}
					b.WriteString(`(?,?,?,?,?,?,?,0,0,'','',?,?)`)
					args = append(args, tenant, campaign, l.Phone, l.Name, fieldsOrEmpty(l.Fields), l.AgentID, LeadPending, l.Row, t)
				}
				if _, err := tx.ExecContext(ctx, b.String(), args...); err != nil {
					return fmt.Errorf("store: insert leads (rows %d-%d): %w", leads[start].Row, leads[end-1].Row, mapErr(err))
				}
			}
		}
	})
}

func fieldsOrEmpty(f string) string {
	if f == "" {
		return "{}"
	}
	return f
}

func copyLeads(ctx context.Context, tx *sqlx.Tx, tenant, campaign string, next func() ([]Lead, error), t time.Time) error {
	stmt, err := tx.PrepareContext(ctx, pq.CopyIn("campaign_leads", "tenant_id", "campaign_id", "phone", "name", "fields", "agent_id", "status", "row_no", "updated_at"))
	if err != nil {
		return fmt.Errorf("store: copy leads: %w", err)
	}
	defer stmt.Close()
	for {
		leads, err := next()
		if err != nil {
			return err
		}
		if len(leads) == 0 {
			break
		}
		for _, l := range leads {
			if _, err := stmt.ExecContext(ctx, tenant, campaign, l.Phone, l.Name, fieldsOrEmpty(l.Fields), l.AgentID, LeadPending, l.Row, t); err != nil {
				return fmt.Errorf("store: copy lead of row %d: %w", l.Row, err)
			}
		}
	}
	if _, err := stmt.ExecContext(ctx); err != nil {
		return fmt.Errorf("store: copy leads: %w", mapErr(err))
	}
	return nil
}

// CampaignPhones returns the phones already in a campaign (duplicate
// checks of an import).
func (s *Store) CampaignPhones(ctx context.Context, tenant, campaign string) (map[string]bool, error) {
	rows, err := s.db.QueryContext(ctx, s.Rebind(`SELECT phone FROM campaign_leads WHERE tenant_id = ? AND campaign_id = ?`), tenant, campaign)
	if err != nil {
		return nil, fmt.Errorf("store: phones of campaign %q: %w", campaign, err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, fmt.Errorf("store: phones of campaign %q: %w", campaign, err)
		}
		out[p] = true
	}
	return out, rows.Err()
}

// GetLead loads one lead of the tenant.
func (s *Store) GetLead(ctx context.Context, tenant string, id int64) (*Lead, error) {
	var l Lead
	if err := s.db.GetContext(ctx, &l, s.Rebind(`SELECT `+leadCols+` FROM campaign_leads WHERE tenant_id = ? AND id = ?`), tenant, id); err != nil {
		return nil, fmt.Errorf("store: get lead %d: %w", id, mapErr(err))
	}
	return &l, nil
}

// LeadFilter narrows a lead listing.
type LeadFilter struct {
	Status  string // "" = every status
	AgentID string // "" = every agent
	AfterID int64  // keyset paging: leads with a larger id
	Limit   int
	// Search keeps leads whose name contains it (any case) or whose
	// phone contains its digits ("138 1234" finds +8613812345678).
	Search string
}

// likeEscaper escapes LIKE's wildcards (with ESCAPE '\').
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// ListLeads lists a campaign's leads by id.
func (s *Store) ListLeads(ctx context.Context, tenant, campaign string, f LeadFilter) ([]Lead, error) {
	q := `SELECT ` + leadCols + ` FROM campaign_leads WHERE tenant_id = ? AND campaign_id = ? AND id > ?`
	args := []any{tenant, campaign, f.AfterID}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.AgentID != "" {
		q += ` AND agent_id = ?`
		args = append(args, f.AgentID)
	}
	if search := strings.TrimSpace(f.Search); search != "" {
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, search)
		cond := `LOWER(name) LIKE ? ESCAPE '\'`
		args = append(args, "%"+likeEscaper.Replace(strings.ToLower(search))+"%")
		if digits != "" {
			cond += ` OR phone LIKE ?`
			args = append(args, "%"+digits+"%")
		}
		q += ` AND (` + cond + `)`
	}
	if f.Limit <= 0 || f.Limit > 10000 {
		f.Limit = 1000
	}
	q += fmt.Sprintf(` ORDER BY id LIMIT %d`, f.Limit)
	out := []Lead{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("store: list leads of campaign %q: %w", campaign, err)
	}
	return out, nil
}

// LeadCounts counts a campaign's leads by status.
func (s *Store) LeadCounts(ctx context.Context, tenant, campaign string) (map[string]int, error) {
	var rows []struct {
		Status string `db:"status"`
		N      int    `db:"n"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.Rebind(`SELECT status, COUNT(*) AS n FROM campaign_leads WHERE tenant_id = ? AND campaign_id = ? GROUP BY status`), tenant, campaign); err != nil {
		return nil, fmt.Errorf("store: count leads of campaign %q: %w", campaign, err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.Status] = r.N
	}
	return out, nil
}

// ClaimLead takes the next due lead of a campaign for agent: a pending lead
// whose next_at has passed, assigned to agent or to nobody (agent's own
// first, then the oldest), and marks it status (dialing or preview)
// claimed by agent. Nil when none is due. Two claimers never get the same
// lead.
func (s *Store) ClaimLead(ctx context.Context, tenant, campaign, agent, status string, at time.Time) (*Lead, error) {
	at = at.UTC()
	for range 5 {
		var ids []int64
		err := s.db.SelectContext(ctx, &ids, s.Rebind(`SELECT id FROM campaign_leads WHERE tenant_id = ? AND campaign_id = ? AND status = ?
 AND (next_at IS NULL OR next_at <= ?) AND (agent_id = '' OR agent_id = ?)
 ORDER BY CASE WHEN agent_id = '' THEN 1 ELSE 0 END, next_at, id LIMIT 1`), tenant, campaign, LeadPending, at, agent)
		if err != nil {
			return nil, fmt.Errorf("store: next lead of campaign %q: %w", campaign, err)
		}
		if len(ids) == 0 {
			return nil, nil
		}
		res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE campaign_leads SET status = ?, claimed_by = ?, updated_at = ? WHERE tenant_id = ? AND id = ? AND status = ?`),
			status, agent, at, tenant, ids[0], LeadPending)
		if err != nil {
			return nil, fmt.Errorf("store: claim lead %d: %w", ids[0], err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return s.GetLead(ctx, tenant, ids[0])
		}
	}
	return nil, nil
}

// ClaimedLead returns the lead of a campaign an agent holds in status
// (their preview), nil when none.
func (s *Store) ClaimedLead(ctx context.Context, tenant, campaign, agent, status string) (*Lead, error) {
	var out []Lead
	if err := s.db.SelectContext(ctx, &out, s.Rebind(`SELECT `+leadCols+` FROM campaign_leads WHERE tenant_id = ? AND campaign_id = ? AND claimed_by = ? AND status = ? ORDER BY id LIMIT 1`),
		tenant, campaign, agent, status); err != nil {
		return nil, fmt.Errorf("store: claimed lead: %w", err)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return &out[0], nil
}

// MoveLead changes a lead held in status from (a compare-and-set:
// ErrConflict when it moved meanwhile) to what l says: status, attempts,
// day counts, next_at, last outcome, disposition and claim.
func (s *Store) MoveLead(ctx context.Context, l *Lead, from string) error {
	l.UpdatedAt = now()
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE campaign_leads SET status = ?, attempts = ?, day_attempts = ?, attempt_day = ?, next_at = ?, last_outcome = ?,
 disposition = ?, claimed_by = ?, updated_at = ? WHERE tenant_id = ? AND id = ? AND status = ?`),
		l.Status, l.Attempts, l.DayAttempts, l.AttemptDay, utcPtr(l.NextAt), l.LastOutcome, l.Disposition, l.ClaimedBy, l.UpdatedAt, l.TenantID, l.ID, from)
	if err != nil {
		return fmt.Errorf("store: update lead %d: %w", l.ID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: update lead %d: %w: it is no longer %s", l.ID, ErrConflict, from)
	}
	return nil
}

// ReleaseClaims puts a campaign's leads held in status back to pending
// (after a restart, or when a campaign is paused with previews open).
func (s *Store) ReleaseClaims(ctx context.Context, tenant, campaign, status string) (int, error) {
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE campaign_leads SET status = ?, claimed_by = '', updated_at = ? WHERE tenant_id = ? AND campaign_id = ? AND status = ?`),
		LeadPending, now(), tenant, campaign, status)
	if err != nil {
		return 0, fmt.Errorf("store: release leads of campaign %q: %w", campaign, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// AssignLeads shares a campaign's pending, unassigned leads among agents in
// turn (at most perAgent each; 0 = all of them) and returns how many each
// got.
func (s *Store) AssignLeads(ctx context.Context, tenant, campaign string, agents []string, perAgent int) (map[string]int, error) {
	got := map[string]int{}
	if len(agents) == 0 {
		return got, nil
	}
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		var ids []int64
		q := `SELECT id FROM campaign_leads WHERE tenant_id = ? AND campaign_id = ? AND status = ? AND agent_id = '' ORDER BY id`
		if perAgent > 0 {
			q += fmt.Sprintf(` LIMIT %d`, perAgent*len(agents))
		}
		if err := tx.SelectContext(ctx, &ids, s.Rebind(q), tenant, campaign, LeadPending); err != nil {
			return fmt.Errorf("store: leads to assign: %w", err)
		}
		byAgent := map[string][]int64{}
		for i, id := range ids {
			a := agents[i%len(agents)]
			byAgent[a] = append(byAgent[a], id)
		}
		for a, list := range byAgent {
			for start := 0; start < len(list); start += 500 {
				chunk := list[start:min(start+500, len(list))]
				args := []any{a, now(), tenant}
				for _, id := range chunk {
					args = append(args, id)
				}
				if _, err := tx.ExecContext(ctx, s.Rebind(`UPDATE campaign_leads SET agent_id = ?, updated_at = ? WHERE tenant_id = ? AND id IN (?`+repeatPlaceholders(len(chunk)-1)+`)`), args...); err != nil {
					return fmt.Errorf("store: assign leads to %s: %w", a, err)
				}
			}
			got[a] = len(list)
		}
		return nil
	})
	return got, err
}

// SetLeadAgent assigns one lead to an agent ("" = to nobody).
// NotALeadError names an id that is not a lead of the campaign (it is a
// not-found error).
type NotALeadError struct {
	ID       int64
	Campaign string
}

func (e *NotALeadError) Error() string {
	return fmt.Sprintf("store: %d is not a lead of campaign %q", e.ID, e.Campaign)
}

// Unwrap makes it ErrNotFound.
func (e *NotALeadError) Unwrap() error { return ErrNotFound }

// SetLeadsAgent assigns leads of a campaign to agent ("" = to nobody) in
// one statement: all of them or, when one is not a lead of the campaign,
// none (ErrNotFound naming it).
func (s *Store) SetLeadsAgent(ctx context.Context, tenant, campaign string, ids []int64, agent string) error {
	if len(ids) == 0 {
		return nil
	}
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		q, args, err := sqlx.In(`SELECT id FROM campaign_leads WHERE tenant_id = ? AND campaign_id = ? AND id IN (?)`, tenant, campaign, ids)
		if err != nil {
			return fmt.Errorf("store: assign leads: %w", err)
		}
		var found []int64
		if err := tx.SelectContext(ctx, &found, tx.Rebind(q), args...); err != nil {
			return fmt.Errorf("store: assign leads of campaign %q: %w", campaign, err)
		}
		have := make(map[int64]bool, len(found))
		for _, id := range found {
			have[id] = true
		}
		for _, id := range ids {
			if !have[id] {
				return &NotALeadError{ID: id, Campaign: campaign}
			}
		}
		q, args, err = sqlx.In(`UPDATE campaign_leads SET agent_id = ?, updated_at = ? WHERE tenant_id = ? AND campaign_id = ? AND id IN (?)`, agent, now(), tenant, campaign, ids)
		if err != nil {
			return fmt.Errorf("store: assign leads: %w", err)
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(q), args...); err != nil {
			return fmt.Errorf("store: assign leads of campaign %q: %w", campaign, err)
		}
		return nil
	})
}

func (s *Store) SetLeadAgent(ctx context.Context, tenant string, id int64, agent string) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE campaign_leads SET agent_id = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`), agent, now(), tenant, id)
	if err != nil {
		return fmt.Errorf("store: assign lead %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: assign lead %d: %w", id, ErrNotFound)
	}
	return nil
}
