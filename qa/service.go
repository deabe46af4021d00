package qa

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/ipcc/ipcc/store"
)

// Errors the API maps to statuses.
var (
	ErrForbidden = errors.New("qa: not allowed")
	ErrConflict  = errors.New("qa: conflict")
)

// Roles as the qa package sees them (the auth role names).
const (
	RoleAdmin      = "admin"
	RoleSupervisor = "supervisor"
	RoleQA         = "qa"
	RoleAgent      = "agent"
)

// Actor is who acts: a user id, their role, whether they hold the QA lead
// permission, and for a supervisor the queues they oversee (nil = all).
type Actor struct {
	ID     string
	Role   string
	Lead   bool
	Queues []string
}

// IsLead: admins and QA leads build templates and tasks and rule on appeals.
func (a *Actor) IsLead() bool { return a.Role == RoleAdmin || a.Lead }

// seesQueue tells whether a supervisor's scope covers a queue.
func (a *Actor) seesQueue(q string) bool { return a.Queues == nil || slices.Contains(a.Queues, q) }

// Service is quality inspection over the store.
type Service struct {
	St *store.Store
	// OpenAudio opens a recording's file (the API checks the media roots).
	OpenAudio func(r *store.RecordingRow) (io.ReadCloser, error)
	// AppealDays: how long after a score is submitted its agent may appeal
	// (0 = 7).
	AppealDays int
	Now        func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func newID(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + strconv.FormatInt(time.Now().UnixNano(), 36) + hex.EncodeToString(b[:])
}

// ActorFor builds the actor of a user: their lead permission and, for a
// supervisor, their queues (none assigned = all).
func (s *Service) ActorFor(ctx context.Context, tenant, id, role string) (*Actor, error) {
	a := &Actor{ID: id, Role: role}
	lead, err := s.St.IsQALead(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	a.Lead = lead
	if role == RoleSupervisor {
		qs, err := s.St.QASupervisorQueues(ctx, tenant, id)
		if err != nil {
			return nil, err
		}
		if len(qs) > 0 {
			a.Queues = qs
		}
	}
	return a, nil
}

// ---- analytics ----

// AnalyticsView is a recording's stored analytics.
type AnalyticsView struct {
	RecordingID string    `json:"recording_id"`
	CallID      string    `json:"call_id"`
	AnalyzedAt  time.Time `json:"analyzed_at"`
	Analytics
}

// Analyze reads a recording's file, computes its analytics and stores them.
func (s *Service) Analyze(ctx context.Context, tenant, recordingID string) (*AnalyticsView, error) {
	rec, err := s.St.GetRecording(ctx, tenant, recordingID)
	if err != nil {
		return nil, err
	}
	if rec.Status != store.RecordingDone || rec.DeletedAt != nil {
		return nil, verr("recording", "recording %s has no audio (status %s)", rec.ID, rec.Status)
	}
	f, err := s.OpenAudio(rec)
	if err != nil {
		return nil, fmt.Errorf("qa: open recording %s: %w", rec.ID, err)
	}
	defer f.Close()
	a, err := Analyze(f)
	row := &store.QAAnalyticsRow{TenantID: tenant, RecordingID: rec.ID, CallID: rec.CallID, AnalyzedAt: s.now()}
	if err != nil {
		row.Error = err.Error()
		_ = s.St.SaveQAAnalytics(ctx, row)
		return nil, verr("recording", "recording %s cannot be analysed: %v", rec.ID, err)
	}
	body, _ := json.Marshal(a)
	var peaks []byte
	for _, p := range a.Peaks {
		peaks = binary.AppendUvarint(peaks, uint64(len(p)))
		peaks = append(peaks, p...)
	}
	row.DurationMS, row.Channels, row.CallerTalkMS, row.AgentTalkMS = a.DurationMS, a.Channels, a.CallerTalkMS, a.AgentTalkMS
	row.OvertalkMS, row.SilenceMS, row.LongestSilenceMS, row.HoldMusicMS = a.OvertalkMS, a.SilenceMS, a.LongestSilenceMS, a.HoldMusicMS
	row.Body, row.Peaks = string(body), base64.StdEncoding.EncodeToString(peaks)
	if err := s.St.SaveQAAnalytics(ctx, row); err != nil {
		return nil, err
	}
	return &AnalyticsView{RecordingID: rec.ID, CallID: rec.CallID, AnalyzedAt: row.AnalyzedAt, Analytics: *a}, nil
}

// GetAnalytics returns stored analytics, computing them on first use.
func (s *Service) GetAnalytics(ctx context.Context, tenant, recordingID string) (*AnalyticsView, error) {
	row, err := s.St.GetQAAnalytics(ctx, tenant, recordingID)
	if store.IsNotFound(err) || (err == nil && row.Error != "") {
		return s.Analyze(ctx, tenant, recordingID)
	}
	if err != nil {
		return nil, err
	}
	v := &AnalyticsView{RecordingID: row.RecordingID, CallID: row.CallID, AnalyzedAt: row.AnalyzedAt}
	if err := json.Unmarshal([]byte(row.Body), &v.Analytics); err != nil {
		return nil, fmt.Errorf("qa: analytics of recording %s: %w", recordingID, err)
	}
	raw, err := base64.StdEncoding.DecodeString(row.Peaks)
	if err != nil {
		return nil, fmt.Errorf("qa: peaks of recording %s: %w", recordingID, err)
	}
	for len(raw) > 0 {
		n, k := binary.Uvarint(raw)
		if k <= 0 || uint64(len(raw)-k) < n {
			return nil, fmt.Errorf("qa: peaks of recording %s are damaged", recordingID)
		}
		v.Peaks = append(v.Peaks, raw[k:k+int(n)])
		raw = raw[k+int(n):]
	}
	return v, nil
}

// analyticsOfCall is the analytics of a call's recording (nil when none).
func (s *Service) analyticsOfCall(ctx context.Context, tenant, recordingID string) *Analytics {
	if recordingID == "" {
		return nil
	}
	v, err := s.GetAnalytics(ctx, tenant, recordingID)
	if err != nil {
		return nil
	}
	return &v.Analytics
}

// ---- templates ----

// TemplateView is one version of a template.
type TemplateView struct {
	ID        string    `json:"id"`
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	Template
}

func templateView(r *store.QATemplateRow) (*TemplateView, error) {
	v := &TemplateView{ID: r.ID, Version: r.Version, CreatedAt: r.CreatedAt, CreatedBy: r.CreatedBy}
	if err := json.Unmarshal([]byte(r.Body), &v.Template); err != nil {
		return nil, fmt.Errorf("qa: template %s v%d: %w", r.ID, r.Version, err)
	}
	return v, nil
}

// SaveTemplate stores a new template (id "") or the next version of one.
// Scores keep the version they were made with.
func (s *Service) SaveTemplate(ctx context.Context, tenant string, who *Actor, id string, t Template) (*TemplateView, error) {
	if !who.IsLead() {
		return nil, ErrForbidden
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	if id == "" {
		id = newID("tpl-")
	} else if _, err := s.St.GetQATemplate(ctx, tenant, id, 0); err != nil {
		return nil, err
	}
	body, _ := json.Marshal(t)
	row := &store.QATemplateRow{TenantID: tenant, ID: id, Name: t.Name, Body: string(body), CreatedBy: who.ID}
	if err := s.St.AddQATemplateVersion(ctx, row); err != nil {
		return nil, err
	}
	return templateView(row)
}

// GetTemplate loads a template version (0 = latest).
func (s *Service) GetTemplate(ctx context.Context, tenant, id string, version int) (*TemplateView, error) {
	r, err := s.St.GetQATemplate(ctx, tenant, id, version)
	if err != nil {
		return nil, err
	}
	return templateView(r)
}

// ListTemplates lists the latest version of each template.
func (s *Service) ListTemplates(ctx context.Context, tenant string) ([]TemplateView, error) {
	rows, err := s.St.ListQATemplates(ctx, tenant)
	if err != nil {
		return nil, err
	}
	out := []TemplateView{}
	for i := range rows {
		v, err := templateView(&rows[i])
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, nil
}
