package sim

import (
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Recording rules of real Asterisk that the ARI front-end enforces
// (res_stasis_recording.c, resource_bridges.c).

// failRecording makes a channel recording fail as Asterisk does: the
// request is answered 201, and the channel's thread running the command
// publishes RecordingFailed (state "failed", the cause, no duration) and
// forgets the recording. On the kit's Asterisk (2026-12) the thread ran
// before the reply was rendered: the event came first and the reply said
// "failed" (it may say "queued" on a busier server). Nothing is written and
// a stored recording of that name is left alone.
func (a *ariServer) failRecording(r *Recording, cause string) {
	r.State = "failed"
	r.failure = cause
	a.m.emit(&mEvent{Kind: evRecordStop, At: time.Now(), Ch: a.m.chans[r.Chan], Recording: r})
}

// recordingChannel refuses bridging a channel whose own recording is
// queued or running: Asterisk answers 409 "Channel X currently recording"
// (the recording rule stays on the channel until the recording ends).
func (a *ariServer) recordingChannel(c *Channel) (int, any, bool) {
	for _, r := range a.m.recs {
		if r.Front == FrontAsterisk && r.Chan == c.ID && r.State != "done" && r.State != "failed" {
			return http.StatusConflict, msg("Channel " + c.ID + " currently recording"), true
		}
	}
	return 0, nil, false
}

// recordingDirRefused creates the folders of a recording name as Asterisk
// does when the request arrives (stasis_app_control_record, ast_safe_mkdir),
// and fails the request as it does: a file where a folder should be gives
// EEXIST, which ARI reports as 409 "Recording ... already exists and can
// not be overwritten"; other errors are 500.
func recordingDirRefused(path, name string) (int, any, bool) {
	err := os.MkdirAll(filepath.Dir(path), 0o755)
	switch {
	case err == nil:
		return 0, nil, false
	case errors.Is(err, syscall.ENOTDIR), errors.Is(err, fs.ErrExist):
		return http.StatusConflict, msg("Recording '" + name + "' already exists and can not be overwritten"), true
	}
	return http.StatusInternalServerError, msg("Internal Server Error"), true
}
