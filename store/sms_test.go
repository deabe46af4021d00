package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// Providers are per tenant with one default; reports combine the parts of
// a long message; due retries are claimed once.
func TestSMSStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := &store.SMSProvider{TenantID: "a", ID: "one", Kind: "http", Enabled: true, IsDefault: true, Config: `{"url":"https://x"}`}
		b := &store.SMSProvider{TenantID: "a", ID: "two", Kind: "smpp", Enabled: true, IsDefault: true}
		for _, p := range []*store.SMSProvider{a, b} {
			if err := s.CreateSMSProvider(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CreateSMSProvider(ctx, &store.SMSProvider{TenantID: "a", ID: "one", Kind: "http"}); !store.IsConflict(err) {
			t.Fatalf("duplicate: %v", err)
		}
		ps, _ := s.ListSMSProviders(ctx, "a")
		if len(ps) != 2 || ps[0].IsDefault || !ps[1].IsDefault {
			t.Fatalf("one default: %+v", ps)
		}
		if p, err := s.SMSProviderByHookToken(ctx, a.HookToken); err != nil || p.TenantID != "a" || p.ID != "one" || len(a.HookToken) < 32 {
			t.Fatalf("by token: %+v %v", p, err)
		}
		if _, err := s.GetSMSProvider(ctx, "b", "one"); !store.IsNotFound(err) {
			t.Fatalf("other tenant: %v", err)
		}
		if all, _ := s.ListSMSProviders(ctx, ""); len(all) != 2 {
			t.Fatalf("all tenants: %d", len(all))
		}
		now := time.Now().UTC().Truncate(time.Millisecond)
		m := &store.SMSMessage{TenantID: "a", Direction: store.SMSOut, ProviderID: "two", Number: "13800000001", Body: "long", Status: store.SMSSent, Parts: 2, CreatedAt: now}
		if err := s.CreateSMSMessage(ctx, m); err != nil {
			t.Fatal(err)
		}
		if err := s.AddSMSParts(ctx, []store.SMSPart{{TenantID: "a", ProviderID: "two", ProviderMsgID: "P1", MessageID: m.ID, Seq: 1, Status: store.SMSSent},
			{TenantID: "a", ProviderID: "two", ProviderMsgID: "P2", MessageID: m.ID, Seq: 2, Status: store.SMSSent}}); err != nil {
			t.Fatal(err)
		}
		for _, step := range []struct{ id, status, want string }{
			{"P1", store.SMSDelivered, store.SMSSent},
			{"P2", store.SMSBuffered, store.SMSBuffered},
			{"P2", store.SMSDelivered, store.SMSDelivered},
		} {
			got, err := s.ReportSMSPart(ctx, "a", "two", step.id, step.status, "")
			if err != nil || got.Status != step.want || (step.want == store.SMSDelivered) != (got.DoneAt != nil) {
				t.Fatalf("%s %s: %+v %v, want %s", step.id, step.status, got, err, step.want)
			}
		}
		if _, err := s.ReportSMSPart(ctx, "b", "two", "P1", store.SMSFailed, ""); !store.IsNotFound(err) {
			t.Fatalf("report in another tenant: %v", err)
		}
		due := now.Add(-time.Second)
		q := &store.SMSMessage{TenantID: "a", Direction: store.SMSOut, ProviderID: "one", Number: "13800000002", Body: "x", Status: store.SMSQueued, Parts: 1, NextAttemptAt: &due, CreatedAt: now}
		if err := s.CreateSMSMessage(ctx, q); err != nil {
			t.Fatal(err)
		}
		got, err := s.ClaimDueSMS(ctx, now, time.Minute, 10)
		if err != nil || len(got) != 1 || got[0].ID != q.ID {
			t.Fatalf("claim: %+v %v", got, err)
		}
		if again, _ := s.ClaimDueSMS(ctx, now, time.Minute, 10); len(again) != 0 {
			t.Fatalf("claimed twice: %+v", again)
		}
		if n, _ := s.CountSMSSince(ctx, "a", "", now.Add(-time.Minute)); n != 2 {
			t.Fatalf("count %d", n)
		}
		if n, _ := s.CountSMSSince(ctx, "a", "13800000002", now.Add(-time.Minute)); n != 1 {
			t.Fatalf("count to a number %d", n)
		}
		if added, _ := s.AddSMSOptOut(ctx, &store.SMSOptOut{TenantID: "a", Number: "13800000003", Source: "manual"}); !added {
			t.Fatal("not added")
		}
		if added, _ := s.AddSMSOptOut(ctx, &store.SMSOptOut{TenantID: "a", Number: "13800000003", Source: "keyword"}); added {
			t.Fatal("added twice")
		}
		if out, _ := s.SMSOptedOut(ctx, "b", "13800000003"); out {
			t.Fatal("opt-out leaked to b")
		}
	})
}
