package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/schedule"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func TestRoutingRoundTripAndDecide(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc := &schedule.Schedule{Name: "business-hours", Timezone: "Asia/Shanghai",
			Weekly:   map[string][]string{"monday": {"09:00-18:00"}},
			Lunch:    []string{"12:00-13:30"},
			Holidays: []schedule.DateRange{{Name: "National Day", From: "2026-10-01", To: "2026-10-07"}}}
		if err := s.CreateSchedule(ctx, "a", sc); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateSchedule(ctx, "a", &schedule.Schedule{Name: "business-hours", Timezone: "UTC"}); !store.IsConflict(err) {
			t.Fatalf("duplicate schedule name: %v", err)
		}
		got, err := s.GetSchedule(ctx, "a", sc.ID)
		if err != nil || got.Name != sc.Name || got.Lunch[0] != "12:00-13:30" || got.Holidays[0].To != "2026-10-07" {
			t.Fatalf("get schedule: %+v %v", got, err)
		}
		if _, err := s.GetSchedule(ctx, "b", sc.ID); !store.IsNotFound(err) {
			t.Fatalf("schedule visible in another tenant: %v", err)
		}
		q := &dialplan.Target{Kind: dialplan.KindQueue, Ref: "sales"}
		r := &dialplan.Route{Name: "hotline", DID: "4001234567", Enabled: true, ScheduleID: sc.ID,
			Branches: dialplan.BranchTargets{Holiday: &dialplan.Target{Kind: dialplan.KindVoicemail, Ref: "hol"}},
			Default:  q, Sticky: dialplan.Sticky{Enabled: true, Days: 3}, Language: "en"}
		if err := s.CreateRoute(ctx, "a", r); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateRoute(ctx, "a", &dialplan.Route{Name: "dup", DID: "4001234567", Default: q}); !store.IsConflict(err) {
			t.Fatalf("duplicate DID: %v", err)
		}
		if err := s.CreateRoute(ctx, "b", &dialplan.Route{Name: "other tenant, same DID", DID: "4001234567", Enabled: true, Default: q}); err != nil {
			t.Fatalf("same DID in another tenant: %v", err)
		}
		gr, err := s.GetRoute(ctx, "a", r.ID)
		if err != nil || gr.Default.Ref != "sales" || gr.Branches.Holiday.Ref != "hol" || gr.Branches.Open != nil || !gr.Sticky.Enabled || gr.Sticky.Days != 3 || gr.Language != "en" {
			t.Fatalf("get route: %+v %v", gr, err)
		}
		gr.Enabled = false
		if err := s.UpdateRoute(ctx, "a", gr); err != nil {
			t.Fatal(err)
		}
		gr.Enabled = true
		if err := s.UpdateRoute(ctx, "a", gr); err != nil {
			t.Fatal(err)
		}
		if err := s.UpdateRoute(ctx, "b", gr); !store.IsNotFound(err) {
			t.Fatalf("update across tenants: %v", err)
		}
		if err := s.DeleteSchedule(ctx, "a", sc.ID); !store.IsConflict(err) || !strings.Contains(err.Error(), "hotline") {
			t.Fatalf("delete a schedule in use: %v", err)
		}

		past := time.Now().Add(-time.Hour)
		for _, e := range []dialplan.BlacklistEntry{
			{Number: "138000", Kind: dialplan.Prefix, Reason: "spam"},
			{Number: "13900000000", Kind: dialplan.Exact, ExpiresAt: &past},
		} {
			if err := s.AddBlacklist(ctx, "a", &e); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.AddBlacklist(ctx, "a", &dialplan.BlacklistEntry{Number: "138000", Kind: dialplan.Prefix}); !store.IsConflict(err) {
			t.Fatalf("duplicate blacklist entry: %v", err)
		}
		if err := s.AddWhitelist(ctx, "a", &dialplan.WhitelistEntry{Number: "13911112222", Kind: dialplan.Exact, Name: "VIP", Priority: 7}); err != nil {
			t.Fatal(err)
		}
		rule := &dialplan.CallerRule{Name: "beijing", Position: 1, Match: dialplan.MatchArea, Value: "010", Target: dialplan.Target{Kind: dialplan.KindQueue, Ref: "bj"}, Enabled: true, RouteID: r.ID}
		if err := s.CreateCallerRule(ctx, "a", rule); err != nil {
			t.Fatal(err)
		}
		if err := s.PutCallerList(ctx, "a", "partners", []string{"13500000001", "13500000001", "13500000002"}); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateCallerRule(ctx, "a", &dialplan.CallerRule{Name: "partners", Position: 2, Match: dialplan.MatchList, Value: "partners", Target: dialplan.Target{Kind: dialplan.KindExtension, Ref: "8001"}, Enabled: true}); err != nil {
			t.Fatal(err)
		}
		if ls, err := s.ListCallerLists(ctx, "a"); err != nil || len(ls) != 1 || ls[0].Count != 2 {
			t.Fatalf("caller lists: %+v %v", ls, err)
		}
		if err := s.PutRoutingSettings(ctx, "a", &dialplan.Settings{CountryCode: "86", BlacklistPrompts: map[string]string{"en": "Go away"}}); err != nil {
			t.Fatal(err)
		}

		tr, err := s.LoadRouting(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Routes) != 1 || len(tr.Schedules) != 1 || len(tr.Blacklist) != 1 || len(tr.Whitelist) != 1 || len(tr.CallerRules) != 2 || len(tr.Lists["partners"]) != 2 {
			t.Fatalf("loaded: %+v", tr)
		}
		loc, _ := time.LoadLocation("Asia/Shanghai")
		holiday := time.Date(2026, 10, 2, 10, 0, 0, 0, loc)
		cases := []struct{ ani, want string }{
			{"+8613800001111", "reject"},
			{"13900000000", "route voicemail hol"}, // expired blacklist entry
			{"+861088886666", "route queue bj"},
			{"13500000002", "route extension 8001"},
		}
		for _, c := range cases {
			d := dialplan.Decide(dialplan.Inbound{Tenant: "a", DID: "4001234567", ANI: c.ani}, tr, holiday)
			got := string(d.Action)
			if d.Action == dialplan.ActionRoute {
				got += " " + d.Target.String()
			}
			if got != c.want {
				t.Errorf("%s: %s, want %s\n%s", c.ani, got, c.want, strings.Join(d.Trace, "\n"))
			}
			if c.want == "reject" && d.Prompt != "Go away" {
				t.Errorf("prompt %q", d.Prompt)
			}
		}

		trB, err := s.LoadRouting(ctx, "b")
		if err != nil || len(trB.Routes) != 1 || len(trB.Blacklist) != 0 || len(trB.CallerRules) != 0 || len(trB.Schedules) != 0 {
			t.Fatalf("tenant b sees a's rows: %+v %v", trB, err)
		}

		if err := s.DeleteRoute(ctx, "a", r.ID); err != nil {
			t.Fatal(err)
		}
		if rs, _ := s.ListCallerRules(ctx, "a"); len(rs) != 1 || rs[0].Name != "partners" {
			t.Fatalf("route-scoped rules must go with their route: %+v", rs)
		}
		if err := s.DeleteSchedule(ctx, "a", sc.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteCallerList(ctx, "a", "partners"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetCallerList(ctx, "a", "partners"); !store.IsNotFound(err) {
			t.Fatalf("deleted list: %v", err)
		}
	})
}

func TestImportBlacklistIsAllOrNothing(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		if err := s.AddBlacklist(ctx, "a", &dialplan.BlacklistEntry{Number: "13800000000", Kind: dialplan.Exact, Reason: "old"}); err != nil {
			t.Fatal(err)
		}
		exp := time.Date(2027, 1, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
		added, updated, err := s.ImportBlacklist(ctx, "a", []dialplan.BlacklistEntry{
			{Number: "13800000000", Kind: dialplan.Exact, Reason: "new", ExpiresAt: &exp},
			{Number: "400", Kind: dialplan.Prefix, Reason: "toll-free spam"},
		})
		if err != nil || added != 1 || updated != 1 {
			t.Fatalf("import: %d %d %v", added, updated, err)
		}
		es, _ := s.ListBlacklist(ctx, "a")
		if len(es) != 2 || es[0].Reason != "new" || es[0].ExpiresAt == nil || !es[0].ExpiresAt.Equal(exp) {
			t.Fatalf("after import: %+v", es)
		}
		// A failing transaction stores nothing.
		before, _ := s.ListBlacklist(ctx, "a")
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, _, err := s.ImportBlacklist(cctx, "a", []dialplan.BlacklistEntry{{Number: "222", Kind: dialplan.Prefix}}); !errors.Is(err, context.Canceled) {
			t.Fatalf("import with a cancelled context: %v", err)
		}
		after, _ := s.ListBlacklist(ctx, "a")
		if len(after) != len(before) {
			t.Fatalf("failed import changed the list: %d -> %d", len(before), len(after))
		}
	})
}
