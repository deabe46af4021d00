package sim

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestESLAuthFailureAndExit(t *testing.T) {
	s := startSim(t, Options{})
	c := dialESL(t, s.ESLAddr())
	if r := c.cmd("auth wrong", nil); r.headers["Reply-Text"] != "-ERR invalid" {
		t.Fatalf("bad auth: %v", r.headers)
	}
	if m := c.next(); m.ct() != "text/disconnect-notice" || m.body != disconnectText {
		t.Fatalf("notice: %q %q", m.ct(), m.body)
	}
	if _, ok := <-c.msgs; ok {
		t.Fatal("connection must close after a wrong password")
	}
	c2 := authed(t, s)
	if r := c2.cmd("exit", nil); r.headers["Reply-Text"] != "+OK bye" {
		t.Fatalf("exit: %v", r.headers)
	}
	if m := c2.next(); m.ct() != "text/disconnect-notice" {
		t.Fatalf("exit notice: %q", m.ct())
	}
}

func TestHeartbeatAndShutdownNotice(t *testing.T) {
	s := New(Options{HeartbeatInterval: 30 * time.Millisecond, RecordingDir: t.TempDir()})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	c := authed(t, s)
	c.cmd("event plain HEARTBEAT RE_SCHEDULE", nil)
	hb := c.waitEvent("HEARTBEAT", "")
	rs := c.waitEvent("RE_SCHEDULE", "")
	if hb["Event-Info"] != "System Ready" || rs["Task-Desc"] != "heartbeat" {
		t.Fatalf("heartbeat %v / %v", hb, rs)
	}
	s.Close()
	deadline := time.After(3 * time.Second)
	for {
		select {
		case m, ok := <-c.msgs:
			if !ok {
				t.Fatal("closed without a shutdown notice")
			}
			if m.ct() == "text/disconnect-notice" {
				if m.body != "The system is being shut down.\n" {
					t.Fatalf("notice body %q", m.body)
				}
				return
			}
		case <-deadline:
			t.Fatal("no disconnect notice")
		}
	}
}

func TestMyEventsLinger(t *testing.T) {
	s := startSim(t, Options{})
	id, _ := s.PlaceCall(CallSpec{From: "1", To: "4000"})
	c := authed(t, s)
	if r := c.cmd("myevents "+id, nil); r.headers["Reply-Text"] != "+OK Events Enabled" {
		t.Fatalf("myevents %v", r.headers)
	}
	if r := c.cmd("linger 1", nil); r.headers["Reply-Text"] != "+OK will linger 1 seconds" {
		t.Fatalf("linger %v", r.headers)
	}
	s.HangupCall(id)
	var kinds []string
	for m := range c.msgs {
		k := m.ct()
		if k == "text/disconnect-notice" {
			k += "/" + m.headers["Content-Disposition"]
		}
		kinds = append(kinds, k)
	}
	got := strings.Join(kinds, " ")
	if !strings.Contains(got, "text/disconnect-notice/linger") || !strings.HasSuffix(got, "text/disconnect-notice/disconnect") {
		t.Fatalf("myevents end: %s", got)
	}
}

func TestControlAPI(t *testing.T) {
	s := startSim(t, Options{})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	post := func(path, body string) (int, map[string]any) {
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	st, out := post("/sim/v1/calls", `{"from":"100","to":"4000","press":[{"after_ms":10,"digits":"1"}]}`)
	if st != 201 || out["id"] == "" {
		t.Fatalf("place: %d %v", st, out)
	}
	id := out["id"].(string)
	if st, out := post("/sim/v1/calls/"+id+"/press", `{"digits":"9"}`); st != 200 || out["dtmf_received"] != "9" {
		t.Fatalf("press: %d %v", st, out)
	}
	if st, out := post("/sim/v1/calls", `{"from":"100"}`); st != 400 {
		t.Fatalf("missing to: %d %v", st, out)
	} else if e := out["error"].(map[string]any); e["field"] != "to" || e["code"] != "invalid_argument" {
		t.Fatalf("error shape %v", out)
	}
	if st, _ := post("/sim/v1/calls/nope/hangup", ``); st != 404 {
		t.Fatalf("unknown leg: %d", st)
	}
	req, _ := http.NewRequest("PUT", srv.URL+"/sim/v1/endpoints/1001", strings.NewReader(`{"behavior":"busy"}`))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("endpoint: %v %v", resp, err)
	}
	resp.Body.Close()
	if st, out := post("/sim/v1/calls/"+id+"/hangup", ``); st != 200 || out["state"] != "gone" {
		t.Fatalf("hangup: %d %v", st, out)
	}
}

// TestCloseStopsGoroutines: every goroutine of the simulator ends on Close.
func TestCloseStopsGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	s := New(Options{HeartbeatInterval: 10 * time.Millisecond, RecordingDir: t.TempDir(), ARIApp: "app"})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	c := authed(t, s)
	c.cmd("event plain ALL", nil)
	a := dialARI(t, s, "app", false)
	s.DefineEndpoint(EndpointSpec{Number: "1001", Behavior: BehaviorRing})
	s.PlaceCall(CallSpec{From: "1", To: "2", HangupAfter: time.Hour})
	s.PlaceCall(CallSpec{Front: FrontAsterisk, From: "1", To: "2", HangupAfter: time.Hour})
	c.send("bgapi originate user/1001 &park()")
	a.wait("StasisStart", "")
	s.Close()
	c.c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+2 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before+2 {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines left (before %d)\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}
