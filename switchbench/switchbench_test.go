package switchbench

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// childEnv makes the test binary act as the replayer process.
const childEnv = "SWITCHBENCH_ESL_REPLAY_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		if err := ReplayMain(context.Background(), os.Stdin, os.Stdout); err != nil {
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// testSpawner re-runs the test binary as `ipcc bench esl-replay` would run.
func testSpawner(ctx context.Context) *exec.Cmd {
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	return cmd
}

func logSection(t testing.TB, s Section) {
	t.Helper()
	for _, f := range s.Figures {
		t.Logf("%s: %s %s %s", f.Name, f.Value, f.Target, f.Verdict)
	}
}

// The ingest machinery at a tiny size: every neutral event arrives, the
// driver read every event the replayer sent. No assertion on speed.
func TestIngestTiny(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sec, res := RunIngest(ctx, IngestOptions{Events: 2000, Legs: 20, LatencyEvents: 500, LatencyRate: 5000,
		SkipEslgo: raceEnabled, Spawn: testSpawner})
	logSection(t, sec)
	if sec.Err != "" {
		t.Fatal(sec.Err)
	}
	if res.Sent != 2000 || res.Read != res.Sent {
		t.Errorf("sent %d, driver read %d, want 2000 each", res.Sent, res.Read)
	}
	if want := expectedNeutral(2000) + expectedNeutral(500) + expectedNeutral(500/3); res.Lost != 0 || res.Delivered != res.Expected || res.Expected != want {
		t.Errorf("delivered %d of %d (lost %d)", res.Delivered, res.Expected, res.Lost)
	}
	if !raceEnabled && res.EslgoRate <= 0 {
		t.Errorf("no eslgo rate")
	}
}

// The calls machinery at a tiny size, for both drivers, with the simulator
// in this process and in a process of its own: every call is handled,
// answered, reaches the plateau and ends. No assertion on speed.
func TestCallsTiny(t *testing.T) {
	for _, tc := range []struct {
		kind  string
		spawn Spawner
	}{{"freeswitch", nil}, {"asterisk", nil}, {"freeswitch", testSpawner}, {"asterisk", testSpawner}} {
		name := tc.kind + "/in-process"
		if tc.spawn != nil {
			name = tc.kind + "/sim-process"
		}
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			sec, res := RunCalls(ctx, tc.kind, CallsOptions{Calls: 20, Rate: 40, Hold: 2 * time.Second, Tick: 300 * time.Millisecond, Spawn: tc.spawn})
			if tc.spawn != nil && !strings.Contains(strings.Join(sec.Setup, " "), "separate process") {
				t.Errorf("setup does not say the simulator runs in a separate process: %q", sec.Setup)
			}
			logSection(t, sec)
			if sec.Err != "" {
				t.Fatal(sec.Err)
			}
			if res.Placed != 20 || res.Handled != 20 || res.Answered != 20 || res.Collected != 20 {
				t.Errorf("placed %d handled %d answered %d collected %d, want 20 each", res.Placed, res.Handled, res.Answered, res.Collected)
			}
			if res.Peak != 20 || res.Left != 0 || len(res.Errors) != 0 {
				t.Errorf("peak %d, left %d, errors %v", res.Peak, res.Left, res.Errors)
			}
			if res.Commands == 0 {
				t.Error("no command timed")
			}
		})
	}
}

// The slow-consumer machinery at a tiny size, for both drivers: the
// consumer stalls, and every event still arrives. No assertion on timing.
func TestStallTiny(t *testing.T) {
	for _, kind := range []string{"freeswitch", "asterisk"} {
		t.Run(kind, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			sec, res := RunStall(ctx, kind, StallOptions{Stall: 300 * time.Millisecond, Rate: 2000,
				Before: 100 * time.Millisecond, After: 100 * time.Millisecond, Legs: 5, Spawn: testSpawner})
			logSection(t, sec)
			if sec.Err != "" {
				t.Fatal(sec.Err)
			}
			if !res.Stalled || res.Expected == 0 || res.Delivered != res.Expected {
				t.Errorf("stalled %v, delivered %d of %d", res.Stalled, res.Delivered, res.Expected)
			}
		})
	}
}

func TestRunRejectsUnknownNames(t *testing.T) {
	if _, err := Run(context.Background(), Options{Only: []string{"ingest", "bogus"}}, nil); err == nil {
		t.Error("unknown measurement accepted")
	}
	if _, err := Run(context.Background(), Options{Drivers: []string{"yate"}}, nil); err == nil {
		t.Error("unknown driver accepted")
	}
}

func TestExpectedNeutralCountsTheMix(t *testing.T) {
	per := int64(0)
	for _, n := range streamMix {
		if templates[n].countable {
			per++
		}
	}
	if got := expectedNeutral(int64(len(streamMix)) * 3); got != 3*per {
		t.Errorf("expectedNeutral(3 cycles) = %d, want %d", got, 3*per)
	}
	if got := expectedNeutral(1); got != 1 { // the cycle starts with a DTMF
		t.Errorf("expectedNeutral(1) = %d", got)
	}
	for name, tp := range templates {
		if name != tplPark && name != tplDTMFSmall && tp.headers != 150 {
			t.Errorf("%s has %d headers, want 150", name, tp.headers)
		}
	}
	if tp := templates[tplDTMFSmall]; tp.headers != 40 {
		t.Errorf("small DTMF has %d headers, want 40", tp.headers)
	}
}
