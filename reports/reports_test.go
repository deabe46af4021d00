package reports

import (
	"context"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

var (
	shanghai = mustLoc("Asia/Shanghai")
	newYork  = mustLoc("America/New_York")
)

func mustLoc(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// sh is a Shanghai wall-clock time (UTC+8, no DST).
func sh(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04:05", s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

func tp(t time.Time) *time.Time { return &t }
func ip(n int) *int             { return &n }

// seed writes the hand-checked data set of tenant "sh" (Asia/Shanghai).
// Times in the comments are Shanghai local time; the report range is
// 2026-11-01 00:00 to 2026-11-03 00:00 local.
func seed(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	for _, tn := range []store.Tenant{{ID: "sh", Name: "Shanghai", Timezone: "Asia/Shanghai"}, {ID: "ny", Name: "New York", Timezone: "America/New_York"}} {
		tn := tn
		if err := st.CreateTenant(ctx, &tn); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.CreateACDQueue(ctx, &store.ACDQueue{TenantID: "sh", ID: "q1", Name: "Sales", Strategy: "longest-idle", Config: "{}"}); err != nil {
		t.Fatal(err)
	}
	calls := []store.CallRecord{
		// c1 11-01 09:10 q1 answered by a1: waited 12 s (4 s ringing), talked 60 s.
		{ID: "c1", ANI: "13800000001", DNIS: "4001", StartedAt: sh("2026-11-01 09:10:00"), AnsweredAt: tp(sh("2026-11-01 09:10:00")), EndedAt: tp(sh("2026-11-01 09:11:17")),
			Disposition: "answered", QueueID: "q1", AgentID: "a1", IVRMS: 5000, WaitMS: 12000, RingMS: 4000, TalkMS: 60000, AgentsOffered: `["a1"]`},
		// c2 11-01 09:40 q1 abandoned after 30 s in the queue.
		{ID: "c2", ANI: "13800000002", DNIS: "4001", StartedAt: sh("2026-11-01 09:40:00"), EndedAt: tp(sh("2026-11-01 09:40:33")),
			Disposition: "abandoned_queue", QueueID: "q1", IVRMS: 3000, WaitMS: 30000},
		// c11 11-01 09:55 hung up in the IVR.
		{ID: "c11", ANI: "13800000011", DNIS: "4001", StartedAt: sh("2026-11-01 09:55:00"), EndedAt: tp(sh("2026-11-01 09:55:15")),
			Disposition: "abandoned_ivr", IVRMS: 15000},
		// c3 11-01 23:50 → 11-02 00:10 (crosses midnight) q1: rang a1 20 s
		// (no answer), then a2 5 s; waited 25 s, talked 19 min.
		{ID: "c3", ANI: "13800000003", DNIS: "4001", StartedAt: sh("2026-11-01 23:50:00"), AnsweredAt: tp(sh("2026-11-01 23:50:00")), EndedAt: tp(sh("2026-11-02 00:09:25")),
			Disposition: "answered", QueueID: "q1", AgentID: "a2", WaitMS: 25000, RingMS: 5000, TalkMS: 1140000, AgentsOffered: `["a1","a2"]`},
		// c4 11-02 10:05 q2 abandoned while a2 rang (8 s).
		{ID: "c4", ANI: "13900000004", DNIS: "4002", StartedAt: sh("2026-11-02 10:05:00"), EndedAt: tp(sh("2026-11-02 10:05:08")),
			Disposition: "abandoned_ringing", QueueID: "q2", WaitMS: 8000, RingMS: 8000, AgentsOffered: `["a2"]`},
		// c5 11-02 10:30 served by the IVR alone.
		{ID: "c5", ANI: "13800000001", DNIS: "4003", StartedAt: sh("2026-11-02 10:30:00"), AnsweredAt: tp(sh("2026-11-02 10:30:00")), EndedAt: tp(sh("2026-11-02 10:30:40")),
			Disposition: "ivr_completed", IVRMS: 40000},
		// c6 11-02 11:00 a1 dials out, connected 11:00:10-11:02:10 (talk_ms
		// not filled: 120 s from the timestamps).
		{ID: "c6", Direction: "outbound", ANI: "8001", DNIS: "02155550000", StartedAt: sh("2026-11-02 11:00:00"), AnsweredAt: tp(sh("2026-11-02 11:00:10")),
			EndedAt: tp(sh("2026-11-02 11:02:10")), Disposition: "answered", AgentID: "a1"},
		// c7 11-02 11:30 a1 dials a colleague's phone (direction internal,
		// as the recorder writes a click-to-dial to an extension), busy:
		// still a call a1 made.
		{ID: "c7", Direction: "internal", ANI: "8001", DNIS: "02155550001", StartedAt: sh("2026-11-02 11:30:00"), EndedAt: tp(sh("2026-11-02 11:30:45")),
			Disposition: "busy", AgentID: "a1"},
		// c10 11-02 14:00 q2 answered by a2 after 21 s (3 s ringing), talk 30 s.
		{ID: "c10", ANI: "13800000010", DNIS: "4002", StartedAt: sh("2026-11-02 14:00:00"), AnsweredAt: tp(sh("2026-11-02 14:00:00")), EndedAt: tp(sh("2026-11-02 14:00:51")),
			Disposition: "answered", QueueID: "q2", AgentID: "a2", WaitMS: 21000, RingMS: 3000, TalkMS: 30000, AgentsOffered: `["a2"]`},
		// Outside the range: the minute before and the instant it ends.
		{ID: "c8", ANI: "13800000008", StartedAt: sh("2026-10-31 23:59:00"), Disposition: "answered", QueueID: "q1", AgentID: "a1", WaitMS: 1000, TalkMS: 5000, AgentsOffered: `["a1"]`},
		{ID: "c9", ANI: "13800000009", StartedAt: sh("2026-11-03 00:00:00"), Disposition: "answered", QueueID: "q1", AgentID: "a1", WaitMS: 1000, TalkMS: 5000},
	}
	for i := range calls {
		c := calls[i]
		c.TenantID = "sh"
		if c.Direction == "" {
			c.Direction = "inbound"
		}
		if err := st.SaveCall(ctx, &c); err != nil {
			t.Fatal(err)
		}
	}
	// Another tenant's call at the same time must never show.
	if err := st.SaveCall(ctx, &store.CallRecord{TenantID: "ny", ID: "x1", Direction: "inbound", ANI: "13800000001", StartedAt: sh("2026-11-01 09:10:00"),
		Disposition: "abandoned_queue", QueueID: "q1", AgentsOffered: `["a1"]`}); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"a1", "a2"} {
		if err := st.SaveACDAgentState(ctx, &store.ACDAgentState{TenantID: "sh", AgentID: a, State: "available", Since: sh("2026-11-01 00:00:00")}); err != nil {
			t.Fatal(err)
		}
	}
	logs := []struct{ agent, at, from, to, reason, call, by string }{
		{"a1", "2026-10-31 20:00:00", "logged-out", "available", "", "", ""},
		{"a1", "2026-11-01 09:10:00", "available", "ringing", "", "c1", ""},
		{"a1", "2026-11-01 09:10:04", "ringing", "on-call", "", "c1", ""},
		{"a1", "2026-11-01 09:11:04", "on-call", "wrap-up", "", "c1", ""},
		{"a1", "2026-11-01 09:11:34", "wrap-up", "available", "", "", ""},
		{"a1", "2026-11-01 12:00:00", "available", "not-ready", "lunch", "", ""},
		{"a1", "2026-11-01 13:00:00", "not-ready", "available", "", "", ""},
		{"a1", "2026-11-01 23:50:00", "available", "ringing", "", "c3", ""},
		{"a1", "2026-11-01 23:50:20", "ringing", "not-ready", "no-answer", "c3", ""},
		{"a1", "2026-11-01 23:55:00", "not-ready", "available", "", "", "sup1"},
		{"a1", "2026-11-02 18:00:00", "available", "logged-out", "", "", ""},
		{"a2", "2026-11-01 23:00:00", "logged-out", "available", "", "", ""},
		{"a2", "2026-11-01 23:50:20", "available", "ringing", "", "c3", ""},
		{"a2", "2026-11-01 23:50:25", "ringing", "on-call", "", "c3", ""},
		{"a2", "2026-11-02 00:09:25", "on-call", "wrap-up", "", "c3", ""},
		{"a2", "2026-11-02 00:10:00", "wrap-up", "available", "", "", ""},
	}
	for _, l := range logs {
		if err := st.AddACDAgentLog(ctx, &store.ACDAgentLogEntry{TenantID: "sh", AgentID: l.agent, At: sh(l.at), FromState: l.from, ToState: l.to,
			Reason: l.reason, CallID: l.call, By: l.by}); err != nil {
			t.Fatal(err)
		}
	}
	surveys := []store.SurveyResult{
		{CallID: "c3", Score: 3, CreatedAt: sh("2026-11-02 00:11:00")}, // agent from the call: a2
		{CallID: "c10", AgentID: "a2", Score: 4, CreatedAt: sh("2026-11-02 14:02:00")},
		{CallID: "c8", AgentID: "a1", Score: 1, CreatedAt: sh("2026-11-01 00:01:00")}, // its call is before the range
	}
	for i := range surveys {
		surveys[i].TenantID = "sh"
		if err := st.AddSurveyResult(ctx, &surveys[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.SaveRecording(ctx, &store.RecordingRow{TenantID: "sh", ID: "r3", CallID: "c3", AgentID: "a2", Path: "/rec/r3.wav", StartedAt: sh("2026-11-01 23:50:25")}); err != nil {
		t.Fatal(err)
	}
}

func query(t *testing.T, params string) Query {
	t.Helper()
	v, err := url.ParseQuery(params)
	if err != nil {
		t.Fatal(err)
	}
	q, err := ParseQuery(v, "sh", shanghai, sh("2026-11-20 00:00:00"))
	if err != nil {
		t.Fatal(err)
	}
	return q
}

const twoDays = "from=2026-11-01&to=2026-11-03"

func newService(st *store.Store) *Service {
	return New(st, func() time.Time { return sh("2026-11-20 00:00:00") })
}

func TestReports(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		seed(t, st)
		s := newService(st)
		ctx := context.Background()

		t.Run("calls search pages newest first", func(t *testing.T) {
			q := query(t, twoDays+"&limit=4")
			var ids []string
			pages := 0
			for {
				pages++
				next, err := s.Calls(ctx, q, func(r *CallRow) error { ids = append(ids, r.ID); return nil })
				if err != nil {
					t.Fatal(err)
				}
				if next == "" {
					break
				}
				q.Cursor = next
			}
			// 9 calls in range (c8 before, c9 at the end, x1 another tenant's).
			want := []string{"c10", "c7", "c6", "c5", "c4", "c3", "c11", "c2", "c1"}
			if !reflect.DeepEqual(ids, want) || pages != 3 {
				t.Fatalf("got %v in %d pages, want %v in 3", ids, pages, want)
			}
		})
		t.Run("calls search by partial number", func(t *testing.T) {
			for _, tc := range []struct {
				number string
				want   []string
			}{
				{"0000000", []string{"c5", "c4", "c3", "c2", "c1"}}, // seven zeros in a row: not c10 (…00010) or c11 (…00011)
				{"3900", []string{"c4"}},
				{"02155", []string{"c7", "c6"}}, // the dialled number of outbound calls
				{"1_8", nil},                    // _ is literal, not a wildcard
			} {
				var ids []string
				if _, err := s.Calls(ctx, query(t, twoDays+"&number="+tc.number), func(r *CallRow) error { ids = append(ids, r.ID); return nil }); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(ids, tc.want) {
					t.Errorf("number %s: got %v, want %v", tc.number, ids, tc.want)
				}
			}
		})
		t.Run("call row carries times in the tenant zone", func(t *testing.T) {
			var got *CallRow
			if _, err := s.Calls(ctx, query(t, twoDays+"&number=13800000003"), func(r *CallRow) error { got = r; return nil }); err != nil {
				t.Fatal(err)
			}
			// 23:50:00 → 00:09:25 = 1,165,000 ms.
			if got == nil || got.StartedAt.Format(time.RFC3339) != "2026-11-01T23:50:00+08:00" || got.DurationMS != 1165000 || got.Agent != "a2" {
				t.Fatalf("got %+v", got)
			}
			if rec := got.CSV(); rec[4] != "2026-11-01 23:50:00" || rec[6] != "2026-11-02 00:09:25" || len(rec) != len(CallHeader) {
				t.Fatalf("csv %q", rec)
			}
		})
		t.Run("hourly", func(t *testing.T) {
			h, err := s.Hourly(ctx, query(t, twoDays))
			if err != nil {
				t.Fatal(err)
			}
			if len(h.Days) != 48 || len(h.Totals) != 24 {
				t.Fatalf("%d day slots, %d totals", len(h.Days), len(h.Totals))
			}
			nonZero := map[string][2]int64{}
			for _, d := range h.Days {
				if d.Offered > 0 {
					nonZero[d.Date+"/"+itoa(d.Hour)] = [2]int64{d.Offered, d.Answered}
				}
			}
			// 11-01 09: c1 (answered), c2, c11; 11-01 23: c3 (answered, ends
			// the next day but counts where it started); 11-02 10: c4, c5;
			// 11-02 14: c10 (answered). Outbound c6, c7 are not traffic in.
			want := map[string][2]int64{"2026-11-01/9": {3, 1}, "2026-11-01/23": {1, 1}, "2026-11-02/10": {2, 0}, "2026-11-02/14": {1, 1}}
			if !reflect.DeepEqual(nonZero, want) {
				t.Fatalf("days %v, want %v", nonZero, want)
			}
			tot := map[int][2]int64{}
			for _, d := range h.Totals {
				if d.Offered > 0 {
					tot[d.Hour] = [2]int64{d.Offered, d.Answered}
				}
			}
			if !reflect.DeepEqual(tot, map[int][2]int64{9: {3, 1}, 10: {2, 0}, 14: {1, 1}, 23: {1, 1}}) {
				t.Fatalf("totals %v", tot)
			}
		})
		t.Run("queues", func(t *testing.T) {
			rows, err := s.Queues(ctx, query(t, twoDays))
			if err != nil {
				t.Fatal(err)
			}
			want := []QueueRow{
				// q1: c1 (answered, wait 12 s, talk 60 s), c2 (abandoned, 30 s), c3
				// (answered, 25 s, 1,140 s). Abandon rate 1/3; wait (12+30+25)/3
				// = 22.333 s; speed of answer (12+25)/2 = 18.5 s; talk
				// (60+1140)/2 = 600 s; within 20 s: c1 → 1/3.
				{Queue: "q1", Name: "Sales", Offered: 3, Answered: 2, Abandoned: 1, AbandonRate: 0.3333, AvgWaitMS: 22333, MaxWaitMS: 30000,
					AvgAnswerMS: 18500, AvgTalkMS: 600000, ServiceLevelThresholdMS: 20000, AnsweredInSL: 1, ServiceLevel: 0.3333},
				// q2: c4 (abandoned ringing, 8 s), c10 (answered after 21 s, 30 s
				// talk): rate 1/2, wait 14.5 s, none within 20 s.
				{Queue: "q2", Offered: 2, Answered: 1, Abandoned: 1, AbandonRate: 0.5, AvgWaitMS: 14500, MaxWaitMS: 21000,
					AvgAnswerMS: 21000, AvgTalkMS: 30000, ServiceLevelThresholdMS: 20000, AnsweredInSL: 0, ServiceLevel: 0},
			}
			if !reflect.DeepEqual(rows, want) {
				t.Fatalf("got  %+v\nwant %+v", rows, want)
			}
			// With a 30 s threshold c3 (25 s) is inside too: q1 2/3, q2 1/2.
			rows, err = s.Queues(ctx, query(t, twoDays+"&sl_ms=30000"))
			if err != nil {
				t.Fatal(err)
			}
			if rows[0].ServiceLevel != 0.6667 || rows[1].ServiceLevel != 0.5 {
				t.Fatalf("sl=30: %+v", rows)
			}
		})
		t.Run("agent calls", func(t *testing.T) {
			rows, err := s.AgentCalls(ctx, query(t, twoDays))
			if err != nil {
				t.Fatal(err)
			}
			want := []AgentCallsRow{
				// a1: offered c1 and c3, answered c1 (60 s); dialled c6 (120 s
				// from its timestamps) and c7 (no answer). Talk 180 s over 2 calls.
				{Agent: "a1", Offered: 2, InboundAnswered: 1, ConnectRate: 0.5, Outbound: 2, OutboundConnected: 1,
					InboundTalkMS: 60000, OutboundTalkMS: 120000, TalkMS: 180000, AvgTalkMS: 90000},
				// a2: offered c3, c4, c10; answered c3 (1,140 s) and c10 (30 s).
				{Agent: "a2", Offered: 3, InboundAnswered: 2, ConnectRate: 0.6667, InboundTalkMS: 1170000, TalkMS: 1170000, AvgTalkMS: 585000},
			}
			if !reflect.DeepEqual(rows, want) {
				t.Fatalf("got  %+v\nwant %+v", rows, want)
			}
			rows, err = s.AgentCalls(ctx, query(t, twoDays+"&agent=a2&queue=q2"))
			if err != nil {
				t.Fatal(err)
			}
			// In q2 only: offered c4, c10; answered c10.
			if len(rows) != 1 || rows[0].Offered != 2 || rows[0].InboundAnswered != 1 || rows[0].TalkMS != 30000 {
				t.Fatalf("a2 in q2: %+v", rows)
			}
		})
		t.Run("agent service time", func(t *testing.T) {
			rows, err := s.AgentService(ctx, query(t, twoDays))
			if err != nil {
				t.Fatal(err)
			}
			want := []ServiceRow{
				// a1 logged in since 10-31 20:00 counts from 11-01 00:00 to the
				// logout 11-02 18:00 = 42 h. Ready: 00:00-09:10 (33,000,000) +
				// 09:11:34-12:00 (10,106,000) + 13:00-23:50 (39,000,000) + 23:55
				// -18:00 (65,100,000); lunch 1 h; no-answer 23:50:20-23:55 (280 s).
				{Agent: "a1", LoggedInMS: 151200000, ReadyMS: 147206000, NotReadyMS: 3880000,
					NotReadyByReason: map[string]int64{"lunch": 3600000, "no-answer": 280000}, RingingMS: 24000, OnCallMS: 60000, WrapUpMS: 30000},
				// a2 from 11-01 23:00, still available at the end 11-03 00:00 = 25 h:
				// ready 50m20s + 23h50m, ringing 5 s, call 19 min, wrap-up 35 s.
				{Agent: "a2", LoggedInMS: 90000000, ReadyMS: 88820000, NotReadyByReason: map[string]int64{}, RingingMS: 5000, OnCallMS: 1140000, WrapUpMS: 35000},
			}
			if !reflect.DeepEqual(rows, want) {
				t.Fatalf("got  %+v\nwant %+v", rows, want)
			}
			rows, err = s.AgentService(ctx, query(t, twoDays+"&by=day"))
			if err != nil {
				t.Fatal(err)
			}
			want = []ServiceRow{
				// a1's first day is fully logged in; the no-answer break and the
				// forced resume are before midnight.
				{Agent: "a1", Date: "2026-11-01", LoggedInMS: 86400000, ReadyMS: 82406000, NotReadyMS: 3880000,
					NotReadyByReason: map[string]int64{"lunch": 3600000, "no-answer": 280000}, RingingMS: 24000, OnCallMS: 60000, WrapUpMS: 30000},
				{Agent: "a1", Date: "2026-11-02", LoggedInMS: 64800000, ReadyMS: 64800000, NotReadyByReason: map[string]int64{}},
				// a2's call 23:50:25-00:09:25 splits 575 s / 565 s at midnight.
				{Agent: "a2", Date: "2026-11-01", LoggedInMS: 3600000, ReadyMS: 3020000, NotReadyByReason: map[string]int64{}, RingingMS: 5000, OnCallMS: 575000},
				{Agent: "a2", Date: "2026-11-02", LoggedInMS: 86400000, ReadyMS: 85800000, NotReadyByReason: map[string]int64{}, OnCallMS: 565000, WrapUpMS: 35000},
			}
			if !reflect.DeepEqual(rows, want) {
				t.Fatalf("by day got  %+v\nwant %+v", rows, want)
			}
			// Asked at 11-02 12:00, a2's open state ends now: ready 50m20s +
			// 00:10-12:00 (42,600,000).
			early := New(st, func() time.Time { return sh("2026-11-02 12:00:00") })
			rows, err = early.AgentService(ctx, query(t, twoDays+"&agent=a2"))
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 1 || rows[0].ReadyMS != 45620000 || rows[0].LoggedInMS != 45620000+5000+1140000+35000 {
				t.Fatalf("a2 at noon: %+v", rows)
			}
		})
		t.Run("agent operations", func(t *testing.T) {
			var got []string
			q := query(t, twoDays+"&limit=6")
			for {
				next, err := s.Operations(ctx, q, func(r *OperationRow) error {
					s := r.Agent + " " + r.Operation
					if r.Forced {
						s += " by " + r.By
					}
					got = append(got, s)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if next == "" {
					break
				}
				q.Cursor = next
			}
			want := []string{"a1 logout", "a2 wrap_up_end", "a2 wrap_up", "a1 resume by sup1", "a1 no_answer", "a2 login",
				"a1 resume", "a1 break", "a1 wrap_up_end", "a1 wrap_up"}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("got  %q\nwant %q", got, want)
			}
			n := 0
			if _, err := s.Operations(ctx, query(t, twoDays+"&include=calls&limit=1000"), func(*OperationRow) error { n++; return nil }); err != nil {
				t.Fatal(err)
			}
			if n != 15 { // every transition in the range: a1 10, a2 5
				t.Fatalf("with calls: %d rows, want 15", n)
			}
		})
		t.Run("abandoned with dial-back", func(t *testing.T) {
			var rows []*AbandonedRow
			if _, err := s.Abandoned(ctx, query(t, twoDays), func(r *AbandonedRow) error { rows = append(rows, r); return nil }); err != nil {
				t.Fatal(err)
			}
			if len(rows) != 2 || rows[0].ID != "c4" || rows[1].ID != "c2" || rows[1].WaitedMS != 30000 || rows[1].Queue != "q1" {
				t.Fatalf("got %+v", rows)
			}
			want := &DialBack{Method: "POST", Path: "/api/v1/agent/dial", Body: map[string]string{"number": "13900000004", "parent": "c4"}}
			if !reflect.DeepEqual(rows[0].DialBack, want) {
				t.Fatalf("dial back %+v", rows[0].DialBack)
			}
			var ids []string
			if _, err := s.Abandoned(ctx, query(t, twoDays+"&include=ivr"), func(r *AbandonedRow) error { ids = append(ids, r.ID); return nil }); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ids, []string{"c4", "c11", "c2"}) {
				t.Fatalf("with ivr %v", ids)
			}
		})
		t.Run("waits", func(t *testing.T) {
			var rows []*WaitRow
			if _, err := s.Waits(ctx, query(t, twoDays+"&queue=q1"), func(r *WaitRow) error { rows = append(rows, r); return nil }); err != nil {
				t.Fatal(err)
			}
			// c3: 25 s from queue to answer = 20 s waiting + 5 s ringing a2.
			if len(rows) != 3 || rows[0].ID != "c3" || rows[0].QueueMS != 20000 || rows[0].RingMS != 5000 || rows[0].WaitMS != 25000 ||
				rows[2].ID != "c1" || rows[2].IVRMS != 5000 || rows[2].QueueMS != 8000 {
				t.Fatalf("got %+v %+v", rows[0], rows[len(rows)-1])
			}
		})
		t.Run("satisfaction", func(t *testing.T) {
			rows, err := s.Satisfaction(ctx, query(t, twoDays))
			if err != nil {
				t.Fatal(err)
			}
			want := []SatisfactionRow{
				// a1 handled c1, not surveyed; the survey of c8 is outside the range.
				{Agent: "a1", Handled: 1, Scores: map[string]int64{}},
				// a2 handled c3 (3, agent taken from the call) and c10 (4).
				{Agent: "a2", Handled: 2, Surveys: 2, Participation: 1, Scores: map[string]int64{"3": 1, "4": 1}, Average: 3.5},
			}
			if !reflect.DeepEqual(rows, want) {
				t.Fatalf("got  %+v\nwant %+v", rows, want)
			}
			var sv []*SurveyRow
			if _, err := s.Surveys(ctx, query(t, twoDays), func(r *SurveyRow) error { sv = append(sv, r); return nil }); err != nil {
				t.Fatal(err)
			}
			if len(sv) != 2 || sv[0].CallID != "c10" || len(sv[0].Recordings) != 0 || sv[1].CallID != "c3" || sv[1].Agent != "a2" ||
				!reflect.DeepEqual(sv[1].Recordings, []RecordingLink{{ID: "r3", Audio: "/api/v1/recordings/r3/audio"}}) {
				t.Fatalf("surveys %+v", sv)
			}
		})
	})
}

func itoa(n int) string { return i64(int64(n)) }
