package demo_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/auth"
	"github.com/ipcc/ipcc/campaign"
	"github.com/ipcc/ipcc/demo"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/examples"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// The demo staffs every sample queue with four logged-in agents whose
// phones exist in the simulator, and opens the sample hours around the clock.
func TestDemoStaffsTheSampleCallCenter(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, store.SQLite)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, _ := auth.New(st, auth.Options{Secret: []byte("0123456789abcdef0123456789abcdef"), BcryptCost: 4})
	if _, err := a.Bootstrap(ctx, "demo-admin-pw"); err != nil {
		t.Fatal(err)
	}
	if err := examples.Load(ctx, st, auth.DefaultTenant); err != nil {
		t.Fatal(err)
	}
	if err := demo.OpenAllHours(ctx, st, auth.DefaultTenant); err != nil {
		t.Fatal(err)
	}
	sc, err := st.GetSchedule(ctx, auth.DefaultTenant, "main-hours")
	if err != nil || len(sc.Weekly["sunday"]) != 1 || sc.Weekly["sunday"][0] != "00:00-24:00" {
		t.Fatalf("hours not opened: %+v %v", sc, err)
	}
	d, err := demo.Start(demo.Options{Logger: quiet, RecordingDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Sim().Close()
	disp := dispatch.New(dispatch.Options{Store: st, Logger: quiet})
	defer disp.Close()
	var qs []string
	for _, q := range examples.Queues() {
		qs = append(qs, q.ID)
	}
	if err := d.StaffAgents(ctx, st, a, disp, auth.DefaultTenant, qs); err != nil {
		t.Fatal(err)
	}
	// A second start keeps them (idempotent).
	if err := d.StaffAgents(ctx, st, a, disp, auth.DefaultTenant, qs); err != nil {
		t.Fatal(err)
	}
	eng, _ := disp.Engine(ctx, auth.DefaultTenant)
	snap, err := eng.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range snap.Queues {
		if q.LoggedIn != 4 {
			t.Errorf("queue %s has %d agents logged in", q.ID, q.LoggedIn)
		}
	}
	desk, err := st.GetUserByName(ctx, auth.DefaultTenant, demo.DeskAgent.Ext)
	if err != nil || desk.WorkNumber != demo.DeskAgent.WorkNumber {
		t.Fatalf("desk agent %+v %v", desk, err)
	}
	for _, ag := range snap.Agents {
		if ag.AgentID == desk.ID {
			// Left to a person at the web console: a member of every
			// queue, not logged in by the demo.
			if ag.State != acd.LoggedOut || len(ag.Queues) != len(qs) {
				t.Errorf("desk agent %+v", ag)
			}
			continue
		}
		if ag.State != acd.Available || ag.Device == "" {
			t.Errorf("agent %+v", ag)
		}
		// Its phone is its assigned device: a person logging in as this
		// agent through the API may use it.
		if ds, err := st.UserDevices(ctx, auth.DefaultTenant, ag.AgentID); err != nil || len(ds) != 1 || ds[0] != ag.Device {
			t.Errorf("devices of agent %s: %v %v (on %s)", ag.AgentID, ds, err, ag.Device)
		}
		// Logged in with the work number of their user: callers hear it
		// (it was their id when none was given).
		if u, err := st.GetUser(ctx, auth.DefaultTenant, ag.AgentID); err != nil || u.WorkNumber == "" || ag.WorkNumber != u.WorkNumber {
			t.Errorf("agent %s: work number %q, user %+v %v", ag.AgentID, ag.WorkNumber, u, err)
		}
	}
	// The demo agents are in two groups (班组), the desk agent too, so the
	// supervisor console's group filter has something to show.
	groups := map[string]int{}
	for _, name := range []string{"1001", "1002", "1003", "1004", demo.DeskAgent.Ext} {
		u, err := st.GetUserByName(ctx, auth.DefaultTenant, name)
		if err != nil {
			t.Fatal(err)
		}
		groups[u.Group]++
	}
	if groups[demo.GroupOne] != 2 || groups[demo.GroupTwo] != 3 {
		t.Errorf("groups of the demo agents: %v", groups)
	}
	// Every demo user signs in with the documented password.
	for _, u := range []string{"1001", demo.DeskAgent.Ext, demo.SupervisorUser, demo.AdminUser} {
		if _, _, _, err := a.Login(ctx, auth.DefaultTenant, u, demo.Password); err != nil {
			t.Errorf("login %s with the demo password: %v", u, err)
		}
	}
	// A supervisor with a phone, so listen, whisper and barge can be tried.
	sup, err := st.GetUserByName(ctx, auth.DefaultTenant, demo.SupervisorUser)
	if err != nil || sup.Role != string(auth.RoleSupervisor) {
		t.Fatalf("supervisor %+v %v", sup, err)
	}
	if ds, _ := st.UserDevices(ctx, auth.DefaultTenant, sup.ID); len(ds) != 1 || ds[0] != demo.SupervisorPhone {
		t.Errorf("supervisor's devices %v", ds)
	}
	// A tenant admin for the web console's admin pages.
	if adm, err := st.GetUserByName(ctx, auth.DefaultTenant, demo.AdminUser); err != nil || adm.Role != string(auth.RoleAdmin) {
		t.Errorf("admin %+v %v", adm, err)
	}
	if len(d.Switches()) != 2 {
		t.Fatalf("switches %+v", d.Switches())
	}
}

// The demo's preview campaign is there, running, with masked numbers, a
// script and dispositions, eight leads, and is left alone on a rerun.
func TestDemoPreviewCampaign(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t, store.SQLite)
	if err := st.CreateTenant(ctx, &store.Tenant{ID: auth.DefaultTenant, Name: "Default", Timezone: "Asia/Shanghai"}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if err := demo.AddPreviewCampaign(ctx, st, auth.DefaultTenant, "operator"); err != nil {
			t.Fatal(err)
		}
	}
	c, err := campaign.Get(ctx, st, auth.DefaultTenant, demo.PreviewCampaign)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != campaign.Running || c.Type != campaign.Preview || !c.Settings.MaskNumbers || len(c.Settings.Script) == 0 || len(c.Settings.Dispositions) == 0 {
		t.Fatalf("campaign %+v", c)
	}
	leads, err := st.ListLeads(ctx, auth.DefaultTenant, demo.PreviewCampaign, store.LeadFilter{})
	if err != nil || len(leads) != 8 {
		t.Fatalf("leads: %d %v", len(leads), err)
	}
}
