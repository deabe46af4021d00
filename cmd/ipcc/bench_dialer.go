package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/ipcc/ipcc/campaign"
	"github.com/ipcc/ipcc/switchbench"
)

// dialerScenario is one line of `ipcc bench dialer`.
type dialerScenario struct {
	name        string
	capPct      float64
	halve       bool
	progressive bool
	// targetTalk is the talk-minutes per agent-hour to reach (0: none).
	targetTalk float64
}

// dialerSummary aggregates a scenario's seeds.
type dialerSummary struct {
	dialerScenario
	runs                    int
	talkMean, talkMin       float64
	abandonPct, maxHourPct  float64
	dials, answers, abandon int
}

func (s dialerSummary) ok() bool {
	if s.progressive {
		return true
	}
	return s.talkMean >= s.targetTalk && s.abandonPct <= s.capPct && s.maxHourPct <= s.capPct
}

func newBenchDialerCmd(*globals) *cobra.Command {
	o := campaign.DefaultSim()
	var (
		seeds int
		only  string
		oo    switchbench.OriginateOptions
	)
	cmd := &cobra.Command{
		Use:   "dialer",
		Short: "Run the production predictive pacer against the issue's dialing model on a simulated clock",
		Long: `dialer runs the predictive pacer of package campaign, unchanged, against this model
(issue 13) on a simulated clock: 50 agents, answer probability 0.30, answer after
U(3 s, 15 s), unanswered attempts end at 20 s, talk time exponential with mean 120 s,
no wrap-up, an answered callee is abandoned when no agent takes them within 2 s,
8 simulated hours, 20 seeds. Scenarios:

  cap 3%          target ≥ 57.5 talk-minutes per agent-hour, abandon ≤ 3 %
  cap 1%          target ≥ 56, abandon ≤ 1 %
  cap 3%, halved  the answer probability halves at mid-run: no rolling hour over the cap
  progressive     one call per free agent, for comparison (about 41)

Abandon rates are of live answers; "worst hour" is the highest rate of any rolling
60-minute window (stepped by a minute) of any seed.

Originate (--only originate): the FreeSWITCH driver against the simulator
(controller/sim, real ESL over a TCP socket) through ONE ESL connection (commands on
the event connection): originates offered open loop at --originate-rate for
--originate-duration, target ≥ 500 accepted per second with p99 accept latency
(Originate call until the switch's +OK) < 10 ms; then the per-trunk call-rate limiter
(campaign.CPS) asked before every originate as the dialer asks it, at 10, 50 and
200 calls/s for 10 s each: the originates the switch accepted per second after the
first second within ±5 % of the setting.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			missed := false
			switch only {
			case "", "pacer", "originate":
			default:
				return fmt.Errorf("bench dialer: --only %q: want pacer or originate", only)
			}
			if only != "originate" {
				start := time.Now()
				sums := runDialerBench(o, seeds)
				writeDialerBench(out, o, seeds, sums, time.Since(start))
				for _, s := range sums {
					missed = missed || !s.ok()
				}
			}
			if only != "pacer" {
				oo.NewLimiter = func(rate float64) switchbench.Limiter { return campaign.NewCPS(rate, 0) }
				res, err := switchbench.RunOriginate(cmd.Context(), oo)
				if err != nil {
					return fmt.Errorf("bench dialer: originate: %w", err)
				}
				missed = writeOriginateBench(out, res) || missed
			}
			if missed {
				return errors.New("bench dialer: a target was missed")
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.Agents, "agents", o.Agents, "agents")
	f.Float64Var(&o.AnswerProb, "answer-prob", o.AnswerProb, "answer probability")
	f.DurationVar(&o.Duration, "duration", o.Duration, "simulated time per run")
	f.DurationVar(&o.TalkMean, "talk-mean", o.TalkMean, "mean talk time")
	f.IntVar(&seeds, "seeds", 20, "seeds per scenario")
	f.StringVar(&only, "only", "", "run only the pacer simulation (pacer) or the originate measurement (originate)")
	f.Float64Var(&oo.Rate, "originate-rate", 500, "originates per second offered")
	f.DurationVar(&oo.Duration, "originate-duration", 10*time.Second, "how long originates are offered")
	return cmd
}

func runDialerBench(base campaign.SimOptions, seeds int) []dialerSummary {
	scen := []dialerScenario{
		{name: "predictive, cap 3%", capPct: 3, targetTalk: 57.5},
		{name: "predictive, cap 1%", capPct: 1, targetTalk: 56},
		{name: "predictive, cap 3%, answer prob. halved at mid-run", capPct: 3, halve: true},
		{name: "progressive", capPct: 3, progressive: true},
	}
	type job struct{ s, seed int }
	results := make([][]campaign.SimResult, len(scen))
	for i := range results {
		results[i] = make([]campaign.SimResult, seeds)
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				o := base
				sc := scen[j.s]
				o.Seed, o.CapPct, o.Progressive = uint64(j.seed+1), sc.capPct, sc.progressive
				if sc.halve {
					o.HalveAt = o.Duration / 2
				}
				results[j.s][j.seed] = campaign.Simulate(o)
			}
		}()
	}
	for s := range scen {
		for seed := range seeds {
			jobs <- job{s, seed}
		}
	}
	close(jobs)
	wg.Wait()
	out := make([]dialerSummary, len(scen))
	for i, sc := range scen {
		sum := dialerSummary{dialerScenario: sc, runs: seeds, talkMin: 1e9}
		for _, r := range results[i] {
			sum.talkMean += r.TalkMinPerAgentHour / float64(seeds)
			sum.talkMin = min(sum.talkMin, r.TalkMinPerAgentHour)
			sum.maxHourPct = max(sum.maxHourPct, r.MaxHourAbandonPct)
			sum.dials += r.Dials
			sum.answers += r.Answers
			sum.abandon += r.Abandons
		}
		if sum.answers > 0 {
			sum.abandonPct = 100 * float64(sum.abandon) / float64(sum.answers)
		}
		out[i] = sum
	}
	return out
}

func writeDialerBench(w io.Writer, o campaign.SimOptions, seeds int, sums []dialerSummary, took time.Duration) {
	fmt.Fprintf(w, "ipcc bench dialer — %d agents, answer prob. %.2f, answer U(%v, %v), unanswered end %v, talk exp. mean %v, connect %v, %v × %d seeds (%v wall)\n",
		o.Agents, o.AnswerProb, o.AnswerMin, o.AnswerMax, o.NoAnswerEnd, o.TalkMean, o.Connect, o.Duration, seeds, took.Round(time.Second))
	fmt.Fprintf(w, "%-52s %9s %9s %9s %10s %8s  %s\n", "scenario", "talk/ah", "min seed", "abandon", "worst hr", "dials", "verdict")
	for _, s := range sums {
		verdict := "(comparison)"
		if !s.progressive {
			target := fmt.Sprintf("abandon ≤ %.0f%% in every hour", s.capPct)
			if s.targetTalk > 0 {
				target = fmt.Sprintf("≥ %.1f at ≤ %.0f%%", s.targetTalk, s.capPct)
			}
			verdict = "MISSED (" + target + ")"
			if s.ok() {
				verdict = "ok (" + target + ")"
			}
		}
		fmt.Fprintf(w, "%-52s %9.2f %9.2f %8.2f%% %9.2f%% %8d  %s\n", s.name, s.talkMean, s.talkMin, s.abandonPct, s.maxHourPct, s.dials/max(s.runs, 1), verdict)
	}
}

// writeOriginateBench prints the originate figures with PASS/FAIL; it
// reports whether a target was missed.
func writeOriginateBench(w io.Writer, r switchbench.OriginateResult) (missed bool) {
	verdict := func(ok bool) string {
		if ok {
			return "PASS"
		}
		missed = true
		return "FAIL"
	}
	fmt.Fprintf(w, "\nipcc bench dialer --only originate — FreeSWITCH driver → simulator (real ESL over TCP), originates on %d ESL command connection\n", r.CommandConnections)
	fmt.Fprintf(w, "  %-44s %10.1f/s   target ≥ 500/s   %s\n", fmt.Sprintf("most accepted per second (%d in flight)", r.InFlight), r.MaxRate, verdict(r.MaxRate >= 500))
	errs := 0
	for _, n := range r.Errors {
		errs += n
	}
	fmt.Fprintf(w, "  open loop, offered %.0f/s: sent %d, accepted %d, errors %d\n", r.Offered, r.Sent, r.Accepted, errs)
	for e, n := range r.Errors {
		fmt.Fprintf(w, "    %d× %s\n", n, e)
	}
	fmt.Fprintf(w, "  %-44s %10.1f/s   (all accepted: %s)\n", fmt.Sprintf("accepted at %.0f/s offered", r.Offered), r.Rate, verdict(errs == 0 && r.Accepted == r.Sent))
	fmt.Fprintf(w, "  %-44s %10s     target < 10 ms   %s\n", "p99 accept latency (Originate → +OK)", r.P99.Round(time.Microsecond), verdict(r.Accepted > 0 && r.P99 < 10*time.Millisecond))
	fmt.Fprintf(w, "  %-44s %10s / %s\n", "p50 / max accept latency", r.P50.Round(time.Microsecond), r.Max.Round(time.Microsecond))
	fmt.Fprintf(w, "  %-44s %10s / %s\n", "CPU starvation (1 ms sleeper p99 / max late)", r.ProbeP99.Round(time.Microsecond), r.ProbeMax.Round(time.Microsecond))
	for _, l := range r.Limits {
		fmt.Fprintf(w, "  %-44s %10.2f/s   target %.0f/s ±5 %% %s   (first second %d, busiest later second %d)\n",
			fmt.Sprintf("limiter at %.0f/s: accepted after the 1st second", l.Setting), l.Rate, l.Setting, verdict(math.Abs(l.ErrorPct) <= 5), l.BurstFirstSecond, l.MaxSecond)
	}
	return missed
}
