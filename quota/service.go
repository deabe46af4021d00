package quota

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ipcc/ipcc/clock"
	"github.com/ipcc/ipcc/store"
)

// Hit is one refusal by a limit, as alerts tell it.
type Hit struct {
	Tenant string
	Limit  Limit
	Used   int64
	Max    int64
	At     time.Time
	// Err is the refusal, whose message says it all.
	Err *ExceededError
}

// Options wire a Service.
type Options struct {
	// Store holds the quotas, the tenants' suspended flags, flows and
	// recordings (required).
	Store  *store.Store
	Clock  clock.Clock
	Logger *slog.Logger
	// Registerer receives the refusal counter
	// (ipcc_tenant_quota_refusals_total); nil registers nothing.
	Registerer prometheus.Registerer
	// Alert is told of limit hits, at most once per tenant and limit in
	// AlertEvery (default one minute); it must not block.
	Alert      func(Hit)
	AlertEvery time.Duration
	// CacheTTL bounds how stale quotas, suspension and storage figures may
	// be (default 5 s; Invalidate drops them at once).
	CacheTTL time.Duration
	// MaxTenantLabels caps the distinct tenant label values of the
	// refusal counter (default DefaultMaxTenantLabels).
	MaxTenantLabels int
}

// Service checks and counts one installation's tenants.
type Service struct {
	opt      Options
	log      *slog.Logger
	refusals *prometheus.CounterVec
	labels   *labelCap

	mu       sync.Mutex
	counters map[string]*counter
	cache    map[string]cached
	stored   map[string]cachedBytes
	alerted  map[hitKey]time.Time
	lastHit  map[hitKey]time.Time
}

type cached struct {
	lim       Limits
	suspended bool
	at        time.Time
}

// cachedBytes is a tenant's recording storage as last summed.
type cachedBytes struct {
	n  int64
	at time.Time
}

type hitKey struct {
	tenant string
	limit  Limit
}

// New returns a Service.
func New(o Options) (*Service, error) {
	if o.Store == nil {
		return nil, errors.New("quota: a store is required")
	}
	if o.Clock == nil {
		o.Clock = clock.Real()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.AlertEvery <= 0 {
		o.AlertEvery = time.Minute
	}
	if o.CacheTTL <= 0 {
		o.CacheTTL = 5 * time.Second
	}
	if o.MaxTenantLabels <= 0 {
		o.MaxTenantLabels = DefaultMaxTenantLabels
	}
	s := &Service{opt: o, log: o.Logger.With("component", "quota"), labels: newLabelCap(o.MaxTenantLabels),
		counters: map[string]*counter{}, cache: map[string]cached{}, stored: map[string]cachedBytes{}, alerted: map[hitKey]time.Time{}, lastHit: map[hitKey]time.Time{}}
	s.refusals = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "ipcc_tenant_quota_refusals_total",
		Help: "Requests refused by a tenant quota or suspension, by tenant and limit."}, []string{"tenant", "limit"})
	if o.Registerer != nil {
		if err := o.Registerer.Register(s.refusals); err != nil {
			return nil, fmt.Errorf("quota: register metrics: %w", err)
		}
	}
	return s, nil
}

// FromStore turns a stored quota into Limits.
func FromStore(q *store.TenantQuota) Limits {
	return Limits{Agents: int64(q.MaxAgents), Calls: int64(q.MaxCalls), WebCalls: int64(q.MaxWebCalls), CPS: int64(q.MaxCPS),
		Flows: int64(q.MaxFlows), RecordingBytes: q.MaxRecordingBytes}
}

// Invalidate drops what is cached of a tenant (after its quota or
// suspension changed).
func (s *Service) Invalidate(tenant string) {
	s.mu.Lock()
	delete(s.cache, tenant)
	delete(s.stored, tenant)
	s.mu.Unlock()
}

// limits returns the tenant's quota and whether it is suspended, from the
// cache when fresh enough.
func (s *Service) limits(ctx context.Context, tenant string) (Limits, bool, error) {
	now := s.opt.Clock.Now()
	s.mu.Lock()
	c, ok := s.cache[tenant]
	s.mu.Unlock()
	if ok && now.Sub(c.at) < s.opt.CacheTTL {
		return c.lim, c.suspended, nil
	}
	t, err := s.opt.Store.GetTenant(ctx, tenant)
	if err != nil {
		return Limits{}, false, fmt.Errorf("quota: tenant %s: %w", tenant, err)
	}
	q, err := s.opt.Store.GetTenantQuota(ctx, tenant)
	if err != nil {
		return Limits{}, false, fmt.Errorf("quota: tenant %s: %w", tenant, err)
	}
	c = cached{lim: FromStore(q), suspended: t.Disabled, at: now}
	s.mu.Lock()
	s.cache[tenant] = c
	s.mu.Unlock()
	return c.lim, c.suspended, nil
}

// refused counts and alerts a refusal; it returns err.
func (s *Service) refused(err error) error {
	var ex *ExceededError
	if !errors.As(err, &ex) {
		return err
	}
	s.refusals.WithLabelValues(s.labels.value(ex.Tenant), string(ex.Limit)).Inc()
	now := s.opt.Clock.Now()
	k := hitKey{ex.Tenant, ex.Limit}
	s.mu.Lock()
	s.lastHit[k] = now
	last, seen := s.alerted[k]
	alert := !seen || now.Sub(last) >= s.opt.AlertEvery
	if alert {
		s.alerted[k] = now
	}
	s.mu.Unlock()
	if alert {
		s.log.Warn("tenant quota hit", "tenant", ex.Tenant, "limit", ex.Limit, "used", ex.Used, "max", ex.Max)
		if s.opt.Alert != nil {
			s.opt.Alert(Hit{Tenant: ex.Tenant, Limit: ex.Limit, Used: ex.Used, Max: ex.Max, At: now, Err: ex})
		}
	}
	return err
}

// AdmitCall decides a new inbound call of the tenant: refused (an
// *ExceededError) when the tenant is suspended or over its calls per
// second, concurrent calls or, for a web call, concurrent web calls.
// Admitted, it is counted until release is called (once; more calls are
// harmless). A quota that cannot be read admits the call: a database
// hiccup must not turn callers away.
func (s *Service) AdmitCall(ctx context.Context, tenant string, web bool) (release func(), err error) {
	return s.admit(ctx, tenant, web, false)
}

// AdmitOutbound decides a new outbound call of the tenant to an external
// number (an agent's click-to-dial, a transfer or forward to an external
// number, a campaign's call): it counts as a PSTN call against the same
// concurrent-call and calls-per-second quotas as inbound calls, refused
// as they are (an *ExceededError; a suspended tenant places no call).
// Admitted, it is counted until release is called.
func (s *Service) AdmitOutbound(ctx context.Context, tenant string) (release func(), err error) {
	return s.admit(ctx, tenant, false, true)
}

func (s *Service) admit(ctx context.Context, tenant string, web, outbound bool) (release func(), err error) {
	lim, suspended, lerr := s.limits(ctx, tenant)
	if lerr != nil {
		s.log.Warn("quota not read: call admitted", "tenant", tenant, "outbound", outbound, "err", lerr)
	}
	if suspended {
		return nil, s.refused(&ExceededError{Tenant: tenant, Limit: Suspended})
	}
	s.mu.Lock()
	c := s.counter(tenant)
	if outbound {
		err = c.admitOutbound(tenant, lim, s.opt.Clock.Now())
	} else {
		err = c.admit(tenant, lim, web, s.opt.Clock.Now())
	}
	s.mu.Unlock()
	if err != nil {
		return nil, s.refused(err)
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			if outbound {
				c.releaseOutbound()
			} else {
				c.release(web)
			}
			s.mu.Unlock()
		})
	}, nil
}

// counter returns the tenant's counter, made on first use; s.mu is held.
func (s *Service) counter(tenant string) *counter {
	c := s.counters[tenant]
	if c == nil {
		c = &counter{arrivals: window{span: time.Second}}
		s.counters[tenant] = c
	}
	return c
}

// OutboundRoom is how many more outbound calls the tenant may start now
// under its concurrent-call and calls-per-second quotas (N 0 for a
// suspended tenant, -1 when unlimited or the quota cannot be read). It
// takes nothing: a campaign's pacer asks it to dial no more than that,
// and each call is still admitted when it is placed (AdmitOutbound).
func (s *Service) OutboundRoom(ctx context.Context, tenant string) Room {
	lim, suspended, err := s.limits(ctx, tenant)
	if err != nil {
		s.log.Warn("quota not read: outbound calls not limited", "tenant", tenant, "err", err)
		return Room{Tenant: tenant, N: -1}
	}
	if suspended {
		return Room{Tenant: tenant, N: 0, Limit: Suspended}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counter(tenant).room(tenant, lim, s.opt.Clock.Now())
}

// CheckOutbound refuses, as AdmitOutbound would, one more outbound call
// of the tenant when its quota has no room for it now, without counting
// anything (an agent's blind transfer to an external number is checked
// before the caller is let go). The refusal counts and alerts.
func (s *Service) CheckOutbound(ctx context.Context, tenant string) error {
	r := s.OutboundRoom(ctx, tenant)
	if r.N != 0 {
		return nil
	}
	return s.refused(&ExceededError{Tenant: tenant, Limit: r.Limit, Used: r.Used, Max: r.Max})
}

// CheckAgentSignIn refuses one more agent signing in when signedIn agents
// already fill the tenant's quota.
func (s *Service) CheckAgentSignIn(ctx context.Context, tenant string, signedIn int) error {
	lim, _, err := s.limits(ctx, tenant)
	if err != nil {
		return err
	}
	if err := Check(tenant, LimitAgents, lim.Agents, int64(signedIn), 1); err != nil {
		return s.refused(err)
	}
	return nil
}

// CheckNewFlow refuses a new IVR flow when the tenant's flows fill its
// quota.
func (s *Service) CheckNewFlow(ctx context.Context, tenant string) error {
	lim, _, err := s.limits(ctx, tenant)
	if err != nil || lim.Flows <= 0 {
		return err
	}
	n, err := s.opt.Store.CountFlows(ctx, tenant)
	if err != nil {
		return fmt.Errorf("quota: %w", err)
	}
	if err := Check(tenant, LimitFlows, lim.Flows, int64(n), 1); err != nil {
		return s.refused(err)
	}
	return nil
}

// CheckRecording refuses recording a new call when the tenant's
// recordings already take its storage quota.
func (s *Service) CheckRecording(ctx context.Context, tenant string) error {
	lim, _, err := s.limits(ctx, tenant)
	if err != nil || lim.RecordingBytes <= 0 {
		return err
	}
	// The sum is cached as the quota is: a busy tenant's calls do not each
	// add up its recordings.
	now := s.opt.Clock.Now()
	s.mu.Lock()
	b, ok := s.stored[tenant]
	s.mu.Unlock()
	if !ok || now.Sub(b.at) >= s.opt.CacheTTL {
		n, err := s.opt.Store.RecordingBytes(ctx, tenant)
		if err != nil {
			return fmt.Errorf("quota: %w", err)
		}
		b = cachedBytes{n: n, at: now}
		s.mu.Lock()
		s.stored[tenant] = b
		s.mu.Unlock()
	}
	used := b.n
	// Full when used reaches the quota: a call's size is not known before.
	if err := Check(tenant, LimitRecording, lim.RecordingBytes, used, 1); err != nil {
		return s.refused(err)
	}
	return nil
}

// Live is what the service counts of a tenant itself.
type Live struct {
	Calls    int64 `json:"calls"`
	WebCalls int64 `json:"web_calls"`
	// Outbound is the calls of Calls placed to external numbers
	// (click-to-dial, transfers, campaigns).
	Outbound int64 `json:"outbound_calls"`
	// CPS is the calls admitted in the last second.
	CPS int64 `json:"cps"`
	// LastHits is when each limit last refused something (since start).
	LastHits map[Limit]time.Time `json:"last_hits,omitempty"`
}

// Live returns the tenant's live figures.
func (s *Service) Live(tenant string) Live {
	now := s.opt.Clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var l Live
	if c := s.counters[tenant]; c != nil {
		l.Calls, l.WebCalls, l.Outbound, l.CPS = c.calls, c.web, c.out, c.arrivals.count(now)
	}
	for k, at := range s.lastHit {
		if k.tenant == tenant {
			if l.LastHits == nil {
				l.LastHits = map[Limit]time.Time{}
			}
			l.LastHits[k.limit] = at
		}
	}
	return l
}

// CallsInProgress returns the calls counted of every tenant that has any.
func (s *Service) CallsInProgress() map[string]Live {
	now := s.opt.Clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]Live, len(s.counters))
	for t, c := range s.counters {
		out[t] = Live{Calls: c.calls, WebCalls: c.web, Outbound: c.out, CPS: c.arrivals.count(now)}
	}
	return out
}
