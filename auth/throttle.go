package auth

import (
	"strings"
	"sync"
	"time"
)

// Throttle slows down password guessing. It counts failed logins under
// three keys and answers how long a new attempt must wait:
//
//   - username and address: after UserFailures failures the pair waits 1 s,
//     then 2 s, 4 s, ... up to MaxLockout. This is what stops one attacker
//     guessing one password, and it locks only that address out of that
//     account: the real user elsewhere logs in as usual.
//   - address, any username: after AddressFailures failures the address
//     waits, doubling the same way. This stops one address trying a few
//     passwords on many accounts (password spraying), and stops it from
//     keeping any account locked (below) without being limited itself.
//   - username, any address: after UserTotalFailures failures (many
//     addresses guessing one account) the account waits, doubling, capped at
//     MaxLockout. It is set well above UserFailures, so an attacker needs
//     many addresses, each limited on its own, to hold an account locked,
//     and even then never longer than MaxLockout past the last failure.
//
// A successful login clears the username's counters (pair and total) and
// takes UserFailures failures off its address, so colleagues behind one NAT
// who mistype now and then do not lock their office out. A counter is
// forgotten once MaxLockout has passed since its last wait ended.
//
// Counters live in memory, per controller (several controllers behind one
// balancer each count their own share), and are bounded by MaxEntries.
type Throttle struct {
	o ThrottleOptions

	mu      sync.Mutex
	entries map[string]*throttleEntry
}

// ThrottleOptions configure a Throttle; zero values take the defaults.
type ThrottleOptions struct {
	UserFailures      int           // per username and address (default 5)
	AddressFailures   int           // per address (default 30)
	UserTotalFailures int           // per username over all addresses (default 50)
	MaxLockout        time.Duration // longest wait (default 15m)
	MaxEntries        int           // counters kept at most (default 100000)
	Now               func() time.Time
}

type throttleEntry struct {
	failures    int
	lockedUntil time.Time
	last        time.Time
}

// NewThrottle returns a Throttle.
func NewThrottle(o ThrottleOptions) *Throttle {
	if o.UserFailures <= 0 {
		o.UserFailures = 5
	}
	if o.AddressFailures <= 0 {
		o.AddressFailures = 30
	}
	if o.UserTotalFailures <= 0 {
		o.UserTotalFailures = 50
	}
	if o.MaxLockout <= 0 {
		o.MaxLockout = 15 * time.Minute
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = 100000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Throttle{o: o, entries: map[string]*throttleEntry{}}
}

type throttleKey struct {
	key       string
	threshold int
}

func (t *Throttle) keys(tenant, username, addr string) [3]throttleKey {
	user := tenant + "\x00" + strings.ToLower(username)
	return [3]throttleKey{
		{"p\x00" + user + "\x00" + addr, t.o.UserFailures},
		{"a\x00" + addr, t.o.AddressFailures},
		{"u\x00" + user, t.o.UserTotalFailures},
	}
}

// Wait tells how long a login for username in tenant from addr must wait
// before it is tried at all (0: go ahead).
func (t *Throttle) Wait(tenant, username, addr string) time.Duration {
	now := t.o.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	var wait time.Duration
	for _, k := range t.keys(tenant, username, addr) {
		if e := t.live(k.key, now); e != nil && e.lockedUntil.After(now) {
			wait = max(wait, e.lockedUntil.Sub(now))
		}
	}
	return wait
}

// Failed counts a failed login and returns the wait it now imposes.
func (t *Throttle) Failed(tenant, username, addr string) time.Duration {
	now := t.o.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	var wait time.Duration
	for _, k := range t.keys(tenant, username, addr) {
		e := t.live(k.key, now)
		if e == nil {
			t.makeRoom(now)
			e = &throttleEntry{}
			t.entries[k.key] = e
		}
		e.failures++
		e.last = now
		if over := e.failures - k.threshold; over >= 0 {
			d := t.o.MaxLockout
			if over < 31 {
				d = min(time.Second<<over, t.o.MaxLockout)
			}
			e.lockedUntil = now.Add(d)
		}
		if e.lockedUntil.After(now) {
			wait = max(wait, e.lockedUntil.Sub(now))
		}
	}
	return wait
}

// Succeeded clears the username's counters after a successful login and
// forgives its address UserFailures failures.
func (t *Throttle) Succeeded(tenant, username, addr string) {
	k := t.keys(tenant, username, addr)
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.entries, k[0].key)
	delete(t.entries, k[2].key)
	if e := t.entries[k[1].key]; e != nil {
		e.failures = max(0, e.failures-t.o.UserFailures)
		if e.failures < t.o.AddressFailures {
			e.lockedUntil = time.Time{}
		}
	}
}

// live returns the entry of key unless it is forgotten (MaxLockout after
// its wait ended, or after its last failure when it never waited).
func (t *Throttle) live(key string, now time.Time) *throttleEntry {
	e := t.entries[key]
	if e == nil {
		return nil
	}
	since := e.last
	if e.lockedUntil.After(since) {
		since = e.lockedUntil
	}
	if now.Sub(since) > t.o.MaxLockout {
		delete(t.entries, key)
		return nil
	}
	return e
}

// makeRoom keeps the table under MaxEntries: forgotten counters go first,
// then arbitrary ones that do not hold a wait (map order is random), then
// any.
func (t *Throttle) makeRoom(now time.Time) {
	if len(t.entries) < t.o.MaxEntries {
		return
	}
	for k := range t.entries {
		t.live(k, now)
	}
	target := t.o.MaxEntries * 9 / 10
	for _, keepLocked := range []bool{true, false} {
		for k, e := range t.entries {
			if len(t.entries) <= target {
				return
			}
			if keepLocked && e.lockedUntil.After(now) {
				continue
			}
			delete(t.entries, k)
		}
	}
}

// Len is the number of counters kept (for tests and metrics).
func (t *Throttle) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.entries)
}
