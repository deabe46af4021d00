package acd

import (
	"math"
	"time"
)

// ahtWindow is the span, in calls, of the handle-time moving average.
const ahtWindow = 50

// ewma is an exponentially weighted moving average of durations with
// α = 2/(window+1); until the first sample it reads the default.
type ewma struct {
	window int
	n      int
	mean   float64 // seconds
}

func (m *ewma) add(d time.Duration) {
	x := d.Seconds()
	if m.n == 0 {
		m.mean = x
	} else {
		w := m.window
		if w <= 0 {
			w = ahtWindow
		}
		alpha := 2 / float64(w+1)
		if m.n < w { // plain average while warming up
			alpha = 1 / float64(m.n+1)
		}
		m.mean += alpha * (x - m.mean)
	}
	m.n++
}

func (m *ewma) value(def time.Duration) time.Duration {
	if m.n == 0 {
		return def
	}
	return time.Duration(m.mean * float64(time.Second))
}

// rate estimates an arrival rate from the moving average of inter-arrival
// times.
type rate struct {
	last time.Time
	gap  ewma
}

func (r *rate) tick(now time.Time) {
	if !r.last.IsZero() {
		r.gap.add(now.Sub(r.last))
	}
	r.last = now
}

// perSecond is the estimated arrivals per second (0 before two arrivals).
func (r *rate) perSecond() float64 {
	if r.gap.n == 0 || r.gap.mean <= 0 {
		return 0
	}
	return 1 / r.gap.mean
}

// staffed is the number of members who are working the queue: logged in
// and not on not-ready (available, ringing, on a call or in wrap-up).
func (q *queue) staffed() int { return q.loggedIn - q.notReady }

// estimate is the expected wait of the caller at 1-based position pos of q:
// when every staffed agent is busy, agents free up at rate N/AHT, so the
// caller at position k waits for k departures: k·AHT/N. -1 means unknown
// (nobody staffed).
func (c *core) estimate(q *queue, pos int) time.Duration {
	n := q.staffed()
	if n <= 0 {
		return -1
	}
	if pos <= 0 {
		return 0
	}
	aht := q.aht.value(q.cfg.defaultHandle())
	return time.Duration(int64(pos) * int64(aht) / int64(n))
}

// position is e's 1-based place among q's waiting callers.
func (c *core) position(e *entry) int {
	p := 1
	for _, x := range e.q.waiting {
		if x != e && x.before(e) {
			p++
		}
	}
	for x := range e.q.detached { // restored callers not back yet keep their place
		if x != e && x.before(e) {
			p++
		}
	}
	return p
}

// ErlangC is the probability that a call waits in an M/M/N queue with N
// agents and offered load a = λ·AHT Erlangs (1 when a >= N).
func ErlangC(n int, a float64) float64 {
	if n <= 0 || a >= float64(n) {
		return 1
	}
	if a <= 0 {
		return 0
	}
	b := 1.0 // Erlang B by recursion: B(k) = a·B(k-1) / (k + a·B(k-1))
	for k := 1; k <= n; k++ {
		b = a * b / (float64(k) + a*b)
	}
	return float64(n) * b / (float64(n) - a*(1-b))
}

// ErlangASA is the average speed of answer of an M/M/N queue:
// C(N,a)·AHT/(N−a).
func ErlangASA(n int, lambda float64, aht time.Duration) time.Duration {
	a := lambda * aht.Seconds()
	if a >= float64(n) {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(ErlangC(n, a) * aht.Seconds() / (float64(n) - a) * float64(time.Second))
}

// ErlangServiceLevel is the share of calls answered within t:
// 1 − C(N,a)·exp(−(N−a)·t/AHT).
func ErlangServiceLevel(n int, lambda float64, aht, t time.Duration) float64 {
	a := lambda * aht.Seconds()
	if a >= float64(n) {
		return 0
	}
	return 1 - ErlangC(n, a)*math.Exp(-(float64(n)-a)*t.Seconds()/aht.Seconds())
}

// queueStats are a queue's counters for the current tenant-local day.
type queueStats struct {
	day              int
	Entered          int
	Answered         int
	AnsweredInSL     int
	Abandoned        int
	AbandonedAfterSL int
	Overflowed       int
	Callbacks        int
	waitSum          time.Duration
}

func (s *queueStats) roll(c *core, now time.Time) {
	if d := c.dayOf(now); d != s.day {
		*s = queueStats{day: d}
	}
}

// serviceLevel is answered within the threshold over answered plus
// abandoned after the threshold (1 when nothing counted yet).
func (s *queueStats) serviceLevel() float64 {
	den := s.Answered + s.AbandonedAfterSL
	if den == 0 {
		return 1
	}
	return float64(s.AnsweredInSL) / float64(den)
}
