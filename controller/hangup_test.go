package controller

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// A leg ipcc already asked to hang up is not killed again while the switch
// tears it down: the second kill would find no channel (FreeSWITCH
// "-ERR No such channel!"), an error in every bridged call's trace.
func TestHangupOfALegGoingAwayIsSentOnce(t *testing.T) {
	h := newHarness(t, nil)
	h.sw.slowHangup = true
	c := h.arrive("leg-a")
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		if err := c.Hangup(ctx, CauseNormalClearing); err != nil {
			t.Fatalf("hangup %d: %v", i+1, err)
		}
	}
	n := 0
	for _, cmd := range h.sw.commands() {
		if strings.HasPrefix(cmd, "hangup leg-a") {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("hangup sent %d times: %q", n, h.sw.commands())
	}
	h.sw.emit(Event{Type: EventHungUp, Leg: "leg-a", Cause: CauseNormalClearing, HangupBy: HangupController})
	<-c.Done()
}

// A hangup the switch answers with "no such leg" did what was asked (the
// switch ended the leg with its peer): the caller sees the error, the
// trace says so without calling it an error.
func TestHangupOfAGoneLegIsNotATraceError(t *testing.T) {
	h := newHarness(t, nil)
	c := h.arrive("leg-a")
	h.sw.mu.Lock()
	h.sw.fail["hangup"] = fmt.Errorf("uuid_kill leg-a: %w", ErrNoSuchLeg)
	h.sw.mu.Unlock()
	if err := c.Hangup(context.Background(), CauseNormalClearing); err == nil {
		t.Fatal("hangup of a gone leg reported no error to its caller")
	}
	if n := countTrace(c, "error"); n != 0 {
		t.Errorf("%d error entries in the trace: %+v", n, c.Trace())
	}
	if !traceHas(c, "already gone") {
		t.Errorf("the trace does not say the leg was already gone: %+v", c.Trace())
	}
	h.sw.emit(Event{Type: EventHungUp, Leg: "leg-a", Cause: CauseNormalClearing, HangupBy: HangupRemote})
	<-c.Done()
}
