package dispatch

import (
	"context"
	"errors"
	"fmt"

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
// and, when not, why. While a call rings it is decided on that leg;
// otherwise from the agent's device (only SIP extensions) and the switch
// that places click-to-dial calls.
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
	d.mu.Lock()
	dl, name := d.opt.Dialer, d.opt.DialSwitch
	d.mu.Unlock()
	sws, ok := dl.(interface {
		Switch(name string) (controller.Switch, bool)
	})
	if !ok || name == "" {
		return false, "no switch is configured", nil
	}
	sw, ok := sws.Switch(name)
	if !ok {
		return false, fmt.Sprintf("switch %q is not configured", name), nil
	}
	if !sw.Capabilities().RemoteAnswer {
		return false, fmt.Sprintf("the %s driver cannot make a phone answer remotely", sw.Kind()), nil
	}
	return true, "", nil
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
