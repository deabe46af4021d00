package outroute

import (
	"sync"
	"time"
)

// CPS is a token bucket limiting call attempts per second (a trunk's, a
// tenant's, a campaign's): Rate tokens a second, at most Burst (default:
// one second's worth, at least 1) saved up.
type CPS struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

// NewCPS makes a limiter of rate calls per second.
func NewCPS(rate float64, burst int) *CPS {
	b := float64(burst)
	if b <= 0 {
		b = max(1, rate)
	}
	return &CPS{rate: rate, burst: b, tokens: b}
}

// Allow takes a token at now when one is left.
func (l *CPS) Allow(now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.last.IsZero() && now.After(l.last) {
		l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
	}
	if l.last.IsZero() || now.After(l.last) {
		l.last = now
	}
	if l.tokens < 1 {
		return false
	}
	l.tokens--
	return true
}

// Rate is the limiter's rate.
func (l *CPS) Rate() float64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rate
}

// SetRate changes the rate live.
func (l *CPS) SetRate(rate float64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rate = rate
	l.burst = max(1, rate)
	l.tokens = min(l.tokens, l.burst)
}
