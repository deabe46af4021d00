package recording_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ipcc/ipcc/recording"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// A file that is missing outside the recording root (an old root, a share
// not mounted here) is not "already gone": its row is not marked deleted,
// as for a root this controller cannot see.
func TestRetentionNeverMarksMissingFilesOutsideTheRoot(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		root, vmRoot := t.TempDir(), t.TempDir()
		elsewhere := filepath.Join(t.TempDir(), "old-share-not-mounted")
		day := 24 * time.Hour
		end := now.Add(-40*day + time.Minute)
		if err := s.SaveRecording(ctx, &store.RecordingRow{TenantID: "a", ID: "gone", CallID: "c", Path: filepath.Join(elsewhere, "a", "x.wav"),
			StartedAt: now.Add(-40 * day), EndedAt: &end}); err != nil {
			t.Fatal(err)
		}
		vm := &store.VoicemailMessage{TenantID: "a", Mailbox: "m", Path: filepath.Join(elsewhere, "vm", "y.wav"), CreatedAt: now.Add(-40 * day)}
		if err := s.AddVoicemail(ctx, vm); err != nil {
			t.Fatal(err)
		}
		if err := s.PutRetentionSettings(ctx, &store.RetentionSettings{TenantID: "a", RecordingDays: 30, VoicemailDays: 30}); err != nil {
			t.Fatal(err)
		}
		ret := newRetention(t, recording.RetentionOptions{Store: s, RecordingRoot: root, VoicemailRoot: vmRoot})
		sum, err := ret.Run(ctx, recording.RunRequest{Trigger: recording.TriggerCLI})
		if err != nil {
			t.Fatal(err)
		}
		if sum.RecordingsDeletedAge != 0 || sum.VoicemailDeletedAge != 0 || sum.DeleteFailed != 2 {
			t.Fatalf("summary %+v", sum)
		}
		if row, err := s.GetRecording(ctx, "a", "gone"); err != nil || row.DeletedAt != nil {
			t.Fatalf("row marked deleted: %+v %v", row, err)
		}
		if _, err := s.GetVoicemail(ctx, "a", vm.ID); err != nil {
			t.Fatalf("voicemail row: %v", err)
		}
	})
}
