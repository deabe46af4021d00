package switchbench

import (
	"context"
	"testing"
	"time"
)

// The Go benchmarks wrap the bench's own code at small sizes; the figures
// of record come from `ipcc bench switch` (docs/PERFORMANCE.md).

func benchCtx(b *testing.B) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	b.Cleanup(cancel)
	return ctx
}

// BenchmarkIngest: b.N ESL events (at least 2,000) through eslgo and through
// the driver's whole path, from the replayer process.
func BenchmarkIngest(b *testing.B) {
	n := int64(max(b.N, 2000))
	sec, res := RunIngest(benchCtx(b), IngestOptions{Events: n, Legs: 100, LatencyEvents: 10_000, LatencyRate: 20_000,
		SkipEslgo: raceEnabled, SkipNoGap: true, Spawn: testSpawner})
	if sec.Err != "" {
		b.Fatal(sec.Err)
	}
	if res.Lost != 0 {
		b.Fatalf("%d events lost", res.Lost)
	}
	b.ReportMetric(res.DriverRate, "driver-events/s")
	b.ReportMetric(res.EslgoRate, "eslgo-events/s")
	b.ReportMetric(float64(res.P99.Microseconds()), "p99-µs")
	b.ReportMetric(0, "ns/op")
}

func benchCalls(b *testing.B, kind string) {
	ctx := benchCtx(b)
	var p99 time.Duration
	for b.Loop() {
		sec, res := RunCalls(ctx, kind, CallsOptions{Calls: 100, Rate: 100, Hold: time.Second, Tick: 500 * time.Millisecond})
		if sec.Err != "" {
			b.Fatal(sec.Err)
		}
		p99 = max(p99, res.P99)
	}
	b.ReportMetric(float64(p99.Microseconds()), "p99-rtt-µs")
}

// BenchmarkCalls: 100 calls at 100/s through the controller and a driver.
func BenchmarkCalls(b *testing.B) {
	b.Run("freeswitch", func(b *testing.B) { benchCalls(b, "freeswitch") })
	b.Run("asterisk", func(b *testing.B) { benchCalls(b, "asterisk") })
}

func benchStall(b *testing.B, kind string) {
	ctx := benchCtx(b)
	var worst time.Duration
	for b.Loop() {
		sec, res := RunStall(ctx, kind, StallOptions{Stall: 500 * time.Millisecond, Rate: 5000,
			Before: 200 * time.Millisecond, After: 300 * time.Millisecond, Legs: 20, Spawn: testSpawner})
		if sec.Err != "" {
			b.Fatal(sec.Err)
		}
		worst = max(worst, res.MaxWrite)
	}
	b.ReportMetric(float64(worst.Microseconds()), "max-write-µs")
}

// BenchmarkStall: a 0.5 s consumer stall under 5,000 events/s.
func BenchmarkStall(b *testing.B) {
	b.Run("freeswitch", func(b *testing.B) { benchStall(b, "freeswitch") })
	b.Run("asterisk", func(b *testing.B) { benchStall(b, "asterisk") })
}
