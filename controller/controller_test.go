package controller

import (
	"context"
	"errors"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipcc/ipcc/clock"
)

// counterValue reads a metric sample whose labels include label from the
// harness registry (0 when absent).
func counterValue(t *testing.T, h *harness, name, label string) float64 {
	t.Helper()
	mfs, err := h.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetValue() == label {
					if m.GetCounter() != nil {
						return m.GetCounter().GetValue()
					}
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	return 0
}

func TestCallArrivedStartsHandlerWithCallData(t *testing.T) {
	h := newHarness(t, nil)
	call := h.arrive("leg-a")
	if call.ANI() != "13800138000" || call.DNIS() != "4001" || call.Switch() != "fs1" ||
		call.Leg().ID() != "leg-a" || call.Vars()["tenant"] != "t1" || call.ID() == "leg-a" {
		t.Fatalf("call data: id %s ani %s dnis %s sw %s vars %v", call.ID(), call.ANI(), call.DNIS(), call.Switch(), call.Vars())
	}
	if got, ok := h.ctl.Call(call.ID()); !ok || got != call {
		t.Fatal("call not registered")
	}
	waitFor(t, "calls_active 1", func() bool { return counterValue(t, h, "ipcc_controller_calls_active", "fs1") == 1 })

	h.sw.emit(Event{Type: EventHungUp, Leg: "leg-a", Cause: CauseNormalClearing, HangupBy: HangupRemote})
	select {
	case <-call.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("Done not closed on hangup")
	}
	cause, by, ok := call.HangupCause()
	if !ok || cause != CauseNormalClearing || by != HangupRemote {
		t.Fatalf("hangup cause %s by %s ok %v", cause, by, ok)
	}
	waitFor(t, "call forgotten", func() bool { _, ok := h.ctl.Call(call.ID()); return !ok })
	waitFor(t, "calls_active 0", func() bool { return counterValue(t, h, "ipcc_controller_calls_active", "fs1") == 0 })
	if n := counterValue(t, h, "ipcc_controller_events_total", "call_arrived"); n != 1 {
		t.Errorf("events_total{call_arrived} = %v", n)
	}
	for _, want := range []string{"event call_arrived leg=leg-a ani=13800138000 dnis=4001", "handler started", "event hung_up leg=leg-a cause=NORMAL_CLEARING by=remote"} {
		if !traceHas(call, want) {
			t.Errorf("trace lacks %q: %+v", want, call.Trace())
		}
	}
}

func TestReconnectReadoptsWithoutSecondHandler(t *testing.T) {
	var handlers atomic.Int32
	h := newHarness(t, func(ctx context.Context, c *Call) {
		handlers.Add(1)
		select {
		case <-c.Done():
		case <-ctx.Done():
		}
	})
	sub, cancel := h.ctl.Subscribe(EventSwitchConnected, EventSwitchDisconnected)
	defer cancel()
	call := h.arrive("leg-a")
	h.sw.setLive("leg-a")

	h.sw.emit(Event{Type: EventSwitchDisconnected, Err: "EOF"})
	h.sw.emit(Event{Type: EventSwitchConnected})
	h.sw.emit(Event{Type: EventCallArrived, Leg: "leg-a", ANI: "13800138000", DNIS: "4001"})
	h.sw.emit(Event{Type: EventCallArrived, Leg: "leg-b", DNIS: "4002"})
	other := <-h.calls
	if other.Leg().ID() != "leg-b" {
		t.Fatalf("second call is %s", other.Leg().ID())
	}
	select {
	case c := <-h.calls:
		t.Fatalf("a second handler started for %s", c.Leg().ID())
	case <-time.After(50 * time.Millisecond):
	}
	if n := handlers.Load(); n != 2 {
		t.Fatalf("%d handlers, want 2 (one per distinct leg)", n)
	}
	if !traceHas(call, "event call_arrived leg=leg-a") || countTrace(call, "event") < 2 {
		t.Errorf("re-adoption not traced: %+v", call.Trace())
	}
	select {
	case <-call.Done():
		t.Fatal("re-adopted live call was hung up by reconcile")
	default:
	}

	var got []EventType
	deadline := time.After(5 * time.Second)
	for len(got) < 2 {
		select {
		case ev := <-sub:
			got = append(got, ev.Type)
		case <-deadline:
			t.Fatalf("subscriber got %v", got)
		}
	}
	want := []EventType{EventSwitchDisconnected, EventSwitchConnected}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("subscriber got %v, want %v", got, want)
		}
	}
}

func TestReconcileHangsUpLegsThatVanished(t *testing.T) {
	h := newHarness(t, nil)
	gone := h.arrive("leg-gone")
	kept := h.arrive("leg-kept")
	h.sw.setLive("leg-kept")
	h.sw.emit(Event{Type: EventSwitchDisconnected})
	h.sw.emit(Event{Type: EventSwitchConnected})
	select {
	case <-gone.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("vanished leg not hung up after reconnect")
	}
	if cause, by, _ := gone.HangupCause(); by != HangupSwitch || cause == "" {
		t.Errorf("synthetic hangup %s by %s", cause, by)
	}
	if !traceHas(gone, "vanished while the switch was disconnected") {
		t.Errorf("trace: %+v", gone.Trace())
	}
	select {
	case <-kept.Done():
		t.Fatal("live leg hung up by reconcile")
	default:
	}
}

func TestSlowSubscriberNeverBlocksThePump(t *testing.T) {
	h := newHarness(t, nil, func(o *Options) { o.SubscriberBuffer = 4 })
	slow, cancelSlow := h.ctl.Subscribe() // never read
	defer cancelSlow()
	fast, cancelFast := h.ctl.Subscribe(EventDTMF)
	defer cancelFast()
	call := h.arrive("leg-a")
	for i := 0; i < 100; i++ {
		h.sw.emit(Event{Type: EventDTMF, Leg: "leg-a", Digit: "1"})
		select {
		case ev := <-fast:
			if ev.Type != EventDTMF {
				t.Fatalf("filtered subscriber got %s", ev.Type)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("fast subscriber starved after %d events", i)
		}
	}
	waitFor(t, "drops counted", func() bool {
		mfs, _ := h.reg.Gather()
		for _, mf := range mfs {
			if mf.GetName() == "ipcc_controller_subscriber_drops_total" {
				return mf.GetMetric()[0].GetCounter().GetValue() > 0
			}
		}
		return false
	})
	if len(slow) != 4 {
		t.Errorf("slow subscriber holds %d events, want its buffer (4) full", len(slow))
	}
	// The pump is still alive: a hangup still reaches the call.
	h.sw.emit(Event{Type: EventHungUp, Leg: "leg-a"})
	select {
	case <-call.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("pump blocked")
	}
}

func TestShutdownLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	clk := clock.NewFake(t0)
	sws := []*fakeSwitch{newFakeSwitch("fs1"), newFakeSwitch("ast1")}
	started := make(chan struct{}, 8)
	ctl, err := New(Options{Clock: clk, Logger: quietLogger(), Handler: func(ctx context.Context, c *Call) {
		started <- struct{}{}
		switch c.Leg().ID()[:1] {
		case "p":
			_, _ = c.Play(ctx, PlayOptions{Media: []Media{{Kind: MediaFile, Value: "moh.wav"}}})
		case "c":
			_, _ = c.PlayAndCollect(ctx, Collect{Max: 4})
		default:
			_, _ = c.Originate(ctx, Endpoint{Kind: EndpointExtension, Number: "1001"}, OriginateOptions{})
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, sw := range sws {
		if err := ctl.Add(sw); err != nil {
			t.Fatal(err)
		}
	}
	if got := ctl.Switches(); len(got) != len(sws) || !slices.IsSorted(got) {
		t.Fatalf("Switches() = %v for %d switches added", got, len(sws))
	}
	sub, _ := ctl.Subscribe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ctl.Run(ctx) }()
	for n := 0; n < len(sws); {
		if ev := <-sub; ev.Type == EventSwitchConnected {
			n++
		}
	}
	for _, sw := range sws {
		for _, leg := range []string{"p1", "c1", "o1"} {
			sw.emit(Event{Type: EventCallArrived, Leg: leg})
		}
	}
	for i := 0; i < 6; i++ {
		<-started
	}
	waitFor(t, "handlers waiting", func() bool { return clk.Waiters() >= 4 }) // 2 collect + 2 originate timers
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	for range sub { // closed by Run
	}
	if err := ctl.Add(newFakeSwitch("late")); err == nil {
		t.Error("Add after shutdown succeeded")
	}
	waitFor(t, "goroutines to exit", func() bool { return runtime.NumGoroutine() <= before })
	if clk.Waiters() != 0 {
		t.Errorf("%d timers left armed", clk.Waiters())
	}
	// Clean-up commands were still sent despite the cancelled context.
	if cmds := strings.Join(sws[0].commands(), "\n"); !strings.Contains(cmds, "stop_playback p1") || !strings.Contains(cmds, "hangup ") {
		t.Errorf("clean-up commands missing: %s", cmds)
	}
}

func TestHandlerPanicHangsUpThatCallOnly(t *testing.T) {
	h := newHarness(t, func(ctx context.Context, c *Call) {
		if c.Leg().ID() == "boom" {
			panic("flow bug")
		}
		select {
		case <-c.Done():
		case <-ctx.Done():
		}
	})
	bad := h.arrive("boom")
	h.sw.waitCmd(t, "hangup boom NORMAL_TEMPORARY_FAILURE")
	<-bad.Done()
	good := h.arrive("fine")
	select {
	case <-good.Done():
		t.Fatal("other call affected")
	default:
	}
	if !traceHas(bad, "handler panicked: flow bug") {
		t.Errorf("trace: %+v", bad.Trace())
	}
}

func TestNilHandlerLeavesCallParked(t *testing.T) {
	h := newHarness(t, nil, func(o *Options) { o.Handler = nil })
	h.sw.emit(Event{Type: EventCallArrived, Leg: "leg-a"})
	waitFor(t, "call registered", func() bool { return len(h.ctl.Calls()) == 1 })
	call := h.ctl.Calls()[0]
	waitFor(t, "handler note", func() bool { return traceHas(call, "no handler") })
	for _, c := range h.sw.commands() {
		t.Errorf("nil handler sent %q", c)
	}
	h.sw.emit(Event{Type: EventHungUp, Leg: "leg-a"})
	waitFor(t, "call forgotten", func() bool { return len(h.ctl.Calls()) == 0 })
}

func TestAddAndNew(t *testing.T) {
	ctl, err := New(Options{Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	if err := ctl.Add(newFakeSwitch("a")); err != nil {
		t.Fatal(err)
	}
	if err := ctl.Add(newFakeSwitch("a")); !errors.Is(err, ErrInvalidArgument) {
		t.Errorf("duplicate name: %v", err)
	}
	if err := ctl.Add(nil); err == nil {
		t.Error("nil switch accepted")
	}
	if sw, ok := ctl.Switch("a"); !ok || sw.Name() != "a" {
		t.Error("Switch lookup")
	}
	h := newHarness(t, nil)
	if _, err := New(Options{Registerer: h.reg}); err == nil {
		t.Error("second controller on one registry accepted")
	}
}

func TestTraceIsBounded(t *testing.T) {
	h := newHarness(t, nil, func(o *Options) { o.MaxTrace = 10 })
	call := h.arrive("leg-a")
	for i := 0; i < 50; i++ {
		call.Note("flow", "node")
	}
	tr := call.Trace()
	if len(tr) != 11 || tr[0].Kind != "trace" || !strings.Contains(tr[0].Detail, "dropped") {
		t.Fatalf("trace %d entries, first %+v", len(tr), tr[0])
	}
}

func TestOnCallEndedOncePerCall(t *testing.T) {
	ended := make(chan *Call, 4)
	h := newHarness(t, nil, func(o *Options) { o.OnCallEnded = func(c *Call) { ended <- c } })
	call := h.arrive("leg-a")
	h.clk.Advance(42 * time.Second)
	h.sw.emit(Event{Type: EventHungUp, Leg: "leg-a", Cause: CauseNormalClearing, HangupBy: HangupRemote})
	h.sw.emit(Event{Type: EventHungUp, Leg: "leg-a", Cause: CauseNormalClearing, HangupBy: HangupRemote}) // duplicate
	select {
	case got := <-ended:
		if got != call || got.Ended().Sub(got.Created()) != 42*time.Second {
			t.Fatalf("ended call %s after %s", got.ID(), got.Ended().Sub(got.Created()))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("OnCallEnded not called")
	}
	h.stop()
	select {
	case <-ended:
		t.Fatal("OnCallEnded called twice")
	default:
	}
}
