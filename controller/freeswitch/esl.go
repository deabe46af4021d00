package freeswitch

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"
)

// eslConn is the driver's event-socket client: one TCP connection, one
// reader goroutine, replies handed to the commands in flight in the order
// they were written (FreeSWITCH's listener thread runs a connection's
// commands one after the other and replies in order), events handed to a
// callback in wire order.
//
// Why not eslgo's Conn: eslgo v1.5.0 closes a connection by deleting entries
// of its responseChannels map under a mutex that its authLoop,
// disconnectLoop and receiveLoop (EOF path) do not take, so every close —
// ours, or its own after a disconnect notice or EOF — is a data race that
// `go test -race` reports on any reconnect test. On top of that it matches no
// reply to its command, calls listeners in unordered goroutines, hangs Dial
// without auth/request, and dies silently on unknown content types. This
// client has none of those: it is ~200 lines of the same framing
// (headers, blank line, Content-Length body).
type eslConn struct {
	c       net.Conn
	r       *bufio.Reader
	onEvent func(*fsEvent)
	onClose func(why string)

	wmu sync.Mutex // held while a command is queued for its reply and written

	pmu     sync.Mutex
	pending []chan eslMsg // one per command written and not replied to, oldest first

	closeOnce sync.Once
	done      chan struct{}
}

// eslMsg is one message read from the switch: the headers the driver acts
// on and the body.
type eslMsg struct {
	contentType string
	replyText   string
	body        []byte
}

// reply is the text of a command/reply (Reply-Text) or api/response (body).
func (m eslMsg) reply() string {
	if m.replyText != "" || m.contentType == "command/reply" {
		return m.replyText
	}
	return string(m.body)
}

var errClosed = errors.New("connection closed")

// maxBody bounds a message body (a show channels reply with thousands of
// channels stays far below).
const maxBody = 64 << 20

// contentTypes are the Content-Type values the switch sends, so that
// reading one does not allocate.
var contentTypes = []string{"text/event-plain", "command/reply", "api/response", "auth/request",
	"text/disconnect-notice", "text/event-json", "text/event-xml", "log/data"}

// readMsg reads one message: "Name: value" header lines up to a blank line,
// then Content-Length bytes of body. Only Content-Type, Content-Length and
// Reply-Text are kept (names compared case-insensitively); the lines are
// read in place from r's buffer, so a message costs its body and its reply
// text and nothing else (net/textproto's header map was most of what the
// driver allocated per originate).
func readMsg(r *bufio.Reader) (eslMsg, error) {
	var (
		m       eslMsg
		n       = -1
		headers = 0
	)
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			if errors.Is(err, io.EOF) && len(line) == 0 && headers > 0 {
				break // the last header block ended with the stream
			}
			if errors.Is(err, bufio.ErrBufferFull) {
				return eslMsg{}, errors.New("header line too long")
			}
			return eslMsg{}, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			if headers == 0 {
				continue // tolerate stray blank lines between messages
			}
			break
		}
		headers++
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(k) == 0 {
			return eslMsg{}, fmt.Errorf("malformed header line %q", line)
		}
		v = bytes.TrimSpace(v)
		switch {
		case bytes.EqualFold(k, []byte("Content-Type")):
			m.contentType = ""
			for _, ct := range contentTypes {
				if string(v) == ct {
					m.contentType = ct
				}
			}
			if m.contentType == "" {
				m.contentType = string(v)
			}
		case bytes.EqualFold(k, []byte("Content-Length")):
			cl, ok := parseLength(v)
			if !ok {
				return eslMsg{}, fmt.Errorf("bad Content-Length %q", v)
			}
			n = cl
		case bytes.EqualFold(k, []byte("Reply-Text")):
			m.replyText = string(v)
		}
	}
	if n > 0 {
		if n <= 1<<20 {
			m.body = make([]byte, n)
			if _, err := io.ReadFull(r, m.body); err != nil {
				return eslMsg{}, err
			}
		} else { // grow with the data, not with what the header claims
			b, err := io.ReadAll(io.LimitReader(r, int64(n)))
			if err != nil {
				return eslMsg{}, err
			}
			if len(b) != n {
				return eslMsg{}, io.ErrUnexpectedEOF
			}
			m.body = b
		}
	}
	return m, nil
}

// parseLength parses a Content-Length: decimal digits, at most maxBody.
func parseLength(v []byte) (int, bool) {
	if len(v) == 0 || len(v) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range v {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, n <= maxBody
}

// dialESL connects, waits for auth/request and authenticates, all before
// ctx's deadline.
func dialESL(ctx context.Context, addr, password string, onEvent func(*fsEvent), onClose func(string)) (*eslConn, error) {
	var nd net.Dialer
	c, err := nd.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	e := &eslConn{c: c, r: bufio.NewReaderSize(c, 64<<10),
		onEvent: onEvent, onClose: onClose, done: make(chan struct{})}
	fail := func(err error) (*eslConn, error) {
		c.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w (%v)", ctx.Err(), err)
		}
		return nil, err
	}
	m, err := readMsg(e.r)
	if err != nil {
		return fail(fmt.Errorf("waiting for auth/request: %w", err))
	}
	if ct := m.contentType; ct != "auth/request" {
		return fail(fmt.Errorf("server greeted with %q, not auth/request", ct))
	}
	if _, err := c.Write([]byte("auth " + password + "\r\n\r\n")); err != nil {
		return fail(err)
	}
	if m, err = readMsg(e.r); err != nil {
		return fail(fmt.Errorf("waiting for the auth reply: %w", err))
	}
	if r := m.reply(); !strings.HasPrefix(r, "+OK") {
		return fail(fmt.Errorf("authentication refused: %q", r))
	}
	if !stop() {
		return fail(ctx.Err())
	}
	_ = c.SetDeadline(time.Time{})
	go e.readLoop()
	return e, nil
}

func (e *eslConn) readLoop() {
	for {
		m, err := readMsg(e.r)
		if err != nil {
			e.shut("read: " + err.Error())
			return
		}
		switch m.contentType {
		case "text/event-plain":
			// m.body was allocated for this message alone and is not used
			// again: the event may point into it.
			if ev, err := parsePlainEventOwned(m.body, time.Now()); err == nil {
				e.onEvent(ev)
			}
		case "command/reply", "api/response":
			// The oldest command in flight gets it. A command that stopped
			// waiting (its deadline passed, which kills the session) still
			// has its place, so a late reply never reaches the next one.
			e.pmu.Lock()
			var ch chan eslMsg
			if len(e.pending) > 0 {
				ch = e.pending[0]
				e.pending[0] = nil
				e.pending = e.pending[1:]
			}
			e.pmu.Unlock()
			if ch != nil {
				ch <- m // buffered: never blocks
			}
		case "text/disconnect-notice":
			e.shut("switch sent disconnect notice")
			return
		default:
			// auth/request again, log/data, text/event-json, ...: not ours
			// to die of. We never ask for them.
		}
	}
}

// send writes one command and waits for its reply until ctx ends. Several
// commands may be in flight: each reply goes to the oldest command still
// without one.
func (e *eslConn) send(ctx context.Context, cmd string) (string, error) {
	ch := make(chan eslMsg, 1)
	e.wmu.Lock()
	e.pmu.Lock()
	e.pending = append(e.pending, ch)
	e.pmu.Unlock()
	if dl, ok := ctx.Deadline(); ok {
		_ = e.c.SetWriteDeadline(dl)
	}
	_, err := e.c.Write(append(append(make([]byte, 0, len(cmd)+4), cmd...), "\r\n\r\n"...))
	_ = e.c.SetWriteDeadline(time.Time{})
	e.wmu.Unlock()
	if err != nil {
		e.shut("write: " + err.Error())
		return "", err
	}
	select {
	case m := <-ch:
		return m.reply(), nil
	case <-e.done:
		return "", errClosed
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// shut closes the socket once and reports why.
func (e *eslConn) shut(why string) {
	e.closeOnce.Do(func() {
		close(e.done)
		e.c.Close()
		if e.onClose != nil {
			e.onClose(why)
		}
	})
}

// exit says goodbye ("exit", FreeSWITCH answers +OK bye) within d, then closes.
func (e *eslConn) exit(d time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	_, _ = e.send(ctx, "exit")
	e.shut("closed by ipcc")
}
