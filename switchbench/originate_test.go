package switchbench

import (
	"context"
	"sync"
	"testing"
	"time"
)

// countingLimiter allows every other request and counts them: the bench
// must originate exactly the ones allowed.
type countingLimiter struct {
	mu             sync.Mutex
	asked, allowed int
}

func (l *countingLimiter) Allow(time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.asked++
	if l.allowed >= 30 || l.asked%2 == 0 {
		return false
	}
	l.allowed++
	return true
}

// The originate measurement runs end to end through the driver and the
// simulator at a small size (the figures come from `ipcc bench dialer
// --only originate`, not from here).
func TestRunOriginateSmall(t *testing.T) {
	var lims []*countingLimiter
	r, err := RunOriginate(context.Background(), OriginateOptions{Rate: 100, Duration: 300 * time.Millisecond,
		Limits: []float64{10}, LimitDuration: 2 * time.Second,
		NewLimiter: func(float64) Limiter { l := &countingLimiter{}; lims = append(lims, l); return l }})
	if err != nil {
		t.Fatal(err)
	}
	if r.Sent != 30 || r.Accepted != r.Sent || len(r.Errors) != 0 || r.MaxRate <= 0 || r.P99 <= 0 {
		t.Fatalf("%+v", r)
	}
	if len(r.Limits) != 1 || len(lims) != 1 || r.Limits[0].Accepted != lims[0].allowed || lims[0].allowed != 30 {
		t.Fatalf("limiter: %+v, allowed %d", r.Limits, lims[0].allowed)
	}
}
