package api_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func TestRecordingsAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		_, tok := e.setup()
		ctx := context.Background()
		var me struct{ ID string }
		e.do("GET", "/api/v1/me", nil, bearer(tok["a/agent"])...).json(t, &me)
		wav := filepath.Join(t.TempDir(), "rec.wav")
		os.WriteFile(wav, []byte("RIFF0000WAVEdata"), 0o644)
		now := time.Now()
		for i, agent := range []string{me.ID, "someone-else"} {
			r := &store.RecordingRow{TenantID: "a", ID: "rec" + string(rune('1'+i)), CallID: "call", AgentID: agent, ANI: "13800138000", Path: wav, StartedAt: now.Add(time.Duration(i) * time.Second)}
			if err := s.SaveRecording(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		var rs []store.RecordingRow
		e.do("GET", "/api/v1/recordings?number=3800138", nil, bearer(tok["a/supervisor"])...).json(t, &rs)
		if len(rs) != 2 {
			t.Fatalf("supervisor sees %d", len(rs))
		}
		e.do("GET", "/api/v1/recordings", nil, bearer(tok["a/agent"])...).json(t, &rs)
		if len(rs) != 1 || rs[0].AgentID != me.ID {
			t.Fatalf("agent sees %+v", rs)
		}
		if r := e.do("GET", "/api/v1/recordings/rec2/audio", nil, bearer(tok["a/agent"])...); r.Status != 404 {
			t.Fatalf("agent plays another's recording: %d", r.Status)
		}
		if r := e.do("GET", "/api/v1/recordings/rec1/audio", nil, bearer(tok["a/agent"])...); r.Status != 200 || string(r.Body) != "RIFF0000WAVEdata" {
			t.Fatalf("own recording: %d", r.Status)
		}
		if r := e.do("GET", "/api/v1/recordings/rec1/audio", nil, bearer(tok["b/admin"])...); r.Status != 404 {
			t.Fatalf("other tenant: %d", r.Status)
		}
		// A recording the switch refused is listed as failed, with why,
		// and has no audio.
		failedAt := now.Add(time.Minute)
		if err := s.SaveRecording(ctx, &store.RecordingRow{TenantID: "a", ID: "rec-failed", CallID: "call", AgentID: me.ID, Path: filepath.Join(t.TempDir(), "none.wav"),
			StartedAt: failedAt, EndedAt: &failedAt, Status: store.RecordingFailed, Error: "recording failed: Cannot record channel while in bridge"}); err != nil {
			t.Fatal(err)
		}
		e.do("GET", "/api/v1/recordings?status=failed", nil, bearer(tok["a/supervisor"])...).json(t, &rs)
		if len(rs) != 1 || rs[0].ID != "rec-failed" || rs[0].Status != "failed" || !strings.Contains(rs[0].Error, "in bridge") {
			t.Fatalf("failed recordings: %+v", rs)
		}
		if r := e.do("GET", "/api/v1/recordings/rec-failed/audio", nil, bearer(tok["a/agent"])...); r.Status != 404 || !strings.Contains(string(r.Body), "recording_failed") || !strings.Contains(string(r.Body), "in bridge") {
			t.Fatalf("audio of a failed recording: %d %s", r.Status, r.Body)
		}
		if r := e.do("GET", "/api/v1/recordings?status=lost", nil, bearer(tok["a/supervisor"])...); r.Status != 400 || !strings.Contains(string(r.Body), "status") {
			t.Fatalf("bad status filter: %d %s", r.Status, r.Body)
		}
		if es, _ := s.ListAudit(ctx, "a", store.AuditFilter{ObjectType: "recording"}); len(es) < 1 {
			t.Fatal("playback not audited")
		}
		// Deleted by retention after a backup: 410; only supervisors and
		// admins are told where the backup lies.
		if err := s.MarkRecordingBackedUp(ctx, "a", "rec1", "/backup/a/rec.wav", now); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.ClaimRecordingDeletion(ctx, "a", "rec1", "age", now); err != nil || !ok {
			t.Fatalf("claim deletion: %v %v", ok, err)
		}
		for _, tc := range []struct {
			who      string
			showPath bool
		}{{"a/agent", false}, {"a/supervisor", true}} {
			r := e.do("GET", "/api/v1/recordings/rec1/audio", nil, bearer(tok[tc.who])...)
			if r.Status != 410 || strings.Contains(string(r.Body), "/backup/a/rec.wav") != tc.showPath {
				t.Fatalf("%s: %d %s", tc.who, r.Status, r.Body)
			}
		}
	})
}
