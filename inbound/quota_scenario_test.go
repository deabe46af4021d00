package inbound_test

import (
	"context"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/inbound"
	"github.com/ipcc/ipcc/quota"
	"github.com/ipcc/ipcc/store"
)

// quotaWorld is the scenario world with a quota service admitting calls,
// and a second tenant, beta, whose DID 4002 rings extension 2002.
func quotaWorld(t *testing.T, f sim.Front) (*world, *quota.Service, *[]quota.Hit) {
	t.Helper()
	var q *quota.Service
	hits := &[]quota.Hit{}
	w := newWorldOn(t, store.SQLite, f, openTime, "http://127.0.0.1:1", func(st *store.Store, o *inbound.Options) {
		var err error
		q, err = quota.New(quota.Options{Store: st, Logger: quiet, CacheTTL: time.Millisecond, Alert: func(h quota.Hit) { *hits = append(*hits, h) }})
		if err != nil {
			t.Fatal(err)
		}
		o.Admission = q
	})
	ctx := context.Background()
	if err := w.st.CreateTenant(ctx, &store.Tenant{ID: "beta", Name: "Beta", Timezone: "Asia/Shanghai"}); err != nil {
		t.Fatal(err)
	}
	if err := w.st.CreateRoute(ctx, "beta", &dialplan.Route{Name: "Beta line", DID: "4002", Enabled: true,
		Default: &dialplan.Target{Kind: dialplan.KindExtension, Ref: "2002"}}); err != nil {
		t.Fatal(err)
	}
	return w, q, hits
}

func (w *world) dialTo(ani, did string) string {
	w.t.Helper()
	id, err := w.w.Sim.PlaceCall(sim.CallSpec{Front: w.w.Front, From: ani, To: did})
	if err != nil {
		w.t.Fatal(err)
	}
	return id
}

func (w *world) recordOf(tenantID, callLeg string) *store.CallRecord {
	w.t.Helper()
	var rec *store.CallRecord
	waitFor(w.t, "the call record of "+callLeg+" is complete", func() bool {
		calls, _ := w.st.ListCalls(context.Background(), tenantID, store.CallFilter{})
		for i := range calls {
			if calls[i].Leg == callLeg && calls[i].EndedAt != nil {
				rec = &calls[i]
				return true
			}
		}
		return false
	})
	return rec
}

// A caller over the tenant's concurrent-call quota hears the busy prompt
// and is hung up; a caller of another tenant is connected meanwhile; the
// hit raised one alert.
func TestScenarioCallOverQuotaRefused(t *testing.T) {
	t.Parallel()
	for _, f := range fronts {
		t.Run(string(f), func(t *testing.T) {
			w, q, hits := quotaWorld(t, f)
			ctx := context.Background()
			if err := w.st.SetTenantQuota(ctx, &store.TenantQuota{TenantID: tenant, MaxCalls: 1}); err != nil {
				t.Fatal(err)
			}
			first := w.dial("13800000001") // stays in the menu
			waitFor(t, "the first call is counted", func() bool { return q.Live(tenant).Calls == 1 })
			second := w.dial("13800000002")
			rec := w.record(second)
			if rec.Disposition != "refused_quota" || rec.HangupCause != string(controller.CauseCongestion) {
				t.Fatalf("refused call's record %+v", rec)
			}
			if !w.heard(second, dialplan.DefaultBusyPrompts["en"]) || w.heard(second, "welcome") {
				t.Fatalf("refused caller heard %+v", w.info(second).Heard)
			}
			if w.info(first).State == "gone" {
				t.Fatalf("the admitted call was cut: %+v", w.info(first))
			}
			other := w.dialTo("13800000003", "4002")
			waitFor(t, "beta's caller reaches 2002", func() bool { return w.bridgedTo(other) == "2002" })
			if len(*hits) != 1 || (*hits)[0].Limit != quota.LimitCalls || (*hits)[0].Tenant != tenant {
				t.Fatalf("alerts %+v", *hits)
			}
			if err := w.w.Sim.HangupCall(first); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the first call's count is released", func() bool { return q.Live(tenant).Calls == 0 })
		})
	}
}

// A suspended tenant's caller hears the suspended prompt (the tenant's
// own text here); the other tenant's calls go on.
func TestScenarioSuspendedTenantRefused(t *testing.T) {
	t.Parallel()
	for _, f := range fronts {
		t.Run(string(f), func(t *testing.T) {
			w, _, _ := quotaWorld(t, f)
			ctx := context.Background()
			if err := w.st.PutRoutingSettings(ctx, tenant, &dialplan.Settings{DefaultLanguage: "en", SuspendedPrompts: map[string]string{"en": "Acme is closed for now"}}); err != nil {
				t.Fatal(err)
			}
			tn, err := w.st.GetTenant(ctx, tenant)
			if err != nil {
				t.Fatal(err)
			}
			tn.Disabled = true
			if err := w.st.UpdateTenant(ctx, tn); err != nil {
				t.Fatal(err)
			}
			leg := w.dial("13800000001")
			rec := w.record(leg)
			if rec.Disposition != "refused_suspended" || rec.HangupCause != string(controller.CauseCallRejected) {
				t.Fatalf("record %+v", rec)
			}
			if !w.heard(leg, "Acme is closed for now") {
				t.Fatalf("caller heard %+v", w.info(leg).Heard)
			}
			other := w.dialTo("13800000003", "4002")
			waitFor(t, "beta's caller reaches 2002", func() bool { return w.bridgedTo(other) == "2002" })
		})
	}
}

// Web calls have their own limit within all calls; calls per second refuse
// the second caller of the same second.
func TestScenarioWebCallAndRateLimits(t *testing.T) {
	t.Parallel()
	for _, f := range fronts {
		t.Run(string(f), func(t *testing.T) {
			w, q, _ := quotaWorld(t, f)
			ctx := context.Background()
			if err := w.st.SetTenantQuota(ctx, &store.TenantQuota{TenantID: tenant, MaxCalls: 5, MaxWebCalls: 1}); err != nil {
				t.Fatal(err)
			}
			web := func(ani string) string {
				id, err := w.w.Sim.PlaceCall(sim.CallSpec{Front: w.w.Front, From: ani, To: "4001", Vars: map[string]string{"ipcc_origin": "web"}})
				if err != nil {
					t.Fatal(err)
				}
				return id
			}
			web("1001")
			waitFor(t, "the web call is counted", func() bool { l := q.Live(tenant); return l.Calls == 1 && l.WebCalls == 1 })
			second := web("1002")
			if rec := w.record(second); rec.Disposition != "refused_quota" {
				t.Fatalf("second web call: %+v", rec)
			}
			w.dial("13800000001") // a PSTN call still fits
			waitFor(t, "the PSTN call is counted", func() bool { l := q.Live(tenant); return l.Calls == 2 && l.WebCalls == 1 })

			if err := w.st.SetTenantQuota(ctx, &store.TenantQuota{TenantID: tenant, MaxCPS: 1}); err != nil {
				t.Fatal(err)
			}
			time.Sleep(1100 * time.Millisecond) // the window and the 1 ms quota cache pass
			w.dial("13800000002")
			waitFor(t, "the third call is counted", func() bool { return q.Live(tenant).Calls == 3 })
			fast := w.dial("13800000003")
			rec := w.record(fast)
			if rec.Disposition != "refused_quota" || !w.heard(fast, dialplan.DefaultBusyPrompts["en"]) {
				t.Fatalf("second call of the second: %+v heard %+v", rec, w.info(fast).Heard)
			}
		})
	}
}

func TestIsWebCall(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		vars map[string]string
		web  bool
	}{
		{nil, false},
		{map[string]string{"ipcc_origin": "web"}, true},
		{map[string]string{"ipcc_origin": "WEB"}, true},
		{map[string]string{"ipcc_origin": "pstn"}, false},
		{map[string]string{"sip_via_protocol": "wss"}, true},
		{map[string]string{"sip_via_protocol": "ws"}, true},
		{map[string]string{"sip_via_protocol": "udp"}, false},
	} {
		if got := inbound.IsWebCall(tc.vars); got != tc.web {
			t.Errorf("IsWebCall(%v) = %v, want %v", tc.vars, got, tc.web)
		}
	}
}
