package sim

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// A congested gateway: FreeSWITCH's originate fails as it does for a SIP
// 503 (-ERR NORMAL_TEMPORARY_FAILURE), a down one at once with
// -ERR GATEWAY_DOWN; other gateways dial as usual.
func TestTrunkScriptsESL(t *testing.T) {
	s := startSim(t, Options{})
	c := authed(t, s)
	for _, ts := range []TrunkSpec{{Name: "gw-a", Behavior: TrunkCongested}, {Name: "gw-b", Behavior: TrunkDown}, {Name: "gw-e1", Behavior: TrunkCongested, Cause: "NORMAL_CIRCUIT_CONGESTION"}} {
		if err := s.DefineTrunk(ts); err != nil {
			t.Fatal(err)
		}
	}
	for gw, want := range map[string]string{"gw-a": "-ERR NORMAL_TEMPORARY_FAILURE\n", "gw-b": "-ERR GATEWAY_DOWN\n", "gw-e1": "-ERR NORMAL_CIRCUIT_CONGESTION\n"} {
		if r := c.cmd("api originate sofia/gateway/"+gw+"/13800000001 &park()", nil); r.body != want {
			t.Errorf("through %s: %q, want %q", gw, r.body, want)
		}
	}
	if r := c.cmd("api originate sofia/gateway/gw-c/13800000001 &park()", nil); !strings.HasPrefix(r.body, "+OK ") {
		t.Errorf("through a working gateway: %q", r.body)
	}
	// Up again.
	if err := s.DefineTrunk(TrunkSpec{Name: "gw-a", Behavior: TrunkUp}); err != nil {
		t.Fatal(err)
	}
	if r := c.cmd("api originate sofia/gateway/gw-a/13800000002 &park()", nil); !strings.HasPrefix(r.body, "+OK ") {
		t.Errorf("gw-a back up: %q", r.body)
	}
	if err := s.DefineTrunk(TrunkSpec{Name: "x", Behavior: "broken"}); err == nil {
		t.Error("a bad behaviour was taken")
	}
}

// Asterisk: the channel is created (200) and destroyed with cause 34
// without ringing, as res_pjsip reports a 503.
func TestTrunkScriptsARI(t *testing.T) {
	s := startSim(t, Options{})
	a := dialARI(t, s, "callcenter", false)
	if err := s.DefineTrunk(TrunkSpec{Name: "gw-a", Behavior: TrunkCongested}); err != nil {
		t.Fatal(err)
	}
	st, _, _ := a.do("POST", "/channels", url.Values{"endpoint": {"PJSIP/13800000001@gw-a"}, "app": {"callcenter"}, "channelId": {"out-1"}}, "")
	if st != 200 {
		t.Fatalf("originate: %d", st)
	}
	ev := a.wait("ChannelDestroyed", "out-1")
	if ev["cause"] != float64(34) || ev["cause_txt"] != "Circuit/channel congestion" {
		t.Fatalf("destroyed %v", ev)
	}
	calls := s.Calls()
	if len(calls) != 1 || calls[0].Trunk != "gw-a" || calls[0].Endpoint != "13800000001" {
		t.Fatalf("calls %+v", calls)
	}
	// A trunk whose contacts are all unreachable: a real Asterisk refuses
	// the originate with 500 "Allocation failed" and creates no channel
	// (chan_pjsip finds no contact to send the INVITE to; checked on a real
	// Asterisk with PJSIP, docs/testing-real-switches.md).
	if err := s.DefineTrunk(TrunkSpec{Name: "gw-b", Behavior: TrunkDown}); err != nil {
		t.Fatal(err)
	}
	st, body, _ := a.do("POST", "/channels", url.Values{"endpoint": {"PJSIP/13800000002@gw-b"}, "app": {"callcenter"}, "channelId": {"out-2"}}, "")
	if st != 500 || body["error"] != "Allocation failed" {
		t.Fatalf("originate through a down trunk: %d %s", st, body)
	}
	if n := len(s.Calls()); n != 1 {
		t.Fatalf("a channel was created for the down trunk: %d calls", n)
	}
}

func TestTrunkControlAPI(t *testing.T) {
	s := startSim(t, Options{})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	put := func(name, body string) int {
		req, _ := http.NewRequest("PUT", srv.URL+"/sim/v1/trunks/"+name, strings.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := put("gw-a", `{"behavior":"congested","cause":"SWITCH_CONGESTION"}`); st != 200 {
		t.Fatalf("put: %d", st)
	}
	if st := put("gw-b", `{"behavior":"sideways"}`); st != 400 {
		t.Fatalf("bad behaviour: %d", st)
	}
	if st := put("gw-b", `{"behavior":"down","cause":"lower case"}`); st != 400 {
		t.Fatalf("bad cause: %d", st)
	}
	if got := s.Trunks(); len(got) != 1 || got[0].Name != "gw-a" || got[0].Cause != "SWITCH_CONGESTION" {
		t.Fatalf("trunks %+v", got)
	}
	resp, err := http.Get(srv.URL + "/sim/v1/trunks")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("list: %v %v", resp, err)
	}
	resp.Body.Close()
}

// An inter-switch trunk: a phone registered on the Asterisk front is no
// user of the FreeSWITCH front, but the FreeSWITCH front reaches it
// through its gateway to Asterisk (prefix taken off); the leg stays on
// FreeSWITCH and says which front's phone it rang.
func TestInterSwitchTrunkESL(t *testing.T) {
	s := startSim(t, Options{})
	c := authed(t, s)
	if err := s.DefineEndpoint(EndpointSpec{Number: "2001", Front: FrontAsterisk}); err != nil {
		t.Fatal(err)
	}
	if err := s.DefineTrunk(TrunkSpec{Name: "to-ast1", Behavior: TrunkUp, Peer: FrontAsterisk, Prefix: "88"}); err != nil {
		t.Fatal(err)
	}
	if r := c.cmd("api originate user/2001 &park()", nil); r.body != "-ERR SUBSCRIBER_ABSENT\n" {
		t.Errorf("user/2001 on FreeSWITCH: %q", r.body)
	}
	if r := c.cmd("api originate sofia/gateway/to-ast1/2001 &park()", nil); r.body != "-ERR NO_ROUTE_DESTINATION\n" {
		t.Errorf("without the prefix: %q", r.body)
	}
	if r := c.cmd("api originate sofia/gateway/to-ast1/883001 &park()", nil); r.body != "-ERR SUBSCRIBER_ABSENT\n" {
		t.Errorf("a phone the far switch lacks: %q", r.body)
	}
	r := c.cmd("api originate {origination_uuid=via-trunk}sofia/gateway/to-ast1/882001 &park()", nil)
	if !strings.HasPrefix(r.body, "+OK ") {
		t.Fatalf("through the trunk: %q", r.body)
	}
	ci, err := s.Call("via-trunk")
	if err != nil {
		t.Fatal(err)
	}
	if ci.Front != FrontFreeSWITCH || ci.Reached != FrontAsterisk || ci.Trunk != "to-ast1" || ci.Endpoint != "882001" || ci.State != "up" {
		t.Fatalf("leg %+v", ci)
	}
	if err := s.DefineTrunk(TrunkSpec{Name: "x", Behavior: TrunkUp, Peer: "pbx"}); err == nil {
		t.Error("a bad peer was taken")
	}
	if err := s.DefineTrunk(TrunkSpec{Name: "x", Behavior: TrunkUp, Prefix: "9"}); err == nil {
		t.Error("a prefix without a peer was taken")
	}
}

// Asterisk: PJSIP/<ext> of a phone registered on FreeSWITCH is no
// endpoint here (500 Allocation failed); PJSIP/<ext>@<trunk to
// FreeSWITCH> rings it.
func TestInterSwitchTrunkARI(t *testing.T) {
	s := startSim(t, Options{})
	a := dialARI(t, s, "callcenter", false)
	if err := s.DefineEndpoint(EndpointSpec{Number: "1001", Front: FrontFreeSWITCH}); err != nil {
		t.Fatal(err)
	}
	if err := s.DefineTrunk(TrunkSpec{Name: "to-fs1", Behavior: TrunkUp, Peer: FrontFreeSWITCH}); err != nil {
		t.Fatal(err)
	}
	if st, _, _ := a.do("POST", "/channels", url.Values{"endpoint": {"PJSIP/1001"}, "app": {"callcenter"}, "channelId": {"local-1"}}, ""); st != 500 {
		t.Fatalf("PJSIP/1001 on Asterisk: %d", st)
	}
	if st, _, _ := a.do("POST", "/channels", url.Values{"endpoint": {"PJSIP/1001@to-fs1"}, "app": {"callcenter"}, "channelId": {"trunk-1"}}, ""); st != 200 {
		t.Fatalf("through the trunk: %d", st)
	}
	a.wait("StasisStart", "trunk-1")
	ci, err := s.Call("trunk-1")
	if err != nil || ci.Front != FrontAsterisk || ci.Reached != FrontFreeSWITCH || ci.Trunk != "to-fs1" {
		t.Fatalf("leg %+v %v", ci, err)
	}
}
