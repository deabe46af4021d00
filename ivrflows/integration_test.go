package ivrflows_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller"
	"github.com/ipcc/ipcc/controller/sim"
	"github.com/ipcc/ipcc/controller/switchtest"
	"github.com/ipcc/ipcc/ivrflows"
)

const integrationFlow = `
id: it
start: welcome
shortcuts: {"*0": operator}
nodes:
  - {id: operator, type: transfer, kind: queue, target: operator}
  - {id: welcome, type: play, prompt: [{file: {zh-CN: zh/welcome.wav, en: en/welcome.wav}}], next: menu}
  - id: menu
    type: menu
    prompt: [{file: menu.wav}]
    options: {"1": ask, "9": en}
    timeout: 3s
    inter_digit_timeout: 300ms
    fallback: bye
  - {id: en, type: language, language: en, next: menu}
  - id: ask
    type: collect
    prompt: [{file: {zh-CN: zh/ask.wav, en: en/ask.wav}}]
    min: 4
    max: 4
    variable: acct
    timeout: 3s
    next: readback
    fallback: bye
  - {id: readback, type: play, prompt: [{digits: "${acct}"}], next: sales}
  - {id: sales, type: transfer, kind: queue, target: sales}
  - {id: bye, type: hangup}
`

type started struct {
	call *controller.Call
	res  chan *ivrflows.Result
}

// flowWorld runs the flow on every call arriving at a simulated FreeSWITCH
// through the real driver and controller.
func flowWorld(t *testing.T) (*switchtest.SimWorld, chan started) {
	t.Helper()
	f, err := ivrflows.Parse([]byte(integrationFlow))
	if err != nil {
		t.Fatal(err)
	}
	if errs := ivrflows.Validate(f); errs != nil {
		t.Fatal(errs)
	}
	w := switchtest.NewSimWorld(t, sim.FrontFreeSWITCH)
	calls := make(chan started, 4)
	in := ivrflows.New(ivrflows.Options{Tenant: "t"})
	ctl, err := controller.New(controller.Options{
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Handler: func(ctx context.Context, c *controller.Call) {
			s := started{call: c, res: make(chan *ivrflows.Result, 1)}
			calls <- s
			s.res <- in.Run(ctx, c, f, 1)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := ctl.Add(w.NewSwitch(t, "fs1")); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = ctl.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return w, calls
}

// waitCollects waits until the call's trace holds n collect starts.
func waitCollects(t *testing.T, c *controller.Call, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		got := 0
		for _, e := range c.Trace() {
			if e.Kind == "collect" && strings.HasPrefix(e.Detail, "start") {
				got++
			}
		}
		if got >= n {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("call never reached collect #%d; trace:\n%s", n, traceText(c))
}

func traceText(c *controller.Call) string {
	var b strings.Builder
	for _, e := range c.Trace() {
		b.WriteString(e.Kind + " " + e.Detail + "\n")
	}
	return b.String()
}

func nextCall(t *testing.T, calls chan started) started {
	t.Helper()
	select {
	case s := <-calls:
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("no call reached the flow")
	}
	return started{}
}

func result(t *testing.T, s started) *ivrflows.Result {
	t.Helper()
	select {
	case r := <-s.res:
		return r
	case <-time.After(10 * time.Second):
		t.Fatalf("flow did not end; trace:\n%s", traceText(s.call))
	}
	return nil
}

func TestFlowOnARealCallThroughTheSimulator(t *testing.T) {
	w, calls := flowWorld(t)
	leg := w.PlaceCall(t, "13800000000", "4001")
	s := nextCall(t, calls)
	waitCollects(t, s.call, 1)
	w.Press(t, leg, "9")
	waitCollects(t, s.call, 2)
	w.Press(t, leg, "1")
	waitCollects(t, s.call, 3)
	w.Press(t, leg, "4321")
	r := result(t, s)
	o := r.Outcome
	if o.Kind != ivrflows.OutcomeTransfer || o.Transfer.Target != "sales" || r.Vars["acct"] != "4321" || r.Language != "en" {
		t.Fatalf("outcome %+v vars %v; trace:\n%s", o, r.Vars, traceText(s.call))
	}
	heard := strings.Join(w.Observer().Heard(leg), " ")
	for _, want := range []string{"zh/welcome.wav", "menu.wav", "en/ask.wav", "4321"} {
		if !strings.Contains(heard, want) {
			t.Errorf("caller did not hear %s: %s", want, heard)
		}
	}
	if !strings.Contains(traceText(s.call), `flow node "ask" (collect) -> next -> "readback"`) {
		t.Errorf("node visits not in the call trace:\n%s", traceText(s.call))
	}
}

func TestCallerHangsUpDuringAFlowOnARealCall(t *testing.T) {
	w, calls := flowWorld(t)
	leg := w.PlaceCall(t, "13800000000", "4001")
	s := nextCall(t, calls)
	waitCollects(t, s.call, 1)
	w.HangupParty(t, leg)
	if r := result(t, s); r.Outcome.Kind != ivrflows.OutcomeCallerHangup || r.Outcome.Node != "menu" {
		t.Fatalf("outcome %+v", r.Outcome)
	}
}

func TestShortcutTypedInOneGoOnARealCall(t *testing.T) {
	w, calls := flowWorld(t)
	leg := w.PlaceCall(t, "13800000000", "4001")
	s := nextCall(t, calls)
	waitCollects(t, s.call, 1)
	w.Press(t, leg, "*0")
	r := result(t, s)
	if o := r.Outcome; o.Kind != ivrflows.OutcomeTransfer || o.Transfer.Target != "operator" {
		t.Fatalf("outcome %+v; trace:\n%s", o, traceText(s.call))
	}
}

// A '*' restarts a collect and its count on a real call too: the digits
// typed before it do not end a full-length entry early.
func TestCollectResetOnARealCall(t *testing.T) {
	w, calls := flowWorld(t)
	leg := w.PlaceCall(t, "13800000000", "4001")
	s := nextCall(t, calls)
	waitCollects(t, s.call, 1)
	w.Press(t, leg, "1")
	waitCollects(t, s.call, 2)
	w.Press(t, leg, "12*4321")
	r := result(t, s)
	if o := r.Outcome; o.Kind != ivrflows.OutcomeTransfer || o.Transfer.Target != "sales" || r.Vars["acct"] != "4321" {
		t.Fatalf("outcome %+v vars %v; trace:\n%s", o, r.Vars, traceText(s.call))
	}
}
