package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func TestSMSCommands(t *testing.T) {
	ctx := context.Background()
	var got []string
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.Query().Get("to")+" "+r.URL.Query().Get("msg"))
		fmt.Fprint(w, `{"id":"G1"}`)
	}))
	defer gw.Close()
	url := storetest.URL(t, store.SQLite)
	env := []string{"IPCC_DATABASE_URL=" + url, "IPCC_AUTH_BCRYPT_COST=4", "IPCC_ADMIN_PASSWORD=first-admin-pw", "IPCC_EGRESS_ALLOW=127.0.0.1/32"}
	if _, _, err := run(t, ctx, env, "bob-password\n", "user", "create", "--username", "bob"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, ctx, env, "", "sms", "send", "--to", "13800000001", "--text", "x"); err == nil || !strings.Contains(err.Error(), "no SMS provider") {
		t.Fatalf("without a provider: %v", err)
	}
	st, err := store.Open(ctx, url, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = st.CreateSMSProvider(ctx, &store.SMSProvider{TenantID: "default", ID: "gw", Kind: "http", Enabled: true,
		Config: `{"url":"` + gw.URL + `/send?to=${to}&msg=${text}","method":"GET","response":{"message_id":"id"}}`})
	if err == nil {
		err = st.PutSMSTemplate(ctx, &store.SMSTemplate{TenantID: "default", Name: "code", Purpose: "verification_code", Texts: `{"zh-CN":"验证码 ${code}","en":"Code ${code}"}`})
	}
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, _, err := run(t, ctx, env, "", "sms", "send", "--to", "138-0000-0002", "--template", "code", "--var", "code=4321")
	if err != nil || !strings.Contains(out, `"status": "sent"`) || len(got) != 1 || got[0] != "13800000002 验证码 4321" {
		t.Fatalf("send: %s %v %q", out, err, got)
	}
	if _, _, err := run(t, ctx, env, "", "sms", "send", "--to", "13800000002", "--template", "code", "--var", "code"); err == nil || !strings.Contains(err.Error(), "name=value") {
		t.Fatalf("bad var: %v", err)
	}
	out, _, err = run(t, ctx, env, "", "sms", "list", "--direction", "out")
	if err != nil || !strings.Contains(out, "13800000002") || !strings.Contains(out, "sent") || !strings.Contains(out, "验证码 4321") {
		t.Fatalf("list: %s %v", out, err)
	}
}
