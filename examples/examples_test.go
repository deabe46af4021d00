package examples_test

import (
	"context"
	"testing"
	"time"

	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/examples"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func TestLoadIsIdempotentAndRoutesToMain(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if err := st.CreateTenant(ctx, &store.Tenant{ID: "default", Name: "Default", Timezone: "Asia/Shanghai"}); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			if err := examples.Load(ctx, st, "default"); err != nil {
				t.Fatalf("load %d: %v", i, err)
			}
		}
		flows, _ := st.ListFlows(ctx, "default")
		want, _ := examples.Flows()
		if len(flows) != len(want) {
			t.Fatalf("%d flows stored, %d in the sample", len(flows), len(want))
		}
		for _, f := range flows {
			if f.PublishedVersion != 1 {
				t.Errorf("flow %s published version %d", f.ID, f.PublishedVersion)
			}
		}
		if _, err := st.GetSchedule(ctx, "default", "main-hours"); err != nil {
			t.Fatalf("the flows' schedule is not stored under its id: %v", err)
		}
		rt, err := st.LoadRouting(ctx, "default")
		if err != nil {
			t.Fatal(err)
		}
		d := dialplan.Decide(dialplan.Inbound{Tenant: "default", DID: "4001", ANI: "13800000000"}, rt, time.Now())
		if d.Target.Kind != dialplan.KindFlow || d.Target.Ref != "main" {
			t.Fatalf("4001 goes to %+v: %v", d.Target, d.Trace)
		}
	})
}

// The sample gives a tenant on the default UTC the sample hours' zone
// (its schedule is Asia/Shanghai: UTC made "today" and the reports' hours
// wrong), the hotline as outbound caller ID, a blacklisted and a VIP
// caller; an admin's own choices are kept.
func TestLoadSetsTheTenantUp(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		for id, tz := range map[string]string{"fresh": "UTC", "berlin": "Europe/Berlin"} {
			if err := st.CreateTenant(ctx, &store.Tenant{ID: id, Name: id, Timezone: tz}); err != nil {
				t.Fatal(err)
			}
			if err := examples.Load(ctx, st, id); err != nil {
				t.Fatal(err)
			}
		}
		if ten, _ := st.GetTenant(ctx, "fresh"); ten.Timezone != "Asia/Shanghai" {
			t.Errorf("fresh tenant's zone %q", ten.Timezone)
		}
		if ten, _ := st.GetTenant(ctx, "berlin"); ten.Timezone != "Europe/Berlin" {
			t.Errorf("an admin's zone was changed to %q", ten.Timezone)
		}
		if set, _ := st.GetRoutingSettings(ctx, "fresh"); set.OutboundCallerID != examples.OutboundCallerID {
			t.Errorf("outbound caller ID %q", set.OutboundCallerID)
		}
		rt, err := st.LoadRouting(ctx, "fresh")
		if err != nil {
			t.Fatal(err)
		}
		if d := dialplan.Decide(dialplan.Inbound{Tenant: "fresh", DID: "4001", ANI: examples.BlacklistedCaller}, rt, time.Now()); d.Action != dialplan.ActionReject {
			t.Errorf("the blacklisted caller: %+v", d)
		}
		if d := dialplan.Decide(dialplan.Inbound{Tenant: "fresh", DID: "4001", ANI: examples.VIPCaller}, rt, time.Now()); d.Priority != 9 {
			t.Errorf("the VIP: %+v", d)
		}
	})
}
