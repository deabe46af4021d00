package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func TestFlowDraftsVersionsAndRollback(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		f := &store.Flow{TenantID: "a", ID: "main", Name: "Main", Draft: `{"v":1}`, UpdatedBy: "u1"}
		if err := s.CreateFlow(ctx, f); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateFlow(ctx, &store.Flow{TenantID: "a", ID: "main", Draft: "{}"}); !store.IsConflict(err) {
			t.Fatalf("duplicate: %v", err)
		}
		if err := s.CreateFlow(ctx, &store.Flow{TenantID: "b", ID: "main", Draft: `{"b":1}`}); err != nil {
			t.Fatalf("same id in another tenant: %v", err)
		}
		if _, err := s.PublishedFlow(ctx, "a", "main"); !store.IsNotFound(err) {
			t.Fatalf("never published: %v", err)
		}
		v1, err := s.PublishFlow(ctx, "a", "main", `{"v":1}`, "u1")
		if err != nil || v1 != 1 {
			t.Fatalf("publish: %d %v", v1, err)
		}
		if _, err := s.UpdateFlowDraft(ctx, "a", "main", "Main 2", `{"v":2}`, "u2"); err != nil {
			t.Fatal(err)
		}
		if p, _ := s.PublishedFlow(ctx, "a", "main"); p.Document != `{"v":1}` {
			t.Fatalf("editing the draft changed the live version: %s", p.Document)
		}
		v2, err := s.PublishFlow(ctx, "a", "main", `{"v":2}`, "u2")
		if err != nil || v2 != 2 {
			t.Fatalf("publish 2: %d %v", v2, err)
		}
		p, err := s.PublishedFlow(ctx, "a", "main")
		if err != nil || p.Version != 2 || p.Document != `{"v":2}` || p.CreatedBy != "u2" {
			t.Fatalf("published: %+v %v", p, err)
		}
		if err := s.SetPublishedFlowVersion(ctx, "a", "main", 1, "u3"); err != nil {
			t.Fatal(err)
		}
		if p, _ := s.PublishedFlow(ctx, "a", "main"); p.Version != 1 || p.Document != `{"v":1}` {
			t.Fatalf("after rollback: %+v", p)
		}
		if err := s.SetPublishedFlowVersion(ctx, "a", "main", 9, "u3"); !store.IsNotFound(err) {
			t.Fatalf("rollback to a missing version: %v", err)
		}
		if err := s.SetPublishedFlowVersion(ctx, "b", "main", 1, "u3"); !store.IsNotFound(err) {
			t.Fatalf("rollback across tenants: %v", err)
		}
		vs, err := s.ListFlowVersions(ctx, "a", "main")
		if err != nil || len(vs) != 2 || vs[0].Version != 2 || vs[1].Version != 1 {
			t.Fatalf("versions: %+v %v", vs, err)
		}
		got, err := s.GetFlow(ctx, "a", "main")
		if err != nil || got.Name != "Main 2" || got.Draft != `{"v":2}` || got.PublishedVersion != 1 || got.UpdatedBy != "u3" {
			t.Fatalf("flow: %+v %v", got, err)
		}
		if v, err := s.GetFlowVersion(ctx, "a", "main", 2); err != nil || v.Document != `{"v":2}` {
			t.Fatalf("version 2: %+v %v", v, err)
		}
		if _, err := s.GetFlowVersion(ctx, "b", "main", 2); !store.IsNotFound(err) {
			t.Fatalf("version across tenants: %v", err)
		}
		list, err := s.ListFlows(ctx, "a")
		if err != nil || len(list) != 1 || list[0].ID != "main" {
			t.Fatalf("list: %+v %v", list, err)
		}
		if _, err := s.UpdateFlowDraft(ctx, "a", "nope", "", "{}", ""); !store.IsNotFound(err) {
			t.Fatalf("update missing: %v", err)
		}
		if _, err := s.PublishFlow(ctx, "a", "nope", "{}", ""); !store.IsNotFound(err) {
			t.Fatalf("publish missing: %v", err)
		}
		if err := s.DeleteFlow(ctx, "a", "main"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetFlow(ctx, "a", "main"); !store.IsNotFound(err) {
			t.Fatalf("after delete: %v", err)
		}
		if vs, _ := s.ListFlowVersions(ctx, "a", "main"); len(vs) != 0 {
			t.Fatalf("versions left after delete: %+v", vs)
		}
		if _, err := s.GetFlow(ctx, "b", "main"); err != nil {
			t.Fatalf("other tenant's flow gone: %v", err)
		}
		if err := s.DeleteFlow(ctx, "a", "main"); !store.IsNotFound(err) {
			t.Fatalf("delete twice: %v", err)
		}
	})
}

func TestConcurrentPublishesGetDistinctVersions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.CreateFlow(ctx, &store.Flow{TenantID: "a", ID: "f", Draft: "{}"}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		seen := map[int]bool{}
		for i := 0; i < 6; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, err := s.PublishFlow(ctx, "a", "f", "{}", "u")
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					t.Errorf("publish: %v", err)
					return
				}
				seen[v] = true
			}()
		}
		wg.Wait()
		if len(seen) != 6 {
			t.Fatalf("versions %v", seen)
		}
	})
}

func TestVoicemailAndSurveyRows(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		at := time.Date(2026, 10, 1, 4, 30, 0, 0, time.UTC)
		m := &store.VoicemailMessage{TenantID: "a", Mailbox: "general", CallID: "c1", Caller: "138", Path: "/vm/c1.wav", DurationMS: 4200, CreatedAt: at}
		if err := s.AddVoicemail(ctx, m); err != nil || m.ID == 0 {
			t.Fatalf("add: %v id %d", err, m.ID)
		}
		if err := s.AddVoicemail(ctx, &store.VoicemailMessage{TenantID: "a", Mailbox: "sales", Path: "/vm/x.wav"}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddVoicemail(ctx, &store.VoicemailMessage{TenantID: "b", Mailbox: "general", Path: "/vm/y.wav"}); err != nil {
			t.Fatal(err)
		}
		ms, err := s.ListVoicemail(ctx, "a", "general")
		if err != nil || len(ms) != 1 || ms[0].Path != "/vm/c1.wav" || ms[0].DurationMS != 4200 || ms[0].Heard || !ms[0].CreatedAt.Equal(at) {
			t.Fatalf("list: %+v %v", ms, err)
		}
		if all, _ := s.ListVoicemail(ctx, "a", ""); len(all) != 2 {
			t.Fatalf("all mailboxes: %+v", all)
		}
		if err := s.MarkVoicemailHeard(ctx, "a", m.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkVoicemailHeard(ctx, "b", m.ID, true); !store.IsNotFound(err) {
			t.Fatalf("mark across tenants: %v", err)
		}
		if ms, _ := s.ListVoicemail(ctx, "a", "general"); !ms[0].Heard {
			t.Fatal("not heard")
		}

		r := &store.SurveyResult{TenantID: "a", CallID: "c1", AgentID: "a7", Queue: "sales", Score: 1, CreatedAt: at}
		if err := s.AddSurveyResult(ctx, r); err != nil || r.ID == 0 {
			t.Fatalf("add survey: %v", err)
		}
		if err := s.AddSurveyResult(ctx, &store.SurveyResult{TenantID: "b", CallID: "c2", Score: 3, CreatedAt: at}); err != nil {
			t.Fatal(err)
		}
		rs, err := s.ListSurveyResults(ctx, "a", at.Add(-time.Hour), at.Add(time.Hour))
		if err != nil || len(rs) != 1 || rs[0].AgentID != "a7" || rs[0].Score != 1 || rs[0].Queue != "sales" {
			t.Fatalf("surveys: %+v %v", rs, err)
		}
		if rs, _ := s.ListSurveyResults(ctx, "a", at.Add(time.Second), at.Add(time.Hour)); len(rs) != 0 {
			t.Fatalf("outside the window: %+v", rs)
		}
	})
}
