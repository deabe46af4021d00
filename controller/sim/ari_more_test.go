package sim

import (
	"context"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func TestARIPlaybackRecordingControls(t *testing.T) {
	s := startSim(t, Options{ARIApp: "cc", MediaDuration: 300 * time.Millisecond})
	c := dialARI(t, s, "cc", false)
	id, _ := s.PlaceCall(CallSpec{Front: FrontAsterisk, From: "100", To: "4000"})
	c.wait("StasisStart", id)
	c.do("POST", "/channels/"+id+"/answer", nil, "")
	st, pb, _ := c.do("POST", "/channels/"+id+"/play", url.Values{"media": {"sound:hello-world,number:42,digits:1001,tone:ring"}, "playbackId": {"pb-1"}}, "")
	if st != 201 || pb["state"] != "queued" || pb["target_uri"] != "channel:"+id {
		t.Fatalf("play %d %v", st, pb)
	}
	c.wait("PlaybackStarted", "")
	c.do("POST", "/playbacks/pb-1/control", url.Values{"operation": {"pause"}}, "")
	if _, got, _ := c.do("GET", "/playbacks/pb-1", nil, ""); got["state"] != "paused" {
		t.Fatalf("paused: %v", got)
	}
	c.do("POST", "/playbacks/pb-1/control", url.Values{"operation": {"unpause"}}, "")
	c.wait("PlaybackStarted", "") // Asterisk announces it again
	c.do("DELETE", "/playbacks/pb-1", nil, "")
	c.wait("PlaybackFinished", "")
	st, rec, _ := c.do("POST", "/channels/"+id+"/record", url.Values{"name": {"r1"}, "format": {"wav"}, "ifExists": {"overwrite"}}, "")
	if st != 201 || rec["state"] != "queued" {
		t.Fatalf("record %d %v", st, rec)
	}
	c.do("POST", "/recordings/live/r1/pause", nil, "")
	if _, got, _ := c.do("GET", "/recordings/live/r1", nil, ""); got["state"] != "paused" {
		t.Fatalf("rec paused: %v", got)
	}
	c.do("DELETE", "/recordings/live/r1/pause", nil, "")
	c.do("POST", "/recordings/live/r1/stop", nil, "")
	fin := c.wait("RecordingFinished", "")
	if fin["recording"].(map[string]any)["name"] != "r1" {
		t.Fatalf("finished %v", fin)
	}
	if _, _, list := c.do("GET", "/recordings/stored", nil, ""); len(list) != 1 {
		t.Fatalf("stored %v", list)
	}
	if st, body, _ := c.do("POST", "/channels/"+id+"/record", url.Values{"name": {"r1"}, "format": {"wav"}, "ifExists": {"fail"}}, ""); st != 409 ||
		body["message"] != "Recording 'r1' already exists and can not be overwritten" {
		t.Fatalf("409: %d %v", st, body)
	}
	info, _ := s.Call(id)
	var kinds []string
	for _, h := range info.Heard {
		kinds = append(kinds, h.Kind+":"+h.Value)
	}
	if got := strings.Join(kinds, " "); !strings.HasPrefix(got, "file:sound:hello-world") {
		t.Fatalf("heard %s", got)
	}
	if _, err := os.Stat(info.Recordings[0]); err != nil {
		t.Fatalf("recording file: %v", err)
	}
}

func TestARIHoldMuteContinueAndLostEvents(t *testing.T) {
	s := startSim(t, Options{ARIApp: "cc"})
	s.DefineEndpoint(EndpointSpec{Number: "1001"})
	s.DefineEndpoint(EndpointSpec{Number: "7000"})
	c := dialARI(t, s, "cc", false)
	id, _ := s.PlaceCall(CallSpec{Front: FrontAsterisk, From: "100", To: "4000"})
	c.wait("StasisStart", id)
	c.do("POST", "/channels/"+id+"/answer", nil, "")
	c.do("POST", "/channels", url.Values{"endpoint": {"PJSIP/1001"}, "app": {"cc"}, "channelId": {"ag"}}, "")
	c.wait("StasisStart", "ag")
	c.do("POST", "/bridges", url.Values{"bridgeId": {"b"}}, "")
	c.do("POST", "/bridges/b/addChannel", url.Values{"channel": {id + ",ag"}}, "")
	if st, _, _ := c.do("POST", "/channels/"+id+"/hold", nil, ""); st != 204 || s.Hears("ag", id) {
		t.Fatalf("hold %d", st)
	}
	c.do("DELETE", "/channels/"+id+"/hold", nil, "")
	c.do("POST", "/channels/ag/mute", url.Values{"direction": {"in"}}, "")
	if s.Hears(id, "ag") || !s.Hears("ag", id) {
		t.Fatal("mute in: the agent's voice must not pass, the agent still hears")
	}
	c.do("DELETE", "/channels/ag/mute", url.Values{"direction": {"in"}}, "")
	if st, v, _ := c.do("GET", "/channels/"+id+"/variable", url.Values{"variable": {"NOPE"}}, ""); st != 404 {
		t.Fatalf("var %d %v", st, v)
	}
	// continue to extension 7000: the caller leaves Stasis and is connected there.
	c.do("POST", "/channels/"+id+"/continue", url.Values{"context": {"default"}, "extension": {"7000"}}, "")
	c.wait("StasisEnd", id)
	waitFor(t, func() bool {
		info, _ := s.Call(id)
		return len(info.BridgedWith) == 1
	})
	if _, body, _ := c.do("GET", "/applications/cc", nil, ""); body["name"] != "cc" {
		t.Fatalf("app %v", body)
	}
}

func TestARIEventsLostWithoutSocket(t *testing.T) {
	s := startSim(t, Options{ARIApp: "cc"})
	ws := strings.Replace(s.ARIURL(), "http://", "ws://", 1) + "/events?api_key=ari:ari&app=cc"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := s.PlaceCall(CallSpec{Front: FrontAsterisk, From: "100", To: "4000"})
	if _, b, err := conn.Read(ctx); err != nil || !strings.Contains(string(b), `"StasisStart"`) {
		t.Fatalf("first event %s %v", b, err)
	}
	conn.Close(websocket.StatusNormalClosure, "")
	waitFor(t, func() bool { return !s.ari.appConnected("cc") })
	s.Press(id, "1") // lost: no socket
	conn2, _, err := websocket.Dial(ctx, ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close(websocket.StatusNormalClosure, "")
	s.Press(id, "2")
	_, b, err := conn2.Read(ctx)
	if err != nil || !strings.Contains(string(b), `"digit":"2"`) {
		t.Fatalf("after reconnect got %s %v (the digit 1 must be lost)", b, err)
	}
}

func TestESLShowAndDump(t *testing.T) {
	s := startSim(t, Options{ShowLag: -1}) // the lag has its own test
	c := authed(t, s)
	caller, agent := fsCallWithAgent(t, s, c)
	r := c.cmd("api show calls as json", nil)
	if !strings.HasPrefix(r.body, `{"row_count":1,"rows":[{"uuid":"`+caller) || !strings.Contains(r.body, `"b_uuid":"`+agent+`"`) {
		t.Fatalf("show calls: %s", r.body)
	}
	if r := c.cmd("api show channels count", nil); r.body != "\n2 total.\n" {
		t.Fatalf("count %q", r.body)
	}
	r = c.cmd("api uuid_dump "+caller+" json", nil)
	if !strings.HasPrefix(r.body, `{"Event-Name":"CHANNEL_DATA"`) || !strings.Contains(r.body, `"variable_ipcc_did":"4000"`) {
		t.Fatalf("dump json %s", r.body)
	}
	r = c.cmd("api uuid_dump "+caller, nil)
	if !strings.HasPrefix(r.body, "Channel-State: CS_EXECUTE\n") {
		t.Fatalf("dump %s", r.body)
	}
	if r := c.cmd("api uuid_getvar "+caller+" nope", nil); r.body != "_undef_" {
		t.Fatalf("getvar %q", r.body)
	}
}
