package api_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func TestVoicemailAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		_, tok := e.setup()
		ctx := context.Background()
		wav := filepath.Join(t.TempDir(), "msg.wav")
		body := []byte("RIFF....WAVEfmt 0123456789abcdef")
		os.WriteFile(wav, body, 0o644)
		m := &store.VoicemailMessage{TenantID: "a", Mailbox: "after-hours", Caller: "13800138000", Path: wav, DurationMS: 4000}
		if err := s.AddVoicemail(ctx, m); err != nil {
			t.Fatal(err)
		}
		id := strconv.FormatInt(m.ID, 10)
		var list []store.VoicemailMessage
		e.do("GET", "/api/v1/voicemail?mailbox=after-hours", nil, bearer(tok["a/supervisor"])...).json(t, &list)
		if len(list) != 1 || list[0].Caller != "13800138000" {
			t.Fatalf("list: %+v", list)
		}
		// Agents only see their own mailbox.
		e.do("GET", "/api/v1/voicemail", nil, bearer(tok["a/agent"])...).json(t, &list)
		if len(list) != 0 {
			t.Fatalf("agent sees %+v", list)
		}
		if r := e.do("GET", "/api/v1/voicemail/"+id+"/audio", nil, bearer(tok["a/agent"])...); r.Status != 404 {
			t.Fatalf("agent plays another mailbox: %d", r.Status)
		}
		// Range playback.
		req, _ := http.NewRequest("GET", e.http.URL+"/api/v1/voicemail/"+id+"/audio", nil)
		req.Header.Set("Authorization", "Bearer "+tok["a/supervisor"])
		req.Header.Set("Range", "bytes=4-11")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 206 || string(got) != "....WAVE" || res.Header.Get("Content-Type") != "audio/wav" {
			t.Fatalf("range: %d %q %s", res.StatusCode, got, res.Header.Get("Content-Type"))
		}
		if r := e.do("GET", "/api/v1/voicemail/"+id+"/audio", nil, bearer(tok["b/admin"])...); r.Status != 404 {
			t.Fatalf("another tenant plays it: %d", r.Status)
		}
		if r := e.do("PATCH", "/api/v1/voicemail/"+id, map[string]bool{"heard": true}, bearer(tok["a/supervisor"])...); r.Status != 200 {
			t.Fatalf("mark heard: %d %s", r.Status, r.Body)
		}
		if r := e.do("DELETE", "/api/v1/voicemail/"+id, nil, bearer(tok["a/admin"])...); r.Status != 204 {
			t.Fatalf("delete: %d", r.Status)
		}
		if _, err := os.Stat(wav); !os.IsNotExist(err) {
			t.Fatal("file kept after delete")
		}
		es, _ := s.ListAudit(ctx, "a", store.AuditFilter{ObjectType: "voicemail"})
		if len(es) < 3 {
			t.Fatalf("voicemail accesses audited: %d", len(es))
		}
	})
}
