package inbound_test

import (
	"testing"
	"time"

	"github.com/ipcc/ipcc/controller/sim"
)

// The record names the trunk the dialplan attached to the call: ipcc_trunk
// set before park on FreeSWITCH, a Stasis argument after the DID on
// Asterisk (Stasis(ipcc,${EXTEN},ipcc_trunk=unicom-e1)). Without it the
// trunk stays empty.
func TestScenarioTrunkOnRecord(t *testing.T) {
	t.Parallel()
	for _, f := range fronts {
		t.Run(string(f), func(t *testing.T) {
			w := newWorld(t, f, openTime, "http://127.0.0.1:1")
			tests := []struct {
				name, ani string
				vars      map[string]string
				want      string
			}{
				{"named by the dialplan", "13800138200", map[string]string{"ipcc_trunk": "unicom-e1"}, "unicom-e1"},
				{"not named", "13800138201", nil, ""},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					leg, err := w.w.Sim.PlaceCall(sim.CallSpec{Front: f, From: tt.ani, To: "4001",
						HangupAfter: 500 * time.Millisecond, Vars: tt.vars})
					if err != nil {
						t.Fatal(err)
					}
					rec := w.record(leg)
					if rec.Trunk != tt.want || rec.DNIS != "4001" || rec.ANI != tt.ani || rec.Direction != "inbound" {
						t.Fatalf("record %+v, want trunk %q", rec, tt.want)
					}
				})
			}
		})
	}
}
