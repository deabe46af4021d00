package inbound_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/clock"
	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/controller/switchtest"
	"github.com/ipcc/ipcc/dialplan"
	"github.com/ipcc/ipcc/egress"
	"github.com/ipcc/ipcc/inbound"
	"github.com/ipcc/ipcc/ivrflows"
	"github.com/ipcc/ipcc/schedule"
	"github.com/ipcc/ipcc/store"
	"github.com/ipcc/ipcc/store/storetest"
	"github.com/ipcc/ipcc/tts"
)

const tenant = "acme"

// atClock is the real clock with "now" moved to a chosen instant, so
// schedules see business hours or a holiday while timers run for real.
type atClock struct {
	clock.Clock
	base, start time.Time
}

func (c atClock) Now() time.Time { return c.base.Add(time.Since(c.start)) }

type world struct {
	t     *testing.T
	st    *store.Store
	w     *switchtest.SimWorld
	ctl   *controller.Controller
	calls chan *controller.Call
	vmDir string
	mu    sync.Mutex
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// flows used by the scenarios. The main menu: 1 → sales phone 2001,
// 2 → support phone 2002, 3 → account lookup over http, *7 shortcut →
// the VIP desk 2007; invalid keys hear the invalid prompt; after the retries
// the fallback says goodbye.
const mainFlow = `{"id":"main","start":"welcome","language":"en",
 "shortcuts":{"*7":"vip"},
 "nodes":[
  {"id":"welcome","type":"play","prompt":[{"file":"ivr/welcome.wav"}],"next":"menu"},
  {"id":"menu","type":"menu","prompt":[{"tts":"Press 1 for sales, 2 for support, 3 for your balance."}],
   "options":{"1":"sales","2":"support","3":"account"},"timeout":"3s","retries":2,
   "timeout_prompt":[{"tts":"We did not hear you."}],"invalid_prompt":[{"tts":"That is not a valid choice."}],"fallback":"bye"},
  {"id":"sales","type":"transfer","kind":"extension","target":"2001"},
  {"id":"support","type":"transfer","kind":"extension","target":"2002"},
  {"id":"vip","type":"transfer","kind":"extension","target":"2007"},
  {"id":"account","type":"collect","prompt":[{"tts":"Enter your account number and press hash."}],"min":4,"max":8,"variable":"acct","timeout":"5s","next":"lookup","fallback":"bye"},
  {"id":"lookup","type":"http","method":"GET","url":"BASEURL/balance?acct=${acct}","response":{"balance":"data.balance"},"next":"check","error":"bye"},
  {"id":"check","type":"branch","conditions":[{"if":"balance > 100","next":"rich"}],"else":"poor"},
  {"id":"rich","type":"play","prompt":[{"tts":"Your balance is ${balance}. Thank you."}],"next":"survey"},
  {"id":"poor","type":"play","prompt":[{"tts":"Your balance is low."}],"next":"survey"},
  {"id":"survey","type":"survey","prompt":[{"tts":"Rate us: 1 very satisfied, 2 satisfied, 3 dissatisfied."}],
   "choices":{"1":"very satisfied","2":"satisfied","3":"dissatisfied"},"thank_you":[{"tts":"Thank you for your rating."}],"next":"bye"},
  {"id":"bye","type":"hangup","prompt":[{"tts":"Goodbye."}]}
 ]}`

func newWorld(t *testing.T, front sim.Front, now time.Time, balanceURL string) *world {
	t.Helper()
	return newWorldOn(t, store.SQLite, front, now, balanceURL)
}

// newWorldOn is newWorld on a database of the dialect; extra changes the
// inbound handler's options.
func newWorldOn(t *testing.T, d store.Dialect, front sim.Front, now time.Time, balanceURL string, extra ...func(*store.Store, *inbound.Options)) *world {
	t.Helper()
	return newWorldWith(t, d, front, now, balanceURL, func(o *inbound.Options, st *store.Store) {
		for _, f := range extra {
			f(st, o)
		}
	})
}

// newWorldWith is newWorldOn with extra handler options (observers, lookup).
func newWorldWith(t *testing.T, d store.Dialect, front sim.Front, now time.Time, balanceURL string, extra func(*inbound.Options, *store.Store)) *world {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t, d)
	if err := st.CreateTenant(ctx, &store.Tenant{ID: tenant, Name: "Acme", Timezone: "Asia/Shanghai"}); err != nil {
		t.Fatal(err)
	}
	// Business hours 09:00-18:00 on weekdays; National Day is a holiday.
	sc := &schedule.Schedule{ID: "hours", Name: "Hours", Timezone: "Asia/Shanghai",
		Weekly:   map[string][]string{"monday": {"09:00-18:00"}, "tuesday": {"09:00-18:00"}, "wednesday": {"09:00-18:00"}, "thursday": {"09:00-18:00"}, "friday": {"09:00-18:00"}},
		Holidays: []schedule.DateRange{{Name: "National Day", From: "2026-10-01", To: "2026-10-07"}}}
	if err := st.CreateSchedule(ctx, tenant, sc); err != nil {
		t.Fatal(err)
	}
	vm := &dialplan.Target{Kind: dialplan.KindVoicemail, Ref: "after-hours"}
	route := &dialplan.Route{Name: "Hotline", DID: "4001", Enabled: true, ScheduleID: sc.ID,
		Branches: dialplan.BranchTargets{Open: &dialplan.Target{Kind: dialplan.KindFlow, Ref: "main"}, Closed: vm, Holiday: vm, Lunch: vm}}
	if err := st.CreateRoute(ctx, tenant, route); err != nil {
		t.Fatal(err)
	}
	if err := st.PutRoutingSettings(ctx, tenant, &dialplan.Settings{DefaultLanguage: "en", BlacklistPrompts: map[string]string{"en": "The number you dialed does not exist"}}); err != nil {
		t.Fatal(err)
	}
	if err := st.AddBlacklist(ctx, tenant, &dialplan.BlacklistEntry{Number: "1390000", Kind: dialplan.Prefix, Reason: "spam"}); err != nil {
		t.Fatal(err)
	}
	doc := strings.ReplaceAll(mainFlow, "BASEURL", balanceURL)
	f, err := ivrflows.ParseJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if errs := ivrflows.Validate(f); len(errs) > 0 {
		t.Fatalf("test flow invalid: %v", errs)
	}
	if err := st.CreateFlow(ctx, &store.Flow{TenantID: tenant, ID: "main", Name: "Main", Draft: doc}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.PublishFlow(ctx, tenant, "main", doc, "test"); err != nil {
		t.Fatal(err)
	}

	sw := switchtest.NewSimWorld(t, front)
	for _, n := range []string{"2001", "2002", "2007"} {
		if err := sw.Sim.DefineEndpoint(sim.EndpointSpec{Number: n, Behavior: sim.BehaviorAnswer, AnswerAfter: 50 * time.Millisecond}); err != nil {
			t.Fatal(err)
		}
	}
	cache, err := tts.NewCache(t.TempDir(), tts.Silent{}, tts.CacheOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, st: st, w: sw, calls: make(chan *controller.Call, 8), vmDir: filepath.Join(t.TempDir(), "vm")}
	os.MkdirAll(w.vmDir, 0o755)
	// The flows' CRM is an httptest server: loopback is allowed explicitly.
	loopback, err := egress.New([]string{"127.0.0.0/8", "::1/128"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	hopt := inbound.Options{Store: st, Logger: quiet, Clock: atClock{Clock: clock.Real(), base: now, start: time.Now()}, VoicemailDir: w.vmDir,
		HTTP: loopback.Client(0)}
	if extra != nil {
		extra(&hopt, st)
	}
	h, err := inbound.New(hopt)
	if err != nil {
		t.Fatal(err)
	}
	ctl, err := controller.New(controller.Options{Logger: quiet, TTS: cache, Handler: func(ctx context.Context, c *controller.Call) {
		w.calls <- c
		h.Handle(ctx, c)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := ctl.Add(sw.NewSwitch(t, "sw1")); err != nil {
		t.Fatal(err)
	}
	w.ctl = ctl
	rctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = ctl.Run(rctx) }()
	t.Cleanup(func() { cancel(); <-done })
	sw1, _ := ctl.Switch("sw1")
	waitFor(t, "switch connected", sw1.Connected)
	return w
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

// dial places a call with a script of key presses (after answer).
func (w *world) dial(ani string, presses ...sim.Press) string {
	w.t.Helper()
	id, err := w.w.Sim.PlaceCall(sim.CallSpec{Front: w.w.Front, From: ani, To: "4001", Press: presses})
	if err != nil {
		w.t.Fatal(err)
	}
	return id
}

func (w *world) info(leg string) sim.CallInfo {
	ci, _ := w.w.Sim.Call(leg)
	return ci
}

func (w *world) heard(leg, want string) bool {
	for _, h := range w.info(leg).Heard {
		if strings.Contains(h.Value, want) || strings.Contains(h.Text, want) {
			return true
		}
	}
	return false
}

// bridgedTo tells which phone number the caller's leg is bridged with.
func (w *world) bridgedTo(leg string) string {
	ci := w.info(leg)
	for _, other := range ci.BridgedWith {
		if o, err := w.w.Sim.Call(other); err == nil && o.Endpoint != "" {
			return o.Endpoint
		}
	}
	return ""
}

func (w *world) record(callLeg string) *store.CallRecord {
	w.t.Helper()
	var rec *store.CallRecord
	defer func() {
		if rec == nil {
			for _, c := range w.ctl.Calls() {
				for _, e := range c.Trace() {
					w.t.Logf("trace %s: %s %s", c.ID(), e.Kind, e.Detail)
				}
			}
			w.t.Logf("sim: %+v", w.info(callLeg))
		}
	}()
	waitFor(w.t, "the call record is complete", func() bool {
		calls, _ := w.st.ListCalls(context.Background(), tenant, store.CallFilter{})
		for i := range calls {
			if calls[i].Leg == callLeg && calls[i].EndedAt != nil {
				rec = &calls[i]
				return true
			}
		}
		return false
	})
	return rec
}

var fronts = []sim.Front{sim.FrontFreeSWITCH, sim.FrontAsterisk}

// A Wednesday at 10:00 in Shanghai: open.
var openTime = time.Date(2026, 11, 25, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

func TestScenarioMenuReachesTarget(t *testing.T) {
	t.Parallel()
	for _, f := range fronts {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f, openTime, "http://127.0.0.1:1")
			leg := w.dial("13800138000", sim.Press{After: 300 * time.Millisecond, Digits: "2"})
			waitFor(t, "the caller is connected to support (2002)", func() bool { return w.bridgedTo(leg) == "2002" })
			if !w.heard(leg, "welcome") || !w.heard(leg, "Press 1 for sales") {
				t.Fatalf("caller heard %+v", w.info(leg).Heard)
			}
			if err := w.w.Sim.HangupCall(leg); err != nil {
				t.Fatal(err)
			}
			rec := w.record(leg)
			if rec.Disposition != "answered" || rec.FlowID != "main" || rec.Target != "extension:2002" || rec.RouteID == "" {
				t.Fatalf("record %+v", rec)
			}
			if !strings.Contains(rec.Trace, "menu") {
				t.Fatalf("trace does not show the menu: %s", rec.Trace)
			}
		})
	}
}

func TestScenarioInvalidKeyThenFallback(t *testing.T) {
	t.Parallel()
	for _, f := range fronts {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f, openTime, "http://127.0.0.1:1")
			leg := w.dial("13800138001", sim.Press{After: 300 * time.Millisecond, Digits: "8"}, sim.Press{After: 1500 * time.Millisecond, Digits: "9"})
			rec := w.record(leg)
			if !w.heard(leg, "That is not a valid choice") || !w.heard(leg, "Goodbye") {
				t.Fatalf("caller heard %+v", w.info(leg).Heard)
			}
			if w.bridgedTo(leg) != "" || rec.Disposition != "ivr_completed" {
				t.Fatalf("record %+v", rec)
			}
		})
	}
}

func TestScenarioShortcut(t *testing.T) {
	t.Parallel()
	for _, f := range fronts {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f, openTime, "http://127.0.0.1:1")
			// Pressed again 2 s later, as a caller does when nothing
			// happens: keys pressed before the menu's collection starts
			// (late on a loaded machine) are not collected.
			leg := w.dial("13800138002", sim.Press{After: 300 * time.Millisecond, Digits: "*7"}, sim.Press{After: 2 * time.Second, Digits: "*7"})
			waitFor(t, "the shortcut reaches the VIP desk (2007)", func() bool { return w.bridgedTo(leg) == "2007" })
			w.w.Sim.HangupCall(leg)
			w.record(leg)
		})
	}
}

func TestScenarioBlacklistedCaller(t *testing.T) {
	t.Parallel()
	for _, f := range fronts {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f, openTime, "http://127.0.0.1:1")
			leg := w.dial("13900001234")
			rec := w.record(leg)
			if rec.Disposition != "blacklisted" || rec.HangupCause != string(controller.CauseCallRejected) {
				t.Fatalf("record %+v", rec)
			}
			if !w.heard(leg, "The number you dialed does not exist") || w.heard(leg, "welcome") {
				t.Fatalf("caller heard %+v", w.info(leg).Heard)
			}
		})
	}
}

func TestScenarioAfterHoursVoicemail(t *testing.T) {
	t.Parallel()
	for _, f := range fronts {
		t.Run(string(f), func(t *testing.T) {
			// 21:00 on a Wednesday: closed.
			w := newWorld(t, f, time.Date(2026, 11, 25, 21, 0, 0, 0, time.FixedZone("CST", 8*3600)), "http://127.0.0.1:1")
			leg := w.dial("13800138003", sim.Press{After: 1500 * time.Millisecond, Digits: "#"})
			rec := w.record(leg)
			if rec.Disposition != "voicemail" {
				t.Fatalf("record %+v", rec)
			}
			msgs, err := w.st.ListVoicemail(context.Background(), tenant, "after-hours")
			if err != nil || len(msgs) != 1 || msgs[0].Caller != "13800138003" {
				t.Fatalf("voicemail %+v %v", msgs, err)
			}
			if !w.heard(leg, "leave a message") {
				t.Fatalf("caller heard %+v", w.info(leg).Heard)
			}
		})
	}
}

func TestScenarioHTTPLookupBranchAndSurvey(t *testing.T) {
	t.Parallel()
	backend := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("acct") != "123456" {
			http.Error(rw, "unknown account", 404)
			return
		}
		rw.Header().Set("Content-Type", "application/json")
		io.WriteString(rw, `{"data":{"balance":250}}`)
	}))
	defer backend.Close()
	for _, f := range fronts {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f, openTime, backend.URL)
			leg := w.dial("13800138004",
				sim.Press{After: 300 * time.Millisecond, Digits: "3"},
				sim.Press{After: 2000 * time.Millisecond, Digits: "123456#"},
				sim.Press{After: 4000 * time.Millisecond, Digits: "1"})
			rec := w.record(leg)
			if !w.heard(leg, "Your balance is 250") {
				t.Fatalf("caller heard %+v", w.info(leg).Heard)
			}
			rs, err := w.st.ListSurveyResults(context.Background(), tenant, time.Time{}, time.Now().AddDate(1, 0, 0))
			if err != nil || len(rs) != 1 || rs[0].Score != 1 {
				t.Fatalf("survey results %+v %v (record %+v)", rs, err, rec)
			}
		})
	}
}
