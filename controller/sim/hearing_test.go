package sim

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fsCallWithAgent sets up caller <-> agent bridged on the ESL front-end.
func fsCallWithAgent(t *testing.T, s *Sim, c *eslClient) (caller, agent string) {
	t.Helper()
	s.DefineEndpoint(EndpointSpec{Number: "1001"})
	caller, _ = s.PlaceCall(CallSpec{From: "15551230001", To: "4000"})
	agent = newID()
	c.cmd("api uuid_answer "+caller, nil)
	if r := c.cmd("api originate {origination_uuid="+agent+"}user/1001 &park()", nil); r.body != "+OK "+agent+"\n" {
		t.Fatalf("originate agent: %q", r.body)
	}
	c.cmd("api uuid_bridge "+caller+" "+agent, nil)
	return caller, agent
}

func TestEavesdropModesFreeSWITCH(t *testing.T) {
	s := startSim(t, Options{})
	c := authed(t, s)
	caller, agent := fsCallWithAgent(t, s, c)
	s.DefineEndpoint(EndpointSpec{Number: "1002"})
	sup := newID()
	if r := c.cmd("api originate {origination_uuid="+sup+",eavesdrop_enable_dtmf=true}user/1002 &eavesdrop("+agent+")", nil); r.body != "+OK "+sup+"\n" {
		t.Fatalf("eavesdrop originate: %q", r.body)
	}
	type want struct{ supHearsBoth, agentHearsSup, callerHearsSup bool }
	check := func(name string, w want) {
		t.Helper()
		got := want{s.Hears(sup, caller) && s.Hears(sup, agent), s.Hears(agent, sup), s.Hears(caller, sup)}
		if got != w {
			t.Errorf("%s: got %+v want %+v", name, got, w)
		}
		if !s.Hears(caller, agent) || !s.Hears(agent, caller) {
			t.Errorf("%s: caller and agent must keep hearing each other", name)
		}
	}
	check("listen", want{true, false, false})
	c.cmd("api uuid_recv_dtmf "+sup+" 2", nil)
	check("whisper (DTMF 2)", want{true, true, false})
	c.cmd("api uuid_recv_dtmf "+sup+" 3", nil)
	check("barge (DTMF 3)", want{true, true, true})
	c.cmd("api uuid_recv_dtmf "+sup+" 0", nil)
	check("listen (DTMF 0)", want{true, false, false})
	c.cmd("api uuid_setvar "+sup+" eavesdrop_whisper_aleg true", nil)
	check("whisper (variable)", want{true, true, false})
	c.cmd("api uuid_kill "+sup, nil)
	if s.Hears(agent, sup) {
		t.Error("a gone spy is heard")
	}
	if !s.EverHeard(caller, sup) || !s.EverHeard(agent, sup) {
		t.Error("history lost the barge")
	}
}

func TestConferenceAndHold(t *testing.T) {
	s := startSim(t, Options{})
	c := authed(t, s)
	caller, agent := fsCallWithAgent(t, s, c)
	c.cmd("api uuid_hold "+caller, nil)
	if s.Hears(agent, caller) || s.Hears(caller, agent) {
		t.Error("held leg must not be heard nor hear")
	}
	// switch_ivr_hold: the music goes to the held leg's partner.
	if info, _ := s.Call(agent); info.Music == "" {
		t.Errorf("the held caller's partner should hear music on hold: %+v", info.Heard)
	}
	c.cmd("api uuid_hold off "+caller, nil)
	if !s.Hears(agent, caller) {
		t.Error("unhold must restore audio")
	}
	if r := c.cmd("api uuid_transfer "+caller+" -both conference:room1@default inline", nil); r.body != "+OK\n" {
		t.Fatalf("transfer: %q", r.body)
	}
	if !s.Hears(agent, caller) || !s.Hears(caller, agent) {
		t.Error("conference members must hear each other")
	}
	r := c.cmd("api conference room1 mute all", nil)
	if r.body != "+OK mute 1\n+OK mute 2\n" {
		t.Errorf("mute reply %q", r.body)
	}
	if s.Hears(agent, caller) {
		t.Error("muted members must not be heard")
	}
	if r := c.cmd("api conference list", nil); !bytes.Contains([]byte(r.body), []byte("+OK Conference room1 (2 members")) {
		t.Errorf("list: %q", r.body)
	}
}

// wavWithComment writes a WAV whose LIST/INFO/ICMT carries text, like the
// TTS renderer does.
func wavWithComment(t *testing.T, path, text string, d time.Duration) {
	t.Helper()
	if err := writeWAV(path, d); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(path)
	icmt := append([]byte(text), 0)
	if len(icmt)%2 == 1 {
		icmt = append(icmt, 0)
	}
	var list bytes.Buffer
	list.WriteString("INFO")
	list.WriteString("ICMT")
	binary.Write(&list, binary.LittleEndian, uint32(len(icmt)))
	list.Write(icmt)
	var chunk bytes.Buffer
	chunk.WriteString("LIST")
	binary.Write(&chunk, binary.LittleEndian, uint32(list.Len()))
	chunk.Write(list.Bytes())
	raw = append(raw, chunk.Bytes()...)
	binary.LittleEndian.PutUint32(raw[4:8], uint32(len(raw)-8))
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestPlaybackTextRecordingAndDigits(t *testing.T) {
	s := startSim(t, Options{})
	c := authed(t, s)
	c.cmd("event plain CHANNEL_EXECUTE_COMPLETE RECORD_STOP PLAYBACK_STOP", nil)
	id, _ := s.PlaceCall(CallSpec{From: "100", To: "4000", Press: []Press{{After: 50 * time.Millisecond, Digits: "42#"}}})
	dir := t.TempDir()
	prompt := filepath.Join(dir, "welcome.wav")
	wavWithComment(t, prompt, "Welcome to ipcc", 60*time.Millisecond)
	c.cmd("api uuid_answer "+id, nil)
	rec := filepath.Join(dir, "rec", "call.wav")
	c.cmd("api uuid_record "+id+" start "+rec, nil)
	c.send("sendmsg " + id + "\ncall-command: execute\nexecute-app-name: play_and_get_digits\nexecute-app-arg: 1 4 1 3000 # " + prompt + " silence_stream://100 pagd_result \\d+ 2000")
	done := c.waitEvent("CHANNEL_EXECUTE_COMPLETE", id)
	if done["Application"] != "play_and_get_digits" || done["variable_pagd_result"] != "42" || done["variable_read_result"] != "success" {
		t.Fatalf("pagd: app=%s result=%q read=%q", done["Application"], done["variable_pagd_result"], done["variable_read_result"])
	}
	time.Sleep(100 * time.Millisecond)
	c.cmd("api uuid_record "+id+" stop "+rec, nil)
	c.waitEvent("RECORD_STOP", id)
	info, _ := s.Call(id)
	if len(info.Heard) == 0 || info.Heard[0].Text != "Welcome to ipcc" {
		t.Errorf("heard: %+v", info.Heard)
	}
	if info.DTMFReceived != "42#" {
		t.Errorf("dtmf %q", info.DTMFReceived)
	}
	wi, err := readWAVInfo(rec)
	if err != nil || wi.duration < 100*time.Millisecond || wi.duration > 2*time.Second {
		t.Errorf("recording: %+v %v", wi, err)
	}
}

func TestOriginateBehaviours(t *testing.T) {
	s := startSim(t, Options{})
	s.DefineEndpoint(EndpointSpec{Number: "2001", Behavior: BehaviorBusy})
	s.DefineEndpoint(EndpointSpec{Number: "2002", Behavior: BehaviorReject})
	s.DefineEndpoint(EndpointSpec{Number: "2003", Behavior: BehaviorRing})
	s.DefineEndpoint(EndpointSpec{Number: "2004", AnswerAfter: 10 * time.Millisecond, HangupAfter: 30 * time.Millisecond})
	c := authed(t, s)
	c.cmd("event plain CHANNEL_HANGUP_COMPLETE", nil)
	for num, want := range map[string]string{"2001": "-ERR USER_BUSY\n", "2002": "-ERR CALL_REJECTED\n",
		"2003": "-ERR NO_ANSWER\n", "9999": "-ERR SUBSCRIBER_ABSENT\n"} {
		if r := c.cmd("api originate {originate_timeout=1}user/"+num+" &park()", nil); r.body != want {
			t.Errorf("%s: %q want %q", num, r.body, want)
		}
	}
	id := newID()
	if r := c.cmd("api originate {origination_uuid="+id+"}sofia/gateway/trunk1/2004 &park()", nil); r.body != "+OK "+id+"\n" {
		t.Fatalf("2004: %q", r.body)
	}
	e := c.waitEvent("CHANNEL_HANGUP_COMPLETE", id)
	if e["Hangup-Cause"] != "NORMAL_CLEARING" {
		t.Errorf("far hangup: %v", e["Hangup-Cause"])
	}
	if info, _ := s.Call(id); info.HangupBy != "remote" {
		t.Errorf("hangup by %q", info.HangupBy)
	}
}

// TestDriverStyleCommands replays the command shapes the FreeSWITCH driver
// renders: inline conference join/leave, playback with file parameters,
// say, eavesdrop by sendmsg with Event-UUID and uuid_break.
func TestDriverStyleCommands(t *testing.T) {
	s := startSim(t, Options{})
	c := authed(t, s)
	c.cmd("event plain CHANNEL_PARK CHANNEL_EXECUTE CHANNEL_EXECUTE_COMPLETE PLAYBACK_START CUSTOM conference::maintenance", nil)
	caller, agent := fsCallWithAgent(t, s, c)
	c.send("sendmsg " + caller + "\ncall-command: execute\nexecute-app-name: playback\nexecute-app-arg: {ipcc_playback_id=pb-7,ipcc_playback_item=0}tone_stream://%(100,0,440)\nevent-lock: true")
	ps := c.waitEvent("PLAYBACK_START", caller)
	if ps["ipcc_playback_id"] != "pb-7" || ps["Playback-File-Path"] != "tone_stream://%(100,0,440)" {
		t.Fatalf("playback params: id=%q path=%q", ps["ipcc_playback_id"], ps["Playback-File-Path"])
	}
	c.send("sendmsg " + caller + "\ncall-command: execute\nexecute-app-name: say\nexecute-app-arg: en number iterated 1001\nevent-lock: true\nEvent-UUID: say-1")
	if e := c.waitEvent("CHANNEL_EXECUTE_COMPLETE", caller); e["Application"] != "playback" {
		t.Fatalf("first completion %v", e["Application"])
	}
	if e := c.waitEvent("CHANNEL_EXECUTE_COMPLETE", caller); e["Application-UUID"] != "say-1" {
		t.Fatalf("say completion %v", e["Application-UUID"])
	}
	for _, leg := range []string{caller, agent} {
		if r := c.cmd("api uuid_transfer "+leg+" answer,conference:room9@default++flags{mute},park inline", nil); r.body != "+OK\n" {
			t.Fatalf("join: %q", r.body)
		}
	}
	r := c.cmd("api conference room9 json_list", nil)
	var confs []struct {
		Members []struct {
			ID    int    `json:"id"`
			UUID  string `json:"uuid"`
			Flags struct {
				CanSpeak bool `json:"can_speak"`
			} `json:"flags"`
		} `json:"members"`
	}
	if err := json.Unmarshal([]byte(r.body), &confs); err != nil || len(confs) != 1 || len(confs[0].Members) != 2 || confs[0].Members[0].Flags.CanSpeak {
		t.Fatalf("json_list %v %s", err, r.body)
	}
	if s.Hears(agent, caller) {
		t.Fatal("muted join must not be heard")
	}
	c.cmd(fmt.Sprintf("api conference room9 unmute %d", confs[0].Members[0].ID), nil)
	if !s.Hears(agent, caller) {
		t.Fatal("unmuted caller must be heard")
	}
	c.cmd("api uuid_transfer "+caller+" park inline", nil)
	if e := c.waitEvent("CHANNEL_PARK", caller); e["Unique-ID"] != caller {
		t.Fatal("leave must park")
	}
	// Eavesdrop through sendmsg with our Application-UUID, then break it.
	s.DefineEndpoint(EndpointSpec{Number: "1009"})
	sup := newID()
	c.cmd("api originate {origination_uuid="+sup+"}user/1009 &park()", nil)
	c.send("sendmsg " + sup + "\ncall-command: execute\nexecute-app-name: eavesdrop\nexecute-app-arg: " + agent + "\nEvent-UUID: ev-1")
	for {
		e := c.waitEvent("CHANNEL_EXECUTE", sup)
		if e["Application"] == "eavesdrop" {
			if e["Application-UUID"] != "ev-1" {
				t.Fatalf("eavesdrop uuid %q", e["Application-UUID"])
			}
			break
		}
	}
	if !s.Hears(sup, agent) {
		t.Fatal("spy must hear the agent")
	}
	c.cmd("api uuid_break "+sup+" all", nil)
	if s.Hears(sup, agent) {
		t.Fatal("break must end the eavesdrop")
	}
	c.waitEvent("CHANNEL_PARK", sup)
}
