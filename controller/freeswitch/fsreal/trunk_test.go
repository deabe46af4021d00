package fsreal

import (
	"os"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/switchtest"
	"github.com/ipcc/ipcc/controller/switchtest/sipua"
)

// TestRealFreeSWITCHTrunkFailures checks on a real FreeSWITCH the carrier
// failures the simulator scripts (controller/sim TrunkCongested,
// TrunkDown): a carrier refusing the INVITE with 503 makes the originate
// fail with NORMAL_TEMPORARY_FAILURE, and a gateway whose pings fail is
// refused at once with GATEWAY_DOWN. Through the driver, both reach ipcc as
// an originate that fails with that cause.
//
// The congested case needs only IPCC_TEST_FREESWITCH_ESL (the call goes to
// a local responder through the external profile). The down case needs
// IPCC_TEST_FREESWITCH_GW_DOWN naming a gateway whose pings fail
// (docs/testing-real-switches.md gives one).
func TestRealFreeSWITCHTrunkFailures(t *testing.T) {
	w := FromEnv(t)
	profile := os.Getenv("IPCC_TEST_FREESWITCH_PROFILE")
	if profile == "" {
		profile = "external"
	}
	carrier := sipua.NewResponder(t, "503 Service Unavailable", "200 OK")

	// On the wire: what the driver has to translate.
	dial := "sofia/" + profile + "/13800000001@" + carrier.Addr()
	r := w.api(t, "originate", "{originate_timeout=10,"+partyVar+"=true}"+dial+" &park()")
	t.Logf("originate through a carrier answering 503: %q (%d INVITEs)", r, carrier.Invites())
	if r != "-ERR NORMAL_TEMPORARY_FAILURE" {
		t.Errorf("503 from the carrier: originate said %q, want -ERR NORMAL_TEMPORARY_FAILURE", r)
	}
	if carrier.Invites() == 0 {
		t.Error("the carrier got no INVITE")
	}
	down := os.Getenv("IPCC_TEST_FREESWITCH_GW_DOWN")
	if down != "" {
		r := w.api(t, "originate", "{originate_timeout=10,"+partyVar+"=true}sofia/gateway/"+down+"/13800000002 &park()")
		t.Logf("originate through gateway %s (down): %q", down, r)
		if r != "-ERR GATEWAY_DOWN" {
			t.Errorf("a down gateway: originate said %q, want -ERR GATEWAY_DOWN (is %s down? sofia status gateway %s)", r, down, down)
		}
	}

	// Through the driver.
	sw := w.NewSwitch(t, "fs-trunks")
	watch := switchtest.Watch(t, sw)
	ctx, wait := watch.Ctx, watch.Wait
	// cause is what ipcc learns of a failed originate: the hang-up of
	// the leg it asked for (the originate itself runs in the background).
	cause := func(ep controller.Endpoint) controller.Cause {
		t.Helper()
		leg := uuid.NewString()
		if err := sw.Originate(ctx, controller.Originate{LegID: leg, Endpoint: ep, Timeout: 10 * time.Second}); err != nil {
			t.Fatalf("originate %v: %v", ep, err)
		}
		return wait("the leg's hang-up", func(e controller.Event) bool {
			return e.Type == controller.EventHungUp && e.Leg == leg
		}).Cause
	}
	if c := cause(controller.Endpoint{Kind: controller.EndpointRaw, Number: dial}); c != "NORMAL_TEMPORARY_FAILURE" {
		t.Errorf("driver: 503 from the carrier gave cause %q, want NORMAL_TEMPORARY_FAILURE", c)
	}
	if down != "" {
		if c := cause(controller.Endpoint{Kind: controller.EndpointExternal, Trunk: down, Number: "13800000003"}); c != "GATEWAY_DOWN" {
			t.Errorf("driver: a down gateway gave cause %q, want GATEWAY_DOWN", c)
		}
	}
}
