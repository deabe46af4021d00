package store

import (
	"context"
	"fmt"
	"time"
)

// RecordingRow is one call recording's metadata.
type RecordingRow struct {
	TenantID   string     `db:"tenant_id" json:"-"`
	ID         string     `db:"id" json:"id"`
	CallID     string     `db:"call_id" json:"call_id"`
	AgentID    string     `db:"agent_id" json:"agent_id"`
	QueueID    string     `db:"queue_id" json:"queue_id"`
	ANI        string     `db:"ani" json:"ani"`
	Path       string     `db:"path" json:"path"`
	StartedAt  time.Time  `db:"started_at" json:"started_at"`
	EndedAt    *time.Time `db:"ended_at" json:"ended_at,omitempty"`
	DurationMS int64      `db:"duration_ms" json:"duration_ms"`
	SizeBytes  int64      `db:"size_bytes" json:"size_bytes"`
	SHA256     string     `db:"sha256" json:"sha256"`
	LegalHold  bool       `db:"legal_hold" json:"legal_hold"`
	// BackedUpAt and BackupPath: when and where retention copied the file.
	BackedUpAt *time.Time `db:"backed_up_at" json:"backed_up_at,omitempty"`
	BackupPath string     `db:"backup_path" json:"backup_path,omitempty"`
	// DeletedAt: retention removed the file; the row stays so the call record
	// still shows a recording existed. DeletedReason is "age" or "disk".
	DeletedAt     *time.Time `db:"deleted_at" json:"deleted_at,omitempty"`
	DeletedReason string     `db:"deleted_reason" json:"deleted_reason,omitempty"`
	// Status is RecordingActive, RecordingDone or RecordingFailed; Error
	// says why a failed recording has no audio (migration 0018).
	Status string `db:"status" json:"status"`
	Error  string `db:"error" json:"error,omitempty"`
}

// Recording statuses.
const (
	RecordingActive = "recording" // the switch confirmed it started
	RecordingDone   = "done"      // finished, with its file
	RecordingFailed = "failed"    // refused or lost by the switch: no audio
)

// recordingInsertCols are written by SaveRecording; the retention columns
// are only set by the retention job.
const recordingInsertCols = `tenant_id, id, call_id, agent_id, queue_id, ani, path, started_at, ended_at, duration_ms, size_bytes, sha256, legal_hold, status, error`

const recordingCols = recordingInsertCols + `, backed_up_at, backup_path, deleted_at, deleted_reason`

// SaveRecording inserts or updates a recording's row. A legal hold placed
// while the call was running survives the update that completes the row
// (only SetRecordingLegalHold clears one). An empty Status is
// RecordingActive while the row has no end, else RecordingDone.
func (s *Store) SaveRecording(ctx context.Context, r *RecordingRow) error {
	if r.Status == "" {
		r.Status = RecordingDone
		if r.EndedAt == nil {
			r.Status = RecordingActive
		}
	}
	switch r.Status {
	case RecordingActive, RecordingDone, RecordingFailed:
	default:
		return fmt.Errorf("store: save recording %s: unknown status %q", r.ID, r.Status)
	}
	q := `INSERT INTO recordings (` + recordingInsertCols + `) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
ON CONFLICT (tenant_id, id) DO UPDATE SET ended_at = excluded.ended_at, duration_ms = excluded.duration_ms, size_bytes = excluded.size_bytes,
 sha256 = excluded.sha256, legal_hold = (recordings.legal_hold OR excluded.legal_hold), agent_id = excluded.agent_id,
 status = excluded.status, error = excluded.error`
	_, err := s.db.ExecContext(ctx, s.Rebind(q), r.TenantID, r.ID, r.CallID, r.AgentID, r.QueueID, r.ANI, r.Path, r.StartedAt.UTC(), utcp(r.EndedAt),
		r.DurationMS, r.SizeBytes, r.SHA256, r.LegalHold, r.Status, r.Error)
	if err != nil {
		return fmt.Errorf("store: save recording %s: %w", r.ID, mapErr(err))
	}
	return nil
}

// GetRecording loads one recording of the tenant.
func (s *Store) GetRecording(ctx context.Context, tenant, id string) (*RecordingRow, error) {
	var r RecordingRow
	if err := s.db.GetContext(ctx, &r, s.Rebind(`SELECT `+recordingCols+` FROM recordings WHERE tenant_id = ? AND id = ?`), tenant, id); err != nil {
		return nil, fmt.Errorf("store: get recording %s: %w", id, mapErr(err))
	}
	return &r, nil
}

// RecordingFilter narrows a listing (Status: one of the recording
// statuses, "" = any).
type RecordingFilter struct {
	CallID, AgentID, QueueID, Number, Status string
	Since, Until                             time.Time
	Limit                                    int
}

// ListRecordings lists the tenant's recordings, newest first.
func (s *Store) ListRecordings(ctx context.Context, tenant string, f RecordingFilter) ([]RecordingRow, error) {
	q := `SELECT ` + recordingCols + ` FROM recordings WHERE tenant_id = ?`
	args := []any{tenant}
	for _, c := range []struct{ col, v string }{{"call_id", f.CallID}, {"agent_id", f.AgentID}, {"queue_id", f.QueueID}, {"status", f.Status}} {
		if c.v != "" {
			q += ` AND ` + c.col + ` = ?`
			args = append(args, c.v)
		}
	}
	if f.Number != "" {
		q += ` AND LOWER(ani) LIKE ? ESCAPE '\'`
		args = append(args, containsPattern(f.Number))
	}
	q, args = timeWindow(q, args, "started_at", f.Since, f.Until)
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	q += fmt.Sprintf(` ORDER BY started_at DESC, id LIMIT %d`, f.Limit)
	out := []RecordingRow{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("store: list recordings: %w", err)
	}
	return out, nil
}

// SetRecordingLegalHold places or lifts a legal hold; a held recording is
// never deleted by retention.
func (s *Store) SetRecordingLegalHold(ctx context.Context, tenant, id string, hold bool) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE recordings SET legal_hold = ? WHERE tenant_id = ? AND id = ?`), hold, tenant, id)
	if err != nil {
		return fmt.Errorf("store: legal hold of recording %s: %w", id, err)
	}
	return affectedOne(res, "recording", id)
}

// RecordingsToBackUp lists finished, present recordings not yet backed up
// (tenant "" = every tenant), oldest first.
func (s *Store) RecordingsToBackUp(ctx context.Context, tenant string, limit int) ([]RecordingRow, error) {
	q := `SELECT ` + recordingCols + ` FROM recordings WHERE ended_at IS NOT NULL AND backed_up_at IS NULL AND deleted_at IS NULL AND status <> 'failed'`
	args := []any{}
	if tenant != "" {
		q += ` AND tenant_id = ?`
		args = append(args, tenant)
	}
	out := []RecordingRow{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(q+fmt.Sprintf(` ORDER BY started_at, id LIMIT %d`, limit)), args...); err != nil {
		return nil, fmt.Errorf("store: recordings to back up: %w", err)
	}
	return out, nil
}

// MarkRecordingBackedUp records where the verified copy of a recording is.
func (s *Store) MarkRecordingBackedUp(ctx context.Context, tenant, id, backupPath string, at time.Time) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE recordings SET backed_up_at = ?, backup_path = ? WHERE tenant_id = ? AND id = ?`), at.UTC(), backupPath, tenant, id)
	if err != nil {
		return fmt.Errorf("store: mark recording %s backed up: %w", id, err)
	}
	return affectedOne(res, "recording", id)
}

// DeletableRecordingFilter selects recordings retention may delete:
// finished, not deleted, not under legal hold, started before Before (zero
// = any age), of Tenant ("" = every tenant), and backed up when
// RequireBackup is set.
type DeletableRecordingFilter struct {
	Tenant        string
	Before        time.Time
	RequireBackup bool
	Limit         int
}

// DeletableRecordings lists recordings retention may delete, oldest first.
func (s *Store) DeletableRecordings(ctx context.Context, f DeletableRecordingFilter) ([]RecordingRow, error) {
	q := `SELECT ` + recordingCols + ` FROM recordings WHERE ended_at IS NOT NULL AND deleted_at IS NULL AND legal_hold = ? AND status <> 'failed'`
	args := []any{false}
	if f.Tenant != "" {
		q += ` AND tenant_id = ?`
		args = append(args, f.Tenant)
	}
	if !f.Before.IsZero() {
		q += ` AND started_at < ?`
		args = append(args, f.Before.UTC())
	}
	if f.RequireBackup {
		q += ` AND backed_up_at IS NOT NULL`
	}
	if f.Limit <= 0 {
		f.Limit = 100
	}
	out := []RecordingRow{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(q+fmt.Sprintf(` ORDER BY started_at, id LIMIT %d`, f.Limit)), args...); err != nil {
		return nil, fmt.Errorf("store: deletable recordings: %w", err)
	}
	return out, nil
}

// CountHeldRecordings counts the tenant's held, present recordings started
// before the time ("" tenant = every tenant): what retention kept because of
// a legal hold.
func (s *Store) CountHeldRecordings(ctx context.Context, tenant string, before time.Time) (int, error) {
	q := `SELECT COUNT(*) FROM recordings WHERE legal_hold = ? AND deleted_at IS NULL AND started_at < ?`
	args := []any{true, before.UTC()}
	if tenant != "" {
		q += ` AND tenant_id = ?`
		args = append(args, tenant)
	}
	var n int
	if err := s.db.GetContext(ctx, &n, s.Rebind(q), args...); err != nil {
		return 0, fmt.Errorf("store: count held recordings: %w", err)
	}
	return n, nil
}

// ClaimRecordingDeletion marks a recording deleted unless it is under legal
// hold or already deleted, and reports whether it did. Retention claims the
// row before removing the file, so a hold placed meanwhile always wins.
func (s *Store) ClaimRecordingDeletion(ctx context.Context, tenant, id, reason string, at time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE recordings SET deleted_at = ?, deleted_reason = ? WHERE tenant_id = ? AND id = ? AND legal_hold = ? AND deleted_at IS NULL`),
		at.UTC(), reason, tenant, id, false)
	if err != nil {
		return false, fmt.Errorf("store: claim deletion of recording %s: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: claim deletion of recording %s: %w", id, err)
	}
	return n == 1, nil
}

// UnclaimRecordingDeletion undoes ClaimRecordingDeletion when the file could
// not be removed.
func (s *Store) UnclaimRecordingDeletion(ctx context.Context, tenant, id string) error {
	_, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE recordings SET deleted_at = NULL, deleted_reason = '' WHERE tenant_id = ? AND id = ?`), tenant, id)
	if err != nil {
		return fmt.Errorf("store: unclaim deletion of recording %s: %w", id, err)
	}
	return nil
}
