package e2ebench

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/config"
	"github.com/ipcc/ipcc/store"
)

func TestVerdictAgainstTheTarget(t *testing.T) {
	clean := RunResult{Database: SQLite, Rate: 50, Target: 50, Placed: 10, Completed: 10}
	for _, tc := range []struct {
		name string
		r    func(RunResult) RunResult
		want string
	}{
		{"clean at the target", func(r RunResult) RunResult { return r }, "PASS"},
		{"a failed call", func(r RunResult) RunResult { r.Completed, r.Failed = 9, 1; return r }, "FAIL"},
		{"an open record", func(r RunResult) RunResult { r.Open = 1; return r }, "FAIL"},
		{"an agent made not ready", func(r RunResult) RunResult { r.WronglyNotReady = 1; return r }, "FAIL"},
		{"nothing placed", func(r RunResult) RunResult { r.Placed, r.Completed = 0, 0; return r }, "FAIL"},
		{"a set-up error", func(r RunResult) RunResult { r.Err = "no database"; return r }, "FAIL"},
		{"clean below the target", func(r RunResult) RunResult { r.Rate = 10; return r }, "clean, below the 50 calls/s target"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.r(clean).Verdict(); got != tc.want {
				t.Errorf("verdict %q, want %q", got, tc.want)
			}
		})
	}
	rep := &Report{Runs: []RunResult{clean, {Database: Postgres, Rate: 100, Target: 100, Placed: 5, Completed: 4, Failed: 1}}}
	if !rep.Failed() {
		t.Error("a failed PostgreSQL run does not fail the report")
	}
	var out strings.Builder
	WriteSummary(&out, &Report{Limits: []Limit{{Database: SQLite, Target: 50, Sustained: 60, FirstFailure: 70}}})
	if !strings.Contains(out.String(), "sqlite: ran clean up to 60 calls/s, first failed at 70 calls/s; target 50 calls/s: PASS") || !strings.Contains(out.String(), "result: PASS") {
		t.Errorf("summary:\n%s", out.String())
	}
}

func TestPercentile(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	if p50, p99 := percentile(ds, 0.5), percentile(ds, 0.99); p50 != 50*time.Millisecond || p99 != 99*time.Millisecond {
		t.Errorf("p50 %s p99 %s", p50, p99)
	}
	if percentile(nil, 0.5) != 0 {
		t.Error("empty")
	}
}

func TestPeakSampler(t *testing.T) {
	calls := []int{0, 3, 7, 5}
	var seen []int
	p := &peakSampler{atPeak: func(n int) { seen = append(seen, n) }}
	for i, n := range calls {
		p.sample(n, time.Duration(i)*time.Second)
	}
	if p.peak.Calls != 7 || p.peak.At != 2*time.Second || p.peak.Samples != 4 {
		t.Errorf("peak %+v, want 7 calls at 2s from 4 samples", p.peak)
	}
	if len(seen) != 2 || seen[0] != 3 || seen[1] != 7 {
		t.Errorf("new highs %v, want [3 7]", seen)
	}
	if p.peak.Goroutines < p.peak.BaseGoroutines || p.peak.BaseGoroutines == 0 || p.peak.BaseHeapBytes == 0 {
		t.Errorf("goroutines/heap not sampled: %+v", p.peak)
	}
	var out strings.Builder
	WriteRun(&out, RunResult{Database: SQLite, Peak: Peak{Calls: 10, Goroutines: 120, BaseGoroutines: 100, HeapBytes: 3 << 20, BaseHeapBytes: 2 << 20, Samples: 5}})
	if !strings.Contains(out.String(), "peak: 10 calls in progress") || !strings.Contains(out.String(), "2.0 goroutines, 102.4 KiB per call") {
		t.Errorf("run report:\n%s", out.String())
	}
}

func TestGiveUpOutlastsTheTalk(t *testing.T) {
	o := Options{}
	o.defaults()
	if o.GiveUp != 60*time.Second {
		t.Errorf("default give-up %s, want 60s", o.GiveUp)
	}
	o = Options{Talk: 99 * time.Second}
	o.defaults()
	if o.GiveUp != (1*time.Second + 500*time.Millisecond + 99*time.Second + time.Minute) {
		t.Errorf("give-up with a 99s talk %s, want 2m40.5s", o.GiveUp)
	}
	_, err := Run(t.Context(), Options{Talk: 99 * time.Second, GiveUp: 60 * time.Second, Start: func(context.Context, *store.Store, []config.Switch, *slog.Logger) (Controller, error) {
		t.Fatal("started although the callers would hang up during the talk")
		return nil, nil
	}}, nil)
	if err == nil || !strings.Contains(err.Error(), "give-up 1m0s would hang up callers") {
		t.Errorf("error %v", err)
	}
}
