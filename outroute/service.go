package outroute

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/schedule"
)

// Config is everything about one tenant outbound calls need; the store
// builds it (store.Store.OutboundConfig via a Source).
type Config struct {
	Settings  Settings
	Trunks    map[string]Trunk
	Routes    []Route
	Pools     map[string]*Pool
	Schedules map[string]*schedule.Schedule
	// Home is the tenant's calling code (routing settings country_code,
	// default 86); AreaCodes its area table (mobile segments).
	Home      string
	AreaCodes map[string]string
	// OutboundCallerID is the tenant's single outbound number (routing
	// settings outbound_caller_id).
	OutboundCallerID string
}

// Source reads a tenant's outbound configuration.
type Source interface {
	OutboundConfig(ctx context.Context, tenant string) (*Config, error)
}

// Refused is told about every refused call (for the audit log).
type Refused func(ctx context.Context, tenant string, req PlanRequest, r *Refusal)

// Service routes outbound calls and keeps the live counts the caps need:
// calls in progress and call rates per tenant and per trunk. The counts
// are this controller's (the one placing the calls).
type Service struct {
	src     Source
	now     func() time.Time
	log     *slog.Logger
	refused Refused
	picker  *Picker

	mu        sync.Mutex
	tenants   map[string]*use // by tenant
	trunks    map[string]*use // by tenant/trunk
	gateways  *GatewayRules
	admission Admission
}

// Admission is the tenants' quotas on calls (quota.Service): every
// planned call to an external number takes a place under its tenant's
// concurrent-call and calls-per-second quotas until it is released, or is
// refused.
type Admission interface {
	AdmitOutbound(ctx context.Context, tenant string) (release func(), err error)
	// CheckOutbound refuses as AdmitOutbound would, taking nothing.
	CheckOutbound(ctx context.Context, tenant string) error
}

// SetAdmission makes planned calls count against the tenants' quotas
// (nil: they do not).
func (s *Service) SetAdmission(a Admission) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.admission = a
}

func (s *Service) admissionOf() Admission {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.admission
}

// CheckAdmission tells whether the tenant's quota has room for one more
// outbound call now, taking nothing: nil, or a *Refusal (tenant_quota)
// wrapping the quota's refusal.
func (s *Service) CheckAdmission(ctx context.Context, tenant string) error {
	a := s.admissionOf()
	if a == nil {
		return nil
	}
	if err := a.CheckOutbound(ctx, tenant); err != nil {
		return &Refusal{Rule: RuleTenantQuota, Detail: err.Error(), Err: err}
	}
	return nil
}

type use struct {
	active int
	cps    *CPS
}

// NewService makes a Service; now defaults to the wall clock.
func NewService(src Source, now func() time.Time, log *slog.Logger, refused Refused) *Service {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Service{src: src, now: now, log: log.With("component", "outroute"), refused: refused, picker: NewPicker(),
		tenants: map[string]*use{}, trunks: map[string]*use{}}
}

// PlanRequest is an outbound call to plan.
type PlanRequest struct {
	// Number is the callee as given (E.164, national, 00...).
	Number   string
	Source   string
	Campaign string
	Agent    string
	Queues   []string
	// CallerID is a fixed caller number (a campaign's caller_id): it wins.
	CallerID string
	// CallerIDPool is the campaign's pool: before the route's.
	CallerIDPool string
	// FallbackCallerID (a queue's outbound caller ID for a call-back to
	// one of its callers) comes before the tenant's pool and number.
	FallbackCallerID string
	// DefaultTrunk is the gateway used when the tenant has no routes (the
	// campaign's trunk, else media.default_trunk).
	DefaultTrunk string
}

// Call is a planned outbound call: where it goes, what it shows. Release
// it when the call is over.
type Call struct {
	Tenant   string
	Number   Number
	Dial     string // the number as the route rewrites it
	CallerID string // "" = the trunk's own
	// CallerIDHow says where CallerID came from.
	CallerIDHow string
	Route       *Route // nil: the tenant has no routes (the default trunk)
	Trunks      []Trunk
	// Notes tell what routing did (route chosen, trunks skipped or failed
	// over, caller ID), for the call's trace.
	Notes []string
	// Trunk is the trunk the call went out through (after Each).
	Trunk Trunk

	svc      *Service
	once     sync.Once
	trunkKey string
	// quota gives back the call's place under the tenant's quota.
	quota func()
}

func (c *Call) note(format string, a ...any) { c.Notes = append(c.Notes, fmt.Sprintf(format, a...)) }

// Plan routes a call: the number is read and checked by the toll-fraud
// guard, a route chosen, the caller ID picked, the tenant's caps taken and
// the call admitted under the tenant's quota (SetAdmission). A refused
// call returns *Refusal.
func (s *Service) Plan(ctx context.Context, tenant string, req PlanRequest) (*Call, error) {
	cfg, err := s.src.OutboundConfig(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("outbound routing of tenant %s: %w", tenant, err)
	}
	c, ref := s.plan(tenant, cfg, req)
	if ref == nil {
		if a := s.admissionOf(); a != nil {
			release, err := a.AdmitOutbound(ctx, tenant)
			if err != nil {
				// The tenant's cap taken by plan goes back.
				s.give("", true, tenant)
				c, ref = nil, &Refusal{Rule: RuleTenantQuota, Detail: err.Error(), Err: err}
			} else {
				c.quota = release
			}
		}
	}
	if ref != nil {
		s.log.Warn("outbound call refused", "tenant", tenant, "rule", ref.Rule, "detail", ref.Detail, "source", req.Source, "campaign", req.Campaign, "agent", req.Agent)
		if s.refused != nil {
			s.refused(ctx, tenant, req, ref)
		}
		return nil, ref
	}
	return c, nil
}

// Check tells whether the number may be called and has a route, without
// taking any cap (campaigns check leads with it before dialling).
func (s *Service) Check(ctx context.Context, tenant string, req PlanRequest) error {
	cfg, err := s.src.OutboundConfig(ctx, tenant)
	if err != nil {
		return fmt.Errorf("outbound routing of tenant %s: %w", tenant, err)
	}
	_, ref := s.route(tenant, cfg, req)
	if ref != nil {
		return ref
	}
	return nil
}

func (s *Service) route(tenant string, cfg *Config, req PlanRequest) (*Call, *Refusal) {
	n, err := Classify(req.Number, cfg.Home)
	if err != nil {
		return nil, &Refusal{Rule: RuleNumber, Detail: err.Error()}
	}
	if ref := CheckDestination(&cfg.Settings, n); ref != nil {
		return nil, ref
	}
	c := &Call{Number: n, svc: s}
	if len(cfg.Routes) == 0 {
		if req.DefaultTrunk == "" {
			return nil, &Refusal{Rule: RuleNoTrunk, Detail: "the tenant has no outbound routes and no default trunk is configured (media.default_trunk)"}
		}
		if gp := s.gatewayPolicy(); !gp.Allowed(tenant, req.DefaultTrunk) {
			return nil, &Refusal{Rule: RuleGateway, Detail: "the tenant has no outbound routes and its default trunk's " + gp.refusal(tenant, req.DefaultTrunk)}
		}
		c.Dial = n.National
		c.Trunks = []Trunk{{ID: req.DefaultTrunk, Gateway: req.DefaultTrunk}}
		c.note("no outbound routes: default trunk %s, %s", req.DefaultTrunk, c.Dial)
		return c, nil
	}
	sel, ref := Select(cfg.Routes, s.gatewayPolicy().allowedTrunks(tenant, cfg.Trunks), Request{Number: n, Source: req.Source, Campaign: req.Campaign, Agent: req.Agent, Queues: req.Queues}, s.now(), cfg.Schedules)
	if ref != nil {
		return nil, ref
	}
	c.Route, c.Trunks, c.Dial = sel.Route, sel.Trunks, sel.Dial
	c.note("route %s (%s %s) dials %s", sel.Route.ID, n.Type, n, sel.Dial)
	for _, sk := range sel.Skipped {
		c.note("trunk %s skipped", sk)
	}
	return c, nil
}

func (s *Service) plan(tenant string, cfg *Config, req PlanRequest) (*Call, *Refusal) {
	c, ref := s.route(tenant, cfg, req)
	if ref != nil {
		return nil, ref
	}
	c.Tenant = tenant
	c.CallerID, c.CallerIDHow = s.callerID(tenant, cfg, req, c)
	if c.CallerIDHow != "" {
		c.note("caller ID %s: %s", c.CallerID, c.CallerIDHow)
	}
	if ref := s.takeTenant(tenant, &cfg.Settings); ref != nil {
		return nil, ref
	}
	return c, nil
}

// callerID picks the number the callee sees.
func (s *Service) callerID(tenant string, cfg *Config, req PlanRequest, c *Call) (string, string) {
	pick := func(id, whose string) (string, string) {
		p := cfg.Pools[id]
		if p == nil {
			c.note("caller-ID pool %s (%s) does not exist", id, whose)
			return "", ""
		}
		num, how := s.picker.Pick(tenant, p, c.Number, cfg.Home, cfg.AreaCodes)
		return num, how + " (" + whose + ")"
	}
	switch {
	case req.CallerID != "":
		return req.CallerID, "fixed by the campaign"
	case req.CallerIDPool != "":
		if n, how := pick(req.CallerIDPool, "the campaign's pool"); n != "" {
			return n, how
		}
	}
	if c.Route != nil && c.Route.CallerIDPool != "" {
		if n, how := pick(c.Route.CallerIDPool, "the route's pool"); n != "" {
			return n, how
		}
	}
	if req.FallbackCallerID != "" {
		return req.FallbackCallerID, "the queue's outbound caller ID"
	}
	if cfg.Settings.CallerIDPool != "" {
		if n, how := pick(cfg.Settings.CallerIDPool, "the tenant's pool"); n != "" {
			return n, how
		}
	}
	if cfg.OutboundCallerID != "" {
		return cfg.OutboundCallerID, "the tenant's outbound caller ID"
	}
	return "", ""
}

func (s *Service) takeTenant(tenant string, set *Settings) *Refusal {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.tenants[tenant]
	if u == nil {
		u = &use{}
		s.tenants[tenant] = u
	}
	if set.MaxConcurrent > 0 && u.active >= set.MaxConcurrent {
		return &Refusal{Rule: RuleMaxConcurrent, Detail: fmt.Sprintf("the tenant has %d outbound calls in progress, its cap (max_concurrent %d)", u.active, set.MaxConcurrent)}
	}
	if set.MaxCPS > 0 {
		if u.cps == nil {
			u.cps = NewCPS(set.MaxCPS, 0)
		} else if u.cps.Rate() != set.MaxCPS {
			u.cps.SetRate(set.MaxCPS)
		}
		if !u.cps.Allow(s.now()) {
			return &Refusal{Rule: RuleMaxCPS, Detail: fmt.Sprintf("the tenant's outbound call rate is at its cap (max_cps %g a second)", set.MaxCPS)}
		}
	}
	u.active++
	return nil
}

// takeTrunk takes a channel and a call-rate token of the trunk; false
// with why when it is full.
func (s *Service) takeTrunk(key string, t Trunk) (bool, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.trunks[key]
	if u == nil {
		u = &use{}
		s.trunks[key] = u
	}
	if t.Channels > 0 && u.active >= t.Channels {
		return false, fmt.Sprintf("all %d channels busy", t.Channels)
	}
	if t.CPS > 0 {
		if u.cps == nil {
			u.cps = NewCPS(t.CPS, 0)
		} else if u.cps.Rate() != t.CPS {
			u.cps.SetRate(t.CPS)
		}
		if !u.cps.Allow(s.now()) {
			return false, fmt.Sprintf("at its call rate (%g a second)", t.CPS)
		}
	}
	u.active++
	return true, ""
}

func (s *Service) give(key string, tenantToo bool, tenant string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.trunks[key]; key != "" && u != nil && u.active > 0 {
		u.active--
	}
	if u := s.tenants[tenant]; tenantToo && u != nil && u.active > 0 {
		u.active--
	}
}

// Active is how many outbound calls of the tenant are in progress (and
// through the trunk, when trunk is not "").
func (s *Service) Active(tenant, trunk string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, k := s.tenants, tenant
	if trunk != "" {
		m, k = s.trunks, tenant+"/"+trunk
	}
	if u := m[k]; u != nil {
		return u.active
	}
	return 0
}

// Release gives back what the call holds: its trunk channel and its
// place under the tenant's cap. Safe to call more than once.
func (c *Call) Release() {
	if c == nil || c.svc == nil {
		return
	}
	c.once.Do(func() {
		c.svc.give(c.trunkKey, true, c.Tenant)
		if c.quota != nil {
			c.quota()
		}
	})
}

// Endpoint is the switch endpoint for trunk t.
func (c *Call) Endpoint(t Trunk) controller.Endpoint {
	return controller.Endpoint{Kind: controller.EndpointExternal, Number: c.Dial, Trunk: t.Gateway}
}

// Each tries the call's trunks in order: originate is called with the
// endpoint of each trunk that has a free channel and call-rate token and
// (when onSwitch is not "") is on that switch. An originate failing with
// one of the route's failover causes moves on to the next trunk; any
// other outcome is the call's. All trunks busy is a *Refusal
// (trunks_busy); all failing over returns the last error.
func (c *Call) Each(onSwitch string, originate func(ep controller.Endpoint, t Trunk) error) error {
	var last error
	var busy []string
	for _, t := range c.Trunks {
		if onSwitch != "" && t.Switch != "" && t.Switch != onSwitch {
			c.note("trunk %s skipped: on switch %s, the call is on %s", t.ID, t.Switch, onSwitch)
			continue
		}
		key := ""
		if c.Route != nil {
			key = c.Tenant + "/" + t.ID
			if ok, why := c.svc.takeTrunk(key, t); !ok {
				c.note("trunk %s skipped: %s", t.ID, why)
				busy = append(busy, t.ID+" "+why)
				continue
			}
		}
		err := originate(c.Endpoint(t), t)
		if err == nil {
			c.trunkKey, c.Trunk = key, t
			return nil
		}
		c.svc.give(key, false, "")
		var oe *controller.OriginateError
		if c.Route != nil && errors.As(err, &oe) && c.Route.Failover(string(oe.Cause)) {
			c.note("trunk %s failed with %s: failover to the next trunk", t.ID, oe.Cause)
			last = err
			continue
		}
		return err
	}
	if last != nil {
		c.note("every trunk of the route failed")
		return last
	}
	if len(busy) > 0 {
		return &Refusal{Rule: RuleTrunksBusy, Detail: "every trunk of route " + c.Route.ID + " is full: " + strings.Join(busy, "; ")}
	}
	return &Refusal{Rule: RuleNoTrunk, Detail: fmt.Sprintf("no trunk of the route is on switch %s", onSwitch)}
}

// Invalidate drops the tenant's cached configuration when the source keeps
// one (StoreSource), so the next call reads the change.
func (s *Service) Invalidate(tenant string) {
	if inv, ok := s.src.(interface{ Invalidate(string) }); ok {
		inv.Invalidate(tenant)
	}
}

// StaticSource serves one configuration to every tenant (tests, and
// controllers without a store).
type StaticSource struct{ Config *Config }

// OutboundConfig implements Source.
func (s StaticSource) OutboundConfig(context.Context, string) (*Config, error) { return s.Config, nil }
