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
	// Scheduled call-backs: when it is due, the agent who owns it until
	// OwnerUntil (due + grace; then it falls to the queue), the campaign
	// lead it calls back, who created it and when the due notice went out.
	DueAt      *time.Time `db:"due_at" json:"due_at,omitempty"`
	OwnerAgent string     `db:"owner_agent" json:"owner_agent"`
	OwnerUntil *time.Time `db:"owner_until" json:"owner_until,omitempty"`
	CampaignID string     `db:"campaign_id" json:"campaign_id"`
	LeadID     int64      `db:"lead_id" json:"lead_id"`
	CreatedBy  string     `db:"created_by" json:"created_by"`
	NotifiedAt *time.Time `db:"notified_at" json:"notified_at,omitempty"`
}

const callbackWorkCols = acdCallbackCols + `, handled_by, result_call_id, attempts, note, due_at, owner_agent, owner_until, campaign_id, lead_id, created_by, notified_at`

// CallbackFilter narrows a call-back listing.
type CallbackFilter struct {
	Status string   // "" = all
	Queues []string // nil = every queue
	// Viewer, when set, is an agent: call-backs owned by another agent are
	// hidden until their OwnerUntil has passed (at Now).
	Viewer string
	// Owner: "me" = owned by Viewer; "queue" = owned by no agent (or
	// released to the queue at Now); "" = both.
	Owner string
	Now   time.Time
	Limit int
}

// CreateCallback stores a scheduled call-back (status pending).
func (s *Store) CreateCallback(ctx context.Context, c *CallbackWork) error {
	if c.Status == "" {
		c.Status = CallbackPending
	}
	if c.RequestedAt.IsZero() {
		c.RequestedAt = now()
	}
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO acd_callbacks (`+callbackWorkCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`),
		c.TenantID, c.ID, c.CallID, c.QueueID, c.Caller, c.Number, c.Priority, c.Status, c.RequestedAt.UTC(), utcPtr(c.HandledAt),
		c.HandledBy, c.ResultCallID, c.Attempts, c.Note, utcPtr(c.DueAt), c.OwnerAgent, utcPtr(c.OwnerUntil), c.CampaignID, c.LeadID,
		c.CreatedBy, utcPtr(c.NotifiedAt))
	if err != nil {
		return fmt.Errorf("store: create call-back: %w", mapErr(err))
	}
	return nil
}

// ReassignCallback changes a pending call-back's owner, queue, due time
// and grace end.
func (s *Store) ReassignCallback(ctx context.Context, tenant, id, queue, owner string, due, until *time.Time) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE acd_callbacks SET queue_id = ?, owner_agent = ?, due_at = ?, owner_until = ?, notified_at = NULL
 WHERE tenant_id = ? AND id = ? AND status = ?`), queue, owner, utcPtr(due), utcPtr(until), tenant, id, CallbackPending)
	if err != nil {
		return fmt.Errorf("store: reassign call-back %q: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.GetCallbackWork(ctx, tenant, id); err != nil {
			return err
		}
		return fmt.Errorf("store: reassign call-back %q: %w: it is not pending", id, ErrConflict)
	}
	return nil
}

// DueCallbacks lists pending call-backs of every tenant that need a notice
// at time at: due and not notified yet, or agent-owned, past their grace
// period (overdue: they fall to the queue) and not notified since; oldest
// first.
func (s *Store) DueCallbacks(ctx context.Context, at time.Time, limit int) ([]CallbackWork, error) {
	if limit <= 0 {
		limit = 500
	}
	out := []CallbackWork{}
	q := fmt.Sprintf(`SELECT `+callbackWorkCols+` FROM acd_callbacks WHERE status = ? AND due_at IS NOT NULL AND due_at <= ?
 AND (notified_at IS NULL OR (owner_until IS NOT NULL AND owner_until <= ? AND notified_at < owner_until))
 ORDER BY due_at, tenant_id, id LIMIT %d`, limit)
	if err := s.db.SelectContext(ctx, &out, s.Rebind(q), CallbackPending, at.UTC(), at.UTC()); err != nil {
		return nil, fmt.Errorf("store: due call-backs: %w", err)
	}
	return out, nil
}

// MarkCallbackNotified records that the due notice of a call-back went out.
func (s *Store) MarkCallbackNotified(ctx context.Context, tenant, id string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE acd_callbacks SET notified_at = ? WHERE tenant_id = ? AND id = ?`), at.UTC(), tenant, id)
	if err != nil {
		return fmt.Errorf("store: mark call-back %q notified: %w", id, err)
	}
	return nil
}

// ListCallbackWork lists the tenant's call-back requests, the most urgent
// first: due scheduled call-backs (the longest overdue first), then
// callers' requests (priority, then the oldest), then those due later.
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
	at := f.Now
	if at.IsZero() {
		at = now()
	}
	at = at.UTC()
	if f.Viewer != "" {
		q += ` AND (owner_agent = '' OR owner_agent = ? OR (owner_until IS NOT NULL AND owner_until <= ?))`
		args = append(args, f.Viewer, at)
	}
	switch f.Owner {
	case "me":
		q += ` AND owner_agent = ?`
		args = append(args, f.Viewer)
	case "queue":
		q += ` AND (owner_agent = '' OR (owner_until IS NOT NULL AND owner_until <= ?))`
		args = append(args, at)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	// Due (and overdue) scheduled call-backs first, then callers' requests,
	// then those scheduled later.
	q += fmt.Sprintf(` ORDER BY CASE WHEN due_at IS NULL THEN 1 WHEN due_at <= ? THEN 0 ELSE 2 END, priority DESC, due_at, requested_at, id LIMIT %d`, f.Limit)
	args = append(args, at)
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
