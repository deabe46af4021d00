package reports

import (
	"context"
	"reflect"
	"testing"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// Campaign calls count for an agent only when the agent talked on them: a
// machine the dialler screened (the reserved agent never rang) is nobody's
// call, and a callee abandoned because the agent's phone did not answer is
// a missed offer for that agent, with no talk (the abandon message is not
// a conversation). Records written before the dialler stopped naming such
// agents in agent_id are read the same way. On both databases.
func TestAgentCallsCountOnlyCampaignCallsTheAgentTook(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if err := st.CreateTenant(ctx, &store.Tenant{ID: "sh", Name: "Shanghai", Timezone: "Asia/Shanghai"}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []store.CallRecord{
			// k1 inbound in q1, b1 answered after 4 s ringing, talked 60 s.
			{ID: "k1", Direction: "inbound", StartedAt: sh("2026-11-01 09:00:00"), AnsweredAt: tp(sh("2026-11-01 09:00:00")), EndedAt: tp(sh("2026-11-01 09:01:10")),
				Disposition: "answered", QueueID: "q1", AgentID: "b1", WaitMS: 10000, RingMS: 4000, TalkMS: 60000, AgentsOffered: `["b1"]`},
			// p1 customer first: the callee answered 10:00:00, b1's phone
			// rang 4 s, they talked 90 s.
			{ID: "p1", Direction: "outbound", StartedAt: sh("2026-11-01 09:59:50"), AnsweredAt: tp(sh("2026-11-01 10:00:00")), EndedAt: tp(sh("2026-11-01 10:01:34")),
				Disposition: "answered", AgentID: "b1", RingMS: 4000, TalkMS: 90000, AgentsOffered: `["b1"]`},
			// p2 a machine (screened 10 s, message, hung up): no agent.
			{ID: "p2", Direction: "outbound", StartedAt: sh("2026-11-01 10:10:00"), AnsweredAt: tp(sh("2026-11-01 10:10:05")), EndedAt: tp(sh("2026-11-01 10:10:15")),
				Disposition: "machine"},
			// p3 a machine as records were written before: naming b1, who
			// was reserved for it but never rang.
			{ID: "p3", Direction: "outbound", StartedAt: sh("2026-11-01 10:20:00"), AnsweredAt: tp(sh("2026-11-01 10:20:05")), EndedAt: tp(sh("2026-11-01 10:20:15")),
				Disposition: "machine", AgentID: "b1"},
			// p4 the callee answered, b1's phone rang 10 s unanswered, the
			// callee heard the abandon message (15 s).
			{ID: "p4", Direction: "outbound", StartedAt: sh("2026-11-01 10:30:00"), AnsweredAt: tp(sh("2026-11-01 10:30:05")), EndedAt: tp(sh("2026-11-01 10:30:30")),
				Disposition: "abandoned", RingMS: 10000, AgentsOffered: `["b1"]`},
			// p5 the same as records were written before: naming b1.
			{ID: "p5", Direction: "outbound", StartedAt: sh("2026-11-01 10:40:00"), AnsweredAt: tp(sh("2026-11-01 10:40:05")), EndedAt: tp(sh("2026-11-01 10:40:30")),
				Disposition: "abandoned", AgentID: "b1", RingMS: 10000},
			// p6 predictive: no agent free, abandoned at once (no ring).
			{ID: "p6", Direction: "outbound", StartedAt: sh("2026-11-01 10:50:00"), AnsweredAt: tp(sh("2026-11-01 10:50:05")), EndedAt: tp(sh("2026-11-01 10:50:20")),
				Disposition: "abandoned"},
			// p7 predictive, b2 answered after 3 s ringing, talked 30 s.
			{ID: "p7", Direction: "outbound", StartedAt: sh("2026-11-01 11:00:00"), AnsweredAt: tp(sh("2026-11-01 11:00:05")), EndedAt: tp(sh("2026-11-01 11:00:38")),
				Disposition: "answered", AgentID: "b2", RingMS: 3000, TalkMS: 30000, AgentsOffered: `["b2"]`},
			// d1 b1's click-to-dial, connected 11:10:10-11:12:10 (talk from
			// the timestamps: 120 s).
			{ID: "d1", Direction: "outbound", StartedAt: sh("2026-11-01 11:10:00"), AnsweredAt: tp(sh("2026-11-01 11:10:10")), EndedAt: tp(sh("2026-11-01 11:12:10")),
				Disposition: "answered", AgentID: "b1"},
		} {
			c.TenantID = "sh"
			if err := st.SaveCall(ctx, &c); err != nil {
				t.Fatal(err)
			}
		}
		s := newService(st)
		rows, err := s.AgentCalls(ctx, query(t, twoDays))
		if err != nil {
			t.Fatal(err)
		}
		want := []AgentCallsRow{
			// b1: rang for k1, p1, p4 and p5, answered k1 and p1 (2 of 4);
			// made d1 and talked on p1 and d1: 90 + 120 s out, 60 s in.
			{Agent: "b1", Offered: 4, InboundAnswered: 1, ConnectRate: 0.5, Outbound: 2, OutboundConnected: 2,
				InboundTalkMS: 60000, OutboundTalkMS: 210000, TalkMS: 270000, AvgTalkMS: 90000},
			// b2: rang for p7 and took it (30 s).
			{Agent: "b2", Offered: 1, ConnectRate: 1, Outbound: 1, OutboundConnected: 1, OutboundTalkMS: 30000, TalkMS: 30000, AvgTalkMS: 30000},
		}
		if !reflect.DeepEqual(rows, want) {
			t.Fatalf("got  %+v\nwant %+v", rows, want)
		}
		// A queue filter keeps that queue's offers (campaign calls are in
		// no queue); the calls b1 made and talked on are not narrowed.
		rows, err = s.AgentCalls(ctx, query(t, twoDays+"&queue=q1&agent=b1"))
		if err != nil {
			t.Fatal(err)
		}
		want = []AgentCallsRow{{Agent: "b1", Offered: 1, InboundAnswered: 1, ConnectRate: 1, Outbound: 2, OutboundConnected: 2,
			InboundTalkMS: 60000, OutboundTalkMS: 210000, TalkMS: 270000, AvgTalkMS: 90000}}
		if !reflect.DeepEqual(rows, want) {
			t.Fatalf("queue q1: got  %+v\nwant %+v", rows, want)
		}
	})
}
