package store

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// Flow is an IVR flow of a tenant: its editable draft and which version
// is live. Documents are stored as the JSON text the API received; the
// ivrflows package parses and validates them.
type Flow struct {
	TenantID         string    `db:"tenant_id" json:"-"`
	ID               string    `db:"id" json:"id"`
	Name             string    `db:"name" json:"name"`
	Draft            string    `db:"draft" json:"-"`
	PublishedVersion int       `db:"published_version" json:"published_version"`
	CreatedAt        time.Time `db:"created_at" json:"created_at"`
	UpdatedAt        time.Time `db:"updated_at" json:"updated_at"`
	UpdatedBy        string    `db:"updated_by" json:"updated_by"`
}

// FlowVersion is one published snapshot of a flow; versions count from 1
// and are never changed once written.
type FlowVersion struct {
	TenantID  string    `db:"tenant_id" json:"-"`
	FlowID    string    `db:"flow_id" json:"flow_id"`
	Version   int       `db:"version" json:"version"`
	Document  string    `db:"document" json:"-"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
	CreatedBy string    `db:"created_by" json:"created_by"`
}

const flowCols = `tenant_id, id, name, draft, published_version, created_at, updated_at, updated_by`

// CreateFlow stores a new flow with its first draft; ErrConflict when the
// id is taken in the tenant.
func (s *Store) CreateFlow(ctx context.Context, f *Flow) error {
	f.CreatedAt, f.UpdatedAt, f.PublishedVersion = now(), now(), 0
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO flows (`+flowCols+`) VALUES (?,?,?,?,?,?,?,?)`),
		f.TenantID, f.ID, f.Name, f.Draft, f.PublishedVersion, f.CreatedAt, f.UpdatedAt, f.UpdatedBy)
	if err != nil {
		return fmt.Errorf("store: create flow %q: %w", f.ID, mapErr(err))
	}
	return nil
}

// GetFlow loads one flow with its draft.
func (s *Store) GetFlow(ctx context.Context, tenant, id string) (*Flow, error) {
	var f Flow
	err := s.db.GetContext(ctx, &f, s.Rebind(`SELECT `+flowCols+` FROM flows WHERE tenant_id = ? AND id = ?`), tenant, id)
	if err != nil {
		return nil, fmt.Errorf("store: get flow %q: %w", id, mapErr(err))
	}
	return &f, nil
}

// ListFlows lists the tenant's flows ordered by id, drafts included.
func (s *Store) ListFlows(ctx context.Context, tenant string) ([]Flow, error) {
	fs := []Flow{}
	err := s.db.SelectContext(ctx, &fs, s.Rebind(`SELECT `+flowCols+` FROM flows WHERE tenant_id = ? ORDER BY id`), tenant)
	if err != nil {
		return nil, fmt.Errorf("store: list flows: %w", err)
	}
	return fs, nil
}

// UpdateFlowDraft replaces the draft (and name) of a flow; the published
// version is untouched.
func (s *Store) UpdateFlowDraft(ctx context.Context, tenant, id, name, draft, by string) (*Flow, error) {
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE flows SET name = ?, draft = ?, updated_at = ?, updated_by = ? WHERE tenant_id = ? AND id = ?`),
		name, draft, now(), by, tenant, id)
	if err != nil {
		return nil, fmt.Errorf("store: update flow %q: %w", id, mapErr(err))
	}
	if err := affectedOne(res, "flow", id); err != nil {
		return nil, err
	}
	return s.GetFlow(ctx, tenant, id)
}

// DeleteFlow removes a flow and all its versions.
func (s *Store) DeleteFlow(ctx context.Context, tenant, id string) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM flow_versions WHERE tenant_id = ? AND flow_id = ?`), tenant, id); err != nil {
			return fmt.Errorf("store: delete flow %q versions: %w", id, err)
		}
		res, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM flows WHERE tenant_id = ? AND id = ?`), tenant, id)
		if err != nil {
			return fmt.Errorf("store: delete flow %q: %w", id, err)
		}
		return affectedOne(res, "flow", id)
	})
}

// PublishFlow writes document as the next version of the flow and makes it
// the live one. The caller validates document first.
func (s *Store) PublishFlow(ctx context.Context, tenant, id, document, by string) (int, error) {
	var version int
	err := s.InTx(ctx, func(tx *sqlx.Tx) error {
		// Touching the row first locks it on PostgreSQL, so two publishes
		// of one flow queue instead of racing for the same version number.
		t := now()
		res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE flows SET updated_at = ?, updated_by = ? WHERE tenant_id = ? AND id = ?`), t, by, tenant, id)
		if err != nil {
			return fmt.Errorf("store: publish flow %q: %w", id, err)
		}
		if err := affectedOne(res, "flow", id); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &version, tx.Rebind(`SELECT COALESCE(MAX(version), 0) + 1 FROM flow_versions WHERE tenant_id = ? AND flow_id = ?`), tenant, id); err != nil {
			return fmt.Errorf("store: publish flow %q: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO flow_versions (tenant_id, flow_id, version, document, created_at, created_by) VALUES (?,?,?,?,?,?)`),
			tenant, id, version, document, t, by); err != nil {
			return fmt.Errorf("store: publish flow %q version %d: %w", id, version, mapErr(err))
		}
		if _, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE flows SET published_version = ? WHERE tenant_id = ? AND id = ?`), version, tenant, id); err != nil {
			return fmt.Errorf("store: publish flow %q: %w", id, err)
		}
		return nil
	})
	return version, err
}

// SetPublishedFlowVersion makes an existing version live again (roll back
// or forward); ErrNotFound when the flow has no such version.
func (s *Store) SetPublishedFlowVersion(ctx context.Context, tenant, id string, version int, by string) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		var n int
		if err := tx.GetContext(ctx, &n, tx.Rebind(`SELECT COUNT(*) FROM flow_versions WHERE tenant_id = ? AND flow_id = ? AND version = ?`), tenant, id, version); err != nil {
			return fmt.Errorf("store: roll back flow %q: %w", id, err)
		}
		if n == 0 {
			return fmt.Errorf("store: flow %q version %d: %w", id, version, ErrNotFound)
		}
		res, err := tx.ExecContext(ctx, tx.Rebind(`UPDATE flows SET published_version = ?, updated_at = ?, updated_by = ? WHERE tenant_id = ? AND id = ?`),
			version, now(), by, tenant, id)
		if err != nil {
			return fmt.Errorf("store: roll back flow %q: %w", id, err)
		}
		return affectedOne(res, "flow", id)
	})
}

const flowVersionCols = `tenant_id, flow_id, version, document, created_at, created_by`

// ListFlowVersions lists the versions of a flow, newest first.
func (s *Store) ListFlowVersions(ctx context.Context, tenant, id string) ([]FlowVersion, error) {
	vs := []FlowVersion{}
	err := s.db.SelectContext(ctx, &vs, s.Rebind(`SELECT `+flowVersionCols+` FROM flow_versions WHERE tenant_id = ? AND flow_id = ? ORDER BY version DESC`), tenant, id)
	if err != nil {
		return nil, fmt.Errorf("store: list versions of flow %q: %w", id, err)
	}
	return vs, nil
}

// GetFlowVersion loads one version of a flow.
func (s *Store) GetFlowVersion(ctx context.Context, tenant, id string, version int) (*FlowVersion, error) {
	var v FlowVersion
	err := s.db.GetContext(ctx, &v, s.Rebind(`SELECT `+flowVersionCols+` FROM flow_versions WHERE tenant_id = ? AND flow_id = ? AND version = ?`), tenant, id, version)
	if err != nil {
		return nil, fmt.Errorf("store: get flow %q version %d: %w", id, version, mapErr(err))
	}
	return &v, nil
}

// PublishedFlow loads the live version of a flow; ErrNotFound when the
// flow does not exist or was never published. A call loads it once when it
// starts and runs that version to its end.
func (s *Store) PublishedFlow(ctx context.Context, tenant, id string) (*FlowVersion, error) {
	var v FlowVersion
	err := s.db.GetContext(ctx, &v, s.Rebind(`SELECT v.tenant_id, v.flow_id, v.version, v.document, v.created_at, v.created_by
		FROM flows f JOIN flow_versions v ON v.tenant_id = f.tenant_id AND v.flow_id = f.id AND v.version = f.published_version
		WHERE f.tenant_id = ? AND f.id = ?`), tenant, id)
	if err != nil {
		return nil, fmt.Errorf("store: published flow %q: %w", id, mapErr(err))
	}
	return &v, nil
}

// VoicemailMessage is one message left in a mailbox.
type VoicemailMessage struct {
	ID         int64     `db:"id" json:"id"`
	TenantID   string    `db:"tenant_id" json:"-"`
	Mailbox    string    `db:"mailbox" json:"mailbox"`
	CallID     string    `db:"call_id" json:"call_id"`
	Caller     string    `db:"caller" json:"caller"`
	Path       string    `db:"path" json:"path"`
	DurationMS int64     `db:"duration_ms" json:"duration_ms"`
	CreatedAt  time.Time `db:"created_at" json:"created_at"`
	Heard      bool      `db:"heard" json:"heard"`
}

// AddVoicemail stores a message (CreatedAt defaults to now) and sets its ID.
func (s *Store) AddVoicemail(ctx context.Context, m *VoicemailMessage) error {
	if m.CreatedAt.IsZero() {
		m.CreatedAt = now()
	}
	m.CreatedAt = m.CreatedAt.UTC()
	id, err := s.insertReturningID(ctx, `INSERT INTO voicemail_messages (tenant_id, mailbox, call_id, caller, path, duration_ms, created_at, heard) VALUES (?,?,?,?,?,?,?,?)`,
		m.TenantID, m.Mailbox, m.CallID, m.Caller, m.Path, m.DurationMS, m.CreatedAt, m.Heard)
	if err != nil {
		return fmt.Errorf("store: add voicemail for mailbox %q: %w", m.Mailbox, err)
	}
	m.ID = id
	return nil
}

// ListVoicemail lists a mailbox's messages, newest first ("" = every
// mailbox of the tenant).
func (s *Store) ListVoicemail(ctx context.Context, tenant, mailbox string) ([]VoicemailMessage, error) {
	ms := []VoicemailMessage{}
	q := `SELECT id, tenant_id, mailbox, call_id, caller, path, duration_ms, created_at, heard FROM voicemail_messages WHERE tenant_id = ?`
	args := []any{tenant}
	if mailbox != "" {
		q += ` AND mailbox = ?`
		args = append(args, mailbox)
	}
	if err := s.db.SelectContext(ctx, &ms, s.Rebind(q+` ORDER BY created_at DESC, id DESC`), args...); err != nil {
		return nil, fmt.Errorf("store: list voicemail: %w", err)
	}
	return ms, nil
}

// MarkVoicemailHeard sets or clears the heard flag of a message.
func (s *Store) MarkVoicemailHeard(ctx context.Context, tenant string, id int64, heard bool) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE voicemail_messages SET heard = ? WHERE tenant_id = ? AND id = ?`), heard, tenant, id)
	if err != nil {
		return fmt.Errorf("store: mark voicemail %d: %w", id, err)
	}
	return affectedOne(res, "voicemail message", fmt.Sprint(id))
}

// SurveyResult is one satisfaction rating left after a call.
type SurveyResult struct {
	ID        int64     `db:"id" json:"id"`
	TenantID  string    `db:"tenant_id" json:"-"`
	CallID    string    `db:"call_id" json:"call_id"`
	AgentID   string    `db:"agent_id" json:"agent_id"`
	Queue     string    `db:"queue" json:"queue"`
	Score     int       `db:"score" json:"score"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}

// AddSurveyResult stores a rating (CreatedAt defaults to now) and sets its
// ID.
func (s *Store) AddSurveyResult(ctx context.Context, r *SurveyResult) error {
	if r.CreatedAt.IsZero() {
		r.CreatedAt = now()
	}
	r.CreatedAt = r.CreatedAt.UTC()
	id, err := s.insertReturningID(ctx, `INSERT INTO survey_results (tenant_id, call_id, agent_id, queue, score, created_at) VALUES (?,?,?,?,?,?)`,
		r.TenantID, r.CallID, r.AgentID, r.Queue, r.Score, r.CreatedAt)
	if err != nil {
		return fmt.Errorf("store: add survey result for call %q: %w", r.CallID, err)
	}
	r.ID = id
	return nil
}

// ListSurveyResults lists the tenant's ratings created in [from, to),
// oldest first.
func (s *Store) ListSurveyResults(ctx context.Context, tenant string, from, to time.Time) ([]SurveyResult, error) {
	rs := []SurveyResult{}
	err := s.db.SelectContext(ctx, &rs, s.Rebind(`SELECT id, tenant_id, call_id, agent_id, queue, score, created_at FROM survey_results
		WHERE tenant_id = ? AND created_at >= ? AND created_at < ? ORDER BY created_at, id`), tenant, from.UTC(), to.UTC())
	if err != nil {
		return nil, fmt.Errorf("store: list survey results: %w", err)
	}
	return rs, nil
}

// insertReturningID runs an INSERT into a table with a serial id and returns the id.
func (s *Store) insertReturningID(ctx context.Context, q string, args ...any) (int64, error) {
	if s.dialect == Postgres {
		var id int64
		if err := s.db.GetContext(ctx, &id, s.Rebind(q+` RETURNING id`), args...); err != nil {
			return 0, mapErr(err)
		}
		return id, nil
	}
	res, err := s.db.ExecContext(ctx, s.Rebind(q), args...)
	if err != nil {
		return 0, mapErr(err)
	}
	return res.LastInsertId()
}

// GetVoicemail loads one message of the tenant.
func (s *Store) GetVoicemail(ctx context.Context, tenant string, id int64) (*VoicemailMessage, error) {
	var m VoicemailMessage
	err := s.db.GetContext(ctx, &m, s.Rebind(`SELECT id, tenant_id, mailbox, call_id, caller, path, duration_ms, created_at, heard FROM voicemail_messages WHERE tenant_id = ? AND id = ?`), tenant, id)
	if err != nil {
		return nil, fmt.Errorf("store: get voicemail %d: %w", id, mapErr(err))
	}
	return &m, nil
}

// DeleteVoicemail removes a message's row (the caller removes the file).
func (s *Store) DeleteVoicemail(ctx context.Context, tenant string, id int64) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`DELETE FROM voicemail_messages WHERE tenant_id = ? AND id = ?`), tenant, id)
	if err != nil {
		return fmt.Errorf("store: delete voicemail %d: %w", id, err)
	}
	return affectedOne(res, "voicemail message", fmt.Sprint(id))
}
