package sim

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

var trunkVars = map[string]string{"ipcc_trunk": "unicom-e1", "ipcc_lang": "zh"}

// On FreeSWITCH a caller's variables are channel variables, as if the
// dialplan had run "set" before "park": variable_<name> headers.
func TestCallVarsESL(t *testing.T) {
	s := startSim(t, Options{})
	c := authed(t, s)
	if r := c.cmd("event plain CHANNEL_PARK", nil); r.headers["Reply-Text"] != "+OK event listener enabled plain" {
		t.Fatalf("event: %v", r.headers)
	}
	id, err := s.PlaceCall(CallSpec{From: "15551230001", To: "4000", Vars: trunkVars})
	if err != nil {
		t.Fatal(err)
	}
	park := c.waitEvent("CHANNEL_PARK", id)
	if park["variable_ipcc_trunk"] != "unicom-e1" || park["variable_ipcc_lang"] != "zh" || park["variable_ipcc_did"] != "4000" {
		t.Fatalf("park event: %v", park)
	}
	if r := c.cmd("api uuid_getvar "+id+" ipcc_trunk", nil); r.body != "unicom-e1" {
		t.Fatalf("uuid_getvar: %q", r.body)
	}
}

// On Asterisk they are Stasis arguments after the DID, as
// Stasis(callcenter,4000,ipcc_lang=zh,ipcc_trunk=unicom-e1) sends them, and
// not channel variables.
func TestCallVarsARI(t *testing.T) {
	s := startSim(t, Options{ARIApp: "callcenter"})
	c := dialARI(t, s, "callcenter", false)
	id, err := s.PlaceCall(CallSpec{Front: FrontAsterisk, From: "15551230001", To: "4000", Vars: trunkVars})
	if err != nil {
		t.Fatal(err)
	}
	ss := c.wait("StasisStart", id)
	b, _ := json.Marshal(ss["args"])
	if string(b) != `["4000","ipcc_lang=zh","ipcc_trunk=unicom-e1"]` {
		t.Fatalf("args %s", b)
	}
	dp := ss["channel"].(map[string]any)["dialplan"].(map[string]any)
	if dp["app_name"] != "Stasis" || dp["app_data"] != "callcenter,4000,ipcc_lang=zh,ipcc_trunk=unicom-e1" {
		t.Fatalf("dialplan %v", dp)
	}
	info, err := s.Call(id)
	if err != nil || info.Vars["ipcc_trunk"] != "" || strings.Join(info.AppArgs, ",") != "4000,ipcc_lang=zh,ipcc_trunk=unicom-e1" {
		t.Fatalf("call info %+v %v", info, err)
	}
}

func TestCallVarsControlAPI(t *testing.T) {
	s := startSim(t, Options{ARIApp: "callcenter"})
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	post := func(body string) (int, map[string]any) {
		t.Helper()
		resp, err := http.Post(srv.URL+"/sim/v1/calls", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	t.Run("freeswitch: channel variables", func(t *testing.T) {
		st, out := post(`{"from":"100","to":"4000","vars":{"ipcc_trunk":"unicom-e1"}}`)
		if vars, _ := out["vars"].(map[string]any); st != 201 || vars["ipcc_trunk"] != "unicom-e1" {
			t.Fatalf("place: %d %v", st, out)
		}
	})
	t.Run("asterisk: Stasis arguments", func(t *testing.T) {
		st, out := post(`{"front":"asterisk","from":"100","to":"4000","vars":{"ipcc_trunk":"unicom-e1"}}`)
		if b, _ := json.Marshal(out["app_args"]); st != 201 || string(b) != `["4000","ipcc_trunk=unicom-e1"]` {
			t.Fatalf("place: %d %v", st, out)
		}
	})
	t.Run("a name a dialplan could not write is refused", func(t *testing.T) {
		for _, name := range []string{"", "a=b", "a,b", "a b"} {
			body, _ := json.Marshal(map[string]any{"front": "asterisk", "from": "100", "to": "4000", "vars": map[string]string{name: "x"}})
			st, out := post(string(body))
			if e, _ := out["error"].(map[string]any); st != 400 || e["field"] != "vars" {
				t.Errorf("name %q: %d %v", name, st, out)
			}
		}
	})
}
