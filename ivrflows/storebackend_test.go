package ivrflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/ipcc/ipcc/ivrflows"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func TestStoreBackend(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		b := ivrflows.StoreBackend{S: s}
		doc := `{"id": "f", "start": "bye", "nodes": [{"id": "bye", "type": "hangup"}]}`
		if err := s.CreateFlow(ctx, &store.Flow{TenantID: "a", ID: "f", Draft: doc}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := b.Published(ctx, "a", "f"); !store.IsNotFound(err) {
			t.Fatalf("unpublished flow: %v", err)
		}
		for i := 0; i < 2; i++ {
			if _, err := s.PublishFlow(ctx, "a", "f", doc, "u"); err != nil {
				t.Fatal(err)
			}
		}
		f, v, err := b.Published(ctx, "a", "f")
		if err != nil || v != 2 || f.Start != "bye" {
			t.Fatalf("published: %v %d %v", f, v, err)
		}
		if _, _, err := b.Published(ctx, "b", "f"); !store.IsNotFound(err) {
			t.Fatalf("other tenant: %v", err)
		}

		at := time.Date(2026, 10, 1, 4, 0, 0, 0, time.UTC)
		if err := b.SaveVoicemail(ctx, ivrflows.VoicemailMessage{Tenant: "a", Mailbox: "general", CallID: "c1", Caller: "138",
			Path: "/vm/c1.wav", Duration: 12500 * time.Millisecond, Created: at}); err != nil {
			t.Fatal(err)
		}
		ms, err := s.ListVoicemail(ctx, "a", "general")
		if err != nil || len(ms) != 1 || ms[0].DurationMS != 12500 || ms[0].CallID != "c1" || !ms[0].CreatedAt.Equal(at) {
			t.Fatalf("voicemail: %+v %v", ms, err)
		}
		if err := b.SaveSurvey(ctx, ivrflows.SurveyResult{Tenant: "a", CallID: "c1", AgentID: "a7", Queue: "sales", Score: 2, Created: at}); err != nil {
			t.Fatal(err)
		}
		rs, err := s.ListSurveyResults(ctx, "a", at, at.Add(time.Second))
		if err != nil || len(rs) != 1 || rs[0].Score != 2 || rs[0].AgentID != "a7" {
			t.Fatalf("surveys: %+v %v", rs, err)
		}
	})
}
