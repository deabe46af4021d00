package sim

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"sync"
	"time"
)

const disconnectText = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"

// eslServer is the FreeSWITCH-flavoured front-end (mod_event_socket).
type eslServer struct {
	m        *Model
	opts     Options
	coreUUID string
	seq      uint64 // Event-Sequence, guarded by m.mu
	// the last second's Event-Date-Local and -GMT (see dates), guarded by m.mu
	dateSec            int64
	dateLoc            *time.Location
	dateLocal, dateGMT string
	varKeys            map[string]string // see varKey, guarded by m.mu

	mu      sync.Mutex
	ln      net.Listener
	conns   map[*eslConn]struct{}
	closing chan struct{}
	wg      sync.WaitGroup
}

func newESLServer(m *Model, o Options) *eslServer {
	s := &eslServer{m: m, opts: o, coreUUID: newID(), conns: map[*eslConn]struct{}{}, closing: make(chan struct{})}
	m.addSink(s)
	return s
}

func (s *eslServer) addr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

func (s *eslServer) serve(ln net.Listener) {
	s.mu.Lock()
	s.ln = ln
	s.mu.Unlock()
	s.wg.Add(2)
	go func() {
		defer s.wg.Done()
		for {
			nc, err := ln.Accept()
			if err != nil {
				return
			}
			c := s.newConn(nc)
			if c == nil {
				nc.Close()
				return
			}
		}
	}()
	go func() {
		defer s.wg.Done()
		s.heartbeats()
	}()
}

// heartbeats sends HEARTBEAT followed by RE_SCHEDULE, like the core does.
func (s *eslServer) heartbeats() {
	t := time.NewTicker(s.opts.HeartbeatInterval)
	defer t.Stop()
	for {
		select {
		case <-s.closing:
			return
		case now := <-t.C:
			s.m.mu.Lock()
			hb := s.fire("HEARTBEAT", "", "switch_core.c", "send_heartbeat", 95, now)
			up := time.Since(s.m.started)
			hb.add("Event-Info", "System Ready")
			hb.add("Up-Time", fmtUptime(up))
			hb.add("FreeSWITCH-Version", "1.11.3-sim~64bit")
			hb.add("Uptime-msec", strconv.FormatInt(up.Milliseconds(), 10))
			hb.add("Session-Count", strconv.Itoa(len(s.m.live(FrontFreeSWITCH))))
			hb.add("Max-Sessions", "1000")
			hb.add("Session-Per-Sec", "30")
			hb.add("Session-Per-Sec-Last", "0")
			hb.add("Session-Per-Sec-Max", "0")
			hb.add("Session-Per-Sec-FiveMin", "0")
			hb.add("Session-Since-Startup", strconv.Itoa(s.m.sessions))
			hb.add("Session-Peak-Max", "0")
			hb.add("Session-Peak-FiveMin", "0")
			hb.add("Idle-CPU", "99.000000")
			s.publish(hb)
			rs := s.fire("RE_SCHEDULE", "", "switch_scheduler.c", "switch_scheduler_execute", 73, now)
			rs.add("Task-ID", "1")
			rs.add("Task-Desc", "heartbeat")
			rs.add("Task-Group", "core")
			rs.add("Task-Runtime", strconv.FormatInt(now.Add(s.opts.HeartbeatInterval).Unix(), 10))
			s.publish(rs)
			s.m.mu.Unlock()
		}
	}
}

func fmtUptime(d time.Duration) string {
	return fmt.Sprintf("0 years, 0 days, %d hours, %d minutes, %d seconds, %d milliseconds, 0 microseconds",
		int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60, d.Milliseconds()%1000)
}

// emit is the model sink: render and hand to subscribers (m.mu held).
func (s *eslServer) emit(me *mEvent) {
	for _, e := range s.render(me) {
		s.publish(e)
	}
	if me.Kind == evHangupRequest || me.Kind == evHangup {
		if me.Ch != nil && me.Ch.Front == FrontFreeSWITCH {
			s.mu.Lock()
			for c := range s.conns {
				c.channelGone(me.Ch, me.Kind == evHangup)
			}
			s.mu.Unlock()
		}
	}
}

// publish delivers one event to every connection that subscribed (m.mu held).
func (s *eslServer) publish(e *eslEvent) {
	if e.skip {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if f := c.wants(e); f != "" {
			c.push(e.frame(f))
		}
	}
}

// anyMayWant reports whether a connection could want an event named name
// (subclass for CUSTOM) before it is rendered (m.mu held).
func (s *eslServer) anyMayWant(name, subclass string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		if c.mayWant(name, subclass) {
			return true
		}
	}
	return false
}

func (s *eslServer) close() {
	s.mu.Lock()
	select {
	case <-s.closing:
		s.mu.Unlock()
		return
	default:
	}
	close(s.closing)
	if s.ln != nil {
		s.ln.Close()
	}
	conns := make([]*eslConn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.push(noticeFrame("", "The system is being shut down.\n"))
		c.finish()
	}
	s.wg.Wait()
}

func noticeFrame(extra, body string) []byte {
	return []byte(fmt.Sprintf("Content-Type: text/disconnect-notice\n%sContent-Length: %d\n\n%s", extra, len(body), body))
}

// eslConn is one inbound event-socket connection. A writer goroutine drains
// its queue, so the model never blocks on a slow client.
type eslConn struct {
	s  *eslServer
	nc net.Conn

	qmu       sync.Mutex
	cond      *sync.Cond
	queue     [][]byte
	deferring bool
	deferred  [][]byte
	closing   bool // finish after the queue drained

	// subscription state, guarded by qmu
	authed     bool
	format     string
	all        bool
	events     map[string]bool
	subclasses map[string]bool
	allCustom  bool
	filters    []hdr
	myUUID     string
	linger     time.Duration
	lingerSet  bool
	lingerSent bool
}

func (s *eslServer) newConn(nc net.Conn) *eslConn {
	c := &eslConn{s: s, nc: nc, events: map[string]bool{}, subclasses: map[string]bool{}}
	c.cond = sync.NewCond(&c.qmu)
	s.mu.Lock()
	select {
	case <-s.closing:
		s.mu.Unlock()
		return nil
	default:
	}
	s.conns[c] = struct{}{}
	s.wg.Add(2)
	s.mu.Unlock()
	c.push([]byte("Content-Type: auth/request\n\n"))
	go func() {
		defer s.wg.Done()
		c.writer()
	}()
	go func() {
		defer s.wg.Done()
		c.reader()
	}()
	return c
}

func (c *eslConn) push(b []byte) {
	c.qmu.Lock()
	if c.deferring {
		c.deferred = append(c.deferred, b)
	} else {
		c.queue = append(c.queue, b)
	}
	c.qmu.Unlock()
	c.cond.Signal()
}

// finish closes the connection once everything queued is written.
func (c *eslConn) finish() {
	c.qmu.Lock()
	c.closing = true
	c.queue = append(c.queue, c.deferred...)
	c.deferred = nil
	c.deferring = false
	c.qmu.Unlock()
	c.cond.Signal()
}

func (c *eslConn) writer() {
	defer func() {
		c.nc.Close()
		c.s.mu.Lock()
		delete(c.s.conns, c)
		c.s.mu.Unlock()
	}()
	for {
		c.qmu.Lock()
		for len(c.queue) == 0 && !c.closing {
			c.cond.Wait()
		}
		q := c.queue
		c.queue = nil
		done := c.closing
		c.qmu.Unlock()
		// One write (writev) for everything queued: at 500 originates/s a
		// write and a deadline per frame were a syscall and a timer reset
		// per event.
		if len(q) > 0 {
			c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
			bufs := net.Buffers(q)
			if _, err := bufs.WriteTo(c.nc); err != nil {
				c.abort()
				return
			}
		}
		if done {
			c.qmu.Lock()
			empty := len(c.queue) == 0
			c.qmu.Unlock()
			if empty {
				return
			}
		}
	}
}

func (c *eslConn) abort() {
	c.qmu.Lock()
	c.closing = true
	c.queue = nil
	c.qmu.Unlock()
	c.nc.Close()
}

// reply queues a command/reply; events produced while the command ran are
// released after it, as FreeSWITCH replies before it dispatches them.
func (c *eslConn) reply(frame []byte) {
	c.qmu.Lock()
	c.queue = append(c.queue, frame)
	c.queue = append(c.queue, c.deferred...)
	c.deferred = nil
	c.deferring = false
	c.qmu.Unlock()
	c.cond.Signal()
}

func cmdReply(text string, extra ...string) []byte {
	var b strings.Builder
	b.WriteString("Content-Type: command/reply\nReply-Text: " + text + "\n")
	for _, e := range extra {
		b.WriteString(e + "\n")
	}
	b.WriteString("\n")
	return []byte(b.String())
}

func apiResponse(body string) []byte {
	return []byte(fmt.Sprintf("Content-Type: api/response\nContent-Length: %d\n\n%s", len(body), body))
}

// eslCommand is one parsed client command.
type eslCommand struct {
	line    string
	headers []hdr
	body    string
}

func (k *eslCommand) header(name string) string {
	for _, h := range k.headers {
		if strings.EqualFold(h.k, name) {
			return h.v
		}
	}
	return ""
}

// readCommand reads one command: lines up to an empty line, then a body of
// Content-Length bytes if given. LF and CRLF line ends are both accepted.
func readCommand(r *bufio.Reader) (*eslCommand, error) {
	k := &eslCommand{}
	first := true
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		if len(line) > 64<<10 {
			return nil, errors.New("esl: command line too long")
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			if first {
				continue // stray blank lines between commands
			}
			break
		}
		if first {
			k.line = line
			first = false
			continue
		}
		name, val, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		k.headers = append(k.headers, hdr{strings.TrimSpace(name), strings.TrimSpace(val)})
	}
	if cl := k.header("Content-Length"); cl != "" {
		n, err := strconv.Atoi(cl)
		if err != nil || n < 0 || n > 1<<20 {
			return nil, fmt.Errorf("esl: bad content-length %q", cl)
		}
		buf := make([]byte, n)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, fmt.Errorf("esl: read body: %w", err)
		}
		k.body = string(buf)
	}
	return k, nil
}

func (c *eslConn) reader() {
	r := bufio.NewReaderSize(c.nc, 64<<10)
	_ = textproto.CanonicalMIMEHeaderKey // headers stay as sent
	for {
		k, err := readCommand(r)
		if err != nil {
			c.finish()
			return
		}
		if !c.handle(k) {
			c.finish()
			return
		}
	}
}

// handle runs one command; false ends the connection.
func (c *eslConn) handle(k *eslCommand) bool {
	verb, rest, _ := strings.Cut(k.line, " ")
	rest = strings.TrimSpace(rest)
	c.qmu.Lock()
	authed := c.authed
	c.qmu.Unlock()
	if !authed {
		if verb == "auth" {
			if rest == c.s.opts.ESLPassword {
				c.qmu.Lock()
				c.authed = true
				c.qmu.Unlock()
				c.push(cmdReply("+OK accepted"))
				return true
			}
			c.push(cmdReply("-ERR invalid"))
			c.push(noticeFrame("", disconnectText))
			return false
		}
		c.push(cmdReply("-ERR command not found"))
		return true
	}
	switch verb {
	case "api":
		if rest == "" {
			c.push(cmdReply("-ERR command not found"))
			return true
		}
		c.beginDefer()
		out := c.s.api(rest, c)
		c.reply(apiResponse(out))
	case "bgapi":
		if rest == "" {
			c.push(cmdReply("-ERR command not found"))
			return true
		}
		job := k.header("Job-UUID")
		if job == "" {
			job = newID()
		}
		c.push(cmdReply("+OK Job-UUID: "+job, "Job-UUID: "+job))
		c.s.wg.Add(1)
		go func() {
			defer c.s.wg.Done()
			c.s.bgapi(job, rest)
		}()
	case "event":
		c.push(cmdReply(c.subscribe(rest)))
	case "nixevent":
		c.push(cmdReply(c.nix(rest)))
	case "noevents":
		c.qmu.Lock()
		c.all, c.allCustom = false, false
		c.events, c.subclasses = map[string]bool{}, map[string]bool{}
		c.qmu.Unlock()
		c.push(cmdReply("+OK no longer listening for events"))
	case "filter":
		c.push(cmdReply(c.filter(rest)))
	case "myevents":
		c.push(cmdReply(c.myevents(rest)))
	case "linger", "nolinger":
		c.push(cmdReply(c.setLinger(verb, rest)))
	case "exit":
		c.push(cmdReply("+OK bye"))
		c.push(noticeFrame("", disconnectText))
		return false
	case "sendmsg":
		c.beginDefer()
		c.reply(cmdReply(c.s.sendmsg(rest, k)))
	case "sendevent":
		c.beginDefer()
		c.reply(cmdReply(c.s.sendevent(rest, k)))
	case "log":
		lvl := rest
		if lvl == "" {
			lvl = "7"
		}
		c.push(cmdReply(fmt.Sprintf("+OK log level %s [%s]", lvl, lvl)))
	case "nolog":
		c.push(cmdReply("+OK no longer logging"))
	default:
		c.push(cmdReply("-ERR command not found"))
	}
	return true
}

func (c *eslConn) beginDefer() {
	c.qmu.Lock()
	c.deferring = true
	c.qmu.Unlock()
}
