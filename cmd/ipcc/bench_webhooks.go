package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/ipcc/ipcc/webhook/webhookbench"
)

func newBenchWebhooksCmd(*globals) *cobra.Command {
	var o webhookbench.Options
	var asJSON, strict bool
	var cpuProfile string
	cmd := &cobra.Command{
		Use:   "webhooks",
		Short: "Measure webhook delivery: throughput and latency, 0 lost across kill -9, outage drain",
		Long: `webhooks measures the webhook outbox and dispatcher against a local receiver
(started by the bench, verifying every Standard Webhooks signature, checking each call's
events arrive in order):

  throughput  --rate events/s for --duration, calls of --events-per-call ordered events:
              deliveries/s and enqueue (Emit) → delivered p50/p99; target 2,000/s, p99 < 250 ms
  kill        a child controller process (this executable) emits at --rate and prints each
              event Emit acknowledged; after --kill-after it gets SIGKILL, a new controller
              delivers the rest: acknowledged events not delivered are counted as lost (target 0)
  outage      the receiver answers 503 for --outage while --outage-rate events/s are
              emitted; then it answers again: time to drain, lost, out of order (target 0)

--db runs on that database (a PostgreSQL URL, for instance) instead of a fresh SQLite file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			exe, err := os.Executable()
			if err != nil {
				return err
			}
			o.Exe, o.ChildArgs = exe, []string{"bench", "webhooks-child"}
			stopProfile, err := startCPUProfile(cpuProfile)
			if err != nil {
				return err
			}
			defer stopProfile()
			if !asJSON {
				fmt.Fprintf(out, "ipcc bench webhooks — rate %.0f/s, %d events per call, %d workers\n", o.Rate, o.EventsPerCall, o.Workers)
			}
			missed := false
			rs, err := webhookbench.Run(cmd.Context(), o, func(r webhookbench.Result) {
				if !r.Met(o) {
					missed = true
				}
				if !asJSON {
					mark := "MET"
					if !r.Met(o) {
						mark = "MISSED"
					}
					fmt.Fprintf(out, "%s  [%s]\n", r, mark)
				}
			})
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(rs)
			}
			if strict && missed {
				return errors.New("bench: a target was missed")
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.DB, "db", "", "database URL (default: a fresh SQLite file)")
	f.StringSliceVar(&o.Only, "only", nil, "phases: throughput, kill, outage (default all)")
	f.Float64Var(&o.Rate, "rate", 2000, "events/s of the throughput and kill phases")
	f.DurationVar(&o.Duration, "duration", 20*time.Second, "throughput: how long events are emitted")
	f.IntVar(&o.EventsPerCall, "events-per-call", 5, "events of one call (delivered in order)")
	f.DurationVar(&o.KillAfter, "kill-after", 5*time.Second, "kill: how long the child emits before kill -9")
	f.DurationVar(&o.Outage, "outage", 10*time.Minute, "outage: how long the receiver answers 503")
	f.Float64Var(&o.OutageRate, "outage-rate", 100, "outage: events/s emitted during the outage")
	f.IntVar(&o.Workers, "workers", 32, "deliveries sent in parallel")
	f.BoolVar(&asJSON, "json", false, "print the results as JSON")
	f.BoolVar(&strict, "strict", false, "exit with an error when a target is missed")
	f.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of this process (receiver, outbox and dispatcher) to the file")
	return cmd
}

// newBenchWebhooksChildCmd is the controller process the kill phase starts
// and kills: not for people.
func newBenchWebhooksChildCmd(*globals) *cobra.Command {
	var o webhookbench.Options
	cmd := &cobra.Command{
		Use:    "webhooks-child",
		Short:  "controller process of bench webhooks (prints acknowledged events; killed with SIGKILL)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return webhookbench.Child(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.DB, "db", "", "database URL")
	f.Float64Var(&o.Rate, "rate", 2000, "events/s")
	f.DurationVar(&o.Duration, "duration", time.Minute, "how long to emit")
	f.IntVar(&o.EventsPerCall, "events-per-call", 5, "events of one call")
	f.IntVar(&o.Workers, "workers", 32, "deliveries sent in parallel")
	return cmd
}
