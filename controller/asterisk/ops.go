package asterisk

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/asterisk/ari"
)

// ready refuses commands while the event socket is down: ARI would accept
// them, but their events would be lost (an originate into the app during an
// outage returns 200 and the channel dies unseen).
func (d *Driver) ready(op, leg string) error {
	if d.wsUp.Load() {
		return nil
	}
	return fmt.Errorf("asterisk %s: %s: %w", d.cfg.Name, where(op, leg), controller.ErrNotConnected)
}

func where(op, leg string) string {
	if leg == "" {
		return op
	}
	return op + " on " + leg
}

// fail wraps an ARI error with context and the controller sentinel callers
// branch on: 404 (and addChannel's 400 "Channel not found") -> ErrNoSuchLeg,
// other ARI refusals (400, 401, 409, 422, 500) -> ErrRejected with Asterisk's
// message, transport failures -> ErrNotConnected.
func (d *Driver) fail(op, leg string, err error) error {
	var sentinel error
	var ae *ari.Error
	var te *ari.TransportError
	switch {
	case errors.As(err, &ae):
		if ae.Status == http.StatusNotFound || ae.Status == http.StatusBadRequest && strings.HasSuffix(ae.Message, "not found") {
			sentinel = controller.ErrNoSuchLeg
		} else {
			sentinel = controller.ErrRejected
		}
	case errors.As(err, &te) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded):
		sentinel = controller.ErrNotConnected
	}
	if sentinel == nil {
		return fmt.Errorf("asterisk %s: %s: %w", d.cfg.Name, where(op, leg), err)
	}
	return fmt.Errorf("asterisk %s: %s: %w: %w", d.cfg.Name, where(op, leg), sentinel, err)
}

func (d *Driver) invalid(op, leg, format string, args ...any) error {
	return fmt.Errorf("asterisk %s: %s: %w: %s", d.cfg.Name, where(op, leg), controller.ErrRejected, fmt.Sprintf(format, args...))
}

func newID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// Answer answers the leg (POST /channels/{id}/answer); Answered follows.
func (d *Driver) Answer(ctx context.Context, leg string) error {
	if err := d.ready("answer", leg); err != nil {
		return err
	}
	if err := d.cl.Answer(ctx, leg); err != nil {
		return d.fail("answer", leg, err)
	}
	return nil
}

// Hangup hangs the leg up (DELETE /channels/{id}) with reason=<name> for the
// causes ARI names (busy, congestion, no_answer, normal, ...) or
// reason_code=<Q.850> otherwise. The HungUp event says HangupController and
// carries cause.
func (d *Driver) Hangup(ctx context.Context, leg string, cause controller.Cause) error {
	if err := d.ready("hangup", leg); err != nil {
		return err
	}
	d.mu.Lock()
	undo := d.st.markHangup(leg, cause)
	d.mu.Unlock()
	reason, code := hangupParams(cause)
	if err := d.cl.Hangup(ctx, leg, reason, code); err != nil {
		if ari.StatusOf(err) != http.StatusNotFound {
			d.mu.Lock()
			undo()
			d.mu.Unlock()
		}
		return d.fail("hangup", leg, err)
	}
	d.log.Debug("hangup sent", "leg", leg, "cause", cause)
	return nil
}

// Play starts p on the leg (POST /channels/{id}/play?playbackId=p.ID&media=...).
func (d *Driver) Play(ctx context.Context, leg string, p controller.Playback) error {
	if err := d.ready("play", leg); err != nil {
		return err
	}
	uris, lang, err := d.mediaURIs(p.Media)
	if err != nil {
		return d.invalid("play", leg, "%v", err)
	}
	if p.ID == "" {
		return d.invalid("play", leg, "playback id is required")
	}
	if err := d.unholdBefore(ctx, "play", leg); err != nil {
		return err
	}
	d.mu.Lock()
	ok := d.st.reservePlayback(p.ID, leg)
	d.mu.Unlock()
	if !ok {
		return d.invalid("play", leg, "playback id %q is in use", p.ID)
	}
	if _, err := d.cl.Play(ctx, leg, ari.PlayParams{Media: uris, Lang: lang, PlaybackID: p.ID}); err != nil {
		d.mu.Lock()
		if pb := d.st.playbacks[p.ID]; pb != nil && !pb.started {
			delete(d.st.playbacks, p.ID)
		}
		d.mu.Unlock()
		return d.fail("play", leg, err)
	}
	return nil
}

// StopPlayback stops a playback (DELETE /playbacks/{id}); one that already
// ended is not an error.
func (d *Driver) StopPlayback(ctx context.Context, leg, playbackID string) error {
	if err := d.ready("stop playback", leg); err != nil {
		return err
	}
	if err := d.stopPlayback(ctx, playbackID); err != nil {
		return d.fail("stop playback "+playbackID, leg, err)
	}
	return nil
}

// noteBridge records, once a request succeeded, which bridge leg is in
// (from is the bridge it left, "" = any); the events confirm it later.
func (d *Driver) noteBridge(leg, to, from string) {
	d.mu.Lock()
	if l := d.st.live(leg); l != nil && (from == "" || l.bridge == from) {
		l.bridge = to
	}
	d.mu.Unlock()
}

// leaveOtherBridge takes leg out of any bridge other than keep.
func (d *Driver) leaveOtherBridge(ctx context.Context, leg, keep string) error {
	d.mu.Lock()
	var cur string
	if l := d.st.live(leg); l != nil {
		cur = l.bridge
	}
	d.mu.Unlock()
	if cur == "" || cur == keep {
		return nil
	}
	err := d.cl.RemoveChannel(ctx, cur, leg)
	if s := ari.StatusOf(err); err != nil && s != http.StatusNotFound && s != http.StatusUnprocessableEntity {
		return err
	}
	d.noteBridge(leg, "", cur)
	return nil
}

// createBridge creates bridge id (a 409 "already exists" is fine).
func (d *Driver) createBridge(ctx context.Context, br *bridge, name string) error {
	d.mu.Lock()
	if d.st.bridges[br.id] == nil {
		d.st.bridges[br.id] = br
	}
	d.mu.Unlock()
	if _, err := d.cl.CreateBridge(ctx, br.id, "mixing", name); err != nil && ari.StatusOf(err) != http.StatusConflict {
		return err
	}
	return nil
}

// Bridge joins two legs in a mixing bridge with an id of ours
// (POST /bridges?bridgeId=ipcc-br-...&type=mixing, then addChannel with both).
// A leg already in one of our two-party bridges brings the other one in.
func (d *Driver) Bridge(ctx context.Context, legA, legB string) error {
	op := "bridge with " + legB
	if err := d.ready(op, legA); err != nil {
		return err
	}
	if legA == legB {
		return d.invalid(op, legA, "cannot bridge a leg with itself")
	}
	if err := d.unholdBefore(ctx, op, legA, legB); err != nil {
		return err
	}
	d.mu.Lock()
	var ba, bb string
	if l := d.st.live(legA); l != nil {
		ba = l.bridge
	}
	if l := d.st.live(legB); l != nil {
		bb = l.bridge
	}
	reusable := func(id string) bool {
		b := d.st.bridges[id]
		return id != "" && b != nil && b.ours && b.kind == bridgePair
	}
	var target string
	add := []string{legA, legB}
	switch {
	case ba != "" && ba == bb:
		d.mu.Unlock()
		return nil
	case reusable(ba):
		target, add = ba, []string{legB}
	case reusable(bb):
		target, add = bb, []string{legA}
	}
	d.mu.Unlock()
	created := false
	if target == "" {
		target = newID(pairBridgePrefix)
		if err := d.createBridge(ctx, &bridge{id: target, kind: bridgePair, ours: true}, "ipcc"); err != nil {
			return d.fail(op, legA, err)
		}
		created = true
	}
	for _, l := range add {
		if err := d.leaveOtherBridge(ctx, l, target); err != nil {
			return d.fail(op, legA, err)
		}
	}
	if err := d.cl.AddChannel(ctx, target, add, ari.AddChannelParams{}); err != nil {
		if created {
			_ = d.cl.DestroyBridge(context.WithoutCancel(ctx), target)
		}
		return d.fail(op, legA, err)
	}
	for _, l := range add {
		d.noteBridge(l, target, "")
	}
	return nil
}

// Unbridge takes the leg out of its bridge (removeChannel); it stays in our
// Stasis app. Bridges of ours that empty are destroyed when the event says so.
func (d *Driver) Unbridge(ctx context.Context, leg string) error {
	if err := d.ready("unbridge", leg); err != nil {
		return err
	}
	if err := d.unholdBefore(ctx, "unbridge", leg); err != nil {
		return err
	}
	d.mu.Lock()
	var cur string
	if l := d.st.live(leg); l != nil {
		cur = l.bridge
	}
	d.mu.Unlock()
	if cur == "" {
		bridges, err := d.cl.Bridges(ctx)
		if err != nil {
			return d.fail("unbridge", leg, err)
		}
		for _, b := range bridges {
			if contains(b.Channels, leg) {
				cur = b.ID
			}
		}
		if cur == "" {
			return nil
		}
	}
	if err := d.cl.RemoveChannel(ctx, cur, leg); err != nil {
		if ari.StatusOf(err) == http.StatusUnprocessableEntity {
			d.noteBridge(leg, "", cur)
			return nil // "Channel not in this bridge": already out
		}
		return d.fail("unbridge", leg, err)
	}
	d.noteBridge(leg, "", cur)
	return nil
}
