package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/config"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/e2ebench"
	"github.com/ipcc/ipcc/store"
)

func newBenchE2ECmd(g *globals) *cobra.Command {
	var o e2ebench.Options
	var asJSON, strict bool
	var logPath, cpuProfile, heapProfile string
	cmd := &cobra.Command{
		Use:   "e2e",
		Short: "Measure whole calls (IVR → queue → agent → record) through a real controller",
		Long: `e2e places callers at --rate calls/s for --duration against the simulator, running
in a process of its own (this executable again), and a controller wired exactly as
serve wires it, on a fresh SQLite file or PostgreSQL schema. Every caller hears a
welcome prompt, presses 1 in a menu, waits in a queue, is answered by one of --agents
agents on simulated phones, talks for --talk and is hung up on by the agent.

Once the calls drained and the controller stopped gracefully it prints, per database:
calls placed, completed and failed, call records left open, agents set not ready
although their phone answered, and the time from dialling to the agent's answer
(p50/p99), with PASS or FAIL against the targets: 50 calls/s on SQLite and 100 on
PostgreSQL with no failed call, no open record and no agent wrongly not ready.
--find-limit raises the rate run after run (fresh database each time) and prints the
rate at which each database first fails. Run it on a quiet machine.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			cfg, err := g.load()
			if err != nil {
				return err
			}
			if logPath != "" {
				f, err := os.Create(logPath)
				if err != nil {
					return err
				}
				defer f.Close()
				var lvl slog.Level
				_ = lvl.UnmarshalText([]byte(cfg.Log.Level))
				o.Logger = slog.New(slog.NewJSONHandler(f, &slog.HandlerOptions{Level: lvl}))
			}
			o.Start = benchController(cfg, "")
			stopProfile, err := startCPUProfile(cpuProfile)
			if err != nil {
				return err
			}
			defer stopProfile()
			if heapProfile != "" {
				o.AtPeak = heapAtPeak(heapProfile)
			}
			gc := tuneGC() // as serve runs
			if !asJSON {
				fmt.Fprintf(out, "ipcc bench e2e — %s\n", gc)
			}
			progress := func(r e2ebench.RunResult) {
				if !asJSON {
					e2ebench.WriteRun(out, r)
				}
			}
			rep, err := e2ebench.Run(cmd.Context(), o, progress)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else {
				e2ebench.WriteSummary(out, rep)
			}
			if strict && rep.Failed() {
				return errors.New("bench e2e: a target was missed")
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.Databases, "db", nil, "databases: sqlite, postgres (default both)")
	f.StringVar(&o.PostgresURL, "postgres-url", "", "PostgreSQL server; each run uses a fresh schema, dropped afterwards (default postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	f.StringVar(&o.Dir, "dir", "", "directory for the SQLite files (default a temporary directory)")
	f.StringVar(&o.Switch, "switch", "freeswitch", "simulated switch: freeswitch or asterisk")
	f.Float64Var(&o.Rate, "rate", 0, "new calls per second (default each database's target: 50 SQLite, 100 PostgreSQL)")
	f.DurationVar(&o.Duration, "duration", 30*time.Second, "how long callers keep arriving")
	f.IntVar(&o.Agents, "agents", 0, "agents logged in (default enough for the rate)")
	f.DurationVar(&o.AnswerAfter, "answer-after", 500*time.Millisecond, "how long an agent's phone rings before they answer")
	f.DurationVar(&o.Talk, "talk", 3*time.Second, "how long an agent talks before hanging up")
	f.DurationVar(&o.WrapUp, "wrap-up", time.Second, "the queue's wrap-up time")
	f.DurationVar(&o.RingTimeout, "ring-timeout", 15*time.Second, "the queue's ring timeout")
	f.DurationVar(&o.PressAfter, "press-after", time.Second, "when a caller presses 1 after the IVR answered")
	f.DurationVar(&o.GiveUp, "give-up", 0, "when a caller hangs up after dialling, connected or not: a caller not connected by then is a failed call (default 60s; with --talk of 30s or more, a minute more than the call); must exceed --press-after + --answer-after + --talk")
	f.BoolVar(&o.FindLimit, "find-limit", false, "raise the rate run after run until a run fails (per database)")
	f.Float64Var(&o.RampFrom, "ramp-from", 10, "find-limit: first rate")
	f.Float64Var(&o.RampStep, "ramp-step", 10, "find-limit: rate increment")
	f.Float64Var(&o.RampMax, "ramp-max", 200, "find-limit: highest rate tried")
	f.BoolVar(&o.Keep, "keep", false, "keep the databases for inspection")
	f.StringVar(&logPath, "controller-log", "", "write the controller's logs (JSON, at --log-level) to this file (default: discarded)")
	f.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of this process (the controller side) to the file")
	f.StringVar(&heapProfile, "heapprofile", "", "write a heap profile of this process (the controller side) to the file when the calls in progress peak")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	f.BoolVar(&strict, "strict", false, "exit with an error when a target is missed")
	return cmd
}

// heapAtPeak writes a heap profile to path at a new high of calls in
// progress, at most once per 5 % growth (each write replaces the last).
func heapAtPeak(path string) func(calls int) {
	written := 0
	return func(calls int) {
		if calls < written+written/20+1 {
			return
		}
		written = calls
		if err := writeHeapProfile(path); err != nil {
			fmt.Fprintf(os.Stderr, "bench e2e: heap profile at %d calls: %v\n", calls, err)
		}
	}
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// newBenchE2ESimCmd is the simulator process bench e2e starts: not for
// people.
func newBenchE2ESimCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:    "e2e-sim",
		Short:  "Simulator process of bench e2e (JSON lines on stdin/stdout)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			tuneGC()
			return e2ebench.SimMain(cmd.Context(), cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}
}

// benchController starts the call path as serve wires it, on the bench's
// store and simulated switch, with trunk as media.default_trunk (agents on
// a mobile number are dialled through it; "" for none). Text prompts (none
// in the bench's flow) would be rendered as silence.
func benchController(cfg *config.Config, trunk string) e2ebench.StartFunc {
	return func(ctx context.Context, st *store.Store, switches []config.Switch, log *slog.Logger) (e2ebench.Controller, error) {
		dir, err := os.MkdirTemp("", "ipcc-e2e-media-")
		if err != nil {
			return nil, err
		}
		renderer, err := buildTTS(config.TTS{Engine: "silent", CacheDir: filepath.Join(dir, "tts")})
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		c := *cfg
		c.Media.DefaultTrunk = trunk
		recDir, vmDir := filepath.Join(dir, "recordings"), filepath.Join(dir, "voicemail")
		path, err := newCallPath(callPathDeps{cfg: &c, st: st, log: log, reg: prometheus.NewRegistry(), tts: renderer,
			recDir: recDir, vmDir: vmDir, media: resolveSwitchMedia(switches, config.Media{RecordingDir: recDir, VoicemailDir: vmDir})})
		if err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		if err := path.start(ctx, switches, log); err != nil {
			path.disp.Close()
			os.RemoveAll(dir)
			return nil, err
		}
		return &benchPath{callPath: path, dir: dir}, nil
	}
}

// benchPath is the call path as the bench drives it.
type benchPath struct {
	*callPath
	dir string
}

func (b *benchPath) Engine(ctx context.Context, tenant string) (*acd.Engine, error) {
	return b.disp.Engine(ctx, tenant)
}

func (b *benchPath) Subscribe(buf int) (<-chan dispatch.Event, func()) { return b.disp.Subscribe(buf) }

func (b *benchPath) Connected() bool {
	for _, check := range b.checks {
		if check(context.Background()) != nil {
			return false
		}
	}
	return len(b.checks) > 0
}

func (b *benchPath) LiveCalls() int { return len(b.ctl.Calls()) }

func (b *benchPath) Lost() <-chan struct{} { return b.leased.Lost() }

func (b *benchPath) LostErr() error { return b.leased.Err() }

func (b *benchPath) Stop() {
	b.stop()
	at := time.Now()
	b.disp.Close()
	b.log.Info("stopping: ACD engines closed, their writes done", "took_ms", time.Since(at).Milliseconds())
	os.RemoveAll(b.dir)
}
