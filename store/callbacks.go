package store

import (
	"context"
	"fmt"
	"time"
)

// Call-back statuses: a request waits (pending), an agent has taken it and
// placed the call (in_progress), and the agent closes it as done, puts it
// back (pending: not reached, try later) or a supervisor cancels it.
const (
	CallbackPending    = "pending"
	CallbackInProgress = "in_progress"
	CallbackDone       = "done"
	CallbackCancelled  = "cancelled"
)

// CallbackWork is a call-back request with how it is being worked.
type CallbackWork struct {
	TenantID     string     `db:"tenant_id" json:"-"`
	ID           string     `db:"id" json:"id"`
	CallID       string     `db:"call_id" json:"call_id"` // the call that asked
	QueueID      string     `db:"queue_id" json:"queue_id"`
	Caller       string     `db:"caller" json:"caller"`
	Number       string     `db:"number" json:"number"` // the number to call back
	Priority     int        `db:"priority" json:"priority"`
	Status       string     `db:"status" json:"status"`
	RequestedAt  time.Time  `db:"requested_at" json:"requested_at"`
	HandledAt    *time.Time `db:"handled_at" json:"handled_at,omitempty"`
	HandledBy    string     `db:"handled_by" json:"handled_by"`
	ResultCallID string     `db:"result_call_id" json:"result_call_id"`
	Attempts     int        `db:"attempts" json:"attempts"`
	Note         string     `db:"note" json:"note"`
}

const callbackWorkCols = acdCallbackCols + `, handled_by, result_call_id, attempts, note`

// CallbackFilter narrows a call-back listing.
type CallbackFilter struct {
	Status string   // "" = all
	Queues []string // nil = every queue
	Limit  int
}

// ListCallbackWork lists the tenant's call-back requests, the most urgent
// first (priority, then the oldest request).
func (s *Store) ListCallbackWork(ctx context.Context, tenant string, f CallbackFilter) ([]CallbackWork, error) {
	q := `SELECT ` + callbackWorkCols + ` FROM acd_callbacks WHERE tenant_id = ?`
	args := []any{tenant}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.Queues != nil {
		if len(f.Queues) == 0 {
			return []CallbackWork{}, nil
		}
		q += ` AND queue_id IN (?` + repeatPlaceholders(len(f.Queues)-1) + `)`
		for _, qu := range f.Queues {
			args = append(args, qu)
		}
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	q += fmt.Sprintf(` ORDER BY priority DESC, requested_at, id LIMIT %d`, f.Limit)
	out := []CallbackWork{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("store: list call-backs of tenant %q: %w", tenant, err)
	}
	return out, nil
}

func repeatPlaceholders(n int) string {
	b := make([]byte, 0, 2*n)
	for range n {
		b = append(b, ",?"...)
	}
	return string(b)
}

// GetCallbackWork loads one call-back request of the tenant.
func (s *Store) GetCallbackWork(ctx context.Context, tenant, id string) (*CallbackWork, error) {
	var c CallbackWork
	if err := s.db.GetContext(ctx, &c, s.Rebind(`SELECT `+callbackWorkCols+` FROM acd_callbacks WHERE tenant_id = ? AND id = ?`), tenant, id); err != nil {
		return nil, fmt.Errorf("store: get call-back %q: %w", id, mapErr(err))
	}
	return &c, nil
}

// ClaimCallback gives a pending request to agent, counting an attempt. Two
// agents clicking at once: one wins, the other gets ErrConflict.
func (s *Store) ClaimCallback(ctx context.Context, tenant, id, agent string) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE acd_callbacks SET status = ?, handled_by = ?, attempts = attempts + 1, result_call_id = ''
 WHERE tenant_id = ? AND id = ? AND status = ?`), CallbackInProgress, agent, tenant, id, CallbackPending)
	if err != nil {
		return fmt.Errorf("store: claim call-back %q: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.GetCallbackWork(ctx, tenant, id); err != nil {
			return err
		}
		return fmt.Errorf("store: claim call-back %q: %w: it is not pending", id, ErrConflict)
	}
	return nil
}

// UpdateCallback sets a request's status, the call placed for it and the
// note; handledAt is set when it is closed (done or cancelled).
func (s *Store) UpdateCallback(ctx context.Context, tenant, id, status, resultCall, note string, handledAt *time.Time) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE acd_callbacks SET status = ?, result_call_id = ?, note = ?, handled_at = ? WHERE tenant_id = ? AND id = ?`),
		status, resultCall, note, utcPtr(handledAt), tenant, id)
	if err != nil {
		return fmt.Errorf("store: update call-back %q: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("store: update call-back %q: %w", id, ErrNotFound)
	}
	return nil
}
