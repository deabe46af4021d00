package store

import (
	"context"
	"fmt"
	"time"
)

// RetentionSettings is a tenant's retention: the maximum age in days of
// recordings and of voicemail messages (0 = keep forever).
type RetentionSettings struct {
	TenantID      string    `db:"tenant_id" json:"-"`
	RecordingDays int       `db:"recording_days" json:"recording_days"`
	VoicemailDays int       `db:"voicemail_days" json:"voicemail_days"`
	UpdatedAt     time.Time `db:"updated_at" json:"updated_at"`
	UpdatedBy     string    `db:"updated_by" json:"updated_by"`
}

const retentionSettingsCols = `tenant_id, recording_days, voicemail_days, updated_at, updated_by`

// GetRetentionSettings returns the tenant's settings (all zero, keep
// forever, when never set).
func (s *Store) GetRetentionSettings(ctx context.Context, tenant string) (*RetentionSettings, error) {
	var r RetentionSettings
	err := s.db.GetContext(ctx, &r, s.Rebind(`SELECT `+retentionSettingsCols+` FROM retention_settings WHERE tenant_id = ?`), tenant)
	if err != nil {
		if IsNotFound(mapErr(err)) {
			return &RetentionSettings{TenantID: tenant}, nil
		}
		return nil, fmt.Errorf("store: retention settings of %q: %w", tenant, err)
	}
	return &r, nil
}

// PutRetentionSettings stores the tenant's settings.
func (s *Store) PutRetentionSettings(ctx context.Context, r *RetentionSettings) error {
	r.UpdatedAt = now()
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO retention_settings (`+retentionSettingsCols+`) VALUES (?,?,?,?,?)
ON CONFLICT (tenant_id) DO UPDATE SET recording_days = excluded.recording_days, voicemail_days = excluded.voicemail_days, updated_at = excluded.updated_at, updated_by = excluded.updated_by`),
		r.TenantID, r.RecordingDays, r.VoicemailDays, r.UpdatedAt, r.UpdatedBy)
	if err != nil {
		return fmt.Errorf("store: put retention settings of %q: %w", r.TenantID, err)
	}
	return nil
}

// ListRetentionSettings lists every tenant's stored settings ("" tenant =
// all tenants, else only that one).
func (s *Store) ListRetentionSettings(ctx context.Context, tenant string) ([]RetentionSettings, error) {
	q := `SELECT ` + retentionSettingsCols + ` FROM retention_settings`
	args := []any{}
	if tenant != "" {
		q += ` WHERE tenant_id = ?`
		args = append(args, tenant)
	}
	out := []RetentionSettings{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(q+` ORDER BY tenant_id`), args...); err != nil {
		return nil, fmt.Errorf("store: list retention settings: %w", err)
	}
	return out, nil
}

// RetentionRun is one run of the retention job; Summary is its JSON result.
type RetentionRun struct {
	ID         int64      `db:"id" json:"id"`
	TenantID   string     `db:"tenant_id" json:"tenant,omitempty"`
	Trigger    string     `db:"trigger_kind" json:"trigger"`
	Actor      string     `db:"actor" json:"actor,omitempty"`
	StartedAt  time.Time  `db:"started_at" json:"started_at"`
	FinishedAt *time.Time `db:"finished_at" json:"finished_at,omitempty"`
	Summary    string     `db:"summary" json:"-"`
	Error      string     `db:"error" json:"error,omitempty"`
}

const retentionRunCols = `id, tenant_id, trigger_kind, actor, started_at, finished_at, summary, error`

// StartRetentionRun stores the start of a run and sets its ID.
func (s *Store) StartRetentionRun(ctx context.Context, r *RetentionRun) error {
	r.StartedAt = r.StartedAt.UTC()
	id, err := s.insertReturningID(ctx, `INSERT INTO retention_runs (tenant_id, trigger_kind, actor, started_at, summary, error) VALUES (?,?,?,?,?,?)`,
		r.TenantID, r.Trigger, r.Actor, r.StartedAt, "{}", "")
	if err != nil {
		return fmt.Errorf("store: start retention run: %w", err)
	}
	r.ID = id
	return nil
}

// FinishRetentionRun stores a run's end, summary and error text.
func (s *Store) FinishRetentionRun(ctx context.Context, r *RetentionRun) error {
	_, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE retention_runs SET finished_at = ?, summary = ?, error = ? WHERE id = ?`), utcp(r.FinishedAt), r.Summary, r.Error, r.ID)
	if err != nil {
		return fmt.Errorf("store: finish retention run %d: %w", r.ID, err)
	}
	return nil
}

// ListRetentionRuns lists runs that concern the tenant (its own and the
// global ones), newest first.
func (s *Store) ListRetentionRuns(ctx context.Context, tenant string, limit int) ([]RetentionRun, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	out := []RetentionRun{}
	err := s.db.SelectContext(ctx, &out, s.Rebind(`SELECT `+retentionRunCols+` FROM retention_runs WHERE tenant_id = ? OR tenant_id = '' ORDER BY id DESC`+fmt.Sprintf(` LIMIT %d`, limit)), tenant)
	if err != nil {
		return nil, fmt.Errorf("store: list retention runs: %w", err)
	}
	return out, nil
}

// RetentionLogEntry is one file a retention run backed up or deleted, or
// failed to.
type RetentionLogEntry struct {
	ID       int64     `db:"id" json:"id"`
	RunID    int64     `db:"run_id" json:"run_id"`
	TenantID string    `db:"tenant_id" json:"-"`
	Kind     string    `db:"kind" json:"kind"` // recording | voicemail
	ObjectID string    `db:"object_id" json:"object_id"`
	Path     string    `db:"path" json:"path"`
	Action   string    `db:"action" json:"action"` // backed_up | deleted | failed
	Reason   string    `db:"reason" json:"reason"` // age | disk | backup
	Bytes    int64     `db:"bytes" json:"bytes"`
	Detail   string    `db:"detail" json:"detail,omitempty"`
	At       time.Time `db:"at" json:"at"`
}

// AddRetentionLog appends an entry (At defaults to now).
func (s *Store) AddRetentionLog(ctx context.Context, e *RetentionLogEntry) error {
	if e.At.IsZero() {
		e.At = now()
	}
	e.At = e.At.UTC()
	id, err := s.insertReturningID(ctx, `INSERT INTO retention_log (run_id, tenant_id, kind, object_id, path, action, reason, bytes, detail, at) VALUES (?,?,?,?,?,?,?,?,?,?)`,
		e.RunID, e.TenantID, e.Kind, e.ObjectID, e.Path, e.Action, e.Reason, e.Bytes, e.Detail, e.At)
	if err != nil {
		return fmt.Errorf("store: add retention log for %s %s: %w", e.Kind, e.ObjectID, err)
	}
	e.ID = id
	return nil
}

// ListRetentionLog lists the tenant's entries, newest first (run 0 = every
// run).
func (s *Store) ListRetentionLog(ctx context.Context, tenant string, run int64, limit int) ([]RetentionLogEntry, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	q := `SELECT id, run_id, tenant_id, kind, object_id, path, action, reason, bytes, detail, at FROM retention_log WHERE tenant_id = ?`
	args := []any{tenant}
	if run > 0 {
		q += ` AND run_id = ?`
		args = append(args, run)
	}
	out := []RetentionLogEntry{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(q+fmt.Sprintf(` ORDER BY id DESC LIMIT %d`, limit)), args...); err != nil {
		return nil, fmt.Errorf("store: list retention log: %w", err)
	}
	return out, nil
}
