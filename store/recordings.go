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
}

const recordingCols = `tenant_id, id, call_id, agent_id, queue_id, ani, path, started_at, ended_at, duration_ms, size_bytes, sha256, legal_hold`

// SaveRecording inserts or updates a recording's row.
func (s *Store) SaveRecording(ctx context.Context, r *RecordingRow) error {
	q := `INSERT INTO recordings (` + recordingCols + `) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)
ON CONFLICT (tenant_id, id) DO UPDATE SET ended_at = excluded.ended_at, duration_ms = excluded.duration_ms, size_bytes = excluded.size_bytes,
 sha256 = excluded.sha256, legal_hold = excluded.legal_hold, agent_id = excluded.agent_id`
	_, err := s.db.ExecContext(ctx, s.Rebind(q), r.TenantID, r.ID, r.CallID, r.AgentID, r.QueueID, r.ANI, r.Path, r.StartedAt.UTC(), utcp(r.EndedAt),
		r.DurationMS, r.SizeBytes, r.SHA256, r.LegalHold)
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

// RecordingFilter narrows a listing.
type RecordingFilter struct {
	CallID, AgentID, QueueID, Number string
	Since, Until                     time.Time
	Limit                            int
}

// ListRecordings lists the tenant's recordings, newest first.
func (s *Store) ListRecordings(ctx context.Context, tenant string, f RecordingFilter) ([]RecordingRow, error) {
	q := `SELECT ` + recordingCols + ` FROM recordings WHERE tenant_id = ?`
	args := []any{tenant}
	for _, c := range []struct{ col, v string }{{"call_id", f.CallID}, {"agent_id", f.AgentID}, {"queue_id", f.QueueID}} {
		if c.v != "" {
			q += ` AND ` + c.col + ` = ?`
			args = append(args, c.v)
		}
	}
	if f.Number != "" {
		q += ` AND ani LIKE ?`
		args = append(args, "%"+f.Number+"%")
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
