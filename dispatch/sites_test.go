package dispatch_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/controller/switchtest"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/inbound"
	"github.com/ipcc/ipcc/sites"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
	"github.com/ipcc/ipcc/tts"
)

// newSitesWorld: two switches of different kinds in one ACD — fs1, a
// FreeSWITCH (site beijing, phones 1000-1999) and ast1, an Asterisk (site
// shanghai, phones 2000-2999), the simulator's two fronts. fs1 reaches ast1's
// phones through its gateway to-ast1 with the prefix 88, ast1 reaches
// fs1's through its trunk to-fs1. DID 4001 on either switch goes to queue
// "support" (agent ID announced); its members are bob (phone 1001 on fs1,
// work number 8002) and ann (phone 2001 on ast1, work number 8001).
func newSitesWorld(t *testing.T) *world {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, store.SQLite)
	if err := st.CreateTenant(ctx, &store.Tenant{ID: tenant, Name: "Acme", Timezone: "Asia/Shanghai"}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateRoute(ctx, tenant, &dialplan.Route{Name: "Support", DID: "4001", Enabled: true, Default: &dialplan.Target{Kind: dialplan.KindQueue, Ref: "support"}}); err != nil {
		t.Fatal(err)
	}
	fs := switchtest.NewSimWorld(t, sim.FrontFreeSWITCH)
	for n, f := range map[string]sim.Front{"1001": sim.FrontFreeSWITCH, "2001": sim.FrontAsterisk} {
		if err := fs.Sim.DefineEndpoint(sim.EndpointSpec{Number: n, Behavior: sim.BehaviorAnswer, AnswerAfter: 100 * time.Millisecond, Front: f}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tr := range []sim.TrunkSpec{{Name: "to-ast1", Behavior: sim.TrunkUp, Peer: sim.FrontAsterisk, Prefix: "88"}, {Name: "to-fs1", Behavior: sim.TrunkUp, Peer: sim.FrontFreeSWITCH}} {
		if err := fs.Sim.DefineTrunk(tr); err != nil {
			t.Fatal(err)
		}
	}
	placed := twoSites(t)
	w := &world{t: t, st: st, sw: fs}
	startSites(w, placed)
	eng := w.eng
	q := acd.QueueConfig{ID: "support", Name: "Support", Strategy: "longest-idle", RingTimeout: acd.Duration(5 * time.Second), WrapUp: acd.Duration(300 * time.Millisecond),
		Announcements: acd.Announcements{Lang: "en", AgentID: true}}
	row, err := acd.QueueRow(tenant, q)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateACDQueue(ctx, row); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"ann", "bob", "cid"} {
		if err := st.PutACDMember(ctx, &store.ACDMember{TenantID: tenant, QueueID: "support", AgentID: a, Level: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if err := eng.ReloadConfig(ctx); err != nil {
		t.Fatal(err)
	}
	return w
}

// startSites runs a dispatcher, an inbound handler and a controller with
// both switches (fs1 on the simulator's FreeSWITCH front, ast1 on its
// Asterisk front) placed by placed — again after w.stop: a restarted
// ipcc. Agents on a mobile number are dialled through the trunk
// "carrier".
func startSites(w *world, placed *sites.Map) {
	t := w.t
	t.Helper()
	ctx := context.Background()
	disp := dispatch.New(dispatch.Options{Store: w.st, Logger: quiet, RecordingDir: filepath.Dir(w.sw.RecordingPath("x")), DefaultTrunk: "carrier"})
	eng, err := disp.Engine(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	cache, _ := tts.NewCache(t.TempDir(), tts.Silent{}, tts.CacheOptions{})
	h, err := inbound.New(inbound.Options{Store: w.st, Logger: quiet, Queues: disp, Agents: disp, Outbound: disp.Outbound(), DefaultTrunk: "carrier"})
	if err != nil {
		t.Fatal(err)
	}
	ctl, err := controller.New(controller.Options{Logger: quiet, TTS: cache, Handler: h.Handle, Sites: placed})
	if err != nil {
		t.Fatal(err)
	}
	fs1, ast1 := w.sw.As(sim.FrontFreeSWITCH).NewSwitch(t, "fs1"), w.sw.As(sim.FrontAsterisk).NewSwitch(t, "ast1")
	ctl.Add(fs1)
	ctl.Add(ast1)
	disp.SetDialer(ctl, "fs1")
	rctx, cancel := context.WithCancel(context.Background())
	watched := h.WatchSwitches(rctx, ctl)
	done := make(chan struct{})
	go func() { defer close(done); _ = ctl.Run(rctx) }()
	var once sync.Once
	w.stop = func() {
		once.Do(func() {
			cancel()
			<-done
			<-watched
			disp.Close()
		})
	}
	t.Cleanup(w.stop)
	waitFor(t, "both switches connected", func() bool { return fs1.Connected() && ast1.Connected() })
	w.disp, w.eng, w.ctl, w.h = disp, eng, ctl, h
}

// agentLeg finds the live or ended leg originated for the call whose
// caller is caller, towards agent (the ipcc_agent variable every agent
// leg carries).
func (w *world) agentLeg(agent string, notIn ...string) (sim.CallInfo, bool) {
	skip := map[string]bool{}
	for _, id := range notIn {
		skip[id] = true
	}
	for _, c := range w.sw.Sim.Calls() {
		if !c.Inbound && c.Vars["ipcc_agent"] == agent && !skip[c.ID] {
			return c, true
		}
	}
	return sim.CallInfo{}, false
}

// A caller on the FreeSWITCH reaches an agent whose phone is on the
// Asterisk: the agent's leg is originated on fs1 through its trunk to
// ast1 (prefix 88), the caller and the agent talk, the caller hears the
// agent's work number, and the record keeps both legs on fs1.
func TestSitesCallerReachesAgentOnOtherSwitch(t *testing.T) {
	t.Parallel()
	w := newSitesWorld(t)
	ctx := context.Background()
	if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "ann", Device: "2001", WorkNumber: "8001"}); err != nil {
		t.Fatal(err)
	}
	caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: sim.FrontFreeSWITCH, From: "13800138000", To: "4001"})
	if err != nil {
		t.Fatal(err)
	}
	var ann sim.CallInfo
	t.Cleanup(func() {
		if t.Failed() {
			for _, c := range w.sw.Sim.Calls() {
				t.Logf("sim leg %s %s %s front=%s trunk=%s ep=%s state=%s cause=%s", c.ID, c.Name, c.Vars["ipcc_agent"], c.Front, c.Trunk, c.Endpoint, c.State, c.Cause)
			}
			for _, c := range w.ctl.Calls() {
				for _, tr := range c.Trace() {
					t.Logf("trace %+v", tr)
				}
			}
		}
	})
	waitFor(t, "the caller talks to ann", func() bool {
		var ok bool
		ann, ok = w.agentLeg("ann")
		return ok && w.sw.Sim.Hears(caller, ann.ID) && w.sw.Sim.Hears(ann.ID, caller)
	})
	// The originate went to fs1 (the caller's switch), through fs1's
	// gateway to ast1, and rang the phone registered on ast1.
	if ann.Front != sim.FrontFreeSWITCH || ann.Trunk != "to-ast1" || ann.Endpoint != "882001" || ann.Reached != sim.FrontAsterisk {
		t.Fatalf("ann's leg: front %s trunk %q endpoint %q reached %q (name %s)", ann.Front, ann.Trunk, ann.Endpoint, ann.Reached, ann.Name)
	}
	if ann.Name != "sofia/gateway/to-ast1/882001" {
		t.Errorf("dial string %q", ann.Name)
	}
	for _, c := range w.sw.Sim.Calls() {
		if c.Front == sim.FrontAsterisk {
			t.Errorf("ipcc created a leg on ast1 for a call carried by fs1: %+v", c)
		}
	}
	waitFor(t, "the caller hears ann's work number", func() bool { return w.heard(caller, "8001") })
	if err := w.sw.Sim.HangupCall(caller); err != nil {
		t.Fatal(err)
	}
	rec := w.record(caller, func(c store.CallRecord) bool { return c.AgentID == "ann" })
	if rec.Switch != "fs1" || rec.Disposition != "answered" || rec.TalkMS <= 0 {
		t.Fatalf("record: switch %q disposition %q talk %d ms", rec.Switch, rec.Disposition, rec.TalkMS)
	}
	if got := roles(w.legs(rec.ID)); got != "caller:13800138000:answered agent:ann:answered" {
		t.Fatalf("legs: %s", got)
	}
	legs := w.legs(rec.ID)
	if legs[1].Endpoint != "2001" || legs[1].LegID != ann.ID {
		t.Errorf("agent leg stored as %+v", legs[1])
	}
	full, err := w.st.GetCall(ctx, tenant, rec.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(full.Trace, "phone 2001 is on switch ast1 (site shanghai): dialled from fs1 through trunk to-ast1 as 882001") {
		t.Errorf("the trace does not say how ann was reached:\n%s", full.Trace)
	}
}

// One queue, agents on both switches: a caller on a switch is connected
// to the agent on the same switch locally (no trunk), and to the agent on
// the other switch through the trunk from the caller's switch — in both
// directions.
func TestSitesQueueWithAgentsOnBothSwitches(t *testing.T) {
	t.Parallel()
	w := newSitesWorld(t)
	ctx := context.Background()
	if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "1001", WorkNumber: "8002"}); err != nil {
		t.Fatal(err)
	}
	if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "ann", Device: "2001", WorkNumber: "8001", NotReady: "break"}); err != nil {
		t.Fatal(err)
	}
	// 1. A caller on fs1 gets bob, whose phone is on fs1: local.
	c1, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: sim.FrontFreeSWITCH, From: "13800138001", To: "4001"})
	if err != nil {
		t.Fatal(err)
	}
	var bob1 sim.CallInfo
	waitFor(t, "caller 1 talks to bob", func() bool {
		var ok bool
		bob1, ok = w.agentLeg("bob")
		return ok && w.sw.Sim.Hears(c1, bob1.ID) && w.sw.Sim.Hears(bob1.ID, c1)
	})
	if bob1.Front != sim.FrontFreeSWITCH || bob1.Trunk != "" || bob1.Reached != "" || !strings.HasPrefix(bob1.Name, "sofia/internal/1001") {
		t.Fatalf("bob's leg should be local on fs1: %+v", bob1)
	}
	// 2. A caller on ast1 gets ann, whose phone is on ast1: local.
	if err := w.eng.Ready(ctx, "ann"); err != nil {
		t.Fatal(err)
	}
	c2, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: sim.FrontAsterisk, From: "13800138002", To: "4001"})
	if err != nil {
		t.Fatal(err)
	}
	var ann2 sim.CallInfo
	waitFor(t, "caller 2 talks to ann", func() bool {
		var ok bool
		ann2, ok = w.agentLeg("ann")
		return ok && w.sw.Sim.Hears(c2, ann2.ID) && w.sw.Sim.Hears(ann2.ID, c2)
	})
	if ann2.Front != sim.FrontAsterisk || ann2.Trunk != "" || ann2.Reached != "" || !strings.HasPrefix(ann2.Name, "PJSIP/2001-") {
		t.Fatalf("ann's leg should be local on ast1: %+v", ann2)
	}
	waitFor(t, "caller 2 hears ann's work number", func() bool { return w.heard(c2, "8001") })
	// 3. Caller 1 leaves; bob is free again; a caller on ast1 gets bob
	// through ast1's trunk to fs1.
	if err := w.sw.Sim.HangupCall(c1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "bob is available again", func() bool {
		a, err := w.eng.Agent(ctx, "bob")
		return err == nil && a.State == acd.Available
	})
	c3, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: sim.FrontAsterisk, From: "13800138003", To: "4001"})
	if err != nil {
		t.Fatal(err)
	}
	var bob3 sim.CallInfo
	waitFor(t, "caller 3 talks to bob", func() bool {
		var ok bool
		bob3, ok = w.agentLeg("bob", bob1.ID)
		return ok && w.sw.Sim.Hears(c3, bob3.ID) && w.sw.Sim.Hears(bob3.ID, c3)
	})
	if bob3.Front != sim.FrontAsterisk || bob3.Trunk != "to-fs1" || bob3.Endpoint != "1001" || bob3.Reached != sim.FrontFreeSWITCH {
		t.Fatalf("bob's leg from ast1 should go through to-fs1: %+v", bob3)
	}
	waitFor(t, "caller 3 hears bob's work number", func() bool { return w.heard(c3, "8002") })
	w.sw.Sim.HangupCall(c2)
	w.sw.Sim.HangupCall(c3)
	for caller, want := range map[string][2]string{c1: {"fs1", "bob"}, c2: {"ast1", "ann"}, c3: {"ast1", "bob"}} {
		rec := w.record(caller, nil)
		if rec.Switch != want[0] || rec.AgentID != want[1] || rec.Disposition != "answered" {
			t.Errorf("record of %s: switch %q agent %q disposition %q", caller, rec.Switch, rec.AgentID, rec.Disposition)
		}
		if got := roles(w.legs(rec.ID)); !strings.HasPrefix(got, "caller:") || !strings.HasSuffix(got, "agent:"+want[1]+":answered") {
			t.Errorf("legs of %s: %s", caller, got)
		}
	}
}

// An agent's own call starts on the switch of their phone, whatever the
// dialer's default switch: ann (phone on ast1) calling bob's extension
// (on fs1) rings her phone on ast1 and reaches 1001 through ast1's trunk.
func TestSitesClickToDialFromThePhonesSwitch(t *testing.T) {
	t.Parallel()
	w := newSitesWorld(t)
	ctx := context.Background()
	if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "ann", Device: "2001"}); err != nil {
		t.Fatal(err)
	}
	id, err := w.disp.ClickToDial(ctx, tenant, "ann", "1001", "")
	if err != nil {
		t.Fatal(err)
	}
	var own, far sim.CallInfo
	waitFor(t, "ann talks to 1001", func() bool {
		own, far = sim.CallInfo{}, sim.CallInfo{}
		for _, c := range w.sw.Sim.Calls() {
			switch {
			case c.Endpoint == "2001" && c.State == "up":
				own = c
			case c.Endpoint == "1001" && c.State == "up":
				far = c
			}
		}
		return own.ID != "" && far.ID != "" && w.sw.Sim.Hears(own.ID, far.ID) && w.sw.Sim.Hears(far.ID, own.ID)
	})
	if own.Front != sim.FrontAsterisk || own.Trunk != "" {
		t.Fatalf("ann's own phone should ring on ast1 directly: %+v", own)
	}
	if far.Front != sim.FrontAsterisk || far.Trunk != "to-fs1" || far.Reached != sim.FrontFreeSWITCH {
		t.Fatalf("1001 should be reached through ast1's trunk to fs1: %+v", far)
	}
	c, err := w.st.GetCall(ctx, tenant, id)
	if err != nil || c.Switch != "ast1" {
		t.Fatalf("record: %+v %v", c, err)
	}
	w.sw.Sim.HangupCall(far.ID)
}

// twoSites places phones 1000-1999 on fs1 (site beijing, trunk to-ast1 with
// prefix 88 to ast1) and 2000-2999 on ast1 (site shanghai, trunk to-fs1).
func twoSites(t *testing.T) *sites.Map {
	t.Helper()
	placed, err := sites.New([]sites.Switch{
		{Name: "fs1", Site: "beijing", Devices: []string{"1000-1999"}, Trunks: []sites.Trunk{{To: "ast1", Gateway: "to-ast1", Prefix: "88"}}},
		{Name: "ast1", Site: "shanghai", Devices: []string{"2*"}, Trunks: []sites.Trunk{{To: "fs1", Gateway: "to-fs1"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return placed
}

// An agent on a mobile number (转手机) is dialled from the caller's switch
// through its PSTN trunk, whichever switch that is; and a restarted
// controller takes back both kinds of call that span sites: a caller on
// fs1 talking to ann through the trunk to ast1, and a caller on ast1
// talking to cid's mobile. Each goes on as one call, the agents stay on
// them, and each record is closed once, naming its agent, with both legs.
func TestSitesRestartKeepsTrunkAndMobileCalls(t *testing.T) {
	t.Parallel()
	w := newSitesWorld(t)
	ctx := context.Background()
	if err := w.sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: "13900001111", Behavior: sim.BehaviorAnswer, AnswerAfter: 100 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "ann", Device: "2001"}); err != nil {
		t.Fatal(err)
	}
	if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "cid", Device: "mobile:13900001111", NotReady: "break"}); err != nil {
		t.Fatal(err)
	}
	c1, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: sim.FrontFreeSWITCH, From: "13800138011", To: "4001"})
	if err != nil {
		t.Fatal(err)
	}
	var ann sim.CallInfo
	waitFor(t, "caller 1 talks to ann through the trunk", func() bool {
		var ok bool
		ann, ok = w.agentLeg("ann")
		return ok && w.sw.Sim.Hears(c1, ann.ID) && w.sw.Sim.Hears(ann.ID, c1)
	})
	if err := w.eng.Ready(ctx, "cid"); err != nil {
		t.Fatal(err)
	}
	c2, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: sim.FrontAsterisk, From: "13800138012", To: "4001"})
	if err != nil {
		t.Fatal(err)
	}
	var cid sim.CallInfo
	waitFor(t, "caller 2 talks to cid's mobile", func() bool {
		var ok bool
		cid, ok = w.agentLeg("cid")
		return ok && w.sw.Sim.Hears(c2, cid.ID) && w.sw.Sim.Hears(cid.ID, c2)
	})
	if cid.Front != sim.FrontAsterisk || cid.Trunk != "carrier" || cid.Endpoint != "13900001111" || cid.Reached != "" {
		t.Fatalf("cid's mobile should be dialled from ast1 (the caller's switch) through carrier: %+v", cid)
	}
	id1, id2 := callIDOf(w, c1), callIDOf(w, c2)
	waitFor(t, "both records know who answered", func() bool {
		r1, err1 := w.st.GetCall(ctx, tenant, id1)
		r2, err2 := w.st.GetCall(ctx, tenant, id2)
		return err1 == nil && err2 == nil && r1.AgentID == "ann" && r2.AgentID == "cid"
	})

	w.stop()
	startSites(w, twoSites(t))

	time.Sleep(500 * time.Millisecond)
	for _, pair := range [][2]string{{c1, ann.ID}, {c2, cid.ID}} {
		if !live(w, pair[0]) || !live(w, pair[1]) || !w.sw.Sim.Hears(pair[0], pair[1]) || !w.sw.Sim.Hears(pair[1], pair[0]) {
			t.Fatalf("the restart disturbed the call of %s and %s", pair[0], pair[1])
		}
	}
	for agent, id := range map[string]string{"ann": id1, "cid": id2} {
		waitFor(t, agent+" is still on the call after the restart", func() bool {
			a, err := w.eng.Agent(ctx, agent)
			return err == nil && a.CallID == id
		})
	}
	if calls, _ := w.st.ListCalls(ctx, tenant, store.CallFilter{}); len(calls) != 2 {
		t.Fatalf("%d call records after the restart, want 2", len(calls))
	}
	// The agents' controls reach the re-adopted calls.
	waitFor(t, "ann's hold reaches the call", func() bool { return w.disp.Control(ctx, tenant, "ann", "hold", nil) == nil })
	waitFor(t, "caller 1 hears music", func() bool { return mustCall(w, c1).Music != "" })
	if err := w.disp.Control(ctx, tenant, "ann", "unhold", nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "caller 1 and ann talk again", func() bool { return mustCall(w, c1).Music == "" && w.sw.Sim.Hears(c1, ann.ID) })

	w.sw.Sim.HangupCall(c1)
	w.sw.Sim.HangupCall(cid.ID) // the mobile hangs up
	for caller, agent := range map[string]string{c1: "ann", c2: "cid"} {
		rec := w.record(caller, nil)
		if rec.AgentID != agent || rec.Disposition != "answered" {
			t.Errorf("record of %s: agent %q disposition %q", caller, rec.AgentID, rec.Disposition)
		}
		if got := roles(w.legs(rec.ID)); got != "caller:"+mustCall(w, caller).ANI+":answered agent:"+agent+":answered" {
			t.Errorf("legs of %s: %s", caller, got)
		}
	}
	waitFor(t, "caller 2 is hung up with the mobile", func() bool { return !live(w, c2) })
	for _, agent := range []string{"ann", "cid"} {
		waitFor(t, agent+" is free after the call", func() bool {
			a, err := w.eng.Agent(ctx, agent)
			return err == nil && a.CallID == ""
		})
	}
}

// Answer from the desktop: with sites, ann's phone (on ast1, an Asterisk)
// is judged by ast1 alone — not by fs1, from where calls reach her
// through a trunk and never could be answered remotely.
func TestSitesRemoteAnswerJudgedByThePhonesSwitch(t *testing.T) {
	t.Parallel()
	w := newSitesWorld(t)
	ctx := context.Background()
	for agent, dev := range map[string]string{"ann": "2001", "bob": "1001"} {
		if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: agent, Device: dev, NotReady: "break"}); err != nil {
			t.Fatal(err)
		}
	}
	ok, why, err := w.disp.RemoteAnswerSupport(ctx, tenant, "ann")
	if err != nil || ok || !strings.Contains(why, "ast1 (asterisk)") || strings.Contains(why, "fs1") {
		t.Fatalf("ann: %v %q %v", ok, why, err)
	}
	ok, why, err = w.disp.RemoteAnswerSupport(ctx, tenant, "bob")
	if err != nil || !ok {
		t.Fatalf("bob, whose phone is on the FreeSWITCH: %v %q %v", ok, why, err)
	}
}

// Failures through the trunk are told apart as on one switch: a busy
// phone on the far switch makes its agent not ready (the far switch
// passed the cause back), a trunk that is down is the switch's failure —
// the agent stays ready and the caller waits until the trunk is back.
func TestSitesTrunkFailures(t *testing.T) {
	t.Parallel()
	w := newSitesWorld(t)
	ctx := context.Background()
	if err := w.sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: "2005", Behavior: sim.BehaviorBusy, AnswerAfter: 50 * time.Millisecond, Front: sim.FrontAsterisk}); err != nil {
		t.Fatal(err)
	}
	if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "cid", Device: "2005"}); err != nil {
		t.Fatal(err)
	}
	caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: sim.FrontFreeSWITCH, From: "13800138021", To: "4001"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "cid, busy on ast1, is made not ready", func() bool {
		a, err := w.eng.Agent(ctx, "cid")
		return err == nil && a.State == acd.NotReady && a.Reason == acd.ReasonNoAnswer
	})
	if c, ok := w.agentLeg("cid"); !ok || c.Trunk != "to-ast1" || c.Cause != "USER_BUSY" {
		t.Fatalf("cid's leg: %+v", c)
	}

	// The trunk to ast1 goes down; ann (on ast1) is ready.
	if err := w.sw.Sim.DefineTrunk(sim.TrunkSpec{Name: "to-ast1", Behavior: sim.TrunkDown}); err != nil {
		t.Fatal(err)
	}
	if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "ann", Device: "2001"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if a, err := w.eng.Agent(ctx, "ann"); err != nil || a.State == acd.NotReady {
		t.Fatalf("ann was blamed for the trunk: %+v %v", a, err)
	}
	if _, ok := w.agentLeg("ann"); ok {
		t.Fatal("a leg to ann exists although the trunk is down")
	}
	if !live(w, caller) {
		t.Fatal("the caller was dropped")
	}
	// Back up: the caller, who waited, reaches ann.
	if err := w.sw.Sim.DefineTrunk(sim.TrunkSpec{Name: "to-ast1", Behavior: sim.TrunkUp, Peer: sim.FrontAsterisk, Prefix: "88"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the caller talks to ann once the trunk is back", func() bool {
		ann, ok := w.agentLeg("ann")
		return ok && w.sw.Sim.Hears(caller, ann.ID) && w.sw.Sim.Hears(ann.ID, caller)
	})
	w.sw.Sim.HangupCall(caller)
	rec := w.record(caller, nil)
	if rec.AgentID != "ann" || !strings.Contains(rec.AgentsOffered, "cid") {
		t.Errorf("record: agent %q offered %q", rec.AgentID, rec.AgentsOffered)
	}
}
