package freeswitch

import (
	"bufio"
	"strings"
	"testing"
)

// The framing reader keeps the three headers the driver acts on, whatever
// their case and line ends, and refuses what it cannot frame.
func TestReadMsg(t *testing.T) {
	read := func(wire string) ([]eslMsg, error) {
		r := bufio.NewReader(strings.NewReader(wire))
		var out []eslMsg
		for {
			m, err := readMsg(r)
			if err != nil {
				return out, err
			}
			out = append(out, m)
		}
	}
	t.Run("replies, events and bodies in a row, stray blank lines between", func(t *testing.T) {
		ms, _ := read("Content-Type: auth/request\n\n\n" +
			"Content-Type: command/reply\r\nReply-Text: +OK Job-UUID: j1\r\nJob-UUID: j1\r\n\r\n" +
			"content-type: api/response\ncontent-length: 6\n\n+OK x\n" +
			"Content-Length: 21\nContent-Type: text/event-plain\n\nEvent-Name: HEARTBEAT\n")
		if len(ms) != 4 {
			t.Fatalf("read %d messages: %+v", len(ms), ms)
		}
		if ms[0].contentType != "auth/request" || ms[1].reply() != "+OK Job-UUID: j1" ||
			ms[2].contentType != "api/response" || ms[2].reply() != "+OK x\n" ||
			ms[3].contentType != "text/event-plain" || string(ms[3].body) != "Event-Name: HEARTBEAT" {
			t.Fatalf("got %+v", ms)
		}
	})
	t.Run("a header block ended by the stream is a message", func(t *testing.T) {
		if ms, _ := read("Content-Type: command/reply\nReply-Text: +OK bye\n"); len(ms) != 1 || ms[0].reply() != "+OK bye" {
			t.Fatalf("got %+v", ms)
		}
	})
	for _, bad := range []string{"no colon here\n\n", "Content-Length: 12x\n\n", "Content-Length: -1\n\n",
		"Content-Length: 999999999\n\n", "Content-Length: 10\n\nshort"} {
		if ms, err := read(bad); len(ms) != 0 || err == nil || err.Error() == "EOF" {
			t.Errorf("%q: read %+v, err %v; want an error", bad, ms, err)
		}
	}
}
