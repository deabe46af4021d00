package reports

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// BenchmarkReports runs every report over one month of a 20,000-call
// tenant on each database (`ipcc bench reports` does it at 1,000,000).
func BenchmarkReports(b *testing.B) {
	for _, d := range storetest.Dialects {
		b.Run(string(d), func(b *testing.B) {
			st := storetest.Open(b, d)
			o := BenchOptions{Records: 20000, Months: 3, Agents: 50}
			if _, err := Generate(context.Background(), st, o); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			totals := map[string]time.Duration{}
			var names []string
			for i := 0; i < b.N; i++ {
				res, err := RunBench(context.Background(), st, o)
				if err != nil {
					b.Fatal(err)
				}
				for _, r := range res {
					if i == 0 {
						names = append(names, r.Report)
					}
					totals[r.Report] += r.Duration
				}
			}
			for _, n := range names {
				b.ReportMetric(float64(totals[n].Microseconds())/float64(b.N)/1000, "ms/"+metricName(n))
			}
		})
	}
}

func metricName(s string) string {
	out := []rune{}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			out = append(out, r)
		default:
			if len(out) > 0 && out[len(out)-1] != '_' {
				out = append(out, '_')
			}
		}
	}
	return strings.TrimSuffix(string(out), "_")
}

// TestGenerateAndRunBench checks the generator writes what it says and every
// report runs on its data (on both databases).
func TestGenerateAndRunBench(t *testing.T) {
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		o := BenchOptions{Records: 2000, Months: 2, Agents: 10}
		gs, err := Generate(context.Background(), st, o)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := st.DB().Get(&n, st.Rebind(`SELECT COUNT(*) FROM calls WHERE tenant_id = ?`), "bench"); err != nil || n != 2000 || gs.Calls != 2000 {
			t.Fatalf("calls %d (stats %d) %v", n, gs.Calls, err)
		}
		if err := st.DB().Get(&n, st.Rebind(`SELECT COUNT(*) FROM acd_agent_log WHERE tenant_id = ?`), "bench"); err != nil || n != gs.AgentLog {
			t.Fatalf("agent log %d, stats %d %v", n, gs.AgentLog, err)
		}
		res, err := RunBench(context.Background(), st, o)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range res {
			if r.Rows == 0 && r.Report != "calls number=1234 (page of 100)" && r.Report != "calls number=1234 (all rows, CSV)" {
				t.Errorf("%s: no rows", r.Report)
			}
		}
	})
}
