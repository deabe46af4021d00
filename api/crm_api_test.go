package api_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/api"
	"github.com/ipcc/ipcc/crm"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

type crmEvents struct {
	mu  sync.Mutex
	evs []dispatch.Event
}

func (c *crmEvents) Publish(ev dispatch.Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.evs = append(c.evs, ev)
}

func (c *crmEvents) reasons() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, e := range c.evs {
		out = append(out, e.Reason)
	}
	return strings.Join(out, ",")
}

// Customers: custom fields validated, masked numbers for agents, lookup by
// the caller's number, all-or-nothing CSV import naming the bad line.
func TestCustomersAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newACDEnv(t, s)
		agent, sup, admin := bearer(e.tok["a/agent"]), bearer(e.tok["a/supervisor"]), bearer(e.tok["a/admin"])
		if r := e.do("PUT", "/api/v1/customer-settings", map[string]any{"fields": []map[string]any{{"name": "Level", "label": "x", "type": "text"}}}, admin...); r.Status != 400 || !strings.Contains(string(r.Body), "fields[0].name") {
			t.Fatalf("bad field name: %d %s", r.Status, r.Body)
		}
		if r := e.do("PUT", "/api/v1/customer-settings", map[string]any{"mask_numbers": true, "fields": []map[string]any{{"name": "level", "label": "等级", "type": "select", "options": []string{"VIP", "普通"}}}}, agent...); r.Status != 403 {
			t.Fatalf("agent edits settings: %d", r.Status)
		}
		if r := e.do("PUT", "/api/v1/customer-settings", map[string]any{"mask_numbers": true, "fields": []map[string]any{{"name": "level", "label": "等级", "type": "select", "options": []string{"VIP", "普通"}}}}, admin...); r.Status != 200 {
			t.Fatalf("settings: %d %s", r.Status, r.Body)
		}
		r := e.do("POST", "/api/v1/customers", map[string]any{"name": "张三", "numbers": []string{"13812345678"}, "fields": map[string]any{"level": "金卡"}}, sup...)
		if r.Status != 400 {
			t.Fatalf("bad level: %d %s", r.Status, r.Body)
		}
		r = e.do("POST", "/api/v1/customers", map[string]any{"name": "张三", "company": "ACME", "numbers": []string{"13812345678"}, "tags": []string{"vip"}, "fields": map[string]any{"level": "VIP"}}, sup...)
		var cu store.Customer
		r.json(t, &cu)
		if r.Status != 201 || cu.ID == 0 {
			t.Fatalf("create: %d %s", r.Status, r.Body)
		}
		// A path id that is not a positive number is refused at the id.
		for _, path := range []string{"/api/v1/customers/abc", "/api/v1/customers/0/history", "/api/v1/workorders/abc"} {
			r := e.do("GET", path, nil, sup...)
			if r.Status != 400 {
				t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
			}
			if _, field := r.errCode(t); field != "id" {
				t.Fatalf("GET %s: field %q", path, field)
			}
		}
		// The caller arrives as +86...; the agent sees the number masked.
		r = e.do("GET", "/api/v1/customers/lookup?number=%2B8613812345678", nil, agent...)
		var found store.Customer
		r.json(t, &found)
		if r.Status != 200 || found.ID != cu.ID || found.Numbers[0] != "138****5678" {
			t.Fatalf("agent lookup: %d %s", r.Status, r.Body)
		}
		r = e.do("GET", "/api/v1/customers/"+itoa(cu.ID), nil, sup...)
		r.json(t, &found)
		if found.Numbers[0] != "13812345678" {
			t.Fatalf("supervisor sees %v", found.Numbers)
		}
		// Text messages of the customer's numbers, in either form, are in its
		// history; an agent sees the ones they sent, masked.
		ctx := context.Background()
		for _, m := range []store.SMSMessage{
			{TenantID: "a", Direction: store.SMSIn, Number: "+8613812345678", Body: "TD", Source: "inbound", Status: "delivered"},
			{TenantID: "a", Direction: store.SMSOut, Number: "13812345678", Body: "您好", Source: "agent", AgentID: e.ids["a/agent"], Status: "delivered"},
			{TenantID: "a", Direction: store.SMSOut, Number: "13900000000", Body: "other", Source: "agent", Status: "delivered"},
			{TenantID: "b", Direction: store.SMSIn, Number: "+8613812345678", Body: "other tenant", Source: "inbound", Status: "delivered"},
		} {
			if err := s.CreateSMSMessage(ctx, &m); err != nil {
				t.Fatal(err)
			}
		}
		var hist struct {
			SMS []store.SMSMessage `json:"sms"`
		}
		e.do("GET", "/api/v1/customers/"+itoa(cu.ID)+"/history", nil, sup...).json(t, &hist)
		if len(hist.SMS) != 2 {
			t.Fatalf("supervisor: customer's messages %+v", hist.SMS)
		}
		hist.SMS = nil
		e.do("GET", "/api/v1/customers/"+itoa(cu.ID)+"/history", nil, agent...).json(t, &hist)
		if len(hist.SMS) != 1 || hist.SMS[0].Body != "您好" || hist.SMS[0].Number != "138****5678" {
			t.Fatalf("agent: customer's messages %+v", hist.SMS)
		}
		if r := e.do("GET", "/api/v1/customers?q=138", nil, agent...); r.Status != 403 {
			t.Fatalf("agent searches by number: %d", r.Status)
		}
		if r := e.do("GET", "/api/v1/customers/lookup?number=13812345678", nil, bearer(e.tok["b/agent"])...); r.Status != 404 {
			t.Fatalf("other tenant: %d", r.Status)
		}
		// Import: line 3 is bad, nothing is imported.
		csvBad := "name,numbers,level\n李四,13900000001,VIP\n王五,13900000002,钻石\n"
		r = e.do("POST", "/api/v1/customers/import", csvBad, append(sup, "Content-Type", "text/csv")...)
		if r.Status != 400 || !strings.Contains(string(r.Body), "line 3") {
			t.Fatalf("bad import: %d %s", r.Status, r.Body)
		}
		csvClash := "name,numbers\n李四,13900000001\n王五,13812345678\n"
		r = e.do("POST", "/api/v1/customers/import", csvClash, append(sup, "Content-Type", "text/csv")...)
		if r.Status != 409 || !strings.Contains(string(r.Body), "line 3") || !strings.Contains(string(r.Body), "nothing was imported") {
			t.Fatalf("clashing import: %d %s", r.Status, r.Body)
		}
		var all []store.Customer
		e.do("GET", "/api/v1/customers", nil, sup...).json(t, &all)
		if len(all) != 1 {
			t.Fatalf("partial import: %d", len(all))
		}
		r = e.do("POST", "/api/v1/customers/import", "name,numbers,level\n李四,13900000001;13900000003,VIP\n", append(sup, "Content-Type", "text/csv")...)
		if r.Status != 200 || !strings.Contains(string(r.Body), `"imported":1`) {
			t.Fatalf("import: %d %s", r.Status, r.Body)
		}
		r = e.do("GET", "/api/v1/customers/export", nil, sup...)
		if r.Status != 200 || !strings.Contains(string(r.Body), "13900000001;13900000003") {
			t.Fatalf("export: %d %s", r.Status, r.Body)
		}
		if r := e.do("GET", "/api/v1/customers/export", nil, agent...); r.Status != 403 {
			t.Fatalf("agent exports: %d", r.Status)
		}
		// Work-order events can be subscribed to by name.
		if r := e.do("POST", "/api/v1/webhooks", map[string]any{"url": "https://crm.example.com/hook", "events": []string{"workorder.created", "workorder.sla_breached"}}, admin...); r.Status != 201 {
			t.Fatalf("subscribe to work-order events: %d %s", r.Status, r.Body)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// A call through a queue whose summary is required: the agent cannot end
// wrap-up until the summary is submitted; the summary is on the call's
// detail and in the calls CSV; a work order created from the call fires its
// condition rule, keeps its history and is visible to its agent only.
func TestSummaryAndWorkOrderAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		evs := &crmEvents{}
		e := newACDEnv(t, s, func(o *api.Options) { o.CRM = &crm.Service{Store: s, Events: evs} })
		ctx := context.Background()
		agentID := e.ids["a/agent"]
		agent, sup, admin := bearer(e.tok["a/agent"]), bearer(e.tok["a/supervisor"]), bearer(e.tok["a/admin"])

		form := map[string]any{"businesses": []string{"宽带", "手机"}, "types": []string{"咨询", "投诉"}, "outcomes": []string{"已解决", "未解决"},
			"fields": []map[string]any{{"name": "note", "label": "备注", "type": "text", "required": true}}, "required": true}
		if r := e.do("PUT", "/api/v1/summary-forms/nope", form, admin...); r.Status != 404 {
			t.Fatalf("form of a missing queue: %d %s", r.Status, r.Body)
		}
		if r := e.do("PUT", "/api/v1/summary-forms/sales", map[string]any{"outcomes": []string{}}, admin...); r.Status != 400 {
			t.Fatalf("form without outcomes: %d %s", r.Status, r.Body)
		}
		if r := e.do("PUT", "/api/v1/summary-forms/sales", form, admin...); r.Status != 200 {
			t.Fatalf("form: %d %s", r.Status, r.Body)
		}
		var q map[string]any
		e.do("GET", "/api/v1/queues/sales", nil, admin...).json(t, &q)
		if q["summary_required"] != true {
			t.Fatalf("queue: %v", q)
		}
		if r := e.do("POST", "/api/v1/agent/login", map[string]any{"device": "1001"}, agent...); r.Status != 200 {
			t.Fatalf("login: %d %s", r.Status, r.Body)
		}
		eng := e.engine("a")
		if _, err := eng.Enqueue(ctx, acd.CallRequest{CallID: "call-1", QueueID: "sales", Caller: "+8613812345678"}); err != nil {
			t.Fatal(err)
		}
		answered := false
		for id := uint64(1); id < 20 && !answered; id++ {
			answered = eng.Answered(ctx, id) == nil
		}
		if !answered {
			t.Fatal("no offer to answer")
		}
		now := time.Now().UTC()
		if err := s.SaveCall(ctx, &store.CallRecord{TenantID: "a", ID: "call-1", Direction: "inbound", ANI: "+8613812345678", DNIS: "4001", StartedAt: now.Add(-time.Minute), AnsweredAt: &now, EndedAt: &now, QueueID: "sales", AgentID: agentID, Disposition: "answered"}); err != nil {
			t.Fatal(err)
		}
		if err := eng.CallEnded(ctx, "call-1"); err != nil {
			t.Fatal(err)
		}
		r := e.do("POST", "/api/v1/agent/wrap-up/end", nil, agent...)
		if code, _ := r.errCode(t); r.Status != 409 || code != "summary_required" {
			t.Fatalf("end wrap-up without summary: %d %s", r.Status, r.Body)
		}
		var st map[string]any
		e.do("GET", "/api/v1/agent/state", nil, agent...).json(t, &st)
		if st["state"] != "wrap-up" || st["summary_due"] != "call-1" {
			t.Fatalf("state: %v", st)
		}
		// Bad summaries are named; another tenant's agent cannot see the call.
		if r := e.do("POST", "/api/v1/calls/call-1/summary", map[string]any{"business": "宽带", "type": "咨询", "outcome": "也许"}, agent...); r.Status != 400 || !strings.Contains(string(r.Body), "outcome") {
			t.Fatalf("bad outcome: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/calls/call-1/summary", map[string]any{"business": "宽带", "type": "咨询", "outcome": "已解决"}, agent...); r.Status != 400 || !strings.Contains(string(r.Body), "fields.note") {
			t.Fatalf("missing note: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/calls/call-1/summary", map[string]any{"outcome": "已解决"}, bearer(e.tok["b/agent"])...); r.Status != 404 {
			t.Fatalf("other tenant: %d", r.Status)
		}
		if r := e.do("POST", "/api/v1/calls/call-1/summary", map[string]any{"business": "宽带", "type": "投诉", "outcome": "未解决", "fields": map[string]any{"note": "网速慢"}}, agent...); r.Status != 200 {
			t.Fatalf("summary: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/agent/wrap-up/end", nil, agent...); r.Status != 200 {
			t.Fatalf("end wrap-up after summary: %d %s", r.Status, r.Body)
		}
		r = e.do("GET", "/api/v1/calls/call-1", nil, sup...)
		if !strings.Contains(string(r.Body), `"service_summary"`) || !strings.Contains(string(r.Body), "网速慢") {
			t.Fatalf("call detail: %s", r.Body)
		}
		r = e.do("GET", "/api/v1/reports/calls?format=csv&from="+now.Add(-time.Hour).Format(time.RFC3339)+"&to="+now.Add(time.Hour).Format(time.RFC3339), nil, sup...)
		if r.Status != 200 || !strings.Contains(string(r.Body), "summary_outcome") || !strings.Contains(string(r.Body), "宽带,投诉,未解决") {
			t.Fatalf("calls CSV: %d %s", r.Status, r.Body)
		}

		// Work orders.
		typ := map[string]any{"name": "投诉", "statuses": []map[string]any{{"id": "new", "label": "新建"}, {"id": "done", "label": "完成", "resolved": true}},
			"transitions": map[string][]string{"new": {"done"}}, "resolve_hours": 2,
			"conditions": []map[string]any{{"when": `priority == "high" && type == "complaint"`, "action": "escalate"}}}
		if r := e.do("PUT", "/api/v1/workorder-types/complaint", map[string]any{"name": "x", "statuses": []map[string]any{{"id": "a", "label": "A"}}}, admin...); r.Status != 400 {
			t.Fatalf("bad type: %d %s", r.Status, r.Body)
		}
		if r := e.do("PUT", "/api/v1/workorder-types/complaint", typ, admin...); r.Status != 200 {
			t.Fatalf("type: %d %s", r.Status, r.Body)
		}
		r = e.do("POST", "/api/v1/workorders", map[string]any{"type": "complaint", "title": "网速慢", "priority": "high", "call_id": "call-1", "assignee_agent": agentID}, agent...)
		var wo struct {
			ID       int64
			Priority string
			Status   string
		}
		r.json(t, &wo)
		if r.Status != 201 || wo.Status != "new" {
			t.Fatalf("create work order: %d %s", r.Status, r.Body)
		}
		var d struct {
			Priority string
			History  []struct{ Kind string }
		}
		e.do("GET", "/api/v1/workorders/"+itoa(wo.ID), nil, sup...).json(t, &d)
		if d.Priority != "urgent" || len(d.History) != 2 || d.History[1].Kind != "escalated" {
			t.Fatalf("escalated on creation: %+v", d)
		}
		if got := evs.reasons(); got != "created,escalated" {
			t.Fatalf("events: %s", got)
		}
		if r := e.do("PATCH", "/api/v1/workorders/"+itoa(wo.ID), map[string]any{"status": "bogus"}, agent...); r.Status != 400 {
			t.Fatalf("bad status: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/workorders/"+itoa(wo.ID)+"/comments", map[string]any{"text": "已回电"}, agent...); r.Status != 201 {
			t.Fatalf("comment: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/workorders/"+itoa(wo.ID)+"/attachments?name=a.bin", "xx", append(agent, "Content-Type", "application/octet-stream")...); r.Status != 400 {
			t.Fatalf("binary attachment: %d %s", r.Status, r.Body)
		}
		r = e.do("POST", "/api/v1/workorders/"+itoa(wo.ID)+"/attachments?name=note.txt", "hello", append(agent, "Content-Type", "text/plain")...)
		var att store.WorkOrderAttachment
		r.json(t, &att)
		if r.Status != 201 {
			t.Fatalf("attachment: %d %s", r.Status, r.Body)
		}
		if r := e.do("GET", "/api/v1/workorders/"+itoa(wo.ID)+"/attachments/"+itoa(att.ID), nil, sup...); r.Status != 200 || string(r.Body) != "hello" {
			t.Fatalf("download: %d %s", r.Status, r.Body)
		}
		if r := e.do("PATCH", "/api/v1/workorders/"+itoa(wo.ID), map[string]any{"status": "done"}, agent...); r.Status != 200 {
			t.Fatalf("done: %d %s", r.Status, r.Body)
		}
		// Visibility: another agent of the tenant does not see it.
		if r := e.do("POST", "/api/v1/users", map[string]string{"username": "agent2", "role": "agent", "password": "password-a2"}, admin...); r.Status != 201 {
			t.Fatalf("agent2: %d", r.Status)
		}
		agent2 := bearer(e.login("a", "agent2", "password-a2"))
		if r := e.do("GET", "/api/v1/workorders/"+itoa(wo.ID), nil, agent2...); r.Status != 404 {
			t.Fatalf("agent2 sees it: %d", r.Status)
		}
		var list []map[string]any
		e.do("GET", "/api/v1/workorders", nil, agent2...).json(t, &list)
		if len(list) != 0 {
			t.Fatalf("agent2 lists %d", len(list))
		}
		e.do("GET", "/api/v1/workorders?call_id=call-1", nil, agent...).json(t, &list)
		if len(list) != 1 {
			t.Fatalf("agent lists %d", len(list))
		}
		if r := e.do("GET", "/api/v1/workorders/report", nil, agent...); r.Status != 403 {
			t.Fatalf("agent report: %d", r.Status)
		}
		r = e.do("GET", "/api/v1/workorders/report", nil, sup...)
		if r.Status != 200 || !strings.Contains(string(r.Body), `"total":1`) {
			t.Fatalf("report: %d %s", r.Status, r.Body)
		}
		r = e.do("GET", "/api/v1/workorders/report?format=csv", nil, sup...)
		if r.Status != 200 || !strings.Contains(string(r.Body), "status,done,1,0") {
			t.Fatalf("report CSV: %d %s", r.Status, r.Body)
		}
		r = e.do("GET", "/api/v1/reports/summaries", nil, sup...)
		if r.Status != 200 || !strings.Contains(string(r.Body), `"total":1`) {
			t.Fatalf("summary report: %d %s", r.Status, r.Body)
		}
	})
}
