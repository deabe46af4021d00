package store_test

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// The number filter of the call and recording listings is a plain
// substring match that answers the same on SQLite and PostgreSQL: letters
// match in either case (SQLite's LIKE ignores ASCII case, PostgreSQL's
// does not) and % and _ match themselves.
func TestNumberFilterSameOnBothDatabases(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		start := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
		for i, ani := range []string{"Alice", "13800138000", "4_01", "4501", `50%off`, `a\b`} {
			id := "c" + string(rune('0'+i))
			if err := s.SaveCall(ctx, &store.CallRecord{TenantID: "t1", ID: id, Direction: "inbound", ANI: ani, DNIS: "9", StartedAt: start.Add(time.Duration(i) * time.Second)}); err != nil {
				t.Fatal(err)
			}
			if err := s.SaveRecording(ctx, &store.RecordingRow{TenantID: "t1", ID: "r" + id, CallID: id, ANI: ani, Path: "/x/" + id + ".wav", StartedAt: start.Add(time.Duration(i) * time.Second)}); err != nil {
				t.Fatal(err)
			}
		}
		for _, tc := range []struct{ number, want string }{
			{"alice", "Alice"},
			{"ALI", "Alice"},
			{"_", "4_01"},
			{"4_0", "4_01"},
			{"%", "50%off"},
			{`\`, `a\b`},
			{"138", "13800138000"},
		} {
			calls, err := s.ListCalls(ctx, "t1", store.CallFilter{Number: tc.number})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range calls {
				got = append(got, c.ANI)
			}
			sort.Strings(got)
			if strings.Join(got, ",") != tc.want {
				t.Errorf("calls number=%q: %q, want %q", tc.number, got, tc.want)
			}
			recs, err := s.ListRecordings(ctx, "t1", store.RecordingFilter{Number: tc.number})
			if err != nil {
				t.Fatal(err)
			}
			got = got[:0]
			for _, r := range recs {
				got = append(got, r.ANI)
			}
			sort.Strings(got)
			if strings.Join(got, ",") != tc.want {
				t.Errorf("recordings number=%q: %q, want %q", tc.number, got, tc.want)
			}
		}
	})
}
