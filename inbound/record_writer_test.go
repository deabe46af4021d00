package inbound_test

import (
	"context"
	"testing"
	"time"

	"github.com/ipcc/ipcc/inbound"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// Under load SQLite's single write lock is held by others for seconds:
// a call's record saved meanwhile must be written once the lock is free,
// not dropped after a deadline (40 calls/s on SQLite left records open).
// Save does not wait for the database either.
func TestRecordSurvivesALockedDatabase(t *testing.T) {
	t.Parallel()
	st := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	lock, err := st.DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if _, err := lock.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	rec := inbound.NewRecord(st, nil, func() time.Time { return start }, nil,
		store.CallRecord{TenantID: "t1", ID: "busy-call", Switch: "sw1", Leg: "leg-1", Direction: "inbound", ANI: "13800138000", DNIS: "4001", StartedAt: start})
	saved := make(chan struct{})
	go func() {
		rec.Update(func(r *store.CallRecord) { r.Disposition = "answered" })
		rec.Save()
		close(saved)
	}()
	select {
	case <-saved:
	case <-time.After(2 * time.Second):
		t.Error("Save waited for the locked database")
	}
	// Held longer than any single write's deadline used to be (5 s).
	time.Sleep(6 * time.Second)
	if _, err := lock.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	<-saved
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	c, err := st.GetCall(wctx, "t1", "busy-call")
	if err != nil || c.Disposition != "answered" {
		t.Fatalf("record after the lock was released: %+v, %v", c, err)
	}
}
