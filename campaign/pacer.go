package campaign

import (
	"fmt"
	"math"
	"sort"
	"sync"
	"time"
)

// The predictive pacer decides how many calls a predictive campaign places
// now. It estimates, from what the campaign's own calls did lately,
//
//   - the answer probability p (share of resolved attempts a live person
//     answered),
//   - the answer delay and the ring time of unanswered attempts (so that a
//     call ringing for e seconds is answered with probability
//     q(e) = p·Sa(e) / (p·Sa(e) + (1-p)·Su(e)), Sa and Su the survival
//     functions of the two),
//   - the handle time (talk + wrap-up), and from it the chance r that a
//     busy agent who has handled their call for e seconds is free within
//     the horizon H: r(e) = P(T ≤ e+H | T > e),
//
// and dials the largest n for which the chance that the answers then
// expected outnumber the agents expected free stays under the marginal
// risk τ:
//
//	X = Σ q(e_i) + n·p          answers expected (ringing calls + n new ones)
//	Y = free + Σ r(e_j)          agents expected free within H
//	P(X > Y) ≈ Φ((X − Y + ½) / σ),  σ² = Σ q(1−q) + n·p(1−p) + Σ r(1−r)
//
// τ is steered by the abandon rate measured over the pacer's feedback
// window: it rises while the rate is below the set point (a share of the
// cap) and falls — fast — above it, and the pacer dials no more than one
// call per free agent once the window's rate reaches 90 % of the cap (it
// slows down before a breach, never after). Every decision is kept with
// its inputs for the last hour (Explain).

// PacerConfig sets a pacer.
type PacerConfig struct {
	// CapPct is the abandon cap in percent of live answers (default 3).
	CapPct float64
	// Connect is how long an answered callee may wait for an agent before
	// the call is abandoned (the 2-second rule; default 2 s).
	Connect time.Duration
	// SetPoint is the share of the cap the pacer aims at (default 0.75).
	SetPoint float64
	// Window is the feedback window of the abandon rate (default 15 min).
	Window time.Duration
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
	// FixedTau fixes the marginal risk τ and turns the feedback off
	// (for experiments).
	FixedTau float64
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
		c.SetPoint = 0.75
	}
	if c.Window <= 0 {
		c.Window = 15 * time.Minute
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
	if c.KeepDecisions <= 0 {
		c.KeepDecisions = time.Hour
	}
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
	AnswerProb      float64 `json:"answer_prob"`
	MeanDelayMS     int64   `json:"mean_answer_delay_ms"`
	MeanHandleMS    int64   `json:"mean_handle_ms"`
	HorizonMS       int64   `json:"horizon_ms"`
	ExpectedAnswers float64 `json:"expected_answers"`
	ExpectedAgents  float64 `json:"expected_agents"`
	// Risk is P(answers > agents) after dialing; Tau the marginal risk
	// allowed.
	Risk float64 `json:"risk"`
	Tau  float64 `json:"tau"`
	// Abandon rate over the feedback window, its answers and the cap.
	WindowAbandonPct float64 `json:"window_abandon_pct"`
	WindowAnswers    int     `json:"window_answers"`
	CapPct           float64 `json:"cap_pct"`
	Dial             int     `json:"dial"`
	Reason           string  `json:"reason"`
}

// Pacer paces one predictive campaign. Safe for concurrent use.
type Pacer struct {
	cfg PacerConfig

	mu        sync.Mutex
	outcomes  ring[bool]    // answered?
	delays    ring[float64] // answer delay (s) of answered attempts
	noans     ring[float64] // ring time (s) of unanswered attempts
	handles   ring[float64] // handle time (s)
	sorted    struct{ delays, noans, handles []float64 }
	dirty     bool
	refreshed time.Time
	// events of the feedback window: answers and abandons.
	answers  []time.Time
	abandons []time.Time
	logTau   float64
	last     time.Time
	// periodPct is the abandon rate over the compliance profile's period
	// (from the stored attempts), -1 unknown.
	periodPct float64
	log       []Decision
}

// NewPacer makes a pacer.
func NewPacer(cfg PacerConfig) *Pacer {
	cfg.defaults()
	p := &Pacer{cfg: cfg, logTau: math.Log(cfg.CapPct / 100 / 5), periodPct: -1} // start cautious
	p.outcomes.n, p.delays.n, p.noans.n, p.handles.n = cfg.Samples, cfg.Samples, cfg.Samples, cfg.Samples
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
	p.outcomes.add(true)
	p.delays.add(delay.Seconds())
	p.answers = append(p.answers, at)
	p.dirty = true
}

// NotAnswered records an attempt that ended unanswered after ringing.
func (p *Pacer) NotAnswered(after time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.outcomes.add(false)
	p.noans.add(after.Seconds())
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
	meanHandle := mean(p.sorted.handles, p.cfg.PriorHandle.Seconds())
	d.MeanDelayMS = int64(meanDelay * 1000)
	d.MeanHandleMS = int64(meanHandle * 1000)
	d.HorizonMS = int64((meanDelay + p.cfg.Connect.Seconds()) * 1000)
	d.WindowAnswers = len(p.answers)
	rate := 0.0
	if len(p.answers) > 0 {
		rate = float64(len(p.abandons)) / float64(len(p.answers))
	}
	d.WindowAbandonPct = 100 * rate

	// Feedback: steer τ toward the set point, in proportion to the time
	// since the last decision.
	dt := 1.0
	if !p.last.IsZero() {
		dt = math.Min(s.Now.Sub(p.last).Seconds(), 10)
	}
	p.last = s.Now
	sp := capF * p.cfg.SetPoint
	// Confidence grows with the window's answers: few answers move τ
	// little.
	w := math.Min(1, float64(len(p.answers))/200)
	err := (sp - rate) / sp // > 0 below the set point
	if err < -3 {
		err = -3
	}
	gain := 0.002
	if err < 0 {
		gain = 0.01 // slow down faster than speeding up
	}
	p.logTau += gain * err * w * dt
	p.logTau = math.Max(math.Log(0.002), math.Min(math.Log(0.6), p.logTau))
	tau := math.Exp(p.logTau)
	if p.cfg.FixedTau > 0 {
		tau = p.cfg.FixedTau
	}

	// The marginal call is answered at one of the answer delays u_k (the
	// quantiles of those seen); it finds an agent when the answers
	// expected by u_k (calls ringing and the n new ones) do not outnumber
	// the agents expected free by u_k + the connect time.
	us := p.delayPoints()
	type point struct{ g, dx, vx, y, vy float64 }
	pts := make([]point, len(us))
	free0 := float64(s.Free - s.Waiting)
	for k, u := range us {
		pt := point{g: p.delayCDF(u), y: free0}
		for _, e := range s.Ringing {
			es := e.Seconds()
			w := p.answerGiven(pa, es) * p.answeredWithin(es, u)
			pt.dx += w
			pt.vx += w * (1 - w)
		}
		for _, e := range s.Busy {
			r := p.freeWithin(e.Seconds(), u+p.cfg.Connect.Seconds(), meanHandle)
			pt.y += r
			pt.vy += r * (1 - r)
		}
		pts[k] = pt
	}
	var x, y float64
	for _, e := range s.Ringing {
		x += p.answerGiven(pa, e.Seconds())
	}
	if len(pts) > 0 {
		y = pts[len(pts)-1].y
	}
	agents := s.Free + len(s.Busy)
	maxLines := int(math.Ceil(p.cfg.MaxLinesPerAgent * float64(agents)))
	room := maxLines - len(s.Ringing)
	if s.Leads >= 0 && s.Leads < room {
		room = s.Leads
	}
	risk := func(n int) float64 {
		t := 0.0
		for _, pt := range pts {
			// Given the marginal (n-th) call answers at u_k, it adds 1 to
			// the answers; the other n-1 their expectation.
			w := pa * pt.g
			mx := pt.dx + float64(n-1)*w + 1
			v := pt.vx + pt.vy + float64(n-1)*w*(1-w)
			t += normCDF((mx - pt.y - 0.5) / math.Sqrt(v+0.25))
		}
		return t / float64(len(pts))
	}
	n := 0
	switch {
	case agents == 0:
		d.Reason = "no agent logged in"
	case room <= 0:
		d.Reason = "line or lead limit reached"
	default:
		switch {
		case rate >= 0.9*capF && len(p.answers) >= 50 && p.cfg.FixedTau == 0:
			// Near the cap: slow down before a breach.
			tau = math.Min(tau, 0.002)
			d.Reason = fmt.Sprintf("abandon rate %.2f%% near the cap %.2g%%: ", 100*rate, p.cfg.CapPct)
		case p.periodPct >= 0.9*p.cfg.CapPct && p.cfg.FixedTau == 0:
			tau = math.Min(tau, 0.002)
			d.Reason = fmt.Sprintf("abandon rate over the compliance period %.2f%% near the cap %.2g%%: ", p.periodPct, p.cfg.CapPct)
		}
		for n < room && risk(n+1) <= tau {
			n++
		}
		// Never below progressive: a line per free agent (or the
		// campaign's minimum).
		if floor := min(int(math.Ceil(p.cfg.MinLinesPerAgent*float64(s.Free-s.Waiting)))-len(s.Ringing), room); n < floor {
			n = floor
		}
		d.Reason += fmt.Sprintf("largest n with P(answers > agents) ≤ τ=%.3g", tau)
	}
	d.Tau = tau
	d.ExpectedAnswers = x + float64(n)*pa
	d.ExpectedAgents = y
	d.Risk = risk(n)
	d.Dial = n
	p.log = append(p.log, d)
	// Trim a minute's worth at a time.
	if cut := s.Now.Add(-p.cfg.KeepDecisions); len(p.log) > 0 && p.log[0].At.Before(cut.Add(-time.Minute)) {
		i := sort.Search(len(p.log), func(i int) bool { return !p.log[i].At.Before(cut) })
		p.log = append(p.log[:0], p.log[i:]...)
	}
	return d
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
	return len(p.abandons), len(p.answers)
}

func (p *Pacer) trim(now time.Time) {
	cut := now.Add(-p.cfg.Window)
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
	if !p.dirty || now.Sub(p.refreshed) < time.Second {
		return
	}
	p.dirty, p.refreshed = false, now
	p.sorted.delays = sortedOf(&p.delays, p.sorted.delays)
	p.sorted.noans = sortedOf(&p.noans, p.sorted.noans)
	p.sorted.handles = sortedOf(&p.handles, p.sorted.handles)
}

// answerProb is the share of the recent resolved attempts answered, the
// prior weighing as 20 attempts.
func (p *Pacer) answerProb() float64 {
	yes, all := 0, 0
	for _, a := range p.outcomes.items() {
		all++
		if a {
			yes++
		}
	}
	const prior = 20
	return (float64(yes) + prior*p.cfg.PriorAnswer) / float64(all+prior)
}

// delayPoints are the answer delays (s) the marginal call is looked at:
// deciles of those seen, else of the prior.
func (p *Pacer) delayPoints() []float64 {
	qs := []float64{0.1, 0.3, 0.5, 0.7, 0.9}
	out := make([]float64, len(qs))
	ds := p.sorted.delays
	for i, q := range qs {
		if len(ds) >= 30 {
			out[i] = ds[int(q*float64(len(ds)-1))]
		} else {
			m := p.cfg.PriorDelay.Seconds()
			out[i] = m/3 + q*m*4/3
		}
	}
	return out
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
	if longer >= 100 {
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
