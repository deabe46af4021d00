package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// A controller that was paused past its lease and finds it taken over
// writes nothing more: its late call-record save and ACD state write are
// refused (ErrFenced); the new holder's go through.
func TestFencedWritesOfAPausedHolder(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		a := claim(t, s, "a", nil, now, "switch:fs1").Leases[0]
		s.SetFence(store.Fence{Lease: "switch:fs1", Instance: "a", Token: a.Token})
		rec := &store.CallRecord{TenantID: "t1", ID: "c1", Switch: "fs1", Leg: "leg-1", Direction: "inbound", StartedAt: now}
		if err := s.SaveCall(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if err := s.FlushCalls(ctx); err != nil {
			t.Fatal(err)
		}
		if err := s.SaveACDAgentState(ctx, &store.ACDAgentState{TenantID: "t1", AgentID: "ann", State: "available", Since: now}); err != nil {
			t.Fatalf("the holder's ACD write: %v", err)
		}

		// a pauses; its lease expires and b takes it with the next token.
		b := claim(t, s, "b", nil, now.Add(11*time.Second), "switch:fs1").Leases[0]
		if b.Instance != "b" || b.Token != a.Token+1 {
			t.Fatalf("b did not take the lease: %+v", b)
		}
		// a wakes up and writes what it had.
		late := *rec
		late.Disposition, late.AgentID = "answered", "ann"
		if err := s.SaveCall(ctx, &late); err != nil && !errors.Is(err, store.ErrFenced) {
			t.Fatal(err)
		}
		_ = s.FlushCalls(ctx)
		got, err := s.GetCall(ctx, "t1", "c1")
		if err != nil {
			t.Fatal(err)
		}
		if got.Disposition != "" || got.AgentID != "" {
			t.Errorf("the paused holder's late save was written: disposition %q, agent %q", got.Disposition, got.AgentID)
		}
		err = s.SaveACDAgentState(ctx, &store.ACDAgentState{TenantID: "t1", AgentID: "ann", State: "ringing", Since: now.Add(12 * time.Second)})
		if !errors.Is(err, store.ErrFenced) {
			t.Fatalf("the paused holder's ACD write: %v, want ErrFenced", err)
		}
		if want := "held by controller ctl-b with token 2 (this controller's token 1)"; err == nil || !contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
		if err := s.DeleteACDEntry(ctx, "t1", "c1"); !errors.Is(err, store.ErrFenced) {
			t.Errorf("the paused holder's queue write: %v, want ErrFenced", err)
		}
		if st := s.CallWriterStats(); st.Refused == 0 {
			t.Errorf("writer stats %+v: the fenced rows are not counted", st)
		}

		// The same store under b's fence (as b's process would be) writes.
		s.SetFence(store.Fence{Lease: "switch:fs1", Instance: "b", Token: b.Token})
		if err := s.SaveCall(ctx, &late); err != nil {
			t.Fatal(err)
		}
		if err := s.FlushCalls(ctx); err != nil {
			t.Fatal(err)
		}
		if got, err := s.GetCall(ctx, "t1", "c1"); err != nil || got.Disposition != "answered" {
			t.Errorf("the new holder's save: %+v, %v", got, err)
		}
		if err := s.SaveACDAgentState(ctx, &store.ACDAgentState{TenantID: "t1", AgentID: "ann", State: "on-call", Since: now.Add(13 * time.Second)}); err != nil {
			t.Errorf("the new holder's ACD write: %v", err)
		}
	})
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
