package inbound

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/store"
)

// cache keeps the DID index and each tenant's routing for a short while, so
// a burst of calls does not reload them from the database for every call.
type cache struct {
	st  *store.Store
	ttl time.Duration
	now func() time.Time

	// skipSuspended leaves suspended tenants' routes out of the DID index
	// (their calls are unallocated) when nothing refuses them with a
	// prompt (no Options.Admission).
	skipSuspended bool

	mu       sync.Mutex
	dids     []store.RouteDID
	didsAt   time.Time
	routing  map[string]*dialplan.TenantRouting
	loadedAt map[string]time.Time
}

func newCache(st *store.Store, ttl time.Duration, now func() time.Time) *cache {
	return &cache{st: st, ttl: ttl, now: now, routing: map[string]*dialplan.TenantRouting{}, loadedAt: map[string]time.Time{}}
}

// Invalidate drops everything cached (after routing changes).
func (c *cache) Invalidate() {
	c.mu.Lock()
	c.didsAt = time.Time{}
	c.loadedAt = map[string]time.Time{}
	c.mu.Unlock()
}

// tenantFor tells which tenant a dialled number belongs to: an explicit
// tenant variable from the switch dialplan wins; otherwise the tenant whose
// enabled route matches the DID most specifically (exact, then the longest
// prefix pattern, then "*"). Two tenants matching equally is an error.
func (c *cache) tenantFor(ctx context.Context, did string, vars map[string]string) (string, string, error) {
	for _, k := range []string{"ipcc_tenant", "tenant"} {
		if t := vars[k]; t != "" {
			return t, fmt.Sprintf("tenant %q named by the switch (%s)", t, k), nil
		}
	}
	c.mu.Lock()
	if c.didsAt.IsZero() || c.now().Sub(c.didsAt) > c.ttl {
		dids, err := c.st.ListRouteDIDs(ctx)
		if err != nil {
			c.mu.Unlock()
			return "", "", err
		}
		c.dids, c.didsAt = dids, c.now()
	}
	dids := c.dids
	c.mu.Unlock()
	best, bestScore, tied := "", -1, false
	for _, r := range dids {
		if r.Suspended && c.skipSuspended {
			continue
		}
		score := matchScore(r.DID, did)
		switch {
		case score < 0:
		case score > bestScore:
			best, bestScore, tied = r.TenantID, score, false
		case score == bestScore && r.TenantID != best:
			tied = true
		}
	}
	if best == "" {
		return "", "", fmt.Errorf("no tenant has a route for DID %q", did)
	}
	if tied {
		return "", "", fmt.Errorf("DID %q matches routes of several tenants equally; set ipcc_tenant in the switch dialplan", did)
	}
	return best, fmt.Sprintf("tenant %q owns a route matching DID %s", best, did), nil
}

// matchScore ranks how specifically pattern matches did: -1 no match, 0 for
// "*", 1+len(prefix) for "prefix*", 1000 for an exact match.
func matchScore(pattern, did string) int {
	switch {
	case pattern == did:
		return 1000
	case pattern == "*":
		return 0
	case strings.HasSuffix(pattern, "*") && strings.HasPrefix(did, strings.TrimSuffix(pattern, "*")):
		return 1 + len(pattern) - 1
	}
	return -1
}

// routingOf returns the tenant's routing configuration.
func (c *cache) routingOf(ctx context.Context, tenant string) (*dialplan.TenantRouting, error) {
	c.mu.Lock()
	if r, ok := c.routing[tenant]; ok && c.now().Sub(c.loadedAt[tenant]) <= c.ttl {
		c.mu.Unlock()
		return r, nil
	}
	c.mu.Unlock()
	r, err := c.st.LoadRouting(ctx, tenant)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.routing[tenant], c.loadedAt[tenant] = r, c.now()
	c.mu.Unlock()
	return r, nil
}
