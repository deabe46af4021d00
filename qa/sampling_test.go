package qa

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
)

func cand(id string, edit func(c *store.QACandidate)) store.QACandidate {
	t := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	c := store.QACandidate{RecordingID: "rec-" + id}
	c.ID, c.StartedAt, c.AgentID, c.QueueID, c.AnsweredAt, c.TalkMS = id, t, "a1", "q", &t, 120000
	if edit != nil {
		edit(&c)
	}
	return c
}

func TestSampleRules(t *testing.T) {
	two, five := 2, 5
	an, _ := json.Marshal(&Analytics{LongestSilenceMS: 45000})
	words, _ := json.Marshal([]Word{{Word: "我要", StartMS: 1000}, {Word: "投诉", StartMS: 1500}, {Word: "你们"}})
	tests := []struct {
		rule  SampleRule
		match store.QACandidate
		miss  store.QACandidate
	}{
		{SampleRule{Kind: RuleTransfersOver, Value: 1}, cand("a", func(c *store.QACandidate) { c.Transfers = 2 }), cand("b", func(c *store.QACandidate) { c.Transfers = 1 })},
		{SampleRule{Kind: RuleHoldOver, Value: 60}, cand("a", func(c *store.QACandidate) { c.HoldMS = 61000 }), cand("b", func(c *store.QACandidate) { c.HoldMS = 60000 })},
		{SampleRule{Kind: RuleWaitOver, Value: 30}, cand("a", func(c *store.QACandidate) { c.WaitMS = 31000 }), cand("b", nil)},
		{SampleRule{Kind: RuleTalkUnder, Value: 20}, cand("a", func(c *store.QACandidate) { c.TalkMS = 5000 }), cand("b", func(c *store.QACandidate) { c.AgentID, c.TalkMS = "", 0 })},
		{SampleRule{Kind: RuleAbandonedAfter, Value: 60}, cand("a", func(c *store.QACandidate) { c.AgentID, c.WaitMS = "", 90000 }), cand("b", func(c *store.QACandidate) { c.AgentID, c.WaitMS = "", 30000 })},
		{SampleRule{Kind: RuleCSATAtMost, Value: 2}, cand("a", func(c *store.QACandidate) { c.SurveyScore = &two }), cand("b", func(c *store.QACandidate) { c.SurveyScore = &five })},
		{SampleRule{Kind: RuleBarged}, cand("a", func(c *store.QACandidate) { c.Barged = true }), cand("b", nil)},
		{SampleRule{Kind: RuleMetric, Metric: "longest_silence_s", Op: ">", Value: 30}, cand("a", func(c *store.QACandidate) { c.AnalyticsBody = string(an) }), cand("b", nil)},
		{SampleRule{Kind: RuleKeyword, PhraseRule: "complaint"}, cand("a", func(c *store.QACandidate) { c.Transcript = string(words) }), cand("b", nil)},
	}
	phrases := map[string][]string{"complaint": {"我要投诉"}}
	for _, tc := range tests {
		t.Run(tc.rule.Label(), func(t *testing.T) {
			if !ruleMatches(tc.rule, &tc.match, phrases) {
				t.Error("did not match")
			}
			if ruleMatches(tc.rule, &tc.miss, phrases) {
				t.Error("matched")
			}
		})
	}
}

func TestSampleCountPerAgentAndSeed(t *testing.T) {
	var cs []store.QACandidate
	for i := 0; i < 40; i++ {
		cs = append(cs, cand(fmt.Sprint(i), func(c *store.QACandidate) {
			c.AgentID = []string{"a1", "a2", "a3"}[i%3]
			c.StartedAt = c.StartedAt.Add(time.Duration(i) * time.Minute)
			if i%5 == 0 {
				c.RecordingID = ""
			}
		}))
	}
	spec := &TaskSpec{CountPerAgent: 4, Assignees: []string{"q2", "q1", "q3"}, Seed: 7}
	a := Sample(spec, cs, nil)
	per, by := map[string]int{}, map[string]int{}
	for _, p := range a {
		per[p.Call.AgentID]++
		by[p.Assignee]++
		if p.Call.RecordingID == "" {
			t.Errorf("random draw picked unrecorded call %s", p.Call.ID)
		}
	}
	if per["a1"] != 4 || per["a2"] != 4 || per["a3"] != 4 || by["q1"] != 4 || by["q2"] != 4 || by["q3"] != 4 {
		t.Errorf("per agent %v, per QA user %v", per, by)
	}
	b := Sample(spec, cs, nil)
	spec.Seed = 8
	c := Sample(spec, cs, nil)
	same, differ := true, false
	for i := range a {
		same = same && a[i].Call.ID == b[i].Call.ID && a[i].Assignee == b[i].Assignee
		differ = differ || a[i].Call.ID != c[i].Call.ID
	}
	if !same || !differ {
		t.Errorf("seed: same %v, another seed differs %v", same, differ)
	}
}

func TestTaskSpecValidate(t *testing.T) {
	base := func() TaskSpec {
		s := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
		return TaskSpec{Name: "t", TemplateID: "x", Since: s, Until: s.Add(24 * time.Hour), Ratio: 0.1, Assignees: []string{"q"}}
	}
	for _, tc := range []struct {
		edit func(*TaskSpec)
		want string
	}{
		{func(s *TaskSpec) { s.Until = s.Since }, "until: the date range needs since < until"},
		{func(s *TaskSpec) { s.Ratio = 1.5 }, "ratio: 1.5 is outside 0..1"},
		{func(s *TaskSpec) { s.CountPerAgent = 3 }, "count_per_agent: give a ratio or a count per agent, not both"},
		{func(s *TaskSpec) { s.Assignees = nil }, "assignees"},
		{func(s *TaskSpec) { s.Rules = []SampleRule{{Kind: "mood"}} }, `rules[0].kind: unknown rule "mood"`},
		{func(s *TaskSpec) { s.Direction = "sideways" }, "direction"},
		{func(s *TaskSpec) { s.Assign = "mood" }, `assign: unknown assignment "mood" (even, skill)`},
	} {
		s := base()
		tc.edit(&s)
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("err %v, want %q", err, tc.want)
		}
	}
}

// A local fake ASR server speaking the OpenAI-style verbose_json answer.
func TestHTTPTranscriber(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		f, _, err := r.FormFile("file")
		if err != nil || r.FormValue("response_format") != "verbose_json" || r.Header.Get("Authorization") != "Bearer k" {
			http.Error(w, "bad request", 400)
			return
		}
		if _, err := Analyze(f); err != nil {
			http.Error(w, "not audio: "+err.Error(), 400)
			return
		}
		_, _ = w.Write([]byte(`{"text":"您好 请稍等","words":[{"word":" 您好","start":0.5,"end":0.9},{"word":"请稍等","start":1.2,"end":1.8}]}`))
	}))
	defer srv.Close()
	p := &HTTPTranscriber{URL: srv.URL, APIKey: "k", Client: srv.Client()}
	words, err := p.Transcribe(context.Background(), strings.NewReader(string(wavOf(t, 8000, []Part{{Kind: "speech", MS: 2000}}))))
	if err != nil {
		t.Fatal(err)
	}
	if len(words) != 2 || words[0].Word != "您好" || words[1].StartMS != 1200 {
		t.Fatalf("words %+v", words)
	}
	if h := FindPhrases(words, []string{"请 稍等", "挂了"}, ""); len(h) != 1 || h[0].StartMS != 1200 {
		t.Errorf("hits %+v", h)
	}
	bad := &HTTPTranscriber{URL: srv.URL, Client: srv.Client()}
	if _, err := bad.Transcribe(context.Background(), strings.NewReader("x")); err == nil || !strings.Contains(err.Error(), "HTTP 400") {
		t.Errorf("err %v", err)
	}
}

func TestSampleBySkill(t *testing.T) {
	var cs []store.QACandidate
	queues := []string{"sales", "sales", "sales", "sales", "support", "support", "vip", ""}
	for i, q := range queues {
		cs = append(cs, cand(fmt.Sprint(i), func(c *store.QACandidate) {
			c.QueueID = q
			c.StartedAt = c.StartedAt.Add(time.Duration(i) * time.Minute)
		}))
	}
	tests := []struct {
		name   string
		skills map[string][]string
		// want: calls per assignee ("" = unassigned) and which queues each took.
		want   map[string]int
		queues map[string][]string
	}{
		{"two share sales, one takes support", map[string][]string{"q1": {"sales"}, "q2": {"sales"}, "q3": {"support"}},
			map[string]int{"q1": 2, "q2": 2, "q3": 2, "": 2}, map[string][]string{"q1": {"sales"}, "q2": {"sales"}, "q3": {"support"}, "": {"", "vip"}}},
		{"a wildcard covers the rest", map[string][]string{"q1": {"sales", "support"}, "q2": {"*"}},
			map[string]int{"q1": 4, "q2": 4}, map[string][]string{"q1": {"sales", "support"}, "q2": {"", "sales", "support", "vip"}}},
		{"nobody covers", map[string][]string{"q1": {"other"}},
			map[string]int{"": 8}, map[string][]string{"": {"", "sales", "support", "vip"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var as []string
			for a := range tc.skills {
				as = append(as, a)
			}
			spec := &TaskSpec{Ratio: 1, Assign: AssignSkill, Assignees: as, AssigneeSkills: tc.skills, Seed: 3}
			got := Sample(spec, cs, nil)
			if len(got) != len(cs) {
				t.Fatalf("picked %d of %d", len(got), len(cs))
			}
			per, qs := map[string]int{}, map[string]map[string]bool{}
			for _, p := range got {
				per[p.Assignee]++
				if qs[p.Assignee] == nil {
					qs[p.Assignee] = map[string]bool{}
				}
				qs[p.Assignee][p.Call.QueueID] = true
				unassigned := strings.HasPrefix(p.Reasons[len(p.Reasons)-1], "unassigned: no QA user covers queue")
				if unassigned != (p.Assignee == "") {
					t.Errorf("call %s assignee %q reasons %v", p.Call.ID, p.Assignee, p.Reasons)
				}
			}
			if fmt.Sprint(per) != fmt.Sprint(tc.want) {
				t.Errorf("per assignee %v, want %v", per, tc.want)
			}
			for a, want := range tc.queues {
				var have []string
				for q := range qs[a] {
					have = append(have, q)
				}
				sort.Strings(have)
				if fmt.Sprint(have) != fmt.Sprint(want) {
					t.Errorf("%q took queues %v, want %v", a, have, want)
				}
			}
		})
	}
}
