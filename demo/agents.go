package demo

import (
	"context"
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

// The simulated staff: agents on phones 1001-1004 with their names, work
// numbers (工号, spoken to callers) and groups (班组), and a supervisor on
// phone 1009 who can listen, whisper and barge and whom agents ask for
// help.
var (
	staff = []struct{ ext, name, workNumber, group string }{
		{"1001", "张伟 Zhang Wei", "8001", GroupOne},
		{"1002", "王芳 Wang Fang", "8002", GroupOne},
		{"1003", "李娜 Li Na", "8003", GroupTwo},
		{"1004", "刘洋 Liu Yang", "8004", GroupTwo},
	}
	// GroupOne and GroupTwo are the demo agents' groups (班组); the desk
	// agent is in GroupTwo.
	GroupOne = "一组 Team 1"
	GroupTwo = "二组 Team 2"
	// SupervisorUser is the demo supervisor's username, SupervisorPhone
	// their assigned phone.
	SupervisorUser  = "supervisor"
	SupervisorPhone = "1009"
	// AdminUser is the demo tenant's admin (管理员), who works in the web
	// console's admin pages; no phone.
	AdminUser = "manager"
	// DeskAgent is the agent left to a person at the web console: the
	// demo neither logs it in nor sends it on breaks. Its phone answers
	// after two seconds and stays until the caller or the agent hangs up.
	DeskAgent = struct{ Ext, Name, WorkNumber, Group string }{"1005", "赵敏 Zhao Min", "8005", GroupTwo}
	// Password is the password the demo gives the users it creates, so a
	// newcomer can sign in at the web console (users created by an earlier
	// version keep their random one: reset it with `ipcc user passwd`).
	Password = "ipcc-demo"
)

// StaffAgents creates simulated agents in tenant (users 1001-1004 with
// random passwords, names and work numbers, each assigned its phone as
// device; reset one with `ipcc user passwd` to log in as it) and a
// supervisor (user supervisor on phone 1009), makes the agents members of
// every queue, gives each a phone in the simulator that answers after a
// few seconds and ends the conversation after a while, and logs them in
// with the work number of their user. Run then sends one on a short break
// now and then. What an admin changed on these users (devices, work
// number, group) is left alone.
func (d *Demo) StaffAgents(ctx context.Context, st *store.Store, a *auth.Service, engines Engines, tenant string, queues []string) error {
	eng, err := engines.Engine(ctx, tenant)
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	for i, s := range staff {
		u, err := demoUser(ctx, st, a, tenant, s.ext, s.name, auth.RoleAgent, s.ext)
		if err != nil {
			return err
		}
		if err := demoLabels(ctx, st, u, s.workNumber, s.group); err != nil {
			return fmt.Errorf("demo: agent %s: %w", s.ext, err)
		}
		for _, q := range queues {
			if err := st.PutACDMember(ctx, &store.ACDMember{TenantID: tenant, QueueID: q, AgentID: u.ID, Level: 1 + i%2}); err != nil {
				return fmt.Errorf("demo: agent %s in %s: %w", s.ext, q, err)
			}
		}
		spec := sim.EndpointSpec{Number: s.ext, Behavior: sim.BehaviorAnswer,
			AnswerAfter: time.Duration(2+i) * time.Second, HangupAfter: time.Duration(25+15*i) * time.Second}
		if err := d.sim.DefineEndpoint(spec); err != nil {
			return fmt.Errorf("demo: phone %s: %w", s.ext, err)
		}
		d.mu.Lock()
		d.agents = append(d.agents, agent{id: u.ID, ext: s.ext})
		d.mu.Unlock()
	}
	desk, err := demoUser(ctx, st, a, tenant, DeskAgent.Ext, DeskAgent.Name, auth.RoleAgent, DeskAgent.Ext)
	if err != nil {
		return err
	}
	if err := demoLabels(ctx, st, desk, DeskAgent.WorkNumber, DeskAgent.Group); err != nil {
		return fmt.Errorf("demo: agent %s: %w", DeskAgent.Ext, err)
	}
	for _, q := range queues {
		if err := st.PutACDMember(ctx, &store.ACDMember{TenantID: tenant, QueueID: q, AgentID: desk.ID, Level: 1}); err != nil {
			return fmt.Errorf("demo: agent %s in %s: %w", DeskAgent.Ext, q, err)
		}
	}
	if err := d.sim.DefineEndpoint(sim.EndpointSpec{Number: DeskAgent.Ext, Behavior: sim.BehaviorAnswer, AnswerAfter: 2 * time.Second}); err != nil {
		return fmt.Errorf("demo: phone %s: %w", DeskAgent.Ext, err)
	}
	sup, err := demoUser(ctx, st, a, tenant, SupervisorUser, "班长 Chen Jing", auth.RoleSupervisor, SupervisorPhone)
	if err != nil {
		return err
	}
	if _, err := st.GetUserByName(ctx, tenant, AdminUser); store.IsNotFound(err) {
		if _, err := a.CreateUser(ctx, tenant, AdminUser, "管理员 Li Ming", auth.RoleAdmin, Password); err != nil {
			return fmt.Errorf("demo: user %s: %w", AdminUser, err)
		}
	} else if err != nil {
		return fmt.Errorf("demo: user %s: %w", AdminUser, err)
	}
	// The supervisor's phone answers quickly and stays until the call ends
	// (a monitor or a help request).
	if err := d.sim.DefineEndpoint(sim.EndpointSpec{Number: SupervisorPhone, Behavior: sim.BehaviorAnswer, AnswerAfter: 2 * time.Second}); err != nil {
		return fmt.Errorf("demo: phone %s: %w", SupervisorPhone, err)
	}
	if err := eng.ReloadConfig(ctx); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	for _, ag := range d.agents {
		if d.opts.Quiet {
			break // a quiet world's agents stay logged out
		}
		if s, err := eng.Agent(ctx, ag.id); err == nil && s.State != acd.LoggedOut {
			continue // still logged in from the last run
		}
		u, err := st.GetUser(ctx, tenant, ag.id)
		if err != nil {
			return fmt.Errorf("demo: agent %s: %w", ag.ext, err)
		}
		if err := eng.Login(ctx, acd.LoginRequest{AgentID: ag.id, Device: ag.ext, WorkNumber: u.WorkNumber}); err != nil {
			return fmt.Errorf("demo: log in %s: %w", ag.ext, err)
		}
	}
	d.mu.Lock()
	d.eng, d.st, d.tenant, d.supervisor = eng, st, tenant, sup.ID
	if desk, ok := engines.(Desk); ok {
		d.desk = desk
	}
	d.mu.Unlock()
	d.log.Info("demo staff ready", "tenant", tenant, "agents", len(d.agents), "supervisor", SupervisorUser, "supervisor_phone", SupervisorPhone)
	return nil
}

// demoLabels gives a demo agent its work number and group when it has
// none (an admin's choice is kept; a work number taken by someone else is
// left out).
func demoLabels(ctx context.Context, st *store.Store, u *store.User, workNumber, group string) error {
	if u.WorkNumber != "" && u.Group != "" {
		return nil
	}
	wn := u.WorkNumber == ""
	if wn {
		u.WorkNumber = workNumber
	}
	if u.Group == "" {
		u.Group = group
	}
	err := st.UpdateUser(ctx, u)
	if store.IsConflict(err) && wn {
		u.WorkNumber = ""
		err = st.UpdateUser(ctx, u)
	}
	if err != nil {
		return fmt.Errorf("work number and group: %w", err)
	}
	return nil
}

// demoUser finds or creates a demo user (password Password) and assigns it
// phone when it has no device yet.
func demoUser(ctx context.Context, st *store.Store, a *auth.Service, tenant, username, name string, role auth.Role, phone string) (*store.User, error) {
	u, err := st.GetUserByName(ctx, tenant, username)
	if store.IsNotFound(err) {
		u, err = a.CreateUser(ctx, tenant, username, name, role, Password)
	}
	if err != nil {
		return nil, fmt.Errorf("demo: user %s: %w", username, err)
	}
	// The demo phone is the user's assigned device, so whoever logs in as
	// this user (after `ipcc user passwd`) may use it.
	if ds, err := st.UserDevices(ctx, tenant, u.ID); err != nil {
		return nil, fmt.Errorf("demo: user %s: %w", username, err)
	} else if len(ds) == 0 {
		if err := st.SetUserDevices(ctx, tenant, u.ID, []string{phone}); err != nil {
			return nil, fmt.Errorf("demo: user %s: %w", username, err)
		}
	}
	return u, nil
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
