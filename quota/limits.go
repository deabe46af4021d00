// Package quota keeps tenants of a shared installation within what they
// may use (seed 004 §3.1.2): agents signed in, calls in progress (PSTN and
// web), new calls per second, IVR flows and recording storage. It counts
// the live figures (calls, arrivals) itself, checks the rest against
// figures its callers give, refuses what is over a limit or of a suspended
// tenant, raises an alert for each hit and counts them in metrics.
// docs/tenants.md describes the rules.
package quota

import (
	"errors"
	"fmt"
	"time"
)

// Limit names one kind of quota.
type Limit string

// The limits; Suspended is the refusal of a suspended tenant.
const (
	LimitAgents    Limit = "agents"
	LimitCalls     Limit = "calls"
	LimitWebCalls  Limit = "web_calls"
	LimitCPS       Limit = "cps"
	LimitFlows     Limit = "flows"
	LimitRecording Limit = "recording_bytes"
	Suspended      Limit = "suspended"
)

// Limits are a tenant's quotas; 0 is unlimited.
type Limits struct {
	Agents         int64
	Calls          int64
	WebCalls       int64
	CPS            int64
	Flows          int64
	RecordingBytes int64
}

// ErrExceeded matches every *ExceededError (errors.Is).
var ErrExceeded = errors.New("tenant quota exceeded")

// ExceededError says which limit refused what: Used is what the tenant
// has (before the refused request), Max its quota (0 for Suspended).
type ExceededError struct {
	Tenant string
	Limit  Limit
	Used   int64
	Max    int64
}

func (e *ExceededError) Error() string {
	switch e.Limit {
	case Suspended:
		return fmt.Sprintf("tenant %s is suspended", e.Tenant)
	case LimitAgents:
		return fmt.Sprintf("tenant %s has %d of its %d agents signed in: the quota is reached", e.Tenant, e.Used, e.Max)
	case LimitCalls:
		return fmt.Sprintf("tenant %s has %d of its %d concurrent calls in progress: the quota is reached", e.Tenant, e.Used, e.Max)
	case LimitWebCalls:
		return fmt.Sprintf("tenant %s has %d of its %d concurrent web calls in progress: the quota is reached", e.Tenant, e.Used, e.Max)
	case LimitCPS:
		return fmt.Sprintf("tenant %s received %d calls in the last second, its quota is %d calls per second", e.Tenant, e.Used, e.Max)
	case LimitFlows:
		return fmt.Sprintf("tenant %s has %d of its %d IVR flows: delete one or ask for a larger quota", e.Tenant, e.Used, e.Max)
	case LimitRecording:
		return fmt.Sprintf("tenant %s's recordings take %d bytes of its %d-byte quota: new calls are not recorded", e.Tenant, e.Used, e.Max)
	}
	return fmt.Sprintf("tenant %s: quota %s exceeded (%d of %d)", e.Tenant, e.Limit, e.Used, e.Max)
}

// Is makes errors.Is(err, ErrExceeded) true.
func (e *ExceededError) Is(target error) bool { return target == ErrExceeded }

// Check tells whether adding more to used stays within max (0:
// unlimited); over it, an *ExceededError for the tenant and limit.
func Check(tenant string, l Limit, max, used, adding int64) error {
	if max <= 0 || used+adding <= max {
		return nil
	}
	return &ExceededError{Tenant: tenant, Limit: l, Used: used, Max: max}
}

// window counts events of the last Span (calls per second), oldest first.
type window struct {
	span  time.Duration
	times []time.Time
}

// count drops what is older than span at now and says how many remain.
func (w *window) count(now time.Time) int64 {
	cut := 0
	for cut < len(w.times) && now.Sub(w.times[cut]) >= w.span {
		cut++
	}
	if cut > 0 {
		w.times = append(w.times[:0], w.times[cut:]...)
	}
	return int64(len(w.times))
}

func (w *window) add(now time.Time) { w.times = append(w.times, now) }

// counter is one tenant's live figures: calls in progress (web calls and
// outbound calls among them) and the arrivals of the last second.
type counter struct {
	calls, web, out int64
	arrivals        window
}

// admit decides one new call of a tenant at now against lim and, when
// admitted, counts it (calls, web calls, arrivals). A refused call counts
// in nothing. Order: calls per second, then concurrent calls, then web
// calls.
func (c *counter) admit(tenant string, lim Limits, web bool, now time.Time) error {
	if err := Check(tenant, LimitCPS, lim.CPS, c.arrivals.count(now), 1); err != nil {
		return err
	}
	if err := Check(tenant, LimitCalls, lim.Calls, c.calls, 1); err != nil {
		return err
	}
	if web {
		if err := Check(tenant, LimitWebCalls, lim.WebCalls, c.web, 1); err != nil {
			return err
		}
		c.web++
	}
	c.calls++
	c.arrivals.add(now)
	return nil
}

func (c *counter) release(web bool) {
	c.calls--
	if web {
		c.web--
	}
}

// admitOutbound decides one new outbound call to an external number
// (click-to-dial, a transfer or forward to an external number, a
// campaign's call): a PSTN call under the same concurrent-call and
// calls-per-second limits as inbound calls.
func (c *counter) admitOutbound(tenant string, lim Limits, now time.Time) error {
	if err := c.admit(tenant, lim, false, now); err != nil {
		return err
	}
	c.out++
	return nil
}

func (c *counter) releaseOutbound() {
	c.release(false)
	c.out--
}

// room is how many more PSTN calls the counter admits at now under lim
// (N -1: unlimited), and the limit that binds.
func (c *counter) room(tenant string, lim Limits, now time.Time) Room {
	r := Room{Tenant: tenant, N: -1}
	if lim.Calls > 0 {
		r = Room{Tenant: tenant, N: max(0, lim.Calls-c.calls), Limit: LimitCalls, Used: c.calls, Max: lim.Calls}
	}
	if lim.CPS > 0 {
		used := c.arrivals.count(now)
		if n := max(0, lim.CPS-used); r.N < 0 || n < r.N {
			r = Room{Tenant: tenant, N: n, Limit: LimitCPS, Used: used, Max: lim.CPS}
		}
	}
	return r
}

// Room is how many more outbound calls a tenant may start now, under its
// concurrent-call and calls-per-second quotas (Service.OutboundRoom).
type Room struct {
	Tenant string
	// N is the number of calls; -1 when no limit applies.
	N int64
	// Limit is the limit that binds N (calls, cps or suspended; "" when
	// unlimited), Used what the tenant has of it and Max its quota.
	Limit Limit
	Used  int64
	Max   int64
}

// Unlimited tells whether no quota limits the tenant's calls.
func (r Room) Unlimited() bool { return r.N < 0 }

// String says what binds, for a campaign's explained decisions.
func (r Room) String() string {
	switch r.Limit {
	case Suspended:
		return fmt.Sprintf("tenant %s is suspended", r.Tenant)
	case LimitCalls:
		return fmt.Sprintf("tenant %s has %d of its %d concurrent calls (quota max_calls) in progress", r.Tenant, r.Used, r.Max)
	case LimitCPS:
		return fmt.Sprintf("tenant %s started %d calls in the last second, its quota is %d calls per second (max_cps)", r.Tenant, r.Used, r.Max)
	}
	return fmt.Sprintf("tenant %s has no call quota", r.Tenant)
}

// IsExceeded tells whether err is a quota refusal (or a suspension).
func IsExceeded(err error) bool { return errors.Is(err, ErrExceeded) }

// TenantSuspended tells a suspended tenant's refusal from a quota's
// (inbound plays the suspended prompt).
func (e *ExceededError) TenantSuspended() bool { return e.Limit == Suspended }
