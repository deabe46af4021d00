package campaign

import (
	"container/heap"
	"math"
	"math/rand/v2"
	"time"
)

// SimOptions is the dialing model `ipcc bench dialer` runs the production
// pacer against (issue 13): agents, answer probability, answer delay
// uniform in [AnswerMin, AnswerMax], unanswered attempts ending at
// NoAnswerEnd, exponential talk time, no wrap-up, Connect to reach an
// agent before the answered callee is abandoned.
type SimOptions struct {
	Agents      int
	AnswerProb  float64
	AnswerMin   time.Duration
	AnswerMax   time.Duration
	NoAnswerEnd time.Duration
	TalkMean    time.Duration
	Connect     time.Duration
	Duration    time.Duration
	Seed        uint64
	CapPct      float64
	// HalveAt, when set, halves the answer probability from that time on.
	HalveAt time.Duration
	// Progressive dials one call per free agent instead of pacing.
	Progressive bool
	// FixedBudget: see PacerConfig.
	FixedBudget float64
	// Pacer is the pacer's configuration; the cap, the connect time, the
	// ring time of unanswered calls and FixedBudget are set from the
	// options above.
	Pacer PacerConfig
	// Tick is how often the pacer decides besides on every event
	// (default 1 s, the dialer's tick).
	Tick time.Duration
	// Oracle (bench only, never in production: it knows the future) gives
	// the pacer, instead of its estimates, the model's true parameters and
	// the exact future of what it names: OracleCalls, which ringing calls
	// will be answered and when; OracleAgents, when every busy agent will
	// be free. New calls' outcomes stay unknown. It measures how much of
	// the gap to the targets the uncertainty about the calls in flight and
	// the agents' talk accounts for.
	Oracle       bool
	OracleCalls  bool
	OracleAgents bool
}

// DefaultSim is the model.
func DefaultSim() SimOptions {
	return SimOptions{Agents: 50, AnswerProb: 0.30, AnswerMin: 3 * time.Second, AnswerMax: 15 * time.Second, NoAnswerEnd: 20 * time.Second,
		TalkMean: 120 * time.Second, Connect: 2 * time.Second, Duration: 8 * time.Hour, CapPct: 3}
}

// SimResult is one simulated run.
type SimResult struct {
	Dials, Answers, Abandons int
	// TalkMinPerAgentHour is the agents' talk time in minutes per agent
	// and hour of the run.
	TalkMinPerAgentHour float64
	AbandonPct          float64
	// MaxHourAbandonPct is the highest abandon rate of any rolling hour
	// (windows of 60 minutes stepped by a minute, within the run).
	MaxHourAbandonPct float64
	// MaxHourFrom is when that hour starts.
	MaxHourFrom time.Duration
	// Decisions is how many times the pacer decided.
	Decisions int
}

type simEvent struct {
	at   float64 // seconds
	kind int
	id   int
}

const (
	evTick = iota
	evAnswer
	evNoAnswer
	evAbandon
	evTalkEnd
)

type eventQ []simEvent

func (q eventQ) Len() int                   { return len(q) }
func (q eventQ) Less(i, j int) bool         { return q[i].at < q[j].at }
func (q eventQ) Swap(i, j int)              { q[i], q[j] = q[j], q[i] }
func (q *eventQ) Push(x any)                { *q = append(*q, x.(simEvent)) }
func (q *eventQ) Pop() any                  { o := *q; x := o[len(o)-1]; *q = o[:len(o)-1]; return x }
func (q *eventQ) add(at float64, k, id int) { heap.Push(q, simEvent{at, k, id}) }

// Simulate runs the model on a simulated clock (it takes no wall time
// beyond the computation).
func Simulate(o SimOptions) SimResult {
	if o.Tick <= 0 {
		o.Tick = time.Second
	}
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return base.Add(time.Duration(s * float64(time.Second))) }
	end := o.Duration.Seconds()
	pc := o.Pacer
	pc.CapPct, pc.Connect, pc.FixedBudget, pc.PriorRing = o.CapPct, o.Connect, o.FixedBudget, o.NoAnswerEnd
	pacer := NewPacer(pc)

	type call struct {
		dialed   float64
		answerAt float64 // when it will be answered, -1 never (the oracle's view)
		answered bool
		agent    int // progressive: the reserved agent
		done     bool
	}
	var calls []call
	ringing := map[int]bool{}
	// agents: busy since (or -1 free); reserved (progressive).
	busySince := make([]float64, o.Agents)
	busyUntil := make([]float64, o.Agents)
	reserved := make([]bool, o.Agents)
	for i := range busySince {
		busySince[i] = -1
	}
	var waiting []int // answered calls waiting for an agent (FIFO)
	var res SimResult
	var talk float64
	mins := int(math.Ceil(end / 60))
	ansPerMin, abPerMin := make([]int, mins+1), make([]int, mins+1)

	q := &eventQ{}
	q.add(0, evTick, 0)

	dial := func(now float64, agent int) {
		id := len(calls)
		calls = append(calls, call{dialed: now, agent: agent, answerAt: -1})
		ringing[id] = true
		res.Dials++
		p := o.AnswerProb
		if o.HalveAt > 0 && now >= o.HalveAt.Seconds() {
			p /= 2
		}
		if rng.Float64() < p {
			d := o.AnswerMin.Seconds() + rng.Float64()*(o.AnswerMax-o.AnswerMin).Seconds()
			calls[id].answerAt = now + d
			q.add(now+d, evAnswer, id)
		} else {
			q.add(now+o.NoAnswerEnd.Seconds(), evNoAnswer, id)
		}
	}
	freeAgent := func() int {
		for i, b := range busySince {
			if b < 0 && !reserved[i] {
				return i
			}
		}
		return -1
	}
	startTalk := func(now float64, agent int) {
		busySince[agent] = now
		t := rng.ExpFloat64() * o.TalkMean.Seconds()
		stop := math.Min(now+t, end)
		talk += stop - now
		busyUntil[agent] = now + t
		q.add(now+t, evTalkEnd, agent)
	}
	decide := func(now float64) {
		if o.Progressive {
			for {
				a := freeAgent()
				if a < 0 {
					return
				}
				reserved[a] = true
				dial(now, a)
			}
		}
		st := PacerState{Now: at(now), Waiting: len(waiting), Leads: -1}
		for _, b := range busySince {
			if b < 0 {
				st.Free++
			} else {
				st.Busy = append(st.Busy, time.Duration((now-b)*float64(time.Second)))
			}
		}
		for id := range ringing {
			st.Ringing = append(st.Ringing, time.Duration((now-calls[id].dialed)*float64(time.Second)))
		}
		if o.Oracle {
			var rc []oracleCall
			for id := range ringing {
				rc = append(rc, oracleCall{dialed: calls[id].dialed, answerAt: calls[id].answerAt})
			}
			var until []float64
			for i, b := range busySince {
				if b >= 0 {
					until = append(until, busyUntil[i])
				}
			}
			st.oracle = oraclePlan(o, now, st.Free-st.Waiting, rc, until)
		}
		d := pacer.Decide(st)
		res.Decisions++
		for range d.Dial {
			dial(now, -1)
		}
	}

	for q.Len() > 0 {
		ev := heap.Pop(q).(simEvent)
		now := ev.at
		if now > end {
			break
		}
		switch ev.kind {
		case evTick:
			q.add(now+o.Tick.Seconds(), evTick, 0)
		case evAnswer:
			c := &calls[ev.id]
			delete(ringing, ev.id)
			c.answered = true
			res.Answers++
			ansPerMin[int(now/60)]++
			pacer.Answered(at(now), time.Duration((now-c.dialed)*float64(time.Second)))
			if o.Progressive {
				reserved[c.agent] = false
				startTalk(now, c.agent)
				break
			}
			if a := freeAgent(); a >= 0 {
				startTalk(now, a)
			} else {
				waiting = append(waiting, ev.id)
				q.add(now+o.Connect.Seconds(), evAbandon, ev.id)
			}
		case evNoAnswer:
			c := &calls[ev.id]
			delete(ringing, ev.id)
			pacer.NotAnswered(at(now), time.Duration((now-c.dialed)*float64(time.Second)))
			if o.Progressive {
				reserved[c.agent] = false
			}
		case evAbandon:
			c := &calls[ev.id]
			if c.done {
				break
			}
			c.done = true
			for i, w := range waiting {
				if w == ev.id {
					waiting = append(waiting[:i], waiting[i+1:]...)
					break
				}
			}
			res.Abandons++
			abPerMin[int(now/60)]++
			pacer.Abandoned(at(now))
		case evTalkEnd:
			pacer.Handled(time.Duration((now - busySince[ev.id]) * float64(time.Second)))
			busySince[ev.id] = -1
			if len(waiting) > 0 {
				id := waiting[0]
				waiting = waiting[1:]
				calls[id].done = true
				startTalk(now, ev.id)
			}
		}
		decide(now)
	}
	hours := o.Duration.Hours()
	res.TalkMinPerAgentHour = talk / 60 / (float64(o.Agents) * hours)
	if res.Answers > 0 {
		res.AbandonPct = 100 * float64(res.Abandons) / float64(res.Answers)
	}
	for s := 0; s+60 <= mins; s++ {
		a, b := 0, 0
		for m := s; m < s+60; m++ {
			a += ansPerMin[m]
			b += abPerMin[m]
		}
		if a > 0 && 100*float64(b)/float64(a) > res.MaxHourAbandonPct {
			res.MaxHourAbandonPct, res.MaxHourFrom = 100*float64(b)/float64(a), time.Duration(s)*time.Minute
		}
	}
	return res
}

// oracleCall is a ringing call as the bench's oracle sees it: when it was
// dialled and when it will be answered (-1: never).
type oracleCall struct{ dialed, answerAt float64 }

// oraclePlan is the plan of a bench-only oracle (SimOptions.Oracle) at
// now (s): the model's true answer probability and delay distribution
// for new calls; for the ringing calls, when o.OracleCalls, the answers
// they will give (exact counts, no variance), else the true conditional
// chance that a call ringing e seconds is answered by each bucket; for
// the busy agents (busyUntil: when each will be free), when
// o.OracleAgents, the exact count freed by each bucket, else the true
// exponential chance.
func oraclePlan(o SimOptions, now float64, free0 int, ringing []oracleCall, busyUntil []float64) *plan {
	p := o.AnswerProb
	if o.HalveAt > 0 && now >= o.HalveAt.Seconds() {
		p /= 2
	}
	lo, hi := o.AnswerMin.Seconds(), o.AnswerMax.Seconds()
	sa := func(x float64) float64 { // survival of the answer delay
		if hi <= lo {
			if x < lo {
				return 1
			}
			return 0
		}
		return math.Max(0, math.Min(1, (hi-x)/(hi-lo)))
	}
	conn := int(math.Ceil(o.Connect.Seconds()))
	k := int(math.Ceil(hi)) + conn + 1
	pl := &plan{free0: float64(free0), p: p, connect: conn,
		ans: make([]float64, k), ansVar: make([]float64, k), free: make([]float64, k), freeVar: make([]float64, k), g: make([]float64, k)}
	for j := range k {
		u := float64(j + 1)
		t := now + u
		pl.g[j] = 1 - sa(u)
		for _, c := range ringing {
			if o.OracleCalls {
				if c.answerAt >= 0 && c.answerAt <= t {
					pl.ans[j]++
				}
				continue
			}
			e := now - c.dialed
			su := 1.0
			if e >= o.NoAnswerEnd.Seconds() {
				su = 0
			}
			den := p*sa(e) + (1-p)*su
			if den <= 0 || sa(e) <= 0 {
				continue
			}
			w := p * sa(e) / den * (sa(e) - sa(e+u)) / sa(e)
			pl.ans[j] += w
			pl.ansVar[j] += w * (1 - w)
		}
		for _, f := range busyUntil {
			if o.OracleAgents {
				if f <= t {
					pl.free[j]++
				}
				continue
			}
			r := 1 - math.Exp(-u/o.TalkMean.Seconds())
			pl.free[j] += r
			pl.freeVar[j] += r * (1 - r)
		}
	}
	return pl
}
