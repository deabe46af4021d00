package acd

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"
)

// Capacity benchmarks of the agent indexes (docs/PERFORMANCE.md): logging
// in n agents (each log-in checks the device is not in use) and finding
// the agent on a call (every hold event the switch reports asks it), at
// 1,000 and 10,000 agents. Only the Engine's API is used, so the same
// file runs against an older version for the before figures.

func benchEngine(b *testing.B, offers *[]uint64) *Engine {
	b.Helper()
	sink := SinkFunc(func(ef Effect) {
		if o, ok := ef.(Offer); ok && offers != nil {
			*offers = append(*offers, o.OfferID)
		}
	})
	e, err := New(Options{Tenant: "bench", Clock: NewEventClock(time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)), Sink: sink,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = e.Close() })
	return e
}

// BenchmarkLoginAgents logs n agents in, each on its own phone; one op is
// all n log-ins (ns/login is the mean of one).
func BenchmarkLoginAgents(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{1000, 10000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				e := benchEngine(b, nil)
				b.StartTimer()
				for a := 0; a < n; a++ {
					if err := e.Login(ctx, LoginRequest{AgentID: "a" + strconv.Itoa(a), Device: strconv.Itoa(100000 + a)}); err != nil {
						b.Fatal(err)
					}
				}
				// A phone in use is still refused.
				if err := e.Login(ctx, LoginRequest{AgentID: "x", Device: "sip:100007"}); err == nil {
					b.Fatal("a second agent logged in on phone 100007")
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/login")
		})
	}
}

// BenchmarkOnCallAgent finds the agent on one of n calls, n agents all on
// a call.
func BenchmarkOnCallAgent(b *testing.B) {
	ctx := context.Background()
	for _, n := range []int{1000, 10000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			var offers []uint64
			e := benchEngine(b, &offers)
			if err := e.SetQueue(ctx, QueueConfig{ID: "q", Name: "q", Strategy: "longest-idle"}); err != nil {
				b.Fatal(err)
			}
			ms := make([]Member, n)
			for a := range ms {
				ms[a] = Member{AgentID: "a" + strconv.Itoa(a), Level: 1}
			}
			if err := e.SetMembers(ctx, "q", ms); err != nil {
				b.Fatal(err)
			}
			for a := 0; a < n; a++ {
				if err := e.Login(ctx, LoginRequest{AgentID: "a" + strconv.Itoa(a), Device: strconv.Itoa(100000 + a)}); err != nil {
					b.Fatal(err)
				}
			}
			for c := 0; c < n; c++ {
				if _, err := e.Enqueue(ctx, CallRequest{CallID: "c" + strconv.Itoa(c), QueueID: "q"}); err != nil {
					b.Fatal(err)
				}
				for len(offers) > 0 {
					id := offers[0]
					offers = offers[1:]
					if err := e.Answered(ctx, id); err != nil {
						b.Fatal(err)
					}
				}
			}
			if got, err := e.OnCallAgent(ctx, "c"+strconv.Itoa(n-1)); err != nil || got == "" {
				b.Fatalf("nobody on the last call: %q %v", got, err)
			}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if got, _ := e.OnCallAgent(ctx, "c"+strconv.Itoa(i%n)); got == "" {
					b.Fatalf("nobody on call c%d", i%n)
				}
			}
		})
	}
}
