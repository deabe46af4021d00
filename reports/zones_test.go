package reports

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// TestHourlyAcrossZones places calls in local hours for zones with a DST
// change and with half- and quarter-hour offsets.
func TestHourlyAcrossZones(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		for _, tc := range []struct {
			zone  string
			calls []string // UTC start times; the first is answered
			want  map[string]int64
		}{
			{
				// New York leaves DST on 2026-11-01 at 02:00 EDT (06:00Z), so the
				// day 11-01 has 25 hours and 01:xx happens twice.
				zone: "America/New_York",
				calls: []string{
					"2026-11-01T05:30:00Z", // 01:30 EDT → hour 1
					"2026-11-01T06:30:00Z", // 01:30 EST → hour 1 again
					"2026-11-01T04:10:00Z", // 00:10 EDT → hour 0
					"2026-11-02T04:30:00Z", // 23:30 EST → hour 23
					"2026-11-02T05:00:00Z", // 11-02 00:00 EST: the range's end, left out
					"2026-11-01T03:59:00Z", // 10-31 23:59 EDT: before it, left out
				},
				want: map[string]int64{"2026-11-01/0": 1, "2026-11-01/1": 2, "2026-11-01/23": 1},
			},
			{
				// New York enters DST on 2026-03-08 at 02:00 EST: no hour 2.
				zone:  "America/New_York",
				calls: []string{"2026-03-08T06:59:59Z", "2026-03-08T07:00:00Z", "2026-03-08T07:30:00Z"}, // 01:59:59 EST, 03:00 EDT, 03:30 EDT
				want:  map[string]int64{"2026-03-08/1": 1, "2026-03-08/3": 2},
			},
			{
				zone:  "Asia/Kolkata", // +05:30
				calls: []string{"2026-11-01T03:29:59Z", "2026-11-01T03:30:00Z", "2026-10-31T18:30:00Z", "2026-10-31T18:29:59Z"},
				want:  map[string]int64{"2026-11-01/8": 1, "2026-11-01/9": 1, "2026-11-01/0": 1}, // the last is 10-31 23:59:59
			},
			{
				zone:  "Asia/Kathmandu", // +05:45
				calls: []string{"2026-11-01T03:14:59Z", "2026-11-01T03:15:00Z", "2026-11-01T18:14:59Z"},
				want:  map[string]int64{"2026-11-01/8": 1, "2026-11-01/9": 1, "2026-11-01/23": 1},
			},
		} {
			t.Run(tc.zone, func(t *testing.T) {
				tenant := "t" + time.Now().Format("150405.000000000")
				if err := st.CreateTenant(ctx, &store.Tenant{ID: tenant, Name: tenant, Timezone: tc.zone}); err != nil {
					t.Fatal(err)
				}
				for i, c := range tc.calls {
					rec := store.CallRecord{TenantID: tenant, ID: itoa(i), Direction: "inbound", StartedAt: utc(c), Disposition: "abandoned_queue"}
					if i == 0 {
						rec.Disposition = "answered"
					}
					if err := st.SaveCall(ctx, &rec); err != nil {
						t.Fatal(err)
					}
				}
				s := New(st, nil)
				loc, err := s.Location(ctx, tenant)
				if err != nil {
					t.Fatal(err)
				}
				day := utc(tc.calls[0]).In(loc).Format("2006-01-02")
				q, err := ParseQuery(url.Values{"from": {day}}, tenant, loc, time.Now())
				if err != nil {
					t.Fatal(err)
				}
				h, err := s.Hourly(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]int64{}
				var answered int64
				for _, d := range h.Days {
					if d.Offered > 0 {
						got[d.Date+"/"+itoa(d.Hour)] = d.Offered
					}
					answered += d.Answered
				}
				if len(got) != len(tc.want) || answered != 1 {
					t.Fatalf("got %v (answered %d), want %v", got, answered, tc.want)
				}
				for k, v := range tc.want {
					if got[k] != v {
						t.Fatalf("got %v, want %v", got, tc.want)
					}
				}
			})
		}
	})
}

func TestParseQuery(t *testing.T) {
	now := sh("2026-11-20 15:00:00")
	for _, tc := range []struct {
		name, params, param string
		from, to            string // RFC 3339 when no error is expected
	}{
		{name: "default is today", from: "2026-11-20T00:00:00+08:00", to: "2026-11-21T00:00:00+08:00"},
		{name: "from alone is one day", params: "from=2026-11-01", from: "2026-11-01T00:00:00+08:00", to: "2026-11-02T00:00:00+08:00"},
		{name: "local times and instants", params: "from=2026-11-01T08:30&to=2026-11-01T10:00:00Z", from: "2026-11-01T08:30:00+08:00", to: "2026-11-01T18:00:00+08:00"},
		{name: "bad date", params: "from=2026-13-01", param: "from"},
		{name: "bad to", params: "from=2026-11-01&to=yesterday", param: "to"},
		{name: "to before from", params: "from=2026-11-02&to=2026-11-01", param: "to"},
		{name: "empty range", params: "from=2026-11-02&to=2026-11-02", param: "to"},
		{name: "over 366 days", params: "from=2025-01-01&to=2026-01-03", param: "to"},
		{name: "queue with a space", params: "queue=sales team", param: "queue"},
		{name: "empty queue in a list", params: "queue=q1,,q2", param: "queue"},
		{name: "agent with a quote", params: "agent=a'1", param: "agent"},
		{name: "number with percent", params: "number=13%25", param: "number"},
		{name: "limit zero", params: "limit=0", param: "limit"},
		{name: "limit too big", params: "limit=5000", param: "limit"},
		{name: "forged cursor", params: "cursor=abc", param: "cursor"},
		{name: "service level", params: "sl_ms=0", param: "sl_ms"},
		{name: "service level in seconds", params: "sl=20", param: "sl"},
		{name: "by", params: "by=week", param: "by"},
		{name: "include", params: "include=everything", param: "include"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, _ := url.ParseQuery(tc.params)
			q, err := ParseQuery(v, "sh", shanghai, now)
			if tc.param != "" {
				var pe *ParamError
				if !errors.As(err, &pe) || pe.Param != tc.param || pe.Msg == "" {
					t.Fatalf("got %v, want an error naming %s", err, tc.param)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := q.From.In(shanghai).Format(time.RFC3339); got != tc.from {
				t.Errorf("from %s, want %s", got, tc.from)
			}
			if got := q.To.In(shanghai).Format(time.RFC3339); got != tc.to {
				t.Errorf("to %s, want %s", got, tc.to)
			}
		})
	}
}

// TestServiceTimeAcrossDST: New York's 2026-11-01 lasts 25 hours, and an
// agent logged in through it is logged in for all of them.
func TestServiceTimeAcrossDST(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if err := st.CreateTenant(ctx, &store.Tenant{ID: "ny", Name: "New York", Timezone: "America/New_York"}); err != nil {
			t.Fatal(err)
		}
		if err := st.SaveACDAgentState(ctx, &store.ACDAgentState{TenantID: "ny", AgentID: "n1", State: "available", Since: utc("2026-11-01T00:00:00Z")}); err != nil {
			t.Fatal(err)
		}
		for _, l := range []struct{ at, from, to, reason string }{
			{"2026-11-01T00:00:00Z", "logged-out", "available", ""},        // 10-31 20:00 EDT
			{"2026-11-01T16:00:00Z", "available", "not-ready", "training"}, // 11-01 11:00 EST
			{"2026-11-01T18:00:00Z", "not-ready", "available", ""},         // 13:00 EST
			{"2026-11-02T15:00:00Z", "available", "logged-out", ""},        // 11-02 10:00 EST
		} {
			if err := st.AddACDAgentLog(ctx, &store.ACDAgentLogEntry{TenantID: "ny", AgentID: "n1", At: utc(l.at), FromState: l.from, ToState: l.to, Reason: l.reason}); err != nil {
				t.Fatal(err)
			}
		}
		s := New(st, nil)
		q, err := ParseQuery(url.Values{"from": {"2026-10-31"}, "to": {"2026-11-03"}, "by": {"day"}}, "ny", newYork, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		rows, err := s.AgentService(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		// 10-31: 20:00-24:00 EDT = 4 h. 11-01: 25 h, 2 of them training.
		// 11-02: 00:00-10:00 EST = 10 h.
		want := []struct {
			date             string
			loggedIn, breaks int64
		}{{"2026-10-31", 4 * 3600000, 0}, {"2026-11-01", 25 * 3600000, 2 * 3600000}, {"2026-11-02", 10 * 3600000, 0}}
		if len(rows) != len(want) {
			t.Fatalf("got %+v", rows)
		}
		for i, w := range want {
			if rows[i].Date != w.date || rows[i].LoggedInMS != w.loggedIn || rows[i].NotReadyMS != w.breaks || rows[i].NotReadyByReason["training"] != w.breaks {
				t.Errorf("day %d: got %+v, want %+v", i, rows[i], w)
			}
		}
	})
}
