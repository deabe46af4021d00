package campaign

import "math"

// plan is the pacer's view of the next few seconds, in buckets of one
// second: the answers expected from the calls ringing now, the agents
// expected free, and where a new call's answer falls. It is built once per
// decision; evaluating a number of new dials then costs one pass over the
// buckets.
type plan struct {
	// free0 is free agents minus answered callees waiting for one.
	free0 float64
	// p is the answer probability of a new call.
	p float64
	// connect is the time (buckets) an answered callee may wait.
	connect int
	// Per bucket k (the interval (k, k+1] seconds from now), cumulative:
	// ans/ansVar the answers of the ringing calls by the bucket's end
	// (mean, variance), free/freeVar the agents freed, g the share of a
	// new call's answers (given it is answered) that come by then.
	ans, ansVar, free, freeVar, g []float64
}

// deficit is, for bucket k and n new dials, the mean and variance of
// the callees answered connect seconds before the bucket's end (who must
// have an agent by then) less the agents available by then.
func (pl *plan) deficit(k, n int) (m, v float64) {
	m = -pl.free0 - pl.free[k]
	v = pl.freeVar[k]
	if j := k - pl.connect; j >= 0 {
		w := pl.p * pl.g[j]
		m += pl.ans[j] + float64(n)*w
		v += pl.ansVar[j] + float64(n)*w*(1-w)
	}
	return m, v
}

// abandons is the expected number of callees abandoned within the
// horizon if n calls are placed now: the largest expected positive part
// of the deficit over the buckets. The deficit at a bucket's end is a
// lower bound of the abandons by then (an agent serves one callee; a
// callee not served within connect seconds is gone), and the abandons
// only grow, so the largest is the estimate.
func (pl *plan) abandons(n int) float64 {
	best := 0.0
	for k := range pl.free {
		m, v := pl.deficit(k, n)
		best = math.Max(best, positivePart(m, v))
	}
	return best
}

// answers is the expected number of live answers within the horizon with
// n new dials.
func (pl *plan) answers(n int) float64 {
	last := len(pl.ans) - 1
	if last < 0 {
		return float64(n) * pl.p
	}
	return pl.ans[last] + float64(n)*pl.p*pl.g[last]
}

// positivePart is E[max(0, X)] for X normal with mean m and variance v,
// with a continuity correction for the integer counts it stands for.
func positivePart(m, v float64) float64 {
	s := math.Sqrt(v + 1.0/12)
	z := m / s
	return s*normPDF(z) + m*normCDF(z)
}

func normPDF(z float64) float64 { return math.Exp(-z*z/2) / math.Sqrt(2*math.Pi) }

// agents is the expected number of agents free (less callees waiting)
// by the horizon's end.
func (pl *plan) agents() float64 {
	if len(pl.free) == 0 {
		return pl.free0
	}
	return pl.free0 + pl.free[len(pl.free)-1]
}

// idle is the expected idle agent-seconds within the horizon with n new
// dials: per one-second bucket, the expected positive part of the agents
// available by its end (free now less waiting, plus those freed) less
// the callees answered by then, each taken as normal as in deficit.
func (pl *plan) idle(n int) float64 {
	t := 0.0
	for k := range pl.free {
		w := pl.p * pl.g[k]
		m := pl.free0 + pl.free[k] - pl.ans[k] - float64(n)*w
		v := pl.freeVar[k] + pl.ansVar[k] + float64(n)*w*(1-w)
		t += positivePart(m, v)
	}
	return t
}
