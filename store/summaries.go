package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// SummaryFormRow is a queue's wrap-up form; Config is crm.SummaryForm as
// JSON.
type SummaryFormRow struct {
	TenantID  string    `db:"tenant_id"`
	QueueID   string    `db:"queue_id"`
	Config    string    `db:"config"`
	UpdatedAt time.Time `db:"updated_at"`
}

// PutSummaryForm creates or replaces a queue's form.
func (s *Store) PutSummaryForm(ctx context.Context, f *SummaryFormRow) error {
	f.UpdatedAt = now()
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM summary_forms WHERE tenant_id = ? AND queue_id = ?`), f.TenantID, f.QueueID); err != nil {
			return fmt.Errorf("store: put summary form of queue %q: %w", f.QueueID, err)
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO summary_forms (tenant_id, queue_id, config, updated_at) VALUES (?,?,?,?)`), f.TenantID, f.QueueID, f.Config, f.UpdatedAt); err != nil {
			return fmt.Errorf("store: put summary form of queue %q: %w", f.QueueID, mapErr(err))
		}
		return nil
	})
}

// GetSummaryForm loads a queue's form; ErrNotFound when it has none.
func (s *Store) GetSummaryForm(ctx context.Context, tenant, queue string) (*SummaryFormRow, error) {
	var f SummaryFormRow
	if err := s.db.GetContext(ctx, &f, s.Rebind(`SELECT tenant_id, queue_id, config, updated_at FROM summary_forms WHERE tenant_id = ? AND queue_id = ?`), tenant, queue); err != nil {
		return nil, fmt.Errorf("store: summary form of queue %q: %w", queue, mapErr(err))
	}
	return &f, nil
}

// ListSummaryForms lists the tenant's forms by queue.
func (s *Store) ListSummaryForms(ctx context.Context, tenant string) ([]SummaryFormRow, error) {
	fs := []SummaryFormRow{}
	if err := s.db.SelectContext(ctx, &fs, s.Rebind(`SELECT tenant_id, queue_id, config, updated_at FROM summary_forms WHERE tenant_id = ? ORDER BY queue_id`), tenant); err != nil {
		return nil, fmt.Errorf("store: list summary forms: %w", err)
	}
	return fs, nil
}

// DeleteSummaryForm removes a queue's form.
func (s *Store) DeleteSummaryForm(ctx context.Context, tenant, queue string) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`DELETE FROM summary_forms WHERE tenant_id = ? AND queue_id = ?`), tenant, queue)
	if err != nil {
		return fmt.Errorf("store: delete summary form of queue %q: %w", queue, err)
	}
	return affectedOne(res, "summary form", queue)
}

// CallSummary is the service summary (服务小结) of a call; Fields is JSON.
type CallSummary struct {
	TenantID    string    `db:"tenant_id" json:"-"`
	CallID      string    `db:"call_id" json:"call_id"`
	QueueID     string    `db:"queue_id" json:"queue_id"`
	AgentID     string    `db:"agent_id" json:"agent_id"`
	Business    string    `db:"business" json:"business"`
	Type        string    `db:"type" json:"type"`
	Outcome     string    `db:"outcome" json:"outcome"`
	Fields      string    `db:"fields" json:"-"`
	SubmittedAt time.Time `db:"submitted_at" json:"submitted_at"`
}

const summaryCols = `tenant_id, call_id, queue_id, agent_id, business, type, outcome, fields, submitted_at`

// SaveCallSummary stores (or replaces) a call's summary.
func (s *Store) SaveCallSummary(ctx context.Context, c *CallSummary) error {
	c.SubmittedAt = now()
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM call_summaries WHERE tenant_id = ? AND call_id = ?`), c.TenantID, c.CallID); err != nil {
			return fmt.Errorf("store: summary of call %s: %w", c.CallID, err)
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO call_summaries (`+summaryCols+`) VALUES (?,?,?,?,?,?,?,?,?)`),
			c.TenantID, c.CallID, c.QueueID, c.AgentID, c.Business, c.Type, c.Outcome, c.Fields, c.SubmittedAt); err != nil {
			return fmt.Errorf("store: summary of call %s: %w", c.CallID, mapErr(err))
		}
		return nil
	})
}

// GetCallSummary loads a call's summary; ErrNotFound when none was
// submitted.
func (s *Store) GetCallSummary(ctx context.Context, tenant, callID string) (*CallSummary, error) {
	var c CallSummary
	if err := s.db.GetContext(ctx, &c, s.Rebind(`SELECT `+summaryCols+` FROM call_summaries WHERE tenant_id = ? AND call_id = ?`), tenant, callID); err != nil {
		return nil, fmt.Errorf("store: summary of call %s: %w", callID, mapErr(err))
	}
	return &c, nil
}

// CallSummaries loads the summaries of the given calls, by call id.
func (s *Store) CallSummaries(ctx context.Context, tenant string, callIDs []string) (map[string]CallSummary, error) {
	out := map[string]CallSummary{}
	for start := 0; start < len(callIDs); start += 500 {
		ids := callIDs[start:min(start+500, len(callIDs))]
		args := []any{tenant}
		for _, id := range ids {
			args = append(args, id)
		}
		var cs []CallSummary
		q := `SELECT ` + summaryCols + ` FROM call_summaries WHERE tenant_id = ? AND call_id IN (?` + strings.Repeat(",?", len(ids)-1) + `)`
		if err := s.db.SelectContext(ctx, &cs, s.Rebind(q), args...); err != nil {
			return nil, fmt.Errorf("store: call summaries: %w", err)
		}
		for _, c := range cs {
			out[c.CallID] = c
		}
	}
	return out, nil
}

// SummaryCount is one group of the summary report.
type SummaryCount struct {
	Business string `db:"business" json:"business"`
	Type     string `db:"type" json:"type"`
	Outcome  string `db:"outcome" json:"outcome"`
	Count    int    `db:"n" json:"count"`
}

// CountCallSummaries groups the summaries submitted in [from, to) by
// business, type and outcome (queue "" = all).
func (s *Store) CountCallSummaries(ctx context.Context, tenant, queue string, from, to time.Time) ([]SummaryCount, error) {
	q := `SELECT business, type, outcome, COUNT(*) AS n FROM call_summaries WHERE tenant_id = ? AND submitted_at >= ? AND submitted_at < ?`
	args := []any{tenant, from.UTC(), to.UTC()}
	if queue != "" {
		q += ` AND queue_id = ?`
		args = append(args, queue)
	}
	q += ` GROUP BY business, type, outcome ORDER BY business, type, outcome`
	out := []SummaryCount{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("store: count call summaries: %w", err)
	}
	return out, nil
}
