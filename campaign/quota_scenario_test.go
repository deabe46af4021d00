package campaign_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/campaign"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/quota"
	"github.com/ipcc/ipcc/store"
)

// quotaWorld is the campaign world with the tenants' quotas of calls
// wired as serve wires them: outbound routing admits every call, the
// dialer asks for the room left.
func quotaWorld(t *testing.T, f sim.Front, q store.TenantQuota) (*world, *quota.Service) {
	t.Helper()
	var qs *quota.Service
	w := newWorldWith(t, f, func(st *store.Store, disp *dispatch.Dispatcher, o *campaign.Options) {
		q.TenantID = tenant
		if err := st.SetTenantQuota(context.Background(), &q); err != nil {
			t.Fatal(err)
		}
		var err error
		if qs, err = quota.New(quota.Options{Store: st, Logger: quiet, CacheTTL: time.Nanosecond}); err != nil {
			t.Fatal(err)
		}
		disp.Outbound().SetAdmission(qs)
		o.Quota = qs
	})
	return w, qs
}

// calleesUp counts the campaign's callees ringing or talking now.
func (w *world) calleesUp(prefix string) int {
	n := 0
	for _, c := range w.sw.Sim.Calls() {
		if strings.HasPrefix(c.Endpoint, prefix) && (c.State == "ringing" || c.State == "up") {
			n++
		}
	}
	return n
}

// A predictive campaign with two free agents and three lines per agent
// wants six calls at once; the tenant's quota of one concurrent call
// holds it to one: never more than one callee is rung at a time, no call
// is refused (the pacer dials fewer instead of being turned away), and
// the explained decisions say the quota held them back and why.
func TestScenarioPredictiveHeldByTenantQuota(t *testing.T) {
	t.Parallel()
	for _, f := range fronts {
		t.Run(string(f), func(t *testing.T) {
			w, q := quotaWorld(t, f, store.TenantQuota{MaxCalls: 1})
			ctx := context.Background()
			var csv strings.Builder
			csv.WriteString("phone\n")
			for i := range 4 {
				n := fmt.Sprintf("1380000005%d", i)
				w.customers(sim.EndpointSpec{Number: n, Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond, HangupAfter: 600 * time.Millisecond})
				csv.WriteString(n + "\n")
			}
			c := w.campaign(&campaign.Campaign{ID: "pred", Name: "Pred", Type: campaign.Predictive, Settings: campaign.Settings{
				QueueID: "sales", Window: allDay(), WrapUpMS: 100, Compliance: "custom", ConnectMS: 2000, AbandonCapPct: 10, MinLinesPerAgent: 3}}, csv.String())
			w.login("bob", "2002")
			w.login("carol", "2003")
			if _, err := campaign.Act(ctx, w.st, tenant, c.ID, campaign.Start); err != nil {
				t.Fatal(err)
			}
			most := 0
			waitFor(t, "every lead answered, one at a time", func() bool {
				most = max(most, w.calleesUp("1380000005"), int(q.Live(tenant).Calls))
				p, err := campaign.GetProgress(ctx, w.st, w.dl, tenant, c.ID)
				return err == nil && p.Outcomes["answered"] >= 4
			})
			if most > 1 {
				t.Fatalf("%d callees at once under a quota of 1 call", most)
			}
			list, err := w.st.ListAttempts(ctx, tenant, c.ID, store.AttemptFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range list {
				if a.Kind == store.AttemptSkip || a.Outcome != "answered" {
					t.Errorf("attempt %+v: the pacer should have held back, not been refused", a)
				}
			}
			held := 0
			for _, d := range w.dl.Pacer(tenant, c.ID).Explain(0) {
				if slices.Contains(d.Codes, "quota") {
					held++
					if !strings.Contains(d.Reason, "by the tenant's quota: tenant acme has") || !strings.Contains(d.Reason, "of its 1 concurrent calls (quota max_calls)") || d.Dial > 1 {
						t.Fatalf("decision held by the quota: %+v", d)
					}
				}
			}
			if held == 0 {
				t.Fatal("no decision says the quota held the pacer back")
			}
		})
	}
}

// A progressive campaign with two free agents places one call per free
// agent; under a quota of one concurrent call it places one at a time
// and none is refused.
func TestScenarioProgressiveHeldByTenantQuota(t *testing.T) {
	t.Parallel()
	w, q := quotaWorld(t, sim.FrontFreeSWITCH, store.TenantQuota{MaxCalls: 1})
	ctx := context.Background()
	var csv strings.Builder
	csv.WriteString("phone\n")
	for i := range 3 {
		n := fmt.Sprintf("1380000006%d", i)
		w.customers(sim.EndpointSpec{Number: n, Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond, HangupAfter: 500 * time.Millisecond})
		csv.WriteString(n + "\n")
	}
	c := w.campaign(&campaign.Campaign{ID: "prog", Name: "Prog", Type: campaign.Progressive, Settings: campaign.Settings{
		QueueID: "sales", Window: allDay(), WrapUpMS: 100, RingTimeoutMS: 3000}}, csv.String())
	w.login("bob", "2002")
	w.login("carol", "2003")
	if _, err := campaign.Act(ctx, w.st, tenant, c.ID, campaign.Start); err != nil {
		t.Fatal(err)
	}
	most := 0
	waitFor(t, "every lead answered, one at a time", func() bool {
		most = max(most, w.calleesUp("1380000006"), int(q.Live(tenant).Calls))
		p, err := campaign.GetProgress(ctx, w.st, w.dl, tenant, c.ID)
		return err == nil && p.Outcomes["answered"] >= 3
	})
	if most > 1 {
		t.Fatalf("%d callees at once under a quota of 1 call", most)
	}
	list, err := w.st.ListAttempts(ctx, tenant, c.ID, store.AttemptFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range list {
		if a.Kind == store.AttemptSkip {
			t.Errorf("attempt %+v: the dialer should have held back, not been refused", a)
		}
	}
}
