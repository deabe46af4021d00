package sms_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/clock"
	"github.com/ipcc/ipcc/egress"
	"github.com/ipcc/ipcc/sms"
	"github.com/ipcc/ipcc/sms/smpp"
	"github.com/ipcc/ipcc/sms/smpp/smpptest"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

type events struct {
	mu  sync.Mutex
	got []string
}

func (e *events) SMSEvent(_ context.Context, tenant, typ string, m store.SMSMessage) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.got = append(e.got, tenant+" "+typ+" "+m.Number)
	return nil
}

func (e *events) list() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return strings.Join(e.got, "; ")
}

// fakeGateway is a local HTTP SMS gateway: it checks the signature,
// answers {"code":"0","data":{"msgid":"G<n>"}} and can be told to fail.
type fakeGateway struct {
	*httptest.Server
	mu     sync.Mutex
	bodies []map[string]string
	fail   []int // HTTP statuses to answer next, in order
	badSig int
	// before, when set, runs at the start of every request, unlocked.
	before func()
}

func newFakeGateway(t *testing.T) *fakeGateway {
	g := &fakeGateway{}
	g.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if g.before != nil {
			g.before()
		}
		g.mu.Lock()
		defer g.mu.Unlock()
		if r.Header.Get("X-Sign") != "sha256="+sms.Sign("gateway-secret", "hex", []byte(r.Header.Get("X-Ts")+"."+string(b))) {
			g.badSig++
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if len(g.fail) > 0 {
			st := g.fail[0]
			g.fail = g.fail[1:]
			http.Error(w, "busy", st)
			return
		}
		var m map[string]string
		if err := json.Unmarshal(b, &m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		g.bodies = append(g.bodies, m)
		fmt.Fprintf(w, `{"code":"0","data":{"msgid":"G%d"}}`, len(g.bodies))
	}))
	t.Cleanup(g.Close)
	return g
}

func (g *fakeGateway) config() string {
	return fmt.Sprintf(`{"url":"%s/send?account=acme","content_type":"application/json","body":"{\"mobile\":\"${to}\",\"content\":\"${text}\",\"sign\":\"${from}\",\"ref\":\"${id}\"}",
"signature":{"header":"X-Sign","secret":"gateway-secret","prefix":"sha256=","timestamp_header":"X-Ts"},
"response":{"message_id":"data.msgid","status":"code","accepted":["0"],"temporary":["9"]},
"report":{"message_id":"msgid","status":"stat","error":"err","delivered":["DELIVRD"],"buffered":["ENROUTE"],"failed":["UNDELIV","EXPIRED"]},
"inbound":{"from":"mobile","to":"dest","text":"content"}}`, g.URL)
}

func newService(t *testing.T, st *store.Store, clk clock.Clock, ev sms.Events) *sms.Service {
	pol, err := egress.New([]string{"127.0.0.0/8"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sms.New(sms.Options{Store: st, Egress: pol, Clock: clk, Events: ev, MaxAttempts: 3, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// The whole life of a message through the HTTP gateway: a template in the
// caller's language, a signed JSON request, the gateway's id, a temporary
// failure retried after the backoff, and the delivery report.
func TestHTTPGatewaySendRetryReport(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		gw := newFakeGateway(t)
		clk := clock.NewFake(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
		ev := &events{}
		svc := newService(t, st, clk, ev)
		if err := st.CreateSMSProvider(ctx, &store.SMSProvider{TenantID: "t1", ID: "gw", Kind: sms.KindHTTP, SenderID: "ACME", Enabled: true, IsDefault: true, Config: gw.config()}); err != nil {
			t.Fatal(err)
		}
		if err := st.PutSMSTemplate(ctx, &store.SMSTemplate{TenantID: "t1", Name: "missed_call", Purpose: "missed_call",
			Texts: `{"zh-CN":"您好,我们未能接听您 ${time} 的来电","en":"Sorry we missed your call at ${time} \"quoted\""}`}); err != nil {
			t.Fatal(err)
		}
		m, err := svc.Send(ctx, sms.Request{Tenant: "t1", To: "138 0000 0001", Template: "missed_call", Language: "en", Vars: map[string]string{"time": "09:00"}, Source: "agent"})
		if err != nil {
			t.Fatal(err)
		}
		if m.Status != store.SMSSent || m.Number != "13800000001" || m.Body != `Sorry we missed your call at 09:00 "quoted"` {
			t.Fatalf("sent: %+v", m)
		}
		if len(gw.bodies) != 1 || gw.bodies[0]["content"] != m.Body || gw.bodies[0]["sign"] != "ACME" || gw.bodies[0]["ref"] != m.ID {
			t.Fatalf("gateway got %v", gw.bodies)
		}
		if _, err := svc.Send(ctx, sms.Request{Tenant: "t1", To: "13800000001", Template: "missed_call"}); err == nil || !strings.Contains(err.Error(), "${time}") {
			t.Fatalf("missing variable: %v", err)
		}
		// Report delivered.
		var cfg sms.HTTPConfig
		_ = json.Unmarshal([]byte(gw.config()), &cfg)
		docs, err := sms.Documents("application/json", []byte(`[{"msgid":"G1","stat":"DELIVRD"}]`), nil)
		if err != nil {
			t.Fatal(err)
		}
		r, err := cfg.ParseReport(docs[0])
		if err != nil {
			t.Fatal(err)
		}
		svc.Report(ctx, "t1", "gw", r)
		got, _ := st.GetSMSMessage(ctx, "t1", m.ID)
		if got.Status != store.SMSDelivered || got.DoneAt == nil {
			t.Fatalf("after report: %+v", got)
		}
		// A temporary failure (HTTP 503) is tried again after the backoff.
		gw.mu.Lock()
		gw.fail = []int{503}
		gw.mu.Unlock()
		m2, err := svc.Send(ctx, sms.Request{Tenant: "t1", To: "13800000002", Text: "hello 你好"})
		if err != nil || m2.Status != store.SMSQueued || !strings.Contains(m2.Error, "503") || m2.NextAttemptAt == nil || !m2.NextAttemptAt.Equal(clk.Now().Add(30*time.Second)) {
			t.Fatalf("temporary failure: %+v %v", m2, err)
		}
		if n := svc.RetryDue(ctx); n != 0 {
			t.Fatalf("retried %d before the backoff", n)
		}
		clk.Advance(31 * time.Second)
		if n := svc.RetryDue(ctx); n != 1 {
			t.Fatalf("retried %d, want 1", n)
		}
		got, _ = st.GetSMSMessage(ctx, "t1", m2.ID)
		if got.Status != store.SMSSent || got.Attempts != 2 {
			t.Fatalf("after retry: %+v", got)
		}
		// An undeliverable report fails the message.
		r, _ = cfg.ParseReport(map[string]any{"msgid": "G2", "stat": "UNDELIV", "err": "absent subscriber"})
		svc.Report(ctx, "t1", "gw", r)
		got, _ = st.GetSMSMessage(ctx, "t1", m2.ID)
		if got.Status != store.SMSFailed || got.Error != "UNDELIV: absent subscriber" {
			t.Fatalf("undelivered: %+v", got)
		}
		// Out of attempts: failed.
		gw.mu.Lock()
		gw.fail = []int{500, 500, 500}
		gw.mu.Unlock()
		m3, _ := svc.Send(ctx, sms.Request{Tenant: "t1", To: "13800000003", Text: "x"})
		for range 2 {
			clk.Advance(time.Hour)
			svc.RetryDue(ctx)
		}
		got, _ = st.GetSMSMessage(ctx, "t1", m3.ID)
		if got.Status != store.SMSFailed || got.Attempts != 3 {
			t.Fatalf("out of attempts: %+v", got)
		}
		// A refusal (HTTP 400) is not tried again.
		gw.mu.Lock()
		gw.fail = []int{400}
		gw.mu.Unlock()
		m4, _ := svc.Send(ctx, sms.Request{Tenant: "t1", To: "13800000004", Text: "x"})
		if m4.Status != store.SMSFailed || m4.Attempts != 1 {
			t.Fatalf("refused: %+v", m4)
		}
		if gw.badSig != 0 {
			t.Fatalf("%d requests with a bad signature", gw.badSig)
		}
		want := "t1 sms.sent 13800000001; t1 sms.delivered 13800000001; t1 sms.sent 13800000002; t1 sms.failed 13800000002; t1 sms.failed 13800000003; t1 sms.failed 13800000004"
		if ev.list() != want {
			t.Fatalf("events\n got %s\nwant %s", ev.list(), want)
		}
		// Another tenant sees none of it and has no provider.
		if ms, _ := st.ListSMSMessages(ctx, "t2", store.SMSFilter{}); len(ms) != 0 {
			t.Fatalf("t2 sees %d messages", len(ms))
		}
		if _, err := svc.Send(ctx, sms.Request{Tenant: "t2", To: "13800000001", Text: "x"}); !errors.Is(err, sms.ErrNoProvider) {
			t.Fatalf("t2: %v", err)
		}
	})
}

// Gateway URLs are the tenant's: the egress policy refuses loopback unless
// the platform allows it, and the message fails at once with the one
// vague text tenants see.
// A message being sent is not due for the retry loop: the loop running
// while the gateway has the request (here: exactly then) must not send it
// again. It used to: Send stored the message due at once and then sent it,
// and the loop claimed the same row (the console's SMS journey saw the
// agent's one message twice at the gateway).
func TestSendIsNotRetriedWhileItIsBeingSent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		gw := newFakeGateway(t)
		clk := clock.NewFake(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
		svc := newService(t, st, clk, &events{})
		if err := st.CreateSMSProvider(ctx, &store.SMSProvider{TenantID: "t1", ID: "gw", Kind: sms.KindHTTP, SenderID: "ACME", Enabled: true, IsDefault: true, Config: gw.config()}); err != nil {
			t.Fatal(err)
		}
		retried := -1
		gw.before = func() {
			if retried < 0 {
				retried = svc.RetryDue(ctx)
			}
		}
		m, err := svc.Send(ctx, sms.Request{Tenant: "t1", To: "13800000001", Text: "您好"})
		if err != nil {
			t.Fatal(err)
		}
		if retried != 0 || len(gw.bodies) != 1 || m.Status != store.SMSSent {
			t.Fatalf("the retry loop sent %d messages during the send; the gateway got %d (%v); status %s", retried, len(gw.bodies), gw.bodies, m.Status)
		}
		// Nor later: the sent message is done.
		clk.Advance(time.Hour)
		if n := svc.RetryDue(ctx); n != 0 || len(gw.bodies) != 1 {
			t.Fatalf("an hour later the loop sent %d, the gateway has %d", n, len(gw.bodies))
		}
	})
}

func TestHTTPGatewayEgressDenied(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	gw := newFakeGateway(t)
	svc, _ := sms.New(sms.Options{Store: st, Egress: egress.Default()})
	_ = st.CreateSMSProvider(ctx, &store.SMSProvider{TenantID: "t1", ID: "gw", Kind: sms.KindHTTP, Enabled: true, Config: gw.config()})
	m, err := svc.Send(ctx, sms.Request{Tenant: "t1", To: "13800000001", Text: "x"})
	if err != nil || m.Status != store.SMSFailed || m.Error != egress.Failed || len(gw.bodies) != 0 {
		t.Fatalf("%+v %v", m, err)
	}
}

// Opt-out keywords (STOP, TD, 退订) put the sender on the list; rate limits
// per number, per minute and per day refuse before anything is sent.
func TestOptOutAndRateLimits(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		gw := newFakeGateway(t)
		clk := clock.NewFake(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
		ev := &events{}
		svc := newService(t, st, clk, ev)
		_ = st.CreateSMSProvider(ctx, &store.SMSProvider{TenantID: "t1", ID: "gw", Kind: sms.KindHTTP, Enabled: true, Config: gw.config()})
		for _, kw := range []string{" 退订 ", "td"} {
			in, err := svc.Receive(ctx, "t1", "gw", sms.Inbound{From: "13900000001", To: "1069", Text: kw})
			if err != nil || in.Direction != store.SMSIn || in.Number != "13900000001" {
				t.Fatalf("receive: %+v %v", in, err)
			}
		}
		if _, err := svc.Send(ctx, sms.Request{Tenant: "t1", To: "13900000001", Text: "x"}); !errors.Is(err, sms.ErrOptedOut) {
			t.Fatalf("opted out: %v", err)
		}
		if ev.list() != "t1 sms.received 13900000001; t1 sms.opted_out 13900000001; t1 sms.received 13900000001" {
			t.Fatalf("events %s", ev.list())
		}
		if out, _ := st.SMSOptedOut(ctx, "t2", "13900000001"); out {
			t.Fatal("opt-out leaked to t2")
		}
		if err := svc.SaveSettings(ctx, "t1", &sms.Settings{PerMinute: 3, PerNumberPerHour: 2}); err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			if _, err := svc.Send(ctx, sms.Request{Tenant: "t1", To: "13900000002", Text: "x"}); err != nil {
				t.Fatalf("send %d: %v", i, err)
			}
		}
		if _, err := svc.Send(ctx, sms.Request{Tenant: "t1", To: "13900000002", Text: "x"}); !errors.Is(err, sms.ErrRateLimited) || !strings.Contains(err.Error(), "per hour to 13900000002") {
			t.Fatalf("per number: %v", err)
		}
		if _, err := svc.Send(ctx, sms.Request{Tenant: "t1", To: "13900000003", Text: "x"}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Send(ctx, sms.Request{Tenant: "t1", To: "13900000004", Text: "x"}); !errors.Is(err, sms.ErrRateLimited) || !strings.Contains(err.Error(), "per minute") {
			t.Fatalf("per minute: %v", err)
		}
		clk.Advance(time.Minute)
		if _, err := svc.Send(ctx, sms.Request{Tenant: "t1", To: "13900000004", Text: "x"}); err != nil {
			t.Fatalf("after a minute: %v", err)
		}
		if err := svc.SaveSettings(ctx, "t1", &sms.Settings{PerMinute: -2}); err == nil || !strings.Contains(err.Error(), "per_minute") {
			t.Fatalf("bad settings: %v", err)
		}
		if _, err := svc.Send(ctx, sms.Request{Tenant: "t1", To: "12ab", Text: "x"}); err == nil || !strings.Contains(err.Error(), "to:") {
			t.Fatalf("bad number: %v", err)
		}
	})
}

// An SMPP provider against a local SMSC: a long Chinese text goes as three
// UCS-2 parts with user data headers, the receipts of all three make it
// delivered; an ENROUTE receipt leaves a message buffered, UNDELIV fails
// it; a mobile-originated STOP opts the sender out; the IVR's SendSMS
// goes through the same path.
func TestSMPPProvider(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		smsc := smpptest.Start(t, "ipcc", "pw")
		smsc.Receipt = func(m *smpp.SM) string {
			switch m.Dst {
			case "13700000002":
				return "ENROUTE"
			case "13700000003":
				return "UNDELIV"
			}
			return "DELIVRD"
		}
		ev := &events{}
		svc := newService(t, st, clock.Real(), ev)
		cfg := fmt.Sprintf(`{"addr":%q,"system_id":"ipcc","password":"pw","enquire_link_seconds":1}`, smsc.Addr())
		if err := st.CreateSMSProvider(ctx, &store.SMSProvider{TenantID: "t1", ID: "smsc", Kind: sms.KindSMPP, SenderID: "10690001", Enabled: true, Config: cfg}); err != nil {
			t.Fatal(err)
		}
		long := strings.Repeat("您好,这是一条很长的通知。", 12) // 144 characters: 3 parts of 67
		m, err := svc.Send(ctx, sms.Request{Tenant: "t1", To: "13700000001", Text: long, Source: "api"})
		if err != nil || m.Status != store.SMSSent || m.Parts != 3 {
			t.Fatalf("send: %+v %v", m, err)
		}
		subs := smsc.Submitted()
		if len(subs) != 3 {
			t.Fatalf("%d submit_sm", len(subs))
		}
		var text strings.Builder
		for i, s := range subs {
			ref, total, seq, payload, err := sms.ParseUDH(s.SM.Short)
			if err != nil || total != 3 || seq != i+1 || s.SM.ESMClass&smpp.ESMUDHI == 0 || s.SM.DataCoding != 0x08 || s.SM.Src != "10690001" || s.SM.RegisteredDelivery != 1 {
				t.Fatalf("part %d: ref %d total %d seq %d %+v %v", i, ref, total, seq, s.SM, err)
			}
			p, _ := sms.DecodeUCS2(payload)
			text.WriteString(p)
		}
		if text.String() != long {
			t.Fatalf("reassembled %q", text.String())
		}
		wait := func(id, status string) {
			t.Helper()
			if !smpptest.Wait(ctx, 5*time.Second, func() bool {
				got, _ := st.GetSMSMessage(ctx, "t1", id)
				return got != nil && got.Status == status
			}) {
				got, _ := st.GetSMSMessage(ctx, "t1", id)
				t.Fatalf("message %s: %+v, want %s", id, got, status)
			}
		}
		wait(m.ID, store.SMSDelivered)
		m2, _ := svc.Send(ctx, sms.Request{Tenant: "t1", To: "13700000002", Text: "hi"})
		wait(m2.ID, store.SMSBuffered)
		m3, _ := svc.Send(ctx, sms.Request{Tenant: "t1", To: "13700000003", Text: "hi"})
		wait(m3.ID, store.SMSFailed)
		if got, _ := st.GetSMSMessage(ctx, "t1", m3.ID); got.Error != "UNDELIV" {
			t.Fatalf("error %q", got.Error)
		}
		// Mobile-originated: a long message in two UCS-2 parts, then STOP.
		mo := "我想查询我的订单状态,请尽快回复。" + strings.Repeat("谢", 60)
		_, parts, _ := sms.Split(mo)
		for i, p := range parts {
			if err := smsc.Deliver(&smpp.SM{Src: "13700000009", Dst: "10690001", ESMClass: smpp.ESMUDHI, DataCoding: 0x08, Short: append(sms.UDH(9, len(parts), i+1), p...)}); err != nil {
				t.Fatal(err)
			}
		}
		if err := smsc.Deliver(&smpp.SM{Src: "13700000009", Dst: "10690001", Short: []byte("STOP")}); err != nil {
			t.Fatal(err)
		}
		if !smpptest.Wait(ctx, 5*time.Second, func() bool { out, _ := st.SMSOptedOut(ctx, "t1", "13700000009"); return out }) {
			t.Fatal("STOP did not opt out")
		}
		ins, _ := st.ListSMSMessages(ctx, "t1", store.SMSFilter{Direction: store.SMSIn, Number: "13700000009"})
		if len(ins) != 2 || ins[0].Body != "STOP" && ins[1].Body != "STOP" || ins[0].Body != mo && ins[1].Body != mo {
			t.Fatalf("inbound %+v", ins)
		}
		if err := svc.SendSMS(ctx, "t1", "13700000009", "x"); !errors.Is(err, sms.ErrOptedOut) {
			t.Fatalf("ivr to opted out: %v", err)
		}
		if err := svc.SendSMS(ctx, "t1", "13700000004", "code 1234"); err != nil {
			t.Fatalf("ivr: %v", err)
		}
		// The SMSC restarts: the next send binds again.
		smsc.DropAll()
		if !smpptest.Wait(ctx, 2*time.Second, func() bool { return smsc.Bound() == 0 }) {
			t.Fatal("still bound")
		}
		time.Sleep(20 * time.Millisecond) // the client reads the end of the connection
		m5, err := svc.Send(ctx, sms.Request{Tenant: "t1", To: "13700000005", Text: "again"})
		if err != nil || m5.Status != store.SMSSent {
			t.Fatalf("after the SMSC restarted: %+v %v", m5, err)
		}
		wait(m5.ID, store.SMSDelivered)
	})
}

// Rules send a template to the caller after a missed call and a voicemail.
func TestCallEndedRules(t *testing.T) {
	st := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	gw := newFakeGateway(t)
	svc := newService(t, st, clock.Real(), nil)
	_ = st.CreateSMSProvider(ctx, &store.SMSProvider{TenantID: "t1", ID: "gw", Kind: sms.KindHTTP, Enabled: true, Config: gw.config()})
	_ = st.PutSMSTemplate(ctx, &store.SMSTemplate{TenantID: "t1", Name: "missed", Purpose: "missed_call", Texts: `{"zh-CN":"未接来电 ${dnis}"}`})
	if err := svc.SaveSettings(ctx, "t1", &sms.Settings{Rules: []sms.Rule{{Event: "missed_call", Template: "missed", Enabled: true}, {Event: "voicemail", Template: "missed", Enabled: false}}}); err != nil {
		t.Fatal(err)
	}
	svc.CallEnded(ctx, store.CallRecord{TenantID: "t1", ID: "c1", Direction: "inbound", ANI: "13600000001", DNIS: "4008001234", Disposition: "abandoned", StartedAt: time.Now()})
	svc.CallEnded(ctx, store.CallRecord{TenantID: "t1", ID: "c2", Direction: "inbound", ANI: "13600000002", DNIS: "4008001234", Disposition: "voicemail", StartedAt: time.Now()})
	svc.CallEnded(ctx, store.CallRecord{TenantID: "t1", ID: "c3", Direction: "inbound", ANI: "13600000003", Disposition: "answered", AgentID: "a1", StartedAt: time.Now()})
	ms, _ := st.ListSMSMessages(ctx, "t1", store.SMSFilter{})
	if len(ms) != 1 || ms[0].Number != "13600000001" || ms[0].Body != "未接来电 4008001234" || ms[0].CallID != "c1" || ms[0].Source != "rule:missed_call" {
		t.Fatalf("%+v", ms)
	}
	if err := svc.SaveSettings(ctx, "t1", &sms.Settings{Rules: []sms.Rule{{Event: "hangup", Template: "missed"}}}); err == nil || !strings.Contains(err.Error(), "rules[0].event") {
		t.Fatalf("%v", err)
	}
}

// Sends racing each other, from two controllers (two services on one
// database), never exceed the tenant's limit: the check and the insert
// are one atomic step. The others get ErrRateLimited.
func TestRateLimitHoldsUnderConcurrentSends(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		gw := newFakeGateway(t)
		clk := clock.NewFake(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
		svcs := []*sms.Service{newService(t, st, clk, nil), newService(t, st, clk, nil)}
		if err := st.CreateSMSProvider(ctx, &store.SMSProvider{TenantID: "t1", ID: "gw", Kind: sms.KindHTTP, Enabled: true, Config: gw.config()}); err != nil {
			t.Fatal(err)
		}
		const limit, senders = 4, 24
		if err := svcs[0].SaveSettings(ctx, "t1", &sms.Settings{PerMinute: limit}); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		sent, limited := 0, 0
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range senders {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, err := svcs[i%2].Send(ctx, sms.Request{Tenant: "t1", To: fmt.Sprintf("1390000%04d", i), Text: "x", Source: "api"})
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					sent++
				case errors.Is(err, sms.ErrRateLimited):
					limited++
				default:
					t.Errorf("send %d: %v", i, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if sent != limit || limited != senders-limit {
			t.Fatalf("%d sent and %d refused by a limit of %d per minute; want %d and %d", sent, limited, limit, limit, senders-limit)
		}
		if n, err := st.CountSMSSince(ctx, "t1", "", clk.Now().Add(-time.Minute)); err != nil || n != limit {
			t.Fatalf("%d messages stored (%v), want %d", n, err, limit)
		}
	})
}
