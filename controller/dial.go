package controller

import (
	"context"
	"fmt"
	"maps"
)

// Dial places a new outbound call on the named switch (dialer campaigns,
// callbacks, a supervisor's phone for eavesdropping) and waits until it is
// answered or fails (*OriginateError). The returned Call has the dialed leg
// as its Leg(); Outbound() is true; ANI is the caller id sent and DNIS the
// number dialed. No Handler is started: the caller of Dial drives the call
// from its own goroutine with the usual methods.
func (c *Controller) Dial(ctx context.Context, switchName string, ep Endpoint, o OriginateOptions) (*Call, error) {
	requested := switchName
	if ep.Kind == EndpointExtension {
		// A phone is called from its own switch (Options.Sites): no
		// trunk between the phone and the call's other parties' switch
		// is needed for the phone itself.
		if home, ok := c.HomeSwitch(ep.Number); ok {
			switchName = home
		}
	}
	c.mu.Lock()
	sw, ok := c.switches[switchName]
	running := c.running && !c.stopping
	c.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("controller: dial %q: %w: unknown switch %q", ep.Number, ErrInvalidArgument, switchName)
	}
	if !running {
		return nil, fmt.Errorf("controller: dial %q on %s: controller not running", ep.Number, switchName)
	}
	legID := newID()
	call := newCall(c, sw, Event{Type: EventCallArrived, Switch: switchName, Leg: legID,
		ANI: o.CallerIDNum, ANIName: o.CallerIDName, DNIS: ep.Number, Vars: maps.Clone(o.Vars)})
	call.outbound = true
	call.handlerDone = true // nobody but the dialer drives it
	call.inbound.accepted = false
	call.inbound.inbound = false
	call.trace = call.trace[:0]
	call.Note("dial", fmt.Sprintf("to %s via %s", ep.Number, switchName))
	if requested != switchName {
		call.Note("dial", fmt.Sprintf("phone %s is on switch %s, not %s: the call is placed there", ep.Number, switchName, requested))
	}

	c.mu.Lock()
	c.legs[legKey{switchName, legID}] = call
	c.calls[call.id] = call
	c.mu.Unlock()
	c.metrics.callsActive.WithLabelValues(switchName).Inc()

	if err := call.beginWait(); err != nil {
		return nil, err // cannot happen: nobody else knows the call yet
	}
	defer call.endWait()
	if err := call.originateLeg(ctx, call.inbound, ep, o); err != nil {
		// The attempt's only leg is gone, so the call is forgotten.
		return nil, err
	}
	return call, nil
}
