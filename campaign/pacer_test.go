package campaign

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func busy(n int, d time.Duration) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

func TestPacerDecide(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		st       PacerState
		min, max int
		code     string
	}{
		{"no agents", PacerState{Leads: -1}, 0, 0, "no_agents"},
		{"no leads", PacerState{Free: 5, Leads: 0}, 0, 0, "limit"},
		{"five free, nothing ringing: over 1:1", PacerState{Free: 5, Busy: busy(45, time.Minute), Leads: -1}, 6, 60, "budget"},
		{"all busy, many ringing", PacerState{Busy: busy(50, 5*time.Second), Ringing: busy(40, time.Second), Leads: -1}, 0, 0, "budget"},
		{"lead limit", PacerState{Free: 10, Leads: 2}, 0, 2, "budget"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := NewPacer(PacerConfig{})
			c.st.Now = t0
			d := p.Decide(c.st)
			if d.Dial < c.min || d.Dial > c.max {
				t.Fatalf("dial %d, want %d..%d (%+v)", d.Dial, c.min, c.max, d)
			}
			if d.Reason == "" || d.AnswerProb <= 0 || !slices.Contains(d.Codes, c.code) {
				t.Fatalf("decision not explained (want code %s): %+v", c.code, d)
			}
		})
	}
}

// The pacer slows down as the abandons of the last hour near the cap:
// both pacers have had an hour of answers (0.4/s), one with none
// abandoned, the other with 2.9 % abandoned (the cap is 3 %).
func TestPacerSlowsBeforeBreach(t *testing.T) {
	t.Parallel()
	st := PacerState{Free: 8, Busy: busy(42, time.Minute), Leads: -1}
	calm, hot := NewPacer(PacerConfig{CapPct: 3}), NewPacer(PacerConfig{CapPct: 3})
	for i := range 1440 {
		at := t0.Add(time.Duration(i) * 2500 * time.Millisecond)
		for _, p := range []*Pacer{calm, hot} {
			p.Answered(at, 9*time.Second)
			// 0.3 answered: 7 of 3 not.
			for range 2 + (i%3+1)/3 {
				p.NotAnswered(at, 20*time.Second)
			}
		}
		if i%34 == 0 { // 43 of 1440: 2.9 %
			hot.Abandoned(at)
		}
	}
	st.Now = t0.Add(time.Hour)
	dc, dh := calm.Decide(st), hot.Decide(st)
	if dh.Dial >= dc.Dial || dh.Guard >= 0.5 || dc.Guard != 1 || !strings.Contains(dh.Reason, "near the cap") || !slices.Contains(dh.Codes, "near_cap") || slices.Contains(dc.Codes, "near_cap") {
		t.Fatalf("near the cap %+v, calm %+v: want slower", dh, dc)
	}
	if dh.GuardAbandonPct < 2.9 || dh.WindowAnswers != 360 || dh.AllowedPct >= 2.7 {
		t.Fatalf("window figures %+v", dh)
	}
	// Never below progressive: a line per free agent.
	if dh.Dial < 8 {
		t.Fatalf("dialled %d for 8 free agents", dh.Dial)
	}
}

func TestPacerExplainKeepsAnHour(t *testing.T) {
	t.Parallel()
	p := NewPacer(PacerConfig{})
	for i := range 200 {
		p.Decide(PacerState{Now: t0.Add(time.Duration(i) * time.Minute), Free: 1, Leads: -1})
	}
	l := p.Explain(0)
	if len(l) < 60 || len(l) > 62 {
		t.Fatalf("%d decisions kept, want the last hour", len(l))
	}
	if got := p.Explain(5); len(got) != 5 || !got[4].At.Equal(t0.Add(199*time.Minute)) {
		t.Fatalf("latest 5: %+v", got)
	}
}

// The simulation is deterministic for a seed; predictive beats progressive.
func TestSimulateDeterministic(t *testing.T) {
	t.Parallel()
	o := DefaultSim()
	o.Duration, o.Agents, o.Seed = 20*time.Minute, 10, 7
	a, b := Simulate(o), Simulate(o)
	if a.Dials != b.Dials || a.TalkMinPerAgentHour != b.TalkMinPerAgentHour || a.Abandons != b.Abandons {
		t.Fatalf("two runs differ: %+v %+v", a, b)
	}
	o.Progressive = true
	pr := Simulate(o)
	if pr.Abandons != 0 || pr.TalkMinPerAgentHour >= a.TalkMinPerAgentHour {
		t.Fatalf("progressive %+v, predictive %+v", pr, a)
	}
}

// BenchmarkPacerDecide: one decision with 50 agents and 30 calls ringing.
func BenchmarkPacerDecide(b *testing.B) {
	p := NewPacer(PacerConfig{})
	for i := range 400 {
		p.Answered(t0, time.Duration(3+i%12)*time.Second)
		p.NotAnswered(t0, 20*time.Second)
		p.Handled(time.Duration(30+i%200) * time.Second)
	}
	st := PacerState{Free: 3, Busy: busy(47, time.Minute), Ringing: busy(30, 4*time.Second), Leads: -1}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		st.Now = t0.Add(time.Duration(i) * 100 * time.Millisecond)
		p.Decide(st)
	}
}

// BenchmarkSimulateHour: one simulated hour of the model.
func BenchmarkSimulateHour(b *testing.B) {
	o := DefaultSim()
	o.Duration = time.Hour
	for i := 0; b.Loop(); i++ {
		o.Seed = uint64(i)
		Simulate(o)
	}
}

// An abandon rate near the cap over the compliance profile's period (read
// from the stored attempts) slows the pacer down too.
func TestPacerSlowsOnThePeriodRate(t *testing.T) {
	t.Parallel()
	st := PacerState{Now: t0, Free: 8, Busy: busy(42, time.Minute), Leads: -1}
	p := NewPacer(PacerConfig{CapPct: 3})
	p.SetPeriodRate(2.8)
	d := p.Decide(st)
	if d.Guard >= 1 || !strings.Contains(d.Reason, "compliance period") {
		t.Fatalf("%+v", d)
	}
	if free := NewPacer(PacerConfig{CapPct: 3}).Decide(st); free.Dial <= d.Dial {
		t.Fatalf("near the cap over the period: %d dialled, else %d: want fewer", d.Dial, free.Dial)
	}
}

// Every decision rule explains itself, and a larger budget never dials
// fewer calls.
func TestPacerRules(t *testing.T) {
	t.Parallel()
	st := PacerState{Now: t0, Free: 4, Busy: busy(46, time.Minute), Ringing: busy(10, 4*time.Second), Leads: -1}
	cases := []struct {
		rule       DecisionRule
		lo, hi     float64
		reasonPart string
	}{
		{RuleAverage, 0.002, 0.05, "expected abandons ≤ β·g·expected answers"},
		{RuleMarginal, 0.002, 0.05, "marginal expected abandons"},
		{RuleIdle, 3000, 100, "idle agent-seconds per abandon"},
	}
	for _, c := range cases {
		t.Run(c.rule.String(), func(t *testing.T) {
			lo := NewPacer(PacerConfig{Rule: c.rule, FixedBudget: c.lo}).Decide(st)
			hi := NewPacer(PacerConfig{Rule: c.rule, FixedBudget: c.hi}).Decide(st)
			if !strings.Contains(lo.Reason, c.reasonPart) {
				t.Fatalf("reason %q does not name the rule (%q)", lo.Reason, c.reasonPart)
			}
			if hi.Dial < lo.Dial || hi.Dial == 0 {
				t.Fatalf("budget %v dials %d, budget %v dials %d: want more with the looser budget", c.hi, hi.Dial, c.lo, lo.Dial)
			}
		})
	}
}

// A pacer with Known parameters keeps its priors whatever the outcomes.
func TestPacerKnownLearnsNothing(t *testing.T) {
	t.Parallel()
	known, learning := NewPacer(PacerConfig{Known: true, PriorRing: 20 * time.Second}), NewPacer(PacerConfig{PriorRing: 20 * time.Second})
	for i := range 600 {
		at := t0.Add(time.Duration(i) * time.Second)
		for _, p := range []*Pacer{known, learning} {
			p.NotAnswered(at, 20*time.Second)
			p.Handled(30 * time.Second)
		}
	}
	st := PacerState{Now: t0.Add(11 * time.Minute), Free: 2, Busy: busy(48, time.Minute), Leads: -1}
	k, l := known.Decide(st), learning.Decide(st)
	if k.AnswerProb != 0.3 || k.MeanHandleMS != 120000 {
		t.Fatalf("known pacer moved: answer prob %.3f, handle %d ms", k.AnswerProb, k.MeanHandleMS)
	}
	if l.AnswerProb >= 0.1 || l.MeanHandleMS >= 120000 {
		t.Fatalf("learning pacer did not learn: answer prob %.3f, handle %d ms", l.AnswerProb, l.MeanHandleMS)
	}
}

// The tenant's quota of calls holds the decision down to its room, and
// the explanation says so; a quota with room to spare changes nothing.
func TestPacerHeldByTenantQuota(t *testing.T) {
	t.Parallel()
	st := PacerState{Now: t0, Free: 10, Leads: -1}
	free := NewPacer(PacerConfig{}).Decide(st)
	if free.Dial < 10 || slices.Contains(free.Codes, "quota") {
		t.Fatalf("without a quota: %+v", free)
	}
	for _, tc := range []struct {
		name string
		room int
		want int
	}{{"room for 3", 3, 3}, {"no room", 0, 0}, {"room to spare", 1000, free.Dial}} {
		t.Run(tc.name, func(t *testing.T) {
			st.Quota = QuotaRoom{Limited: true, Room: tc.room, Why: "tenant acme has 7 of its 10 concurrent calls (quota max_calls) in progress"}
			p := NewPacer(PacerConfig{})
			d := p.Decide(st)
			held := tc.want < free.Dial
			if d.Dial != tc.want || slices.Contains(d.Codes, "quota") != held {
				t.Fatalf("dial %d codes %v, want %d (held %v)", d.Dial, d.Codes, tc.want, held)
			}
			if held && !strings.Contains(d.Reason, "held to "+strconv.Itoa(tc.want)+" of "+strconv.Itoa(free.Dial)+" by the tenant's quota: tenant acme has 7 of its 10") {
				t.Fatalf("reason %q", d.Reason)
			}
			if got := p.Explain(0); len(got) != 1 || got[0].Reason != d.Reason || got[0].Dial != d.Dial {
				t.Fatalf("explained %+v", got)
			}
		})
	}
}
