package reports

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ipcc/ipcc/store"
)

// BenchTarget is the time each report over one month must stay under.
const BenchTarget = 2 * time.Second

// BenchOptions size the generated data set.
type BenchOptions struct {
	// Records is the number of call records; they are spread over Months
	// months ending at End (local midnight in the tenant's zone).
	Records int
	Months  int
	End     time.Time
	Tenant  string
	Zone    string
	Agents  int
	Queues  int
	Seed    int64
	// Progress, when set, is told what the generator is doing.
	Progress func(string)
}

func (o *BenchOptions) defaults() error {
	if o.Records <= 0 {
		o.Records = 1000000
	}
	if o.Months <= 0 {
		o.Months = 12
	}
	if o.Tenant == "" {
		o.Tenant = "bench"
	}
	if o.Zone == "" {
		o.Zone = "Asia/Shanghai"
	}
	loc, err := time.LoadLocation(o.Zone)
	if err != nil {
		return fmt.Errorf("reports: bench zone: %w", err)
	}
	if o.End.IsZero() {
		o.End = time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
	}
	if o.Agents <= 0 {
		o.Agents = 200
	}
	if o.Queues <= 0 {
		o.Queues = 10
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	return nil
}

// GenerateStats counts the rows Generate wrote.
type GenerateStats struct {
	Calls, AgentLog, Surveys, Recordings int
	Took                                 time.Duration
}

// batcher writes rows as multi-row INSERTs, many per transaction.
type batcher struct {
	st      *store.Store
	ctx     context.Context
	table   string
	cols    int
	prefix  string
	perStmt int
	args    []any
	n       int
}

func newBatcher(ctx context.Context, st *store.Store, table string, cols []string) *batcher {
	per := 30000 / len(cols) // under SQLite's 32,766 variables and PostgreSQL's 65,535
	return &batcher{st: st, ctx: ctx, table: table, cols: len(cols), prefix: "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES ", perStmt: per}
}

func (b *batcher) add(vals ...any) error {
	b.args = append(b.args, vals...)
	b.n++
	if b.n == b.perStmt {
		return b.flush()
	}
	return nil
}

func (b *batcher) flush() error {
	if b.n == 0 {
		return nil
	}
	row := "(" + strings.TrimSuffix(strings.Repeat("?,", b.cols), ",") + ")"
	q := b.prefix + strings.TrimSuffix(strings.Repeat(row+",", b.n), ",")
	tx, err := b.st.DB().BeginTx(b.ctx, nil)
	if err != nil {
		return fmt.Errorf("reports: bench insert into %s: %w", b.table, err)
	}
	if _, err := tx.ExecContext(b.ctx, b.st.Rebind(q), b.args...); err != nil {
		_ = tx.Rollback()
		return fmt.Errorf("reports: bench insert into %s: %w", b.table, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("reports: bench insert into %s: %w", b.table, err)
	}
	b.args, b.n = b.args[:0], 0
	return nil
}

// Generate writes a synthetic tenant: Records calls (80% inbound through
// Queues queues, 20% agents' click-to-dial), the agents' state transitions
// for every answered call plus a daily login, break and logout, a survey on
// 30% of answered calls and a recording of each surveyed call.
func Generate(ctx context.Context, st *store.Store, o BenchOptions) (GenerateStats, error) {
	if err := o.defaults(); err != nil {
		return GenerateStats{}, err
	}
	began := time.Now()
	var stats GenerateStats
	if err := st.CreateTenant(ctx, &store.Tenant{ID: o.Tenant, Name: "Reports benchmark", Timezone: o.Zone}); err != nil {
		return stats, fmt.Errorf("reports: bench tenant: %w", err)
	}
	for i := 0; i < o.Queues; i++ {
		if err := st.CreateACDQueue(ctx, &store.ACDQueue{TenantID: o.Tenant, ID: "q" + strconv.Itoa(i), Name: "Queue " + strconv.Itoa(i), Strategy: "longest-idle", Config: "{}"}); err != nil {
			return stats, err
		}
	}
	loc, _ := time.LoadLocation(o.Zone)
	start := o.End.In(loc).AddDate(0, -o.Months, 0)
	span := o.End.Sub(start)
	for i := 0; i < o.Agents; i++ {
		if err := st.SaveACDAgentState(ctx, &store.ACDAgentState{TenantID: o.Tenant, AgentID: agentName(i), State: "logged-out", Since: start}); err != nil {
			return stats, err
		}
	}
	rnd := rand.New(rand.NewSource(o.Seed))
	calls := newBatcher(ctx, st, "calls", []string{"tenant_id", "id", "direction", "ani", "dnis", "started_at", "answered_at", "ended_at", "disposition",
		"queue_id", "agent_id", "ivr_ms", "wait_ms", "ring_ms", "talk_ms", "wrapup_ms", "agents_offered", "trace", "ivr_path"})
	logs := newBatcher(ctx, st, "acd_agent_log", []string{"tenant_id", "agent_id", "at", "from_state", "to_state", "reason", "call_id", "queue_id", "by_user"})
	surveys := newBatcher(ctx, st, "survey_results", []string{"tenant_id", "call_id", "agent_id", "queue", "score", "created_at"})
	recs := newBatcher(ctx, st, "recordings", []string{"tenant_id", "id", "call_id", "agent_id", "queue_id", "ani", "path", "started_at", "ended_at", "duration_ms"})
	ms := func(d time.Duration) time.Duration { return d * time.Millisecond }
	// Calls arrive in working hours more than at night: draw a day, then an
	// hour from a day-shaped profile. They are written in time order, as a
	// running controller writes them (which keeps a month's rows together).
	starts := make([]time.Time, o.Records)
	for i := range starts {
		dayStart := start.Add(time.Duration(rnd.Int63n(int64(span/(24*time.Hour)))) * 24 * time.Hour)
		hour := int(8 + rnd.NormFloat64()*3.5 + 4)
		if hour < 0 || hour > 23 {
			hour = rnd.Intn(24)
		}
		starts[i] = dayStart.Add(time.Duration(hour)*time.Hour + time.Duration(rnd.Int63n(int64(time.Hour)))).UTC()
	}
	sort.Slice(starts, func(i, j int) bool { return starts[i].Before(starts[j]) })
	for i, at := range starts {
		if i%100000 == 0 && o.Progress != nil {
			o.Progress(fmt.Sprintf("calls %d/%d", i, o.Records))
		}
		id := "b" + strconv.Itoa(i)
		agent := agentName(rnd.Intn(o.Agents))
		ani := "138" + fmt.Sprintf("%08d", rnd.Intn(100000000))
		var answered, ended any
		var disp, queue, callAgent, offered string
		var ivr, wait, ring, talk, wrap int64
		direction := "inbound"
		if rnd.Intn(5) == 0 {
			direction, callAgent = "outbound", agent
			disp = "no_answer"
			talk = 0
			end := at.Add(time.Duration(20+rnd.Intn(30)) * time.Second)
			if rnd.Intn(10) < 6 {
				disp = "answered"
				a := at.Add(time.Duration(5+rnd.Intn(20)) * time.Second)
				answered = a
				talk = int64(30000 + rnd.Intn(300000))
				end = a.Add(ms(time.Duration(talk)))
			}
			ended = end
			if err := calls.add(o.Tenant, id, direction, "8"+agent[1:], ani, at, answered, ended, disp, "", callAgent, 0, 0, 0, talk, 0, "[]", "[]", "[]"); err != nil {
				return stats, err
			}
			stats.Calls++
			continue
		}
		ivr = int64(rnd.Intn(60000))
		queue = "q" + strconv.Itoa(rnd.Intn(o.Queues))
		wait = int64(rnd.Intn(120000))
		p := rnd.Intn(100)
		switch {
		case p < 70:
			disp, callAgent = "answered", agent
			ring = int64(rnd.Intn(15000))
			if ring > wait {
				wait = ring
			}
			talk = int64(30000 + rnd.Intn(570000))
			wrap = 30000
			offered = `["` + agent + `"]`
			if rnd.Intn(10) == 0 {
				offered = `["` + agentName(rnd.Intn(o.Agents)) + `","` + agent + `"]`
			}
		case p < 82:
			disp = "abandoned_queue"
		case p < 86:
			disp, ring = "abandoned_ringing", int64(rnd.Intn(15000))
			offered = `["` + agent + `"]`
		case p < 91:
			disp, queue, wait = "abandoned_ivr", "", 0
		case p < 96:
			disp, queue, wait = "ivr_completed", "", 0
		case p < 98:
			disp = "overflow_timeout"
		default:
			disp = "failed"
		}
		if offered == "" {
			offered = "[]"
		}
		total := ivr + wait + talk
		if disp == "answered" {
			answered = at.Add(ms(time.Duration(ivr + wait)))
		}
		ended = at.Add(ms(time.Duration(total)))
		if err := calls.add(o.Tenant, id, "inbound", ani, "4001", at, answered, ended, disp, queue, callAgent, ivr, wait, ring, talk, wrap, offered, "[]", "[]"); err != nil {
			return stats, err
		}
		stats.Calls++
		if disp != "answered" {
			continue
		}
		ringAt := at.Add(ms(time.Duration(ivr + wait - ring)))
		ans := at.Add(ms(time.Duration(ivr + wait)))
		end := ans.Add(ms(time.Duration(talk)))
		for _, l := range []struct {
			at       time.Time
			from, to string
		}{{ringAt, "available", "ringing"}, {ans, "ringing", "on-call"}, {end, "on-call", "wrap-up"}, {end.Add(30 * time.Second), "wrap-up", "available"}} {
			if err := logs.add(o.Tenant, agent, l.at, l.from, l.to, "", id, queue, ""); err != nil {
				return stats, err
			}
			stats.AgentLog++
		}
		if rnd.Intn(10) < 3 {
			if err := surveys.add(o.Tenant, id, agent, queue, 1+rnd.Intn(5), end.Add(time.Minute)); err != nil {
				return stats, err
			}
			if err := recs.add(o.Tenant, "r"+id, id, agent, queue, ani, "/rec/"+id+".wav", ans, end, talk); err != nil {
				return stats, err
			}
			stats.Surveys++
			stats.Recordings++
		}
	}
	// Each agent's working day: login 08:00, lunch 12:00-13:00, logout 18:00.
	for d := start; d.Before(o.End); d = d.AddDate(0, 0, 1) {
		for i := 0; i < o.Agents; i++ {
			a := agentName(i)
			for _, l := range []struct {
				h             int
				from, to, why string
			}{{8, "logged-out", "available", ""}, {12, "available", "not-ready", "lunch"}, {13, "not-ready", "available", ""}, {18, "available", "logged-out", ""}} {
				if err := logs.add(o.Tenant, a, d.Add(time.Duration(l.h)*time.Hour).UTC(), l.from, l.to, l.why, "", "", ""); err != nil {
					return stats, err
				}
				stats.AgentLog++
			}
		}
	}
	for _, b := range []*batcher{calls, logs, surveys, recs} {
		if err := b.flush(); err != nil {
			return stats, err
		}
	}
	if st.Dialect() == store.SQLite {
		// The planner needs statistics to choose among the report indexes.
		if _, err := st.DB().ExecContext(ctx, "ANALYZE"); err != nil {
			return stats, fmt.Errorf("reports: bench analyze: %w", err)
		}
	} else if _, err := st.DB().ExecContext(ctx, "ANALYZE calls; ANALYZE acd_agent_log; ANALYZE survey_results; ANALYZE recordings"); err != nil {
		return stats, fmt.Errorf("reports: bench analyze: %w", err)
	}
	stats.Took = time.Since(began)
	return stats, nil
}

func agentName(i int) string { return "a" + strconv.Itoa(1000+i) }

// BenchResult is one report's measured run.
type BenchResult struct {
	Report   string
	Rows     int
	Duration time.Duration
}

// Pass tells whether the report met BenchTarget.
func (r BenchResult) Pass() bool { return r.Duration < BenchTarget }

// RunBench runs every report of tenant over the last month before o.End,
// the listings both as a first page and as a full CSV export.
func RunBench(ctx context.Context, st *store.Store, o BenchOptions) ([]BenchResult, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	s := New(st, nil)
	loc, err := s.Location(ctx, o.Tenant)
	if err != nil {
		return nil, err
	}
	end := o.End.In(loc)
	base := Query{Tenant: o.Tenant, Loc: loc, From: end.AddDate(0, -1, 0), To: end, Limit: DefaultLimit, ServiceLevel: 20 * time.Second}
	csvOut := csv.NewWriter(io.Discard)
	type csvRow interface{ CSV() []string }
	listing := func(name string, q Query, run func(context.Context, Query, func(csvRow) error) (string, error)) []benchCase {
		all := q
		all.Limit = 0
		return []benchCase{
			{name + " (page of 100)", func() (int, error) {
				n := 0
				_, err := run(ctx, q, func(csvRow) error { n++; return nil })
				return n, err
			}},
			{name + " (all rows, CSV)", func() (int, error) {
				n := 0
				_, err := run(ctx, all, func(r csvRow) error { n++; return csvOut.Write(r.CSV()) })
				csvOut.Flush()
				return n, err
			}},
		}
	}
	num := base
	num.Number = "1234"
	byQueue := base
	byQueue.Queues = []string{"q1"}
	oneAgent := base
	oneAgent.Agents = []string{agentName(7)}
	byDay := base
	byDay.ByDay = true
	var cases []benchCase
	cases = append(cases, listing("calls", base, func(ctx context.Context, q Query, f func(csvRow) error) (string, error) {
		return s.Calls(ctx, q, func(r *CallRow) error { return f(r) })
	})...)
	cases = append(cases, listing("calls number=1234", num, func(ctx context.Context, q Query, f func(csvRow) error) (string, error) {
		return s.Calls(ctx, q, func(r *CallRow) error { return f(r) })
	})...)
	cases = append(cases,
		benchCase{"hourly", func() (int, error) { h, err := s.Hourly(ctx, base); return lenOr(h), err }},
		benchCase{"agents/calls", func() (int, error) { r, err := s.AgentCalls(ctx, base); return len(r), err }},
		benchCase{"agents/service", func() (int, error) { r, err := s.AgentService(ctx, base); return len(r), err }},
		benchCase{"agents/service by=day", func() (int, error) { r, err := s.AgentService(ctx, byDay); return len(r), err }},
		benchCase{"queues", func() (int, error) { r, err := s.Queues(ctx, base); return len(r), err }},
		benchCase{"satisfaction", func() (int, error) { r, err := s.Satisfaction(ctx, base); return len(r), err }},
	)
	cases = append(cases, listing("agents/operations", base, func(ctx context.Context, q Query, f func(csvRow) error) (string, error) {
		return s.Operations(ctx, q, func(r *OperationRow) error { return f(r) })
	})...)
	cases = append(cases, listing("agents/operations agent=1", oneAgent, func(ctx context.Context, q Query, f func(csvRow) error) (string, error) {
		return s.Operations(ctx, q, func(r *OperationRow) error { return f(r) })
	})...)
	cases = append(cases, listing("abandoned", base, func(ctx context.Context, q Query, f func(csvRow) error) (string, error) {
		return s.Abandoned(ctx, q, func(r *AbandonedRow) error { return f(r) })
	})...)
	cases = append(cases, listing("waits queue=q1", byQueue, func(ctx context.Context, q Query, f func(csvRow) error) (string, error) {
		return s.Waits(ctx, q, func(r *WaitRow) error { return f(r) })
	})...)
	cases = append(cases, listing("satisfaction/surveys", base, func(ctx context.Context, q Query, f func(csvRow) error) (string, error) {
		return s.Surveys(ctx, q, func(r *SurveyRow) error { return f(r) })
	})...)
	out := make([]BenchResult, 0, len(cases))
	for _, c := range cases {
		began := time.Now()
		n, err := c.run()
		if err != nil {
			return out, fmt.Errorf("reports: bench %s: %w", c.name, err)
		}
		out = append(out, BenchResult{Report: c.name, Rows: n, Duration: time.Since(began)})
	}
	return out, nil
}

type benchCase struct {
	name string
	run  func() (int, error)
}

func lenOr(h *Hourly) int {
	if h == nil {
		return 0
	}
	return len(h.Days)
}
