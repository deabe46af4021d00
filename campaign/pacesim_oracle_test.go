package campaign

import (
	"math"
	"testing"
	"time"
)

// The bench-only oracle's plan: exact counts for what it knows, the
// model's true chances (with their variances) for what it does not.
func TestOraclePlan(t *testing.T) {
	t.Parallel()
	o := DefaultSim() // p 0.3, answer U(3 s, 15 s), unanswered end 20 s, talk mean 120 s, connect 2 s
	now := 100.0
	// Ringing: dialled 5 s ago, answers in 2 s (at 7 s); dialled 10 s
	// ago, never answered; dialled 1 s ago, answers in 13.5 s.
	ringing := []oracleCall{{dialed: 95, answerAt: 102}, {dialed: 90, answerAt: -1}, {dialed: 99, answerAt: 113.5}}
	busy := []float64{100.5, 104, 160}
	// The true chance that a call ringing e is answered within u more.
	sa := func(x float64) float64 { return math.Max(0, math.Min(1, (15-x)/12)) }
	trueAns := func(e, u float64) float64 {
		q := 0.3 * sa(e) / (0.3*sa(e) + 0.7)
		return q * (sa(e) - sa(e+u)) / sa(e)
	}
	trueFree := func(u float64) float64 { return 1 - math.Exp(-u/120) }
	cases := []struct {
		name          string
		calls, agents bool
		bucket        int // k: the interval (k, k+1] s from now
		ans, free     float64
		ansVar, frVar float64
	}{
		{name: "both known, 1 s", calls: true, agents: true, bucket: 0, ans: 0, free: 1},
		{name: "both known, 2 s", calls: true, agents: true, bucket: 1, ans: 1, free: 1},
		{name: "both known, 4 s", calls: true, agents: true, bucket: 3, ans: 1, free: 2},
		{name: "both known, 14 s", calls: true, agents: true, bucket: 13, ans: 2, free: 2},
		{name: "agents known, 4 s", agents: true, bucket: 3,
			ans:    trueAns(5, 4) + trueAns(10, 4) + trueAns(1, 4),
			ansVar: trueAns(5, 4)*(1-trueAns(5, 4)) + trueAns(10, 4)*(1-trueAns(10, 4)) + trueAns(1, 4)*(1-trueAns(1, 4)),
			free:   2},
		{name: "calls known, 4 s", calls: true, bucket: 3, ans: 1,
			free: 3 * trueFree(4), frVar: 3 * trueFree(4) * (1 - trueFree(4))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			oo := o
			oo.Oracle, oo.OracleCalls, oo.OracleAgents = true, c.calls, c.agents
			pl := oraclePlan(oo, now, 2, ringing, busy)
			if len(pl.ans) != 18 || pl.connect != 2 || pl.free0 != 2 || pl.p != 0.3 {
				t.Fatalf("plan: %d buckets, connect %d, free0 %v, p %v", len(pl.ans), pl.connect, pl.free0, pl.p)
			}
			k := c.bucket
			for _, f := range []struct {
				name      string
				got, want float64
			}{{"ans", pl.ans[k], c.ans}, {"ansVar", pl.ansVar[k], c.ansVar}, {"free", pl.free[k], c.free}, {"freeVar", pl.freeVar[k], c.frVar}} {
				if math.Abs(f.got-f.want) > 1e-9 {
					t.Errorf("%s[%d] = %v, want %v", f.name, k, f.got, f.want)
				}
			}
		})
	}
	// New calls: the true delay distribution, and the halved
	// probability after HalveAt.
	pl := oraclePlan(o, now, 0, nil, nil)
	for k, want := range map[int]float64{1: 0, 2: 0, 3: 1.0 / 12, 8: 6.0 / 12, 14: 1, 17: 1} {
		if math.Abs(pl.g[k]-want) > 1e-9 {
			t.Errorf("g[%d] = %v, want %v", k, pl.g[k], want)
		}
	}
	h := o
	h.HalveAt = 50 * time.Second
	if pl := oraclePlan(h, now, 0, nil, nil); pl.p != 0.15 {
		t.Errorf("after HalveAt p = %v, want 0.15", pl.p)
	}
}

// A short oracle run is deterministic per seed and, knowing every
// call's and agent's future, abandons less for more talk than the same
// rule with the true chances at the same budget.
func TestSimulateOracle(t *testing.T) {
	t.Parallel()
	o := DefaultSim()
	o.Duration, o.Seed, o.FixedBudget = 30*time.Minute, 3, 0.01
	truth := o
	truth.Oracle = true
	or := truth
	or.OracleCalls, or.OracleAgents = true, true
	a, b := Simulate(or), Simulate(or)
	if a != b {
		t.Fatalf("two runs of the same seed differ: %+v, %+v", a, b)
	}
	tr := Simulate(truth)
	if a.TalkMinPerAgentHour <= tr.TalkMinPerAgentHour {
		t.Fatalf("oracle talk %.2f ≤ %.2f with the true chances", a.TalkMinPerAgentHour, tr.TalkMinPerAgentHour)
	}
	t.Logf("oracle %.2f talk, %.2f%% abandon; true chances %.2f, %.2f%%", a.TalkMinPerAgentHour, a.AbandonPct, tr.TalkMinPerAgentHour, tr.AbandonPct)
}
