package dispatch

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/controller"
)

// ErrNoOffer: no call is ringing the agent's phone right now.
var ErrNoOffer = errors.New("no call is ringing for this agent")

// AnswerOffer answers, from the agent desktop, the queue call ringing the
// agent's phone: the switch tells the phone to go off hook (FreeSWITCH's
// talk event to a SIP desk phone), and the call connects as if the agent
// had lifted the handset. Where the switch or the device cannot do it
// (Asterisk, an external or mobile number) it returns an error wrapping
// controller.ErrNotSupported and the phone keeps ringing.
func (d *Dispatcher) AnswerOffer(ctx context.Context, tenant, agentID string) error {
	leg, callID, err := d.ringingLeg(ctx, tenant, agentID)
	if err != nil {
		return err
	}
	if err := leg.RemoteAnswer(ctx); err != nil {
		return fmt.Errorf("dispatch: answer call %s for agent %s: %w", callID, agentID, err)
	}
	leg.Call().Note("queue", "agent "+agentID+" answered from the desktop")
	return nil
}

// RemoteAnswerSupport says whether the agent can answer from the desktop
// and, when not, why. While a call rings it is decided on that leg.
// Otherwise the agent's device must be a SIP extension, and every switch
// that could ring it must be able to make a phone answer: a queue call's
// offer rings the agent on the switch of the caller's call, so that is
// every switch of the controller (those seen connecting or bringing a
// queue call, and the click-to-dial switch) — or, when the controller's
// sites place the phone on a switch, that switch (docs/sites.md). The
// reason names the switches that cannot.
func (d *Dispatcher) RemoteAnswerSupport(ctx context.Context, tenant, agentID string) (bool, string, error) {
	if leg, _, err := d.ringingLeg(ctx, tenant, agentID); err == nil {
		if err := leg.CanRemoteAnswer(); err != nil {
			return false, err.Error(), nil
		}
		return true, "", nil
	} else if !errors.Is(err, ErrNoOffer) {
		return false, "", err
	}
	eng, err := d.tenants.Get(ctx, tenant)
	if err != nil {
		return false, "", err
	}
	a, err := eng.Agent(ctx, agentID)
	if err != nil {
		return false, "", err
	}
	ep, err := d.endpointFor(a.Device)
	if err != nil {
		return false, err.Error(), nil
	}
	if ep.Kind != controller.EndpointExtension {
		return false, fmt.Sprintf("device %q is not a SIP extension: external and mobile numbers answer only on the handset", a.Device), nil
	}
	sws, names := d.ringSwitches()
	if sws == nil || len(names) == 0 {
		return false, "no switch is configured", nil
	}
	// With several sites the phone is rung directly only on its own
	// switch; a call from another switch reaches it through a trunk, where
	// the ringing leg itself refuses a remote answer (see above).
	d.mu.Lock()
	dialer := d.opt.Dialer
	d.mu.Unlock()
	if h, ok := dialer.(interface{ HomeSwitch(string) (string, bool) }); ok {
		if home, placed := h.HomeSwitch(ep.Number); placed {
			names = []string{home}
		}
	}
	var cannot []string
	for _, name := range names {
		sw, ok := sws.Switch(name)
		if !ok {
			cannot = append(cannot, fmt.Sprintf("%s (not configured)", name))
		} else if !sw.Capabilities().RemoteAnswer {
			cannot = append(cannot, fmt.Sprintf("%s (%s)", name, sw.Kind()))
		}
	}
	if len(cannot) > 0 {
		return false, fmt.Sprintf("queue calls can ring your phone from switch %s, which cannot make a phone answer remotely", strings.Join(cannot, ", ")), nil
	}
	return true, "", nil
}

// ringSwitches returns where the dispatcher finds switches by name and
// the names, sorted, of those that can ring agents.
func (d *Dispatcher) ringSwitches() (interface {
	Switch(name string) (controller.Switch, bool)
}, []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	sws, ok := d.opt.Dialer.(interface {
		Switch(name string) (controller.Switch, bool)
	})
	if !ok {
		return nil, nil
	}
	names := make([]string, 0, len(d.switches)+1)
	for n := range d.switches {
		names = append(names, n)
	}
	if d.opt.DialSwitch != "" && !d.switches[d.opt.DialSwitch] {
		names = append(names, d.opt.DialSwitch)
	}
	sort.Strings(names)
	return sws, names
}

// ringingLeg finds the leg ringing the agent's phone for the call the
// engine offered them.
func (d *Dispatcher) ringingLeg(ctx context.Context, tenant, agentID string) (*controller.Leg, string, error) {
	eng, err := d.tenants.Get(ctx, tenant)
	if err != nil {
		return nil, "", err
	}
	a, err := eng.Agent(ctx, agentID)
	if err != nil {
		return nil, "", err
	}
	if a.State != acd.Ringing || a.CallID == "" {
		return nil, "", ErrNoOffer
	}
	d.mu.Lock()
	w := d.waiting[tenant+"/"+a.CallID]
	d.mu.Unlock()
	if w == nil {
		return nil, "", ErrNoOffer
	}
	// Offers are originated with ipcc_agent set (waiter.offer); in a
	// ring-all group each agent has a leg of their own.
	for _, l := range w.c.Legs() {
		if l.Inbound() || l.OriginateVar("ipcc_agent") != agentID || l.Answered() {
			continue
		}
		if _, _, gone := l.HangupCause(); gone {
			continue
		}
		return l, a.CallID, nil
	}
	return nil, "", ErrNoOffer
}
