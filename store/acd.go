package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// ACDQueue is a queue's stored configuration; Config is the acd.QueueConfig
// JSON, Name and Strategy copies of its fields for listing.
type ACDQueue struct {
	TenantID  string    `db:"tenant_id"`
	ID        string    `db:"id"`
	Name      string    `db:"name"`
	Strategy  string    `db:"strategy"`
	Config    string    `db:"config"`
	CreatedAt time.Time `db:"created_at"`
	UpdatedAt time.Time `db:"updated_at"`
}

// ACDMember puts an agent (a user id) in a queue with a level.
type ACDMember struct {
	TenantID  string    `db:"tenant_id"`
	QueueID   string    `db:"queue_id"`
	AgentID   string    `db:"agent_id"`
	Level     int       `db:"level"`
	Weight    int       `db:"weight"`
	Position  int       `db:"position"`
	CreatedAt time.Time `db:"created_at"`
}

// ACDAgentState is an agent's durable ACD state.
type ACDAgentState struct {
	TenantID      string     `db:"tenant_id"`
	AgentID       string     `db:"agent_id"`
	WorkNumber    string     `db:"work_number"`
	Device        string     `db:"device"`
	State         string     `db:"state"`
	Reason        string     `db:"reason"`
	Pending       string     `db:"pending"`
	PendingReason string     `db:"pending_reason"`
	BreakWait     string     `db:"break_wait"`
	Since         time.Time  `db:"since"`
	CallID        string     `db:"call_id"`
	QueueID       string     `db:"queue_id"`
	ConnectedAt   *time.Time `db:"connected_at"`
	WrapUpEnd     *time.Time `db:"wrap_up_end"`
	CallsToday    int        `db:"calls_today"`
	TalkTodayMS   int64      `db:"talk_today_ms"`
	Day           int        `db:"day"`
	// QueuesOff is a JSON array of the queues the agent logged out of
	// while staying logged in to its others ("" = none).
	QueuesOff string    `db:"queues_off"`
	UpdatedAt time.Time `db:"updated_at"`
}

// ACDAgentLogEntry is one agent state transition.
type ACDAgentLogEntry struct {
	ID        int64     `db:"id"`
	TenantID  string    `db:"tenant_id"`
	AgentID   string    `db:"agent_id"`
	At        time.Time `db:"at"`
	FromState string    `db:"from_state"`
	ToState   string    `db:"to_state"`
	Reason    string    `db:"reason"`
	CallID    string    `db:"call_id"`
	QueueID   string    `db:"queue_id"`
	By        string    `db:"by_user"`
}

// ACDEntry is a caller waiting in a queue.
type ACDEntry struct {
	TenantID   string    `db:"tenant_id"`
	CallID     string    `db:"call_id"`
	QueueID    string    `db:"queue_id"`
	Priority   int       `db:"priority"`
	EnqueuedAt time.Time `db:"enqueued_at"`
	FirstAt    time.Time `db:"first_at"`
	Seq        int64     `db:"seq"`
	Caller     string    `db:"caller"`
	LastAgent  string    `db:"last_agent"`
	Data       string    `db:"data"` // JSON object
	Hops       int       `db:"hops"`
	// Lang is the language the caller chose in the IVR (migration 0021).
	Lang string `db:"lang"`
}

// ACDCallback is a caller's request to be called back.
type ACDCallback struct {
	TenantID    string     `db:"tenant_id"`
	ID          string     `db:"id"`
	CallID      string     `db:"call_id"`
	QueueID     string     `db:"queue_id"`
	Caller      string     `db:"caller"`
	Number      string     `db:"number"`
	Priority    int        `db:"priority"`
	Status      string     `db:"status"`
	RequestedAt time.Time  `db:"requested_at"`
	HandledAt   *time.Time `db:"handled_at"`
}

const acdQueueCols = `tenant_id, id, name, strategy, config, created_at, updated_at`

// CreateACDQueue stores a new queue; ErrConflict when the id is taken.
func (s *Store) CreateACDQueue(ctx context.Context, q *ACDQueue) error {
	q.CreatedAt, q.UpdatedAt = now(), now()
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO acd_queues (`+acdQueueCols+`) VALUES (?,?,?,?,?,?,?)`),
		q.TenantID, q.ID, q.Name, q.Strategy, q.Config, q.CreatedAt, q.UpdatedAt)
	if err != nil {
		return fmt.Errorf("store: create queue %q in tenant %q: %w", q.ID, q.TenantID, mapErr(err))
	}
	return nil
}

// GetACDQueue loads a queue of the tenant.
func (s *Store) GetACDQueue(ctx context.Context, tenant, id string) (*ACDQueue, error) {
	var q ACDQueue
	err := s.db.GetContext(ctx, &q, s.Rebind(`SELECT `+acdQueueCols+` FROM acd_queues WHERE tenant_id = ? AND id = ?`), tenant, id)
	if err != nil {
		return nil, fmt.Errorf("store: get queue %q in tenant %q: %w", id, tenant, mapErr(err))
	}
	return &q, nil
}

// ListACDQueues lists the tenant's queues by id.
func (s *Store) ListACDQueues(ctx context.Context, tenant string) ([]ACDQueue, error) {
	qs := []ACDQueue{}
	err := s.db.SelectContext(ctx, &qs, s.Rebind(`SELECT `+acdQueueCols+` FROM acd_queues WHERE tenant_id = ? ORDER BY id`), tenant)
	if err != nil {
		return nil, fmt.Errorf("store: list queues of tenant %q: %w", tenant, err)
	}
	return qs, nil
}

// UpdateACDQueue saves a queue's name, strategy and configuration.
func (s *Store) UpdateACDQueue(ctx context.Context, q *ACDQueue) error {
	q.UpdatedAt = now()
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE acd_queues SET name = ?, strategy = ?, config = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`),
		q.Name, q.Strategy, q.Config, q.UpdatedAt, q.TenantID, q.ID)
	if err != nil {
		return fmt.Errorf("store: update queue %q: %w", q.ID, mapErr(err))
	}
	return affectedOne(res, "queue", q.ID)
}

// DeleteACDQueue removes a queue and its members.
func (s *Store) DeleteACDQueue(ctx context.Context, tenant, id string) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, s.Rebind(`DELETE FROM acd_queues WHERE tenant_id = ? AND id = ?`), tenant, id)
		if err != nil {
			return fmt.Errorf("store: delete queue %q: %w", id, err)
		}
		if err := affectedOne(res, "queue", id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.Rebind(`DELETE FROM acd_queue_members WHERE tenant_id = ? AND queue_id = ?`), tenant, id); err != nil {
			return fmt.Errorf("store: delete members of queue %q: %w", id, err)
		}
		return nil
	})
}

const acdMemberCols = `tenant_id, queue_id, agent_id, level, weight, position, created_at`

// PutACDMember adds an agent to a queue or changes its level, weight and
// position.
func (s *Store) PutACDMember(ctx context.Context, m *ACDMember) error {
	m.CreatedAt = now()
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO acd_queue_members (`+acdMemberCols+`) VALUES (?,?,?,?,?,?,?)
		ON CONFLICT (tenant_id, queue_id, agent_id) DO UPDATE SET level = excluded.level, weight = excluded.weight, position = excluded.position`),
		m.TenantID, m.QueueID, m.AgentID, m.Level, m.Weight, m.Position, m.CreatedAt)
	if err != nil {
		return fmt.Errorf("store: put member %q of queue %q: %w", m.AgentID, m.QueueID, mapErr(err))
	}
	return nil
}

// DeleteACDMember takes an agent out of a queue.
func (s *Store) DeleteACDMember(ctx context.Context, tenant, queueID, agentID string) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`DELETE FROM acd_queue_members WHERE tenant_id = ? AND queue_id = ? AND agent_id = ?`), tenant, queueID, agentID)
	if err != nil {
		return fmt.Errorf("store: delete member %q of queue %q: %w", agentID, queueID, err)
	}
	return affectedOne(res, "member", agentID)
}

// ListACDMembers lists a queue's members ("" = every queue of the tenant),
// ordered by queue, position and agent.
func (s *Store) ListACDMembers(ctx context.Context, tenant, queueID string) ([]ACDMember, error) {
	ms := []ACDMember{}
	q := `SELECT ` + acdMemberCols + ` FROM acd_queue_members WHERE tenant_id = ?`
	args := []any{tenant}
	if queueID != "" {
		q += ` AND queue_id = ?`
		args = append(args, queueID)
	}
	if err := s.db.SelectContext(ctx, &ms, s.Rebind(q+` ORDER BY queue_id, position, agent_id`), args...); err != nil {
		return nil, fmt.Errorf("store: list members of queue %q: %w", queueID, err)
	}
	return ms, nil
}

const acdAgentCols = `tenant_id, agent_id, work_number, device, state, reason, pending, pending_reason, break_wait, since, call_id, queue_id, connected_at, wrap_up_end, calls_today, talk_today_ms, day, queues_off, updated_at`

// SaveACDAgentState writes an agent's state (insert or replace).
func (s *Store) SaveACDAgentState(ctx context.Context, a *ACDAgentState) error {
	a.UpdatedAt = now()
	_, err := s.fencedExec(ctx, s.Rebind(`INSERT INTO acd_agent_state (`+acdAgentCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT (tenant_id, agent_id) DO UPDATE SET work_number = excluded.work_number, device = excluded.device, state = excluded.state,
		reason = excluded.reason, pending = excluded.pending, pending_reason = excluded.pending_reason, break_wait = excluded.break_wait,
		since = excluded.since, call_id = excluded.call_id, queue_id = excluded.queue_id, connected_at = excluded.connected_at,
		wrap_up_end = excluded.wrap_up_end, calls_today = excluded.calls_today, talk_today_ms = excluded.talk_today_ms, day = excluded.day,
		queues_off = excluded.queues_off, updated_at = excluded.updated_at`),
		a.TenantID, a.AgentID, a.WorkNumber, a.Device, a.State, a.Reason, a.Pending, a.PendingReason, a.BreakWait, a.Since.UTC(),
		a.CallID, a.QueueID, utcPtr(a.ConnectedAt), utcPtr(a.WrapUpEnd), a.CallsToday, a.TalkTodayMS, a.Day, a.QueuesOff, a.UpdatedAt)
	if err != nil {
		return fmt.Errorf("store: save state of agent %q: %w", a.AgentID, mapErr(err))
	}
	return nil
}

// ListACDAgentStates lists the tenant's agent states by agent.
func (s *Store) ListACDAgentStates(ctx context.Context, tenant string) ([]ACDAgentState, error) {
	as := []ACDAgentState{}
	err := s.db.SelectContext(ctx, &as, s.Rebind(`SELECT `+acdAgentCols+` FROM acd_agent_state WHERE tenant_id = ? ORDER BY agent_id`), tenant)
	if err != nil {
		return nil, fmt.Errorf("store: list agent states of tenant %q: %w", tenant, err)
	}
	return as, nil
}

// AddACDAgentLog appends one state transition.
func (s *Store) AddACDAgentLog(ctx context.Context, l *ACDAgentLogEntry) error {
	_, err := s.fencedExec(ctx, s.Rebind(`INSERT INTO acd_agent_log (tenant_id, agent_id, at, from_state, to_state, reason, call_id, queue_id, by_user) VALUES (?,?,?,?,?,?,?,?,?)`),
		l.TenantID, l.AgentID, l.At.UTC(), l.FromState, l.ToState, l.Reason, l.CallID, l.QueueID, l.By)
	if err != nil {
		return fmt.Errorf("store: log state of agent %q: %w", l.AgentID, err)
	}
	return nil
}

// ListACDAgentLog lists an agent's transitions ("" = every agent) from
// since on, oldest first, at most limit rows.
func (s *Store) ListACDAgentLog(ctx context.Context, tenant, agentID string, since time.Time, limit int) ([]ACDAgentLogEntry, error) {
	ls := []ACDAgentLogEntry{}
	q := `SELECT id, tenant_id, agent_id, at, from_state, to_state, reason, call_id, queue_id, by_user FROM acd_agent_log WHERE tenant_id = ? AND at >= ?`
	args := []any{tenant, since.UTC()}
	if agentID != "" {
		q += ` AND agent_id = ?`
		args = append(args, agentID)
	}
	q += ` ORDER BY at, id LIMIT ?`
	args = append(args, limit)
	if err := s.db.SelectContext(ctx, &ls, s.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("store: list agent log of tenant %q: %w", tenant, err)
	}
	return ls, nil
}

const acdEntryCols = `tenant_id, call_id, queue_id, priority, enqueued_at, first_at, seq, caller, last_agent, data, hops, lang`

// SaveACDEntry writes a waiting caller (insert or replace).
func (s *Store) SaveACDEntry(ctx context.Context, e *ACDEntry) error {
	_, err := s.fencedExec(ctx, s.Rebind(`INSERT INTO acd_queue_entries (`+acdEntryCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT (tenant_id, call_id) DO UPDATE SET queue_id = excluded.queue_id, priority = excluded.priority, enqueued_at = excluded.enqueued_at,
		first_at = excluded.first_at, seq = excluded.seq, caller = excluded.caller, last_agent = excluded.last_agent, data = excluded.data, hops = excluded.hops,
		lang = excluded.lang`),
		e.TenantID, e.CallID, e.QueueID, e.Priority, e.EnqueuedAt.UTC(), e.FirstAt.UTC(), e.Seq, e.Caller, e.LastAgent, e.Data, e.Hops, e.Lang)
	if err != nil {
		return fmt.Errorf("store: save queue entry %q: %w", e.CallID, mapErr(err))
	}
	return nil
}

// DeleteACDEntry forgets a waiting caller (no error when already gone).
func (s *Store) DeleteACDEntry(ctx context.Context, tenant, callID string) error {
	if _, err := s.fencedExec(ctx, s.Rebind(`DELETE FROM acd_queue_entries WHERE tenant_id = ? AND call_id = ?`), tenant, callID); err != nil {
		return fmt.Errorf("store: delete queue entry %q: %w", callID, err)
	}
	return nil
}

// ListACDEntries lists the tenant's waiting callers in arrival order.
func (s *Store) ListACDEntries(ctx context.Context, tenant string) ([]ACDEntry, error) {
	es := []ACDEntry{}
	err := s.db.SelectContext(ctx, &es, s.Rebind(`SELECT `+acdEntryCols+` FROM acd_queue_entries WHERE tenant_id = ? ORDER BY seq`), tenant)
	if err != nil {
		return nil, fmt.Errorf("store: list queue entries of tenant %q: %w", tenant, err)
	}
	return es, nil
}

const acdCallbackCols = `tenant_id, id, call_id, queue_id, caller, number, priority, status, requested_at, handled_at`

// SaveACDCallback writes a callback request (insert or replace).
func (s *Store) SaveACDCallback(ctx context.Context, c *ACDCallback) error {
	_, err := s.fencedExec(ctx, s.Rebind(`INSERT INTO acd_callbacks (`+acdCallbackCols+`) VALUES (?,?,?,?,?,?,?,?,?,?)
		ON CONFLICT (tenant_id, id) DO UPDATE SET status = excluded.status, handled_at = excluded.handled_at, number = excluded.number`),
		c.TenantID, c.ID, c.CallID, c.QueueID, c.Caller, c.Number, c.Priority, c.Status, c.RequestedAt.UTC(), utcPtr(c.HandledAt))
	if err != nil {
		return fmt.Errorf("store: save callback %q: %w", c.ID, mapErr(err))
	}
	return nil
}

// ListACDCallbacks lists the tenant's callbacks with a status ("" = all),
// oldest first.
func (s *Store) ListACDCallbacks(ctx context.Context, tenant, status string) ([]ACDCallback, error) {
	cs := []ACDCallback{}
	q := `SELECT ` + acdCallbackCols + ` FROM acd_callbacks WHERE tenant_id = ?`
	args := []any{tenant}
	if status != "" {
		q += ` AND status = ?`
		args = append(args, status)
	}
	if err := s.db.SelectContext(ctx, &cs, s.Rebind(q+` ORDER BY requested_at, id`), args...); err != nil {
		return nil, fmt.Errorf("store: list callbacks of tenant %q: %w", tenant, err)
	}
	return cs, nil
}

func utcPtr(t *time.Time) any {
	if t == nil || t.IsZero() {
		return nil
	}
	return t.UTC()
}
