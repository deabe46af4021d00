package outroute

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/ipcc/ipcc/schedule"
	"github.com/ipcc/ipcc/store"
)

// StoreSource reads tenants' outbound configuration from the store and
// keeps each for TTL (default 2 s) so that a campaign dialling many calls
// a second does not read it for every call; Invalidate drops a tenant's
// copy at once (the API does after a change).
type StoreSource struct {
	Store *store.Store
	TTL   time.Duration

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	cfg *Config
	at  time.Time
}

// OutboundConfig implements Source.
func (s *StoreSource) OutboundConfig(ctx context.Context, tenant string) (*Config, error) {
	ttl := s.TTL
	if ttl <= 0 {
		ttl = 2 * time.Second
	}
	s.mu.Lock()
	if c, ok := s.cache[tenant]; ok && time.Since(c.at) < ttl {
		s.mu.Unlock()
		return c.cfg, nil
	}
	s.mu.Unlock()
	cfg, err := Load(ctx, s.Store, tenant)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.cache == nil {
		s.cache = map[string]cached{}
	}
	s.cache[tenant] = cached{cfg: cfg, at: time.Now()}
	s.mu.Unlock()
	return cfg, nil
}

// Invalidate forgets the tenant's cached configuration.
func (s *StoreSource) Invalidate(tenant string) {
	s.mu.Lock()
	delete(s.cache, tenant)
	s.mu.Unlock()
}

// Load reads a tenant's outbound configuration from the store.
func Load(ctx context.Context, st *store.Store, tenant string) (*Config, error) {
	cfg := &Config{Trunks: map[string]Trunk{}, Pools: map[string]*Pool{}, Schedules: map[string]*schedule.Schedule{}}
	set, err := LoadSettings(ctx, st, tenant)
	if err != nil {
		return nil, err
	}
	cfg.Settings = *set
	rs, err := st.GetRoutingSettings(ctx, tenant)
	if err != nil {
		return nil, err
	}
	cfg.Home, cfg.AreaCodes, cfg.OutboundCallerID = rs.CountryCode, rs.AreaCodes, rs.OutboundCallerID
	if cfg.Home == "" {
		cfg.Home = "86"
	}
	trunks, err := LoadTrunks(ctx, st, tenant)
	if err != nil {
		return nil, err
	}
	for _, t := range trunks {
		cfg.Trunks[t.ID] = t
	}
	if cfg.Routes, err = LoadRoutes(ctx, st, tenant); err != nil {
		return nil, err
	}
	pools, err := LoadPools(ctx, st, tenant)
	if err != nil {
		return nil, err
	}
	for i := range pools {
		cfg.Pools[pools[i].ID] = &pools[i]
	}
	needs := false
	for _, r := range cfg.Routes {
		needs = needs || r.Match.ScheduleID != ""
	}
	if needs {
		scs, err := st.ListSchedules(ctx, tenant)
		if err != nil {
			return nil, err
		}
		for i := range scs {
			cfg.Schedules[scs[i].ID] = &scs[i]
		}
	}
	return cfg, nil
}

// LoadSettings reads the tenant's outbound settings (defaults when unset).
func LoadSettings(ctx context.Context, st *store.Store, tenant string) (*Settings, error) {
	set := &Settings{}
	doc, err := st.GetSetting(ctx, tenant, store.OutboundSettingsName)
	switch {
	case store.IsNotFound(err):
		return set, nil
	case err != nil:
		return nil, err
	}
	if err := json.Unmarshal([]byte(doc), set); err != nil {
		return nil, fmt.Errorf("outbound settings of %s: %w", tenant, err)
	}
	return set, nil
}

func loadDocs[T any](ctx context.Context, st *store.Store, tenant, kind string) ([]T, error) {
	rows, err := st.ListOutbound(ctx, tenant, kind)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(rows))
	for _, r := range rows {
		var v T
		if err := json.Unmarshal([]byte(r.Document), &v); err != nil {
			return nil, fmt.Errorf("%s %s of %s: %w", kind, r.ID, tenant, err)
		}
		out = append(out, v)
	}
	return out, nil
}

// LoadTrunks lists the tenant's trunks by id.
func LoadTrunks(ctx context.Context, st *store.Store, tenant string) ([]Trunk, error) {
	return loadDocs[Trunk](ctx, st, tenant, store.OutboundTrunk)
}

// LoadRoutes lists the tenant's routes in the order they are tried.
func LoadRoutes(ctx context.Context, st *store.Store, tenant string) ([]Route, error) {
	rs, err := loadDocs[Route](ctx, st, tenant, store.OutboundRoute)
	if err != nil {
		return nil, err
	}
	return Sorted(rs), nil
}

// LoadPools lists the tenant's caller-ID pools by id.
func LoadPools(ctx context.Context, st *store.Store, tenant string) ([]Pool, error) {
	return loadDocs[Pool](ctx, st, tenant, store.OutboundPool)
}
