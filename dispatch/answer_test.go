package dispatch_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/dispatch"
)

// A queue call rings ann's desk phone (which she does not pick up); she
// clicks answer on the desktop. On FreeSWITCH the phone goes off hook on
// the talk event and she talks to the caller; on Asterisk the request is
// refused as not supported and the phone keeps ringing.
func TestScenarioAnswerFromDesktop(t *testing.T) {
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			// Ring long enough for the click; the world's 1s is for timeouts.
			q := acd.QueueConfig{ID: "support", Name: "Support", Strategy: "longest-idle", RingTimeout: acd.Duration(20 * time.Second)}
			if err := w.eng.SetQueue(ctx, q); err != nil {
				t.Fatal(err)
			}
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "ann", Device: "2001"}); err != nil {
				t.Fatal(err)
			}
			if err := w.disp.AnswerOffer(ctx, tenant, "ann"); !errors.Is(err, dispatch.ErrNoOffer) {
				t.Fatalf("answer with nothing ringing: %v, want ErrNoOffer", err)
			}
			caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138071", To: "4001"})
			if err != nil {
				t.Fatal(err)
			}
			var phone string
			waitFor(t, "ann's phone rings with the offer", func() bool {
				phone = w.legOf("2001")
				a, err := w.eng.Agent(ctx, "ann")
				return phone != "" && mustCall(w, phone).State == "ringing" && err == nil && a.State == acd.Ringing
			})
			ok, why, err := w.disp.RemoteAnswerSupport(ctx, tenant, "ann")
			if err != nil {
				t.Fatal(err)
			}
			err = w.disp.AnswerOffer(ctx, tenant, "ann")
			if f == sim.FrontAsterisk {
				if ok || why == "" {
					t.Fatalf("Asterisk reports remote answer support %v (%q)", ok, why)
				}
				if !errors.Is(err, controller.ErrNotSupported) {
					t.Fatalf("answer on Asterisk: %v, want ErrNotSupported", err)
				}
				time.Sleep(200 * time.Millisecond)
				if st := mustCall(w, phone).State; st != "ringing" {
					t.Fatalf("the refused answer left the phone %s", st)
				}
				return
			}
			if !ok {
				t.Fatalf("FreeSWITCH desk phone reported unable to answer remotely: %s", why)
			}
			if err != nil {
				t.Fatalf("answer from the desktop: %v", err)
			}
			waitFor(t, "caller and ann talk", func() bool {
				return w.sw.Sim.Hears(caller, phone) && w.sw.Sim.Hears(phone, caller)
			})
			waitFor(t, "ann is on the call", func() bool {
				a, err := w.eng.Agent(ctx, "ann")
				return err == nil && a.State == acd.OnCall
			})
			if err := w.disp.AnswerOffer(ctx, tenant, "ann"); !errors.Is(err, dispatch.ErrNoOffer) {
				t.Fatalf("answer again while talking: %v, want ErrNoOffer", err)
			}
		})
	}
}

// Whether an agent could answer from the desktop follows the device kind
// and the driver, before any call rings.
func TestRemoteAnswerSupportByDevice(t *testing.T) {
	w := newWorld(t, sim.FrontFreeSWITCH)
	ctx := context.Background()
	w.disp.SetDialer(w.ctl, "sw1")
	tests := []struct {
		agent, device string
		want          bool
	}{
		{"ann", "2001", true},
		{"bob", "tel:13900000001", false},
	}
	for _, tt := range tests {
		if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: tt.agent, Device: tt.device, NotReady: "break"}); err != nil {
			t.Fatal(err)
		}
		ok, why, err := w.disp.RemoteAnswerSupport(ctx, tenant, tt.agent)
		if err != nil || ok != tt.want || (!ok && why == "") {
			t.Errorf("device %s: supported %v (%q) err %v, want %v", tt.device, ok, why, err, tt.want)
		}
	}
}

// The agent mutes themself: the caller stops hearing them, they still hear
// the caller, and the desktop gets muted / unmuted events.
func TestScenarioAgentMute(t *testing.T) {
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			if err := w.disp.Control(ctx, tenant, "bob", "mute", nil); !errors.Is(err, dispatch.ErrNoCall) {
				t.Fatalf("mute without a call: %v", err)
			}
			events, unsub := w.disp.Subscribe(64)
			defer unsub()
			caller, bob := w.talkToBob(f, "13800138072")
			waitEvent := func(typ string) dispatch.Event {
				t.Helper()
				deadline := time.After(10 * time.Second)
				for {
					select {
					case ev := <-events:
						if ev.Type == typ && ev.Agent == "bob" {
							return ev
						}
					case <-deadline:
						t.Fatalf("no %s event for bob", typ)
					}
				}
			}
			steps := []struct {
				op, event   string
				callerHears bool
			}{
				{"mute", dispatch.EventMuted, false},
				{"unmute", dispatch.EventUnmuted, true},
			}
			for _, st := range steps {
				if err := w.disp.Control(ctx, tenant, "bob", st.op, nil); err != nil {
					t.Fatalf("%s: %v", st.op, err)
				}
				waitFor(t, st.op+": caller hears bob = "+map[bool]string{true: "yes", false: "no"}[st.callerHears], func() bool {
					return w.sw.Sim.Hears(caller, bob) == st.callerHears && w.sw.Sim.Hears(bob, caller)
				})
				if ev := waitEvent(st.event); ev.Call == "" || ev.Tenant != tenant {
					t.Fatalf("%s event without its call: %+v", st.event, ev)
				}
			}
		})
	}
}
