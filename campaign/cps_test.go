package campaign

import (
	"testing"
	"time"
)

// The limiter lets through its rate within ±5 % whatever the callers'
// pace (simulated time).
func TestCPSRate(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		rate float64
		step time.Duration
	}{{50, time.Millisecond}, {10, 7 * time.Millisecond}, {200, 100 * time.Microsecond}, {1, 13 * time.Millisecond}} {
		l := NewCPS(c.rate, 0)
		t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		const span = 60 * time.Second
		n := 0
		for at := t0; at.Before(t0.Add(span)); at = at.Add(c.step) {
			if l.Allow(at) {
				n++
			}
		}
		want := c.rate * span.Seconds()
		if float64(n) < want*0.95 || float64(n) > want*1.05 {
			t.Errorf("rate %v: %d in %v, want %v ± 5 %%", c.rate, n, span, want)
		}
	}
}

func BenchmarkCPSAllow(b *testing.B) {
	l := NewCPS(1e9, 0)
	t0 := time.Now()
	for i := 0; b.Loop(); i++ {
		l.Allow(t0.Add(time.Duration(i)))
	}
}
