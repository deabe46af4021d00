package switchbench

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ReplayRequest is one instruction from the bench to the replayer process
// (a JSON line on its stdin).
type ReplayRequest struct {
	// Op: "arrive" sends CHANNEL_PARK (with variable_ipcc_did) for legs
	// [From, From+Legs); "stream" sends Events events of the mix spread over
	// Legs legs, at Rate events/s (0 = as fast as the socket takes them);
	// "close" closes the current client connection. "ari-listen" starts an
	// ARI server (its URL is the result's Addr), "ari-arrive" and
	// "ari-stream" do the same as arrive and stream on its event WebSocket
	// (StasisStart, ChannelDtmfReceived).
	Op     string  `json:"op"`
	Legs   int     `json:"legs,omitempty"`
	From   int     `json:"from,omitempty"`
	Events int64   `json:"events,omitempty"`
	Rate   float64 `json:"rate,omitempty"`
	// Gaps makes Event-Sequence skip numbers as it does for a client that
	// subscribed to some events only: FreeSWITCH numbers every event it
	// fires (CHANNEL_STATE, CHANNEL_CALLSTATE, API, CODEC, ...), so the
	// driver's subscription sees gaps (shared/reference esl-subscriptions:
	// 1481, 1485, 1492, 1495, 1504, 1506, 1507, ...).
	Gaps bool `json:"gaps,omitempty"`
	// Front, PressAfterMS and HangupAfterMS are for the sim-* ops (see
	// doSim): the calls measurement's simulator in this process.
	Front         string `json:"front,omitempty"`
	PressAfterMS  int64  `json:"press_after_ms,omitempty"`
	HangupAfterMS int64  `json:"hangup_after_ms,omitempty"`
}

// seqSteps is how far Event-Sequence advances between replayed events with
// Gaps: 0.7 unsubscribed events in between on average.
var seqSteps = [...]uint64{1, 3, 1, 2, 1, 1, 4, 1, 2, 1}

func (r *replayer) nextSeq(gaps bool, i int64) uint64 {
	if !gaps {
		return r.seq.Add(1)
	}
	return r.seq.Add(seqSteps[i%int64(len(seqSteps))])
}

// ReplayResult is the replayer's answer (a JSON line on its stdout).
type ReplayResult struct {
	Op         string `json:"op"`
	Sent       int64  `json:"sent"`         // events written
	Bytes      int64  `json:"bytes"`        // bytes written
	FirstMicro int64  `json:"first_us"`     // wall clock of the first event's stamp, µs
	LastMicro  int64  `json:"last_us"`      // wall clock when the last write returned, µs
	Writes     int64  `json:"writes"`       // write calls
	MaxWrite   int64  `json:"max_write_us"` // longest single write, µs (a blocked reader shows here)
	MaxWriteAt int64  `json:"max_write_at_us"`
	// Slow lists the writes that took 2 ms or more (at most 1,000).
	Slow []SlowWrite `json:"slow,omitempty"`
	// MaxLate is the replayer's own longest oversleep when pacing, µs: how
	// late this process got the CPU back (a loaded machine shows here).
	MaxLate int64  `json:"max_late_us"`
	Err     string `json:"err,omitempty"`
	Addr    string `json:"addr,omitempty"` // first line only: the listen address
}

// SlowWrite is one write that took long: when it returned and how long.
type SlowWrite struct {
	AtMicro int64 `json:"at_us"`
	Micros  int64 `json:"us"`
}

// wrote accounts one write of n events and b bytes that took d.
func (res *ReplayResult) wrote(d time.Duration, n, b int64) {
	end := time.Now()
	res.Writes++
	res.Bytes += b
	res.Sent += n
	if us := d.Microseconds(); us > res.MaxWrite {
		res.MaxWrite, res.MaxWriteAt = us, end.UnixMicro()
	}
	if d >= 2*time.Millisecond && len(res.Slow) < 1000 {
		res.Slow = append(res.Slow, SlowWrite{AtMicro: end.UnixMicro(), Micros: d.Microseconds()})
	}
	res.LastMicro = end.UnixMicro()
}

// pace waits until event i of a stream started at start is due at rate.
// It sleeps at least paceMin (so a sender never spins: the events due
// meanwhile go out back to back) and notes how much longer than asked the
// sleep took: CPU this process did not get.
func (res *ReplayResult) pace(start time.Time, i int64, rate float64) {
	due := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
	wait := time.Until(due)
	if wait <= 0 {
		return
	}
	wait = max(wait, paceMin)
	t0 := time.Now()
	time.Sleep(wait)
	if late := (time.Since(t0) - wait).Microseconds(); late > res.MaxLate {
		res.MaxLate = late
	}
}

const paceMin = 500 * time.Microsecond

// replayer is the ESL server side: one client connection at a time.
type replayer struct {
	ln  net.Listener
	seq atomic.Uint64
	ari *ariServer // started by the "ari-listen" op
	sim *simHost   // started by the "sim-start" op

	mu   sync.Mutex
	conn *replayConn
	next chan struct{} // closed and replaced when a new connection subscribes
}

type replayConn struct {
	c          net.Conn
	wmu        sync.Mutex
	subscribed chan struct{}
	subOnce    sync.Once
	closed     chan struct{}
	closeOnce  sync.Once
}

func (rc *replayConn) close() {
	rc.closeOnce.Do(func() { close(rc.closed); rc.c.Close() })
}

func (rc *replayConn) write(b []byte) (time.Duration, error) {
	rc.wmu.Lock()
	defer rc.wmu.Unlock()
	t0 := time.Now()
	_, err := rc.c.Write(b)
	return time.Since(t0), err
}

func (rc *replayConn) reply(text string) {
	_, _ = rc.write([]byte("Content-Type: command/reply\nReply-Text: " + text + "\n\n"))
}

func (rc *replayConn) api(body string) {
	_, _ = rc.write(fmt.Appendf(nil, "Content-Type: api/response\nContent-Length: %d\n\n%s", len(body), body))
}

func newReplayer() (*replayer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &replayer{ln: ln, next: make(chan struct{})}
	go r.accept()
	return r, nil
}

func (r *replayer) accept() {
	for {
		c, err := r.ln.Accept()
		if err != nil {
			return
		}
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true)
		}
		rc := &replayConn{c: c, subscribed: make(chan struct{}), closed: make(chan struct{})}
		r.mu.Lock()
		old := r.conn
		r.conn = rc
		r.mu.Unlock()
		if old != nil {
			old.close()
		}
		go r.serve(rc)
	}
}

// serve answers the client's commands: auth, event plain, the api commands
// the driver sends at connect (show channels as json) and anything else with
// +OK, as FreeSWITCH would for a healthy channel.
func (r *replayer) serve(rc *replayConn) {
	defer rc.close()
	_, _ = rc.write([]byte("Content-Type: auth/request\n\n"))
	br := bufio.NewReader(rc.c)
	for {
		cmd, err := readESLCommand(br)
		if err != nil {
			return
		}
		switch {
		case strings.HasPrefix(cmd, "auth "):
			rc.reply("+OK accepted")
		case strings.HasPrefix(cmd, "event plain"):
			rc.reply("+OK event listener enabled plain")
			rc.subOnce.Do(func() {
				close(rc.subscribed)
				r.mu.Lock()
				close(r.next)
				r.next = make(chan struct{})
				r.mu.Unlock()
			})
		case strings.HasPrefix(cmd, "api show "):
			rc.api(`{"row_count": 0}`)
		case strings.HasPrefix(cmd, "api uuid_exists"):
			rc.api("true")
		case strings.HasPrefix(cmd, "api "):
			rc.api("+OK\n")
		case strings.HasPrefix(cmd, "bgapi "):
			rc.reply("+OK Job-UUID: 00000000-0000-4000-8000-000000000000")
		case cmd == "exit":
			rc.reply("+OK bye")
			return
		default: // sendmsg, noevents, filter, nixevent, ...
			rc.reply("+OK")
		}
	}
}

// readESLCommand reads one client command: lines up to a blank line; the
// first line is the command (sendmsg's headers follow it).
func readESLCommand(br *bufio.Reader) (string, error) {
	first := ""
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return "", err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			if first == "" {
				continue
			}
			return first, nil
		}
		if first == "" {
			first = line
		}
	}
}

// subscribedConn waits for a connection that sent "event plain".
func (r *replayer) subscribedConn(ctx context.Context) (*replayConn, error) {
	for {
		r.mu.Lock()
		rc, next := r.conn, r.next
		r.mu.Unlock()
		if rc != nil {
			select {
			case <-rc.subscribed:
				select {
				case <-rc.closed:
				default:
					return rc, nil
				}
			default:
			}
		}
		select {
		case <-next:
		case <-ctx.Done():
			return nil, errors.New("no subscribed client connection")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func (r *replayer) do(ctx context.Context, req ReplayRequest) ReplayResult {
	res := ReplayResult{Op: req.Op}
	if strings.HasPrefix(req.Op, "sim-") {
		if err := r.doSim(req, &res); err != nil {
			res.Err = err.Error()
		}
		return res
	}
	if strings.HasPrefix(req.Op, "ari-") {
		if err := r.doARI(ctx, req, &res); err != nil {
			res.Err = err.Error()
		}
		return res
	}
	if req.Op == "close" {
		r.mu.Lock()
		rc := r.conn
		r.conn = nil
		r.mu.Unlock()
		if rc != nil {
			rc.close()
		}
		return res
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	rc, err := r.subscribedConn(wctx)
	cancel()
	if err != nil {
		res.Err = err.Error()
		return res
	}
	switch req.Op {
	case "arrive":
		err = r.arrive(rc, req, &res)
	case "stream":
		err = r.stream(ctx, rc, req, &res)
	default:
		err = fmt.Errorf("unknown op %q", req.Op)
	}
	if err != nil {
		res.Err = err.Error()
	}
	return res
}

// flushSize is how much the replayer batches into one write: about 12
// average events, so a stamp is at most a few µs older than its write.
const flushSize = 32 << 10

func (r *replayer) writeBatch(rc *replayConn, buf []byte, n int64, res *ReplayResult) error {
	if len(buf) == 0 {
		return nil
	}
	d, err := rc.write(buf)
	res.wrote(d, n, int64(len(buf)))
	return err
}

func (r *replayer) arrive(rc *replayConn, req ReplayRequest, res *ReplayResult) error {
	t := templates[tplPark]
	buf := make([]byte, 0, flushSize+8<<10)
	var n int64
	for i := req.From; i < req.From+req.Legs; i++ {
		now := time.Now().UnixMicro()
		if res.FirstMicro == 0 {
			res.FirstMicro = now
		}
		buf = t.appendEvent(buf, legID(i), r.nextSeq(req.Gaps, int64(i)), now, 0)
		n++
		if len(buf) >= flushSize {
			if err := r.writeBatch(rc, buf, n, res); err != nil {
				return err
			}
			buf, n = buf[:0], 0
		}
	}
	return r.writeBatch(rc, buf, n, res)
}

// stream sends req.Events events of the mix. With a rate, events are sent
// in small batches when due (every ~0.5 ms), each stamped just before its
// write; without one, as fast as the socket takes them.
func (r *replayer) stream(ctx context.Context, rc *replayConn, req ReplayRequest, res *ReplayResult) error {
	legs := max(req.Legs, 1)
	buf := make([]byte, 0, flushSize+8<<10)
	start := time.Now()
	var i int64
	for i < req.Events {
		limit := req.Events
		if req.Rate > 0 {
			due := int64(time.Since(start).Seconds()*req.Rate) + 1
			limit = min(limit, due)
			if i >= limit {
				res.pace(start, i+1, req.Rate)
				continue
			}
		}
		var n int64
		for i < limit && len(buf) < flushSize {
			t, leg := mixEvent(i, legs)
			now := time.Now().UnixMicro()
			if res.FirstMicro == 0 {
				res.FirstMicro = now
			}
			buf = t.appendEvent(buf, legID(req.From+leg), r.nextSeq(req.Gaps, i), now, byte('0'+i%10))
			i++
			n++
		}
		if err := r.writeBatch(rc, buf, n, res); err != nil {
			return err
		}
		buf = buf[:0]
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	return nil
}

func (r *replayer) doARI(ctx context.Context, req ReplayRequest, res *ReplayResult) error {
	if req.Op == "ari-listen" {
		if r.ari == nil {
			a, err := newARIServer()
			if err != nil {
				return err
			}
			r.ari = a
		}
		res.Addr = r.ari.url()
		return nil
	}
	if r.ari == nil {
		return errors.New("no ARI server: send ari-listen first")
	}
	if !waitFor(ctx, r.ari.ready, 30*time.Second) {
		return errors.New("no ARI event socket")
	}
	switch req.Op {
	case "ari-arrive":
		return r.ari.send(ctx, int64(req.Legs), 0, res, func(i int64) string {
			return ariStasisStart(legID(req.From+int(i)), time.Now())
		})
	case "ari-stream":
		legs := int64(max(req.Legs, 1))
		return r.ari.send(ctx, req.Events, req.Rate, res, func(i int64) string {
			return ariDTMF(legID(req.From+int(i%legs)), byte('0'+i%10), time.Now())
		})
	}
	return fmt.Errorf("unknown op %q", req.Op)
}

// ReplayMain is the replayer process (`ipcc bench esl-replay`): it listens
// on 127.0.0.1, prints {"addr": ...} on out, then executes one ReplayRequest
// per line of in, answering each with a ReplayResult line, until in closes.
func ReplayMain(ctx context.Context, in io.Reader, out io.Writer) error {
	r, err := newReplayer()
	if err != nil {
		return err
	}
	defer func() {
		r.ln.Close()
		if r.ari != nil {
			r.ari.close()
		}
		if r.sim != nil {
			r.sim.s.Close()
		}
	}()
	enc := json.NewEncoder(out)
	if err := enc.Encode(ReplayResult{Op: "listen", Addr: r.ln.Addr().String()}); err != nil {
		return err
	}
	dec := json.NewDecoder(in)
	for {
		var req ReplayRequest
		if err := dec.Decode(&req); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("esl-replay: request: %w", err)
		}
		if err := enc.Encode(r.do(ctx, req)); err != nil {
			return err
		}
	}
}
