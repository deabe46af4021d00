package acd

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// BenchOptions size a routing-decision benchmark.
type BenchOptions struct {
	Agents         int     // default 10,000
	Queues         int     // default 1,000
	QueuesPerAgent int     // memberships per agent (default 3)
	Waiting        int     // calls waiting when measuring starts (default 1,000)
	CallsPerSec    float64 // new calls per second (default 100)
	ChangesPerSec  float64 // agent state changes per second (default 500)
	// QueueLoginsPerSec are per-queue logins and logouts per second
	// (default none): an agent toggles one of its queues.
	QueueLoginsPerSec float64
	Duration          time.Duration // simulated time measured (default 60s)
	Seed              uint64        // default 1
}

// Latency summarises decision times.
type Latency struct {
	N                   int
	P50, P90, P99, P999 time.Duration
	Max, Mean           time.Duration
}

// BenchReport states the figures of a BenchDecisions run.
type BenchReport struct {
	Options BenchOptions
	// All is every command the engine executed while measuring (each
	// input with the routing decisions and effects it caused); ByKind
	// splits it by input.
	All    Latency
	ByKind map[string]Latency
	// Offers made while measuring.
	Offers int
	// WaitingStart and WaitingEnd are the calls waiting at the start and
	// end of the measured span.
	WaitingStart, WaitingEnd int
	// HeapBytes is the live heap the engine holds after set-up (agents,
	// queues, members, calls), BytesPerAgent that over Agents.
	HeapBytes     uint64
	BytesPerAgent uint64
	// Wall is the real time the measured span took.
	Wall time.Duration
}

// String is the report as printed by `ipcc bench acd`.
func (r BenchReport) String() string {
	o := r.Options
	var b strings.Builder
	fmt.Fprintf(&b, "acd bench: %d agents in %d queues (%d each), %d calls waiting, %.0f calls/s, %.0f state changes/s, %s simulated (%s wall)\n",
		o.Agents, o.Queues, o.QueuesPerAgent, r.WaitingStart, o.CallsPerSec, o.ChangesPerSec, o.Duration, r.Wall.Round(time.Millisecond))
	fmt.Fprintf(&b, "  decisions %d: p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  mean %s (target p99 < 100µs: %v)\n",
		r.All.N, r.All.P50, r.All.P90, r.All.P99, r.All.P999, r.All.Max, r.All.Mean, r.All.P99 < 100*time.Microsecond)
	kinds := make([]string, 0, len(r.ByKind))
	for k := range r.ByKind {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		l := r.ByKind[k]
		fmt.Fprintf(&b, "  %-12s %7d: p50 %-9s p99 %-9s max %s\n", k, l.N, l.P50, l.P99, l.Max)
	}
	fmt.Fprintf(&b, "  offers %d, waiting %d → %d, heap %.1f MiB (%d B/agent)",
		r.Offers, r.WaitingStart, r.WaitingEnd, float64(r.HeapBytes)/(1<<20), r.BytesPerAgent)
	return b.String()
}

func (o *BenchOptions) defaults() {
	if o.Agents <= 0 {
		o.Agents = 10_000
	}
	if o.Queues <= 0 {
		o.Queues = 1_000
	}
	if o.QueuesPerAgent <= 0 {
		o.QueuesPerAgent = 3
	}
	o.QueuesPerAgent = min(o.QueuesPerAgent, o.Queues)
	if o.Waiting < 0 {
		o.Waiting = 0
	} else if o.Waiting == 0 {
		o.Waiting = 1_000
	}
	if o.CallsPerSec <= 0 {
		o.CallsPerSec = 100
	}
	if o.ChangesPerSec <= 0 {
		o.ChangesPerSec = 500
	}
	if o.Duration <= 0 {
		o.Duration = time.Minute
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
}

// pool is a set of agent ids with O(1) add, remove and random pick.
type pool struct {
	ids []string
	at  map[string]int
}

func (p *pool) add(id string) {
	if p.at == nil {
		p.at = map[string]int{}
	}
	if _, ok := p.at[id]; !ok {
		p.at[id] = len(p.ids)
		p.ids = append(p.ids, id)
	}
}

func (p *pool) del(id string) {
	i, ok := p.at[id]
	if !ok {
		return
	}
	last := p.ids[len(p.ids)-1]
	p.ids[i], p.at[last] = last, i
	p.ids = p.ids[:len(p.ids)-1]
	delete(p.at, id)
}

func (p *pool) pick(r *rand.Rand) (string, bool) {
	if len(p.ids) == 0 {
		return "", false
	}
	return p.ids[r.IntN(len(p.ids))], true
}

// BenchDecisions measures routing decisions on a large tenant: the engine
// runs on an event clock; the driver feeds new calls and agent state
// changes at the given rates and answers offers; every command's time on
// the engine goroutine is recorded (the wall clock is read only to
// measure, never to decide).
func BenchDecisions(opt BenchOptions) (BenchReport, error) {
	opt.defaults()
	rep := BenchReport{Options: opt, ByKind: map[string]Latency{}}
	rng := rand.New(rand.NewPCG(opt.Seed, 0xbe4c))
	clk := NewEventClock(time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC))
	ctx := context.Background()

	states := map[State]*pool{}
	for s := LoggedOut; s <= WrapUp; s++ {
		states[s] = &pool{}
	}
	live := map[uint64]bool{}
	var liveIDs []uint64
	oncall := map[string]string{} // agent → call
	measuring := false
	sink := SinkFunc(func(ef Effect) {
		switch x := ef.(type) {
		case StateChange:
			states[x.From].del(x.AgentID)
			states[x.To].add(x.AgentID)
		case Offer:
			live[x.OfferID] = true
			liveIDs = append(liveIDs, x.OfferID)
			if measuring {
				rep.Offers++
			}
		case CancelOffer:
			delete(live, x.OfferID)
		case Connect:
			delete(live, x.OfferID)
			oncall[x.AgentID] = x.CallID
		}
	})
	var times []time.Duration
	var kinds []string
	kind := ""
	runtime.GC()
	var m0 runtime.MemStats
	runtime.ReadMemStats(&m0)
	e, err := New(Options{Tenant: "bench", Clock: clk, Sink: sink, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Seed: opt.Seed})
	if err != nil {
		return rep, err
	}
	defer e.Close()
	e.now = time.Now
	for i := 0; i < opt.Queues; i++ {
		cfg := QueueConfig{ID: "q" + strconv.Itoa(i), Name: "queue " + strconv.Itoa(i), Strategy: Strategies[i%len(Strategies)],
			LastAgentFirst: i%3 == 0, WrapUp: Duration(time.Duration(i%3) * 5 * time.Second)}
		if err := e.SetQueue(ctx, cfg); err != nil {
			return rep, err
		}
	}
	members := make([][]Member, opt.Queues)
	agentQueues := make([][]int, opt.Agents)
	for a := 0; a < opt.Agents; a++ {
		id := "a" + strconv.Itoa(a)
		for _, q := range rng.Perm(opt.Queues)[:opt.QueuesPerAgent] {
			members[q] = append(members[q], Member{AgentID: id, Level: 1 + rng.IntN(3), Weight: 1 + rng.IntN(5), Position: a})
			agentQueues[a] = append(agentQueues[a], q)
		}
	}
	for q, ms := range members {
		if err := e.SetMembers(ctx, "q"+strconv.Itoa(q), ms); err != nil {
			return rep, err
		}
	}
	for a := 0; a < opt.Agents; a++ {
		id := "a" + strconv.Itoa(a)
		states[LoggedOut].add(id)
		r := LoginRequest{AgentID: id, Device: "sip:" + id}
		if rng.IntN(100) < 15 {
			r.NotReady = ReasonTraining
		}
		if err := e.Login(ctx, r); err != nil {
			return rep, err
		}
	}
	callN := 0
	newCall := func(queue int) error {
		callN++
		_, err := e.Enqueue(ctx, CallRequest{CallID: "c" + strconv.Itoa(callN), QueueID: "q" + strconv.Itoa(queue), Priority: rng.IntN(3),
			LastAgentID: "a" + strconv.Itoa(rng.IntN(opt.Agents))})
		return err
	}
	answerOne := func() error {
		for len(liveIDs) > 0 {
			i := rng.IntN(len(liveIDs))
			id := liveIDs[i]
			liveIDs[i] = liveIDs[len(liveIDs)-1]
			liveIDs = liveIDs[:len(liveIDs)-1]
			if live[id] {
				return e.Answered(ctx, id)
			}
		}
		return nil
	}
	// Set-up: every working agent on a call, then the waiting calls.
	for len(states[Available].ids) > 0 {
		a, _ := states[Available].pick(rng)
		n, _ := strconv.Atoi(a[1:])
		if err := newCall(agentQueues[n][rng.IntN(len(agentQueues[n]))]); err != nil {
			return rep, err
		}
		for len(live) > 0 {
			if err := answerOne(); err != nil {
				return rep, err
			}
		}
	}
	for i := 0; i < opt.Waiting; i++ {
		if err := newCall(rng.IntN(opt.Queues)); err != nil {
			return rep, err
		}
	}
	runtime.GC()
	var m1 runtime.MemStats
	runtime.ReadMemStats(&m1)
	if m1.HeapAlloc > m0.HeapAlloc {
		rep.HeapBytes = m1.HeapAlloc - m0.HeapAlloc
		rep.BytesPerAgent = rep.HeapBytes / uint64(opt.Agents)
	}
	waiting := func() int {
		n := 0
		_ = e.do(func(c *core) error {
			for _, q := range c.queues {
				n += len(q.waiting)
			}
			return nil
		})
		return n
	}
	rep.WaitingStart = waiting()

	// Measured span.
	rate := opt.CallsPerSec + opt.ChangesPerSec + max(opt.QueueLoginsPerSec, 0)
	ops := int(opt.Duration.Seconds() * rate)
	step := time.Duration(float64(time.Second) / rate)
	pCall := opt.CallsPerSec / (opt.CallsPerSec + opt.ChangesPerSec)
	pQueue := max(opt.QueueLoginsPerSec, 0) / rate
	off := map[[2]int]bool{} // (agent, queue) the agent logged out of
	times = make([]time.Duration, 0, ops*2)
	kinds = make([]string, 0, ops*2)
	e.observe = func(d time.Duration) {
		times = append(times, d)
		kinds = append(kinds, kind)
	}
	measuring = true
	reasons := []string{ReasonBreak, ReasonLunch, ReasonTraining}
	wall := time.Now()
	nowWaiting := rep.WaitingStart
	for i := 0; i < ops; i++ {
		var err error
		if i%50 == 0 { // keep about Waiting calls waiting: steer the mix of state changes
			kind = "probe"
			nowWaiting = waiting()
		}
		kind = "timer"
		clk.Advance(step)
		// Below the target, agents leave more than they free up; above it,
		// the other way round.
		mix := [4]int{25, 33, 40, 100} // answer, call-end, ready, not-ready (cumulative %)
		if nowWaiting > opt.Waiting {
			mix = [4]int{25, 60, 90, 100}
		}
		if pQueue > 0 && rng.Float64() < pQueue {
			n := rng.IntN(opt.Agents)
			qi := agentQueues[n][rng.IntN(len(agentQueues[n]))]
			a, q := "a"+strconv.Itoa(n), "q"+strconv.Itoa(qi)
			k := [2]int{n, qi}
			if off[k] {
				kind = "queue-login"
				err = e.QueueLogin(ctx, a, q)
			} else {
				kind = "queue-logout"
				err = e.QueueLogout(ctx, a, q)
			}
			off[k] = !off[k]
		} else if rng.Float64() < pCall {
			kind = "enqueue"
			err = newCall(rng.IntN(opt.Queues))
		} else {
			switch r := rng.IntN(100); {
			case r < mix[0] && len(live) > 0:
				kind = "answer"
				err = answerOne()
			case r < mix[1]:
				if a, ok := states[OnCall].pick(rng); ok {
					kind = "call-end"
					call := oncall[a]
					delete(oncall, a)
					err = e.CallEnded(ctx, call)
				}
			case r < mix[2]:
				if a, ok := states[NotReady].pick(rng); ok {
					kind = "ready"
					err = e.Ready(ctx, a)
				}
			default:
				src := states[Available]
				if len(src.ids) == 0 || rng.IntN(4) == 0 {
					src = states[OnCall]
				}
				if a, ok := src.pick(rng); ok {
					kind = "not-ready"
					_, err = e.NotReady(ctx, a, reasons[rng.IntN(len(reasons))])
				}
			}
		}
		if err != nil {
			return rep, fmt.Errorf("acd: bench op %d (%s): %w", i, kind, err)
		}
	}
	rep.Wall = time.Since(wall)
	e.observe = nil
	_ = e.do(func(*core) error { return nil })
	measuring = false
	rep.WaitingEnd = waiting()
	byKind := map[string][]time.Duration{}
	var all []time.Duration
	for i, k := range kinds {
		if k != "probe" {
			byKind[k] = append(byKind[k], times[i])
			all = append(all, times[i])
		}
	}
	rep.All = latency(all)
	for k, ts := range byKind {
		rep.ByKind[k] = latency(ts)
	}
	return rep, nil
}

func latency(ts []time.Duration) Latency {
	if len(ts) == 0 {
		return Latency{}
	}
	s := slices.Clone(ts)
	slices.Sort(s)
	q := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))] }
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return Latency{N: len(s), P50: q(0.50), P90: q(0.90), P99: q(0.99), P999: q(0.999), Max: s[len(s)-1], Mean: sum / time.Duration(len(s))}
}
