package asterisk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/asterisk/ari"
)

// snoopRecordArg is the second Stasis argument of a snoop channel that
// carries a call recording: such a snoop is left running when a restarted
// controller finds it (it ends with the leg it listens to, and the file
// with it), while a supervisor's orphaned snoop is hung up.
const snoopRecordArg = "record"

// causeInBridge is Asterisk's RecordingFailed cause for a channel recording
// requested while the channel is in a bridge (res_stasis_recording.c).
const causeInBridge = "Cannot record channel while in bridge"

// Record records the leg and returns once Asterisk really started
// (RecordingStarted) or refused (RecordingFailed: an error wrapping
// ErrRejected with Asterisk's cause).
//
// Asterisk cannot record a channel that is in a bridge: it answers the
// POST /channels/{id}/record with 201 and then fails the recording. A call
// recording (r.Stereo, "both parties") or any recording of a bridged leg is
// therefore made through a snoop channel on the leg (POST
// /channels/{id}/snoop?spy=both&whisper=none into our app), whose own
// recording holds what the leg's party says and hears, mixed into one mono
// file: ARI has no stereo recording. The snoop stays on the leg through
// later bridges, unbridges, holds and transfers between agents, and is hung
// up when the recording ends. A single-party recording of a leg outside
// any bridge (voicemail) records the channel itself, so its beep is heard;
// while it runs, Asterisk refuses to bridge that leg.
//
// The ARI recording name is r.Path relative to RecordingDir without its
// extension (the extension is the format); paths elsewhere keep only their
// file name, because ARI writes only under its spool.
func (d *Driver) Record(ctx context.Context, leg string, r controller.Recording) error {
	if err := d.ready("record", leg); err != nil {
		return err
	}
	name, format, err := d.cfg.recordingName(r.Path)
	if err != nil {
		return d.invalid("record", leg, "%v", err)
	}
	id := r.ID
	if id == "" {
		id = name
	}
	d.mu.Lock()
	l := d.st.live(leg)
	bridged := l != nil && l.bridge != ""
	d.mu.Unlock()
	viaSnoop := r.Stereo || bridged
	if viaSnoop {
		err = d.record(ctx, leg, id, name, format, r, true)
	} else {
		// A record request waits behind the channel's playback.
		err = d.withoutHoldLoop(ctx, leg, func() error { return d.record(ctx, leg, id, name, format, r, false) })
	}
	if !viaSnoop && isInBridge(err) {
		// Our view of the leg's bridges was behind the switch's.
		err = d.record(ctx, leg, id, name, format, r, true)
	}
	return err
}

func isInBridge(err error) bool {
	var rf *recordFailed
	return errors.As(err, &rf) && rf.cause == causeInBridge
}

// recordFailed is the cause of a RecordingFailed seen for our request.
type recordFailed struct{ cause string }

func (e *recordFailed) Error() string { return "recording failed: " + e.cause }

func (d *Driver) record(ctx context.Context, leg, id, name, format string, r controller.Recording, viaSnoop bool) error {
	d.mu.Lock()
	rec := d.st.reserveRecording(id, name, leg, d.cfg.recordingPath(name, format))
	d.mu.Unlock()
	if rec == nil {
		return d.invalid("record", leg, "recording %q is in progress", name)
	}
	drop := func() {
		d.mu.Lock()
		if cur := d.st.recs[name]; cur == rec && !rec.started {
			delete(d.st.recs, name)
		}
		d.mu.Unlock()
	}
	target := leg
	if viaSnoop {
		snoop, err := d.recordingSnoop(ctx, leg)
		if err != nil {
			drop()
			return err
		}
		d.mu.Lock()
		rec.snoop = snoop
		d.mu.Unlock()
		target = snoop
	}
	p := ari.RecordParams{
		Name: name, Format: format, IfExists: d.cfg.RecordIfExists, Beep: r.Beep && !viaSnoop, TerminateOn: "none",
		MaxDurationSeconds: int((r.MaxDuration + time.Second - 1) / time.Second),
	}
	if _, err := d.cl.Record(ctx, target, p); err != nil {
		drop()
		d.dropSnoop(ctx, rec)
		return d.fail("record", leg, err)
	}
	// 201 only means queued: the channel's thread starts or fails it.
	select {
	case <-rec.ready:
	case <-ctx.Done():
		d.cancelRecording(ctx, rec)
		return d.fail("record", leg, ctx.Err())
	case <-time.After(d.cfg.RequestTimeout):
		d.cancelRecording(ctx, rec)
		return d.invalid("record", leg, "recording %q did not start within %s", name, d.cfg.RequestTimeout)
	}
	d.mu.Lock()
	failure, started := rec.failure, rec.started
	d.mu.Unlock()
	if !started {
		d.dropSnoop(ctx, rec)
		if failure == "" {
			failure = "finished before it started"
		}
		return fmt.Errorf("asterisk %s: %s: %w: %w", d.cfg.Name, where("record", leg), controller.ErrRejected, &recordFailed{cause: failure})
	}
	return nil
}

// recordingSnoop creates a snoop channel hearing both directions of leg
// (whisper none: nobody hears it) and waits until it is in our app.
func (d *Driver) recordingSnoop(ctx context.Context, leg string) (string, error) {
	snoopID := newID("ipcc-recsnoop-")
	started := make(chan struct{})
	d.mu.Lock()
	snoop := d.st.reserveSnoop(snoopID, leg, "")
	d.st.waitStasis(snoopID, started)
	d.mu.Unlock()
	if _, err := d.cl.Snoop(ctx, leg, ari.SnoopParams{
		Spy: "both", Whisper: "none", App: d.cfg.App, AppArgs: d.cfg.SnoopArg + "," + snoopRecordArg, SnoopID: snoopID,
	}); err != nil {
		d.mu.Lock()
		d.st.dropReservation(snoop)
		d.mu.Unlock()
		return "", d.fail("record (snoop)", leg, err)
	}
	select {
	case <-started:
		return snoopID, nil
	case <-ctx.Done():
		d.hangupSnoop(ctx, snoopID)
		return "", d.fail("record (snoop)", leg, ctx.Err())
	case <-time.After(d.cfg.RequestTimeout):
		d.hangupSnoop(ctx, snoopID)
		return "", d.invalid("record", leg, "snoop channel %s did not enter Stasis", snoopID)
	}
}

func (d *Driver) hangupSnoop(ctx context.Context, id string) {
	d.mu.Lock()
	delete(d.st.waiters, id)
	if l := d.st.legs[id]; l != nil {
		l.deleting = true
	}
	d.mu.Unlock()
	err := d.cl.Hangup(context.WithoutCancel(ctx), id, "", 0)
	if err != nil && ari.StatusOf(err) != http.StatusNotFound {
		d.log.Warn("could not hang up a recording snoop", "snoop", id, "err", err)
	}
}

// dropSnoop hangs up the snoop of a recording that will not run.
func (d *Driver) dropSnoop(ctx context.Context, rec *recording) {
	d.mu.Lock()
	snoop := rec.snoop
	d.mu.Unlock()
	if snoop != "" {
		d.hangupSnoop(ctx, snoop)
	}
}

// cancelRecording gives up a recording that did not start in time.
func (d *Driver) cancelRecording(ctx context.Context, rec *recording) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), d.cfg.RequestTimeout)
	defer cancel()
	if err := d.cl.CancelRecording(cctx, rec.name); err != nil && ari.StatusOf(err) != http.StatusNotFound {
		d.log.Warn("could not cancel a recording that did not start", "recording", rec.name, "err", err)
	}
	d.dropSnoop(cctx, rec)
}

// recName finds the ARI name of a recording id, whether it ended and
// whether the leg (or the snoop) it was made on is gone.
func (d *Driver) recName(id string) (name string, finished, gone bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, r := range d.st.recs {
		if r.id == id {
			on := r.leg
			if r.snoop != "" {
				on = r.snoop
			}
			return r.name, r.finished, d.st.live(on) == nil
		}
	}
	return id, false, false
}

// StopRecord stops and stores a recording (POST /recordings/live/{name}/stop).
// One that already ended, with its leg or because the leg hung up, is not an
// error.
func (d *Driver) StopRecord(ctx context.Context, leg, recordingID string) error {
	if err := d.ready("stop record", leg); err != nil {
		return err
	}
	name, finished, gone := d.recName(recordingID)
	if err := d.cl.StopRecording(ctx, name); err != nil {
		if (finished || gone) && ari.StatusOf(err) == http.StatusNotFound {
			return nil
		}
		return d.fail("stop record "+recordingID, leg, err)
	}
	return nil
}

// PauseRecord pauses (POST) or resumes (DELETE) /recordings/live/{name}/pause.
// Asterisk leaves paused stretches out of the file rather than writing silence.
func (d *Driver) PauseRecord(ctx context.Context, leg, recordingID string, pause bool) error {
	if err := d.ready("pause record", leg); err != nil {
		return err
	}
	name, _, _ := d.recName(recordingID)
	if err := d.cl.PauseRecording(ctx, name, pause); err != nil {
		return d.fail("pause record "+recordingID, leg, err)
	}
	return nil
}
