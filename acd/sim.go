package acd

import (
	"container/heap"
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/ipcc/ipcc/clock"
)

// ErlangOptions describe an optimality run: one skill, Poisson arrivals,
// exponential handle times, no abandons, agents answering at once — the
// M/M/N queue Erlang C describes.
type ErlangOptions struct {
	Lambda float64       // arrivals per second (default 5)
	AHT    time.Duration // mean handle time (default 180s)
	Agents int           // default 920
	Calls  int           // measured calls (default 1,000,000)
	Warmup int           // calls discarded at the start (default Calls/10)
	// Threshold of the service level (default 20s).
	Threshold time.Duration
	Seed      uint64 // default 1
	// Strategy of the queue (default longest-idle; any strategy gives the
	// same waiting times in an M/M/N queue).
	Strategy Strategy
	// FakeClock runs on clock.Fake instead of the heap-based EventClock
	// (same semantics; the fake scans its timers, so keep such runs small).
	FakeClock bool
}

// simClock is what a simulation needs of its clock.
type simClock interface {
	clock.Clock
	Advance(d time.Duration)
}

// ErlangReport compares the engine's simulated figures with Erlang C.
type ErlangReport struct {
	Options       ErlangOptions
	Calls         int           // measured calls answered
	SimulatedTime time.Duration // simulated span of the whole run
	ASA           time.Duration // measured average speed of answer
	ASAHalfWidth  time.Duration // 95% confidence half-width (batch means)
	ServiceLevel  float64       // measured share answered within Threshold
	SLHalfWidth   float64       // 95% confidence half-width (batch means)
	ErlangASA     time.Duration
	ErlangSL      float64
	ASAErrorPct   float64 // (ASA − ErlangASA)/ErlangASA in percent
	SLErrorPoints float64 // (ServiceLevel − ErlangSL) in percentage points
	Offers        int     // offers made (one per call when all answer)
	// RefASA is the ASA of an exact FCFS M/M/N recursion fed the same
	// arrival and handle times, MaxRefDiff the largest per-call difference
	// between the engine's wait and the reference's: the engine matching
	// it shows that the distance to Erlang C is sampling noise of the
	// inputs, not lost capacity.
	RefASA     time.Duration
	RefSL      float64
	MaxRefDiff time.Duration
	// PairedASA and PairedSL estimate the engine's long-run figures with
	// the reference as a control variate of known mean (the reference's
	// long-run ASA and service level are Erlang C's): Erlang C + (engine −
	// reference on the same inputs). Their error is the engine's own
	// departure from FCFS M/M/N, free of the input noise.
	PairedASA time.Duration
	PairedSL  float64
}

// Within tells whether the run meets the targets: ASA within ±5% and
// service level within ±0.5 points of Erlang C.
func (r ErlangReport) Within() bool {
	return math.Abs(r.ASAErrorPct) <= 5 && math.Abs(r.SLErrorPoints) <= 0.5
}

// String is the report as printed by `ipcc bench acd`.
func (r ErlangReport) String() string {
	o := r.Options
	return fmt.Sprintf("acd erlang: λ=%.2f/s AHT=%s N=%d, %d measured calls (%d warm-up) over %s simulated\n"+
		"  ASA           %7.3fs ± %.3fs   Erlang C %7.3fs   error %+.2f%%\n"+
		"  service level %7.3f%% ± %.3f   Erlang C %7.3f%%   error %+.3f points (answered within %s)\n"+
		"  same arrivals and handle times through an exact FCFS M/M/N recursion: ASA %.3fs, SL %.3f%%, largest per-call difference %s\n"+
		"  paired with that reference (control variate of known mean): ASA %.6fs, SL %.4f%%\n"+
		"  raw figures within targets (±5%% ASA, ±0.5 points SL): %v",
		o.Lambda, o.AHT, o.Agents, r.Calls, o.Warmup, r.SimulatedTime.Round(time.Second),
		r.ASA.Seconds(), r.ASAHalfWidth.Seconds(), r.ErlangASA.Seconds(), r.ASAErrorPct,
		100*r.ServiceLevel, 100*r.SLHalfWidth, 100*r.ErlangSL, r.SLErrorPoints, o.Threshold,
		r.RefASA.Seconds(), 100*r.RefSL, r.MaxRefDiff, r.PairedASA.Seconds(), 100*r.PairedSL, r.Within())
}

func (o *ErlangOptions) defaults() {
	if o.Lambda <= 0 {
		o.Lambda = 5
	}
	if o.AHT <= 0 {
		o.AHT = 180 * time.Second
	}
	if o.Agents <= 0 {
		o.Agents = 920
	}
	if o.Calls <= 0 {
		o.Calls = 1_000_000
	}
	if o.Warmup <= 0 {
		o.Warmup = o.Calls / 10
	}
	if o.Threshold <= 0 {
		o.Threshold = 20 * time.Second
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
	if o.Strategy == "" {
		o.Strategy = LongestIdle
	}
}

// SimulateErlang runs a discrete-event simulation of the real engine on a
// fake clock: arrivals and hang-ups are timers on the clock, the engine
// makes every routing decision, agents answer their offers at once.
func SimulateErlang(opt ErlangOptions) (ErlangReport, error) {
	opt.defaults()
	rep := ErlangReport{Options: opt}
	if float64(opt.Agents) <= opt.Lambda*opt.AHT.Seconds() {
		return rep, fmt.Errorf("acd: erlang run: %d agents cannot carry %.1f Erlangs", opt.Agents, opt.Lambda*opt.AHT.Seconds())
	}
	start := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
	var clk simClock = NewEventClock(start)
	if opt.FakeClock {
		clk = clock.NewFake(start)
	}
	rng := rand.New(rand.NewPCG(opt.Seed, 0x5eed))
	exp := func(mean float64) time.Duration {
		d := time.Duration(rng.ExpFloat64() * mean * float64(time.Second))
		if d < time.Microsecond {
			d = time.Microsecond
		}
		return d
	}
	var e *Engine
	ctx := context.Background()
	total := opt.Warmup + opt.Calls
	type arrival struct {
		idx     int
		service time.Duration
		refWait time.Duration // wait of the same call in the reference FCFS M/M/N recursion
	}
	arrivals := map[string]arrival{}
	// The reference: Kiefer-Wolfowitz recursion for FCFS with N servers fed
	// the very same arrival and handle times; any work-conserving FCFS
	// engine gives every call exactly this wait.
	free := make(floatHeap, opt.Agents)
	const batches = 20
	type batch struct {
		n, inSL, refInSL int
		wait, refWait    time.Duration
	}
	bs := make([]batch, batches)
	perBatch := (opt.Calls + batches - 1) / batches
	var simErr error
	fail := func(err error) {
		if simErr == nil && err != nil {
			simErr = err
		}
	}
	sink := SinkFunc(func(ef Effect) {
		switch x := ef.(type) {
		case Offer:
			rep.Offers++
			id := x.OfferID
			clk.AfterFunc(time.Nanosecond, func() { fail(e.Answered(ctx, id)) })
		case Connect:
			ar := arrivals[x.CallID]
			if i := ar.idx - opt.Warmup; i >= 0 {
				b := &bs[min(i/perBatch, batches-1)]
				b.n++
				b.wait += x.Waited
				b.refWait += ar.refWait
				if x.Waited <= opt.Threshold {
					b.inSL++
				}
				if ar.refWait <= opt.Threshold {
					b.refInSL++
				}
				if d := (x.Waited - ar.refWait).Abs(); d > rep.MaxRefDiff {
					rep.MaxRefDiff = d
				}
			}
			delete(arrivals, x.CallID)
			call := x.CallID
			clk.AfterFunc(ar.service, func() { fail(e.CallEnded(ctx, call)) })
		}
	})
	var err error
	e, err = New(Options{Tenant: "sim", Clock: clk, Sink: sink, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Seed: opt.Seed})
	if err != nil {
		return rep, err
	}
	defer e.Close()
	if err := e.SetQueue(ctx, QueueConfig{ID: "q", Name: "q", Strategy: opt.Strategy, ServiceLevel: Duration(opt.Threshold)}); err != nil {
		return rep, err
	}
	ms := make([]Member, opt.Agents)
	for i := range ms {
		ms[i] = Member{AgentID: fmt.Sprintf("a%04d", i), Level: 1, Position: i}
	}
	if err := e.SetMembers(ctx, "q", ms); err != nil {
		return rep, err
	}
	for _, m := range ms {
		if err := e.Login(ctx, LoginRequest{AgentID: m.AgentID}); err != nil {
			return rep, err
		}
	}
	n := 0
	var arrive func()
	arrive = func() {
		if n >= total {
			return
		}
		call := "c" + strconv.Itoa(n)
		ar := arrival{idx: n, service: exp(opt.AHT.Seconds())}
		t := clk.Now().Sub(start).Seconds()
		if f := free[0]; f > t {
			ar.refWait = time.Duration((f - t) * float64(time.Second))
			t = f
		}
		free[0] = t + ar.service.Seconds()
		heap.Fix(&free, 0)
		arrivals[call] = ar
		n++
		_, err := e.Enqueue(ctx, CallRequest{CallID: call, QueueID: "q"})
		fail(err)
		clk.AfterFunc(exp(1/opt.Lambda), arrive)
	}
	clk.AfterFunc(exp(1/opt.Lambda), arrive)
	for n < total || len(arrivals) > 0 {
		clk.Advance(time.Hour)
		if simErr != nil {
			return rep, fmt.Errorf("acd: erlang run: %w", simErr)
		}
	}
	rep.SimulatedTime = clk.Now().Sub(start)
	var all batch
	means, sls := make([]float64, 0, batches), make([]float64, 0, batches)
	for _, b := range bs {
		if b.n == 0 {
			continue
		}
		all.n += b.n
		all.inSL += b.inSL
		all.refInSL += b.refInSL
		all.wait += b.wait
		all.refWait += b.refWait
		means = append(means, b.wait.Seconds()/float64(b.n))
		sls = append(sls, float64(b.inSL)/float64(b.n))
	}
	rep.Calls = all.n
	if all.n > 0 {
		rep.ASA = all.wait / time.Duration(all.n)
		rep.ServiceLevel = float64(all.inSL) / float64(all.n)
		rep.RefASA = all.refWait / time.Duration(all.n)
		rep.RefSL = float64(all.refInSL) / float64(all.n)
	}
	rep.ASAHalfWidth = time.Duration(halfWidth(means) * float64(time.Second))
	rep.SLHalfWidth = halfWidth(sls)
	rep.ErlangASA = ErlangASA(opt.Agents, opt.Lambda, opt.AHT)
	rep.ErlangSL = ErlangServiceLevel(opt.Agents, opt.Lambda, opt.AHT, opt.Threshold)
	rep.ASAErrorPct = 100 * (rep.ASA.Seconds() - rep.ErlangASA.Seconds()) / rep.ErlangASA.Seconds()
	rep.SLErrorPoints = 100 * (rep.ServiceLevel - rep.ErlangSL)
	rep.PairedASA = rep.ErlangASA + (rep.ASA - rep.RefASA)
	rep.PairedSL = rep.ErlangSL + (rep.ServiceLevel - rep.RefSL)
	return rep, nil
}

// halfWidth is the 95% confidence half-width of the mean of batch means
// (normal approximation).
func halfWidth(xs []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	mean := 0.0
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	v := 0.0
	for _, x := range xs {
		v += (x - mean) * (x - mean)
	}
	v /= float64(len(xs) - 1)
	return 1.96 * math.Sqrt(v/float64(len(xs)))
}

// floatHeap is a min-heap of server free times (seconds).
type floatHeap []float64

func (h floatHeap) Len() int           { return len(h) }
func (h floatHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h floatHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }

// Push and Pop are unused: the heap has a fixed size.
func (h *floatHeap) Push(x any) { *h = append(*h, x.(float64)) }

// Pop implements heap.Interface.
func (h *floatHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
