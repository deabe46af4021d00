package main

import (
	"context"
	"strings"
	"testing"
)

func TestBenchReports(t *testing.T) {
	out, _, err := run(t, context.Background(), nil, "", "bench", "reports", "--records", "3000", "--months", "2", "--agents", "20")
	// A report over its time target is the bench's finding, not a test
	// failure: a loaded machine may be slow. The test checks that every
	// report ran and got a verdict.
	if err != nil && !strings.Contains(err.Error(), "took 2 s or more") {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "generated 3000 calls") {
		t.Fatalf("no generation line:\n%s", out)
	}
	for _, r := range []string{"calls (page of 100)", "calls (all rows, CSV)", "hourly", "agents/calls", "agents/service", "agents/operations", "queues",
		"abandoned", "waits", "satisfaction", "satisfaction/surveys"} {
		found := false
		for _, line := range strings.Split(out, "\n") {
			if strings.HasPrefix(line, r+" ") && (strings.HasSuffix(line, "PASS") || strings.HasSuffix(line, "FAIL")) {
				found = true
			}
		}
		if !found {
			t.Errorf("no line with a verdict for %s:\n%s", r, out)
		}
	}
	if _, _, err := run(t, context.Background(), nil, "", "bench", "reports", "--db", "oracle"); err == nil || !strings.Contains(err.Error(), "--db") {
		t.Fatalf("bad --db: %v", err)
	}
}
