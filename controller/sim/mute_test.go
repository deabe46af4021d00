package sim

import (
	"net/url"
	"testing"
)

// uuid_audio on the agent of a bridged call: a read mute silences the
// agent for the caller only, a write mute deafens the agent, stop undoes
// both; the replies are mod_commands' texts.
func TestESLUUIDAudioMuteHearing(t *testing.T) {
	s := startSim(t, Options{})
	c := authed(t, s)
	caller, agent := fsCallWithAgent(t, s, c)
	steps := []struct {
		name                   string
		cmd                    string
		reply                  string
		callerHears, agentHear bool
	}{
		{"bridged: both hear", "", "", true, true},
		{"read mute: the caller no longer hears the agent", "uuid_audio " + agent + " start read mute -1", "+OK\n", false, true},
		{"a volume change keeps the mute", "uuid_audio " + agent + " start read level 2", "+OK\n", false, true},
		{"stop: the agent is heard again", "uuid_audio " + agent + " stop", "+OK\n", true, true},
		{"write mute: the agent hears nothing", "uuid_audio " + agent + " start write mute 1", "+OK\n", true, false},
		{"mute level 0 clears it", "uuid_audio " + agent + " start write mute 0", "+OK\n", true, true},
		{"read mute again", "uuid_audio " + agent + " start read mute 1", "+OK\n", false, true},
		{"stop twice is fine", "uuid_audio " + agent + " stop", "+OK\n", true, true},
		{"stop on nothing", "uuid_audio " + agent + " stop", "+OK\n", true, true},
		{"missing channel: error then +OK", "uuid_audio 00000000-0000-0000-0000-000000000000 start read mute 1", "-ERR No Such Channel!\n+OK\n", true, true},
		{"no direction", "uuid_audio " + agent + " start mute 1", usageAudio, true, true},
		{"both is not an api direction", "uuid_audio " + agent + " start both mute 1", usageAudio, true, true},
		{"unknown verb", "uuid_audio " + agent + " start read loud 1", usageAudio, true, true},
		{"no arguments", "uuid_audio", usageAudio, true, true},
	}
	for _, st := range steps {
		if st.cmd != "" {
			if r := c.cmd("api "+st.cmd, nil); r.body != st.reply {
				t.Fatalf("%s: %q replied %q, want %q", st.name, st.cmd, r.body, st.reply)
			}
		}
		if got := s.Hears(caller, agent); got != st.callerHears {
			t.Errorf("%s: caller hears agent = %v", st.name, got)
		}
		if got := s.Hears(agent, caller); got != st.agentHear {
			t.Errorf("%s: agent hears caller = %v", st.name, got)
		}
	}
}

// uuid_phone_event talk makes a ringing registered phone answer (the SIP
// NOTIFY desk phones honour); trunks and unknown channels do not.
func TestESLPhoneEventTalkAnswersRingingPhone(t *testing.T) {
	s := startSim(t, Options{})
	c := authed(t, s)
	c.cmd("event plain CHANNEL_ANSWER", nil)
	s.DefineEndpoint(EndpointSpec{Number: "1001", Behavior: BehaviorRing})
	phone := newID()
	// api originate waits for the answer: ring in the background.
	c.cmd("bgapi originate {origination_uuid="+phone+"}user/1001 &park()", nil)
	trunk := newID()
	s.DefineEndpoint(EndpointSpec{Number: "13900000000", Behavior: BehaviorRing})
	c.cmd("bgapi originate {origination_uuid="+trunk+"}sofia/gateway/gw1/13900000000 &park()", nil)
	for _, id := range []string{phone, trunk} {
		waitFor(t, func() bool { info, err := s.Call(id); return err == nil && info.State == "ringing" })
	}
	state := func(id string) string {
		info, err := s.Call(id)
		if err != nil {
			t.Fatal(err)
		}
		return info.State
	}
	if st := state(phone); st != "ringing" {
		t.Fatalf("phone %s before talk", st)
	}
	tests := []struct {
		name, cmd, reply string
		leg, state       string
	}{
		{"hold does not answer", "uuid_phone_event " + phone + " hold", "+OK Success\n", phone, "ringing"},
		{"a mobile through a trunk cannot be answered remotely", "uuid_phone_event " + trunk + " talk", "+OK Success\n", trunk, "ringing"},
		{"talk answers the desk phone", "uuid_phone_event " + phone + " talk", "+OK Success\n", phone, "up"},
		{"talk on an answered phone changes nothing", "uuid_phone_event " + phone + " talk", "+OK Success\n", phone, "up"},
		{"missing channel", "uuid_phone_event 00000000-0000-0000-0000-000000000000 talk", "-ERR Operation Failed\n", "", ""},
		{"no uuid: usage, then the failed status", "uuid_phone_event", usagePhoneEvent + "-ERR Operation Failed\n", "", ""},
	}
	var events []map[string]string
	for _, tt := range tests {
		if r := c.cmd("api "+tt.cmd, &events); r.body != tt.reply {
			t.Fatalf("%s: replied %q, want %q", tt.name, r.body, tt.reply)
		}
		if tt.leg != "" {
			if st := state(tt.leg); st != tt.state {
				t.Fatalf("%s: state %s, want %s", tt.name, st, tt.state)
			}
		}
	}
	for _, e := range events {
		if e["Event-Name"] == "CHANNEL_ANSWER" && e["Unique-ID"] == phone {
			return
		}
	}
	c.waitEvent("CHANNEL_ANSWER", phone)
}

// ARI mute and unmute with a direction Asterisk does not know answer 400
// "Invalid direction specified" (resource_channels.c).
func TestARIMuteInvalidDirection(t *testing.T) {
	s := startSim(t, Options{ARIApp: "cc"})
	c := dialARI(t, s, "cc", false)
	id, _ := s.PlaceCall(CallSpec{Front: FrontAsterisk, From: "100", To: "4000"})
	c.wait("StasisStart", id)
	for _, method := range []string{"POST", "DELETE"} {
		st, body, _ := c.do(method, "/channels/"+id+"/mute", url.Values{"direction": {"sideways"}}, "")
		if st != 400 || body["message"] != "Invalid direction specified" {
			t.Fatalf("%s mute?direction=sideways: %d %v", method, st, body)
		}
	}
}
