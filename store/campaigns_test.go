package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func TestCampaignLifecycleAndIsolation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := &store.CampaignRow{TenantID: "acme", ID: "spring", Name: "Spring", Type: "progressive", Status: "draft", Document: `{"queue_id":"sales"}`}
		if err := s.CreateCampaign(ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateCampaign(ctx, c); !store.IsConflict(err) {
			t.Fatalf("duplicate id: %v", err)
		}
		if _, err := s.GetCampaign(ctx, "other", "spring"); !store.IsNotFound(err) {
			t.Fatalf("another tenant sees the campaign: %v", err)
		}
		if err := s.SetCampaignStatus(ctx, "acme", "spring", "draft", "running"); err != nil {
			t.Fatal(err)
		}
		if err := s.SetCampaignStatus(ctx, "acme", "spring", "draft", "running"); !store.IsConflict(err) {
			t.Fatalf("stale status change: %v", err)
		}
		got, _ := s.GetCampaign(ctx, "acme", "spring")
		if got.Status != "running" || got.StartedAt == nil {
			t.Fatalf("%+v", got)
		}
		run, err := s.ListRunningCampaigns(ctx)
		if err != nil || len(run) != 1 {
			t.Fatalf("running %v %v", run, err)
		}
		// A suspended tenant's campaigns are not dialled (docs/tenants.md).
		if err := s.CreateTenant(ctx, &store.Tenant{ID: "acme", Name: "Acme", Timezone: "UTC", Disabled: true}); err != nil {
			t.Fatal(err)
		}
		if run, err := s.ListRunningCampaigns(ctx); err != nil || len(run) != 0 {
			t.Fatalf("running while suspended %v %v", run, err)
		}
		if err := s.DeleteCampaign(ctx, "acme", "spring"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestLeadsImportClaimAndAssign(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var leads []store.Lead
		for i := range 2500 {
			leads = append(leads, store.Lead{Phone: fmt.Sprintf("+86138%08d", i), Name: fmt.Sprint("n", i), Fields: `{"city":"Shenzhen"}`, Row: i + 2})
		}
		if err := s.InsertLeads(ctx, "acme", "spring", leads); err != nil {
			t.Fatal(err)
		}
		// A second import with one phone already there: nothing of it stays.
		again := []store.Lead{{Phone: "+8613900000001", Row: 2}, {Phone: leads[5].Phone, Row: 3}}
		if err := s.InsertLeads(ctx, "acme", "spring", again); !store.IsConflict(err) {
			t.Fatalf("duplicate phone: %v", err)
		}
		counts, err := s.LeadCounts(ctx, "acme", "spring")
		if err != nil || counts[store.LeadPending] != 2500 {
			t.Fatalf("counts %v %v", counts, err)
		}
		phones, _ := s.CampaignPhones(ctx, "acme", "spring")
		if len(phones) != 2500 || phones["+8613900000001"] {
			t.Fatalf("phones %d", len(phones))
		}
		got, err := s.AssignLeads(ctx, "acme", "spring", []string{"bob", "carol"}, 2)
		if err != nil || got["bob"] != 2 || got["carol"] != 2 {
			t.Fatalf("assign %v %v", got, err)
		}
		// Bob gets his own leads first; two claimers never share one.
		now := time.Now()
		l, err := s.ClaimLead(ctx, "acme", "spring", "bob", store.LeadPreview, now)
		if err != nil || l == nil || l.AgentID != "bob" || l.Status != store.LeadPreview || l.ClaimedBy != "bob" {
			t.Fatalf("claim %+v %v", l, err)
		}
		if cl, _ := s.ClaimedLead(ctx, "acme", "spring", "bob", store.LeadPreview); cl == nil || cl.ID != l.ID {
			t.Fatalf("claimed %+v", cl)
		}
		later := now.Add(time.Hour)
		l.Status, l.NextAt, l.ClaimedBy = store.LeadPending, &later, ""
		if err := s.MoveLead(ctx, l, store.LeadPreview); err != nil {
			t.Fatal(err)
		}
		if err := s.MoveLead(ctx, l, store.LeadPreview); !store.IsConflict(err) {
			t.Fatalf("stale move: %v", err)
		}
		l2, _ := s.ClaimLead(ctx, "acme", "spring", "bob", store.LeadDialing, now)
		if l2 == nil || l2.ID == l.ID || l2.AgentID != "bob" {
			t.Fatalf("second claim %+v", l2)
		}
		if other, _ := s.ClaimLead(ctx, "other", "spring", "bob", store.LeadDialing, now); other != nil {
			t.Fatalf("another tenant claimed %+v", other)
		}
		a := &store.CampaignAttempt{TenantID: "acme", CampaignID: "spring", LeadID: l2.ID, Kind: store.AttemptCall, AgentID: "bob"}
		if err := s.AddAttempt(ctx, a); err != nil || a.ID == 0 {
			t.Fatal(err)
		}
		end := time.Now()
		a.Outcome, a.EndedAt, a.Answers = "busy", &end, `{"q":"a"}`
		if err := s.UpdateAttempt(ctx, a); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetAttempt(ctx, "other", a.ID); !store.IsNotFound(err) {
			t.Fatalf("another tenant reads the attempt: %v", err)
		}
		list, err := s.ListAttempts(ctx, "acme", "spring", store.AttemptFilter{LeadID: l2.ID})
		if err != nil || len(list) != 1 || list[0].Outcome != "busy" || list[0].EndedAt == nil {
			t.Fatalf("attempts %+v %v", list, err)
		}
	})
}

func TestDNCLists(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		must := func(n int, err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(s.AddDNC(ctx, store.DNCPlatformTenant, store.DNCTenantScope, []string{"+8613800000001"}, "regulator"))
		must(s.AddDNC(ctx, "acme", store.DNCTenantScope, []string{"+8613800000002", "+8613800000002"}, "asked"))
		must(s.AddDNC(ctx, "acme", "spring", []string{"+8613800000003"}, "existing customer"))
		for _, tc := range []struct {
			tenant, campaign, number, scope string
			barred                          bool
		}{
			{"acme", "spring", "+8613800000001", "", true},
			{"other", "x", "+8613800000001", "", true},
			{"acme", "spring", "+8613800000002", "", true},
			{"other", "spring", "+8613800000002", "", false},
			{"acme", "spring", "+8613800000003", "spring", true},
			{"acme", "autumn", "+8613800000003", "", false},
			{"acme", "spring", "+8613800000009", "", false},
		} {
			e, err := s.MatchDNC(ctx, tc.tenant, tc.campaign, tc.number)
			if err != nil || (e != nil) != tc.barred || (e != nil && e.Scope != tc.scope) {
				t.Errorf("%+v: %+v %v", tc, e, err)
			}
		}
		list, _ := s.ListDNC(ctx, "acme", store.DNCTenantScope, 0)
		if len(list) != 1 || list[0].Reason != "asked" {
			t.Fatalf("%+v", list)
		}
		if err := s.RemoveDNC(ctx, "acme", "", "+8613800000002"); err != nil {
			t.Fatal(err)
		}
	})
}

func TestListLeadsSearch(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		leads := []store.Lead{
			{Phone: "+8613812345678", Name: "王小明", Row: 2},
			{Phone: "+8613900000001", Name: "Alice Smith", Row: 3},
			{Phone: "+8675588880001", Name: "100% Tea_House", Row: 4},
			{Phone: "+8613700000002", Name: "Bob", Row: 5},
		}
		if err := s.InsertLeads(ctx, "acme", "spring", leads); err != nil {
			t.Fatal(err)
		}
		if err := s.InsertLeads(ctx, "other", "spring", []store.Lead{{Phone: "+8613812345678", Name: "王小明", Row: 2}}); err != nil {
			t.Fatal(err)
		}
		names := func(f store.LeadFilter) string {
			t.Helper()
			got, err := s.ListLeads(ctx, "acme", "spring", f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, l := range got {
				out = append(out, l.Name)
			}
			return fmt.Sprint(out)
		}
		for _, c := range []struct{ search, want string }{
			{"138 1234", "[王小明]"},      // digits of the phone, spaces ignored
			{"小明", "[王小明]"},            // part of a Chinese name
			{"alice", "[Alice Smith]"}, // any case
			{"SMITH", "[Alice Smith]"},
			{"0755", "[]"}, // a national prefix is not in the E.164 number
			{"7558888", "[100% Tea_House]"},
			{"%", "[100% Tea_House]"}, // LIKE's wildcards are plain characters
			{"te_", "[]"},             // as a wildcard it would match "Tea"
			{"tea_", "[100% Tea_House]"},
			{"nobody", "[]"},
			{"  ", "[王小明 Alice Smith 100% Tea_House Bob]"},
		} {
			if got := names(store.LeadFilter{Search: c.search}); got != c.want {
				t.Errorf("search %q: got %s, want %s", c.search, got, c.want)
			}
		}
		if _, err := s.AssignLeads(ctx, "acme", "spring", []string{"bob"}, 1); err != nil {
			t.Fatal(err)
		}
		if got := names(store.LeadFilter{Search: "1", AgentID: "bob"}); got != "[王小明]" {
			t.Errorf("search with an agent: %s", got)
		}
	})
}

func TestSetLeadsAgent(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var leads []store.Lead
		for i := range 5 {
			leads = append(leads, store.Lead{Phone: fmt.Sprintf("+86138%08d", i), Name: fmt.Sprint("n", i), Row: i + 2})
		}
		if err := s.InsertLeads(ctx, "acme", "spring", leads); err != nil {
			t.Fatal(err)
		}
		if err := s.InsertLeads(ctx, "acme", "autumn", []store.Lead{{Phone: "+8613900000000", Row: 2}}); err != nil {
			t.Fatal(err)
		}
		all, _ := s.ListLeads(ctx, "acme", "spring", store.LeadFilter{})
		other, _ := s.ListLeads(ctx, "acme", "autumn", store.LeadFilter{})
		agentOf := func() string {
			t.Helper()
			got, err := s.ListLeads(ctx, "acme", "spring", store.LeadFilter{})
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, l := range got {
				out = append(out, l.AgentID)
			}
			return fmt.Sprint(out)
		}
		if err := s.SetLeadsAgent(ctx, "acme", "spring", []int64{all[1].ID, all[3].ID, all[1].ID}, "bob"); err != nil {
			t.Fatal(err)
		}
		if got := agentOf(); got != "[ bob  bob ]" {
			t.Fatalf("assigned: %s", got)
		}
		// A lead of another campaign (or tenant) in the list: none changes.
		for _, c := range []struct {
			tenant string
			ids    []int64
		}{{"acme", []int64{all[0].ID, other[0].ID}}, {"other", []int64{all[0].ID}}} {
			if err := s.SetLeadsAgent(ctx, c.tenant, "spring", c.ids, "carol"); !store.IsNotFound(err) {
				t.Fatalf("%s %v: %v", c.tenant, c.ids, err)
			}
		}
		if got := agentOf(); got != "[ bob  bob ]" {
			t.Fatalf("a refused assignment changed leads: %s", got)
		}
		if err := s.SetLeadsAgent(ctx, "acme", "spring", []int64{all[1].ID}, ""); err != nil {
			t.Fatal(err)
		}
		if got := agentOf(); got != "[   bob ]" {
			t.Fatalf("unassigned: %s", got)
		}
	})
}
