package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// WorkOrderType is a work-order type; Config is crm.TypeConfig as JSON.
type WorkOrderType struct {
	TenantID  string    `db:"tenant_id" json:"-"`
	ID        string    `db:"id" json:"id"`
	Name      string    `db:"name" json:"name"`
	Config    string    `db:"config" json:"-"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
	UpdatedAt time.Time `db:"updated_at" json:"updated_at"`
}

// PutWorkOrderType creates or replaces a type.
func (s *Store) PutWorkOrderType(ctx context.Context, t *WorkOrderType) error {
	t.UpdatedAt = now()
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE workorder_types SET name = ?, config = ?, updated_at = ? WHERE tenant_id = ? AND id = ?`), t.Name, t.Config, t.UpdatedAt, t.TenantID, t.ID)
		if err != nil {
			return fmt.Errorf("store: put work-order type %q: %w", t.ID, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return tx.GetContext(ctx, &t.CreatedAt, tx.Rebind(`SELECT created_at FROM workorder_types WHERE tenant_id = ? AND id = ?`), t.TenantID, t.ID)
		}
		t.CreatedAt = t.UpdatedAt
		if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO workorder_types (tenant_id, id, name, config, created_at, updated_at) VALUES (?,?,?,?,?,?)`),
			t.TenantID, t.ID, t.Name, t.Config, t.CreatedAt, t.UpdatedAt); err != nil {
			return fmt.Errorf("store: put work-order type %q: %w", t.ID, mapErr(err))
		}
		return nil
	})
}

// GetWorkOrderType loads one type.
func (s *Store) GetWorkOrderType(ctx context.Context, tenant, id string) (*WorkOrderType, error) {
	var t WorkOrderType
	if err := s.db.GetContext(ctx, &t, s.Rebind(`SELECT tenant_id, id, name, config, created_at, updated_at FROM workorder_types WHERE tenant_id = ? AND id = ?`), tenant, id); err != nil {
		return nil, fmt.Errorf("store: get work-order type %q: %w", id, mapErr(err))
	}
	return &t, nil
}

// ListWorkOrderTypes lists the tenant's types by id.
func (s *Store) ListWorkOrderTypes(ctx context.Context, tenant string) ([]WorkOrderType, error) {
	ts := []WorkOrderType{}
	if err := s.db.SelectContext(ctx, &ts, s.Rebind(`SELECT tenant_id, id, name, config, created_at, updated_at FROM workorder_types WHERE tenant_id = ? ORDER BY id`), tenant); err != nil {
		return nil, fmt.Errorf("store: list work-order types: %w", err)
	}
	return ts, nil
}

// DeleteWorkOrderType removes a type; ErrConflict when orders use it.
func (s *Store) DeleteWorkOrderType(ctx context.Context, tenant, id string) error {
	var n int
	if err := s.db.GetContext(ctx, &n, s.Rebind(`SELECT COUNT(*) FROM work_orders WHERE tenant_id = ? AND type_id = ?`), tenant, id); err != nil {
		return fmt.Errorf("store: delete work-order type %q: %w", id, err)
	}
	if n > 0 {
		return fmt.Errorf("store: work-order type %q is used by %d work orders: %w", id, n, ErrConflict)
	}
	res, err := s.db.ExecContext(ctx, s.Rebind(`DELETE FROM workorder_types WHERE tenant_id = ? AND id = ?`), tenant, id)
	if err != nil {
		return fmt.Errorf("store: delete work-order type %q: %w", id, err)
	}
	return affectedOne(res, "work-order type", id)
}

// WorkOrder is one work order (工单). Fields (custom values) and
// Escalations (the rules already fired, e.g. "time:0", "cond:1") are JSON.
type WorkOrder struct {
	ID            int64      `db:"id" json:"id"`
	TenantID      string     `db:"tenant_id" json:"-"`
	TypeID        string     `db:"type_id" json:"type"`
	Title         string     `db:"title" json:"title"`
	Description   string     `db:"description" json:"description"`
	Status        string     `db:"status" json:"status"`
	Priority      string     `db:"priority" json:"priority"`
	CustomerID    int64      `db:"customer_id" json:"customer_id"`
	CallID        string     `db:"call_id" json:"call_id"`
	AssigneeAgent string     `db:"assignee_agent" json:"assignee_agent"`
	AssigneeQueue string     `db:"assignee_queue" json:"assignee_queue"`
	Fields        string     `db:"fields" json:"-"`
	CreatedBy     string     `db:"created_by" json:"created_by"`
	CreatedAt     time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt     time.Time  `db:"updated_at" json:"updated_at"`
	DueAt         *time.Time `db:"due_at" json:"due_at,omitempty"`
	ResolvedAt    *time.Time `db:"resolved_at" json:"resolved_at,omitempty"`
	SLABreached   bool       `db:"sla_breached" json:"sla_breached"`
	Escalations   string     `db:"escalations" json:"-"`
}

const workOrderCols = `id, tenant_id, type_id, title, description, status, priority, customer_id, call_id, assignee_agent, assignee_queue, fields, created_by, created_at, updated_at, due_at, resolved_at, sla_breached, escalations`

// WorkOrderEvent is one entry of an order's history.
type WorkOrderEvent struct {
	ID          int64     `db:"id" json:"id"`
	TenantID    string    `db:"tenant_id" json:"-"`
	WorkOrderID int64     `db:"workorder_id" json:"workorder_id"`
	Kind        string    `db:"kind" json:"kind"`
	Actor       string    `db:"actor" json:"actor"`
	Detail      string    `db:"detail" json:"-"`
	At          time.Time `db:"at" json:"at"`
}

// CreateWorkOrder stores a new order with its history events (their
// WorkOrderID is filled).
func (s *Store) CreateWorkOrder(ctx context.Context, w *WorkOrder, evs []WorkOrderEvent) error {
	if w.CreatedAt.IsZero() {
		w.CreatedAt = now()
	}
	w.CreatedAt = w.CreatedAt.UTC().Truncate(time.Microsecond)
	w.UpdatedAt = w.CreatedAt
	if w.Fields == "" {
		w.Fields = "{}"
	}
	if w.Escalations == "" {
		w.Escalations = "[]"
	}
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &w.ID, tx.Rebind(`INSERT INTO work_orders (tenant_id, type_id, title, description, status, priority, customer_id, call_id, assignee_agent, assignee_queue, fields, created_by, created_at, updated_at, due_at, resolved_at, sla_breached, escalations)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`),
			w.TenantID, w.TypeID, w.Title, w.Description, w.Status, w.Priority, w.CustomerID, w.CallID, w.AssigneeAgent, w.AssigneeQueue, w.Fields, w.CreatedBy, w.CreatedAt, w.UpdatedAt, utcp(w.DueAt), utcp(w.ResolvedAt), w.SLABreached, w.Escalations)
		if err != nil {
			return fmt.Errorf("store: create work order: %w", mapErr(err))
		}
		return addWOEventsTx(ctx, tx, w, evs)
	})
}

func addWOEventsTx(ctx context.Context, tx *sqlx.Tx, w *WorkOrder, evs []WorkOrderEvent) error {
	for i := range evs {
		e := &evs[i]
		e.TenantID, e.WorkOrderID = w.TenantID, w.ID
		if e.At.IsZero() {
			e.At = w.UpdatedAt
		}
		if e.Detail == "" {
			e.Detail = "{}"
		}
		if err := tx.GetContext(ctx, &e.ID, tx.Rebind(`INSERT INTO workorder_events (tenant_id, workorder_id, kind, actor, detail, at) VALUES (?,?,?,?,?,?) RETURNING id`),
			e.TenantID, e.WorkOrderID, e.Kind, e.Actor, e.Detail, e.At.UTC()); err != nil {
			return fmt.Errorf("store: work order %d history: %w", w.ID, err)
		}
	}
	return nil
}

// UpdateWorkOrder saves an order's mutable columns and appends history
// events, in one transaction. When ifUpdated is set, the update only
// applies if the row was not changed since (ErrConflict otherwise).
func (s *Store) UpdateWorkOrder(ctx context.Context, w *WorkOrder, evs []WorkOrderEvent, ifUpdated time.Time) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		w.UpdatedAt = now().Truncate(time.Microsecond)
		q := `UPDATE work_orders SET title = ?, description = ?, status = ?, priority = ?, customer_id = ?, assignee_agent = ?, assignee_queue = ?, fields = ?, updated_at = ?, due_at = ?, resolved_at = ?, sla_breached = ?, escalations = ? WHERE tenant_id = ? AND id = ?`
		args := []any{w.Title, w.Description, w.Status, w.Priority, w.CustomerID, w.AssigneeAgent, w.AssigneeQueue, w.Fields, w.UpdatedAt, utcp(w.DueAt), utcp(w.ResolvedAt), w.SLABreached, w.Escalations, w.TenantID, w.ID}
		if !ifUpdated.IsZero() {
			q += ` AND updated_at = ?`
			args = append(args, ifUpdated.UTC())
		}
		res, err := tx.ExecContext(ctx, tx.Rebind(q), args...)
		if err != nil {
			return fmt.Errorf("store: update work order %d: %w", w.ID, mapErr(err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if !ifUpdated.IsZero() {
				return fmt.Errorf("store: work order %d changed meanwhile: %w", w.ID, ErrConflict)
			}
			return fmt.Errorf("store: work order %d: %w", w.ID, ErrNotFound)
		}
		return addWOEventsTx(ctx, tx, w, evs)
	})
}

// GetWorkOrder loads one order.
func (s *Store) GetWorkOrder(ctx context.Context, tenant string, id int64) (*WorkOrder, error) {
	var w WorkOrder
	if err := s.db.GetContext(ctx, &w, s.Rebind(`SELECT `+workOrderCols+` FROM work_orders WHERE tenant_id = ? AND id = ?`), tenant, id); err != nil {
		return nil, fmt.Errorf("store: get work order %d: %w", id, mapErr(err))
	}
	return &w, nil
}

// WorkOrderFilter narrows ListWorkOrders. Agent+Queues (VisibleTo) keeps
// the orders assigned to the agent or to one of the queues or created by
// the agent.
type WorkOrderFilter struct {
	Status     string
	Type       string
	Agent      string // assignee
	Queue      string
	CustomerID int64
	CallID     string
	Q          string // title/description substring
	Open       bool   // unresolved only
	Breached   bool
	From, To   time.Time
	VisibleTo  string
	Queues     []string
	Limit      int
	Offset     int
}

func (f WorkOrderFilter) where(tenant string) (string, []any) {
	q := ` WHERE tenant_id = ?`
	args := []any{tenant}
	add := func(cond string, v ...any) { q += ` AND ` + cond; args = append(args, v...) }
	if f.Status != "" {
		add(`status = ?`, f.Status)
	}
	if f.Type != "" {
		add(`type_id = ?`, f.Type)
	}
	if f.Agent != "" {
		add(`assignee_agent = ?`, f.Agent)
	}
	if f.Queue != "" {
		add(`assignee_queue = ?`, f.Queue)
	}
	if f.CustomerID != 0 {
		add(`customer_id = ?`, f.CustomerID)
	}
	if f.CallID != "" {
		add(`call_id = ?`, f.CallID)
	}
	if f.Q != "" {
		like := "%" + strings.ToLower(f.Q) + "%"
		add(`(LOWER(title) LIKE ? OR LOWER(description) LIKE ?)`, like, like)
	}
	if f.Open {
		add(`resolved_at IS NULL`)
	}
	if f.Breached {
		add(`sla_breached = ?`, true)
	}
	if !f.From.IsZero() {
		add(`created_at >= ?`, f.From.UTC())
	}
	if !f.To.IsZero() {
		add(`created_at < ?`, f.To.UTC())
	}
	if f.VisibleTo != "" {
		cond := `(assignee_agent = ? OR created_by = ?`
		v := []any{f.VisibleTo, f.VisibleTo}
		if len(f.Queues) > 0 {
			cond += ` OR assignee_queue IN (?` + strings.Repeat(",?", len(f.Queues)-1) + `)`
			for _, qq := range f.Queues {
				v = append(v, qq)
			}
		}
		add(cond+`)`, v...)
	}
	return q, args
}

// ListWorkOrders lists orders, newest first.
func (s *Store) ListWorkOrders(ctx context.Context, tenant string, f WorkOrderFilter) ([]WorkOrder, error) {
	where, args := f.where(tenant)
	q := `SELECT ` + workOrderCols + ` FROM work_orders` + where + ` ORDER BY created_at DESC, id DESC`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d OFFSET %d`, f.Limit, max(f.Offset, 0))
	}
	ws := []WorkOrder{}
	if err := s.db.SelectContext(ctx, &ws, s.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("store: list work orders: %w", err)
	}
	return ws, nil
}

// OpenWorkOrders lists unresolved orders of every tenant created before
// the given time (the escalation runner's work), oldest first.
func (s *Store) OpenWorkOrders(ctx context.Context, before time.Time, limit int) ([]WorkOrder, error) {
	ws := []WorkOrder{}
	if err := s.db.SelectContext(ctx, &ws, s.Rebind(`SELECT `+workOrderCols+` FROM work_orders WHERE resolved_at IS NULL AND created_at <= ? ORDER BY created_at, id LIMIT ?`), before.UTC(), limit); err != nil {
		return nil, fmt.Errorf("store: open work orders: %w", err)
	}
	return ws, nil
}

// ListWorkOrderEvents is an order's history, oldest first.
func (s *Store) ListWorkOrderEvents(ctx context.Context, tenant string, id int64) ([]WorkOrderEvent, error) {
	evs := []WorkOrderEvent{}
	if err := s.db.SelectContext(ctx, &evs, s.Rebind(`SELECT id, tenant_id, workorder_id, kind, actor, detail, at FROM workorder_events WHERE tenant_id = ? AND workorder_id = ? ORDER BY id`), tenant, id); err != nil {
		return nil, fmt.Errorf("store: work order %d history: %w", id, err)
	}
	return evs, nil
}

// WorkOrderCount is one group of the work-order report.
type WorkOrderCount struct {
	Key      string `db:"k" json:"key"`
	Count    int    `db:"n" json:"count"`
	Breached int    `db:"b" json:"breached"`
}

// CountWorkOrders groups the filtered orders by status, type_id or
// assignee_agent.
func (s *Store) CountWorkOrders(ctx context.Context, tenant, by string, f WorkOrderFilter) ([]WorkOrderCount, error) {
	switch by {
	case "status", "type_id", "assignee_agent", "priority":
	default:
		return nil, fmt.Errorf("store: count work orders by %q: not a column", by)
	}
	where, args := f.where(tenant)
	out := []WorkOrderCount{}
	q := `SELECT ` + by + ` AS k, COUNT(*) AS n, SUM(CASE WHEN sla_breached THEN 1 ELSE 0 END) AS b FROM work_orders` + where + ` GROUP BY ` + by + ` ORDER BY ` + by
	if err := s.db.SelectContext(ctx, &out, s.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("store: count work orders by %s: %w", by, err)
	}
	return out, nil
}

// WorkOrderAttachment is a file attached to an order (Data only loaded by
// GetWorkOrderAttachment).
type WorkOrderAttachment struct {
	ID          int64     `db:"id" json:"id"`
	TenantID    string    `db:"tenant_id" json:"-"`
	WorkOrderID int64     `db:"workorder_id" json:"workorder_id"`
	Name        string    `db:"name" json:"name"`
	ContentType string    `db:"content_type" json:"content_type"`
	SizeBytes   int64     `db:"size_bytes" json:"size_bytes"`
	Data        []byte    `db:"data" json:"-"`
	CreatedBy   string    `db:"created_by" json:"created_by"`
	CreatedAt   time.Time `db:"created_at" json:"created_at"`
}

// AddWorkOrderAttachment stores a file and its history event.
func (s *Store) AddWorkOrderAttachment(ctx context.Context, a *WorkOrderAttachment, w *WorkOrder, ev WorkOrderEvent) error {
	a.CreatedAt = now().Truncate(time.Microsecond)
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &a.ID, tx.Rebind(`INSERT INTO workorder_attachments (tenant_id, workorder_id, name, content_type, size_bytes, data, created_by, created_at) VALUES (?,?,?,?,?,?,?,?) RETURNING id`),
			a.TenantID, a.WorkOrderID, a.Name, a.ContentType, a.SizeBytes, a.Data, a.CreatedBy, a.CreatedAt); err != nil {
			return fmt.Errorf("store: attach %q to work order %d: %w", a.Name, a.WorkOrderID, err)
		}
		w.UpdatedAt = a.CreatedAt
		if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE work_orders SET updated_at = ? WHERE tenant_id = ? AND id = ?`), w.UpdatedAt, w.TenantID, w.ID); err != nil {
			return fmt.Errorf("store: work order %d: %w", w.ID, err)
		}
		return addWOEventsTx(ctx, tx, w, []WorkOrderEvent{ev})
	})
}

// ListWorkOrderAttachments lists an order's files (without data).
func (s *Store) ListWorkOrderAttachments(ctx context.Context, tenant string, id int64) ([]WorkOrderAttachment, error) {
	as := []WorkOrderAttachment{}
	if err := s.db.SelectContext(ctx, &as, s.Rebind(`SELECT id, tenant_id, workorder_id, name, content_type, size_bytes, created_by, created_at FROM workorder_attachments WHERE tenant_id = ? AND workorder_id = ? ORDER BY id`), tenant, id); err != nil {
		return nil, fmt.Errorf("store: work order %d attachments: %w", id, err)
	}
	return as, nil
}

// GetWorkOrderAttachment loads one file with its data.
func (s *Store) GetWorkOrderAttachment(ctx context.Context, tenant string, woID, id int64) (*WorkOrderAttachment, error) {
	var a WorkOrderAttachment
	if err := s.db.GetContext(ctx, &a, s.Rebind(`SELECT id, tenant_id, workorder_id, name, content_type, size_bytes, data, created_by, created_at FROM workorder_attachments WHERE tenant_id = ? AND workorder_id = ? AND id = ?`), tenant, woID, id); err != nil {
		return nil, fmt.Errorf("store: work order %d attachment %d: %w", woID, id, mapErr(err))
	}
	return &a, nil
}

// AgentQueueIDs lists the queues an agent is a member of.
func (s *Store) AgentQueueIDs(ctx context.Context, tenant, agent string) ([]string, error) {
	qs := []string{}
	if err := s.db.SelectContext(ctx, &qs, s.Rebind(`SELECT queue_id FROM acd_queue_members WHERE tenant_id = ? AND agent_id = ? ORDER BY queue_id`), tenant, agent); err != nil {
		return nil, fmt.Errorf("store: queues of agent %s: %w", agent, err)
	}
	return qs, nil
}
