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
