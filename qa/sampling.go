package qa

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/ipcc/ipcc/store"
)

// TaskSpec is what a sampling task picks and who scores it.
type TaskSpec struct {
	Name       string    `json:"name"`
	TemplateID string    `json:"template_id"`
	Since      time.Time `json:"since"`
	Until      time.Time `json:"until"`
	Queues     []string  `json:"queues,omitempty"`
	Agents     []string  `json:"agents,omitempty"`
	// Direction: inbound, outbound, internal or "" (any); Disposition the
	// call's disposition or "" (any).
	Direction   string `json:"direction,omitempty"`
	Disposition string `json:"disposition,omitempty"`
	// Ratio (0..1] of the recorded calls drawn at random, or CountPerAgent
	// recorded calls per agent; both 0 = only the rules pick.
	Ratio         float64 `json:"ratio,omitempty"`
	CountPerAgent int     `json:"count_per_agent,omitempty"`
	// Rules pick every call they match, on top of the random draw.
	Rules     []SampleRule `json:"rules,omitempty"`
	Assignees []string     `json:"assignees"`
	// Assign: "even" (or "") spreads the picked calls evenly over the
	// assignees; "skill" gives each call to an assignee whose skills cover
	// its queue, evenly among them.
	Assign string `json:"assign,omitempty"`
	// AssigneeSkills are the assignees' skills when the task was created
	// (set by the service for "skill"), kept so the task can be reproduced.
	AssigneeSkills map[string][]string `json:"assignee_skills,omitempty"`
	Deadline       *time.Time          `json:"deadline,omitempty"`
	// Seed of the random draw; 0 = chosen at creation. The same seed over
	// the same calls picks the same calls.
	Seed int64 `json:"seed,omitempty"`
}

// Assignment modes of a task.
const (
	AssignEven  = "even"
	AssignSkill = "skill"
)

// SkillAny is the skill that covers every queue (and calls without one).
const SkillAny = "*"

// SampleRule kinds.
const (
	RuleTransfersOver  = "transfers_over"    // transfers > value
	RuleHoldOver       = "hold_over_s"       // hold time > value s
	RuleWaitOver       = "wait_over_s"       // queue wait > value s
	RuleTalkUnder      = "talk_under_s"      // answered, talk < value s
	RuleAbandonedAfter = "abandoned_after_s" // unanswered after waiting > value s
	RuleCSATAtMost     = "csat_at_most"      // survey score <= value
	RuleBarged         = "barged"            // a supervisor barged in
	RuleMetric         = "metric"            // analytics metric op value
	RuleKeyword        = "keyword"           // a phrase rule matched the transcript
)

// SampleRule is one rule of a task.
type SampleRule struct {
	Kind  string  `json:"kind"`
	Value float64 `json:"value,omitempty"`
	// Metric and Op for RuleMetric; PhraseRule (a phrase rule id) for
	// RuleKeyword.
	Metric     string `json:"metric,omitempty"`
	Op         string `json:"op,omitempty"`
	PhraseRule string `json:"phrase_rule,omitempty"`
}

// Label is how the rule is named among a picked call's reasons.
func (r SampleRule) Label() string {
	switch r.Kind {
	case RuleBarged:
		return "barged"
	case RuleMetric:
		return fmt.Sprintf("%s %s %g", r.Metric, r.Op, r.Value)
	case RuleKeyword:
		return "keyword " + r.PhraseRule
	}
	return fmt.Sprintf("%s %g", r.Kind, r.Value)
}

// Validate checks a spec (phrase rules are checked by the service).
func (s *TaskSpec) Validate() error {
	s.Name = strings.TrimSpace(s.Name)
	if s.Name == "" {
		return verr("name", "a task needs a name")
	}
	if s.TemplateID == "" {
		return verr("template_id", "a task needs a scoring template")
	}
	if s.Since.IsZero() || s.Until.IsZero() || !s.Until.After(s.Since) {
		return verr("until", "the date range needs since < until")
	}
	if s.Until.Sub(s.Since) > 366*24*time.Hour {
		return verr("until", "the date range is longer than a year")
	}
	switch s.Direction {
	case "", "inbound", "outbound", "internal":
	default:
		return verr("direction", "unknown direction %q (inbound, outbound, internal)", s.Direction)
	}
	if s.Ratio < 0 || s.Ratio > 1 || math.IsNaN(s.Ratio) {
		return verr("ratio", "%v is outside 0..1", s.Ratio)
	}
	if s.CountPerAgent < 0 || s.CountPerAgent > 1000 {
		return verr("count_per_agent", "%d is outside 0..1000", s.CountPerAgent)
	}
	if s.Ratio > 0 && s.CountPerAgent > 0 {
		return verr("count_per_agent", "give a ratio or a count per agent, not both")
	}
	if s.Ratio == 0 && s.CountPerAgent == 0 && len(s.Rules) == 0 {
		return verr("ratio", "a task needs a ratio, a count per agent or rules")
	}
	if len(s.Assignees) == 0 {
		return verr("assignees", "a task needs at least one QA user to score it")
	}
	switch s.Assign {
	case "", AssignEven, AssignSkill:
	default:
		return verr("assign", "unknown assignment %q (even, skill)", s.Assign)
	}
	for i, r := range s.Rules {
		w := fmt.Sprintf("rules[%d]", i)
		switch r.Kind {
		case RuleTransfersOver, RuleHoldOver, RuleWaitOver, RuleTalkUnder, RuleAbandonedAfter, RuleCSATAtMost:
			if r.Value < 0 {
				return verr(w+".value", "%v is negative", r.Value)
			}
		case RuleBarged:
		case RuleMetric:
			if _, ok := (&Analytics{}).Metric(r.Metric); !ok {
				return verr(w+".metric", "unknown metric %q (one of %s)", r.Metric, strings.Join(MetricNames, ", "))
			}
			if !validOps[r.Op] {
				return verr(w+".op", "unknown operator %q", r.Op)
			}
		case RuleKeyword:
			if r.PhraseRule == "" {
				return verr(w+".phrase_rule", "a keyword rule names a phrase rule")
			}
		default:
			return verr(w+".kind", "unknown rule %q", r.Kind)
		}
	}
	return nil
}

// Pick is a call chosen by a task, with why.
type Pick struct {
	Call     *store.QACandidate
	Reasons  []string
	Assignee string
}

// Sample chooses calls from candidates (ordered oldest first) by the spec:
// every call a rule matches, then the random draw among the recorded calls
// not already picked; then assigns them to the assignees evenly, in a
// seeded random order. phrases maps phrase rule ids to their phrases.
func Sample(spec *TaskSpec, cands []store.QACandidate, phrases map[string][]string) []Pick {
	rng := rand.New(rand.NewPCG(uint64(spec.Seed), uint64(spec.Seed)^0x9e3779b97f4a7c15))
	picked := map[int]*Pick{}
	order := []int{}
	add := func(i int, reason string) {
		p, ok := picked[i]
		if !ok {
			p = &Pick{Call: &cands[i]}
			picked[i] = p
			order = append(order, i)
		}
		p.Reasons = append(p.Reasons, reason)
	}
	for i := range cands {
		for _, r := range spec.Rules {
			if ruleMatches(r, &cands[i], phrases) {
				add(i, "rule: "+r.Label())
			}
		}
	}
	var pool []int
	for i := range cands {
		if cands[i].RecordingID != "" {
			pool = append(pool, i)
		}
	}
	switch {
	case spec.Ratio > 0:
		n := int(math.Round(spec.Ratio * float64(len(pool))))
		if n == 0 && len(pool) > 0 {
			n = 1
		}
		rng.Shuffle(len(pool), func(a, b int) { pool[a], pool[b] = pool[b], pool[a] })
		for _, i := range pool[:n] {
			add(i, fmt.Sprintf("random %g%%", spec.Ratio*100))
		}
	case spec.CountPerAgent > 0:
		byAgent := map[string][]int{}
		var agents []string
		for _, i := range pool {
			a := cands[i].AgentID
			if _, ok := byAgent[a]; !ok {
				agents = append(agents, a)
			}
			byAgent[a] = append(byAgent[a], i)
		}
		sort.Strings(agents)
		for _, a := range agents {
			l := byAgent[a]
			rng.Shuffle(len(l), func(x, y int) { l[x], l[y] = l[y], l[x] })
			for _, i := range l[:min(len(l), spec.CountPerAgent)] {
				add(i, fmt.Sprintf("random %d per agent", spec.CountPerAgent))
			}
		}
	}
	sort.Ints(order)
	rng.Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
	assignees := append([]string(nil), spec.Assignees...)
	sort.Strings(assignees)
	load := map[string]int{}
	out := make([]Pick, 0, len(order))
	for k, i := range order {
		p := picked[i]
		if spec.Assign == AssignSkill {
			// The least loaded assignee covering the queue; ties go to the
			// first in id order (the call order is already seeded).
			for _, a := range assignees {
				if covers(spec.AssigneeSkills[a], p.Call.QueueID) && (p.Assignee == "" || load[a] < load[p.Assignee]) {
					p.Assignee = a
				}
			}
			if p.Assignee == "" {
				q := p.Call.QueueID
				if q == "" {
					q = "(none)"
				}
				p.Reasons = append(p.Reasons, "unassigned: no QA user covers queue "+q)
			}
			load[p.Assignee]++
		} else {
			p.Assignee = assignees[k%len(assignees)]
		}
		out = append(out, *p)
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Call.StartedAt.Before(out[b].Call.StartedAt) })
	return out
}

// covers tells whether skills cover a queue: the queue's id or "*".
func covers(skills []string, queue string) bool {
	for _, s := range skills {
		if s == SkillAny || (queue != "" && s == queue) {
			return true
		}
	}
	return false
}

func ruleMatches(r SampleRule, c *store.QACandidate, phrases map[string][]string) bool {
	switch r.Kind {
	case RuleTransfersOver:
		return float64(c.Transfers) > r.Value
	case RuleHoldOver:
		return float64(c.HoldMS)/1000 > r.Value
	case RuleWaitOver:
		return float64(c.WaitMS)/1000 > r.Value
	case RuleTalkUnder:
		return c.AnsweredAt != nil && c.AgentID != "" && float64(c.TalkMS)/1000 < r.Value
	case RuleAbandonedAfter:
		return c.AgentID == "" && c.QueueID != "" && float64(c.WaitMS)/1000 > r.Value
	case RuleCSATAtMost:
		return c.SurveyScore != nil && float64(*c.SurveyScore) <= r.Value
	case RuleBarged:
		return c.Barged
	case RuleMetric:
		if c.AnalyticsBody == "" {
			return false
		}
		var a Analytics
		if json.Unmarshal([]byte(c.AnalyticsBody), &a) != nil {
			return false
		}
		v, _ := a.Metric(r.Metric)
		return compare(v, r.Op, r.Value)
	case RuleKeyword:
		if c.Transcript == "" {
			return false
		}
		var words []Word
		if json.Unmarshal([]byte(c.Transcript), &words) != nil {
			return false
		}
		return len(FindPhrases(words, phrases[r.PhraseRule], "")) > 0
	}
	return false
}
