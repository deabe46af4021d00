package campaign_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/campaign"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// The report counts outcomes, attempts per lead, the abandon rate per
// rolling window and each agent's outbound work, as JSON and CSV.
func TestBuildReport(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, st *store.Store) {
		{
			ctx := context.Background()
			c := newCampaign(t, st, "rep", func(c *campaign.Campaign) { c.Type = campaign.Predictive })
			if _, err := campaign.Import(ctx, st, c, strings.NewReader("phone\n13800000001\n13800000002\n13800000003\n"), campaign.ImportOptions{Strict: true}); err != nil {
				t.Fatal(err)
			}
			leads, err := st.ListLeads(ctx, "acme", "rep", store.LeadFilter{})
			if err != nil || len(leads) != 3 {
				t.Fatal(leads, err)
			}
			t0 := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
			add := func(lead int64, agent, outcome, disp string, at time.Time, talk time.Duration) {
				end := at.Add(talk)
				a := &store.CampaignAttempt{TenantID: "acme", CampaignID: "rep", LeadID: lead, Kind: store.AttemptCall, AgentID: agent, StartedAt: at}
				if err := st.AddAttempt(ctx, a); err != nil {
					t.Fatal(err)
				}
				a.Outcome, a.Disposition, a.EndedAt = outcome, disp, &end
				if err := st.UpdateAttempt(ctx, a); err != nil {
					t.Fatal(err)
				}
			}
			l1, l2, l3 := leads[0].ID, leads[1].ID, leads[2].ID
			add(l1, "", "no_answer", "", t0, 20*time.Second)
			add(l1, "bob", "answered", "sale", t0.Add(10*time.Minute), 2*time.Minute)
			add(l2, "", "abandoned", "", t0.Add(20*time.Minute), 5*time.Second)
			add(l3, "carol", "answered", "", t0.Add(70*time.Minute), time.Minute)
			add(l3, "bob", "agent_unavailable", "", t0.Add(80*time.Minute), 10*time.Second)
			r, err := campaign.BuildReport(ctx, st, "acme", "rep", campaign.ReportOptions{From: t0, To: t0.Add(2 * time.Hour), Window: time.Hour, Step: 30 * time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			if r.Outcomes["answered"] != 2 || r.Outcomes["abandoned"] != 1 || r.Outcomes["no_answer"] != 1 || r.Progress.Leads != 3 {
				t.Errorf("outcomes %+v", r.Outcomes)
			}
			want := []campaign.AttemptsBucket{{Attempts: 1, Leads: 2}, {Attempts: 2, Leads: 1}}
			if len(r.AttemptsPerLead) != 2 || r.AttemptsPerLead[0] != want[0] || r.AttemptsPerLead[1] != want[1] {
				t.Errorf("attempts per lead %+v", r.AttemptsPerLead)
			}
			// Windows 10:00-11:00, 10:30-11:30, 11:00-12:00.
			if len(r.Abandon) != 3 || r.Abandon[0].Answers != 2 || r.Abandon[0].Abandons != 1 || r.Abandon[0].Pct != 50 ||
				r.Abandon[1].Answers != 1 || r.Abandon[1].Abandons != 0 || r.Abandon[2].Answers != 1 {
				t.Errorf("abandon windows %+v", r.Abandon)
			}
			if len(r.Agents) != 2 || r.Agents[0].AgentID != "bob" || r.Agents[0].Calls != 2 || r.Agents[0].Answered != 1 || r.Agents[0].Missed != 1 ||
				r.Agents[0].HandleMS != 120000 || r.Agents[0].Dispositions["sale"] != 1 || r.Agents[1].AgentID != "carol" || r.Agents[1].AvgHandleMS != 60000 {
				t.Errorf("agents %+v", r.Agents)
			}
			var buf bytes.Buffer
			if err := r.WriteCSV(&buf, "agents"); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(buf.String(), "bob,2,1,1,120000,120000,") || !strings.Contains(buf.String(), "sale=1") {
				t.Errorf("agents CSV:\n%s", buf.String())
			}
			buf.Reset()
			if err := r.WriteCSV(&buf, "abandon"); err != nil || !strings.Contains(buf.String(), "2026-03-02T10:00:00Z,2026-03-02T11:00:00Z,2,1,50.00") {
				t.Errorf("abandon CSV %v:\n%s", err, buf.String())
			}
			if err := r.WriteCSV(&buf, "nope"); err == nil {
				t.Error("unknown section accepted")
			}
		}
	})
}
