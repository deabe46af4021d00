package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// QAAppealRow is an agent's appeal (申诉) against one item of a score.
type QAAppealRow struct {
	TenantID  string     `db:"tenant_id" json:"-"`
	ID        string     `db:"id" json:"id"`
	ScoreID   string     `db:"score_id" json:"score_id"`
	ItemID    string     `db:"item_id" json:"item_id"`
	AgentID   string     `db:"agent_id" json:"agent_id"`
	Reason    string     `db:"reason" json:"reason"`
	Status    string     `db:"status" json:"status"` // open, upheld, changed
	CreatedAt time.Time  `db:"created_at" json:"created_at"`
	DecidedBy string     `db:"decided_by" json:"decided_by,omitempty"`
	DecidedAt *time.Time `db:"decided_at" json:"decided_at,omitempty"`
	NewValue  string     `db:"new_value" json:"new_value,omitempty"`
	Note      string     `db:"note" json:"note,omitempty"`
}

const qaAppealCols = `tenant_id, id, score_id, item_id, agent_id, reason, status, created_at, decided_by, decided_at, new_value, note`

// CreateQAAppeal stores a new, open appeal.
func (s *Store) CreateQAAppeal(ctx context.Context, a *QAAppealRow) error {
	if a.CreatedAt.IsZero() {
		a.CreatedAt = now()
	}
	a.Status = "open"
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO qa_appeals (`+qaAppealCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`),
		a.TenantID, a.ID, a.ScoreID, a.ItemID, a.AgentID, a.Reason, a.Status, a.CreatedAt, a.DecidedBy, utcp(a.DecidedAt), a.NewValue, a.Note)
	if err != nil {
		return fmt.Errorf("store: create qa appeal on score %s: %w", a.ScoreID, mapErr(err))
	}
	return nil
}

// GetQAAppeal loads an appeal.
func (s *Store) GetQAAppeal(ctx context.Context, tenant, id string) (*QAAppealRow, error) {
	var a QAAppealRow
	if err := s.db.GetContext(ctx, &a, s.Rebind(`SELECT `+qaAppealCols+` FROM qa_appeals WHERE tenant_id = ? AND id = ?`), tenant, id); err != nil {
		return nil, fmt.Errorf("store: qa appeal %s: %w", id, mapErr(err))
	}
	return &a, nil
}

// QAAppealFilter narrows ListQAAppeals ("" = any).
type QAAppealFilter struct {
	ScoreID, AgentID, Status string
	Since, Until             time.Time
}

// ListQAAppeals lists appeals, newest first.
func (s *Store) ListQAAppeals(ctx context.Context, tenant string, f QAAppealFilter) ([]QAAppealRow, error) {
	q := `SELECT ` + qaAppealCols + ` FROM qa_appeals WHERE tenant_id = ?`
	args := []any{tenant}
	for _, c := range []struct{ col, v string }{{"score_id", f.ScoreID}, {"agent_id", f.AgentID}, {"status", f.Status}} {
		if c.v != "" {
			q += ` AND ` + c.col + ` = ?`
			args = append(args, c.v)
		}
	}
	q, args = timeWindow(q, args, "created_at", f.Since, f.Until)
	out := []QAAppealRow{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(q+` ORDER BY created_at DESC, id LIMIT 5000`), args...); err != nil {
		return nil, fmt.Errorf("store: list qa appeals: %w", err)
	}
	return out, nil
}

// DecideQAAppeal closes an open appeal; ErrNotFound when it is not open.
func (s *Store) DecideQAAppeal(ctx context.Context, a *QAAppealRow) error {
	t := now()
	a.DecidedAt = &t
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE qa_appeals SET status = ?, decided_by = ?, decided_at = ?, new_value = ?, note = ? WHERE tenant_id = ? AND id = ? AND status = 'open'`),
		a.Status, a.DecidedBy, t, a.NewValue, a.Note, a.TenantID, a.ID)
	if err != nil {
		return fmt.Errorf("store: decide qa appeal %s: %w", a.ID, err)
	}
	return affectedOne(res, "open qa appeal", a.ID)
}

// QACalibrationRow is a calibration session: several QA users score one call.
type QACalibrationRow struct {
	TenantID        string    `db:"tenant_id" json:"-"`
	ID              string    `db:"id" json:"id"`
	Name            string    `db:"name" json:"name"`
	CallID          string    `db:"call_id" json:"call_id"`
	TemplateID      string    `db:"template_id" json:"template_id"`
	TemplateVersion int       `db:"template_version" json:"template_version"`
	Participants    string    `db:"participants" json:"-"`
	CreatedBy       string    `db:"created_by" json:"created_by"`
	CreatedAt       time.Time `db:"created_at" json:"created_at"`
}

const qaCalCols = `tenant_id, id, name, call_id, template_id, template_version, participants, created_by, created_at`

// CreateQACalibration stores a calibration session.
func (s *Store) CreateQACalibration(ctx context.Context, c *QACalibrationRow) error {
	c.CreatedAt = now()
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO qa_calibrations (`+qaCalCols+`) VALUES (?,?,?,?,?,?,?,?,?)`),
		c.TenantID, c.ID, c.Name, c.CallID, c.TemplateID, c.TemplateVersion, orEmptyJSON(c.Participants, "[]"), c.CreatedBy, c.CreatedAt)
	if err != nil {
		return fmt.Errorf("store: create qa calibration: %w", mapErr(err))
	}
	return nil
}

// GetQACalibration loads a calibration session.
func (s *Store) GetQACalibration(ctx context.Context, tenant, id string) (*QACalibrationRow, error) {
	var c QACalibrationRow
	if err := s.db.GetContext(ctx, &c, s.Rebind(`SELECT `+qaCalCols+` FROM qa_calibrations WHERE tenant_id = ? AND id = ?`), tenant, id); err != nil {
		return nil, fmt.Errorf("store: qa calibration %s: %w", id, mapErr(err))
	}
	return &c, nil
}

// ListQACalibrations lists calibration sessions, newest first.
func (s *Store) ListQACalibrations(ctx context.Context, tenant string) ([]QACalibrationRow, error) {
	out := []QACalibrationRow{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(`SELECT `+qaCalCols+` FROM qa_calibrations WHERE tenant_id = ? ORDER BY created_at DESC, id`), tenant); err != nil {
		return nil, fmt.Errorf("store: list qa calibrations: %w", err)
	}
	return out, nil
}

// SetQALead grants (lead=true) or revokes the QA lead permission of a user.
func (s *Store) SetQALead(ctx context.Context, tenant, user, by string, lead bool) error {
	var err error
	if lead {
		_, err = s.db.ExecContext(ctx, s.Rebind(`INSERT INTO qa_leads (tenant_id, user_id, granted_by, granted_at) VALUES (?,?,?,?) ON CONFLICT (tenant_id, user_id) DO NOTHING`), tenant, user, by, now())
	} else {
		_, err = s.db.ExecContext(ctx, s.Rebind(`DELETE FROM qa_leads WHERE tenant_id = ? AND user_id = ?`), tenant, user)
	}
	if err != nil {
		return fmt.Errorf("store: qa lead %s: %w", user, err)
	}
	return nil
}

// IsQALead tells whether a user holds the QA lead permission.
func (s *Store) IsQALead(ctx context.Context, tenant, user string) (bool, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, s.Rebind(`SELECT COUNT(*) FROM qa_leads WHERE tenant_id = ? AND user_id = ?`), tenant, user); err != nil {
		return false, fmt.Errorf("store: qa lead %s: %w", user, err)
	}
	return n > 0, nil
}

// ListQALeads lists the users holding the QA lead permission.
func (s *Store) ListQALeads(ctx context.Context, tenant string) ([]string, error) {
	out := []string{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(`SELECT user_id FROM qa_leads WHERE tenant_id = ? ORDER BY user_id`), tenant); err != nil {
		return nil, fmt.Errorf("store: list qa leads: %w", err)
	}
	return out, nil
}

// SetQASupervisorQueues replaces the queues whose QA a supervisor sees.
func (s *Store) SetQASupervisorQueues(ctx context.Context, tenant, user string, queues []string) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM qa_supervisor_queues WHERE tenant_id = ? AND user_id = ?`), tenant, user); err != nil {
		return fmt.Errorf("store: supervisor %s queues: %w", user, err)
	}
	for _, q := range queues {
		if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO qa_supervisor_queues (tenant_id, user_id, queue_id) VALUES (?,?,?)`), tenant, user, q); err != nil {
			return fmt.Errorf("store: supervisor %s queue %s: %w", user, q, mapErr(err))
		}
	}
	return tx.Commit()
}

// QASupervisorQueues lists the queues assigned to a supervisor (none = all).
func (s *Store) QASupervisorQueues(ctx context.Context, tenant, user string) ([]string, error) {
	out := []string{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(`SELECT queue_id FROM qa_supervisor_queues WHERE tenant_id = ? AND user_id = ? ORDER BY queue_id`), tenant, user); err != nil {
		return nil, fmt.Errorf("store: supervisor %s queues: %w", user, err)
	}
	return out, nil
}

// QATranscriptRow is a recording's transcript from an ASR provider.
type QATranscriptRow struct {
	TenantID    string    `db:"tenant_id" json:"-"`
	RecordingID string    `db:"recording_id" json:"recording_id"`
	CallID      string    `db:"call_id" json:"call_id"`
	Provider    string    `db:"provider" json:"provider"`
	Words       string    `db:"words" json:"-"`
	Text        string    `db:"text" json:"text"`
	CreatedAt   time.Time `db:"created_at" json:"created_at"`
}

// SaveQATranscript inserts or replaces a transcript.
func (s *Store) SaveQATranscript(ctx context.Context, t *QATranscriptRow) error {
	t.CreatedAt = now()
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO qa_transcripts (tenant_id, recording_id, call_id, provider, words, text, created_at) VALUES (?,?,?,?,?,?,?)
ON CONFLICT (tenant_id, recording_id) DO UPDATE SET call_id = excluded.call_id, provider = excluded.provider, words = excluded.words, text = excluded.text, created_at = excluded.created_at`),
		t.TenantID, t.RecordingID, t.CallID, t.Provider, orEmptyJSON(t.Words, "[]"), t.Text, t.CreatedAt)
	if err != nil {
		return fmt.Errorf("store: save transcript of recording %s: %w", t.RecordingID, mapErr(err))
	}
	return nil
}

// GetQATranscript loads a recording's transcript.
func (s *Store) GetQATranscript(ctx context.Context, tenant, recordingID string) (*QATranscriptRow, error) {
	var t QATranscriptRow
	if err := s.db.GetContext(ctx, &t, s.Rebind(`SELECT tenant_id, recording_id, call_id, provider, words, text, created_at FROM qa_transcripts WHERE tenant_id = ? AND recording_id = ?`), tenant, recordingID); err != nil {
		return nil, fmt.Errorf("store: transcript of recording %s: %w", recordingID, mapErr(err))
	}
	return &t, nil
}

// QAPhraseRule is a keyword or forbidden-phrase rule on transcripts.
type QAPhraseRule struct {
	TenantID string `db:"tenant_id" json:"-"`
	ID       string `db:"id" json:"id"`
	Name     string `db:"name" json:"name"`
	Kind     string `db:"kind" json:"kind"`
	Channel  string `db:"channel" json:"channel"`
	Phrases  string `db:"phrases" json:"-"`
}

// SaveQAPhraseRule inserts or replaces a phrase rule.
func (s *Store) SaveQAPhraseRule(ctx context.Context, r *QAPhraseRule) error {
	_, err := s.db.ExecContext(ctx, s.Rebind(`INSERT INTO qa_phrase_rules (tenant_id, id, name, kind, channel, phrases) VALUES (?,?,?,?,?,?)
ON CONFLICT (tenant_id, id) DO UPDATE SET name = excluded.name, kind = excluded.kind, channel = excluded.channel, phrases = excluded.phrases`),
		r.TenantID, r.ID, r.Name, r.Kind, r.Channel, orEmptyJSON(r.Phrases, "[]"))
	if err != nil {
		return fmt.Errorf("store: save phrase rule %s: %w", r.ID, mapErr(err))
	}
	return nil
}

// ListQAPhraseRules lists the tenant's phrase rules.
func (s *Store) ListQAPhraseRules(ctx context.Context, tenant string) ([]QAPhraseRule, error) {
	out := []QAPhraseRule{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(`SELECT tenant_id, id, name, kind, channel, phrases FROM qa_phrase_rules WHERE tenant_id = ? ORDER BY name, id`), tenant); err != nil {
		return nil, fmt.Errorf("store: list phrase rules: %w", err)
	}
	return out, nil
}

// DeleteQAPhraseRule removes a phrase rule.
func (s *Store) DeleteQAPhraseRule(ctx context.Context, tenant, id string) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`DELETE FROM qa_phrase_rules WHERE tenant_id = ? AND id = ?`), tenant, id)
	if err != nil {
		return fmt.Errorf("store: delete phrase rule %s: %w", id, err)
	}
	return affectedOne(res, "phrase rule", id)
}

// QACandidate is a call a sampling task may pick: its record, its first
// finished recording, whether a supervisor barged in, and its analytics
// and transcript when present.
type QACandidate struct {
	CallRecord
	RecordingID string `db:"recording_id"`
	Barged      bool   `db:"barged"`
	// From qa_analytics ('' / 0 when not analysed).
	AnalyticsBody string `db:"analytics_body"`
	Transcript    string `db:"transcript_words"`
}

// QACandidateFilter selects calls for sampling ("" = any).
type QACandidateFilter struct {
	Since, Until           time.Time
	Queues, Agents         []string
	Direction, Disposition string
}

// QACandidates lists the calls of a window that a sampling task chooses
// from, oldest first (at most 200 000).
func (s *Store) QACandidates(ctx context.Context, tenant string, f QACandidateFilter) ([]QACandidate, error) {
	if err := s.calls.flush(ctx, nil); err != nil {
		return nil, err
	}
	cols := strings.ReplaceAll(callCols, ", ", ", c.")
	q := `SELECT c.` + cols + `,
 COALESCE((SELECT r.id FROM recordings r WHERE r.tenant_id = c.tenant_id AND r.call_id = c.id AND r.status = 'done' AND r.deleted_at IS NULL ORDER BY r.started_at, r.id LIMIT 1), '') AS recording_id,
 EXISTS (SELECT 1 FROM call_legs l WHERE l.tenant_id = c.tenant_id AND l.call_id = c.id AND l.role = 'barge') AS barged,
 COALESCE((SELECT a.body FROM qa_analytics a JOIN recordings r ON r.tenant_id = a.tenant_id AND r.id = a.recording_id WHERE a.tenant_id = c.tenant_id AND r.call_id = c.id AND a.error = '' ORDER BY a.analyzed_at DESC LIMIT 1), '') AS analytics_body,
 COALESCE((SELECT t.words FROM qa_transcripts t WHERE t.tenant_id = c.tenant_id AND t.call_id = c.id ORDER BY t.created_at DESC LIMIT 1), '') AS transcript_words
 FROM calls c WHERE c.tenant_id = ? AND c.parent_id = ''`
	args := []any{tenant}
	q, args = timeWindow(q, args, "c.started_at", f.Since, f.Until)
	for _, c := range []struct{ col, v string }{{"c.direction", f.Direction}, {"c.disposition", f.Disposition}} {
		if c.v != "" {
			q += ` AND ` + c.col + ` = ?`
			args = append(args, c.v)
		}
	}
	for _, c := range []struct {
		col string
		v   []string
	}{{"c.queue_id", f.Queues}, {"c.agent_id", f.Agents}} {
		if len(c.v) > 0 {
			q += ` AND ` + c.col + ` IN (?` + strings.Repeat(",?", len(c.v)-1) + `)`
			for _, x := range c.v {
				args = append(args, x)
			}
		}
	}
	out := []QACandidate{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(q+` ORDER BY c.started_at, c.id LIMIT 200000`), args...); err != nil {
		return nil, fmt.Errorf("store: qa candidate calls: %w", err)
	}
	return out, nil
}

// SetQAUserSkills replaces a QA user's skills (queue ids, or "*").
func (s *Store) SetQAUserSkills(ctx context.Context, tenant, user string, skills []string) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, tx.Rebind(`DELETE FROM qa_user_skills WHERE tenant_id = ? AND user_id = ?`), tenant, user); err != nil {
		return fmt.Errorf("store: QA user %s skills: %w", user, err)
	}
	for _, sk := range skills {
		if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO qa_user_skills (tenant_id, user_id, skill) VALUES (?,?,?)`), tenant, user, sk); err != nil {
			return fmt.Errorf("store: QA user %s skill %s: %w", user, sk, mapErr(err))
		}
	}
	return tx.Commit()
}

// QAUserSkills maps each QA user of a tenant who has skills to them, sorted.
func (s *Store) QAUserSkills(ctx context.Context, tenant string) (map[string][]string, error) {
	var rows []struct {
		UserID string `db:"user_id"`
		Skill  string `db:"skill"`
	}
	if err := s.db.SelectContext(ctx, &rows, s.Rebind(`SELECT user_id, skill FROM qa_user_skills WHERE tenant_id = ? ORDER BY user_id, skill`), tenant); err != nil {
		return nil, fmt.Errorf("store: QA user skills: %w", err)
	}
	out := map[string][]string{}
	for _, r := range rows {
		out[r.UserID] = append(out[r.UserID], r.Skill)
	}
	return out, nil
}
