package dispatch_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/recording"
	"github.com/ipcc/ipcc/store"
)

// recordingEvents collects the dispatcher's recording_* events.
func recordingEvents(w *world) func() []dispatch.Event {
	ch, unsub := w.disp.Subscribe(256)
	w.t.Cleanup(unsub)
	var got []dispatch.Event
	return func() []dispatch.Event {
		for {
			select {
			case ev := <-ch:
				if strings.HasPrefix(ev.Type, "recording_") {
					got = append(got, ev)
				}
			default:
				return got
			}
		}
	}
}

func eventTypes(evs []dispatch.Event) string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return strings.Join(out, " ")
}

// A recorded queue call (强制录音) leaves a row only with its file: the row
// appears once the switch started recording, and is completed with the
// file's size and checksum; agent and supervisors see it start and stop.
// On Asterisk the call is bridged, which Asterisk cannot record directly.
func TestRecordingRowHasItsFile(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			always, _ := withPolicy(dispatch.RecordAlways)
			w := newWorld(t, f, always)
			events := recordingEvents(w)
			ctx := context.Background()
			caller, _ := w.talkToBob(f, "13800138071")
			var recs []store.RecordingRow
			waitFor(t, "the recording runs", func() bool {
				recs, _ = w.st.ListRecordings(ctx, tenant, store.RecordingFilter{})
				return len(recs) == 1 && recs[0].Status == store.RecordingActive
			})
			if err := w.disp.Control(ctx, tenant, "bob", "record-pause", nil); err != nil {
				t.Fatal(err)
			}
			if err := w.disp.Control(ctx, tenant, "bob", "record-resume", nil); err != nil {
				t.Fatal(err)
			}
			w.sw.Sim.HangupCall(caller)
			rec := w.record(caller, nil)
			waitFor(t, "the recording is complete", func() bool {
				recs, _ = w.st.ListRecordings(ctx, tenant, store.RecordingFilter{CallID: rec.ID})
				return len(recs) == 1 && recs[0].Status != store.RecordingActive
			})
			r := recs[0]
			st, err := os.Stat(r.Path)
			if r.Status != store.RecordingDone || err != nil || r.SizeBytes != st.Size() || r.SizeBytes <= 44 || len(r.SHA256) != 64 || r.Error != "" {
				t.Fatalf("recording %+v, file: %v", r, err)
			}
			waitFor(t, "the events", func() bool {
				return eventTypes(events()) == "recording_started recording_paused recording_resumed recording_stopped"
			})
			for _, e := range events() {
				if e.Agent != "bob" || e.Call != rec.ID || e.Queue != "support" || e.Recording != r.ID {
					t.Fatalf("event %+v", e)
				}
			}
		})
	}
}

// A recording the switch refuses is stored as failed, with the switch's
// reason and no audio, and the agent and supervisors are told.
func TestRecordingRefusedBySwitchIsFailed(t *testing.T) {
	t.Parallel()
	always, _ := withPolicy(dispatch.RecordAlways)
	w := newWorld(t, sim.FrontAsterisk, always)
	events := recordingEvents(w)
	ctx := context.Background()
	// A file where the tenant's folder of the spool should be: Asterisk
	// cannot create the recording.
	spool := filepath.Dir(w.sw.RecordingPath("x"))
	if err := os.WriteFile(filepath.Join(spool, tenant), []byte("in the way"), 0o644); err != nil {
		t.Fatal(err)
	}
	caller, _ := w.talkToBob(sim.FrontAsterisk, "13800138072")
	var recs []store.RecordingRow
	waitFor(t, "the failed recording is stored", func() bool {
		recs, _ = w.st.ListRecordings(ctx, tenant, store.RecordingFilter{})
		return len(recs) == 1
	})
	r := recs[0]
	if r.Status != store.RecordingFailed || !strings.Contains(r.Error, "already exists") || r.EndedAt == nil || r.SizeBytes != 0 {
		t.Fatalf("recording %+v", r)
	}
	waitFor(t, "recording_failed is published", func() bool { return eventTypes(events()) == "recording_failed" })
	if e := events()[0]; e.Agent != "bob" || e.Recording != r.ID || !strings.Contains(e.Reason, "already exists") {
		t.Fatalf("event %+v", e)
	}
	w.sw.Sim.HangupCall(caller)
	rec := w.record(caller, nil)
	if !strings.Contains(rec.Trace, "recording "+r.ID+" failed") {
		t.Fatalf("trace: %s", rec.Trace)
	}
	if failed, _ := w.st.ListRecordings(ctx, tenant, store.RecordingFilter{CallID: rec.ID, Status: store.RecordingFailed}); len(failed) != 1 {
		t.Fatalf("the call's failed recording: %+v", failed)
	}
}

// The switch writes into its own directory, which this controller reads
// under another path (a mount of Asterisk's spool): the row holds the
// path here, where the file is. Read from the wrong place, the missing file
// makes the recording failed, not a row of size 0.
func TestRecordingReadThroughTheSwitchMount(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		mount  func(spool string) string
		status string
	}{
		{"mounted", func(spool string) string {
			link := filepath.Join(t.TempDir(), "pbx1")
			if err := os.Symlink(spool, link); err != nil {
				t.Fatal(err)
			}
			return link
		}, store.RecordingDone},
		{"wrong read dir", func(string) string { return t.TempDir() }, store.RecordingFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			always, _ := withPolicy(dispatch.RecordAlways)
			var read string
			dirs := func(o *dispatch.Options) {
				spool := o.RecordingDir
				read = tc.mount(spool)
				o.RecordingDir = "/nonexistent/media-recordings"
				o.SwitchRecordingDirs = map[string]recording.Dir{"sw1": {Switch: spool, Read: read}}
			}
			w := newWorld(t, sim.FrontAsterisk, always, dirs)
			ctx := context.Background()
			caller, _ := w.talkToBob(sim.FrontAsterisk, "13800138073")
			waitFor(t, "the recording runs", func() bool {
				recs, _ := w.st.ListRecordings(ctx, tenant, store.RecordingFilter{})
				return len(recs) == 1
			})
			w.sw.Sim.HangupCall(caller)
			rec := w.record(caller, nil)
			var recs []store.RecordingRow
			waitFor(t, "the recording is complete", func() bool {
				recs, _ = w.st.ListRecordings(ctx, tenant, store.RecordingFilter{CallID: rec.ID})
				return len(recs) == 1 && recs[0].Status != store.RecordingActive
			})
			r := recs[0]
			if !strings.HasPrefix(r.Path, read+"/"+tenant+"/") || r.Status != tc.status {
				t.Fatalf("recording %+v (read dir %s)", r, read)
			}
			if tc.status == store.RecordingDone {
				if st, err := os.Stat(r.Path); err != nil || st.Size() != r.SizeBytes {
					t.Fatalf("file %v, row %+v", err, r)
				}
			} else if !strings.Contains(r.Error, "no recording file") {
				t.Fatalf("error %q", r.Error)
			}
		})
	}
}
