package api_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/api"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// Scheduled call-backs: agents schedule for themselves or the queue; an
// agent-owned one is invisible and untakeable for other agents until its
// grace period has passed; bad requests get 400s naming the field;
// supervisors give one to another agent; tenants are isolated.
func TestScheduledCallbacksAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newACDEnv(t, s, func(o *api.Options) { o.DefaultTrunk = "gw" })
		ctx := context.Background()
		agentID := e.ids["a/agent"]
		agent, sup, admin := bearer(e.tok["a/agent"]), bearer(e.tok["a/supervisor"]), bearer(e.tok["a/admin"])
		r := e.do("POST", "/api/v1/users", map[string]string{"username": "agent2", "role": "agent", "password": "password-a2"}, admin...)
		if r.Status != 201 {
			t.Fatalf("agent2: %d %s", r.Status, r.Body)
		}
		var u2 store.User
		r.json(t, &u2)
		if r := e.do("PUT", "/api/v1/queues/sales/members/"+u2.ID, map[string]any{"level": 1}, admin...); r.Status != 200 {
			t.Fatalf("member: %d %s", r.Status, r.Body)
		}
		agent2 := bearer(e.login("a", "agent2", "password-a2"))
		now := time.Now().UTC()
		due := now.Add(time.Hour).Truncate(time.Second)

		r = e.do("POST", "/api/v1/callbacks", map[string]any{"number": "13800000009", "due_at": due, "queue": "sales", "note": "after 3pm"}, agent...)
		var mine store.CallbackWork
		r.json(t, &mine)
		if r.Status != 200 || mine.OwnerAgent != agentID || mine.QueueID != "sales" || mine.DueAt == nil || !mine.DueAt.Equal(due) ||
			mine.OwnerUntil == nil || !mine.OwnerUntil.Equal(due.Add(15*time.Minute)) || mine.Status != store.CallbackPending || mine.CreatedBy != agentID {
			t.Fatalf("schedule: %d %s", r.Status, r.Body)
		}
		r = e.do("POST", "/api/v1/callbacks", map[string]any{"number": "13800000010", "due_at": due, "owner": "queue", "queue": "sales"}, agent...)
		var queued store.CallbackWork
		r.json(t, &queued)
		if r.Status != 200 || queued.OwnerAgent != "" || queued.OwnerUntil != nil {
			t.Fatalf("schedule for the queue: %d %s", r.Status, r.Body)
		}

		// Validation: 400 naming the field.
		for _, tc := range []struct {
			body  map[string]any
			h     []string
			field string
		}{
			{map[string]any{"number": "13800000009", "due_at": now.Add(-time.Hour)}, agent, "due_at"},
			{map[string]any{"number": "13800000009"}, agent, "due_at"},
			{map[string]any{"due_at": due}, agent, "number"},
			{map[string]any{"number": "13800000009", "due_at": due, "queue": "nope"}, agent, "queue"},
			{map[string]any{"number": "13800000009", "due_at": due, "queue": "other"}, agent, "queue"}, // not the agent's queue
			{map[string]any{"number": "13800000009", "due_at": due, "owner": "ghost"}, sup, "owner"},
			{map[string]any{"number": "13800000009", "due_at": due, "owner": e.ids["b/agent"], "queue": "sales"}, sup, "owner"}, // another tenant's agent
			{map[string]any{"number": "not a number", "due_at": due}, agent, "number"},                                          // refused by outbound routing
			{map[string]any{"lead_id": 424242, "due_at": due}, agent, "lead_id"},
		} {
			r := e.do("POST", "/api/v1/callbacks", tc.body, tc.h...)
			if r.Status != 400 {
				t.Fatalf("%v: %d %s", tc.body, r.Status, r.Body)
			}
			if _, field := r.errCode(t); field != tc.field {
				t.Fatalf("%v names %q, want %q (%s)", tc.body, field, tc.field, r.Body)
			}
		}
		// Only supervisors give a call-back to another agent.
		if r := e.do("POST", "/api/v1/callbacks", map[string]any{"number": "13800000011", "due_at": due, "owner": u2.ID, "queue": "sales"}, agent...); r.Status != 403 {
			t.Fatalf("agent gives to agent2: %d %s", r.Status, r.Body)
		}
		r = e.do("POST", "/api/v1/callbacks", map[string]any{"number": "13800000011", "due_at": due, "owner": u2.ID, "queue": "sales"}, sup...)
		var given store.CallbackWork
		r.json(t, &given)
		if r.Status != 200 || given.OwnerAgent != u2.ID {
			t.Fatalf("supervisor gives to agent2: %d %s", r.Status, r.Body)
		}

		// An agent-owned call-back past its grace period has fallen to the
		// queue; one due now is first in the list.
		past := now.Add(-time.Hour)
		pastUntil := past.Add(15 * time.Minute)
		if err := s.CreateCallback(ctx, &store.CallbackWork{TenantID: "a", ID: "cb-released", CallID: "x1", QueueID: "sales", Number: "13800000012",
			DueAt: &past, OwnerAgent: agentID, OwnerUntil: &pastUntil}); err != nil {
			t.Fatal(err)
		}
		soon := now.Add(-time.Minute)
		soonUntil := soon.Add(15 * time.Minute)
		if err := s.CreateCallback(ctx, &store.CallbackWork{TenantID: "a", ID: "cb-due-mine", CallID: "x2", QueueID: "sales", Number: "13800000013",
			DueAt: &soon, OwnerAgent: agentID, OwnerUntil: &soonUntil}); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveACDCallback(ctx, &store.ACDCallback{TenantID: "a", ID: "cb-caller", CallID: "x3", QueueID: "sales", Number: "13800000014",
			Status: "pending", RequestedAt: now.Add(-2 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		list := func(path string, h []string) []string {
			t.Helper()
			r := e.do("GET", path, nil, h...)
			var got []store.CallbackWork
			r.json(t, &got)
			if r.Status != 200 {
				t.Fatalf("%s: %d %s", path, r.Status, r.Body)
			}
			ids := []string{}
			for _, c := range got {
				ids = append(ids, c.ID)
			}
			return ids
		}
		if got := list("/api/v1/callbacks", agent); !slices.Equal(got, []string{"cb-released", "cb-due-mine", "cb-caller", mine.ID, queued.ID}) {
			t.Fatalf("agent's list %v", got)
		}
		if got := list("/api/v1/callbacks?owner=me", agent); !slices.Equal(got, []string{"cb-released", "cb-due-mine", mine.ID}) {
			t.Fatalf("agent's own %v", got)
		}
		if got := list("/api/v1/callbacks", agent2); !slices.Equal(got, []string{"cb-released", "cb-caller", queued.ID, given.ID}) {
			t.Fatalf("agent2's list %v", got)
		}
		if got := list("/api/v1/callbacks?owner=queue", agent2); !slices.Equal(got, []string{"cb-released", "cb-caller", queued.ID}) {
			t.Fatalf("agent2's queue list %v", got)
		}
		if r := e.do("GET", "/api/v1/callbacks?owner=them", nil, agent...); r.Status != 400 {
			t.Fatalf("bad owner: %d", r.Status)
		}
		// agent2 cannot take agent1's call-back within its grace period,
		// nor tenant b's agent any of tenant a's.
		for _, tc := range []struct {
			id string
			h  []string
		}{{"cb-due-mine", agent2}, {mine.ID, agent2}, {"cb-released", bearer(e.tok["b/agent"])}, {mine.ID, bearer(e.tok["b/supervisor"])}} {
			if r := e.do("POST", "/api/v1/callbacks/"+tc.id+"/dial", nil, tc.h...); r.Status != 404 {
				t.Fatalf("take %s: %d %s", tc.id, r.Status, r.Body)
			}
		}
		// After it, it is the queue's: agent2 takes and dials it.
		if r := e.do("POST", "/api/v1/callbacks/cb-released/dial", nil, agent2...); r.Status != 200 {
			t.Fatalf("agent2 takes the released one: %d %s", r.Status, r.Body)
		}
		if got := e.calls.take(); !slices.Equal(got, []string{"a " + u2.ID + " dial 13800000012"}) {
			t.Fatalf("call control was asked %v", got)
		}
		// The owner takes theirs when it is due.
		if r := e.do("POST", "/api/v1/callbacks/cb-due-mine/dial", nil, agent...); r.Status != 200 {
			t.Fatalf("owner takes: %d %s", r.Status, r.Body)
		}
		// Supervisors reassign; agents may not.
		if r := e.do("PUT", "/api/v1/callbacks/"+mine.ID+"/assign", map[string]any{"owner": u2.ID}, agent...); r.Status != 403 {
			t.Fatalf("agent reassigns: %d %s", r.Status, r.Body)
		}
		r = e.do("PUT", "/api/v1/callbacks/"+mine.ID+"/assign", map[string]any{"owner": u2.ID}, sup...)
		var moved store.CallbackWork
		r.json(t, &moved)
		if r.Status != 200 || moved.OwnerAgent != u2.ID || !moved.DueAt.Equal(due) {
			t.Fatalf("reassign: %d %s", r.Status, r.Body)
		}
		if got := list("/api/v1/callbacks?owner=me", agent2); !slices.Contains(got, mine.ID) {
			t.Fatalf("agent2 does not see the reassigned one: %v", got)
		}
	})
}

// A call-back of a campaign lead: the lead's attempt is recorded with the
// callback outcome, the campaign will not redial it before due_at, and a
// masking campaign's number never reaches the agent.
func TestScheduledCallbackOfLead(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newACDEnv(t, s, func(o *api.Options) { o.DefaultTrunk = "gw" })
		ctx := context.Background()
		agentID := e.ids["a/agent"]
		agent, sup := bearer(e.tok["a/agent"]), bearer(e.tok["a/supervisor"])
		body := map[string]any{"id": "survey", "name": "Survey", "type": "preview", "settings": map[string]any{
			"queue_id": "sales", "mask_numbers": true, "callback_grace_ms": 45 * 60 * 1000,
			"window": map[string]any{"name": "always", "timezone": "Asia/Shanghai", "weekly": allWeek()},
		}}
		bad := map[string]any{"id": "bad", "name": "Bad", "type": "preview", "settings": map[string]any{"queue_id": "sales", "callback_grace_ms": 5000}}
		if r := e.do("POST", "/api/v1/campaigns", bad, sup...); r.Status != 400 || !strings.Contains(string(r.Body), "callback_grace_ms") {
			t.Fatalf("a 5 s grace period: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/campaigns", body, sup...); r.Status != 201 {
			t.Fatalf("campaign: %d %s", r.Status, r.Body)
		}
		if err := s.InsertLeads(ctx, "a", "survey", []store.Lead{{Phone: "+8613812341234", Name: "Ann", AgentID: agentID}, {Phone: "+8613912341234", Name: "Bo"}}); err != nil {
			t.Fatal(err)
		}
		leads, err := s.ListLeads(ctx, "a", "survey", store.LeadFilter{})
		if err != nil || len(leads) != 2 {
			t.Fatalf("leads %v %v", leads, err)
		}
		ann, bo := leads[0], leads[1]
		if ann.Name != "Ann" {
			ann, bo = bo, ann
		}
		due := time.Now().UTC().Add(2 * time.Hour).Truncate(time.Second)
		if r := e.do("POST", "/api/v1/callbacks", map[string]any{"lead_id": bo.ID, "due_at": due}, agent...); r.Status != 400 {
			t.Fatalf("another's lead: %d %s", r.Status, r.Body)
		}
		if r := e.do("POST", "/api/v1/callbacks", map[string]any{"lead_id": ann.ID, "due_at": due}, bearer(e.tok["b/agent"])...); r.Status != 400 {
			t.Fatalf("tenant b's agent: %d %s", r.Status, r.Body)
		}
		r := e.do("POST", "/api/v1/callbacks", map[string]any{"lead_id": ann.ID, "due_at": due}, agent...)
		var cb store.CallbackWork
		r.json(t, &cb)
		if r.Status != 200 || cb.LeadID != ann.ID || cb.CampaignID != "survey" || cb.OwnerAgent != agentID {
			t.Fatalf("schedule lead: %d %s", r.Status, r.Body)
		}
		lst := e.do("GET", "/api/v1/callbacks?owner=me", nil, agent...)
		for _, b := range [][]byte{r.Body, lst.Body} {
			if strings.Contains(string(b), "13812341234") {
				t.Fatalf("the agent sees the masked number: %s", b)
			}
		}
		if !strings.Contains(string(lst.Body), cb.ID) {
			t.Fatalf("not listed: %s", lst.Body)
		}
		got, err := s.GetCallbackWork(ctx, "a", cb.ID)
		if err != nil || got.Number != "+8613812341234" {
			t.Fatalf("stored %+v %v", got, err)
		}
		// The campaign's grace period (45 minutes), not the default 15.
		if got.OwnerUntil == nil || !got.OwnerUntil.Equal(due.Add(45*time.Minute)) {
			t.Fatalf("owner until %v, want due + 45 min", got.OwnerUntil)
		}
		later := due.Add(time.Hour)
		if r := e.do("PUT", "/api/v1/callbacks/"+cb.ID+"/assign", map[string]any{"owner": agentID, "due_at": later}, sup...); r.Status != 200 {
			t.Fatalf("reassign: %d %s", r.Status, r.Body)
		}
		if got, err = s.GetCallbackWork(ctx, "a", cb.ID); err != nil || got.OwnerUntil == nil || !got.OwnerUntil.Equal(later.Add(45*time.Minute)) {
			t.Fatalf("after reassigning: %+v %v", got, err)
		}
		if r := e.do("PUT", "/api/v1/callbacks/"+cb.ID+"/assign", map[string]any{"owner": agentID, "due_at": due}, sup...); r.Status != 200 {
			t.Fatalf("reassign back: %d %s", r.Status, r.Body)
		}
		lead, err := s.GetLead(ctx, "a", ann.ID)
		if err != nil || lead.Status != store.LeadPending || lead.NextAt == nil || !lead.NextAt.Equal(due) || lead.LastOutcome != "callback" {
			t.Fatalf("lead after %+v %v", lead, err)
		}
		atts, err := s.ListAttempts(ctx, "a", "survey", store.AttemptFilter{LeadID: ann.ID})
		if err != nil || len(atts) != 1 || atts[0].Outcome != "callback" || atts[0].AgentID != agentID {
			t.Fatalf("attempts %+v %v", atts, err)
		}
		// The campaign does not hand the lead out before it is due.
		if l, err := s.ClaimLead(ctx, "a", "survey", agentID, store.LeadPreview, time.Now()); err != nil || (l != nil && l.ID == ann.ID) {
			t.Fatalf("claimed before due: %+v %v", l, err)
		}
		// Bo is not the agent's, but the agent just had Bo's campaign call
		// (a progressive call: the dialer released the lead when it ended):
		// "call back at…" after the call is theirs to schedule.
		end := time.Now()
		if err := s.AddAttempt(ctx, &store.CampaignAttempt{TenantID: "a", CampaignID: "survey", LeadID: bo.ID, Kind: store.AttemptCall, AgentID: agentID,
			Outcome: "answered", StartedAt: end.Add(-time.Minute), EndedAt: &end}); err != nil {
			t.Fatal(err)
		}
		if r := e.do("POST", "/api/v1/callbacks", map[string]any{"lead_id": bo.ID, "due_at": due}, agent...); r.Status != 200 {
			t.Fatalf("after the agent's own call of the lead: %d %s", r.Status, r.Body)
		}
	})
}
