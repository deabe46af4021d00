package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"
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
		// frontier: seeds and simulated time per point.
		frontierSeeds    int
		frontierCurveSel string
		frontierDuration time.Duration
		oo               switchbench.OriginateOptions
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
first second within ±5 % of the setting.

Frontier (--only frontier): the same model with the abandon budget fixed (no
feedback, no guard) at several values, for the production decision rule with
learned and with known (true, given) parameters and for two other decision rules
(marginal, idle): talk-minutes per agent-hour against the abandon rate each budget
gives, --frontier-seeds × --frontier-duration per point, and by linear
interpolation the talk time each curve reaches at 1 % and 3 % abandon and the
abandon rate it needs for 56 and 57.5 talk-minutes; and the production rule
given the model's true chances (truth) and bench-only oracles that read the
simulation's future (oracle-agents: when each busy agent will be free;
oracle-calls: which ringing calls will answer and when; oracle: both), which no
real pacer can have: what bounds the frontier. --frontier-curves picks curves.
Informational: it exits 0.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			out := cmd.OutOrStdout()
			missed := false
			switch only {
			case "", "pacer", "originate", "frontier":
			default:
				return fmt.Errorf("bench dialer: --only %q: want pacer, originate or frontier", only)
			}
			if only == "frontier" {
				fo := o
				fo.Duration = frontierDuration
				start := time.Now()
				var keys []string
				if frontierCurveSel != "" {
					keys = strings.Split(frontierCurveSel, ",")
					for _, k := range keys {
						if !slices.ContainsFunc(frontierCurves(), func(c frontierCurve) bool { return c.key == k }) {
							return fmt.Errorf("bench dialer: --frontier-curves: unknown curve %q (want average, known, marginal, idle, truth, oracle-agents, oracle-calls, oracle)", k)
						}
					}
				}
				curves := runDialerFrontier(fo, frontierSeeds, keys)
				writeDialerFrontier(out, fo, frontierSeeds, curves, time.Since(start))
				return nil
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
	f.StringVar(&only, "only", "", "run only the pacer simulation (pacer), the originate measurement (originate) or the efficiency/abandon frontier of fixed budgets (frontier)")
	f.IntVar(&frontierSeeds, "frontier-seeds", 4, "frontier: seeds per point")
	f.StringVar(&frontierCurveSel, "frontier-curves", "", "frontier: the curves to trace, comma-separated (average, known, marginal, idle, truth, oracle-agents, oracle-calls, oracle; default all)")
	f.DurationVar(&frontierDuration, "frontier-duration", 2*time.Hour, "frontier: simulated time per run")
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

// frontierCurve is one decision rule traced over fixed budgets.
type frontierCurve struct {
	// key selects the curve (--frontier-curves).
	key  string
	name string
	// oracle: SimOptions.Oracle (bench only).
	oracle, oracleCalls, oracleAgents bool
	rule                              campaign.DecisionRule
	known                             bool
	budgets                           []float64
	points                            []frontierPoint
}

// frontierPoint is one budget's figures over the seeds.
type frontierPoint struct {
	budget, talk, abandonPct float64
}

func frontierCurves() []frontierCurve {
	return []frontierCurve{
		{key: "average", name: "average (production), learned", rule: campaign.RuleAverage, budgets: []float64{0.001, 0.002, 0.005, 0.01, 0.02, 0.04, 0.08}},
		{key: "known", name: "average (production), known parameters", rule: campaign.RuleAverage, known: true, budgets: []float64{0.001, 0.002, 0.005, 0.01, 0.02, 0.04, 0.08}},
		{key: "marginal", name: "marginal, learned", rule: campaign.RuleMarginal, budgets: []float64{0.002, 0.005, 0.01, 0.02, 0.04, 0.08}},
		{key: "idle", name: "idle (budget in s), learned", rule: campaign.RuleIdle, budgets: []float64{3000, 1500, 800, 400, 200, 100, 50}},
		{key: "truth", name: "average, true conditional probabilities", rule: campaign.RuleAverage, oracle: true, budgets: []float64{0.001, 0.002, 0.005, 0.01, 0.02, 0.04, 0.08}},
		{key: "oracle-agents", name: "ORACLE (bench only): agents' finish", rule: campaign.RuleAverage, oracle: true, oracleAgents: true, budgets: []float64{0.001, 0.002, 0.005, 0.01, 0.02, 0.04, 0.08}},
		{key: "oracle-calls", name: "ORACLE (bench only): calls' outcomes", rule: campaign.RuleAverage, oracle: true, oracleCalls: true, budgets: []float64{0.001, 0.002, 0.005, 0.01, 0.02, 0.04, 0.08}},
		{key: "oracle", name: "ORACLE (bench only): both", rule: campaign.RuleAverage, oracle: true, oracleCalls: true, oracleAgents: true, budgets: []float64{0.001, 0.002, 0.005, 0.01, 0.02, 0.04, 0.08}},
	}
}

// runDialerFrontier runs every curve's budgets over the seeds.
func runDialerFrontier(base campaign.SimOptions, seeds int, keys []string) []frontierCurve {
	var curves []frontierCurve
	for _, c := range frontierCurves() {
		if len(keys) == 0 || slices.Contains(keys, c.key) {
			curves = append(curves, c)
		}
	}
	var opts []campaign.SimOptions
	for _, c := range curves {
		for _, b := range c.budgets {
			for seed := range seeds {
				o := base
				o.Seed, o.FixedBudget = uint64(seed+1), b
				o.Pacer.Rule, o.Pacer.Known, o.Oracle = c.rule, c.known, c.oracle
				o.OracleCalls, o.OracleAgents = c.oracleCalls, c.oracleAgents
				opts = append(opts, o)
			}
		}
	}
	res := simulateAll(opts)
	i := 0
	for ci := range curves {
		c := &curves[ci]
		for _, b := range c.budgets {
			pt := frontierPoint{budget: b}
			ans, ab := 0, 0
			for range seeds {
				r := res[i]
				i++
				pt.talk += r.TalkMinPerAgentHour / float64(seeds)
				ans += r.Answers
				ab += r.Abandons
			}
			if ans > 0 {
				pt.abandonPct = 100 * float64(ab) / float64(ans)
			}
			c.points = append(c.points, pt)
		}
	}
	return curves
}

// simulateAll runs the simulations on every CPU, results in order.
func simulateAll(opts []campaign.SimOptions) []campaign.SimResult {
	res := make([]campaign.SimResult, len(opts))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				res[i] = campaign.Simulate(opts[i])
			}
		}()
	}
	for i := range opts {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return res
}

// interpolate is y at x on the piecewise-linear curve through the points
// (sorted by x here), ok false when x is outside them.
func interpolate(xs, ys []float64, x float64) (float64, bool) {
	idx := make([]int, len(xs))
	for i := range idx {
		idx[i] = i
	}
	sort.Slice(idx, func(a, b int) bool { return xs[idx[a]] < xs[idx[b]] })
	for k := 0; k+1 < len(idx); k++ {
		x0, x1 := xs[idx[k]], xs[idx[k+1]]
		if x >= x0 && x <= x1 {
			if x1 == x0 {
				return ys[idx[k]], true
			}
			return ys[idx[k]] + (ys[idx[k+1]]-ys[idx[k]])*(x-x0)/(x1-x0), true
		}
	}
	return 0, false
}

func writeDialerFrontier(w io.Writer, o campaign.SimOptions, seeds int, curves []frontierCurve, took time.Duration) {
	fmt.Fprintf(w, "ipcc bench dialer --only frontier — %d agents, answer prob. %.2f, answer U(%v, %v), unanswered end %v, talk exp. mean %v, connect %v, fixed budgets, %v × %d seeds per point (%v wall)\n",
		o.Agents, o.AnswerProb, o.AnswerMin, o.AnswerMax, o.NoAnswerEnd, o.TalkMean, o.Connect, o.Duration, seeds, took.Round(time.Second))
	fmt.Fprintf(w, "%-42s %9s %9s %9s\n", "decision rule", "budget", "talk/ah", "abandon")
	for _, c := range curves {
		for _, p := range c.points {
			fmt.Fprintf(w, "%-42s %9.4g %9.2f %8.2f%%\n", c.name, p.budget, p.talk, p.abandonPct)
		}
	}
	fmt.Fprintf(w, "\n%-42s %13s %13s %15s %15s\n", "decision rule (interpolated)", "talk at 1%", "talk at 3%", "abandon for 56", "abandon for 57.5")
	cell := func(v float64, ok bool, unit string) string {
		if !ok {
			return "out of range"
		}
		return fmt.Sprintf("%.2f%s", v, unit)
	}
	for _, c := range curves {
		var ab, talk []float64
		for _, p := range c.points {
			ab, talk = append(ab, p.abandonPct), append(talk, p.talk)
		}
		t1, ok1 := interpolate(ab, talk, 1)
		t3, ok3 := interpolate(ab, talk, 3)
		a56, ok56 := interpolate(talk, ab, 56)
		a575, ok575 := interpolate(talk, ab, 57.5)
		fmt.Fprintf(w, "%-42s %13s %13s %15s %15s\n", c.name, cell(t1, ok1, ""), cell(t3, ok3, ""), cell(a56, ok56, "%"), cell(a575, ok575, "%"))
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
	if r.OpenLoopCPU > 0 && r.Sent > 0 {
		fmt.Fprintf(w, "  %-44s %10s   (%.0f µs per originate sent)\n", "process CPU during the open loop",
			r.OpenLoopCPU.Round(time.Millisecond), float64(r.OpenLoopCPU.Microseconds())/float64(r.Sent))
	}
	for _, l := range r.Limits {
		fmt.Fprintf(w, "  %-44s %10.2f/s   target %.0f/s ±5 %% %s   (first second %d, busiest later second %d)\n",
			fmt.Sprintf("limiter at %.0f/s: accepted after the 1st second", l.Setting), l.Rate, l.Setting, verdict(math.Abs(l.ErrorPct) <= 5), l.BurstFirstSecond, l.MaxSecond)
	}
	return missed
}
