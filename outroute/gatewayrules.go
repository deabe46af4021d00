package outroute

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/ipcc/ipcc/store"
)

// GatewayRules is the platform's gateway restriction as it stands: the
// configuration's (media.trunk_gateways) overlaid, tenant by tenant, by what
// superadmins set through the API (kept in the settings table, so every
// controller on the database reads the same). It is safe for concurrent
// use; a nil *GatewayRules restricts nothing.
type GatewayRules struct {
	mu   sync.RWMutex
	base GatewayPolicy
	set  GatewayPolicy
	eff  GatewayPolicy
}

// GatewayEntry is one tenant's (or "*"'s) restriction and where it comes
// from.
type GatewayEntry struct {
	// Tenant is a tenant id or "*" (every tenant not listed).
	Tenant string `json:"tenant"`
	// Gateways the tenant's trunks may name; empty allows none.
	Gateways []string `json:"gateways"`
	// Source is "api" (set by a superadmin; replaces the configuration's
	// entry for the tenant) or "config" (media.trunk_gateways).
	Source string `json:"source"`
	// Config is the configuration's entry under an "api" one (what a
	// delete brings back); nil when the configuration has none.
	Config []string `json:"config,omitempty"`
}

// Where a GatewayEntry comes from.
const (
	GatewaySourceConfig = "config"
	GatewaySourceAPI    = "api"
)

// settingPrefix names the platform settings holding the API's entries:
// trunk_gateways/<tenant or *> = JSON array of gateways.
const settingPrefix = "trunk_gateways/"

// NewGatewayRules starts from the configuration's policy.
func NewGatewayRules(base GatewayPolicy) *GatewayRules {
	r := &GatewayRules{base: clonePolicy(base)}
	r.eff = r.merge()
	return r
}

// Policy returns the restriction in force (nil when there is none). The
// caller must not modify it.
func (r *GatewayRules) Policy() GatewayPolicy {
	if r == nil {
		return nil
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.eff
}

// Entries lists the restriction tenant by tenant ("*" first, then by id).
func (r *GatewayRules) Entries() []GatewayEntry {
	if r == nil {
		return []GatewayEntry{}
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]GatewayEntry, 0, len(r.eff))
	for t, gws := range r.eff {
		e := GatewayEntry{Tenant: t, Gateways: slices.Clone(gws), Source: GatewaySourceConfig}
		if _, ok := r.set[t]; ok {
			e.Source = GatewaySourceAPI
			if c, ok := r.base[t]; ok {
				e.Config = slices.Clone(c)
				if e.Config == nil {
					e.Config = []string{}
				}
			}
		}
		if e.Gateways == nil {
			e.Gateways = []string{}
		}
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].Tenant == AnyTenant) != (out[j].Tenant == AnyTenant) {
			return out[i].Tenant == AnyTenant
		}
		return out[i].Tenant < out[j].Tenant
	})
	return out
}

func (r *GatewayRules) merge() GatewayPolicy {
	if len(r.base) == 0 && len(r.set) == 0 {
		return nil
	}
	eff := clonePolicy(r.base)
	if eff == nil {
		eff = GatewayPolicy{}
	}
	maps.Copy(eff, r.set)
	return eff
}

func clonePolicy(p GatewayPolicy) GatewayPolicy {
	if p == nil {
		return nil
	}
	out := make(GatewayPolicy, len(p))
	for k, v := range p {
		out[k] = slices.Clone(v)
		if out[k] == nil {
			out[k] = []string{}
		}
	}
	return out
}

// GatewayStore keeps the API's entries (the platform's settings).
type GatewayStore interface {
	PutSetting(ctx context.Context, tenant, name, value string) error
	DeleteSetting(ctx context.Context, tenant, name string) error
	ListSettings(ctx context.Context, tenant, prefix string) (map[string]string, error)
}

// Load reads the API's entries from st, replacing those held: at start, and
// now and then so a standby or another controller follows a change made on
// another one.
func (r *GatewayRules) Load(ctx context.Context, st GatewayStore) error {
	rows, err := st.ListSettings(ctx, store.PlatformTenant, settingPrefix)
	if err != nil {
		return fmt.Errorf("outroute: load gateway restriction: %w", err)
	}
	set := GatewayPolicy{}
	for name, v := range rows {
		tenant := strings.TrimPrefix(name, settingPrefix)
		var gws []string
		if err := json.Unmarshal([]byte(v), &gws); err != nil {
			return fmt.Errorf("outroute: load gateway restriction of %q: %w", tenant, err)
		}
		if gws == nil {
			gws = []string{}
		}
		set[tenant] = gws
	}
	r.mu.Lock()
	r.set = set
	r.eff = r.merge()
	r.mu.Unlock()
	return nil
}

// ErrNoGatewayEntry: the API has set nothing for the tenant.
var ErrNoGatewayEntry = errors.New("no gateway restriction set through the API for this tenant")

// Put sets tenant's ("*": every tenant not listed) gateways, replacing the
// configuration's entry for it; an empty list allows none. The names are
// checked (Errors naming gateways[i]); it is stored, then in force.
func (r *GatewayRules) Put(ctx context.Context, st GatewayStore, tenant string, gateways []string) error {
	if gateways == nil {
		gateways = []string{}
	}
	var errs Errors
	if tenant == "" {
		errs = append(errs, FieldError{Field: "tenant", Message: "a tenant id (or * for every tenant) is required"})
	}
	seen := map[string]bool{}
	for i, g := range gateways {
		switch {
		case !tokenRe.MatchString(g):
			errs = append(errs, FieldError{Field: fmt.Sprintf("gateways[%d]", i), Message: fmt.Sprintf("%q is not a gateway name (letters, digits, '-', '_', '.')", g)})
		case seen[g]:
			errs = append(errs, FieldError{Field: fmt.Sprintf("gateways[%d]", i), Message: fmt.Sprintf("%q is listed twice", g)})
		}
		seen[g] = true
	}
	if len(errs) > 0 {
		return errs
	}
	b, err := json.Marshal(gateways)
	if err != nil {
		return fmt.Errorf("outroute: gateway restriction of %s: %w", tenant, err)
	}
	if err := st.PutSetting(ctx, store.PlatformTenant, settingPrefix+tenant, string(b)); err != nil {
		return fmt.Errorf("outroute: store gateway restriction of %s: %w", tenant, err)
	}
	r.mu.Lock()
	if r.set == nil {
		r.set = GatewayPolicy{}
	}
	r.set[tenant] = slices.Clone(gateways)
	r.eff = r.merge()
	r.mu.Unlock()
	return nil
}

// Delete removes the API's entry for tenant: the configuration's entry, if
// any, applies again. ErrNoGatewayEntry when there is none.
func (r *GatewayRules) Delete(ctx context.Context, st GatewayStore, tenant string) error {
	r.mu.RLock()
	_, ok := r.set[tenant]
	r.mu.RUnlock()
	if !ok {
		return ErrNoGatewayEntry
	}
	if err := st.DeleteSetting(ctx, store.PlatformTenant, settingPrefix+tenant); err != nil {
		return fmt.Errorf("outroute: delete gateway restriction of %s: %w", tenant, err)
	}
	r.mu.Lock()
	delete(r.set, tenant)
	r.eff = r.merge()
	r.mu.Unlock()
	return nil
}
