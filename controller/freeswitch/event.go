package freeswitch

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// fsEvent is one ESL event as read from the wire: header keys canonicalised
// the way net/textproto (and so eslgo) stores them, values still URL-encoded
// as FreeSWITCH sent them. Values are decoded lazily by get, so the hot path
// only pays for the few headers a translation needs.
type fsEvent struct {
	h    textproto.MIMEHeader
	body []byte
	seq  uint64 // Event-Sequence, 0 when absent or unparsable
	recv time.Time
	// decoded: values are not URL-encoded (events built from JSON, e.g.
	// uuid_dump json), so get must not unescape them.
	decoded bool
}

func newFSEvent(h textproto.MIMEHeader, body []byte, recv time.Time) *fsEvent {
	e := &fsEvent{h: h, body: body, recv: recv}
	if s := h.Get("Event-Sequence"); s != "" {
		if n, err := strconv.ParseUint(s, 10, 64); err == nil {
			e.seq = n
		}
	}
	return e
}

// get returns the decoded value of header k ("" when absent).
func (e *fsEvent) get(k string) string {
	v := e.h.Get(k)
	if e.decoded || strings.IndexByte(v, '%') < 0 {
		return v
	}
	if d, err := url.PathUnescape(v); err == nil {
		return d
	}
	return v
}

func (e *fsEvent) has(k string) bool {
	_, ok := e.h[textproto.CanonicalMIMEHeaderKey(k)]
	return ok
}

func (e *fsEvent) name() string { return e.h.Get("Event-Name") }

// time is when FreeSWITCH produced the event (Event-Date-Timestamp, in
// microseconds since the epoch), or when it was read.
func (e *fsEvent) time() time.Time {
	if s := e.h.Get("Event-Date-Timestamp"); s != "" {
		if us, err := strconv.ParseInt(s, 10, 64); err == nil && us > 0 {
			return time.UnixMicro(us).UTC()
		}
	}
	return e.recv
}

// variables returns the channel variables (headers "variable_<name>") whose
// name starts with one of prefixes, decoded, keyed by the bare name.
func (e *fsEvent) variables(prefixes []string) map[string]string {
	var out map[string]string
	for k, vs := range e.h {
		if len(vs) == 0 || len(k) <= len("Variable_") || !strings.HasPrefix(k, "Variable_") {
			continue
		}
		name := k[len("Variable_"):]
		if !hasAnyPrefix(name, prefixes) {
			continue
		}
		if out == nil {
			out = make(map[string]string)
		}
		v := vs[0]
		if !e.decoded {
			if d, err := url.PathUnescape(v); err == nil {
				v = d
			}
		}
		out[name] = v
	}
	return out
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// errNoHeaders: an event body without a single header.
var errNoHeaders = errors.New("event has no headers")

// parsePlainEvent parses the body of a text/event-plain message (headers, an
// empty line, then Content-Length bytes of body when that header is set), the
// same framing eslgo reads. Used by the tests and the fuzzer; the live path
// receives headers already split by eslgo.
func parsePlainEvent(b []byte, recv time.Time) (*fsEvent, error) {
	r := bufio.NewReader(bytes.NewReader(b))
	h, err := textproto.NewReader(r).ReadMIMEHeader()
	if err != nil && !(errors.Is(err, io.EOF) && len(h) > 0) {
		return nil, fmt.Errorf("event headers: %w", err)
	}
	if len(h) == 0 {
		return nil, errNoHeaders
	}
	var body []byte
	if cl := h.Get("Content-Length"); cl != "" {
		n, err := strconv.Atoi(cl)
		if err != nil || n < 0 || n > 1<<20 {
			return nil, fmt.Errorf("event Content-Length %q: invalid", cl)
		}
		body = make([]byte, n)
		if _, err := io.ReadFull(r, body); err != nil {
			return nil, fmt.Errorf("event body: %w", err)
		}
	}
	return newFSEvent(h, body, recv), nil
}
