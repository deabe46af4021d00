package controller

import (
	"context"
	"errors"
	"testing"
)

func TestLegMuteSendsCommandAndTracksState(t *testing.T) {
	h := newHarness(t, nil)
	c := h.arrive("caller")
	ctx := context.Background()
	if err := c.Leg().Mute(ctx, true); err != nil {
		t.Fatal(err)
	}
	h.sw.waitCmd(t, "mute caller true")
	if !c.Leg().Muted() {
		t.Fatal("Muted() false after Mute(true)")
	}
	if err := c.Leg().Mute(ctx, false); err != nil {
		t.Fatal(err)
	}
	h.sw.waitCmd(t, "mute caller false")
	if c.Leg().Muted() {
		t.Fatal("Muted() true after Mute(false)")
	}

	h.sw.mu.Lock()
	h.sw.fail = map[string]error{"mute": ErrNoSuchLeg}
	h.sw.mu.Unlock()
	if err := c.Leg().Mute(ctx, true); !errors.Is(err, ErrNoSuchLeg) {
		t.Fatalf("refused mute: %v", err)
	}
	if c.Leg().Muted() {
		t.Fatal("a refused mute was recorded as muted")
	}

	h.sw.emit(Event{Type: EventHungUp, Leg: "caller", Cause: CauseNormalClearing, HangupBy: HangupRemote})
	<-c.Done()
	if err := c.Leg().Mute(ctx, true); !errors.Is(err, ErrHungUp) {
		t.Fatalf("mute after hangup: %v", err)
	}
}

func TestRemoteAnswerOnlyForExtensionsOnCapableSwitches(t *testing.T) {
	tests := []struct {
		name    string
		capable bool
		ep      Endpoint
		inbound bool
		wantErr bool
	}{
		{"SIP extension on a capable switch", true, Endpoint{Kind: EndpointExtension, Number: "1001"}, false, false},
		{"SIP extension on a switch without remote answer", false, Endpoint{Kind: EndpointExtension, Number: "1001"}, false, true},
		{"external number never", true, Endpoint{Kind: EndpointExternal, Number: "13900000000", Trunk: "gw"}, false, true},
		{"raw dial string never", true, Endpoint{Kind: EndpointRaw, Number: "loopback/1001"}, false, true},
		{"inbound leg never", true, Endpoint{}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.sw.remoteAnswer = tt.capable
			c := h.arrive("caller")
			ctx := context.Background()
			leg := c.Leg()
			if !tt.inbound {
				var err error
				leg, err = c.StartOriginate(ctx, tt.ep, OriginateOptions{Vars: map[string]string{"ipcc_agent": "bob"}})
				if err != nil {
					t.Fatal(err)
				}
				h.sw.waitCmd(t, "originate "+leg.ID())
				if got := leg.OriginateVar("ipcc_agent"); got != "bob" {
					t.Fatalf("OriginateVar = %q", got)
				}
				if ep, ok := leg.Endpoint(); !ok || ep != tt.ep {
					t.Fatalf("Endpoint = %+v %v", ep, ok)
				}
			}
			err := leg.RemoteAnswer(ctx)
			if tt.wantErr {
				if !errors.Is(err, ErrNotSupported) {
					t.Fatalf("RemoteAnswer: %v, want ErrNotSupported", err)
				}
				for _, cmd := range h.sw.commands() {
					if cmd == "remote_answer "+leg.ID() {
						t.Fatal("an unsupported remote answer reached the switch")
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			h.sw.waitCmd(t, "remote_answer "+leg.ID())
		})
	}
}
