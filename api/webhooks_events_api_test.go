package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func TestWebhookRotationReplayAndFilters(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := newEnv(t, s)
		_, tok := e.setup()
		admin := bearer(tok["a/admin"])
		for _, b := range []struct {
			name   string
			events []string
			secret string
			field  string
		}{
			{"unknown family", []string{"phone.*"}, "", "events"},
			{"secret not base64", []string{"call.*"}, "whsec_!!!", "secret"},
			{"secret key too short", []string{"call.*"}, "whsec_c2hvcnQ=", "secret"},
		} {
			r := e.do("POST", "/api/v1/webhooks", map[string]any{"url": "https://crm.example.com/x", "events": b.events, "secret": b.secret}, admin...)
			if code, field := r.errCode(t); r.Status != 400 || code != "invalid" || field != b.field {
				t.Fatalf("%s: %d %s %s: %s", b.name, r.Status, code, field, r.Body)
			}
		}
		var created struct{ ID, Secret string }
		r := e.do("POST", "/api/v1/webhooks", map[string]any{"url": "https://crm.example.com/x", "events": []string{"call.*", "agent.state_changed", "workorder.*"}}, admin...)
		if r.Status != 201 {
			t.Fatalf("create %d %s", r.Status, r.Body)
		}
		r.json(t, &created)
		if !strings.HasPrefix(created.Secret, "whsec_") {
			t.Fatalf("generated secret %q", created.Secret)
		}
		var rotated struct {
			Secret              string
			PreviousSecretUntil string `json:"previous_secret_until"`
		}
		r = e.do("POST", "/api/v1/webhooks/"+created.ID+"/rotate", map[string]any{"overlap_hours": 2}, admin...)
		if r.Status != 200 {
			t.Fatalf("rotate %d %s", r.Status, r.Body)
		}
		r.json(t, &rotated)
		w, _ := s.GetWebhook(ctx, "a", created.ID)
		if rotated.Secret == created.Secret || w.Secret != rotated.Secret || w.PreviousSecret != created.Secret || w.PreviousUntil == nil || rotated.PreviousSecretUntil == "" {
			t.Fatalf("after rotation %+v (%+v)", w, rotated)
		}
		if r := e.do("POST", "/api/v1/webhooks/"+created.ID+"/rotate", map[string]any{"overlap_hours": 500}, admin...); r.Status != 400 {
			t.Fatalf("overlap 500: %d", r.Status)
		}
		// Dead letters: listed, replayed, another tenant cannot.
		if _, err := s.QueueWebhookEvents(ctx, []store.OutboxEvent{{TenantID: "a", EventID: "e1", EventType: "call.ended", CallID: "c1", Payload: "{}"}}); err != nil {
			t.Fatal(err)
		}
		ds, _ := s.FindWebhookDeliveries(ctx, "a", created.ID, store.DeliveryFilter{})
		if len(ds) != 1 {
			t.Fatalf("queued %+v", ds)
		}
		if err := s.FinishDeliveryAttempt(ctx, ds[0].ID, store.DeliveryDead, 500, "HTTP 500", ds[0].NextAttemptAt); err != nil {
			t.Fatal(err)
		}
		var dead []store.WebhookDelivery
		e.do("GET", "/api/v1/webhooks/"+created.ID+"/deliveries?status=dead", nil, admin...).json(t, &dead)
		if len(dead) != 1 || dead[0].CallID != "c1" {
			t.Fatalf("dead letters %+v", dead)
		}
		if r := e.do("GET", "/api/v1/webhooks/"+created.ID+"/deliveries?status=lost", nil, admin...); r.Status != 400 {
			t.Fatalf("bad status filter: %d", r.Status)
		}
		if r := e.do("POST", "/api/v1/webhooks/"+created.ID+"/replay", map[string]any{}, bearer(tok["b/admin"])...); r.Status != 404 {
			t.Fatalf("other tenant replay: %d %s", r.Status, r.Body)
		}
		var res struct{ Replayed int }
		e.do("POST", "/api/v1/webhooks/"+created.ID+"/replay", map[string]any{"ids": []int64{dead[0].ID}}, admin...).json(t, &res)
		if res.Replayed != 1 {
			t.Fatalf("replayed %d", res.Replayed)
		}
		var st store.DeliveryStats
		e.do("GET", "/api/v1/webhooks/"+created.ID+"/stats", nil, admin...).json(t, &st)
		if st.Pending != 1 || st.Dead != 0 {
			t.Fatalf("stats %+v", st)
		}
	})
}

func TestScreenPopAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		e := newEnv(t, s)
		_, tok := e.setup()
		admin := bearer(tok["a/admin"])
		for _, b := range []struct {
			name  string
			path  string
			body  map[string]any
			field string
		}{
			{"unknown variable", "/api/v1/screen-pops/tenant", map[string]any{"url_template": "https://crm.example.com/?n={phone}"}, "url_template"},
			{"not a URL", "/api/v1/screen-pops/tenant", map[string]any{"url_template": "crm/{caller}"}, "url_template"},
			{"bad mode", "/api/v1/screen-pops/tenant", map[string]any{"url_template": "https://crm.example.com/{caller}", "mode": "popup"}, "mode"},
			{"timeout too long", "/api/v1/screen-pops/tenant", map[string]any{"lookup_url": "https://crm.example.com/l?n={caller}", "lookup_timeout_ms": 60000}, "lookup_timeout_ms"},
			{"lookup on a queue", "/api/v1/screen-pops/queues/sales", map[string]any{"url_template": "https://crm.example.com/{caller}", "lookup_url": "https://crm.example.com/l"}, "lookup_url"},
			{"unknown queue", "/api/v1/screen-pops/queues/nope", map[string]any{"url_template": "https://crm.example.com/{caller}"}, "queue"},
		} {
			r := e.do("PUT", b.path, b.body, admin...)
			if code, field := r.errCode(t); r.Status != 400 || code != "invalid" || field != b.field {
				t.Fatalf("%s: %d %s %s: %s", b.name, r.Status, code, field, r.Body)
			}
		}
		if r := e.do("POST", "/api/v1/agent/screen-pop", map[string]any{"caller": "1"}, admin...); r.Status != 404 {
			t.Fatalf("no pop yet: %d %s", r.Status, r.Body)
		}
		if r := e.do("PUT", "/api/v1/screen-pops/tenant", map[string]any{"url_template": "https://crm.example.com/pop?tel={caller}&did={did}&call={call_id}&agent={agent}&acct={var.account}"}, admin...); r.Status != 200 {
			t.Fatalf("put tenant pop: %d %s", r.Status, r.Body)
		}
		if err := s.CreateACDQueue(ctx, &store.ACDQueue{TenantID: "a", ID: "vip", Name: "VIP"}); err != nil {
			t.Fatal(err)
		}
		if r := e.do("PUT", "/api/v1/screen-pops/queues/vip", map[string]any{"url_template": "https://vip.example.com/{caller}", "mode": "iframe"}, admin...); r.Status != 200 {
			t.Fatalf("put queue pop: %d %s", r.Status, r.Body)
		}
		var pop struct{ URL, Mode string }
		e.do("POST", "/api/v1/agent/screen-pop", map[string]any{"call_id": "c 1", "queue": "sales", "caller": "+8613800138000", "did": "4008", "vars": map[string]string{"account": "A&B"}}, admin...).json(t, &pop)
		if pop.Mode != "link" || !strings.Contains(pop.URL, "tel=%2B8613800138000") || !strings.Contains(pop.URL, "acct=A%26B") || !strings.Contains(pop.URL, "call=c+1") || strings.Contains(pop.URL, "agent=&") {
			t.Fatalf("tenant pop %+v", pop)
		}
		e.do("POST", "/api/v1/agent/screen-pop", map[string]any{"queue": "vip", "caller": "555"}, admin...).json(t, &pop)
		if pop.URL != "https://vip.example.com/555" || pop.Mode != "iframe" {
			t.Fatalf("queue pop %+v", pop)
		}
		// Another tenant sees none of it.
		if r := e.do("POST", "/api/v1/agent/screen-pop", map[string]any{"queue": "vip"}, bearer(tok["b/admin"])...); r.Status != 404 {
			t.Fatalf("tenant b: %d", r.Status)
		}
		var list []store.ScreenPop
		e.do("GET", "/api/v1/screen-pops", nil, admin...).json(t, &list)
		if len(list) != 2 || list[0].QueueID != "" || list[1].QueueID != "vip" {
			t.Fatalf("list %+v", list)
		}
	})
}
