package asterisk

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/asterisk/ari"
)

// Hold music from a file (a prompt of the tenant's library). ARI's music
// on hold (POST /channels/{id}/moh?mohClass=) starts only musiconhold.conf
// classes, so the driver plays the file itself, as ARI playbacks of its own
// (POST /channels/{id}/play?media=sound:<path without extension>,... with
// the file listed holdRepeat times, &playbackId=ipcc-hold-...), one after
// the other: when PlaybackFinished arrives for the current one, the next
// is started. Unhold, a hangup, or a bridge, play, conference or transfer
// request on the leg ends the loop: the current playback is stopped
// (DELETE /playbacks/{id}) and none follows. Setting a variable, sending
// DTMF or recording the channel itself pauses the loop around the request
// (withoutHoldLoop).
// These playbacks are the driver's own: they produce no PlaybackStarted /
// PlaybackFinished for the controller, only Hold and Unhold.
//
// What real Asterisk does with them (res_stasis_playback.c play_uri,
// main/bridge_channel.c): a leg that is not in a bridge (a caller waiting
// in a queue) just hears the file. A leg in a mixing bridge (held by the
// agent) gets the playback as a bridge action on its own bridge channel
// (ast_bridge_channel_queue_playfile_sync; BRIDGE_CHANNEL_ACTION_PLAY_FILE
// suspends that bridge channel while it plays): the held party hears only
// the file, what they say is not mixed, and the agent hears neither them
// nor the music (silence), as with FreeSWITCH. The repeats of the file
// within one playback play in that one suspension (play_on_channel loops
// over the media list). Between two playbacks (one round trip after
// PlaybackFinished, once per holdRepeat rounds of the file) the leg is
// back in the mix for a moment, so it is also muted inbound (POST
// /channels/{id}/mute?direction=in, as for class music on hold) and its
// voice never reaches the agent; the held party may hear the agent for
// those few milliseconds (muting the leg outbound would silence the file
// too).
//
// A channel's playbacks and most other ARI requests on it (mute, moh,
// continue, record, joining or leaving a bridge) are commands of its Stasis
// control that run one at a time, and a playback's command runs until the
// playback ends (a variable request even waits for its command to run).
// So the mute is sent before the first playback, and the loop is stopped
// or paused before any other request on the leg: otherwise a
// removeChannel or a variable would wait (and time out) behind up to a
// whole playback (on a real Asterisk a removeChannel sent during a 5 s
// playback returned after 5.1 s; with the loop stopped first, in 2 ms).
//
// A hold playback that fails (Asterisk cannot open the file), or that ends
// almost at once several times in a row (an empty file), ends the loop and
// the switch's music on hold class (Config.MusicOnHold) plays instead; the
// log says why.

// holdMedia is the media list of one hold playback: the file holdRepeat
// times over.
func holdMedia(uri string) []string {
	out := make([]string, holdRepeat)
	for i := range out {
		out[i] = uri
	}
	return out
}

const (
	holdPlaybackPrefix = "ipcc-hold-"
	// holdRepeat: each hold playback lists the file this many times, so
	// the gaps between playbacks come once per holdRepeat rounds.
	holdRepeat = 10
	// holdShortLoop: a hold playback that finishes sooner than this after
	// it started counts as short; holdShortLoops short ones in a row stop
	// the loop rather than spin.
	holdShortLoop  = 10 * time.Millisecond
	holdShortLoops = 5
)

// holdFile puts the leg on hold with uri (an ARI media URI) played in a
// loop; holding a leg that loops the same file does nothing.
func (d *Driver) holdFile(ctx context.Context, leg, uri string) error {
	d.mu.Lock()
	l := d.st.live(leg)
	if l == nil {
		d.mu.Unlock()
		return fmt.Errorf("asterisk %s: %s: %w", d.cfg.Name, where("hold", leg), controller.ErrNoSuchLeg)
	}
	if l.holdPB != "" && l.holdURI == uri {
		d.mu.Unlock()
		return nil
	}
	old, class := l.holdPB, l.held && l.holdPB == ""
	l.holdPB, l.holdURI, l.holdShort = "", "", 0
	d.mu.Unlock()
	if old != "" {
		if err := d.stopPlayback(ctx, old); err != nil {
			return d.fail("hold", leg, err)
		}
	}
	if class {
		// Held with a class: the file replaces it.
		if err := d.cl.StopMOH(ctx, leg); err != nil {
			return d.fail("hold", leg, err)
		}
	}
	if err := d.cl.Mute(ctx, leg, "in", true); err != nil {
		return d.fail("hold", leg, err)
	}
	pid := newID(holdPlaybackPrefix)
	d.mu.Lock()
	d.st.startHoldPlayback(l, pid, uri)
	d.mu.Unlock()
	if _, err := d.cl.Play(ctx, leg, ari.PlayParams{Media: holdMedia(uri), PlaybackID: pid}); err != nil {
		d.mu.Lock()
		if l.holdPB == pid {
			l.holdPB, l.holdURI = "", ""
		}
		delete(d.st.playbacks, pid)
		d.mu.Unlock()
		_ = d.cl.Mute(context.WithoutCancel(ctx), leg, "in", false)
		return d.fail("hold", leg, err)
	}
	d.mu.Lock()
	if l := d.st.live(leg); l != nil {
		d.st.setHold(l, true, time.Time{})
	}
	d.mu.Unlock()
	return nil
}

// stopHoldLoop ends the leg's hold music loop, if one runs: the loop is
// forgotten first (its PlaybackFinished starts nothing), then the current
// playback is stopped. It reports whether there was one.
func (d *Driver) stopHoldLoop(ctx context.Context, leg string) (bool, error) {
	d.mu.Lock()
	var pb string
	if l := d.st.live(leg); l != nil {
		pb = l.holdPB
		l.holdPB, l.holdURI, l.holdShort = "", "", 0
	}
	d.mu.Unlock()
	if pb == "" {
		return false, nil
	}
	// 404: it ended meanwhile, or its POST is still on the way (the
	// cleanup that sent it stops it when it sees the loop is over).
	if err := d.stopPlayback(ctx, pb); err != nil {
		return true, err
	}
	return true, nil
}

// unholdBefore takes the legs off hold when they loop hold music from a
// file, before a request the loop would delay or that ends the hold anyway
// (bridge, unbridge, play, conference, transfer).
func (d *Driver) unholdBefore(ctx context.Context, op string, legs ...string) error {
	for _, leg := range legs {
		d.mu.Lock()
		looping := false
		if l := d.st.live(leg); l != nil {
			looping = l.holdPB != ""
		}
		d.mu.Unlock()
		if !looping {
			continue
		}
		if err := d.hold(ctx, leg, "", false); err != nil {
			return fmt.Errorf("asterisk %s: %s: take the leg off hold first: %w", d.cfg.Name, where(op, leg), err)
		}
	}
	return nil
}

// withoutHoldLoop runs fn, a request Asterisk would run only after the
// current hold playback (setting a variable, sending DTMF, recording the
// channel itself), with the leg's hold loop paused: its playback is
// stopped, and the loop starts again, from the top of the file, once fn
// returned. The leg stays held (no Unhold).
func (d *Driver) withoutHoldLoop(ctx context.Context, leg string, fn func() error) error {
	d.mu.Lock()
	var uri string
	if l := d.st.live(leg); l != nil {
		uri = l.holdURI
	}
	d.mu.Unlock()
	if uri == "" {
		return fn()
	}
	if _, err := d.stopHoldLoop(ctx, leg); err != nil {
		return d.fail("pause the hold music", leg, err)
	}
	err := fn()
	d.mu.Lock()
	l := d.st.live(leg)
	again := l != nil && l.holdOn && l.holdPB == ""
	pid := newID(holdPlaybackPrefix)
	if again {
		d.st.startHoldPlayback(l, pid, uri)
	}
	d.mu.Unlock()
	if again {
		d.runHoldCleanupNow(ctx, cleanup{op: "hold-play", id: leg, playback: pid, media: uri})
	}
	return err
}

// runHoldCleanupNow runs a hold cleanup in the caller's goroutine, logging
// a failure.
func (d *Driver) runHoldCleanupNow(ctx context.Context, c cleanup) {
	if err := d.runHoldCleanup(context.WithoutCancel(ctx), c); err != nil {
		d.log.Warn("hold music not resumed", "leg", c.id, "err", err)
	}
}

// startHoldPlayback registers pid as the leg's current hold playback.
func (s *state) startHoldPlayback(l *leg, pid, uri string) {
	l.holdPB, l.holdURI = pid, uri
	s.playbacks[pid] = &playback{id: pid, leg: l.id, hold: true, at: s.now()}
}

// holdPlaybackEvent handles PlaybackStarted / PlaybackFinished of a hold
// playback: nothing for the controller; the next playback of the loop, or
// the end of the loop, is asked of the driver as a cleanup.
func (s *state) holdPlaybackEvent(p *playback, typ, pbState string, at time.Time) {
	if at.IsZero() {
		at = s.now()
	}
	p.at = s.now()
	if typ == "PlaybackStarted" {
		if !p.started {
			p.started, p.startedAt = true, at
		}
		return
	}
	if p.finished {
		return
	}
	p.finished = true
	s.holdPlaybackDone(p, pbState == "failed", at)
}

// holdPlaybackDone continues the leg's loop after its current playback p.
func (s *state) holdPlaybackDone(p *playback, failed bool, at time.Time) {
	l := s.live(p.leg)
	if l == nil || l.holdPB != p.id {
		return // stopped, replaced, or the leg is gone
	}
	if l.hangupReq || l.deleting || l.transferred {
		l.holdPB, l.holdURI = "", "" // the leg is going
		return
	}
	why := ""
	switch {
	case failed:
		why = "Asterisk could not play " + l.holdURI
	case !p.startedAt.IsZero() && at.Sub(p.startedAt) < holdShortLoop:
		l.holdShort++
		if l.holdShort >= holdShortLoops {
			why = fmt.Sprintf("%s ended %d times in a row within %v", l.holdURI, l.holdShort, holdShortLoop)
		}
	default:
		l.holdShort = 0
	}
	if why != "" {
		l.holdPB, l.holdURI, l.holdShort = "", "", 0
		s.cleanups = append(s.cleanups, cleanup{op: "hold-class", id: l.id, why: why})
		return
	}
	pid := newID(holdPlaybackPrefix)
	uri := l.holdURI
	s.startHoldPlayback(l, pid, uri)
	s.cleanups = append(s.cleanups, cleanup{op: "hold-play", id: l.id, playback: pid, media: uri})
}

// runHoldCleanup starts the next playback of a leg's hold loop
// ("hold-play") or the switch's music on hold class instead ("hold-class").
func (d *Driver) runHoldCleanup(ctx context.Context, c cleanup) error {
	current := func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		l := d.st.live(c.id)
		if c.op == "hold-class" {
			return l != nil && l.holdOn && l.holdPB == ""
		}
		return l != nil && l.holdPB == c.playback
	}
	switch c.op {
	case "hold-play":
		if !current() {
			return nil
		}
		_, err := d.cl.Play(ctx, c.id, ari.PlayParams{Media: holdMedia(c.media), PlaybackID: c.playback})
		if err != nil {
			if s := ari.StatusOf(err); s == http.StatusNotFound || s == http.StatusConflict {
				return nil // the leg is gone, or left Stasis
			}
			d.mu.Lock()
			l := d.st.live(c.id)
			if l != nil && l.holdPB == c.playback {
				l.holdPB, l.holdURI = "", ""
			}
			d.mu.Unlock()
			if l != nil {
				return d.runHoldCleanup(ctx, cleanup{op: "hold-class", id: c.id, why: "the next playback was refused: " + err.Error()})
			}
			return err
		}
		if !current() {
			// Unhold came while the request was on its way.
			if err := d.stopPlayback(ctx, c.playback); err != nil {
				return err
			}
		}
	case "hold-class":
		if !current() {
			return nil
		}
		d.log.Warn("hold music file not played, the switch's music on hold instead", "leg", c.id, "why", c.why)
		if err := d.cl.StartMOH(ctx, c.id, d.cfg.MusicOnHold); err != nil {
			return err
		}
		if !current() {
			// Unhold came meanwhile: its DELETE .../moh may have gone first.
			return d.cl.StopMOH(ctx, c.id)
		}
	}
	return nil
}

// stopPlayback stops a playback; one that has ended (404) is stopped.
// Real Asterisk refuses a stop with 500 "Could not stop playback" in the
// first moments of a playback, before its stream is controllable
// (res_stasis_playback.c playback_stop), which is exactly when an unhold
// meets a hold loop that just started its next round (or a caller's key
// meets a prompt that just started): the stop is tried again for a short
// while.
func (d *Driver) stopPlayback(ctx context.Context, id string) error {
	const retryFor, every = time.Second, 20 * time.Millisecond
	deadline := time.Now().Add(retryFor)
	for {
		err := d.cl.StopPlayback(ctx, id)
		switch {
		case err == nil, ari.StatusOf(err) == http.StatusNotFound:
			return nil
		case ari.StatusOf(err) != http.StatusInternalServerError || time.Now().After(deadline):
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(every):
		}
	}
}
