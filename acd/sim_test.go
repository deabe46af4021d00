package acd

import (
	"os"
	"strconv"
	"testing"
	"time"
)

func TestSimulateErlangSmall(t *testing.T) {
	// A small M/M/N run in the default test: 20 agents, 15 Erlangs.
	calls := 20000
	if testing.Short() {
		calls = 5000
	}
	rep, err := SimulateErlang(ErlangOptions{Lambda: 0.5, AHT: 30 * time.Second, Agents: 20, Calls: calls, Seed: 3, FakeClock: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(rep)
	// Every call waits exactly as in an FCFS M/M/N queue fed the same inputs.
	if rep.MaxRefDiff > time.Microsecond || rep.Calls != calls {
		t.Fatalf("engine differs from the FCFS reference by %s (%d calls)", rep.MaxRefDiff, rep.Calls)
	}
	if d := rep.ASAErrorPct; d < -25 || d > 25 {
		t.Fatalf("ASA off by %.1f%%", d)
	}
	if d := rep.SLErrorPoints; d < -2 || d > 2 {
		t.Fatalf("service level off by %.2f points", d)
	}
}

// TestSimulateErlangFull is the optimality run of the brief (λ = 5/s, AHT
// 180 s, 920 agents). It takes a while: IPCC_ACD_ERLANG=calls runs it.
func TestSimulateErlangFull(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("IPCC_ACD_ERLANG"))
	if n <= 0 || testing.Short() {
		t.Skip("set IPCC_ACD_ERLANG=<calls> (e.g. 1000000) to run the full Erlang C comparison")
	}
	seed, _ := strconv.ParseUint(os.Getenv("IPCC_ACD_ERLANG_SEED"), 10, 64)
	t0 := time.Now()
	rep, err := SimulateErlang(ErlangOptions{Calls: n, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s\n  wall time %s", rep, time.Since(t0).Round(time.Millisecond))
	if !rep.Within() {
		t.Fatal("outside the targets")
	}
}
