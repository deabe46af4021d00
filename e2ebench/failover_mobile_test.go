package e2ebench

import (
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
)

// mobileRun is the facts of a good run: the mobile 13900000003 (agent
// agent-00003) talks to caller c1 through the kill at t0+4s and the
// takeover at t0+7s until it hangs up after its 12 s, then is rung for
// caller c2 and answers.
func mobileRun() mobileFacts {
	t0 := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	ptr := func(t time.Time) *time.Time { return &t }
	return mobileFacts{
		Legs: []PhoneLeg{
			{ID: "m1", Endpoint: "13900000003", Trunk: "pstn", State: "down", HangupBy: "remote", Cause: "NORMAL_CLEARING",
				Created: at(1.5), Answered: at(2), Ended: at(14)},
			{ID: "m2", Endpoint: "13900000003", Trunk: "pstn", State: "down", HangupBy: "remote", Cause: "NORMAL_CLEARING",
				Created: at(15.2), Answered: at(15.7), Ended: at(27.7)},
		},
		Callers: map[string]PhoneLeg{
			"c1": {ID: "c1", State: "down", HangupBy: "controller", Created: at(0), Answered: at(0.1), Ended: at(14.01)},
			"c2": {ID: "c2", State: "down", HangupBy: "controller", Created: at(3), Answered: at(3.1), Ended: at(27.71)},
		},
		RecordsOf: map[string][]string{"m1": {"r1"}, "m2": {"r2"}},
		Records: map[string]*store.CallRecord{
			"r1": {ID: "r1", Leg: "c1", Disposition: "answered", AgentID: "agent-00003", EndedAt: ptr(at(14.02)), TalkMS: 12030},
			"r2": {ID: "r2", Leg: "c2", Disposition: "answered", AgentID: "agent-00003", EndedAt: ptr(at(27.72)), TalkMS: 11990},
		},
		AgentOf:  map[string]string{"13900000003": "agent-00003"},
		Trunk:    "pstn",
		Talk:     12 * time.Second,
		KilledAt: at(4), TakenOver: at(7),
	}
}

func TestJudgeMobileKeptThroughTheTakeover(t *testing.T) {
	m := judgeMobile(mobileRun())
	if !m.Clean() || !m.Exercised() || m.TalkingAtKill != 1 || m.Kept != 1 || m.OfferedAfter != 1 || m.AnsweredAfter != 1 {
		t.Fatalf("a good run judged %+v", m)
	}
	if m.TalkError != 30*time.Millisecond {
		t.Errorf("talk error %s, want 30ms", m.TalkError)
	}
}

// Each way the failover can fail a mobile agent is seen.
func TestJudgeMobileFailures(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spoil func(f *mobileFacts)
		want  string // in a problem
		check func(m *MobileOutcome) bool
	}{
		{"the failover cut the call: the controller hung the mobile up", func(f *mobileFacts) {
			f.Legs[0].HangupBy, f.Legs[0].Ended = "controller", f.KilledAt.Add(4*time.Second)
			f.Callers["c1"] = PhoneLeg{ID: "c1", Ended: f.KilledAt.Add(4 * time.Second)}
		}, "the failover cut its call", func(m *MobileOutcome) bool { return m.Kept == 0 }},
		{"the caller was dropped first", func(f *mobileFacts) {
			c := f.Callers["c1"]
			c.Ended, c.HangupBy = f.KilledAt.Add(3*time.Second), "switch"
			f.Callers["c1"] = c
		}, "left before the mobile hung up", func(m *MobileOutcome) bool { return m.Kept == 0 }},
		{"the record names no agent", func(f *mobileFacts) { f.Records["r1"].AgentID = "" }, "want answered by agent-00003",
			func(m *MobileOutcome) bool { return m.Kept == 0 }},
		{"the record was left open", func(f *mobileFacts) { f.Records["r1"].EndedAt = nil }, "ended false",
			func(m *MobileOutcome) bool { return m.Kept == 0 }},
		{"talk counted from the takeover", func(f *mobileFacts) { f.Records["r1"].TalkMS = 7000 }, "talk 7s, the switch saw 12s",
			func(m *MobileOutcome) bool { return m.Kept == 0 && m.TalkError == 5*time.Second }},
		{"the leg is in two records", func(f *mobileFacts) { f.RecordsOf["m1"] = []string{"r1", "r3"} }, "in 2 call records",
			func(m *MobileOutcome) bool { return m.Kept == 0 }},
		{"the leg is in no record", func(f *mobileFacts) { delete(f.RecordsOf, "m1") }, "in no call record",
			func(m *MobileOutcome) bool { return m.Kept == 0 }},
		{"dialled through another trunk", func(f *mobileFacts) { f.Legs[1].Trunk = "other" }, `through "other"`,
			func(m *MobileOutcome) bool { return m.NotThroughTrunk == 1 }},
		{"rung while on the call", func(f *mobileFacts) { f.Legs[1].Created = f.KilledAt.Add(5 * time.Second); f.TakenOver = f.KilledAt },
			"was rung (leg m2) while on leg m1", func(m *MobileOutcome) bool { return m.Overlaps == 1 }},
		{"offered after the takeover, the record names another agent", func(f *mobileFacts) { f.Records["r2"].AgentID = "agent-00001" },
			"after the takeover", func(m *MobileOutcome) bool { return m.AnsweredAfter == 0 && m.OfferedAfter == 1 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := mobileRun()
			tc.spoil(&f)
			m := judgeMobile(f)
			if m.Clean() {
				t.Fatalf("judged clean: %+v", m)
			}
			if !strings.Contains(strings.Join(m.Problems, "\n"), tc.want) {
				t.Errorf("problems %q do not say %q", m.Problems, tc.want)
			}
			if !tc.check(m) {
				t.Errorf("figures %+v", m)
			}
		})
	}
}

// A run where no mobile was talking at the kill is clean but did not test
// the takeover of a mobile's call.
func TestJudgeMobileNotExercised(t *testing.T) {
	f := mobileRun()
	f.KilledAt, f.TakenOver = f.Legs[0].Ended.Add(10*time.Millisecond), f.Legs[0].Ended.Add(time.Second)
	m := judgeMobile(f)
	if !m.Clean() || m.Exercised() || m.TalkingAtKill != 0 {
		t.Fatalf("%+v", m)
	}
}
