package acd

import (
	"context"
	"fmt"
	"slices"
	"sync"
)

// Tenants keeps one Engine per tenant: created on first use with the
// options Options returns for that tenant and, when they name a store,
// restored from it before anyone gets it.
type Tenants struct {
	// Options returns the engine options of a tenant (Tenant is set by
	// Tenants).
	Options func(tenant string) Options

	mu      sync.Mutex
	engines map[string]*tenantEngine
	closed  bool
}

type tenantEngine struct {
	ready chan struct{}
	e     *Engine
	err   error
}

// Get returns the tenant's engine, starting and restoring it if needed.
func (t *Tenants) Get(ctx context.Context, tenant string) (*Engine, error) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil, ErrClosed
	}
	if t.engines == nil {
		t.engines = map[string]*tenantEngine{}
	}
	te := t.engines[tenant]
	if te == nil {
		te = &tenantEngine{ready: make(chan struct{})}
		t.engines[tenant] = te
		t.mu.Unlock()
		te.e, te.err = t.start(ctx, tenant)
		if te.err != nil {
			t.mu.Lock()
			delete(t.engines, tenant)
			t.mu.Unlock()
		}
		close(te.ready)
		return te.e, te.err
	}
	t.mu.Unlock()
	select {
	case <-te.ready:
		return te.e, te.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (t *Tenants) start(ctx context.Context, tenant string) (*Engine, error) {
	if t.Options == nil {
		return nil, fmt.Errorf("acd: tenant %s: Tenants.Options is not set", tenant)
	}
	opt := t.Options(tenant)
	opt.Tenant = tenant
	e, err := New(opt)
	if err != nil {
		return nil, fmt.Errorf("acd: start tenant %s: %w", tenant, err)
	}
	if opt.Store != nil {
		if err := e.Restore(ctx); err != nil {
			e.Close()
			return nil, err
		}
	}
	return e, nil
}

// List names the tenants with a running engine, sorted.
func (t *Tenants) List() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]string, 0, len(t.engines))
	for id := range t.engines {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// Close stops every engine (each flushes its store writes); Get fails
// afterwards.
func (t *Tenants) Close() error {
	t.mu.Lock()
	t.closed = true
	es := t.engines
	t.engines = nil
	t.mu.Unlock()
	for _, te := range es {
		<-te.ready
		if te.e != nil {
			te.e.Close()
		}
	}
	return nil
}
