package reports

import (
	"context"
	"reflect"
	"testing"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// A SIP caller id can hold letters: the number filter matches them in
// either case on both databases (SQLite's LIKE ignores ASCII case,
// PostgreSQL's does not).
func TestNumberFilterIgnoresCaseOnBothDatabases(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if err := st.CreateTenant(ctx, &store.Tenant{ID: "sh", Name: "Shanghai", Timezone: "Asia/Shanghai"}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []store.CallRecord{
			{ID: "k1", ANI: "Alice", DNIS: "4001", StartedAt: sh("2026-11-01 09:10:00"), Disposition: "abandoned_queue", QueueID: "q1"},
			{ID: "k2", ANI: "13800000002", DNIS: "Sales-Line", StartedAt: sh("2026-11-01 09:20:00"), Disposition: "abandoned_queue", QueueID: "q1"},
		} {
			c.TenantID, c.Direction = "sh", "inbound"
			if err := st.SaveCall(ctx, &c); err != nil {
				t.Fatal(err)
			}
		}
		s := newService(st)
		for number, want := range map[string][]string{"alice": {"k1"}, "ALICE": {"k1"}, "sales-line": {"k2"}} {
			var ids []string
			if _, err := s.Calls(ctx, query(t, twoDays+"&number="+number), func(r *CallRow) error { ids = append(ids, r.ID); return nil }); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ids, want) {
				t.Errorf("number=%s: %v, want %v", number, ids, want)
			}
		}
	})
}
