package asterisk

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/asterisk/ari"
)

// Bridge ids encode what a bridge is for, so a restarted controller can
// recover the kind (and the room) from GET /bridges.
const (
	pairBridgePrefix = "ipcc-br-"
	confBridgePrefix = "ipcc-conf-"
	spyBridgePrefix  = "ipcc-spy-"
)

func bridgeKindOf(id string) (kind bridgeKind, room string, ours bool) {
	switch {
	case strings.HasPrefix(id, confBridgePrefix):
		return bridgeConf, strings.TrimPrefix(id, confBridgePrefix), true
	case strings.HasPrefix(id, spyBridgePrefix):
		return bridgeSpy, "", true
	case strings.HasPrefix(id, pairBridgePrefix):
		return bridgePair, "", true
	}
	return bridgePair, "", false
}

// reconcile brings the model in line with the switch after (re)connecting:
// events sent while no socket was open are lost and never replayed, so live
// channels in our app are re-announced (CallArrived) for the controller to
// re-adopt, legs we knew that are gone get HungUp, bridge membership and
// answer state are refreshed, and playbacks/recordings that ended in the
// gap get their Finished events.
func (d *Driver) reconcile(ctx context.Context) error {
	rctx, cancel := context.WithTimeout(ctx, 2*d.cfg.RequestTimeout)
	defer cancel()
	if _, err := d.cl.Application(rctx, d.cfg.App); err != nil {
		return err
	}
	snapshot := time.Now()
	chans, err := d.cl.Channels(rctx)
	if err != nil {
		return err
	}
	bridges, err := d.cl.Bridges(rctx)
	if err != nil {
		return err
	}
	// Frames read before the replies are older than the snapshot: apply
	// them first so the diff does not undo what they said.
	if err := d.waitProcessed(rctx); err != nil {
		return err
	}

	d.mu.Lock()
	pb, recs := d.st.reconcile(chans, bridges, snapshot)
	cleanups := d.st.cleanups
	d.st.cleanups = nil
	d.mu.Unlock()
	for _, c := range cleanups {
		d.runCleanup(c)
	}

	for _, id := range pb {
		_, err := d.cl.Playback(rctx, id)
		if ari.StatusOf(err) == http.StatusNotFound {
			d.mu.Lock()
			var cleanups []cleanup
			if p := d.st.playbacks[id]; p != nil && !p.finished {
				p.finished = true
				if p.hold {
					// Its loop goes on with the next playback.
					d.st.holdPlaybackDone(p, false, time.Time{})
					cleanups, d.st.cleanups = d.st.cleanups, nil
				} else {
					d.st.send(controller.Event{Type: controller.EventPlaybackFinished, Leg: p.leg, PlaybackID: id}, time.Time{})
				}
			}
			d.mu.Unlock()
			for _, c := range cleanups {
				d.runCleanup(c)
			}
		} else if err != nil {
			return err
		}
	}
	for _, name := range recs {
		r, err := d.cl.LiveRecording(rctx, name)
		if err != nil && ari.StatusOf(err) != http.StatusNotFound {
			return err
		}
		if err == nil && r.State != "done" && r.State != "failed" && r.State != "canceled" {
			continue
		}
		d.mu.Lock()
		if rec := d.st.recs[name]; rec != nil && !rec.finished {
			rec.finished = true
			rec.settle()
			ev := controller.Event{Type: controller.EventRecordingFinished, Leg: rec.leg, RecordingID: rec.id, Path: rec.path}
			if r != nil && r.Duration != nil {
				ev.Duration = time.Duration(*r.Duration) * time.Second
			}
			d.st.send(ev, time.Time{})
		}
		d.mu.Unlock()
	}
	return nil
}

// reconcile applies a REST snapshot; it returns the playbacks and recordings
// still running in the model, to be checked over REST.
func (s *state) reconcile(chans []ari.Channel, bridges []ari.Bridge, snapshot time.Time) (pbs, recs []string) {
	before := s.bridgeView()
	live := map[string]*ari.Channel{}
	for i := range chans {
		ch := &chans[i]
		live[ch.ID] = ch
		app, args, inStasis := ch.StasisApp()
		ours := inStasis && app == s.app
		l := s.legs[ch.ID]
		switch {
		case l == nil && ours && len(args) > 0 && args[0] == s.cfg.SnoopArg:
			// A snoop left over from before a restart: nobody listens to it.
			s.legs[ch.ID] = &leg{id: ch.ID, kind: kindSnoop, inStasis: true, confirmed: s.now()}
			if !recordingSnoop(args) {
				s.cleanups = append(s.cleanups, cleanup{op: "hangup", id: ch.ID})
			}
		case l == nil && ours:
			l = s.adopt(ch, args)
			l.inStasis = true
			s.send(s.arrived(l), time.Time{})
			s.stateChange(l, ch.State, time.Time{})
		case l != nil && !l.ended && l.kind != kindSnoop && !l.transferred:
			if ours {
				l.inStasis = true
			}
			s.stateChange(l, ch.State, time.Time{})
		}
	}
	var gone []*leg
	for _, l := range s.legs {
		if l.ended || live[l.id] != nil {
			continue
		}
		if l.confirmed.IsZero() || !l.confirmed.Before(snapshot) {
			continue // created after the snapshot was taken
		}
		if l.kind == kindSnoop || l.transferred {
			s.forget(l)
			continue
		}
		gone = append(gone, l)
	}
	sort.Slice(gone, func(i, j int) bool { return gone[i].id < gone[j].id })
	s.reconcileBridges(bridges, before)
	for _, l := range gone {
		s.markEnded(l)
		s.send(controller.Event{Type: controller.EventHungUp, Leg: l.id, Cause: controller.CauseNormalUnspecified, HangupBy: controller.HangupUnknown}, time.Time{})
	}
	for id, p := range s.playbacks {
		if !p.finished {
			pbs = append(pbs, id)
		}
	}
	for name, r := range s.recs {
		if !r.finished {
			recs = append(recs, name)
		}
	}
	return pbs, recs
}

// bridgeMembership is which bridge each live leg is in and its peers there.
type bridgeMembership map[string]struct {
	br    *bridge
	peers []string
}

func (s *state) bridgeView() bridgeMembership {
	out := bridgeMembership{}
	for _, br := range s.bridges {
		for _, m := range br.members {
			if l := s.live(m); l != nil && l.kind != kindSnoop {
				out[m] = struct {
					br    *bridge
					peers []string
				}{br, s.peersOf(m, br.members)}
			}
		}
	}
	return out
}

// reconcileBridges replaces bridge membership with the snapshot and emits
// what changed for each leg: Bridged/Unbridged, ConferenceJoined/Left.
func (s *state) reconcileBridges(bridges []ari.Bridge, before bridgeMembership) {
	seen := map[string]bool{}
	for i := range bridges {
		b := &bridges[i]
		seen[b.ID] = true
		br := s.bridges[b.ID]
		if br == nil {
			kind, room, ours := bridgeKindOf(b.ID)
			br = &bridge{id: b.ID, kind: kind, room: room, ours: ours}
			s.bridges[b.ID] = br
		}
		br.members = append([]string(nil), b.Channels...)
		if len(br.members) == 0 && br.ours {
			s.cleanups = append(s.cleanups, cleanup{op: "destroy-bridge", id: br.id})
		}
	}
	for id := range s.bridges {
		if !seen[id] {
			delete(s.bridges, id)
		}
	}
	after := s.bridgeView()
	var legs []string
	for m := range before {
		legs = append(legs, m)
	}
	for m := range after {
		if _, ok := before[m]; !ok {
			legs = append(legs, m)
		}
	}
	sort.Strings(legs)
	for _, m := range legs {
		l := s.live(m)
		if l == nil {
			continue
		}
		b, a := before[m], after[m]
		l.bridge = ""
		if a.br != nil {
			l.bridge = a.br.id
		}
		if b.br != nil && b.br.kind == bridgeConf && (a.br == nil || a.br.id != b.br.id) {
			s.send(controller.Event{Type: controller.EventConferenceLeft, Leg: m, Room: b.br.room}, time.Time{})
		}
		if a.br != nil && a.br.kind == bridgeConf {
			if b.br == nil || b.br.id != a.br.id {
				s.send(controller.Event{Type: controller.EventConferenceJoined, Leg: m, Room: a.br.room}, time.Time{})
			}
			continue
		}
		switch {
		case len(b.peers) > 0 && len(a.peers) == 0:
			s.send(controller.Event{Type: controller.EventUnbridged, Leg: m, OtherLeg: b.peers[0]}, time.Time{})
		case len(b.peers) == 0 && len(a.peers) > 0:
			s.send(controller.Event{Type: controller.EventBridged, Leg: m, OtherLeg: a.peers[0]}, time.Time{})
		}
	}
}

// Legs lists live channels: GET /channels and GET /bridges (REST only, so it
// works while the event socket is down). Owned legs are in our Stasis app;
// snoop channels of ours are left out.
func (d *Driver) Legs(ctx context.Context) ([]controller.LegInfo, error) {
	chans, err := d.cl.Channels(ctx)
	if err != nil {
		return nil, d.fail("list legs", "", err)
	}
	bridges, err := d.cl.Bridges(ctx)
	if err != nil {
		return nil, d.fail("list legs", "", err)
	}
	// The app's channel_ids also hold channels it is merely subscribed to
	// (the other half of a Local pair): ours must also be in Stasis(app).
	// 404: the app is not registered (no socket ever opened).
	app, err := d.cl.Application(ctx, d.cfg.App)
	if err != nil && ari.StatusOf(err) != http.StatusNotFound {
		return nil, d.fail("list legs", "", err)
	}
	peer := map[string]string{}
	for _, b := range bridges {
		for _, m := range b.Channels {
			for _, o := range b.Channels {
				if o != m && peer[m] == "" {
					peer[m] = o
				}
			}
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []controller.LegInfo
	for i := range chans {
		ch := &chans[i]
		stasisApp, args, inStasis := ch.StasisApp()
		ours := inStasis && stasisApp == d.cfg.App && (app == nil || contains(app.ChannelIDs, ch.ID))
		l := d.st.legs[ch.ID]
		if l != nil && l.kind == kindSnoop || ours && len(args) > 0 && args[0] == d.cfg.SnoopArg {
			continue
		}
		li := controller.LegInfo{
			Leg: ch.ID, ANI: ch.Caller.Number, DNIS: ch.Dialplan.Exten, Owned: ours,
			State: controller.LegRinging, Inbound: true, Created: ari.ParseTime(ch.CreationTime),
		}
		if ch.State == "Up" {
			li.State = controller.LegAnswered
		}
		if p := peer[ch.ID]; p != "" {
			li.Bridged = d.st.visible(p)
			if li.Bridged == "" {
				li.Bridged = p
			}
		}
		if l != nil && l.kind == kindOriginated || ours && len(args) > 0 && args[0] == d.cfg.OriginateArg {
			li.Inbound = false
		}
		if ours && li.Inbound && len(args) > 0 {
			tmp := &ari.Channel{ID: ch.ID, Dialplan: ch.Dialplan, ChannelVars: ch.ChannelVars}
			s := newState(&d.cfg, func(controller.Event) {})
			al := s.adopt(tmp, args)
			li.DNIS, li.Vars = al.dnis, al.vars
		}
		out = append(out, li)
	}
	return out, nil
}
