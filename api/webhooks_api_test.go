package api_test

import (
	"context"
	"testing"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func TestWebhooksAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newEnv(t, s)
		_, tok := e.setup()
		admin := bearer(tok["a/admin"])
		for _, b := range []struct {
			name  string
			body  any
			field string
		}{
			{"no url", map[string]any{"events": []string{"voicemail.new"}}, "url"},
			{"relative url", map[string]any{"url": "/hook", "events": []string{"voicemail.new"}}, "url"},
			{"ftp url", map[string]any{"url": "ftp://crm.example.com/x", "events": []string{"voicemail.new"}}, "url"},
			{"credentials in url", map[string]any{"url": "https://u:p@crm.example.com/x", "events": []string{"voicemail.new"}}, "url"},
			{"no events", map[string]any{"url": "https://crm.example.com/x"}, "events"},
			{"unknown event", map[string]any{"url": "https://crm.example.com/x", "events": []string{"call.exploded"}}, "events"},
			{"short secret", map[string]any{"url": "https://crm.example.com/x", "events": []string{"voicemail.new"}, "secret": "abc"}, "secret"},
		} {
			t.Run(b.name, func(t *testing.T) {
				r := e.do("POST", "/api/v1/webhooks", b.body, admin...)
				if code, field := r.errCode(t); r.Status != 400 || code != "invalid" || field != b.field {
					t.Fatalf("%d %s %s: %s", r.Status, code, field, r.Body)
				}
			})
		}
		var created struct {
			ID, URL, Secret string
			Events          []string
			Enabled         bool
		}
		r := e.do("POST", "/api/v1/webhooks", map[string]any{"url": "https://crm.example.com/ipcc", "events": []string{"voicemail.new"}}, admin...)
		if r.Status != 201 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		r.json(t, &created)
		if len(created.Secret) < 32 || !created.Enabled || created.Events[0] != "voicemail.new" {
			t.Fatalf("created %+v", created)
		}
		// The secret is shown once.
		r = e.do("GET", "/api/v1/webhooks/"+created.ID, nil, admin...)
		var got map[string]any
		r.json(t, &got)
		if _, ok := got["secret"]; ok || r.Status != 200 {
			t.Fatalf("get shows %s", r.Body)
		}
		// Update keeps the secret when omitted.
		if r := e.do("PUT", "/api/v1/webhooks/"+created.ID, map[string]any{"url": "https://crm.example.com/v2", "events": []string{"voicemail.new"}, "enabled": false}, admin...); r.Status != 200 {
			t.Fatalf("update: %d %s", r.Status, r.Body)
		}
		w, err := s.GetWebhook(context.Background(), "a", created.ID)
		if err != nil || w.Secret != created.Secret || w.Enabled || w.URL != "https://crm.example.com/v2" {
			t.Fatalf("stored %+v %v", w, err)
		}
		if r := e.do("GET", "/api/v1/webhooks/"+created.ID+"/deliveries", nil, admin...); r.Status != 200 || string(r.Body) != "[]\n" {
			t.Fatalf("deliveries: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/webhooks/"+created.ID+"/test", nil, admin...); r.Status != 409 {
			t.Fatalf("test of a disabled webhook: %d %s", r.Status, r.Body)
		}
		if r := e.do("PUT", "/api/v1/webhooks/"+created.ID, map[string]any{"url": "https://crm.example.com/v2", "events": []string{"voicemail.new"}, "enabled": true}, admin...); r.Status != 200 {
			t.Fatalf("enable: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/webhooks/"+created.ID+"/test", nil, admin...); r.Status != 202 {
			t.Fatalf("test: %d %s", r.Status, r.Body)
		}
		var ds []store.WebhookDelivery
		e.do("GET", "/api/v1/webhooks/"+created.ID+"/deliveries", nil, admin...).json(t, &ds)
		if len(ds) != 1 || ds[0].EventType != "ping" || ds[0].Status != "pending" {
			t.Fatalf("deliveries after test: %+v", ds)
		}
		for _, c := range []struct {
			who, method, path string
			want              int
		}{
			{"a/supervisor", "GET", "/api/v1/webhooks", 403},
			{"a/agent", "POST", "/api/v1/webhooks", 403},
			{"b/admin", "GET", "/api/v1/webhooks/" + created.ID, 404},
			{"b/admin", "GET", "/api/v1/webhooks/" + created.ID + "/deliveries", 404},
			{"b/admin", "DELETE", "/api/v1/webhooks/" + created.ID, 404},
			{"a/admin", "DELETE", "/api/v1/webhooks/" + created.ID, 204},
			{"a/admin", "GET", "/api/v1/webhooks/" + created.ID, 404},
		} {
			if r := e.do(c.method, c.path, map[string]any{"url": "https://x.example", "events": []string{"voicemail.new"}}, bearer(tok[c.who])...); r.Status != c.want {
				t.Errorf("%s %s %s: %d, want %d", c.who, c.method, c.path, r.Status, c.want)
			}
		}
	})
}
