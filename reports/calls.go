package reports

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// callCols are the columns the call listings read.
const callCols = `c.id, c.direction, c.ani, c.dnis, c.started_at, c.answered_at, c.ended_at, c.disposition, c.queue_id, c.agent_id, c.trunk,
 c.ivr_ms, c.wait_ms, c.ring_ms, c.talk_ms, c.hold_ms, c.wrapup_ms, c.transfers, c.survey_score,
 COALESCE(cs.business, ''), COALESCE(cs.type, ''), COALESCE(cs.outcome, '')`

// summaryJoin brings each call's service summary (migration 0027).
const summaryJoin = ` LEFT JOIN call_summaries cs ON cs.tenant_id = c.tenant_id AND cs.call_id = c.id`

type callScan struct {
	ID          string     `db:"id"`
	Direction   string     `db:"direction"`
	ANI         string     `db:"ani"`
	DNIS        string     `db:"dnis"`
	StartedAt   time.Time  `db:"started_at"`
	AnsweredAt  *time.Time `db:"answered_at"`
	EndedAt     *time.Time `db:"ended_at"`
	Disposition string     `db:"disposition"`
	QueueID     string     `db:"queue_id"`
	AgentID     string     `db:"agent_id"`
	Trunk       string     `db:"trunk"`
	IVRMS       int64      `db:"ivr_ms"`
	WaitMS      int64      `db:"wait_ms"`
	RingMS      int64      `db:"ring_ms"`
	TalkMS      int64      `db:"talk_ms"`
	HoldMS      int64      `db:"hold_ms"`
	WrapUpMS    int64      `db:"wrapup_ms"`
	Transfers   int        `db:"transfers"`
	SurveyScore *int       `db:"survey_score"`
	// The service summary (服务小结) submitted for the call.
	Business, SummaryType, Outcome string
}

// listCalls runs a newest-first listing of calls matching w, emitting each
// row; with a Limit it stops there and returns the cursor of the next page.
func (s *Service) listCalls(ctx context.Context, q Query, w where, emit func(*callScan) error) (string, error) {
	w.add("c.tenant_id = ?", q.Tenant)
	w.between("c.started_at", q.From, q.To)
	w.before("c.started_at", "c.id", q.Cursor)
	sql := `SELECT ` + callCols + ` FROM calls c` + summaryJoin + w.String() + ` ORDER BY c.started_at DESC, c.id DESC`
	if q.Limit > 0 {
		sql += " LIMIT " + strconv.Itoa(q.Limit+1)
	}
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(sql), w.args...)
	if err != nil {
		return "", fmt.Errorf("query calls: %w", err)
	}
	defer rows.Close()
	n := 0
	var last callScan
	for rows.Next() {
		var c callScan
		if err := rows.Scan(&c.ID, &c.Direction, &c.ANI, &c.DNIS, &c.StartedAt, &c.AnsweredAt, &c.EndedAt, &c.Disposition, &c.QueueID, &c.AgentID, &c.Trunk,
			&c.IVRMS, &c.WaitMS, &c.RingMS, &c.TalkMS, &c.HoldMS, &c.WrapUpMS, &c.Transfers, &c.SurveyScore,
			&c.Business, &c.SummaryType, &c.Outcome); err != nil {
			return "", fmt.Errorf("read call: %w", err)
		}
		if q.Limit > 0 && n == q.Limit {
			return encodeCursor(last.StartedAt, last.ID), nil
		}
		if err := emit(&c); err != nil {
			return "", err
		}
		last = c
		n++
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("read calls: %w", err)
	}
	return "", nil
}

func inLoc(t *time.Time, loc *time.Location) *time.Time {
	if t == nil {
		return nil
	}
	l := t.In(loc)
	return &l
}

// CallRow is one line of the call detail search (通话详单).
type CallRow struct {
	ID          string     `json:"id"`
	Direction   string     `json:"direction"`
	ANI         string     `json:"ani"`
	DNIS        string     `json:"dnis"`
	StartedAt   time.Time  `json:"started_at"`
	AnsweredAt  *time.Time `json:"answered_at,omitempty"`
	EndedAt     *time.Time `json:"ended_at,omitempty"`
	DurationMS  int64      `json:"duration_ms"`
	Disposition string     `json:"disposition"`
	Queue       string     `json:"queue"`
	Agent       string     `json:"agent"`
	AgentLabel
	Trunk       string `json:"trunk"`
	IVRMS       int64  `json:"ivr_ms"`
	WaitMS      int64  `json:"wait_ms"`
	RingMS      int64  `json:"ring_ms"`
	TalkMS      int64  `json:"talk_ms"`
	HoldMS      int64  `json:"hold_ms"`
	WrapUpMS    int64  `json:"wrapup_ms"`
	Transfers   int    `json:"transfers"`
	SurveyScore *int   `json:"survey_score,omitempty"`
	// The call's service summary: business, type and outcome ("" when
	// none was submitted).
	SummaryBusiness string `json:"summary_business"`
	SummaryType     string `json:"summary_type"`
	SummaryOutcome  string `json:"summary_outcome"`
}

// CallHeader is the CSV header of CallRow.
var CallHeader = []string{"id", "direction", "ani", "dnis", "started_at", "answered_at", "ended_at", "duration_ms", "disposition", "queue", "agent", "agent_name", "agent_work_number", "trunk",
	"ivr_ms", "wait_ms", "ring_ms", "talk_ms", "hold_ms", "wrapup_ms", "transfers", "survey_score", "summary_business", "summary_type", "summary_outcome"}

// CSV is the row's CSV record (times in the tenant's zone).
func (r *CallRow) CSV() []string {
	score := ""
	if r.SurveyScore != nil {
		score = strconv.Itoa(*r.SurveyScore)
	}
	return []string{r.ID, r.Direction, r.ANI, r.DNIS, csvTime(&r.StartedAt), csvTime(r.AnsweredAt), csvTime(r.EndedAt), i64(r.DurationMS), r.Disposition,
		r.Queue, r.Agent, r.AgentName, r.AgentWorkNumber, r.Trunk, i64(r.IVRMS), i64(r.WaitMS), i64(r.RingMS), i64(r.TalkMS), i64(r.HoldMS), i64(r.WrapUpMS), strconv.Itoa(r.Transfers), score,
		r.SummaryBusiness, r.SummaryType, r.SummaryOutcome}
}

// Calls is the call detail search: the tenant's calls in the range, newest
// first, filtered by queue, agent and partial number.
func (s *Service) Calls(ctx context.Context, q Query, emit func(*CallRow) error) (next string, err error) {
	var w where
	w.in("c.queue_id", q.Queues)
	w.in("c.agent_id", q.Agents)
	w.number("c.", q.Number)
	label, err := s.agentLabels(ctx, q.Tenant)
	if err != nil {
		return "", err
	}
	next, err = s.listCalls(ctx, q, w, func(c *callScan) error {
		r := &CallRow{AgentLabel: label(c.AgentID), ID: c.ID, Direction: c.Direction, ANI: c.ANI, DNIS: c.DNIS, StartedAt: c.StartedAt.In(q.Loc), AnsweredAt: inLoc(c.AnsweredAt, q.Loc),
			EndedAt: inLoc(c.EndedAt, q.Loc), Disposition: c.Disposition, Queue: c.QueueID, Agent: c.AgentID, Trunk: c.Trunk, IVRMS: c.IVRMS,
			WaitMS: c.WaitMS, RingMS: c.RingMS, TalkMS: c.TalkMS, HoldMS: c.HoldMS, WrapUpMS: c.WrapUpMS, Transfers: c.Transfers, SurveyScore: c.SurveyScore,
			SummaryBusiness: c.Business, SummaryType: c.SummaryType, SummaryOutcome: c.Outcome}
		if c.EndedAt != nil {
			r.DurationMS = c.EndedAt.Sub(c.StartedAt).Milliseconds()
		}
		return emit(r)
	})
	if err != nil {
		return "", fmt.Errorf("reports: calls of %s: %w", q.Tenant, err)
	}
	return next, nil
}

// WaitRow is one call of the wait-time detail (来电等候时长): time in the IVR,
// waiting in the queue before an agent rang, ringing the agent who answered.
type WaitRow struct {
	ID        string    `json:"id"`
	StartedAt time.Time `json:"started_at"`
	ANI       string    `json:"ani"`
	DNIS      string    `json:"dnis"`
	Queue     string    `json:"queue"`
	Agent     string    `json:"agent"`
	AgentLabel
	Disposition string `json:"disposition"`
	IVRMS       int64  `json:"ivr_ms"`
	QueueMS     int64  `json:"queue_ms"`
	RingMS      int64  `json:"ring_ms"`
	// WaitMS is QueueMS + RingMS: from joining the queue to the answer (or
	// the hang-up).
	WaitMS int64 `json:"wait_ms"`
	TalkMS int64 `json:"talk_ms"`
}

// WaitHeader is the CSV header of WaitRow.
var WaitHeader = []string{"id", "started_at", "ani", "dnis", "queue", "agent", "agent_name", "agent_work_number", "disposition", "ivr_ms", "queue_ms", "ring_ms", "wait_ms", "talk_ms"}

// CSV is the row's CSV record.
func (r *WaitRow) CSV() []string {
	return []string{r.ID, csvTime(&r.StartedAt), r.ANI, r.DNIS, r.Queue, r.Agent, r.AgentName, r.AgentWorkNumber, r.Disposition, i64(r.IVRMS), i64(r.QueueMS), i64(r.RingMS), i64(r.WaitMS), i64(r.TalkMS)}
}

// Waits lists the inbound calls with the time each spent in the IVR, the
// queue and ringing, newest first.
func (s *Service) Waits(ctx context.Context, q Query, emit func(*WaitRow) error) (string, error) {
	var w where
	w.add("c.direction = 'inbound'")
	w.in("c.queue_id", q.Queues)
	w.in("c.agent_id", q.Agents)
	w.number("c.", q.Number)
	label, err := s.agentLabels(ctx, q.Tenant)
	if err != nil {
		return "", err
	}
	next, err := s.listCalls(ctx, q, w, func(c *callScan) error {
		queueMS := c.WaitMS - c.RingMS
		if queueMS < 0 {
			queueMS = 0
		}
		return emit(&WaitRow{ID: c.ID, StartedAt: c.StartedAt.In(q.Loc), ANI: c.ANI, DNIS: c.DNIS, Queue: c.QueueID, Agent: c.AgentID, AgentLabel: label(c.AgentID),
			Disposition: c.Disposition, IVRMS: c.IVRMS, QueueMS: queueMS, RingMS: c.RingMS, WaitMS: c.WaitMS, TalkMS: c.TalkMS})
	})
	if err != nil {
		return "", fmt.Errorf("reports: waits of %s: %w", q.Tenant, err)
	}
	return next, nil
}

// Queue abandons: the caller hung up while waiting in a queue or while an
// agent's phone rang. "abandoned" is the disposition of a caller gone
// between targets; it counts when the call had reached a queue.
const (
	abandonedSQL    = `(c.disposition IN ('abandoned_queue', 'abandoned_ringing') OR (c.disposition = 'abandoned' AND c.queue_id <> ''))`
	abandonedIVRSQL = `(c.disposition IN ('abandoned_queue', 'abandoned_ringing', 'abandoned_ivr') OR (c.disposition = 'abandoned' AND c.queue_id <> ''))`
)

// DialBack is the request an agent desktop sends to call the caller back
// (click-to-dial).
type DialBack struct {
	Method string            `json:"method"`
	Path   string            `json:"path"`
	Body   map[string]string `json:"body"`
}

// AbandonedRow is one lost call of the call-back list (呼损明细).
type AbandonedRow struct {
	ID          string    `json:"id"`
	StartedAt   time.Time `json:"started_at"`
	Caller      string    `json:"caller"`
	DNIS        string    `json:"dnis"`
	Queue       string    `json:"queue"`
	Disposition string    `json:"disposition"`
	IVRMS       int64     `json:"ivr_ms"`
	WaitedMS    int64     `json:"waited_ms"`
	DialBack    *DialBack `json:"dial_back,omitempty"`
}

// AbandonedHeader is the CSV header of AbandonedRow.
var AbandonedHeader = []string{"id", "started_at", "caller", "dnis", "queue", "disposition", "ivr_ms", "waited_ms"}

// CSV is the row's CSV record.
func (r *AbandonedRow) CSV() []string {
	return []string{r.ID, csvTime(&r.StartedAt), r.Caller, r.DNIS, r.Queue, r.Disposition, i64(r.IVRMS), i64(r.WaitedMS)}
}

// Abandoned lists the inbound calls lost in a queue (and, with IncludeIVR,
// in the IVR), newest first, each with the click-to-dial request that calls
// the caller back (none when the caller's number is withheld).
func (s *Service) Abandoned(ctx context.Context, q Query, emit func(*AbandonedRow) error) (string, error) {
	var w where
	w.add("c.direction = 'inbound'")
	if q.IncludeIVR {
		w.add(abandonedIVRSQL)
	} else {
		w.add(abandonedSQL)
	}
	w.in("c.queue_id", q.Queues)
	w.number("c.", q.Number)
	next, err := s.listCalls(ctx, q, w, func(c *callScan) error {
		r := &AbandonedRow{ID: c.ID, StartedAt: c.StartedAt.In(q.Loc), Caller: c.ANI, DNIS: c.DNIS, Queue: c.QueueID, Disposition: c.Disposition,
			IVRMS: c.IVRMS, WaitedMS: c.WaitMS}
		if c.ANI != "" && c.ANI != "anonymous" {
			r.DialBack = &DialBack{Method: "POST", Path: "/api/v1/agent/dial", Body: map[string]string{"number": c.ANI, "parent": c.ID}}
		}
		return emit(r)
	})
	if err != nil {
		return "", fmt.Errorf("reports: abandoned calls of %s: %w", q.Tenant, err)
	}
	return next, nil
}

func i64(n int64) string { return strconv.FormatInt(n, 10) }

// csvTime writes a time in its (the tenant's) zone without the offset, as
// spreadsheets expect; empty for none.
func csvTime(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02 15:04:05")
}
