package dispatch_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/dispatch"
)

// Event subscribers come and go (WebSocket clients disconnecting) while
// events flow; nothing may panic or block.
func TestSubscribersComeAndGoUnderTraffic(t *testing.T) {
	t.Parallel()
	w := newWorld(t, sim.FrontFreeSWITCH)
	ctx := context.Background()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			_ = w.eng.Login(ctx, acd.LoginRequest{AgentID: "ann", Device: "2001"})
			_ = w.eng.Logout(ctx, "ann")
		}
	}()
	deadline := time.Now().Add(500 * time.Millisecond)
	for time.Now().Before(deadline) {
		_, cancel := w.disp.Subscribe(1)
		cancel()
	}
	close(stop)
	wg.Wait()
}

// A transfer to a queue that does not exist is refused before anything
// happens to the call: the caller stays with the agent.
func TestTransferToMissingTargetLosesNothing(t *testing.T) {
	t.Parallel()
	w := newWorld(t, sim.FrontFreeSWITCH)
	ctx := context.Background()
	caller, bob := w.talkToBob(sim.FrontFreeSWITCH, "13800138088")
	for _, target := range []*dialplan.Target{{Kind: dialplan.KindQueue, Ref: "nope"}, {Kind: dialplan.KindFlow, Ref: "unpublished"}, {Kind: dialplan.KindExternal, Ref: "13900000000"}} {
		if err := w.disp.Control(ctx, tenant, "bob", "transfer", target); !errors.Is(err, dispatch.ErrBadTarget) {
			t.Fatalf("transfer to %+v: %v", target, err)
		}
	}
	// Someone who is not the connected agent cannot act on the call.
	if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "ann", Device: "2001"}); err != nil {
		t.Fatal(err)
	}
	if err := w.disp.Control(ctx, tenant, "ann", "hangup", nil); !errors.Is(err, dispatch.ErrNoCall) {
		t.Fatalf("another agent hung up the call: %v", err)
	}
	time.Sleep(200 * time.Millisecond)
	if !w.sw.Sim.Hears(caller, bob) || !w.sw.Sim.Hears(bob, caller) {
		t.Fatal("the refused transfer disturbed the call")
	}
}

// A subscriber that does not read loses events but is told how many before
// the next one it takes; per-queue logins reach subscribers as events.
func TestSlowSubscriberIsToldOfLostEvents(t *testing.T) {
	t.Parallel()
	w := newWorld(t, sim.FrontFreeSWITCH)
	ctx := context.Background()
	ch, cancel := w.disp.Subscribe(2)
	defer cancel()
	if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "ann", Device: "2001"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ { // state events the full channel cannot take
		if _, err := w.eng.NotReady(ctx, "ann", "break"); err != nil {
			t.Fatal(err)
		}
		if err := w.eng.Ready(ctx, "ann"); err != nil {
			t.Fatal(err)
		}
	}
	// Published so far: ann's login and ten state changes. Give the effect
	// pump time to try them all against the full channel, take the two that
	// fitted, then cause one more event: the notice comes first, with 9.
	time.Sleep(300 * time.Millisecond)
	next := func() dispatch.Event {
		t.Helper()
		select {
		case ev := <-ch:
			return ev
		case <-time.After(5 * time.Second):
			t.Fatal("no event")
		}
		return dispatch.Event{}
	}
	for i := 0; i < 2; i++ {
		if ev := next(); ev.Type != "state" {
			t.Fatalf("event %d: %+v", i, ev)
		}
	}
	if err := w.eng.QueueLogout(ctx, "ann", "support"); err != nil {
		t.Fatal(err)
	}
	if ev := next(); ev.Type != dispatch.EventLost || !strings.HasPrefix(ev.Reason, "9 events dropped") {
		t.Fatalf("want an events_lost notice of 9 first, got %+v", ev)
	}
	if ev := next(); ev.Type != "queue_logout" || ev.Agent != "ann" || ev.Queue != "support" {
		t.Fatalf("want ann's queue_logout of support, got %+v", ev)
	}
}
