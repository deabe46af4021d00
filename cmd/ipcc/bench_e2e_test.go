package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/config"
	"github.com/ipcc/ipcc/e2ebench"
)

// e2eSimChild makes the test binary act as the bench's simulator process.
const e2eSimChild = "IPCC_TEST_E2E_SIM_CHILD"

func TestMain(m *testing.M) {
	if opts := os.Getenv(failoverCtlChild); opts != "" {
		if err := failoverCtlChildMain(opts); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	if os.Getenv(e2eSimChild) == "1" {
		if err := e2ebench.SimMain(context.Background(), os.Stdin, os.Stdout); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// e2eSimSpawner re-runs the test binary as `ipcc bench e2e-sim` would run.
func e2eSimSpawner(ctx context.Context) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), e2eSimChild+"=1")
	return cmd
}

// bench e2e at a tiny rate on SQLite, through serve's wiring and the
// simulator in a process of its own: every caller reaches an agent and
// every record is complete. No assertion on speed.
func TestBenchE2ETiny(t *testing.T) {
	cfg, err := config.Load("", []string{"IPCC_DATABASE_URL=sqlite:" + filepath.Join(t.TempDir(), "unused.db")})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out strings.Builder
	rep, err := e2ebench.Run(ctx, e2ebench.Options{Databases: []string{e2ebench.SQLite}, Dir: t.TempDir(), Rate: 2, Duration: 3 * time.Second,
		Talk: time.Second, Start: benchController(cfg, ""), Spawn: e2eSimSpawner}, func(r e2ebench.RunResult) { e2ebench.WriteRun(&out, r) })
	if err != nil {
		t.Fatal(err)
	}
	e2ebench.WriteSummary(&out, rep)
	t.Log(out.String())
	if len(rep.Runs) != 1 {
		t.Fatalf("%d runs", len(rep.Runs))
	}
	r := rep.Runs[0]
	if r.Err != "" {
		t.Fatal(r.Err)
	}
	if r.Placed != 6 || r.Completed != r.Placed || r.Failed != 0 || r.Open != 0 || r.WronglyNotReady != 0 {
		t.Errorf("placed %d, completed %d, failed %d, open records %d, agents wrongly not ready %d; want 6 placed and all completed, none open or not ready",
			r.Placed, r.Completed, r.Failed, r.Open, r.WronglyNotReady)
	}
	if r.Verdict() == "FAIL" || !strings.Contains(out.String(), "below the 50 calls/s target") {
		t.Errorf("verdict %q; output:\n%s", r.Verdict(), out.String())
	}
}
