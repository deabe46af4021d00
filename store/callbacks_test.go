package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// Scheduled call-backs (migration 0024): stored with due time and owner,
// listed due first with another agent's hidden until released, found by
// the scheduler once due and only until notified.
func TestScheduledCallbacksStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		at := func(m int) *time.Time { v := t0.Add(time.Duration(m) * time.Minute); return &v }
		for _, c := range []store.CallbackWork{
			{TenantID: "a", ID: "later-mine", QueueID: "q", Number: "1", DueAt: at(60), OwnerAgent: "ag1", OwnerUntil: at(75)},
			{TenantID: "a", ID: "due-mine", QueueID: "q", Number: "2", DueAt: at(-5), OwnerAgent: "ag1", OwnerUntil: at(10)},
			{TenantID: "a", ID: "overdue-released", QueueID: "q", Number: "3", DueAt: at(-30), OwnerAgent: "ag1", OwnerUntil: at(-15)},
			{TenantID: "a", ID: "due-queue", QueueID: "q", Number: "4", DueAt: at(-1)},
			{TenantID: "a", ID: "caller", QueueID: "q", Number: "5", RequestedAt: t0.Add(-time.Hour)},
			{TenantID: "b", ID: "b-due", QueueID: "q", Number: "6", DueAt: at(-2), OwnerAgent: "bg"},
		} {
			c.CallID = "call-" + c.ID
			if err := s.CreateCallback(ctx, &c); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.CreateCallback(ctx, &store.CallbackWork{TenantID: "a", ID: "caller", CallID: "x", QueueID: "q", Number: "5"}); !store.IsConflict(err) {
			t.Fatalf("duplicate id: %v", err)
		}
		got, err := s.GetCallbackWork(ctx, "a", "due-mine")
		if err != nil || got.OwnerAgent != "ag1" || !got.DueAt.Equal(*at(-5)) || !got.OwnerUntil.Equal(*at(10)) || got.Status != store.CallbackPending {
			t.Fatalf("get %+v %v", got, err)
		}
		ids := func(f store.CallbackFilter) []string {
			t.Helper()
			f.Now = t0
			cs, err := s.ListCallbackWork(ctx, "a", f)
			if err != nil {
				t.Fatal(err)
			}
			out := []string{}
			for _, c := range cs {
				out = append(out, c.ID)
			}
			return out
		}
		if got := ids(store.CallbackFilter{}); !slices.Equal(got, []string{"overdue-released", "due-mine", "due-queue", "caller", "later-mine"}) {
			t.Fatalf("all %v", got)
		}
		if got := ids(store.CallbackFilter{Viewer: "ag2"}); !slices.Equal(got, []string{"overdue-released", "due-queue", "caller"}) {
			t.Fatalf("another agent sees %v", got)
		}
		if got := ids(store.CallbackFilter{Viewer: "ag1", Owner: "me"}); !slices.Equal(got, []string{"overdue-released", "due-mine", "later-mine"}) {
			t.Fatalf("mine %v", got)
		}
		if got := ids(store.CallbackFilter{Viewer: "ag1", Owner: "queue"}); !slices.Equal(got, []string{"overdue-released", "due-queue", "caller"}) {
			t.Fatalf("queue's %v", got)
		}

		due, err := s.DueCallbacks(ctx, t0, 0)
		if err != nil {
			t.Fatal(err)
		}
		var dueIDs []string
		for _, c := range due {
			dueIDs = append(dueIDs, c.TenantID+"/"+c.ID)
		}
		if !slices.Equal(dueIDs, []string{"a/overdue-released", "a/due-mine", "b/b-due", "a/due-queue"}) {
			t.Fatalf("due %v", dueIDs)
		}
		if err := s.MarkCallbackNotified(ctx, "a", "due-mine", t0); err != nil {
			t.Fatal(err)
		}
		if err := s.ClaimCallback(ctx, "a", "due-queue", "ag2"); err != nil {
			t.Fatal(err)
		}
		if due, _ = s.DueCallbacks(ctx, t0, 0); len(due) != 2 {
			t.Fatalf("after notice and claim: %+v", due)
		}
		// Past its grace period a notified one is due again (overdue, for
		// the queue), once.
		if due, _ = s.DueCallbacks(ctx, t0.Add(11*time.Minute), 0); len(due) != 3 || due[1].ID != "due-mine" {
			t.Fatalf("overdue: %+v", due)
		}
		if err := s.MarkCallbackNotified(ctx, "a", "due-mine", t0.Add(11*time.Minute)); err != nil {
			t.Fatal(err)
		}
		if due, _ = s.DueCallbacks(ctx, t0.Add(12*time.Minute), 0); len(due) != 2 {
			t.Fatalf("overdue notified: %+v", due)
		}

		// Reassigning: only pending ones; it clears the notice.
		if err := s.ReassignCallback(ctx, "a", "due-mine", "q", "ag2", at(5), at(20)); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.GetCallbackWork(ctx, "a", "due-mine"); got.OwnerAgent != "ag2" || got.NotifiedAt != nil || !got.DueAt.Equal(*at(5)) {
			t.Fatalf("reassigned %+v", got)
		}
		if err := s.ReassignCallback(ctx, "a", "due-queue", "q", "", nil, nil); !store.IsConflict(err) {
			t.Fatalf("reassign taken: %v", err)
		}
		if err := s.ReassignCallback(ctx, "b", "due-mine", "q", "", nil, nil); !store.IsNotFound(err) {
			t.Fatalf("reassign another tenant's: %v", err)
		}
	})
}
