package campaign

import (
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
	cases := []struct {
		name     string
		st       PacerState
		min, max int
	}{
		{"no agents", PacerState{Leads: -1}, 0, 0},
		{"no leads", PacerState{Free: 5, Leads: 0}, 0, 0},
		{"five free, nothing ringing: over 1:1", PacerState{Free: 5, Busy: busy(45, time.Minute), Leads: -1}, 6, 60},
		{"all busy, many ringing", PacerState{Busy: busy(50, 5*time.Second), Ringing: busy(40, time.Second), Leads: -1}, 0, 0},
		{"lead limit", PacerState{Free: 10, Leads: 2}, 0, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := NewPacer(PacerConfig{})
			c.st.Now = t0
			d := p.Decide(c.st)
			if d.Dial < c.min || d.Dial > c.max {
				t.Fatalf("dial %d, want %d..%d (%+v)", d.Dial, c.min, c.max, d)
			}
			if d.Reason == "" || d.AnswerProb <= 0 {
				t.Fatalf("decision not explained: %+v", d)
			}
		})
	}
}

// The pacer slows down as the abandons of the last hour near the cap:
// both pacers have had an hour of answers (0.4/s), one with none
// abandoned, the other with 2.9 % abandoned (the cap is 3 %).
func TestPacerSlowsBeforeBreach(t *testing.T) {
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
	if dh.Dial >= dc.Dial || dh.Guard >= 0.5 || dc.Guard != 1 || !strings.Contains(dh.Reason, "near the cap") {
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
