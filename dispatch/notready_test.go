package dispatch_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/dispatch"
)

// slowOriginates makes the first fails originates time out, as a switch
// command does under load.
type slowOriginates struct {
	controller.Switch
	fails atomic.Int32
}

func (s *slowOriginates) Originate(ctx context.Context, o controller.Originate) error {
	if s.fails.Add(-1) >= 0 {
		return fmt.Errorf("freeswitch sw1: bgapi originate %s: no reply in 5s: %w", o.LegID, context.DeadlineExceeded)
	}
	return s.Switch.Originate(ctx, o)
}

// notReadyWatch collects the agents set not ready, from the dispatcher's
// event stream.
func notReadyWatch(t *testing.T, d *dispatch.Dispatcher) func() map[string]string {
	events, cancel := d.Subscribe(1024)
	var mu sync.Mutex
	seen := map[string]string{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range events {
			if ev.Type == "state" && ev.State == acd.NotReady.String() {
				mu.Lock()
				seen[ev.Agent] = ev.Reason
				mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-done })
	return func() map[string]string {
		mu.Lock()
		defer mu.Unlock()
		out := map[string]string{}
		for k, v := range seen {
			out[k] = v
		}
		return out
	}
}

// A switch command that fails while ringing an agent (here the originate
// times out, as under load) is ipcc's or the switch's failure, not the
// agent's: they stay available and the caller reaches them on the next try.
func TestFailedOriginateDoesNotMakeTheAgentNotReady(t *testing.T) {
	t.Parallel()
	slow := &slowOriginates{}
	slow.fails.Store(1)
	w := newWrappedWorld(t, sim.FrontFreeSWITCH, func(sw controller.Switch) controller.Switch { slow.Switch = sw; return slow })
	notReady := notReadyWatch(t, w.disp)
	caller, bob := w.talkToBob(sim.FrontFreeSWITCH, "13800138066")
	if caller == "" || bob == "" {
		t.Fatal("not connected")
	}
	if got := notReady(); len(got) != 0 {
		t.Fatalf("agents set not ready by a failed switch command: %v", got)
	}
	if slow.fails.Load() >= 0 {
		t.Fatal("the originate never failed: the test tested nothing")
	}
}

// A caller who hangs up while the agent's phone rings leaves the agent
// available: the phone stopped ringing because ipcc cancelled it.
func TestCallerLeavingWhilePhoneRingsKeepsAgentReady(t *testing.T) {
	t.Parallel()
	w := newWorld(t, sim.FrontFreeSWITCH)
	ctx := context.Background()
	notReady := notReadyWatch(t, w.disp)
	// ann's phone rings and rings (ring timeout 1 s in this world): give
	// her more time, so the caller is the one who leaves.
	q := acd.QueueConfig{ID: "support", Name: "Support", Strategy: "longest-idle", RingTimeout: acd.Duration(30 * time.Second), WrapUp: acd.Duration(time.Second)}
	if err := w.eng.SetQueue(ctx, q); err != nil {
		t.Fatal(err)
	}
	if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "ann", Device: "2001"}); err != nil {
		t.Fatal(err)
	}
	caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: sim.FrontFreeSWITCH, From: "13800138055", To: "4001"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "ann's phone rings", func() bool { return w.legOf("2001") != "" })
	if err := w.sw.Sim.HangupCall(caller); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "ann is available again", func() bool {
		a, err := w.eng.Agent(ctx, "ann")
		return err == nil && a.State == acd.Available
	})
	time.Sleep(300 * time.Millisecond) // anything late would show now
	if a, _ := w.eng.Agent(ctx, "ann"); a.State != acd.Available {
		t.Fatalf("ann is %s (%s)", a.State, a.Reason)
	}
	if got := notReady(); len(got) != 0 {
		t.Fatalf("agents set not ready: %v", got)
	}
}

// agentHangsUp makes the agent's leg end just before the first bridge (or
// the first whisper to the agent) reaches the switch, as when an agent hangs
// up the moment they answer or the switch loses the leg: ipcc has not heard
// of it yet.
type agentHangsUp struct {
	controller.Switch
	sim     *sim.Sim
	whisper bool // at the whisper, not at the bridge
	times   atomic.Int32
}

func (s *agentHangsUp) Bridge(ctx context.Context, legA, legB string) error {
	if !s.whisper && s.times.Add(-1) >= 0 {
		if err := s.sim.HangupCall(legB); err != nil {
			return err
		}
	}
	return s.Switch.Bridge(ctx, legA, legB)
}

func (s *agentHangsUp) Play(ctx context.Context, leg string, p controller.Playback) error {
	if s.whisper {
		if c, err := s.sim.Call(leg); err == nil && c.Endpoint == "2002" && s.times.Add(-1) >= 0 {
			if err := s.sim.HangupCall(leg); err != nil {
				return err
			}
		}
	}
	return s.Switch.Play(ctx, leg, p)
}

// An agent who answered but is gone when ipcc whispers to them or bridges
// the caller does not lose the caller: the caller waits again at their
// place and is connected on the next offer, the call is recorded once,
// answered, and the agent is not made not ready (their phone did not
// refuse the call).
func TestAgentGoneAtBridgeRequeuesTheCaller(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		for _, whisper := range []bool{false, true} {
			name := string(f) + "/at the bridge"
			if whisper {
				name = string(f) + "/at the whisper"
			}
			t.Run(name, func(t *testing.T) {
				hook := &agentHangsUp{whisper: whisper}
				hook.times.Store(1)
				w := newWrappedWorld(t, f, func(sw controller.Switch) controller.Switch { hook.Switch = sw; return hook })
				hook.sim = w.sw.Sim
				notReady := notReadyWatch(t, w.disp)
				ctx := context.Background()
				if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2002"}); err != nil {
					t.Fatal(err)
				}
				caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138077", To: "4001"})
				if err != nil {
					t.Fatal(err)
				}
				var bob string
				waitFor(t, "caller and bob talk on the second offer", func() bool {
					for _, c := range w.sw.Sim.Calls() {
						if c.Endpoint == "2002" && !c.Inbound && c.Ended.IsZero() && w.sw.Sim.Hears(caller, c.ID) && w.sw.Sim.Hears(c.ID, caller) {
							bob = c.ID
							return true
						}
					}
					return false
				})
				if hook.times.Load() >= 0 {
					t.Fatal("the agent never hung up: the test tested nothing")
				}
				if info, err := w.sw.Sim.Call(caller); err != nil || !info.Ended.IsZero() {
					t.Fatalf("the caller's leg ended: %+v %v", info, err)
				}
				if got := notReady(); len(got) != 0 {
					t.Fatalf("agents set not ready: %v", got)
				}
				if err := w.sw.Sim.HangupCall(bob); err != nil {
					t.Fatal(err)
				}
				rec := w.record(caller, nil)
				if rec.Disposition != "answered" || rec.AgentID != "bob" {
					t.Fatalf("record %+v", rec)
				}
				if r := roles(w.legs(rec.ID)); strings.Count(r, "agent:bob:answered") != 2 {
					t.Fatalf("legs %s, want bob's two answered legs", r)
				}
			})
		}
	}
}
