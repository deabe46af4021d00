package qa

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ipcc/ipcc/store"
)

// Pin is a comment pinned to a time of the recording.
type Pin struct {
	AtMS int64  `json:"at_ms"`
	Text string `json:"text"`
}

// ScoreInput is a scorer's form: a new score (ID "") or an edit of a draft.
type ScoreInput struct {
	ID            string  `json:"id,omitempty"`
	CallID        string  `json:"call_id"`
	TaskID        string  `json:"task_id,omitempty"`
	CalibrationID string  `json:"calibration_id,omitempty"`
	TemplateID    string  `json:"template_id,omitempty"`
	Answers       Answers `json:"answers"`
	Pins          []Pin   `json:"pins,omitempty"`
	Comment       string  `json:"comment,omitempty"`
	// Submit finishes the score; otherwise it is saved as a draft.
	Submit bool `json:"submit"`
}

// ScoreView is a score as the API shows it.
type ScoreView struct {
	store.QAScoreRow
	Total        float64               `json:"total"`
	Answers      Answers               `json:"answers"`
	Pins         []Pin                 `json:"pins"`
	Result       *Result               `json:"result"`
	TemplateName string                `json:"template_name"`
	Passed       bool                  `json:"passed"`
	AppealUntil  *time.Time            `json:"appeal_until,omitempty"`
	History      []store.QAScoreChange `json:"history,omitempty"`
}

func (s *Service) appealDays() int {
	if s.AppealDays > 0 {
		return s.AppealDays
	}
	return 7
}

// SaveScore saves a draft or submits a score; the total is computed here
// from the template version the score was started with.
func (s *Service) SaveScore(ctx context.Context, tenant string, who *Actor, in ScoreInput) (*ScoreView, error) {
	if who.Role == RoleAgent {
		return nil, ErrForbidden
	}
	var row *store.QAScoreRow
	var changes []store.QAScoreChange
	if in.ID != "" {
		r, err := s.St.GetQAScore(ctx, tenant, in.ID)
		if err != nil {
			return nil, err
		}
		if r.ScorerID != who.ID {
			return nil, ErrForbidden
		}
		if r.Status != "draft" {
			return nil, fmt.Errorf("%w: score %s is submitted; changes go through an appeal", ErrConflict, r.ID)
		}
		row = r
	} else {
		r, err := s.newScore(ctx, tenant, who, in)
		if err != nil {
			return nil, err
		}
		row = r
		changes = append(changes, store.QAScoreChange{ID: newID("h-"), At: s.now(), ActorID: who.ID, Action: "created"})
	}
	tpl, err := s.GetTemplate(ctx, tenant, row.TemplateID, row.TemplateVersion)
	if err != nil {
		return nil, err
	}
	if in.Answers == nil {
		in.Answers = Answers{}
	}
	res, err := tpl.Compute(in.Answers, s.analyticsOfCall(ctx, tenant, row.RecordingID))
	if err != nil {
		return nil, err
	}
	for i, p := range in.Pins {
		if p.AtMS < 0 || strings.TrimSpace(p.Text) == "" {
			return nil, verr(fmt.Sprintf("pins[%d]", i), "a pinned comment needs a time ≥ 0 and a text")
		}
	}
	in.Comment = strings.TrimSpace(in.Comment)
	old := row.TotalX100
	if in.Submit {
		if len(res.Missing) > 0 {
			return nil, verr("answers", "unanswered items: %s", strings.Join(res.Missing, ", "))
		}
		if tpl.CommentBelow > 0 && res.Total < tpl.CommentBelow && in.Comment == "" {
			return nil, verr("comment", "a score of %.2f is below %g: a comment is required", res.Total, tpl.CommentBelow)
		}
		t := s.now()
		row.Status, row.SubmittedAt = "submitted", &t
	}
	ans, _ := json.Marshal(in.Answers)
	pins, _ := json.Marshal(orEmpty(in.Pins))
	row.Answers, row.Pins, row.Comment = string(ans), string(pins), in.Comment
	row.TotalX100, row.Fatal = int64(math.Round(res.Total*100)), res.Fatal
	if in.Submit {
		changes = append(changes, store.QAScoreChange{ID: newID("h-"), At: s.now(), ActorID: who.ID, Action: "submitted", OldX100: old, NewX100: row.TotalX100, NewValue: string(ans)})
	}
	if err := s.St.SaveQAScore(ctx, row, changes...); err != nil {
		return nil, err
	}
	if row.TaskID != "" {
		if err := s.St.SetQATaskCallScore(ctx, tenant, row.TaskID, row.CallID, row.ID); err != nil && !store.IsNotFound(err) {
			return nil, err
		}
	}
	return s.view(ctx, tenant, row, false)
}

func orEmpty[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}

// newScore checks that the actor may score the call (assigned in the task,
// a participant of the calibration, or a lead) and starts the row.
func (s *Service) newScore(ctx context.Context, tenant string, who *Actor, in ScoreInput) (*store.QAScoreRow, error) {
	call, err := s.St.GetCall(ctx, tenant, in.CallID)
	if err != nil {
		if store.IsNotFound(err) {
			return nil, verr("call_id", "no call %q", in.CallID)
		}
		return nil, err
	}
	row := &store.QAScoreRow{TenantID: tenant, ID: newID("sc-"), CallID: call.ID, AgentID: call.AgentID, QueueID: call.QueueID, ScorerID: who.ID, Status: "draft", CreatedAt: s.now()}
	switch {
	case in.CalibrationID != "":
		cal, err := s.St.GetQACalibration(ctx, tenant, in.CalibrationID)
		if err != nil {
			return nil, err
		}
		var parts []string
		_ = json.Unmarshal([]byte(cal.Participants), &parts)
		if cal.CallID != call.ID || !slices.Contains(parts, who.ID) {
			return nil, ErrForbidden
		}
		prev, err := s.St.ListQAScores(ctx, tenant, store.QAScoreFilter{CalibrationID: cal.ID, ScorerID: who.ID})
		if err != nil {
			return nil, err
		}
		if len(prev) > 0 {
			return nil, fmt.Errorf("%w: you already score this calibration (score %s)", ErrConflict, prev[0].ID)
		}
		row.CalibrationID, row.TemplateID, row.TemplateVersion = cal.ID, cal.TemplateID, cal.TemplateVersion
	case in.TaskID != "":
		picks, err := s.St.ListQATaskCalls(ctx, tenant, store.QATaskCallFilter{TaskID: in.TaskID, CallID: call.ID})
		if err != nil {
			return nil, err
		}
		if len(picks) == 0 {
			return nil, verr("task_id", "call %s is not in task %s", call.ID, in.TaskID)
		}
		if picks[0].Assignee != who.ID && !who.IsLead() {
			return nil, ErrForbidden
		}
		if picks[0].ScoreID != "" {
			return nil, fmt.Errorf("%w: call %s of task %s already has score %s", ErrConflict, call.ID, in.TaskID, picks[0].ScoreID)
		}
		row.TaskID, row.RecordingID = in.TaskID, picks[0].RecordingID
		tplID := in.TemplateID
		if in.TaskID != store.QAManualTask {
			t, err := s.St.GetQATask(ctx, tenant, in.TaskID)
			if err != nil {
				return nil, err
			}
			tplID = t.TemplateID
		}
		if tplID == "" {
			return nil, verr("template_id", "a manual pick is scored with a template: name it")
		}
		row.TemplateID = tplID
	default:
		if !who.IsLead() {
			return nil, verr("task_id", "score a call of one of your tasks (task_id) or of a calibration session")
		}
		if in.TemplateID == "" {
			return nil, verr("template_id", "name the template")
		}
		row.TemplateID = in.TemplateID
	}
	if row.TemplateVersion == 0 {
		t, err := s.St.GetQATemplate(ctx, tenant, row.TemplateID, 0)
		if err != nil {
			if store.IsNotFound(err) {
				return nil, verr("template_id", "no template %q", row.TemplateID)
			}
			return nil, err
		}
		row.TemplateVersion = t.Version
	}
	if row.RecordingID == "" {
		recs, err := s.St.ListRecordings(ctx, tenant, store.RecordingFilter{CallID: call.ID, Status: store.RecordingDone})
		if err != nil {
			return nil, err
		}
		if len(recs) > 0 {
			row.RecordingID = recs[len(recs)-1].ID
		}
	}
	return row, nil
}

func (s *Service) view(ctx context.Context, tenant string, r *store.QAScoreRow, history bool) (*ScoreView, error) {
	v := &ScoreView{QAScoreRow: *r, Total: float64(r.TotalX100) / 100}
	_ = json.Unmarshal([]byte(r.Answers), &v.Answers)
	_ = json.Unmarshal([]byte(r.Pins), &v.Pins)
	v.Pins = orEmpty(v.Pins)
	tpl, err := s.GetTemplate(ctx, tenant, r.TemplateID, r.TemplateVersion)
	if err != nil {
		return nil, err
	}
	v.TemplateName = tpl.Name
	if v.Answers == nil {
		v.Answers = Answers{}
	}
	res, err := tpl.Compute(v.Answers, s.analyticsOfCall(ctx, tenant, r.RecordingID))
	if err == nil {
		v.Result = res
	}
	v.Passed = r.Status == "submitted" && v.Total >= tpl.PassScore
	if r.SubmittedAt != nil {
		u := r.SubmittedAt.Add(time.Duration(s.appealDays()) * 24 * time.Hour)
		v.AppealUntil = &u
	}
	if history {
		h, err := s.St.ListQAScoreHistory(ctx, tenant, r.ID)
		if err != nil {
			return nil, err
		}
		v.History = h
	}
	return v, nil
}

// canSee tells whether the actor may read a score: agents their own
// submitted scores, QA users their own (leads all), supervisors their
// queues', admins all.
func (who *Actor) canSee(r *store.QAScoreRow) bool {
	switch {
	case who.IsLead():
		return true
	case who.Role == RoleAgent:
		return r.AgentID == who.ID && r.Status == "submitted"
	case who.Role == RoleQA:
		return r.ScorerID == who.ID
	case who.Role == RoleSupervisor:
		return r.Status == "submitted" && who.seesQueue(r.QueueID) || r.ScorerID == who.ID
	}
	return false
}

// GetScore loads one score with its history.
func (s *Service) GetScore(ctx context.Context, tenant string, who *Actor, id string) (*ScoreView, error) {
	r, err := s.St.GetQAScore(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	if !who.canSee(r) {
		return nil, fmt.Errorf("qa score %s: %w", id, store.ErrNotFound)
	}
	return s.view(ctx, tenant, r, true)
}

// ListScores lists the scores the actor may see.
func (s *Service) ListScores(ctx context.Context, tenant string, who *Actor, f store.QAScoreFilter) ([]ScoreView, error) {
	switch {
	case who.IsLead():
	case who.Role == RoleAgent:
		f.AgentID, f.Status = who.ID, "submitted"
	case who.Role == RoleQA:
		f.ScorerID = who.ID
	case who.Role == RoleSupervisor:
		if who.Queues != nil {
			f.Queues = who.Queues
		}
	default:
		return nil, ErrForbidden
	}
	rows, err := s.St.ListQAScores(ctx, tenant, f)
	if err != nil {
		return nil, err
	}
	out := []ScoreView{}
	for i := range rows {
		if !who.canSee(&rows[i]) {
			continue
		}
		v, err := s.view(ctx, tenant, &rows[i], false)
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, nil
}

// formatPoints writes an answer value for history.
func formatPoints(x int64) string { return strconv.FormatFloat(float64(x)/100, 'f', 2, 64) }
