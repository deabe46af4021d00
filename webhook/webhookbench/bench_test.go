package webhookbench_test

import (
	"context"
	"testing"
	"time"

	"github.com/ipcc/ipcc/webhook/webhookbench"
)

// TestSmallRun runs the throughput and outage phases at a small scale: every
// acknowledged event arrives, in order per call, after a short outage.
func TestSmallRun(t *testing.T) {
	if testing.Short() {
		t.Skip("takes several seconds")
	}
	o := webhookbench.Options{DB: "sqlite:" + t.TempDir() + "/b.db", Only: []string{"throughput", "outage"}, Rate: 200, Duration: time.Second, EventsPerCall: 4,
		Outage: 3 * time.Second, OutageRate: 40, Workers: 8}
	rs, err := webhookbench.Run(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 {
		t.Fatalf("results %+v", rs)
	}
	for _, r := range rs {
		if r.Acked == 0 || r.Lost != 0 || r.OutOfOrder != 0 || r.Delivered < r.Acked || r.Note != "" && r.Phase == "throughput" {
			t.Errorf("%s", r)
		}
	}
	if rs[1].DrainS <= 0 {
		t.Errorf("outage drain not measured: %s", rs[1])
	}
}
