package reports

import (
	"context"
	"fmt"
	"sort"
	"strconv"
)

// AgentCallsRow is one agent's call statistics (话量统计).
type AgentCallsRow struct {
	Agent string `json:"agent"`
	AgentLabel
	// Offered: calls that rang this agent for a party on the line — inbound
	// calls, and campaign calls put through to the agent after the callee
	// answered (listed in the call's agents_offered, or answered by the
	// agent); a call rung twice counts once. InboundAnswered: of the
	// inbound ones, answered by this agent.
	Offered         int64 `json:"offered"`
	InboundAnswered int64 `json:"inbound_answered"`
	// ConnectRate = offers the agent answered ÷ Offered: InboundAnswered
	// plus the campaign calls they took after their phone rang (those
	// count in OutboundConnected).
	ConnectRate float64 `json:"connect_rate"`
	// Outbound: the agent's outbound calls — click-to-dial calls made and
	// campaign calls they took (a campaign machine or abandoned callee is
	// not theirs); OutboundConnected: of those, answered by the called
	// party.
	Outbound          int64 `json:"outbound"`
	OutboundConnected int64 `json:"outbound_connected"`
	// TalkMS over answered inbound and connected outbound calls; AvgTalkMS
	// per such call.
	InboundTalkMS  int64 `json:"inbound_talk_ms"`
	OutboundTalkMS int64 `json:"outbound_talk_ms"`
	TalkMS         int64 `json:"talk_ms"`
	AvgTalkMS      int64 `json:"avg_talk_ms"`
}

// AgentCallsHeader is the CSV header of AgentCallsRow.
var AgentCallsHeader = []string{"agent", "agent_name", "agent_work_number", "offered", "inbound_answered", "connect_rate", "outbound", "outbound_connected",
	"inbound_talk_ms", "outbound_talk_ms", "talk_ms", "avg_talk_ms"}

// CSV is the row's CSV record.
func (r *AgentCallsRow) CSV() []string {
	return []string{r.Agent, r.AgentName, r.AgentWorkNumber, i64(r.Offered), i64(r.InboundAnswered), f4(r.ConnectRate), i64(r.Outbound), i64(r.OutboundConnected),
		i64(r.InboundTalkMS), i64(r.OutboundTalkMS), i64(r.TalkMS), i64(r.AvgTalkMS)}
}

// AgentCalls computes every agent's call statistics over the calls that
// started in the range. Calls an agent made are the outbound and the
// internal ones (click-to-dial to a number or to a colleague's extension)
// and the campaign calls they talked on. A queue filter narrows the offers
// and the inbound figures only (outbound calls belong to no queue).
func (s *Service) AgentCalls(ctx context.Context, q Query) ([]AgentCallsRow, error) {
	label, err := s.agentLabels(ctx, q.Tenant)
	if err != nil {
		return nil, err
	}
	byAgent := map[string]*AgentCallsRow{}
	get := func(a string) *AgentCallsRow {
		r := byAgent[a]
		if r == nil {
			r = &AgentCallsRow{Agent: a}
			byAgent[a] = r
		}
		return r
	}
	// Talk of an outbound call: talk_ms when the recorder filled it, else
	// answer to end.
	outTalk := `CASE WHEN c.talk_ms > 0 THEN c.talk_ms WHEN c.answered_at IS NOT NULL AND c.ended_at IS NOT NULL THEN ` +
		s.sql.millisBetween("c.answered_at", "c.ended_at") + ` ELSE 0 END`
	var w where
	w.add("c.tenant_id = ?", q.Tenant)
	w.between("c.started_at", q.From, q.To)
	w.add("c.agent_id <> ''")
	w.in("c.agent_id", q.Agents)
	// Offers of outbound calls (campaign calls put through to an agent)
	// belong to no queue: a queue filter leaves them out, as it narrows
	// the inbound calls to its queues.
	offerInQueue := "1 = 1"
	var qargs []any
	if len(q.Queues) > 0 {
		var qw where
		qw.in("c.queue_id", q.Queues)
		offerInQueue, qargs = qw.parts[0], qw.args
		w.add("(c.direction <> 'inbound' OR "+qw.parts[0]+")", qw.args...)
	}
	// An outbound call is the agent's when they talked on it: a campaign
	// machine or abandoned callee is not, even where its record names the
	// agent who was reserved or rang (records written before the dialler
	// named only the agent who took the call).
	took := `c.direction <> 'inbound' AND c.disposition NOT IN ('machine', 'abandoned')`
	listed := s.sql.contains("c.agents_offered", `'"' || c.agent_id || '"'`)
	// Offers: the agents listed in agents_offered (the recorder lists each
	// agent once per call), plus the agent of an inbound call that does not
	// list them (records without the offer list, direct calls) and of an
	// older record of a campaign callee abandoned after their phone rang.
	unlisted := `NOT (` + listed + `) AND (c.direction = 'inbound' OR (c.disposition = 'abandoned' AND c.ring_ms > 0 AND ` + offerInQueue + `))`
	// Campaign calls the agent took after their phone rang: offers
	// answered, for the connect rate (inbound answered count the others).
	tookOffer := took + ` AND ` + listed + ` AND ` + offerInQueue
	sql := `SELECT c.agent_id,
 SUM(CASE WHEN c.direction = 'inbound' AND c.disposition = 'answered' THEN 1 ELSE 0 END),
 SUM(CASE WHEN c.direction = 'inbound' AND c.disposition = 'answered' THEN c.talk_ms ELSE 0 END),
 SUM(CASE WHEN ` + took + ` THEN 1 ELSE 0 END),
 SUM(CASE WHEN ` + took + ` AND c.answered_at IS NOT NULL THEN 1 ELSE 0 END),
 SUM(CASE WHEN ` + took + ` THEN ` + outTalk + ` ELSE 0 END),
 SUM(CASE WHEN ` + unlisted + ` THEN 1 ELSE 0 END),
 SUM(CASE WHEN ` + tookOffer + ` THEN 1 ELSE 0 END)
 FROM calls c` + w.String() + ` GROUP BY c.agent_id`
	args := append(append(append([]any{}, qargs...), qargs...), w.args...)
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(sql), args...)
	if err != nil {
		return nil, fmt.Errorf("reports: agent calls of %s: %w", q.Tenant, err)
	}
	offersTaken := map[string]int64{}
	for rows.Next() {
		var a string
		var in, inTalk, out, outConn, outTalkMS, unlistedN, taken int64
		if err := rows.Scan(&a, &in, &inTalk, &out, &outConn, &outTalkMS, &unlistedN, &taken); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reports: agent calls of %s: %w", q.Tenant, err)
		}
		r := get(a)
		r.InboundAnswered, r.InboundTalkMS, r.Outbound, r.OutboundConnected, r.OutboundTalkMS = in, inTalk, out, outConn, outTalkMS
		r.Offered += unlistedN
		offersTaken[a] = taken
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reports: agent calls of %s: %w", q.Tenant, err)
	}

	var ow where
	ow.add("c.tenant_id = ?", q.Tenant)
	ow.between("c.started_at", q.From, q.To)
	ow.in("c.queue_id", q.Queues)
	ow.add("c.agents_offered <> '[]'")
	ow.in("j.value", q.Agents)
	rows, err = s.db.QueryContext(ctx, s.db.Rebind(`SELECT j.value, COUNT(*) FROM calls c, `+s.sql.offeredAgents+ow.String()+` GROUP BY j.value`), ow.args...)
	if err != nil {
		return nil, fmt.Errorf("reports: agent offers of %s: %w", q.Tenant, err)
	}
	defer rows.Close()
	for rows.Next() {
		var a string
		var n int64
		if err := rows.Scan(&a, &n); err != nil {
			return nil, fmt.Errorf("reports: agent offers of %s: %w", q.Tenant, err)
		}
		get(a).Offered += n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reports: agent offers of %s: %w", q.Tenant, err)
	}
	out := make([]AgentCallsRow, 0, len(byAgent))
	for _, r := range byAgent {
		r.ConnectRate = ratio(r.InboundAnswered+offersTaken[r.Agent], r.Offered)
		r.TalkMS = r.InboundTalkMS + r.OutboundTalkMS
		r.AvgTalkMS = avg(r.TalkMS, r.InboundAnswered+r.OutboundConnected)
		r.AgentLabel = label(r.Agent)
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Agent < out[j].Agent })
	return out, nil
}

// SatisfactionRow is one agent's satisfaction figures (满意度).
type SatisfactionRow struct {
	Agent string `json:"agent"`
	AgentLabel
	// Handled: inbound calls the agent answered; Surveys: surveys taken on
	// calls of the range rating this agent; Participation = Surveys ÷ Handled.
	Handled       int64   `json:"handled"`
	Surveys       int64   `json:"surveys"`
	Participation float64 `json:"participation"`
	// Scores counts surveys per score ("5": 12); Average is their mean.
	Scores  map[string]int64 `json:"scores"`
	Average float64          `json:"average"`
}

// SatisfactionHeader is the CSV header of SatisfactionRow; the scores column
// reads "score:count" pairs separated by spaces.
var SatisfactionHeader = []string{"agent", "agent_name", "agent_work_number", "handled", "surveys", "participation", "average", "scores"}

// CSV is the row's CSV record.
func (r *SatisfactionRow) CSV() []string {
	keys := make([]int, 0, len(r.Scores))
	for k := range r.Scores {
		n, _ := strconv.Atoi(k)
		keys = append(keys, n)
	}
	sort.Ints(keys)
	sc := ""
	for i, k := range keys {
		if i > 0 {
			sc += " "
		}
		sc += strconv.Itoa(k) + ":" + i64(r.Scores[strconv.Itoa(k)])
	}
	return []string{r.Agent, r.AgentName, r.AgentWorkNumber, i64(r.Handled), i64(r.Surveys), f4(r.Participation), strconv.FormatFloat(r.Average, 'f', 2, 64), sc}
}

// surveyAgent is the agent a survey rates: the one it names, else the
// call's answering agent.
const surveyAgent = `CASE WHEN s.agent_id <> '' THEN s.agent_id ELSE c.agent_id END`

// Satisfaction computes per agent the calls handled, the surveys taken and
// their score distribution. A survey belongs to the range of the call it
// rates (by the call's start), so participation never mixes periods.
func (s *Service) Satisfaction(ctx context.Context, q Query) ([]SatisfactionRow, error) {
	label, err := s.agentLabels(ctx, q.Tenant)
	if err != nil {
		return nil, err
	}
	byAgent := map[string]*SatisfactionRow{}
	get := func(a string) *SatisfactionRow {
		r := byAgent[a]
		if r == nil {
			r = &SatisfactionRow{Agent: a, Scores: map[string]int64{}}
			byAgent[a] = r
		}
		return r
	}
	var w where
	w.add("c.tenant_id = ?", q.Tenant)
	w.between("c.started_at", q.From, q.To)
	w.add("c.direction = 'inbound'")
	w.add("c.disposition = 'answered'")
	w.add("c.agent_id <> ''")
	w.in("c.agent_id", q.Agents)
	w.in("c.queue_id", q.Queues)
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(`SELECT c.agent_id, COUNT(*) FROM calls c`+w.String()+` GROUP BY c.agent_id`), w.args...)
	if err != nil {
		return nil, fmt.Errorf("reports: satisfaction of %s: %w", q.Tenant, err)
	}
	for rows.Next() {
		var a string
		var n int64
		if err := rows.Scan(&a, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("reports: satisfaction of %s: %w", q.Tenant, err)
		}
		get(a).Handled = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reports: satisfaction of %s: %w", q.Tenant, err)
	}
	var sw where
	sw.add("s.tenant_id = ?", q.Tenant)
	sw.between("c.started_at", q.From, q.To)
	sw.in(surveyAgent, q.Agents)
	sw.in("c.queue_id", q.Queues)
	rows, err = s.db.QueryContext(ctx, s.db.Rebind(`SELECT `+surveyAgent+` AS agent, s.score, COUNT(*)
 FROM survey_results s JOIN calls c ON c.tenant_id = s.tenant_id AND c.id = s.call_id`+sw.String()+` GROUP BY `+surveyAgent+`, s.score`), sw.args...)
	if err != nil {
		return nil, fmt.Errorf("reports: surveys of %s: %w", q.Tenant, err)
	}
	defer rows.Close()
	sums := map[string]int64{}
	for rows.Next() {
		var a string
		var score, n int64
		if err := rows.Scan(&a, &score, &n); err != nil {
			return nil, fmt.Errorf("reports: surveys of %s: %w", q.Tenant, err)
		}
		r := get(a)
		r.Scores[i64(score)] += n
		r.Surveys += n
		sums[a] += score * n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reports: surveys of %s: %w", q.Tenant, err)
	}
	out := make([]SatisfactionRow, 0, len(byAgent))
	for a, r := range byAgent {
		r.Participation = ratio(r.Surveys, r.Handled)
		if r.Surveys > 0 {
			r.Average = float64(int64(float64(sums[a])/float64(r.Surveys)*100+0.5)) / 100
		}
		r.AgentLabel = label(r.Agent)
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Agent < out[j].Agent })
	return out, nil
}
