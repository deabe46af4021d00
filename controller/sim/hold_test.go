package sim

import (
	"strings"
	"testing"
)

// FreeSWITCH's uuid_hold (switch_ivr_hold) silences the channel it holds
// and broadcasts that channel's hold_music to its bridged partner: a held
// caller with no partner — parked, waiting in a queue — hears nothing (its
// SIP phone gets a sendonly re-INVITE). Music reaches a channel only when
// played to it: a looping or endless playback, which uuid_break stops.
func TestFreeSWITCHHoldMusicGoesToThePartner(t *testing.T) {
	s := startSim(t, Options{})
	c := authed(t, s)

	// A parked caller held on its own hears silence.
	alone, _ := s.PlaceCall(CallSpec{From: "15551230009", To: "4000"})
	c.cmd("api uuid_answer "+alone, nil)
	c.cmd("api uuid_setvar "+alone+" hold_music local_stream://moh", nil)
	if r := c.cmd("api uuid_hold "+alone, nil); !strings.HasPrefix(r.body, "+OK") {
		t.Fatalf("uuid_hold: %q", r.body)
	}
	info, _ := s.Call(alone)
	if !info.Held || info.Music != "" {
		t.Fatalf("an unbridged held caller hears no music: held %v music %q heard %+v", info.Held, info.Music, info.Heard)
	}
	for _, h := range info.Heard {
		if h.Kind == "moh" {
			t.Fatalf("an unbridged held caller heard music: %+v", info.Heard)
		}
	}
	c.cmd("api uuid_hold off "+alone, nil)

	// Music played to it, looping, is heard until uuid_break.
	c.cmd(holdMusicMsg(alone), nil)
	if info, _ := s.Call(alone); info.Music != "local_stream://moh" {
		t.Fatalf("music played to the caller: %q", info.Music)
	}
	c.cmd("api uuid_break "+alone+" all", nil)
	if info, _ := s.Call(alone); info.Music != "" {
		t.Fatalf("music after uuid_break: %q", info.Music)
	}

	// Bridged: the partner hears the held leg's hold_music, the held leg
	// nothing; unhold stops the partner's music.
	caller, agent := fsCallWithAgent(t, s, c)
	c.cmd("api uuid_setvar "+caller+" hold_music local_stream://custom", nil)
	c.cmd("api uuid_hold "+caller, nil)
	if a, _ := s.Call(agent); a.Music != "local_stream://custom" {
		t.Errorf("the partner of the held leg hears %q, want its hold_music", a.Music)
	}
	if h, _ := s.Call(caller); h.Music != "" {
		t.Errorf("the held leg hears music %q", h.Music)
	}
	if s.Hears(caller, agent) || s.Hears(agent, caller) {
		t.Error("held: nobody hears anybody")
	}
	c.cmd("api uuid_hold off "+caller, nil)
	if a, _ := s.Call(agent); a.Music != "" {
		t.Errorf("after unhold the partner still hears %q", a.Music)
	}
	if !s.Hears(caller, agent) || !s.Hears(agent, caller) {
		t.Error("unhold restores the conversation")
	}

	// Music played to a bridged leg suspends the bridge while it plays
	// (how ipcc holds a bridged leg).
	c.cmd(holdMusicMsg(caller), nil)
	if h, _ := s.Call(caller); h.Music == "" || s.Hears(caller, agent) || s.Hears(agent, caller) {
		t.Errorf("music to a bridged leg: music %q, caller hears agent %v, agent hears caller %v",
			h.Music, s.Hears(caller, agent), s.Hears(agent, caller))
	}
	c.cmd("api uuid_break "+caller+" all", nil)
	if !s.Hears(caller, agent) || !s.Hears(agent, caller) {
		t.Error("after uuid_break the bridge carries audio again")
	}
}

func holdMusicMsg(leg string) string {
	return "sendmsg " + leg + "\ncall-command: execute\nexecute-app-name: playback\n" +
		"execute-app-arg: local_stream://moh\nevent-lock: true\nloops: -1"
}
