package store

import (
	"context"
	"fmt"
	"time"
)

// CallRecord is what ipcc keeps of one call.
type CallRecord struct {
	TenantID    string     `db:"tenant_id" json:"tenant"`
	ID          string     `db:"id" json:"id"`
	Switch      string     `db:"switch" json:"switch"`
	Leg         string     `db:"leg" json:"leg"`
	Direction   string     `db:"direction" json:"direction"`
	ANI         string     `db:"ani" json:"ani"`
	DNIS        string     `db:"dnis" json:"dnis"`
	StartedAt   time.Time  `db:"started_at" json:"started_at"`
	AnsweredAt  *time.Time `db:"answered_at" json:"answered_at,omitempty"`
	EndedAt     *time.Time `db:"ended_at" json:"ended_at,omitempty"`
	Disposition string     `db:"disposition" json:"disposition"`
	RouteID     string     `db:"route_id" json:"route_id"`
	FlowID      string     `db:"flow_id" json:"flow_id"`
	QueueID     string     `db:"queue_id" json:"queue_id"`
	AgentID     string     `db:"agent_id" json:"agent_id"`
	Target      string     `db:"target" json:"target"`
	HangupCause string     `db:"hangup_cause" json:"hangup_cause"`
	HangupBy    string     `db:"hangup_by" json:"hangup_by"`
	Trace       string     `db:"trace" json:"-"`
	// Milliseconds in the IVR, waiting in a queue, ringing the agent who
	// answered, and talking (answer by a person to the end).
	IVRMS  int64 `db:"ivr_ms" json:"ivr_ms"`
	WaitMS int64 `db:"wait_ms" json:"wait_ms"`
	RingMS int64 `db:"ring_ms" json:"ring_ms"`
	TalkMS int64 `db:"talk_ms" json:"talk_ms"`
	// Where the call entered (gateway/trunk name), time on hold and in the
	// answering agent's wrap-up, in milliseconds.
	Trunk    string `db:"trunk" json:"trunk"`
	HoldMS   int64  `db:"hold_ms" json:"hold_ms"`
	WrapUpMS int64  `db:"wrapup_ms" json:"wrapup_ms"`
	// IVRPath is a JSON array of the flow nodes visited ("flow/node");
	// AgentsOffered a JSON array of the agents the call was offered to.
	IVRPath       string `db:"ivr_path" json:"-"`
	AgentsOffered string `db:"agents_offered" json:"-"`
	Transfers     int    `db:"transfers" json:"transfers"`
	Conferences   int    `db:"conferences" json:"conferences"`
	SurveyScore   *int   `db:"survey_score" json:"survey_score,omitempty"`
	VoicemailID   string `db:"voicemail_id" json:"voicemail_id,omitempty"`
	// ParentID links a call created from another (a consult, an agent's
	// outbound leg of a transfer) to it.
	ParentID string `db:"parent_id" json:"parent_id,omitempty"`
}

const callCols = `tenant_id, id, switch, leg, direction, ani, dnis, started_at, answered_at, ended_at, disposition, route_id, flow_id, queue_id, agent_id, target, hangup_cause, hangup_by, trace, ivr_ms, wait_ms, ring_ms, talk_ms, trunk, hold_ms, wrapup_ms, ivr_path, agents_offered, transfers, conferences, survey_score, voicemail_id, parent_id`

func utcp(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// SaveCall inserts or replaces the call's record (it is written when the call
// starts and again as it progresses, so a restart loses nothing known).
func (s *Store) SaveCall(ctx context.Context, c *CallRecord) error {
	if c.Trace == "" {
		c.Trace = "[]"
	}
	if c.IVRPath == "" {
		c.IVRPath = "[]"
	}
	if c.AgentsOffered == "" {
		c.AgentsOffered = "[]"
	}
	q := `INSERT INTO calls (` + callCols + `) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
ON CONFLICT (tenant_id, id) DO UPDATE SET switch = excluded.switch, leg = excluded.leg, direction = excluded.direction,
 ani = excluded.ani, dnis = excluded.dnis, answered_at = excluded.answered_at, ended_at = excluded.ended_at,
 disposition = excluded.disposition, route_id = excluded.route_id, flow_id = excluded.flow_id, queue_id = excluded.queue_id,
 agent_id = excluded.agent_id, target = excluded.target, hangup_cause = excluded.hangup_cause, hangup_by = excluded.hangup_by, trace = excluded.trace,
 ivr_ms = excluded.ivr_ms, wait_ms = excluded.wait_ms, ring_ms = excluded.ring_ms, talk_ms = excluded.talk_ms,
 trunk = excluded.trunk, hold_ms = excluded.hold_ms, wrapup_ms = excluded.wrapup_ms, ivr_path = excluded.ivr_path, agents_offered = excluded.agents_offered,
 transfers = excluded.transfers, conferences = excluded.conferences, survey_score = excluded.survey_score, voicemail_id = excluded.voicemail_id, parent_id = excluded.parent_id`
	_, err := s.db.ExecContext(ctx, s.Rebind(q), c.TenantID, c.ID, c.Switch, c.Leg, c.Direction, c.ANI, c.DNIS, c.StartedAt.UTC(),
		utcp(c.AnsweredAt), utcp(c.EndedAt), c.Disposition, c.RouteID, c.FlowID, c.QueueID, c.AgentID, c.Target, c.HangupCause, c.HangupBy, c.Trace,
		c.IVRMS, c.WaitMS, c.RingMS, c.TalkMS, c.Trunk, c.HoldMS, c.WrapUpMS, c.IVRPath, c.AgentsOffered, c.Transfers, c.Conferences,
		c.SurveyScore, c.VoicemailID, c.ParentID)
	if err != nil {
		return fmt.Errorf("store: save call %s: %w", c.ID, mapErr(err))
	}
	return nil
}

// GetCall loads one call of the tenant.
func (s *Store) GetCall(ctx context.Context, tenant, id string) (*CallRecord, error) {
	var c CallRecord
	if err := s.db.GetContext(ctx, &c, s.Rebind(`SELECT `+callCols+` FROM calls WHERE tenant_id = ? AND id = ?`), tenant, id); err != nil {
		return nil, fmt.Errorf("store: get call %s: %w", id, mapErr(err))
	}
	return &c, nil
}

// CallFilter narrows a call listing.
type CallFilter struct {
	Since, Until time.Time
	Number       string // matches ANI or DNIS containing it
	Disposition  string
	Limit        int
}

// ListCalls lists the tenant's calls, newest first.
func (s *Store) ListCalls(ctx context.Context, tenant string, f CallFilter) ([]CallRecord, error) {
	q := `SELECT ` + callCols + ` FROM calls WHERE tenant_id = ?`
	args := []any{tenant}
	q, args = timeWindow(q, args, "started_at", f.Since, f.Until)
	if f.Number != "" {
		q += ` AND (ani LIKE ? OR dnis LIKE ?)`
		like := "%" + f.Number + "%"
		args = append(args, like, like)
	}
	if f.Disposition != "" {
		q += ` AND disposition = ?`
		args = append(args, f.Disposition)
	}
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	q += fmt.Sprintf(` ORDER BY started_at DESC, id LIMIT %d`, f.Limit)
	out := []CallRecord{}
	if err := s.db.SelectContext(ctx, &out, s.Rebind(q), args...); err != nil {
		return nil, fmt.Errorf("store: list calls: %w", err)
	}
	return out, nil
}

// LastAgentFor finds the agent who last answered a call from ani in the
// tenant since a time (the caller's "last agent" for sticky routing).
func (s *Store) LastAgentFor(ctx context.Context, tenant, ani string, since time.Time) (agent string, at time.Time, err error) {
	var row struct {
		AgentID   string    `db:"agent_id"`
		StartedAt time.Time `db:"started_at"`
	}
	err = s.db.GetContext(ctx, &row, s.Rebind(`SELECT agent_id, started_at FROM calls WHERE tenant_id = ? AND ani = ? AND agent_id <> '' AND started_at >= ? ORDER BY started_at DESC LIMIT 1`),
		tenant, ani, since.UTC())
	if err != nil {
		return "", time.Time{}, fmt.Errorf("store: last agent of %s: %w", ani, mapErr(err))
	}
	return row.AgentID, row.StartedAt, nil
}
