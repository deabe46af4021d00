package recording_test

import (
	"context"
	"testing"

	"github.com/ipcc/ipcc/recording"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func rule(in, out string) *store.RecordingPolicy {
	return &store.RecordingPolicy{Inbound: in, Outbound: out}
}

func TestResolvePrecedence(t *testing.T) {
	const a, n, o, inh = recording.ModeAlways, recording.ModeNever, recording.ModeOnDemand, ""
	tests := []struct {
		name        string
		tenant      *store.RecordingPolicy
		queue       *store.RecordingPolicy
		agent       *store.RecordingPolicy
		queueRecord bool
		call        struct{ queue, agent, dir string }
		want        string
	}{
		{name: "no rule at all: on demand", want: o},
		{name: "tenant default applies", tenant: rule(n, a), want: n},
		{name: "tenant outbound is separate from inbound", tenant: rule(n, a), call: dir("outbound"), want: a},
		{name: "queue beats tenant", tenant: rule(o, o), queue: rule(n, inh), want: n},
		{name: "agent beats queue", tenant: rule(o, o), queue: rule(o, inh), agent: rule(n, inh), want: n},
		{name: "queue always beats agent never (compliance)", queue: rule(a, inh), agent: rule(n, inh), want: a},
		{name: "tenant always beats agent never", tenant: rule(a, o), agent: rule(n, n), want: a},
		{name: "tenant always is inbound only", tenant: rule(a, o), agent: rule(n, n), call: dir("outbound"), want: n},
		{name: "agent always beats queue never", queue: rule(n, inh), agent: rule(a, inh), want: a},
		{name: "inherit falls through to the tenant", tenant: rule(n, n), queue: rule(inh, o), agent: rule(inh, inh), want: n},
		{name: "queue with record flag counts as always", queueRecord: true, agent: rule(n, inh), want: a},
		{name: "queue rule overrides its record flag", queueRecord: true, queue: rule(o, inh), want: o},
		{name: "outbound call without a queue ignores queue rules", queue: rule(a, a), call: struct{ queue, agent, dir string }{"", "ag", "outbound"}, want: o},
		{name: "another agent's rule does not apply", agent: rule(n, n), call: struct{ queue, agent, dir string }{"q", "someone", "inbound"}, want: o},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &recording.Rules{Tenant: tc.tenant, Queues: map[string]*store.RecordingPolicy{}, Agents: map[string]*store.RecordingPolicy{}, QueueRecord: map[string]bool{}}
			if tc.queue != nil {
				r.Queues["q"] = tc.queue
			}
			if tc.agent != nil {
				r.Agents["ag"] = tc.agent
			}
			r.QueueRecord["q"] = tc.queueRecord
			c := tc.call
			if c.dir == "" {
				c.dir = "inbound"
			}
			if c.queue == "" && c.agent == "" {
				c.queue, c.agent = "q", "ag"
			}
			if got := r.Resolve(c.queue, c.agent, c.dir); got != tc.want {
				t.Fatalf("Resolve(%q, %q, %q) = %q, want %q", c.queue, c.agent, c.dir, got, tc.want)
			}
		})
	}
}

func dir(d string) struct{ queue, agent, dir string } {
	return struct{ queue, agent, dir string }{"q", "ag", d}
}

func TestPoliciesCacheAndInvalidate(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		p := recording.NewPolicies(s)
		if m, err := p.RecordMode(ctx, "a", "sales", "u1", "inbound"); err != nil || m != recording.ModeOnDemand {
			t.Fatalf("default: %q %v", m, err)
		}
		if err := s.CreateRecordingPolicy(ctx, &store.RecordingPolicy{TenantID: "a", ID: "p1", Scope: "queue", Target: "sales", Inbound: "always"}); err != nil {
			t.Fatal(err)
		}
		if m, _ := p.RecordMode(ctx, "a", "sales", "u1", "inbound"); m != recording.ModeOnDemand {
			t.Fatalf("cached answer expected before Invalidate, got %q", m)
		}
		p.Invalidate("a")
		if m, _ := p.RecordMode(ctx, "a", "sales", "u1", "inbound"); m != recording.ModeAlways {
			t.Fatalf("after invalidate: %q", m)
		}
		if m, _ := p.RecordMode(ctx, "b", "sales", "u1", "inbound"); m != recording.ModeOnDemand {
			t.Fatalf("another tenant: %q", m)
		}
		if err := s.CreateACDQueue(ctx, &store.ACDQueue{TenantID: "a", ID: "vip", Name: "VIP", Strategy: "ring-all", Config: `{"record":true}`}); err != nil {
			t.Fatal(err)
		}
		p.Invalidate("")
		if m, _ := p.RecordMode(ctx, "a", "vip", "u1", "outbound"); m != recording.ModeAlways {
			t.Fatalf("queue with record flag: %q", m)
		}
		if _, err := p.RecordMode(ctx, "a", "vip", "u1", "sideways"); err == nil {
			t.Fatal("bad direction accepted")
		}
	})
}
