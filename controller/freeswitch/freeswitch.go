// Package freeswitch is the FreeSWITCH driver of ipcc: it implements
// controller.Switch over one inbound event-socket (ESL) connection per switch
// and translates ESL events into neutral controller events. No ESL header
// name leaves this package.
//
// The design names github.com/percipia/eslgo v1.5.0. Its pitfalls, and what
// this driver does about each:
//   - replies are not matched to commands: replies are matched by order
//     (FreeSWITCH answers a connection's commands in the order they came;
//     the event connection has one command in flight, command connections
//     several), slow work (originate) goes through bgapi with the leg id as
//     origination_uuid, and a command that misses its deadline kills the
//     connection;
//   - listeners run as separate goroutines: events are put back in
//     Event-Sequence order by a reorder buffer with a bounded wait (it also
//     repairs FreeSWITCH's own cross-thread inversions on the wire);
//   - a read error other than EOF, or an unknown Content-Type (log/data),
//     ends its receive loop silently: every command has a deadline, missing
//     HEARTBEAT events mark the connection dead, "log" is never sent and
//     unknown content types are skipped;
//   - no reconnect: Run reconnects with jittered backoff, re-authenticates,
//     re-subscribes, re-synchronises live legs and re-announces the legs ipcc
//     owned;
//   - Dial waits for auth/request without a timeout: dialing runs under a
//     deadline;
//   - Linger is not used.
//
// One more, found by `go test -race` on the reconnect tests: closing an
// eslgo Conn (by us, or by eslgo itself after a disconnect notice or EOF)
// deletes entries of its responseChannels map while its authLoop,
// disconnectLoop and receiveLoop read that map without the lock, a data race
// on every reconnect. So the socket is driven by eslConn (esl.go), a small
// client with the same framing; eslgo remains the baseline of the ingest
// benchmark (BenchmarkIngest*).
package freeswitch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ipcc/ipcc/controller"
)

// Config configures one FreeSWITCH switch.
type Config struct {
	Name     string // unique switch name within ipcc
	Addr     string // event socket address, host:port (FreeSWITCH default :8021)
	Password string // event socket password
	// MusicOnHold is what a held leg hears when the caller of Hold names
	// nothing: a local_stream class, a file path or a stream URL. Default
	// "moh" (local_stream://moh, which needs FreeSWITCH's music files).
	MusicOnHold string

	DialTimeout    time.Duration // TCP connect + auth (default 5s)
	CommandTimeout time.Duration // deadline of every api/bgapi/sendmsg reply (default 5s)
	// HeartbeatInterval is how often the switch sends HEARTBEAT (20s on real
	// servers). The connection is declared dead after 2.5 intervals without
	// any event. Default 20s.
	HeartbeatInterval time.Duration
	// Beacon, when set, makes the driver write the global variable
	// ipcc_seen=<unix seconds> on FreeSWITCH as soon as it is connected
	// and again every Beacon while it stays connected, so that the
	// switch's dialplan can tell whether a controller drives it and send
	// calls to a local fallback when none has for a while (docs/sites.md,
	// "A branch without the controller"). 0 writes nothing.
	Beacon time.Duration
	// ReorderWindow is the longest an event waits for a missing lower
	// Event-Sequence before it is released anyway. The driver's own reader
	// keeps the wire order, so the buffer only repairs FreeSWITCH's
	// cross-thread inversions (microseconds apart on the wire) and gaps
	// (events not subscribed to) cost at most this much latency. Default
	// 300µs.
	ReorderWindow time.Duration
	// CommandConns is how many extra ESL connections carry the commands
	// (api, bgapi, sendmsg; they subscribe to no event) besides the event
	// connection, so one slow reply does not hold up every call's commands
	// (the connection protocol allows one command in flight) and no command
	// waits behind the event stream. Default 4; -1 for none (every command
	// on the event connection).
	CommandConns int
	// CommandsInFlight is how many commands one command connection carries
	// at a time (default 32): they are written without waiting for the
	// replies before them, and FreeSWITCH, which runs a connection's
	// commands one after the other, replies in the same order. One at a
	// time, a command waited for the round trips of the ones before it: at
	// 100 calls/s that was a second for a free connection while the switch
	// answered each command in 2 ms. 1 sends one at a time.
	CommandsInFlight int
	// ListingLag is how far "show channels" may lag behind FreeSWITCH's
	// channels (its core database is written in batches: 160-180 ms on an
	// idle 1.11). After subscribing, the driver waits this long before it
	// lists the channels to re-synchronise, so a call parked (or a leg
	// originated) just before the connection is in the listing. Default
	// 500ms.
	ListingLag   time.Duration
	ReconnectMin time.Duration // first reconnect delay (default 500ms), doubled up to ReconnectMax
	ReconnectMax time.Duration // default 30s

	// DIDVariable is the channel variable the ipcc dialplan sets before
	// park; a parked leg carrying it is handed to ipcc. Default "ipcc_did".
	DIDVariable string
	// VarPrefixes selects the channel variables copied into CallArrived.Vars
	// (default "ipcc_").
	VarPrefixes []string
	// DefaultLanguage for numbers and digits without Media.Lang (default "en").
	DefaultLanguage string
	// ExtensionDialString renders EndpointExtension (default "user/%s").
	ExtensionDialString string
	// GatewayDialString renders EndpointExternal from trunk and number
	// (default "sofia/gateway/%s/%s").
	GatewayDialString string
	// ConferenceProfile is the mod_conference profile (default "default").
	ConferenceProfile string
	// HangupAfterBridge keeps FreeSWITCH's default of hanging up the
	// survivor of a bridge. When false (the default) ipcc legs get
	// park_after_bridge=true, so the survivor stays parked under ipcc control,
	// as on Asterisk where a channel outlives its bridge.
	HangupAfterBridge bool
	// EventBuffer is the capacity of the Events channel (default 256); the
	// queue in front of it is unbounded.
	EventBuffer int
	// AMDApp is the answering-machine detection application (default
	// "mod_amd", the application name of the maintained mod_amd module;
	// older forks call it "amd"). It must be non-blocking and fire a
	// CUSTOM mod_amd::info event carrying amd_result and amd_cause.
	AMDApp string
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.DialTimeout, 5*time.Second)
	def(&c.CommandTimeout, 5*time.Second)
	def(&c.HeartbeatInterval, 20*time.Second)
	def(&c.ReorderWindow, 300*time.Microsecond)
	if c.CommandConns == 0 {
		c.CommandConns = 4
	}
	if c.CommandsInFlight <= 0 {
		c.CommandsInFlight = 32
	}
	def(&c.ListingLag, 500*time.Millisecond)
	def(&c.ReconnectMin, 500*time.Millisecond)
	def(&c.ReconnectMax, 30*time.Second)
	if c.DIDVariable == "" {
		c.DIDVariable = "ipcc_did"
	}
	if c.VarPrefixes == nil {
		c.VarPrefixes = []string{"ipcc_"}
	}
	if c.DefaultLanguage == "" {
		c.DefaultLanguage = "en"
	}
	if c.ExtensionDialString == "" {
		c.ExtensionDialString = "user/%s"
	}
	if c.GatewayDialString == "" {
		c.GatewayDialString = "sofia/gateway/%s/%s"
	}
	if c.ConferenceProfile == "" {
		c.ConferenceProfile = "default"
	}
	if c.EventBuffer <= 0 {
		c.EventBuffer = 256
	}
	if c.AMDApp == "" {
		c.AMDApp = "mod_amd"
	}
	return c
}

// Validate reports configuration errors (Run refuses an invalid Config).
func (c Config) Validate() error {
	var errs []error
	if c.Name == "" {
		errs = append(errs, errors.New("name: empty"))
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		errs = append(errs, fmt.Errorf("addr %q: want host:port: %w", c.Addr, err))
	}
	if strings.ContainsAny(c.Password, "\r\n") {
		errs = append(errs, errors.New("password: contains a line break"))
	}
	if c.DIDVariable != "" && !varNameRe.MatchString(c.DIDVariable) {
		errs = append(errs, fmt.Errorf("did_variable %q: not a channel variable name", c.DIDVariable))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("freeswitch config: %w", err)
	}
	return nil
}

// Stats are the driver's counters, for metrics.
type Stats struct {
	QueueDepth      int    // neutral events waiting for the consumer
	HeldEvents      int    // events waiting in the reorder buffer
	EventsIn        uint64 // ESL events received
	EventsOut       uint64 // neutral events produced
	Reordered       uint64 // events released after waiting for a gap
	Late            uint64 // events that arrived after a higher sequence was released
	Commands        uint64 // commands sent
	CommandTimeouts uint64
	Reconnects      uint64
}

// Driver is a FreeSWITCH switch. It implements controller.Switch.
type Driver struct {
	cfg Config
	log *slog.Logger
	q   *outQueue
	tr  *translator
	ro  *reorderer

	mu        sync.Mutex
	sess      *session
	pool      []*session // extra command connections of the current session
	poolNext  int
	connected atomic.Bool
	started   atomic.Bool

	side   chan string // legs to mark as ipcc-owned on the switch
	sideMu sync.Mutex
	sideQ  []string

	eventsIn, commands, cmdTimeouts, reconnects atomic.Uint64

	amdMu      sync.Mutex
	amdChecked time.Time // when module_exists mod_amd was last asked
	amdLoaded  bool
}

var _ controller.Switch = (*Driver)(nil)

// New returns a driver for cfg; nothing happens until Run. A nil logger
// means slog.Default().
func New(cfg Config, logger *slog.Logger) *Driver {
	cfg = cfg.withDefaults()
	if logger == nil {
		logger = slog.Default()
	}
	d := &Driver{
		cfg:  cfg,
		log:  logger.With("switch", cfg.Name, "kind", "freeswitch"),
		q:    newOutQueue(cfg.EventBuffer),
		side: make(chan string, 1),
	}
	d.tr = newTranslator(cfg.Name, cfg.DIDVariable, cfg.VarPrefixes, d.q.push)
	d.tr.onAdopt = d.queueAdopt
	d.tr.originateGrace = cfg.CommandTimeout
	d.ro = newReorderer(cfg.ReorderWindow, d.tr.handle)
	return d
}

// Name is the configured switch name.
func (d *Driver) Name() string { return d.cfg.Name }

// Kind is "freeswitch".
func (d *Driver) Kind() string { return "freeswitch" }

// Events is the ordered stream of neutral events. It is closed when Run returns.
func (d *Driver) Events() <-chan controller.Event { return d.q.ch }

// Connected reports whether the connection is up and re-synchronised.
func (d *Driver) Connected() bool { return d.connected.Load() }

// Stats returns the driver's counters.
func (d *Driver) Stats() Stats {
	late, held := d.ro.counters()
	d.q.mu.Lock()
	out := d.q.pushed
	d.q.mu.Unlock()
	return Stats{
		QueueDepth:      d.q.depth(),
		HeldEvents:      d.ro.depth(),
		EventsIn:        d.eventsIn.Load(),
		EventsOut:       out,
		Reordered:       held,
		Late:            late,
		Commands:        d.commands.Load(),
		CommandTimeouts: d.cmdTimeouts.Load(),
		Reconnects:      d.reconnects.Load(),
	}
}

// Run connects and keeps the connection alive until ctx ends, then stops
// every goroutine it started, closes Events and returns ctx.Err(). It
// returns at once with an error for an invalid Config or a second call.
func (d *Driver) Run(ctx context.Context) error {
	if err := d.cfg.Validate(); err != nil {
		return err
	}
	if !d.started.CompareAndSwap(false, true) {
		return errors.New("freeswitch " + d.cfg.Name + ": Run called twice")
	}
	stop := ctx.Done()
	var wg sync.WaitGroup
	wg.Go(func() { d.ro.run(stop) })
	wg.Go(func() { d.q.run(stop) })
	wg.Go(func() { d.sideWorker(ctx) })
	wg.Go(func() { d.pruneLoop(ctx) })

	backoff := d.cfg.ReconnectMin
	for ctx.Err() == nil {
		began := time.Now()
		err := d.session(ctx)
		if ctx.Err() != nil {
			break
		}
		if time.Since(began) > 2*d.cfg.ReconnectMax {
			backoff = d.cfg.ReconnectMin
		}
		wait := backoff/2 + rand.N(backoff/2+1)
		d.log.Warn("freeswitch connection down, reconnecting", "err", err, "in", wait)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
		backoff = min(backoff*2, d.cfg.ReconnectMax)
		d.reconnects.Add(1)
	}
	wg.Wait()
	close(d.q.ch)
	return ctx.Err()
}

func (d *Driver) pruneLoop(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			d.tr.prune(10 * time.Minute)
		}
	}
}

// queueAdopt is called by the translator (under its lock) for a newly parked
// leg; the worker marks it ipcc_owned on the switch so a reconnect or a
// restarted controller can find it again.
func (d *Driver) queueAdopt(leg string) {
	d.sideMu.Lock()
	d.sideQ = append(d.sideQ, leg)
	d.sideMu.Unlock()
	select {
	case d.side <- leg:
	default:
	}
}

// ownedVars are the variables that mark leg as ipcc's (see ownedMark).
func (d *Driver) ownedVars(leg string) map[string]string {
	v := map[string]string{"ipcc_owned": leg}
	if !d.cfg.HangupAfterBridge {
		v["park_after_bridge"] = "true"
	}
	return v
}

func (d *Driver) sideWorker(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-d.side:
		}
		for {
			d.sideMu.Lock()
			if len(d.sideQ) == 0 {
				d.sideMu.Unlock()
				break
			}
			leg := d.sideQ[0]
			d.sideQ = d.sideQ[1:]
			d.sideMu.Unlock()
			err := d.setVars(ctx, leg, d.ownedVars(leg))
			if err != nil && !errors.Is(err, controller.ErrNoSuchLeg) {
				d.log.Warn("could not mark leg as ipcc-owned", "leg", leg, "err", err)
			}
		}
	}
}
