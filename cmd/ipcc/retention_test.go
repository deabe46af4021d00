package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/recording"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func TestRetentionRunCommand(t *testing.T) {
	for _, d := range storetest.Dialects {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			url := storetest.URL(t, d)
			recDir, backup := t.TempDir(), t.TempDir()
			env := []string{"IPCC_DATABASE_URL=" + url, "IPCC_MEDIA_RECORDING_DIR=" + recDir, "IPCC_MEDIA_VOICEMAIL_DIR=" + filepath.Join(recDir, "no-voicemail-here"),
				"IPCC_RETENTION_BACKUP_DIR=" + backup, "IPCC_RETENTION_DISK_HIGH_WATER_PERCENT=0"}
			if _, _, err := run(t, ctx, env, "", "migrate", "up"); err != nil {
				t.Fatal(err)
			}
			st, err := store.Open(ctx, url, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if err := st.CreateTenant(ctx, &store.Tenant{ID: "t1", Name: "T1", Timezone: "UTC"}); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(recDir, "t1", "2026-01-01", "call-1.wav")
			os.MkdirAll(filepath.Dir(path), 0o755)
			os.WriteFile(path, []byte("RIFF recording"), 0o644)
			started := time.Now().Add(-100 * 24 * time.Hour)
			ended := started.Add(time.Minute)
			if err := st.SaveRecording(ctx, &store.RecordingRow{TenantID: "t1", ID: "r1", CallID: "call-1", Path: path, StartedAt: started, EndedAt: &ended}); err != nil {
				t.Fatal(err)
			}
			if err := st.PutRetentionSettings(ctx, &store.RetentionSettings{TenantID: "t1", RecordingDays: 90}); err != nil {
				t.Fatal(err)
			}

			if _, _, err := run(t, ctx, env, "", "retention", "run", "--tenant", "nope"); err == nil || !strings.Contains(err.Error(), "--tenant") {
				t.Fatalf("unknown tenant: %v", err)
			}
			out, _, err := run(t, ctx, env, "", "retention", "run", "--json")
			if err != nil {
				t.Fatal(err)
			}
			var sum recording.Summary
			if err := json.Unmarshal([]byte(out), &sum); err != nil {
				t.Fatalf("summary %q: %v", out, err)
			}
			if sum.Trigger != "cli" || sum.BackedUp != 1 || sum.RecordingsDeletedAge != 1 || len(sum.Errors) != 0 {
				t.Fatalf("summary %+v", sum)
			}
			if _, err := os.Stat(path); !os.IsNotExist(err) {
				t.Fatal("recording not deleted")
			}
			if b, err := os.ReadFile(filepath.Join(backup, "t1", "2026-01-01", "call-1.wav")); err != nil || string(b) != "RIFF recording" {
				t.Fatalf("backup: %q %v", b, err)
			}
			out, _, err = run(t, ctx, env, "", "retention", "run", "--tenant", "t1")
			if err != nil || !strings.Contains(out, "tenant t1") || !strings.Contains(out, "0 by age") {
				t.Fatalf("second run: %q %v", out, err)
			}
		})
	}
}

// With the default configuration the media directories are under ./data,
// where `make run` (the demo) keeps its recordings: `ipcc retention run`
// from the same directory finds and deletes them (it looked in
// /var/lib/ipcc).
func TestRetentionRunFindsTheDemosFiles(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	ctx := context.Background()
	env := []string{"IPCC_RETENTION_DISK_HIGH_WATER_PERCENT=0"}
	if _, _, err := run(t, ctx, env, "", "migrate", "up"); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, "sqlite:./data/ipcc.db", store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.CreateTenant(ctx, &store.Tenant{ID: "t1", Name: "T1", Timezone: "UTC"}); err != nil {
		t.Fatal(err)
	}
	// serve gives the switches the absolute path of ./data/recordings.
	path := filepath.Join(dir, "data", "recordings", "t1", "2026-01-01", "call-1.wav")
	os.MkdirAll(filepath.Dir(path), 0o755)
	os.WriteFile(path, []byte("RIFF recording"), 0o644)
	started := time.Now().Add(-100 * 24 * time.Hour)
	ended := started.Add(time.Minute)
	if err := st.SaveRecording(ctx, &store.RecordingRow{TenantID: "t1", ID: "r1", CallID: "call-1", Path: path, StartedAt: started, EndedAt: &ended}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutRetentionSettings(ctx, &store.RetentionSettings{TenantID: "t1", RecordingDays: 90}); err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, ctx, env, "", "retention", "run", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var sum recording.Summary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("summary %q: %v", out, err)
	}
	if sum.RecordingsDeletedAge != 1 || len(sum.Errors) != 0 {
		t.Fatalf("summary %+v", sum)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("the demo's recording was not deleted")
	}
}
