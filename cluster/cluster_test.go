package cluster_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ipcc/ipcc/clock"
	"github.com/ipcc/ipcc/cluster"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

var t0 = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// events records a member's lease changes.
type events struct {
	mu       sync.Mutex
	acquired []cluster.Lease
	lost     []string
}

func (e *events) opts(o *cluster.Options) {
	o.OnAcquired = func(l cluster.Lease) { e.mu.Lock(); e.acquired = append(e.acquired, l); e.mu.Unlock() }
	o.OnLost = func(l cluster.Lease, why string) {
		e.mu.Lock()
		e.lost = append(e.lost, l.Name+": "+why)
		e.mu.Unlock()
	}
}

func (e *events) counts() (int, int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.acquired), len(e.lost)
}

// flaky is a store whose claims fail while down is set.
type flaky struct {
	cluster.Store
	mu   sync.Mutex
	down bool
}

func (f *flaky) ClaimLeases(ctx context.Context, c store.LeaseClaim) (store.LeaseClaimResult, error) {
	f.mu.Lock()
	down := f.down
	f.mu.Unlock()
	if down {
		return store.LeaseClaimResult{}, errors.New("connection refused")
	}
	return f.Store.ClaimLeases(ctx, c)
}

func member(t *testing.T, st cluster.Store, clk clock.Clock, id string, ev *events, reg prometheus.Registerer) *cluster.Member {
	t.Helper()
	o := cluster.Options{Store: st, ID: id, Host: "host-" + id, TTL: 15 * time.Second, Clock: clk, Logger: quiet, Registerer: reg}
	ev.opts(&o)
	m, err := cluster.New(o)
	if err != nil {
		t.Fatal(err)
	}
	m.Want(cluster.SwitchLease("fs1"))
	m.Want(cluster.SwitchLease("ast1"))
	return m
}

// Two controllers on one database: the first takes both switch leases, the
// second holds back and says who holds them; when the first stops renewing
// (killed), the second takes over after the TTL with larger tokens, and the
// first, back, finds its leases taken.
func TestStandbyTakesOverAfterTTL(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clk := clock.NewFake(t0)
		var ea, eb events
		regB := prometheus.NewRegistry()
		a := member(t, s, clk, "ctl-a", &ea, nil)
		b := member(t, s, clk, "ctl-b", &eb, regB)
		if next := a.Sync(ctx); next != 5*time.Second {
			t.Fatalf("renewal every %s", next)
		}
		b.Sync(ctx)
		if n, _ := ea.counts(); n != 2 || !a.Holds("switch:fs1") || !a.Holds("switch:ast1") {
			t.Fatalf("a acquired %d", n)
		}
		if n, _ := eb.counts(); n != 0 || b.Holds("switch:fs1") {
			t.Fatal("b took a lease a holds")
		}
		why := b.Why("switch:fs1")
		for _, want := range []string{"standby", "switch fs1 is held by controller ctl-a on host host-ctl-a", "since 2026-03-01T09:00:00Z", "token 1", "lease expires 2026-03-01T09:00:15Z"} {
			if !strings.Contains(why, want) {
				t.Errorf("b's reason %q lacks %q", why, want)
			}
		}
		if got := heldMetric(t, regB, "switch:fs1"); got != 0 {
			t.Errorf("b's held metric %v", got)
		}

		// a keeps renewing: b stays standby past the first TTL.
		for i := 0; i < 4; i++ {
			clk.Advance(5 * time.Second)
			a.Sync(ctx)
			b.Sync(ctx)
		}
		if n, _ := eb.counts(); n != 0 {
			t.Fatal("b took over while a renewed")
		}
		// a is killed: no renewal, no release. b takes over once the lease
		// expired (15s after a's last renewal), not before.
		clk.Advance(10 * time.Second)
		b.Sync(ctx)
		if b.Holds("switch:fs1") {
			t.Fatal("b took over before the lease expired")
		}
		clk.Advance(5 * time.Second)
		b.Sync(ctx)
		if n, _ := eb.counts(); n != 2 || !b.Holds("switch:fs1") {
			t.Fatalf("b did not take over after the TTL: %s", b.Why("switch:fs1"))
		}
		for _, l := range eb.acquired {
			if l.Token != 2 {
				t.Errorf("%s taken over with token %d, want 2", l.Name, l.Token)
			}
		}
		if got := heldMetric(t, regB, "switch:fs1"); got != 1 {
			t.Errorf("b's held metric %v", got)
		}
		// a comes back from a long pause: it gave up its leases on its own
		// side already, before they expired.
		a.Sync(ctx)
		if _, lost := ea.counts(); lost != 2 || a.Holds("switch:fs1") {
			t.Fatalf("a after its pause: lost %d, holds %v", lost, a.Holds("switch:fs1"))
		}
		if !strings.Contains(a.Why("switch:ast1"), "held by controller ctl-b") {
			t.Errorf("a's reason: %s", a.Why("switch:ast1"))
		}
		// b stops cleanly: a takes over at its next claim, token 3.
		if err := b.Release(ctx); err != nil {
			t.Fatal(err)
		}
		a.Sync(ctx)
		st, _ := a.Status("switch:fs1")
		if !st.Mine || st.Token != 3 {
			t.Fatalf("after b's release: %+v", st)
		}
	})
}

// A holder that cannot reach the database lets go of its leases before
// they expire, so the controller that takes them over never overlaps it.
func TestHolderLetsGoWhenItCannotRenew(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clk := clock.NewFake(t0)
		fa := &flaky{Store: s}
		var ea, eb events
		a := member(t, fa, clk, "ctl-a", &ea, nil)
		b := member(t, s, clk, "ctl-b", &eb, nil)
		a.Sync(ctx)
		fa.mu.Lock()
		fa.down = true
		fa.mu.Unlock()
		clk.Advance(5 * time.Second)
		if next := a.Sync(ctx); next >= 5*time.Second {
			t.Fatalf("a retries a failed renewal after %s", next)
		}
		if _, lost := ea.counts(); lost != 0 || !a.Holds("switch:fs1") {
			t.Fatal("a let go at the first failed renewal")
		}
		// 12s after the claim (a fifth of the TTL before expiry) a lets go.
		clk.Advance(7 * time.Second)
		a.Sync(ctx)
		_, lost := ea.counts()
		if lost != 2 || a.Holds("switch:fs1") {
			t.Fatalf("a still holds with its lease about to expire (lost %d)", lost)
		}
		if !strings.Contains(ea.lost[0], "not renewed in time") {
			t.Errorf("lost because %q", ea.lost[0])
		}
		b.Sync(ctx)
		if b.Holds("switch:fs1") {
			t.Fatal("b took the lease before it expired")
		}
		clk.Advance(3 * time.Second)
		b.Sync(ctx)
		if !b.Holds("switch:fs1") {
			t.Fatalf("b: %s", b.Why("switch:fs1"))
		}
		if !strings.Contains(a.Why("switch:fs1"), "database unreachable") && !strings.Contains(a.Why("switch:fs1"), "held by") {
			t.Logf("a: %s", a.Why("switch:fs1"))
		}
	})
}

// Run claims at once and renews every TTL/3 on the injected clock; a
// second member running alongside takes over TTL after the first stops.
func TestRunRenewsOnTheClock(t *testing.T) {
	s := storetest.Open(t, store.SQLite)
	clk := clock.NewFake(t0)
	var ea, eb events
	a := member(t, s, clk, "ctl-a", &ea, nil)
	ctxA, stopA := context.WithCancel(context.Background())
	doneA := make(chan struct{})
	go func() { defer close(doneA); _ = a.Run(ctxA) }()
	waitFor(t, "a holds its leases", func() bool { return a.Holds("switch:fs1") && a.Holds("switch:ast1") })
	b := member(t, s, clk, "ctl-b", &eb, nil)
	ctxB, stopB := context.WithCancel(context.Background())
	defer stopB()
	doneB := make(chan struct{})
	go func() { defer close(doneB); _ = b.Run(ctxB) }()
	waitFor(t, "b knows a holds fs1", func() bool { return strings.Contains(b.Why("switch:fs1"), "ctl-a") })
	for i := 0; i < 6; i++ { // 30s: a renews every 5s
		waitTimers(t, clk, 2)
		clk.Advance(5 * time.Second)
		time.Sleep(20 * time.Millisecond)
	}
	waitTimers(t, clk, 2)
	if b.Holds("switch:fs1") || !a.Holds("switch:fs1") {
		t.Fatal("b took over from a running a")
	}
	stopA() // killed: no release
	<-doneA
	for i := 0; i < 4 && !b.Holds("switch:fs1"); i++ {
		waitTimers(t, clk, 1)
		clk.Advance(5 * time.Second)
		waitFor(t, "b's claim", func() bool { return clk.Waiters() >= 1 })
	}
	waitFor(t, "b took over", func() bool { return b.Holds("switch:fs1") && b.Holds("switch:ast1") })
	st, _ := b.Status("switch:fs1")
	if st.Token != 2 {
		t.Fatalf("token %d", st.Token)
	}
	stopB()
	<-doneB
}

func waitTimers(t *testing.T, clk *clock.Fake, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := clk.BlockUntilContext(ctx, n); err != nil {
		t.Fatalf("waiting for %d timers: %v", n, err)
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// heldMetric reads ipcc_cluster_lease_held for lease from reg.
func heldMetric(t *testing.T, reg *prometheus.Registry, lease string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "ipcc_cluster_lease_held" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "lease" && l.GetValue() == lease {
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	t.Fatalf("no ipcc_cluster_lease_held{lease=%q}", lease)
	return -1
}

// A standby whose holder stopped renewing claims just after the lease
// expires, not up to a third of the TTL later: its next claim is timed to
// the expiry it read.
func TestStandbyClaimsAtExpiry(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		clk := clock.NewFake(t0)
		var ea, eb events
		a := member(t, s, clk, "ctl-a", &ea, nil)
		b := member(t, s, clk, "ctl-b", &eb, nil)
		a.Sync(ctx) // a holds until t0+15s and dies
		if next := b.Sync(ctx); next != 5*time.Second {
			t.Fatalf("standby's next claim in %s with the lease 15s from expiry, want 5s", next)
		}
		clk.Advance(12 * time.Second) // 3s to expiry: sooner than TTL/3
		next := b.Sync(ctx)
		if want := 3*time.Second + 20*time.Millisecond; next != want {
			t.Fatalf("standby's next claim in %s, want %s (just after the expiry)", next, want)
		}
		clk.Advance(next)
		b.Sync(ctx)
		if !b.Holds("switch:fs1") || !b.Holds("switch:ast1") {
			t.Fatalf("b did not take over at the expiry: %s", b.Why("switch:fs1"))
		}
		if next := b.Sync(ctx); next != 5*time.Second {
			t.Errorf("holder renews in %s, want 5s", next)
		}
	})
}
