package dispatch_test

import (
	"context"
	"testing"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/store"
)

// The offered event carries what the caller's IVR collected (the agent's
// screen pop shows it), besides the call's channel variables.
func TestScenarioOfferCarriesTheIVRVariables(t *testing.T) {
	t.Parallel()
	w := newWorld(t, sim.FrontFreeSWITCH)
	ctx := context.Background()
	doc := `{"id":"acct","start":"set","language":"zh-CN","nodes":[
	 {"id":"set","type":"set","set":[{"var":"account","expr":"\"12345678\""},{"var":"verified","expr":"true"}],"next":"to_q"},
	 {"id":"to_q","type":"transfer","kind":"queue","target":"support"}]}`
	if err := w.st.CreateFlow(ctx, &store.Flow{TenantID: tenant, ID: "acct", Name: "Acct", Draft: doc}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.st.PublishFlow(ctx, tenant, "acct", doc, "test"); err != nil {
		t.Fatal(err)
	}
	if err := w.st.CreateRoute(ctx, tenant, &dialplan.Route{Name: "Acct", DID: "4010", Enabled: true, Default: &dialplan.Target{Kind: dialplan.KindFlow, Ref: "acct"}}); err != nil {
		t.Fatal(err)
	}
	w.h.Invalidate()
	events, stop := w.disp.Subscribe(64)
	defer stop()
	if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2002"}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: sim.FrontFreeSWITCH, From: "13800138077", To: "4010"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(20 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.Type != "offered" {
				continue
			}
			if ev.Vars["account"] != "12345678" || ev.Vars["verified"] != "true" || ev.Caller != "13800138077" {
				t.Fatalf("offered event without the IVR's variables: %+v", ev)
			}
			return
		case <-deadline:
			t.Fatal("no offered event")
		}
	}
}
