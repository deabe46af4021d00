package astreal_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/asterisk/astreal"
	"github.com/ipcc/ipcc/controller/switchtest"
	"github.com/ipcc/ipcc/controller/switchtest/sipua"
)

// The tests below need an Asterisk built with PJSIP (the kit's is not;
// docs/testing-real-switches.md says how to add it): IPCC_TEST_ASTERISK_SIP
// names its UDP transport, whose anonymous endpoint sends calls to a
// context that runs Stasis(ipcc) (ipcc-test, or from-trunk of
// docker/conf/asterisk: "Asterisk with PJSIP" in that document).
func sipAddr(t *testing.T) string {
	a := os.Getenv("IPCC_TEST_ASTERISK_SIP")
	if a == "" {
		t.Skip("IPCC_TEST_ASTERISK_SIP not set: no PJSIP transport to call into (see docs/testing-real-switches.md)")
	}
	return a
}

// TestRealAsteriskPhoneHold: a phone bridged through ipcc presses hold (a
// sendonly re-INVITE). chan_pjsip queues the hold, Asterisk sends
// ChannelHold / ChannelUnhold for the phone's own channel, and the driver
// reports EventHold / EventUnhold of that leg: what the simulator's
// PhoneHold reproduces.
func TestRealAsteriskPhoneHold(t *testing.T) {
	addr := sipAddr(t)
	w := astreal.FromEnv(t)
	sw := w.NewSwitch(t, "ast-phonehold")
	const ani = "13800138771"
	watch := switchtest.Watch(t, sw)
	switchtest.CheckPhoneHold(t, sw, watch, sipua.Dial(t, addr, ani, "4079"), ani, w.Phone(t, "2079", "answer"))
}

// TestRealAsteriskTrunkFailures: a carrier answering 503 ends the
// originated channel with cause 34 (congestion), which the driver reports
// as NORMAL_CIRCUIT_CONGESTION; an endpoint whose only contact is
// unreachable (IPCC_TEST_ASTERISK_TRUNK_DOWN, qualify failing) is what the
// simulator's down trunk stands for: Asterisk refuses to create the
// channel (500 "Allocation failed") and the driver reports a failed
// attempt with chan_pjsip's cause, NO_ROUTE_DESTINATION.
func TestRealAsteriskTrunkFailures(t *testing.T) {
	sipAddr(t)
	w := astreal.FromEnv(t)
	trunk := os.Getenv("IPCC_TEST_ASTERISK_TRUNK")
	if trunk == "" {
		trunk = "ipcc-test-trunk"
	}
	carrier := sipua.NewResponder(t, "503 Service Unavailable", "200 OK")
	sw := w.NewSwitch(t, "ast-trunks")
	watch := switchtest.Watch(t, sw)
	ctx, wait, is := watch.Ctx, watch.Wait, switchtest.Is
	fail := func(ep controller.Endpoint) controller.Event {
		t.Helper()
		leg := uuid.NewString()
		if err := sw.Originate(ctx, controller.Originate{LegID: leg, Endpoint: ep, Timeout: 10 * time.Second}); err != nil {
			t.Logf("originate %v refused: %v", ep, err)
			var oe *controller.OriginateError
			if !errors.As(err, &oe) {
				t.Fatalf("originate %v refused without saying why the attempt failed: %v", ep, err)
			}
			return controller.Event{Type: controller.EventHungUp, Leg: leg, Cause: oe.Cause, HangupBy: oe.By}
		}
		return wait("the leg's hang-up", is(controller.EventHungUp, leg))
	}
	e := fail(controller.Endpoint{Kind: controller.EndpointRaw, Number: "PJSIP/" + trunk + "/sip:13800000001@" + carrier.Addr()})
	t.Logf("503 from the carrier: %v by %v (%d INVITEs)", e.Cause, e.HangupBy, carrier.Invites())
	if e.Cause != "NORMAL_CIRCUIT_CONGESTION" {
		t.Errorf("503 from the carrier: cause %q, want NORMAL_CIRCUIT_CONGESTION", e.Cause)
	}
	if down := os.Getenv("IPCC_TEST_ASTERISK_TRUNK_DOWN"); down != "" {
		e := fail(controller.Endpoint{Kind: controller.EndpointExternal, Trunk: down, Number: "13800000002"})
		t.Logf("an unreachable trunk %s: %v by %v", down, e.Cause, e.HangupBy)
		if e.Cause != controller.CauseNoRouteDestination {
			t.Errorf("an unreachable trunk: cause %q, want NO_ROUTE_DESTINATION", e.Cause)
		}
	}
}

// TestRealAsteriskRegisteredPhone: an agent's phone registers with the
// credentials of an endpoint in pjsip.conf (IPCC_TEST_ASTERISK_PHONE=
// user:password, e.g. 1001:change-me-1001 of docker/conf/asterisk), and
// ipcc's originate of that extension (PJSIP/1001, the driver's default
// extension endpoint) rings it there. The phone answers 486 Busy Here and
// the leg ends USER_BUSY, as an agent's busy phone does in the simulator.
func TestRealAsteriskRegisteredPhone(t *testing.T) {
	addr := sipAddr(t)
	user, pass, ok := strings.Cut(os.Getenv("IPCC_TEST_ASTERISK_PHONE"), ":")
	if !ok {
		t.Skip("IPCC_TEST_ASTERISK_PHONE=user:password not set: no PJSIP phone endpoint to register")
	}
	w := astreal.FromEnv(t)
	phone := sipua.NewResponder(t, "486 Busy Here", "200 OK")
	phone.Register(t, addr, user, pass, time.Minute)
	sw := w.NewSwitch(t, "ast-phone")
	watch := switchtest.Watch(t, sw)
	leg := uuid.NewString()
	if err := sw.Originate(watch.Ctx, controller.Originate{LegID: leg,
		Endpoint: controller.Endpoint{Kind: controller.EndpointExtension, Number: user}, Timeout: 10 * time.Second}); err != nil {
		t.Fatalf("originate extension %s: %v", user, err)
	}
	e := watch.Wait("the leg's hang-up", switchtest.Is(controller.EventHungUp, leg))
	t.Logf("registered phone %s answering 486: %v by %v (%d INVITEs)", user, e.Cause, e.HangupBy, phone.Invites())
	if phone.Invites() == 0 {
		t.Errorf("the registered phone %s got no INVITE", user)
	}
	if e.Cause != controller.CauseUserBusy {
		t.Errorf("busy phone: cause %q, want USER_BUSY", e.Cause)
	}
}

// TestRealAsteriskMediaStaysOnAsterisk: two SIP calls into Stasis(ipcc)
// bridged by ipcc. With direct_media = no on their endpoints (the phones'
// template of docker/conf/asterisk/pjsip.conf, which the anonymous test
// endpoint should inherit: docs/testing-real-switches.md) Asterisk keeps
// the media; with its default it re-INVITEs each caller to send RTP
// straight to the other's port, past NAT and the published RTP range.
func TestRealAsteriskMediaStaysOnAsterisk(t *testing.T) {
	addr := sipAddr(t)
	w := astreal.FromEnv(t)
	sw := w.NewSwitch(t, "ast-media")
	watch := switchtest.Watch(t, sw)
	dial := func(ani, did string) (*sipua.Caller, string) {
		c := sipua.Dial(t, addr, ani, did)
		leg := watch.Wait("the SIP call "+ani, func(e controller.Event) bool {
			return e.Type == controller.EventCallArrived && e.ANI == ani
		}).Leg
		t.Cleanup(func() { _ = sw.Hangup(context.Background(), leg, controller.CauseNormalClearing) })
		if err := sw.Answer(watch.Ctx, leg); err != nil {
			t.Fatal(err)
		}
		select {
		case <-c.Answered():
		case <-time.After(10 * time.Second):
			t.Fatalf("the SIP call %s got no answer", ani)
		}
		return c, leg
	}
	a, la := dial("13800138781", "4081")
	b, lb := dial("13800138782", "4082")
	if err := sw.Bridge(watch.Ctx, la, lb); err != nil {
		t.Fatal(err)
	}
	watch.Wait("bridged", switchtest.Is(controller.EventBridged, la))
	time.Sleep(2 * time.Second) // a direct-media re-INVITE comes within a few hundred ms
	for _, c := range []struct {
		name        string
		me, partner *sipua.Caller
	}{{"first caller", a, b}, {"second caller", b, a}} {
		for _, sdp := range c.me.ReInvites() {
			if strings.Contains(sdp, fmt.Sprintf("m=audio %d ", c.partner.RTPPort())) {
				t.Errorf("the %s was re-INVITEd to send RTP straight to the other caller (direct media): %q", c.name, sdp)
			}
		}
	}
}
