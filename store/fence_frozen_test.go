package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// A holder frozen inside a fenced write (SIGSTOP, a stalled VM) keeps its
// transaction open, and with it the lease row it read FOR SHARE. The
// standby's claim, once the lease has expired, must not wait on it for
// ever: the controllers' sessions end a transaction idle for
// store.IdleInTxTimeout(lease_ttl), so the claim goes through well within
// the TTL, and the frozen holder's write and commit, when it wakes, are
// refused (issue 16: `ipcc bench failover --pause` once never took over).
func TestFrozenHolderInAFencedWriteDoesNotBlockTheTakeover(t *testing.T) {
	u := storetest.URL(t, store.Postgres)
	ctx := context.Background()
	const ttl = 3 * time.Second
	open := func() *store.Store {
		s, err := store.Open(ctx, u, store.Options{MaxOpenConns: 4, IdleInTxTimeout: store.IdleInTxTimeout(ttl)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	a, b := open(), open()
	if _, err := a.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	var setting string
	if err := b.DB().GetContext(ctx, &setting, `SELECT setting FROM pg_settings WHERE name = 'idle_in_transaction_session_timeout'`); err != nil {
		t.Fatal(err)
	}
	if want := "1000"; setting != want {
		t.Errorf("idle_in_transaction_session_timeout = %s ms, want %s", setting, want)
	}

	now := time.Now().UTC()
	lc := func(inst string, at time.Time) store.LeaseClaim {
		return store.LeaseClaim{Holder: "ctl-" + inst, Instance: inst, Host: "host-" + inst, Names: []string{"switch:fs1"},
			Now: at, TTL: ttl, ExclusivePrefix: "switch:"}
	}
	resA, err := a.ClaimLeases(ctx, lc("a", now))
	if err != nil {
		t.Fatal(err)
	}
	tokA := resA.Leases[0].Token
	a.SetFence(store.Fence{Lease: "switch:fs1", Instance: "a", Token: tokA})

	// a freezes in the middle of a fenced write.
	tx, err := store.BeginFenced(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()

	// b finds the lease expired and claims it, with the standby's claim
	// timeout (a third of the TTL) plus slack for a loaded machine.
	start := time.Now()
	cctx, cancel := context.WithTimeout(ctx, ttl)
	resB, err := b.ClaimLeases(cctx, lc("b", now.Add(ttl+20*time.Millisecond)))
	cancel()
	took := time.Since(start)
	if err != nil {
		t.Fatalf("b's claim of the expired lease, %s after it started: %v (the frozen holder's transaction blocks it)", took.Round(time.Millisecond), err)
	}
	if l := resB.Leases[0]; l.Instance != "b" || l.Token != tokA+1 {
		t.Fatalf("b did not take the lease: %+v", l)
	}
	t.Logf("b took the lease %s after claiming (idle timeout %s)", took.Round(time.Millisecond), store.IdleInTxTimeout(ttl))

	// a wakes up and finishes its write: refused, nothing reaches the table.
	_, execErr := tx.ExecContext(ctx, a.Rebind(`INSERT INTO acd_agent_log (tenant_id, agent_id, at, from_state, to_state, reason, call_id, queue_id, by_user) VALUES (?,?,?,?,?,?,?,?,?)`),
		"t1", "ann", now, "available", "ringing", "", "c1", "q1", "")
	commitErr := tx.Commit()
	if execErr == nil && commitErr == nil {
		t.Fatal("the frozen holder's write committed after the lease moved")
	}
	var n int
	if err := b.DB().GetContext(ctx, &n, `SELECT COUNT(*) FROM acd_agent_log WHERE tenant_id = 't1'`); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d rows of the frozen holder reached acd_agent_log", n)
	}
	// Its next writes are fenced.
	if err := a.SaveACDAgentState(ctx, &store.ACDAgentState{TenantID: "t1", AgentID: "ann", State: "ringing", Since: now}); !errors.Is(err, store.ErrFenced) {
		t.Errorf("the woken holder's ACD write: %v, want ErrFenced", err)
	}
	// b writes under its fence.
	b.SetFence(store.Fence{Lease: "switch:fs1", Instance: "b", Token: tokA + 1})
	if err := b.SaveACDAgentState(ctx, &store.ACDAgentState{TenantID: "t1", AgentID: "ann", State: "available", Since: now}); err != nil {
		t.Errorf("the new holder's ACD write: %v", err)
	}
}
