package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

// QA rows (migration 0032). The qa package owns their meaning: JSON columns
// (template bodies, task specs, answers) are opaque here.

// QAAnalyticsRow is the speech analytics of one recording.
type QAAnalyticsRow struct {
	TenantID         string    `db:"tenant_id" json:"-"`
	RecordingID      string    `db:"recording_id" json:"recording_id"`
	CallID           string    `db:"call_id" json:"call_id"`
	AnalyzedAt       time.Time `db:"analyzed_at" json:"analyzed_at"`
	DurationMS       int64     `db:"duration_ms" json:"duration_ms"`
	Channels         int       `db:"channels" json:"channels"`
	CallerTalkMS     int64     `db:"caller_talk_ms" json:"caller_talk_ms"`
	AgentTalkMS      int64     `db:"agent_talk_ms" json:"agent_talk_ms"`
	OvertalkMS       int64     `db:"overtalk_ms" json:"overtalk_ms"`
	SilenceMS        int64     `db:"silence_ms" json:"silence_ms"`
	LongestSilenceMS int64     `db:"longest_silence_ms" json:"longest_silence_ms"`
	HoldMusicMS      int64     `db:"hold_music_ms" json:"hold_music_ms"`
	Body             string    `db:"body" json:"-"`
	Peaks            string    `db:"peaks" json:"-"`
	Error            string    `db:"error" json:"error,omitempty"`
}

const qaAnalyticsCols = `tenant_id, recording_id, call_id, analyzed_at, duration_ms, channels, caller_talk_ms, agent_talk_ms, overtalk_ms, silence_ms, longest_silence_ms, hold_music_ms, body, peaks, error`

// SaveQAAnalytics inserts or replaces a recording's analytics.
func (s *Store) SaveQAAnalytics(ctx context.Context, r *QAAnalyticsRow) error {
	q := `INSERT INTO qa_analytics (` + qaAnalyticsCols + `) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
ON CONFLICT (tenant_id, recording_id) DO UPDATE SET call_id = excluded.call_id, analyzed_at = excluded.analyzed_at, duration_ms = excluded.duration_ms,
 channels = excluded.channels, caller_talk_ms = excluded.caller_talk_ms, agent_talk_ms = excluded.agent_talk_ms, overtalk_ms = excluded.overtalk_ms,
 silence_ms = excluded.silence_ms, longest_silence_ms = excluded.longest_silence_ms, hold_music_ms = excluded.hold_music_ms, body = excluded.body,
 peaks = excluded.peaks, error = excluded.error`
	_, err := s.db.ExecContext(ctx, s.Rebind(q), r.TenantID, r.RecordingID, r.CallID, r.AnalyzedAt.UTC(), r.DurationMS, r.Channels, r.CallerTalkMS, r.AgentTalkMS,
		r.OvertalkMS, r.SilenceMS, r.LongestSilenceMS, r.HoldMusicMS, orEmptyJSON(r.Body, "{}"), r.Peaks, r.Error)
	if err != nil {
		return fmt.Errorf("store: save qa analytics of recording %s: %w", r.RecordingID, mapErr(err))
	}
	return nil
}

// GetQAAnalytics loads a recording's analytics.
func (s *Store) GetQAAnalytics(ctx context.Context, tenant, recordingID string) (*QAAnalyticsRow, error) {
	var r QAAnalyticsRow
	if err := s.db.GetContext(ctx, &r, s.Rebind(`SELECT `+qaAnalyticsCols+` FROM qa_analytics WHERE tenant_id = ? AND recording_id = ?`), tenant, recordingID); err != nil {
		return nil, fmt.Errorf("store: qa analytics of recording %s: %w", recordingID, mapErr(err))
	}
	return &r, nil
}

func orEmptyJSON(s, empty string) string {
	if s == "" {
		return empty
	}
	return s
}

// QATemplateRow is one version of a scoring template.
type QATemplateRow struct {
	TenantID  string    `db:"tenant_id" json:"-"`
	ID        string    `db:"id" json:"id"`
	Version   int       `db:"version" json:"version"`
	Name      string    `db:"name" json:"name"`
	Body      string    `db:"body" json:"-"`
	Archived  bool      `db:"archived" json:"archived"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
	CreatedBy string    `db:"created_by" json:"created_by"`
}

const qaTemplateCols = `tenant_id, id, version, name, body, archived, created_at, created_by`

// AddQATemplateVersion stores the next version of a template (version 1
// for a new id) and sets r.Version.
func (s *Store) AddQATemplateVersion(ctx context.Context, r *QATemplateRow) error {
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		var v int
		if err := tx.GetContext(ctx, &v, tx.Rebind(`SELECT COALESCE(MAX(version), 0) FROM qa_templates WHERE tenant_id = ? AND id = ?`), r.TenantID, r.ID); err != nil {
			return fmt.Errorf("store: qa template %s version: %w", r.ID, err)
		}
		r.Version, r.CreatedAt = v+1, now()
		_, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO qa_templates (`+qaTemplateCols+`) VALUES (?,?,?,?,?,?,?,?)`),
			r.TenantID, r.ID, r.Version, r.Name, r.Body, r.Archived, r.CreatedAt, r.CreatedBy)
		if err != nil {
			return fmt.Errorf("store: add qa template %s version %d: %w", r.ID, r.Version, mapErr(err))
		}
		return nil
	})
}

// GetQATemplate loads a template version (0 = the latest).
func (s *Store) GetQATemplate(ctx context.Context, tenant, id string, version int) (*QATemplateRow, error) {
	var r QATemplateRow
	q := `SELECT ` + qaTemplateCols + ` FROM qa_templates WHERE tenant_id = ? AND id = ?`
	args := []any{tenant, id}
	if version > 0 {
		q += ` AND version = ?`
		args = append(args, version)
	} else {
		q += ` ORDER BY version DESC LIMIT 1`
	}
	if err := s.db.GetContext(ctx, &r, s.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("store: qa template %s version %d: %w", id, version, mapErr(err))
	}
	return &r, nil
}

// ListQATemplates lists the latest version of each template.
func (s *Store) ListQATemplates(ctx context.Context, tenant string) ([]QATemplateRow, error) {
	out := []QATemplateRow{}
	q := `SELECT ` + qaTemplateCols + ` FROM qa_templates t WHERE tenant_id = ? AND version = (SELECT MAX(version) FROM qa_templates m WHERE m.tenant_id = t.tenant_id AND m.id = t.id) ORDER BY name, id`
	if err := s.db.SelectContext(ctx, &out, s.Rebind(q), tenant); err != nil {
		return nil, fmt.Errorf("store: list qa templates: %w", err)
	}
	return out, nil
}

// QATaskRow is a sampling task.
type QATaskRow struct {
	TenantID   string     `db:"tenant_id" json:"-"`
	ID         string     `db:"id" json:"id"`
	Name       string     `db:"name" json:"name"`
	TemplateID string     `db:"template_id" json:"template_id"`
	Spec       string     `db:"spec" json:"-"`
	Seed       int64      `db:"seed" json:"seed"`
	Deadline   *time.Time `db:"deadline" json:"deadline,omitempty"`
	CreatedBy  string     `db:"created_by" json:"created_by"`
	CreatedAt  time.Time  `db:"created_at" json:"created_at"`
}

// QATaskCall is a call a task picked for scoring.
type QATaskCall struct {
	TenantID    string    `db:"tenant_id" json:"-"`
	TaskID      string    `db:"task_id" json:"task_id"`
	CallID      string    `db:"call_id" json:"call_id"`
	RecordingID string    `db:"recording_id" json:"recording_id"`
	AgentID     string    `db:"agent_id" json:"agent_id"`
	QueueID     string    `db:"queue_id" json:"queue_id"`
	StartedAt   time.Time `db:"started_at" json:"started_at"`
	Reasons     string    `db:"reasons" json:"-"`
	Assignee    string    `db:"assignee" json:"assignee"`
	PickedBy    string    `db:"picked_by" json:"picked_by"`
	PickedAt    time.Time `db:"picked_at" json:"picked_at"`
	ScoreID     string    `db:"score_id" json:"score_id"`
}

const qaTaskCols = `tenant_id, id, name, template_id, spec, seed, deadline, created_by, created_at`
const qaTaskCallCols = `tenant_id, task_id, call_id, recording_id, agent_id, queue_id, started_at, reasons, assignee, picked_by, picked_at, score_id`

// CreateQATask stores a task and the calls it picked, in one transaction.
func (s *Store) CreateQATask(ctx context.Context, t *QATaskRow, calls []QATaskCall) error {
	t.CreatedAt = now()
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		if t.ID != QAManualTask {
			_, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO qa_tasks (`+qaTaskCols+`) VALUES (?,?,?,?,?,?,?,?,?)`),
				t.TenantID, t.ID, t.Name, t.TemplateID, t.Spec, t.Seed, utcp(t.Deadline), t.CreatedBy, t.CreatedAt)
			if err != nil {
				return fmt.Errorf("store: create qa task %s: %w", t.ID, mapErr(err))
			}
		}
		for i := range calls {
			c := &calls[i]
			c.TenantID, c.TaskID, c.PickedAt = t.TenantID, t.ID, t.CreatedAt
			if err := insertTaskCall(ctx, tx, c); err != nil {
				return err
			}
		}
		return nil
	})
}

// QAManualTask is the task id of supervisors' manual picks.
const QAManualTask = "manual"

// AddQATaskCall adds one pick (a manual one) to a task.
func (s *Store) AddQATaskCall(ctx context.Context, c *QATaskCall) error {
	c.PickedAt = now()
	return insertTaskCall(ctx, s.db, c)
}

func insertTaskCall(ctx context.Context, db sqlx.ExtContext, c *QATaskCall) error {
	_, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO qa_task_calls (`+qaTaskCallCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`),
		c.TenantID, c.TaskID, c.CallID, c.RecordingID, c.AgentID, c.QueueID, c.StartedAt.UTC(), orEmptyJSON(c.Reasons, "[]"), c.Assignee, c.PickedBy, c.PickedAt.UTC(), c.ScoreID)
	if err != nil {
		return fmt.Errorf("store: add call %s to qa task %s: %w", c.CallID, c.TaskID, mapErr(err))
	}
	return nil
}

// GetQATask loads a task.
func (s *Store) GetQATask(ctx context.Context, tenant, id string) (*QATaskRow, error) {
	var r QATaskRow
	if err := s.db.GetContext(ctx, &r, s.Rebind(`SELECT `+qaTaskCols+` FROM qa_tasks WHERE tenant_id = ? AND id = ?`), tenant, id); err != nil {
		return nil, fmt.Errorf("store: qa task %s: %w", id, mapErr(err))
	}
	return &r, nil
}

// ListQATasks lists the tenant's tasks, newest first.
func (s *Store) ListQATasks(ctx context.Context, tenant string) ([]QATaskRow, error) {
	out := []QATaskRow{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(`SELECT `+qaTaskCols+` FROM qa_tasks WHERE tenant_id = ? ORDER BY created_at DESC, id`), tenant); err != nil {
		return nil, fmt.Errorf("store: list qa tasks: %w", err)
	}
	return out, nil
}

// QATaskCallFilter narrows ListQATaskCalls ("" = any).
type QATaskCallFilter struct {
	TaskID, Assignee, CallID string
}

// ListQATaskCalls lists picked calls, oldest call first.
func (s *Store) ListQATaskCalls(ctx context.Context, tenant string, f QATaskCallFilter) ([]QATaskCall, error) {
	q := `SELECT ` + qaTaskCallCols + ` FROM qa_task_calls WHERE tenant_id = ?`
	args := []any{tenant}
	for _, c := range []struct{ col, v string }{{"task_id", f.TaskID}, {"assignee", f.Assignee}, {"call_id", f.CallID}} {
		if c.v != "" {
			q += ` AND ` + c.col + ` = ?`
			args = append(args, c.v)
		}
	}
	out := []QATaskCall{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(q+` ORDER BY started_at, call_id`), args...); err != nil {
		return nil, fmt.Errorf("store: list qa task calls: %w", err)
	}
	return out, nil
}

// SetQATaskCallScore links a picked call to the score made of it.
func (s *Store) SetQATaskCallScore(ctx context.Context, tenant, task, call, scoreID string) error {
	res, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE qa_task_calls SET score_id = ? WHERE tenant_id = ? AND task_id = ? AND call_id = ?`), scoreID, tenant, task, call)
	if err != nil {
		return fmt.Errorf("store: qa task %s call %s: %w", task, call, err)
	}
	return affectedOne(res, "qa task call", task+"/"+call)
}

// QAScoreRow is one QA user's score of one call.
type QAScoreRow struct {
	TenantID        string     `db:"tenant_id" json:"-"`
	ID              string     `db:"id" json:"id"`
	TemplateID      string     `db:"template_id" json:"template_id"`
	TemplateVersion int        `db:"template_version" json:"template_version"`
	CallID          string     `db:"call_id" json:"call_id"`
	RecordingID     string     `db:"recording_id" json:"recording_id"`
	AgentID         string     `db:"agent_id" json:"agent_id"`
	QueueID         string     `db:"queue_id" json:"queue_id"`
	ScorerID        string     `db:"scorer_id" json:"scorer_id"`
	TaskID          string     `db:"task_id" json:"task_id"`
	CalibrationID   string     `db:"calibration_id" json:"calibration_id"`
	Status          string     `db:"status" json:"status"`
	Answers         string     `db:"answers" json:"-"`
	Pins            string     `db:"pins" json:"-"`
	Comment         string     `db:"comment" json:"comment"`
	TotalX100       int64      `db:"total_x100" json:"-"`
	Fatal           bool       `db:"fatal" json:"fatal"`
	CreatedAt       time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt       time.Time  `db:"updated_at" json:"updated_at"`
	SubmittedAt     *time.Time `db:"submitted_at" json:"submitted_at,omitempty"`
}

const qaScoreCols = `tenant_id, id, template_id, template_version, call_id, recording_id, agent_id, queue_id, scorer_id, task_id, calibration_id, status, answers, pins, comment, total_x100, fatal, created_at, updated_at, submitted_at`

// SaveQAScore inserts or updates a score; with h it also appends a history
// row in the same transaction.
func (s *Store) SaveQAScore(ctx context.Context, r *QAScoreRow, h ...QAScoreChange) error {
	r.UpdatedAt = now()
	if r.CreatedAt.IsZero() {
		r.CreatedAt = r.UpdatedAt
	}
	q := `INSERT INTO qa_scores (` + qaScoreCols + `) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
ON CONFLICT (tenant_id, id) DO UPDATE SET status = excluded.status, answers = excluded.answers, pins = excluded.pins, comment = excluded.comment,
 total_x100 = excluded.total_x100, fatal = excluded.fatal, updated_at = excluded.updated_at, submitted_at = excluded.submitted_at`
	return s.InTx(ctx, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, tx.Rebind(q), r.TenantID, r.ID, r.TemplateID, r.TemplateVersion, r.CallID, r.RecordingID, r.AgentID, r.QueueID, r.ScorerID,
			r.TaskID, r.CalibrationID, r.Status, orEmptyJSON(r.Answers, "{}"), orEmptyJSON(r.Pins, "[]"), r.Comment, r.TotalX100, r.Fatal, r.CreatedAt, r.UpdatedAt, utcp(r.SubmittedAt))
		if err != nil {
			return fmt.Errorf("store: save qa score %s: %w", r.ID, mapErr(err))
		}
		for i := range h {
			if err := addScoreChange(ctx, tx, r.TenantID, r.ID, &h[i]); err != nil {
				return err
			}
		}
		return nil
	})
}

// GetQAScore loads a score.
func (s *Store) GetQAScore(ctx context.Context, tenant, id string) (*QAScoreRow, error) {
	var r QAScoreRow
	if err := s.db.GetContext(ctx, &r, s.Rebind(`SELECT `+qaScoreCols+` FROM qa_scores WHERE tenant_id = ? AND id = ?`), tenant, id); err != nil {
		return nil, fmt.Errorf("store: qa score %s: %w", id, mapErr(err))
	}
	return &r, nil
}

// QAScoreFilter narrows ListQAScores ("" / zero = any). Queues, when set,
// keeps scores of those queues only.
type QAScoreFilter struct {
	AgentID, ScorerID, Status, CallID, CalibrationID, TaskID, TemplateID string
	Queues                                                               []string
	Since, Until                                                         time.Time // on created_at
	Limit                                                                int
}

// ListQAScores lists scores, newest first.
func (s *Store) ListQAScores(ctx context.Context, tenant string, f QAScoreFilter) ([]QAScoreRow, error) {
	q := `SELECT ` + qaScoreCols + ` FROM qa_scores WHERE tenant_id = ?`
	args := []any{tenant}
	for _, c := range []struct{ col, v string }{{"agent_id", f.AgentID}, {"scorer_id", f.ScorerID}, {"status", f.Status}, {"call_id", f.CallID},
		{"calibration_id", f.CalibrationID}, {"task_id", f.TaskID}, {"template_id", f.TemplateID}} {
		if c.v != "" {
			q += ` AND ` + c.col + ` = ?`
			args = append(args, c.v)
		}
	}
	if f.Queues != nil {
		if len(f.Queues) == 0 {
			return []QAScoreRow{}, nil
		}
		q += ` AND queue_id IN (?` + strings.Repeat(",?", len(f.Queues)-1) + `)`
		for _, x := range f.Queues {
			args = append(args, x)
		}
	}
	q, args = timeWindow(q, args, "created_at", f.Since, f.Until)
	if f.Limit <= 0 || f.Limit > 10000 {
		f.Limit = 1000
	}
	out := []QAScoreRow{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(q+fmt.Sprintf(` ORDER BY created_at DESC, id LIMIT %d`, f.Limit)), args...); err != nil {
		return nil, fmt.Errorf("store: list qa scores: %w", err)
	}
	return out, nil
}

// QAScoreChange is one line of a score's history.
type QAScoreChange struct {
	TenantID string    `db:"tenant_id" json:"-"`
	ID       string    `db:"id" json:"id"`
	ScoreID  string    `db:"score_id" json:"score_id"`
	At       time.Time `db:"at" json:"at"`
	ActorID  string    `db:"actor_id" json:"actor_id"`
	Action   string    `db:"action" json:"action"`
	ItemID   string    `db:"item_id" json:"item_id,omitempty"`
	OldValue string    `db:"old_value" json:"old_value,omitempty"`
	NewValue string    `db:"new_value" json:"new_value,omitempty"`
	OldX100  int64     `db:"old_x100" json:"-"`
	NewX100  int64     `db:"new_x100" json:"-"`
	Note     string    `db:"note" json:"note,omitempty"`
}

const qaChangeCols = `tenant_id, id, score_id, at, actor_id, action, item_id, old_value, new_value, old_x100, new_x100, note`

func addScoreChange(ctx context.Context, tx *sqlx.Tx, tenant, score string, h *QAScoreChange) error {
	h.TenantID, h.ScoreID = tenant, score
	if h.At.IsZero() {
		h.At = now()
	}
	_, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO qa_score_history (`+qaChangeCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`),
		h.TenantID, h.ID, h.ScoreID, h.At.UTC(), h.ActorID, h.Action, h.ItemID, h.OldValue, h.NewValue, h.OldX100, h.NewX100, h.Note)
	if err != nil {
		return fmt.Errorf("store: qa score %s history: %w", score, mapErr(err))
	}
	return nil
}

// ListQAScoreHistory lists a score's changes, oldest first.
func (s *Store) ListQAScoreHistory(ctx context.Context, tenant, score string) ([]QAScoreChange, error) {
	out := []QAScoreChange{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(`SELECT `+qaChangeCols+` FROM qa_score_history WHERE tenant_id = ? AND score_id = ? ORDER BY at, id`), tenant, score); err != nil {
		return nil, fmt.Errorf("store: qa score %s history: %w", score, err)
	}
	return out, nil
}
