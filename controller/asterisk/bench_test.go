package asterisk

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller"
)

// startBench runs a driver against a fake ARI and returns it connected.
func startBench(b *testing.B) (*fakeARI, *Driver, func()) {
	b.Helper()
	f := newFakeARI(b)
	d, err := New(Config{Name: "pbx1", URL: f.srv.URL, User: fakeUser, Password: fakePass}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = d.Run(ctx); close(done) }()
	if ev := <-d.Events(); ev.Type != controller.EventSwitchConnected {
		b.Fatalf("first event %v", ev.Type)
	}
	return f, d, func() { cancel(); <-done }
}

// BenchmarkIngestDTMF measures the whole event path over a local WebSocket:
// frame written by the server, read, queued, decoded, translated, queued and
// delivered on Events().
func BenchmarkIngestDTMF(b *testing.B) {
	f, d, stop := startBench(b)
	defer stop()
	f.send(event("StasisStart", map[string]any{"channel": channelJSON("in-1", "Up", "1", "ipcc,2"), "args": []string{"2"}}))
	<-d.Events() // call_arrived
	<-d.Events() // answered
	frame := event("ChannelDtmfReceived", map[string]any{"channel": channelJSON("in-1", "Up", "15551230001", "ipcc,2"), "digit": "5", "duration_ms": 120})
	b.SetBytes(int64(len(frame)))
	b.ResetTimer()
	start := time.Now()
	go func() {
		for i := 0; i < b.N; i++ {
			f.send(frame)
		}
	}()
	for i := 0; i < b.N; i++ {
		if ev := <-d.Events(); ev.Type != controller.EventDTMF {
			b.Fatalf("got %v", ev.Type)
		}
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
	b.ReportMetric(float64(d.Stats().MaxQueueDepth), "max-queue")
}

// BenchmarkIngestTranscript replays the ws_event frames of the reference
// session (Varset, Dial, DeviceState noise included) and measures frames/s
// until all are translated.
func BenchmarkIngestTranscript(b *testing.B) {
	frames := transcriptFrames(b, "ari-transcript.jsonl", 0, 1<<30)
	f, d, stop := startBench(b)
	defer stop()
	go func() {
		for range d.Events() {
		}
	}()
	b.ResetTimer()
	start := time.Now()
	base := d.processed.Load()
	for i := 0; i < b.N; i++ {
		f.send(frames[i%len(frames)])
	}
	for d.processed.Load()-base < uint64(b.N) {
		time.Sleep(100 * time.Microsecond)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "frames/s")
}
