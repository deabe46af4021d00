package switchtest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/switchtest/sipua"
)

// CheckPhoneHold is the real-server check of a phone's own hold button, the
// same on both switches: the SIP phone that called in (from ani) is
// answered and bridged with another party (other), then presses hold and
// unhold twice. The driver must report EventHold / EventUnhold of the
// phone's leg each time, and no hold of the other party's leg.
func CheckPhoneHold(t *testing.T, sw controller.Switch, watch *Watcher, phone *sipua.Caller, ani string, other controller.Endpoint) {
	t.Helper()
	ctx, wait := watch.Ctx, watch.Wait
	leg := wait("the SIP call handed to ipcc", func(e controller.Event) bool {
		return e.Type == controller.EventCallArrived && e.ANI == ani
	}).Leg
	defer func() { _ = sw.Hangup(context.Background(), leg, controller.CauseNormalClearing) }()
	if err := sw.Answer(ctx, leg); err != nil {
		t.Fatal(err)
	}
	select {
	case <-phone.Answered():
	case <-time.After(10 * time.Second):
		t.Fatal("the SIP phone got no answer")
	}
	otherLeg := uuid.NewString()
	if err := sw.Originate(ctx, controller.Originate{LegID: otherLeg, Endpoint: other, Timeout: 10 * time.Second}); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sw.Hangup(context.Background(), otherLeg, controller.CauseNormalClearing) }()
	wait("the other party answered", Is(controller.EventAnswered, otherLeg))
	if err := sw.Bridge(ctx, leg, otherLeg); err != nil {
		t.Fatal(err)
	}
	wait("bridged", Is(controller.EventBridged, leg))
	time.Sleep(300 * time.Millisecond)
	for round := 1; round <= 2; round++ {
		phone.Hold()
		wait("the phone's hold", Is(controller.EventHold, leg))
		time.Sleep(500 * time.Millisecond)
		phone.Unhold()
		wait("the phone's unhold", Is(controller.EventUnhold, leg))
		time.Sleep(300 * time.Millisecond)
	}
	for _, s := range watch.Seen() {
		if strings.HasPrefix(s, controller.EventHold.String()+" "+otherLeg) {
			t.Errorf("the phone's hold was reported for the other party's leg too: %v", watch.Seen())
		}
	}
}
