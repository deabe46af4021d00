package acd

import (
	"fmt"
	"testing"
	"time"
)

func TestBenchDecisionsSmall(t *testing.T) {
	rep, err := BenchDecisions(BenchOptions{Agents: 1000, Queues: 100, Waiting: 100, Duration: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(rep)
	if rep.All.N < 2500 || rep.Offers == 0 || rep.WaitingStart != 100 {
		t.Fatalf("the run did not exercise the engine: %+v", rep)
	}
	if rep.All.P50 > time.Millisecond { // loose: shared CI machines, race detector
		t.Fatalf("p50 decision time %s", rep.All.P50)
	}
}

// Per-queue logins and logouts in the mix cost what other state changes
// cost and leave decision times as they are.
func TestBenchDecisionsWithQueueLogins(t *testing.T) {
	rep, err := BenchDecisions(BenchOptions{Agents: 1000, Queues: 100, Waiting: 100, Duration: 5 * time.Second, QueueLoginsPerSec: 100})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(rep)
	in, out := rep.ByKind["queue-login"], rep.ByKind["queue-logout"]
	if in.N == 0 || out.N < 200 || rep.Offers == 0 {
		t.Fatalf("the run made %d queue logins, %d logouts, %d offers", in.N, out.N, rep.Offers)
	}
	if rep.All.P50 > time.Millisecond || out.P50 > time.Millisecond { // loose: shared CI machines, race detector
		t.Fatalf("p50 decision time %s, queue logout %s", rep.All.P50, out.P50)
	}
}

// BenchmarkDecisions is the full-size run: 10,000 agents in 1,000 queues,
// 1,000 calls waiting, 100 calls/s and 500 state changes/s for a simulated
// minute. It reports the percentiles as metrics.
func BenchmarkDecisions(b *testing.B) {
	for i := 0; i < b.N; i++ {
		rep, err := BenchDecisions(BenchOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(rep.All.P50.Nanoseconds()), "p50-ns")
		b.ReportMetric(float64(rep.All.P99.Nanoseconds()), "p99-ns")
		b.ReportMetric(float64(rep.All.Max.Nanoseconds()), "max-ns")
		b.ReportMetric(float64(rep.BytesPerAgent), "B/agent")
		if i == 0 {
			b.Log(rep)
		}
	}
}

// BenchmarkDecisionsQueueLogins is the full-size run with 50 per-queue
// logins and logouts a second added to the mix.
func BenchmarkDecisionsQueueLogins(b *testing.B) {
	for i := 0; i < b.N; i++ {
		rep, err := BenchDecisions(BenchOptions{QueueLoginsPerSec: 50})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(rep.All.P50.Nanoseconds()), "p50-ns")
		b.ReportMetric(float64(rep.All.P99.Nanoseconds()), "p99-ns")
		if i == 0 {
			b.Log(rep)
		}
	}
}

// BenchmarkDecisionsScaling shows decision time does not grow with the
// size of the tenant: the same load on 10× smaller and larger set-ups.
func BenchmarkDecisionsScaling(b *testing.B) {
	for _, size := range []struct{ agents, queues, waiting int }{{1000, 100, 100}, {10000, 1000, 1000}, {20000, 1000, 2000}} {
		b.Run(fmt.Sprintf("agents=%d", size.agents), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				rep, err := BenchDecisions(BenchOptions{Agents: size.agents, Queues: size.queues, Waiting: size.waiting, Duration: 20 * time.Second})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(rep.All.P50.Nanoseconds()), "p50-ns")
				b.ReportMetric(float64(rep.All.P99.Nanoseconds()), "p99-ns")
			}
		})
	}
}
