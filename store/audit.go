package store

import (
	"context"
	"fmt"
	"time"
)

// AuditEntry is one row of the audit log: who did what, when, from where.
type AuditEntry struct {
	ID         int64     `db:"id" json:"id"`
	TenantID   string    `db:"tenant_id" json:"tenant"`
	At         time.Time `db:"at" json:"at"`
	ActorID    string    `db:"actor_id" json:"actor_id"`
	ActorName  string    `db:"actor_name" json:"actor_name"`
	ActorKind  string    `db:"actor_kind" json:"actor_kind"` // user, api_key, system, anonymous
	Action     string    `db:"action" json:"action"`         // e.g. "POST /api/v1/users"
	ObjectType string    `db:"object_type" json:"object_type"`
	ObjectID   string    `db:"object_id" json:"object_id"`
	Status     int       `db:"status" json:"status"`
	RemoteAddr string    `db:"remote_addr" json:"remote_addr"`
	RequestID  string    `db:"request_id" json:"request_id"`
	Detail     string    `db:"detail" json:"detail"`
}

// AddAudit appends an entry. At defaults to now.
func (s *Store) AddAudit(ctx context.Context, e *AuditEntry) error {
	if e.At.IsZero() {
		e.At = now()
	}
	e.At = e.At.UTC()
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO audit_log (tenant_id, at, actor_id, actor_name, actor_kind, action, object_type, object_id, status, remote_addr, request_id, detail) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`),
		e.TenantID, e.At, e.ActorID, e.ActorName, e.ActorKind, e.Action, e.ObjectType, e.ObjectID, e.Status, e.RemoteAddr, e.RequestID, e.Detail)
	if err != nil {
		return fmt.Errorf("store: add audit %q: %w", e.Action, err)
	}
	return nil
}

// AuditFilter narrows an audit listing.
type AuditFilter struct {
	Since, Until time.Time // zero = open
	ActorID      string
	ObjectType   string
	BeforeID     int64 // page: entries with id < BeforeID
	Limit        int   // default 100, max 1000
}

// ListAudit lists the tenant's entries, newest first.
func (s *Store) ListAudit(ctx context.Context, tenant string, f AuditFilter) ([]AuditEntry, error) {
	q := `SELECT id, tenant_id, at, actor_id, actor_name, actor_kind, action, object_type, object_id, status, remote_addr, request_id, detail FROM audit_log WHERE tenant_id = ?`
	args := []any{tenant}
	q, args = timeWindow(q, args, "at", f.Since, f.Until)
	if f.ActorID != "" {
		q += ` AND actor_id = ?`
		args = append(args, f.ActorID)
	}
	if f.ObjectType != "" {
		q += ` AND object_type = ?`
		args = append(args, f.ObjectType)
	}
	if f.BeforeID > 0 {
		q += ` AND id < ?`
		args = append(args, f.BeforeID)
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	if f.Limit > 1000 {
		f.Limit = 1000
	}
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, f.Limit)
	es := []AuditEntry{}
	if err := s.db.SelectContext(ctx, &es, s.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("store: list audit of tenant %q: %w", tenant, err)
	}
	return es, nil
}

// timeWindow narrows q to rows whose col is in [since, until); a zero bound
// is open.
func timeWindow(q string, args []any, col string, since, until time.Time) (string, []any) {
	if !since.IsZero() {
		q += ` AND ` + col + ` >= ?`
		args = append(args, since.UTC())
	}
	if !until.IsZero() {
		q += ` AND ` + col + ` < ?`
		args = append(args, until.UTC())
	}
	return q, args
}
