package reports

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"
)

// Agent states as acd writes them to acd_agent_log.
const (
	stLoggedOut = "logged-out"
	stAvailable = "available"
	stNotReady  = "not-ready"
	stRinging   = "ringing"
	stOnCall    = "on-call"
	stWrapUp    = "wrap-up"
)

// ServiceRow is an agent's time in each state (坐席服务时长), over the range
// or one local day of it (Date set when grouped by day).
type ServiceRow struct {
	Agent string `json:"agent"`
	AgentLabel
	Date string `json:"date,omitempty"`
	// LoggedInMS is every state but logged-out; the others split it.
	LoggedInMS int64 `json:"logged_in_ms"`
	ReadyMS    int64 `json:"ready_ms"`
	// NotReadyMS is the time on break (not ready), by reason in
	// NotReadyByReason ("lunch", "no-answer", "outbound-call", "" for none).
	NotReadyMS       int64            `json:"not_ready_ms"`
	NotReadyByReason map[string]int64 `json:"not_ready_by_reason"`
	RingingMS        int64            `json:"ringing_ms"`
	OnCallMS         int64            `json:"on_call_ms"`
	WrapUpMS         int64            `json:"wrapup_ms"`
}

// ServiceHeader is the CSV header of ServiceRow; reasons reads
// "reason:ms" pairs separated by spaces.
var ServiceHeader = []string{"agent", "agent_name", "agent_work_number", "date", "logged_in_ms", "ready_ms", "not_ready_ms", "ringing_ms", "on_call_ms", "wrapup_ms", "not_ready_by_reason"}

// CSV is the row's CSV record.
func (r *ServiceRow) CSV() []string {
	keys := make([]string, 0, len(r.NotReadyByReason))
	for k := range r.NotReadyByReason {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	rs := ""
	for i, k := range keys {
		if i > 0 {
			rs += " "
		}
		rs += k + ":" + i64(r.NotReadyByReason[k])
	}
	return []string{r.Agent, r.AgentName, r.AgentWorkNumber, r.Date, i64(r.LoggedInMS), i64(r.ReadyMS), i64(r.NotReadyMS), i64(r.RingingMS), i64(r.OnCallMS), i64(r.WrapUpMS), rs}
}

func (r *ServiceRow) add(state, reason string, d time.Duration) {
	ms := d.Milliseconds()
	if state == stLoggedOut || ms <= 0 {
		return
	}
	r.LoggedInMS += ms
	switch state {
	case stAvailable:
		r.ReadyMS += ms
	case stNotReady:
		r.NotReadyMS += ms
		r.NotReadyByReason[reason] += ms
	case stRinging:
		r.RingingMS += ms
	case stOnCall:
		r.OnCallMS += ms
	case stWrapUp:
		r.WrapUpMS += ms
	}
}

type agentState struct {
	state, reason string
	since         time.Time
}

// AgentService adds up each agent's time per state from the state
// transitions, clipped to the range: a state entered before From counts from
// From, a state still open at To counts up to To (or now, when earlier).
// With ByDay a state is split at each local midnight.
func (s *Service) AgentService(ctx context.Context, q Query) ([]ServiceRow, error) {
	end := q.To
	if now := s.now(); now.Before(end) {
		end = now
	}
	cur := map[string]*agentState{}
	if err := s.statesAt(ctx, q, cur); err != nil {
		return nil, err
	}
	var w where
	w.add("tenant_id = ?", q.Tenant)
	w.between("at", q.From, end)
	w.in("agent_id", q.Agents)
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(`SELECT agent_id, at, to_state, reason FROM acd_agent_log`+w.String()+` ORDER BY at, id`), w.args...)
	if err != nil {
		return nil, fmt.Errorf("reports: agent service of %s: %w", q.Tenant, err)
	}
	defer rows.Close()
	var days []day
	if q.ByDay {
		days = q.days()
	}
	type key struct{ agent, date string }
	out := map[key]*ServiceRow{}
	account := func(agent string, st *agentState, until time.Time) {
		from := st.since
		if from.Before(q.From) {
			from = q.From
		}
		if !until.After(from) {
			return
		}
		if !q.ByDay {
			k := key{agent, ""}
			if out[k] == nil {
				out[k] = &ServiceRow{Agent: agent, NotReadyByReason: map[string]int64{}}
			}
			out[k].add(st.state, st.reason, until.Sub(from))
			return
		}
		for _, d := range days {
			a, b := maxT(from, d.Start), minT(until, d.End)
			if !b.After(a) {
				continue
			}
			k := key{agent, d.Date}
			if out[k] == nil {
				out[k] = &ServiceRow{Agent: agent, Date: d.Date, NotReadyByReason: map[string]int64{}}
			}
			out[k].add(st.state, st.reason, b.Sub(a))
		}
	}
	for rows.Next() {
		var agent, to, reason string
		var at time.Time
		if err := rows.Scan(&agent, &at, &to, &reason); err != nil {
			return nil, fmt.Errorf("reports: agent service of %s: %w", q.Tenant, err)
		}
		st := cur[agent]
		if st == nil {
			st = &agentState{}
			cur[agent] = st
		} else {
			account(agent, st, at)
		}
		st.state, st.reason, st.since = to, reason, at
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reports: agent service of %s: %w", q.Tenant, err)
	}
	for agent, st := range cur {
		account(agent, st, end)
	}
	label, err := s.agentLabels(ctx, q.Tenant)
	if err != nil {
		return nil, err
	}
	res := make([]ServiceRow, 0, len(out))
	for _, r := range out {
		r.AgentLabel = label(r.Agent)
		res = append(res, *r)
	}
	sort.Slice(res, func(i, j int) bool {
		if res[i].Agent != res[j].Agent {
			return res[i].Agent < res[j].Agent
		}
		return res[i].Date < res[j].Date
	})
	return res, nil
}

// statesAt fills cur with each agent's state at q.From: the latest
// transition before it, found per agent through the (tenant, agent, at)
// index so old history is never scanned.
func (s *Service) statesAt(ctx context.Context, q Query, cur map[string]*agentState) error {
	agents := q.Agents
	if len(agents) == 0 {
		if err := s.db.SelectContext(ctx, &agents, s.db.Rebind(`SELECT agent_id FROM acd_agent_state WHERE tenant_id = ?`), q.Tenant); err != nil {
			return fmt.Errorf("reports: agents of %s: %w", q.Tenant, err)
		}
	}
	stmt, err := s.db.PreparexContext(ctx, s.db.Rebind(`SELECT at, to_state, reason FROM acd_agent_log WHERE tenant_id = ? AND agent_id = ? AND at < ? ORDER BY at DESC, id DESC LIMIT 1`))
	if err != nil {
		return fmt.Errorf("reports: agent states of %s: %w", q.Tenant, err)
	}
	defer stmt.Close()
	for _, a := range agents {
		var st agentState
		err := stmt.QueryRowContext(ctx, q.Tenant, a, q.From.UTC()).Scan(&st.since, &st.state, &st.reason)
		if err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				continue
			}
			return fmt.Errorf("reports: state of agent %s at %s: %w", a, q.From.Format(time.RFC3339), err)
		}
		if st.state != stLoggedOut {
			cur[a] = &st
		}
	}
	return nil
}

func maxT(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minT(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// OperationRow is one entry of the agent operation log (坐席操作明细).
type OperationRow struct {
	ID    int64     `json:"id"`
	At    time.Time `json:"at"`
	Agent string    `json:"agent"`
	AgentLabel
	// Operation names what happened: login, logout, ready, resume (ready
	// after a break), break, no_answer, offer, answer, offer_cancelled,
	// call_end, wrap_up_end.
	Operation string `json:"operation"`
	From      string `json:"from_state"`
	To        string `json:"to_state"`
	Reason    string `json:"reason,omitempty"`
	CallID    string `json:"call_id,omitempty"`
	Queue     string `json:"queue,omitempty"`
	// By is the supervisor who forced the change; Forced says there was one.
	By     string `json:"by,omitempty"`
	Forced bool   `json:"forced"`
}

// OperationHeader is the CSV header of OperationRow.
var OperationHeader = []string{"id", "at", "agent", "agent_name", "agent_work_number", "operation", "from_state", "to_state", "reason", "call_id", "queue", "by", "forced"}

// CSV is the row's CSV record.
func (r *OperationRow) CSV() []string {
	return []string{i64(r.ID), csvTime(&r.At), r.Agent, r.AgentName, r.AgentWorkNumber, r.Operation, r.From, r.To, r.Reason, r.CallID, r.Queue, r.By, strconv.FormatBool(r.Forced)}
}

// operation names a transition.
func operation(from, to, reason string) string {
	switch {
	case to == stLoggedOut:
		return "logout"
	case from == stLoggedOut:
		return "login"
	case to == stRinging:
		return "offer"
	case to == stOnCall:
		return "answer"
	case from == stRinging && to == stNotReady && reason == "no-answer":
		return "no_answer"
	case from == stRinging:
		return "offer_cancelled"
	case to == stWrapUp:
		return "wrap_up"
	case to == stNotReady:
		return "break"
	case from == stOnCall:
		return "call_end"
	case from == stWrapUp:
		return "wrap_up_end"
	case from == stNotReady && to == stAvailable:
		return "resume"
	}
	return "ready"
}

// Operations lists the agents' state changes, newest first. Without
// IncludeCalls the call-handling steps (offer, answer, an offer that rang
// out to ready) are left out, keeping logins, logouts, breaks, resumes,
// wrap-up and forced changes.
func (s *Service) Operations(ctx context.Context, q Query, emit func(*OperationRow) error) (string, error) {
	var w where
	w.add("tenant_id = ?", q.Tenant)
	w.between("at", q.From, q.To)
	w.in("agent_id", q.Agents)
	w.in("queue_id", q.Queues)
	if !q.IncludeCalls {
		w.add("to_state NOT IN ('ringing', 'on-call') AND NOT (from_state IN ('ringing', 'on-call') AND to_state = 'available')")
	}
	if q.Cursor != "" {
		t, id, _ := decodeCursor(q.Cursor)
		n, _ := strconv.ParseInt(id, 10, 64)
		w.add("(at < ? OR (at = ? AND id < ?))", t, t, n)
	}
	label, err := s.agentLabels(ctx, q.Tenant)
	if err != nil {
		return "", err
	}
	qs := `SELECT id, at, agent_id, from_state, to_state, reason, call_id, queue_id, by_user FROM acd_agent_log` + w.String() + ` ORDER BY at DESC, id DESC`
	if q.Limit > 0 {
		qs += " LIMIT " + strconv.Itoa(q.Limit+1)
	}
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(qs), w.args...)
	if err != nil {
		return "", fmt.Errorf("reports: operations of %s: %w", q.Tenant, err)
	}
	defer rows.Close()
	n := 0
	var last OperationRow
	for rows.Next() {
		var r OperationRow
		if err := rows.Scan(&r.ID, &r.At, &r.Agent, &r.From, &r.To, &r.Reason, &r.CallID, &r.Queue, &r.By); err != nil {
			return "", fmt.Errorf("reports: operations of %s: %w", q.Tenant, err)
		}
		if q.Limit > 0 && n == q.Limit {
			return encodeCursor(last.At, i64(last.ID)), nil
		}
		r.At = r.At.In(q.Loc)
		r.Operation = operation(r.From, r.To, r.Reason)
		r.Forced = r.By != ""
		r.AgentLabel = label(r.Agent)
		if err := emit(&r); err != nil {
			return "", err
		}
		last = r
		n++
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("reports: operations of %s: %w", q.Tenant, err)
	}
	return "", nil
}
