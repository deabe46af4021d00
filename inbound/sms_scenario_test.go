package inbound_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/egress"
	"github.com/ipcc/ipcc/inbound"
	"github.com/ipcc/ipcc/sms"
	"github.com/ipcc/ipcc/store"
)

// smsGateway is a local HTTP SMS gateway recording what it is asked to send.
type smsGateway struct {
	mu   sync.Mutex
	sent []map[string]string
}

func (g *smsGateway) list() []map[string]string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]map[string]string(nil), g.sent...)
}

// withSMS wires an SMS service with the gateway as the tenant's provider
// into the handler (the flows' sms node and the call-end rules).
func withSMS(t *testing.T, g *smsGateway) func(*store.Store, *inbound.Options) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var m map[string]string
		_ = json.Unmarshal(b, &m)
		g.mu.Lock()
		g.sent = append(g.sent, m)
		g.mu.Unlock()
		w.Write([]byte(`{"id":"G"}`))
	}))
	t.Cleanup(srv.Close)
	return func(st *store.Store, o *inbound.Options) {
		ctx := context.Background()
		cfg := `{"url":"` + srv.URL + `","content_type":"application/json","body":"{\"to\":\"${to}\",\"text\":\"${text}\"}","response":{"message_id":"id"}}`
		if err := st.CreateSMSProvider(ctx, &store.SMSProvider{TenantID: tenant, ID: "gw", Kind: sms.KindHTTP, Enabled: true, Config: cfg}); err != nil {
			t.Fatal(err)
		}
		pol, _ := egress.New([]string{"127.0.0.0/8"}, nil)
		svc, err := sms.New(sms.Options{Store: st, Egress: pol})
		if err != nil {
			t.Fatal(err)
		}
		o.SMS, o.CallEnded = svc, svc.CallEnded
	}
}

// The flow's sms node sends for real through the tenant's provider and
// takes its next edge; with the caller opted out it takes its error edge.
func TestScenarioFlowSMSNode(t *testing.T) {
	t.Parallel()
	g := &smsGateway{}
	w := newWorldOn(t, store.SQLite, sim.FrontFreeSWITCH, openTime, "http://127.0.0.1:1", withSMS(t, g))
	ctx := context.Background()
	doc := `{"id":"main","start":"text","language":"en","nodes":[
  {"id":"text","type":"sms","text":"Your code is 4321","next":"sent","error":"failed"},
  {"id":"sent","type":"hangup","prompt":[{"tts":"Message sent."}]},
  {"id":"failed","type":"hangup","prompt":[{"tts":"Message not sent."}]}]}`
	if _, err := w.st.PublishFlow(ctx, tenant, "main", doc, "test"); err != nil {
		t.Fatal(err)
	}
	leg := w.dial("13800138005")
	w.record(leg)
	if !w.heard(leg, "Message sent.") {
		t.Fatalf("caller heard %+v", w.info(leg).Heard)
	}
	if s := g.list(); len(s) != 1 || s[0]["to"] != "13800138005" || s[0]["text"] != "Your code is 4321" {
		t.Fatalf("gateway got %v", s)
	}
	ms, _ := w.st.ListSMSMessages(ctx, tenant, store.SMSFilter{})
	if len(ms) != 1 || ms[0].Source != "ivr" || ms[0].Status != store.SMSSent {
		t.Fatalf("messages %+v", ms)
	}
	if _, err := w.st.AddSMSOptOut(ctx, &store.SMSOptOut{TenantID: tenant, Number: "13800138006", Source: "manual"}); err != nil {
		t.Fatal(err)
	}
	leg = w.dial("13800138006")
	w.record(leg)
	if !w.heard(leg, "Message not sent.") || len(g.list()) != 1 {
		t.Fatalf("opted out: heard %+v, gateway %v", w.info(leg).Heard, g.list())
	}
}

// After hours the caller leaves a voicemail; the voicemail rule texts them.
func TestScenarioVoicemailRuleSendsSMS(t *testing.T) {
	t.Parallel()
	g := &smsGateway{}
	closed := time.Date(2026, 11, 25, 21, 0, 0, 0, time.FixedZone("CST", 8*3600))
	w := newWorldOn(t, store.SQLite, sim.FrontFreeSWITCH, closed, "http://127.0.0.1:1", withSMS(t, g))
	ctx := context.Background()
	if err := w.st.PutSMSTemplate(ctx, &store.SMSTemplate{TenantID: tenant, Name: "vm", Purpose: "voicemail", Texts: `{"en":"We got your message (${dnis}).","zh-CN":"留言已收到。"}`}); err != nil {
		t.Fatal(err)
	}
	if err := w.st.PutSetting(ctx, tenant, sms.SettingName, `{"language":"en","rules":[{"event":"voicemail","template":"vm","enabled":true}]}`); err != nil {
		t.Fatal(err)
	}
	leg := w.dial("13800138007", sim.Press{After: 1500 * time.Millisecond, Digits: "#"})
	if rec := w.record(leg); rec.Disposition != "voicemail" {
		t.Fatalf("record %+v", rec)
	}
	waitFor(t, "the voicemail rule's message", func() bool { return len(g.list()) == 1 })
	if s := g.list(); s[0]["to"] != "13800138007" || s[0]["text"] != "We got your message (4001)." {
		t.Fatalf("gateway got %v", s)
	}
	ms, _ := w.st.ListSMSMessages(ctx, tenant, store.SMSFilter{})
	if len(ms) != 1 || ms[0].Source != "rule:voicemail" || ms[0].CallID == "" {
		t.Fatalf("messages %+v", ms)
	}
}
