// Package recording owns what happens to call recordings around the calls:
// the recording policies (who is recorded: always, on demand or never, per
// tenant, queue, agent and direction) and the retention job (backup copies,
// deletion by age and by disk usage, legal holds respected).
package recording

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/ipcc/ipcc/store"
)

// Modes; the same strings as dispatch.RecordAlways, RecordOnDemand and
// RecordNever (not imported: dispatch consumes this package, not the
// reverse).
const (
	ModeAlways   = "always"
	ModeOnDemand = "on_demand"
	ModeNever    = "never"
)

// Scopes a policy applies to, least to most specific.
const (
	ScopeTenant = "tenant"
	ScopeQueue  = "queue"
	ScopeAgent  = "agent"
)

// Directions.
const (
	Inbound  = "inbound"
	Outbound = "outbound"
)

// ValidMode reports whether m is a mode ("" is not: callers decide whether
// "inherit" is allowed).
func ValidMode(m string) bool { return m == ModeAlways || m == ModeOnDemand || m == ModeNever }

// Rules are one tenant's policies indexed for resolution.
type Rules struct {
	Tenant *store.RecordingPolicy
	Queues map[string]*store.RecordingPolicy
	Agents map[string]*store.RecordingPolicy
	// QueueRecord lists queues whose configuration has "record": true; such
	// a queue without a policy of its own counts as a queue rule "always".
	QueueRecord map[string]bool
}

// Resolve decides the mode of a call; pure, so the precedence is table
// tested:
//
//  1. "always" anywhere on the call's path (tenant, queue or agent rule for
//     that direction) wins: compliance recording cannot be switched off by a
//     more specific rule.
//  2. Otherwise the most specific rule that sets the direction wins: agent,
//     then queue, then tenant.
//  3. Without any rule: on_demand (agents may record when they choose).
func (r *Rules) Resolve(queue, agent, direction string) string {
	pick := func(p *store.RecordingPolicy) string {
		if p == nil {
			return ""
		}
		if direction == Outbound {
			return p.Outbound
		}
		return p.Inbound
	}
	var chain []string // most specific first
	if agent != "" {
		chain = append(chain, pick(r.Agents[agent]))
	}
	if queue != "" {
		m := pick(r.Queues[queue])
		if m == "" && r.QueueRecord[queue] {
			m = ModeAlways
		}
		chain = append(chain, m)
	}
	chain = append(chain, pick(r.Tenant))
	for _, m := range chain {
		if m == ModeAlways {
			return ModeAlways
		}
	}
	for _, m := range chain {
		if m != "" {
			return m
		}
	}
	return ModeOnDemand
}

// PolicyCacheTTL is how long a tenant's rules are used before they are
// read again: a change made through another controller sharing the
// database (which cannot Invalidate this one's cache) applies within it.
const PolicyCacheTTL = 30 * time.Second

// Policies answers dispatch's RecordPolicy from the store, caching each
// tenant's rules until Invalidate or for PolicyCacheTTL: it is asked on
// every answered call.
type Policies struct {
	store *store.Store
	load  func(ctx context.Context, st *store.Store, tenant string) (*Rules, error)
	now   func() time.Time
	mu    sync.Mutex
	cache map[string]cachedRules
	// gen counts invalidations: rules read from the store are cached only
	// if no invalidation happened while they were read, so a change made
	// during a load is never hidden behind the older rules.
	gen uint64
}

// NewPolicies builds the policy resolver.
func NewPolicies(st *store.Store) *Policies {
	return &Policies{store: st, load: LoadRules, now: time.Now, cache: map[string]cachedRules{}}
}

type cachedRules struct {
	rules  *Rules
	loaded time.Time
}

// RecordMode implements dispatch.RecordPolicy.
func (p *Policies) RecordMode(ctx context.Context, tenant, queue, agent, direction string) (string, error) {
	if direction != Inbound && direction != Outbound {
		return "", fmt.Errorf("recording: policy for tenant %s: direction %q is neither inbound nor outbound", tenant, direction)
	}
	r, err := p.rules(ctx, tenant)
	if err != nil {
		return "", err
	}
	return r.Resolve(queue, agent, direction), nil
}

// Invalidate drops the cached rules of the tenant ("" = every tenant), after
// a change to its policies or queues.
func (p *Policies) Invalidate(tenant string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gen++
	if tenant == "" {
		p.cache = map[string]cachedRules{}
		return
	}
	delete(p.cache, tenant)
}

func (p *Policies) rules(ctx context.Context, tenant string) (*Rules, error) {
	p.mu.Lock()
	c, ok := p.cache[tenant]
	gen := p.gen
	p.mu.Unlock()
	now := p.now()
	if ok && now.Sub(c.loaded) < PolicyCacheTTL {
		return c.rules, nil
	}
	r, err := p.load(ctx, p.store, tenant)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	if p.gen == gen {
		p.cache[tenant] = cachedRules{rules: r, loaded: now}
	}
	p.mu.Unlock()
	return r, nil
}

// LoadRules reads a tenant's policies and queue record flags.
func LoadRules(ctx context.Context, st *store.Store, tenant string) (*Rules, error) {
	ps, err := st.ListRecordingPolicies(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("recording: policies of %s: %w", tenant, err)
	}
	r := &Rules{Queues: map[string]*store.RecordingPolicy{}, Agents: map[string]*store.RecordingPolicy{}, QueueRecord: map[string]bool{}}
	for i := range ps {
		p := &ps[i]
		switch p.Scope {
		case ScopeTenant:
			r.Tenant = p
		case ScopeQueue:
			r.Queues[p.Target] = p
		case ScopeAgent:
			r.Agents[p.Target] = p
		}
	}
	qs, err := st.ListACDQueues(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("recording: queues of %s: %w", tenant, err)
	}
	for _, q := range qs {
		var c struct {
			Record bool `json:"record"`
		}
		if json.Unmarshal([]byte(q.Config), &c) == nil && c.Record {
			r.QueueRecord[q.ID] = true
		}
	}
	return r, nil
}
