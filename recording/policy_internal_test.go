package recording

import (
	"context"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// A policy changed while a call's lookup is reading the rules must apply
// to the next call: the older rules that lookup read are not cached over
// the invalidation.
func TestPolicyChangedDuringLoadIsNotHidden(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := NewPolicies(s)
		p.load = func(ctx context.Context, st *store.Store, tenant string) (*Rules, error) {
			r, err := LoadRules(ctx, st, tenant) // read before the change commits
			if err != nil {
				return nil, err
			}
			p.load = LoadRules
			if err := st.CreateRecordingPolicy(ctx, &store.RecordingPolicy{TenantID: tenant, ID: "p1", Scope: ScopeTenant, Inbound: ModeAlways}); err != nil {
				t.Fatal(err)
			}
			p.Invalidate(tenant) // what the API does after the change
			return r, nil
		}
		if m, err := p.RecordMode(ctx, "a", "q", "u", Inbound); err != nil || m != ModeOnDemand {
			t.Fatalf("first call: %q %v", m, err)
		}
		if m, err := p.RecordMode(ctx, "a", "q", "u", Inbound); err != nil || m != ModeAlways {
			t.Fatalf("after the change: %q %v, want always (stale rules cached over the invalidation)", m, err)
		}
	})
}

// Another controller on the same database changes a policy: this one's
// cache cannot be invalidated by it, so the rules are read again after
// PolicyCacheTTL.
func TestPolicyChangedElsewhereAppliesWithinTTL(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := NewPolicies(s)
		at := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
		p.now = func() time.Time { return at }
		if m, err := p.RecordMode(ctx, "a", "q", "u", Inbound); err != nil || m != ModeOnDemand {
			t.Fatalf("before: %q %v", m, err)
		}
		// Written by the other controller: no Invalidate here.
		if err := s.CreateRecordingPolicy(ctx, &store.RecordingPolicy{TenantID: "a", ID: "p1", Scope: ScopeTenant, Inbound: ModeAlways}); err != nil {
			t.Fatal(err)
		}
		at = at.Add(PolicyCacheTTL - time.Second)
		if m, _ := p.RecordMode(ctx, "a", "q", "u", Inbound); m != ModeOnDemand {
			t.Fatalf("within the TTL the cached rules answer, got %q", m)
		}
		at = at.Add(2 * time.Second)
		if m, err := p.RecordMode(ctx, "a", "q", "u", Inbound); err != nil || m != ModeAlways {
			t.Fatalf("after the TTL: %q %v, want always", m, err)
		}
	})
}
