package api_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// Agents work the call-back list of their queues: take a request (the
// call-back is dialled from their phone and linked to the call that asked),
// close it or put it back; one agent wins a race; supervisors cancel.
func TestCallbacksAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		e := newACDEnv(t, s)
		ctx := context.Background()
		agentID := e.ids["a/agent"]
		agent, sup, admin := bearer(e.tok["a/agent"]), bearer(e.tok["a/supervisor"]), bearer(e.tok["a/admin"])
		if r := e.do("POST", "/api/v1/users", map[string]string{"username": "qa1", "role": "qa", "password": "password-qa"}, admin...); r.Status != 201 {
			t.Fatalf("qa user: %d %s", r.Status, r.Body)
		}
		qa := bearer(e.login("a", "qa1", "password-qa"))
		// The call that asked for cb-sales is on record; cb-support's is not.
		if err := s.SaveCall(ctx, &store.CallRecord{TenantID: "a", ID: "call-sales", ANI: "13800000001", StartedAt: envT0, Disposition: "callback_requested", QueueID: "sales"}); err != nil {
			t.Fatal(err)
		}
		for i, cb := range []store.ACDCallback{
			{TenantID: "a", ID: "cb-sales", CallID: "call-sales", QueueID: "sales", Caller: "13800000001", Number: "13800000001", Status: "pending"},
			{TenantID: "a", ID: "cb-support", CallID: "call-gone", QueueID: "support", Caller: "13800000002", Number: "13800000002", Status: "pending", Priority: 5},
			{TenantID: "a", ID: "cb-other", CallID: "call-other", QueueID: "other", Caller: "13800000003", Number: "13800000003", Status: "pending"},
			{TenantID: "b", ID: "cb-b", CallID: "call-b", QueueID: "b-only", Caller: "13800000004", Number: "13800000004", Status: "pending"},
		} {
			cb.RequestedAt = envT0.Add(-time.Duration(i) * 10 * time.Second)
			if err := s.SaveACDCallback(ctx, &cb); err != nil {
				t.Fatal(err)
			}
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
		// Most urgent first; an agent sees only its queues' requests.
		if got := list("/api/v1/callbacks", agent); !slices.Equal(got, []string{"cb-support", "cb-sales"}) {
			t.Fatalf("agent's list %v", got)
		}
		if got := list("/api/v1/callbacks", sup); !slices.Equal(got, []string{"cb-support", "cb-other", "cb-sales"}) {
			t.Fatalf("supervisor's list %v", got)
		}
		if got := list("/api/v1/callbacks?queue=other", agent); len(got) != 0 {
			t.Fatalf("agent sees another queue's requests: %v", got)
		}
		if r := e.do("GET", "/api/v1/callbacks?status=later", nil, sup...); r.Status != 400 {
			t.Fatalf("bad status: %d", r.Status)
		} else if _, field := r.errCode(t); field != "status" {
			t.Fatalf("bad status names %q", field)
		}

		// Taking a request dials the number, linked to the asking call.
		r := e.do("POST", "/api/v1/callbacks/cb-sales/dial", nil, agent...)
		var dialled map[string]string
		r.json(t, &dialled)
		if r.Status != 200 || dialled["call"] != "dial-1" || dialled["callback"] != "cb-sales" {
			t.Fatalf("dial: %d %s", r.Status, r.Body)
		}
		if got := e.calls.take(); !slices.Equal(got, []string{"a " + agentID + " dial 13800000001 call-sales"}) {
			t.Fatalf("call control was asked %v", got)
		}
		cb, err := s.GetCallbackWork(ctx, "a", "cb-sales")
		if err != nil || cb.Status != store.CallbackInProgress || cb.HandledBy != agentID || cb.ResultCallID != "dial-1" || cb.Attempts != 1 {
			t.Fatalf("after dial %+v %v", cb, err)
		}
		// Someone else (here: the same request again) cannot take it.
		if r := e.do("POST", "/api/v1/callbacks/cb-sales/dial", nil, sup...); r.Status != 409 {
			t.Fatalf("second take: %d %s", r.Status, r.Body)
		} else if code, _ := r.errCode(t); code != "callback_taken" {
			t.Fatalf("second take code %s", code)
		}
		// A request whose asking call left no record is dialled unlinked.
		if r := e.do("POST", "/api/v1/callbacks/cb-support/dial", nil, agent...); r.Status != 200 {
			t.Fatalf("dial support: %d %s", r.Status, r.Body)
		}
		if got := e.calls.take(); !slices.Equal(got, []string{"a " + agentID + " dial 13800000002"}) {
			t.Fatalf("call control was asked %v", got)
		}
		// Another queue's or tenant's requests do not exist for the agent.
		for _, id := range []string{"cb-other", "cb-b", "nope"} {
			if r := e.do("POST", "/api/v1/callbacks/"+id+"/dial", nil, agent...); r.Status != 404 {
				t.Fatalf("dial %s: %d %s", id, r.Status, r.Body)
			}
		}

		// Closing: only what is in progress, only by its agent (or a
		// supervisor); cancelling is for supervisors.
		for _, tc := range []struct {
			id, status string
			h          []string
			want       int
		}{
			{"cb-sales", "finished", agent, 400},
			{"cb-sales", "cancelled", agent, 403},
			{"cb-sales", "cancelled", qa, 403}, // QA reviews calls; it does not run the list
			{"cb-sales", "done", qa, 403},      // nor close another's call-back
			{"cb-sales", "done", agent, 200},
			{"cb-sales", "done", agent, 409},
			{"cb-support", "pending", agent, 200}, // not reached: back on the list
			{"cb-support", "done", agent, 409},    // pending again: take it first
			{"cb-other", "cancelled", qa, 403},
			{"cb-other", "done", sup, 409},
			{"cb-other", "cancelled", sup, 200},
			{"cb-other", "cancelled", admin, 409},
		} {
			r := e.do("PUT", "/api/v1/callbacks/"+tc.id, map[string]any{"status": tc.status, "note": "tried at noon"}, tc.h...)
			if r.Status != tc.want {
				t.Fatalf("%s → %s: %d %s", tc.id, tc.status, r.Status, r.Body)
			}
		}
		cb, _ = s.GetCallbackWork(ctx, "a", "cb-sales")
		if cb.Status != store.CallbackDone || cb.HandledAt == nil || cb.Note != "tried at noon" {
			t.Fatalf("closed %+v", cb)
		}
		cb, _ = s.GetCallbackWork(ctx, "a", "cb-support")
		if cb.Status != store.CallbackPending || cb.HandledAt != nil || cb.Attempts != 1 {
			t.Fatalf("put back %+v", cb)
		}
		if got := list("/api/v1/callbacks?status=all", sup); len(got) != 3 {
			t.Fatalf("all statuses %v", got)
		}
	})
}
