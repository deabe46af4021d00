package e2ebench

import (
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Report is what a bench run measured.
type Report struct {
	Machine    string      `json:"machine"`
	Switch     string      `json:"switch"`
	LoadBefore string      `json:"load_before"`
	LoadAfter  string      `json:"load_after"`
	Runs       []RunResult `json:"runs"`
	// Limits are the find-limit results, one per database.
	Limits []Limit `json:"limits,omitempty"`
}

// RunResult is one run: one database, one rate.
type RunResult struct {
	Database string        `json:"database"`
	Switch   string        `json:"switch"`
	Rate     float64       `json:"rate"` // calls/s
	Duration time.Duration `json:"duration_ns"`
	Agents   int           `json:"agents"`
	Target   float64       `json:"target_rate"`
	// Placed callers; Completed: a complete record answered by an agent;
	// Failed: every other caller; NoRecord: callers with no record at all.
	Placed    int `json:"placed"`
	Completed int `json:"completed"`
	Failed    int `json:"failed"`
	NoRecord  int `json:"no_record"`
	// Open records (no ended_at) once the calls drained and the controller
	// stopped.
	Open int `json:"open_records"`
	// WronglyNotReady agents were set not ready during the run (their
	// phones always answer, and none asked for a break).
	WronglyNotReady int            `json:"agents_wrongly_not_ready"`
	NotReadyReasons map[string]int `json:"not_ready_reasons,omitempty"`
	NoAnswerCauses  map[string]int `json:"no_answer_causes,omitempty"`
	Dispositions    map[string]int `json:"dispositions"`
	// AgentGoneAtBridge counts agents who answered but whose leg was gone
	// when ipcc bridged the caller (the caller then waited again for the
	// next agent): answered agent legs beyond the one that took the call.
	AgentGoneAtBridge int `json:"agents_gone_at_bridge"`
	// ToAgent is from the caller dialling to the answer of the agent who
	// took the call (IVR, queue, ring).
	ToAgentP50 time.Duration `json:"time_to_agent_p50_ns"`
	ToAgentP99 time.Duration `json:"time_to_agent_p99_ns"`
	// Its parts, from the completed calls' records: in the IVR; in the
	// queue until the agent's answer reached the ACD (which includes
	// placing the agent's leg and the ring); of that, the ring (from the
	// switch accepting the agent's leg to its answer).
	IVRP50  time.Duration `json:"ivr_p50_ns"`
	IVRP99  time.Duration `json:"ivr_p99_ns"`
	WaitP50 time.Duration `json:"wait_p50_ns"`
	WaitP99 time.Duration `json:"wait_p99_ns"`
	RingP50 time.Duration `json:"ring_p50_ns"`
	RingP99 time.Duration `json:"ring_p99_ns"`
	// PlaceLate is how late the simulator placed its last call against the
	// schedule (CPU it did not get); StopTime how long the graceful stop
	// took.
	PlaceLate time.Duration `json:"place_late_ns"`
	StopTime  time.Duration `json:"stop_ns"`
	// Peak is the most calls in progress (and the controller process's
	// goroutines and heap) sampled during the run.
	Peak Peak `json:"peak"`
	// Writer is what the store's call-record writer did.
	Writer WriterFigures `json:"record_writer"`
	Notes  []string      `json:"notes,omitempty"`
	Err    string        `json:"error,omitempty"`
}

// WriterFigures are the call-record writer's figures of a run.
type WriterFigures struct {
	Rows              int64         `json:"rows"`
	Batches           int64         `json:"transactions"`
	MaxQueued         int           `json:"max_queued_rows"`
	MaxWrite          time.Duration `json:"max_write_ns"`
	Retries           int64         `json:"retries"`
	Refused           int64         `json:"refused_rows"`
	BackpressureWaits int64         `json:"backpressure_waits"`
}

// Clean reports a run with no failed call, no open record and no agent
// wrongly not ready.
func (r RunResult) Clean() bool {
	return r.Err == "" && r.Placed > 0 && r.Failed == 0 && r.Open == 0 && r.WronglyNotReady == 0
}

// Verdict is PASS or FAIL against the database's target; a clean run below
// the target rate says so.
func (r RunResult) Verdict() string {
	switch {
	case !r.Clean():
		return "FAIL"
	case r.Rate < r.Target:
		return fmt.Sprintf("clean, below the %g calls/s target", r.Target)
	}
	return "PASS"
}

// Limit is a find-limit result: the highest rate run cleanly and the rate
// of the first failing run (0: none failed up to the ramp's end).
type Limit struct {
	Database     string  `json:"database"`
	Target       float64 `json:"target_rate"`
	Sustained    float64 `json:"sustained_rate"`
	FirstFailure float64 `json:"first_failure_rate"`
}

// Failed reports whether any run missed its target.
func (rep *Report) Failed() bool {
	if len(rep.Limits) > 0 {
		for _, l := range rep.Limits {
			if l.Sustained < l.Target {
				return true
			}
		}
		return false
	}
	for _, r := range rep.Runs {
		if r.Verdict() != "PASS" {
			return true
		}
	}
	return len(rep.Runs) == 0
}

// WriteRun prints one run.
func WriteRun(w io.Writer, r RunResult) {
	fmt.Fprintf(w, "\n%s, %g calls/s for %s, %d agents (%s simulator in its own process)\n", r.Database, r.Rate, r.Duration, r.Agents, r.Switch)
	if r.Err != "" {
		fmt.Fprintf(w, "  error: %s\n", r.Err)
	}
	fmt.Fprintf(w, "  calls placed %d, completed %d, failed %d (no record at all: %d)\n", r.Placed, r.Completed, r.Failed, r.NoRecord)
	fmt.Fprintf(w, "  open records %d; agents wrongly not ready %d%s\n", r.Open, r.WronglyNotReady, counts(" reasons", r.NotReadyReasons))
	ms := time.Millisecond
	fmt.Fprintf(w, "  time to agent p50 %s, p99 %s (IVR p50 %s p99 %s; in the queue p50 %s p99 %s, of which ringing p50 %s p99 %s)\n",
		r.ToAgentP50.Round(ms), r.ToAgentP99.Round(ms), r.IVRP50.Round(ms), r.IVRP99.Round(ms), r.WaitP50.Round(ms), r.WaitP99.Round(ms), r.RingP50.Round(ms), r.RingP99.Round(ms))
	fmt.Fprintf(w, "  dispositions%s%s\n", counts("", r.Dispositions), counts("; no-answer causes", r.NoAnswerCauses))
	if r.AgentGoneAtBridge > 0 {
		fmt.Fprintf(w, "  agents who answered but were gone at the bridge (their caller waited again): %d\n", r.AgentGoneAtBridge)
	}
	if r.Peak.Samples > 0 {
		g, h := r.Peak.PerCall()
		fmt.Fprintf(w, "  peak: %d calls in progress (%s after the first caller); controller process %d goroutines, %.0f MiB heap in use (before the calls %d, %.0f MiB: %.1f goroutines, %.1f KiB per call)\n",
			r.Peak.Calls, r.Peak.At.Round(time.Second), r.Peak.Goroutines, float64(r.Peak.HeapBytes)/(1<<20),
			r.Peak.BaseGoroutines, float64(r.Peak.BaseHeapBytes)/(1<<20), g, h/1024)
	}
	fmt.Fprintf(w, "  call-record writer: %d rows in %d transactions, up to %d rows queued, longest transaction %s, %d retries, %d refused, %d saves waited for room\n",
		r.Writer.Rows, r.Writer.Batches, r.Writer.MaxQueued, r.Writer.MaxWrite.Round(time.Millisecond), r.Writer.Retries, r.Writer.Refused, r.Writer.BackpressureWaits)
	fmt.Fprintf(w, "  simulator late by up to %s; graceful stop took %s\n", r.PlaceLate.Round(time.Millisecond), r.StopTime.Round(time.Millisecond))
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  note: %s\n", n)
	}
	fmt.Fprintf(w, "  target %g calls/s with 0 failed, 0 open, 0 wrongly not ready: %s\n", r.Target, r.Verdict())
}

// WriteSummary prints the find-limit results and the overall verdict.
func WriteSummary(w io.Writer, rep *Report) {
	for _, l := range rep.Limits {
		first := "no run failed up to the ramp's end"
		if l.FirstFailure > 0 {
			first = fmt.Sprintf("first failed at %g calls/s", l.FirstFailure)
		}
		verdict := "PASS"
		if l.Sustained < l.Target {
			verdict = "FAIL"
		}
		fmt.Fprintf(w, "\n%s: ran clean up to %g calls/s, %s; target %g calls/s: %s\n", l.Database, l.Sustained, first, l.Target, verdict)
	}
	fmt.Fprintf(w, "\nmachine: %s; load average before %s, after %s\n", rep.Machine, rep.LoadBefore, rep.LoadAfter)
	if rep.Failed() {
		fmt.Fprintln(w, "result: FAIL (a target was missed)")
	} else {
		fmt.Fprintln(w, "result: PASS (every target met)")
	}
}

func counts(label string, m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(label)
	b.WriteString(":")
	for _, k := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(&b, " %s=%d", k, m[k])
	}
	return b.String()
}

func machine() string {
	return fmt.Sprintf("%d CPUs, GOMAXPROCS=%d, %s/%s, %s", runtime.NumCPU(), runtime.GOMAXPROCS(0), runtime.GOOS, runtime.GOARCH, runtime.Version())
}

// loadAverage is the 1, 5 and 15 minute load average ("" off Linux).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
