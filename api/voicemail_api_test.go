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
	t.Parallel()
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
		// Agents only see their own mailboxes.
		e.do("GET", "/api/v1/voicemail", nil, bearer(tok["a/agent"])...).json(t, &list)
		if len(list) != 0 {
			t.Fatalf("agent sees %+v", list)
		}
		if r := e.do("GET", "/api/v1/voicemail?mailbox=after-hours", nil, bearer(tok["a/agent"])...); r.Status != 404 {
			t.Fatalf("agent lists another mailbox: %d", r.Status)
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
		e.do("GET", "/api/v1/voicemail?heard=false", nil, bearer(tok["a/supervisor"])...).json(t, &list)
		if len(list) != 0 {
			t.Fatalf("new messages after marking heard: %+v", list)
		}
		if r := e.do("GET", "/api/v1/voicemail?heard=maybe", nil, bearer(tok["a/supervisor"])...); r.Status != 400 {
			t.Fatalf("bad heard filter: %d", r.Status)
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

func TestAgentMailboxes(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		_, tok := e.setup()
		ctx := context.Background()
		var me struct{ ID string }
		e.do("GET", "/api/v1/me", nil, bearer(tok["a/agent"])...).json(t, &me)
		for _, q := range []string{"sales", "support"} {
			if err := s.CreateACDQueue(ctx, &store.ACDQueue{TenantID: "a", ID: q, Name: q, Strategy: "ring-all", Config: "{}"}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.PutACDMember(ctx, &store.ACDMember{TenantID: "a", QueueID: "sales", AgentID: me.ID, Level: 1}); err != nil {
			t.Fatal(err)
		}
		admin := bearer(tok["a/admin"])
		for _, b := range []struct {
			body  map[string]string
			field string
		}{
			{map[string]string{"id": "bad id!", "owner_type": "tenant"}, "id"},
			{map[string]string{"id": "x", "owner_type": "team"}, "owner_type"},
			{map[string]string{"id": "x", "owner_type": "queue", "owner_id": "nope"}, "owner_id"},
			{map[string]string{"id": "x", "owner_type": "agent", "owner_id": "nobody"}, "owner_id"},
			{map[string]string{"id": "x", "owner_type": "tenant", "owner_id": "a"}, "owner_id"},
		} {
			r := e.do("POST", "/api/v1/mailboxes", b.body, admin...)
			if code, field := r.errCode(t); r.Status != 400 || code != "invalid" || field != b.field {
				t.Fatalf("%v: %d %s %s", b.body, r.Status, code, field)
			}
		}
		for _, mb := range []map[string]string{
			{"id": "sales-vm", "name": "Sales voicemail", "owner_type": "queue", "owner_id": "sales"},
			{"id": "support-vm", "owner_type": "queue", "owner_id": "support"},
			{"id": "my-desk", "owner_type": "agent", "owner_id": me.ID},
		} {
			if r := e.do("POST", "/api/v1/mailboxes", mb, admin...); r.Status != 201 {
				t.Fatalf("create mailbox: %d %s", r.Status, r.Body)
			}
		}
		if r := e.do("POST", "/api/v1/mailboxes", map[string]string{"id": "my-desk", "owner_type": "tenant"}, admin...); r.Status != 409 {
			t.Fatalf("duplicate mailbox: %d", r.Status)
		}
		if r := e.do("POST", "/api/v1/mailboxes", map[string]string{"id": "x", "owner_type": "tenant"}, bearer(tok["a/supervisor"])...); r.Status != 403 {
			t.Fatalf("supervisor defines a mailbox: %d", r.Status)
		}
		msgs := map[string]int64{}
		for _, mb := range []string{"sales-vm", "queue-sales", "sales", "support", "support-vm", "my-desk", "agent-" + me.ID, "general"} {
			m := &store.VoicemailMessage{TenantID: "a", Mailbox: mb, Caller: "1", Path: filepath.Join(t.TempDir(), "m.wav")}
			os.WriteFile(m.Path, []byte("RIFF"), 0o644)
			if err := s.AddVoicemail(ctx, m); err != nil {
				t.Fatal(err)
			}
			msgs[mb] = m.ID
		}
		agent := bearer(tok["a/agent"])
		var list []store.VoicemailMessage
		e.do("GET", "/api/v1/voicemail", nil, agent...).json(t, &list)
		seen := map[string]bool{}
		for _, m := range list {
			seen[m.Mailbox] = true
		}
		for mb, want := range map[string]bool{"sales-vm": true, "queue-sales": true, "my-desk": true, "agent-" + me.ID: true, "sales": true, "support": false, "support-vm": false, "general": false} {
			if seen[mb] != want {
				t.Errorf("agent sees %s: %v, want %v", mb, seen[mb], want)
			}
		}
		var boxes []struct {
			ID         string
			Total, New int
			Defined    bool
		}
		e.do("GET", "/api/v1/mailboxes", nil, agent...).json(t, &boxes)
		if len(boxes) != 5 {
			t.Fatalf("agent's mailboxes: %+v", boxes)
		}
		e.do("GET", "/api/v1/mailboxes", nil, bearer(tok["a/supervisor"])...).json(t, &boxes)
		if len(boxes) != 8 || boxes[0].ID != "agent-"+me.ID || boxes[0].Defined || boxes[0].New != 1 {
			t.Fatalf("supervisor's mailboxes: %+v", boxes)
		}
		path := func(mb string) string { return "/api/v1/voicemail/" + strconv.FormatInt(msgs[mb], 10) }
		for _, c := range []struct {
			method, mb string
			want       int
		}{
			{"GET", "sales-vm", 200},
			{"GET", "support-vm", 404},
			{"PATCH", "queue-sales", 200},
			{"DELETE", "sales-vm", 403}, // shared with the queue
			{"DELETE", "my-desk", 204},
			{"DELETE", "agent-" + me.ID, 204},
			{"DELETE", "general", 404},
		} {
			var b any
			if c.method == "PATCH" {
				b = map[string]bool{"heard": true}
			}
			if r := e.do(c.method, path(c.mb), b, agent...); r.Status != c.want {
				t.Errorf("agent %s %s: %d, want %d (%s)", c.method, c.mb, r.Status, c.want, r.Body)
			}
		}
		if r := e.do("PUT", "/api/v1/mailboxes/support-vm", map[string]string{"owner_type": "agent", "owner_id": me.ID}, admin...); r.Status != 200 {
			t.Fatalf("reassign: %d %s", r.Status, r.Body)
		}
		if r := e.do("GET", path("support-vm"), nil, agent...); r.Status != 200 {
			t.Fatalf("after reassigning the mailbox: %d", r.Status)
		}
		if r := e.do("DELETE", "/api/v1/mailboxes/support-vm", nil, admin...); r.Status != 204 {
			t.Fatalf("delete mailbox: %d", r.Status)
		}
		if _, err := s.GetVoicemail(ctx, "a", msgs["support-vm"]); err != nil {
			t.Fatalf("messages lost with the mailbox definition: %v", err)
		}
	})
}
