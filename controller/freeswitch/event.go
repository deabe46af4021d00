package freeswitch

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// fsEvent is one ESL event as read from the wire: header names exactly as
// FreeSWITCH wrote them ("Unique-ID", "variable_ipcc_did"), values still
// URL-encoded. Values are decoded lazily by get, so the hot path only pays
// for the few headers a translation needs; headers are a slice (an event has
// 40–150 of them and a translation looks at a handful), which parses about
// twice as fast as net/textproto's canonicalising map.
type fsEvent struct {
	hdr  []hdrKV
	body []byte
	seq  uint64 // Event-Sequence, 0 when absent or unparsable
	recv time.Time
	// decoded: values are not URL-encoded (events built from JSON, e.g.
	// uuid_dump json), so get must not unescape them.
	decoded bool
}

type hdrKV struct{ k, v string }

func newFSEvent(hdr []hdrKV, body []byte, recv time.Time) *fsEvent {
	e := &fsEvent{hdr: hdr, body: body, recv: recv}
	if s := e.raw("Event-Sequence"); s != "" {
		if n, err := strconv.ParseUint(s, 10, 64); err == nil {
			e.seq = n
		}
	}
	return e
}

// raw returns the first value of header k as on the wire.
func (e *fsEvent) raw(k string) string {
	for i := range e.hdr {
		if e.hdr[i].k == k {
			return e.hdr[i].v
		}
	}
	return ""
}

// set replaces (or adds) header k; for tests and the replay harness.
func (e *fsEvent) set(k, v string) {
	for i := range e.hdr {
		if e.hdr[i].k == k {
			e.hdr[i].v = v
			return
		}
	}
	e.hdr = append(e.hdr, hdrKV{k, v})
}

// get returns the decoded value of header k ("" when absent).
func (e *fsEvent) get(k string) string {
	v := e.raw(k)
	if e.decoded || strings.IndexByte(v, '%') < 0 {
		return v
	}
	if d, err := url.PathUnescape(v); err == nil {
		return d
	}
	return v
}

func (e *fsEvent) name() string { return e.raw("Event-Name") }

// time is when FreeSWITCH produced the event (Event-Date-Timestamp, in
// microseconds since the epoch), or when it was read.
func (e *fsEvent) time() time.Time {
	if s := e.raw("Event-Date-Timestamp"); s != "" {
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
	for _, kv := range e.hdr {
		name, ok := strings.CutPrefix(kv.k, "variable_")
		if !ok || name == "" || !hasAnyPrefix(name, prefixes) {
			continue
		}
		if _, dup := out[name]; dup {
			continue
		}
		if out == nil {
			out = make(map[string]string)
		}
		v := kv.v
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

// parsePlainEvent parses the body of a text/event-plain message: "Name: value"
// lines (LF or CRLF), an empty line, then Content-Length bytes of body when
// that header is set (BACKGROUND_JOB results).
func parsePlainEvent(b []byte, recv time.Time) (*fsEvent, error) {
	return parsePlainText(string(b), recv) // one copy; every name and value points into it
}

// parsePlainEventOwned is parsePlainEvent for a buffer the caller hands
// over and never touches again (the reader's freshly allocated message
// body): names and values point into it without a copy. At 150 headers an
// event is ~5.5 KB, so the copy was a quarter of what ingest allocated.
func parsePlainEventOwned(b []byte, recv time.Time) (*fsEvent, error) {
	if len(b) == 0 {
		return nil, errNoHeaders
	}
	return parsePlainText(unsafe.String(&b[0], len(b)), recv)
}

func parsePlainText(s string, recv time.Time) (*fsEvent, error) {
	// One slice of the right size: growing from a guess copied ~2× the
	// final size for 150-header events.
	hdr := make([]hdrKV, 0, strings.Count(s, "\n")+1)
	for s != "" {
		var line string
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			line, s = s, ""
		}
		line = strings.TrimSuffix(line, "\r")
		if line == "" {
			if len(hdr) == 0 {
				continue
			}
			break
		}
		k, v, ok := strings.Cut(line, ":")
		// Byte loops, not strings.ContainsAny/TrimLeft: those build a byte
		// set on every call, which was a fifth of the parse at ~100 headers
		// an event.
		if !ok || k == "" || strings.IndexByte(k, ' ') >= 0 || strings.IndexByte(k, '\t') >= 0 {
			return nil, fmt.Errorf("event header line %q: malformed", line)
		}
		for v != "" && (v[0] == ' ' || v[0] == '\t') {
			v = v[1:]
		}
		hdr = append(hdr, hdrKV{k, v})
	}
	if len(hdr) == 0 {
		return nil, errNoHeaders
	}
	e := newFSEvent(hdr, nil, recv)
	if cl := e.raw("Content-Length"); cl != "" {
		n, err := strconv.Atoi(cl)
		if err != nil || n < 0 || n > len(s) {
			return nil, fmt.Errorf("event Content-Length %q: invalid for %d bytes of body", cl, len(s))
		}
		e.body = []byte(s[:n])
	}
	return e, nil
}
