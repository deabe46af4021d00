package campaign

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/ipcc/ipcc/store"
)

// Report is a campaign's report over [From, To): its progress, the call
// outcomes, how many attempts the leads took, the abandon rate per rolling
// window and the agents' outbound productivity.
type Report struct {
	CampaignID string    `json:"campaign_id"`
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
	Progress   *Progress `json:"progress"`
	// Outcomes of the call attempts of the span.
	Outcomes map[string]int `json:"outcomes"`
	// AttemptsPerLead: how many leads had 1, 2, … call attempts in the
	// span.
	AttemptsPerLead []AttemptsBucket `json:"attempts_per_lead"`
	// Abandon is the abandon rate (abandons / live answers) per rolling
	// window of WindowMS stepped by StepMS.
	WindowMS int64           `json:"window_ms"`
	StepMS   int64           `json:"step_ms"`
	Abandon  []AbandonWindow `json:"abandon"`
	Agents   []AgentOutbound `json:"agents"`
}

// AttemptsBucket counts leads by their number of attempts.
type AttemptsBucket struct {
	Attempts int `json:"attempts"`
	Leads    int `json:"leads"`
}

// AbandonWindow is one rolling window.
type AbandonWindow struct {
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Answers  int       `json:"answers"`
	Abandons int       `json:"abandons"`
	Pct      float64   `json:"pct"`
}

// AgentOutbound is an agent's outbound work in the campaign.
type AgentOutbound struct {
	AgentID      string         `json:"agent_id"`
	Calls        int            `json:"calls"`    // attempts placed for or taken by the agent
	Answered     int            `json:"answered"` // connected calls
	Missed       int            `json:"missed"`   // their phone did not answer (agent_unavailable, abandoned)
	HandleMS     int64          `json:"handle_ms"`
	AvgHandleMS  int64          `json:"avg_handle_ms"`
	Dispositions map[string]int `json:"dispositions"`
	// AnsweredPerHour is answered calls per hour between the agent's
	// first and last call of the span.
	AnsweredPerHour float64 `json:"answered_per_hour"`
}

// ReportOptions choose the span and the rolling window.
type ReportOptions struct {
	From, To     time.Time
	Window, Step time.Duration
}

// BuildReport reads a campaign's attempts of the span and computes its
// report.
func BuildReport(ctx context.Context, st *store.Store, tenant, id string, o ReportOptions) (*Report, error) {
	if o.To.IsZero() {
		o.To = time.Now()
	}
	if o.From.IsZero() {
		o.From = o.To.Add(-24 * time.Hour)
	}
	if o.Window <= 0 {
		o.Window = time.Hour
	}
	if o.Step <= 0 {
		o.Step = 15 * time.Minute
	}
	prog, err := GetProgress(ctx, st, nil, tenant, id)
	if err != nil {
		return nil, err
	}
	r := &Report{CampaignID: id, From: o.From, To: o.To, Progress: prog, Outcomes: map[string]int{},
		WindowMS: o.Window.Milliseconds(), StepMS: o.Step.Milliseconds(), AttemptsPerLead: []AttemptsBucket{}, Abandon: []AbandonWindow{}, Agents: []AgentOutbound{}}
	perLead := map[int64]int{}
	type ev struct {
		at        time.Time
		abandoned bool
	}
	var live []ev
	agents := map[string]*AgentOutbound{}
	first, last := map[string]time.Time{}, map[string]time.Time{}
	err = st.EachCallAttempt(ctx, tenant, id, o.From, o.To, func(a *store.CampaignAttempt) error {
		out := a.Outcome
		if out == "" {
			out = "in_progress"
		}
		r.Outcomes[out]++
		if a.Outcome != string(AgentMissed) {
			perLead[a.LeadID]++
		}
		if a.Outcome == string(Answered) || a.Outcome == string(Abandoned) {
			live = append(live, ev{a.StartedAt, a.Outcome == string(Abandoned)})
		}
		if a.AgentID == "" {
			return nil
		}
		ag := agents[a.AgentID]
		if ag == nil {
			ag = &AgentOutbound{AgentID: a.AgentID, Dispositions: map[string]int{}}
			agents[a.AgentID] = ag
			first[a.AgentID] = a.StartedAt
		}
		last[a.AgentID] = a.StartedAt
		if a.EndedAt != nil {
			last[a.AgentID] = *a.EndedAt
		}
		ag.Calls++
		switch Outcome(a.Outcome) {
		case Answered:
			ag.Answered++
			if a.EndedAt != nil {
				ag.HandleMS += a.EndedAt.Sub(a.StartedAt).Milliseconds()
			}
		case AgentMissed, Abandoned:
			ag.Missed++
		}
		if a.Disposition != "" {
			ag.Dispositions[a.Disposition]++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	byCount := map[int]int{}
	for _, n := range perLead {
		byCount[n]++
	}
	for n, leads := range byCount {
		r.AttemptsPerLead = append(r.AttemptsPerLead, AttemptsBucket{n, leads})
	}
	sort.Slice(r.AttemptsPerLead, func(i, j int) bool { return r.AttemptsPerLead[i].Attempts < r.AttemptsPerLead[j].Attempts })
	// Rolling windows: live is in start order.
	for from := o.From; !from.Add(o.Window).After(o.To) || from.Equal(o.From); from = from.Add(o.Step) {
		w := AbandonWindow{From: from, To: from.Add(o.Window)}
		i := sort.Search(len(live), func(i int) bool { return !live[i].at.Before(w.From) })
		for ; i < len(live) && live[i].at.Before(w.To); i++ {
			w.Answers++
			if live[i].abandoned {
				w.Abandons++
			}
		}
		if w.Answers > 0 {
			w.Pct = 100 * float64(w.Abandons) / float64(w.Answers)
		}
		r.Abandon = append(r.Abandon, w)
		if len(r.Abandon) >= 10000 {
			break
		}
	}
	for id, ag := range agents {
		if ag.Answered > 0 {
			ag.AvgHandleMS = ag.HandleMS / int64(ag.Answered)
		}
		if h := last[id].Sub(first[id]).Hours(); h > 0 {
			ag.AnsweredPerHour = float64(ag.Answered) / h
		}
		r.Agents = append(r.Agents, *ag)
	}
	sort.Slice(r.Agents, func(i, j int) bool { return r.Agents[i].AgentID < r.Agents[j].AgentID })
	return r, nil
}

// ReportSections are the CSV sections of a report.
var ReportSections = []string{"outcomes", "attempts_per_lead", "abandon", "agents"}

// WriteCSV writes one section of the report as CSV.
func (r *Report) WriteCSV(w io.Writer, section string) error {
	cw := csv.NewWriter(w)
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }
	switch section {
	case "outcomes":
		_ = cw.Write([]string{"outcome", "attempts"})
		keys := make([]string, 0, len(r.Outcomes))
		for k := range r.Outcomes {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			_ = cw.Write([]string{k, strconv.Itoa(r.Outcomes[k])})
		}
	case "attempts_per_lead":
		_ = cw.Write([]string{"attempts", "leads"})
		for _, b := range r.AttemptsPerLead {
			_ = cw.Write([]string{strconv.Itoa(b.Attempts), strconv.Itoa(b.Leads)})
		}
	case "abandon":
		_ = cw.Write([]string{"from", "to", "answers", "abandons", "abandon_pct"})
		for _, a := range r.Abandon {
			_ = cw.Write([]string{a.From.UTC().Format(time.RFC3339), a.To.UTC().Format(time.RFC3339), strconv.Itoa(a.Answers), strconv.Itoa(a.Abandons), f(a.Pct)})
		}
	case "agents":
		_ = cw.Write([]string{"agent_id", "calls", "answered", "missed", "handle_ms", "avg_handle_ms", "answered_per_hour", "dispositions"})
		for _, a := range r.Agents {
			keys := make([]string, 0, len(a.Dispositions))
			for k := range a.Dispositions {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			d := ""
			for i, k := range keys {
				if i > 0 {
					d += ";"
				}
				d += fmt.Sprintf("%s=%d", k, a.Dispositions[k])
			}
			_ = cw.Write([]string{a.AgentID, strconv.Itoa(a.Calls), strconv.Itoa(a.Answered), strconv.Itoa(a.Missed), strconv.FormatInt(a.HandleMS, 10),
				strconv.FormatInt(a.AvgHandleMS, 10), f(a.AnsweredPerHour), d})
		}
	default:
		return fmt.Errorf("section %q: want one of outcomes, attempts_per_lead, abandon, agents", section)
	}
	cw.Flush()
	return cw.Error()
}
