package campaign_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/campaign"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/webhook"
)

// Through the simulator: a progressive campaign's every lead attempt sends
// campaign.lead_result (answered, busy, no answer, rejected: only the
// first reached an agent); the answered call, an outbound call, sends
// call.ended with its record before its lead result; and the campaign,
// once no lead is left to call, finishes on its own and sends
// campaign.finished.
func TestScenarioCampaignWebhooks(t *testing.T) {
	t.Parallel()
	for _, f := range fronts {
		t.Run(string(f), func(t *testing.T) {
			ctx := context.Background()
			ce := &webhook.CallEvents{}
			w := newWorld(t, f, ce)
			if err := w.st.CreateWebhook(ctx, &store.Webhook{TenantID: tenant, ID: "crm", URL: "https://crm.example.com/hook", Secret: "0123456789abcdef", Events: []string{"call.ended", "campaign.*"}, Enabled: true}); err != nil {
				t.Fatal(err)
			}
			ob, err := webhook.NewOutbox(webhook.OutboxOptions{Store: w.st, Logger: quiet})
			if err != nil {
				t.Fatal(err)
			}
			ce.Outbox = ob
			rctx, cancel := context.WithCancel(ctx)
			obDone := make(chan struct{})
			go func() { _ = ob.Run(rctx); close(obDone) }()
			t.Cleanup(func() { cancel(); <-obDone })
			w.disp.SetCallEvents(ce)
			w.customers(
				sim.EndpointSpec{Number: "13800000001", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond, HangupAfter: 400 * time.Millisecond},
				sim.EndpointSpec{Number: "13800000002", Behavior: sim.BehaviorBusy, AnswerAfter: 50 * time.Millisecond},
				sim.EndpointSpec{Number: "13800000003", Behavior: sim.BehaviorRing},
				sim.EndpointSpec{Number: "13800000004", Behavior: sim.BehaviorReject, AnswerAfter: 50 * time.Millisecond},
			)
			no := campaign.RetryRule{Retry: false}
			c := w.campaign(&campaign.Campaign{ID: "spring", Name: "Spring", Type: campaign.Progressive, Settings: campaign.Settings{
				QueueID: "sales", CallerID: "02088889999", Window: allDay(), WrapUpMS: 100, RingTimeoutMS: 500,
				Retry: map[campaign.Outcome]campaign.RetryRule{campaign.Busy: no, campaign.NoAnswer: no, campaign.Rejected: no},
			}}, "name,phone\nAnn,13800000001\nBen,13800000002\nCid,13800000003\nDan,13800000004\n")
			if _, err := campaign.Act(ctx, w.st, tenant, c.ID, campaign.Start); err != nil {
				t.Fatal(err)
			}
			w.login("bob", "2002")
			waitFor(t, "the campaign finished on its own", func() bool {
				row, err := w.st.GetCampaign(ctx, tenant, c.ID)
				return err == nil && row.Status == string(campaign.Finished) && row.FinishedAt != nil
			})
			var ds []store.WebhookDelivery
			waitFor(t, "campaign.finished is in the outbox", func() bool {
				ds, err = w.st.FindWebhookDeliveries(ctx, tenant, "crm", store.DeliveryFilter{Limit: 100})
				return err == nil && len(ds) > 0 && ds[0].EventType == webhook.EventCampaignDone
			})
			// Oldest first.
			var order []string
			results := map[string]webhook.CampaignLeadData{}
			var ended store.CallRecord
			for i := len(ds) - 1; i >= 0; i-- {
				d := ds[i]
				order = append(order, d.EventType)
				var body struct {
					Data json.RawMessage `json:"data"`
				}
				if err := json.Unmarshal([]byte(d.Payload), &body); err != nil {
					t.Fatal(err)
				}
				switch d.EventType {
				case webhook.EventLeadResult:
					var r webhook.CampaignLeadData
					if err := json.Unmarshal(body.Data, &r); err != nil {
						t.Fatal(err)
					}
					if r.CallID != d.CallID {
						t.Errorf("lead result %+v ordered by call %q", r, d.CallID)
					}
					results[r.Phone] = r
				case webhook.EventCallEnded:
					if err := json.Unmarshal(body.Data, &ended); err != nil {
						t.Fatal(err)
					}
				case webhook.EventCampaignDone:
					var cp campaign.Campaign
					if err := json.Unmarshal(body.Data, &cp); err != nil {
						t.Fatal(err)
					}
					if cp.ID != "spring" || cp.Status != campaign.Finished || cp.FinishedAt == nil {
						t.Errorf("campaign.finished data %+v", cp)
					}
				}
			}
			if n := strings.Count(strings.Join(order, " "), webhook.EventCampaignDone); n != 1 {
				t.Errorf("campaign.finished sent %d times: %v", n, order)
			}
			want := map[string]string{"138****0001": "answered", "138****0002": "busy", "138****0003": "no_answer", "138****0004": "rejected"}
			for phone, outcome := range want {
				r, ok := results[phone]
				if !ok || r.Outcome != outcome || r.Lead.Campaign != "spring" || r.Lead.Lead == "" || r.Lead.Attempt == "" || r.Queue != "sales" {
					t.Errorf("lead result of %s: %+v (want %s)", phone, r, outcome)
				}
			}
			if len(results) != 4 {
				t.Errorf("lead results %+v", results)
			}
			if r := results["138****0001"]; r.Agent != "bob" || r.CallID == "" {
				t.Errorf("answered lead result %+v", r)
			}
			if r := results["138****0002"]; r.Agent != "bob" || r.CallID != "" {
				t.Errorf("busy lead result (no call connected) %+v", r)
			}
			// The answered call's record: call.ended before its lead result.
			if ended.ID == "" || ended.ID != results["138****0001"].CallID || ended.Direction != "outbound" || ended.AgentID != "bob" ||
				ended.DNIS != "13800000001" || ended.EndedAt == nil || ended.Disposition != "answered" {
				t.Errorf("call.ended data %+v", ended)
			}
			iEnded, iResult := -1, -1
			for i := len(ds) - 1; i >= 0; i-- {
				if ds[i].CallID != ended.ID {
					continue
				}
				switch ds[i].EventType {
				case webhook.EventCallEnded:
					iEnded = len(ds) - 1 - i
				case webhook.EventLeadResult:
					iResult = len(ds) - 1 - i
				}
			}
			if iEnded < 0 || iResult < iEnded {
				t.Errorf("call.ended (#%d) must precede its lead result (#%d): %v", iEnded, iResult, order)
			}
		})
	}
}
