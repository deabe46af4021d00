// Package cluster keeps leases with fencing tokens in ipcc's database: which
// controller drives each switch connection. Until several controllers can
// share the work (the ACD state of a tenant lives in one process), a second
// controller on the same database holds back its switch connections, says
// who holds them, and takes them over when the holder stops renewing.
//
// A lease is a row (store.Lease) renewed every TTL/3 through the injected
// clock. A holder that cannot renew before the lease would expire gives it
// up on its own side first, so two controllers never drive one switch at
// the same time as long as their clocks agree to well within the TTL. Every
// new holder gets a larger fencing token.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/ipcc/ipcc/clock"
	"github.com/ipcc/ipcc/store"
)

// DefaultTTL is how long a lease lasts without renewal.
const DefaultTTL = 15 * time.Second

// SwitchPrefix starts the name of every switch connection's lease; leases
// under it stay in one controller's hand (see store.LeaseClaim).
const SwitchPrefix = "switch:"

// SwitchLease is the lease name of the switch called name.
func SwitchLease(name string) string { return SwitchPrefix + name }

// Store is what a Member needs of the database (store.Store).
type Store interface {
	ClaimLeases(ctx context.Context, c store.LeaseClaim) (store.LeaseClaimResult, error)
	ReleaseLeases(ctx context.Context, instance string, held map[string]int64, now time.Time) error
}

// Options configure a Member.
type Options struct {
	Store Store
	// ID names this controller in logs, /readyz and the lease rows; ""
	// means <hostname>-<pid>.
	ID string
	// Host is shown with the ID; "" means the hostname.
	Host string
	// TTL is how long a lease lasts without renewal (0: DefaultTTL).
	TTL   time.Duration
	Clock clock.Clock
	// Logger receives lease changes; nil means slog.Default().
	Logger *slog.Logger
	// Registerer receives the lease metrics; nil registers nothing.
	Registerer prometheus.Registerer
	// OnAcquired is called (from Run's goroutine) when this controller
	// takes a lease: the place to connect to the switch.
	OnAcquired func(l Lease)
	// OnLost is called when a lease this controller held is gone: another
	// controller took it, or it could not be renewed in time. Whatever the
	// lease guarded must stop at once.
	OnLost func(l Lease, why string)
}

// Lease is what a member knows of one lease.
type Lease struct {
	Name string
	// Mine: this controller holds it.
	Mine bool
	// Holder and Host of the current (or last) holder; empty when nobody
	// ever held it.
	Holder, Host string
	// Instance tells the holder's runs apart (the row's instance: with
	// Token, what a store.Fence checks).
	Instance string
	Token    int64
	Since    time.Time // when the holder took it
	Expires  time.Time
	// Blocker, when this controller may not take a free lease, is the
	// other controller's lease that keeps it from doing so.
	Blocker *store.Lease
	// Err is the last claim's error (the database could not be reached).
	Err error
	// Claimed: at least one claim of it has been answered.
	Claimed bool
}

// Member is one controller's side of the leases. Create it with New, name
// what it wants with Want, then Run it; Release when what the leases guard
// has stopped.
type Member struct {
	o        Options
	id, host string
	instance string
	log      *slog.Logger
	clk      clock.Clock
	metrics  *metrics

	mu       sync.Mutex
	want     []string
	leases   map[string]*Lease
	deadline map[string]time.Time // held leases: give up by then unless renewed
	failing  bool                 // the last claim failed (logged once)
}

// New returns a member; it fails only when the metrics cannot be
// registered.
func New(o Options) (*Member, error) {
	if o.Store == nil {
		return nil, errors.New("cluster: a store is required")
	}
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Clock == nil {
		o.Clock = clock.Real()
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	host := o.Host
	if host == "" {
		host, _ = os.Hostname()
	}
	id := o.ID
	if id == "" {
		id = DefaultID(host)
	}
	m, err := newMetrics(o.Registerer)
	if err != nil {
		return nil, err
	}
	return &Member{o: o, id: id, host: host, instance: uuid.NewString(), log: o.Logger.With("component", "cluster", "controller", id),
		clk: o.Clock, metrics: m, leases: map[string]*Lease{}, deadline: map[string]time.Time{}}, nil
}

// DefaultID is the controller id used when none is configured:
// <host>-<pid>.
func DefaultID(host string) string {
	if host == "" {
		host = "ipcc"
	}
	return host + "-" + strconv.Itoa(os.Getpid())
}

// ID is this controller's id.
func (m *Member) ID() string { return m.id }

// TTL is the lease lifetime.
func (m *Member) TTL() time.Duration { return m.o.TTL }

// Want adds a lease this member tries to hold.
func (m *Member) Want(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !slices.Contains(m.want, name) {
		m.want = append(m.want, name)
		sort.Strings(m.want)
		m.leases[name] = &Lease{Name: name}
	}
}

// Status is what the member knows of a lease it wants.
func (m *Member) Status(name string) (Lease, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	l, ok := m.leases[name]
	if !ok {
		return Lease{}, false
	}
	return *l, true
}

// Holds reports whether this controller holds the lease.
func (m *Member) Holds(name string) bool {
	l, ok := m.Status(name)
	return ok && l.Mine
}

// Why says why this controller does not hold the lease, for /readyz and
// logs ("" when it does).
func (m *Member) Why(name string) string {
	l, ok := m.Status(name)
	if !ok {
		return "not claimed by this controller"
	}
	why := describe(l, m.clk.Now())
	if l.Claimed && l.Err != nil && !l.Mine {
		why += " (as last seen: the database does not answer now: " + l.Err.Error() + ")"
	}
	return why
}

// subject names what a lease guards: "switch fs1" for "switch:fs1".
func subject(lease string) string {
	if name, ok := strings.CutPrefix(lease, SwitchPrefix); ok {
		return "switch " + name
	}
	return lease
}

func describe(l Lease, now time.Time) string {
	ts := func(t time.Time) string { return t.UTC().Format(time.RFC3339) }
	switch {
	case l.Mine:
		return ""
	case !l.Claimed && l.Err != nil:
		return "lease not claimed yet: database unreachable: " + l.Err.Error()
	case !l.Claimed:
		return "lease not claimed yet"
	case l.Holder != "" && now.Before(l.Expires):
		return fmt.Sprintf("standby: %s is held by controller %s on host %s since %s (token %d), lease expires %s",
			subject(l.Name), l.Holder, l.Host, ts(l.Since), l.Token, ts(l.Expires))
	case l.Blocker != nil:
		return fmt.Sprintf("standby: controller %s on host %s is active on this database (holds %s until %s); one controller drives all switches",
			l.Blocker.Holder, l.Blocker.Host, l.Blocker.Name, ts(l.Blocker.ExpiresAt))
	default:
		return "free: taken at the next claim"
	}
}

// Run claims and renews the wanted leases until ctx ends: at once, then
// every TTL/3 (sooner after a failed claim while holding leases). It does
// not release them: call Release once what they guard has stopped.
func (m *Member) Run(ctx context.Context) error {
	timer := m.clk.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-timer.C():
		}
		timer.Reset(m.Sync(ctx))
	}
}

// Sync runs one claim: it gives up held leases whose renewal is overdue,
// renews the others and takes free ones, and reports the changes. It
// returns when the next claim is due.
func (m *Member) Sync(ctx context.Context) time.Duration {
	every := m.o.TTL / 3
	m.expireOverdue()
	now := m.clk.Now()
	limit := every
	m.mu.Lock()
	names := slices.Clone(m.want)
	held := map[string]int64{}
	for n, l := range m.leases {
		if l.Mine {
			held[n] = l.Token
			// A claim stuck in the database must not carry a lease past
			// the moment this controller has to let go of it.
			limit = min(limit, m.deadline[n].Sub(now))
		}
	}
	m.mu.Unlock()
	if len(names) == 0 {
		return every
	}
	cctx, cancel := context.WithTimeout(ctx, max(limit, time.Millisecond))
	defer cancel()
	res, err := m.o.Store.ClaimLeases(cctx, store.LeaseClaim{Holder: m.id, Instance: m.instance, Host: m.host, Names: names, Held: held,
		Now: now, TTL: m.o.TTL, ExclusivePrefix: SwitchPrefix})
	if err != nil {
		if ctx.Err() != nil {
			return every
		}
		m.metrics.errors.Inc()
		m.mu.Lock()
		first := !m.failing
		m.failing = true
		for _, l := range m.leases {
			l.Err = err
		}
		m.mu.Unlock()
		if first {
			m.log.Warn("cluster: leases could not be claimed or renewed", "err", err)
		}
		m.expireOverdue()
		if len(held) > 0 {
			return max(every/3, 50*time.Millisecond)
		}
		return every
	}
	m.apply(res, now)
	return m.nextClaim(now, every)
}

// nextClaim is when a member that does not hold every lease it wants
// claims again: every TTL/3, or just after the other holder's lease
// expires when that comes sooner. A standby then takes over a dead
// holder's switches as soon as the database lets it, not up to TTL/3
// later.
func (m *Member) nextClaim(now time.Time, every time.Duration) time.Duration {
	next := every
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, l := range m.leases {
		if l.Mine {
			continue
		}
		exp := l.Expires
		if l.Blocker != nil {
			exp = l.Blocker.ExpiresAt
		}
		if d := exp.Sub(now) + claimAfterExpiry; exp.After(now) && d < next {
			next = d
		}
	}
	return next
}

// claimAfterExpiry is how long after another holder's lease expires a
// standby claims it (the controllers' clocks need not agree to the
// microsecond).
const claimAfterExpiry = 20 * time.Millisecond

// expireOverdue gives up held leases whose renewal did not succeed in
// time: a fifth of the TTL before the lease expires in the database, so
// the holder has let go before anyone else may take it.
func (m *Member) expireOverdue() {
	now := m.clk.Now()
	var lost []Lease
	m.mu.Lock()
	for n, l := range m.leases {
		if d, ok := m.deadline[n]; l.Mine && ok && !now.Before(d) {
			l.Mine = false
			delete(m.deadline, n)
			lost = append(lost, *l)
		}
	}
	m.mu.Unlock()
	for _, l := range lost {
		m.lost(l, fmt.Sprintf("not renewed in time (the database did not answer; lease expires %s)", l.Expires.UTC().Format(time.RFC3339)))
	}
}

func (m *Member) apply(res store.LeaseClaimResult, now time.Time) {
	rows := map[string]store.Lease{}
	for _, r := range res.Leases {
		rows[r.Name] = r
	}
	type change struct {
		l        Lease
		acquired bool
		lost     string
		standby  bool
	}
	var changes []change
	m.mu.Lock()
	if m.failing {
		m.failing = false
		m.log.Info("cluster: database reachable again")
	}
	for _, name := range m.want {
		l := m.leases[name]
		was, before := l.Mine, *l
		r, exists := rows[name]
		l.Err, l.Claimed, l.Blocker = nil, true, nil
		if exists {
			l.Holder, l.Host, l.Instance, l.Token, l.Since, l.Expires = r.Holder, r.Host, r.Instance, r.Token, r.AcquiredAt, r.ExpiresAt
		}
		l.Mine = exists && r.Instance == m.instance
		if !l.Mine && res.Blocker != nil && (!exists || !r.Live(now)) {
			b := *res.Blocker
			l.Blocker = &b
		}
		switch {
		case l.Mine:
			m.deadline[name] = r.ExpiresAt.Add(-m.o.TTL / 5)
			if !was {
				changes = append(changes, change{l: *l, acquired: true})
			}
		case was:
			delete(m.deadline, name)
			changes = append(changes, change{l: *l, lost: fmt.Sprintf("taken over by controller %s on host %s (token %d)", l.Holder, l.Host, l.Token)})
		case before.Holder != l.Holder || before.Token != l.Token || (before.Blocker == nil) != (l.Blocker == nil) || !before.Claimed:
			changes = append(changes, change{l: *l, standby: true})
		}
		m.metrics.set(*l)
	}
	m.mu.Unlock()
	for _, c := range changes {
		switch {
		case c.acquired:
			m.metrics.changes.WithLabelValues(c.l.Name, "acquired").Inc()
			m.log.Info("cluster: lease acquired", "lease", c.l.Name, "token", c.l.Token, "expires", c.l.Expires)
			if m.o.OnAcquired != nil {
				m.o.OnAcquired(c.l)
			}
		case c.lost != "":
			m.lost(c.l, c.lost)
		case c.standby:
			m.log.Warn("cluster: not connecting: "+describe(c.l, now), "lease", c.l.Name, "holder", c.l.Holder, "host", c.l.Host, "token", c.l.Token)
		}
	}
}

func (m *Member) lost(l Lease, why string) {
	m.metrics.changes.WithLabelValues(l.Name, "lost").Inc()
	m.metrics.set(l)
	m.log.Error("cluster: lease lost: "+why, "lease", l.Name, "token", l.Token)
	if m.o.OnLost != nil {
		m.o.OnLost(l, why)
	}
}

// Release gives up every lease this controller holds so another may take
// them at once (a clean stop). Call it after what they guard has stopped.
func (m *Member) Release(ctx context.Context) error {
	m.mu.Lock()
	held := map[string]int64{}
	var ls []Lease
	for n, l := range m.leases {
		if l.Mine {
			held[n] = l.Token
			l.Mine = false
			delete(m.deadline, n)
			ls = append(ls, *l)
		}
	}
	m.mu.Unlock()
	if len(held) == 0 {
		return nil
	}
	err := m.o.Store.ReleaseLeases(ctx, m.instance, held, m.clk.Now())
	for _, l := range ls {
		m.metrics.set(l)
		if err == nil {
			m.metrics.changes.WithLabelValues(l.Name, "released").Inc()
			m.log.Info("cluster: lease released", "lease", l.Name, "token", l.Token)
		}
	}
	if err != nil {
		return fmt.Errorf("cluster: release leases: %w", err)
	}
	return nil
}
