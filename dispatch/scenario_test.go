package dispatch_test

import (
	"context"
	"io"
	"log/slog"
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
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
	"github.com/ipcc/ipcc/tts"
)

const tenant = "acme"

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type world struct {
	t    *testing.T
	st   *store.Store
	sw   *switchtest.SimWorld
	opts []func(*dispatch.Options)
	// wrap, when set, stands between the controller and the switch (a
	// test's faults).
	wrap func(controller.Switch) controller.Switch
	disp *dispatch.Dispatcher
	eng  *acd.Engine
	ctl  *controller.Controller
	h    *inbound.Handler
	stop func() // stops the controller, as a restart of ipcc would
	// inbound, when set, completes the inbound handler's options (an
	// Admission of the tenants' quotas).
	inbound func(st *store.Store, o *inbound.Options)
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

// newWorld: DID 4001 goes straight to queue "support" (longest-idle, ring
// timeout 1s, position announcements every 300ms, agent whisper and agent
// ID on); agents "ann" (phone 2001, never answers) and "bob" (phone 2002).
// opts adjust the dispatcher's options.
func newWorld(t *testing.T, front sim.Front, opts ...func(*dispatch.Options)) *world {
	t.Helper()
	return newWrappedWorld(t, front, nil, opts...)
}

// newWrappedWorld is newWorld with wrap between the controller and the
// driver (nil: none).
func newWrappedWorld(t *testing.T, front sim.Front, wrap func(controller.Switch) controller.Switch, opts ...func(*dispatch.Options)) *world {
	t.Helper()
	return buildWorld(t, front, wrap, nil, opts...)
}

// buildWorld is newWrappedWorld with in completing the inbound handler's
// options (nil: nothing).
func buildWorld(t *testing.T, front sim.Front, wrap func(controller.Switch) controller.Switch, in func(*store.Store, *inbound.Options), opts ...func(*dispatch.Options)) *world {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, store.SQLite)
	if err := st.CreateTenant(ctx, &store.Tenant{ID: tenant, Name: "Acme", Timezone: "Asia/Shanghai"}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateRoute(ctx, tenant, &dialplan.Route{Name: "Support", DID: "4001", Enabled: true, Default: &dialplan.Target{Kind: dialplan.KindQueue, Ref: "support"}}); err != nil {
		t.Fatal(err)
	}
	sw := switchtest.NewSimWorld(t, front)
	for n, b := range map[string]string{"2001": sim.BehaviorRing, "2002": sim.BehaviorAnswer} {
		if err := sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: n, Behavior: b, AnswerAfter: 100 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	w := &world{t: t, st: st, sw: sw, opts: opts, wrap: wrap, inbound: in}
	w.start()
	q := acd.QueueConfig{ID: "support", Name: "Support", Strategy: "longest-idle", RingTimeout: acd.Duration(time.Second), WrapUp: acd.Duration(time.Second),
		Announcements: acd.Announcements{Lang: "en", Position: true, PositionInterval: acd.Duration(5 * time.Second), AgentWhisper: true, AgentID: true}}
	if err := w.eng.SetQueue(ctx, q); err != nil {
		t.Fatal(err)
	}
	if err := w.eng.SetMembers(ctx, "support", []acd.Member{{QueueID: "support", AgentID: "ann", Level: 1}, {QueueID: "support", AgentID: "bob", Level: 1}}); err != nil {
		t.Fatal(err)
	}
	return w
}

// start runs a dispatcher, an inbound handler and a controller against the
// world's simulator and store (again, after stop: a restarted ipcc).
func (w *world) start() {
	t := w.t
	t.Helper()
	ctx := context.Background()
	o := dispatch.Options{Store: w.st, Logger: quiet, RecordingDir: filepath.Dir(w.sw.RecordingPath("x"))}
	for _, f := range w.opts {
		f(&o)
	}
	disp := dispatch.New(o)
	eng, err := disp.Engine(ctx, tenant)
	if err != nil {
		t.Fatal(err)
	}
	cache, _ := tts.NewCache(t.TempDir(), tts.Silent{}, tts.CacheOptions{})
	io := inbound.Options{Store: w.st, Logger: quiet, Queues: disp, Agents: disp, Outbound: disp.Outbound()}
	if w.inbound != nil {
		w.inbound(w.st, &io)
	}
	h, err := inbound.New(io)
	if err != nil {
		t.Fatal(err)
	}
	ctl, err := controller.New(controller.Options{Logger: quiet, TTS: cache, Handler: h.Handle})
	if err != nil {
		t.Fatal(err)
	}
	sw1 := w.sw.NewSwitch(t, "sw1")
	if w.wrap != nil {
		sw1 = w.wrap(sw1)
	}
	ctl.Add(sw1)
	rctx, cancel := context.WithCancel(context.Background())
	watched := h.WatchSwitches(rctx, ctl)
	done := make(chan struct{})
	// Holds the switch reports are published (as serve does).
	holds, unsubscribe := ctl.Subscribe(controller.EventHold, controller.EventUnhold)
	holdsDone := make(chan struct{})
	go func() { defer close(holdsDone); defer unsubscribe(); disp.FollowHolds(rctx, holds) }()
	go func() { defer close(done); _ = ctl.Run(rctx) }()
	var once sync.Once
	w.stop = func() {
		once.Do(func() {
			cancel()
			<-done
			<-watched
			<-holdsDone
			disp.Close()
		})
	}
	t.Cleanup(w.stop)
	waitFor(t, "switch connected", sw1.Connected)
	w.disp, w.eng, w.ctl, w.h = disp, eng, ctl, h
}

func (w *world) heard(leg, want string) bool {
	ci, err := w.sw.Sim.Call(leg)
	if err != nil {
		return false
	}
	for _, h := range ci.Heard {
		if strings.Contains(h.Text, want) || strings.Contains(h.Value, want) {
			return true
		}
	}
	return false
}

// legOf finds the leg that rang phone number.
func (w *world) legOf(number string) string {
	for _, c := range w.sw.Sim.Calls() {
		if c.Endpoint == number && !c.Inbound {
			return c.ID
		}
	}
	return ""
}

func TestScenarioQueueToAgent(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			// The caller waits: nobody is available yet.
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "ann", Device: "2001", WorkNumber: "8001", NotReady: "break"}); err != nil {
				t.Fatal(err)
			}
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2002", WorkNumber: "8002", NotReady: "break"}); err != nil {
				t.Fatal(err)
			}
			caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138000", To: "4001"})
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the caller hears their position", func() bool { return w.heard(caller, "number 1") || w.heard(caller, "position") })

			// Ann goes ready first (longest idle), rings, does not answer: she
			// is set not-ready (no-answer) and the call goes to Bob.
			if err := w.eng.Ready(ctx, "ann"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "ann's phone rings", func() bool { return w.legOf("2001") != "" })
			if err := w.eng.Ready(ctx, "bob"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "ann is not ready for no-answer", func() bool {
				a, err := w.eng.Agent(ctx, "ann")
				return err == nil && a.Reason == acd.ReasonNoAnswer
			})
			waitFor(t, "the caller is connected to bob", func() bool {
				bob := w.legOf("2002")
				return bob != "" && w.sw.Sim.Hears(caller, bob) && w.sw.Sim.Hears(bob, caller)
			})
			bob := w.legOf("2002")
			if !w.heard(bob, "Support") {
				t.Errorf("bob did not hear the queue name: %+v", mustCall(w, bob).Heard)
			}
			waitFor(t, "the caller hears bob's work number", func() bool { return w.heard(caller, "8002") })
			a, _ := w.eng.Agent(ctx, "bob")
			if a.State.String() != "on-call" && a.State.String() != "on_call" {
				t.Errorf("bob is %s", a.State)
			}
			// They talk, the caller hangs up; bob wraps up.
			if err := w.sw.Sim.HangupCall(caller); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "bob is in wrap-up or back", func() bool {
				a, err := w.eng.Agent(ctx, "bob")
				return err == nil && a.CallID == "" && a.CallsToday == 1
			})
			waitFor(t, "the call record names bob", func() bool {
				calls, _ := w.st.ListCalls(ctx, tenant, store.CallFilter{})
				return len(calls) == 1 && calls[0].AgentID == "bob" && calls[0].Disposition == "answered" && calls[0].EndedAt != nil
			})
			calls, _ := w.st.ListCalls(ctx, tenant, store.CallFilter{})
			if c := calls[0]; c.WaitMS < 1000 || c.RingMS <= 0 || c.TalkMS <= 0 {
				t.Fatalf("durations: wait %d ms, ring %d ms, talk %d ms", c.WaitMS, c.RingMS, c.TalkMS)
			}
		})
	}
}

func mustCall(w *world, id string) sim.CallInfo {
	c, _ := w.sw.Sim.Call(id)
	return c
}

// When the agent hangs up first, the caller is sent to the queue's survey
// flow and the rating is stored with the call and the agent.
func TestScenarioSurveyAfterAgentHangsUp(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			doc := `{"id":"rate","start":"s","language":"en","nodes":[
			 {"id":"s","type":"survey","prompt":[{"tts":"Please rate our service: 1 very satisfied, 2 satisfied, 3 dissatisfied."}],
			  "choices":{"1":"very satisfied","2":"satisfied","3":"dissatisfied"},"thank_you":[{"tts":"Thank you."}],"next":"bye"},
			 {"id":"bye","type":"hangup"}]}`
			if err := w.st.CreateFlow(ctx, &store.Flow{TenantID: tenant, ID: "rate", Name: "Rate", Draft: doc}); err != nil {
				t.Fatal(err)
			}
			if _, err := w.st.PublishFlow(ctx, tenant, "rate", doc, "test"); err != nil {
				t.Fatal(err)
			}
			q := acd.QueueConfig{ID: "support", Name: "Support", Strategy: "longest-idle", RingTimeout: acd.Duration(5 * time.Second), SurveyFlow: "rate"}
			row, err := acd.QueueRow(tenant, q)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.st.CreateACDQueue(ctx, row); err != nil {
				t.Fatal(err)
			}
			if err := w.st.PutACDMember(ctx, &store.ACDMember{TenantID: tenant, QueueID: "support", AgentID: "cid", Level: 1}); err != nil {
				t.Fatal(err)
			}
			if err := w.eng.ReloadConfig(ctx); err != nil {
				t.Fatal(err)
			}
			// Cid's phone answers and hangs up half a second later.
			if err := w.sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: "2003", Behavior: sim.BehaviorAnswer, AnswerAfter: 100 * time.Millisecond, HangupAfter: 500 * time.Millisecond}); err != nil {
				t.Fatal(err)
			}
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "cid", Device: "2003"}); err != nil {
				t.Fatal(err)
			}
			caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138009", To: "4001", Press: []sim.Press{{After: 2500 * time.Millisecond, Digits: "1"}}})
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the rating is stored", func() bool {
				rs, _ := w.st.ListSurveyResults(ctx, tenant, time.Time{}, time.Now().Add(time.Hour))
				return len(rs) == 1 && rs[0].Score == 1 && rs[0].AgentID == "cid" && rs[0].Queue == "support"
			})
			waitFor(t, "the caller heard the survey and the thanks", func() bool {
				return w.heard(caller, "Please rate our service") && w.heard(caller, "Thank you")
			})
			waitFor(t, "the record keeps the agent and says answered", func() bool {
				calls, _ := w.st.ListCalls(ctx, tenant, store.CallFilter{})
				return len(calls) == 1 && calls[0].AgentID == "cid" && calls[0].Disposition == "answered" && calls[0].EndedAt != nil &&
					calls[0].SurveyScore != nil && *calls[0].SurveyScore == 1 && strings.Contains(calls[0].IVRPath, "rate/s")
			})
		})
	}
}

// A route with sticky routing sends a returning caller straight to the
// agent who served them last, when that agent is free.
func TestScenarioStickyAgent(t *testing.T) {
	t.Parallel()
	for _, f := range []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk} {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f)
			ctx := context.Background()
			routes, _ := w.st.ListRoutes(ctx, tenant)
			r := routes[0]
			r.Sticky.Enabled, r.Sticky.Days = true, 7
			if err := w.st.UpdateRoute(ctx, tenant, &r); err != nil {
				t.Fatal(err)
			}
			// Bob served this caller yesterday.
			yesterday := time.Now().Add(-24 * time.Hour)
			ended := yesterday.Add(time.Minute)
			if err := w.st.SaveCall(ctx, &store.CallRecord{TenantID: tenant, ID: "old-call", ANI: "13800138077", DNIS: "4001", StartedAt: yesterday, EndedAt: &ended, AgentID: "bob", Disposition: "answered"}); err != nil {
				t.Fatal(err)
			}
			if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2002"}); err != nil {
				t.Fatal(err)
			}
			caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: "13800138077", To: "4001"})
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, "the caller is connected straight to bob", func() bool {
				bob := w.legOf("2002")
				return bob != "" && w.sw.Sim.Hears(caller, bob)
			})
			w.sw.Sim.HangupCall(caller)
			waitFor(t, "the record shows the sticky route", func() bool {
				c, err := w.st.GetCall(ctx, tenant, callIDOf(w, caller))
				return err == nil && c.EndedAt != nil && c.Target == "agent:bob" && strings.Contains(c.Trace, "sticky")
			})
		})
	}
}

func callIDOf(w *world, leg string) string {
	calls, _ := w.st.ListCalls(context.Background(), tenant, store.CallFilter{})
	for _, c := range calls {
		if c.Leg == leg {
			return c.ID
		}
	}
	return ""
}

// talkToBob logs bob in on phone 2002 and places a call from ani to 4001
// that the queue connects to him; it returns the caller's and bob's legs.
func (w *world) talkToBob(f sim.Front, ani string) (caller, bob string) {
	w.t.Helper()
	ctx := context.Background()
	if err := w.eng.Login(ctx, acd.LoginRequest{AgentID: "bob", Device: "2002"}); err != nil {
		w.t.Fatal(err)
	}
	caller, err := w.sw.Sim.PlaceCall(sim.CallSpec{Front: f, From: ani, To: "4001"})
	if err != nil {
		w.t.Fatal(err)
	}
	waitFor(w.t, "caller and bob talk", func() bool {
		bob = w.legOf("2002")
		return bob != "" && w.sw.Sim.Hears(caller, bob) && w.sw.Sim.Hears(bob, caller)
	})
	return caller, bob
}
