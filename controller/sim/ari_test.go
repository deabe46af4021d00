package sim

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

type ariClient struct {
	t    *testing.T
	base string
	evs  chan map[string]any
}

func (c *ariClient) do(method, path string, q url.Values, body string) (int, map[string]any, []any) {
	c.t.Helper()
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, u, rd)
	req.SetBasicAuth("ari", "ari")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var obj map[string]any
	var arr []any
	if len(raw) > 0 && raw[0] == '[' {
		_ = json.Unmarshal(raw, &arr)
	} else if len(raw) > 0 {
		if err := json.Unmarshal(raw, &obj); err != nil {
			c.t.Fatalf("%s %s: bad json %q", method, path, raw)
		}
	}
	return resp.StatusCode, obj, arr
}

func dialARI(t *testing.T, s *Sim, app string, all bool) *ariClient {
	t.Helper()
	c := &ariClient{t: t, base: s.ARIURL(), evs: make(chan map[string]any, 1000)}
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
		defer close(c.evs)
		for {
			_, b, err := conn.Read(ctx)
			if err != nil {
				return
			}
			var m map[string]any
			if json.Unmarshal(b, &m) == nil {
				c.evs <- m
			}
		}
	}()
	t.Cleanup(func() {
		conn.Close(websocket.StatusNormalClosure, "")
		cancel()
	})
	return c
}

func (c *ariClient) wait(typ, chanID string) map[string]any {
	c.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case e, ok := <-c.evs:
			if !ok {
				c.t.Fatalf("socket closed waiting for %s", typ)
			}
			if e["type"] != typ {
				continue
			}
			if chanID != "" {
				ch, _ := e["channel"].(map[string]any)
				if ch == nil || ch["id"] != chanID {
					continue
				}
			}
			return e
		case <-deadline:
			c.t.Fatalf("timeout waiting for %s %s", typ, chanID)
		}
	}
}

func TestARIInboundBridgeSnoop(t *testing.T) {
	s := startSim(t, Options{ARIApp: "callcenter"})
	s.DefineEndpoint(EndpointSpec{Number: "1001", AnswerAfter: 10 * time.Millisecond})
	s.DefineEndpoint(EndpointSpec{Number: "2001", AnswerAfter: 10 * time.Millisecond})
	c := dialARI(t, s, "callcenter", false)
	if st, body, _ := c.do("GET", "/applications/callcenter", nil, ""); st != 200 || body["name"] != "callcenter" {
		t.Fatalf("app: %d %v", st, body)
	}
	id, err := s.PlaceCall(CallSpec{Front: FrontAsterisk, From: "15551230001", To: "4000"})
	if err != nil {
		t.Fatal(err)
	}
	ss := c.wait("StasisStart", id)
	if args := ss["args"].([]any); len(args) != 1 || args[0] != "4000" {
		t.Fatalf("args %v", ss["args"])
	}
	if st, _, _ := c.do("POST", "/channels/"+id+"/answer", nil, ""); st != 204 {
		t.Fatalf("answer %d", st)
	}
	st, body, _ := c.do("POST", "/channels", url.Values{"endpoint": {"PJSIP/1001"}, "app": {"callcenter"}, "appArgs": {"agent"}, "channelId": {"agent-1"}}, `{"variables":{"X":"1"}}`)
	if st != 200 || body["id"] != "agent-1" {
		t.Fatalf("originate %d %v", st, body)
	}
	c.wait("StasisStart", "agent-1")
	st, _, _ = c.do("POST", "/bridges", url.Values{"bridgeId": {"br-1"}, "type": {"mixing"}}, "")
	if st != 200 {
		t.Fatalf("bridge %d", st)
	}
	if st, _, _ := c.do("POST", "/bridges/br-1/addChannel", url.Values{"channel": {id + ",agent-1"}}, ""); st != 204 {
		t.Fatalf("add %d", st)
	}
	c.wait("ChannelEnteredBridge", "agent-1")
	if !s.Hears(id, "agent-1") || !s.Hears("agent-1", id) {
		t.Fatal("bridge: both must hear each other")
	}
	// Music on hold on a bridged channel: a generator, so what the bridge
	// writes to it is dropped (ast_write), but its party still speaks into
	// the bridge.
	if st, _, _ := c.do("POST", "/channels/"+id+"/moh", url.Values{"mohClass": {"default"}}, ""); st != 204 {
		t.Fatalf("moh %d", st)
	}
	if info, _ := s.Call(id); info.Music != "default" || s.Hears(id, "agent-1") || !s.Hears("agent-1", id) {
		t.Fatalf("moh in a bridge: music %q, caller hears agent %v, agent hears caller %v", info.Music, s.Hears(id, "agent-1"), s.Hears("agent-1", id))
	}
	c.do("DELETE", "/channels/"+id+"/moh", nil, "")
	if info, _ := s.Call(id); info.Music != "" || !s.Hears(id, "agent-1") {
		t.Fatalf("moh stopped: music %q, caller hears agent %v", info.Music, s.Hears(id, "agent-1"))
	}
	// supervisor: snoop spy=both whisper=out into a bridge with the supervisor
	c.do("POST", "/channels", url.Values{"endpoint": {"PJSIP/2001"}, "app": {"callcenter"}, "channelId": {"sup-1"}}, "")
	c.wait("StasisStart", "sup-1")
	st, _, _ = c.do("POST", "/channels/agent-1/snoop", url.Values{"app": {"callcenter"}, "spy": {"both"}, "whisper": {"out"}, "snoopId": {"snoop-1"}}, "")
	if st != 200 {
		t.Fatalf("snoop %d", st)
	}
	c.do("POST", "/bridges", url.Values{"bridgeId": {"wh-1"}}, "")
	c.do("POST", "/bridges/wh-1/addChannel", url.Values{"channel": {"snoop-1,sup-1"}}, "")
	if !s.Hears("sup-1", id) || !s.Hears("sup-1", "agent-1") || !s.Hears("agent-1", "sup-1") || s.Hears(id, "sup-1") {
		t.Fatalf("whisper: %v", s.HearingHistory())
	}
	// DTMF out of the agent reaches the caller.
	c.do("POST", "/channels/agent-1/dtmf", url.Values{"dtmf": {"5"}}, "")
	d := c.wait("ChannelDtmfReceived", id)
	if d["digit"] != "5" {
		t.Fatalf("dtmf %v", d)
	}
	// Errors.
	if st, body, _ := c.do("GET", "/channels/nope", nil, ""); st != 404 || body["message"] != "Channel not found" {
		t.Fatalf("404: %d %v", st, body)
	}
	if st, body, _ := c.do("POST", "/channels/"+id+"/dtmf", nil, ""); st != 400 || body["message"] != "DTMF is required" {
		t.Fatalf("400: %d %v", st, body)
	}
	if st, _, _ := c.do("DELETE", "/channels/agent-1", url.Values{"reason": {"busy"}}, ""); st != 204 {
		t.Fatalf("delete %d", st)
	}
	dd := c.wait("ChannelDestroyed", "agent-1")
	if dd["cause"].(float64) != 17 || dd["cause_txt"] != "User busy" {
		t.Fatalf("destroyed %v", dd)
	}
	// A dialplan channel leaves with StasisEnd and no ChannelDestroyed.
	s.HangupCall(id)
	c.wait("StasisEnd", id)
	if info, _ := s.Call(id); info.Cause != "NORMAL_CLEARING" || info.HangupBy != "remote" {
		t.Fatalf("caller %+v", info)
	}
}
