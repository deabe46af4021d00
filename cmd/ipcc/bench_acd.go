package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ipcc/ipcc/acd"
)

func newBenchACDCmd(g *globals) *cobra.Command {
	var b acd.BenchOptions
	var e acd.ErlangOptions
	var skipErlang bool
	cmd := &cobra.Command{
		Use:   "acd",
		Short: "Measure the ACD: routing-decision time at scale, and optimality against Erlang C",
		Long: `acd runs the real ACD engine twice and prints the figures with their targets:

  decisions  10,000 agents in 1,000 queues, 1,000 calls waiting, 100 new calls/s and
             500 agent state changes/s: p50/p99 decision time (target p99 < 100 µs)
             and memory
  erlang     a discrete-event run on a simulated clock: one skill, Poisson arrivals
             λ = 5/s, exponential handle time 180 s, 920 agents; average speed of
             answer and service level (20 s) against Erlang C (3.55 s, 95.7%)

The Erlang run's precision grows with --calls (1,000,000 takes about a minute;
at 98% occupancy ±5% on the average speed of answer needs many millions).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			rep, err := acd.BenchDecisions(b)
			if err != nil {
				return fmt.Errorf("bench acd: %w", err)
			}
			fmt.Fprintln(out, rep.String())
			if skipErlang {
				return nil
			}
			er, err := acd.SimulateErlang(e)
			if err != nil {
				return fmt.Errorf("bench acd: %w", err)
			}
			fmt.Fprintln(out, er.String())
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&b.Agents, "agents", 10000, "agents")
	f.IntVar(&b.Queues, "queues", 1000, "queues")
	f.IntVar(&b.Waiting, "waiting", 1000, "calls waiting when measuring starts")
	f.Float64Var(&b.CallsPerSec, "calls-per-sec", 100, "new calls per second")
	f.Float64Var(&b.ChangesPerSec, "changes-per-sec", 500, "agent state changes per second")
	f.IntVar(&e.Calls, "calls", 1000000, "measured calls of the Erlang run")
	f.Uint64Var(&e.Seed, "seed", 1, "seed of the Erlang run")
	f.BoolVar(&skipErlang, "skip-erlang", false, "only measure decisions")
	return cmd
}
