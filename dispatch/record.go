package dispatch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/recording"
	"github.com/ipcc/ipcc/store"
)

// ErrRecordingDisabled: the recording policy says "never" for this call.
var ErrRecordingDisabled = errors.New("recording is disabled for this call by policy")

// ErrRecordingRequired: the recording policy says "always"; the agent may
// pause it but not stop it.
var ErrRecordingRequired = errors.New("recording is required for this call by policy; pause it instead")

// Recording events (see Event.Type): the agent's desktop and supervisors
// see a call's recording start, pause, resume, stop, and fail (Reason says
// why; the call then has no audio from that recording).
const (
	EventRecordingStarted = "recording_started"
	EventRecordingPaused  = "recording_paused"
	EventRecordingResumed = "recording_resumed"
	EventRecordingStopped = "recording_stopped"
	EventRecordingFailed  = "recording_failed"
)

// recorder records one call under its recording policy.
type recorder struct {
	d      *Dispatcher
	c      *controller.Call
	tenant string
	callID string // the call's record id
	queue  string
	agent  string
	mode   string // RecordAlways, RecordOnDemand or RecordNever
	rec    *liveRecording
	// inherited is a recording the controller before a restart started
	// and left running: the switch records on to the end of the call (its
	// row is completed then), and this controller has no handle on it.
	inherited string
}

// errInherited answers a pause or stop of the recording a restarted
// controller inherited.
func (r *recorder) errInherited() error {
	return fmt.Errorf("recording %s was started before ipcc restarted: it runs to the end of the call and cannot be paused or stopped", r.inherited)
}

// inherit finds the recording of the call left running before a restart.
func (r *recorder) inherit(ctx context.Context) {
	if r.d.opt.Store == nil {
		return
	}
	rows, err := r.d.opt.Store.ListRecordings(ctx, r.tenant, store.RecordingFilter{CallID: r.callID, Status: store.RecordingActive, Limit: 10})
	if err != nil {
		r.d.log.Warn("recordings of the resumed call not listed", "tenant", r.tenant, "call", r.callID, "err", err)
		return
	}
	for _, row := range rows {
		if row.EndedAt == nil {
			r.inherited = row.ID
			r.c.Note("record", "recording "+row.ID+" started before the restart runs on to the end of the call")
			return
		}
	}
}

// liveRecording is the call's running recording, if any.
type liveRecording struct {
	id     string
	row    store.RecordingRow
	paused bool
}

// newRecorder looks up the call's recording mode. Without a policy a call
// is recorded on demand, and from the answer when its queue records every
// call; a policy that cannot be read falls back to the same, so a queue
// that must record still does and the agent can record the others.
func (d *Dispatcher) newRecorder(ctx context.Context, c *controller.Call, tenant, callID, queue, agent, direction string) *recorder {
	r := &recorder{d: d, c: c, tenant: tenant, callID: callID, queue: queue, agent: agent, mode: RecordOnDemand}
	if queue != "" {
		if q := d.queueConfig(tenant, queue); q != nil && q.Record {
			r.mode = RecordAlways
		}
	}
	if d.opt.RecordPolicy == nil {
		return r
	}
	mode, err := d.opt.RecordPolicy.RecordMode(ctx, tenant, queue, agent, direction)
	switch {
	case err != nil:
		c.Note("record", "recording policy not read ("+err.Error()+"): "+r.mode)
		d.log.Warn("recording policy not read", "tenant", tenant, "call", callID, "err", err)
	case mode == RecordAlways, mode == RecordNever, mode == RecordOnDemand:
		r.mode = mode
	default:
		c.Note("record", fmt.Sprintf("unknown recording mode %q: %s", mode, r.mode))
	}
	c.Note("record", "recording policy: "+r.mode)
	return r
}

// recordingDir is where the call's switch writes recordings and where this
// controller reads them.
func (d *Dispatcher) recordingDir(sw string) recording.Dir {
	if dir, ok := d.opt.SwitchRecordingDirs[sw]; ok && dir.Switch != "" {
		return dir
	}
	return recording.Dir{Switch: d.opt.RecordingDir, Read: d.opt.RecordingDir}
}

// answered starts the recording of a call whose policy records it all.
func (r *recorder) answered(ctx context.Context) {
	if r.mode != RecordAlways {
		return
	}
	if err := r.start(ctx, "policy records every call"); err != nil {
		r.c.Note("record", "recording not started: "+err.Error())
		r.d.log.Warn("recording required by policy not started", "tenant", r.tenant, "call", r.callID, "agent", r.agent, "err", err)
	}
}

// start records the caller's leg (both parties once bridged) to
// <tenant>/<date>/<call id>-<n>.wav under the switch's recording directory.
// The row is written once the switch confirmed the recording runs; one the
// switch refused is stored as failed, with why, and announced.
func (r *recorder) start(ctx context.Context, why string) error {
	if r.mode == RecordNever {
		return ErrRecordingDisabled
	}
	if r.rec != nil {
		return errors.New("already recording")
	}
	if r.inherited != "" {
		return fmt.Errorf("already recording: %w", r.errInherited())
	}
	dir := r.d.recordingDir(r.c.Switch())
	if dir.Switch == "" {
		return errors.New("no recording directory is configured (media.recording_dir, or the switch's recording_dir)")
	}
	now := r.d.opt.Clock.Now().UTC()
	id := uuid.NewString()
	switchPath, readPath := dir.Paths(filepath.Join(r.tenant, now.Format("2006-01-02"), r.callID+"-"+id[:8]+".wav"))
	_ = os.MkdirAll(filepath.Dir(readPath), 0o750) // when the directory is shared with the switch
	row := store.RecordingRow{TenantID: r.tenant, ID: id, CallID: r.callID, AgentID: r.agent, QueueID: r.queue, ANI: r.c.ANI(), Path: readPath, StartedAt: now}
	rid, err := r.c.Record(ctx, controller.RecordOptions{ID: id, Path: switchPath, Stereo: true})
	if err != nil {
		r.failed(ctx, &row, err.Error())
		return err
	}
	r.rec = &liveRecording{id: rid, row: row}
	r.rec.row.Status = store.RecordingActive
	r.c.Note("record", "recording "+id+" started ("+why+"): "+switchPath)
	r.save(ctx, &r.rec.row, "recording row not saved")
	r.publish(EventRecordingStarted, id, "")
	return nil
}

// failed stores row as a failed recording (no audio) and tells the agent
// and supervisors.
func (r *recorder) failed(ctx context.Context, row *store.RecordingRow, why string) {
	end := r.d.opt.Clock.Now().UTC()
	row.EndedAt, row.Status, row.Error = &end, store.RecordingFailed, why
	row.SizeBytes, row.SHA256 = 0, ""
	if end.After(row.StartedAt) {
		row.DurationMS = end.Sub(row.StartedAt).Milliseconds()
	}
	r.c.Note("record", "recording "+row.ID+" failed: "+why)
	r.d.log.Warn("recording failed", "tenant", r.tenant, "call", r.callID, "agent", r.agent, "recording", row.ID, "err", why)
	r.save(ctx, row, "failed recording not stored")
	r.publish(EventRecordingFailed, row.ID, why)
}

func (r *recorder) save(ctx context.Context, row *store.RecordingRow, what string) {
	if r.d.opt.Store == nil {
		return
	}
	if err := r.d.opt.Store.SaveRecording(context.WithoutCancel(ctx), row); err != nil {
		r.d.log.Error(what, "tenant", r.tenant, "call", r.callID, "recording", row.ID, "err", err)
	}
}

func (r *recorder) publish(typ, id, reason string) {
	r.d.publish(Event{Type: typ, Tenant: r.tenant, Agent: r.agent, Call: r.callID, Queue: r.queue, Recording: id, Reason: reason, At: r.d.opt.Clock.Now()})
}

func (r *recorder) pause(ctx context.Context, pause bool) error {
	if r.rec == nil {
		if r.inherited != "" {
			return r.errInherited()
		}
		if r.mode == RecordNever {
			return ErrRecordingDisabled
		}
		return errors.New("not recording")
	}
	if err := r.c.PauseRecord(ctx, r.rec.id, pause); err != nil {
		return err
	}
	r.rec.paused = pause
	// FreeSWITCH keeps paused stretches as silence, Asterisk leaves them
	// out: the trace says when it was paused.
	if pause {
		r.c.Note("record", "recording "+r.rec.row.ID+" paused")
		r.publish(EventRecordingPaused, r.rec.row.ID, "")
	} else {
		r.c.Note("record", "recording "+r.rec.row.ID+" resumed")
		r.publish(EventRecordingResumed, r.rec.row.ID, "")
	}
	return nil
}

// stop is the agent's stop request: refused when the policy records all.
func (r *recorder) stop(ctx context.Context) error {
	if r.mode == RecordAlways && r.rec != nil {
		return ErrRecordingRequired
	}
	return r.finish(ctx)
}

// finishWait bounds how long finish waits for the switch to report the
// recording finished and for its file to appear and settle.
const finishWait = 5 * time.Second

// finish stops the recording and completes its row: done with duration,
// size and checksum when the file is there; failed, with why, when the
// switch reported a failure or wrote no file where this controller reads
// the switch's directory. A file that cannot be checked because that
// directory is not mounted here is taken on the switch's word.
func (r *recorder) finish(ctx context.Context) error {
	if r.rec == nil {
		if r.inherited != "" {
			return r.errInherited()
		}
		if r.mode == RecordNever {
			return ErrRecordingDisabled
		}
		return errors.New("not recording")
	}
	rec := r.rec
	r.rec = nil
	err := r.c.StopRecord(ctx, rec.id)
	end := r.d.opt.Clock.Now().UTC()
	row := &rec.row
	row.EndedAt = &end
	row.DurationMS = end.Sub(row.StartedAt).Milliseconds()
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishWait)
	defer cancel()
	res, reported := r.c.WaitRecording(wctx, rec.id)
	if reported && res.Err != "" {
		r.failed(ctx, row, res.Err)
		return err
	}
	size, sum, ferr := recording.SettledFile(wctx, row.Path)
	switch {
	case ferr == nil:
		row.SizeBytes, row.SHA256, row.Status = size, sum, store.RecordingDone
	case !dirVisible(r.d.recordingDir(r.c.Switch()).Read):
		row.Status = store.RecordingDone
		r.d.log.Warn("recording file not visible on this controller: mount the switch's recording directory (recording_read_dir)",
			"tenant", r.tenant, "call", r.callID, "path", row.Path)
	default:
		r.failed(ctx, row, "the switch wrote no recording file at "+row.Path+": "+ferr.Error())
		return err
	}
	r.save(ctx, row, "recording row not completed")
	r.c.Note("record", "recording "+row.ID+" stopped")
	r.publish(EventRecordingStopped, row.ID, "")
	return err
}

// dirVisible reports whether dir exists on this controller.
func dirVisible(dir string) bool {
	if dir == "" {
		return false
	}
	st, err := os.Stat(dir)
	return err == nil && st.IsDir()
}
