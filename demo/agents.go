package demo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/store"
)

// Engines gives the ACD engine of a tenant.
type Engines interface {
	Engine(ctx context.Context, tenant string) (*acd.Engine, error)
}

// agent is one simulated agent.
type agent struct {
	id, ext string
}

// StaffAgents creates simulated agents in tenant (users 1001-1004 with
// random passwords, each assigned its phone as device; reset one with
// `ipcc user passwd` to log in as it),
// makes them members of every queue, gives each a phone in the simulator
// that answers after a few seconds and ends the conversation after a while,
// and logs them in. Run then sends one on a short break now and then.
func (d *Demo) StaffAgents(ctx context.Context, st *store.Store, a *auth.Service, engines Engines, tenant string, queues []string) error {
	eng, err := engines.Engine(ctx, tenant)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	for i, ext := range []string{"1001", "1002", "1003", "1004"} {
		u, err := st.GetUserByName(ctx, tenant, ext)
		if store.IsNotFound(err) {
			var b [12]byte
			_, _ = rand.Read(b[:])
			u, err = a.CreateUser(ctx, tenant, ext, "Demo agent "+ext, auth.RoleAgent, hex.EncodeToString(b[:]))
		}
		if err != nil {
			return fmt.Errorf("demo: agent %s: %w", ext, err)
		}
		// The demo phone is the agent's assigned device, so whoever logs in
		// as this agent (after `ipcc user passwd`) may use it. A device list
		// an admin changed is left alone.
		if ds, err := st.UserDevices(ctx, tenant, u.ID); err != nil {
			return fmt.Errorf("demo: agent %s: %w", ext, err)
		} else if len(ds) == 0 {
			if err := st.SetUserDevices(ctx, tenant, u.ID, []string{ext}); err != nil {
				return fmt.Errorf("demo: agent %s: %w", ext, err)
			}
		}
		for _, q := range queues {
			if err := st.PutACDMember(ctx, &store.ACDMember{TenantID: tenant, QueueID: q, AgentID: u.ID, Level: 1 + i%2}); err != nil {
				return fmt.Errorf("demo: agent %s in %s: %w", ext, q, err)
			}
		}
		spec := sim.EndpointSpec{Number: ext, Behavior: sim.BehaviorAnswer,
			AnswerAfter: time.Duration(2+i) * time.Second, HangupAfter: time.Duration(25+15*i) * time.Second}
		if err := d.sim.DefineEndpoint(spec); err != nil {
			return fmt.Errorf("demo: phone %s: %w", ext, err)
		}
		d.mu.Lock()
		d.agents = append(d.agents, agent{id: u.ID, ext: ext})
		d.mu.Unlock()
	}
	if err := eng.ReloadConfig(ctx); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	for _, ag := range d.agents {
		if s, err := eng.Agent(ctx, ag.id); err == nil && s.State != acd.LoggedOut {
			continue // still logged in from the last run
		}
		if err := eng.Login(ctx, acd.LoginRequest{AgentID: ag.id, Device: ag.ext, WorkNumber: ag.ext}); err != nil {
			return fmt.Errorf("demo: log in %s: %w", ag.ext, err)
		}
	}
	d.eng = eng
	d.log.Info("demo agents logged in", "tenant", tenant, "agents", len(d.agents))
	return nil
}

// breaks sends a random agent on a 20 s break every minute or so, and
// brings back agents the engine set not-ready for not answering.
func (d *Demo) breaks(ctx context.Context) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		d.mu.Lock()
		eng, agents := d.eng, d.agents
		pick := -1
		if len(agents) > 0 {
			pick = d.rng.IntN(len(agents) * 2) // about every other tick
		}
		d.mu.Unlock()
		if eng == nil {
			continue
		}
		for _, ag := range agents {
			if s, err := eng.Agent(ctx, ag.id); err == nil && s.Reason != "" && s.CallID == "" {
				_ = eng.Ready(ctx, ag.id) // back from break or no-answer
			}
		}
		if pick >= 0 && pick < len(agents) {
			if res, err := eng.NotReady(ctx, agents[pick].id, "break"); err == nil {
				d.log.Info("demo agent takes a break", "agent", agents[pick].ext, "granted", res.Granted, "queued", res.Queued)
			}
		}
	}
}

// OpenAllHours makes the sample's business hours (schedule main-hours)
// open around the clock, so demo callers reach the queues at any hour; the
// holidays and lunch break stay. A schedule an admin renamed is left alone.
func OpenAllHours(ctx context.Context, st *store.Store, tenant string) error {
	sc, err := st.GetSchedule(ctx, tenant, "main-hours")
	if err != nil {
		return nil // no sample schedule
	}
	if sc.Name != "Hotline hours" {
		return nil
	}
	sc.Weekly = map[string][]string{}
	for _, day := range []string{"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"} {
		sc.Weekly[day] = []string{"00:00-24:00"}
	}
	sc.Lunch = nil
	sc.Name = "Hotline hours (demo: open around the clock)"
	return st.UpdateSchedule(ctx, tenant, sc)
}
