package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/ipcc/ipcc/config"
	"github.com/ipcc/ipcc/e2ebench"
)

func newBenchFailoverCmd(g *globals) *cobra.Command {
	var o e2ebench.FailoverOptions
	var asJSON, strict bool
	cmd := &cobra.Command{
		Use:   "failover",
		Short: "Kill -9 the active controller under live traffic and measure the standby's takeover",
		Long: `failover runs two controllers (ipcc-a and ipcc-b, each a process of its own: this
executable again, wired as serve wires the call path) on one fresh PostgreSQL schema,
and the simulator in a third process. ipcc-a takes the switch lease and logs the
agents in; ipcc-b waits on standby. Callers arrive at --rate for --duration (an IVR,
then a queue whose --agents agents are kept busy, so callers are in the IVR, waiting
and talking at any moment); --kill-after the first caller, ipcc-a is killed with
SIGKILL. ipcc-b takes over, the calls drain through it, it is stopped gracefully and
the records are read.

It prints the takeover time (kill → standby holding the lease and connected), the
first call answered and the first agent answer after the kill, callers dropped, call
records lost, duplicated or left open, agents offered two calls at once (overlapping
agent legs), and pairs of callers waiting at the kill who were served out of their
queue order. Targets: takeover ≤ 5 s with --lease-ttl 3s, and 0 for the rest.

With --mobile (default 1), that many agents are on a mobile number (转手机), rung
through the PSTN trunk "pstn" (media.default_trunk); the kill waits until one of them
is talking. It prints, from what the simulator saw of the mobile legs: calls a mobile
was on at the kill and kept (the caller stayed until the mobile hung up; one closed
record naming the agent, with the talk time the switch saw), calls offered on a mobile
after the takeover and answered, legs not through the trunk, and a mobile rung while
on a call.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			r := e2ebench.Failover(cmd.Context(), o)
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(r); err != nil {
					return err
				}
			} else {
				e2ebench.WriteFailover(out, r)
			}
			if strict && !r.Met() {
				return errors.New("bench failover: a target was missed")
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.PostgresURL, "postgres-url", "", "PostgreSQL server; the run uses a fresh schema, dropped afterwards (default postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	f.BoolVar(&o.Keep, "keep", false, "keep the schema for inspection")
	f.StringVar(&o.Switch, "switch", "freeswitch", "simulated switch: freeswitch or asterisk")
	f.Float64Var(&o.Rate, "rate", 5, "new calls per second")
	f.DurationVar(&o.Duration, "duration", 20*time.Second, "how long callers keep arriving")
	f.DurationVar(&o.KillAfter, "kill-after", 0, "when to kill the owner, after the first caller (default half the duration)")
	f.IntVar(&o.Agents, "agents", 25, "agents logged in")
	f.DurationVar(&o.AnswerAfter, "answer-after", 500*time.Millisecond, "how long an agent's phone rings before they answer")
	f.DurationVar(&o.Talk, "talk", 6*time.Second, "how long an agent talks before hanging up")
	f.DurationVar(&o.WrapUp, "wrap-up", time.Second, "the queue's wrap-up time")
	f.DurationVar(&o.RingTimeout, "ring-timeout", 15*time.Second, "the queue's ring timeout")
	f.DurationVar(&o.PressAfter, "press-after", time.Second, "when a caller presses 1 after the IVR answered")
	f.DurationVar(&o.GiveUp, "give-up", 120*time.Second, "when a caller who is not connected yet hangs up (a dropped call)")
	f.IntVar(&o.Mobile, "mobile", 1, "how many of the agents are on a mobile number (转手机), dialled through the simulator's PSTN trunk; the owner is killed while one is talking")
	f.DurationVar(&o.MobileTalk, "mobile-talk", 0, "how long a mobile agent talks before hanging up (default 3× --talk, to outlast the takeover)")
	f.DurationVar(&o.LeaseTTL, "lease-ttl", 3*time.Second, "both controllers' cluster.lease_ttl (3s..5m)")
	f.BoolVar(&o.Pause, "pause", false, "freeze the owner (SIGSTOP) instead of killing it, and resume it (SIGCONT) --pause-for after the takeover: it must stop by itself, its late writes refused")
	f.DurationVar(&o.PauseFor, "pause-for", 2*time.Second, "with --pause: how long after the takeover the owner is resumed")
	f.StringVar(&o.LogDir, "log-dir", "", "write each controller's log to <dir>/ipcc-a.log and ipcc-b.log")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	f.BoolVar(&strict, "strict", false, "exit with an error when a target is missed")
	return cmd
}

// newBenchFailoverCtlCmd is a controller process of bench failover: not
// for people.
func newBenchFailoverCtlCmd(g *globals) *cobra.Command {
	var options string
	cmd := &cobra.Command{
		Use:    "failover-ctl",
		Short:  "Controller process of bench failover (status as JSON lines on stdout)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o, err := e2ebench.ParseCtlOptions(options)
			if err != nil {
				return err
			}
			cfg, err := g.load()
			if err != nil {
				return err
			}
			tuneGC()
			return runFailoverCtl(cmd, cfg, o)
		},
	}
	cmd.Flags().StringVar(&options, "options", "", "the bench's options (JSON)")
	return cmd
}

// runFailoverCtl runs one controller of the failover bench: serve's call
// path with the options' controller id and lease TTL; its log (JSON) goes
// to stderr.
func runFailoverCtl(cmd *cobra.Command, cfg *config.Config, o e2ebench.CtlOptions) error {
	c := *cfg
	c.Cluster.ControllerID, c.Cluster.LeaseTTL = o.ID, o.LeaseTTL
	if err := c.Validate(); err != nil {
		return fmt.Errorf("failover-ctl: %w", err)
	}
	log := slog.New(slog.NewJSONHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelInfo})).With("controller", o.ID)
	return e2ebench.CtlMain(cmd.Context(), o, benchController(&c, o.DefaultTrunk), cmd.OutOrStdout(), log)
}
