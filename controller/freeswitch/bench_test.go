package freeswitch

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/percipia/eslgo"

	"github.com/ipcc/ipcc/controller"
)

// benchServer is an ESL server that, once the client subscribed, writes n
// DTMF events of an ipcc-owned leg as fast as the socket takes them.
type benchServer struct {
	ln      net.Listener
	headers int
	n       atomic.Int64
	start   chan struct{} // closed by the benchmark to start the flood
}

func newBenchServer(b *testing.B, headers int) *benchServer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	s := &benchServer{ln: ln, headers: headers, start: make(chan struct{})}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	b.Cleanup(func() { ln.Close() })
	return s
}

// benchEvent renders one DTMF event of about `headers` headers, shaped like
// the reference captures (core headers, channel headers, variable_*).
func benchEvent(seq uint64, headers int) string {
	var b strings.Builder
	fixed := []string{
		"Event-Name: DTMF", "Core-UUID: f81221c0-26f9-4a45-a1e2-e967ba76006a",
		"FreeSWITCH-Hostname: vm", "FreeSWITCH-Switchname: vm", "FreeSWITCH-IPv4: 192.0.2.2",
		"FreeSWITCH-IPv6: fd00%3A%3A2", "Event-Date-Local: 2026-11-21%2023%3A51%3A19",
		"Event-Date-GMT: Sat,%2021%20Nov%202026%2023%3A51%3A19%20GMT",
		"Event-Date-Timestamp: 1795305079875447", "Event-Calling-File: switch_channel.c",
		"Event-Calling-Function: switch_channel_dequeue_dtmf", "Event-Calling-Line-Number: 725",
		"Event-Sequence: " + strconv.FormatUint(seq, 10),
		"Channel-State: CS_EXECUTE", "Channel-Call-State: ACTIVE", "Channel-Name: loopback/ringpark-b",
		"Unique-ID: " + ownedLeg, "Call-Direction: inbound", "Answer-State: answered",
		"DTMF-Digit: " + strconv.Itoa(int(seq%10)), "DTMF-Duration: 2000", "DTMF-Source: UNKNOWN",
		"variable_ipcc_owned: true",
	}
	for _, l := range fixed {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	for i := len(fixed); i < headers; i++ {
		fmt.Fprintf(&b, "variable_bench_%d: value%%20number%%20%d\n", i, i)
	}
	b.WriteByte('\n')
	return "Content-Length: " + strconv.Itoa(b.Len()) + "\nContent-Type: text/event-plain\n\n" + b.String()
}

func (s *benchServer) serve(c net.Conn) {
	defer c.Close()
	w := bufio.NewWriterSize(c, 256<<10)
	reply := func(t string) { w.WriteString("Content-Type: command/reply\nReply-Text: " + t + "\n\n"); w.Flush() }
	api := func(body string) {
		fmt.Fprintf(w, "Content-Type: api/response\nContent-Length: %d\n\n%s", len(body), body)
		w.Flush()
	}
	w.WriteString("Content-Type: auth/request\n\n")
	w.Flush()
	r := bufio.NewReader(c)
	for {
		cmd, _, err := readCommand(r)
		if err != nil {
			return
		}
		switch {
		case strings.HasPrefix(cmd, "auth "):
			reply("+OK accepted")
		case strings.HasPrefix(cmd, "event plain"):
			reply("+OK event listener enabled plain")
			go s.flood(c, w)
		case strings.HasPrefix(cmd, "api show"):
			api(`{"row_count": 0}`)
		case cmd == "exit":
			reply("+OK bye")
			return
		default:
			api("+OK\n")
		}
	}
}

// flood writes the events; only Event-Sequence and the digit change, so
// the frame is rendered once and patched (the server must not be the
// bottleneck it measures).
func (s *benchServer) flood(c net.Conn, w *bufio.Writer) {
	const mark = "Event-Sequence: 1\n"
	tmpl := benchEvent(1, s.headers)
	_, ev, _ := strings.Cut(tmpl, "\n\n")
	pre, post, _ := strings.Cut(ev, mark)
	dpre, dpost, _ := strings.Cut(post, "DTMF-Digit: 1\n")
	<-s.start
	n := s.n.Load()
	var num [24]byte
	for i := int64(1); i <= n; i++ {
		seq := strconv.AppendInt(num[:0], i, 10)
		size := len(pre) + len("Event-Sequence: \n") + len(seq) + len(dpre) + len("DTMF-Digit: 1\n") + len(dpost)
		w.WriteString("Content-Length: ")
		w.WriteString(strconv.Itoa(size))
		w.WriteString("\nContent-Type: text/event-plain\n\n")
		w.WriteString(pre)
		w.WriteString("Event-Sequence: ")
		w.Write(seq)
		w.WriteString("\n")
		w.WriteString(dpre)
		w.WriteString("DTMF-Digit: ")
		w.WriteByte(byte('0' + i%10))
		w.WriteString("\n")
		if _, err := w.WriteString(dpost); err != nil {
			return
		}
	}
	w.Flush()
}

// BenchmarkIngest measures event ingest from a local ESL server: eslgo
// v1.5.0's bare listener (frames parsed, listener goroutine called: no
// order, no translation) against the driver's whole path (read, reorder by
// Event-Sequence, translate, deliver a neutral event on Events()).
func BenchmarkIngest(b *testing.B) {
	for _, headers := range []int{40, 150} {
		b.Run(fmt.Sprintf("headers=%d/eslgo-bare", headers), func(b *testing.B) { benchEslgo(b, headers) })
		b.Run(fmt.Sprintf("headers=%d/ipcc-driver", headers), func(b *testing.B) { benchDriver(b, headers) })
	}
}

func benchEslgo(b *testing.B, headers int) {
	s := newBenchServer(b, headers)
	s.n.Store(int64(b.N))
	var got atomic.Int64
	done := make(chan struct{})
	opts := eslgo.DefaultInboundOptions
	opts.Logger = eslgo.NilLogger{}
	conn, err := opts.Dial(s.ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	conn.RegisterEventListener(eslgo.EventListenAll, func(*eslgo.Event) {
		if got.Add(1) == int64(b.N) {
			close(done)
		}
	})
	if _, err := conn.SendCommand(context.Background(), rawCommand("event plain DTMF")); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	close(s.start)
	<-done
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}

type rawCommand string

func (c rawCommand) BuildMessage() string { return string(c) }

func benchDriver(b *testing.B, headers int) {
	s := newBenchServer(b, headers)
	s.n.Store(int64(b.N))
	cfg := testConfig(s.ln.Addr().String())
	cfg.EventBuffer = 1024
	d := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	defer func() { cancel(); <-done }()
	for ev := range d.Events() {
		if ev.Type == controller.EventSwitchConnected {
			break
		}
	}
	b.ResetTimer()
	start := time.Now()
	close(s.start)
	n := 0
	for ev := range d.Events() {
		if ev.Type == controller.EventDTMF {
			if n++; n == b.N {
				break
			}
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
}

// BenchmarkParsePlainEvent: one 100-header event body parsed as the reader
// parses it (no socket).
func BenchmarkParsePlainEvent(b *testing.B) {
	frame := benchEvent(1, 100)
	_, body, _ := strings.Cut(frame, "\n\n")
	raw := []byte(body)
	b.ReportAllocs()
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		if _, err := parsePlainEvent(raw, time.Time{}); err != nil {
			b.Fatal(err)
		}
	}
}
