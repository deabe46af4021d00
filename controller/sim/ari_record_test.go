package sim

import (
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// bridgedPair places an answered caller and an agent in bridge "br" and
// returns the caller's channel id.
func bridgedPair(t *testing.T, s *Sim, c *ariClient) string {
	t.Helper()
	s.DefineEndpoint(EndpointSpec{Number: "1001"})
	id, _ := s.PlaceCall(CallSpec{Front: FrontAsterisk, From: "100", To: "4000"})
	c.wait("StasisStart", id)
	c.do("POST", "/channels/"+id+"/answer", nil, "")
	c.do("POST", "/channels", url.Values{"endpoint": {"PJSIP/1001"}, "app": {"cc"}, "channelId": {"ag"}}, "")
	c.wait("StasisStart", "ag")
	c.do("POST", "/bridges", url.Values{"bridgeId": {"br"}}, "")
	if st, _, _ := c.do("POST", "/bridges/br/addChannel", url.Values{"channel": {id + ",ag"}}, ""); st != 204 {
		t.Fatalf("addChannel %d", st)
	}
	return id
}

// Real Asterisk (res_stasis_recording.c record_file) accepts the request
// with 201, and fails it on the channel's thread: RecordingFailed with cause
// "Cannot record channel while in bridge" (on the kit's server before the
// reply, which then says "failed"), the live recording is gone and no file
// is written.
func TestARIRecordingABridgedChannelFails(t *testing.T) {
	s := startSim(t, Options{ARIApp: "cc"})
	c := dialARI(t, s, "cc", false)
	id := bridgedPair(t, s, c)
	st, rec, _ := c.do("POST", "/channels/"+id+"/record", url.Values{"name": {"in-bridge"}, "format": {"wav"}, "ifExists": {"overwrite"}}, "")
	if st != 201 || rec["state"] != "failed" || rec["target_uri"] != "channel:"+id {
		t.Fatalf("record: %d %v", st, rec)
	}
	ev := c.wait("RecordingFailed", "")
	r := ev["recording"].(map[string]any)
	if r["name"] != "in-bridge" || r["state"] != "failed" || r["cause"] != "Cannot record channel while in bridge" || r["target_uri"] != "channel:"+id {
		t.Fatalf("failed event: %v", ev)
	}
	if _, has := r["duration"]; has {
		t.Fatalf("a recording that never ran has no duration: %v", r)
	}
	if st, body, _ := c.do("GET", "/recordings/live/in-bridge", nil, ""); st != 404 || body["message"] != "Recording not found" {
		t.Fatalf("live after failure: %d %v", st, body)
	}
	if st, _, _ := c.do("POST", "/recordings/live/in-bridge/pause", nil, ""); st != 404 {
		t.Fatalf("pause after failure: %d", st)
	}
	if _, err := os.Stat(filepath.Join(s.opts.RecordingDir, "in-bridge.wav")); !os.IsNotExist(err) {
		t.Fatalf("a failed recording wrote a file: %v", err)
	}
	if _, _, list := c.do("GET", "/recordings/stored", nil, ""); len(list) != 0 {
		t.Fatalf("stored after failure: %v", list)
	}
}

// A channel recording (queued or running) refuses bridging:
// resource_bridges.c check_add_remove_channel answers 409 "Channel X
// currently recording". Once it stopped, the channel may join.
func TestARIBridgingARecordingChannelIsRefused(t *testing.T) {
	s := startSim(t, Options{ARIApp: "cc"})
	s.DefineEndpoint(EndpointSpec{Number: "1001"})
	c := dialARI(t, s, "cc", false)
	id, _ := s.PlaceCall(CallSpec{Front: FrontAsterisk, From: "100", To: "4000"})
	c.wait("StasisStart", id)
	c.do("POST", "/channels/"+id+"/answer", nil, "")
	if st, _, _ := c.do("POST", "/channels/"+id+"/record", url.Values{"name": {"vm"}, "format": {"wav"}}, ""); st != 201 {
		t.Fatalf("record %d", st)
	}
	c.wait("RecordingStarted", "")
	c.do("POST", "/bridges", url.Values{"bridgeId": {"br"}}, "")
	st, body, _ := c.do("POST", "/bridges/br/addChannel", url.Values{"channel": {id}}, "")
	if st != 409 || body["message"] != "Channel "+id+" currently recording" {
		t.Fatalf("addChannel while recording: %d %v", st, body)
	}
	c.do("POST", "/recordings/live/vm/stop", nil, "")
	c.wait("RecordingFinished", "")
	if st, _, _ := c.do("POST", "/bridges/br/addChannel", url.Values{"channel": {id}}, ""); st != 204 {
		t.Fatalf("addChannel after the recording: %d", st)
	}
}

// A snoop channel is not in the bridge its target is in: recording it
// works, and the file holds the call (how ipcc records bridged calls).
func TestARIRecordingASnoopOfABridgedChannel(t *testing.T) {
	s := startSim(t, Options{ARIApp: "cc"})
	c := dialARI(t, s, "cc", false)
	id := bridgedPair(t, s, c)
	if st, _, _ := c.do("POST", "/channels/"+id+"/snoop", url.Values{"app": {"cc"}, "spy": {"both"}, "snoopId": {"rec-snoop"}}, ""); st != 200 {
		t.Fatalf("snoop %d", st)
	}
	if st, _, _ := c.do("POST", "/channels/rec-snoop/record", url.Values{"name": {"call"}, "format": {"wav"}}, ""); st != 201 {
		t.Fatalf("record snoop %d", st)
	}
	started := c.wait("RecordingStarted", "")
	if started["recording"].(map[string]any)["target_uri"] != "channel:rec-snoop" {
		t.Fatalf("started %v", started)
	}
	time.Sleep(20 * time.Millisecond)
	c.do("POST", "/recordings/live/call/stop", nil, "")
	c.wait("RecordingFinished", "")
	if _, err := os.Stat(filepath.Join(s.opts.RecordingDir, "call.wav")); err != nil {
		t.Fatal(err)
	}
}

// An originated channel answers before it enters the application: real
// Asterisk sends ChannelStateChange Up (and Dial ANSWER) some time before
// StasisStart, and refuses to bridge it meanwhile with 422 "Channel not in
// Stasis application" (resource_bridges.c find_channel_control).
func TestARIOriginatedChannelIsUpBeforeStasisStart(t *testing.T) {
	s := startSim(t, Options{ARIApp: "cc", StasisStartDelay: 300 * time.Millisecond})
	s.DefineEndpoint(EndpointSpec{Number: "1001"})
	c := dialARI(t, s, "cc", false)
	c.do("POST", "/bridges", url.Values{"bridgeId": {"br"}}, "")
	c.do("POST", "/channels", url.Values{"endpoint": {"PJSIP/1001"}, "app": {"cc"}, "channelId": {"ag"}}, "")
	for {
		ev := c.wait("ChannelStateChange", "ag")
		if ev["channel"].(map[string]any)["state"] == "Up" {
			break
		}
	}
	st, body, _ := c.do("POST", "/bridges/br/addChannel", url.Values{"channel": {"ag"}}, "")
	if st != 422 || body["message"] != "Channel not in Stasis application" {
		t.Fatalf("addChannel between answer and StasisStart: %d %v", st, body)
	}
	c.wait("StasisStart", "ag")
	if st, _, _ := c.do("POST", "/bridges/br/addChannel", url.Values{"channel": {"ag"}}, ""); st != 204 {
		t.Fatalf("addChannel after StasisStart: %d", st)
	}
}

// writeTestWAV writes a 16-bit PCM WAV of 100 ms at rate with channels.
func writeTestWAV(t *testing.T, path string, rate, channels int) {
	t.Helper()
	n := rate / 10 * channels * 2
	b := make([]byte, 44+n)
	copy(b, "RIFF")
	le32(b[4:], uint32(36+n))
	copy(b[8:], "WAVEfmt ")
	le32(b[16:], 16)
	b[20], b[22] = 1, byte(channels)
	le32(b[24:], uint32(rate))
	le32(b[28:], uint32(rate*channels*2))
	b[32], b[34] = byte(channels*2), 16
	copy(b[36:], "data")
	le32(b[40:], uint32(n))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func le32(b []byte, v uint32) { b[0], b[1], b[2], b[3] = byte(v), byte(v>>8), byte(v>>16), byte(v>>24) }

// Asterisk's format_wav plays a ".wav" only if it is 16-bit mono 8 kHz
// (".wav16": 16 kHz): for another rate the file does not open ("Unexpected
// frequency mismatch 22050 (expecting 8000)") and the playback of that item
// fails: PlaybackStarted, then PlaybackFinished with state "failed" when it
// was the last item (res_stasis_playback.c playback_final_update), or
// PlaybackContinuing when more follow.
func TestARIPlaybackOfAWAVAsteriskCannotPlayFails(t *testing.T) {
	s := startSim(t, Options{ARIApp: "cc"})
	c := dialARI(t, s, "cc", false)
	dir := t.TempDir()
	writeTestWAV(t, filepath.Join(dir, "tts22k.wav"), 22050, 1)
	writeTestWAV(t, filepath.Join(dir, "tts8k.wav"), 8000, 1)
	writeTestWAV(t, filepath.Join(dir, "stereo8k.wav"), 8000, 2)
	writeTestWAV(t, filepath.Join(dir, "wide.wav16"), 16000, 1)
	id, _ := s.PlaceCall(CallSpec{Front: FrontAsterisk, From: "100", To: "4000"})
	c.wait("StasisStart", id)
	c.do("POST", "/channels/"+id+"/answer", nil, "")
	for _, tc := range []struct{ file, state string }{
		{"tts22k", "failed"}, {"stereo8k", "failed"}, {"tts8k", "done"}, {"wide", "done"},
	} {
		pid := "pb-" + tc.file
		if st, _, _ := c.do("POST", "/channels/"+id+"/play", url.Values{"media": {"sound:" + filepath.Join(dir, tc.file)}, "playbackId": {pid}}, ""); st != 201 {
			t.Fatalf("play %s: %d", tc.file, st)
		}
		if ev := c.wait("PlaybackStarted", ""); ev["playback"].(map[string]any)["id"] != pid {
			t.Fatalf("started %v", ev)
		}
		ev := c.wait("PlaybackFinished", "")
		if pb := ev["playback"].(map[string]any); pb["id"] != pid || pb["state"] != tc.state {
			t.Fatalf("%s: finished %v, want state %s", tc.file, pb, tc.state)
		}
	}
	// A bad file before a good one: the playback goes on to the next item
	// and ends "done" (Asterisk says nothing more).
	c.do("POST", "/channels/"+id+"/play", url.Values{"media": {"sound:" + filepath.Join(dir, "tts22k") + ",digits:12"}, "playbackId": {"pb-list"}}, "")
	c.wait("PlaybackContinuing", "")
	if ev := c.wait("PlaybackStarted", ""); ev["playback"].(map[string]any)["media_uri"] != "digits:12" {
		t.Fatalf("next item started %v", ev)
	}
	if ev := c.wait("PlaybackFinished", ""); ev["playback"].(map[string]any)["state"] != "done" {
		t.Fatalf("list finished %v", ev)
	}
	info, _ := s.Call(id)
	for _, h := range info.Heard {
		if filepath.Base(h.Value) == "tts22k" || filepath.Base(h.Value) == "stereo8k" {
			t.Fatalf("the caller heard a file Asterisk cannot play: %+v", h)
		}
	}
}

// Asterisk creates a recording's folders when the request arrives; a file
// in the way makes mkdir fail with EEXIST, reported as 409.
func TestARIRecordingFolderBlockedByAFile(t *testing.T) {
	s := startSim(t, Options{ARIApp: "cc"})
	c := dialARI(t, s, "cc", false)
	id, _ := s.PlaceCall(CallSpec{Front: FrontAsterisk, From: "100", To: "4000"})
	c.wait("StasisStart", id)
	c.do("POST", "/channels/"+id+"/answer", nil, "")
	if err := os.WriteFile(filepath.Join(s.opts.RecordingDir, "acme"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	st, body, _ := c.do("POST", "/channels/"+id+"/record", url.Values{"name": {"acme/2026-11-22/c1"}, "format": {"wav"}}, "")
	if st != 409 || body["message"] != "Recording 'acme/2026-11-22/c1' already exists and can not be overwritten" {
		t.Fatalf("record under a file: %d %v", st, body)
	}
	if st, _, _ := c.do("POST", "/channels/"+id+"/record", url.Values{"name": {"other/2026-11-22/c1"}, "format": {"wav"}}, ""); st != 201 {
		t.Fatalf("record in a new folder: %d", st)
	}
}

// A Local channel whose far half signals busy (Busy()) tells its
// originator only through the Dial event: dialstatus BUSY, then its
// ChannelDestroyed carries no cause (0). With Hangup(17) it is cause 17
// as well (ari-hangup-causes.jsonl, far-busy).
func TestARILocalBusyToneIsOnlyInDial(t *testing.T) {
	s := startSim(t, Options{ARIApp: "cc"})
	c := dialARI(t, s, "cc", false)
	for _, tc := range []struct {
		ext   string
		cause float64
	}{{"busytone-1002", 0}, {"busy-1002", 17}} {
		id := "o-" + tc.ext
		if st, _, _ := c.do("POST", "/channels", url.Values{"endpoint": {"Local/" + tc.ext + "@" + TestPhoneContext}, "app": {"cc"}, "channelId": {id}}, ""); st != 200 {
			t.Fatalf("originate %d", st)
		}
		var statuses []string
		for {
			e := c.wait("Dial", "")
			peer := e["peer"].(map[string]any)
			if peer["id"] != id {
				continue
			}
			statuses = append(statuses, e["dialstatus"].(string))
			if e["dialstatus"] != "" {
				break
			}
		}
		if len(statuses) != 2 || statuses[1] != "BUSY" {
			t.Fatalf("%s: dial statuses %q", tc.ext, statuses)
		}
		if d := c.wait("ChannelDestroyed", id); d["cause"].(float64) != tc.cause {
			t.Fatalf("%s: destroyed %v", tc.ext, d)
		}
	}
}
