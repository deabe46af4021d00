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
