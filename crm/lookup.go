package crm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/ipcc/ipcc/inbound"
	"github.com/ipcc/ipcc/store"
)

// LookupOptions wire a Lookup.
type LookupOptions struct {
	Store *store.Store
	// HTTP must be the egress policy's client (tenants write the URL).
	HTTP   *http.Client
	Logger *slog.Logger
	// ConfigTTL bounds how stale a tenant's lookup settings may be
	// (default 5 s).
	ConfigTTL time.Duration
	// Now is the clock (nil = time.Now).
	Now func() time.Time
}

// Lookup is the pre-routing caller lookup (inbound.CallerLookup): a GET of
// the tenant's lookup URL template, answered with JSON
// {"name", "vip", "language", "preferred_agent", "vars"}; bounded by the
// tenant's timeout, answers cached per caller, and on failure the last
// answer for the caller (even expired) or nothing.
type Lookup struct {
	opt LookupOptions
	log *slog.Logger

	mu      sync.Mutex
	configs map[string]cachedConfig
	answers map[[2]string]cachedAnswer // tenant, caller
}

type cachedConfig struct {
	p  *store.ScreenPop // nil: no lookup
	at time.Time
}

type cachedAnswer struct {
	res inbound.LookupResult
	at  time.Time
}

// Lookup limits.
const (
	DefaultLookupTimeout = 800 * time.Millisecond
	MaxLookupTimeout     = 5 * time.Second
	MaxLookupCache       = 24 * time.Hour
	maxCachedAnswers     = 100_000
)

// NewLookup builds a lookup.
func NewLookup(o LookupOptions) *Lookup {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.HTTP == nil {
		o.HTTP = http.DefaultClient
	}
	if o.ConfigTTL <= 0 {
		o.ConfigTTL = 5 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Lookup{opt: o, log: o.Logger.With("component", "crm-lookup"), configs: map[string]cachedConfig{}, answers: map[[2]string]cachedAnswer{}}
}

func (l *Lookup) config(ctx context.Context, tenant string) (*store.ScreenPop, error) {
	now := l.opt.Now()
	l.mu.Lock()
	c, ok := l.configs[tenant]
	l.mu.Unlock()
	if ok && now.Sub(c.at) < l.opt.ConfigTTL {
		return c.p, nil
	}
	p, err := l.opt.Store.GetScreenPop(ctx, tenant, "")
	if err != nil {
		if !store.IsNotFound(err) {
			return nil, err
		}
		p = nil
	}
	if p != nil && p.LookupURL == "" {
		p = nil
	}
	l.mu.Lock()
	l.configs[tenant] = cachedConfig{p: p, at: now}
	l.mu.Unlock()
	return p, nil
}

// ErrNoLookup: the tenant has no lookup URL.
var ErrNoLookup = errors.New("crm: no caller lookup configured")

// LookupCaller implements inbound.CallerLookup.
func (l *Lookup) LookupCaller(ctx context.Context, q inbound.LookupQuery) (inbound.LookupResult, error) {
	cfg, err := l.config(ctx, q.Tenant)
	if err != nil {
		return inbound.LookupResult{}, err
	}
	if cfg == nil {
		return inbound.LookupResult{}, ErrNoLookup
	}
	key := [2]string{q.Tenant, q.Caller}
	now := l.opt.Now()
	l.mu.Lock()
	cached, hit := l.answers[key]
	l.mu.Unlock()
	ttl := time.Duration(cfg.LookupCacheMS) * time.Millisecond
	if hit && ttl > 0 && now.Sub(cached.at) < ttl {
		res := cached.res
		res.Source = "cache"
		return res, nil
	}
	res, err := l.ask(ctx, cfg, q)
	if err != nil {
		l.log.Warn("caller lookup failed", "tenant", q.Tenant, "call", q.CallID, "err", err)
		if hit {
			res = cached.res
			res.Source = "fallback"
			return res, nil
		}
		return inbound.LookupResult{}, err
	}
	if ttl > 0 {
		l.mu.Lock()
		if len(l.answers) >= maxCachedAnswers {
			clear(l.answers)
		}
		l.answers[key] = cachedAnswer{res: res, at: now}
		l.mu.Unlock()
	}
	res.Source = "crm"
	return res, nil
}

// lookupAnswer is the CRM's JSON answer.
type lookupAnswer struct {
	Name           string            `json:"name"`
	VIP            bool              `json:"vip"`
	Language       string            `json:"language"`
	PreferredAgent string            `json:"preferred_agent"`
	Vars           map[string]string `json:"vars"`
}

func (l *Lookup) ask(ctx context.Context, cfg *store.ScreenPop, q inbound.LookupQuery) (inbound.LookupResult, error) {
	u, err := Render(cfg.LookupURL, PopVars{Tenant: q.Tenant, CallID: q.CallID, Caller: q.Caller, DID: q.DID, Vars: q.Vars})
	if err != nil {
		return inbound.LookupResult{}, fmt.Errorf("lookup_url: %w", err)
	}
	timeout := time.Duration(cfg.LookupTimeoutMS) * time.Millisecond
	if timeout <= 0 {
		timeout = DefaultLookupTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, min(timeout, MaxLookupTimeout))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return inbound.LookupResult{}, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "ipcc-crm-lookup/1")
	res, err := l.opt.HTTP.Do(req)
	if err != nil {
		return inbound.LookupResult{}, fmt.Errorf("GET lookup_url: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode == http.StatusNotFound {
		// An unknown caller: a valid answer with nothing in it.
		return inbound.LookupResult{}, nil
	}
	if res.StatusCode/100 != 2 {
		return inbound.LookupResult{}, fmt.Errorf("lookup_url answered HTTP %d", res.StatusCode)
	}
	var a lookupAnswer
	if err := json.NewDecoder(io.LimitReader(res.Body, 64<<10)).Decode(&a); err != nil {
		return inbound.LookupResult{}, fmt.Errorf("lookup_url answer is not the expected JSON: %w", err)
	}
	if len(a.Name) > 200 || len(a.Language) > 20 || len(a.PreferredAgent) > 100 || len(a.Vars) > 50 {
		return inbound.LookupResult{}, errors.New("lookup_url answer too large (name 200, language 20, preferred_agent 100 characters, 50 vars)")
	}
	return inbound.LookupResult{Name: a.Name, VIP: a.VIP, Language: a.Language, PreferredAgent: a.PreferredAgent, Vars: a.Vars}, nil
}

// Forget drops the cached settings and answers of a tenant (after an edit).
func (l *Lookup) Forget(tenant string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.configs, tenant)
	for k := range l.answers {
		if k[0] == tenant {
			delete(l.answers, k)
		}
	}
}
