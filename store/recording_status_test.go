package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// A failed recording has no file: it is listed with its status and error
// (the call view shows it) but never backed up or deleted by retention.
func TestRecordingStatus(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		start := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
		end := start.Add(time.Minute)
		rows := []store.RecordingRow{
			{TenantID: "t1", ID: "ok", CallID: "c1", Path: "/r/ok.wav", StartedAt: start, EndedAt: &end, SizeBytes: 100},
			{TenantID: "t1", ID: "bad", CallID: "c1", Path: "/r/bad.wav", StartedAt: start, EndedAt: &end, Status: store.RecordingFailed, Error: "Cannot record channel while in bridge"},
			{TenantID: "t1", ID: "live", CallID: "c2", Path: "/r/live.wav", StartedAt: start},
		}
		for i := range rows {
			if err := s.SaveRecording(ctx, &rows[i]); err != nil {
				t.Fatal(err)
			}
		}
		if rows[0].Status != store.RecordingDone || rows[2].Status != store.RecordingActive {
			t.Fatalf("default statuses %q %q", rows[0].Status, rows[2].Status)
		}
		got, err := s.GetRecording(ctx, "t1", "bad")
		if err != nil || got.Status != store.RecordingFailed || got.Error != "Cannot record channel while in bridge" {
			t.Fatalf("failed row: %+v %v", got, err)
		}
		failed, err := s.ListRecordings(ctx, "t1", store.RecordingFilter{Status: store.RecordingFailed})
		if err != nil || len(failed) != 1 || failed[0].ID != "bad" {
			t.Fatalf("failed listing: %+v %v", failed, err)
		}
		backup, err := s.RecordingsToBackUp(ctx, "t1", 10)
		if err != nil || len(backup) != 1 || backup[0].ID != "ok" {
			t.Fatalf("to back up: %+v %v", backup, err)
		}
		del, err := s.DeletableRecordings(ctx, store.DeletableRecordingFilter{Tenant: "t1", Before: end.Add(time.Hour)})
		if err != nil || len(del) != 1 || del[0].ID != "ok" {
			t.Fatalf("deletable: %+v %v", del, err)
		}
		// A row that started is completed as done, or marked failed.
		rows[2].EndedAt, rows[2].Status, rows[2].Error = &end, store.RecordingFailed, "no file"
		if err := s.SaveRecording(ctx, &rows[2]); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetRecording(ctx, "t1", "live"); got.Status != store.RecordingFailed || got.Error != "no file" {
			t.Fatalf("updated: %+v", got)
		}
		if err := s.SaveRecording(ctx, &store.RecordingRow{TenantID: "t1", ID: "x", CallID: "c", Path: "/x", StartedAt: start, Status: "lost"}); err == nil {
			t.Fatal("an unknown status was stored")
		}
	})
}
