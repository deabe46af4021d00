package switchtest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller"
)

// Watcher runs a driver for a test that talks to it directly (the
// real-server media and trunk tests) and waits for its events.
type Watcher struct {
	t      *testing.T
	Ctx    context.Context // cancelled when the test ends
	events chan controller.Event

	mu   sync.Mutex
	seen []string
}

// Watch runs sw until the test ends and waits until it is connected.
func Watch(t *testing.T, sw controller.Switch) *Watcher {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	w := &Watcher{t: t, Ctx: ctx, events: make(chan controller.Event, 1024)}
	go func() { _ = sw.Run(ctx) }()
	go func() {
		for {
			select {
			case e := <-sw.Events():
				w.events <- e
			case <-ctx.Done():
				return
			}
		}
	}()
	w.Wait("connected", Is(controller.EventSwitchConnected, ""))
	return w
}

// Wait returns the first event match accepts, failing the test after 15 s
// with the events seen.
func (w *Watcher) Wait(what string, match func(controller.Event) bool) controller.Event {
	w.t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		select {
		case e := <-w.events:
			w.mu.Lock()
			w.seen = append(w.seen, e.Type.String()+" "+e.Leg)
			w.mu.Unlock()
			if match(e) {
				return e
			}
		case <-deadline:
			w.t.Fatalf("timed out waiting for %s; events seen: %v", what, w.Seen())
		}
	}
}

// Seen lists the events waited through so far as "type leg".
func (w *Watcher) Seen() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.seen...)
}

// Is matches an event of type typ for leg (any leg when empty).
func Is(typ controller.EventType, leg string) func(controller.Event) bool {
	return func(e controller.Event) bool { return e.Type == typ && (leg == "" || e.Leg == leg) }
}
