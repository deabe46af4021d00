package auth_test

import (
	"testing"
	"time"

	"github.com/ipcc/ipcc/auth"
)

type fakeNow struct{ t time.Time }

func (f *fakeNow) now() time.Time      { return f.t }
func (f *fakeNow) add(d time.Duration) { f.t = f.t.Add(d) }
func newThrottle(clk *fakeNow) *auth.Throttle {
	return auth.NewThrottle(auth.ThrottleOptions{UserFailures: 3, AddressFailures: 6, UserTotalFailures: 10, MaxLockout: time.Minute, Now: clk.now})
}

func TestThrottleDoublesWaitsPerUserAndAddress(t *testing.T) {
	clk := &fakeNow{t: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
	th := newThrottle(clk)
	for i := 0; i < 2; i++ {
		if w := th.Failed("a", "bob", "198.51.100.1"); w != 0 {
			t.Fatalf("failure %d already waits %s", i+1, w)
		}
	}
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second, time.Minute, time.Minute}
	for i, w := range want {
		if got := th.Failed("a", "bob", "198.51.100.1"); got != w {
			t.Fatalf("failure %d: wait %s, want %s", i+3, got, w)
		}
		if got := th.Wait("a", "BOB", "198.51.100.1"); got != w {
			t.Fatalf("wait after failure %d: %s (usernames differ only in case)", i+3, got)
		}
		// Another address is not held back for this account.
		if got := th.Wait("a", "bob", "198.51.100.2"); got != 0 && i < 5 {
			t.Fatalf("another address waits %s after failure %d", got, i+3)
		}
		clk.add(w)
	}
	// A success clears the account's counters (its address keeps part of
	// its own: it failed far more often than a user may).
	th.Succeeded("a", "bob", "198.51.100.1")
	if w := th.Failed("a", "bob", "198.51.100.3"); w != 0 {
		t.Fatalf("after a success the first failure waits %s", w)
	}
	// A quiet spell forgets the counters.
	clk.add(2 * time.Minute)
	if w := th.Failed("a", "bob", "198.51.100.1"); w != 0 {
		t.Fatalf("after a quiet spell: wait %s", w)
	}
}

func TestThrottleLimitsAnAddressTryingManyAccounts(t *testing.T) {
	clk := &fakeNow{t: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
	th := newThrottle(clk)
	for i, u := range []string{"u1", "u2", "u3", "u4", "u5"} {
		if w := th.Failed("a", u, "203.0.113.5"); w != 0 {
			t.Fatalf("failure %d waits %s", i, w)
		}
	}
	if w := th.Failed("a", "u6", "203.0.113.5"); w != time.Second {
		t.Fatalf("6th account from one address: wait %s", w)
	}
	if w := th.Wait("a", "someone-else", "203.0.113.5"); w != time.Second {
		t.Fatalf("the address is not held back for other accounts: %s", w)
	}
	if w := th.Wait("a", "someone-else", "203.0.113.6"); w != 0 {
		t.Fatalf("another address waits %s", w)
	}
	// A colleague's success behind the same address takes failures back.
	clk.add(time.Second)
	th.Succeeded("a", "carol", "203.0.113.5")
	if w := th.Failed("a", "u7", "203.0.113.5"); w != 0 {
		t.Fatalf("after a success from the address: wait %s", w)
	}
}

func TestThrottleLocksAnAccountGuessedFromManyAddresses(t *testing.T) {
	clk := &fakeNow{t: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
	th := newThrottle(clk)
	addrs := []string{"a1", "a2", "a3", "a4", "a5"}
	n := 0
	for _, a := range addrs {
		for i := 0; i < 2; i++ { // below the pair limit of 3
			n++
			w := th.Failed("a", "bob", a)
			if n < 10 && w != 0 {
				t.Fatalf("failure %d waits %s", n, w)
			}
			if n == 10 && w != time.Second {
				t.Fatalf("10th failure over all addresses: wait %s", w)
			}
		}
	}
	if w := th.Wait("a", "bob", "fresh-address"); w != time.Second {
		t.Fatalf("the account from a new address: %s", w)
	}
	if w := th.Wait("a", "alice", "a1"); w != 0 {
		t.Fatalf("another account waits %s", w)
	}
	// Never longer than MaxLockout past the last failure.
	for i := 0; i < 40; i++ {
		th.Failed("a", "bob", "many")
	}
	if w := th.Wait("a", "bob", "fresh-address"); w > time.Minute {
		t.Fatalf("wait %s beyond MaxLockout", w)
	}
}

func TestThrottleStaysBounded(t *testing.T) {
	clk := &fakeNow{t: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
	th := auth.NewThrottle(auth.ThrottleOptions{MaxEntries: 100, Now: clk.now})
	for i := 0; i < 1000; i++ {
		th.Failed("a", "user", "addr-"+string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	if n := th.Len(); n > 100 {
		t.Fatalf("%d counters kept, want at most 100", n)
	}
}
