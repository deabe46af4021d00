package recording_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ipcc/ipcc/recording"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// dirUsage measures the real files under the root against a fixed
// capacity, so the high-water test does not depend on this machine's disk.
type dirUsage struct{ capacity int64 }

func (u dirUsage) UsedPercent(root string) (float64, error) {
	var used int64
	err := filepath.WalkDir(root, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err == nil {
			used += info.Size()
		}
		return err
	})
	return float64(used) * 100 / float64(u.capacity), err
}

var now = time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)

// addRecording writes a file of size bytes under root and its finished row.
func addRecording(t *testing.T, s *store.Store, root, tenant, id string, age time.Duration, size int, hold bool) *store.RecordingRow {
	t.Helper()
	started := now.Add(-age)
	path := filepath.Join(root, tenant, started.Format("2006-01-02"), "call-"+id+".wav")
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte(id[:1]), size)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	end := started.Add(time.Minute)
	r := &store.RecordingRow{TenantID: tenant, ID: id, CallID: "call-" + id, Path: path, StartedAt: started, EndedAt: &end, SizeBytes: int64(size), SHA256: hex.EncodeToString(sum[:]), LegalHold: hold}
	if err := s.SaveRecording(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	return r
}

func exists(path string) bool { _, err := os.Stat(path); return err == nil }

func newRetention(t *testing.T, o recording.RetentionOptions) *recording.Retention {
	t.Helper()
	o.Logger, o.Now = quiet, func() time.Time { return now }
	r, err := recording.NewRetention(o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRetentionByAge(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		root, vmRoot := t.TempDir(), t.TempDir()
		day := 24 * time.Hour
		old := addRecording(t, s, root, "a", "old", 40*day, 100, false)
		held := addRecording(t, s, root, "a", "held", 50*day, 100, true)
		recent := addRecording(t, s, root, "a", "recent", 5*day, 100, false)
		otherTenant := addRecording(t, s, root, "b", "bold", 400*day, 100, false)
		vmOld := filepath.Join(vmRoot, "a", "sales", "old.wav")
		vmNew := filepath.Join(vmRoot, "a", "sales", "new.wav")
		os.MkdirAll(filepath.Dir(vmOld), 0o755)
		for _, p := range []string{vmOld, vmNew} {
			os.WriteFile(p, []byte("RIFFvoicemail"), 0o644)
		}
		mOld := &store.VoicemailMessage{TenantID: "a", Mailbox: "sales", Path: vmOld, CreatedAt: now.Add(-20 * day)}
		mNew := &store.VoicemailMessage{TenantID: "a", Mailbox: "sales", Path: vmNew, CreatedAt: now.Add(-1 * day)}
		for _, m := range []*store.VoicemailMessage{mOld, mNew} {
			if err := s.AddVoicemail(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.PutRetentionSettings(ctx, &store.RetentionSettings{TenantID: "a", RecordingDays: 30, VoicemailDays: 10}); err != nil {
			t.Fatal(err)
		}
		ret := newRetention(t, recording.RetentionOptions{Store: s, RecordingRoot: root, VoicemailRoot: vmRoot})
		sum, err := ret.Run(ctx, recording.RunRequest{Trigger: recording.TriggerCLI})
		if err != nil {
			t.Fatal(err)
		}
		if sum.RecordingsDeletedAge != 1 || sum.VoicemailDeletedAge != 1 || sum.LegalHoldKept != 1 || sum.BytesFreed != 100+13 || len(sum.Errors) != 0 {
			t.Fatalf("summary %+v", sum)
		}
		for _, c := range []struct {
			name string
			path string
			kept bool
		}{{"old recording", old.Path, false}, {"held recording", held.Path, true}, {"recent recording", recent.Path, true},
			{"recording of a tenant without retention", otherTenant.Path, true}, {"old voicemail", vmOld, false}, {"new voicemail", vmNew, true}} {
			if exists(c.path) != c.kept {
				t.Errorf("%s: file kept=%v, want %v", c.name, exists(c.path), c.kept)
			}
		}
		// The deleted recording keeps its row, marked.
		row, err := s.GetRecording(ctx, "a", "old")
		if err != nil || row.DeletedAt == nil || row.DeletedReason != "age" {
			t.Fatalf("deleted row %+v %v", row, err)
		}
		if _, err := s.GetVoicemail(ctx, "a", mOld.ID); !store.IsNotFound(err) {
			t.Fatalf("old voicemail row: %v", err)
		}
		log, _ := s.ListRetentionLog(ctx, "a", sum.RunID, 10)
		if len(log) != 2 {
			t.Fatalf("retention log %+v", log)
		}
		// A second run finds nothing more to do.
		sum, err = ret.Run(ctx, recording.RunRequest{Trigger: recording.TriggerSchedule})
		if err != nil || sum.RecordingsDeletedAge+sum.VoicemailDeletedAge != 0 {
			t.Fatalf("second run %+v %v", sum, err)
		}
		runs, _ := s.ListRetentionRuns(ctx, "a", 10)
		if len(runs) != 2 || runs[0].FinishedAt == nil {
			t.Fatalf("runs %+v", runs)
		}
	})
}

func TestRetentionByDisk(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		root := t.TempDir()
		day := 24 * time.Hour
		r1 := addRecording(t, s, root, "a", "r1", 4*day, 300, false)
		r2 := addRecording(t, s, root, "b", "r2", 3*day, 300, true)
		r3 := addRecording(t, s, root, "a", "r3", 2*day, 200, false)
		r4 := addRecording(t, s, root, "b", "r4", 1*day, 100, false)
		ret := newRetention(t, recording.RetentionOptions{Store: s, RecordingRoot: root, HighWaterPercent: 50, Usage: dirUsage{capacity: 1000}})

		// A tenant's own run never deletes for disk space.
		if sum, err := ret.Run(ctx, recording.RunRequest{Tenant: "a"}); err != nil || sum.RecordingsDeletedDisk != 0 || !exists(r1.Path) {
			t.Fatalf("tenant run: %+v %v", sum, err)
		}
		sum, err := ret.Run(ctx, recording.RunRequest{Trigger: recording.TriggerSchedule})
		if err != nil {
			t.Fatal(err)
		}
		// 90% → delete r1 (oldest) → 60% → r2 is held → delete r3 → 40%: stop.
		want := map[string]bool{r1.Path: false, r2.Path: true, r3.Path: false, r4.Path: true}
		for p, kept := range want {
			if exists(p) != kept {
				t.Errorf("%s kept=%v, want %v", filepath.Base(p), exists(p), kept)
			}
		}
		if sum.RecordingsDeletedDisk != 2 || len(sum.Disk) != 1 || sum.Disk[0].BeforePct != 90 || sum.Disk[0].AfterPct != 40 || sum.Disk[0].StillAbove {
			t.Fatalf("summary %+v", sum)
		}
		row, _ := s.GetRecording(ctx, "a", "r3")
		if row.DeletedReason != "disk" {
			t.Fatalf("r3 row %+v", row)
		}

		// Only held recordings left above the mark: reported, not deleted.
		ret = newRetention(t, recording.RetentionOptions{Store: s, RecordingRoot: root, HighWaterPercent: 10, Usage: dirUsage{capacity: 1000}})
		sum, err = ret.Run(ctx, recording.RunRequest{})
		if err != nil || !exists(r2.Path) || exists(r4.Path) || !sum.Disk[0].StillAbove || len(sum.Errors) != 1 {
			t.Fatalf("held only: %+v %v", sum, err)
		}
	})
}

func TestRetentionBackup(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		root, backup := t.TempDir(), t.TempDir()
		day := 24 * time.Hour
		good := addRecording(t, s, root, "a", "good", 60*day, 64, false)
		bad := addRecording(t, s, root, "a", "bad", 60*day, 64, false)
		// The file changed after the call: its checksum no longer matches.
		os.WriteFile(bad.Path, []byte("tampered"), 0o644)
		running := &store.RecordingRow{TenantID: "a", ID: "running", CallID: "c", Path: filepath.Join(root, "running.wav"), StartedAt: now.Add(-90 * day)}
		os.WriteFile(running.Path, []byte("still being written"), 0o644)
		if err := s.SaveRecording(ctx, running); err != nil {
			t.Fatal(err)
		}
		if err := s.PutRetentionSettings(ctx, &store.RetentionSettings{TenantID: "a", RecordingDays: 30}); err != nil {
			t.Fatal(err)
		}
		ret := newRetention(t, recording.RetentionOptions{Store: s, RecordingRoot: root, BackupDir: backup})
		sum, err := ret.Run(ctx, recording.RunRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if sum.BackedUp != 1 || sum.BackupFailed != 1 || sum.RecordingsDeletedAge != 1 {
			t.Fatalf("summary %+v", sum)
		}
		rel, _ := filepath.Rel(root, good.Path)
		copyPath := filepath.Join(backup, rel)
		got, err := os.ReadFile(copyPath)
		if err != nil || len(got) != 64 {
			t.Fatalf("backup copy %s: %d bytes, %v", copyPath, len(got), err)
		}
		row, _ := s.GetRecording(ctx, "a", "good")
		if row.BackedUpAt == nil || row.BackupPath != copyPath || row.DeletedAt == nil {
			t.Fatalf("good row %+v", row)
		}
		// Backed up, then deleted by age; the failed one and the running
		// one are kept.
		if exists(good.Path) || !exists(bad.Path) || !exists(running.Path) {
			t.Fatalf("files: good %v bad %v running %v", exists(good.Path), exists(bad.Path), exists(running.Path))
		}
		if row, _ := s.GetRecording(ctx, "a", "bad"); row.BackedUpAt != nil || row.DeletedAt != nil {
			t.Fatalf("bad row %+v", row)
		}
		if matches, _ := filepath.Glob(filepath.Join(backup, "a", "*", "*.part")); len(matches) != 0 {
			t.Fatalf("partial copies left: %v", matches)
		}
	})
}

func TestLegalHoldSurvivesRowCompletion(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		r := &store.RecordingRow{TenantID: "a", ID: "r", CallID: "c", Path: "/x.wav", StartedAt: now}
		if err := s.SaveRecording(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := s.SetRecordingLegalHold(ctx, "a", "r", true); err != nil {
			t.Fatal(err)
		}
		end := now.Add(time.Minute)
		r.EndedAt = &end // the call ends: dispatch completes the row
		if err := s.SaveRecording(ctx, r); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetRecording(ctx, "a", "r"); !got.LegalHold {
			t.Fatal("hold lost when the row was completed")
		}
	})
}

func TestScheduleRunsUntilCancelled(t *testing.T) {
	s := storetest.Open(t, store.SQLite)
	ret := newRetention(t, recording.RetentionOptions{Store: s})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { ret.Schedule(ctx, 20*time.Millisecond); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		runs, err := s.ListRetentionRuns(ctx, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) >= 2 {
			if runs[0].Trigger != recording.TriggerSchedule {
				t.Fatalf("trigger %q", runs[0].Trigger)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d scheduled runs", len(runs))
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Schedule did not stop with its context")
	}
}

func TestRetentionNeverMarksFilesItCannotSee(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		root := t.TempDir()
		rec := addRecording(t, s, root, "a", "r1", 100*24*time.Hour, 10, false)
		if err := s.PutRetentionSettings(ctx, &store.RetentionSettings{TenantID: "a", RecordingDays: 30}); err != nil {
			t.Fatal(err)
		}
		// This controller is configured with a root it does not have (the
		// switch's disk is not shared with it).
		ret := newRetention(t, recording.RetentionOptions{Store: s, RecordingRoot: filepath.Join(root, "not-mounted")})
		sum, err := ret.Run(ctx, recording.RunRequest{})
		if err != nil || sum.RecordingsDeletedAge != 0 || len(sum.Errors) != 1 {
			t.Fatalf("summary %+v %v", sum, err)
		}
		if row, _ := s.GetRecording(ctx, "a", "r1"); row.DeletedAt != nil || !exists(rec.Path) {
			t.Fatalf("row marked deleted: %+v", row)
		}
	})
}
