package switchbench

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/asterisk"
	"github.com/ipcc/ipcc/controller/freeswitch"
	"github.com/ipcc/ipcc/controller/sim"
)

// CallsOptions size the concurrent-calls measurement.
type CallsOptions struct {
	Calls int     // concurrent calls to reach (default 5,000)
	Rate  float64 // new calls per second (default 100)
	// Hold is how long the full number of calls is held after the last one
	// arrived (default 10s). Every call lasts ramp + Hold, so callers hang
	// up at Rate per second too.
	Hold time.Duration
	// Tick is how often each call's handler sends a SetVar while it waits
	// (default 10s: 500 commands/s at 5,000 calls).
	Tick time.Duration
	// Spawn, when set, runs the simulator in a separate process (the
	// replayer process), so this process holds only the controller and the
	// driver, as in production. Nil runs it in this process.
	Spawn Spawner
}

func (o CallsOptions) withDefaults() CallsOptions {
	if o.Calls <= 0 {
		o.Calls = 5000
	}
	if o.Rate <= 0 {
		o.Rate = 100
	}
	if o.Hold <= 0 {
		o.Hold = 10 * time.Second
	}
	if o.Tick <= 0 {
		o.Tick = 10 * time.Second
	}
	return o
}

// CallsResult holds the raw figures of one driver's calls run.
type CallsResult struct {
	Placed, Handled, Answered, Collected int64
	Peak                                 int // most live calls seen by the controller
	Commands                             int
	P50, P99, Max                        time.Duration // command round trip, whole run
	PlateauP50, PlateauP99               time.Duration // while all calls were up
	PlateauN                             int
	ConfirmP50, ConfirmP99               time.Duration // Answer until the Answered event (controller)
	PerOp                                map[string][3]time.Duration
	Errors                               map[string]int
	Gone                                 int // commands that met a leg the caller had just hung up
	// FreeSWITCH driver counters: commands that got no reply in time (each
	// drops its connection) and reconnections of the event connection.
	CommandTimeouts, Reconnects uint64
	Left                        int           // calls still live at the end
	ProbeP99, ProbeMax          time.Duration // oversleep of a 1 ms sleeper in this process
	PlaceLag                    time.Duration // how late the last call was placed (a slow simulator)
}

// RunCalls measures the command round trip with opts.Calls concurrent calls
// through one driver ("freeswitch" or "asterisk") against an in-process
// simulator.
func RunCalls(ctx context.Context, kind string, o CallsOptions) (Section, CallsResult) {
	o = o.withDefaults()
	sec := Section{Title: fmt.Sprintf("Concurrent calls through the %s driver (controller + simulator)", kind)}
	ramp := time.Duration(float64(o.Calls) / o.Rate * float64(time.Second))
	sec.Setup = []string{
		fmt.Sprintf("%d inbound calls at %.0f/s (ramp %s), each lasting %s: all %d up together for %s, then callers hang up at %.0f/s",
			o.Calls, o.Rate, ramp.Round(time.Second), (ramp + o.Hold).Round(time.Second), o.Calls, o.Hold, o.Rate),
		fmt.Sprintf("handler: Answer, PlayAndCollect (prompt, 1 digit; the caller presses 1 after 1s and again after 2s), SetVar, Hold, then SetVar every %s until hang-up", o.Tick),
	}
	if o.Spawn != nil {
		sec.Setup = append(sec.Setup, "simulator in a separate process (controller/sim over real TCP sockets, placing the calls itself); round trip = driver method call until the switch reply was read")
	} else {
		sec.Setup = append(sec.Setup, "simulator in this process (controller/sim over real TCP sockets); round trip = driver method call until the switch reply was read")
	}
	res, err := runCalls(ctx, kind, o)
	if err != nil {
		sec.Err = err.Error()
	}
	sec.info("calls placed / handled / answered / digit collected", "%d / %d / %d / %d", res.Placed, res.Handled, res.Answered, res.Collected)
	sec.check("peak concurrent calls", fmt.Sprint(res.Peak), fmt.Sprintf("%d", o.Calls), res.Peak >= o.Calls)
	sec.info("last call placed", "%s behind the %.0f/s schedule (sim.PlaceCall waiting for the simulator)", fmtDur(res.PlaceLag), o.Rate)
	sec.info("commands timed", "%d", res.Commands)
	sec.check("p99 command round trip", fmtDur(res.P99), "< 5 ms", res.Commands > 0 && res.P99 < 5*time.Millisecond)
	sec.info("p50 / max command round trip", "%s / %s", fmtDur(res.P50), fmtDur(res.Max))
	sec.info("p50 / p99 with all calls up", "%s / %s (%d commands)", fmtDur(res.PlateauP50), fmtDur(res.PlateauP99), res.PlateauN)
	ops := make([]string, 0, len(res.PerOp))
	for op := range res.PerOp {
		ops = append(ops, op)
	}
	slices.Sort(ops)
	for _, op := range ops {
		q := res.PerOp[op]
		sec.info("  "+op+" p50 / p99 / max", "%s / %s / %s", fmtDur(q[0]), fmtDur(q[1]), fmtDur(q[2]))
	}
	sec.info("CPU starvation seen", "a 1 ms sleeper in this process overslept p99 %s, max %s", fmtDur(res.ProbeP99), fmtDur(res.ProbeMax))
	sec.info("Answer → Answered event (controller)", "p50 %s, p99 %s", fmtDur(res.ConfirmP50), fmtDur(res.ConfirmP99))
	var errs []string
	for e, n := range res.Errors {
		errs = append(errs, fmt.Sprintf("%d× %s", n, e))
	}
	slices.Sort(errs)
	sec.info("commands on legs that had just hung up", "%d (ErrNoSuchLeg: the periodic SetVar racing the caller's BYE)", res.Gone)
	if kind == "freeswitch" {
		sec.info("driver command timeouts / reconnects", "%d / %d", res.CommandTimeouts, res.Reconnects)
	}
	sec.check("command errors", fmt.Sprintf("%d kinds %s", len(errs), strings.Join(errs, "; ")), "none", len(errs) == 0)
	sec.check("calls left after hang-up", fmt.Sprint(res.Left), "0", res.Left == 0)
	return sec, res
}

func runCalls(ctx context.Context, kind string, o CallsOptions) (CallsResult, error) {
	var res CallsResult
	if kind != "freeswitch" && kind != "asterisk" {
		return res, fmt.Errorf("unknown driver %q", kind)
	}
	ramp := time.Duration(float64(o.Calls) / o.Rate * float64(time.Second))
	// place places the calls and reports how many and how late the last.
	var place func() (int64, time.Duration, error)
	var addr string
	if o.Spawn != nil {
		p, err := startReplay(ctx, o.Spawn)
		if err != nil {
			return res, err
		}
		defer p.close()
		r, err := p.do(ReplayRequest{Op: "sim-start", Front: kind}, 30*time.Second)
		if err != nil {
			return res, err
		}
		addr = r.Addr
		place = func() (int64, time.Duration, error) {
			r, err := p.do(ReplayRequest{Op: "sim-place", Legs: o.Calls, Rate: o.Rate,
				PressAfterMS: time.Second.Milliseconds(), HangupAfterMS: (ramp + o.Hold).Milliseconds()}, ramp+time.Minute)
			return r.Sent, time.Duration(r.MaxLate) * time.Microsecond, err
		}
	} else {
		so := sim.Options{ESLAddr: "-", ARIAddr: "-", MediaDuration: 300 * time.Millisecond, Logger: discardLogger()}
		front := sim.FrontFreeSWITCH
		if kind == "freeswitch" {
			so.ESLAddr = ""
		} else {
			so.ARIAddr, front = "", sim.FrontAsterisk
		}
		s := sim.New(so)
		if err := s.Start(); err != nil {
			return res, err
		}
		defer s.Close()
		addr = s.ESLAddr()
		if kind == "asterisk" {
			addr = s.ARIURL()
		}
		place = func() (int64, time.Duration, error) {
			return placeCalls(s, front, o.Calls, o.Rate, time.Second, ramp+o.Hold)
		}
	}
	var sw controller.Switch
	var fsd *freeswitch.Driver
	if kind == "freeswitch" {
		fsd = freeswitch.New(freeswitch.Config{Name: "bench-fs", Addr: addr, Password: "ClueCon"}, discardLogger())
		sw = fsd
	} else {
		d, err := asterisk.New(asterisk.Config{Name: "bench-ast", URL: strings.TrimSuffix(addr, "/ari"), User: "ari", Password: "ari"}, discardLogger())
		if err != nil {
			return res, err
		}
		sw = d
	}
	ts := newTimedSwitch(sw)

	var handled, answered, collected atomic.Int64
	confirm := make(chan time.Duration, o.Calls+16)
	handler := func(ctx context.Context, c *controller.Call) {
		handled.Add(1)
		t0 := time.Now()
		if err := c.Answer(ctx); err != nil {
			return
		}
		confirm <- time.Since(t0)
		answered.Add(1)
		digit, err := c.PlayAndCollect(ctx, controller.Collect{
			Prompt:            []controller.Media{{Kind: controller.MediaFile, Value: "ivr/ivr-welcome.wav"}},
			Max:               1,
			FirstDigitTimeout: 5 * time.Second,
		})
		if err == nil {
			collected.Add(1)
		}
		if c.SetVar(ctx, "ipcc_choice", digit) != nil || c.Hold(ctx, "") != nil {
			return
		}
		tick := time.NewTicker(o.Tick)
		defer tick.Stop()
		for n := 0; ; n++ {
			select {
			case <-c.Done():
				return
			case <-ctx.Done():
				return
			case <-tick.C:
				_ = c.SetVar(ctx, "ipcc_tick", fmt.Sprint(n))
			}
		}
	}
	ctl, err := controller.New(controller.Options{Handler: handler, Logger: discardLogger()})
	if err != nil {
		return res, err
	}
	if err := ctl.Add(ts); err != nil {
		return res, err
	}
	cctx, cancel := context.WithCancel(ctx)
	ctlDone := make(chan struct{})
	go func() { _ = ctl.Run(cctx); close(ctlDone) }()
	defer func() { cancel(); <-ctlDone }()
	if err := waitConnected(ctx, ts.Connected); err != nil {
		return res, err
	}

	// Peak concurrency, sampled by the controller's own registry.
	var peak atomic.Int64
	sampleDone := make(chan struct{})
	go func() {
		defer close(sampleDone)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-cctx.Done():
				return
			case <-t.C:
				if n := int64(len(ctl.Calls())); n > peak.Load() {
					peak.Store(n)
				}
			}
		}
	}()

	probe := startProbe()
	start := time.Now()
	placed, lag, placeErr := place()
	res.Placed, res.PlaceLag = placed, lag
	// The last calls need a moment to be answered and to finish the prompt.
	time.Sleep(min(2*time.Second, o.Hold/2))
	ts.plateau.Store(true)
	time.Sleep(time.Until(start.Add(ramp + o.Hold)))
	ts.plateau.Store(false)
	for deadline := time.Now().Add(ramp + 30*time.Second); len(ctl.Calls()) > 0 && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
	}
	res.Left = len(ctl.Calls())
	probe.finish()
	res.ProbeP99, res.ProbeMax = probe.all.quantile(0.99), probe.max
	cancel()
	<-sampleDone
	res.Peak = int(peak.Load())
	res.Handled, res.Answered, res.Collected = handled.Load(), answered.Load(), collected.Load()

	ts.mu.Lock()
	res.Commands = ts.all.n()
	res.P50, res.P99, res.Max = ts.all.quantile(0.5), ts.all.quantile(0.99), ts.all.max()
	res.PlateauN = ts.flat.n()
	res.PlateauP50, res.PlateauP99 = ts.flat.quantile(0.5), ts.flat.quantile(0.99)
	res.PerOp = map[string][3]time.Duration{}
	for op, l := range ts.byOp {
		res.PerOp[op] = [3]time.Duration{l.quantile(0.5), l.quantile(0.99), l.max()}
	}
	res.Errors, res.Gone = ts.errs, ts.gone
	if fsd != nil {
		st := fsd.Stats()
		res.CommandTimeouts, res.Reconnects = st.CommandTimeouts, st.Reconnects
	}
	ts.mu.Unlock()
	var cl latencies
	for len(confirm) > 0 {
		cl.add(<-confirm)
	}
	res.ConfirmP50, res.ConfirmP99 = cl.quantile(0.5), cl.quantile(0.99)
	return res, placeErr
}
