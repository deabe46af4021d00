package ivrflows

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ipcc/ipcc/clock"
	"github.com/ipcc/ipcc/controller"
)

// The controller's call handle is what production runs flows on.
var _ Call = (*controller.Call)(nil)

var t0 = time.Date(2026, 10, 1, 12, 30, 0, 0, time.FixedZone("CST", 8*3600))

func mustFlow(t *testing.T, doc string) *Flow {
	t.Helper()
	f, err := Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if errs := Validate(f); errs != nil {
		t.Fatal(errs)
	}
	return f
}

func dry(t *testing.T, f *Flow, dtmf string, o DryRunOptions) *DryRunResult {
	t.Helper()
	o.DTMF, o.At = dtmf, t0
	if o.Caller == "" {
		o.Caller, o.DID = "13800000000", "4001"
	}
	res, err := DryRun(context.Background(), f, o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// path lists "node:edge" of every visit.
func visitPath(r *Result) string {
	var p []string
	for _, v := range r.Visits {
		p = append(p, v.Node+":"+v.Outcome)
	}
	return strings.Join(p, " ")
}

func linesOf(r *DryRunResult, kind string) string {
	var out []string
	for _, l := range r.Lines {
		if kind == "" || l.Kind == kind {
			out = append(out, l.Detail)
		}
	}
	return strings.Join(out, "\n")
}

func expectPath(t *testing.T, r *DryRunResult, want string) {
	t.Helper()
	if got := visitPath(r.Result); got != want {
		t.Fatalf("path\n got %s\nwant %s\ntrace:\n%s", got, want, linesOf(r, ""))
	}
}

const menuFlow = `
id: m
start: menu
shortcuts:
  "*23": secret
nodes:
  - id: menu
    type: menu
    prompt: [{tts: {zh-CN: 请选择, en: Choose}}]
    timeout_prompt: [{file: no_input.wav}]
    invalid_prompt: [{file: invalid.wav}]
    options: {"1": one, "2": two}
    retries: 3
    fallback: fb
  - {id: one, type: transfer, kind: queue, target: q1}
  - {id: two, type: transfer, kind: agent, target: "${agent}"}
  - {id: fb, type: transfer, kind: extension, target: "8000"}
  - {id: secret, type: transfer, kind: external, target: "13900000000"}
`

func TestMenu(t *testing.T) {
	f := mustFlow(t, menuFlow)
	t.Run("option goes to its node", func(t *testing.T) {
		r := dry(t, f, "1", DryRunOptions{})
		expectPath(t, r, "menu:options.1 one:transfer")
		if o := r.Result.Outcome; o.Kind != OutcomeTransfer || *o.Transfer != (Transfer{Kind: "queue", Target: "q1"}) {
			t.Fatalf("outcome %+v", o)
		}
	})
	t.Run("transfer target is a template", func(t *testing.T) {
		r := dry(t, f, "2", DryRunOptions{Vars: map[string]any{"agent": "1007"}})
		if o := r.Result.Outcome; o.Transfer == nil || o.Transfer.Target != "1007" || o.Transfer.Kind != "agent" {
			t.Fatalf("outcome %+v", o)
		}
	})
	t.Run("invalid and timeout replay with their prompts then fallback", func(t *testing.T) {
		r := dry(t, f, "7,", DryRunOptions{})
		expectPath(t, r, "menu:fallback fb:transfer")
		if got := r.Result.Visits[0].Detail; got != "invalid 7,timeout,timeout" {
			t.Fatalf("detail %q", got)
		}
		plays := linesOf(r, "play")
		want := "tts(zh-CN) \"请选择\"\nfile invalid.wav\ntts(zh-CN) \"请选择\"\nfile no_input.wav\ntts(zh-CN) \"请选择\"\nfile no_input.wav"
		if plays != want {
			t.Fatalf("plays:\n%s\nwant\n%s", plays, want)
		}
		if o := r.Result.Outcome; o.Transfer.Kind != "extension" || o.Transfer.Target != "8000" {
			t.Fatalf("outcome %+v", o)
		}
	})
	t.Run("shortcut jumps from a menu", func(t *testing.T) {
		r := dry(t, f, "*23", DryRunOptions{})
		expectPath(t, r, "menu:shortcut *23 secret:transfer")
	})
}

const collectFlow = `
id: c
start: ask
shortcuts:
  "*0": op
nodes:
  - id: ask
    type: collect
    prompt: [{tts: Enter your account}]
    invalid_prompt: [{tts: Wrong}]
    min: 4
    max: 6
    pattern: "[1-9][0-9]*"
    variable: acct
    retries: 2
    next: ok
    fallback: op
  - id: ok
    type: play
    prompt: [{tts: "Account"}, {digits: "${acct}"}]
    next: bye
  - {id: bye, type: hangup, cause: NORMAL_CLEARING}
  - {id: op, type: transfer, kind: queue, target: operator}
`

func TestCollect(t *testing.T) {
	f := mustFlow(t, collectFlow)
	for _, tc := range []struct{ name, dtmf, path, acct string }{
		{"hash ends the entry", "1234#", "ask:next ok:next bye:hangup", "1234"},
		{"max digits end the entry", "123456789", "ask:next ok:next bye:hangup", "123456"},
		{"inter-digit timeout accepts min digits", "12345", "ask:next ok:next bye:hangup", "12345"},
		{"pattern failure retries", "0123#,5555#", "ask:next ok:next bye:hangup", "5555"},
		{"too short retries then falls back", "12#,1#", "ask:fallback op:transfer", ""},
		{"shortcut jumps from a collect", "*0", "ask:shortcut *0 op:transfer", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := dry(t, f, tc.dtmf, DryRunOptions{})
			expectPath(t, r, tc.path)
			if got := formatValue(r.Result.Vars["acct"]); got != tc.acct {
				t.Fatalf("acct = %q, want %q", got, tc.acct)
			}
			if tc.acct != "" && !strings.Contains(linesOf(r, "play"), "digits(zh-CN) "+tc.acct) {
				t.Fatalf("digits not said back:\n%s", linesOf(r, "play"))
			}
		})
	}
}

func TestCollectStarRestarts(t *testing.T) {
	f := mustFlow(t, strings.Replace(collectFlow, "shortcuts:\n  \"*0\": op\n", "", 1))
	r := dry(t, f, "99*4321#", DryRunOptions{})
	expectPath(t, r, "ask:next ok:next bye:hangup")
	if got := formatValue(r.Result.Vars["acct"]); got != "4321" {
		t.Fatalf("acct %q", got)
	}
}

// With shortcuts the flow sees '*' itself: a '*' that starts no shortcut
// still restarts the entry.
func TestCollectStarRestartsWithShortcuts(t *testing.T) {
	f := mustFlow(t, collectFlow)
	r := dry(t, f, "9*4321#", DryRunOptions{})
	expectPath(t, r, "ask:next ok:next bye:hangup")
	if got := formatValue(r.Result.Vars["acct"]); got != "4321" {
		t.Fatalf("acct %q", got)
	}
}

// With shortcuts a '*' that starts no shortcut restarts the entry, and the
// count towards max restarts with it: what was typed before the '*' never
// makes a full-length entry end early.
func TestCollectResetRestartsTheCountWithShortcuts(t *testing.T) {
	f := mustFlow(t, strings.NewReplacer("min: 4", "min: 8", "max: 6", "max: 8").Replace(collectFlow))
	for _, tc := range []struct{ name, dtmf, path, acct string }{
		{"reset then a full entry and hash", "123*12345678#", "ask:next ok:next bye:hangup", "12345678"},
		{"reset then a full entry without hash", "123*12345678", "ask:next ok:next bye:hangup", "12345678"},
		{"two resets", "1*22*12345678", "ask:next ok:next bye:hangup", "12345678"},
		{"seven digits then reset", "1234567*87654321", "ask:next ok:next bye:hangup", "87654321"},
		{"reset then too short", "123*1234#,h", "ask:end", ""},
		{"plain full entry", "12345678", "ask:next ok:next bye:hangup", "12345678"},
		{"shortcut after digits and a reset", "12*0", "ask:shortcut *0 op:transfer", ""},
		{"shortcut alone", "*0", "ask:shortcut *0 op:transfer", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := dry(t, f, tc.dtmf, DryRunOptions{})
			expectPath(t, r, tc.path)
			if got := formatValue(r.Result.Vars["acct"]); got != tc.acct {
				t.Fatalf("acct = %q, want %q", got, tc.acct)
			}
		})
	}
}

func TestSetAndBranch(t *testing.T) {
	f := mustFlow(t, `
id: s
start: calc
variables: {base: "10"}
nodes:
  - id: calc
    type: set
    set:
      - {var: n, expr: "int(base) * 3 + 2"}
      - {var: l, expr: "len(caller)"}
      - {var: tail, expr: "substr(caller, 7)"}
      - {var: head, expr: "substr(caller, 0, 3)"}
      - {var: masked, expr: 'substr(caller, 0, 3) + "****" + substr(caller, 7)'}
      - {var: intl, expr: 'replace(caller, "138", "+86 138")'}
      - {var: broken, expr: "1 / nothing.field"}
    next: b
  - id: b
    type: branch
    conditions:
      - {if: "n > 100", next: big}
      - {if: "n == 32 && l == 11", next: exact}
    else: other
  - {id: big, type: hangup}
  - {id: exact, type: hangup}
  - {id: other, type: hangup}
`)
	r := dry(t, f, "", DryRunOptions{})
	expectPath(t, r, "calc:next b:conditions[1] exact:hangup")
	v := r.Result.Vars
	got := fmt.Sprint(formatValue(v["n"]), " ", formatValue(v["l"]), " ", v["tail"], " ", v["head"], " ", v["masked"], " ", v["intl"], " [", v["broken"], "]")
	if got != "32 11 0000 138 138****0000 +86 13800000000 []" {
		t.Fatalf("vars: %s", got)
	}
	if !strings.Contains(linesOf(r, "flow"), `node "calc": broken = ""`) {
		t.Fatalf("runtime expression error not traced:\n%s", linesOf(r, "flow"))
	}
}

const scheduleFlow = `
id: h
start: hours
nodes:
  - id: hours
    type: schedule
    schedule: main
    branches: {open: o, lunch: l, holiday: h, closed: c}
  - {id: o, type: hangup}
  - {id: l, type: hangup}
  - {id: h, type: hangup}
  - {id: c, type: hangup}
`

type recordingSchedules struct{ at time.Time }

func (s *recordingSchedules) Evaluate(_ context.Context, tenant, id string, at time.Time) (string, error) {
	s.at = at
	if tenant != "t1" || id != "main" {
		return "", errors.New("unexpected")
	}
	return "lunch", nil
}

func TestSchedule(t *testing.T) {
	f := mustFlow(t, scheduleFlow)
	for _, b := range ScheduleBranches {
		r := dry(t, f, "", DryRunOptions{Schedules: StaticSchedules{"main": b}})
		expectPath(t, r, "hours:branches."+b+" "+b[:1]+":hangup")
	}
	rs := &recordingSchedules{}
	r := dry(t, f, "", DryRunOptions{Tenant: "t1", Schedules: rs})
	expectPath(t, r, "hours:branches.lunch l:hangup")
	if !rs.at.Equal(t0) {
		t.Fatalf("evaluated at %v, want the call's start %v", rs.at, t0)
	}
	for name, s := range map[string]Schedules{"none": nil, "error": StaticSchedules{}, "unknown branch": StaticSchedules{"main": "siesta"}} {
		r := dry(t, f, "", DryRunOptions{Schedules: s})
		expectPath(t, r, "hours:branches.closed c:hangup")
		if r.Result.Visits[0].Detail == "" {
			t.Errorf("%s: no explanation", name)
		}
	}
}

func TestLanguageSwitchPicksPrompts(t *testing.T) {
	f := mustFlow(t, `
id: l
start: hello
nodes:
  - id: hello
    type: play
    prompt: [{file: {zh-CN: zh/hello.wav, en: en/hello.wav}}, {number: "42"}, {silence: 500}, {tone: beep}]
    next: en
  - {id: en, type: language, language: en, next: again}
  - id: again
    type: play
    prompt: [{file: {zh-CN: zh/hello.wav, en: en/hello.wav}}, {tts: {zh-CN: 再见, en: Bye}}]
    next: bye
  - {id: bye, type: hangup}
`)
	r := dry(t, f, "", DryRunOptions{})
	want := "file zh/hello.wav\nnumber(zh-CN) 42\nsilence 500ms\ntone beep\nfile en/hello.wav\ntts(en) \"Bye\""
	if got := linesOf(r, "play"); got != want {
		t.Fatalf("plays:\n%s\nwant\n%s", got, want)
	}
	if r.Result.Language != "en" {
		t.Fatalf("language %q", r.Result.Language)
	}
}

func TestHangupNode(t *testing.T) {
	f := mustFlow(t, `
id: x
start: bye
nodes:
  - {id: bye, type: hangup, cause: CALL_REJECTED, prompt: [{file: bye.wav}]}
`)
	r := dry(t, f, "", DryRunOptions{})
	o := r.Result.Outcome
	if o.Kind != OutcomeHangup || o.Cause != "CALL_REJECTED" || !o.HungUp || o.Node != "bye" {
		t.Fatalf("outcome %+v", o)
	}
	if !strings.Contains(linesOf(r, "hangup"), "CALL_REJECTED") || linesOf(r, "play") != "file bye.wav" {
		t.Fatalf("trace:\n%s", linesOf(r, ""))
	}
}

func TestSMS(t *testing.T) {
	f := mustFlow(t, `
id: s
start: text
nodes:
  - {id: text, type: sms, text: "Code ${code} for ${caller}", next: sent, error: failed}
  - {id: sent, type: hangup}
  - {id: failed, type: hangup}
`)
	r := dry(t, f, "", DryRunOptions{})
	expectPath(t, r, "text:error failed:hangup")
	if r.Result.Visits[0].Detail != "sms not configured" {
		t.Fatalf("detail %q", r.Result.Visits[0].Detail)
	}
	mem := &MemoryLog{}
	r = dry(t, f, "", DryRunOptions{SMS: mem, Vars: map[string]any{"code": 42}})
	expectPath(t, r, "text:next sent:hangup")
	if len(mem.Texts) != 1 || mem.Texts[0] != "13800000000: Code 42 for 13800000000" {
		t.Fatalf("texts %q", mem.Texts)
	}
	r = dry(t, f, "", DryRunOptions{SMS: &MemoryLog{Fail: errors.New("gateway down")}})
	expectPath(t, r, "text:error failed:hangup")
}

func TestSurvey(t *testing.T) {
	b, _ := readExample("survey.yaml")
	f := mustFlow(t, b)
	run := func(dtmf string) (*DryRunResult, *MemoryLog) {
		clk := clock.NewFake(t0)
		groups, _ := ParseDTMF(dtmf)
		call := NewSimCall("call-9", "13800000000", "4001", clk, groups)
		mem := &MemoryLog{}
		in := New(Options{Tenant: "t1", Clock: clk, Surveys: mem, Vars: map[string]any{"agent_id": "a7", "queue": "sales"}})
		res := in.Run(context.Background(), call, f, 3)
		return &DryRunResult{Result: res, Lines: call.Lines()}, mem
	}
	r, mem := run("5,2")
	expectPath(t, r, "rate:next bye:hangup")
	if len(mem.Surveys) != 1 {
		t.Fatalf("surveys %+v", mem.Surveys)
	}
	s := mem.Surveys[0]
	if s.Score != 2 || s.AgentID != "a7" || s.Queue != "sales" || s.CallID != "call-9" || s.Tenant != "t1" || !s.Created.Equal(t0.Add(6*time.Second)) {
		t.Fatalf("survey %+v", s)
	}
	if !strings.Contains(linesOf(r, "play"), "感谢您的评价") {
		t.Fatalf("no thank-you:\n%s", linesOf(r, "play"))
	}
	r, mem = run("")
	expectPath(t, r, "rate:next bye:hangup")
	if len(mem.Surveys) != 0 || !strings.Contains(r.Result.Visits[0].Detail, "no rating") {
		t.Fatalf("stored %+v, detail %q", mem.Surveys, r.Result.Visits[0].Detail)
	}
}

func TestVoicemail(t *testing.T) {
	b, _ := readExample("after-hours.yaml")
	f := mustFlow(t, b)
	t.Run("recorded and stored, any key ends it", func(t *testing.T) {
		r := dry(t, f, "1,#", DryRunOptions{Tenant: "t1"})
		expectPath(t, r, "closed_notice:options.1 take_message:next thanks:hangup")
		vms := r.Stored.Voicemails
		if len(vms) != 1 {
			t.Fatalf("voicemails %+v", vms)
		}
		v := vms[0]
		if v.Mailbox != "general" || v.Tenant != "t1" || v.Caller != "13800000000" || v.Path != "/var/lib/ipcc/voicemail/t1/general/sim-call-take_message.wav" || v.Duration != 0 {
			t.Fatalf("voicemail %+v", v)
		}
		if rec := linesOf(r, "record"); !strings.Contains(rec, "after a beep") || !strings.Contains(rec, "stop") {
			t.Fatalf("record lines:\n%s", rec)
		}
	})
	t.Run("max length ends it", func(t *testing.T) {
		r := dry(t, f, "1", DryRunOptions{})
		if d := r.Stored.Voicemails[0].Duration; d != 2*time.Minute {
			t.Fatalf("duration %s", d)
		}
	})
	t.Run("caller hangs up while recording: message kept", func(t *testing.T) {
		r := dry(t, f, "1,h", DryRunOptions{})
		if o := r.Result.Outcome; o.Kind != OutcomeCallerHangup || !o.Recorded || o.Mailbox != "general" {
			t.Fatalf("outcome %+v", o)
		}
		if len(r.Stored.Voicemails) != 1 {
			t.Fatal("message lost")
		}
	})
	t.Run("without a store the wiring takes the message", func(t *testing.T) {
		clk := clock.NewFake(t0)
		call := NewSimCall("c", "1", "2", clk, []string{"1"})
		res := New(Options{Clock: clk}).Run(context.Background(), call, f, 1)
		if o := res.Outcome; o.Kind != OutcomeVoicemail || o.Mailbox != "general" || o.Recorded {
			t.Fatalf("outcome %+v", o)
		}
	})
}

func readExample(name string) (string, error) {
	b, err := readFile("../examples/flows/" + name)
	return string(b), err
}

type mapFlows map[string]*Flow

func (m mapFlows) Published(_ context.Context, _ string, id string) (*Flow, int, error) {
	f, ok := m[id]
	if !ok {
		return nil, 0, errors.New("no such flow")
	}
	return f, 7, nil
}

func TestTransferToAnotherFlow(t *testing.T) {
	a := mustFlow(t, `
id: a
start: go
nodes:
  - {id: go, type: transfer, kind: flow, target: b}
`)
	b := mustFlow(t, `
id: b
start: hi
nodes:
  - {id: hi, type: play, prompt: [{tts: {zh-CN: 你好, en: Hi}}], next: back}
  - {id: back, type: transfer, kind: flow, target: a}
`)
	r := dry(t, a, "", DryRunOptions{})
	if o := r.Result.Outcome; o.Kind != OutcomeTransfer || o.Transfer.Kind != "flow" || o.Transfer.Target != "b" {
		t.Fatalf("without a flow source: %+v", o)
	}
	// With a prompt in between, the visit limit ends a ping-pong.
	r = dry(t, a, "", DryRunOptions{Flows: mapFlows{"a": a, "b": b}})
	if o := r.Result.Outcome; o.Kind != OutcomeLimit || !o.HungUp {
		t.Fatalf("ping-pong between flows: %+v", o)
	}
	// With nothing in between, the hop limit ends it at once.
	c := mustFlow(t, `
id: c
start: back
nodes:
  - {id: back, type: transfer, kind: flow, target: a}
`)
	r = dry(t, a, "", DryRunOptions{Flows: mapFlows{"a": a, "b": c}})
	if o := r.Result.Outcome; o.Kind != OutcomeError || !strings.Contains(o.Reason, "transfers between flows without caller input") || len(r.Result.Visits) != 9 {
		t.Fatalf("spin between flows: %+v after %d visits", o, len(r.Result.Visits))
	}
	r = dry(t, a, "", DryRunOptions{Flows: mapFlows{}})
	if o := r.Result.Outcome; o.Kind != OutcomeError || !o.HungUp {
		t.Fatalf("missing flow: %+v", o)
	}
}

func TestLimits(t *testing.T) {
	loop := `
id: loop
start: hold
limits: {max_visits: %d, max_duration: %s}
nodes:
  - {id: hold, type: play, prompt: [{file: moh.wav}], next: again}
  - {id: again, type: goto, next: hold}
`
	t.Run("visit limit", func(t *testing.T) {
		r := dry(t, mustFlow(t, fmt.Sprintf(loop, 9, "1h")), "", DryRunOptions{})
		o := r.Result.Outcome
		if o.Kind != OutcomeLimit || !o.HungUp || len(r.Result.Visits) != 9 {
			t.Fatalf("outcome %+v after %d visits", o, len(r.Result.Visits))
		}
	})
	t.Run("time limit", func(t *testing.T) {
		r := dry(t, mustFlow(t, fmt.Sprintf(loop, 0, "1m")), "", DryRunOptions{})
		o := r.Result.Outcome
		if o.Kind != OutcomeLimit || !o.HungUp || !strings.Contains(o.Reason, "time limit") {
			t.Fatalf("outcome %+v", o)
		}
		if d := r.Result.Ended.Sub(r.Result.Started); d < time.Minute || d > time.Minute+5*time.Second {
			t.Fatalf("ended after %s", d)
		}
	})
}

// blockingCall waits in PlayAndCollect until its context ends, like a
// caller who never types.
type blockingCall struct {
	*SimCall
	waiting chan struct{}
	done    chan struct{}
	once    sync.Once
	hungUp  chan controller.Cause
}

func newBlockingCall(clk *clock.Fake) *blockingCall {
	return &blockingCall{SimCall: NewSimCall("b", "1", "2", clk, nil), waiting: make(chan struct{}, 10),
		done: make(chan struct{}), hungUp: make(chan controller.Cause, 1)}
}

func (b *blockingCall) Done() <-chan struct{} { return b.done }

func (b *blockingCall) PlayAndCollect(ctx context.Context, _ controller.Collect) (string, error) {
	b.waiting <- struct{}{}
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case <-b.done:
		return "", controller.ErrHungUp
	}
}

func (b *blockingCall) Hangup(_ context.Context, c controller.Cause) error {
	b.hungUp <- c
	return nil
}

func TestCallerHangsUpMidFlow(t *testing.T) {
	f := mustFlow(t, collectFlow)
	clk := clock.NewFake(t0)
	call := newBlockingCall(clk)
	done := make(chan *Result)
	go func() { done <- New(Options{Clock: clk}).Run(context.Background(), call, f, 1) }()
	<-call.waiting
	close(call.done)
	select {
	case r := <-done:
		if r.Outcome.Kind != OutcomeCallerHangup || r.Outcome.Node != "ask" || r.Outcome.HungUp {
			t.Fatalf("outcome %+v", r.Outcome)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("flow did not end when the caller hung up")
	}
}

func TestTimeLimitWhileWaiting(t *testing.T) {
	f := mustFlow(t, strings.Replace(collectFlow, "start: ask", "start: ask\nlimits: {max_duration: 20s}", 1))
	clk := clock.NewFake(t0)
	call := newBlockingCall(clk)
	done := make(chan *Result)
	go func() { done <- New(Options{Clock: clk}).Run(context.Background(), call, f, 1) }()
	<-call.waiting
	clk.Advance(20 * time.Second)
	select {
	case r := <-done:
		if r.Outcome.Kind != OutcomeLimit || !r.Outcome.HungUp {
			t.Fatalf("outcome %+v", r.Outcome)
		}
		if c := <-call.hungUp; c != controller.CauseNormalClearing {
			t.Fatalf("cause %s", c)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("time limit did not end the flow")
	}
}

// interruptCall returns a digit from the first interruptible Play.
type interruptCall struct {
	*SimCall
	digit string
}

func (c *interruptCall) Play(ctx context.Context, o controller.PlayOptions) (string, error) {
	if _, err := c.SimCall.Play(ctx, o); err != nil {
		return "", err
	}
	if o.Interruptible && c.digit != "" {
		d := c.digit
		c.digit = ""
		return d, nil
	}
	return "", nil
}

func TestDigitInterruptingAPromptReachesTheMenu(t *testing.T) {
	f := mustFlow(t, `
id: i
start: welcome
nodes:
  - {id: welcome, type: play, interruptible: true, prompt: [{file: welcome.wav}], next: menu}
  - id: menu
    type: menu
    prompt: [{file: menu.wav}]
    options: {"2": two}
    fallback: bye
  - {id: two, type: hangup}
  - {id: bye, type: hangup}
`)
	clk := clock.NewFake(t0)
	call := &interruptCall{SimCall: NewSimCall("c", "1", "2", clk, nil), digit: "2"}
	r := New(Options{Clock: clk}).Run(context.Background(), call, f, 1)
	if got := visitPath(r); got != "welcome:next menu:options.2 two:hangup" {
		t.Fatalf("path %s", got)
	}
	if strings.Contains(fmt.Sprint(call.Lines()), "menu.wav") {
		t.Fatal("menu prompt played although the caller already chose")
	}
}

type slowSMS struct{}

func (slowSMS) SendSMS(ctx context.Context, _, _, _ string) error {
	return fmt.Errorf("gateway: %w", context.DeadlineExceeded)
}

func TestServiceTimeoutTakesTheErrorEdge(t *testing.T) {
	f := mustFlow(t, `
id: s
start: text
nodes:
  - {id: text, type: sms, text: "hi", next: sent, error: failed}
  - {id: sent, type: hangup}
  - {id: failed, type: hangup}
`)
	r := dry(t, f, "", DryRunOptions{SMS: slowSMS{}})
	expectPath(t, r, "text:error failed:hangup")
}

func TestGoingBackAndForthBetweenFlowsWithInput(t *testing.T) {
	a := mustFlow(t, `
id: a
start: m
nodes:
  - {id: m, type: menu, prompt: [{file: a.wav}], options: {"1": go}, fallback: bye}
  - {id: go, type: transfer, kind: flow, target: b}
  - {id: bye, type: hangup}
`)
	b := mustFlow(t, `
id: b
start: m
nodes:
  - {id: m, type: menu, prompt: [{file: b.wav}], options: {"1": back}, fallback: bye}
  - {id: back, type: transfer, kind: flow, target: a}
  - {id: bye, type: hangup}
`)
	dtmf := strings.TrimSuffix(strings.Repeat("1,", 20), ",")
	r := dry(t, a, dtmf, DryRunOptions{Flows: mapFlows{"a": a, "b": b}})
	if o := r.Result.Outcome; o.Kind != OutcomeHangup || len(r.Result.Visits) != 42 {
		t.Fatalf("outcome %+v after %d visits", o, len(r.Result.Visits))
	}
}

// The controller stopping (its context ends: a lease lost, a handover)
// while the caller is in a menu ends the flow without hanging up: the call
// stays on the switch for the controller that re-adopts it (issue 16).
func TestControllerStopMidFlowLeavesTheCallUp(t *testing.T) {
	f := mustFlow(t, collectFlow)
	clk := clock.NewFake(t0)
	call := newBlockingCall(clk)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan *Result)
	go func() { done <- New(Options{Clock: clk}).Run(ctx, call, f, 1) }()
	<-call.waiting
	cancel()
	select {
	case r := <-done:
		if r.Outcome.HungUp {
			t.Fatalf("outcome %+v: the stopping controller hung the caller up", r.Outcome)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("flow did not end when its context ended")
	}
	select {
	case c := <-call.hungUp:
		t.Fatalf("the caller was hung up (%s) as the controller stopped", c)
	default:
	}
}
