package asterisk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/asterisk/ari"
)

// endpoint renders an originate target with the configured templates.
func (d *Driver) endpoint(e controller.Endpoint) (string, error) {
	if e.Number == "" {
		return "", errEmpty("endpoint number")
	}
	switch e.Kind {
	case controller.EndpointExtension:
		return strings.ReplaceAll(d.cfg.ExtensionEndpoint, "{number}", e.Number), nil
	case controller.EndpointExternal:
		if e.Trunk == "" && strings.Contains(d.cfg.ExternalEndpoint, "{trunk}") {
			return "", errEmpty("trunk of external endpoint")
		}
		s := strings.ReplaceAll(d.cfg.ExternalEndpoint, "{number}", e.Number)
		return strings.ReplaceAll(s, "{trunk}", e.Trunk), nil
	case controller.EndpointRaw:
		return e.Number, nil
	}
	return "", errEmpty("endpoint kind")
}

type errEmpty string

func (e errEmpty) Error() string { return "missing " + string(e) }

// Originate creates leg o.LegID (POST /channels?channelId=...&app=<App>):
// the id is registered first, so its events are understood even when they
// overtake the reply. Ringing, Answered or HungUp follow.
func (d *Driver) Originate(ctx context.Context, o controller.Originate) error {
	if err := d.ready("originate", o.LegID); err != nil {
		return err
	}
	if o.LegID == "" {
		return d.invalid("originate", "", "leg id is required")
	}
	ep, err := d.endpoint(o.Endpoint)
	if err != nil {
		return d.invalid("originate", o.LegID, "%v", err)
	}
	callerID := o.CallerIDNum
	if o.CallerIDName != "" {
		callerID = `"` + strings.ReplaceAll(o.CallerIDName, `"`, "") + `" <` + o.CallerIDNum + ">"
	}
	d.mu.Lock()
	l, ok := d.st.reserveOriginate(o.LegID, o.CallerIDNum, o.Endpoint.Number)
	d.mu.Unlock()
	if !ok {
		return d.invalid("originate", o.LegID, "leg id already used")
	}
	p := ari.OriginateParams{
		Endpoint: ep, App: d.cfg.App, AppArgs: d.cfg.OriginateArg, CallerID: callerID,
		Timeout: int((o.Timeout + time.Second - 1) / time.Second), ChannelID: o.LegID, Variables: o.Vars,
	}
	if _, err := d.cl.Originate(ctx, p); err != nil {
		d.mu.Lock()
		d.st.dropReservation(l)
		d.mu.Unlock()
		err = d.fail("originate", o.LegID, err)
		if allocationFailed(err) {
			// The channel driver could not create the channel: for PJSIP an
			// unknown endpoint or a trunk with no reachable contact, which
			// chan_pjsip records as cause 3 (ARI passes on no cause). Say
			// so as a failed attempt, so routing can try the next trunk.
			return fmt.Errorf("%w: %w", err, &controller.OriginateError{Leg: o.LegID, Endpoint: o.Endpoint,
				Cause: controller.CauseNoRouteDestination, By: controller.HangupSwitch})
		}
		return err
	}
	d.mu.Lock()
	d.st.confirm(o.LegID)
	d.mu.Unlock()
	d.log.Debug("originated", "leg", o.LegID, "endpoint", ep)
	return nil
}

// Transfer sends the leg back to the dialplan (POST /channels/{id}/continue
// with context, extension and priority 1). The leg leaves ipcc control: its
// StasisEnd and later events produce nothing.
func (d *Driver) Transfer(ctx context.Context, leg string, t controller.DialplanTarget) error {
	if err := d.ready("transfer", leg); err != nil {
		return err
	}
	if t.Extension == "" {
		return d.invalid("transfer", leg, "extension is required")
	}
	if err := d.unholdBefore(ctx, "transfer", leg); err != nil {
		return err
	}
	dpContext := t.Context
	if dpContext == "" {
		dpContext = d.cfg.TransferContext
	}
	d.mu.Lock()
	undo := d.st.markTransfer(leg)
	d.mu.Unlock()
	if err := d.cl.Continue(ctx, leg, dpContext, t.Extension, 1); err != nil {
		d.mu.Lock()
		undo()
		d.mu.Unlock()
		return d.fail("transfer", leg, err)
	}
	return nil
}

// Hold plays music on hold to the leg and mutes what its party says (POST
// /channels/{id}/mute?direction=in): music on hold is a generator on the
// channel, which drops what a bridge writes to it, but the party's voice
// still enters the bridge, so the agent would hear the caller they put on
// hold. A musiconhold.conf class (or "" for Config.MusicOnHold) is started
// with POST /channels/{id}/moh; a file (a path, a sound: URI, a sound
// file's name) is looped with playbacks of the driver's own (see
// holdmusic.go). Asterisk sends no ChannelHold for either (nor for Local
// channels at all), so Hold is emitted here once the requests succeeded.
func (d *Driver) Hold(ctx context.Context, leg, moh string) error {
	return d.hold(ctx, leg, moh, true)
}

// Unhold stops the leg's hold music loop (DELETE /playbacks/{id}), unmutes
// the leg and stops music on hold (DELETE .../mute, DELETE .../moh), and
// emits Unhold.
func (d *Driver) Unhold(ctx context.Context, leg string) error {
	return d.hold(ctx, leg, "", false)
}

func (d *Driver) hold(ctx context.Context, leg, moh string, on bool) error {
	op := "unhold"
	if on {
		op = "hold"
	}
	if err := d.ready(op, leg); err != nil {
		return err
	}
	d.mu.Lock()
	if l := d.st.live(leg); l != nil {
		l.holdOn = on
	}
	d.mu.Unlock()
	if on && fileMOH(moh) {
		return d.holdFile(ctx, leg, d.fileURI(moh))
	}
	var err error
	if on {
		if moh == "" {
			moh = d.cfg.MusicOnHold
		}
		if _, err = d.stopHoldLoop(ctx, leg); err == nil {
			if err = d.cl.StartMOH(ctx, leg, moh); err == nil {
				if err = d.cl.Mute(ctx, leg, "in", true); err != nil {
					_ = d.cl.StopMOH(context.WithoutCancel(ctx), leg)
				}
			}
		}
	} else {
		if _, err = d.stopHoldLoop(ctx, leg); err == nil {
			if err = d.cl.Mute(ctx, leg, "in", false); err == nil {
				err = d.cl.StopMOH(ctx, leg)
			}
		}
	}
	if err != nil {
		return d.fail(op, leg, err)
	}
	d.mu.Lock()
	if l := d.st.live(leg); l != nil {
		d.st.setHold(l, on, time.Time{})
	}
	d.mu.Unlock()
	return nil
}

var roomRe = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// JoinConference adds the leg to the room's mixing bridge (id
// "ipcc-conf-<room>", created on first use), muted (POST
// /channels/{id}/mute?direction=in) when asked.
func (d *Driver) JoinConference(ctx context.Context, leg, room string, opts controller.ConferenceOptions) error {
	op := "join conference " + room
	if err := d.ready(op, leg); err != nil {
		return err
	}
	if !roomRe.MatchString(room) {
		return d.invalid(op, leg, "room name %q: use letters, digits, '.', '_' or '-'", room)
	}
	if err := d.unholdBefore(ctx, op, leg); err != nil {
		return err
	}
	id := confBridgePrefix + room
	if err := d.createBridge(ctx, &bridge{id: id, kind: bridgeConf, room: room, ours: true}, room); err != nil {
		return d.fail(op, leg, err)
	}
	if err := d.leaveOtherBridge(ctx, leg, id); err != nil {
		return d.fail(op, leg, err)
	}
	role := "participant"
	if opts.Moderator {
		role = "moderator"
	}
	if opts.Muted {
		if err := d.cl.Mute(ctx, leg, "in", true); err != nil {
			return d.fail(op, leg, err)
		}
	}
	if err := d.cl.AddChannel(ctx, id, []string{leg}, ari.AddChannelParams{Role: role}); err != nil {
		return d.fail(op, leg, err)
	}
	d.noteBridge(leg, id, "")
	return nil
}

// LeaveConference removes the leg from the room's bridge; the emptied bridge
// is destroyed.
func (d *Driver) LeaveConference(ctx context.Context, leg, room string) error {
	op := "leave conference " + room
	if err := d.ready(op, leg); err != nil {
		return err
	}
	if err := d.cl.RemoveChannel(ctx, confBridgePrefix+room, leg); err != nil {
		return d.fail(op, leg, err)
	}
	d.noteBridge(leg, "", confBridgePrefix+room)
	return nil
}

// MuteConference mutes or unmutes what the leg says (POST or DELETE
// /channels/{id}/mute?direction=in).
func (d *Driver) MuteConference(ctx context.Context, leg, room string, mute bool) error {
	op := "mute in conference " + room
	if err := d.ready(op, leg); err != nil {
		return err
	}
	if err := d.cl.Mute(ctx, leg, "in", mute); err != nil {
		return d.fail(op, leg, err)
	}
	return nil
}

var whisperOf = map[controller.EavesdropMode]string{
	controller.EavesdropListen:  "none",
	controller.EavesdropWhisper: "out",
	controller.EavesdropBarge:   "both",
}

// Eavesdrop snoops on the target (POST /channels/{target}/snoop?spy=both&
// whisper=none|out|both with our snoopId, into our app) and bridges the snoop
// channel with the spy leg in "ipcc-spy-<spy>". whisper=out is heard by the
// target's party (the agent) only; both is heard by the whole call. Calling
// it again replaces the snoop: the new one joins the spy bridge, then the old
// one is hung up.
func (d *Driver) Eavesdrop(ctx context.Context, spyLeg, targetLeg string, mode controller.EavesdropMode) error {
	op := "eavesdrop (" + mode.String() + ") on " + targetLeg
	if err := d.ready(op, spyLeg); err != nil {
		return err
	}
	whisper, ok := whisperOf[mode]
	if !ok {
		return d.invalid(op, spyLeg, "unknown eavesdrop mode %d", mode)
	}
	if spyLeg == targetLeg {
		return d.invalid(op, spyLeg, "a leg cannot eavesdrop on itself")
	}
	snoopID := newID("ipcc-snoop-")
	bridgeID := spyBridgePrefix + spyLeg
	started := make(chan struct{})
	d.mu.Lock()
	var old []string
	for _, l := range d.st.legs {
		if l.kind == kindSnoop && !l.ended && l.spy == spyLeg {
			old = append(old, l.id)
		}
	}
	snoop := d.st.reserveSnoop(snoopID, targetLeg, spyLeg)
	d.st.waitStasis(snoopID, started)
	d.mu.Unlock()

	if _, err := d.cl.Snoop(ctx, targetLeg, ari.SnoopParams{
		Spy: "both", Whisper: whisper, App: d.cfg.App, AppArgs: d.cfg.SnoopArg, SnoopID: snoopID,
	}); err != nil {
		d.mu.Lock()
		d.st.dropReservation(snoop)
		d.mu.Unlock()
		// 404 "Provided channel was not found": the target is gone.
		return d.fail(op, spyLeg, err)
	}
	undo := func() {
		d.mu.Lock()
		delete(d.st.waiters, snoopID)
		d.mu.Unlock()
		_ = d.cl.Hangup(context.WithoutCancel(ctx), snoopID, "", 0)
	}
	// The snoop reply can overtake its StasisStart; addChannel needs it in Stasis.
	select {
	case <-started:
	case <-ctx.Done():
		undo()
		return d.fail(op, spyLeg, ctx.Err())
	case <-time.After(d.cfg.RequestTimeout):
		undo()
		return d.invalid(op, spyLeg, "snoop channel %s did not enter Stasis", snoopID)
	}
	if err := d.createBridge(ctx, &bridge{id: bridgeID, kind: bridgeSpy, spy: spyLeg, ours: true}, "eavesdrop"); err != nil {
		undo()
		return d.fail(op, spyLeg, err)
	}
	add := []string{snoopID}
	d.mu.Lock()
	inSpyBridge := false
	if l := d.st.live(spyLeg); l != nil && l.bridge == bridgeID {
		inSpyBridge = true
	}
	d.mu.Unlock()
	if !inSpyBridge {
		if err := d.leaveOtherBridge(ctx, spyLeg, bridgeID); err != nil {
			undo()
			return d.fail(op, spyLeg, err)
		}
		add = append(add, spyLeg)
	}
	if err := d.cl.AddChannel(ctx, bridgeID, add, ari.AddChannelParams{}); err != nil {
		undo()
		return d.fail(op, spyLeg, err)
	}
	d.noteBridge(spyLeg, bridgeID, "")
	for _, id := range old {
		err := d.cl.Hangup(ctx, id, "", 0)
		if err != nil && ari.StatusOf(err) != http.StatusNotFound {
			d.log.Warn("could not hang up replaced snoop", "leg", spyLeg, "snoop", id, "err", err)
			continue
		}
		d.mu.Lock()
		if l := d.st.legs[id]; l != nil {
			d.st.forget(l)
		}
		d.mu.Unlock()
	}
	return nil
}

// SendDTMF sends digits out of the leg (POST /channels/{id}/dtmf); the far
// end (Asterisk: the channel's peer) receives them.
func (d *Driver) SendDTMF(ctx context.Context, leg, digits string) error {
	if err := d.ready("send dtmf", leg); err != nil {
		return err
	}
	if digits == "" || strings.Trim(digits, "0123456789*#ABCDabcdwW") != "" {
		return d.invalid("send dtmf", leg, "digits %q: use 0-9 * # A-D (w = pause)", digits)
	}
	err := d.withoutHoldLoop(ctx, leg, func() error {
		return d.cl.SendDTMF(ctx, leg, digits, int(d.cfg.DTMFBetween/time.Millisecond), int(d.cfg.DTMFDuration/time.Millisecond))
	})
	if err != nil {
		return d.fail("send dtmf", leg, err)
	}
	return nil
}

// SetVar sets a channel variable (POST /channels/{id}/variable).
func (d *Driver) SetVar(ctx context.Context, leg, name, value string) error {
	if err := d.ready("set var "+name, leg); err != nil {
		return err
	}
	if name == "" {
		return d.invalid("set var", leg, "variable name is required")
	}
	if err := d.withoutHoldLoop(ctx, leg, func() error { return d.cl.SetVar(ctx, leg, name, value) }); err != nil {
		return d.fail("set var "+name, leg, err)
	}
	return nil
}

// allocationFailed: Asterisk refused to create a channel (POST /channels
// 500 "Allocation failed").
func allocationFailed(err error) bool {
	var ae *ari.Error
	return errors.As(err, &ae) && ae.Status == http.StatusInternalServerError && strings.Contains(ae.Message, "Allocation failed")
}

// fileMOH says whether a music-on-hold value names a file (a path, a URI,
// a sound file's name) rather than a musiconhold.conf class.
func fileMOH(moh string) bool {
	if strings.Contains(moh, "/") || strings.Contains(moh, ":") {
		return true
	}
	switch strings.ToLower(path.Ext(moh)) {
	case ".wav", ".wav16", ".mp3", ".ogg", ".flac", ".gsm", ".ulaw", ".alaw", ".sln":
		return true
	}
	return false
}
