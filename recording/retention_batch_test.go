package recording_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ipcc/ipcc/recording"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// Old rows whose files lie outside the recording root (media.recording_dir
// changed) fill a whole batch: the disk step reads past them instead of
// stopping with the disk still above the mark.
func TestRetentionByDiskReadsPastFilesOutsideTheRoot(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		root, oldRoot := t.TempDir(), t.TempDir()
		day := 24 * time.Hour
		var outside []*store.RecordingRow
		for _, id := range []string{"o1", "o2", "o3"} {
			outside = append(outside, addRecording(t, s, oldRoot, "a", id, 30*day, 100, false))
		}
		r1 := addRecording(t, s, root, "a", "r1", 2*day, 600, false)
		r2 := addRecording(t, s, root, "a", "r2", 1*day, 100, false)
		ret := newRetention(t, recording.RetentionOptions{Store: s, RecordingRoot: root, HighWaterPercent: 50, Usage: dirUsage{capacity: 1000}, BatchSize: 2})
		sum, err := ret.Run(ctx, recording.RunRequest{Trigger: recording.TriggerSchedule})
		if err != nil {
			t.Fatal(err)
		}
		if exists(r1.Path) || !exists(r2.Path) || sum.RecordingsDeletedDisk != 1 || sum.Disk[0].StillAbove {
			t.Fatalf("70%% full, r1 (600 of 1000) must go: r1 kept=%v r2 kept=%v summary %+v", exists(r1.Path), exists(r2.Path), sum)
		}
		for _, o := range outside {
			if !exists(o.Path) {
				t.Errorf("%s outside the root was deleted for this disk", filepath.Base(o.Path))
			}
		}
		_ = os.RemoveAll(oldRoot)
	})
}
