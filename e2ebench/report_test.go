package e2ebench

import (
	"strings"
	"testing"
	"time"
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
