package dispatch_test

import (
	"context"
	"errors"
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
