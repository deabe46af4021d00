package api_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/api"
	"github.com/ipcc/ipcc/campaign"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// leadCalls stands in for the dispatcher under the campaign dialer: the
// tenants' engines, and a record of the calls placed and events told.
type leadCalls struct {
	acd    api.ACD
	mu     sync.Mutex
	dialed []dispatch.LeadCall
	events []dispatch.Event
}

func (l *leadCalls) Engine(ctx context.Context, tenant string) (*acd.Engine, error) {
	return l.acd.Engine(ctx, tenant)
}

func (l *leadCalls) DialFor(_ context.Context, _, _ string, lc dispatch.LeadCall) (string, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dialed = append(l.dialed, lc)
	return fmt.Sprintf("lead-call-%d", len(l.dialed)), nil
}

func (l *leadCalls) DialLeadFirst(ctx context.Context, tenant, agent string, lc dispatch.LeadCall) error {
	_, err := l.DialFor(ctx, tenant, agent, lc)
	return err
}

func (l *leadCalls) DialPredictive(ctx context.Context, tenant string, lc dispatch.LeadCall) error {
	_, err := l.DialFor(ctx, tenant, "", lc)
	return err
}

func (l *leadCalls) DialBroadcast(ctx context.Context, tenant string, b dispatch.Broadcast) error {
	_, err := l.DialFor(ctx, tenant, "", b.LeadCall)
	return err
}

func (l *leadCalls) Publish(ev dispatch.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, ev)
}

// Supervisors run campaigns and their lists; agents preview, dial by lead
// id, skip and dispose — and never see a masking campaign's numbers in
// any answer or event. Tenants do not see each other's campaigns.
func TestCampaignsAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		calls := &leadCalls{}
		e := newACDEnv(t, s, func(o *api.Options) {
			calls.acd = o.ACD
			o.Campaigns = campaign.New(campaign.Options{Store: s, Calls: calls, Logger: quiet})
		})
		agent, sup, admin := bearer(e.tok["a/agent"]), bearer(e.tok["a/supervisor"]), bearer(e.tok["a/admin"])
		bAdmin, bAgent := bearer(e.tok["b/admin"]), bearer(e.tok["b/agent"])
		body := map[string]any{"id": "survey", "name": "Survey", "type": "preview", "settings": map[string]any{
			"queue_id": "sales", "mask_numbers": true, "caller_id": "02088889999",
			"window":       map[string]any{"name": "always", "timezone": "Asia/Shanghai", "weekly": allWeek()},
			"dispositions": []map[string]any{{"code": "sale", "final": true}},
		}}
		if r := e.do("POST", "/api/v1/campaigns", body, agent...); r.Status != 403 {
			t.Fatalf("agent created a campaign: %d", r.Status)
		}
		bad := map[string]any{"id": "x", "name": "X", "type": "robocall", "settings": map[string]any{"queue_id": "sales"}}
		if r := e.do("POST", "/api/v1/campaigns", bad, sup...); r.Status != 400 {
			t.Fatalf("bad type: %d %s", r.Status, r.Body)
		} else if _, f := r.errCode(t); f != "type" {
			t.Fatalf("bad type names %q", f)
		}
		if r := e.do("POST", "/api/v1/campaigns", body, sup...); r.Status != 201 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		if r := e.do("GET", "/api/v1/campaigns/survey", nil, bAdmin...); r.Status != 404 {
			t.Fatalf("tenant b reads a's campaign: %d", r.Status)
		}
		if r := e.do("POST", "/api/v1/campaigns/survey/start", nil, bAdmin...); r.Status != 404 {
			t.Fatalf("tenant b starts a's campaign: %d", r.Status)
		}

		// A lead list larger than the API's body limit (4 KiB here) is
		// accepted; a bad row is reported with its row number.
		var csv strings.Builder
		csv.WriteString("name,phone,city\nAnn,13812341234,Shenzhen\nBad,12345,Nowhere\n")
		for i := range 300 {
			fmt.Fprintf(&csv, "Filler %d,139%08d,Guangzhou\n", i, i)
		}
		r := e.do("POST", "/api/v1/campaigns/survey/leads/import?strict=true", csv.String(), sup...)
		var rep campaign.ImportReport
		r.json(t, &rep)
		if r.Status != 422 || rep.Stored || rep.RejectedCount != 1 || rep.Rejected[0].Row != 3 {
			t.Fatalf("strict import: %d %s", r.Status, r.Body)
		}
		r = e.do("POST", "/api/v1/campaigns/survey/leads/import", csv.String(), admin...)
		r.json(t, &rep)
		if r.Status != 200 || rep.Imported != 301 || rep.RejectedCount != 1 {
			t.Fatalf("import: %d %s", r.Status, r.Body)
		}
		// The lead list searched by name or by the digits of the phone.
		var found []struct {
			Name  string `json:"name"`
			Phone string `json:"phone"`
		}
		r = e.do("GET", "/api/v1/campaigns/survey/leads?q=138+1234", nil, sup...)
		r.json(t, &found)
		if r.Status != 200 || len(found) != 1 || found[0].Name != "Ann" {
			t.Fatalf("search by phone: %d %s", r.Status, r.Body)
		}
		r = e.do("GET", "/api/v1/campaigns/survey/leads?q=filler+29&limit=5", nil, sup...)
		r.json(t, &found)
		if r.Status != 200 || len(found) != 5 || found[0].Name != "Filler 29" {
			t.Fatalf("search by name: %d %s", r.Status, r.Body)
		}
		if r := e.do("GET", "/api/v1/campaigns/survey/leads?q="+strings.Repeat("x", 101), nil, sup...); r.Status != 400 || !strings.Contains(string(r.Body), `"field":"q"`) {
			t.Fatalf("long search: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/campaigns/survey/leads/import", "x,y\n1,2\n", sup...); r.Status != 400 {
			t.Fatalf("no phone column: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/campaigns/survey/leads/import", csv.String(), agent...); r.Status != 403 {
			t.Fatalf("agent imported: %d", r.Status)
		}
		if r := e.do("POST", "/api/v1/campaigns/survey/start", nil, sup...); r.Status != 200 {
			t.Fatalf("start: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/campaigns/survey/start", nil, sup...); r.Status != 409 {
			t.Fatalf("start twice: %d %s", r.Status, r.Body)
		}

		// The agent works the campaign.
		if r := e.do("POST", "/api/v1/agent/login", map[string]any{}, agent...); r.Status != 200 {
			t.Fatalf("login: %d %s", r.Status, r.Body)
		}
		noNumber := func(what string, r resp) {
			t.Helper()
			if strings.Contains(string(r.Body), "13812341234") || strings.Contains(string(r.Body), "8613812341234") {
				t.Fatalf("%s shows the number: %s", what, r.Body)
			}
		}
		r = e.do("GET", "/api/v1/agent/campaigns", nil, agent...)
		noNumber("campaigns", r)
		if r.Status != 200 || !strings.Contains(string(r.Body), `"survey"`) {
			t.Fatalf("agent campaigns: %d %s", r.Status, r.Body)
		}
		r = e.do("POST", "/api/v1/agent/campaigns/survey/preview", nil, agent...)
		noNumber("preview", r)
		var v campaign.LeadView
		r.json(t, &v)
		if r.Status != 200 || v.Phone != "138****1234" || !v.Masked || v.Name != "Ann" {
			t.Fatalf("preview: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/agent/campaigns/survey/preview", nil, bAgent...); r.Status != 404 {
			t.Fatalf("tenant b's agent previews a's campaign: %d %s", r.Status, r.Body)
		}
		lead := fmt.Sprint(v.LeadID)
		if r := e.do("POST", "/api/v1/agent/leads/"+lead+"/dial", nil, bAgent...); r.Status != 404 {
			t.Fatalf("tenant b's agent dials a's lead: %d %s", r.Status, r.Body)
		}
		r = e.do("POST", "/api/v1/agent/leads/"+lead+"/dial", nil, agent...)
		noNumber("dial", r)
		var dr campaign.DialResult
		r.json(t, &dr)
		if r.Status != 200 || dr.CallID != "lead-call-1" || dr.AttemptID == 0 {
			t.Fatalf("dial: %d %s", r.Status, r.Body)
		}
		calls.mu.Lock()
		placed := calls.dialed[0]
		calls.mu.Unlock()
		if placed.Number != "13812341234" || placed.CallerID != "02088889999" || placed.AgentDisplay != "Survey" {
			t.Fatalf("placed %+v", placed)
		}
		r = e.do("POST", "/api/v1/agent/attempts/"+fmt.Sprint(dr.AttemptID)+"/disposition", map[string]any{"code": "nope"}, agent...)
		if _, f := r.errCode(t); r.Status != 400 || f != "code" {
			t.Fatalf("unknown disposition: %d %s", r.Status, r.Body)
		}
		r = e.do("POST", "/api/v1/agent/attempts/"+fmt.Sprint(dr.AttemptID)+"/disposition", map[string]any{"code": "sale", "note": "happy"}, agent...)
		noNumber("disposition", r)
		if r.Status != 200 || !strings.Contains(string(r.Body), `"disposition":"sale"`) {
			t.Fatalf("disposition: %d %s", r.Status, r.Body)
		}
		// The call ends after the agent entered the disposition.
		placed.Ended("answered", dr.CallID)
		if r := e.do("POST", "/api/v1/agent/attempts/"+fmt.Sprint(dr.AttemptID)+"/disposition", map[string]any{"code": "sale"}, bAgent...); r.Status != 404 {
			t.Fatalf("tenant b disposes a's attempt: %d", r.Status)
		}
		if r := e.do("POST", "/api/v1/agent/leads/"+lead+"/skip", map[string]any{"reason": "x"}, agent...); r.Status != 404 {
			t.Fatalf("skip of a lead not previewed: %d %s", r.Status, r.Body)
		}
		r = e.do("POST", "/api/v1/agent/campaigns/survey/preview", nil, agent...)
		r.json(t, &v)
		if r := e.do("POST", "/api/v1/agent/leads/"+fmt.Sprint(v.LeadID)+"/skip", map[string]any{"reason": "busy signal", "final": true}, agent...); r.Status != 204 {
			t.Fatalf("skip: %d %s", r.Status, r.Body)
		}
		// The same over the WebSocket.
		ws := e.dial(e.tok["a/agent"])
		wr := ws.ok("p1", "campaign-preview", map[string]any{"campaign": "survey"})
		if wr.Result["masked"] != true || !strings.Contains(fmt.Sprint(wr.Result["phone"]), "****") {
			t.Fatalf("preview over the socket %+v", wr.Result)
		}
		calls.mu.Lock()
		for _, ev := range calls.events {
			if strings.Contains(ev.Caller, "13812341234") || strings.Contains(fmt.Sprint(ev.Vars), "13812341234") {
				t.Errorf("event shows the number: %+v", ev)
			}
		}
		calls.mu.Unlock()

		// Supervisors follow it; the export has the full numbers.
		r = e.do("GET", "/api/v1/campaigns/survey/progress", nil, sup...)
		var p campaign.Progress
		r.json(t, &p)
		if r.Status != 200 || p.Leads != 301 || p.ByStatus["done"] != 1 || p.ByStatus["skipped"] != 1 || p.ByStatus["preview"] != 1 || p.Outcomes["skip:skipped"] != 1 {
			t.Fatalf("progress: %d %s", r.Status, r.Body)
		}
		r = e.do("GET", "/api/v1/campaigns/survey/pacing?limit=5", nil, sup...)
		var pc campaign.Pacing
		r.json(t, &pc)
		if r.Status != 200 || pc.Profile.Name != "cn" || pc.Profile.CapPct != 3 || pc.Period.Answers != 1 || pc.Period.Hours != 24 || pc.Decisions == nil {
			t.Fatalf("pacing: %d %s", r.Status, r.Body)
		}
		if r := e.do("GET", "/api/v1/campaigns/survey/pacing", nil, agent...); r.Status != 403 {
			t.Fatalf("pacing for an agent: %d", r.Status)
		}
		r = e.do("GET", "/api/v1/campaigns/survey/report", nil, sup...)
		var cr campaign.Report
		r.json(t, &cr)
		if r.Status != 200 || cr.Outcomes["answered"] != 1 || len(cr.Agents) != 1 || cr.Agents[0].Answered != 1 || len(cr.Abandon) == 0 || cr.WindowMS != 3600000 {
			t.Fatalf("report: %d %s", r.Status, r.Body)
		}
		r = e.do("GET", "/api/v1/campaigns/survey/report?format=csv&section=agents", nil, sup...)
		if r.Status != 200 || !strings.HasPrefix(string(r.Body), "agent_id,calls,answered") {
			t.Fatalf("report CSV: %d %s", r.Status, r.Body)
		}
		if r := e.do("GET", "/api/v1/campaigns/survey/report?format=csv", nil, sup...); r.Status != 400 {
			t.Fatalf("report CSV without a section: %d", r.Status)
		}
		if r := e.do("GET", "/api/v1/campaigns/survey/report", nil, agent...); r.Status != 403 {
			t.Fatalf("report for an agent: %d", r.Status)
		}
		r = e.do("GET", "/api/v1/campaigns/survey/leads/export", nil, sup...)
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !strings.Contains(string(r.Body), "+8613812341234,Ann,Shenzhen,,done,1,answered,sale,lead-call-1") {
			t.Fatalf("export: %d %.300s", r.Status, r.Body)
		}
		if r := e.do("GET", "/api/v1/campaigns/survey/leads/export", nil, agent...); r.Status != 403 {
			t.Fatalf("agent exported: %d", r.Status)
		}
		r = e.do("GET", "/api/v1/campaigns/survey/attempts?kind=skip", nil, sup...)
		if r.Status != 200 || !strings.Contains(string(r.Body), "agent: busy signal") {
			t.Fatalf("attempts: %d %s", r.Status, r.Body)
		}
		r = e.do("POST", "/api/v1/campaigns/survey/leads/assign", map[string]any{"agents": []string{e.ids["a/agent"]}, "per_agent": 10}, sup...)
		if r.Status != 200 || !strings.Contains(string(r.Body), `:10}`) {
			t.Fatalf("assign: %d %s", r.Status, r.Body)
		}
		lead1 := "/api/v1/campaigns/survey/leads/" + fmt.Sprint(dr.LeadID) + "/agent"
		if r := e.do("PUT", lead1, map[string]any{"agent": e.ids["a/agent"]}, sup...); r.Status != 200 || !strings.Contains(string(r.Body), e.ids["a/agent"]) {
			t.Fatalf("assign one lead: %d %s", r.Status, r.Body)
		}
		if r := e.do("PUT", lead1, map[string]any{"agent": e.ids["b/agent"]}, sup...); r.Status != 400 {
			t.Fatalf("assign one lead to another tenant's agent: %d %s", r.Status, r.Body)
		}
		if r := e.do("PUT", lead1, map[string]any{"agent": ""}, bAdmin...); r.Status != 404 {
			t.Fatalf("tenant b assigns a's lead: %d %s", r.Status, r.Body)
		}
		// Chosen leads to one agent: all, or none when one is not the
		// campaign's.
		var two []struct {
			ID int64 `json:"id"`
		}
		e.do("GET", "/api/v1/campaigns/survey/leads?status=pending&limit=2", nil, sup...).json(t, &two)
		if len(two) != 2 {
			t.Fatalf("two pending leads: %+v", two)
		}
		r = e.do("PUT", "/api/v1/campaigns/survey/leads/agent", map[string]any{"leads": []int64{two[0].ID, 999999}, "agent": e.ids["a/agent"]}, sup...)
		if r.Status != 400 || !strings.Contains(string(r.Body), `"field":"leads[1]"`) || !strings.Contains(string(r.Body), "999999 is not a lead") {
			t.Fatalf("a stranger among the leads: %d %s", r.Status, r.Body)
		}
		if r := e.do("PUT", "/api/v1/campaigns/survey/leads/agent", map[string]any{"leads": []int64{two[0].ID}, "agent": "nobody-here"}, sup...); r.Status != 400 || !strings.Contains(string(r.Body), `"field":"agent"`) {
			t.Fatalf("an unknown agent: %d %s", r.Status, r.Body)
		}
		r = e.do("PUT", "/api/v1/campaigns/survey/leads/agent", map[string]any{"leads": []int64{two[0].ID, two[1].ID}, "agent": e.ids["a/agent"]}, sup...)
		if r.Status != 200 || !strings.Contains(string(r.Body), `"assigned":2`) {
			t.Fatalf("assign two: %d %s", r.Status, r.Body)
		}
		var mine []struct {
			ID int64 `json:"id"`
		}
		e.do("GET", "/api/v1/campaigns/survey/leads?agent="+e.ids["a/agent"]+"&limit=1000", nil, sup...).json(t, &mine)
		hits := 0
		for _, l := range mine {
			if l.ID == two[0].ID || l.ID == two[1].ID {
				hits++
			}
		}
		if hits != 2 {
			t.Fatalf("the two leads are not the agent's: %+v", mine)
		}
		if r := e.do("PUT", "/api/v1/campaigns/survey/leads/agent", map[string]any{"leads": []int64{two[0].ID}, "agent": ""}, agent...); r.Status != 403 {
			t.Fatalf("an agent assigned leads: %d", r.Status)
		}
		if r := e.do("POST", "/api/v1/campaigns/survey/leads/assign", map[string]any{"agents": []string{e.ids["b/agent"]}}, sup...); r.Status != 400 {
			t.Fatalf("assign to another tenant's agent: %d %s", r.Status, r.Body)
		}

		// Do-not-call lists.
		r = e.do("POST", "/api/v1/dnc", map[string]any{"numbers": []string{"138 0000 0009", "bad"}, "reason": "asked"}, sup...)
		if r.Status != 200 || !strings.Contains(string(r.Body), `"added":1`) || !strings.Contains(string(r.Body), `"row":2`) {
			t.Fatalf("dnc add: %d %s", r.Status, r.Body)
		}
		if r := e.do("GET", "/api/v1/dnc", nil, bAdmin...); r.Status != 200 || strings.Contains(string(r.Body), "8613800000009") {
			t.Fatalf("tenant b sees a's list: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/dnc", map[string]any{"numbers": []string{"13800000008"}, "campaign": "survey"}, bAdmin...); r.Status != 400 {
			t.Fatalf("tenant b adds to a's campaign list: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/platform/dnc", map[string]any{"numbers": []string{"13800000008"}}, admin...); r.Status != 403 {
			t.Fatalf("tenant admin edits the platform list: %d", r.Status)
		}
		if r := e.do("DELETE", "/api/v1/dnc/13800000009", nil, sup...); r.Status != 204 {
			t.Fatalf("dnc remove: %d %s", r.Status, r.Body)
		}
		if r := e.do("DELETE", "/api/v1/campaigns/survey", nil, sup...); r.Status != 409 {
			t.Fatalf("delete a running campaign: %d %s", r.Status, r.Body)
		}
		for _, a := range []string{"pause", "stop"} {
			if r := e.do("POST", "/api/v1/campaigns/survey/"+a, nil, sup...); r.Status != 200 {
				t.Fatalf("%s: %d %s", a, r.Status, r.Body)
			}
		}
		if r := e.do("DELETE", "/api/v1/campaigns/survey", nil, sup...); r.Status != 204 {
			t.Fatalf("delete: %d %s", r.Status, r.Body)
		}
	})
}

func allWeek() map[string][]string {
	m := map[string][]string{}
	for _, d := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
		m[d] = []string{"00:00-24:00"}
	}
	return m
}
