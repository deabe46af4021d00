package sim

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// keyOrder lists the keys of a JSON object in document order.
func keyOrder(raw []byte) []string {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var keys []string
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return keys
		}
		keys = append(keys, t.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return keys
		}
	}
	return keys
}

// shape renders the key order of an event and of its nested objects, e.g.
// "type,timestamp,channel,... | channel:id,name,...".
func shape(raw []byte) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return ""
	}
	parts := []string{strings.Join(keyOrder(raw), ",")}
	for _, k := range []string{"channel", "peer", "bridge", "playback", "recording"} {
		if v, ok := obj[k]; ok {
			parts = append(parts, k+":"+strings.Join(keyOrder(v), ","))
		}
	}
	return strings.Join(parts, " | ")
}

type refARI struct {
	shapes   map[string]map[string]bool // event type -> shapes seen
	errors   map[string]bool            // "status message"
	restKeys map[string]bool            // key orders of 2xx object bodies
}

func loadARIRef(t *testing.T) refARI {
	r := refARI{shapes: map[string]map[string]bool{}, errors: map[string]bool{}, restKeys: map[string]bool{}}
	for _, f := range []string{"ari-transcript.jsonl", "ari-errors.jsonl", "ari-hangup-causes.jsonl", "ari-wsloss.jsonl",
		"ari-resync.jsonl", "ari-continue-move-userevent.jsonl"} {
		fh, err := os.Open(refFile(t, f))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for sc.Scan() {
			var line struct {
				Kind   string          `json:"kind"`
				Event  json.RawMessage `json:"event"`
				Status int             `json:"status"`
				Body   json.RawMessage `json:"body"`
			}
			if json.Unmarshal(sc.Bytes(), &line) != nil {
				continue
			}
			switch line.Kind {
			case "ws_event":
				var h struct {
					Type string `json:"type"`
				}
				_ = json.Unmarshal(line.Event, &h)
				if r.shapes[h.Type] == nil {
					r.shapes[h.Type] = map[string]bool{}
				}
				r.shapes[h.Type][shape(line.Event)] = true
			case "rest_response":
				if line.Status >= 400 {
					r.errors[errKey(line.Status, line.Body)] = true
				} else if len(line.Body) > 0 && line.Body[0] == '{' {
					r.restKeys[shape(line.Body)] = true
				}
			}
		}
		fh.Close()
	}
	return r
}

func errKey(status int, body []byte) string {
	var b map[string]string
	_ = json.Unmarshal(body, &b)
	return strings.TrimSpace(fmt.Sprint(status) + " " + b["message"] + b["error"])
}

// TestGoldenARIEvents compares the JSON key order of every event type the
// simulator sends with the events a real Asterisk sent.
func TestGoldenARIEvents(t *testing.T) {
	ref := loadARIRef(t)
	s := startSim(t, Options{ARIApp: "callcenter"})
	s.DefineEndpoint(EndpointSpec{Number: "1001", AnswerAfter: 5 * time.Millisecond})
	raw := make(chan []byte, 1000)
	c := dialARIRaw(t, s, "callcenter", true, raw)
	id, _ := s.PlaceCall(CallSpec{Front: FrontAsterisk, From: "15551230001", FromName: "Customer", To: "4000"})
	c.do("POST", "/channels/"+id+"/answer", nil, "")
	c.do("POST", "/channels", url.Values{"endpoint": {"PJSIP/1001"}, "app": {"callcenter"}, "channelId": {"agent-1"}}, "")
	waitFor(t, func() bool { return s.model.chanUp("agent-1") })
	c.do("POST", "/channels/"+id+"/play", url.Values{"media": {"sound:hello-world"}, "playbackId": {"pb-1"}}, "")
	c.do("POST", "/channels/"+id+"/record", url.Values{"name": {"rec-1"}, "format": {"wav"}}, "")
	c.do("POST", "/recordings/live/rec-1/stop", nil, "")
	c.do("POST", "/bridges", url.Values{"bridgeId": {"br-1"}}, "")
	c.do("POST", "/bridges/br-1/addChannel", url.Values{"channel": {id + ",agent-1"}}, "")
	c.do("POST", "/channels/agent-1/dtmf", url.Values{"dtmf": {"1"}}, "")
	c.do("POST", "/channels/"+id+"/variable", url.Values{"variable": {"CC_QUEUE"}, "value": {"sales"}}, "")
	c.do("POST", "/bridges/br-1/removeChannel", url.Values{"channel": {"agent-1"}}, "")
	c.do("DELETE", "/channels/agent-1", url.Values{"reason": {"normal"}}, "")
	c.do("DELETE", "/bridges/br-1", nil, "")
	s.HangupCall(id)
	// A second socket for the app replaces the first.
	dialARI(t, s, "callcenter", true)
	seen := map[string]bool{}
	deadline := time.After(3 * time.Second)
	for !seen["ApplicationReplaced"] {
		select {
		case b := <-raw:
			var h struct {
				Type string `json:"type"`
			}
			_ = json.Unmarshal(b, &h)
			seen[h.Type] = true
			refs := ref.shapes[h.Type]
			if len(refs) == 0 {
				t.Errorf("%s: no such event in the transcripts", h.Type)
				continue
			}
			if sh := shape(b); !refs[sh] {
				t.Errorf("%s: key order differs from Asterisk\nours: %s\nref:  %v", h.Type, sh, keys(refs))
			}
		case <-deadline:
			t.Fatalf("no ApplicationReplaced; saw %v", seen)
		}
	}
	for _, want := range []string{"ChannelCreated", "Dial", "ChannelStateChange", "StasisStart", "StasisEnd",
		"PlaybackStarted", "PlaybackFinished", "RecordingStarted", "RecordingFinished", "BridgeCreated",
		"BridgeDestroyed", "ChannelEnteredBridge", "ChannelLeftBridge", "ChannelDtmfReceived", "ChannelVarset",
		"ChannelHangupRequest", "ChannelDestroyed", "ApplicationReplaced"} {
		if !seen[want] {
			t.Errorf("%s not produced", want)
		}
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// dialARIRaw opens an events socket that keeps the raw frames (key order
// survives) and returns a REST client.
func dialARIRaw(t *testing.T, s *Sim, app string, all bool, raw chan []byte) *ariClient {
	t.Helper()
	ws := strings.Replace(s.ARIURL(), "http://", "ws://", 1) + "/events?api_key=ari:ari&app=" + app
	if all {
		ws += "&subscribeAll=true"
	}
	ctx, cancel := context.WithCancel(context.Background())
	conn, _, err := websocket.Dial(ctx, ws, nil)
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		for {
			_, b, err := conn.Read(ctx)
			if err != nil {
				return
			}
			raw <- b
		}
	}()
	t.Cleanup(func() {
		conn.Close(websocket.StatusNormalClosure, "")
		cancel()
	})
	return &ariClient{t: t, base: s.ARIURL()}
}

type rawResp struct {
	status int
	body   []byte
}

func httpGet(u, user, pass string) (rawResp, error) {
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		return rawResp{}, err
	}
	req.SetBasicAuth(user, pass)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return rawResp{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return rawResp{resp.StatusCode, b}, err
}

// TestGoldenARIErrors checks REST error statuses and messages against the
// error replies Asterisk gave.
func TestGoldenARIErrors(t *testing.T) {
	ref := loadARIRef(t)
	s := startSim(t, Options{ARIApp: "callcenter"})
	s.DefineEndpoint(EndpointSpec{Number: "1001"})
	c := dialARI(t, s, "callcenter", false)
	c.do("POST", "/channels", url.Values{"endpoint": {"Local/agent@test/n"}, "app": {"callcenter"}, "channelId": {"err-dup"}}, "")
	waitFor(t, func() bool { return s.model.chanUp("err-dup") })
	c.do("POST", "/bridges", url.Values{"bridgeId": {"dup-br"}}, "")
	c.do("POST", "/channels/err-dup/play", url.Values{"media": {"sound:beep"}, "playbackId": {"pb-1"}}, "")
	for _, q := range []struct {
		method, path string
		v            url.Values
		body         string
	}{
		{"POST", "/channels", url.Values{"app": {"callcenter"}, "endpoint": {"NoSuchTech/x"}}, ""},
		{"POST", "/channels", url.Values{"app": {"callcenter"}, "endpoint": {"garbage"}}, ""},
		{"POST", "/channels", url.Values{"app": {"callcenter"}}, ""},
		{"POST", "/channels", url.Values{"endpoint": {"Local/x@test/n"}}, ""},
		{"POST", "/channels", url.Values{"app": {"callcenter"}, "endpoint": {"Local/x@test/n"}, "channelId": {"err-dup"}}, ""},
		{"POST", "/channels/no-such-channel/play", url.Values{"media": {"sound:beep"}}, ""},
		{"POST", "/channels/no-such-channel/answer", nil, ""},
		{"DELETE", "/channels/no-such-channel", nil, ""},
		{"GET", "/channels/no-such-channel", nil, ""},
		{"POST", "/channels/no-such-channel/snoop", url.Values{"app": {"callcenter"}, "spy": {"both"}}, ""},
		{"POST", "/channels/err-dup/snoop", url.Values{"spy": {"both"}}, ""},
		{"POST", "/channels/err-dup/snoop", url.Values{"app": {"callcenter"}, "spy": {"bogus"}}, ""},
		{"POST", "/channels/err-dup/play", nil, ""},
		{"GET", "/channels/err-dup/variable", nil, ""},
		{"GET", "/channels/err-dup/variable", url.Values{"variable": {"NO_SUCH_VAR"}}, ""},
		{"DELETE", "/channels/err-dup", url.Values{"reason": {"bogus"}}, ""},
		{"DELETE", "/channels/err-dup", url.Values{"reason_code": {"abc"}}, ""},
		{"POST", "/channels/err-dup/dtmf", nil, ""},
		{"POST", "/playbacks/no-such-playback/control", url.Values{"operation": {"pause"}}, ""},
		{"POST", "/playbacks/pb-1/control", url.Values{"operation": {"bogus"}}, ""},
		{"DELETE", "/playbacks/no-such-playback", nil, ""},
		{"POST", "/bridges", url.Values{"bridgeId": {"dup-br"}}, ""},
		{"POST", "/bridges/dup-br/addChannel", url.Values{"channel": {"no-such-channel"}}, ""},
		{"POST", "/bridges/dup-br/addChannel", nil, ""},
		{"POST", "/bridges/no-such-bridge/addChannel", url.Values{"channel": {"err-dup"}}, ""},
		{"POST", "/bridges/dup-br/removeChannel", url.Values{"channel": {"err-dup"}}, ""},
		{"DELETE", "/bridges/no-such-bridge", nil, ""},
		{"POST", "/recordings/live/no-such-rec/stop", nil, ""},
		{"GET", "/recordings/stored/no-such-rec", nil, ""},
		{"POST", "/channels/err-dup/record", url.Values{"format": {"wav"}, "name": {"../escape"}}, ""},
		{"POST", "/channels/err-dup/record", url.Values{"format": {"nosuchformat"}, "name": {"r"}}, ""},
		{"GET", "/no-such-resource", nil, ""},
		{"GET", "/applications/no-such-app", nil, ""},
		{"PUT", "/channels", nil, ""},
		{"POST", "/channels", url.Values{"app": {"callcenter"}, "endpoint": {"Local/x@test/n"}}, `"{bad json"`},
	} {
		req := q
		st, body, _ := c.do(req.method, req.path, req.v, req.body)
		b, _ := json.Marshal(body)
		if k := errKey(st, b); !ref.errors[k] {
			t.Errorf("%s %s?%s: %d %s is not an error Asterisk gave", req.method, req.path, req.v.Encode(), st, b)
		}
	}
	// Wrong credentials.
	resp, err := httpGet(s.ARIURL()+"/asterisk/info", "ari", "wrong")
	if err != nil || errKey(resp.status, resp.body) != "401 Authentication required" {
		t.Errorf("auth: %v %+v", err, resp)
	}
}

// TestGoldenARIBodies compares the key order of successful REST bodies
// (channel, bridge, playback, live recording, ping, application, variable)
// with Asterisk's.
func TestGoldenARIBodies(t *testing.T) {
	ref := loadARIRef(t)
	s := startSim(t, Options{ARIApp: "callcenter"})
	dialARI(t, s, "callcenter", true)
	id, _ := s.PlaceCall(CallSpec{Front: FrontAsterisk, From: "15551230001", FromName: "Customer", To: "4000"})
	c := &ariClient{t: t, base: s.ARIURL()}
	rawBody := func(method, path string, q url.Values) []byte {
		u := s.ARIURL() + path
		if len(q) > 0 {
			u += "?" + q.Encode()
		}
		req, _ := http.NewRequest(method, u, nil)
		req.SetBasicAuth("ari", "ari")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return b
	}
	c.do("POST", "/channels/"+id+"/answer", nil, "")
	c.do("POST", "/channels/"+id+"/variable", url.Values{"variable": {"X"}, "value": {"1"}}, "")
	for _, q := range []struct {
		method, path string
		v            url.Values
	}{
		{"GET", "/channels/" + id, nil},
		{"POST", "/bridges", url.Values{"bridgeId": {"b1"}, "type": {"mixing"}}},
		{"POST", "/channels/" + id + "/play", url.Values{"media": {"sound:hello-world"}, "playbackId": {"p1"}}},
		{"GET", "/playbacks/p1", nil},
		{"POST", "/channels/" + id + "/record", url.Values{"name": {"r1"}, "format": {"wav"}}},
		{"GET", "/recordings/live/r1", nil},
		{"GET", "/asterisk/ping", nil},
		{"GET", "/asterisk/info", nil},
		{"GET", "/applications/callcenter", nil},
		{"GET", "/channels/" + id + "/variable", url.Values{"variable": {"X"}}},
	} {
		b := rawBody(q.method, q.path, q.v)
		if sh := shape(b); !ref.restKeys[sh] {
			t.Errorf("%s %s: body keys %q differ from Asterisk's", q.method, q.path, sh)
		}
	}
}
