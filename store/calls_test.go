package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func TestCallDetailsAndLegs(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		start := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
		ans := start.Add(5 * time.Second)
		in := &store.CallRecord{TenantID: "t1", ID: "c1", Switch: "sw1", Leg: "leg-caller", Direction: "inbound", ANI: "13800138000", DNIS: "4001",
			StartedAt: start, AnsweredAt: &ans, QueueID: "support", AgentID: "bob", Disposition: "answered", Trunk: "gw-unicom",
			IVRPath: `["main/welcome","main/menu"]`, AgentsOffered: `["ann","bob"]`, Transfers: 1, HoldMS: 1500}
		out := &store.CallRecord{TenantID: "t1", ID: "c2", Switch: "sw1", Leg: "leg-agent", Direction: "internal", ANI: "2002", DNIS: "3005", StartedAt: start.Add(time.Minute), AgentID: "cid"}
		other := &store.CallRecord{TenantID: "t2", ID: "c3", Switch: "sw1", Leg: "leg-x", Direction: "inbound", StartedAt: start}
		for _, c := range []*store.CallRecord{in, out, other} {
			if err := s.SaveCall(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		legs := []store.CallLeg{
			{TenantID: "t1", CallID: "c1", LegID: "leg-caller", Role: "caller", Endpoint: "13800138000", StartedAt: start, AnsweredAt: &ans},
			{TenantID: "t1", CallID: "c1", LegID: "leg-ann", Role: "agent", Endpoint: "2001", AgentID: "ann", StartedAt: start.Add(10 * time.Second)},
			{TenantID: "t1", CallID: "c1", LegID: "leg-bob", Role: "agent", Endpoint: "2002", AgentID: "bob", StartedAt: start.Add(20 * time.Second), AnsweredAt: &ans},
		}
		for i := range legs {
			if err := s.SaveCallLeg(ctx, &legs[i]); err != nil {
				t.Fatal(err)
			}
		}
		end := start.Add(40 * time.Second)
		legs[1].EndedAt, legs[1].HangupCause = &end, "NO_ANSWER"
		if err := s.SaveCallLeg(ctx, &legs[1]); err != nil {
			t.Fatal(err)
		}
		got, err := s.ListCallLegs(ctx, "t1", "c1")
		if err != nil || len(got) != 3 || got[0].Role != "caller" || got[1].HangupCause != "NO_ANSWER" || got[1].EndedAt == nil || got[2].AgentID != "bob" {
			t.Fatalf("legs %+v %v", got, err)
		}

		t.Run("filters", func(t *testing.T) {
			tests := []struct {
				name string
				f    store.CallFilter
				want []string
			}{
				{"queue", store.CallFilter{Queue: "support"}, []string{"c1"}},
				{"direction", store.CallFilter{Direction: "internal"}, []string{"c2"}},
				{"agent who answered", store.CallFilter{Agent: "cid"}, []string{"c2"}},
				{"agent who was only rung", store.CallFilter{Agent: "ann"}, []string{"c1"}},
				{"no match", store.CallFilter{Agent: "nobody"}, nil},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					calls, err := s.ListCalls(ctx, "t1", tt.f)
					if err != nil {
						t.Fatal(err)
					}
					var ids []string
					for _, c := range calls {
						ids = append(ids, c.ID)
					}
					if len(ids) != len(tt.want) || (len(ids) > 0 && ids[0] != tt.want[0]) {
						t.Fatalf("got %v, want %v", ids, tt.want)
					}
				})
			}
		})

		t.Run("wrap-up, survey and voicemail survive a later save", func(t *testing.T) {
			if err := s.SetCallWrapUp(ctx, "t1", "c1", 7*time.Second); err != nil {
				t.Fatal(err)
			}
			if err := s.SetCallSurvey(ctx, "t1", "c1", 2); err != nil {
				t.Fatal(err)
			}
			in.VoicemailID = "42"
			if err := s.SaveCall(ctx, in); err != nil {
				t.Fatal(err)
			}
			in.VoicemailID = ""
			in.EndedAt = &end
			if err := s.SaveCall(ctx, in); err != nil { // the final save knows none of them
				t.Fatal(err)
			}
			c, err := s.GetCall(ctx, "t1", "c1")
			if err != nil {
				t.Fatal(err)
			}
			if c.WrapUpMS != 7000 || c.SurveyScore == nil || *c.SurveyScore != 2 || c.VoicemailID != "42" || c.Trunk != "gw-unicom" || c.HoldMS != 1500 || c.Transfers != 1 || c.AgentsOffered != `["ann","bob"]` {
				t.Fatalf("record %+v", c)
			}
			if err := s.SetCallWrapUp(ctx, "t1", "missing", time.Second); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("wrap-up of a missing call: %v", err)
			}
		})

		t.Run("open calls and legs after a restart", func(t *testing.T) {
			c, l, err := s.OpenCallOfLeg(ctx, "sw1", "leg-agent")
			if err != nil || c.ID != "c2" || l != nil {
				t.Fatalf("first leg: %+v %+v %v", c, l, err)
			}
			if err := s.SaveCallLeg(ctx, &store.CallLeg{TenantID: "t1", CallID: "c2", LegID: "leg-callee", Role: "extension", StartedAt: start}); err != nil {
				t.Fatal(err)
			}
			c, l, err = s.OpenCallOfLeg(ctx, "sw1", "leg-callee")
			if err != nil || c.ID != "c2" || l == nil || l.Role != "extension" {
				t.Fatalf("other leg: %+v %+v %v", c, l, err)
			}
			// c1 ended: its legs are no longer adoptable.
			if _, _, err := s.OpenCallOfLeg(ctx, "sw1", "leg-bob"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("leg of an ended call: %v", err)
			}
			if _, _, err := s.OpenCallOfLeg(ctx, "sw2", "leg-agent"); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("leg on another switch: %v", err)
			}
			open, openLegs, err := s.OpenCalls(ctx, "sw1")
			if err != nil || len(open) != 2 || len(openLegs) != 1 {
				t.Fatalf("open: %d calls %d legs %v", len(open), len(openLegs), err)
			}
			at := start.Add(time.Hour)
			ok, err := s.EndUnobserved(ctx, "t1", "c2", at)
			if err != nil || !ok {
				t.Fatalf("end unobserved: %v %v", ok, err)
			}
			if ok, _ := s.EndUnobserved(ctx, "t1", "c2", at.Add(time.Hour)); ok {
				t.Fatal("a completed record was completed again")
			}
			c, err = s.GetCall(ctx, "t1", "c2")
			if err != nil || c.EndedAt == nil || !c.EndedAt.Equal(at) || c.HangupCause != "unknown" || c.HangupBy != "unobserved" || c.Disposition != "ended" {
				t.Fatalf("completed record %+v %v", c, err)
			}
			legs, _ := s.ListCallLegs(ctx, "t1", "c2")
			if len(legs) != 1 || legs[0].EndedAt == nil || legs[0].HangupCause != "unknown" {
				t.Fatalf("legs %+v", legs)
			}
		})
	})
}

// An agent's own open call (click-to-dial) is found, with the state the
// agent had before dialling; inbound calls, ended calls and other tenants'
// calls are not.
func TestOpenAgentCall(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		start := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
		ended := start.Add(time.Minute)
		for _, c := range []*store.CallRecord{
			{TenantID: "t1", ID: "in", Direction: "inbound", AgentID: "bob", StartedAt: start.Add(-time.Hour)},
			{TenantID: "t1", ID: "done", Direction: "outbound", AgentID: "bob", StartedAt: start.Add(-time.Minute), EndedAt: &ended},
			{TenantID: "t2", ID: "elsewhere", Direction: "outbound", AgentID: "bob", StartedAt: start.Add(-2 * time.Minute)},
			{TenantID: "t1", ID: "newer", Direction: "internal", AgentID: "bob", StartedAt: start.Add(time.Second)},
			{TenantID: "t1", ID: "open", Direction: "outbound", AgentID: "bob", StartedAt: start, AgentResume: "not-ready:lunch"},
		} {
			if err := s.SaveCall(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		c, err := s.OpenAgentCall(ctx, "t1", "bob")
		if err != nil || c.ID != "open" || c.AgentResume != "not-ready:lunch" {
			t.Fatalf("open call %+v, %v", c, err)
		}
		if _, err := s.OpenAgentCall(ctx, "t1", "ann"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("ann has no open call: %v", err)
		}
	})
}

// A later write of a leg that does not know who was on it (the call's end,
// rebuilt from its trace) keeps the person an earlier write named.
func TestSaveCallLegKeepsWho(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		start := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
		end := start.Add(time.Minute)
		l := store.CallLeg{TenantID: "t1", CallID: "c1", LegID: "spy", Role: "listen", Endpoint: "2009", AgentID: "sup-1", StartedAt: start}
		if err := s.SaveCallLeg(ctx, &l); err != nil {
			t.Fatal(err)
		}
		later := store.CallLeg{TenantID: "t1", CallID: "c1", LegID: "spy", Role: "barge", Endpoint: "user/2009", StartedAt: start, EndedAt: &end}
		if err := s.SaveCallLeg(ctx, &later); err != nil {
			t.Fatal(err)
		}
		legs, err := s.ListCallLegs(ctx, "t1", "c1")
		if err != nil || len(legs) != 1 {
			t.Fatalf("legs %+v %v", legs, err)
		}
		if g := legs[0]; g.AgentID != "sup-1" || g.Role != "barge" || g.Endpoint != "user/2009" || g.EndedAt == nil {
			t.Fatalf("leg %+v", g)
		}
	})
}
