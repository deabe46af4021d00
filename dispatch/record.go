package dispatch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/store"
)

// recording is the call's running recording, if any.
type recording struct {
	id     string
	row    store.RecordingRow
	paused bool
}

// startRecording records the caller's leg (both parties once bridged) to
// <dir>/<tenant>/<date>/<call id>-<n>.wav and stores its row.
func (cv *conversation) startRecording(ctx context.Context, why string) error {
	w := cv.w
	if cv.rec != nil {
		return errors.New("already recording")
	}
	if w.d.opt.RecordingDir == "" {
		return errors.New("no recording directory is configured (media.recording_dir)")
	}
	now := time.Now().UTC()
	id := uuid.NewString()
	path := filepath.Join(w.d.opt.RecordingDir, w.tenant, now.Format("2006-01-02"), w.c.ID()+"-"+id[:8]+".wav")
	_ = os.MkdirAll(filepath.Dir(path), 0o750) // when the directory is shared with the switch
	rid, err := w.c.Record(ctx, controller.RecordOptions{ID: id, Path: path, Stereo: true})
	if err != nil {
		return err
	}
	agent := ""
	if cv.e.AgentID != "" {
		agent = cv.e.AgentID
	}
	cv.rec = &recording{id: rid, row: store.RecordingRow{TenantID: w.tenant, ID: id, CallID: w.c.ID(), AgentID: agent, QueueID: w.queue, ANI: w.c.ANI(), Path: path, StartedAt: now}}
	w.c.Note("record", "recording started ("+why+"): "+path)
	if w.d.opt.Store != nil {
		if err := w.d.opt.Store.SaveRecording(context.WithoutCancel(ctx), &cv.rec.row); err != nil {
			w.log.Error("recording row not saved", "err", err)
		}
	}
	return nil
}

func (cv *conversation) pauseRecording(ctx context.Context, pause bool) error {
	if cv.rec == nil {
		return errors.New("not recording")
	}
	if err := cv.w.c.PauseRecord(ctx, cv.rec.id, pause); err != nil {
		return err
	}
	cv.rec.paused = pause
	if pause {
		cv.w.c.Note("record", "recording paused")
	} else {
		cv.w.c.Note("record", "recording resumed")
	}
	return nil
}

// stopRecording stops the recording and completes its row with duration,
// size and checksum (when the file is visible to this controller).
func (cv *conversation) stopRecording(ctx context.Context) error {
	if cv.rec == nil {
		return errors.New("not recording")
	}
	r := cv.rec
	cv.rec = nil
	err := cv.w.c.StopRecord(ctx, r.id)
	end := time.Now().UTC()
	r.row.EndedAt = &end
	r.row.DurationMS = end.Sub(r.row.StartedAt).Milliseconds()
	// The switch finishes the file after the stop command: wait (briefly)
	// until its size settles before measuring it.
	var last int64 = -1
	for i := 0; i < 10; i++ {
		st, serr := os.Stat(r.row.Path)
		if serr != nil {
			break
		}
		if st.Size() == last {
			break
		}
		last = st.Size()
		time.Sleep(100 * time.Millisecond)
	}
	if f, ferr := os.Open(r.row.Path); ferr == nil {
		h := sha256.New()
		if n, cerr := io.Copy(h, f); cerr == nil {
			r.row.SizeBytes, r.row.SHA256 = n, hex.EncodeToString(h.Sum(nil))
		}
		f.Close()
	}
	if cv.w.d.opt.Store != nil {
		if serr := cv.w.d.opt.Store.SaveRecording(context.WithoutCancel(ctx), &r.row); serr != nil {
			cv.w.log.Error("recording row not completed", "err", serr)
		}
	}
	cv.w.c.Note("record", "recording stopped")
	return err
}
