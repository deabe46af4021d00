package sim

import (
	"strings"
	"testing"
	"time"
)

// Behaviour of a real FreeSWITCH 1.11 the simulator reproduces; each test
// names what was seen on the real server.

func showsLeg(c *eslClient, what, id string) bool {
	c.t.Helper()
	r := c.cmd("api show "+what+" as json", nil)
	return strings.Contains(r.body, `"`+id+`"`)
}

// Real server: "show channels" answers from the core database, written by a
// background thread; a channel appears there 160-180 ms after its creation
// and disappears as long after its end, while uuid_exists answers at once.
func TestESLShowChannelsLagsBehindChannels(t *testing.T) {
	const lag = 300 * time.Millisecond
	s := startSim(t, Options{ShowLag: lag})
	c := authed(t, s)
	id, err := s.PlaceCall(CallSpec{From: "15551230001", To: "4000"})
	if err != nil {
		t.Fatal(err)
	}
	placed := time.Now()
	listed := showsLeg(c, "channels", id)
	exists := c.cmd("api uuid_exists "+id, nil).body
	if time.Since(placed) < lag {
		if listed {
			t.Error("show channels lists a channel created less than ShowLag ago")
		}
		if exists != "true" {
			t.Errorf("uuid_exists of a new channel = %q, want true", exists)
		}
	}
	deadline := time.Now().Add(3 * time.Second)
	for !showsLeg(c, "channels", id) {
		if time.Now().After(deadline) {
			t.Fatal("the channel never appeared in show channels")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := s.HangupCall(id); err != nil {
		t.Fatal(err)
	}
	ended := time.Now()
	listed = showsLeg(c, "channels", id)
	exists = c.cmd("api uuid_exists "+id, nil).body
	dump := c.cmd("api uuid_dump "+id+" json", nil).body
	if time.Since(ended) < lag {
		if !listed {
			t.Error("show channels dropped a channel that ended less than ShowLag ago")
		}
		if exists != "false" || dump != noSuchChannel {
			t.Errorf("ended channel: uuid_exists %q, uuid_dump %q", exists, dump)
		}
	}
	for showsLeg(c, "channels", id) {
		if time.Now().After(deadline.Add(3 * time.Second)) {
			t.Fatal("the ended channel stayed in show channels")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestESLShowLagNegativeMeansNone(t *testing.T) {
	s := startSim(t, Options{ShowLag: -1})
	c := authed(t, s)
	id, err := s.PlaceCall(CallSpec{From: "15551230001", To: "4000"})
	if err != nil {
		t.Fatal(err)
	}
	if !showsLeg(c, "channels", id) {
		t.Fatal("with ShowLag < 0 a new channel is listed at once")
	}
}

// Real server (esl-resync.txt): the far half of a loopback pair carries the
// originate's {variables}, origination_uuid naming the near half.
func TestESLLoopbackFarHalfInheritsOriginateVars(t *testing.T) {
	s := startSim(t, Options{AutoAnswer: 10 * time.Millisecond})
	c := authed(t, s)
	a := "a0000000-0000-4000-8000-0000000000aa"
	r := c.cmd("api originate {origination_uuid="+a+",ipcc_owned=true,ipcc_agent=7}loopback/answer-1001/"+TestPhoneContext+" &park()", nil)
	if r.body != "+OK "+a+"\n" {
		t.Fatalf("originate: %q", r.body)
	}
	b := c.cmd("api uuid_getvar "+a+" other_loopback_leg_uuid", nil).body
	for name, want := range map[string]string{"ipcc_owned": "true", "ipcc_agent": "7", "origination_uuid": a, "loopback_leg": "B"} {
		if got := c.cmd("api uuid_getvar "+b+" "+name, nil).body; got != want {
			t.Errorf("far half %s: %s = %q, want %q", b, name, got, want)
		}
	}
}

// Real server: bridging a leg the moment it answers, before the originate
// returned, makes the originate job fail with ORIGINATOR_CANCEL; the leg
// lives on, bridged, and never runs the &park().
func TestESLBridgeBeforeOriginateReturnsCancelsTheJob(t *testing.T) {
	s := startSim(t, Options{OriginateReturn: 300 * time.Millisecond})
	if err := s.DefineEndpoint(EndpointSpec{Number: "1001", AnswerAfter: 10 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	c := authed(t, s)
	if r := c.cmd("event plain CHANNEL_ANSWER CHANNEL_BRIDGE BACKGROUND_JOB", nil); !strings.HasPrefix(r.headers["Reply-Text"], "+OK") {
		t.Fatalf("event: %v", r.headers)
	}
	id, err := s.PlaceCall(CallSpec{From: "15551230001", To: "4000"})
	if err != nil {
		t.Fatal(err)
	}
	c.cmd("api uuid_answer "+id, nil)
	agent := "a0000000-0000-4000-8000-0000000000ab"
	if r := c.cmd("bgapi originate {origination_uuid="+agent+"}user/1001 &park()", nil); !strings.HasPrefix(r.headers["Reply-Text"], "+OK Job-UUID") {
		t.Fatalf("bgapi: %v", r.headers)
	}
	c.waitEvent("CHANNEL_ANSWER", agent)
	if r := c.cmd("api uuid_bridge "+id+" "+agent, nil); r.body != "+OK "+agent+"\n" {
		t.Fatalf("bridge: %q", r.body)
	}
	job := c.waitEvent("BACKGROUND_JOB", "")
	if job["_body"] != "-ERR ORIGINATOR_CANCEL\n" {
		t.Fatalf("job result %q, want -ERR ORIGINATOR_CANCEL", job["_body"])
	}
	info, err := s.Call(agent)
	if err != nil || !info.Ended.IsZero() || !s.Hears(id, agent) {
		t.Fatalf("the agent leg must live on, bridged: %+v %v", info, err)
	}
}

// Real server (switch_ivr_hold/unhold): holding goes by call state. A SIP
// leg that is answered goes to HELD and back; a loopback leg is silenced
// and fires CHANNEL_HOLD but stays ACTIVE, so "uuid_hold off" answers
// -ERR Operation failed and it stays silent.
func TestESLHoldByCallState(t *testing.T) {
	s := startSim(t, Options{AutoAnswer: 10 * time.Millisecond})
	c := authed(t, s)
	if r := c.cmd("event plain CHANNEL_HOLD CHANNEL_UNHOLD CHANNEL_PARK", nil); !strings.HasPrefix(r.headers["Reply-Text"], "+OK") {
		t.Fatalf("event: %v", r.headers)
	}
	sip, err := s.PlaceCall(CallSpec{From: "15551230001", To: "4000"})
	if err != nil {
		t.Fatal(err)
	}
	c.cmd("api uuid_answer "+sip, nil)
	if r := c.cmd("api uuid_hold "+sip, nil).body; r != "+OK Success\n" {
		t.Fatalf("hold SIP leg: %q", r)
	}
	if h := c.waitEvent("CHANNEL_HOLD", sip); h["Channel-Call-State"] != "HELD" {
		t.Errorf("held SIP leg in call state %q", h["Channel-Call-State"])
	}
	if r := c.cmd("api uuid_hold "+sip, nil).body; r != "-ERR Operation failed\n" {
		t.Errorf("second hold of a HELD leg: %q", r)
	}
	if r := c.cmd("api uuid_hold off "+sip, nil).body; r != "+OK Success\n" {
		t.Errorf("unhold SIP leg: %q", r)
	}

	a := "a0000000-0000-4000-8000-0000000000ac"
	// bgapi: the originate returns only once the far half is answered.
	c.cmd("bgapi originate {origination_uuid="+a+"}loopback/4001/"+TestCallerContext+" &park()", nil)
	b := ""
	for b == "" || b == sip || b == a {
		b = c.waitEvent("CHANNEL_PARK", "")["Unique-ID"]
	}
	c.cmd("api uuid_answer "+b, nil)
	if r := c.cmd("api uuid_hold "+b, nil).body; r != "+OK Success\n" {
		t.Fatalf("hold loopback leg: %q", r)
	}
	if h := c.waitEvent("CHANNEL_HOLD", b); h["Channel-Call-State"] != "ACTIVE" {
		t.Errorf("held loopback leg in call state %q, want ACTIVE", h["Channel-Call-State"])
	}
	if r := c.cmd("api uuid_hold off "+b, nil).body; r != "-ERR Operation failed\n" {
		t.Errorf("unhold of a loopback leg: %q, want -ERR Operation failed", r)
	}
	if info, err := s.Call(b); err != nil || !info.Held {
		t.Errorf("the loopback leg must stay held (silent): %+v %v", info, err)
	}
}

// uuid_transfer takes single-quoted arguments (switch_separate_string); an
// inline dialplan can set variables and transfer on to the XML dialplan.
func TestESLTransferInlineSetThenTransfer(t *testing.T) {
	s := startSim(t, Options{})
	c := authed(t, s)
	id, err := s.PlaceCall(CallSpec{From: "15551230001", To: "4000"})
	if err != nil {
		t.Fatal(err)
	}
	c.cmd("api uuid_setvar "+id+" ipcc_owned "+id, nil)
	if r := c.cmd("api uuid_transfer "+id+" 'set:ipcc_owned=,transfer:9999 XML default' inline", nil).body; r != "+OK\n" {
		t.Fatalf("transfer: %q", r)
	}
	info, err := s.Call(id)
	if err != nil {
		t.Fatal(err)
	}
	if _, marked := info.Vars["ipcc_owned"]; marked || info.Vars["current_application"] != "transfer" || info.DNIS != "9999" {
		t.Fatalf("after the inline transfer: app %q dnis %q vars %v", info.Vars["current_application"], info.DNIS, info.Vars)
	}
}

// Real server: "hupall <cause> <variable> <value>" hangs up only the
// channels where the variable has that value.
func TestESLHupallByVariable(t *testing.T) {
	s := startSim(t, Options{})
	c := authed(t, s)
	mine, _ := s.PlaceCall(CallSpec{From: "1", To: "4000", Vars: map[string]string{"ipcc_test_party": "true"}})
	other, _ := s.PlaceCall(CallSpec{From: "2", To: "4000"})
	if r := c.cmd("api hupall NORMAL_CLEARING ipcc_test_party true", nil).body; r != "+OK hangup all channels matching [ipcc_test_party]=[true] with cause: NORMAL_CLEARING\n" {
		t.Fatalf("hupall: %q", r)
	}
	if a, _ := s.Call(mine); a.Ended.IsZero() {
		t.Error("the marked channel is still up")
	}
	if b, _ := s.Call(other); !b.Ended.IsZero() {
		t.Error("an unmarked channel was hung up")
	}
}
