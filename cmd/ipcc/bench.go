package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"

	"github.com/ipcc/ipcc/switchbench"
)

func newBenchCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure ipcc's performance (see docs/PERFORMANCE.md)",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newBenchSwitchCmd(g), newBenchACDCmd(g), newBenchESLReplayCmd(g), newBenchReportsCmd(g), newBenchE2ECmd(g), newBenchE2ESimCmd(g), newBenchDialerCmd(g), newBenchQACmd(g), newBenchWebhooksCmd(g), newBenchWebhooksChildCmd(g), newBenchFailoverCmd(g), newBenchFailoverCtlCmd(g))
	return cmd
}

func newBenchSwitchCmd(g *globals) *cobra.Command {
	var o switchbench.Options
	var asJSON, strict bool
	var cpuProfile string
	cmd := &cobra.Command{
		Use:   "switch",
		Short: "Measure the switch drivers: ESL ingest, concurrent calls, slow consumer",
		Long: `switch measures the FreeSWITCH and Asterisk drivers and prints every figure with
its target and whether it was met:

  ingest  events/s of eslgo alone and of the driver's whole path, events lost, and
          send → state latency, against an ESL replayer started as a separate
          process (this executable, "bench esl-replay")
  calls   --calls concurrent calls at --rate new calls/s through each driver with
          the controller; the simulator runs in a separate process (this
          executable again) unless --sim-in-process; command round trip p50/p99
  stall   the event consumer sleeps --stall while the switch keeps sending: the
          sender's longest blocked write, and every event delivered afterwards

The defaults are the issue's figures (a full run takes about 3 minutes); scale
down with --calls, --rate, --esl-events for a quick run. Run it on a quiet machine.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			stopProfile, err := startCPUProfile(cpuProfile)
			if err != nil {
				return err
			}
			defer stopProfile()
			progress := func(s switchbench.Section) {
				if !asJSON {
					switchbench.WriteSection(out, s)
				}
			}
			gc := tuneGC() // as serve runs
			if !asJSON {
				fmt.Fprintln(out, "ipcc bench switch —", switchbench.MixDescription()+"; "+gc)
			}
			r, err := switchbench.Run(cmd.Context(), o, progress)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(r); err != nil {
					return err
				}
			} else if r.Missed() {
				fmt.Fprintln(out, "\nresult: at least one target MISSED ("+r.Machine+")")
			} else {
				fmt.Fprintln(out, "\nresult: every target MET ("+r.Machine+")")
			}
			if strict && r.Missed() {
				return errors.New("bench: a target was missed")
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.Only, "only", nil, "measurements to run: ingest, calls, stall (default all)")
	f.StringSliceVar(&o.Drivers, "drivers", nil, "drivers: freeswitch, asterisk (default both; ingest is FreeSWITCH only)")
	f.Int64Var(&o.Ingest.Events, "esl-events", 300_000, "ingest: events of the throughput phase")
	f.IntVar(&o.Ingest.Legs, "esl-legs", 1000, "ingest: calls the events belong to")
	f.Float64Var(&o.Ingest.LatencyRate, "latency-rate", 30_000, "ingest: events/s of the latency phase")
	f.Int64Var(&o.Ingest.LatencyEvents, "latency-events", 150_000, "ingest: events of the latency phase")
	f.DurationVar(&o.Ingest.ReorderWindow, "reorder-window", 0, "ingest: the FreeSWITCH driver's ReorderWindow (default: the driver's default)")
	f.IntVar(&o.Calls.Calls, "calls", 5000, "calls: concurrent calls to reach")
	f.Float64Var(&o.Calls.Rate, "rate", 100, "calls: new calls per second")
	f.DurationVar(&o.Calls.Hold, "hold", 10*time.Second, "calls: how long all calls are held before the callers hang up")
	f.DurationVar(&o.Calls.Tick, "tick", 10*time.Second, "calls: each call sends a SetVar this often while held")
	f.BoolVar(&o.SimInProcess, "sim-in-process", false, "calls: run the simulator inside the bench process instead of a process of its own")
	f.DurationVar(&o.Stall.Stall, "stall", 5*time.Second, "stall: how long the event consumer sleeps")
	f.Float64Var(&o.Stall.Rate, "stall-rate", 10_000, "stall: events/s the switch sends meanwhile")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	f.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of this process (the driver side) to the file")
	f.BoolVar(&strict, "strict", false, "exit with an error when a target is missed")
	return cmd
}

// newBenchESLReplayCmd is the replayer process the ingest and stall
// measurements start: not for people.
func newBenchESLReplayCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:    "esl-replay",
		Short:  "ESL replayer process of bench switch (JSON lines on stdin/stdout)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tuneGC()
			return switchbench.ReplayMain(cmd.Context(), cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}
}

// startCPUProfile writes a CPU profile to path (none when path is empty)
// until the returned function is called.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
