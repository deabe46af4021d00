package campaign_test

import (
	"context"
	"math"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/campaign"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/freeswitch/fsreal"
	"github.com/ipcc/ipcc/controller/switchtest/sipua"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
)

// The real-switch campaign test (docs/testing-real-switches.md): ipcc's
// dialer, dispatcher and controller on a real FreeSWITCH. Callees are
// reached through a sofia gateway of the server (realCarrierGateway, its
// proxy the test's carrier: a SIP user agent with one behaviour per
// number); the agent's phone is a SIP phone registered on the internal
// profile as directory user realAgentUser.
const (
	realCarrierGateway = "ipcc-camp-carrier"
	realCarrierAddr    = "127.0.0.1:5098"
	realAgentUser      = "1017"
	realAgent          = "camreal"
)

var gatewayUp = regexp.MustCompile(`(?m)^Status\s+UP`)

// realEnv is what the test needs of the server, from the environment.
type realEnv struct {
	fw          *fsreal.World
	registrar   string // host:port of the internal profile
	password    string // the directory users' password
	carrierAddr string // host:port the gateway's proxy names
	gateway     string
}

func realFreeSWITCH(t *testing.T) *realEnv {
	t.Helper()
	if os.Getenv("IPCC_TEST_FREESWITCH_CAMPAIGN") == "" {
		t.Skip("IPCC_TEST_FREESWITCH_CAMPAIGN not set: the campaign test on a real FreeSWITCH is opt-in (see docs/testing-real-switches.md)")
	}
	fw := fsreal.FromEnv(t)
	e := &realEnv{fw: fw, registrar: os.Getenv("IPCC_TEST_FREESWITCH_REGISTRAR"), carrierAddr: os.Getenv("IPCC_TEST_FREESWITCH_CARRIER"),
		gateway: os.Getenv("IPCC_TEST_FREESWITCH_CARRIER_GW")}
	if e.registrar == "" {
		host, _, err := net.SplitHostPort(os.Getenv("IPCC_TEST_FREESWITCH_ESL"))
		if err != nil {
			t.Fatalf("IPCC_TEST_FREESWITCH_ESL: %v", err)
		}
		e.registrar = net.JoinHostPort(host, "5060")
	}
	if e.carrierAddr == "" {
		e.carrierAddr = realCarrierAddr
	}
	if e.gateway == "" {
		e.gateway = realCarrierGateway
	}
	if r := fw.API(t, "sofia", "status gateway "+e.gateway); !gatewayUp.MatchString(r) {
		t.Fatalf("gateway %s is not up on the server (docs/testing-real-switches.md sets it up): %s", e.gateway, r)
	}
	e.password = fw.API(t, "global_getvar", "default_password")
	if e.password == "" || strings.HasPrefix(e.password, "-ERR") {
		t.Fatalf("the directory users' password (global_getvar default_password): %q", e.password)
	}
	return e
}

// newRealWorld is newWorld on the real switch: tenant acme, queue sales
// with agent realAgent (not logged in yet), the dialer looking for work
// every 200 ms, campaign calls through the carrier's gateway. No inbound
// call handler: calls other tests park on the same server are left alone.
func newRealWorld(t *testing.T, e *realEnv) *world {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, store.SQLite)
	if err := st.CreateTenant(ctx, &store.Tenant{ID: tenant, Name: "Acme", Timezone: "Asia/Shanghai"}); err != nil {
		t.Fatal(err)
	}
	disp := dispatch.New(dispatch.Options{Store: st, Logger: quiet, DefaultTrunk: e.gateway, RecordingDir: t.TempDir()})
	eng, err := disp.Engine(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	ctl, err := controller.New(controller.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	sw := e.fw.NewSwitch(t, "fs1")
	ctl.Add(sw)
	disp.SetDialer(ctl, "fs1")
	rctx, cancel := context.WithCancel(context.Background())
	ctlDone := make(chan struct{})
	go func() { defer close(ctlDone); _ = ctl.Run(rctx) }()
	waitFor(t, "switch connected", sw.Connected)
	if err := eng.SetQueue(ctx, acd.QueueConfig{ID: "sales", Name: "Sales", Strategy: "longest-idle", RingTimeout: acd.Duration(10 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	if err := eng.SetMembers(ctx, "sales", []acd.Member{{QueueID: "sales", AgentID: realAgent, Level: 1}}); err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, st: st, disp: disp, eng: eng}
	w.dl = campaign.New(campaign.Options{Store: st, Calls: disp, Logger: quiet, Interval: 200 * time.Millisecond})
	w.run(rctx, cancel, ctlDone)
	return w
}

// waitLong is waitFor with a deadline for real calls (rings, detection).
func waitLong(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting until %s", d, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// tone is secs seconds of a 440 Hz tone at 8 kHz: a callee talking, which
// the agent must hear once bridged.
func tone(secs float64) []int16 {
	out := make([]int16, int(secs*8000))
	for i := range out {
		out[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(i)/8000))
	}
	return out
}

// agentPhone registers realAgentUser, answering after half a second.
func (e *realEnv) agentPhone(t *testing.T) *sipua.Phone {
	t.Helper()
	p := sipua.NewPhone(t, "127.0.0.1:0", func(string) sipua.Pickup { return sipua.Pickup{Ring: 500 * time.Millisecond} })
	p.Register(t, e.registrar, realAgentUser, e.password, 2*time.Minute)
	return p
}

// carrier is the far end of the gateway, taking each number as callees
// says.
func (e *realEnv) carrier(t *testing.T, callees map[string]sipua.Pickup) *sipua.Phone {
	t.Helper()
	return sipua.NewPhone(t, e.carrierAddr, func(user string) sipua.Pickup {
		if p, ok := callees[user]; ok {
			return p
		}
		return sipua.Pickup{Refuse: "404 Not Found"}
	})
}

// hangupLeftovers hangs up what a failed run may leave of a campaign's
// calls on the server (its callee legs carry ipcc_campaign).
func (e *realEnv) hangupLeftovers(t *testing.T, camp string) {
	t.Cleanup(func() { e.fw.API(t, "hupall", "NORMAL_CLEARING ipcc_campaign "+camp) })
}

func (w *world) progress(camp string) *campaign.Progress {
	p, err := campaign.GetProgress(context.Background(), w.st, w.dl, tenant, camp)
	if err != nil {
		w.t.Fatal(err)
	}
	return p
}

// TestRealFreeSWITCHCampaign runs outbound campaigns on a real FreeSWITCH
// (IPCC_TEST_FREESWITCH_CAMPAIGN=1 with IPCC_TEST_FREESWITCH_ESL; the
// gateway and directory user of docs/testing-real-switches.md): the
// callee reached over SIP through the trunk, the agent's registered phone
// rung and bridged, busy and unanswered callees retried by the rules, and
// answering machines screened by mod_amd.
func TestRealFreeSWITCHCampaign(t *testing.T) {
	e := realFreeSWITCH(t)
	t.Run("progressive customer first", func(t *testing.T) { realProgressive(t, e) })
	t.Run("busy and no answer", func(t *testing.T) { realBusyNoAnswer(t, e) })
	t.Run("answering machine", func(t *testing.T) { realAMD(t, e) })
	t.Run("predictive answering machines", func(t *testing.T) { realPredictiveAMD(t, e) })
}

// A progressive campaign dials the callee first through the gateway,
// showing the campaign's caller ID; the callee answers, the agent's phone
// rings showing the callee's number and answers, and the two are bridged
// (the agent hears the callee). The attempt is stored answered with the
// agent and the call, the call record (outbound, the trunk, the agent)
// exists and ends when the callee hangs up.
func realProgressive(t *testing.T, e *realEnv) {
	const camp, callee = "camreal-prog", "13800000001"
	e.hangupLeftovers(t, camp)
	w := newRealWorld(t, e)
	ctx := context.Background()
	phone := e.agentPhone(t)
	carrier := e.carrier(t, map[string]sipua.Pickup{callee: {Ring: time.Second, Say: tone(6), HangupAfter: 6 * time.Second}})
	c := w.campaign(&campaign.Campaign{ID: camp, Name: "Real progressive", Type: campaign.Progressive, Settings: campaign.Settings{
		QueueID: "sales", CallerID: "02088889999", Window: allDay(), WrapUpMS: 100, RingTimeoutMS: 10000,
	}}, "name,phone\nAnn,"+callee+"\n")
	if _, err := campaign.Act(ctx, w.st, tenant, c.ID, campaign.Start); err != nil {
		t.Fatal(err)
	}
	w.login(realAgent, realAgentUser)
	waitLong(t, 30*time.Second, "the lead was called and the call ended", func() bool {
		p := w.progress(c.ID)
		return p.ByStatus[store.LeadDone] == 1 && p.InFlight == 0
	})
	lead := w.leadByPhone(c.ID, "+86"+callee)
	if lead.Status != store.LeadDone || lead.Attempts != 1 || lead.LastOutcome != "answered" {
		t.Errorf("lead %+v", lead)
	}
	at := w.attempts(c.ID, lead.ID)
	if len(at) != 1 || at[0].Outcome != "answered" || at[0].AgentID != realAgent || at[0].CallID == "" || at[0].EndedAt == nil {
		t.Fatalf("attempts %+v", at)
	}
	rec, err := w.st.GetCall(ctx, tenant, at[0].CallID)
	if err != nil {
		t.Fatalf("the call record of %s: %v", at[0].CallID, err)
	}
	t.Logf("call record: direction %s ani %s dnis %s trunk %s agent %s answered %v ended %v ring %d ms talk %d ms cause %s by %s",
		rec.Direction, rec.ANI, rec.DNIS, rec.Trunk, rec.AgentID, rec.AnsweredAt != nil, rec.EndedAt != nil, rec.RingMS, rec.TalkMS, rec.HangupCause, rec.HangupBy)
	if rec.Direction != "outbound" || rec.Trunk != e.gateway || rec.AgentID != realAgent || rec.DNIS != callee || rec.ANI != "02088889999" || rec.EndedAt == nil {
		t.Errorf("call record %+v", rec)
	}
	// Customer first: ring_ms is the agent's phone ringing for the callee;
	// the record says how the callee's leg ended and who ended it.
	if rec.RingMS <= 0 || rec.HangupCause == "" || rec.HangupBy == "" {
		t.Errorf("call record: ring %d ms, hangup %q by %q", rec.RingMS, rec.HangupCause, rec.HangupBy)
	}
	// The callee: one INVITE through the gateway, with the campaign's
	// caller ID in From.
	rings := carrier.RingsOf(callee)
	if len(rings) != 1 || !strings.Contains(rings[0].From, "02088889999") || rings[0].Call == nil {
		t.Fatalf("the callee's calls %+v", rings)
	}
	// The agent: rung once, showing the callee's number, answered and
	// hearing the callee's tone over the bridge.
	agent := phone.RingsOf(realAgentUser)
	if len(agent) != 1 || !strings.Contains(agent[0].From, callee) || agent[0].Call == nil {
		t.Fatalf("the agent's phone rang %+v", agent)
	}
	heard := agent[0].Call.Heard(agent[0].At, agent[0].At.Add(time.Minute))
	t.Logf("the agent heard %s; rang %s after the callee answered, heard the callee %s after answering",
		heard, agent[0].At.Sub(rings[0].Final).Round(time.Millisecond), agent[0].Call.FirstSound(agent[0].Final).Sub(agent[0].Final).Round(time.Millisecond))
	if heard.Loud < 25 {
		t.Errorf("the agent did not hear the callee (%s)", heard)
	}
	calls := w.eventsOf("campaign_call")
	if len(calls) != 1 || calls[0].Agent != realAgent || calls[0].Vars["campaign"] != camp || calls[0].Caller != callee || calls[0].Call != at[0].CallID {
		t.Errorf("campaign_call events %+v", calls)
	}
	// The callee hung up: the agent's leg ended too.
	select {
	case <-agent[0].Call.Ended():
	case <-time.After(5 * time.Second):
		t.Error("the agent's phone is still in the call after the callee hung up")
	}
}

// A callee whose line is busy (486 from the carrier) and one who never
// answers (rings until the campaign's ring timeout): outcomes busy and
// no_answer, each lead pending again after its rule's delay, and the
// agent's phone never rings.
func realBusyNoAnswer(t *testing.T, e *realEnv) {
	const camp, busy, silent = "camreal-fail", "13800000002", "13800000003"
	e.hangupLeftovers(t, camp)
	w := newRealWorld(t, e)
	ctx := context.Background()
	phone := e.agentPhone(t)
	carrier := e.carrier(t, map[string]sipua.Pickup{
		busy:   {Ring: 500 * time.Millisecond, Refuse: "486 Busy Here"},
		silent: {NeverAnswer: true},
	})
	const busyDelay, noAnswerDelay = 20 * time.Minute, 2 * time.Hour
	c := w.campaign(&campaign.Campaign{ID: camp, Name: "Real failures", Type: campaign.Progressive, Settings: campaign.Settings{
		QueueID: "sales", Window: allDay(), WrapUpMS: 100, RingTimeoutMS: 4000,
		Retry: map[campaign.Outcome]campaign.RetryRule{
			campaign.Busy:     {Retry: true, DelayMS: busyDelay.Milliseconds()},
			campaign.NoAnswer: {Retry: true, DelayMS: noAnswerDelay.Milliseconds()},
		},
	}}, "phone\n"+busy+"\n"+silent+"\n")
	if _, err := campaign.Act(ctx, w.st, tenant, c.ID, campaign.Start); err != nil {
		t.Fatal(err)
	}
	w.login(realAgent, realAgentUser)
	waitLong(t, 30*time.Second, "both leads were tried", func() bool {
		p := w.progress(c.ID)
		return p.Outcomes["busy"] == 1 && p.Outcomes["no_answer"] == 1 && p.InFlight == 0
	})
	for _, tc := range []struct {
		phone, outcome string
		delay          time.Duration
	}{{busy, "busy", busyDelay}, {silent, "no_answer", noAnswerDelay}} {
		l := w.leadByPhone(c.ID, "+86"+tc.phone)
		at := w.attempts(c.ID, l.ID)
		if len(at) != 1 || at[0].Outcome != tc.outcome || at[0].EndedAt == nil {
			t.Errorf("%s: attempts %+v", tc.phone, at)
			continue
		}
		if l.Status != store.LeadPending || l.LastOutcome != tc.outcome || l.Attempts != 1 || l.NextAt == nil {
			t.Errorf("%s: lead %+v", tc.phone, l)
			continue
		}
		// The rule's delay counts from the attempt's end.
		if d := l.NextAt.Sub(*at[0].EndedAt); d < tc.delay-5*time.Second || d > tc.delay+5*time.Second {
			t.Errorf("%s: next try %s after the attempt ended, want %s", tc.phone, d, tc.delay)
		}
		t.Logf("%s: %s (reason %q) %s after the attempt started, next try in %s", tc.phone, tc.outcome, at[0].Reason, at[0].EndedAt.Sub(at[0].StartedAt).Round(time.Millisecond), l.NextAt.Sub(*at[0].EndedAt).Round(time.Second))
		if r := carrier.RingsOf(tc.phone); len(r) == 1 && !r[0].Final.IsZero() {
			t.Logf("%s: the INVITE was final (%v cancelled) %s after it arrived; attempt started %s before it, ended %s after",
				tc.phone, r[0].Cancelled, r[0].Final.Sub(r[0].At).Round(time.Millisecond), r[0].At.Sub(at[0].StartedAt).Round(time.Millisecond), at[0].EndedAt.Sub(r[0].Final).Round(time.Millisecond))
		}
	}
	if r := carrier.RingsOf(silent); len(r) != 1 || !r[0].Cancelled {
		t.Errorf("the unanswered callee's INVITE was not cancelled: %+v", r)
	} else if rang := r[0].Final.Sub(r[0].At); rang < 4*time.Second || rang > 5200*time.Millisecond {
		// FreeSWITCH counts originate_timeout in whole seconds and gave
		// up 0-1 s early before the driver asked for a second more.
		t.Errorf("the unanswered callee rang %s, want at least the campaign's 4 s (and at most a second more)", rang)
	}
	if r := carrier.RingsOf(busy); len(r) != 1 || r[0].Call != nil {
		t.Errorf("the busy callee's calls %+v", r)
	}
	if r := phone.Rings(); len(r) != 0 {
		t.Errorf("the agent's phone rang %d times", len(r))
	}
	if calls := w.eventsOf("campaign_call"); len(calls) != 0 {
		t.Errorf("campaign_call events %+v", calls)
	}
}

// With answering-machine detection (mod_amd), a callee whose answering
// machine plays a voicemail greeting is hung up on (outcome machine,
// retried after the machine rule's delay, the call recorded with
// disposition machine) without the agent's phone ringing; a callee who
// says "Hello?" goes to the agent.
func realAMD(t *testing.T, e *realEnv) {
	greeting, hello := amdSounds(t, e, "machine-en.wav"), amdSounds(t, e, "human-en.wav")
	const camp, machine, person = "camreal-amd", "13800000061", "13800000062"
	e.hangupLeftovers(t, camp)
	w := newRealWorld(t, e)
	ctx := context.Background()
	phone := e.agentPhone(t)
	carrier := e.carrier(t, map[string]sipua.Pickup{
		machine: {Ring: 500 * time.Millisecond, Say: greeting, HangupAfter: 20 * time.Second},
		person:  {Ring: 500 * time.Millisecond, Say: hello, HangupAfter: 8 * time.Second},
	})
	c := w.campaign(&campaign.Campaign{ID: camp, Name: "Real AMD", Type: campaign.Progressive, Settings: campaign.Settings{
		QueueID: "sales", Window: allDay(), WrapUpMS: 100, RingTimeoutMS: 10000, AMD: &campaign.AMDSettings{},
	}}, "phone\n"+machine+"\n"+person+"\n")
	if _, err := campaign.Act(ctx, w.st, tenant, c.ID, campaign.Start); err != nil {
		t.Fatal(err)
	}
	w.login(realAgent, realAgentUser)
	waitLong(t, 60*time.Second, "both leads were tried", func() bool {
		p := w.progress(c.ID)
		return p.Outcomes["machine"] == 1 && p.Outcomes["answered"] == 1 && p.InFlight == 0
	})
	m := w.leadByPhone(c.ID, "+86"+machine)
	at := w.attempts(c.ID, m.ID)
	if len(at) != 1 || at[0].Outcome != "machine" || at[0].CallID == "" || at[0].EndedAt == nil {
		t.Fatalf("machine attempts %+v", at)
	}
	if m.Status != store.LeadPending || m.LastOutcome != "machine" || m.NextAt == nil {
		t.Errorf("machine lead %+v", m)
	} else if d := m.NextAt.Sub(*at[0].EndedAt); d < 4*time.Hour-5*time.Second || d > 4*time.Hour+5*time.Second {
		t.Errorf("machine lead: next try %s after the attempt, want the default 4h", d)
	}
	rec, err := w.st.GetCall(ctx, tenant, at[0].CallID)
	if err != nil || rec.Disposition != "machine" || rec.Direction != "outbound" {
		t.Errorf("machine call record %+v %v", rec, err)
	}
	mr := carrier.RingsOf(machine)
	if len(mr) != 1 || mr[0].Call == nil {
		t.Fatalf("the machine's calls %+v", mr)
	}
	select {
	case <-mr[0].Call.Ended():
	case <-time.After(5 * time.Second):
		t.Error("ipcc did not hang up on the machine")
	}
	t.Logf("machine: attempt %s from dial to end (ring 0.5 s); hung up by %s with %s", at[0].EndedAt.Sub(at[0].StartedAt).Round(time.Millisecond), rec.HangupBy, rec.HangupCause)
	if rec.HangupBy != "controller" || rec.HangupCause == "" || rec.RingMS != 0 {
		t.Errorf("machine call record: hangup %q by %q, ring %d ms (want ipcc's hang-up, no agent ring)", rec.HangupCause, rec.HangupBy, rec.RingMS)
	}
	p := w.leadByPhone(c.ID, "+86"+person)
	pat := w.attempts(c.ID, p.ID)
	if p.Status != store.LeadDone || p.LastOutcome != "answered" || len(pat) != 1 || pat[0].AgentID != realAgent {
		t.Errorf("person lead %+v attempts %+v", p, pat)
	}
	agent := phone.RingsOf(realAgentUser)
	if len(agent) != 1 || !strings.Contains(agent[0].From, person) {
		t.Fatalf("the agent's phone rang %+v, want once, for the person", agent)
	}
	pr := carrier.RingsOf(person)
	if len(pr) == 1 {
		t.Logf("person: the agent rang %s after the callee answered", agent[0].At.Sub(pr[0].Final).Round(time.Millisecond))
	}
	for _, ev := range w.eventsOf("campaign_call") {
		if ev.Caller == machine {
			t.Errorf("the desktop was told of the machine: %+v", ev)
		}
	}
}

// amdSounds reads one of the greetings of docs/testing-real-switches.md
// (IPCC_TEST_AMD_SOUNDS, default the kit's folder); the test skips
// without them or without mod_amd on the server.
func amdSounds(t *testing.T, e *realEnv, name string) []int16 {
	t.Helper()
	if r := e.fw.API(t, "module_exists", "mod_amd"); r != "true" {
		t.Skipf("mod_amd is not loaded on the server (module_exists: %q; docs/testing-real-switches.md)", r)
	}
	dir := os.Getenv("IPCC_TEST_AMD_SOUNDS")
	if dir == "" {
		dir = "/opt/ipcc-switches/freeswitch/share/freeswitch/sounds/ipcc-amd"
	}
	b, err := sipua.ReadWAV(filepath.Join(dir, name))
	if err != nil {
		t.Skipf("the greetings of docs/testing-real-switches.md (IPCC_TEST_AMD_SOUNDS): %v", err)
	}
	return b
}

// A predictive campaign with detection dials three callees at once for
// its one agent: two answering machines (English and Mandarin greetings)
// are hung up on and never reach the agent nor count as abandoned; the
// person ("喂？") goes to the agent.
func realPredictiveAMD(t *testing.T, e *realEnv) {
	en, zh, hello := amdSounds(t, e, "machine-en.wav"), amdSounds(t, e, "machine-zh.wav"), amdSounds(t, e, "human-zh.wav")
	const camp, m1, m2, person = "camreal-pamd", "13800000071", "13800000072", "13800000073"
	e.hangupLeftovers(t, camp)
	w := newRealWorld(t, e)
	ctx := context.Background()
	phone := e.agentPhone(t)
	carrier := e.carrier(t, map[string]sipua.Pickup{
		m1:     {Ring: 500 * time.Millisecond, Say: en, HangupAfter: 20 * time.Second},
		m2:     {Ring: 700 * time.Millisecond, Say: zh, HangupAfter: 20 * time.Second},
		person: {Ring: 900 * time.Millisecond, Say: hello, HangupAfter: 8 * time.Second},
	})
	c := w.campaign(&campaign.Campaign{ID: camp, Name: "Real predictive AMD", Type: campaign.Predictive, Settings: campaign.Settings{
		QueueID: "sales", Window: allDay(), WrapUpMS: 100, RingTimeoutMS: 10000, Compliance: "custom", ConnectMS: 5000, AbandonCapPct: 10,
		MinLinesPerAgent: 3, AMD: &campaign.AMDSettings{},
	}}, "phone\n"+m1+"\n"+m2+"\n"+person+"\n")
	if _, err := campaign.Act(ctx, w.st, tenant, c.ID, campaign.Start); err != nil {
		t.Fatal(err)
	}
	w.login(realAgent, realAgentUser)
	waitLong(t, 60*time.Second, "every lead was called", func() bool {
		p := w.progress(c.ID)
		return p.Outcomes["machine"]+p.Outcomes["answered"]+p.Outcomes["abandoned"] == 3 && p.InFlight == 0
	})
	p := w.progress(c.ID)
	t.Logf("outcomes %v", p.Outcomes)
	if p.Outcomes["machine"] != 2 || p.Outcomes["answered"] != 1 || p.Outcomes["abandoned"] != 0 {
		t.Errorf("outcomes %v, want 2 machines and 1 answered", p.Outcomes)
	}
	for _, n := range []string{m1, m2} {
		if l := w.leadByPhone(c.ID, "+86"+n); l.LastOutcome != "machine" || l.Status != store.LeadPending {
			t.Errorf("machine %s: lead %+v", n, l)
		}
	}
	if l := w.leadByPhone(c.ID, "+86"+person); l.LastOutcome != "answered" || l.Status != store.LeadDone {
		t.Errorf("person: lead %+v", l)
	}
	agent := phone.RingsOf(realAgentUser)
	if len(agent) != 1 || !strings.Contains(agent[0].From, person) {
		t.Errorf("the agent's phone rang %+v, want once, for the person", agent)
	}
	// The three were dialled together (predictive), not one after another.
	var first, last time.Time
	for _, n := range []string{m1, m2, person} {
		r := carrier.RingsOf(n)
		if len(r) != 1 {
			t.Fatalf("%s was called %d times", n, len(r))
		}
		if first.IsZero() || r[0].At.Before(first) {
			first = r[0].At
		}
		if r[0].At.After(last) {
			last = r[0].At
		}
	}
	t.Logf("the three INVITEs within %s", last.Sub(first).Round(time.Millisecond))
	if last.Sub(first) > 2*time.Second {
		t.Errorf("the callees were dialled %s apart, want together", last.Sub(first))
	}
}
