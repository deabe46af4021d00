package switchbench

import (
	"context"
	"fmt"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/asterisk"
	"github.com/ipcc/ipcc/controller/freeswitch"
)

// StallOptions size the slow-consumer measurement.
type StallOptions struct {
	Stall  time.Duration // how long the consumer sleeps (default 5s)
	Rate   float64       // events/s the switch keeps sending (default 10,000)
	Before time.Duration // sending before the stall starts (default 1s)
	After  time.Duration // sending after the stall ends (default 2s)
	Legs   int           // calls the events belong to (default 100)
	Spawn  Spawner       // replayer process (FreeSWITCH)
}

func (o StallOptions) withDefaults() StallOptions {
	if o.Stall <= 0 {
		o.Stall = 5 * time.Second
	}
	if o.Rate <= 0 {
		o.Rate = 10_000
	}
	if o.Before <= 0 {
		o.Before = time.Second
	}
	if o.After <= 0 {
		o.After = 2 * time.Second
	}
	if o.Legs <= 0 {
		o.Legs = 100
	}
	return o
}

// StallResult holds the raw figures of one driver's slow-consumer run.
type StallResult struct {
	Sent        int64         // wire events sent during the stream
	Expected    int64         // neutral events the stream must yield
	Delivered   int64         // neutral events the consumer got
	MaxWrite    time.Duration // longest blocked write on the sending side, whole stream
	MaxInStall  time.Duration // longest write that overlapped the stall
	MaxAfter    time.Duration // longest write after the stall (the backlog draining)
	SlowWrites  int           // writes of 2 ms or more
	SenderLate  time.Duration // the sender's own longest oversleep (CPU it did not get)
	ProbeLate   time.Duration // this process's longest oversleep of a 1 ms sleep
	ProbeInMax  time.Duration // ... overlapping the longest write
	SendTime    time.Duration // how long sending took (Sent/Rate when never blocked)
	Drain       time.Duration // from the end of the stall until the last event was consumed
	CatchUp     time.Duration // from the last send until the last event was consumed
	PeakQueue   int           // largest backlog in the driver
	Stalled     bool          // the consumer did stall
	StallLength time.Duration

	sendEnd time.Time
}

// RunStall measures the slow consumer on one driver ("freeswitch" or
// "asterisk"); the switch side runs in the replayer process.
func RunStall(ctx context.Context, kind string, o StallOptions) (Section, StallResult) {
	o = o.withDefaults()
	sec := Section{Title: fmt.Sprintf("Slow consumer (%s driver): the Events() consumer sleeps %s", kind, o.Stall)}
	total := int64(o.Rate * (o.Before + o.Stall + o.After).Seconds())
	sender := "ESL replayer process (40/150-header mix); longest conn.Write"
	if kind == "asterisk" {
		sender = "ARI server in the replayer process (ChannelDtmfReceived frames, ~0.7 KB); longest WebSocket Write"
	}
	sec.Setup = []string{
		fmt.Sprintf("%d calls arrive, then %d events at %.0f/s for %s; the consumer stalls %s after %s of it", o.Legs, total, o.Rate,
			(o.Before + o.Stall + o.After).Round(time.Millisecond), o.Stall, o.Before),
		"sending side: " + sender,
	}
	var res StallResult
	var err error
	switch kind {
	case "freeswitch", "asterisk":
		err = stall(ctx, kind, o, total, &res)
	default:
		err = fmt.Errorf("unknown driver %q", kind)
	}
	if err != nil {
		sec.Err = err.Error()
	}
	sec.check("longest blocked write", fmtDur(res.MaxWrite), "≤ 20 ms", res.Stalled && res.MaxWrite <= 20*time.Millisecond)
	sec.info("  overlapping the stall / after it", "%s / %s (%d writes ≥ 2 ms)", fmtDur(res.MaxInStall), fmtDur(res.MaxAfter), res.SlowWrites)
	sec.info("CPU starvation seen", "sender's longest oversleep %s; bench process's longest oversleep %s (%s around the longest write)",
		fmtDur(res.SenderLate), fmtDur(res.ProbeLate), fmtDur(res.ProbeInMax))
	sec.info("sending took", "%s for %d events (%.0f/s asked)", fmtDur(res.SendTime), res.Sent, o.Rate)
	sec.check("events delivered after the stall", fmt.Sprintf("%d of %d", res.Delivered, res.Expected), "all", res.Expected > 0 && res.Delivered == res.Expected)
	sec.info("peak backlog in the driver", "%d events", res.PeakQueue)
	sec.info("last event consumed", "%s after the stall ended, %s after the last send", fmtDur(res.Drain), fmtDur(res.CatchUp))
	return sec, res
}

// sampleQueue polls depth every 5 ms until stop and returns the peak.
func sampleQueue(stop <-chan struct{}, depth func() int) <-chan int {
	out := make(chan int, 1)
	go func() {
		peak := 0
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				out <- max(peak, depth())
				return
			case <-t.C:
				peak = max(peak, depth())
			}
		}
	}()
	return out
}

func stall(ctx context.Context, kind string, o StallOptions, total int64, res *StallResult) error {
	p, err := startReplay(ctx, o.Spawn)
	if err != nil {
		return err
	}
	defer p.close()
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var events <-chan controller.Event
	var depth func() int
	var health func() string
	var connected func() bool
	arrive, stream := "arrive", "stream"
	switch kind {
	case "freeswitch":
		// The replayer serves one ESL client: no extra command connections.
		d, stop, _ := startFS(ctx, freeswitch.Config{Addr: p.Addr, CommandConns: -1})
		defer stop()
		events, connected = d.Events(), d.Connected
		depth = func() int { s := d.Stats(); return s.QueueDepth + s.HeldEvents }
		health = func() string {
			s := d.Stats()
			return fmt.Sprintf("driver: %d events read, %d reconnects, %d command timeouts", s.EventsIn, s.Reconnects, s.CommandTimeouts)
		}
		res.Expected = expectedNeutral(total)
	case "asterisk":
		arrive, stream = "ari-arrive", "ari-stream"
		r, err := p.do(ReplayRequest{Op: "ari-listen"}, 10*time.Second)
		if err != nil {
			return err
		}
		d, err := asterisk.New(asterisk.Config{Name: "bench-ast", URL: r.Addr, User: "ari", Password: "ari"}, discardLogger())
		if err != nil {
			return err
		}
		runDone := make(chan struct{})
		go func() { _ = d.Run(cctx); close(runDone) }()
		defer func() { cancel(); <-runDone }()
		events, connected = d.Events(), d.Connected
		depth = func() int { return d.Stats().QueueDepth }
		health = func() string {
			s := d.Stats()
			return fmt.Sprintf("driver: %d frames read, %d sessions, %d bad frames", s.Frames, s.Sessions, s.BadFrames)
		}
		res.Expected = total
	}
	c := newConsumer()
	arrived := c.phase(int64(o.Legs), false)
	go c.run(cctx, events)
	// Calls arrive once the driver has reconciled (this switch lists no
	// channels, so a leg announced before the listing would be taken for
	// one that ended meanwhile).
	if err := waitConnected(ctx, connected); err != nil {
		return err
	}
	if _, err := p.do(ReplayRequest{Op: arrive, Legs: o.Legs}, 30*time.Second); err != nil {
		return err
	}
	if !waitFor(ctx, arrived, 30*time.Second) {
		n, counts, _ := c.snapshot()
		return fmt.Errorf("%d events (%v) for %d arrivals", n, counts, o.Legs)
	}
	before := int64(o.Rate * o.Before.Seconds())
	if kind == "freeswitch" {
		before = expectedNeutral(before)
	}
	c.mu.Lock()
	c.stallAfter, c.stallFor = max(before, 1), o.Stall
	c.mu.Unlock()
	done := c.phase(res.Expected, false)
	stopSample := make(chan struct{})
	peak := sampleQueue(stopSample, depth)
	probe := startProbe()
	r, err := p.do(ReplayRequest{Op: stream, Legs: o.Legs, Events: total, Rate: o.Rate}, streamTimeout(total, o.Rate))
	ok := err == nil && waitFor(ctx, done, o.Stall+30*time.Second)
	close(stopSample)
	probe.finish()
	res.PeakQueue = <-peak
	if err != nil {
		return err
	}
	res.Sent, res.MaxWrite = r.Sent, time.Duration(r.MaxWrite)*time.Microsecond
	res.SlowWrites, res.SenderLate = len(r.Slow), time.Duration(r.MaxLate)*time.Microsecond
	res.SendTime = time.Duration(r.LastMicro-r.FirstMicro) * time.Microsecond
	res.sendEnd = time.UnixMicro(r.LastMicro)
	res.ProbeLate = probe.max
	maxAt := time.UnixMicro(r.MaxWriteAt)
	res.ProbeInMax = maxIn(probe.late, maxAt.Add(-res.MaxWrite), maxAt)
	c.mu.Lock()
	from, to := c.stallBegin, c.stallEnd
	c.mu.Unlock()
	if !to.IsZero() {
		res.MaxInStall = maxIn(r.Slow, from, to)
		res.MaxAfter = maxIn(r.Slow, to, time.Now())
		if r.MaxWrite < 2000 { // no slow write listed: the longest one is below 2 ms
			res.MaxInStall = min(res.MaxWrite, res.MaxInStall+res.MaxWrite)
		}
	}
	err = finishStall(c, ok, res)
	if err != nil {
		_, counts, _ := c.snapshot()
		err = fmt.Errorf("%w (consumer counts %v; %s)", err, counts, health())
	}
	return err
}

func finishStall(c *consumer, ok bool, res *StallResult) error {
	total, _, at := c.snapshot()
	res.Delivered = total
	c.mu.Lock()
	begin, end := c.stallBegin, c.stallEnd
	c.mu.Unlock()
	res.Stalled = !end.IsZero()
	if ok && res.Stalled {
		res.StallLength = end.Sub(begin)
		res.Drain = at.Sub(end)
		res.CatchUp = max(at.Sub(res.sendEnd), 0)
	}
	if !res.Stalled {
		return fmt.Errorf("the consumer never stalled")
	}
	if !ok {
		return fmt.Errorf("%d of %d events delivered", total, res.Expected)
	}
	return nil
}
