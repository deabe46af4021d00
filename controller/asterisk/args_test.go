package asterisk

import (
	"strings"
	"testing"
)

// refDialplanStasisStart is a StasisStart for a channel that entered Stasis
// from the dialplan, verbatim from
// shared/reference/transcripts/ari-hangup-causes.jsonl (seq 268): the
// arguments after the application name in app_data ("callcenter,inbound")
// arrive one by one in "args".
const refDialplanStasisStart = `{"type":"StasisStart","timestamp":"2026-11-22T00:02:25.133+0000","args":["inbound"],"channel":{"id":"hc-dpcaller-in","name":"Local/caller@test-0000001f;2","state":"Up","protocol_id":"","caller":{"name":"","number":""},"connected":{"name":"","number":""},"accountcode":"","dialplan":{"context":"test","exten":"caller","priority":3,"app_name":"Stasis","app_data":"callcenter,inbound"},"creationtime":"2026-11-22T00:02:24.632+0000","language":"en"},"asterisk_id":"02:fc:00:00:00:01","application":"callcenter"}`

// withArgs is the reference frame as Asterisk sends it for
// Stasis(callcenter,<args joined by commas>).
func withArgs(args ...string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = `"` + a + `"`
	}
	f := strings.Replace(refDialplanStasisStart, `"args":["inbound"]`, `"args":[`+strings.Join(quoted, ",")+`]`, 1)
	return strings.Replace(f, `"app_data":"callcenter,inbound"`, `"app_data":"callcenter,`+strings.Join(args, ",")+`"`, 1)
}

// The dialplan names the trunk as a Stasis argument,
// Stasis(ipcc,${EXTEN},ipcc_trunk=unicom-e1): the first argument is the
// DNIS, every name=value after it a call variable under its own name, as
// FreeSWITCH's variable_ipcc_* headers are.
func TestStasisArgsBecomeVariables(t *testing.T) {
	tests := []struct {
		name  string
		frame string
		want  string
	}{
		{"the reference frame: one argument, the DNIS", refDialplanStasisStart,
			"call_arrived leg=hc-dpcaller-in dnis=inbound\n  answered leg=hc-dpcaller-in"},
		{"the trunk after the DNIS", withArgs("4000", "ipcc_trunk=unicom-e1"),
			"call_arrived leg=hc-dpcaller-in dnis=4000 var.ipcc_trunk=unicom-e1\n  answered leg=hc-dpcaller-in"},
		{"several ipcc_ variables, in any order", withArgs("4000", "ipcc_lang=zh", "ipcc_trunk=unicom-e1"),
			"call_arrived leg=hc-dpcaller-in dnis=4000 var.ipcc_lang=zh var.ipcc_trunk=unicom-e1\n  answered leg=hc-dpcaller-in"},
		{"a value may itself hold '='", withArgs("4000", "ipcc_note=a=b"),
			"call_arrived leg=hc-dpcaller-in dnis=4000 var.ipcc_note=a=b\n  answered leg=hc-dpcaller-in"},
		{"an empty first argument leaves the dialplan extension as DNIS", withArgs("", "ipcc_trunk=unicom-e1"),
			"call_arrived leg=hc-dpcaller-in dnis=caller var.ipcc_trunk=unicom-e1\n  answered leg=hc-dpcaller-in"},
		{"an argument without '=' is kept by position", withArgs("4000", "vip"),
			"call_arrived leg=hc-dpcaller-in dnis=4000 var.arg1=vip\n  answered leg=hc-dpcaller-in"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := newTranslator(t).feed(tc.frame); got != tc.want {
				t.Fatalf("got\n  %s\nwant\n  %s", got, tc.want)
			}
		})
	}
}
