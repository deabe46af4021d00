package freeswitch

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
)

// testServer is a tiny ESL server for socket tests: it greets with
// auth/request, checks the password (-ERR invalid + disconnect notice, as
// FreeSWITCH does), answers commands with the reply shapes of the reference
// transcripts, and lets tests push events. It is not a FreeSWITCH model; the
// simulator (controller/sim) is.
type testServer struct {
	t          *testing.T
	ln         net.Listener
	password   string
	noGreeting bool

	mu       sync.Mutex
	handler  func(c *serverConn, cmd string, hdrs map[string]string) bool
	channels string            // reply to "show channels as json"
	bridged  string            // reply to "show bridged_calls as json"
	dumps    map[string]string // uuid → "uuid_dump <uuid> json" reply
	conns    []*serverConn     // authenticated connections
	cmds     []string          // every command after auth, first line
	connCh   chan *serverConn
}

type serverConn struct {
	s      *testServer
	n      int // 1-based index among authenticated connections
	c      net.Conn
	wmu    sync.Mutex
	seq    *atomic.Uint64
	closed chan struct{}
	once   sync.Once
}

var testSeq atomic.Uint64 // Event-Sequence shared by all test servers

func newTestServer(t *testing.T, opts ...func(*testServer)) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{
		t: t, ln: ln, password: "ClueCon",
		channels: `{"row_count": 0}`, bridged: `{"row_count": 0}`,
		dumps: map[string]string{}, connCh: make(chan *serverConn, 16),
	}
	for _, o := range opts {
		o(s)
	}
	go s.accept()
	t.Cleanup(s.close)
	return s
}

func (s *testServer) addr() string { return s.ln.Addr().String() }

func (s *testServer) close() {
	s.ln.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.conns {
		c.close()
	}
}

func (s *testServer) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		sc := &serverConn{s: s, c: c, seq: &testSeq, closed: make(chan struct{})}
		go sc.serve()
	}
}

func (s *testServer) commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.cmds...)
}

func (s *testServer) setHandler(h func(c *serverConn, cmd string, hdrs map[string]string) bool) {
	s.mu.Lock()
	s.handler = h
	s.mu.Unlock()
}

func (s *testServer) setChannels(channels, bridged string, dumps map[string]string) {
	s.mu.Lock()
	s.channels, s.bridged, s.dumps = channels, bridged, dumps
	s.mu.Unlock()
}

// waitConn returns the next authenticated connection.
func (s *testServer) waitConn(t *testing.T) *serverConn {
	t.Helper()
	select {
	case c := <-s.connCh:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no authenticated connection")
		return nil
	}
}

func (c *serverConn) close() {
	c.once.Do(func() {
		close(c.closed)
		c.c.Close()
	})
}

func (c *serverConn) write(s string) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_, _ = c.c.Write([]byte(s))
}

func (c *serverConn) reply(text string) {
	c.write("Content-Type: command/reply\nReply-Text: " + text + "\n\n")
}

func (c *serverConn) api(body string) {
	c.write(fmt.Sprintf("Content-Type: api/response\nContent-Length: %d\n\n%s", len(body), body))
}

// event sends a text/event-plain event; lines are "Header: value" with
// values already URL-encoded. Event-Sequence is added unless given; body (if
// any) follows the event headers with its own Content-Length.
func (c *serverConn) event(body string, lines ...string) {
	c.write(eventFrame(c.seq.Add(1), body, lines...))
}

func eventFrame(seq uint64, body string, lines ...string) string {
	var b strings.Builder
	hasSeq := false
	for _, l := range lines {
		if strings.HasPrefix(l, "Event-Sequence:") {
			hasSeq = true
		}
		b.WriteString(l + "\n")
	}
	if !hasSeq {
		fmt.Fprintf(&b, "Event-Sequence: %d\n", seq)
	}
	if body != "" {
		fmt.Fprintf(&b, "Content-Length: %d\n\n%s", len(body), body)
	} else {
		b.WriteString("\n")
	}
	return fmt.Sprintf("Content-Length: %d\nContent-Type: text/event-plain\n\n%s", b.Len(), b.String())
}

func (c *serverConn) serve() {
	defer c.close()
	if c.s.noGreeting {
		<-c.closed
		return
	}
	c.write("Content-Type: auth/request\n\n")
	r := bufio.NewReader(c.c)
	authed := false
	for {
		cmd, hdrs, err := readCommand(r)
		if err != nil {
			return
		}
		if !authed {
			pw, ok := strings.CutPrefix(cmd, "auth ")
			switch {
			case !ok:
				c.reply("-ERR command not found")
			case pw != c.s.password:
				c.reply("-ERR invalid")
				body := "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"
				c.write(fmt.Sprintf("Content-Type: text/disconnect-notice\nContent-Length: %d\n\n%s", len(body), body))
				return
			default:
				authed = true
				c.reply("+OK accepted")
				c.s.mu.Lock()
				c.s.conns = append(c.s.conns, c)
				c.n = len(c.s.conns)
				c.s.mu.Unlock()
				c.s.connCh <- c
			}
			continue
		}
		c.s.mu.Lock()
		c.s.cmds = append(c.s.cmds, cmd)
		h := c.s.handler
		c.s.mu.Unlock()
		if h != nil && h(c, cmd, hdrs) {
			continue
		}
		if !c.defaultReply(cmd) {
			return
		}
	}
}

// readCommand reads one command: lines up to a blank line (CRLF or LF); the
// first is the command, the rest "Name: value" headers (sendmsg).
func readCommand(r *bufio.Reader) (string, map[string]string, error) {
	var cmd string
	hdrs := map[string]string{}
	for {
		ln, err := r.ReadString('\n')
		if err != nil {
			return "", nil, err
		}
		ln = strings.TrimRight(ln, "\r\n")
		if ln == "" {
			if cmd == "" {
				continue
			}
			return cmd, hdrs, nil
		}
		if cmd == "" {
			cmd = ln
			continue
		}
		if k, v, ok := strings.Cut(ln, ": "); ok {
			hdrs[strings.ToLower(k)] = v
		}
	}
}

// defaultReply answers like FreeSWITCH; false ends the connection.
func (c *serverConn) defaultReply(cmd string) bool {
	s := c.s
	switch {
	case strings.HasPrefix(cmd, "event plain "):
		c.reply("+OK event listener enabled plain")
	case cmd == "api show channels as json":
		s.mu.Lock()
		r := s.channels
		s.mu.Unlock()
		c.api(r)
	case cmd == "api show bridged_calls as json":
		s.mu.Lock()
		r := s.bridged
		s.mu.Unlock()
		c.api(r)
	case strings.HasPrefix(cmd, "api uuid_dump "):
		f := strings.Fields(cmd)
		s.mu.Lock()
		r, ok := s.dumps[f[2]]
		s.mu.Unlock()
		if !ok {
			r = "-ERR No such channel!\n"
		}
		c.api(r)
	case strings.HasPrefix(cmd, "bgapi "):
		job := uuid.NewString()
		c.write("Content-Type: command/reply\nReply-Text: +OK Job-UUID: " + job + "\nJob-UUID: " + job + "\n\n")
	case strings.HasPrefix(cmd, "sendmsg "):
		c.reply("+OK")
	case strings.HasPrefix(cmd, "api "):
		c.api("+OK\n")
	case cmd == "exit":
		c.reply("+OK bye")
		body := "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"
		c.write(fmt.Sprintf("Content-Type: text/disconnect-notice\nContent-Length: %d\n\n%s", len(body), body))
		return false
	default:
		c.reply("-ERR command not found")
	}
	return true
}
