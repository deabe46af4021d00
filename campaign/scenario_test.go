package campaign_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/acd"
	"github.com/ipcc/ipcc/campaign"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/controller/switchtest"
	"github.com/ipcc/ipcc/dispatch"
	"github.com/ipcc/ipcc/inbound"
	"github.com/ipcc/ipcc/schedule"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
	"github.com/ipcc/ipcc/tts"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

const tenant = "acme"

var fronts = []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk}

// world: tenant acme (Asia/Shanghai), queue "sales" with agents bob (phone
// 2002) and carol (phone 2003), both answering; outbound trunk gw-out; a
// dialer looking for work every 50 ms.
type world struct {
	t    *testing.T
	st   *store.Store
	sw   *switchtest.SimWorld
	disp *dispatch.Dispatcher
	eng  *acd.Engine
	dl   *campaign.Dialer

	mu     sync.Mutex
	events []dispatch.Event
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func newWorld(t *testing.T, front sim.Front, hooks ...campaign.Events) *world {
	t.Helper()
	return newWorldWith(t, front, func(_ *store.Store, _ *dispatch.Dispatcher, o *campaign.Options) {
		if len(hooks) > 0 {
			o.Events = hooks[0]
		}
	})
}

// newWorldWith is newWorld with configure completing the wiring (the
// dialer's options, the dispatcher's outbound routing).
func newWorldWith(t *testing.T, front sim.Front, configure func(st *store.Store, disp *dispatch.Dispatcher, o *campaign.Options)) *world {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, store.SQLite)
	if err := st.CreateTenant(ctx, &store.Tenant{ID: tenant, Name: "Acme", Timezone: "Asia/Shanghai"}); err != nil {
		t.Fatal(err)
	}
	sw := switchtest.NewSimWorld(t, front)
	for _, n := range []string{"2002", "2003"} {
		if err := sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: n, Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	disp := dispatch.New(dispatch.Options{Store: st, Logger: quiet, DefaultTrunk: "gw-out", RecordingDir: filepath.Dir(sw.RecordingPath("x"))})
	eng, err := disp.Engine(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	cache, _ := tts.NewCache(t.TempDir(), tts.Silent{}, tts.CacheOptions{})
	h, err := inbound.New(inbound.Options{Store: st, Logger: quiet, Queues: disp, Agents: disp})
	if err != nil {
		t.Fatal(err)
	}
	ctl, err := controller.New(controller.Options{Logger: quiet, TTS: cache, Handler: h.Handle})
	if err != nil {
		t.Fatal(err)
	}
	sw1 := sw.NewSwitch(t, "sw1")
	ctl.Add(sw1)
	disp.SetDialer(ctl, "sw1")
	rctx, cancel := context.WithCancel(context.Background())
	ctlDone := make(chan struct{})
	go func() { defer close(ctlDone); _ = ctl.Run(rctx) }()
	waitFor(t, "switch connected", sw1.Connected)
	if err := eng.SetQueue(ctx, acd.QueueConfig{ID: "sales", Name: "Sales", Strategy: "longest-idle", RingTimeout: acd.Duration(time.Second)}); err != nil {
		t.Fatal(err)
	}
	if err := eng.SetMembers(ctx, "sales", []acd.Member{{QueueID: "sales", AgentID: "bob", Level: 1}, {QueueID: "sales", AgentID: "carol", Level: 1}}); err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, st: st, sw: sw, disp: disp, eng: eng}
	o := campaign.Options{Store: st, Calls: disp, Logger: quiet, Interval: 50 * time.Millisecond}
	configure(st, disp, &o)
	w.dl = campaign.New(o)
	w.run(rctx, cancel, ctlDone)
	return w
}

// run records the dispatcher's events and runs the dialer until the test
// ends; cleanup stops the dialer, then the controller (ctlDone), then the
// dispatcher.
func (w *world) run(rctx context.Context, cancel context.CancelFunc, ctlDone <-chan struct{}) {
	events, unsub := w.disp.Subscribe(256)
	evDone := make(chan struct{})
	go func() {
		defer close(evDone)
		for ev := range events {
			w.mu.Lock()
			w.events = append(w.events, ev)
			w.mu.Unlock()
		}
	}()
	dlDone := make(chan struct{})
	go func() { defer close(dlDone); _ = w.dl.Run(rctx) }()
	w.t.Cleanup(func() {
		cancel()
		<-dlDone
		<-ctlDone
		w.disp.Close()
		unsub()
		<-evDone
	})
}

func (w *world) eventsOf(typ string) []dispatch.Event {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []dispatch.Event
	for _, ev := range w.events {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}

// customers defines the callees' phones.
func (w *world) customers(specs ...sim.EndpointSpec) {
	for _, s := range specs {
		if err := w.sw.Sim.DefineEndpoint(s); err != nil {
			w.t.Fatal(err)
		}
	}
}

func (w *world) legOf(number string) *sim.CallInfo {
	for _, c := range w.sw.Sim.Calls() {
		if c.Endpoint == number && !c.Inbound {
			return &c
		}
	}
	return nil
}

func allDay() *schedule.Schedule {
	s := &schedule.Schedule{Name: "always", Timezone: "Asia/Shanghai", Weekly: map[string][]string{}}
	for _, d := range schedule.Weekdays {
		s.Weekly[d] = []string{"00:00-24:00"}
	}
	return s
}

func (w *world) campaign(c *campaign.Campaign, csv string) *campaign.Campaign {
	w.t.Helper()
	ctx := context.Background()
	c.TenantID = tenant
	if err := campaign.Create(ctx, w.st, c); err != nil {
		w.t.Fatal(err)
	}
	if _, err := campaign.Import(ctx, w.st, c, strings.NewReader(csv), campaign.ImportOptions{Strict: true}); err != nil {
		w.t.Fatal(err)
	}
	return c
}

func (w *world) login(agent, phone string) {
	w.t.Helper()
	ctx := context.Background()
	if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: agent, Device: phone}); err != nil {
		w.t.Fatal(err)
	}
	if err := w.eng.Ready(ctx, agent); err != nil {
		w.t.Fatal(err)
	}
}

func (w *world) leadByPhone(camp, phone string) store.Lead {
	w.t.Helper()
	leads, err := w.st.ListLeads(context.Background(), tenant, camp, store.LeadFilter{})
	if err != nil {
		w.t.Fatal(err)
	}
	for _, l := range leads {
		if l.Phone == phone {
			return l
		}
	}
	w.t.Fatalf("no lead %s", phone)
	return store.Lead{}
}

func (w *world) attempts(camp string, lead int64) []store.CampaignAttempt {
	list, err := w.st.ListAttempts(context.Background(), tenant, camp, store.AttemptFilter{LeadID: lead})
	if err != nil {
		w.t.Fatal(err)
	}
	return list
}

// A progressive campaign calls one lead per free agent, presents the
// campaign's caller ID, connects the agent, and moves each lead by its
// outcome: answered → done, busy → retried after the busy delay,
// rejected → exhausted (the campaign does not retry rejections).
func TestScenarioProgressiveCampaign(t *testing.T) {
	t.Parallel()
	for _, f := range fronts {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			w.customers(
				sim.EndpointSpec{Number: "13800000001", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond, HangupAfter: 400 * time.Millisecond},
				sim.EndpointSpec{Number: "13800000002", Behavior: sim.BehaviorBusy, AnswerAfter: 50 * time.Millisecond},
				sim.EndpointSpec{Number: "13800000003", Behavior: sim.BehaviorReject, AnswerAfter: 50 * time.Millisecond},
			)
			c := w.campaign(&campaign.Campaign{ID: "spring", Name: "Spring", Type: campaign.Progressive, Settings: campaign.Settings{
				QueueID: "sales", CallerID: "02088889999", Window: allDay(), WrapUpMS: 100, RingTimeoutMS: 3000,
				Retry: map[campaign.Outcome]campaign.RetryRule{campaign.Busy: {Retry: true, DelayMS: 3600000}, campaign.Rejected: {Retry: false}},
			}}, "name,phone\nAnn,13800000001\nBen,13800000002\nCid,13800000003\n")
			if _, err := campaign.Act(ctx, w.st, tenant, c.ID, campaign.Start); err != nil {
				t.Fatal(err)
			}
			w.login("bob", "2002")
			waitFor(t, "every lead was tried", func() bool {
				p, err := campaign.GetProgress(ctx, w.st, w.dl, tenant, c.ID)
				return err == nil && p.ByStatus[store.LeadPending]+p.ByStatus[store.LeadDone]+p.ByStatus[store.LeadExhausted] == 3 &&
					p.ByStatus[store.LeadPending] == 1 && p.InFlight == 0
			})
			ann := w.leadByPhone(c.ID, "+8613800000001")
			if ann.Status != store.LeadDone || ann.Attempts != 1 || ann.LastOutcome != "answered" {
				t.Errorf("answered lead %+v", ann)
			}
			at := w.attempts(c.ID, ann.ID)
			if len(at) != 1 || at[0].Outcome != "answered" || at[0].AgentID != "bob" || at[0].CallID == "" || at[0].EndedAt == nil {
				t.Fatalf("attempts of the answered lead %+v", at)
			}
			rec, err := w.st.GetCall(ctx, tenant, at[0].CallID)
			if err != nil || rec.Direction != "outbound" || rec.Trunk != "gw-out" || rec.AgentID != "bob" || rec.DNIS != "13800000001" {
				t.Errorf("call record %+v %v", rec, err)
			}
			if leg := w.legOf("13800000001"); leg == nil || leg.ANI != "02088889999" {
				t.Errorf("the callee saw %+v", leg)
			}
			ben := w.leadByPhone(c.ID, "+8613800000002")
			if ben.Status != store.LeadPending || ben.LastOutcome != "busy" || ben.NextAt == nil || time.Until(*ben.NextAt) < 50*time.Minute {
				t.Errorf("busy lead %+v", ben)
			}
			cid := w.leadByPhone(c.ID, "+8613800000003")
			if cid.Status != store.LeadExhausted || cid.LastOutcome != "rejected" {
				t.Errorf("rejected lead %+v", cid)
			}
			// Customer first: bob's phone rang only for the callee who
			// answered, showing their number (this campaign does not mask).
			calls := w.eventsOf("campaign_call")
			if len(calls) != 1 || calls[0].Agent != "bob" || calls[0].Vars["campaign"] != "spring" || calls[0].Caller != "13800000001" || calls[0].Call != at[0].CallID {
				t.Errorf("campaign_call events %+v", calls)
			}
			if ended := w.eventsOf("campaign_call_ended"); len(ended) != 3 {
				t.Errorf("campaign_call_ended events %+v", ended)
			}
			agentLegs := 0
			for _, c := range w.sw.Sim.Calls() {
				if c.Endpoint == "2002" {
					agentLegs++
					if c.ANI != "13800000001" {
						t.Errorf("bob's phone showed %q", c.ANI)
					}
				}
			}
			if agentLegs != 1 {
				t.Errorf("bob's phone rang %d times", agentLegs)
			}
			// Pausing stops new calls; the agent stays free.
			if _, err := campaign.Act(ctx, w.st, tenant, c.ID, campaign.Pause); err != nil {
				t.Fatal(err)
			}
			if _, err := campaign.Act(ctx, w.st, tenant, c.ID, campaign.Pause); err == nil {
				t.Error("a paused campaign paused again")
			}
		})
	}
}

// Leads on a do-not-call list (platform, tenant, campaign suppression) are
// never called and each skip is recorded with its list; a lead outside the
// calling window (today is a holiday in the callee's zone) is deferred to
// when the window opens, also recorded.
func TestScenarioDNCAndWindowClosed(t *testing.T) {
	t.Parallel()
	for _, f := range fronts {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			today := time.Now().In(mustZone(t, "Asia/Shanghai")).Format(time.DateOnly)
			win := allDay()
			win.Holidays = []schedule.DateRange{{Name: "Company day", From: today}}
			c := w.campaign(&campaign.Campaign{ID: "autumn", Name: "Autumn", Type: campaign.Progressive, Settings: campaign.Settings{
				QueueID: "sales", Window: win}}, "phone\n13800000011\n13800000012\n13800000013\n13800000014\n")
			must := func(_ int, err error) {
				if err != nil {
					t.Fatal(err)
				}
			}
			must(w.st.AddDNC(ctx, store.DNCPlatformTenant, store.DNCTenantScope, []string{"+8613800000011"}, "regulator"))
			must(w.st.AddDNC(ctx, tenant, store.DNCTenantScope, []string{"+8613800000012"}, "asked not to be called"))
			must(w.st.AddDNC(ctx, tenant, c.ID, []string{"+8613800000013"}, "existing customer"))
			if _, err := campaign.Act(ctx, w.st, tenant, c.ID, campaign.Start); err != nil {
				t.Fatal(err)
			}
			w.login("bob", "2002")
			waitFor(t, "every lead was looked at", func() bool {
				p, _ := campaign.GetProgress(ctx, w.st, w.dl, tenant, c.ID)
				return p.ByStatus[store.LeadDNC] == 3 && p.Outcomes["skip:deferred"] == 1
			})
			for phone, want := range map[string]string{
				"+8613800000011": "on the platform's do-not-call list (regulator)",
				"+8613800000012": "on the tenant's do-not-call list (asked not to be called)",
				"+8613800000013": "on the campaign's suppression list (existing customer)",
			} {
				l := w.leadByPhone(c.ID, phone)
				at := w.attempts(c.ID, l.ID)
				if l.Status != store.LeadDNC || len(at) != 1 || at[0].Kind != store.AttemptSkip || at[0].Reason != want {
					t.Errorf("%s: %+v %+v", phone, l, at)
				}
			}
			l := w.leadByPhone(c.ID, "+8613800000014")
			at := w.attempts(c.ID, l.ID)
			if l.Status != store.LeadPending || l.NextAt == nil || !l.NextAt.After(time.Now()) || len(at) != 1 || !strings.Contains(at[0].Reason, "holiday (Company day)") {
				t.Errorf("window: %+v %+v", l, at)
			}
			for _, c := range w.sw.Sim.Calls() {
				if strings.HasPrefix(c.Endpoint, "138") {
					t.Errorf("a barred or closed-window number was called: %+v", c)
				}
			}
			if a, _ := w.eng.Agent(ctx, "bob"); a.State != acd.Available {
				t.Errorf("bob %s", a.State)
			}
		})
	}
}

func mustZone(t *testing.T, name string) *time.Location {
	z, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// Preview with masked numbers: the agent sees 138****0001 (API and
// events), skips a lead with a reason, dials the next by its id — their
// phone shows the campaign, never the number — and enters a disposition
// with script answers that are stored with the attempt.
func TestScenarioPreviewMaskedDialAndSkip(t *testing.T) {
	t.Parallel()
	for _, f := range fronts {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			w.customers(sim.EndpointSpec{Number: "13800000002", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond, HangupAfter: 300 * time.Millisecond})
			c := w.campaign(&campaign.Campaign{ID: "survey", Name: "Survey", Type: campaign.Preview, Settings: campaign.Settings{
				QueueID: "sales", MaskNumbers: true, Window: allDay(),
				Dispositions: []campaign.Disposition{{Code: "sale", Final: true}, {Code: "later", RetryMS: 86400000}},
				Script:       []campaign.Question{{ID: "interest", Text: "Interested?", Kind: "choice", Options: []string{"yes", "no"}, Required: true}},
			}}, "name,phone,city\nAnn,13800000001,Shenzhen\nBen,13800000002,Beijing\n")
			w.login("bob", "2002")
			if _, err := w.dl.Preview(ctx, tenant, "bob", c.ID); err == nil {
				t.Fatal("a draft campaign gave a lead")
			}
			if _, err := campaign.Act(ctx, w.st, tenant, c.ID, campaign.Start); err != nil {
				t.Fatal(err)
			}
			if _, err := w.dl.Preview(ctx, tenant, "dave", c.ID); err == nil {
				t.Fatal("an agent outside the queue got a lead")
			}
			v, err := w.dl.Preview(ctx, tenant, "bob", c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if v.Phone != "138****0001" || !v.Masked || v.Name != "Ann" || v.Fields["city"] != "Shenzhen" || len(v.Script) != 1 {
				t.Fatalf("preview %+v", v)
			}
			again, _ := w.dl.Preview(ctx, tenant, "bob", c.ID)
			if again == nil || again.LeadID != v.LeadID {
				t.Fatalf("asking again gave another lead: %+v", again)
			}
			if _, err := w.dl.Dial(ctx, tenant, "carol", v.LeadID); err == nil {
				t.Fatal("carol dialled bob's lead")
			}
			if err := w.dl.Skip(ctx, tenant, "bob", v.LeadID, "wrong person", true, 0); err != nil {
				t.Fatal(err)
			}
			ann := w.leadByPhone(c.ID, "+8613800000001")
			if at := w.attempts(c.ID, ann.ID); ann.Status != store.LeadSkipped || len(at) != 1 || at[0].Reason != "agent: wrong person" || at[0].AgentID != "bob" {
				t.Fatalf("skipped lead %+v %+v", ann, at)
			}
			v, err = w.dl.Preview(ctx, tenant, "bob", c.ID)
			if err != nil || v.Phone != "138****0002" {
				t.Fatalf("next preview %+v %v", v, err)
			}
			res, err := w.dl.Dial(ctx, tenant, "bob", v.LeadID)
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the attempt is answered and over", func() bool {
				a, _ := w.st.GetAttempt(ctx, tenant, res.AttemptID)
				return a != nil && a.Outcome == "answered" && a.EndedAt != nil
			})
			if leg := w.legOf("2002"); leg == nil || strings.Contains(leg.ANI, "13800000002") || leg.ANI != "Survey" {
				t.Errorf("bob's phone showed %+v", leg)
			}
			if _, err := w.dl.Dispose(ctx, tenant, "bob", res.AttemptID, campaign.DispositionInput{Code: "sale"}); err == nil {
				t.Error("a required answer was missing and accepted")
			}
			a, err := w.dl.Dispose(ctx, tenant, "bob", res.AttemptID, campaign.DispositionInput{Code: "later", Answers: map[string]any{"interest": "yes"}, Note: "call after lunch"})
			if err != nil {
				t.Fatal(err)
			}
			if a.Disposition != "later" || a.Answers != `{"interest":"yes"}` || a.Note != "call after lunch" {
				t.Errorf("attempt %+v", a)
			}
			ben := w.leadByPhone(c.ID, "+8613800000002")
			if ben.Status != store.LeadPending || ben.Disposition != "later" || ben.NextAt == nil || time.Until(*ben.NextAt) < 23*time.Hour {
				t.Errorf("lead after 'later' %+v", ben)
			}
			// Nothing the agent was told carries the numbers.
			w.mu.Lock()
			defer w.mu.Unlock()
			for _, ev := range w.events {
				b, _ := json.Marshal(ev)
				if strings.Contains(string(b), "13800000001") || strings.Contains(string(b), "13800000002") {
					t.Errorf("event with a number: %s", b)
				}
			}
		})
	}
}

// Customer first, an agent whose phone does not answer leaves the callee
// abandoned (hung up, the attempt counted, retried per the rule); with
// agent_first the agent's phone rings before the callee's, as in preview.
func TestScenarioProgressiveAbandonedAndAgentFirst(t *testing.T) {
	t.Parallel()
	for _, f := range fronts {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			if err := w.sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: "2009", Behavior: sim.BehaviorRing}); err != nil {
				t.Fatal(err)
			}
			w.customers(
				sim.EndpointSpec{Number: "13800000021", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond},
				sim.EndpointSpec{Number: "13800000022", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond, HangupAfter: 300 * time.Millisecond},
			)
			abandon := w.campaign(&campaign.Campaign{ID: "abandon", Name: "Abandon", Type: campaign.Progressive, Settings: campaign.Settings{
				QueueID: "sales", Window: allDay(), AgentRingTimeoutMS: 300}}, "phone\n13800000021\n")
			if _, err := campaign.Act(ctx, w.st, tenant, abandon.ID, campaign.Start); err != nil {
				t.Fatal(err)
			}
			w.login("carol", "2009") // her phone never answers
			waitFor(t, "the callee is abandoned", func() bool {
				l := w.leadByPhone(abandon.ID, "+8613800000021")
				return l.LastOutcome == "abandoned"
			})
			l := w.leadByPhone(abandon.ID, "+8613800000021")
			if l.Status != store.LeadPending || l.Attempts != 1 || l.NextAt == nil || time.Until(*l.NextAt) < 50*time.Minute {
				t.Errorf("abandoned lead %+v", l)
			}
			waitFor(t, "the callee was hung up on", func() bool {
				leg := w.legOf("13800000021")
				return leg == nil || leg.State == "gone"
			})
			if leg := w.legOf("13800000021"); leg != nil && len(leg.Heard) == 0 {
				t.Errorf("the abandoned callee heard no message: %+v", leg)
			}
			// The record: carol's phone rang its 300 ms for the callee,
			// then ipcc hung up on the callee.
			if at := w.attempts(abandon.ID, l.ID); len(at) != 1 || at[0].CallID == "" {
				t.Errorf("abandoned attempts %+v", at)
			} else if rec, err := w.st.GetCall(ctx, tenant, at[0].CallID); err != nil || rec.Disposition != "abandoned" ||
				rec.RingMS < 250 || rec.RingMS > 3000 || rec.HangupBy != "controller" || rec.HangupCause != "NORMAL_CLEARING" {
				t.Errorf("abandoned call record: disposition %q ring %d ms hangup %q by %q (%v)", rec.Disposition, rec.RingMS, rec.HangupCause, rec.HangupBy, err)
			} else if rec.AgentID != "" || rec.AgentsOffered != `["carol"]` || rec.TalkMS != 0 {
				// carol never talked: the record lists her as offered (her
				// phone rang), as an inbound call she missed would, and
				// names no agent; no talk (the callee heard the message).
				t.Errorf("abandoned call record: agent %q offered %s talk %d ms", rec.AgentID, rec.AgentsOffered, rec.TalkMS)
			}
			if _, err := campaign.Act(ctx, w.st, tenant, abandon.ID, campaign.Stop); err != nil {
				t.Fatal(err)
			}
			if err := w.eng.Logout(ctx, "carol"); err != nil {
				t.Fatal(err)
			}

			first := w.campaign(&campaign.Campaign{ID: "first", Name: "First", Type: campaign.Progressive, Settings: campaign.Settings{
				QueueID: "sales", Window: allDay(), AgentFirst: true, MaskNumbers: true}}, "phone\n13800000022\n")
			if _, err := campaign.Act(ctx, w.st, tenant, first.ID, campaign.Start); err != nil {
				t.Fatal(err)
			}
			w.login("bob", "2002")
			waitFor(t, "the agent-first call is answered and over", func() bool {
				l := w.leadByPhone(first.ID, "+8613800000022")
				return l.Status == store.LeadDone
			})
			bob, cust := w.legOf("2002"), w.legOf("13800000022")
			if bob == nil || cust == nil || bob.ANI != "First" {
				t.Fatalf("legs %+v %+v", bob, cust)
			}
			if ev := w.eventsOf("campaign_call"); len(ev) != 2 || ev[0].Agent != "carol" || ev[1].Agent != "bob" || ev[1].Caller != "138****0022" {
				t.Errorf("campaign_call %+v", ev)
			}
			// The end is published after the lead is moved.
			waitFor(t, "both campaign calls' ends are published", func() bool { return len(w.eventsOf("campaign_call_ended")) >= 2 })
			if ev := w.eventsOf("campaign_call_ended"); len(ev) != 2 || ev[0].Reason != "abandoned" || ev[1].Reason != "answered" {
				t.Errorf("campaign_call_ended %+v", ev)
			}
		})
	}
}

// A predictive campaign dials above 1:1 with no agent reserved: the first
// callee who answers gets the free agent; callees who answer when no agent
// is free within the connect time hear the compliance message and are
// hung up on (abandoned, counted by the pacer, retried later). Every
// pacing decision is kept with its inputs.
func TestScenarioPredictiveAbandonMessage(t *testing.T) {
	t.Parallel()
	for _, f := range fronts {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			var csv strings.Builder
			csv.WriteString("phone\n")
			for i := range 6 {
				n := fmt.Sprintf("1380000004%d", i)
				w.customers(sim.EndpointSpec{Number: n, Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond, HangupAfter: 1500 * time.Millisecond})
				csv.WriteString(n + "\n")
			}
			c := w.campaign(&campaign.Campaign{ID: "pred", Name: "Pred", Type: campaign.Predictive, Settings: campaign.Settings{
				QueueID: "sales", Window: allDay(), WrapUpMS: 100, Compliance: "custom", ConnectMS: 300, AbandonCapPct: 10, MinLinesPerAgent: 3,
				AbandonMessage: &campaign.Message{Text: "Sorry, we will call you back.", Lang: "en"}}}, csv.String())
			if _, err := campaign.Act(ctx, w.st, tenant, c.ID, campaign.Start); err != nil {
				t.Fatal(err)
			}
			// bob's phone rings 400 ms before he answers (ring_ms below).
			w.customers(sim.EndpointSpec{Number: "2002", Behavior: sim.BehaviorAnswer, AnswerAfter: 400 * time.Millisecond})
			w.login("bob", "2002")
			waitFor(t, "an answered call and an abandoned one", func() bool {
				p, err := campaign.GetProgress(ctx, w.st, w.dl, tenant, c.ID)
				return err == nil && p.Outcomes["answered"] >= 1 && p.Outcomes["abandoned"] >= 1
			})
			if _, err := campaign.Act(ctx, w.st, tenant, c.ID, campaign.Pause); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "no call in flight", func() bool { return w.dl.InFlight(tenant, c.ID) == 0 })
			list, err := w.st.ListAttempts(ctx, tenant, c.ID, store.AttemptFilter{Kind: store.AttemptCall})
			if err != nil {
				t.Fatal(err)
			}
			heard := 0
			for _, a := range list {
				l, err := w.st.GetLead(ctx, tenant, a.LeadID)
				if err != nil {
					t.Fatal(err)
				}
				leg := w.legOf(strings.TrimPrefix(l.Phone, "+86"))
				switch a.Outcome {
				case "answered":
					if a.AgentID != "bob" || a.CallID == "" {
						t.Errorf("answered attempt %+v", a)
					}
					// Customer first: ring_ms is bob's phone ringing (it
					// answers after 400 ms) for the callee who answered.
					if rec, err := w.st.GetCall(ctx, tenant, a.CallID); err != nil || rec.RingMS < 300 || rec.RingMS > 3000 || rec.HangupBy == "" || rec.HangupCause == "" {
						t.Errorf("answered call record: ring %d ms hangup %q by %q (%v)", rec.RingMS, rec.HangupCause, rec.HangupBy, err)
					}
					if rec, err := w.st.GetCall(ctx, tenant, a.CallID); err != nil || rec.AgentID != "bob" || rec.AgentsOffered != `["bob"]` {
						t.Errorf("answered call record: agent %q offered %s (%v)", rec.AgentID, rec.AgentsOffered, err)
					}
				case "abandoned":
					if a.AgentID != "" || l.Status != store.LeadPending || l.NextAt == nil || time.Until(*l.NextAt) < 50*time.Minute {
						t.Errorf("abandoned attempt %+v lead %+v", a, l)
					}
					// No agent rang; ipcc hung up after the message, or the
					// callee (after 1.5 s) while it played.
					if rec, err := w.st.GetCall(ctx, tenant, a.CallID); err != nil || rec.Disposition != "abandoned" || rec.RingMS != 0 ||
						(rec.HangupBy != "controller" && rec.HangupBy != "remote") || rec.HangupCause == "" {
						t.Errorf("abandoned call record: disposition %q ring %d ms hangup %q by %q (%v)", rec.Disposition, rec.RingMS, rec.HangupCause, rec.HangupBy, err)
					} else if rec.AgentID != "" || rec.AgentsOffered != "[]" {
						t.Errorf("abandoned call record: agent %q offered %s (no agent rang)", rec.AgentID, rec.AgentsOffered)
					}
					if leg != nil && len(leg.Heard) > 0 {
						heard++
					}
				}
			}
			if heard == 0 {
				t.Errorf("no abandoned callee heard the message: %+v", list)
			}
			ex := w.dl.Pacer(tenant, c.ID).Explain(0)
			if len(ex) == 0 || ex[0].CapPct != 10 {
				t.Fatalf("pacing decisions %+v", ex)
			}
			dialled := 0
			for _, d := range ex {
				dialled += d.Dial
			}
			if dialled < 2 {
				t.Errorf("the pacer dialled %d calls for one agent: not above 1:1", dialled)
			}
		})
	}
}

// An IVR broadcast plays its message to each callee and collects one key:
// 9 puts the number on the tenant's do-not-call list (the lead becomes
// dnc), 1 transfers the callee to the queue where an agent takes them, a
// callee who presses nothing just hears the message.
func TestScenarioIVRBroadcast(t *testing.T) {
	t.Parallel()
	for _, f := range fronts {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			// The keys are pressed 1 s after the answer and the broadcast
			// waits 2 s for a key after its message: a key pressed before the
			// message starts is not collected, and under -race on a loaded CPU
			// the message once started more than 200 ms after the answer.
			w.customers(
				sim.EndpointSpec{Number: "13800000051", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond, Press: []sim.Press{{After: time.Second, Digits: "9"}}},
				sim.EndpointSpec{Number: "13800000052", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond, HangupAfter: 5 * time.Second, Press: []sim.Press{{After: time.Second, Digits: "1"}}},
				sim.EndpointSpec{Number: "13800000053", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond},
			)
			c := w.campaign(&campaign.Campaign{ID: "notice", Name: "Notice", Type: campaign.IVRBroadcast, Settings: campaign.Settings{
				QueueID: "sales", Window: allDay(), Broadcast: &campaign.BroadcastSettings{
					Message: campaign.Message{Text: "您的账单已出，按1转人工，按9退订。", Lang: "zh-CN"}, WaitMS: 2000,
					Keys: map[string]string{"1": "queue", "9": "optout"}}}}, "phone\n13800000051\n13800000052\n13800000053\n")
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
			w.login("bob", "2002")
			if _, err := campaign.Act(ctx, w.st, tenant, c.ID, campaign.Start); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "every lead was called", func() bool {
				p, err := campaign.GetProgress(ctx, w.st, w.dl, tenant, c.ID)
				return err == nil && p.Outcomes["answered"] == 3 && p.InFlight == 0
			})
			out := w.leadByPhone(c.ID, "+8613800000051")
			if out.Status != store.LeadDNC || out.Disposition != "key:9" {
				t.Errorf("opted-out lead %+v", out)
			}
			if e, err := w.st.MatchDNC(ctx, tenant, c.ID, "+8613800000051"); err != nil || e == nil || !strings.Contains(e.Reason, "opt-out") {
				t.Errorf("do-not-call entry %+v %v", e, err)
			}
			tr := w.leadByPhone(c.ID, "+8613800000052")
			at := w.attempts(c.ID, tr.ID)
			if tr.Status != store.LeadDone || tr.Disposition != "key:1" || len(at) != 1 || at[0].Reason != "queue" {
				t.Errorf("transferred lead %+v %+v", tr, at)
			}
			if rec, err := w.st.GetCall(ctx, tenant, at[0].CallID); err != nil || rec.AgentID != "bob" {
				t.Errorf("transferred call record %+v %v", rec, err)
			}
			quiet := w.leadByPhone(c.ID, "+8613800000053")
			if quiet.Status != store.LeadDone || quiet.Disposition != "" {
				t.Errorf("lead without a key %+v", quiet)
			}
			for _, n := range []string{"13800000051", "13800000052", "13800000053"} {
				if leg := w.legOf(n); leg == nil || len(leg.Heard) == 0 {
					t.Errorf("%s heard nothing: %+v", n, leg)
				}
			}
		})
	}
}

// A predictive callee put through to an agent whose phone does not answer
// is abandoned: the record lists the agent as offered (a missed offer in
// the agent reports) and names no agent, as customer-first calls do.
func TestScenarioPredictiveAgentMissesCallee(t *testing.T) {
	t.Parallel()
	for _, f := range fronts {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			if err := w.sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: "2009", Behavior: sim.BehaviorRing}); err != nil {
				t.Fatal(err)
			}
			w.customers(sim.EndpointSpec{Number: "13800000051", Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond})
			c := w.campaign(&campaign.Campaign{ID: "pmiss", Name: "PMiss", Type: campaign.Predictive, Settings: campaign.Settings{
				QueueID: "sales", Window: allDay(), Compliance: "custom", ConnectMS: 300, AbandonCapPct: 10, MinLinesPerAgent: 1, AgentRingTimeoutMS: 300,
				AbandonMessage: &campaign.Message{Text: "Sorry, we will call you back.", Lang: "en"}}}, "phone\n13800000051\n")
			if _, err := campaign.Act(ctx, w.st, tenant, c.ID, campaign.Start); err != nil {
				t.Fatal(err)
			}
			w.login("carol", "2009") // her phone never answers
			waitFor(t, "the callee is abandoned", func() bool {
				return w.leadByPhone(c.ID, "+8613800000051").LastOutcome == "abandoned"
			})
			if _, err := campaign.Act(ctx, w.st, tenant, c.ID, campaign.Pause); err != nil {
				t.Fatal(err)
			}
			l := w.leadByPhone(c.ID, "+8613800000051")
			at := w.attempts(c.ID, l.ID)
			if len(at) != 1 || at[0].CallID == "" {
				t.Fatalf("attempts %+v", at)
			}
			var rec *store.CallRecord
			waitFor(t, "the call record is complete", func() bool {
				r, err := w.st.GetCall(ctx, tenant, at[0].CallID)
				rec = r
				return err == nil && r.EndedAt != nil
			})
			if rec.Disposition != "abandoned" || rec.RingMS < 250 || rec.AgentID != "" || rec.AgentsOffered != `["carol"]` || rec.TalkMS != 0 {
				t.Errorf("abandoned call record: disposition %q ring %d ms agent %q offered %s talk %d ms", rec.Disposition, rec.RingMS, rec.AgentID, rec.AgentsOffered, rec.TalkMS)
			}
		})
	}
}
