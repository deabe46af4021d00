package reports

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// RecordingLink points at a recording of a call and the route that plays it.
type RecordingLink struct {
	ID    string `json:"id"`
	Audio string `json:"audio"`
}

// SurveyRow is one survey of the satisfaction detail.
type SurveyRow struct {
	ID     int64  `json:"id"`
	CallID string `json:"call_id"`
	Agent  string `json:"agent"`
	AgentLabel
	Queue      string          `json:"queue"`
	Caller     string          `json:"caller"`
	Score      int64           `json:"score"`
	CallAt     time.Time       `json:"call_started_at"`
	SurveyedAt time.Time       `json:"surveyed_at"`
	Recordings []RecordingLink `json:"recordings"`
}

// SurveyHeader is the CSV header of SurveyRow (recordings: their audio
// paths separated by spaces).
var SurveyHeader = []string{"id", "call_id", "agent", "agent_name", "agent_work_number", "queue", "caller", "score", "call_started_at", "surveyed_at", "recordings"}

// CSV is the row's CSV record.
func (r *SurveyRow) CSV() []string {
	links := make([]string, len(r.Recordings))
	for i, l := range r.Recordings {
		links[i] = l.Audio
	}
	return []string{i64(r.ID), r.CallID, r.Agent, r.AgentName, r.AgentWorkNumber, r.Queue, r.Caller, i64(r.Score), csvTime(&r.CallAt), csvTime(&r.SurveyedAt), strings.Join(links, " ")}
}

// Surveys lists the surveys on calls that started in the range, newest
// survey first, each with links to the call's recordings.
func (s *Service) Surveys(ctx context.Context, q Query, emit func(*SurveyRow) error) (string, error) {
	var w where
	w.add("s.tenant_id = ?", q.Tenant)
	w.between("c.started_at", q.From, q.To)
	w.in(surveyAgent, q.Agents)
	w.in("c.queue_id", q.Queues)
	w.number("c.", q.Number)
	if q.Cursor != "" {
		t, id, _ := decodeCursor(q.Cursor)
		n, _ := strconv.ParseInt(id, 10, 64)
		w.add("(s.created_at < ? OR (s.created_at = ? AND s.id < ?))", t, t, n)
	}
	label, err := s.agentLabels(ctx, q.Tenant)
	if err != nil {
		return "", err
	}
	sql := `SELECT s.id, s.call_id, ` + surveyAgent + `, c.queue_id, c.ani, s.score, c.started_at, s.created_at
 FROM survey_results s JOIN calls c ON c.tenant_id = s.tenant_id AND c.id = s.call_id` + w.String() + ` ORDER BY s.created_at DESC, s.id DESC`
	if q.Limit > 0 {
		sql += " LIMIT " + strconv.Itoa(q.Limit+1)
	}
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(sql), w.args...)
	if err != nil {
		return "", fmt.Errorf("reports: surveys of %s: %w", q.Tenant, err)
	}
	defer rows.Close()
	// Rows go out in batches so each batch's recordings are one query.
	var batch []*SurveyRow
	flush := func() error {
		if err := s.linkRecordings(ctx, q.Tenant, batch); err != nil {
			return err
		}
		for _, r := range batch {
			if err := emit(r); err != nil {
				return err
			}
		}
		batch = batch[:0]
		return nil
	}
	n := 0
	var last *SurveyRow
	for rows.Next() {
		r := &SurveyRow{Recordings: []RecordingLink{}}
		if err := rows.Scan(&r.ID, &r.CallID, &r.Agent, &r.Queue, &r.Caller, &r.Score, &r.CallAt, &r.SurveyedAt); err != nil {
			return "", fmt.Errorf("reports: surveys of %s: %w", q.Tenant, err)
		}
		if q.Limit > 0 && n == q.Limit {
			if err := flush(); err != nil {
				return "", err
			}
			return encodeCursor(last.SurveyedAt, i64(last.ID)), nil
		}
		r.CallAt, r.SurveyedAt = r.CallAt.In(q.Loc), r.SurveyedAt.In(q.Loc)
		r.AgentLabel = label(r.Agent)
		batch = append(batch, r)
		last = r
		n++
		if len(batch) == 200 {
			if err := flush(); err != nil {
				return "", err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("reports: surveys of %s: %w", q.Tenant, err)
	}
	return "", flush()
}

func (s *Service) linkRecordings(ctx context.Context, tenant string, rs []*SurveyRow) error {
	if len(rs) == 0 {
		return nil
	}
	byCall := map[string][]*SurveyRow{}
	ids := []string{}
	for _, r := range rs {
		if _, ok := byCall[r.CallID]; !ok {
			ids = append(ids, r.CallID)
		}
		byCall[r.CallID] = append(byCall[r.CallID], r)
	}
	var w where
	w.add("tenant_id = ?", tenant)
	w.in("call_id", ids)
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(`SELECT call_id, id FROM recordings`+w.String()+` ORDER BY started_at, id`), w.args...)
	if err != nil {
		return fmt.Errorf("reports: recordings of surveyed calls: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var call, id string
		if err := rows.Scan(&call, &id); err != nil {
			return fmt.Errorf("reports: recordings of surveyed calls: %w", err)
		}
		for _, r := range byCall[call] {
			r.Recordings = append(r.Recordings, RecordingLink{ID: id, Audio: "/api/v1/recordings/" + url.PathEscape(id) + "/audio"})
		}
	}
	return rows.Err()
}
