package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

func claim(t *testing.T, s *store.Store, inst string, held map[string]int64, now time.Time, names ...string) store.LeaseClaimResult {
	t.Helper()
	res, err := s.ClaimLeases(context.Background(), store.LeaseClaim{Holder: "ctl-" + inst, Instance: inst, Host: "host-" + inst, Names: names,
		Held: held, Now: now, TTL: 10 * time.Second, ExclusivePrefix: "switch:"})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// mine lists name → token of the result's leases held by inst.
func mine(res store.LeaseClaimResult, inst string) map[string]int64 {
	out := map[string]int64{}
	for _, l := range res.Leases {
		if l.Instance == inst {
			out[l.Name] = l.Token
		}
	}
	return out
}

func TestLeasesTakeRenewExpireRelease(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		a := claim(t, s, "a", nil, t0, "switch:fs1", "switch:ast1")
		ha := mine(a, "a")
		if len(ha) != 2 || ha["switch:fs1"] != 1 || ha["switch:ast1"] != 1 {
			t.Fatalf("first claim: %+v", a)
		}
		// b sees both held by a, and takes nothing.
		b := claim(t, s, "b", nil, t0.Add(time.Second), "switch:fs1", "switch:ast1")
		if len(mine(b, "b")) != 0 || b.Leases[0].Holder != "ctl-a" || b.Leases[0].Host != "host-a" || !b.Leases[0].ExpiresAt.Equal(t0.Add(10*time.Second)) {
			t.Fatalf("b while a holds: %+v", b)
		}
		// a renews: the expiry moves, the token stays.
		a = claim(t, s, "a", ha, t0.Add(5*time.Second), "switch:fs1", "switch:ast1")
		if got := mine(a, "a"); got["switch:fs1"] != 1 || !a.Leases[1].ExpiresAt.Equal(t0.Add(15*time.Second)) || !a.Leases[1].AcquiredAt.Equal(t0) {
			t.Fatalf("renewal: %+v", a)
		}
		// a stops renewing; just before the expiry b still waits, after it
		// b takes both with the next token.
		if b = claim(t, s, "b", nil, t0.Add(15*time.Second-time.Millisecond), "switch:fs1", "switch:ast1"); len(mine(b, "b")) != 0 {
			t.Fatalf("b took a live lease: %+v", b)
		}
		b = claim(t, s, "b", nil, t0.Add(15*time.Second), "switch:fs1", "switch:ast1")
		hb := mine(b, "b")
		if hb["switch:fs1"] != 2 || hb["switch:ast1"] != 2 || b.Leases[0].Holder != "ctl-b" {
			t.Fatalf("takeover: %+v", b)
		}
		// a, back, cannot renew under its old token.
		if a = claim(t, s, "a", ha, t0.Add(16*time.Second), "switch:fs1", "switch:ast1"); len(mine(a, "a")) != 0 {
			t.Fatalf("a renewed a lease b took: %+v", a)
		}
		// b releases: a takes them at once, token 3.
		if err := s.ReleaseLeases(context.Background(), "b", hb, t0.Add(17*time.Second)); err != nil {
			t.Fatal(err)
		}
		a = claim(t, s, "a", nil, t0.Add(17*time.Second), "switch:fs1", "switch:ast1")
		if got := mine(a, "a"); got["switch:fs1"] != 3 || got["switch:ast1"] != 3 {
			t.Fatalf("after release: %+v", a)
		}
		// A stale release (b's old token) changes nothing.
		if err := s.ReleaseLeases(context.Background(), "b", hb, t0.Add(18*time.Second)); err != nil {
			t.Fatal(err)
		}
		ls, err := s.ListLeases(context.Background())
		if err != nil || len(ls) != 2 || ls[0].Instance != "a" || !ls[0].ExpiresAt.Equal(t0.Add(27*time.Second)) {
			t.Fatalf("leases %+v %v", ls, err)
		}
	})
}

// While one controller holds a switch lease, another does not take a free
// one either: switches stay in one hand (the ACD state lives in one process).
func TestLeasesStayInOneHand(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		a := claim(t, s, "a", nil, t0, "switch:fs1")
		b := claim(t, s, "b", nil, t0, "switch:fs1", "switch:ast1")
		if len(mine(b, "b")) != 0 || b.Blocker == nil || b.Blocker.Name != "switch:fs1" || b.Blocker.Holder != "ctl-a" {
			t.Fatalf("b took a free lease while a is active: %+v", b)
		}
		if len(b.Leases) != 1 {
			t.Fatalf("a never-held lease is not listed: %+v", b.Leases)
		}
		// Once a's lease lapses, b takes everything.
		b = claim(t, s, "b", nil, t0.Add(10*time.Second), "switch:fs1", "switch:ast1")
		if got := mine(b, "b"); len(got) != 2 || got["switch:fs1"] != 2 || got["switch:ast1"] != 1 || b.Blocker != nil {
			t.Fatalf("after a lapsed: %+v", b)
		}
		_ = a
	})
}

// Claims racing from several controllers never give one lease to two of
// them, and tokens only grow.
func TestLeasesConcurrentClaims(t *testing.T) {
	storetest.Run(t, func(t *testing.T, s *store.Store) {
		t0 := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		var mu sync.Mutex
		holders := map[int64]string{} // token → instance
		var wg sync.WaitGroup
		for _, inst := range []string{"a", "b", "c", "d"} {
			wg.Add(1)
			go func(inst string) {
				defer wg.Done()
				held := map[string]int64{}
				for i := 0; i < 15; i++ {
					// Each round moves time past the expiry: whoever claims
					// first takes the lease anew.
					now := t0.Add(time.Duration(i) * 11 * time.Second)
					res, err := s.ClaimLeases(context.Background(), store.LeaseClaim{Holder: inst, Instance: inst, Names: []string{"switch:x"}, Held: held, Now: now, TTL: 10 * time.Second})
					if err != nil {
						t.Error(err)
						return
					}
					held = mine(res, inst)
					if tok, ok := held["switch:x"]; ok {
						mu.Lock()
						if other, dup := holders[tok]; dup && other != inst {
							t.Errorf("token %d given to %s and %s", tok, other, inst)
						}
						holders[tok] = inst
						mu.Unlock()
					}
				}
			}(inst)
		}
		wg.Wait()
	})
}
