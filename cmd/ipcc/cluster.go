package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ipcc/ipcc/cluster"
	"github.com/ipcc/ipcc/config"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/store"
)

// leasedSwitches are the configured switches behind their leases: each is
// added to the controller (and so connected) only once this controller
// holds its lease.
type leasedSwitches struct {
	member *cluster.Member
	// Checks are the readiness checks, one per switch: the lease, then the
	// connection.
	Checks   map[string]func(context.Context) error
	lost     chan struct{} // closed when the first lease is lost
	lostOnce sync.Once
	lostErr  error
}

// Lost is closed when this controller lost a lease; serve stops then.
func (ls *leasedSwitches) Lost() <-chan struct{} { return ls.lost }

// Err says which lease was lost and why (nil while none was).
func (ls *leasedSwitches) Err() error {
	select {
	case <-ls.lost:
		return ls.lostErr
	default:
		return nil
	}
}

// leaseSwitches builds every configured switch and its lease. When the
// lease is taken the switch is added to ctl; when it is lost, stop is
// called at once (it must end the switch connections) and the loss is sent
// on Lost.
func leaseSwitches(cfg *config.Config, st *store.Store, ctl *controller.Controller, switches []config.Switch, media switchMedia, log *slog.Logger, reg prometheus.Registerer, stop func()) (*leasedSwitches, error) {
	byLease := map[string]controller.Switch{}
	// The writes that matter (call records, ACD state) are fenced by the
	// first switch's lease: all switch leases stay in one hand, so a
	// controller that lost it has lost them all.
	fenceLease := ""
	if len(switches) > 0 {
		fenceLease = cluster.SwitchLease(switches[0].Name)
	}
	ls := &leasedSwitches{Checks: map[string]func(context.Context) error{}, lost: make(chan struct{})}
	member, err := cluster.New(cluster.Options{Store: st, ID: cfg.Cluster.ControllerID, TTL: cfg.Cluster.LeaseTTL, Logger: log, Registerer: reg,
		OnAcquired: func(l cluster.Lease) {
			if l.Name == fenceLease {
				st.SetFence(store.Fence{Lease: l.Name, Instance: l.Instance, Token: l.Token})
				log.Info("cluster: writes fenced by the lease", "lease", l.Name, "token", l.Token)
			}
			sw := byLease[l.Name]
			if sw == nil {
				return
			}
			if err := ctl.Add(sw); err != nil {
				log.Warn("switch not started after taking its lease", "switch", sw.Name(), "err", err)
				return
			}
			log.Info("switch lease taken: connecting", "switch", sw.Name(), "token", l.Token)
		},
		OnLost: func(l cluster.Lease, why string) {
			// Another controller drives the switch now (or may, any
			// moment): stop at once; run under a supervisor, this
			// controller comes back as a standby.
			stop()
			ls.lostOnce.Do(func() {
				ls.lostErr = fmt.Errorf("cluster: lease %s lost (%s): stopped so that one controller drives the switch", l.Name, why)
				close(ls.lost)
			})
		},
	})
	if err != nil {
		return nil, err
	}
	ls.member = member
	for _, sc := range switches {
		sw, err := buildSwitch(sc, media.dirs[sc.Name], log)
		if err != nil {
			return nil, err
		}
		lease := cluster.SwitchLease(sc.Name)
		byLease[lease] = sw
		member.Want(lease)
		ls.Checks["switch:"+sc.Name] = func(context.Context) error {
			if !member.Holds(lease) {
				return errors.New(member.Why(lease))
			}
			if !sw.Connected() {
				return errors.New("not connected")
			}
			return nil
		}
	}
	log.Info("cluster: switch connections are leased", "controller", member.ID(), "lease_ttl", member.TTL(), "switches", len(switches))
	return ls, nil
}

// Run claims and renews the leases until ctx ends.
func (ls *leasedSwitches) Run(ctx context.Context) error { return ls.member.Run(ctx) }

// Release gives the leases up (call it once the switch connections are
// closed), so a standby takes over at once.
func (ls *leasedSwitches) Release(ctx context.Context) error { return ls.member.Release(ctx) }
