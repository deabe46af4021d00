package sim

import (
	"net/url"
	"testing"
	"time"
)

// waitPlayback waits for a playback event of the playback id.
func (c *ariClient) waitPlayback(typ, id string) map[string]any {
	c.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case e, ok := <-c.evs:
			if !ok {
				c.t.Fatalf("socket closed waiting for %s %s", typ, id)
			}
			if pb, _ := e["playback"].(map[string]any); e["type"] == typ && pb != nil && pb["id"] == id {
				return pb
			}
		case <-deadline:
			c.t.Fatalf("timeout waiting for %s %s", typ, id)
		}
	}
}

// A file played to a channel in a mixing bridge (how ipcc holds a bridged
// leg with hold music from a file on Asterisk) is a bridge action on that
// channel: while it plays or is paused the channel hears only the file, its
// voice leaves the mix and its partner hears neither (res_stasis_playback.c
// play_uri, bridge_channel.c BRIDGE_CHANNEL_ACTION_PLAY_FILE). The
// playbacks of a channel run one after the other: a second one is queued
// until the first finishes or is stopped (DELETE /playbacks/{id}).
func TestARIPlaybackToABridgedChannel(t *testing.T) {
	s := startSim(t, Options{ARIApp: "cc", MediaDuration: 300 * time.Millisecond})
	s.DefineEndpoint(EndpointSpec{Number: "1001", AnswerAfter: 10 * time.Millisecond})
	c := dialARI(t, s, "cc", false)
	id, _ := s.PlaceCall(CallSpec{Front: FrontAsterisk, From: "100", To: "4000"})
	c.wait("StasisStart", id)
	c.do("POST", "/channels/"+id+"/answer", nil, "")
	c.do("POST", "/channels", url.Values{"endpoint": {"PJSIP/1001"}, "app": {"cc"}, "channelId": {"ag"}}, "")
	c.wait("StasisStart", "ag")
	c.do("POST", "/bridges", url.Values{"bridgeId": {"b"}, "type": {"mixing"}}, "")
	c.do("POST", "/bridges/b/addChannel", url.Values{"channel": {id + ",ag"}}, "")
	c.wait("ChannelEnteredBridge", "ag")
	talking := func() bool { return s.Hears(id, "ag") && s.Hears("ag", id) }
	if !talking() {
		t.Fatal("bridged: both hear each other")
	}

	const music = "sound:/srv/prompts/acme/acme-music"
	st, pb, _ := c.do("POST", "/channels/"+id+"/play", url.Values{"media": {music}, "playbackId": {"hold-1"}}, "")
	if st != 201 || pb["state"] != "queued" || pb["target_uri"] != "channel:"+id {
		t.Fatalf("play: %d %v", st, pb)
	}
	c.waitPlayback("PlaybackStarted", "hold-1")
	caller, _ := s.Call(id)
	agent, _ := s.Call("ag")
	if caller.Playing != music || agent.Playing != "" || s.Hears(id, "ag") || s.Hears("ag", id) {
		t.Fatalf("file to a bridged channel: caller plays %q, agent plays %q, caller hears agent %v, agent hears caller %v",
			caller.Playing, agent.Playing, s.Hears(id, "ag"), s.Hears("ag", id))
	}
	c.do("POST", "/playbacks/hold-1/control", url.Values{"operation": {"pause"}}, "")
	if talking() {
		t.Fatal("a paused playback still holds the channel out of the mix")
	}
	c.do("POST", "/playbacks/hold-1/control", url.Values{"operation": {"unpause"}}, "")

	// A second playback waits for the first.
	if st, pb, _ := c.do("POST", "/channels/"+id+"/play", url.Values{"media": {music}, "playbackId": {"hold-2"}}, ""); st != 201 || pb["state"] != "queued" {
		t.Fatalf("second play: %d %v", st, pb)
	}
	if _, pb, _ := c.do("GET", "/playbacks/hold-2", nil, ""); pb["state"] != "queued" {
		t.Fatalf("the second playback while the first plays: %v", pb)
	}
	if st, _, _ := c.do("DELETE", "/playbacks/hold-1", nil, ""); st != 204 {
		t.Fatalf("stop: %d", st)
	}
	if fin := c.waitPlayback("PlaybackFinished", "hold-1"); fin["state"] != "done" {
		t.Fatalf("stopped playback: %v", fin)
	}
	c.waitPlayback("PlaybackStarted", "hold-2")
	if talking() {
		t.Fatal("the queued playback plays: still out of the mix")
	}
	// Played to the end: PlaybackFinished, and the channel is back in the mix.
	if fin := c.waitPlayback("PlaybackFinished", "hold-2"); fin["state"] != "done" {
		t.Fatalf("finished playback: %v", fin)
	}
	if !talking() {
		t.Fatal("after the playback both hear each other again")
	}
	if st, body, _ := c.do("DELETE", "/playbacks/hold-2", nil, ""); st != 404 || body["message"] != "Playback not found" {
		t.Fatalf("stop a finished playback: %d %v", st, body)
	}

	// A queued playback stopped before its turn never plays; what is
	// queued when the channel hangs up is dropped.
	c.do("POST", "/channels/"+id+"/play", url.Values{"media": {music}, "playbackId": {"hold-3"}}, "")
	c.do("POST", "/channels/"+id+"/play", url.Values{"media": {music}, "playbackId": {"hold-4"}}, "")
	c.do("POST", "/channels/"+id+"/play", url.Values{"media": {music}, "playbackId": {"hold-5"}}, "")
	c.do("DELETE", "/playbacks/hold-4", nil, "")
	c.waitPlayback("PlaybackFinished", "hold-4")
	c.do("DELETE", "/playbacks/hold-3", nil, "")
	c.waitPlayback("PlaybackStarted", "hold-5")
	if st, _, _ := c.do("DELETE", "/channels/"+id, nil, ""); st != 204 {
		t.Fatalf("hangup: %d", st)
	}
	waitFor(t, func() bool { st, _, _ := c.do("GET", "/playbacks/hold-5", nil, ""); return st == 404 })
	heard := 0
	caller, _ = s.Call(id)
	for _, h := range caller.Heard {
		if h.Value == music {
			heard++
		}
	}
	if heard != 4 { // hold-1, -2, -3 and -5
		t.Errorf("the caller heard the file %d times, want 4: %+v", heard, caller.Heard)
	}
}

// Real Asterisk refuses to stop a playback in its first moments, before
// its stream is controllable: DELETE /playbacks/{id} answers 500 "Could
// not stop playback" (seen on the kit's Asterisk when an unhold met a hold
// loop's next round). PlaybackStopSettle gives the simulator that window.
func TestARIPlaybackStopRefusedAtItsStart(t *testing.T) {
	s := startSim(t, Options{ARIApp: "cc", MediaDuration: time.Second, PlaybackStopSettle: 150 * time.Millisecond})
	c := dialARI(t, s, "cc", false)
	id, _ := s.PlaceCall(CallSpec{Front: FrontAsterisk, From: "100", To: "4000"})
	c.wait("StasisStart", id)
	c.do("POST", "/channels/"+id+"/answer", nil, "")
	c.do("POST", "/channels/"+id+"/play", url.Values{"media": {"sound:hello-world"}, "playbackId": {"p1"}}, "")
	c.waitPlayback("PlaybackStarted", "p1")
	if st, body, _ := c.do("DELETE", "/playbacks/p1", nil, ""); st != 500 || body["message"] != "Could not stop playback" {
		t.Fatalf("stop at the start: %d %v, want 500 Could not stop playback", st, body)
	}
	time.Sleep(200 * time.Millisecond)
	if st, body, _ := c.do("DELETE", "/playbacks/p1", nil, ""); st != 204 {
		t.Fatalf("stop once playing: %d %v, want 204", st, body)
	}
	c.waitPlayback("PlaybackFinished", "p1")
}
