package dispatch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/store"
)

// ErrRecordingDisabled: the recording policy says "never" for this call.
var ErrRecordingDisabled = errors.New("recording is disabled for this call by policy")

// ErrRecordingRequired: the recording policy says "always"; the agent may
// pause it but not stop it.
var ErrRecordingRequired = errors.New("recording is required for this call by policy; pause it instead")

// recorder records one call under its recording policy.
type recorder struct {
	d      *Dispatcher
	c      *controller.Call
	tenant string
	callID string // the call's record id
	queue  string
	agent  string
	mode   string // RecordAlways, RecordOnDemand or RecordNever
	rec    *recording
}

// recording is the call's running recording, if any.
type recording struct {
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

// answered starts the recording of a call whose policy records it all.
func (r *recorder) answered(ctx context.Context) {
	if r.mode != RecordAlways {
		return
	}
	if err := r.start(ctx, "policy records every call"); err != nil {
		r.c.Note("record", "recording not started: "+err.Error())
		r.d.log.Warn("recording required by policy not started", "call", r.callID, "err", err)
	}
}

// start records the caller's leg (both parties once bridged) to
// <dir>/<tenant>/<date>/<call id>-<n>.wav and stores its row.
func (r *recorder) start(ctx context.Context, why string) error {
	if r.mode == RecordNever {
		return ErrRecordingDisabled
	}
	if r.rec != nil {
		return errors.New("already recording")
	}
	if r.d.opt.RecordingDir == "" {
		return errors.New("no recording directory is configured (media.recording_dir)")
	}
	now := r.d.opt.Clock.Now().UTC()
	id := uuid.NewString()
	path := filepath.Join(r.d.opt.RecordingDir, r.tenant, now.Format("2006-01-02"), r.callID+"-"+id[:8]+".wav")
	_ = os.MkdirAll(filepath.Dir(path), 0o750) // when the directory is shared with the switch
	rid, err := r.c.Record(ctx, controller.RecordOptions{ID: id, Path: path, Stereo: true})
	if err != nil {
		return err
	}
	r.rec = &recording{id: rid, row: store.RecordingRow{TenantID: r.tenant, ID: id, CallID: r.callID, AgentID: r.agent, QueueID: r.queue, ANI: r.c.ANI(), Path: path, StartedAt: now}}
	r.c.Note("record", "recording "+id+" started ("+why+"): "+path)
	if r.d.opt.Store != nil {
		if err := r.d.opt.Store.SaveRecording(context.WithoutCancel(ctx), &r.rec.row); err != nil {
			r.d.log.Error("recording row not saved", "call", r.callID, "err", err)
		}
	}
	return nil
}

func (r *recorder) pause(ctx context.Context, pause bool) error {
	if r.rec == nil {
		if r.mode == RecordNever {
			return ErrRecordingDisabled
		}
		return errors.New("not recording")
	}
	if err := r.c.PauseRecord(ctx, r.rec.id, pause); err != nil {
		return err
	}
	r.rec.paused = pause
	// The switch keeps paused stretches as silence, so the file's length
	// is wall time; the trace says when it was paused.
	if pause {
		r.c.Note("record", "recording "+r.rec.row.ID+" paused")
	} else {
		r.c.Note("record", "recording "+r.rec.row.ID+" resumed")
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

// finish stops the recording and completes its row with duration, size
// and checksum (when the file is visible to this controller).
func (r *recorder) finish(ctx context.Context) error {
	if r.rec == nil {
		if r.mode == RecordNever {
			return ErrRecordingDisabled
		}
		return errors.New("not recording")
	}
	rec := r.rec
	r.rec = nil
	err := r.c.StopRecord(ctx, rec.id)
	end := r.d.opt.Clock.Now().UTC()
	rec.row.EndedAt = &end
	rec.row.DurationMS = end.Sub(rec.row.StartedAt).Milliseconds()
	// The switch finishes the file after the stop command: wait (briefly)
	// until its size settles before measuring it.
	var last int64 = -1
	for i := 0; i < 10; i++ {
		st, serr := os.Stat(rec.row.Path)
		if serr != nil {
			break
		}
		if st.Size() == last {
			break
		}
		last = st.Size()
		time.Sleep(100 * time.Millisecond)
	}
	if f, ferr := os.Open(rec.row.Path); ferr == nil {
		h := sha256.New()
		if n, cerr := io.Copy(h, f); cerr == nil {
			rec.row.SizeBytes, rec.row.SHA256 = n, hex.EncodeToString(h.Sum(nil))
		}
		f.Close()
	}
	if r.d.opt.Store != nil {
		if serr := r.d.opt.Store.SaveRecording(context.WithoutCancel(ctx), &rec.row); serr != nil {
			r.d.log.Error("recording row not completed", "call", r.callID, "err", serr)
		}
	}
	r.c.Note("record", "recording "+rec.row.ID+" stopped")
	return err
}
