package campaign

import (
	"fmt"
	"math"
	"sort"
	"sync"
	"time"
)

// The predictive pacer decides how many calls a predictive campaign places
// now. It learns, from the campaign's own calls,
//
//   - the answer probability p and the answer delay distribution (Sa, its
//     survival) and the ring time of unanswered attempts (Su), over the
//     mature attempts (dialled at least the ring timeout ago, so a young
//     campaign's quick answers do not outnumber its slow no-answers); a
//     call ringing for e seconds is answered with probability
//     q(e) = p·Sa(e) / (p·Sa(e) + (1−p)·Su(e));
//   - the mean handle time by Little's law (busy agent-seconds over calls
//     handled, both decaying), so that a busy agent is free within t with
//     probability r(e, t) = P(T ≤ e+t | T > e);
//
// and plans the next seconds in one-second buckets (plan.go): by the end
// of bucket k the answered callees who must have an agent (those answered
// by k − connect) less the agents available,
//
//	D_k(n) = Σ_ringing q_i·P(answer by k | ringing e_i) + n·p·G(k − connect)
//	         − (free − waiting) − Σ_busy r(e_j, k)
//
// a sum of independent Bernoulli counts, taken as normal with mean m_k and
// variance v_k. The expected abandons within the horizon are
// E_ab(n) = max_k E[D_k(n)⁺] (E[X⁺] = σφ(m/σ) + mΦ(m/σ)), the expected
// answers E_ans(n). The pacer dials the largest n with
//
//	E_ab(n) ≤ β · g · E_ans(n)
//
// β is the abandon budget per answer, steered by the abandon rate of the
// feedback window (15 min) toward the set point (60 % of the cap); g, the
// guard, shrinks the budget as the square of the abandon rate the next
// answers may have without any full guard window (1 h) going over the cap
// (see allowed), once that falls under 90 % of the cap: the pacer slows
// down before a breach, never after. β does not rise while the guard
// holds. Every decision is kept with its inputs for the last hour
// (Explain).

// PacerConfig sets a pacer.
type PacerConfig struct {
	// CapPct is the abandon cap in percent of live answers (default 3).
	CapPct float64
	// Connect is how long an answered callee may wait for an agent before
	// the call is abandoned (the 2-second rule; default 2 s).
	Connect time.Duration
	// SetPoint is the share of the cap the feedback aims the window's
	// abandon rate at (default 0.6).
	SetPoint float64
	// GuardFrom: the abandon budget shrinks (as the square) when the
	// rate the next answers may have without a guard window over the cap
	// falls under GuardFrom of the cap (default 0.9).
	GuardFrom float64
	// Window is the feedback window of the abandon rate (default 15 min).
	Window time.Duration
	// GuardReserve is how many abandons the guard keeps in reserve in
	// every window (abandons come in bursts; default 3).
	GuardReserve float64
	// Gain of the feedback on log β per second at 100 % error (default
	// 0.001).
	Gain float64
	// GuardWindow is the longer window whose rate the headroom guard
	// watches too (default 1 h).
	GuardWindow time.Duration
	// MaxLinesPerAgent bounds the calls in flight per logged-in agent
	// (default 6).
	MaxLinesPerAgent float64
	// MinLinesPerAgent is the least number of calls in flight per free
	// agent (default 1: never below progressive dialing).
	MinLinesPerAgent float64
	// Samples is how many recent attempts and handle times the estimates
	// use (default 400).
	Samples int
	// Prior answer probability, answer delay and handle time before the
	// campaign has its own figures (defaults 0.3, 9 s, 120 s).
	PriorAnswer float64
	PriorDelay  time.Duration
	PriorHandle time.Duration
	// PriorRing is how long unanswered attempts ring (the campaign's ring
	// timeout; default 30 s).
	PriorRing time.Duration
	// FixedBudget fixes the abandon budget β (expected abandons per
	// expected answer over the horizon) and turns the feedback off (for
	// experiments).
	FixedBudget float64
	// Known (experiments: `ipcc bench dialer --only frontier`) makes the
	// pacer take its priors as the model's true parameters and learn
	// nothing from the outcomes.
	Known bool
	// Rule is how the number of calls is chosen from the plan (default
	// RuleAverage; the others are for experiments, with FixedBudget).
	Rule DecisionRule
	// HandleMemory is the time constant of the handle-time estimate
	// (default 30 min).
	HandleMemory time.Duration
	// KeepDecisions is how long decisions are kept for Explain (default
	// 1 h).
	KeepDecisions time.Duration
}

func (c *PacerConfig) defaults() {
	if c.CapPct <= 0 {
		c.CapPct = 3
	}
	if c.Connect <= 0 {
		c.Connect = 2 * time.Second
	}
	if c.SetPoint <= 0 || c.SetPoint >= 1 {
		c.SetPoint = 0.6
	}
	if c.GuardFrom <= 0 || c.GuardFrom >= 1 {
		c.GuardFrom = 0.9
	}
	if c.Window <= 0 {
		c.Window = 15 * time.Minute
	}
	if c.GuardReserve <= 0 {
		c.GuardReserve = 3
	}
	if c.Gain <= 0 {
		c.Gain = 0.001
	}
	if c.GuardWindow < c.Window {
		c.GuardWindow = time.Hour
	}
	if c.MaxLinesPerAgent <= 0 {
		c.MaxLinesPerAgent = 6
	}
	if c.MinLinesPerAgent <= 0 {
		c.MinLinesPerAgent = 1
	}
	if c.Samples <= 0 {
		c.Samples = 400
	}
	if c.PriorAnswer <= 0 || c.PriorAnswer > 1 {
		c.PriorAnswer = 0.3
	}
	if c.PriorDelay <= 0 {
		c.PriorDelay = 9 * time.Second
	}
	if c.PriorHandle <= 0 {
		c.PriorHandle = 120 * time.Second
	}
	if c.PriorRing <= 0 {
		c.PriorRing = 30 * time.Second
	}
	if c.HandleMemory <= 0 {
		c.HandleMemory = 30 * time.Minute
	}
	if c.KeepDecisions <= 0 {
		c.KeepDecisions = time.Hour
	}
}

// DecisionRule is how the pacer chooses the number of calls from its plan
// and the budget b (β·g, or FixedBudget).
type DecisionRule int

const (
	// RuleAverage dials the largest n with E_ab(n) ≤ b·E_ans(n): the
	// expected abandons per expected answer over the horizon (the
	// production rule).
	RuleAverage DecisionRule = iota
	// RuleMarginal dials while the next call's marginal expected
	// abandons per marginal expected answer, E_ab(n+1) − E_ab(n) ≤
	// b·(E_ans(n+1) − E_ans(n)), stay within b.
	RuleMarginal
	// RuleIdle dials while the next call saves at least b idle
	// agent-seconds per abandon it adds: b·(E_ab(n+1) − E_ab(n)) ≤
	// E_idle(n) − E_idle(n+1) (a Lagrangian of utilisation against
	// abandons; b is in seconds).
	RuleIdle
)

// String names the rule.
func (r DecisionRule) String() string {
	switch r {
	case RuleAverage:
		return "average"
	case RuleMarginal:
		return "marginal"
	case RuleIdle:
		return "idle"
	}
	return fmt.Sprintf("rule(%d)", int(r))
}

// PacerState is what the pacer sees when it decides.
type PacerState struct {
	Now time.Time
	// Free agents: logged in, ready, not on or reserved for a call.
	Free int
	// Busy holds how long each busy agent has been handling their call
	// (talk and wrap-up so far).
	Busy []time.Duration
	// Ringing holds how long each campaign call not answered yet has been
	// ringing.
	Ringing []time.Duration
	// Waiting is how many answered callees wait for an agent now.
	Waiting int
	// Leads callable now (-1: unknown, no limit).
	Leads int
	// Quota is the room the tenant's quota of calls leaves the campaign
	// now (docs/tenants.md): the pacer dials no more than that.
	Quota QuotaRoom
	// oracle replaces the pacer's plan (bench only: SimOptions.Oracle).
	oracle *plan
}

// QuotaRoom is how many calls the tenant's quota of concurrent calls and
// calls per second lets a campaign start now.
type QuotaRoom struct {
	// Limited is false when no quota limits the tenant's calls.
	Limited bool
	Room    int
	// Why names the limit that binds and the tenant's figures, for the
	// decision's explanation.
	Why string
}

// Decision is one pacing decision with its inputs: the explanation the API
// shows.
type Decision struct {
	At      time.Time `json:"at"`
	Free    int       `json:"free_agents"`
	Busy    int       `json:"busy_agents"`
	Ringing int       `json:"ringing"`
	Waiting int       `json:"waiting"`
	// Estimates.
	AnswerProb   float64 `json:"answer_prob"`
	MeanDelayMS  int64   `json:"mean_answer_delay_ms"`
	MeanHandleMS int64   `json:"mean_handle_ms"`
	HorizonMS    int64   `json:"horizon_ms"`
	// Over the horizon, with the calls dialed: live answers expected,
	// agents expected free (less callees waiting), abandons expected.
	ExpectedAnswers  float64 `json:"expected_answers"`
	ExpectedAgents   float64 `json:"expected_agents"`
	ExpectedAbandons float64 `json:"expected_abandons"`
	// Beta is the abandon budget per expected answer the feedback set,
	// Guard the headroom factor (1 far from the cap, 0 at it), Budget
	// their product times the expected answers: the pacer dials the
	// largest number whose expected abandons stay within it.
	Beta   float64 `json:"beta"`
	Guard  float64 `json:"guard"`
	Budget float64 `json:"budget"`
	// Abandon rate over the feedback window, its answers and the cap.
	WindowAbandonPct float64 `json:"window_abandon_pct"`
	WindowAnswers    int     `json:"window_answers"`
	// GuardAbandonPct is the rate over the guard window (1 h);
	// AllowedPct the rate the next answers may have without a guard
	// window over the cap.
	GuardAbandonPct float64 `json:"guard_abandon_pct"`
	AllowedPct      float64 `json:"allowed_pct"`
	CapPct          float64 `json:"cap_pct"`
	Dial            int     `json:"dial"`
	Reason          string  `json:"reason"`
	// Codes name the reason's parts for a translated explanation:
	// no_agents, limit (lines or leads), budget (the largest n within
	// Budget), near_cap (Guard < 1: GuardAbandonPct near CapPct,
	// AllowedPct left), floor (raised to MinLines per free agent), quota
	// (held down to the room the tenant's quota of calls leaves; the
	// reason names the limit and the figures).
	Codes    []string `json:"codes"`
	MinLines float64  `json:"min_lines_per_agent,omitempty"`
}

// Pacer paces one predictive campaign. Safe for concurrent use.
type Pacer struct {
	cfg PacerConfig

	mu       sync.Mutex
	attempts ring[attempt] // resolved attempts, in the order they resolved
	handles  ring[float64] // handle time (s)
	sorted   struct{ delays, noans, handles []float64 }
	// answered and mature: the answered attempts and all the attempts of
	// the mature sample (see refresh).
	answered, mature int
	dirty            bool
	refreshed        time.Time
	// events of the feedback window: answers and abandons.
	answers  []time.Time
	abandons []time.Time
	logBeta  float64
	last     time.Time
	// periodPct is the abandon rate over the compliance profile's period
	// (from the stored attempts), -1 unknown.
	periodPct float64
	log       []Decision
	// Little's law for the handle time: busy agent-seconds and calls
	// handled, both decaying (time constant HandleMemory).
	exposure, done float64
	exposedAt      time.Time
	// first is the first answer's time.
	first time.Time
}

// NewPacer makes a pacer.
func NewPacer(cfg PacerConfig) *Pacer {
	cfg.defaults()
	p := &Pacer{cfg: cfg, logBeta: math.Log(cfg.CapPct / 100 / 6), periodPct: -1} // start cautious
	p.attempts.n, p.handles.n = cfg.Samples, cfg.Samples
	return p
}

// Config is the pacer's configuration with defaults applied.
func (p *Pacer) Config() PacerConfig { return p.cfg }

// SetCap changes the abandon cap live.
func (p *Pacer) SetCap(pct float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if pct > 0 {
		p.cfg.CapPct = pct
	}
}

// SetPeriodRate tells the pacer the abandon rate (percent) over the
// compliance profile's period: at 90 % of the cap it slows down as when
// its own window nears the cap.
func (p *Pacer) SetPeriodRate(pct float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.periodPct = pct
}

// Answered records a live answer after delay of ringing.
func (p *Pacer) Answered(at time.Time, delay time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.attempts.add(attempt{dialled: at.Add(-delay), resolved: at, answered: true, ring: delay.Seconds()})
	p.answers = append(p.answers, at)
	if p.first.IsZero() {
		p.first = at
	}
	p.dirty = true
}

// NotAnswered records an attempt that ended unanswered at at after
// ringing.
func (p *Pacer) NotAnswered(at time.Time, after time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.attempts.add(attempt{dialled: at.Add(-after), resolved: at, ring: after.Seconds()})
	p.dirty = true
}

// Abandoned records an answered callee no agent took in time.
func (p *Pacer) Abandoned(at time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.abandons = append(p.abandons, at)
}

// Handled records the handle time (talk and wrap-up) of a call an agent
// finished.
func (p *Pacer) Handled(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.handles.add(d.Seconds())
	p.done++
	p.dirty = true
}

// Decide says how many calls to place now and why.
func (p *Pacer) Decide(s PacerState) Decision {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refresh(s.Now)
	p.trim(s.Now)
	capF := p.cfg.CapPct / 100
	d := Decision{At: s.Now, Free: s.Free, Busy: len(s.Busy), Ringing: len(s.Ringing), Waiting: s.Waiting, CapPct: p.cfg.CapPct}
	pa := p.answerProb()
	d.AnswerProb = pa
	meanDelay := mean(p.sorted.delays, p.cfg.PriorDelay.Seconds())
	meanHandle := p.meanHandle(s.Now, len(s.Busy))
	d.MeanDelayMS = int64(meanDelay * 1000)
	d.MeanHandleMS = int64(meanHandle * 1000)
	ab, an := p.since(s.Now.Add(-p.cfg.Window))
	d.WindowAnswers = an
	rate := 0.0
	if an > 0 {
		rate = float64(ab) / float64(an)
	}
	d.WindowAbandonPct = 100 * rate
	hourRate := 0.0
	if len(p.answers) > 0 {
		hourRate = float64(len(p.abandons)) / float64(len(p.answers))
	}
	d.GuardAbandonPct = 100 * hourRate

	// Headroom: the budget shrinks (as the square) when the abandon rate
	// the next answers may have without a guard window over the cap
	// falls below GuardFrom of the cap, on the guard window and on the
	// compliance period.
	allow := p.allowed(s.Now, capF)
	d.AllowedPct = 100 * allow
	guard := headroom(allow, capF*p.cfg.GuardFrom)
	if p.periodPct >= 0 {
		guard = math.Min(guard, headroom(capF-p.periodPct/100, capF*p.cfg.GuardFrom))
	}

	// Feedback: steer β toward the set point, in proportion to the time
	// since the last decision. While the guard holds the pacer back β
	// does not rise (no wind-up: it would burst out when the guard lets
	// go).
	dt := 1.0
	if !p.last.IsZero() {
		dt = math.Min(s.Now.Sub(p.last).Seconds(), 10)
	}
	p.last = s.Now
	sp := capF * p.cfg.SetPoint
	// Confidence grows with the window's answers: few answers move β
	// little.
	w := math.Min(1, float64(an)/200)
	err := math.Max(-1, (sp-rate)/sp) // > 0 below the set point
	if err < 0 || guard >= 1 {
		p.logBeta += p.cfg.Gain * err * w * dt
	}
	p.logBeta = math.Max(math.Log(capF/30), math.Min(math.Log(capF/3), p.logBeta))
	beta := math.Exp(p.logBeta)
	if p.cfg.FixedBudget > 0 {
		beta, guard = p.cfg.FixedBudget, 1
	}
	d.Beta, d.Guard = beta, guard

	pl := s.oracle
	if pl == nil {
		pl = p.plan(s, pa, meanHandle)
	}
	d.HorizonMS = int64(len(pl.free)) * 1000
	agents := s.Free + len(s.Busy)
	maxLines := int(math.Ceil(p.cfg.MaxLinesPerAgent * float64(agents)))
	room := maxLines - len(s.Ringing)
	if s.Leads >= 0 && s.Leads < room {
		room = s.Leads
	}
	budget := func(n int) float64 { return beta * guard * pl.answers(n) }
	n := 0
	switch {
	case agents == 0:
		d.Reason, d.Codes = "no agent logged in", []string{"no_agents"}
	case room <= 0:
		d.Reason, d.Codes = "line or lead limit reached", []string{"limit"}
	default:
		d.Codes = []string{"budget"}
		b := beta * guard
		switch p.cfg.Rule {
		case RuleMarginal:
			for n < room && pl.abandons(n+1)-pl.abandons(n) <= b*(pl.answers(n+1)-pl.answers(n)) {
				n++
			}
			d.Reason = fmt.Sprintf("largest n with each call's marginal expected abandons ≤ β·g·its marginal expected answers (β=%.3g, g=%.2f)", beta, guard)
		case RuleIdle:
			for n < room && b*(pl.abandons(n+1)-pl.abandons(n)) <= pl.idle(n)-pl.idle(n+1) {
				n++
			}
			d.Reason = fmt.Sprintf("largest n with each call saving ≥ β·g idle agent-seconds per abandon it adds (β=%.3g, g=%.2f)", beta, guard)
		default:
			for n < room && pl.abandons(n+1) <= budget(n+1) {
				n++
			}
			d.Reason = fmt.Sprintf("largest n with expected abandons ≤ β·g·expected answers (β=%.3g, g=%.2f)", beta, guard)
		}
		if guard < 1 {
			period := ""
			if p.periodPct >= 0 {
				period = fmt.Sprintf(", %.2f%% over the compliance period", p.periodPct)
			}
			d.Reason = fmt.Sprintf("abandon rate %.2f%% over the last %v%s near the cap %.2g%% (next answers may have %.2f%%): ", 100*hourRate, p.cfg.GuardWindow, period, p.cfg.CapPct, 100*allow) + d.Reason
			d.Codes = append([]string{"near_cap"}, d.Codes...)
		}
		// Never below progressive: a line per free agent (or the
		// campaign's minimum).
		if floor := min(int(math.Ceil(p.cfg.MinLinesPerAgent*float64(s.Free-s.Waiting)))-len(s.Ringing), room); n < floor {
			n = floor
			d.Reason += fmt.Sprintf("; raised to %d: at least %.3g line(s) per free agent", n, p.cfg.MinLinesPerAgent)
			d.Codes, d.MinLines = append(d.Codes, "floor"), p.cfg.MinLinesPerAgent
		}
	}
	// The tenant's quota of calls comes last: never more than its room,
	// whatever the plan wants (a call over it would be refused anyway).
	if q := s.Quota; q.Limited && n > max(q.Room, 0) {
		d.Reason += fmt.Sprintf("; held to %d of %d by the tenant's quota: %s", max(q.Room, 0), n, q.Why)
		d.Codes = append(d.Codes, "quota")
		n = max(q.Room, 0)
	}
	d.ExpectedAnswers = pl.answers(n)
	d.ExpectedAgents = pl.agents()
	d.ExpectedAbandons = pl.abandons(n)
	d.Budget = budget(n)
	d.Dial = n
	p.log = append(p.log, d)
	// Trim a minute's worth at a time.
	if cut := s.Now.Add(-p.cfg.KeepDecisions); len(p.log) > 0 && p.log[0].At.Before(cut.Add(-time.Minute)) {
		i := sort.Search(len(p.log), func(i int) bool { return !p.log[i].At.Before(cut) })
		p.log = append(p.log[:0], p.log[i:]...)
	}
	return d
}

// meanHandle is the mean handle time by Little's law: the agent-seconds
// spent handling calls over the calls handled, both decaying with the
// time constant HandleMemory, the prior weighing as 20 calls. Unlike the
// mean of the handle times seen it counts the calls still going, so a
// young campaign (whose first finished calls are the short ones) does
// not believe agents free up faster than they do.
func (p *Pacer) meanHandle(now time.Time, busy int) float64 {
	if !p.exposedAt.IsZero() && now.After(p.exposedAt) {
		dt := now.Sub(p.exposedAt).Seconds()
		k := math.Exp(-dt / p.cfg.HandleMemory.Seconds())
		// Busy agents over dt, then the decay of the whole.
		p.exposure = (p.exposure + float64(busy)*dt) * k
		p.done *= k
	}
	p.exposedAt = now
	if p.cfg.Known {
		return p.cfg.PriorHandle.Seconds()
	}
	const prior = 20
	return (p.exposure + prior*p.cfg.PriorHandle.Seconds()) / (p.done + prior)
}

// headroom is 1 while the abandon rate allowed is at least normal,
// falling as the square to 0 as it falls to 0.
func headroom(allowed, normal float64) float64 {
	h := math.Max(0, math.Min(1, allowed/normal))
	return h * h
}

// allowed is the abandon rate (per live answer) the calls answered over
// the next minutes may have so that no full guard window ending in them
// goes over the cap: for each look-ahead Δ (1/12, 1/4, 1/2 and all of
// the window) the window ending at now+Δ keeps the answers and abandons
// after now−W+Δ and gains Δ of answers at the recent answer rate λ;
//
//	allowed(Δ) = (cap·(A_kept + λΔ) − B_kept) / (λΔ)
//
// and the least of them is the answer. A window starting before the
// pacer's first answer counts from it (a campaign's first hour is a full
// window from its start).
func (p *Pacer) allowed(now time.Time, capF float64) float64 {
	if len(p.answers) == 0 {
		return capF
	}
	w := p.cfg.GuardWindow
	span := min(max(now.Sub(p.first), 2*time.Minute), w)
	_, a0 := p.since(now.Add(-span))
	lambda := float64(a0) / span.Seconds() // answers per second
	// The first full window ends at first+W: earlier ones are not
	// windows of W.
	full := max(p.first.Add(w).Sub(now), w/12)
	best := capF
	for _, delta := range []time.Duration{w / 12, w / 4, w / 2, w, full} {
		if delta <= 0 || delta > w || delta < full {
			continue
		}
		ab, an := p.since(now.Add(delta - w))
		fut := lambda * delta.Seconds()
		if fut <= 0 {
			continue
		}
		best = math.Min(best, (capF*(float64(an)+fut)-float64(ab)-p.cfg.GuardReserve)/fut)
	}
	return math.Max(0, best)
}

// plan builds the horizon of the decision.
func (p *Pacer) plan(s PacerState, pa, meanHandle float64) *plan {
	conn := int(math.Ceil(p.cfg.Connect.Seconds()))
	last := p.cfg.PriorDelay.Seconds() * 5 / 3
	if ds := p.sorted.delays; len(ds) >= 30 {
		last = ds[len(ds)-1]
	}
	k := min(max(int(math.Ceil(last))+conn+1, 5), 60)
	pl := &plan{free0: float64(s.Free - s.Waiting), p: pa, connect: conn,
		ans: make([]float64, k), ansVar: make([]float64, k), free: make([]float64, k), freeVar: make([]float64, k), g: make([]float64, k)}
	for j := range k {
		t := float64(j + 1)
		pl.g[j] = p.delayCDF(t)
		for _, e := range s.Ringing {
			es := e.Seconds()
			w := p.answerGiven(pa, es) * p.answeredWithin(es, t)
			pl.ans[j] += w
			pl.ansVar[j] += w * (1 - w)
		}
		for _, e := range s.Busy {
			r := p.freeWithin(e.Seconds(), t, meanHandle)
			pl.free[j] += r
			pl.freeVar[j] += r * (1 - r)
		}
	}
	return pl
}

// Explain returns the decisions of the last hour (oldest first), at most
// limit of the latest (0: all).
func (p *Pacer) Explain(limit int) []Decision {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.log
	if limit > 0 && len(l) > limit {
		l = l[len(l)-limit:]
	}
	return append([]Decision(nil), l...)
}

// Rolling is the abandon rate over the feedback window: abandons, answers.
func (p *Pacer) Rolling(now time.Time) (abandons, answers int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.trim(now)
	return p.since(now.Add(-p.cfg.Window))
}

// since counts the abandons and answers kept from cut on.
func (p *Pacer) since(cut time.Time) (abandons, answers int) {
	after := func(ts []time.Time) int {
		return len(ts) - sort.Search(len(ts), func(i int) bool { return !ts[i].Before(cut) })
	}
	return after(p.abandons), after(p.answers)
}

func (p *Pacer) trim(now time.Time) {
	cut := now.Add(-p.cfg.GuardWindow)
	p.answers = dropBefore(p.answers, cut)
	p.abandons = dropBefore(p.abandons, cut)
}

func dropBefore(ts []time.Time, cut time.Time) []time.Time {
	i := 0
	for i < len(ts) && ts[i].Before(cut) {
		i++
	}
	if i == 0 {
		return ts
	}
	return append(ts[:0], ts[i:]...)
}

func (p *Pacer) refresh(now time.Time) {
	if p.cfg.Known || !p.dirty || now.Sub(p.refreshed) < time.Second {
		return
	}
	p.dirty, p.refreshed = false, now
	// The mature sample: attempts dialled at least the ring timeout ago
	// (all of them have resolved, so the quick answers do not outnumber
	// the slow no-answers, as they would at a campaign's start) and after
	// the oldest resolution kept (all of them are still kept).
	cut := now.Add(-p.cfg.PriorRing)
	var from time.Time
	all := p.attempts.items()
	if len(all) == p.attempts.n {
		from = all[p.attempts.next].resolved
	}
	p.sorted.delays, p.sorted.noans = p.sorted.delays[:0], p.sorted.noans[:0]
	p.answered, p.mature = 0, 0
	for _, a := range all {
		if a.dialled.After(cut) || a.dialled.Before(from) {
			continue
		}
		p.mature++
		if a.answered {
			p.answered++
			p.sorted.delays = append(p.sorted.delays, a.ring)
		} else {
			p.sorted.noans = append(p.sorted.noans, a.ring)
		}
	}
	sort.Float64s(p.sorted.delays)
	sort.Float64s(p.sorted.noans)
	p.sorted.handles = sortedOf(&p.handles, p.sorted.handles)
}

// answerProb is the share of the mature sample answered, the prior
// weighing as 20 attempts.
func (p *Pacer) answerProb() float64 {
	const prior = 20
	return (float64(p.answered) + prior*p.cfg.PriorAnswer) / float64(p.mature+prior)
}

// attempt is a resolved attempt: when it was dialled and resolved,
// whether a person answered, and how long it rang (s).
type attempt struct {
	dialled, resolved time.Time
	answered          bool
	ring              float64
}

// delaySurvival is the share of answered calls not answered within e
// seconds (prior: uniform over [delay/3, 5·delay/3]).
func (p *Pacer) delaySurvival(e float64) float64 {
	m := p.cfg.PriorDelay.Seconds()
	return survival(p.sorted.delays, e, m/3, m*5/3)
}

// delayCDF is the share of answered calls answered within u seconds.
func (p *Pacer) delayCDF(u float64) float64 {
	return 1 - p.delaySurvival(u)
}

// answeredWithin is, for a call ringing e seconds that will be answered,
// the chance it is answered within u more.
func (p *Pacer) answeredWithin(e, u float64) float64 {
	se := p.delaySurvival(e)
	if se <= 0 {
		return 1
	}
	return math.Min(1, (se-p.delaySurvival(e+u))/se)
}

// answerGiven is the chance that a call ringing for e seconds is answered.
func (p *Pacer) answerGiven(pa, e float64) float64 {
	sa := p.delaySurvival(e)
	su := survival(p.sorted.noans, e, p.cfg.PriorRing.Seconds(), p.cfg.PriorRing.Seconds()+1)
	num := pa * sa
	den := num + (1-pa)*su
	if den <= 0 {
		return 0
	}
	return num / den
}

// freeWithin is the chance that an agent handling a call for e seconds is
// done within h more: from the handle times seen when enough of them
// lasted longer than e, else as if handle times were exponential.
func (p *Pacer) freeWithin(e, h, meanHandle float64) float64 {
	hs := p.sorted.handles
	i := sort.SearchFloat64s(hs, e)
	longer := len(hs) - i
	if longer >= 100 && len(hs) >= p.cfg.Samples {
		j := sort.SearchFloat64s(hs, e+h)
		return float64(j-i) / float64(longer)
	}
	return 1 - math.Exp(-h/meanHandle)
}

// survival is the share of sorted samples above e; with few samples a
// uniform spread over [lo, hi].
func survival(s []float64, e, lo, hi float64) float64 {
	if len(s) < 30 {
		switch {
		case e < lo:
			return 1
		case e >= hi:
			return 0.02
		}
		return 1 - (e-lo)/(hi-lo)
	}
	i := sort.Search(len(s), func(i int) bool { return s[i] > e })
	return float64(len(s)-i) / float64(len(s))
}

// mean of the samples, the prior weighing as 100 of them: the first
// handle times seen are the short ones (the long calls are still going),
// so a young campaign must not believe them alone.
func mean(s []float64, prior float64) float64 {
	const k = 100
	t := prior * k
	for _, v := range s {
		t += v
	}
	return t / float64(len(s)+k)
}

func normCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

// ring keeps the last n values.
type ring[T any] struct {
	n    int
	buf  []T
	next int
}

func (r *ring[T]) add(v T) {
	if len(r.buf) < r.n {
		r.buf = append(r.buf, v)
		return
	}
	r.buf[r.next] = v
	r.next = (r.next + 1) % r.n
}

func (r *ring[T]) items() []T { return r.buf }

func sortedOf(r *ring[float64], dst []float64) []float64 {
	dst = append(dst[:0], r.buf...)
	sort.Float64s(dst)
	return dst
}
