package controller

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/clock"
	"github.com/prometheus/client_golang/prometheus"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// harness runs a Controller over one fakeSwitch with a fake clock.
type harness struct {
	t      *testing.T
	clk    *clock.Fake
	sw     *fakeSwitch
	ctl    *Controller
	reg    *prometheus.Registry
	calls  chan *Call // every call whose handler started
	cancel context.CancelFunc
	done   chan error
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newHarness starts a controller whose handler announces each call on
// h.calls and then runs body (nil: wait for the caller to hang up).
func newHarness(t *testing.T, body func(ctx context.Context, c *Call), tweak ...func(*Options)) *harness {
	t.Helper()
	h := &harness{
		t:     t,
		clk:   clock.NewFake(t0),
		sw:    newFakeSwitch("fs1"),
		reg:   prometheus.NewRegistry(),
		calls: make(chan *Call, 16),
		done:  make(chan error, 1),
	}
	opts := Options{
		Clock:      h.clk,
		Logger:     quietLogger(),
		Registerer: h.reg,
		Handler: func(ctx context.Context, c *Call) {
			h.calls <- c
			if body != nil {
				body(ctx, c)
				return
			}
			select {
			case <-c.Done():
			case <-ctx.Done():
			}
		},
	}
	for _, f := range tweak {
		f(&opts)
	}
	ctl, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	h.ctl = ctl
	if err := ctl.Add(h.sw); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	connected, unsub := ctl.Subscribe(EventSwitchConnected)
	go func() { h.done <- ctl.Run(ctx) }()
	t.Cleanup(h.stop)
	// A real driver announces the connection before any call; wait for it so
	// a test's first CallArrived is not reconciled against an empty switch.
	select {
	case <-connected:
	case <-time.After(5 * time.Second):
		t.Fatal("switch never connected")
	}
	unsub()
	return h
}

// stop cancels Run and waits for it: every handler, pump and helper must
// return, or the test fails instead of hanging.
func (h *harness) stop() {
	h.t.Helper()
	h.cancel()
	select {
	case err := <-h.done:
		if err != nil && !errors.Is(err, context.Canceled) {
			h.t.Errorf("Run returned %v", err)
		}
		h.done <- err // let a second stop see it
	case <-time.After(5 * time.Second):
		h.t.Fatal("controller did not stop within 5s")
	}
}

// arrive emits CallArrived for leg and returns the call its handler got.
func (h *harness) arrive(leg string) *Call {
	h.t.Helper()
	h.sw.emit(Event{Type: EventCallArrived, Leg: leg, ANI: "13800138000", DNIS: "4001", Vars: map[string]string{"tenant": "t1"}})
	select {
	case c := <-h.calls:
		return c
	case <-time.After(5 * time.Second):
		h.t.Fatalf("no handler started for %s", leg)
		return nil
	}
}

// waitFor polls cond (real time) for up to 5s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func countTrace(c *Call, kind string) int {
	n := 0
	for _, e := range c.Trace() {
		if e.Kind == kind {
			n++
		}
	}
	return n
}

func traceHas(c *Call, substr string) bool {
	for _, e := range c.Trace() {
		if strings.Contains(e.Kind+" "+e.Detail, substr) {
			return true
		}
	}
	return false
}
