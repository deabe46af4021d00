package switchbench

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/freeswitch"
	"github.com/ipcc/ipcc/controller/sim"
)

// OriginateOptions size the originate-throughput measurement of `ipcc bench
// dialer --only originate`.
type OriginateOptions struct {
	// Rate is the originates per second offered (default 500), for
	// Duration (default 10 s), open loop: each is sent at its time whether
	// or not the ones before it were accepted.
	Rate     float64
	Duration time.Duration
	// Limit is the call-rate limiter under test (calls per second): it is
	// asked before every originate the way the dialer asks it, and the
	// originates the switch accepted are counted. Rates (default 10, 50,
	// 200), each for LimitDuration (default 10 s).
	Limits        []float64
	LimitDuration time.Duration
	// NewLimiter makes the limiter (the production one: campaign.NewCPS).
	NewLimiter func(rate float64) Limiter
}

// Limiter is a call-rate limiter: Allow takes a token at now when one is
// left.
type Limiter interface{ Allow(now time.Time) bool }

func (o OriginateOptions) withDefaults() OriginateOptions {
	if o.Rate <= 0 {
		o.Rate = 500
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	if len(o.Limits) == 0 {
		o.Limits = []float64{10, 50, 200}
	}
	if o.LimitDuration <= 0 {
		o.LimitDuration = 10 * time.Second
	}
	return o
}

// OriginateResult is the figures of the originate measurement.
type OriginateResult struct {
	Offered float64 // originates per second offered
	// Sent and Accepted originates; Errors by message.
	Sent, Accepted int
	Errors         map[string]int
	// Rate is the accepted originates per second: accepted over the time
	// from the first send to the last accept.
	Rate          float64
	P50, P99, Max time.Duration // Originate call until the switch's +OK
	// MaxRate is the accepted originates per second closed loop (InFlight
	// originates outstanding all the time, for a second).
	MaxRate  float64
	InFlight int
	// CommandConnections is how many ESL connections carried the
	// originates (the events come over the driver's event connection).
	CommandConnections int
	// ProbeP99, ProbeMax: oversleep of a 1 ms sleeper in this process
	// during the open-loop run (CPU starvation on a loaded machine).
	ProbeP99, ProbeMax time.Duration
	// OpenLoopCPU is the CPU time this process (driver, simulator and
	// probe) used during the open-loop run, 0 when not measured.
	OpenLoopCPU time.Duration
	Limits      []LimitResult
}

// LimitResult is one limiter rate measured through the switch.
type LimitResult struct {
	Setting float64
	// Accepted originates; Rate is the accepted per second over the
	// run after its first second (the limiter starts with a second's
	// worth of tokens: that burst is BurstFirstSecond).
	Accepted         int
	Rate             float64
	ErrorPct         float64 // (Rate − Setting) / Setting, percent
	BurstFirstSecond int
	MaxSecond        int // most accepted in any whole second after the first
}

// RunOriginate measures originates through ONE FreeSWITCH ESL command
// connection (CommandConns 1; the events come over the driver's event
// connection) to the simulator over a real TCP socket: the most accepted
// per second closed loop, the accept latency at Rate open loop, then the
// call-rate limiter through the same path.
func RunOriginate(ctx context.Context, o OriginateOptions) (OriginateResult, error) {
	o = o.withDefaults()
	res := OriginateResult{Offered: o.Rate, Errors: map[string]int{}, CommandConnections: 1, InFlight: 32}
	rig, err := startOriginateRig(ctx)
	if err != nil {
		return res, err
	}
	defer rig.close()
	originate := rig.originate

	// Warm up, then the most per second closed loop.
	for range 200 {
		if _, err := originate(); err != nil {
			return res, fmt.Errorf("warm-up originate: %w", err)
		}
	}
	var (
		n    atomic.Int64
		wg0  sync.WaitGroup
		stop = time.Now().Add(time.Second)
	)
	t0 := time.Now()
	for range res.InFlight {
		wg0.Add(1)
		go func() {
			defer wg0.Done()
			for time.Now().Before(stop) {
				if _, err := originate(); err == nil {
					n.Add(1)
				}
			}
		}()
	}
	wg0.Wait()
	res.MaxRate = float64(n.Load()) / time.Since(t0).Seconds()
	time.Sleep(500 * time.Millisecond) // the busy legs end

	// Latency: open loop at Rate.
	var (
		mu       sync.Mutex
		lat      latencies
		lastAck  time.Time
		accepted atomic.Int64
		wg       sync.WaitGroup
	)
	total := int(o.Rate * o.Duration.Seconds())
	probe := startProbe()
	cpu0 := processCPU()
	start := time.Now()
	for i := range total {
		at := start.Add(time.Duration(float64(i) / o.Rate * float64(time.Second)))
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		if ctx.Err() != nil {
			break
		}
		res.Sent++
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := originate()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				res.Errors[err.Error()]++
				return
			}
			accepted.Add(1)
			lat.add(d)
			if now := time.Now(); now.After(lastAck) {
				lastAck = now
			}
		}()
	}
	wg.Wait()
	if cpu0 > 0 {
		res.OpenLoopCPU = processCPU() - cpu0
	}
	probe.finish()
	res.ProbeP99, res.ProbeMax = probe.all.quantile(0.99), probe.max
	res.Accepted = int(accepted.Load())
	if el := lastAck.Sub(start).Seconds(); el > 0 {
		res.Rate = float64(res.Accepted) / el
	}
	res.P50, res.P99, res.Max = lat.quantile(0.5), lat.quantile(0.99), lat.max()

	// The limiter through the switch path: ask it every millisecond as
	// the dialer asks it for each call, originate when it allows, count
	// the originates the switch accepted by the second they were sent.
	if o.NewLimiter != nil {
		for _, rate := range o.Limits {
			lr, err := measureLimiter(ctx, o.NewLimiter(rate), rate, o.LimitDuration, originate)
			if err != nil {
				return res, err
			}
			res.Limits = append(res.Limits, lr)
		}
	}
	return res, nil
}

// originateRig is the simulator and the FreeSWITCH driver of the originate
// measurement (and of BenchmarkOriginate), connected and ready.
type originateRig struct {
	sim   *sim.Sim
	fsd   *freeswitch.Driver
	ctx   context.Context // the controller's: cancelled by close
	ep    controller.Endpoint
	close func()
}

// The callee is busy after 20 ms: legs end quickly, so the switch's
// channel count stays flat and what is measured is the originate.
const originateNumber = "13800138000"

func startOriginateRig(ctx context.Context) (*originateRig, error) {
	s := sim.New(sim.Options{ARIAddr: "-", Logger: discardLogger(), NoHearingHistory: true})
	if err := s.Start(); err != nil {
		return nil, err
	}
	fail := func(err error) (*originateRig, error) { s.Close(); return nil, err }
	if err := s.DefineEndpoint(sim.EndpointSpec{Number: originateNumber, Behavior: sim.BehaviorBusy, AnswerAfter: 20 * time.Millisecond}); err != nil {
		return fail(err)
	}
	fsd := freeswitch.New(freeswitch.Config{Name: "bench-originate", Addr: s.ESLAddr(), Password: "ClueCon", CommandConns: 1}, discardLogger())
	ctl, err := controller.New(controller.Options{Handler: func(context.Context, *controller.Call) {}, Logger: discardLogger()})
	if err != nil {
		return fail(err)
	}
	if err := ctl.Add(fsd); err != nil {
		return fail(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = ctl.Run(cctx); close(done) }()
	r := &originateRig{sim: s, fsd: fsd, ctx: cctx,
		ep: controller.Endpoint{Kind: controller.EndpointExternal, Number: originateNumber, Trunk: "carrier"}}
	r.close = func() { cancel(); <-done; s.Close() }
	if err := waitConnected(ctx, fsd.Connected); err != nil {
		r.close()
		return nil, err
	}
	return r, nil
}

// originate sends one originate and returns the time until the switch
// accepted it (+OK Job-UUID read).
func (r *originateRig) originate() (time.Duration, error) {
	t := time.Now()
	err := r.fsd.Originate(r.ctx, controller.Originate{LegID: uuid.NewString(), Endpoint: r.ep, CallerIDNum: "02150000000", Timeout: 30 * time.Second})
	return time.Since(t), err
}

func measureLimiter(ctx context.Context, l Limiter, rate float64, dur time.Duration, originate func() (time.Duration, error)) (LimitResult, error) {
	lr := LimitResult{Setting: rate}
	secs := int(math.Ceil(dur.Seconds()))
	perSec := make([]int, secs)
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs int
	)
	start := time.Now()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for now := start; now.Sub(start) < dur; now = <-tick.C {
		if ctx.Err() != nil {
			return lr, ctx.Err()
		}
		for l.Allow(now) {
			sec := int(now.Sub(start).Seconds())
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := originate()
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs++
					return
				}
				perSec[min(sec, secs-1)]++
			}()
		}
	}
	wg.Wait()
	if errs > 0 {
		return lr, fmt.Errorf("limiter at %.0f/s: %d originates failed", rate, errs)
	}
	lr.BurstFirstSecond = perSec[0]
	after := 0
	for _, n := range perSec[1:] {
		after += n
		lr.MaxSecond = max(lr.MaxSecond, n)
	}
	lr.Accepted = lr.BurstFirstSecond + after
	lr.Rate = float64(after) / float64(secs-1)
	lr.ErrorPct = 100 * (lr.Rate - rate) / rate
	return lr, nil
}
