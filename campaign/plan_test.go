package campaign

import (
	"math"
	"testing"
	"time"
)

func TestPositivePart(t *testing.T) {
	t.Parallel()
	cases := []struct {
		m, v, want, tol float64
	}{
		{m: 10, v: 0, want: 10, tol: 1e-6},        // surely positive: the mean
		{m: -10, v: 0, want: 0, tol: 1e-6},        // surely negative: nothing
		{m: 0, v: 1, want: 0.4152, tol: 1e-3},     // σφ(0) with σ² = 1 + 1/12
		{m: 2, v: 4, want: 2.1729, tol: 5e-3},     // σφ(z)+mΦ(z), σ² = 4 + 1/12
		{m: -3, v: 1, want: 0.0006, tol: 2e-4},    // the tail only
		{m: 1, v: 100, want: 4.5110, tol: 5e-3},   // wide: about σ/√(2π) + m/2
		{m: 0.5, v: 1e-12, want: 0.5, tol: 0.1},   // near-zero variance
		{m: -0.5, v: 1e-12, want: 0.0, tol: 0.15}, // near-zero variance, negative
	}
	for _, c := range cases {
		if got := positivePart(c.m, c.v); math.Abs(got-c.want) > c.tol {
			t.Errorf("positivePart(%v, %v) = %.4f, want %.4f", c.m, c.v, got, c.want)
		}
	}
}

// flatPlan: nothing ringing, free agents, busy agents freeing at rate
// busy/handle, new calls answered with probability p uniformly over
// [lo, hi] seconds.
func flatPlan(free, busy int, handle, p, lo, hi float64, k int) *plan {
	pl := &plan{free0: float64(free), p: p, connect: 2,
		ans: make([]float64, k), ansVar: make([]float64, k), free: make([]float64, k), freeVar: make([]float64, k), g: make([]float64, k)}
	for j := range k {
		t := float64(j + 1)
		r := 1 - math.Exp(-t/handle)
		pl.free[j] = float64(busy) * r
		pl.freeVar[j] = float64(busy) * r * (1 - r)
		pl.g[j] = math.Max(0, math.Min(1, (t-lo)/(hi-lo)))
	}
	return pl
}

func TestPlanDeficitAndAbandons(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		pl         *plan
		n          int
		minAb, max float64 // expected abandons within [min, max]
	}{
		{"nothing dialled", flatPlan(5, 45, 120, 0.3, 3, 15, 18), 0, 0, 1e-6},
		{"a few calls for many free agents", flatPlan(20, 30, 120, 0.3, 3, 15, 18), 20, 0, 0.001},
		{"answers far over the agents", flatPlan(0, 50, 120, 0.3, 3, 15, 18), 200, 40, 60},
		{"no agents at all", flatPlan(0, 0, 120, 0.3, 3, 15, 18), 10, 2, 3.5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.pl.abandons(c.n)
			if got < c.minAb || got > c.max {
				t.Fatalf("abandons(%d) = %.4f, want %.4g..%.4g", c.n, got, c.minAb, c.max)
			}
		})
	}
	// The deficit: bucket 9 (by 10 s) with connect 2 looks at answers by
	// 8 s: 10 calls · 0.3 · (8−3)/12, less 5 free and 45·(1−e^(−10/120)).
	pl := flatPlan(5, 45, 120, 0.3, 3, 15, 18)
	m, v := pl.deficit(9, 10)
	wantM := 10*0.3*5.0/12 - 5 - 45*(1-math.Exp(-10.0/120))
	if math.Abs(m-wantM) > 1e-9 || v <= 0 {
		t.Fatalf("deficit(9, 10) = %.4f (var %.4f), want %.4f", m, v, wantM)
	}
	// Before connect has passed, new calls count for nothing.
	if m, _ := pl.deficit(1, 1000); m > 0 {
		t.Fatalf("deficit(1, 1000) = %.3f: calls cannot need an agent yet", m)
	}
	// More dials never mean fewer abandons or answers.
	for n := range 100 {
		if pl.abandons(n+1) < pl.abandons(n)-1e-12 || pl.answers(n+1) < pl.answers(n) {
			t.Fatalf("not monotone at n=%d", n)
		}
	}
	if got, want := pl.answers(10), 10*0.3; math.Abs(got-want) > 1e-9 {
		t.Fatalf("answers(10) = %.3f, want %.3f (all answer within the horizon)", got, want)
	}
}

func TestHeadroom(t *testing.T) {
	t.Parallel()
	cases := []struct{ allowed, normal, want float64 }{
		{0.03, 0.027, 1},
		{0.027, 0.027, 1},
		{0.0135, 0.027, 0.25},
		{0, 0.027, 0},
		{-0.01, 0.027, 0},
	}
	for _, c := range cases {
		if got := headroom(c.allowed, c.normal); math.Abs(got-c.want) > 1e-9 {
			t.Errorf("headroom(%v, %v) = %v, want %v", c.allowed, c.normal, got, c.want)
		}
	}
}

// allowed: the abandon rate the next answers may have so that no full
// guard window goes over the cap.
func TestPacerAllowed(t *testing.T) {
	t.Parallel()
	type ev struct {
		answers, abandons int
		over              time.Duration // spread evenly over this, ending now
	}
	cases := []struct {
		name     string
		cap      float64
		hist     ev
		min, max float64
	}{
		{"nothing yet: the cap", 0.03, ev{}, 0.03, 0.03},
		// The next hour may have the cap less the reserve of 3 abandons.
		{"a clean hour: the cap less the reserve", 0.03, ev{1440, 0, time.Hour}, 0.0279, 0.028},
		// A full hour at 2.9 %: the window ending in 5 minutes keeps
		// 55 minutes of it (38 abandons of 1320 answers) and gains 120
		// answers: (0.03·1440 − 38.5 − 3 reserve) / 120 ≈ 1.4 %.
		{"an hour near the cap", 0.03, ev{1440, 42, time.Hour}, 0.005, 0.025},
		{"an hour over the cap: nothing", 0.01, ev{1440, 20, time.Hour}, 0, 0},
		// A young campaign: 5 abandons in its first 100 answers count
		// in its first full hour (about 0.4/s of answers for an hour).
		{"a bad start counts in the first hour", 0.01, ev{100, 5, 4 * time.Minute}, 0.001, 0.008},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := NewPacer(PacerConfig{CapPct: c.cap * 100})
			now := t0.Add(2 * time.Hour)
			for i := range c.hist.answers {
				at := now.Add(-c.hist.over + time.Duration(i+1)*c.hist.over/time.Duration(c.hist.answers))
				p.Answered(at, 5*time.Second)
			}
			for i := range c.hist.abandons {
				p.Abandoned(now.Add(-c.hist.over + time.Duration(i+1)*c.hist.over/time.Duration(c.hist.abandons)))
			}
			got := p.allowed(now, c.cap)
			if got < c.min-1e-9 || got > c.max+1e-9 {
				t.Fatalf("allowed = %.4f, want %.4f..%.4f", got, c.min, c.max)
			}
		})
	}
}

// The estimates come from the mature attempts only: at a campaign's
// start the answered calls resolve before the unanswered ones, which
// would make the answer probability look far higher than it is.
func TestPacerMatureAnswerProb(t *testing.T) {
	t.Parallel()
	p := NewPacer(PacerConfig{PriorRing: 20 * time.Second, PriorAnswer: 0.3})
	// 100 calls dialled at t0; 30 answered after 3–15 s, 70 end at 20 s.
	for i := range 30 {
		p.Answered(t0.Add(time.Duration(3+i%12)*time.Second), time.Duration(3+i%12)*time.Second)
	}
	st := PacerState{Now: t0.Add(16 * time.Second), Free: 20, Leads: -1}
	if d := p.Decide(st); math.Abs(d.AnswerProb-0.3) > 1e-9 {
		t.Fatalf("at 16 s only answers have resolved: p = %.3f, want the prior 0.3", d.AnswerProb)
	}
	for range 70 {
		p.NotAnswered(t0.Add(20*time.Second), 20*time.Second)
	}
	st.Now = t0.Add(25 * time.Second)
	if d := p.Decide(st); math.Abs(d.AnswerProb-0.3) > 0.01 {
		t.Fatalf("after the ring timeout: p = %.3f, want 0.30", d.AnswerProb)
	}
}

// Little's law: the agents still busy count, so a young campaign's first
// (short) calls do not make the handle time look short.
func TestPacerMeanHandle(t *testing.T) {
	t.Parallel()
	p := NewPacer(PacerConfig{PriorHandle: 120 * time.Second, HandleMemory: 1000 * time.Hour})
	p.meanHandle(t0, 50)
	// 50 agents busy for 60 s; 5 short calls of 10 s finished.
	for range 5 {
		p.Handled(10 * time.Second)
	}
	got := p.meanHandle(t0.Add(60*time.Second), 50)
	// (50·60 + 20·120) / (5 + 20)
	if want := (50*60.0 + 20*120) / 25; math.Abs(got-want) > 0.01 {
		t.Fatalf("mean handle %.1f s, want %.1f s", got, want)
	}
}

func TestPlanIdle(t *testing.T) {
	t.Parallel()
	cont := math.Sqrt(1.0/12) / math.Sqrt(2*math.Pi) // E[X⁺] of the continuity correction alone
	cases := []struct {
		name      string
		pl        *plan
		n         int
		want, tol float64
	}{
		// 5 agents free for all 18 buckets: 90 agent-seconds.
		{"free agents, nothing dialled", flatPlan(5, 0, 120, 0.3, 3, 15, 18), 0, 90, 1e-6},
		// No agent at all: only the continuity correction of each bucket.
		{"no agents", flatPlan(0, 0, 120, 0.3, 3, 15, 18), 0, 18 * cont, 1e-9},
		// Far more answers than agents: nobody idle after the first
		// answers, so well under the 90 of no dials.
		{"many calls for the free agents", flatPlan(5, 0, 120, 0.3, 3, 15, 18), 200, 20, 8},
		// 45 busy agents freeing at 45/120 per second, none free now:
		// Σ_k E[freed by k]⁺ ≈ Σ_k 45·(1−e^(−k/120)).
		{"busy agents freeing", flatPlan(0, 45, 120, 0.3, 3, 15, 18), 0, func() float64 {
			s := 0.0
			for k := 1; k <= 18; k++ {
				s += 45 * (1 - math.Exp(-float64(k)/120))
			}
			return s
		}(), 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.pl.idle(c.n); math.Abs(got-c.want) > c.tol {
				t.Fatalf("idle(%d) = %.4f, want %.4f ± %.3g", c.n, got, c.want, c.tol)
			}
		})
	}
	// More dials never mean more idle agents.
	pl := flatPlan(5, 45, 120, 0.3, 3, 15, 18)
	for n := range 100 {
		if pl.idle(n+1) > pl.idle(n)+1e-12 {
			t.Fatalf("idle rises at n=%d: %.4f → %.4f", n, pl.idle(n), pl.idle(n+1))
		}
	}
}
