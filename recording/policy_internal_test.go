package recording

import (
	"context"
	"testing"

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
