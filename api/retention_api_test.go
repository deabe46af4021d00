package api_test

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/ipcc/ipcc/api"
	"github.com/ipcc/ipcc/recording"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// withRetention serves the same API with a retention job on root.
func withRetention(t *testing.T, e *env, root string) {
	t.Helper()
	ret, err := recording.NewRetention(recording.RetentionOptions{Store: e.store, RecordingRoot: root, Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Options{Store: e.store, Auth: e.auth, BodyLimit: 4096, Version: "test", Logger: quiet, Retention: ret})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	e.srv, e.http = srv, hs
}

func TestRetentionAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		su, tok := e.setup()
		ctx := context.Background()
		admin := bearer(tok["a/admin"])

		if r := e.do("POST", "/api/v1/retention/run", nil, admin...); r.Status != 503 {
			t.Fatalf("run without a job: %d", r.Status)
		}
		root := t.TempDir()
		withRetention(t, e, root)

		for _, b := range []struct {
			body  any
			field string
		}{
			{map[string]int{"recording_days": -1}, "recording_days"},
			{map[string]int{"voicemail_days": 50000}, "voicemail_days"},
			{map[string]any{}, "recording_days"},
			{map[string]any{"recording_days": "a year"}, "recording_days"},
		} {
			r := e.do("PUT", "/api/v1/retention/settings", b.body, admin...)
			if code, field := r.errCode(t); r.Status != 400 || code != "invalid" || field != b.field {
				t.Fatalf("%v: %d %s %s", b.body, r.Status, code, field)
			}
		}
		if r := e.do("PUT", "/api/v1/retention/settings", map[string]int{"recording_days": 30}, bearer(tok["a/supervisor"])...); r.Status != 403 {
			t.Fatalf("supervisor sets retention: %d", r.Status)
		}
		if r := e.do("PUT", "/api/v1/retention/settings", map[string]int{"recording_days": 30, "voicemail_days": 7}, admin...); r.Status != 200 {
			t.Fatalf("set: %d %s", r.Status, r.Body)
		}
		var set store.RetentionSettings
		e.do("GET", "/api/v1/retention/settings", nil, bearer(tok["a/supervisor"])...).json(t, &set)
		if set.RecordingDays != 30 || set.VoicemailDays != 7 {
			t.Fatalf("settings %+v", set)
		}

		// Two old recordings of tenant a (one put on hold through the API)
		// and one of tenant b.
		old := time.Now().Add(-60 * 24 * time.Hour)
		end := old.Add(time.Minute)
		paths := map[string]string{}
		for _, r := range []struct{ tenant, id string }{{"a", "gone"}, {"a", "kept"}, {"b", "other"}} {
			p := filepath.Join(root, r.tenant, r.id+".wav")
			os.MkdirAll(filepath.Dir(p), 0o755)
			os.WriteFile(p, []byte("RIFF"), 0o644)
			paths[r.id] = p
			if err := s.SaveRecording(ctx, &store.RecordingRow{TenantID: r.tenant, ID: r.id, CallID: "c", Path: p, StartedAt: old, EndedAt: &end}); err != nil {
				t.Fatal(err)
			}
		}
		s.PutRetentionSettings(ctx, &store.RetentionSettings{TenantID: "b", RecordingDays: 1})
		if r := e.do("PUT", "/api/v1/recordings/kept/legal-hold", map[string]any{}, bearer(tok["a/supervisor"])...); r.Status != 400 {
			t.Fatalf("hold without a value: %d", r.Status)
		}
		if r := e.do("PUT", "/api/v1/recordings/kept/legal-hold", map[string]bool{"hold": true}, bearer(tok["a/agent"])...); r.Status != 403 {
			t.Fatalf("agent holds: %d", r.Status)
		}
		if r := e.do("PUT", "/api/v1/recordings/kept/legal-hold", map[string]bool{"hold": true}, bearer(tok["b/admin"])...); r.Status != 404 {
			t.Fatalf("other tenant holds: %d", r.Status)
		}
		var held store.RecordingRow
		r := e.do("PUT", "/api/v1/recordings/kept/legal-hold", map[string]bool{"hold": true}, bearer(tok["a/supervisor"])...)
		if r.Status != 200 {
			t.Fatalf("hold: %d %s", r.Status, r.Body)
		}
		if r.json(t, &held); !held.LegalHold {
			t.Fatalf("held %+v", held)
		}

		var sum recording.Summary
		r = e.do("POST", "/api/v1/retention/run", nil, admin...)
		if r.Status != 200 {
			t.Fatalf("run: %d %s", r.Status, r.Body)
		}
		r.json(t, &sum)
		if sum.Tenant != "a" || sum.RecordingsDeletedAge != 1 || sum.LegalHoldKept != 1 {
			t.Fatalf("summary %+v", sum)
		}
		if _, err := os.Stat(paths["gone"]); !os.IsNotExist(err) {
			t.Fatal("old recording kept")
		}
		if _, err := os.Stat(paths["kept"]); err != nil {
			t.Fatal("held recording deleted")
		}
		if _, err := os.Stat(paths["other"]); err != nil {
			t.Fatal("a tenant's run deleted another tenant's recording")
		}
		// The call still shows its recording, and says why it cannot play.
		var rs []store.RecordingRow
		e.do("GET", "/api/v1/recordings?call=c", nil, admin...).json(t, &rs)
		if len(rs) != 2 {
			t.Fatalf("recordings after retention: %+v", rs)
		}
		if r := e.do("GET", "/api/v1/recordings/gone/audio", nil, admin...); r.Status != 410 {
			t.Fatalf("audio of a deleted recording: %d %s", r.Status, r.Body)
		}
		var log []store.RetentionLogEntry
		e.do("GET", "/api/v1/retention/log?run="+strconv.FormatInt(sum.RunID, 10), nil, admin...).json(t, &log)
		if len(log) != 1 || log[0].ObjectID != "gone" || log[0].Action != "deleted" {
			t.Fatalf("log %+v", log)
		}
		if r := e.do("GET", "/api/v1/retention/log?run=x", nil, admin...); r.Status != 400 {
			t.Fatalf("bad run: %d", r.Status)
		}

		// The superadmin's global run covers tenant b too.
		r = e.do("POST", "/api/v1/retention/run", nil, bearer(su)...)
		if r.Status != 200 {
			t.Fatalf("global run: %d %s", r.Status, r.Body)
		}
		sum = recording.Summary{}
		r.json(t, &sum)
		if sum.Tenant != "" || sum.RecordingsDeletedAge != 1 {
			t.Fatalf("global summary %+v", sum)
		}
		var runs []struct {
			ID      int64
			Trigger string
			Summary map[string]any
		}
		e.do("GET", "/api/v1/retention/runs", nil, admin...).json(t, &runs)
		if len(runs) != 2 || runs[0].Trigger != "api" || len(runs[0].Summary) != 0 || runs[1].Summary["recordings_deleted_age"] != 1.0 {
			t.Fatalf("runs %+v", runs)
		}
		if es, _ := s.ListAudit(ctx, "a", store.AuditFilter{ObjectType: "recording"}); len(es) < 1 {
			t.Fatal("legal hold not audited")
		}
	})
}
