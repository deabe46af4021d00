package dispatch_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/controller/switchtest"
	"github.com/ipcc/ipcc/dispatch"
)

// switchesDouble stands in for the controller: it knows switches by name
// and reports them connecting; it places no calls.
type switchesDouble struct {
	sws    map[string]controller.Switch
	events chan controller.Event
}

// configuredDouble is a switchesDouble that also lists its switches, as
// the controller does for the configured ones.
type configuredDouble struct{ *switchesDouble }

func (s configuredDouble) Switches() []string {
	out := []string{}
	for n := range s.sws {
		out = append(out, n)
	}
	return out
}

func (s *switchesDouble) Dial(context.Context, string, controller.Endpoint, controller.OriginateOptions) (*controller.Call, error) {
	return nil, errors.New("no calls here")
}

func (s *switchesDouble) Switch(name string) (controller.Switch, bool) {
	sw, ok := s.sws[name]
	return sw, ok
}

func (s *switchesDouble) Subscribe(...controller.EventType) (<-chan controller.Event, func()) {
	return s.events, func() {}
}

// Before anything rings, answering from the desktop is offered only when
// every switch that could ring the agent's phone can do it: a queue call
// rings the agent on the switch of the caller's call, not on the
// click-to-dial switch.
func TestRemoteAnswerSupportAcrossSwitches(t *testing.T) {
	t.Parallel()
	fsWorld, astWorld := switchtest.NewSimWorld(t, sim.FrontFreeSWITCH), switchtest.NewSimWorld(t, sim.FrontAsterisk)
	sws := map[string]controller.Switch{
		"fs1": fsWorld.NewSwitch(t, "fs1"), "fs2": fsWorld.NewSwitch(t, "fs2"), "ast1": astWorld.NewSwitch(t, "ast1"),
	}
	tests := []struct {
		name      string
		dial      string
		connected []string
		listed    bool // the controller lists its configured switches
		want      bool
		why       string
	}{
		{"the click-to-dial switch alone, FreeSWITCH", "fs1", nil, false, true, ""},
		{"queue calls from another FreeSWITCH too", "fs1", []string{"fs1", "fs2"}, false, true, ""},
		{"queue calls can come from Asterisk", "fs1", []string{"fs1", "ast1"}, false, false, "ast1 (asterisk)"},
		{"click-to-dial on Asterisk", "ast1", []string{"fs1"}, false, false, "ast1 (asterisk)"},
		{"a switch the controller does not know", "fs1", []string{"gone"}, false, false, "gone (not configured)"},
		{"a configured Asterisk that never connected", "fs1", nil, true, false, "ast1 (asterisk)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			d := dispatch.New(dispatch.Options{Logger: quiet})
			defer d.Close()
			eng, err := d.Engine(ctx, tenant)
			if err != nil {
				t.Fatal(err)
			}
			if err := eng.Login(ctx, acd.LoginRequest{AgentID: "ann", Device: "2001", NotReady: "break"}); err != nil {
				t.Fatal(err)
			}
			dl := &switchesDouble{sws: sws, events: make(chan controller.Event, len(tt.connected))}
			if tt.listed {
				d.SetDialer(configuredDouble{dl}, tt.dial)
			} else {
				d.SetDialer(dl, tt.dial)
			}
			for _, n := range tt.connected {
				dl.events <- controller.Event{Type: controller.EventSwitchConnected, Switch: n}
			}
			var ok bool
			var why string
			waitFor(t, "the connections are seen", func() bool {
				ok, why, err = d.RemoteAnswerSupport(ctx, tenant, "ann")
				return err == nil && len(dl.events) == 0 && ok == tt.want && strings.Contains(why, tt.why)
			})
			if ok != tt.want || (!ok && !strings.Contains(why, tt.why)) || (ok && why != "") {
				t.Fatalf("supported %v (%q), want %v naming %q", ok, why, tt.want, tt.why)
			}
		})
	}
}
