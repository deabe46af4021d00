package freeswitch

import (
	"github.com/ipcc/ipcc/controller"
)

// Music on hold. FreeSWITCH's uuid_hold (switch_ivr_hold) does not play
// music to the channel it holds: it tells that channel's endpoint it is
// held (a SIP re-INVITE, sendonly), silences it (CF_HOLD, CF_SUSPEND) and
// broadcasts the channel's hold_music to its bridged partner. A caller
// waiting in a queue has no partner and heard nothing; a bridged caller
// put on hold by the agent left the agent hearing the music and the
// caller silence. So ipcc plays the music to the held leg itself, as a
// looping playback it can break: parked, the leg hears it; bridged, the
// bridge is suspended while it runs (switch_ivr_multi_threaded_bridge
// handles the broadcast with the partner CF_SUSPEND), so nobody hears the
// held party and it hears only the music.

// registerHold records that the playback app is to be the leg's music on
// hold, before it is sent; false when the leg's music plays already.
func (t *translator) registerHold(leg, app string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.legs[leg]
	if l == nil {
		return true
	}
	if l.holdApp != "" {
		return false
	}
	l.holdApp, l.holdOn = app, false
	t.apps[app] = appRef{leg: leg, hold: true}
	return true
}

// confirmHold emits Hold once the switch took the music (unless it ended
// already); failed forgets it.
func (t *translator) confirmHold(leg, app string, failed bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.legs[leg]
	switch {
	case l == nil && !failed:
	case l == nil, l.holdApp != app:
		return
	case failed:
		delete(t.apps, app)
		l.holdApp = ""
		return
	default:
		l.holdOn = true
	}
	t.emit([]controller.Event{{Type: controller.EventHold, Switch: t.sw, Leg: leg, Time: t.now()}})
}

// held reports whether ipcc's music on hold plays to the leg: from Hold
// to Unhold (or a prompt, bridge, park, transfer that stops it). The
// switch's CHANNEL_EXECUTE_COMPLETE does not end it: a looping playback
// completes once per loop with the same Application-UUID, and nothing
// tells the last loop from the others. A stream the switch cannot play
// (no music files for local_stream) leaves the leg held and silent.
func (t *translator) held(leg string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	l := t.legs[leg]
	return l != nil && l.holdApp != ""
}

// unholdMusic forgets the leg's music on hold (ipcc stops it) and emits
// Unhold when it had been reported held, or always when force (a leg
// held before a restart is not known as held).
func (t *translator) unholdMusic(leg string, force bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	on := false
	if l := t.legs[leg]; l != nil && l.holdApp != "" {
		delete(t.apps, l.holdApp)
		on = l.holdOn
		l.holdApp, l.holdOn = "", false
	}
	if on || force {
		t.emit([]controller.Event{{Type: controller.EventUnhold, Switch: t.sw, Leg: leg, Time: t.now()}})
	}
}
