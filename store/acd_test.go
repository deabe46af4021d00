package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func TestACDQueuesAndMembers(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		q := &store.ACDQueue{TenantID: "a", ID: "sales", Name: "Sales", Strategy: "ring-all", Config: `{"id":"sales"}`}
		if err := s.CreateACDQueue(ctx, q); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateACDQueue(ctx, q); !store.IsConflict(err) {
			t.Fatalf("duplicate queue: %v", err)
		}
		// Same id in another tenant is fine.
		if err := s.CreateACDQueue(ctx, &store.ACDQueue{TenantID: "b", ID: "sales", Name: "B", Strategy: "random", Config: "{}"}); err != nil {
			t.Fatal(err)
		}
		q.Name, q.Strategy = "Sales 2", "random"
		if err := s.UpdateACDQueue(ctx, q); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetACDQueue(ctx, "a", "sales")
		if err != nil || got.Name != "Sales 2" || got.Strategy != "random" || got.Config != `{"id":"sales"}` {
			t.Fatalf("get: %+v %v", got, err)
		}
		if err := s.UpdateACDQueue(ctx, &store.ACDQueue{TenantID: "a", ID: "nope"}); !store.IsNotFound(err) {
			t.Fatalf("update missing: %v", err)
		}
		for i, agent := range []string{"u2", "u1"} {
			if err := s.PutACDMember(ctx, &store.ACDMember{TenantID: "a", QueueID: "sales", AgentID: agent, Level: 1, Position: i}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.PutACDMember(ctx, &store.ACDMember{TenantID: "a", QueueID: "sales", AgentID: "u1", Level: 5, Weight: 2}); err != nil {
			t.Fatal(err)
		}
		ms, err := s.ListACDMembers(ctx, "a", "sales")
		if err != nil || len(ms) != 2 || ms[0].AgentID != "u1" || ms[0].Level != 5 || ms[0].Weight != 2 {
			t.Fatalf("members %+v %v", ms, err)
		}
		if ms, _ := s.ListACDMembers(ctx, "b", ""); len(ms) != 0 {
			t.Fatalf("tenant b sees %+v", ms)
		}
		if err := s.DeleteACDMember(ctx, "a", "sales", "u2"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteACDMember(ctx, "a", "sales", "u2"); !store.IsNotFound(err) {
			t.Fatalf("delete missing member: %v", err)
		}
		if err := s.DeleteACDQueue(ctx, "a", "sales"); err != nil {
			t.Fatal(err)
		}
		if ms, _ := s.ListACDMembers(ctx, "a", ""); len(ms) != 0 {
			t.Fatalf("members left after the queue: %+v", ms)
		}
		qs, _ := s.ListACDQueues(ctx, "b")
		if len(qs) != 1 {
			t.Fatalf("tenant b queues %+v", qs)
		}
	})
}

func TestACDStateEntriesLogCallbacks(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		at := time.Date(2026, 1, 5, 9, 30, 0, 0, time.UTC)
		wrap := at.Add(time.Minute)
		a := &store.ACDAgentState{TenantID: "a", AgentID: "u1", Device: "sip:1001", State: "wrap-up", Since: at, CallID: "c1",
			QueueID: "sales", WrapUpEnd: &wrap, CallsToday: 3, TalkTodayMS: 60000, Day: 20260105}
		if err := s.SaveACDAgentState(ctx, a); err != nil {
			t.Fatal(err)
		}
		a.State, a.WrapUpEnd = "available", nil
		if err := s.SaveACDAgentState(ctx, a); err != nil {
			t.Fatal(err)
		}
		as, err := s.ListACDAgentStates(ctx, "a")
		if err != nil || len(as) != 1 || as[0].State != "available" || as[0].WrapUpEnd != nil || !as[0].Since.Equal(at) || as[0].CallsToday != 3 {
			t.Fatalf("states %+v %v", as, err)
		}
		for i, st := range []string{"available", "ringing", "on-call"} {
			if err := s.AddACDAgentLog(ctx, &store.ACDAgentLogEntry{TenantID: "a", AgentID: "u1", At: at.Add(time.Duration(i) * time.Second), FromState: "x", ToState: st}); err != nil {
				t.Fatal(err)
			}
		}
		log, err := s.ListACDAgentLog(ctx, "a", "u1", at.Add(time.Second), 10)
		if err != nil || len(log) != 2 || log[0].ToState != "ringing" {
			t.Fatalf("log %+v %v", log, err)
		}
		for i, id := range []string{"c2", "c1"} {
			e := &store.ACDEntry{TenantID: "a", CallID: id, QueueID: "sales", Priority: i, EnqueuedAt: at, FirstAt: at, Seq: int64(10 - i), Data: `{"k":"v"}`}
			if err := s.SaveACDEntry(ctx, e); err != nil {
				t.Fatal(err)
			}
		}
		es, err := s.ListACDEntries(ctx, "a")
		if err != nil || len(es) != 2 || es[0].CallID != "c1" || es[1].Data != `{"k":"v"}` {
			t.Fatalf("entries %+v %v", es, err)
		}
		if err := s.DeleteACDEntry(ctx, "a", "c1"); err != nil {
			t.Fatal(err)
		}
		if es, _ := s.ListACDEntries(ctx, "a"); len(es) != 1 {
			t.Fatalf("entries after delete %+v", es)
		}
		cb := &store.ACDCallback{TenantID: "a", ID: "c9", CallID: "c9", QueueID: "sales", Number: "13800138000", Status: "pending", RequestedAt: at}
		if err := s.SaveACDCallback(ctx, cb); err != nil {
			t.Fatal(err)
		}
		cbs, err := s.ListACDCallbacks(ctx, "a", "pending")
		if err != nil || len(cbs) != 1 || cbs[0].Number != "13800138000" || cbs[0].HandledAt != nil {
			t.Fatalf("callbacks %+v %v", cbs, err)
		}
		if cbs, _ := s.ListACDCallbacks(ctx, "a", "done"); len(cbs) != 0 {
			t.Fatalf("done callbacks %+v", cbs)
		}
		if _, err := s.GetACDQueue(ctx, "a", "missing"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing queue: %v", err)
		}
	})
}
