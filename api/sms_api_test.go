package api_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/ipcc/ipcc/api"
	"github.com/ipcc/ipcc/egress"
	"github.com/ipcc/ipcc/sms"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func withSMS(t *testing.T, e *env) {
	t.Helper()
	pol, _ := egress.New([]string{"127.0.0.0/8"}, nil)
	svc, err := sms.New(sms.Options{Store: e.store, Egress: pol})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := api.New(api.Options{Store: e.store, Auth: e.auth, BodyLimit: 1 << 16, Version: "test", Logger: quiet, SMS: svc})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	e.srv, e.http = srv, hs
}

// An admin sets up a gateway and a template, an agent sends with it, the
// gateway reports delivery to the hook URL, an inbound 退订 opts the
// number out; secrets stay masked, tenants stay apart, input errors name
// the field.
func TestSMSAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		e := newEnv(t, st)
		withSMS(t, e)
		_, tok := e.setup()
		admin, agent, adminB := bearer(tok["a/admin"]), bearer(tok["a/agent"]), bearer(tok["b/admin"])
		var mu sync.Mutex
		var got []string
		gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			got = append(got, string(b))
			n := len(got)
			mu.Unlock()
			fmt.Fprintf(w, `{"result":{"id":"X%d"}}`, n)
		}))
		defer gw.Close()
		cfg := map[string]any{"url": gw.URL + "/sms", "content_type": "application/x-www-form-urlencoded", "body": "to=${to}&msg=${text}",
			"signature": map[string]any{"header": "X-Sig", "secret": "topsecret1"},
			"response":  map[string]any{"message_id": "result.id"},
			"report":    map[string]any{"message_id": "id", "status": "state", "delivered": []string{"0"}, "buffered": []string{"1"}, "failed": []string{"2"}},
			"inbound":   map[string]any{"from": "phone", "text": "content"}}
		r := e.do("POST", "/api/v1/sms/providers", map[string]any{"id": "gw", "kind": "http", "sender_id": "ACME", "is_default": true, "config": cfg}, admin...)
		if r.Status != 201 {
			t.Fatalf("create provider: %d %s", r.Status, r.Body)
		}
		var pv struct {
			Config     map[string]any `json:"config"`
			ReportURL  string         `json:"report_url"`
			InboundURL string         `json:"inbound_url"`
		}
		r.json(t, &pv)
		if pv.Config["signature"].(map[string]any)["secret"] != "********" || !strings.HasPrefix(pv.ReportURL, "/api/v1/sms/hooks/") {
			t.Fatalf("view %s", r.Body)
		}
		// Saving the view back keeps the secret.
		r = e.do("PUT", "/api/v1/sms/providers/gw", map[string]any{"kind": "http", "sender_id": "ACME", "is_default": true, "config": pv.Config}, admin...)
		if r.Status != 200 {
			t.Fatalf("put provider: %d %s", r.Status, r.Body)
		}
		if p, _ := st.GetSMSProvider(t.Context(), "a", "gw"); !strings.Contains(p.Config, "topsecret1") {
			t.Fatalf("secret lost: %s", p.Config)
		}
		for _, bad := range []struct {
			body  map[string]any
			field string
		}{
			{map[string]any{"id": "x", "kind": "fax", "config": map[string]any{}}, "kind"},
			{map[string]any{"id": "x", "kind": "http", "config": map[string]any{"url": "ftp://x"}}, "config.url"},
			{map[string]any{"id": "x", "kind": "http", "config": map[string]any{"url": "http://x/${nope}"}}, "config.url"},
			{map[string]any{"id": "x", "kind": "smpp", "config": map[string]any{"addr": "nohost", "system_id": "a"}}, "config.addr"},
			{map[string]any{"id": "Bad Id", "kind": "http", "config": map[string]any{"url": "http://x"}}, "id"},
		} {
			r := e.do("POST", "/api/v1/sms/providers", bad.body, admin...)
			if code, field := r.errCode(t); r.Status != 400 || code != "invalid" || field != bad.field {
				t.Fatalf("%v: %d %s, want field %s", bad.body, r.Status, r.Body, bad.field)
			}
		}
		if r := e.do("GET", "/api/v1/sms/providers", nil, agent...); r.Status != 403 {
			t.Fatalf("agent lists providers: %d", r.Status)
		}
		r = e.do("PUT", "/api/v1/sms/templates/missed", map[string]any{"purpose": "missed_call", "texts": map[string]string{"zh-CN": "您好 ${name},我们错过了您的来电", "en": "Hi ${name}, we missed your call"}}, admin...)
		if r.Status != 200 || !strings.Contains(string(r.Body), `"variables":["name"]`) {
			t.Fatalf("template: %d %s", r.Status, r.Body)
		}
		if r := e.do("PUT", "/api/v1/sms/templates/bad", map[string]any{"texts": map[string]string{"fr": "x"}}, admin...); r.Status != 400 {
			t.Fatalf("bad language: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/sms/templates/defaults", nil, admin...); r.Status != 200 || !strings.Contains(string(r.Body), "verification_code") {
			t.Fatalf("defaults: %d %s", r.Status, r.Body)
		}
		// The agent sends with the template; free text is for supervisors.
		if r := e.do("POST", "/api/v1/sms/messages", map[string]any{"to": "13800000001", "text": "free text"}, agent...); r.Status != 400 {
			t.Fatalf("agent free text: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/sms/messages", map[string]any{"to": "13800000001", "template": "missed"}, agent...); r.Status != 400 || !strings.Contains(string(r.Body), "${name}") {
			t.Fatalf("missing var: %d %s", r.Status, r.Body)
		}
		r = e.do("POST", "/api/v1/sms/messages", map[string]any{"to": "13800000001", "template": "missed", "language": "en", "vars": map[string]string{"name": "Li"}, "call_id": "call-1"}, agent...)
		var m store.SMSMessage
		r.json(t, &m)
		if r.Status != 201 || m.Status != store.SMSSent || m.Body != "Hi Li, we missed your call" || m.CallID != "call-1" || m.Source != "agent" {
			t.Fatalf("send: %d %s", r.Status, r.Body)
		}
		if len(got) != 1 || got[0] != "to=13800000001&msg=Hi+Li%2C+we+missed+your+call" {
			t.Fatalf("gateway got %q", got)
		}
		// The gateway reports: form and JSON.
		r = e.raw("POST", pv.ReportURL, "application/x-www-form-urlencoded", []byte("id=X1&state=1"))
		if r.Status != 200 {
			t.Fatalf("report: %d %s", r.Status, r.Body)
		}
		if r := e.do("GET", "/api/v1/sms/messages/"+m.ID, nil, agent...); !strings.Contains(string(r.Body), `"status":"buffered"`) {
			t.Fatalf("buffered: %s", r.Body)
		}
		r = e.raw("POST", pv.ReportURL, "application/json", []byte(`[{"id":"X1","state":"0"}]`))
		if r.Status != 200 {
			t.Fatalf("report: %d %s", r.Status, r.Body)
		}
		if r := e.do("GET", "/api/v1/sms/messages?call_id=call-1", nil, admin...); !strings.Contains(string(r.Body), `"status":"delivered"`) {
			t.Fatalf("delivered: %s", r.Body)
		}
		if r := e.raw("POST", pv.ReportURL, "application/json", []byte(`{"id":"X1"}`)); r.Status != 400 || !strings.Contains(string(r.Body), "no status") {
			t.Fatalf("bad report: %d %s", r.Status, r.Body)
		}
		if r := e.raw("POST", "/api/v1/sms/hooks/nosuchtoken/report", "application/json", []byte(`{}`)); r.Status != 404 {
			t.Fatalf("unknown token: %d", r.Status)
		}
		// Inbound 退订 opts out; sending to it is refused.
		if r := e.raw("POST", pv.InboundURL, "application/json", []byte(`{"phone":"13800000001","content":"退订"}`)); r.Status != 200 {
			t.Fatalf("inbound: %d %s", r.Status, r.Body)
		}
		r = e.do("POST", "/api/v1/sms/messages", map[string]any{"to": "13800000001", "text": "again"}, admin...)
		if code, field := r.errCode(t); r.Status != 409 || code != "opted_out" || field != "to" {
			t.Fatalf("opted out: %d %s", r.Status, r.Body)
		}
		if r := e.do("GET", "/api/v1/sms/optouts", nil, admin...); !strings.Contains(string(r.Body), `"source":"keyword"`) {
			t.Fatalf("optouts: %s", r.Body)
		}
		if r := e.do("DELETE", "/api/v1/sms/optouts/13800000001", nil, admin...); r.Status != 204 {
			t.Fatalf("remove optout: %d", r.Status)
		}
		if r := e.do("POST", "/api/v1/sms/optouts", map[string]any{"number": "abc"}, admin...); r.Status != 400 {
			t.Fatalf("bad optout: %d", r.Status)
		}
		// Rate limits.
		if r := e.do("PUT", "/api/v1/sms/settings", map[string]any{"per_minute": 2, "rules": []map[string]any{{"event": "missed_call", "template": "missed", "enabled": true}}}, admin...); r.Status != 200 {
			t.Fatalf("settings: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/sms/messages", map[string]any{"to": "13800000002", "text": "x"}, admin...); r.Status != 201 {
			t.Fatalf("second: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/sms/messages", map[string]any{"to": "13800000003", "text": "x"}, admin...); r.Status != 429 {
			t.Fatalf("rate limited: %d %s", r.Status, r.Body)
		}
		if r := e.do("PUT", "/api/v1/sms/settings", map[string]any{"rules": []map[string]any{{"event": "nope", "template": "missed"}}}, admin...); r.Status != 400 {
			t.Fatalf("bad rule: %d %s", r.Status, r.Body)
		}
		// The agent sees only the message they sent, not the admin's.
		var mine []store.SMSMessage
		e.do("GET", "/api/v1/sms/messages?direction=out", nil, agent...).json(t, &mine)
		if len(mine) != 1 || mine[0].ID != m.ID {
			t.Fatalf("agent's list: %+v", mine)
		}
		// Webhook endpoints may subscribe to the sms.* events.
		if r := e.do("POST", "/api/v1/webhooks", map[string]any{"url": "https://crm.example.com/ipcc", "events": []string{"sms.delivered", "sms.received"}}, admin...); r.Status != 201 {
			t.Fatalf("subscribe to sms events: %d %s", r.Status, r.Body)
		}
		// Tenant b sees nothing of a's.
		for _, p := range []string{"/api/v1/sms/providers", "/api/v1/sms/templates", "/api/v1/sms/messages", "/api/v1/sms/optouts"} {
			if r := e.do("GET", p, nil, adminB...); r.Status != 200 || string(r.Body) != "[]\n" && string(r.Body) != "[]" {
				t.Fatalf("b %s: %d %s", p, r.Status, r.Body)
			}
		}
		if r := e.do("GET", "/api/v1/sms/messages/"+m.ID, nil, adminB...); r.Status != 404 {
			t.Fatalf("b gets a's message: %d", r.Status)
		}
	})
}
