package api_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func TestRecordingsAPI(t *testing.T) {
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
		if es, _ := s.ListAudit(ctx, "a", store.AuditFilter{ObjectType: "recording"}); len(es) < 1 {
			t.Fatal("playback not audited")
		}
	})
}
