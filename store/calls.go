package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
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
	// AgentResume is, for an agent's own call (click-to-dial), the state
	// the agent gets back when it ends: "available", "not-ready:<reason>"
	// or "" (migration 0013).
	AgentResume string `db:"agent_resume" json:"-"`
}

const callCols = `tenant_id, id, switch, leg, direction, ani, dnis, started_at, answered_at, ended_at, disposition, route_id, flow_id, queue_id, agent_id, target, hangup_cause, hangup_by, trace, ivr_ms, wait_ms, ring_ms, talk_ms, trunk, hold_ms, wrapup_ms, ivr_path, agents_offered, transfers, conferences, survey_score, voicemail_id, parent_id, agent_resume`

func utcp(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// SaveCall inserts or replaces the call's record (it is written when the call
// starts and again as it progresses, so a restart loses nothing known).
// Wrap-up time, survey score and voicemail id are written by others
// (SetCallWrapUp, SetCallSurvey) and may arrive before the call's last
// save: a save never clears them. The row goes through the store's
// call-record writer (see callwriter.go) and SaveCall waits until it is
// written; when ctx ends first, the row stays queued and is written later.
// QueueCall is the same without waiting.
func (s *Store) SaveCall(ctx context.Context, c *CallRecord) error {
	g, err := s.calls.queueCall(ctx, *c)
	if err != nil {
		return err
	}
	if err := wait(ctx, g); err != nil {
		return err
	}
	if g.callErr != nil {
		return fmt.Errorf("store: save call %s: %w", c.ID, mapErr(g.callErr))
	}
	return nil
}

// SaveCallWithEvents is SaveCall whose row is written in one transaction
// with webhook outbox events (the call's call.ended): both are written or
// neither. When ctx ends first, both stay queued and are written later
// (the error then wraps ctx's); any other error means the row was refused
// and the events were not written.
func (s *Store) SaveCallWithEvents(ctx context.Context, c *CallRecord, evs []OutboxEvent) error {
	g, err := s.calls.queueCall(ctx, *c, evs...)
	if err != nil {
		return err
	}
	if err := wait(ctx, g); err != nil {
		return err
	}
	if g.callErr != nil {
		return fmt.Errorf("store: save call %s: %w", c.ID, mapErr(g.callErr))
	}
	return nil
}

// QueueCall hands the call's record to the store's writer, which writes it
// soon, in a batch with others, retrying until it is written (it is never
// dropped). It returns at once unless the writer's queue is full, when it
// waits for room (backpressure); ErrClosed once the store is closed.
func (s *Store) QueueCall(c CallRecord) error {
	_, err := s.calls.queueCall(context.Background(), c)
	return err
}

// QueueCallLeg is QueueCall for a leg of a call.
func (s *Store) QueueCallLeg(l CallLeg) error {
	_, _, err := s.calls.queueLeg(context.Background(), l)
	return err
}

// FlushCalls waits until every call record queued so far is written (or
// refused, see CallWriterOptions).
func (s *Store) FlushCalls(ctx context.Context) error { return s.calls.flush(ctx, nil) }

// The upsert of a call's row, split so the writer can send many rows in
// one statement (see upsertSQL).
const (
	insertCallSQL    = `INSERT INTO calls (` + callCols + `) VALUES `
	saveCallConflict = `ON CONFLICT (tenant_id, id) DO UPDATE SET switch = excluded.switch, leg = excluded.leg, direction = excluded.direction,
 ani = excluded.ani, dnis = excluded.dnis, answered_at = excluded.answered_at, ended_at = excluded.ended_at,
 disposition = excluded.disposition, route_id = excluded.route_id, flow_id = excluded.flow_id, queue_id = excluded.queue_id,
 agent_id = excluded.agent_id, target = excluded.target, hangup_cause = excluded.hangup_cause, hangup_by = excluded.hangup_by, trace = excluded.trace,
 ivr_ms = excluded.ivr_ms, wait_ms = excluded.wait_ms, ring_ms = excluded.ring_ms, talk_ms = excluded.talk_ms,
 trunk = excluded.trunk, hold_ms = excluded.hold_ms, ivr_path = excluded.ivr_path, agents_offered = excluded.agents_offered,
 transfers = excluded.transfers, conferences = excluded.conferences, parent_id = excluded.parent_id,
 agent_resume = CASE WHEN excluded.agent_resume <> '' THEN excluded.agent_resume ELSE calls.agent_resume END,
 wrapup_ms = CASE WHEN excluded.wrapup_ms > calls.wrapup_ms THEN excluded.wrapup_ms ELSE calls.wrapup_ms END,
 survey_score = COALESCE(excluded.survey_score, calls.survey_score),
 voicemail_id = CASE WHEN excluded.voicemail_id <> '' THEN excluded.voicemail_id ELSE calls.voicemail_id END`
	callColumns = 34
)

// callArgs are the upsert's arguments for c (callColumns of them).
func callArgs(c *CallRecord) []any {
	orEmpty := func(s string) string {
		if s == "" {
			return "[]"
		}
		return s
	}
	return []any{c.TenantID, c.ID, c.Switch, c.Leg, c.Direction, c.ANI, c.DNIS, c.StartedAt.UTC(),
		utcp(c.AnsweredAt), utcp(c.EndedAt), c.Disposition, c.RouteID, c.FlowID, c.QueueID, c.AgentID, c.Target, c.HangupCause, c.HangupBy, orEmpty(c.Trace),
		c.IVRMS, c.WaitMS, c.RingMS, c.TalkMS, c.Trunk, c.HoldMS, c.WrapUpMS, orEmpty(c.IVRPath), orEmpty(c.AgentsOffered), c.Transfers, c.Conferences,
		c.SurveyScore, c.VoicemailID, c.ParentID, c.AgentResume}
}

// GetCall loads one call of the tenant.
func (s *Store) GetCall(ctx context.Context, tenant, id string) (*CallRecord, error) {
	if err := s.calls.flushCall(ctx, tenant, id); err != nil {
		return nil, err
	}
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
	Queue        string // the queue the call was last in
	// Agent matches calls the agent answered or had a leg in (rung,
	// consulted, monitored).
	Agent     string
	Direction string // inbound, outbound or internal
	Limit     int
}

// ListCalls lists the tenant's calls, newest first.
func (s *Store) ListCalls(ctx context.Context, tenant string, f CallFilter) ([]CallRecord, error) {
	if err := s.calls.flush(ctx, nil); err != nil {
		return nil, err
	}
	q := `SELECT ` + callCols + ` FROM calls WHERE tenant_id = ?`
	args := []any{tenant}
	q, args = timeWindow(q, args, "started_at", f.Since, f.Until)
	if f.Number != "" {
		q += ` AND (LOWER(ani) LIKE ? ESCAPE '\' OR LOWER(dnis) LIKE ? ESCAPE '\')`
		like := containsPattern(f.Number)
		args = append(args, like, like)
	}
	for _, c := range []struct{ col, v string }{{"disposition", f.Disposition}, {"queue_id", f.Queue}, {"direction", f.Direction}} {
		if c.v != "" {
			q += ` AND ` + c.col + ` = ?`
			args = append(args, c.v)
		}
	}
	if f.Agent != "" {
		q += ` AND (agent_id = ? OR EXISTS (SELECT 1 FROM call_legs l WHERE l.tenant_id = calls.tenant_id AND l.call_id = calls.id AND l.agent_id = ?))`
		args = append(args, f.Agent, f.Agent)
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

// containsPattern is the LIKE pattern (with ESCAPE '\', against a
// LOWER()ed column) of a plain substring match: the same answer on SQLite,
// whose LIKE ignores ASCII case, and PostgreSQL, whose LIKE does not; % and
// _ match themselves.
func containsPattern(s string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(s)) + "%"
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

// CallLeg is one leg of a call: the caller, each agent rung, a consulted
// party, a supervisor listening in, an external number.
type CallLeg struct {
	TenantID    string     `db:"tenant_id" json:"-"`
	CallID      string     `db:"call_id" json:"call_id"`
	LegID       string     `db:"leg_id" json:"leg_id"`
	Role        string     `db:"role" json:"role"`
	Endpoint    string     `db:"endpoint" json:"endpoint"`
	AgentID     string     `db:"agent_id" json:"agent_id,omitempty"`
	StartedAt   time.Time  `db:"started_at" json:"started_at"`
	AnsweredAt  *time.Time `db:"answered_at" json:"answered_at,omitempty"`
	EndedAt     *time.Time `db:"ended_at" json:"ended_at,omitempty"`
	HangupCause string     `db:"hangup_cause" json:"hangup_cause,omitempty"`
}

const legCols = `tenant_id, call_id, leg_id, role, endpoint, agent_id, started_at, answered_at, ended_at, hangup_cause`

// SaveCallLeg inserts or updates a leg of a call (written when the leg is
// created and again when it is answered and ends), through the call-record
// writer like SaveCall, waiting until it is written.
func (s *Store) SaveCallLeg(ctx context.Context, l *CallLeg) error {
	g, i, err := s.calls.queueLeg(ctx, *l)
	if err != nil {
		return err
	}
	if err := wait(ctx, g); err != nil {
		return err
	}
	if err := g.legErrs[i]; err != nil {
		return fmt.Errorf("store: save leg %s of call %s: %w", l.LegID, l.CallID, mapErr(err))
	}
	return nil
}

// The upsert of a leg's row (see insertCallSQL).
const (
	insertLegSQL    = `INSERT INTO call_legs (` + legCols + `) VALUES `
	saveLegConflict = `ON CONFLICT (tenant_id, call_id, leg_id) DO UPDATE SET role = excluded.role, endpoint = excluded.endpoint,
 agent_id = CASE WHEN excluded.agent_id <> '' THEN excluded.agent_id ELSE call_legs.agent_id END,
 answered_at = excluded.answered_at, ended_at = excluded.ended_at, hangup_cause = excluded.hangup_cause`
	legColumns = 10
)

// legArgs are the upsert's arguments for l (legColumns of them).
func legArgs(l *CallLeg) []any {
	return []any{l.TenantID, l.CallID, l.LegID, l.Role, l.Endpoint, l.AgentID, l.StartedAt.UTC(), utcp(l.AnsweredAt), utcp(l.EndedAt), l.HangupCause}
}

// ListCallLegs lists a call's legs in the order they started.
func (s *Store) ListCallLegs(ctx context.Context, tenant, callID string) ([]CallLeg, error) {
	if err := s.calls.flushCall(ctx, tenant, callID); err != nil {
		return nil, err
	}
	out := []CallLeg{}
	err := s.db.SelectContext(ctx, &out, s.Rebind(`SELECT `+legCols+` FROM call_legs WHERE tenant_id = ? AND call_id = ? ORDER BY started_at, leg_id`), tenant, callID)
	if err != nil {
		return nil, fmt.Errorf("store: legs of call %s: %w", callID, err)
	}
	return out, nil
}

// OpenCallOfLeg finds the unfinished call (no ended_at) on switch sw that
// leg belongs to, as its first leg or as one of its call_legs, so a
// controller that re-adopts a live leg after a restart continues that
// call's record instead of starting a new call. ErrNotFound when none.
func (s *Store) OpenCallOfLeg(ctx context.Context, sw, leg string) (*CallRecord, *CallLeg, error) {
	if err := s.calls.flushLeg(ctx, leg); err != nil {
		return nil, nil, err
	}
	var c CallRecord
	err := s.db.GetContext(ctx, &c, s.Rebind(`SELECT `+callCols+` FROM calls WHERE switch = ? AND leg = ? AND ended_at IS NULL ORDER BY started_at DESC LIMIT 1`), sw, leg)
	if err == nil {
		return &c, nil, nil
	}
	if err = mapErr(err); !errors.Is(err, ErrNotFound) {
		return nil, nil, fmt.Errorf("store: open call of leg %s: %w", leg, err)
	}
	var l CallLeg
	err = s.db.GetContext(ctx, &l, s.Rebind(`SELECT l.tenant_id, l.call_id, l.leg_id, l.role, l.endpoint, l.agent_id, l.started_at, l.answered_at, l.ended_at, l.hangup_cause
		FROM call_legs l JOIN calls c ON c.tenant_id = l.tenant_id AND c.id = l.call_id
		WHERE c.switch = ? AND l.leg_id = ? AND l.ended_at IS NULL AND c.ended_at IS NULL ORDER BY l.started_at DESC LIMIT 1`), sw, leg)
	if err != nil {
		return nil, nil, fmt.Errorf("store: open call of leg %s: %w", leg, mapErr(err))
	}
	if err := s.db.GetContext(ctx, &c, s.Rebind(`SELECT `+callCols+` FROM calls WHERE tenant_id = ? AND id = ?`), l.TenantID, l.CallID); err != nil {
		return nil, nil, fmt.Errorf("store: call %s of leg %s: %w", l.CallID, leg, mapErr(err))
	}
	return &c, &l, nil
}

// OpenAgentCall returns the oldest call of the tenant placed by agent (an
// agent's own call: not inbound) whose record has no end yet; ErrNotFound
// when there is none.
func (s *Store) OpenAgentCall(ctx context.Context, tenant, agent string) (*CallRecord, error) {
	if err := s.calls.flush(ctx, nil); err != nil {
		return nil, err
	}
	var c CallRecord
	err := s.db.GetContext(ctx, &c, s.Rebind(`SELECT `+callCols+` FROM calls WHERE tenant_id = ? AND agent_id = ? AND direction <> 'inbound' AND ended_at IS NULL
		ORDER BY started_at, id LIMIT 1`), tenant, agent)
	if err != nil {
		return nil, fmt.Errorf("store: open call of agent %s: %w", agent, mapErr(err))
	}
	return &c, nil
}

// OpenCalls lists the calls on switch sw (every tenant's) whose record has
// no end yet, oldest first, with their unfinished legs.
func (s *Store) OpenCalls(ctx context.Context, sw string) ([]CallRecord, []CallLeg, error) {
	if err := s.calls.flush(ctx, nil); err != nil {
		return nil, nil, err
	}
	calls := []CallRecord{}
	if err := s.db.SelectContext(ctx, &calls, s.Rebind(`SELECT `+callCols+` FROM calls WHERE switch = ? AND ended_at IS NULL ORDER BY started_at, id`), sw); err != nil {
		return nil, nil, fmt.Errorf("store: open calls of switch %s: %w", sw, err)
	}
	legs := []CallLeg{}
	err := s.db.SelectContext(ctx, &legs, s.Rebind(`SELECT l.tenant_id, l.call_id, l.leg_id, l.role, l.endpoint, l.agent_id, l.started_at, l.answered_at, l.ended_at, l.hangup_cause
		FROM call_legs l JOIN calls c ON c.tenant_id = l.tenant_id AND c.id = l.call_id
		WHERE c.switch = ? AND l.ended_at IS NULL AND c.ended_at IS NULL ORDER BY l.started_at, l.leg_id`), sw)
	if err != nil {
		return nil, nil, fmt.Errorf("store: open legs of switch %s: %w", sw, err)
	}
	return calls, legs, nil
}

// EndUnobserved completes a call whose end nobody saw (it ended while no
// controller watched its switch): ended_at is when the absence was
// noticed, the hangup cause "unknown" and hangup_by "unobserved"; its open
// legs end likewise. A record completed meanwhile is left as it is; ok
// reports whether this call was completed here.
func (s *Store) EndUnobserved(ctx context.Context, tenant, id string, at time.Time) (ok bool, err error) {
	if err := s.calls.flushCall(ctx, tenant, id); err != nil {
		return false, err
	}
	at = at.UTC()
	// One transaction: a reader never sees the call ended with its legs
	// still open.
	err = s.InTx(ctx, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, s.Rebind(`UPDATE calls SET ended_at = ?, hangup_cause = 'unknown', hangup_by = 'unobserved',
		disposition = CASE WHEN disposition = '' THEN 'ended' ELSE disposition END WHERE tenant_id = ? AND id = ? AND ended_at IS NULL`), at, tenant, id)
		if err != nil {
			return fmt.Errorf("store: end call %s: %w", id, err)
		}
		n, _ := res.RowsAffected()
		ok = n > 0
		if _, err := tx.ExecContext(ctx, s.Rebind(`UPDATE call_legs SET ended_at = ?, hangup_cause = 'unknown' WHERE tenant_id = ? AND call_id = ? AND ended_at IS NULL`), at, tenant, id); err != nil {
			return fmt.Errorf("store: end legs of call %s: %w", id, err)
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	return ok, nil
}

// EndLegUnobserved ends one leg whose end nobody saw (cause "unknown").
func (s *Store) EndLegUnobserved(ctx context.Context, tenant, callID, leg string, at time.Time) error {
	if err := s.calls.flushCall(ctx, tenant, callID); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, s.Rebind(`UPDATE call_legs SET ended_at = ?, hangup_cause = 'unknown' WHERE tenant_id = ? AND call_id = ? AND leg_id = ? AND ended_at IS NULL`),
		at.UTC(), tenant, callID, leg); err != nil {
		return fmt.Errorf("store: end leg %s of call %s: %w", leg, callID, err)
	}
	return nil
}

// SetCallWrapUp records the answering agent's wrap-up time, which ends
// after the call (a later save of the call keeps it). It is written by the
// call-record writer after what is queued of the call; ErrNotFound when
// the call has no record.
func (s *Store) SetCallWrapUp(ctx context.Context, tenant, id string, d time.Duration) error {
	return s.queueUpdateWait(ctx, tenant, id, &callUpdate{wrapUp: &d})
}

// QueueCallWrapUp is SetCallWrapUp without waiting for the write (a call
// with no record is left alone).
func (s *Store) QueueCallWrapUp(tenant, id string, d time.Duration) error {
	_, err := s.calls.queueUpdate(context.Background(), tenant, id, &callUpdate{wrapUp: &d})
	return err
}

// SetCallSurvey records the caller's satisfaction rating on the call, like
// SetCallWrapUp.
func (s *Store) SetCallSurvey(ctx context.Context, tenant, id string, score int) error {
	return s.queueUpdateWait(ctx, tenant, id, &callUpdate{survey: &score})
}

func (s *Store) queueUpdateWait(ctx context.Context, tenant, id string, u *callUpdate) error {
	g, err := s.calls.queueUpdate(ctx, tenant, id, u)
	if err != nil {
		return err
	}
	if err := wait(ctx, g); err != nil {
		return err
	}
	return u.err
}

// updateCall writes an update of a call's row in tx.
func (s *Store) updateCall(ctx context.Context, tx *sqlx.Tx, k callKey, u *callUpdate) error {
	var res sql.Result
	var err error
	switch {
	case u.wrapUp != nil:
		res, err = tx.ExecContext(ctx, s.Rebind(`UPDATE calls SET wrapup_ms = ? WHERE tenant_id = ? AND id = ?`), u.wrapUp.Milliseconds(), k.tenant, k.id)
		if err != nil {
			return fmt.Errorf("store: wrap-up of call %s: %w", k.id, err)
		}
	case u.survey != nil:
		res, err = tx.ExecContext(ctx, s.Rebind(`UPDATE calls SET survey_score = ? WHERE tenant_id = ? AND id = ?`), *u.survey, k.tenant, k.id)
		if err != nil {
			return fmt.Errorf("store: survey score of call %s: %w", k.id, err)
		}
	default:
		return nil
	}
	return affectedOne(res, "call", k.id)
}
