package switchbench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/percipia/eslgo"

	"github.com/ipcc/ipcc/controller/freeswitch"
)

// IngestOptions size the ESL ingest measurement.
type IngestOptions struct {
	Events        int64   // events of the throughput phase (default 300,000)
	Legs          int     // legs the events are spread over (default 1,000)
	LatencyRate   float64 // events/s of the latency phase (default 30,000, the throughput target)
	LatencyEvents int64   // events of the latency phase (default 150,000)
	SkipEslgo     bool    // do not measure the eslgo baseline
	SkipNoGap     bool    // do not measure latency without Event-Sequence gaps
	// ReorderWindow is passed to the driver's Config (0 = the driver's
	// default), to measure what the reorder buffer costs.
	ReorderWindow time.Duration
	Spawn         Spawner // how to start the replayer process (default DefaultSpawner)
}

func (o IngestOptions) withDefaults() IngestOptions {
	if o.Events <= 0 {
		o.Events = 300_000
	}
	if o.Legs <= 0 {
		o.Legs = 1000
	}
	if o.LatencyRate <= 0 {
		o.LatencyRate = 30_000
	}
	if o.LatencyEvents <= 0 {
		o.LatencyEvents = 150_000
	}
	return o
}

// IngestResult holds the raw figures of the ingest measurement.
type IngestResult struct {
	EslgoRate  float64 // events/s counted by a bare eslgo listener
	DriverRate float64 // events/s through the driver's whole path
	Sent       int64   // events the replayer wrote in the throughput phase
	Read       int64   // ESL events the driver read (its EventsIn)
	Expected   int64   // neutral events the throughput and latency phases must yield
	Delivered  int64   // neutral events the consumer got
	Lost       int64
	Bytes      int64
	P50, P99   time.Duration // send → state at LatencyRate
	Max        time.Duration
	FloodP50   time.Duration // send → state in the throughput phase (socket queues included)
	FloodP99   time.Duration
	// Without gaps in Event-Sequence (every number delivered): what the
	// driver's reorder window costs when the subscription skips events.
	NoGapP50, NoGapP99 time.Duration
}

// eslSubscription is what the driver subscribes to (freeswitch/render.go),
// so the eslgo baseline gets the same stream.
const eslSubscription = "event plain CHANNEL_PARK CHANNEL_PROGRESS CHANNEL_PROGRESS_MEDIA CHANNEL_ANSWER " +
	"CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE CHANNEL_BRIDGE CHANNEL_UNBRIDGE CHANNEL_HOLD CHANNEL_UNHOLD " +
	"CHANNEL_HANGUP_COMPLETE DTMF PLAYBACK_START PLAYBACK_STOP RECORD_START RECORD_STOP BACKGROUND_JOB " +
	"HEARTBEAT SHUTDOWN CUSTOM conference::maintenance"

type rawCommand string

func (c rawCommand) BuildMessage() string { return string(c) }

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// RunIngest measures ESL ingest: eslgo's raw rate, then the driver's whole
// path on a fresh connection to the same replayer process, then latency at
// a steady rate.
func RunIngest(ctx context.Context, o IngestOptions) (Section, IngestResult) {
	o = o.withDefaults()
	sec := Section{Title: "ESL ingest (FreeSWITCH driver, replayer in a separate process)"}
	sec.Setup = []string{
		fmt.Sprintf("stream: %s", MixDescription()),
		fmt.Sprintf("throughput phase: %d events over %d legs (after %d CHANNEL_PARK arrivals), as fast as the socket takes them",
			o.Events, o.Legs, o.Legs),
		fmt.Sprintf("latency phase: %d events at %.0f events/s; latency = consumer's clock − Event-Date-Timestamp stamped by the replayer just before its write",
			o.LatencyEvents, o.LatencyRate),
		"Event-Sequence skips 0.7 numbers per event on average, as for a client subscribed to some events only (FreeSWITCH numbers every event it fires)",
		fmt.Sprintf("driver: freeswitch.Config defaults, ReorderWindow %s", reorderText(o.ReorderWindow)),
	}
	var res IngestResult
	p, err := startReplay(ctx, o.Spawn)
	if err != nil {
		sec.Err = err.Error()
		return sec, res
	}
	defer p.close()

	if !o.SkipEslgo {
		if res.EslgoRate, err = ingestEslgo(ctx, p, o); err != nil {
			sec.Err = "eslgo baseline: " + err.Error()
			return sec, res
		}
	}
	if err := ingestDriver(ctx, p, o, &res); err != nil {
		sec.Err = "driver: " + err.Error()
	}
	if !o.SkipEslgo {
		sec.info("eslgo v1.5.0 bare listener", "%s", fmtRate(res.EslgoRate))
	}
	sec.check("driver whole path", fmtRate(res.DriverRate), "≥ 30000 events/s", res.DriverRate >= 30_000)
	if !o.SkipEslgo && res.EslgoRate > 0 {
		ratio := res.DriverRate / res.EslgoRate
		sec.check("driver / eslgo", fmt.Sprintf("%.0f %%", 100*ratio), "≥ 80 %", ratio >= 0.8)
	}
	sec.info("bytes per event (mean)", "%.0f B (%.1f MB/s through the driver)", float64(res.Bytes)/float64(max(res.Sent, 1)),
		res.DriverRate*float64(res.Bytes)/float64(max(res.Sent, 1))/1e6)
	sec.info("events sent / read by the driver", "%d / %d", res.Sent, res.Read)
	sec.check("neutral events lost", fmt.Sprintf("%d of %d", res.Lost, res.Expected), "0", res.Lost == 0 && res.Expected > 0)
	sec.check("p99 send → state", fmtDur(res.P99), "< 2 ms", res.P99 > 0 && res.P99 < 2*time.Millisecond)
	sec.info("p50 / max send → state", "%s / %s", fmtDur(res.P50), fmtDur(res.Max))
	if !o.SkipNoGap {
		sec.info("p50 / p99 without sequence gaps", "%s / %s (every Event-Sequence number sent: no wait in the reorder buffer; not a target)", fmtDur(res.NoGapP50), fmtDur(res.NoGapP99))
	}
	sec.info("p50 / p99 while flooding", "%s / %s (includes the socket buffers filling up; not a target)", fmtDur(res.FloodP50), fmtDur(res.FloodP99))
	return sec, res
}

func ingestEslgo(ctx context.Context, p *replayProc, o IngestOptions) (float64, error) {
	opts := eslgo.DefaultInboundOptions
	opts.Logger = eslgo.NilLogger{}
	conn, err := opts.Dial(p.Addr)
	if err != nil {
		return 0, err
	}
	defer func() {
		_, _ = p.do(ReplayRequest{Op: "close"}, 5*time.Second)
		conn.Close()
	}()
	var got atomic.Int64
	var doneAt atomic.Int64
	done := make(chan struct{})
	conn.RegisterEventListener(eslgo.EventListenAll, func(*eslgo.Event) {
		if got.Add(1) == o.Events {
			doneAt.Store(time.Now().UnixMicro())
			close(done)
		}
	})
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	_, err = conn.SendCommand(cctx, rawCommand(eslSubscription))
	cancel()
	if err != nil {
		return 0, err
	}
	r, err := p.do(ReplayRequest{Op: "stream", Legs: o.Legs, Events: o.Events, Gaps: true}, streamTimeout(o.Events, 0))
	if err != nil {
		return 0, err
	}
	if !waitFor(ctx, done, 30*time.Second) {
		return 0, fmt.Errorf("eslgo counted %d of %d events", got.Load(), o.Events)
	}
	return float64(o.Events) / (float64(doneAt.Load()-r.FirstMicro) / 1e6), nil
}

// streamTimeout bounds a replayer request generously (a loaded machine).
func streamTimeout(events int64, rate float64) time.Duration {
	d := 60*time.Second + time.Duration(events)*100*time.Microsecond
	if rate > 0 {
		d += time.Duration(float64(events) / rate * float64(time.Second))
	}
	return d
}

func startFS(ctx context.Context, cfg freeswitch.Config) (*freeswitch.Driver, func(), error) {
	cfg.Name, cfg.Password = "bench-fs", "ClueCon"
	d := freeswitch.New(cfg, discardLogger())
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { _ = d.Run(rctx); close(done) }()
	stop := func() {
		cancel()
		<-done
	}
	return d, stop, nil
}

func ingestDriver(ctx context.Context, p *replayProc, o IngestOptions, res *IngestResult) error {
	// The replayer serves one ESL client: no extra command connections.
	d, stop, err := startFS(ctx, freeswitch.Config{Addr: p.Addr, ReorderWindow: o.ReorderWindow, CommandConns: -1})
	if err != nil {
		return err
	}
	defer stop()
	c := newConsumer()
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	arrived := c.phase(int64(o.Legs), false)
	go c.run(cctx, d.Events())

	// Arrivals: one CHANNEL_PARK per leg, so the driver follows them; sent
	// once the driver has re-synchronised (the replayer lists no channels,
	// so a leg parked before the listing would be taken for one that ended).
	if err := waitConnected(ctx, d.Connected); err != nil {
		return err
	}
	if _, err := p.do(ReplayRequest{Op: "arrive", Legs: o.Legs, Gaps: true}, 30*time.Second); err != nil {
		return err
	}
	if !waitFor(ctx, arrived, 30*time.Second) {
		total, _, _ := c.snapshot()
		return fmt.Errorf("%d of %d calls arrived", total, o.Legs)
	}

	// Throughput.
	in0 := d.Stats().EventsIn
	want := expectedNeutral(o.Events)
	res.Expected = want
	done := c.phase(want, true)
	r, err := p.do(ReplayRequest{Op: "stream", Legs: o.Legs, Events: o.Events, Gaps: true}, streamTimeout(o.Events, 0))
	if err != nil {
		return err
	}
	res.Sent, res.Bytes = r.Sent, r.Bytes
	ok := waitFor(ctx, done, 30*time.Second)
	total, _, at := c.snapshot()
	res.Delivered = total
	res.Read = int64(d.Stats().EventsIn - in0)
	if ok {
		res.DriverRate = float64(o.Events) / (float64(at.UnixMicro()-r.FirstMicro) / 1e6)
	}
	fl := c.latencies()
	res.FloodP50, res.FloodP99 = fl.quantile(0.50), fl.quantile(0.99)

	// Latency at a steady rate, with the gaps of a real subscription, then
	// (not a target) without them.
	p50, p99, mx, ok2, err := ingestLatency(ctx, p, c, o, true, o.LatencyEvents, res)
	if err != nil {
		return err
	}
	res.P50, res.P99, res.Max = p50, p99, mx
	ok3 := true
	if !o.SkipNoGap {
		res.NoGapP50, res.NoGapP99, _, ok3, err = ingestLatency(ctx, p, c, o, false, o.LatencyEvents/3, res)
		if err != nil {
			return err
		}
	}
	res.Lost = res.Expected - res.Delivered
	var errs []string
	if !ok {
		errs = append(errs, fmt.Sprintf("throughput phase: %d of %d neutral events delivered", total, want))
	}
	if !ok2 || !ok3 {
		errs = append(errs, "latency phase: events missing")
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// waitConnected waits up to 10s for a driver to report Connected.
func waitConnected(ctx context.Context, connected func() bool) error {
	for deadline := time.Now().Add(10 * time.Second); !connected(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return errors.New("the driver did not connect")
		}
	}
	return nil
}

// ingestLatency streams n events at o.LatencyRate and returns the send →
// state percentiles; counts go into res.
func ingestLatency(ctx context.Context, p *replayProc, c *consumer, o IngestOptions, gaps bool, n int64, res *IngestResult) (p50, p99, mx time.Duration, ok bool, err error) {
	want := expectedNeutral(n)
	res.Expected += want
	done := c.phase(want, true)
	if _, err := p.do(ReplayRequest{Op: "stream", Legs: o.Legs, Events: n, Rate: o.LatencyRate, Gaps: gaps}, streamTimeout(n, o.LatencyRate)); err != nil {
		return 0, 0, 0, false, err
	}
	ok = waitFor(ctx, done, 30*time.Second)
	total, _, _ := c.snapshot()
	res.Delivered += total
	lat := c.latencies()
	return lat.quantile(0.50), lat.quantile(0.99), lat.max(), ok, nil
}

func reorderText(d time.Duration) string {
	if d <= 0 {
		return "default (300µs)"
	}
	return d.String()
}
