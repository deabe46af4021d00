package quota_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/clock"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/quota"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type fixedPolicy string

func (p fixedPolicy) RecordMode(context.Context, string, string, string, string) (string, error) {
	return string(p), nil
}

func newService(t *testing.T, st *store.Store, clk clock.Clock, reg prometheus.Registerer, hits *[]quota.Hit) *quota.Service {
	t.Helper()
	ctx := context.Background()
	for _, id := range []string{"acme", "beta"} {
		if err := st.CreateTenant(ctx, &store.Tenant{ID: id, Name: id, Timezone: "UTC"}); err != nil {
			t.Fatal(err)
		}
	}
	s, err := quota.New(quota.Options{Store: st, Clock: clk, Logger: quiet, Registerer: reg, CacheTTL: time.Nanosecond, Alert: func(h quota.Hit) { *hits = append(*hits, h) }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestServiceLimits(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clk := clock.NewFake(time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC))
		reg := prometheus.NewRegistry()
		var hits []quota.Hit
		s := newService(t, st, clk, reg, &hits)
		if err := st.SetTenantQuota(ctx, &store.TenantQuota{TenantID: "acme", MaxAgents: 2, MaxCalls: 1, MaxFlows: 1, MaxRecordingBytes: 1000}); err != nil {
			t.Fatal(err)
		}

		t.Run("calls: the second concurrent call is refused, other tenants are not", func(t *testing.T) {
			release, err := s.AdmitCall(ctx, "acme", false)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.AdmitCall(ctx, "acme", true); !errors.Is(err, quota.ErrExceeded) {
				t.Fatalf("second call: %v", err)
			}
			for i := 0; i < 5; i++ {
				if _, err := s.AdmitCall(ctx, "beta", false); err != nil {
					t.Fatalf("beta's call %d refused: %v", i, err)
				}
			}
			release()
			release() // twice is harmless
			if l := s.Live("acme"); l.Calls != 0 || l.LastHits[quota.LimitCalls].IsZero() {
				t.Fatalf("live %+v", l)
			}
			if _, err := s.AdmitCall(ctx, "acme", false); err != nil {
				t.Fatalf("after release: %v", err)
			}
		})
		t.Run("agents: the third sign-in is refused", func(t *testing.T) {
			if err := s.CheckAgentSignIn(ctx, "acme", 1); err != nil {
				t.Fatal(err)
			}
			err := s.CheckAgentSignIn(ctx, "acme", 2)
			if !quota.IsExceeded(err) || !strings.Contains(err.Error(), "2 of its 2 agents") {
				t.Fatalf("got %v", err)
			}
		})
		t.Run("flows: a second flow is refused", func(t *testing.T) {
			if err := s.CheckNewFlow(ctx, "acme"); err != nil {
				t.Fatal(err)
			}
			if err := st.CreateFlow(ctx, &store.Flow{TenantID: "acme", ID: "main", Name: "Main", Draft: "{}"}); err != nil {
				t.Fatal(err)
			}
			if err := s.CheckNewFlow(ctx, "acme"); !quota.IsExceeded(err) {
				t.Fatalf("got %v", err)
			}
			if err := s.CheckNewFlow(ctx, "beta"); err != nil {
				t.Fatalf("beta: %v", err)
			}
		})
		t.Run("recording storage: a full tenant's new calls are not recorded", func(t *testing.T) {
			p := s.RecordPolicy(fixedPolicy(dispatch.RecordAlways))
			if m, err := p.RecordMode(ctx, "acme", "q", "a", "inbound"); err != nil || m != dispatch.RecordAlways {
				t.Fatalf("under quota: %q %v", m, err)
			}
			if err := st.SaveRecording(ctx, &store.RecordingRow{TenantID: "acme", ID: "r1", CallID: "c1", Path: "/x.wav", StartedAt: clk.Now(), SizeBytes: 1000, Status: store.RecordingDone}); err != nil {
				t.Fatal(err)
			}
			if m, _ := p.RecordMode(ctx, "acme", "q", "a", "inbound"); m != dispatch.RecordAlways {
				t.Fatalf("the storage figure is cached while the clock stands still: %q", m)
			}
			clk.Advance(time.Second)
			if m, err := p.RecordMode(ctx, "acme", "q", "a", "inbound"); err != nil || m != dispatch.RecordNever {
				t.Fatalf("full: %q %v", m, err)
			}
			if m, _ := p.RecordMode(ctx, "beta", "q", "a", "inbound"); m != dispatch.RecordAlways {
				t.Fatalf("beta: %q", m)
			}
		})
		t.Run("suspended: every call is refused as suspended", func(t *testing.T) {
			tn, _ := st.GetTenant(ctx, "acme")
			tn.Disabled = true
			if err := st.UpdateTenant(ctx, tn); err != nil {
				t.Fatal(err)
			}
			s.Invalidate("acme") // the fake clock stands still: the cache would hold
			_, err := s.AdmitCall(ctx, "acme", false)
			var ex *quota.ExceededError
			if !errors.As(err, &ex) || !ex.TenantSuspended() {
				t.Fatalf("got %v", err)
			}
			if _, err := s.AdmitCall(ctx, "beta", false); err != nil {
				t.Fatalf("beta: %v", err)
			}
		})
		t.Run("alerts: once per tenant and limit a minute, every refusal counted", func(t *testing.T) {
			want := []quota.Limit{quota.LimitCalls, quota.LimitAgents, quota.LimitFlows, quota.LimitRecording, quota.Suspended}
			if len(hits) != len(want) {
				t.Fatalf("hits %+v", hits)
			}
			for i, l := range want {
				if hits[i].Limit != l || hits[i].Tenant != "acme" {
					t.Fatalf("hit %d: %+v, want %s", i, hits[i], l)
				}
			}
			_, _ = s.AdmitCall(ctx, "acme", false)
			if len(hits) != len(want) {
				t.Fatalf("a second hit within a minute alerted: %+v", hits[len(want):])
			}
			clk.Advance(time.Minute)
			_, _ = s.AdmitCall(ctx, "acme", false)
			if len(hits) != len(want)+1 {
				t.Fatalf("a hit a minute later did not alert: %d hits", len(hits))
			}
			got := strings.Join(series(t, reg, "ipcc_tenant_quota_refusals_total"), "\n")
			if !strings.Contains(got, `ipcc_tenant_quota_refusals_total{limit="suspended",tenant="acme"} 3`) || strings.Contains(got, "beta") {
				t.Fatalf("refusals counted:\n%s", got)
			}
		})
	})
}

// Outbound calls share the concurrent-call and calls-per-second quotas
// with inbound calls: admitted, refused and counted as they are, their
// room read without taking anything; a suspended tenant has none.
func TestServiceOutboundCalls(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clk := clock.NewFake(time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC))
		reg := prometheus.NewRegistry()
		var hits []quota.Hit
		s := newService(t, st, clk, reg, &hits)
		if r := s.OutboundRoom(ctx, "acme"); !r.Unlimited() {
			t.Fatalf("no quota: room %+v", r)
		}
		if err := st.SetTenantQuota(ctx, &store.TenantQuota{TenantID: "acme", MaxCalls: 3, MaxCPS: 2}); err != nil {
			t.Fatal(err)
		}
		s.Invalidate("acme")
		in, err := s.AdmitCall(ctx, "acme", false)
		if err != nil {
			t.Fatal(err)
		}
		if r := s.OutboundRoom(ctx, "acme"); r.N != 1 || r.Limit != quota.LimitCPS || !strings.Contains(r.String(), "1 calls in the last second") {
			t.Fatalf("room after one inbound call: %+v %s", r, r)
		}
		out, err := s.AdmitOutbound(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.AdmitOutbound(ctx, "acme")
		var ex *quota.ExceededError
		if !errors.As(err, &ex) || ex.Limit != quota.LimitCPS {
			t.Fatalf("third call in the second: %v", err)
		}
		clk.Advance(time.Second)
		if r := s.OutboundRoom(ctx, "acme"); r.N != 1 || r.Limit != quota.LimitCalls || r.Used != 2 || r.Max != 3 {
			t.Fatalf("room a second later: %+v", r)
		}
		out2, err := s.AdmitOutbound(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.CheckOutbound(ctx, "acme"); !errors.As(err, &ex) || ex.Limit != quota.LimitCalls {
			t.Fatalf("check with the calls full: %v", err)
		}
		if _, err := s.AdmitCall(ctx, "acme", false); !errors.As(err, &ex) || ex.Limit != quota.LimitCalls {
			t.Fatalf("an inbound call with outbound ones filling the quota: %v", err)
		}
		if l := s.Live("acme"); l.Calls != 3 || l.Outbound != 2 {
			t.Fatalf("live %+v", l)
		}
		for _, r := range []func(){in, out, out2, out2} {
			r()
		}
		if l := s.Live("acme"); l.Calls != 0 || l.Outbound != 0 {
			t.Fatalf("live after the calls ended %+v", l)
		}
		if _, err := s.AdmitOutbound(ctx, "beta"); err != nil {
			t.Fatalf("beta: %v", err)
		}
		tn, _ := st.GetTenant(ctx, "acme")
		tn.Disabled = true
		if err := st.UpdateTenant(ctx, tn); err != nil {
			t.Fatal(err)
		}
		s.Invalidate("acme")
		if r := s.OutboundRoom(ctx, "acme"); r.N != 0 || r.Limit != quota.Suspended {
			t.Fatalf("suspended: room %+v", r)
		}
		if _, err := s.AdmitOutbound(ctx, "acme"); !errors.As(err, &ex) || !ex.TenantSuspended() {
			t.Fatalf("suspended: %v", err)
		}
		got := strings.Join(series(t, reg, "ipcc_tenant_quota_refusals_total"), "\n")
		for _, want := range []string{`{limit="cps",tenant="acme"} 1`, `{limit="calls",tenant="acme"} 2`, `{limit="suspended",tenant="acme"} 1`} {
			if !strings.Contains(got, want) {
				t.Fatalf("refusals counted, want %s:\n%s", want, got)
			}
		}
	})
}

func TestSetTenantQuotaRefusesNegativeAndUnknown(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if err := st.SetTenantQuota(ctx, &store.TenantQuota{TenantID: "nobody", MaxCalls: 1}); !store.IsNotFound(err) {
			t.Fatalf("unknown tenant: %v", err)
		}
		if err := st.CreateTenant(ctx, &store.Tenant{ID: "acme", Name: "Acme", Timezone: "UTC"}); err != nil {
			t.Fatal(err)
		}
		if err := st.SetTenantQuota(ctx, &store.TenantQuota{TenantID: "acme", MaxCPS: -1}); err == nil || !strings.Contains(err.Error(), "max_cps") {
			t.Fatalf("negative: %v", err)
		}
		q, err := st.GetTenantQuota(ctx, "acme")
		if err != nil || q.MaxCalls != 0 || q.MaxRecordingBytes != 0 {
			t.Fatalf("default quota %+v %v", q, err)
		}
		if err := st.SetTenantQuota(ctx, &store.TenantQuota{TenantID: "acme", MaxCalls: 5, MaxRecordingBytes: 5 << 30}); err != nil {
			t.Fatal(err)
		}
		if err := st.SetTenantQuota(ctx, &store.TenantQuota{TenantID: "acme", MaxCalls: 7, MaxRecordingBytes: 6 << 30}); err != nil {
			t.Fatal(err)
		}
		if q, err = st.GetTenantQuota(ctx, "acme"); err != nil || q.MaxCalls != 7 || q.MaxRecordingBytes != 6<<30 {
			t.Fatalf("stored quota %+v %v", q, err)
		}
		if err := st.DeleteTenant(ctx, "acme"); err != nil {
			t.Fatal(err)
		}
		if qs, err := st.ListTenantQuotas(ctx); err != nil || len(qs) != 0 {
			t.Fatalf("quota left after the tenant was deleted: %v %v", qs, err)
		}
	})
}

// series renders every series of the named metrics on reg as
// `name{label="value",...} value` lines, sorted.
func series(t *testing.T, reg *prometheus.Registry, names ...string) []string {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, mf := range mfs {
		keep := false
		for _, n := range names {
			keep = keep || mf.GetName() == n
		}
		if !keep {
			continue
		}
		for _, m := range mf.Metric {
			var ls []string
			for _, l := range m.Label {
				ls = append(ls, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			v := m.GetGauge().GetValue()
			if m.Counter != nil {
				v = m.Counter.GetValue()
			}
			out = append(out, fmt.Sprintf("%s{%s} %g", mf.GetName(), strings.Join(ls, ","), v))
		}
	}
	sort.Strings(out)
	return out
}

func TestTenantMetricsCapsLabels(t *testing.T) {
	snap := func(tenant string, queues ...string) acd.Snapshot {
		s := acd.Snapshot{Tenant: tenant}
		for _, q := range queues {
			s.Queues = append(s.Queues, acd.QueueSnapshot{ID: q, ServiceLevel: 0.5, Waiting: []acd.WaitingCall{{CallID: "c"}}})
		}
		s.Agents = []acd.AgentSnapshot{{AgentID: "a", State: acd.Available}, {AgentID: "b", State: acd.OnCall}, {AgentID: "c", State: acd.Available}}
		return s
	}
	m := &quota.TenantMetrics{MaxTenants: 2, MaxQueues: 2,
		Snapshots: func(context.Context) []acd.Snapshot {
			return []acd.Snapshot{snap("acme", "q1", "q2", "q3"), snap("beta", "s"), snap("zeta", "z1"), snap("yak", "y")}
		},
		Calls: func() map[string]quota.Live {
			return map[string]quota.Live{"acme": {Calls: 3, WebCalls: 1}, "zeta": {Calls: 2}}
		},
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(m)
	want := []string{
		`ipcc_tenant_agents{state="available",tenant="_other"} 4`,
		`ipcc_tenant_agents{state="available",tenant="acme"} 2`,
		`ipcc_tenant_agents{state="available",tenant="beta"} 2`,
		`ipcc_tenant_agents{state="on-call",tenant="_other"} 2`,
		`ipcc_tenant_agents{state="on-call",tenant="acme"} 1`,
		`ipcc_tenant_agents{state="on-call",tenant="beta"} 1`,
		`ipcc_tenant_calls_in_progress{kind="pstn",tenant="_other"} 2`,
		`ipcc_tenant_calls_in_progress{kind="pstn",tenant="acme"} 2`,
		`ipcc_tenant_calls_in_progress{kind="web",tenant="_other"} 0`,
		`ipcc_tenant_calls_in_progress{kind="web",tenant="acme"} 1`,
		// neither an _other queue nor the _other tenant has a service level
		`ipcc_tenant_queue_service_level{queue="q1",tenant="acme"} 0.5`,
		`ipcc_tenant_queue_service_level{queue="q2",tenant="acme"} 0.5`,
		`ipcc_tenant_queue_service_level{queue="s",tenant="beta"} 0.5`,
		`ipcc_tenant_queue_waiting{queue="_other",tenant="_other"} 2`,
		`ipcc_tenant_queue_waiting{queue="_other",tenant="acme"} 1`,
		`ipcc_tenant_queue_waiting{queue="q1",tenant="acme"} 1`,
		`ipcc_tenant_queue_waiting{queue="q2",tenant="acme"} 1`,
		`ipcc_tenant_queue_waiting{queue="s",tenant="beta"} 1`,
	}
	got := series(t, reg, "ipcc_tenant_queue_waiting", "ipcc_tenant_agents", "ipcc_tenant_calls_in_progress", "ipcc_tenant_queue_service_level")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("series:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
