package asterisk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/asterisk/ari"
)

// Driver is an Asterisk switch. Create it with New, start it with Run.
type Driver struct {
	cfg Config
	log *slog.Logger
	cl  *ari.Client

	mu sync.Mutex // guards st
	st *state

	frames *queue[[]byte]           // raw WebSocket frames, in arrival order
	out    *queue[controller.Event] // translated events, in order
	events chan controller.Event

	running   atomic.Bool
	wsUp      atomic.Bool // event socket open: commands are allowed
	connected atomic.Bool // socket open and reconciled

	enqueued  atomic.Uint64
	processed atomic.Uint64
	delivered atomic.Uint64
	badFrames atomic.Uint64
	sessions  atomic.Uint64

	replaced chan struct{} // ApplicationReplaced seen (cap 1)
	lastWarn time.Time     // last slow-consumer warning (session goroutine only)

	bg    sync.WaitGroup  // cleanup goroutines started by events
	runMu sync.Mutex      // guards runCtx
	runCx context.Context // Run's context, for background cleanups
}

var _ controller.Switch = (*Driver)(nil)

// New validates cfg and returns a driver. logger may be nil (slog.Default).
func New(cfg Config, logger *slog.Logger) (*Driver, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("asterisk %s: config: %w", cfg.Name, err)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: cfg.RequestTimeout, Transport: newTransport()}
	}
	cl, err := ari.NewClient(cfg.URL, cfg.User, cfg.Password, hc)
	if err != nil {
		return nil, fmt.Errorf("asterisk %s: config: %w", cfg.Name, err)
	}
	if logger == nil {
		logger = slog.Default()
	}
	d := &Driver{
		cfg:      cfg,
		log:      logger.With("switch", cfg.Name, "kind", "asterisk"),
		cl:       cl,
		frames:   newQueue[[]byte](),
		out:      newQueue[controller.Event](),
		events:   make(chan controller.Event),
		replaced: make(chan struct{}, 1),
	}
	d.st = newState(&d.cfg, d.emit)
	return d, nil
}

// emit queues a translated event (called with d.mu held).
func (d *Driver) emit(ev controller.Event) {
	if d.log.Enabled(context.Background(), slog.LevelDebug) {
		d.log.Debug("switch event", "leg", ev.Leg, "type", ev.Type.String(), "other", ev.OtherLeg,
			"playback", ev.PlaybackID, "cause", string(ev.Cause), "by", ev.HangupBy.String())
	}
	d.out.push(ev)
}

// Name is the configured switch name.
func (d *Driver) Name() string { return d.cfg.Name }

// Kind is "asterisk".
func (d *Driver) Kind() string { return "asterisk" }

// Events is the ordered stream of neutral events. It is closed when Run returns.
func (d *Driver) Events() <-chan controller.Event { return d.events }

// Connected reports whether the event socket is up and reconciled.
func (d *Driver) Connected() bool { return d.connected.Load() }

// Stats are counters for metrics.
type Stats struct {
	QueueDepth    int    // frames not yet translated + events not yet delivered
	MaxQueueDepth int    // the largest backlog seen (frames + events, each at its peak)
	Frames        uint64 // WebSocket frames read
	Delivered     uint64 // events delivered on Events()
	BadFrames     uint64 // frames that did not decode (logged and skipped)
	Sessions      uint64 // WebSocket sessions opened
	Connected     bool
}

// Stats returns the current counters (wire QueueDepth to a gauge).
func (d *Driver) Stats() Stats {
	return Stats{
		QueueDepth:    d.frames.len() + d.out.len(),
		MaxQueueDepth: d.frames.maxLen() + d.out.maxLen(),
		Frames:        d.enqueued.Load(),
		Delivered:     d.delivered.Load(),
		BadFrames:     d.badFrames.Load(),
		Sessions:      d.sessions.Load(),
		Connected:     d.connected.Load(),
	}
}

// Run connects and keeps the event socket up until ctx ends, reconnecting
// with jittered exponential backoff. It may be called once; it returns
// ctx.Err() after every goroutine it started has stopped, then closes Events.
func (d *Driver) Run(ctx context.Context) error {
	if !d.running.CompareAndSwap(false, true) {
		return fmt.Errorf("asterisk %s: Run called twice", d.cfg.Name)
	}
	ctx, cancel := context.WithCancel(ctx)
	d.runMu.Lock()
	d.runCx = ctx
	d.runMu.Unlock()
	var loops sync.WaitGroup
	loops.Add(2)
	go func() { defer loops.Done(); d.process(ctx) }()
	go func() { defer loops.Done(); d.pump(ctx) }()
	defer func() {
		cancel()
		loops.Wait()
		d.bg.Wait()
		close(d.events)
	}()

	backoff := d.cfg.ReconnectMin
	for {
		start := time.Now()
		err := d.session(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if time.Since(start) > 2*d.cfg.ReconnectMax {
			backoff = d.cfg.ReconnectMin
		}
		wait := backoff/2 + rand.N(backoff/2+1) // jitter: [b/2, b]
		d.log.Warn("ari event socket down; reconnecting", "err", err, "in", wait.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		backoff = min(backoff*2, d.cfg.ReconnectMax)
	}
}

// session runs one WebSocket connection: dial, reconcile, then read until
// the socket fails, the app is replaced or ctx ends.
func (d *Driver) session(ctx context.Context) error {
	conn, err := d.cl.DialEvents(ctx, d.cfg.App, false)
	if err != nil {
		if ari.StatusOf(err) == http.StatusUnauthorized {
			d.log.Error("ari authentication failed; check user and password", "err", err)
		}
		return fmt.Errorf("dial events: %w", err)
	}
	d.sessions.Add(1)
	select {
	case <-d.replaced: // from the previous socket
	default:
	}
	sctx, scancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	readErr := make(chan error, 1)
	wg.Add(2)
	go func() {
		defer wg.Done()
		for {
			data, err := conn.Read(sctx)
			if err != nil {
				readErr <- err
				return
			}
			d.enqueued.Add(1)
			d.frames.push(data)
		}
	}()
	go func() {
		defer wg.Done()
		d.keepalive(sctx, conn)
	}()
	d.wsUp.Store(true)
	defer func() {
		d.wsUp.Store(false)
		scancel()
		_ = conn.CloseNow()
		wg.Wait()
		if d.connected.Swap(false) {
			d.mu.Lock()
			d.st.send(controller.Event{Type: controller.EventSwitchDisconnected}, time.Time{})
			d.mu.Unlock()
		}
	}()

	if err := d.reconcile(sctx); err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	d.connected.Store(true)
	d.mu.Lock()
	d.st.send(controller.Event{Type: controller.EventSwitchConnected}, time.Time{})
	d.mu.Unlock()
	d.log.Info("ari connected", "app", d.cfg.App)

	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case err := <-readErr:
			return fmt.Errorf("read events: %w", err)
		case <-ctx.Done():
			return ctx.Err()
		case <-d.replaced:
			// Asterisk sends nothing more on this socket. Reconnecting takes
			// the app back; two controllers on one app will keep doing so.
			d.log.Error("another client took over the Stasis app (ApplicationReplaced); reconnecting", "app", d.cfg.App)
			return errors.New("application replaced")
		case <-tick.C:
			d.mu.Lock()
			d.st.prune(10 * time.Minute)
			d.mu.Unlock()
			d.warnBacklog()
		}
	}
}

// slowConsumer is the backlog at which the Events() consumer is reported.
const slowConsumer = 5000

// warnBacklog reports a consumer that does not keep up (events are kept).
func (d *Driver) warnBacklog() {
	depth := d.frames.len() + d.out.len()
	if depth >= slowConsumer && time.Since(d.lastWarn) > 10*time.Second {
		d.lastWarn = time.Now()
		d.log.Warn("events consumer is slow; backlog kept in memory", "queued", depth)
	}
}

// keepalive pings the socket; a missing pong drops it so Run reconnects.
func (d *Driver) keepalive(ctx context.Context, conn *ari.EventConn) {
	t := time.NewTicker(d.cfg.PingInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, d.cfg.PingInterval)
			err := conn.Ping(pctx)
			cancel()
			if err != nil && ctx.Err() == nil {
				d.log.Warn("ari ping failed; dropping socket", "err", err)
				_ = conn.CloseNow()
				return
			}
		}
	}
}

// process translates frames in arrival order. It never blocks on consumers:
// translated events go to the unbounded out queue.
func (d *Driver) process(ctx context.Context) {
	for {
		data, ok := d.frames.pop(ctx)
		if !ok {
			return
		}
		d.handleFrame(data)
		d.processed.Add(1)
	}
}

func (d *Driver) handleFrame(data []byte) {
	ev, err := ari.DecodeEvent(data)
	if err != nil {
		d.badFrames.Add(1)
		d.log.Warn("ari: undecodable event skipped", "err", err, "frame", truncate(data, 200))
		return
	}
	if ev.Application != "" && ev.Application != d.cfg.App {
		return
	}
	d.mu.Lock()
	d.st.translate(ev)
	cleanups := d.st.cleanups
	d.st.cleanups = nil
	replaced := d.st.replaced
	d.st.replaced = false
	d.mu.Unlock()
	if replaced {
		select {
		case d.replaced <- struct{}{}:
		default:
		}
	}
	for _, c := range cleanups {
		d.runCleanup(c)
	}
}

// runCleanup performs translator-requested REST work in the background.
func (d *Driver) runCleanup(c cleanup) {
	d.runMu.Lock()
	ctx := d.runCx
	d.runMu.Unlock()
	if ctx == nil || ctx.Err() != nil {
		return
	}
	d.bg.Add(1)
	go func() {
		defer d.bg.Done()
		rctx, cancel := context.WithTimeout(ctx, d.cfg.RequestTimeout)
		defer cancel()
		var err error
		switch c.op {
		case "destroy-bridge":
			err = d.cl.DestroyBridge(rctx, c.id)
			if err == nil || ari.StatusOf(err) == http.StatusNotFound {
				d.mu.Lock()
				if b := d.st.bridges[c.id]; b != nil && len(b.members) == 0 {
					delete(d.st.bridges, c.id)
				}
				d.mu.Unlock()
			}
		case "hangup":
			d.mu.Lock()
			if l := d.st.legs[c.id]; l != nil {
				l.deleting = true
			}
			d.mu.Unlock()
			err = d.cl.Hangup(rctx, c.id, "", 0)
		case "hold-play", "hold-class":
			err = d.runHoldCleanup(rctx, c)
		}
		if err != nil && ari.StatusOf(err) != http.StatusNotFound {
			d.log.Warn("ari cleanup failed", "op", c.op, "id", c.id, "err", err)
		}
	}()
}

// pump delivers translated events to Events() in order.
func (d *Driver) pump(ctx context.Context) {
	for {
		ev, ok := d.out.pop(ctx)
		if !ok {
			return
		}
		select {
		case d.events <- ev:
			d.delivered.Add(1)
		case <-ctx.Done():
			return
		}
	}
}

// waitProcessed waits until every frame read so far has been translated.
func (d *Driver) waitProcessed(ctx context.Context) error {
	target := d.enqueued.Load()
	for d.processed.Load() < target {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
	return nil
}

func truncate(b []byte, n int) string {
	if len(b) > n {
		return string(b[:n]) + "..."
	}
	return string(b)
}

// Keep-alive pool towards one Asterisk. Go's default transport keeps 2 idle
// connections per host, so with hundreds of calls' commands in flight most
// requests opened a new TCP connection (and left one in TIME_WAIT). Asterisk's
// HTTP server allows 100 sessions (http.conf session_limit) and closes one
// idle for 30 s (session_inactivity): stay under both.
const (
	ariIdleConns   = 32
	ariIdleTimeout = 25 * time.Second
)

func newTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = ariIdleConns
	t.MaxIdleConnsPerHost = ariIdleConns
	t.IdleConnTimeout = ariIdleTimeout
	return t
}
