package switchbench

import (
	"context"
	"fmt"
	"slices"
)

// Options select and size the measurements of one bench run.
type Options struct {
	Only    []string // "ingest", "calls", "stall"; empty = all
	Drivers []string // "freeswitch", "asterisk"; empty = both (ingest is FreeSWITCH only)
	Ingest  IngestOptions
	Calls   CallsOptions
	Stall   StallOptions
	Spawn   Spawner // the replayer process (ingest, FreeSWITCH stall, calls' simulator)
	// SimInProcess runs the calls measurement's simulator in the bench's
	// own process (as before the simulator had a process of its own).
	SimInProcess bool
}

// Measurements and drivers known to Run.
var (
	Measurements = []string{"ingest", "calls", "stall"}
	Drivers      = []string{"freeswitch", "asterisk"}
)

// Run performs the selected measurements one after the other (never in
// parallel: they would measure each other) and reports each section to
// progress as soon as it is done.
func Run(ctx context.Context, o Options, progress func(Section)) (*Report, error) {
	only, drivers := o.Only, o.Drivers
	if len(only) == 0 {
		only = Measurements
	}
	if len(drivers) == 0 {
		drivers = Drivers
	}
	for _, m := range only {
		if !slices.Contains(Measurements, m) {
			return nil, fmt.Errorf("bench: unknown measurement %q (want %v)", m, Measurements)
		}
	}
	for _, d := range drivers {
		if !slices.Contains(Drivers, d) {
			return nil, fmt.Errorf("bench: unknown driver %q (want %v)", d, Drivers)
		}
	}
	o.Ingest.Spawn, o.Stall.Spawn = o.Spawn, o.Spawn
	if o.Spawn == nil {
		o.Spawn = DefaultSpawner
	}
	if !o.SimInProcess {
		o.Calls.Spawn = o.Spawn
	}
	r := newReport()
	add := func(s Section) {
		r.Sections = append(r.Sections, s)
		if progress != nil {
			progress(s)
		}
	}
	for _, m := range Measurements {
		if !slices.Contains(only, m) || ctx.Err() != nil {
			continue
		}
		switch m {
		case "ingest":
			if slices.Contains(drivers, "freeswitch") {
				s, _ := RunIngest(ctx, o.Ingest)
				add(s)
			}
		case "calls":
			for _, d := range drivers {
				s, _ := RunCalls(ctx, d, o.Calls)
				add(s)
			}
		case "stall":
			for _, d := range drivers {
				s, _ := RunStall(ctx, d, o.Stall)
				add(s)
			}
		}
	}
	return r, ctx.Err()
}
