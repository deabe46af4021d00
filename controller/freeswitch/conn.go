package freeswitch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ipcc/ipcc/controller"
)

// session is one authenticated ESL connection.
type session struct {
	d    *Driver
	conn *eslConn
	sem  chan struct{} // a slot per command in flight

	dead     chan struct{}
	deadOnce sync.Once
	why      atomic.Value // string: why the session died

	lastEvent atomic.Int64 // unix nanoseconds of the last event
}

// newSession prepares a connection that carries up to inFlight commands at
// a time.
func newSession(d *Driver, inFlight int) *session {
	s := &session{d: d, sem: make(chan struct{}, max(inFlight, 1)), dead: make(chan struct{})}
	s.lastEvent.Store(time.Now().UnixNano())
	return s
}

// kill marks the session dead; serve closes the socket.
func (s *session) kill(why string) {
	s.deadOnce.Do(func() {
		s.why.Store(why)
		close(s.dead)
	})
}

func (s *session) reason() string {
	if w, ok := s.why.Load().(string); ok {
		return w
	}
	return ""
}

// send writes one command and waits for its reply, holding one of the
// connection's in-flight slots. ctx bounds the wait for the slot; once
// written, the command runs to its own deadline. A missed deadline kills
// the session: a switch that does not answer within CommandTimeout is not
// trusted with the next command (replies are matched to commands by order
// alone).
func (s *session) send(ctx context.Context, cmd string) (string, error) {
	// A command whose caller has given up is not sent, even when the
	// connection is free (select would pick either case at random): a
	// controller stopping — a lease lost, a handover — cancels its calls'
	// handlers, and a hang-up they would send on the way out must not reach
	// a switch the next controller now drives.
	if err := ctx.Err(); err != nil {
		return "", err
	}
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	case <-s.dead:
		return "", controller.ErrNotConnected
	}
	defer func() { <-s.sem }()
	select {
	case <-s.dead:
		return "", controller.ErrNotConnected
	default:
	}
	s.d.commands.Add(1)
	cctx, cancel := context.WithTimeout(context.Background(), s.d.cfg.CommandTimeout)
	defer cancel()
	reply, err := s.conn.send(cctx, cmd)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			s.d.cmdTimeouts.Add(1)
			s.kill("command deadline exceeded")
			return "", fmt.Errorf("no reply within %s: %w", s.d.cfg.CommandTimeout, controller.ErrNotConnected)
		}
		s.kill("send: " + err.Error())
		return "", fmt.Errorf("%v: %w", err, controller.ErrNotConnected)
	}
	return reply, nil
}

// onEvent runs on the socket reader: it only stamps liveness and hands the
// event to the reorder buffer, so it never blocks reading.
func (s *session) onEvent(ev *fsEvent) {
	s.lastEvent.Store(ev.recv.UnixNano())
	s.d.eventsIn.Add(1)
	s.d.ro.push(ev)
}

// pick chooses the connection for cmd: api, bgapi and sendmsg go to the
// command connection with the fewest commands in flight; anything
// else (none is sent through run today) and every command when no command
// connection is open go to the event connection. Subscriptions and the
// liveness ping are sent on the event connection directly, not through pick.
//
// The event connection carries no call's command: its replies would queue
// behind the event stream (at 100 calls/s a bgapi originate waited seconds
// there). Nothing is lost by sending them elsewhere, as on FreeSWITCH:
//   - BACKGROUND_JOB is fired to every listener subscribed to it
//     (mod_event_socket's event_handler), so the event connection sees the
//     result of a bgapi sent on a command connection; the job may even come
//     before the +OK Job-UUID reply, and jobDone then finds the leg by the
//     origination_uuid in Job-Command-Arg;
//   - sendmsg <uuid> locates the channel by uuid from any inbound
//     connection, and the channel's events (CHANNEL_EXECUTE, PLAYBACK_*)
//     reach the event connection like any other; Play registers each
//     Application-UUID before it sends, so events that overtake the reply
//     are still recognised.
func (d *Driver) pick(cmd string) *session {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.sess == nil || len(d.pool) == 0 || !onPool(cmd) {
		return d.sess
	}
	n := len(d.pool)
	var best *session
	bi := 0
	for i := 0; i < n; i++ {
		ps := d.pool[(d.poolNext+i)%n]
		if ps.isDead() {
			continue
		}
		if best == nil || len(ps.sem) < len(best.sem) {
			best, bi = ps, i
		}
	}
	if best == nil {
		return d.sess
	}
	d.poolNext = (d.poolNext + bi + 1) % n
	return best
}

// onPool reports whether cmd may go to a command connection.
func onPool(cmd string) bool {
	return strings.HasPrefix(cmd, "api ") || strings.HasPrefix(cmd, "bgapi ") || strings.HasPrefix(cmd, "sendmsg ")
}

func (s *session) isDead() bool {
	select {
	case <-s.dead:
		return true
	default:
		return false
	}
}

// openPool dials the extra command connections of a session; one that
// fails is left out (commands then share the others).
func (d *Driver) openPool(ctx context.Context) []*session {
	var pool []*session
	for i := 0; i < d.cfg.CommandConns; i++ {
		ps := newSession(d, d.cfg.CommandsInFlight)
		dctx, cancel := context.WithTimeout(ctx, d.cfg.DialTimeout)
		conn, err := dialESL(dctx, d.cfg.Addr, d.cfg.Password, func(*fsEvent) {}, ps.kill)
		cancel()
		if err != nil {
			d.log.Warn("freeswitch command connection not opened", "err", err)
			continue
		}
		ps.conn = conn
		pool = append(pool, ps)
	}
	return pool
}

// current returns the live session or nil.
func (d *Driver) current() *session {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.sess
}

// run sends cmd on the current connection and classifies the reply: replies
// meaning "no such channel" wrap ErrNoSuchLeg, other -ERR/-USAGE replies wrap
// ErrRejected, a missing connection wraps ErrNotConnected.
func (d *Driver) run(ctx context.Context, op, legs, cmd string) (string, error) {
	s := d.pick(cmd)
	if s == nil {
		return "", fmt.Errorf("freeswitch %s: %s %s: %w", d.cfg.Name, op, legs, controller.ErrNotConnected)
	}
	reply, err := s.send(ctx, cmd)
	if err == nil {
		err = replyError(reply)
	}
	// Enabled first: the arguments cost allocations even when the record
	// is dropped, on every command.
	debug := d.log.Enabled(ctx, slog.LevelDebug)
	if err != nil {
		if debug {
			d.log.Debug("freeswitch command failed", "op", op, "leg", legs, "err", err)
		}
		return reply, fmt.Errorf("freeswitch %s: %s %s: %w", d.cfg.Name, op, legs, err)
	}
	if debug {
		d.log.Debug("freeswitch command", "op", op, "leg", legs)
	}
	return reply, nil
}

// replyError maps FreeSWITCH's error replies (see esl-errors.txt).
func replyError(reply string) error {
	r := strings.TrimSpace(reply)
	switch {
	case strings.HasPrefix(r, "-ERR No such channel"),
		strings.HasPrefix(r, "-ERR No Such Channel"), // uuid_audio, uuid_break
		strings.HasPrefix(r, "-ERR Invalid uuid"),
		strings.HasPrefix(r, "-ERR invalid uuid"),
		strings.HasPrefix(r, "-ERR Cannot locate session"),
		strings.HasPrefix(r, "-ERR invalid session id"),
		r == "-ERROR":
		return fmt.Errorf("%q: %w", r, controller.ErrNoSuchLeg)
	case strings.HasPrefix(r, "-"):
		return fmt.Errorf("%q: %w", r, controller.ErrRejected)
	}
	return nil
}

// dial connects and authenticates within DialTimeout.
func (d *Driver) dial(ctx context.Context, s *session) (*eslConn, error) {
	dctx, cancel := context.WithTimeout(ctx, d.cfg.DialTimeout)
	defer cancel()
	c, err := dialESL(dctx, d.cfg.Addr, d.cfg.Password, s.onEvent, s.kill)
	if err != nil {
		return nil, fmt.Errorf("freeswitch %s: connect %s: %w", d.cfg.Name, d.cfg.Addr, err)
	}
	return c, nil
}

// session runs one connection: dial, subscribe, resync, then watch it until
// it dies or ctx ends.
func (d *Driver) session(ctx context.Context) error {
	s := newSession(d, 1) // subscriptions and pings only, when a pool is open
	conn, err := d.dial(ctx, s)
	if err != nil {
		return err
	}
	s.conn = conn
	d.ro.reset()
	defer func() {
		if ctx.Err() != nil {
			conn.exit(200 * time.Millisecond)
		} else {
			conn.shut("session ended")
		}
	}()

	if reply, err := s.send(ctx, renderSubscribe()); err != nil || !strings.HasPrefix(reply, "+OK") {
		return fmt.Errorf("freeswitch %s: subscribe: reply %q: %v", d.cfg.Name, reply, err)
	}
	d.mu.Lock()
	d.sess = s
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.sess = nil
		d.mu.Unlock()
	}()

	pool := d.openPool(ctx)
	d.mu.Lock()
	d.pool = pool
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		d.pool = nil
		d.mu.Unlock()
		for _, ps := range pool {
			ps.conn.shut("session ended")
		}
	}()

	// "show channels" lags behind the channels: listed now, a call parked
	// or a leg originated just before the subscription would be missed
	// (its events went by before it). Commands work meanwhile; events of
	// new calls are handled as they come.
	lag := time.NewTimer(d.cfg.ListingLag)
	select {
	case <-ctx.Done():
		lag.Stop()
		return ctx.Err()
	case <-s.dead:
		lag.Stop()
		return errors.New(s.reason())
	case <-lag.C:
	}
	if err := d.resync(ctx); err != nil {
		s.kill("resync failed")
		return err
	}
	d.connected.Store(true)
	d.beacon(ctx, s)
	d.emitSwitch(controller.EventSwitchConnected, "")
	d.log.Info("freeswitch connected", "addr", d.cfg.Addr)
	err = d.watch(ctx, s)
	d.connected.Store(false)
	d.ro.flush() // what this connection delivered goes out before the disconnect
	d.emitSwitch(controller.EventSwitchDisconnected, s.reason())
	return err
}

// watch waits for the session to die, for ctx, or for the heartbeat to stop.
// After 2.5 heartbeat intervals without any event a ping is sent: no reply
// means a dead socket. A reply only buys time (a loaded host can delay a
// HEARTBEAT): after 5 intervals of silence the connection is dropped anyway,
// since events that stopped flowing leave ipcc blind, and a reconnect
// re-subscribes and re-synchronises.
func (d *Driver) watch(ctx context.Context, s *session) error {
	soft := d.cfg.HeartbeatInterval * 5 / 2
	hard := 2 * soft
	tick := time.NewTicker(max(d.cfg.HeartbeatInterval/4, 5*time.Millisecond))
	defer tick.Stop()
	var beacon <-chan time.Time
	if d.cfg.Beacon > 0 {
		bt := time.NewTicker(d.cfg.Beacon)
		defer bt.Stop()
		beacon = bt.C
	}
	var pinged int64 // lastEvent value already confirmed by a ping
	for {
		select {
		case <-beacon:
			d.beacon(ctx, s)
		case <-ctx.Done():
			s.kill("shutting down")
			return ctx.Err()
		case <-s.dead:
			return errors.New(s.reason())
		case <-tick.C:
			last := s.lastEvent.Load()
			since := time.Since(time.Unix(0, last))
			switch {
			case since > hard:
				s.kill(fmt.Sprintf("no event or heartbeat for %s", since.Round(time.Millisecond)))
			case since > soft && last != pinged:
				if _, err := s.send(ctx, renderPing); err != nil {
					s.kill(fmt.Sprintf("no event or heartbeat for %s, and no reply to a ping", since.Round(time.Millisecond)))
					continue
				}
				pinged = last
				d.log.Warn("freeswitch heartbeat late; the switch still answers", "silent", since.Round(time.Millisecond))
			}
		}
	}
}

func (d *Driver) emitSwitch(typ controller.EventType, why string) {
	ev := controller.Event{Type: typ, Switch: d.cfg.Name, Time: time.Now(), Err: why}
	d.tr.mu.Lock()
	d.q.push([]controller.Event{ev})
	d.tr.mu.Unlock()
}

// beacon tells FreeSWITCH that a controller drives it now (Config.Beacon):
// a failure is logged, the connection's health is the heartbeat's job.
func (d *Driver) beacon(ctx context.Context, s *session) {
	if d.cfg.Beacon <= 0 {
		return
	}
	if reply, err := s.send(ctx, renderBeacon(time.Now())); err != nil || !strings.HasPrefix(reply, "+OK") {
		d.log.Warn("freeswitch: the controller beacon was not set: the fallback dialplan may take calls", "var", BeaconVariable, "reply", reply, "err", err)
	}
}
