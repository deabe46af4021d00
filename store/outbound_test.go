package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func TestOutboundDocsCRUDAndIsolation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.CreateOutbound(ctx, "acme", store.OutboundTrunk, "cmcc", `{"id":"cmcc","gateway":"gw1"}`); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateOutbound(ctx, "acme", store.OutboundTrunk, "cmcc", `{}`); !store.IsConflict(err) {
			t.Fatalf("duplicate id: %v", err)
		}
		// The same id as another kind, and in another tenant, is its own.
		if err := s.CreateOutbound(ctx, "acme", store.OutboundRoute, "cmcc", `{"id":"cmcc"}`); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateOutbound(ctx, "other", store.OutboundTrunk, "cmcc", `{"id":"cmcc","gateway":"theirs"}`); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateOutbound(ctx, "acme", store.OutboundTrunk, "cmcc", `{"id":"cmcc","gateway":"gw2"}`); err != nil {
			t.Fatal(err)
		}
		doc, err := s.GetOutbound(ctx, "acme", store.OutboundTrunk, "cmcc")
		if err != nil || doc != `{"id":"cmcc","gateway":"gw2"}` {
			t.Fatalf("got %q %v", doc, err)
		}
		list, err := s.ListOutbound(ctx, "other", store.OutboundTrunk)
		if err != nil || len(list) != 1 || list[0].Document != `{"id":"cmcc","gateway":"theirs"}` {
			t.Fatalf("other's trunks: %+v %v", list, err)
		}
		if err := s.UpdateOutbound(ctx, "acme", store.OutboundPool, "nope", `{}`); !store.IsNotFound(err) {
			t.Fatalf("update missing: %v", err)
		}
		if err := s.DeleteOutbound(ctx, "other", store.OutboundTrunk, "cmcc"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetOutbound(ctx, "other", store.OutboundTrunk, "cmcc"); !store.IsNotFound(err) {
			t.Fatalf("deleted: %v", err)
		}
		if _, err := s.GetOutbound(ctx, "acme", store.OutboundTrunk, "cmcc"); err != nil {
			t.Fatalf("acme's trunk went with the other tenant's: %v", err)
		}
	})
}

func TestSkipAttempt(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := &store.CampaignAttempt{TenantID: "acme", CampaignID: "c", LeadID: 1, Kind: store.AttemptCall, StartedAt: time.Now()}
		if err := s.AddAttempt(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := s.SkipAttempt(ctx, "other", a.ID, "blocked", "no", time.Now()); !store.IsNotFound(err) {
			t.Fatalf("another tenant's attempt: %v", err)
		}
		if err := s.SkipAttempt(ctx, "acme", a.ID, "blocked", "outbound call refused (country)", time.Now()); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetAttempt(ctx, "acme", a.ID)
		if err != nil || got.Kind != store.AttemptSkip || got.Outcome != "blocked" || got.Reason != "outbound call refused (country)" || got.EndedAt == nil {
			t.Fatalf("%+v %v", got, err)
		}
	})
}
