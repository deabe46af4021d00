package dispatch

import (
	"context"
	"time"

	"github.com/ipcc/ipcc/controller"
)

// Holds. A queue call is on hold while ipcc holds its caller (the agent's
// Hold in the desktop or the API, a consultation) or while a party's phone
// holds it (the hold button of the agent's desk phone, which the switch
// reports). Subscribers get one held event when the call goes on hold,
// whatever the source, and one unheld when nothing holds it any more: the
// desktop's flags and the supervisor's long-hold alert follow them.

// holdState is what holds one call: "api" for a hold an agent asked for
// through the API, else the ids of legs the switch reports held.
type holdState map[string]bool

// FollowHolds publishes held and unheld for queue calls from the switch's
// hold events (a controller subscription to EventHold and EventUnhold),
// until events is closed or ctx ends.
func (d *Dispatcher) FollowHolds(ctx context.Context, events <-chan controller.Event) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-events:
			if !ok {
				return
			}
			if ev.Type == controller.EventHold || ev.Type == controller.EventUnhold {
				d.switchHold(ctx, ev)
			}
		}
	}
}

// switchHold applies a hold or unhold the switch reported on a leg of a
// queue call.
func (d *Dispatcher) switchHold(ctx context.Context, ev controller.Event) {
	var w *waiter
	d.mu.Lock()
	// The leg's queue call from the index (the caller's leg is indexed
	// when it joins, other legs once found), checked: it is still
	// waiting and still has the leg. Otherwise one pass over the queue
	// calls (an agent's or consulted leg seen for the first time, or a
	// call that is not a queue call).
	k := ev.Switch + "/" + ev.Leg
	if x := d.byLeg[k]; x != nil && d.waiting[x.tenant+"/"+x.id] == x && x.c.HasLeg(ev.Leg) {
		w = x
	}
	if w == nil {
		for _, x := range d.waiting {
			if x.c.Switch() == ev.Switch && x.c.HasLeg(ev.Leg) {
				w = x
				d.indexLegLocked(w, ev.Switch, ev.Leg)
				break
			}
		}
	}
	d.mu.Unlock()
	if w == nil {
		return // not a queue call (an IVR, a click-to-dial call)
	}
	agent, _ := w.eng.OnCallAgent(ctx, w.id)
	if agent == "" {
		// A caller waiting in the queue (an agent's phone may be ringing)
		// is held by ipcc, with music: that is waiting, not a hold.
		return
	}
	at := ev.Time
	if at.IsZero() {
		at = time.Now()
	}
	d.setHold(Event{Tenant: w.tenant, Agent: agent, Call: w.id, Queue: w.queue, At: at.UTC()}, "leg:"+ev.Leg, ev.Type == controller.EventHold)
}

// indexLegLocked notes that leg of switch sw belongs to queue call w
// (d.mu held).
func (d *Dispatcher) indexLegLocked(w *waiter, sw, leg string) {
	k := sw + "/" + leg
	if d.byLeg[k] == w {
		return
	}
	d.byLeg[k] = w
	w.legKeys = append(w.legKeys, k)
}

// unindexLegsLocked drops w's legs from the index (d.mu held).
func (d *Dispatcher) unindexLegsLocked(w *waiter) {
	for _, k := range w.legKeys {
		if d.byLeg[k] == w {
			delete(d.byLeg, k)
		}
	}
	w.legKeys = nil
}

// setHold notes that source holds (on) or no longer holds the call of ev
// and publishes held or unheld (ev's fields) when the call's hold changes.
func (d *Dispatcher) setHold(ev Event, source string, on bool) {
	key := ev.Tenant + "/" + ev.Call
	d.mu.Lock()
	hs := d.holds[key]
	before := len(hs) > 0
	switch {
	case on && hs == nil:
		hs = holdState{source: true}
		d.holds[key] = hs
	case on:
		hs[source] = true
	case hs != nil:
		delete(hs, source)
		if len(hs) == 0 {
			delete(d.holds, key)
		}
	}
	after := len(hs) > 0
	switch {
	case after && !before:
		d.heldSince[key] = ev.At
	case !after:
		delete(d.heldSince, key)
	}
	d.mu.Unlock()
	if before == after {
		return
	}
	ev.Type = "unheld"
	if after {
		ev.Type = "held"
	}
	d.publish(ev)
}

// forgetHoldsLocked drops what held a call that left the queue's hands (its
// end, a transfer); d.mu held.
func (d *Dispatcher) forgetHoldsLocked(key string) {
	delete(d.holds, key)
	delete(d.heldSince, key)
}

// HeldSince reports when the tenant's call went on hold, if it is on hold
// now (from any source), so a supervisor's console opened or reloaded
// mid-hold knows the hold's age without having seen its held event.
func (d *Dispatcher) HeldSince(tenant, call string) (time.Time, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	at, ok := d.heldSince[tenant+"/"+call]
	return at, ok
}
