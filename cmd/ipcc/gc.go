package main

import (
	"os"
	"runtime/debug"
)

// defaultGCPercent is the garbage collector's target for the long-running
// commands (serve, sim, bench): a new cycle when the heap has grown by 400 %
// of what was live after the last one, instead of Go's 100 %. The
// controller's live heap is small (tens of MB) while the event path
// allocates hundreds of MB/s at full load, so at 100 % the collector runs
// many times a second and its pauses and assists make the ESL latency tail
// (docs/PERFORMANCE.md: p99 send → state 1.5–2.5 ms at 100 %, 1.0–1.1 ms at
// 400 %). The cost is up to five times the live heap in memory.
const defaultGCPercent = 400

// tuneGC applies defaultGCPercent unless the operator chose with GOGC.
// It returns the setting in force, for logs and reports.
func tuneGC() string {
	if v := os.Getenv("GOGC"); v != "" {
		return "GOGC=" + v + " (environment)"
	}
	debug.SetGCPercent(defaultGCPercent)
	return "GOGC=400 (ipcc's default)"
}
