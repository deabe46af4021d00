package qa

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/ipcc/ipcc/store"
)

// ReportFilter is the window and scope of a QA report.
type ReportFilter struct {
	Since, Until time.Time
	// Period groups the trend: "day" (default), "week" or "month".
	Period string
	// Location formats periods (nil = UTC).
	Location *time.Location
}

// Group is one row of a report: count, mean, min, max, failed (below the
// template's pass score).
type Group struct {
	Key    string  `json:"key"`
	Count  int     `json:"count"`
	Mean   float64 `json:"mean"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	Failed int     `json:"failed"`
	sum    float64
}

func (g *Group) add(total float64, failed bool) {
	if g.Count == 0 || total < g.Min {
		g.Min = total
	}
	if g.Count == 0 || total > g.Max {
		g.Max = total
	}
	g.Count++
	g.sum += total
	g.Mean = round2(g.sum / float64(g.Count))
	if failed {
		g.Failed++
	}
}

// ItemRow is a template item's failure rate: scored how often and how often
// it earned less than its max.
type ItemRow struct {
	TemplateID  string  `json:"template_id"`
	ItemID      string  `json:"item_id"`
	Title       string  `json:"title"`
	Count       int     `json:"count"`
	Failed      int     `json:"failed"`
	FailureRate float64 `json:"failure_rate"`
	MeanPoints  float64 `json:"mean_points"`
	sum         float64
}

// AppealStats counts appeals by outcome.
type AppealStats struct {
	Total   int `json:"total"`
	Open    int `json:"open"`
	Upheld  int `json:"upheld"`
	Changed int `json:"changed"`
}

// Report is the QA report of a window.
type Report struct {
	Since   time.Time   `json:"since"`
	Until   time.Time   `json:"until"`
	Overall Group       `json:"overall"`
	Agents  []Group     `json:"agents"`
	Queues  []Group     `json:"queues"`
	Items   []ItemRow   `json:"items"`
	Trend   []Group     `json:"trend"`
	Appeals AppealStats `json:"appeals"`
	// Throughput: submitted scores per QA user, with drafts still open.
	Throughput []Throughput `json:"throughput"`
}

// Throughput is a QA user's output.
type Throughput struct {
	ScorerID  string `json:"scorer_id"`
	Submitted int    `json:"submitted"`
	Drafts    int    `json:"drafts"`
}

// Report computes the QA report over the scores the actor may see
// (calibration scores excluded).
func (s *Service) Report(ctx context.Context, tenant string, who *Actor, f ReportFilter) (*Report, error) {
	if who.Role == RoleAgent {
		return nil, ErrForbidden
	}
	loc := f.Location
	if loc == nil {
		loc = time.UTC
	}
	scores, err := s.ListScores(ctx, tenant, who, store.QAScoreFilter{Since: f.Since, Until: f.Until, Limit: 10000})
	if err != nil {
		return nil, err
	}
	r := &Report{Since: f.Since, Until: f.Until}
	agents, queues, trend := map[string]*Group{}, map[string]*Group{}, map[string]*Group{}
	items := map[string]*ItemRow{}
	thr := map[string]*Throughput{}
	templates := map[string]*TemplateView{}
	for i := range scores {
		sc := &scores[i]
		if sc.CalibrationID != "" {
			continue
		}
		t := thr[sc.ScorerID]
		if t == nil {
			t = &Throughput{ScorerID: sc.ScorerID}
			thr[sc.ScorerID] = t
		}
		if sc.Status != "submitted" {
			t.Drafts++
			continue
		}
		t.Submitted++
		key := sc.TemplateID + "@" + itoa(sc.TemplateVersion)
		tpl := templates[key]
		if tpl == nil {
			if tpl, err = s.GetTemplate(ctx, tenant, sc.TemplateID, sc.TemplateVersion); err != nil {
				return nil, err
			}
			templates[key] = tpl
		}
		failed := sc.Total < tpl.PassScore
		r.Overall.add(sc.Total, failed)
		groupOf(agents, sc.AgentID).add(sc.Total, failed)
		groupOf(queues, sc.QueueID).add(sc.Total, failed)
		groupOf(trend, periodKey(sc.SubmittedAt.In(loc), f.Period)).add(sc.Total, failed)
		if sc.Result == nil {
			continue
		}
		for _, sec := range tpl.Sections {
			for _, it := range sec.Items {
				k := sc.TemplateID + "/" + it.ID
				row := items[k]
				if row == nil {
					row = &ItemRow{TemplateID: sc.TemplateID, ItemID: it.ID, Title: it.Title}
					items[k] = row
				}
				got := sc.Result.Items[it.ID]
				row.Count++
				row.sum += got
				if got < it.Max {
					row.Failed++
				}
				row.FailureRate = round2(float64(row.Failed) / float64(row.Count))
				row.MeanPoints = round2(row.sum / float64(row.Count))
			}
		}
	}
	r.Agents, r.Queues, r.Trend = sorted(agents), sorted(queues), sorted(trend)
	for _, it := range items {
		r.Items = append(r.Items, *it)
	}
	sort.Slice(r.Items, func(a, b int) bool {
		if r.Items[a].FailureRate != r.Items[b].FailureRate {
			return r.Items[a].FailureRate > r.Items[b].FailureRate
		}
		return r.Items[a].TemplateID+r.Items[a].ItemID < r.Items[b].TemplateID+r.Items[b].ItemID
	})
	if r.Items == nil {
		r.Items = []ItemRow{}
	}
	for _, t := range thr {
		r.Throughput = append(r.Throughput, *t)
	}
	sort.Slice(r.Throughput, func(a, b int) bool { return r.Throughput[a].ScorerID < r.Throughput[b].ScorerID })
	if r.Throughput == nil {
		r.Throughput = []Throughput{}
	}
	appeals, err := s.St.ListQAAppeals(ctx, tenant, store.QAAppealFilter{Since: f.Since, Until: f.Until})
	if err != nil {
		return nil, err
	}
	visible := map[string]bool{}
	for _, sc := range scores {
		visible[sc.ID] = true
	}
	for _, a := range appeals {
		if !visible[a.ScoreID] {
			continue
		}
		r.Appeals.Total++
		switch a.Status {
		case "open":
			r.Appeals.Open++
		case "upheld":
			r.Appeals.Upheld++
		case "changed":
			r.Appeals.Changed++
		}
	}
	return r, nil
}

func groupOf(m map[string]*Group, k string) *Group {
	g := m[k]
	if g == nil {
		g = &Group{Key: k}
		m[k] = g
	}
	return g
}

func sorted(m map[string]*Group) []Group {
	out := make([]Group, 0, len(m))
	for _, g := range m {
		out = append(out, *g)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].Key < out[b].Key })
	return out
}

func periodKey(t time.Time, period string) string {
	switch period {
	case "month":
		return t.Format("2006-01")
	case "week":
		y, w := t.ISOWeek()
		return itoa(y) + "-W" + pad2(w)
	}
	return t.Format("2006-01-02")
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func pad2(n int) string {
	if n < 10 {
		return "0" + itoa(n)
	}
	return itoa(n)
}

// CSV renders one section of the report as CSV rows (header first):
// "agents", "queues", "items", "trend", "throughput".
func (r *Report) CSV(section string) ([][]string, bool) {
	f := func(x float64) string { b, _ := json.Marshal(x); return string(b) }
	switch section {
	case "agents", "queues", "trend":
		gs := map[string][]Group{"agents": r.Agents, "queues": r.Queues, "trend": r.Trend}[section]
		rows := [][]string{{"key", "count", "mean", "min", "max", "failed"}}
		for _, g := range gs {
			rows = append(rows, []string{g.Key, itoa(g.Count), f(g.Mean), f(g.Min), f(g.Max), itoa(g.Failed)})
		}
		return rows, true
	case "items":
		rows := [][]string{{"template_id", "item_id", "title", "count", "failed", "failure_rate", "mean_points"}}
		for _, it := range r.Items {
			rows = append(rows, []string{it.TemplateID, it.ItemID, it.Title, itoa(it.Count), itoa(it.Failed), f(it.FailureRate), f(it.MeanPoints)})
		}
		return rows, true
	case "throughput":
		rows := [][]string{{"scorer_id", "submitted", "drafts"}}
		for _, t := range r.Throughput {
			rows = append(rows, []string{t.ScorerID, itoa(t.Submitted), itoa(t.Drafts)})
		}
		return rows, true
	}
	return nil, false
}
