package e2ebench

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ipcc/ipcc/store"
)

// measure reads the run's figures from what ipcc stored once it stopped:
// a record per caller, complete, answered by an agent.
func measure(ctx context.Context, st *store.Store, legs []string, w *agentWatch, r *RunResult) error {
	type row struct {
		ID          string     `db:"id"`
		Leg         string     `db:"leg"`
		Disposition string     `db:"disposition"`
		AgentID     string     `db:"agent_id"`
		StartedAt   time.Time  `db:"started_at"`
		EndedAt     *time.Time `db:"ended_at"`
		IVRMS       int64      `db:"ivr_ms"`
		WaitMS      int64      `db:"wait_ms"`
		RingMS      int64      `db:"ring_ms"`
	}
	var rows []row
	if err := st.DB().SelectContext(ctx, &rows, st.Rebind(`SELECT id, leg, disposition, agent_id, started_at, ended_at, ivr_ms, wait_ms, ring_ms FROM calls WHERE tenant_id = ?`), benchTenant); err != nil {
		return fmt.Errorf("read the call records: %w", err)
	}
	type answer struct {
		CallID string    `db:"call_id"`
		At     time.Time `db:"answered_at"`
	}
	var answers []answer
	if err := st.DB().SelectContext(ctx, &answers, st.Rebind(`SELECT call_id, answered_at FROM call_legs WHERE tenant_id = ? AND role = 'agent' AND answered_at IS NOT NULL`), benchTenant); err != nil {
		return fmt.Errorf("read the call legs: %w", err)
	}
	// The agent who took the call answered last: an agent who answered
	// before them was gone when ipcc bridged the caller, who then waited
	// again (counted apart).
	agentAnswer := map[string]time.Time{}
	for _, a := range answers {
		t, ok := agentAnswer[a.CallID]
		if ok {
			r.AgentGoneAtBridge++
		}
		if !ok || a.At.After(t) {
			agentAnswer[a.CallID] = a.At
		}
	}
	byLeg := map[string]*row{}
	r.Dispositions = map[string]int{}
	for i := range rows {
		c := &rows[i]
		byLeg[c.Leg] = c
		if c.EndedAt == nil {
			r.Open++
		}
	}
	var toAgent, ivr, wait, ring []time.Duration
	for _, leg := range legs {
		c := byLeg[leg]
		if c == nil {
			r.NoRecord++
			r.Dispositions["(no record)"]++
			continue
		}
		d := c.Disposition
		if d == "" {
			d = "(none)"
		}
		r.Dispositions[d]++
		if c.EndedAt != nil && c.Disposition == "answered" && c.AgentID != "" {
			r.Completed++
			ms := time.Millisecond
			ivr, wait, ring = append(ivr, time.Duration(c.IVRMS)*ms), append(wait, time.Duration(c.WaitMS)*ms), append(ring, time.Duration(c.RingMS)*ms)
		}
		if at, ok := agentAnswer[c.ID]; ok {
			toAgent = append(toAgent, at.Sub(c.StartedAt))
		}
	}
	r.Failed = r.Placed - r.Completed
	r.ToAgentP50, r.ToAgentP99 = percentile(toAgent, 0.50), percentile(toAgent, 0.99)
	r.IVRP50, r.IVRP99 = percentile(ivr, 0.50), percentile(ivr, 0.99)
	r.WaitP50, r.WaitP99 = percentile(wait, 0.50), percentile(wait, 0.99)
	r.RingP50, r.RingP99 = percentile(ring, 0.50), percentile(ring, 0.99)
	w.mu.Lock()
	defer w.mu.Unlock()
	r.WronglyNotReady = len(w.notReady)
	r.NotReadyReasons = map[string]int{}
	for _, why := range w.notReady {
		r.NotReadyReasons[why]++
	}
	r.NoAnswerCauses = w.noAnswers
	if w.lost > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("the event stream lost events %d times: the not-ready count may be low", w.lost))
	}
	return nil
}

// percentile of ds (nearest rank); 0 when empty.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(p*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}
