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
