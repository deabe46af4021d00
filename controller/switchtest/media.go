package switchtest

import (
	"errors"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller"
)

// ExternalWorld is a World that can reach external numbers through a
// trunk (the simulator; a real server with a test gateway). Checks that
// need an external number are skipped, saying so, in worlds without it.
type ExternalWorld interface {
	// ExternalNumber readies number as a ringing party beyond a trunk and
	// returns how to dial it.
	ExternalNumber(t *testing.T, number string) controller.Endpoint
}

// missingLeg is a leg id no switch has.
const missingLeg = "00000000-0000-4000-8000-00000000dead"

// runMute: the agent mutes themself on a bridged call; the caller stops
// hearing them, they still hear the caller; unmute restores both ways.
func runMute(t *testing.T, e *env, o Observer) {
	ctx := ctxT(t)
	c := e.arrive("13800000006", "4001")
	if err := c.Answer(ctx); err != nil {
		t.Fatal(err)
	}
	caller := c.Leg().ID()
	agent, err := c.Originate(ctx, e.w.Phone(t, "1004", "answer"), controller.OriginateOptions{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("originate agent: %v", err)
	}
	if err := c.Bridge(ctx, agent); err != nil {
		t.Fatalf("bridge: %v", err)
	}
	steps := []struct {
		name        string
		mute        bool
		callerHears bool
	}{
		{"muted: the caller hears silence, the agent still hears the caller", true, false},
		{"unmuted: they hear each other", false, true},
		{"muted again", true, false},
		{"unmuted again", false, true},
	}
	for _, st := range steps {
		if err := agent.Mute(ctx, st.mute); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if agent.Muted() != st.mute {
			t.Fatalf("%s: Muted() = %v", st.name, agent.Muted())
		}
		if o != nil {
			eventually(t, st.name, func() bool {
				return o.Hears(caller, agent.ID()) == st.callerHears && o.Hears(agent.ID(), caller)
			})
		}
	}
	if err := e.sw.Mute(ctx, missingLeg, true); !errors.Is(err, controller.ErrNoSuchLeg) {
		t.Fatalf("mute on a leg the switch does not have: %v, want ErrNoSuchLeg", err)
	}
	if err := agent.Hangup(ctx, controller.CauseNormalClearing); err != nil {
		t.Fatal(err)
	}
	if err := c.Hangup(ctx, controller.CauseNormalClearing); err != nil {
		t.Fatal(err)
	}
	<-c.Done()
}

// runRemoteAnswer: an agent's phone rings and the agent answers from the
// desktop. Where the driver reports the capability the phone goes off hook
// and the call connects; elsewhere the request is refused with
// ErrNotSupported and the phone keeps ringing.
func runRemoteAnswer(t *testing.T, e *env, o Observer) {
	ctx := ctxT(t)
	c := e.arrive("13800000007", "4001")
	if err := c.Answer(ctx); err != nil {
		t.Fatal(err)
	}
	ep := e.w.Phone(t, "1005", "ring")
	leg, err := c.StartOriginate(ctx, ep, controller.OriginateOptions{Timeout: 20 * time.Second})
	if err != nil {
		t.Fatalf("ring agent: %v", err)
	}
	if o != nil {
		eventually(t, "the agent's phone rings", func() bool { return o.State(leg.ID()) == "ringing" })
	}
	supported := e.sw.Capabilities().RemoteAnswer && ep.Kind == controller.EndpointExtension
	if (leg.CanRemoteAnswer() == nil) != supported {
		t.Fatalf("CanRemoteAnswer() = %v with capability %v on a %v endpoint", leg.CanRemoteAnswer(), e.sw.Capabilities().RemoteAnswer, ep.Kind)
	}
	err = leg.RemoteAnswer(ctx)
	if !supported {
		if !errors.Is(err, controller.ErrNotSupported) {
			t.Fatalf("remote answer on %s: %v, want ErrNotSupported", e.sw.Kind(), err)
		}
		if o != nil && o.State(leg.ID()) != "ringing" {
			t.Fatalf("a refused remote answer left the phone %s", o.State(leg.ID()))
		}
	} else {
		if err != nil {
			t.Fatalf("remote answer: %v", err)
		}
		select {
		case <-leg.AnsweredC():
		case <-leg.Done():
			t.Fatal("the phone hung up instead of answering")
		case <-time.After(10 * time.Second):
			t.Fatal("the phone did not answer after the talk event")
		}
		if err := c.Bridge(ctx, leg); err != nil {
			t.Fatalf("bridge after remote answer: %v", err)
		}
		if o != nil {
			eventually(t, "caller and agent hear each other", func() bool {
				return o.Hears(c.Leg().ID(), leg.ID()) && o.Hears(leg.ID(), c.Leg().ID())
			})
		}
		if err := e.sw.RemoteAnswer(ctx, missingLeg); !errors.Is(err, controller.ErrNoSuchLeg) {
			t.Fatalf("remote answer on a leg the switch does not have: %v, want ErrNoSuchLeg", err)
		}
	}
	t.Run("an external number is answered only on the handset", func(t *testing.T) {
		xw, ok := e.w.(ExternalWorld)
		if !ok {
			t.Skipf("the %T world cannot call an external number (it does not implement switchtest.ExternalWorld)", e.w)
		}
		ep := xw.ExternalNumber(t, "13900000007")
		ext, err := c.StartOriginate(ctx, ep, controller.OriginateOptions{Timeout: 20 * time.Second})
		if err != nil {
			t.Fatalf("call the external number %s on trunk %s: %v", ep.Number, ep.Trunk, err)
		}
		defer func() { _ = ext.Hangup(ctx, controller.CauseOriginatorCancel) }()
		if err := ext.CanRemoteAnswer(); !errors.Is(err, controller.ErrNotSupported) {
			t.Fatalf("CanRemoteAnswer on an external number: %v, want ErrNotSupported", err)
		}
		if err := ext.RemoteAnswer(ctx); !errors.Is(err, controller.ErrNotSupported) {
			t.Fatalf("remote answer on an external number: %v, want ErrNotSupported", err)
		}
	})
	_ = leg.Hangup(ctx, controller.CauseNormalClearing)
	if err := c.Hangup(ctx, controller.CauseNormalClearing); err != nil {
		t.Fatal(err)
	}
	<-c.Done()
}
